/* test-hostile-transport.c: attacks on the socket transport's inbound TCP
 * path and address cache, against live 3-node clusters on loopback
 * (issue 10, items 1, 2, 3 and the cache half of 10).
 *
 * The attacker is raw GSockets in this process, bound to other loopback
 * addresses (127.0.0.2 and up) so that it is a different source from the
 * honest nodes on 127.0.0.1. Each test asserts that honest nodes still
 * join and stay converged with no Suspect or Dead among them, and measures
 * what the attack cost (connections held, CPU, RSS, cache size).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <signal.h>
#endif

#include "test-utils.h"
#include "gossip-cluster-private.h"
#include "gossip-socket-transport-private.h"

#define N_NODES 3
#define WAIT_MS 15000
#define SCALE 0.2

#ifdef UNDER_ASAN
#define RSS_BOUND (400 * 1024 * 1024)
#else
#define RSS_BOUND (50 * 1024 * 1024)
#endif

/* ---- helpers ---- */

static gsize
rss_of (const char *statm)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents (statm, &text, NULL, NULL))
    return 0;
  fields = g_strsplit (text, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >=, 2);
  return (gsize) g_ascii_strtoull (fields[1], NULL, 10) * (gsize) sysconf (_SC_PAGESIZE);
}

/* User plus system CPU time of a process, in microseconds. */
static gint64
cpu_us_of (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  /* The command name may hold spaces: fields count from its ')'. */
  after = strrchr (text, ')');
  g_assert_nonnull (after);
  fields = g_strsplit (after + 2, " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >, 13);
  /* utime and stime are fields 14 and 15 of stat, 12 and 13 here. */
  return (gint64) (g_ascii_strtoull (fields[11], NULL, 10) + g_ascii_strtoull (fields[12], NULL, 10))
         * G_USEC_PER_SEC / sysconf (_SC_CLK_TCK);
}

static guint64
stat_of (GossipCluster *cluster,
         const char    *name)
{
  g_autoptr(GossipStats) stats = gossip_cluster_get_stats (cluster);

  return gossip_stats_get (stats, name);
}

static GossipSocketTransport *
transport_of (GossipCluster *cluster)
{
  return GOSSIP_SOCKET_TRANSPORT (cluster->transport);
}

static GSocketAddress *
tcp_address_of (const char *advertised)
{
  const char *colon = strrchr (advertised, ':');

  g_assert_nonnull (colon);
  return g_inet_socket_address_new_from_string ("127.0.0.1",
                                                (guint) g_ascii_strtoull (colon + 1, NULL, 10));
}

/* A non-blocking TCP connection from 127.0.0.@host to @to; NULL if the
 * kernel refused it (the listener's backlog is full). */
static GSocket *
attacker_connect (guint           host,
                  GSocketAddress *to)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ip = g_strdup_printf ("127.0.0.%u", host);
  g_autoptr(GSocketAddress) from = g_inet_socket_address_new_from_string (ip, 0);
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (s, from, FALSE, &error));
  g_socket_set_blocking (s, FALSE);
  if (!g_socket_connect (s, to, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    return NULL;
  return g_steal_pointer (&s);
}

/* Writes what fits without blocking; returns how much. */
static gsize
attacker_send (GSocket      *s,
               const guint8 *data,
               gsize         len)
{
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_send (s, (const char *) data, len, NULL, &error);

  return n > 0 ? (gsize) n : 0;
}

/* ---- the honest cluster ---- */

typedef struct {
  GPtrArray  *clusters;    /* GossipCluster */
  GPtrArray  *ids;         /* char *: honest node IDs */
  guint       suspect;     /* honest nodes seen Suspect or Dead by honest nodes */
} Honest;

static void
on_state_changed (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  Honest *h = user_data;

  if ((new_state == GOSSIP_NODE_STATE_SUSPECT || new_state == GOSSIP_NODE_STATE_DEAD) &&
      g_ptr_array_find_with_equal_func (h->ids, gossip_node_get_id (node), g_str_equal, NULL))
    {
      g_test_message ("honest node %s went %s", gossip_node_get_id (node),
                      gossip_node_state_to_string (new_state));
      h->suspect++;
    }
}

static GossipCluster *
honest_add (Honest       *h,
            GossipConfig *config)
{
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  if (config == NULL)
    {
      g_autoptr(GossipConfig) c = gossip_config_new ();

      gossip_config_set_bind_address (c, "127.0.0.1:0");
      gossip_config_scale_intervals (c, SCALE);
      cluster = gossip_cluster_new (c, NULL, &error);
    }
  else
    cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (cluster, "node-state-changed", G_CALLBACK (on_state_changed), h);
  gossip_cluster_start (cluster);
  g_ptr_array_add (h->clusters, cluster);
  g_ptr_array_add (h->ids, g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (cluster))));
  return cluster;
}

static void
honest_init (Honest *h)
{
  h->clusters = g_ptr_array_new_with_free_func (g_object_unref);
  h->ids = g_ptr_array_new_with_free_func (g_free);
  h->suspect = 0;
}

static void
honest_clear (Honest *h)
{
  for (guint i = 0; i < h->clusters->len; i++)
    g_signal_handlers_disconnect_by_data (h->clusters->pdata[i], h);
  test_clusters_free (g_steal_pointer (&h->clusters));
  g_ptr_array_unref (h->ids);
}

static void
honest_join (GossipCluster *cluster,
             GossipCluster *seed)
{
  g_autoptr(GError) error = NULL;
  const char *seeds[2] = { gossip_cluster_get_advertise_address (seed), NULL };
  guint n = test_cluster_join (cluster, seeds, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 1);
}

/* ---- 1: idle connections holding the inbound slots ---- */

/* A's table (max-inbound-connections 64) is full of idle connections. */
static gboolean
table_full (gpointer user_data)
{
  return gossip_socket_transport_get_n_connections (user_data) >= 64;
}

typedef struct {
  GSocketAddress *target;
  GQueue          held;      /* GSocket, oldest first */
  guint           max_held;
  guint           hosts;     /* sources 127.0.0.2 .. 127.0.0.(1 + hosts) */
  guint           next_host;
  guint           per_tick;
  guint64         opened;
} IdleFlood;

static gboolean
idle_flood_tick (gpointer user_data)
{
  IdleFlood *f = user_data;

  for (guint i = 0; i < f->per_tick; i++)
    {
      GSocket *s = attacker_connect (2 + f->next_host, f->target);

      f->next_host = (f->next_host + 1) % f->hosts;
      if (s == NULL)
        continue;
      f->opened++;
      g_queue_push_tail (&f->held, s);
      while (g_queue_get_length (&f->held) > f->max_held)
        g_object_unref (g_queue_pop_head (&f->held));
    }
  return G_SOURCE_CONTINUE;
}

static void
run_idle_slots (guint hosts)
{
  Honest h;
  GossipCluster *a, *b, *c;
  g_autoptr(GossipConfig) config = gossip_config_new ();
  IdleFlood f = { 0, };
  guint tick;
  guint64 evicted;
  gint64 t0;

  honest_init (&h);
  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, SCALE);
  /* A small table, so that the attacker fills it many times over. */
  g_object_set (config, "max-inbound-connections", 64, NULL);
  a = honest_add (&h, config);
  b = honest_add (&h, NULL);
  honest_join (b, a);
  g_assert_true (test_wait_for (test_clusters_converged, h.clusters, WAIT_MS));

  /* Connections that never send a byte, 800 new ones a second from @hosts
   * sources, each held for 5 s (past the server's 2 s deadline): the
   * table of A is always full. */
  f.target = tcp_address_of (gossip_cluster_get_advertise_address (a));
  f.hosts = hosts;
  f.max_held = 4000;
  f.per_tick = 8;
  g_queue_init (&f.held);
  tick = g_timeout_add (10, idle_flood_tick, &f);
  g_assert_true (test_wait_for (table_full, transport_of (a), WAIT_MS));

  /* An honest newcomer joins through the full table, and the cluster
   * stays healthy while the flood goes on. */
  c = honest_add (&h, NULL);
  t0 = g_get_monotonic_time ();
  honest_join (c, a);
  g_assert_true (test_wait_for (test_clusters_converged, h.clusters, WAIT_MS));
  g_test_message ("%u source(s): join + convergence in %" G_GINT64_FORMAT " ms during the flood",
                  hosts, (g_get_monotonic_time () - t0) / 1000);
  test_run_for (1000);
  g_assert_true (test_clusters_converged (h.clusters));

  g_source_remove (tick);
  evicted = stat_of (a, "tcp-connections-evicted");
  g_test_message ("%u source(s): %" G_GUINT64_FORMAT " attacker connections opened, "
                  "%" G_GUINT64_FORMAT " evicted, %" G_GUINT64_FORMAT " refused, %u open at A",
                  hosts, f.opened, evicted, stat_of (a, "tcp-connections-refused"),
                  gossip_socket_transport_get_n_connections (transport_of (a)));
  g_assert_cmpuint (evicted, >, 0);
  g_assert_cmpuint (gossip_socket_transport_get_n_connections (transport_of (a)), <=, 64);
  g_assert_cmpuint (h.suspect, ==, 0);

  g_queue_clear_full (&f.held, g_object_unref);
  g_object_unref (f.target);
  honest_clear (&h);
}

static void
test_idle_slots_one_source (void)
{
  run_idle_slots (1);
}

static void
test_idle_slots_many_sources (void)
{
  run_idle_slots (16);
}

/* ---- 2: descriptor exhaustion ---- */

#define CHILD_NOFILE 256

typedef struct {
  GSubprocess      *proc;
  GDataInputStream *out;
  GPtrArray        *lines;
  GCancellable     *cancellable;
} Child;

static void child_read_next (Child *child);

static void
child_line_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Child *child = user_data;
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result,
                                                          NULL, &error);

  if (line == NULL)
    return;
  g_ptr_array_add (child->lines, line);
  child_read_next (child);
}

static void
child_read_next (Child *child)
{
  g_data_input_stream_read_line_async (child->out, G_PRIORITY_DEFAULT, child->cancellable,
                                       child_line_cb, child);
}

static void
child_setup (gpointer user_data)
{
  struct rlimit rl = { CHILD_NOFILE, CHILD_NOFILE };

#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
  setrlimit (RLIMIT_NOFILE, &rl);
}

typedef struct {
  Child      *child;
  const char *prefix;
  guint       from;
  const char *found;
} LineWait;

static gboolean
child_line_seen (gpointer user_data)
{
  LineWait *w = user_data;

  for (guint i = w->from; i < w->child->lines->len; i++)
    if (g_str_has_prefix (w->child->lines->pdata[i], w->prefix))
      {
        w->found = w->child->lines->pdata[i];
        return TRUE;
      }
  return FALSE;
}

static void
child_say (Child      *child,
           const char *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strconcat (line, "\n", NULL);

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (child->proc), text, strlen (text),
                             NULL, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
all_see_three (gpointer user_data)
{
  GPtrArray *clusters = user_data;

  for (guint i = 0; i < clusters->len; i++)
    if (gossip_cluster_get_n_alive (clusters->pdata[i]) != 3)
      return FALSE;
  return TRUE;
}

static void
test_descriptor_exhaustion (void)
{
  Honest h;
  GossipCluster *a, *b;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *program = g_test_build_filename (G_TEST_BUILT, "gossip-test-node", NULL);
  g_autofree char *scale = g_strdup_printf ("%g", SCALE);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketAddress) target = NULL;
  g_auto(GStrv) ready = NULL;
  Child child = { 0, };
  LineWait w = { 0, };
  GPid pid;
  gint64 cpu0, cpu1, t0, t1, idle0, idle1, it0, it1;
  double busy, idle;

  honest_init (&h);
  a = honest_add (&h, NULL);
  b = honest_add (&h, NULL);
  honest_join (b, a);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  child.proc = g_subprocess_launcher_spawn (launcher, &error, program, "--scale", scale,
                                            "--join", gossip_cluster_get_advertise_address (a), NULL);
  g_assert_no_error (error);
  child.lines = g_ptr_array_new_with_free_func (g_free);
  child.cancellable = g_cancellable_new ();
  child.out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child.proc));
  child_read_next (&child);
  pid = (GPid) g_ascii_strtoll (g_subprocess_get_identifier (child.proc), NULL, 10);

  w.child = &child;
  w.prefix = "ready ";
  g_assert_true (test_wait_for (child_line_seen, &w, WAIT_MS));
  ready = g_strsplit (w.found, " ", 3);
  g_ptr_array_add (h.ids, g_strdup (ready[1]));
  target = tcp_address_of (ready[2]);
  /* The child joined: A and B see three nodes. */
  g_assert_true (test_wait_for (all_see_three, h.clusters, WAIT_MS));

  /* The child's CPU when nothing happens, for comparison. */
  it0 = g_get_monotonic_time ();
  idle0 = cpu_us_of (pid);
  test_run_for (1000);
  it1 = g_get_monotonic_time ();
  idle1 = cpu_us_of (pid);
  idle = 100.0 * (idle1 - idle0) / (it1 - it0);

  /* Four times its descriptors in idle connections from 40 sources (under
   * each source's share): the table fills with what it can accept, the
   * rest waits in the backlog, and every accept fails with EMFILE. */
  for (guint i = 0; i < 4 * CHILD_NOFILE; i++)
    {
      GSocket *s = attacker_connect (2 + i % 40, target);

      if (s != NULL)
        g_ptr_array_add (held, s);
    }
  test_run_for (300);

  t0 = g_get_monotonic_time ();
  cpu0 = cpu_us_of (pid);
  test_run_for (1500);
  t1 = g_get_monotonic_time ();
  cpu1 = cpu_us_of (pid);
  busy = 100.0 * (cpu1 - cpu0) / (t1 - t0);
  g_test_message ("child at RLIMIT_NOFILE %u with %u connections pending: %.1f%% CPU "
                  "(idle before: %.1f%%)", CHILD_NOFILE, held->len, busy, idle);
  /* Spinning on the listener is 50-100%. */
  g_assert_cmpfloat (busy, <, 25.0);

  /* It still answers: over its pipe, and over UDP to its peers. */
  w.prefix = "alive ";
  w.from = child.lines->len;
  child_say (&child, "alive?");
  g_assert_true (test_wait_for (child_line_seen, &w, WAIT_MS));
  g_assert_cmpstr (w.found, ==, "alive 3");
  g_assert_cmpuint (gossip_cluster_get_n_alive (a), ==, 3);

  /* Once the flood ends, the child drains the backlog and is idle again;
   * an honest TCP request (a push/pull from a new node) gets in. */
  g_ptr_array_set_size (held, 0);
  test_run_for (2500);
  t0 = g_get_monotonic_time ();
  cpu0 = cpu_us_of (pid);
  test_run_for (1000);
  t1 = g_get_monotonic_time ();
  cpu1 = cpu_us_of (pid);
  busy = 100.0 * (cpu1 - cpu0) / (t1 - t0);
  g_test_message ("child after the flood: %.1f%% CPU", busy);
  g_assert_cmpfloat (busy, <, 25.0);
  {
    GossipCluster *c = honest_add (&h, NULL);
    const char *seeds[2] = { ready[2], NULL };
    g_autoptr(GError) join_error = NULL;

    g_assert_cmpuint (test_cluster_join (c, seeds, NULL, &join_error), ==, 1);
    g_assert_no_error (join_error);
  }
  g_assert_cmpuint (h.suspect, ==, 0);

  child_say (&child, "quit");
  g_subprocess_wait (child.proc, NULL, NULL);
  g_cancellable_cancel (child.cancellable);
  test_run_for (10);
  g_clear_object (&child.out);
  g_clear_object (&child.proc);
  g_clear_object (&child.cancellable);
  g_ptr_array_unref (child.lines);
  honest_clear (&h);
}

/* ---- 3: length prefixes announcing 4 MiB ---- */

#define N_ANNOUNCE 512
#define N_FEED     128
#define FEED_BYTES (1024 * 1024)
#define BUDGET     (8 * 1024 * 1024)

typedef struct {
  GPtrArray *feed;        /* GSocket sending real body bytes */
  gsize     *fed;
  guint8    *junk;
  GossipSocketTransport *t;
  gsize      rss_max;
  gsize      inbound_max;
} Feed;

static gboolean
feed_tick (gpointer user_data)
{
  Feed *f = user_data;

  for (guint i = 0; i < f->feed->len; i++)
    if (f->fed[i] < FEED_BYTES)
      f->fed[i] += attacker_send (f->feed->pdata[i], f->junk, MIN (65536, FEED_BYTES - f->fed[i]));
  f->rss_max = MAX (f->rss_max, rss_of ("/proc/self/statm"));
  f->inbound_max = MAX (f->inbound_max, gossip_socket_transport_get_inbound_bytes (f->t));
  return G_SOURCE_CONTINUE;
}

static gboolean
nothing_buffered (gpointer user_data)
{
  return gossip_socket_transport_get_inbound_bytes (user_data) == 0 &&
         gossip_socket_transport_get_n_connections (user_data) == 0;
}

static void
test_big_announcements (void)
{
  Honest h;
  GossipCluster *a, *b, *c;
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketAddress) target = NULL;
  const guint8 prefix[4] = { 0x00, 0x40, 0x00, 0x00 };   /* 4 MiB */
  Feed f = { 0, };
  gsize rss0, rss_end;
  guint tick;
  gint64 t0;

  honest_init (&h);
  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, SCALE);
  g_object_set (config, "tcp-inbound-budget", BUDGET, NULL);
  a = honest_add (&h, config);
  b = honest_add (&h, NULL);
  c = honest_add (&h, NULL);
  honest_join (b, a);
  honest_join (c, a);
  g_assert_true (test_wait_for (test_clusters_converged, h.clusters, WAIT_MS));
  target = tcp_address_of (gossip_cluster_get_advertise_address (a));
  rss0 = rss_of ("/proc/self/statm");

  /* 512 prefixes of 4 MiB with no body, 32 per source (each source's
   * share), and 128 more that send 1 MiB of body each, past the budget. */
  for (guint i = 0; i < N_ANNOUNCE + N_FEED; i++)
    {
      GSocket *s = attacker_connect (2 + i / 32, target);

      g_assert_nonnull (s);
      g_ptr_array_add (held, s);
    }
  f.feed = g_ptr_array_new ();
  f.fed = g_new0 (gsize, N_FEED);
  f.junk = g_malloc0 (65536);
  f.t = transport_of (a);
  f.rss_max = rss0;
  /* Connected once the kernel says so: write the prefixes as they go. */
  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < held->len; i++)
    {
      while (attacker_send (held->pdata[i], prefix, 4) != 4 &&
             g_get_monotonic_time () - t0 < WAIT_MS * 1000)
        g_main_context_iteration (NULL, FALSE);
      if (i >= N_ANNOUNCE)
        g_ptr_array_add (f.feed, held->pdata[i]);
    }
  tick = g_timeout_add (5, feed_tick, &f);

  /* The prefixes cost nothing until bytes come; the bodies stop at the
   * budget; the deadline then closes them all. The cluster stays whole. */
  test_run_for (1500);
  g_assert_true (test_clusters_converged (h.clusters));
  g_assert_cmpuint (stat_of (a, "tcp-budget-waits"), >, 0);
  g_assert_true (test_wait_for (test_clusters_converged, h.clusters, WAIT_MS));
  test_run_for (1500);
  g_source_remove (tick);
  g_assert_true (test_clusters_converged (h.clusters));

  g_test_message ("%u x 4 MiB prefixes + %u x 1 MiB bodies: RSS %" G_GSIZE_FORMAT " -> peak %"
                  G_GSIZE_FORMAT " KiB (+%" G_GSSIZE_FORMAT " KiB), buffered peak %" G_GSIZE_FORMAT
                  " KiB (budget %u KiB), budget waits %" G_GUINT64_FORMAT ", timeouts %" G_GUINT64_FORMAT,
                  N_ANNOUNCE, N_FEED, rss0 / 1024, f.rss_max / 1024,
                  ((gssize) f.rss_max - (gssize) rss0) / 1024, f.inbound_max / 1024, BUDGET / 1024,
                  stat_of (a, "tcp-budget-waits"), stat_of (a, "tcp-timeouts"));
  g_assert_cmpuint (f.rss_max, <, rss0 + RSS_BOUND);
  /* One chunk per connection may go past the budget. */
  g_assert_cmpuint (f.inbound_max, <=, BUDGET + N_FEED * 65536);

  g_ptr_array_set_size (held, 0);
  g_assert_true (test_wait_for (nothing_buffered, f.t, WAIT_MS));
  rss_end = rss_of ("/proc/self/statm");
  g_test_message ("after: RSS %" G_GSIZE_FORMAT " KiB", rss_end / 1024);
  g_assert_cmpuint (rss_end, <, rss0 + RSS_BOUND);
  g_assert_cmpuint (h.suspect, ==, 0);

  g_ptr_array_unref (f.feed);
  g_free (f.fed);
  g_free (f.junk);
  honest_clear (&h);
}

/* ---- 10: the address cache ---- */

static void
test_address_cache_bounded (void)
{
  Honest h;
  GossipCluster *a;
  g_autoptr(GBytes) junk = g_bytes_new_static ("junk", 4);
  guint n;

  honest_init (&h);
  a = honest_add (&h, NULL);
  honest_join (honest_add (&h, NULL), a);
  honest_join (honest_add (&h, NULL), a);
  g_assert_true (test_wait_for (test_clusters_converged, h.clusters, WAIT_MS));

  /* 20,000 literals shown to the transport, as strangers' packets would
   * name them (discard port: nobody listens). */
  for (guint i = 0; i < 20000; i++)
    {
      g_autofree char *addr = g_strdup_printf ("127.1.%u.%u:9", i / 250, 1 + i % 250);

      gossip_transport_send_datagram (a->transport, addr, junk);
      if (i % 1000 == 0)
        g_main_context_iteration (NULL, FALSE);
    }
  n = gossip_socket_transport_get_n_cached (transport_of (a));
  g_test_message ("address cache after 20000 literals: %u entries (bound %u)", n,
                  GOSSIP_SOCKET_TRANSPORT_ADDRESS_CACHE_MAX);
  g_assert_cmpuint (n, <=, GOSSIP_SOCKET_TRANSPORT_ADDRESS_CACHE_MAX);
  g_assert_cmpuint (n, >, 0);

  test_run_for (1000);
  g_assert_true (test_clusters_converged (h.clusters));
  g_assert_cmpuint (h.suspect, ==, 0);
  honest_clear (&h);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hostile/transport/idle-slots/one-source", test_idle_slots_one_source);
  g_test_add_func ("/hostile/transport/idle-slots/many-sources", test_idle_slots_many_sources);
  g_test_add_func ("/hostile/transport/descriptor-exhaustion", test_descriptor_exhaustion);
  g_test_add_func ("/hostile/transport/big-announcements", test_big_announcements);
  g_test_add_func ("/hostile/transport/address-cache", test_address_cache_bounded);

  return g_test_run ();
}
