/* gossip-bench.c: measures convergence, dissemination, failure detection
 * and cost of gossip-glib, the scenarios S1–S6 of /work/shared/BENCH.md.
 *
 * N nodes run in this one process on 127.0.0.1 and one GMainContext, with
 * the default configuration, so that the figures compare with the anchor
 * table measured the same way for memberlist and the Go library. With
 * --processes the nodes are spread over copies of this program (started
 * with the hidden --child option) that report over their stdout. S5 times
 * the packet pipeline alone, through the private wire API.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <json-glib/json-glib.h>

#include "gossip-glib.h"
#include "gossip-cluster-private.h"
#include "gossip-node-id-private.h"
#include "gossip-wire-private.h"
#include "gossip-msgpack-envelope-private.h"
#include "gossip-bench-stream.h"
#include "bench/gossip-bench-memory.h"
#include "bench/gossip-bench-retry.h"
#ifdef GOSSIP_HAVE_NETSIM
#include "gossip-netsim.h"
#endif

#define S2_MESSAGES   20
#define S2_TYPE       128
#define S2_SIZE       100
#define S1_POLL_MS    10

/* ------------------------------------------------------------------ */
/* Options                                                             */

typedef struct {
  guint     n;
  char     *scenarios;
  char     *cipher;
  char     *codec;
  double    loss;
  gboolean  json;
  gboolean  stats;     /* S1: print every GossipStats counter summed over the nodes */
  gboolean  quick;
  guint     runs;
  guint     max_n;
  char     *plot;
  guint     processes;
  guint     iterations;
  gboolean  callgrind;
  /* child mode */
  gboolean  child;
  guint     child_nodes;
  char     *join;

  gboolean  want[7];  /* want[1..6]: scenario S1..S6 requested */
  gboolean  want_stream;  /* `stream`: GossipStream throughput, gossip-bench-stream.c */
  guint     stream_mib;
} Options;

static Options opt = {
  .n = 10,
  .runs = 1,
  .max_n = 1000,
  .stream_mib = 256,
};

static gboolean
parse_scenarios (const char *list,
                 GError    **error)
{
  g_auto(GStrv) parts = g_strsplit (list, ",", -1);

  memset (opt.want, 0, sizeof opt.want);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *p = g_strstrip (parts[i]);

      if (p[0] == '\0')
        continue;
      if (g_ascii_strcasecmp (p, "stream") == 0)
        {
          opt.want_stream = TRUE;
          continue;
        }
      if (g_ascii_strcasecmp (p, "all") == 0)
        {
          for (guint s = 1; s <= 6; s++)
            opt.want[s] = TRUE;
          continue;
        }
      if ((p[0] != 's' && p[0] != 'S') || p[1] < '1' || p[1] > '6' || p[2] != '\0')
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "Unknown scenario “%s” (expected s1..s6 or stream)", p);
          return FALSE;
        }
      opt.want[p[1] - '0'] = TRUE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Measuring                                                           */

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
thread_cpu_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static guint64
rss_bytes (void)
{
  g_autofree char *text = NULL;
  unsigned long size = 0, resident = 0;

  if (!g_file_get_contents ("/proc/self/statm", &text, NULL, NULL))
    return 0;
  if (sscanf (text, "%lu %lu", &size, &resident) != 2)
    return 0;
  return (guint64) resident * (guint64) sysconf (_SC_PAGESIZE);
}

/* Udp InDatagrams of the whole machine: the second "Udp:" line holds the
 * values of the names on the first. */
static guint64
udp_in_datagrams (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) names = NULL;

  if (!g_file_get_contents ("/proc/net/snmp", &text, NULL, NULL))
    return 0;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = NULL;

      if (!g_str_has_prefix (lines[i], "Udp:"))
        continue;
      fields = g_strsplit_set (lines[i], " ", -1);
      if (names == NULL)
        {
          names = g_steal_pointer (&fields);
          continue;
        }
      for (guint k = 0; names[k] != NULL && fields[k] != NULL; k++)
        if (g_strcmp0 (names[k], "InDatagrams") == 0)
          return g_ascii_strtoull (fields[k], NULL, 10);
      return 0;
    }
  return 0;
}

static void
raise_nofile_limit (void)
{
  struct rlimit rl;
  rlim_t before;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    {
      g_printerr ("# RLIMIT_NOFILE: getrlimit failed: %s\n", g_strerror (errno));
      return;
    }
  before = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
    g_printerr ("# RLIMIT_NOFILE: could not raise %lu to %lu: %s\n",
                (unsigned long) before, (unsigned long) rl.rlim_max, g_strerror (errno));
  else if (!opt.child)
    g_printerr ("# RLIMIT_NOFILE: soft limit %lu -> %lu (hard limit)\n",
                (unsigned long) before, (unsigned long) rl.rlim_cur);
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for @ms milliseconds. */
static void
sleep_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (* CondFunc) (gpointer user_data);

/* Runs the main context until @cond holds, checking every @poll_ms. */
static gboolean
run_until (CondFunc  cond,
           gpointer  user_data,
           guint     timeout_ms,
           guint     poll_ms)
{
  gint64 deadline = now_us () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      if (cond (user_data))
        return TRUE;
      if (now_us () >= deadline)
        return FALSE;
      sleep_ms (poll_ms);
    }
}

static int
cmp_int64 (gconstpointer a,
           gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median_of (double *v,
           guint   n)
{
  if (n == 0)
    return NAN;
  qsort (v, n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ------------------------------------------------------------------ */
/* Anchor figures of BENCH.md (2026-11-25, 2 cores, loopback)          */

typedef struct {
  const char *scenario;
  const char *metric;
  guint       n;
  const char *memberlist;
  const char *go;
  const char *goal;
} Anchor;

static const Anchor anchors[] = {
  { "s1", "100% see full view", 10, "0.42 s", "0.029 s", "<= 0.03 s" },
  { "s1", "100% see full view", 50, "1.06 s", "5.3 s", "<= 0.5 s" },
  { "s1", "100% see full view", 100, "2.5 s", "never (31-78 of 100 after 120 s)", "<= 1.1 s" },
  { "s1", "100% see full view", 200, "5.5 s", "never", "<= 2.5 s" },
  { "s2", "msgs fully delivered of 20", 10, "20", "20 (19-20)", "20" },
  { "s2", "msgs fully delivered of 20", 50, "20", "17 (15-18)", "20" },
  { "s2", "msgs fully delivered of 20", 100, "20", "0", "20" },
  { "s2", "median full-delivery", 10, "286 ms", "0.9 ms", "<= 2 ms" },
  { "s2", "median full-delivery", 50, "473 ms", "3.9 ms", "<= 5 ms" },
  { "s2", "median full-delivery", 100, "584 ms", "-", "<= 10 ms" },
  { "s2", "worst full-delivery", 10, "403 ms", "1.3 ms", "<= 5 ms" },
  { "s2", "worst full-delivery", 50, "579 ms", "8.3 ms", "<= 10 ms" },
  { "s2", "worst full-delivery", 100, "820 ms", "-", "<= 20 ms" },
  { "s2", "duplicates per delivery", 10, "7.9", "3.2", "<= 3" },
  { "s2", "duplicates per delivery", 50, "7.2", "4.6", "<= 3" },
  { "s2", "duplicates per delivery", 100, "11.1", "-", "<= 3" },
  { "s3", "every survivor sees not-alive", 10, "2.8 s", "4.5 s", "<= 2 s" },
  { "s3", "every survivor sees not-alive", 50, "2.1 s", "6.3 s", "<= 2 s" },
  { "s3", "every survivor sees not-alive", 100, "2.6 s", "61 s (flapping)", "<= 2 s" },
  { "s3", "every survivor sees Dead", 10, "6.7 s", "7.5 s", "<= 4.7 s (0.7x memberlist)" },
  { "s3", "every survivor sees Dead", 50, "8.7 s", "never (120 s cap)", "<= 6.1 s (0.7x memberlist)" },
  { "s3", "every survivor sees Dead", 100, "10.4 s", "never", "<= 7.3 s (0.7x memberlist)" },
  { "s4", "CPU s per node per min", 10, "0.065", "0.105", "<= memberlist" },
  { "s4", "CPU s per node per min", 50, "0.038", "0.086", "<= memberlist" },
  { "s4", "CPU s per node per min", 100, "0.045", "collapse", "<= memberlist" },
  { "s4", "UDP datagrams in per node per s", 10, "2.0", "8.4", "<= 4" },
  { "s4", "UDP datagrams in per node per s", 50, "2.0", "12.8", "<= 4" },
  { "s4", "UDP datagrams in per node per s", 100, "2.0", "collapse", "<= 4" },
  { "s4", "RSS of the process", 10, "14 MB", "15 MB", "<= 6.0 MB" },
  { "s4", "RSS of the process", 50, "24 MB", "40 MB", "<= 10 MB" },
  { "s4", "RSS of the process", 100, "43 MB", "9 GB", "<= 15 MB" },
  { "s4", "RSS of the process", 200, "88 MB", "-", "<= 25 MB" },
};

static void
print_anchors (const char *scenario,
               guint       n)
{
  gboolean any = FALSE;

  if (opt.json)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (anchors); i++)
    {
      const Anchor *a = &anchors[i];

      if (strcmp (a->scenario, scenario) != 0 || a->n != n)
        continue;
      if (!any)
        g_print ("  anchors at N=%u (BENCH.md)        memberlist | Go v0.6.0 | goal\n", n);
      any = TRUE;
      g_print ("    %-32s %s | %s | %s\n", a->metric, a->memberlist, a->go, a->goal);
    }
  if (!any)
    {
      for (guint i = 0; i < G_N_ELEMENTS (anchors); i++)
        if (strcmp (anchors[i].scenario, scenario) == 0)
          {
            g_print ("  (no anchor at N=%u; the table has N = 10, 50, 100%s)\n", n,
                     strcmp (scenario, "s1") == 0 || strcmp (scenario, "s4") == 0 ? ", 200" : "");
            break;
          }
    }
}

/* ------------------------------------------------------------------ */
/* Results: one JSON object per scenario, kept for the medians         */

static GPtrArray *all_results;  /* JsonObject*, every run */

static JsonObject *
result_new (const char *scenario,
            guint       n,
            guint       run)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "scenario", scenario);
  json_object_set_int_member (o, "n", n);
  json_object_set_int_member (o, "run", run);
  json_object_set_string_member (o, "codec", opt.codec);
  json_object_set_string_member (o, "cipher", opt.cipher);
  if (opt.processes > 1)
    json_object_set_int_member (o, "processes", opt.processes);
  return o;
}

/* A time in seconds, or null when it never happened. */
static void
set_seconds (JsonObject *o,
             const char *name,
             gint64      us)
{
  if (us < 0)
    json_object_set_null_member (o, name);
  else
    json_object_set_double_member (o, name, us / 1e6);
}

static void
result_emit (JsonObject *o)
{
  if (opt.json)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), o);
      g_autofree char *text = json_to_string (node, FALSE);

      g_print ("%s\n", text);
    }
  g_ptr_array_add (all_results, json_object_ref (o));
}

static void
format_value (GString    *out,
              JsonNode   *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    g_string_append (out, "never");
  else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    g_string_append_printf (out, "%.4g", json_node_get_double (node));
  else if (json_node_get_value_type (node) == G_TYPE_INT64)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (json_node_get_value_type (node) == G_TYPE_STRING)
    g_string_append (out, json_node_get_string (node));
  else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
}

/* With --runs K > 1: the median of every numeric member over the runs of
 * each scenario (and N), nulls ("never") counted apart. */
static void
emit_medians (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < all_results->len; i++)
    {
      JsonObject *first = all_results->pdata[i];
      const char *scenario = json_object_get_string_member (first, "scenario");
      gint64 n = json_object_get_int_member (first, "n");
      g_autofree char *key = g_strdup_printf ("%s/%" G_GINT64_FORMAT, scenario, n);
      g_autoptr(JsonObject) med = NULL;
      g_autoptr(GList) members = NULL;
      g_autoptr(GString) human = g_string_new (NULL);
      guint runs = 0;

      if (g_hash_table_contains (seen, key))
        continue;
      g_hash_table_add (seen, g_strdup (key));
      if (json_object_has_member (first, "skipped"))
        continue;

      med = json_object_new ();
      json_object_set_string_member (med, "scenario", scenario);
      json_object_set_int_member (med, "n", n);
      json_object_set_string_member (med, "summary", "median");
      members = json_object_get_members (first);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *name = l->data;
          g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
          guint nulls = 0;
          JsonNode *fn = json_object_get_member (first, name);

          if (strcmp (name, "n") == 0 || strcmp (name, "run") == 0 || strcmp (name, "processes") == 0)
            continue;
          if (!JSON_NODE_HOLDS_NULL (fn) &&
              (JSON_NODE_TYPE (fn) != JSON_NODE_VALUE ||
               (json_node_get_value_type (fn) != G_TYPE_DOUBLE &&
                json_node_get_value_type (fn) != G_TYPE_INT64)))
            continue;
          runs = 0;
          for (guint k = i; k < all_results->len; k++)
            {
              JsonObject *o = all_results->pdata[k];
              JsonNode *v;

              if (strcmp (json_object_get_string_member (o, "scenario"), scenario) != 0 ||
                  json_object_get_int_member (o, "n") != n)
                continue;
              runs++;
              v = json_object_get_member (o, name);
              if (v == NULL || JSON_NODE_HOLDS_NULL (v))
                nulls++;
              else
                {
                  double d = json_node_get_value_type (v) == G_TYPE_DOUBLE ?
                             json_node_get_double (v) : (double) json_node_get_int (v);
                  g_array_append_val (values, d);
                }
            }
          /* A run that never got there ranks above every finite one. */
          if (nulls * 2 >= runs)
            json_object_set_null_member (med, name);
          else
            {
              while (nulls-- > 0)
                {
                  double inf = INFINITY;
                  g_array_append_val (values, inf);
                }
              json_object_set_double_member (med, name,
                                             median_of ((double *) (gpointer) values->data, values->len));
            }
          g_string_append_printf (human, " %s=", name);
          format_value (human, json_object_get_member (med, name));
        }
      json_object_set_int_member (med, "runs", runs);
      if (opt.json)
        {
          g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), med);
          g_autofree char *text = json_to_string (node, FALSE);
          g_print ("%s\n", text);
        }
      else
        g_print ("== %s N=%" G_GINT64_FORMAT ": median of %u runs:%s\n", scenario, n, runs, human->str);
    }
}

/* ------------------------------------------------------------------ */
/* A swarm: the nodes of this process                                  */

typedef struct _Swarm Swarm;

typedef struct {
  Swarm         *swarm;
  guint          index;
  GossipCluster *cluster;
  char          *id;
  gint64         full_at;                    /* first time it saw all expected alive; 0: not yet */
  gint64         rx_at[S2_MESSAGES];         /* first receipt; 0: none */
  guint          rx_calls[S2_MESSAGES];
  gint64         notalive_at;                /* S3: the victim seen Suspect or Dead */
  gint64         dead_at;                    /* S3: the victim seen Dead */
  guint          flaps;                      /* S3: the victim seen Alive again */
  gboolean       crashed;
} Member;

struct _Swarm {
  GossipConfig *config;
  GPtrArray    *members;        /* Member* */
  guint         expected;       /* nodes in the whole cluster */
  gint64        t0;
  guint         n_full;
  guint         joins_pending;
  guint         join_errors;
  char         *victim_id;      /* S3 */
  guint         suspect_events; /* any node seen Suspect, by any member */
  guint         dead_events;    /* any node seen Dead, by any member */
  char         *first_join_error;
  /* child mode: report transitions as lines */
  gboolean      report_lines;
};

static GossipConfig *
make_config (GError **error)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  /* Every node here has the address 127.0.0.1, where a deployment gives
   * each its own: the per-source join limit would be the whole swarm's. The
   * cluster-wide inbound-join-rate keeps its default. */
  g_object_set (config, "inbound-join-rate-per-source", 0, NULL);
  if (g_strcmp0 (opt.codec, "json") == 0)
    {
      g_autoptr(GossipCodec) codec = gossip_json_codec_new ();
      gossip_config_set_codec (config, codec);
    }
  else if (g_strcmp0 (opt.codec, "msgpack") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Unknown codec “%s” (msgpack or json)", opt.codec);
      return NULL;
    }
  if (g_strcmp0 (opt.cipher, "aes-gcm") == 0)
    {
      g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
      g_autoptr(GBytes) key = g_bytes_new_static ("gossip-bench-key", 16);

      gossip_config_set_cipher (config, cipher);
      gossip_config_set_encryption_key (config, key);
    }
  else if (g_strcmp0 (opt.cipher, "none") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Unknown cipher “%s” (none or aes-gcm)", opt.cipher);
      return NULL;
    }
  return g_steal_pointer (&config);
}

static void
member_check_full (Member *m)
{
  if (m->full_at == 0 && !m->crashed &&
      gossip_cluster_get_n_alive (m->cluster) == m->swarm->expected)
    {
      m->full_at = now_us ();
      m->swarm->n_full++;
      if (m->swarm->report_lines)
        {
          g_print ("full %" G_GINT64_FORMAT "\n", m->full_at);
          fflush (stdout);
        }
    }
}

static void
state_changed_cb (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  Member *m = user_data;
  Swarm *s = m->swarm;

  member_check_full (m);
  if (new_state == GOSSIP_NODE_STATE_SUSPECT)
    s->suspect_events++;
  else if (new_state == GOSSIP_NODE_STATE_DEAD)
    s->dead_events++;
  if (s->victim_id == NULL || m->crashed || strcmp (gossip_node_get_id (node), s->victim_id) != 0)
    return;
  if (new_state == GOSSIP_NODE_STATE_ALIVE && m->notalive_at != 0)
    m->flaps++;
  if ((new_state == GOSSIP_NODE_STATE_SUSPECT || new_state == GOSSIP_NODE_STATE_DEAD) &&
      m->notalive_at == 0)
    {
      m->notalive_at = now_us ();
      if (s->report_lines)
        g_print ("notalive %" G_GINT64_FORMAT "\n", m->notalive_at);
    }
  if (new_state == GOSSIP_NODE_STATE_DEAD && m->dead_at == 0)
    {
      m->dead_at = now_us ();
      if (s->report_lines)
        g_print ("dead %" G_GINT64_FORMAT "\n", m->dead_at);
    }
  if (s->report_lines)
    fflush (stdout);
}

/* S2: the payload is "seq=NN;" padded to 100 bytes; found in the codec
 * bytes directly, so that any codec works. */
static void
message_cb (GossipCluster *cluster,
            GossipNode    *sender,
            GossipPacket  *packet,
            gpointer       user_data)
{
  Member *m = user_data;
  gint64 t = now_us ();
  GBytes *bytes = gossip_packet_get_payload_bytes (packet);
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  const char *p = NULL;
  guint seq;

  for (gsize i = 0; i + 4 <= size && p == NULL; i++)
    if (memcmp (data + i, "seq=", 4) == 0)
      p = data + i;

  if (p == NULL || (gsize) (p - data) + 7 > size || !g_ascii_isdigit (p[4]) || !g_ascii_isdigit (p[5]))
    return;
  seq = (guint) (p[4] - '0') * 10 + (guint) (p[5] - '0');
  if (seq >= S2_MESSAGES)
    return;
  if (m->rx_calls[seq]++ == 0)
    m->rx_at[seq] = t;
}

static void
join_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Swarm *s = user_data;
  g_autoptr(GError) error = NULL;

  s->joins_pending--;
  if (gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &error) == 0)
    {
      s->join_errors++;
      if (s->first_join_error == NULL && error != NULL)
        s->first_join_error = g_strdup (error->message);
      /* A --processes child tries again (tools/bench/gossip-bench-retry.c). */
      if (s->report_lines && opt.join != NULL && bench_join_should_retry (GOSSIP_CLUSTER (source), error))
        {
          s->joins_pending++;
          bench_join_later (GOSSIP_CLUSTER (source), opt.join, join_done_cb, s);
        }
    }
}

static Swarm *
swarm_new (guint    expected,
           GError **error)
{
  g_autoptr(GossipConfig) config = make_config (error);
  Swarm *s;

  if (config == NULL)
    return NULL;
  s = g_new0 (Swarm, 1);
  s->config = g_steal_pointer (&config);
  s->members = g_ptr_array_new ();
  s->expected = expected;
  return s;
}

static Member *
swarm_add (Swarm       *s,
           const char  *join_address,
           GError     **error)
{
  g_autoptr(GossipCluster) cluster = gossip_cluster_new (s->config, NULL, error);
  Member *m;

  if (cluster == NULL)
    return NULL;
  m = g_new0 (Member, 1);
  m->swarm = s;
  m->index = s->members->len;
  m->cluster = g_steal_pointer (&cluster);
  m->id = g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (m->cluster)));
  g_signal_connect (m->cluster, "node-state-changed", G_CALLBACK (state_changed_cb), m);
  if (!gossip_cluster_handle (m->cluster, S2_TYPE, message_cb, m, NULL, error))
    {
      g_object_unref (m->cluster);
      g_free (m->id);
      g_free (m);
      return NULL;
    }
  g_ptr_array_add (s->members, m);
  gossip_cluster_start (m->cluster);
  if (join_address != NULL)
    {
      const char *peers[] = { join_address, NULL };

      s->joins_pending++;
      gossip_cluster_join_async (m->cluster, peers, NULL, join_done_cb, s);
    }
  return m;
}

static Member *
member_at (Swarm *s,
           guint  i)
{
  return s->members->pdata[i];
}

static void
swarm_free (Swarm *s)
{
  if (s == NULL)
    return;
  for (guint i = 0; i < s->members->len; i++)
    {
      Member *m = member_at (s, i);

      g_signal_handlers_disconnect_by_data (m->cluster, m);
      gossip_cluster_stop (m->cluster);
    }
  /* Let cancelled operations return before the objects go. */
  sleep_ms (50);
  for (guint i = 0; i < s->members->len; i++)
    {
      Member *m = member_at (s, i);

      g_object_unref (m->cluster);
      g_free (m->id);
      g_free (m);
    }
  sleep_ms (50);
  g_ptr_array_unref (s->members);
  g_object_unref (s->config);
  g_free (s->victim_id);
  g_free (s->first_join_error);
  g_free (s);
}

static gboolean
swarm_poll_full (gpointer user_data)
{
  Swarm *s = user_data;

  for (guint i = 0; i < s->members->len; i++)
    member_check_full (member_at (s, i));
  return s->n_full >= s->members->len;
}

/* How many members see every expected node alive right now. */
static guint
swarm_count_converged (Swarm *s)
{
  guint c = 0;

  for (guint i = 0; i < s->members->len; i++)
    {
      Member *m = member_at (s, i);

      if (!m->crashed && gossip_cluster_get_n_alive (m->cluster) == s->expected)
        c++;
    }
  return c;
}

/* Creates node 0 and N-1 nodes joining it, as fast as the loop allows:
 * one non-blocking iteration between nodes lets node 0 accept the joins
 * as they come, as concurrent goroutines would. */
static Swarm *
swarm_build (guint    n,
             GError **error)
{
  Swarm *s = swarm_new (n, error);
  const char *addr0;

  if (s == NULL)
    return NULL;
  s->t0 = now_us ();
  if (swarm_add (s, NULL, error) == NULL)
    {
      swarm_free (s);
      return NULL;
    }
  addr0 = gossip_cluster_get_advertise_address (member_at (s, 0)->cluster);
  for (guint i = 1; i < n; i++)
    {
      if (swarm_add (s, addr0, error) == NULL)
        {
          g_prefix_error (error, "node %u of %u: ", i, n);
          swarm_free (s);
          return NULL;
        }
      g_main_context_iteration (NULL, FALSE);
    }
  return s;
}

/* The full-view times relative to t0, sorted; -1 for members that never got there. */
static GArray *
swarm_full_times (Swarm *s)
{
  GArray *times = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < s->members->len; i++)
    {
      Member *m = member_at (s, i);
      gint64 t = m->full_at ? m->full_at - s->t0 : G_MAXINT64;

      g_array_append_val (times, t);
    }
  g_array_sort (times, cmp_int64);
  return times;
}

static guint64
swarm_sum_packets_in (Swarm *s)
{
  guint64 sum = 0;

  for (guint i = 0; i < s->members->len; i++)
    sum += gossip_router_get_packets_in (member_at (s, i)->cluster->router);
  return sum;
}

/* The sum of one GossipStats counter over the members. */
static guint64
swarm_sum_stat (Swarm      *s,
                const char *name)
{
  guint64 sum = 0;

  for (guint i = 0; i < s->members->len; i++)
    {
      GossipStats *st = gossip_cluster_get_stats (member_at (s, i)->cluster);

      sum += gossip_stats_get (st, name);
      gossip_stats_unref (st);
    }
  return sum;
}

static guint64
swarm_sum_duplicates (Swarm *s)
{
  guint64 sum = 0;

  for (guint i = 0; i < s->members->len; i++)
    sum += gossip_router_get_drops (member_at (s, i)->cluster->router, GOSSIP_DROP_DUPLICATE);
  return sum;
}

/* ------------------------------------------------------------------ */
/* Plot data (the last run of S1 and S2)                               */

static GArray *plot_s1;   /* gint64 µs, sorted: node k+1 saw the full view */
static guint   plot_s1_n;
static GArray *plot_s2;   /* double ms: every delivery latency */

/* ------------------------------------------------------------------ */
/* S1 converge                                                         */

static guint
s1_budget_ms (guint n)
{
  if (opt.quick)
    return 15000;
  return MAX (60000, n * 100);
}

static Swarm *
scenario_s1 (guint    n,
             guint    run,
             gboolean report,
             GError **error)
{
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(GArray) times = NULL;
  Swarm *s;
  guint64 rss_before = rss_bytes ();
  gint64 t_build, t50, t100;
  gboolean ok;
  guint half = (n + 1) / 2;
  guint64 datagrams, tcp_requests;

  s = swarm_build (n, error);
  if (s == NULL)
    return NULL;
  t_build = now_us () - s->t0;
  ok = run_until (swarm_poll_full, s, s1_budget_ms (n), S1_POLL_MS);
  times = swarm_full_times (s);
  t50 = g_array_index (times, gint64, half - 1);
  t100 = g_array_index (times, gint64, n - 1);
  if (t50 == G_MAXINT64)
    t50 = -1;
  if (!ok || t100 == G_MAXINT64)
    t100 = -1;

  g_clear_pointer (&plot_s1, g_array_unref);
  plot_s1 = g_array_ref (times);
  plot_s1_n = n;

  g_object_set_data (G_OBJECT (s->config), "rss-before", GSIZE_TO_POINTER ((gsize) rss_before));
  if (!report)
    return s;

  o = result_new ("s1", n, run);
  set_seconds (o, "t50_s", t50);
  set_seconds (o, "t100_s", t100);
  json_object_set_int_member (o, "saw_full_view", s->n_full);
  json_object_set_double_member (o, "create_s", t_build / 1e6);
  json_object_set_int_member (o, "join_errors", s->join_errors);
  json_object_set_int_member (o, "budget_ms", s1_budget_ms (n));
  /* What the convergence cost: the traffic counters up to now. */
  datagrams = swarm_sum_stat (s, "udp-datagrams-in");
  tcp_requests = swarm_sum_stat (s, "tcp-requests-in");
  json_object_set_int_member (o, "udp_datagrams", (gint64) datagrams);
  json_object_set_int_member (o, "tcp_requests", (gint64) tcp_requests);
  result_emit (o);
  if (!opt.json)
    {
      g_print ("== S1 converge, N=%u (run %u)\n", n, run);
      g_print ("  50%% see full view:  %s%.3f s\n", t50 < 0 ? "never, " : "", t50 < 0 ? 0 : t50 / 1e6);
      if (t100 < 0)
        g_print ("  100%% see full view: never (%u of %u after %.0f s)\n", s->n_full, n,
                 s1_budget_ms (n) / 1000.0);
      else
        g_print ("  100%% see full view: %.3f s\n", t100 / 1e6);
      g_print ("  creating the %u nodes took %.3f s; join errors: %u%s%s\n", n, t_build / 1e6,
               s->join_errors, s->first_join_error ? " (first: " : "",
               s->first_join_error ? s->first_join_error : "");
      if (s->first_join_error)
        g_print (")\n");
      g_print ("  traffic until then: %" G_GUINT64_FORMAT " datagrams (%.1f per node), %"
               G_GUINT64_FORMAT " TCP requests (%.1f per node)\n",
               datagrams, (double) datagrams / n, tcp_requests, (double) tcp_requests / n);
      print_anchors ("s1", n);
    }
  if (opt.stats && s->members->len > 0)
    {
      GossipStats *st = gossip_cluster_get_stats (member_at (s, 0)->cluster);
      g_auto(GStrv) names = gossip_stats_get_names (st);

      gossip_stats_unref (st);
      for (guint i = 0; names[i] != NULL; i++)
        {
          guint64 sum = swarm_sum_stat (s, names[i]);

          if (sum != 0)
            g_print ("  %-28s %" G_GUINT64_FORMAT "\n", names[i], sum);
        }
    }
  return s;
}

/* ------------------------------------------------------------------ */
/* S2 broadcast                                                        */

static void
scenario_s2 (Swarm *s,
             guint  run)
{
  g_autoptr(JsonObject) o = result_new ("s2", s->members->len, run);
  Member *sender = member_at (s, 0);
  guint n = s->members->len;
  gint64 sent_at[S2_MESSAGES];
  double full_ms[S2_MESSAGES];
  guint n_full = 0, deliveries = 0, handler_dups = 0;
  double min_ratio = 1.0, ratio_sum = 0;
  guint64 dup_before, dup_after, pk_before, pk_after;
  double med = NAN, worst = NAN;
  guint send_errors = 0;

  sleep_ms (2000);  /* settle */
  for (guint i = 0; i < n; i++)
    {
      Member *m = member_at (s, i);
      memset (m->rx_at, 0, sizeof m->rx_at);
      memset (m->rx_calls, 0, sizeof m->rx_calls);
    }
  dup_before = swarm_sum_duplicates (s);
  pk_before = swarm_sum_packets_in (s);

  for (guint k = 0; k < S2_MESSAGES; k++)
    {
      char text[S2_SIZE + 1];
      g_autoptr(GError) error = NULL;

      memset (text, 'x', S2_SIZE);
      text[S2_SIZE] = '\0';
      g_snprintf (text, sizeof text, "seq=%02u;", k);
      text[7] = 'x';
      sent_at[k] = now_us ();
      if (!gossip_cluster_send (sender->cluster, S2_TYPE, g_variant_new_string (text), &error))
        {
          send_errors++;
          g_printerr ("# S2: send %u failed: %s\n", k, error->message);
        }
      sleep_ms (100);
    }
  /* Stragglers of the last messages. */
  sleep_ms (opt.quick ? 500 : 2000);
  dup_after = swarm_sum_duplicates (s);
  pk_after = swarm_sum_packets_in (s);

  g_clear_pointer (&plot_s2, g_array_unref);
  plot_s2 = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint k = 0; k < S2_MESSAGES; k++)
    {
      guint got = 0;
      gint64 last = 0;
      double ratio;

      for (guint i = 1; i < n; i++)
        {
          Member *m = member_at (s, i);

          if (m->rx_at[k] == 0)
            continue;
          got++;
          handler_dups += m->rx_calls[k] - 1;
          last = MAX (last, m->rx_at[k]);
          {
            double ms = (m->rx_at[k] - sent_at[k]) / 1e3;
            g_array_append_val (plot_s2, ms);
          }
        }
      deliveries += got;
      ratio = n > 1 ? (double) got / (n - 1) : 1.0;
      ratio_sum += ratio;
      min_ratio = MIN (min_ratio, ratio);
      if (got == n - 1)
        full_ms[n_full++] = (last - sent_at[k]) / 1e3;
    }
  if (n_full > 0)
    {
      med = median_of (full_ms, n_full);  /* sorts */
      worst = full_ms[n_full - 1];
    }

  json_object_set_int_member (o, "fully_delivered", n_full);
  json_object_set_int_member (o, "messages", S2_MESSAGES);
  if (n_full > 0)
    {
      json_object_set_double_member (o, "median_full_ms", med);
      json_object_set_double_member (o, "max_full_ms", worst);
    }
  else
    {
      json_object_set_null_member (o, "median_full_ms");
      json_object_set_null_member (o, "max_full_ms");
    }
  json_object_set_double_member (o, "min_ratio", min_ratio);
  json_object_set_double_member (o, "mean_ratio", ratio_sum / S2_MESSAGES);
  json_object_set_double_member (o, "handler_dups_per_delivery",
                                 deliveries ? (double) handler_dups / deliveries : 0);
  json_object_set_double_member (o, "dups_per_delivery",
                                 deliveries ? (double) (dup_after - dup_before) / deliveries : 0);
  json_object_set_double_member (o, "packets_in_per_delivery",
                                 deliveries ? (double) (pk_after - pk_before) / deliveries : 0);
  json_object_set_int_member (o, "send_errors", send_errors);
  result_emit (o);
  if (!opt.json)
    {
      g_print ("== S2 broadcast, N=%u (run %u): 20 x 100-byte gossip_cluster_send, 100 ms apart\n", n, run);
      g_print ("  messages fully delivered: %u of %u (min ratio %.3f, mean %.3f)\n",
               n_full, S2_MESSAGES, min_ratio, ratio_sum / S2_MESSAGES);
      if (n_full > 0)
        g_print ("  full delivery: median %.2f ms, max %.2f ms\n", med, worst);
      g_print ("  duplicates per delivery: %.2f (library de-duplication drops in the window, all types);"
               " handler calls beyond the first: %.2f\n",
               deliveries ? (double) (dup_after - dup_before) / deliveries : 0,
               deliveries ? (double) handler_dups / deliveries : 0);
      g_print ("  packets in per delivery (every type, UDP+TCP): %.2f\n",
               deliveries ? (double) (pk_after - pk_before) / deliveries : 0);
      print_anchors ("s2", n);
    }
}

/* ------------------------------------------------------------------ */
/* S3 detect                                                           */

static guint
s3_cap_ms (void)
{
  return opt.quick ? 20000 : 120000;
}

#ifdef GOSSIP_HAVE_SIMULATE_CRASH
typedef struct {
  Swarm   *s;
  gboolean want_dead;
} S3Wait;

static gboolean
s3_done (gpointer user_data)
{
  S3Wait *w = user_data;

  for (guint i = 0; i < w->s->members->len; i++)
    {
      Member *m = member_at (w->s, i);

      if (m->crashed)
        continue;
      if (w->want_dead ? m->dead_at == 0 : m->notalive_at == 0)
        return FALSE;
    }
  return TRUE;
}
#endif

static void
scenario_s3 (Swarm *s,
             guint  run)
{
  g_autoptr(JsonObject) o = result_new ("s3", s->members->len, run);
  guint n = s->members->len;
#ifdef GOSSIP_HAVE_SIMULATE_CRASH
  Member *victim;
  gint64 crash_at, t_notalive = -1, t_dead = -1;
  S3Wait w = { s, FALSE };
  guint flaps = 0, saw_notalive = 0, saw_dead = 0;

  if (n < 3)
    {
      json_object_set_string_member (o, "skipped", "needs N >= 3");
      result_emit (o);
      if (!opt.json)
        g_print ("== S3 detect, N=%u: skipped (needs N >= 3)\n", n);
      return;
    }
  victim = member_at (s, n / 2);
  s->victim_id = g_strdup (victim->id);
  for (guint i = 0; i < n; i++)
    {
      Member *m = member_at (s, i);
      m->notalive_at = m->dead_at = 0;
      m->flaps = 0;
    }
  victim->crashed = TRUE;
  crash_at = now_us ();
  gossip_cluster_simulate_crash (victim->cluster);

  if (run_until (s3_done, &w, s3_cap_ms (), S1_POLL_MS))
    t_notalive = now_us () - crash_at;
  w.want_dead = TRUE;
  if (run_until (s3_done, &w, (guint) MAX (0, (gint64) s3_cap_ms () - (now_us () - crash_at) / 1000), S1_POLL_MS))
    t_dead = now_us () - crash_at;
  for (guint i = 0; i < n; i++)
    {
      Member *m = member_at (s, i);
      if (m->crashed)
        continue;
      flaps += m->flaps;
      saw_notalive += m->notalive_at != 0;
      saw_dead += m->dead_at != 0;
    }
  set_seconds (o, "all_notalive_s", t_notalive);
  set_seconds (o, "all_dead_s", t_dead);
  json_object_set_int_member (o, "saw_notalive", saw_notalive);
  json_object_set_int_member (o, "saw_dead", saw_dead);
  json_object_set_int_member (o, "survivors", n - 1);
  json_object_set_int_member (o, "flaps", flaps);
  json_object_set_int_member (o, "cap_s", s3_cap_ms () / 1000);
  result_emit (o);
  if (!opt.json)
    {
      g_print ("== S3 detect, N=%u (run %u): node %u stops silently (gossip_cluster_simulate_crash)\n",
               n, run, victim->index);
      if (t_notalive >= 0)
        g_print ("  every survivor sees it not-alive: %.3f s\n", t_notalive / 1e6);
      else
        g_print ("  every survivor sees it not-alive: never (%u of %u within %u s)\n",
                 saw_notalive, n - 1, s3_cap_ms () / 1000);
      if (t_dead >= 0)
        g_print ("  every survivor sees it Dead:      %.3f s\n", t_dead / 1e6);
      else
        g_print ("  every survivor sees it Dead:      never (%u of %u within %u s)\n",
                 saw_dead, n - 1, s3_cap_ms () / 1000);
      g_print ("  seen Alive again after Suspect/Dead (flaps): %u\n", flaps);
      print_anchors ("s3", n);
    }
#else
  json_object_set_string_member (o, "skipped",
                                 "gossip_cluster_simulate_crash() does not exist yet (waits on the health work); "
                                 "use --processes P for a SIGKILL-based S3");
  result_emit (o);
  if (!opt.json)
    g_print ("== S3 detect, N=%u: skipped: gossip_cluster_simulate_crash() is not in "
             "gossip-cluster-private.h yet (waits on the health work); --processes P runs S3 by SIGKILL\n", n);
#endif
}

/* ------------------------------------------------------------------ */
/* S4 idle                                                             */

static guint
s4_window_ms (void)
{
  return opt.quick ? 3000 : 30000;
}

typedef struct {
  double  cpu_s;
  double  window_s;
  guint64 udp_in;
  guint64 packets_in;
  guint64 rss;
  guint   min_converged;
} IdleSample;

/* Runs an idle window, polling convergence every 100 ms. */
static void
idle_window (Swarm      *s,
             guint       ms,
             IdleSample *out)
{
  double cpu0 = cpu_seconds ();
  guint64 udp0 = udp_in_datagrams ();
  guint64 pk0 = swarm_sum_packets_in (s);
  gint64 t0 = now_us (), end = t0 + (gint64) ms * 1000;

  out->min_converged = G_MAXUINT;
  while (now_us () < end)
    {
      sleep_ms (100);
      out->min_converged = MIN (out->min_converged, swarm_count_converged (s));
    }
  out->window_s = (now_us () - t0) / 1e6;
  out->cpu_s = cpu_seconds () - cpu0;
  out->udp_in = udp_in_datagrams () - udp0;
  out->packets_in = swarm_sum_packets_in (s) - pk0;
  out->rss = rss_bytes ();
}

static void
scenario_s4 (Swarm *s,
             guint  run)
{
  g_autoptr(JsonObject) o = result_new ("s4", s->members->len, run);
  guint n = s->members->len;
  guint64 rss_before = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (s->config), "rss-before"));
  IdleSample x;
  double cpu_per_node_min, udp_per_node_s, pk_per_node_s, rss_per_node;
  guint suspects0 = s->suspect_events, deads0 = s->dead_events;

  idle_window (s, s4_window_ms (), &x);
  cpu_per_node_min = x.cpu_s / n / (x.window_s / 60.0);
  udp_per_node_s = x.udp_in / (double) n / x.window_s;
  pk_per_node_s = x.packets_in / (double) n / x.window_s;
  rss_per_node = x.rss > rss_before ? (double) (x.rss - rss_before) / n : 0;

  json_object_set_double_member (o, "window_s", x.window_s);
  json_object_set_double_member (o, "cpu_s_per_node_per_min", cpu_per_node_min);
  json_object_set_double_member (o, "udp_in_per_node_per_s_machine", udp_per_node_s);
  json_object_set_double_member (o, "packets_in_per_node_per_s", pk_per_node_s);
  json_object_set_double_member (o, "rss_mb", x.rss / 1048576.0);
  json_object_set_double_member (o, "rss_base_mb", rss_before / 1048576.0);
  json_object_set_double_member (o, "rss_per_node_kb", rss_per_node / 1024.0);
  json_object_set_int_member (o, "min_converged", x.min_converged);
  /* Nobody fails in S4: every Dead here is a false death (e.g. under --loss). */
  json_object_set_int_member (o, "suspect_events", s->suspect_events - suspects0);
  json_object_set_int_member (o, "false_deaths", s->dead_events - deads0);
  result_emit (o);
  if (!opt.json)
    {
      g_print ("== S4 idle, N=%u (run %u): %.1f s window\n", n, run, x.window_s);
      g_print ("  CPU s per node per min: %.4f (process total %.3f s)\n", cpu_per_node_min, x.cpu_s);
      g_print ("  UDP datagrams in per node per s: %.2f (/proc/net/snmp: the WHOLE machine)\n", udp_per_node_s);
      g_print ("  packets in per node per s (library counter, UDP+TCP): %.2f\n", pk_per_node_s);
      g_print ("  RSS: %.1f MB process, %.1f MB before the nodes, %.1f KB per node\n",
               x.rss / 1048576.0, rss_before / 1048576.0, rss_per_node / 1024.0);
      g_print ("  nodes seeing the full view, minimum over the window: %u of %u\n", x.min_converged, n);
      g_print ("  suspect events: %u, false deaths (Dead): %u\n",
               s->suspect_events - suspects0, s->dead_events - deads0);
      print_anchors ("s4", n);
    }
}

/* ------------------------------------------------------------------ */
/* S5 pipeline                                                         */

typedef struct {
  const char *name;
  GVariant   *value;
  gboolean    snappy;
} PipeCase;

static GossipPingMsg bench_ping = { .seq = 123456, .addr = (char *) "127.0.0.1:35000" };

static GVariant *
ping_like_payload (void)
{
  gossip_node_id_generate (&bench_ping.target);
  return g_variant_ref_sink (gossip_ping_msg_build (&bench_ping, FALSE));
}

/* What the library does for pings with msgpack: no value model. */
static GBytes *
encode_ping_fast (const GossipWire     *wire,
                  const GossipEnvelope *env)
{
  GByteArray *buf = g_byte_array_sized_new (64);
  g_autoptr(GBytes) payload = NULL;

  gossip_msgpack_write_ping (buf, &bench_ping, FALSE);
  payload = g_byte_array_free_to_bytes (buf);
  return gossip_wire_encode (wire, env, payload, FALSE, NULL);
}

static GVariant *
text_payload (gsize size)
{
  g_autofree char *text = g_malloc (size + 1);

  /* Repetitive, as application payloads often are, so snappy has work. */
  for (gsize i = 0; i < size; i++)
    text[i] = "gossip-glib bench "[i % 18];
  text[size] = '\0';
  return g_variant_ref_sink (g_variant_new_string (text));
}

static void
scenario_s5 (guint run)
{
  g_autoptr(GossipCodec) msgpack = gossip_msgpack_codec_new ();
  g_autoptr(GossipCodec) json = gossip_json_codec_new ();
  g_autoptr(GossipCipher) aes = gossip_aes_gcm_cipher_new ();
  g_autoptr(GossipCompressor) snappy = gossip_snappy_compressor_new ();
  g_autoptr(GBytes) key = g_bytes_new_static ("gossip-bench-key", 16);
  PipeCase cases[] = {
    { "ping", ping_like_payload (), FALSE },
    { "user-100", text_payload (100), FALSE },
    { "user-1000-snappy", text_payload (1000), TRUE },
  };
  GossipEnvelope env = { .type = GOSSIP_MSG_PING, .id = 0, .ttl = 1 };
  double min_s = opt.quick ? 0.05 : 0.4;

  gossip_node_id_generate (&env.sender);
  if (!opt.json)
    {
      g_print ("== S5 pipeline (run %u): codec %s, one core, thread CPU time%s\n", run, opt.codec,
               opt.iterations ? "" : ", auto iterations");
      g_print ("  %-18s %-8s %6s %10s %10s %10s %12s\n", "payload", "cipher", "bytes",
               "enc ns", "dec ns", "both ns", "packets/s");
    }
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (guint with_aes = 0; with_aes < 2; with_aes++)
      {
        g_autoptr(JsonObject) o = result_new ("s5", 0, run);
        GossipWire wire = {
          .codec = g_strcmp0 (opt.codec, "json") == 0 ? json : msgpack,
          .compressor = cases[c].snappy ? snappy : NULL,
          .cipher = with_aes ? aes : NULL,
          .key = with_aes ? key : NULL,
          .compress_min_size = 256,
          .max_payload_size = 4194304,
        };
        g_autoptr(GBytes) sample = NULL;
        g_autoptr(GError) error = NULL;
        guint64 iters = 0;
        double enc_ns = 0, dec_ns = 0, t;
        gsize size;
        const guint8 *data;

        gboolean fast_ping = c == 0 && wire.codec == msgpack;

        env.type = c == 0 ? GOSSIP_MSG_PING : S2_TYPE;
        sample = gossip_wire_encode_value (&wire, &env, cases[c].value, &error);
        if (sample == NULL)
          {
            g_printerr ("# S5 %s: encode failed: %s\n", cases[c].name, error->message);
            continue;
          }
        data = g_bytes_get_data (sample, &size);

        /* Encode and decode timed apart, in batches, until both
         * reach the minimum time (or exactly --iterations each). */
        while (opt.iterations ? iters < opt.iterations
                              : (enc_ns < min_s * 1e9 || dec_ns < min_s * 1e9))
          {
            guint batch = opt.iterations ? MIN (1000u, opt.iterations - (guint) iters) : 1000;

            t = thread_cpu_ns ();
            for (guint i = 0; i < batch; i++)
              {
                GBytes *raw;

                env.id++;
                if (fast_ping)
                  raw = encode_ping_fast (&wire, &env);
                else
                  raw = gossip_wire_encode_value (&wire, &env, cases[c].value, NULL);
                g_bytes_unref (raw);
              }
            enc_ns += thread_cpu_ns () - t;

            t = thread_cpu_ns ();
            for (guint i = 0; i < batch; i++)
              {
                GossipWireMessage msg = { 0 };
                GossipDropReason reason;
                GVariant *v;

                if (!gossip_wire_decode (&wire, data, size, &msg, &reason, NULL))
                  g_error ("S5: decoding our own packet failed");
                /* The receive path decodes the payload too. */
                if (fast_ping)
                  {
                    GossipPingMsg ping;
                    if (gossip_msgpack_read_ping (g_bytes_get_data (msg.payload, NULL),
                                                  g_bytes_get_size (msg.payload), &ping))
                      gossip_ping_msg_clear (&ping);
                    else
                      g_error ("S5: our own ping did not take the fast path");
                  }
                else
                  {
                    v = gossip_codec_decode (wire.codec, msg.payload, NULL);
                    g_clear_pointer (&v, g_variant_unref);
                  }
                gossip_wire_message_clear (&msg);
              }
            dec_ns += thread_cpu_ns () - t;
            iters += batch;
          }
        enc_ns /= iters;
        dec_ns /= iters;

        json_object_set_string_member (o, "payload", cases[c].name);
        json_object_set_string_member (o, "cipher", with_aes ? "aes-gcm" : "none");
        json_object_set_int_member (o, "packet_bytes", size);
        json_object_set_int_member (o, "iterations", iters);
        json_object_set_double_member (o, "encode_ns", enc_ns);
        json_object_set_double_member (o, "decode_ns", dec_ns);
        json_object_set_double_member (o, "encode_pps", 1e9 / enc_ns);
        json_object_set_double_member (o, "decode_pps", 1e9 / dec_ns);
        json_object_set_double_member (o, "both_ns", enc_ns + dec_ns);
        json_object_set_double_member (o, "both_pps", 1e9 / (enc_ns + dec_ns));
        /* Distinct keys per case so the medians over runs stay apart. */
        json_object_set_string_member (o, "case", cases[c].name);
        json_object_set_string_member (o, "scenario",
                                       with_aes ? (c == 0 ? "s5-ping-aes" : c == 1 ? "s5-user100-aes" : "s5-user1000-snappy-aes")
                                                : (c == 0 ? "s5-ping" : c == 1 ? "s5-user100" : "s5-user1000-snappy"));
        result_emit (o);
        if (!opt.json)
          g_print ("  %-18s %-8s %6zu %10.0f %10.0f %10.0f %12.0f\n", cases[c].name,
                   with_aes ? "aes-gcm" : "none", size, enc_ns, dec_ns, enc_ns + dec_ns,
                   1e9 / (enc_ns + dec_ns));
      }
  if (!opt.json)
    {
      g_print ("  (packets/s = one encode + one decode per packet on one core; encode = codec + snappy when\n"
               "   >= 256 bytes + AEAD + length prefix; decode = the reverse plus the payload's codec decode)\n");
      g_print ("  instructions per packet: valgrind --tool=callgrind %s --scenario s5 --iterations 1000\n",
               g_get_prgname ());
    }
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    g_variant_unref (cases[c].value);
}

/* ------------------------------------------------------------------ */
/* S6 scale                                                            */

static void
scenario_s6 (guint run)
{
  static const guint full_ladder[] = { 100, 200, 400, 700, 1000, 1500, 2000, 3000, 5000 };
  static const guint quick_ladder[] = { 5, 10, 20 };
  const guint *ladder = opt.quick ? quick_ladder : full_ladder;
  guint n_ladder = opt.quick ? G_N_ELEMENTS (quick_ladder) : G_N_ELEMENTS (full_ladder);
  guint budget_ms = opt.quick ? 10000 : 30000;
  guint stay_ms = opt.quick ? 2000 : 10000;
  guint best = 0;
  double best_cpu = NAN;
  g_autoptr(JsonObject) summary = result_new ("s6", 0, run);

  if (!opt.json)
    g_print ("== S6 scale (run %u): converge within %u s and stay converged %u s; N up to %u\n",
             run, budget_ms / 1000, stay_ms / 1000, opt.max_n);
  for (guint i = 0; i < n_ladder && ladder[i] <= opt.max_n; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) o = result_new ("s6-step", ladder[i], run);
      guint n = ladder[i];
      gint64 t0 = now_us ();
      Swarm *s = swarm_build (n, &error);
      gboolean converged = FALSE, stayed = FALSE;
      gint64 t_conv = -1;
      IdleSample x = { 0 };
      double cpu = NAN;

      if (s == NULL)
        {
          json_object_set_string_member (o, "error", error->message);
          result_emit (o);
          if (!opt.json)
            g_print ("  N=%-5u could not create the nodes: %s\n", n, error->message);
          break;
        }
      converged = run_until (swarm_poll_full, s, budget_ms, S1_POLL_MS);
      if (converged)
        {
          t_conv = now_us () - t0;
          idle_window (s, stay_ms, &x);
          stayed = x.min_converged == n;
          cpu = x.cpu_s / n / (x.window_s / 60.0);
        }
      set_seconds (o, "converge_s", t_conv);
      json_object_set_int_member (o, "saw_full_view", s->n_full);
      json_object_set_boolean_member (o, "stayed", stayed);
      if (converged)
        {
          json_object_set_int_member (o, "min_converged", x.min_converged);
          json_object_set_double_member (o, "cpu_s_per_node_per_min", cpu);
          json_object_set_double_member (o, "packets_in_per_node_per_s",
                                         x.packets_in / (double) n / x.window_s);
          json_object_set_double_member (o, "rss_mb", x.rss / 1048576.0);
        }
      result_emit (o);
      if (!opt.json)
        {
          if (!converged)
            g_print ("  N=%-5u FAILED: %u of %u saw the full view after %u s (join errors %u)\n",
                     n, s->n_full, n, budget_ms / 1000, s->join_errors);
          else
            g_print ("  N=%-5u converged in %.2f s, %s (min %u of %u full), idle CPU %.4f s/node/min, "
                     "%.1f packets in/node/s, RSS %.0f MB\n",
                     n, t_conv / 1e6, stayed ? "stayed" : "did NOT stay", x.min_converged, n, cpu,
                     x.packets_in / (double) n / x.window_s, x.rss / 1048576.0);
        }
      swarm_free (s);
      if (!converged || !stayed)
        break;
      best = n;
      best_cpu = cpu;
    }
  json_object_set_int_member (summary, "largest_n", best);
  if (best > 0)
    json_object_set_double_member (summary, "cpu_s_per_node_per_min", best_cpu);
  result_emit (summary);
  if (!opt.json)
    g_print ("  largest N that converged and stayed: %u%s\n", best,
             best > 0 && ladder[0] <= opt.max_n ? "" : " (none)");
}

/* ------------------------------------------------------------------ */
/* SVG plot                                                            */

static double
nice_ceiling (double v)
{
  double p, f;

  if (v <= 0)
    return 1;
  p = pow (10, floor (log10 (v)));
  f = v / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/* A panel with its axes at (@x, @y), @w x @h; returns the scales. */
static void
svg_axes (GString    *svg,
          double      x,
          double      y,
          double      w,
          double      h,
          double      xmax,
          double      ymax,
          const char *title,
          const char *xlabel,
          const char *ylabel)
{
  g_string_append_printf (svg, "<text x='%.0f' y='%.0f' font-size='14' text-anchor='middle'>%s</text>\n",
                          x + w / 2, y - 10, title);
  g_string_append_printf (svg, "<path d='M%.1f %.1f V%.1f H%.1f' stroke='black' fill='none'/>\n",
                          x, y, y + h, x + w);
  for (guint i = 0; i <= 5; i++)
    {
      double tx = x + w * i / 5, ty = y + h - h * i / 5;

      g_string_append_printf (svg, "<line x1='%.1f' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#ccc'/>\n",
                              tx, y, tx, y + h);
      g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='10' text-anchor='middle'>%g</text>\n",
                              tx, y + h + 14, xmax * i / 5);
      g_string_append_printf (svg, "<text x='%.1f' y='%.1f' font-size='10' text-anchor='end'>%g</text>\n",
                              x - 4, ty + 3, ymax * i / 5);
    }
  g_string_append_printf (svg, "<text x='%.0f' y='%.0f' font-size='11' text-anchor='middle'>%s</text>\n",
                          x + w / 2, y + h + 32, xlabel);
  g_string_append_printf (svg, "<text x='%.0f' y='%.0f' font-size='11' text-anchor='middle' "
                          "transform='rotate(-90 %.0f %.0f)'>%s</text>\n",
                          x - 40, y + h / 2, x - 40, y + h / 2, ylabel);
}

static gboolean
write_plot (const char  *path,
            GError     **error)
{
  g_autoptr(GString) svg = g_string_new (NULL);
  const double W = 420, H = 260, X1 = 70, X2 = 580, Y = 50;

  g_string_append (svg, "<?xml version='1.0' encoding='UTF-8'?>\n"
                   "<svg xmlns='http://www.w3.org/2000/svg' width='1040' height='370' "
                   "font-family='sans-serif'>\n<rect width='100%' height='100%' fill='white'/>\n");
  if (plot_s1 != NULL && plot_s1->len > 0)
    {
      double tmax = 0;
      guint n = plot_s1->len;

      for (guint i = 0; i < n; i++)
        if (g_array_index (plot_s1, gint64, i) != G_MAXINT64)
          tmax = MAX (tmax, g_array_index (plot_s1, gint64, i) / 1e3);
      tmax = nice_ceiling (tmax);
      svg_axes (svg, X1, Y, W, H, tmax, plot_s1_n,
                "S1: nodes seeing the full membership", "ms since node 0 started", "nodes");
      g_string_append (svg, "<polyline fill='none' stroke='#1f77b4' stroke-width='2' points='");
      g_string_append_printf (svg, "%.1f,%.1f ", X1, Y + H);
      for (guint i = 0; i < n; i++)
        {
          gint64 t = g_array_index (plot_s1, gint64, i);
          double px, py0, py1;

          if (t == G_MAXINT64)
            break;
          px = X1 + W * (t / 1e3) / tmax;
          py0 = Y + H - H * i / plot_s1_n;
          py1 = Y + H - H * (i + 1) / plot_s1_n;
          g_string_append_printf (svg, "%.1f,%.1f %.1f,%.1f ", px, py0, px, py1);
        }
      g_string_append (svg, "'/>\n");
    }
  if (plot_s2 != NULL && plot_s2->len > 0)
    {
      guint n = plot_s2->len;
      double tmax;

      g_array_sort (plot_s2, cmp_double);
      tmax = nice_ceiling (g_array_index (plot_s2, double, n - 1));
      svg_axes (svg, X2, Y, W, H, tmax, 1.0,
                "S2: delivery latency CDF (all messages, all nodes)", "ms after send", "fraction");
      g_string_append (svg, "<polyline fill='none' stroke='#d62728' stroke-width='2' points='");
      g_string_append_printf (svg, "%.1f,%.1f ", X2, Y + H);
      for (guint i = 0; i < n; i++)
        {
          double px = X2 + W * g_array_index (plot_s2, double, i) / tmax;

          g_string_append_printf (svg, "%.1f,%.1f %.1f,%.1f ", px, Y + H - H * i / n,
                                  px, Y + H - H * (i + 1) / n);
        }
      g_string_append (svg, "'/>\n");
    }
  g_string_append (svg, "</svg>\n");
  return g_file_set_contents (path, svg->str, svg->len, error);
}

/* ------------------------------------------------------------------ */
/* Multi-process mode                                                  */

/* A child: --child-nodes K nodes joining --join, reporting "full T",
 * "notalive T", "dead T" lines (monotonic µs, the same clock in every
 * process) and obeying "idle MS", "watch ID" and "quit" on stdin. */

typedef struct {
  Swarm   *swarm;
  gboolean quit;
  gint64   idle_end;
  double   idle_cpu0;
  guint64  idle_pk0;
} Child;

static gboolean
child_idle_done_cb (gpointer user_data)
{
  Child *c = user_data;

  g_print ("idle %.6f %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
           cpu_seconds () - c->idle_cpu0, rss_bytes (),
           swarm_sum_packets_in (c->swarm) - c->idle_pk0);
  fflush (stdout);
  return G_SOURCE_REMOVE;
}

static gboolean
child_stdin_cb (GIOChannel   *channel,
                GIOCondition  condition,
                gpointer      user_data)
{
  Child *c = user_data;
  g_autofree char *line = NULL;
  GIOStatus status;

  status = g_io_channel_read_line (channel, &line, NULL, NULL, NULL);
  if (status == G_IO_STATUS_AGAIN)
    return G_SOURCE_CONTINUE;
  if (status != G_IO_STATUS_NORMAL || line == NULL)
    {
      c->quit = TRUE;
      return G_SOURCE_REMOVE;
    }
  g_strstrip (line);
  if (g_str_has_prefix (line, "idle "))
    {
      c->idle_cpu0 = cpu_seconds ();
      c->idle_pk0 = swarm_sum_packets_in (c->swarm);
      g_timeout_add ((guint) g_ascii_strtoull (line + 5, NULL, 10), child_idle_done_cb, c);
    }
  else if (g_str_has_prefix (line, "watch "))
    {
      g_free (c->swarm->victim_id);
      c->swarm->victim_id = g_strdup (line + 6);
    }
  else if (strcmp (line, "quit") == 0)
    c->quit = TRUE;
  return G_SOURCE_CONTINUE;
}

static int
child_main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) in = NULL;
  Child c = { 0 };

  c.swarm = swarm_new (opt.n, &error);
  if (c.swarm == NULL)
    {
      g_printerr ("child: %s\n", error->message);
      return 1;
    }
  c.swarm->report_lines = TRUE;
  for (guint i = 0; i < opt.child_nodes; i++)
    {
      if (swarm_add (c.swarm, opt.join, &error) == NULL)
        {
          g_printerr ("child: node %u: %s\n", i, error->message);
          return 1;
        }
      g_main_context_iteration (NULL, FALSE);
    }
  g_print ("id %s\n", member_at (c.swarm, 0)->id);
  fflush (stdout);

  in = g_io_channel_unix_new (STDIN_FILENO);
  g_io_add_watch (in, G_IO_IN | G_IO_HUP | G_IO_ERR, child_stdin_cb, &c);
  while (!c.quit)
    {
      g_main_context_iteration (NULL, TRUE);
      /* Catch views completed without a state change of their own. */
      if (c.swarm->n_full < c.swarm->members->len)
        swarm_poll_full (c.swarm);
    }
  swarm_free (c.swarm);
  return 0;
}

/* The parent side of one child process. */
typedef struct {
  GSubprocess      *proc;
  GDataInputStream *out;
  GOutputStream    *in;
  guint             nodes;
  char             *first_id;
  gboolean          idle_reported;
  double            idle_cpu;
  guint64           idle_rss;
  guint64           idle_packets;
  gboolean          eof;
  gboolean          killed;
} Proc;

typedef struct {
  GPtrArray *procs;         /* Proc* */
  GArray    *full_times;    /* gint64 absolute µs */
  GArray    *notalive;      /* gint64 absolute µs */
  GArray    *dead;          /* gint64 absolute µs */
} Parent;

static Parent parent;

static void read_next_line (Proc *p);

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Proc *p = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                                                NULL, &error);

  if (line == NULL)
    {
      p->eof = TRUE;
      return;
    }
  if (g_str_has_prefix (line, "full "))
    {
      gint64 t = g_ascii_strtoll (line + 5, NULL, 10);
      g_array_append_val (parent.full_times, t);
    }
  else if (g_str_has_prefix (line, "notalive "))
    {
      gint64 t = g_ascii_strtoll (line + 9, NULL, 10);
      g_array_append_val (parent.notalive, t);
    }
  else if (g_str_has_prefix (line, "dead "))
    {
      gint64 t = g_ascii_strtoll (line + 5, NULL, 10);
      g_array_append_val (parent.dead, t);
    }
  else if (g_str_has_prefix (line, "id "))
    p->first_id = g_strdup (line + 3);
  else if (g_str_has_prefix (line, "idle "))
    {
      char *end;

      p->idle_cpu = g_ascii_strtod (line + 5, &end);
      p->idle_rss = g_ascii_strtoull (end, &end, 10);
      p->idle_packets = g_ascii_strtoull (end, NULL, 10);
      p->idle_reported = TRUE;
    }
  read_next_line (p);
}

static void
read_next_line (Proc *p)
{
  g_data_input_stream_read_line_async (p->out, G_PRIORITY_DEFAULT, NULL, line_cb, p);
}

static void
proc_send (Proc       *p,
           const char *line)
{
  g_autofree char *text = g_strconcat (line, "\n", NULL);

  if (p->killed)
    return;
  g_output_stream_write_all (p->in, text, strlen (text), NULL, NULL, NULL);
  g_output_stream_flush (p->in, NULL, NULL);
}

static Proc *
proc_spawn (const char  *self_exe,
            guint        nodes,
            const char  *join,
            GError     **error)
{
  g_autofree char *n_str = g_strdup_printf ("%u", opt.n);
  g_autofree char *k_str = g_strdup_printf ("%u", nodes);
  g_autofree char *loss_str = g_strdup_printf ("%g", opt.loss);
  const char *argv[] = { self_exe, "--child", "-n", n_str, "--child-nodes", k_str, "--join", join,
                         "--cipher", opt.cipher, "--codec", opt.codec, "--loss", loss_str, NULL };
  GSubprocess *proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                         G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
  Proc *p;

  if (proc == NULL)
    return NULL;
  p = g_new0 (Proc, 1);
  p->proc = proc;
  p->nodes = nodes;
  p->in = g_subprocess_get_stdin_pipe (proc);
  p->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  read_next_line (p);
  return p;
}

static gboolean
parent_all_full (gpointer user_data)
{
  Swarm *s = user_data;

  swarm_poll_full (s);
  return parent.full_times->len + s->n_full >= opt.n;
}

static gboolean
parent_all_idle (gpointer user_data)
{
  for (guint i = 0; i < parent.procs->len; i++)
    {
      Proc *p = parent.procs->pdata[i];

      if (!p->killed && !p->idle_reported && !p->eof)
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  Swarm   *s;
  guint    survivors;
  gboolean dead;
} ParentS3;

static gboolean
parent_s3_done (gpointer user_data)
{
  ParentS3 *w = user_data;
  Member *m0 = member_at (w->s, 0);
  guint got = (w->dead ? parent.dead->len : parent.notalive->len) +
              ((w->dead ? m0->dead_at : m0->notalive_at) != 0);

  return got >= w->survivors;
}

static gint64
parent_max_time (GArray *a,
                 gint64  own,
                 gint64  since)
{
  gint64 t = own;

  for (guint i = 0; i < a->len; i++)
    t = MAX (t, g_array_index (a, gint64, i));
  return t - since;
}

static void
proc_free (gpointer data)
{
  Proc *p = data;

  g_clear_object (&p->out);
  g_clear_object (&p->proc);
  g_free (p->first_id);
  g_free (p);
}

/* Node 0 runs here; the other nodes run in P children (one more child
 * with a single node is the S3 victim). Measures S1 (full view over all
 * processes, on one monotonic clock), S4 (CPU and RSS summed over the
 * processes, so the per-node figures include each process's own baseline)
 * and S3 (the victim child is SIGKILLed: its sockets close, no leave). */
static gboolean
run_multiprocess (guint    run,
                  GError **error)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", error);
  g_autoptr(JsonObject) o1 = result_new ("s1", opt.n, run);
  Swarm *s;
  const char *addr0;
  guint workers = opt.processes;
  guint rest, victim_nodes = opt.want[3] && opt.n >= 3 ? 1 : 0;
  Proc *victim = NULL;
  gboolean ok;
  gint64 t100 = -1, t50 = -1;

  if (self_exe == NULL)
    return FALSE;
  parent.procs = g_ptr_array_new_with_free_func (proc_free);
  parent.full_times = g_array_new (FALSE, FALSE, sizeof (gint64));
  parent.notalive = g_array_new (FALSE, FALSE, sizeof (gint64));
  parent.dead = g_array_new (FALSE, FALSE, sizeof (gint64));

  s = swarm_new (opt.n, error);
  if (s == NULL)
    return FALSE;
  s->t0 = now_us ();
  if (swarm_add (s, NULL, error) == NULL)
    return FALSE;
  addr0 = gossip_cluster_get_advertise_address (member_at (s, 0)->cluster);
  rest = opt.n - 1 - victim_nodes;
  workers = MAX (1u, MIN (workers, rest));
  for (guint i = 0; i < workers; i++)
    {
      guint k = rest / workers + (i < rest % workers ? 1 : 0);
      Proc *p;

      if (k == 0)
        continue;
      p = proc_spawn (self_exe, k, addr0, error);
      if (p == NULL)
        return FALSE;
      g_ptr_array_add (parent.procs, p);
    }
  if (victim_nodes)
    {
      victim = proc_spawn (self_exe, 1, addr0, error);
      if (victim == NULL)
        return FALSE;
      g_ptr_array_add (parent.procs, victim);
    }

  ok = run_until (parent_all_full, s, s1_budget_ms (opt.n), S1_POLL_MS);
  {
    g_autoptr(GArray) times = g_array_copy (parent.full_times);
    Member *m0 = member_at (s, 0);
    guint half = (opt.n + 1) / 2;

    if (m0->full_at)
      g_array_append_val (times, m0->full_at);
    g_array_sort (times, cmp_int64);
    if (times->len >= half)
      t50 = g_array_index (times, gint64, half - 1) - s->t0;
    if (ok)
      t100 = g_array_index (times, gint64, times->len - 1) - s->t0;
    g_clear_pointer (&plot_s1, g_array_unref);
    plot_s1 = g_array_new (FALSE, FALSE, sizeof (gint64));
    for (guint i = 0; i < times->len; i++)
      {
        gint64 t = g_array_index (times, gint64, i) - s->t0;
        g_array_append_val (plot_s1, t);
      }
    plot_s1_n = opt.n;
    set_seconds (o1, "t50_s", t50);
    set_seconds (o1, "t100_s", t100);
    json_object_set_int_member (o1, "saw_full_view", times->len);
    result_emit (o1);
    if (!opt.json)
      {
        g_print ("== S1 converge, N=%u over %u processes + this one (run %u)\n", opt.n,
                 parent.procs->len, run);
        g_print ("  50%% see full view:  %.3f s\n", t50 / 1e6);
        if (t100 >= 0)
          g_print ("  100%% see full view: %.3f s\n", t100 / 1e6);
        else
          g_print ("  100%% see full view: never (%u of %u)\n", times->len, opt.n);
        print_anchors ("s1", opt.n);
      }
  }
  {
    /* RSS and PSS of each child, with its full view (tools/bench/). */
    g_autoptr(JsonObject) om = result_new ("s1-memory", opt.n, run);
    g_autoptr(GPtrArray) subs = g_ptr_array_new ();

    for (guint i = 0; i < parent.procs->len; i++)
      g_ptr_array_add (subs, ((Proc *) parent.procs->pdata[i])->proc);
    bench_processes_memory (om, subs, !opt.json);
    result_emit (om);
  }

  if (ok && opt.want[4])
    {
      g_autoptr(JsonObject) o = result_new ("s4", opt.n, run);
      g_autofree char *cmd = g_strdup_printf ("idle %u", s4_window_ms ());
      IdleSample x;
      double cpu = 0;
      guint64 rss = 0, packets;

      for (guint i = 0; i < parent.procs->len; i++)
        proc_send (parent.procs->pdata[i], cmd);
      idle_window (s, s4_window_ms (), &x);
      run_until (parent_all_idle, NULL, 10000, 10);
      cpu = x.cpu_s;
      rss = x.rss;
      packets = x.packets_in;
      for (guint i = 0; i < parent.procs->len; i++)
        {
          Proc *p = parent.procs->pdata[i];
          cpu += p->idle_cpu;
          rss += p->idle_rss;
          packets += p->idle_packets;
        }
      json_object_set_double_member (o, "window_s", x.window_s);
      json_object_set_double_member (o, "cpu_s_per_node_per_min", cpu / opt.n / (x.window_s / 60));
      json_object_set_double_member (o, "udp_in_per_node_per_s_machine", x.udp_in / (double) opt.n / x.window_s);
      json_object_set_double_member (o, "packets_in_per_node_per_s", packets / (double) opt.n / x.window_s);
      json_object_set_double_member (o, "rss_mb", rss / 1048576.0);
      json_object_set_double_member (o, "rss_per_node_kb", rss / 1024.0 / opt.n);
      result_emit (o);
      if (!opt.json)
        {
          g_print ("== S4 idle, N=%u over %u+1 processes (run %u): %.1f s window\n", opt.n,
                   parent.procs->len, run, x.window_s);
          g_print ("  CPU s per node per min: %.4f (all processes)\n", cpu / opt.n / (x.window_s / 60));
          g_print ("  UDP datagrams in per node per s: %.2f (/proc/net/snmp: the WHOLE machine)\n",
                   x.udp_in / (double) opt.n / x.window_s);
          g_print ("  packets in per node per s (library counters): %.2f\n", packets / (double) opt.n / x.window_s);
          g_print ("  RSS summed over the processes: %.1f MB (%.0f KB per node, process baselines included)\n",
                   rss / 1048576.0, rss / 1024.0 / opt.n);
          print_anchors ("s4", opt.n);
        }
    }

  if (ok && opt.want[3] && victim != NULL && victim->first_id != NULL)
    {
      g_autoptr(JsonObject) o = result_new ("s3", opt.n, run);
      g_autofree char *cmd = g_strdup_printf ("watch %s", victim->first_id);
      ParentS3 w = { s, opt.n - 1, FALSE };
      Member *m0 = member_at (s, 0);
      gint64 crash_at, t_na = -1, t_dead = -1;

      s->victim_id = g_strdup (victim->first_id);
      for (guint i = 0; i < parent.procs->len; i++)
        if (parent.procs->pdata[i] != victim)
          proc_send (parent.procs->pdata[i], cmd);
      sleep_ms (200);  /* the watch lines arrive first */
      crash_at = now_us ();
      kill (atoi (g_subprocess_get_identifier (victim->proc)), SIGKILL);
      victim->killed = TRUE;
      if (run_until (parent_s3_done, &w, s3_cap_ms (), S1_POLL_MS))
        t_na = parent_max_time (parent.notalive, m0->notalive_at, crash_at);
      w.dead = TRUE;
      if (run_until (parent_s3_done, &w,
                     (guint) MAX (0, (gint64) s3_cap_ms () - (now_us () - crash_at) / 1000), S1_POLL_MS))
        t_dead = parent_max_time (parent.dead, m0->dead_at, crash_at);
      set_seconds (o, "all_notalive_s", t_na);
      set_seconds (o, "all_dead_s", t_dead);
      json_object_set_int_member (o, "saw_notalive", parent.notalive->len + (m0->notalive_at != 0));
      json_object_set_int_member (o, "saw_dead", parent.dead->len + (m0->dead_at != 0));
      json_object_set_int_member (o, "survivors", opt.n - 1);
      json_object_set_string_member (o, "method", "SIGKILL of a one-node child process");
      result_emit (o);
      if (!opt.json)
        {
          g_print ("== S3 detect, N=%u (run %u): a one-node child process is SIGKILLed\n", opt.n, run);
          if (t_na >= 0)
            g_print ("  every survivor sees it not-alive: %.3f s\n", t_na / 1e6);
          else
            g_print ("  every survivor sees it not-alive: never (%u of %u within %u s)\n",
                     parent.notalive->len + (m0->notalive_at != 0), opt.n - 1, s3_cap_ms () / 1000);
          if (t_dead >= 0)
            g_print ("  every survivor sees it Dead:      %.3f s\n", t_dead / 1e6);
          else
            g_print ("  every survivor sees it Dead:      never (%u of %u within %u s)\n",
                     parent.dead->len + (m0->dead_at != 0), opt.n - 1, s3_cap_ms () / 1000);
          print_anchors ("s3", opt.n);
        }
    }

  for (guint i = 0; i < parent.procs->len; i++)
    {
      Proc *p = parent.procs->pdata[i];

      proc_send (p, "quit");
      g_output_stream_close (p->in, NULL, NULL);
    }
  for (guint i = 0; i < parent.procs->len; i++)
    {
      Proc *p = parent.procs->pdata[i];
      g_subprocess_wait (p->proc, NULL, NULL);
    }
  swarm_free (s);
  g_clear_pointer (&parent.procs, g_ptr_array_unref);
  g_clear_pointer (&parent.full_times, g_array_unref);
  g_clear_pointer (&parent.notalive, g_array_unref);
  g_clear_pointer (&parent.dead, g_array_unref);
  return TRUE;
}

/* ------------------------------------------------------------------ */

static gboolean
run_once (guint    run,
          GError **error)
{
  Swarm *s = NULL;

  if (opt.processes > 1 && (opt.want[1] || opt.want[3] || opt.want[4]))
    {
      if (!run_multiprocess (run, error))
        return FALSE;
    }
  else if (opt.want[1] || opt.want[2] || opt.want[3] || opt.want[4])
    {
      s = scenario_s1 (opt.n, run, opt.want[1], error);
      if (s == NULL)
        return FALSE;
      if (s->n_full < opt.n && !opt.json)
        g_print ("# the cluster did not converge: S2-S4 run on it anyway\n");
      if (opt.want[2])
        scenario_s2 (s, run);
      if (opt.want[4])
        scenario_s4 (s, run);
      if (opt.want[3])
        scenario_s3 (s, run);
      swarm_free (s);
    }
  if (opt.processes > 1 && opt.want[2] && !opt.json)
    g_print ("# S2 is not run in --processes mode\n");
  if (opt.want[5])
    scenario_s5 (run);
  if (opt.want[6])
    scenario_s6 (run);
  if (opt.want_stream && !gossip_bench_stream ((guint64) opt.stream_mib << 20, opt.json, error))
    return FALSE;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *scenarios = NULL;
  GOptionEntry entries[] = {
    { "nodes", 'n', 0, G_OPTION_ARG_INT, &opt.n, "Number of nodes (default 10)", "N" },
    { "scenario", 's', 0, G_OPTION_ARG_STRING, &opt.scenarios, "Scenarios s1..s6 and stream, comma-separated (default s1,s2,s4,s5)", "LIST" },
    { "stream-mib", 0, 0, G_OPTION_ARG_INT, &opt.stream_mib, "stream: MiB to copy (default 256)", "M" },
    { "cipher", 0, 0, G_OPTION_ARG_STRING, &opt.cipher, "none or aes-gcm (default none)", "CIPHER" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &opt.codec, "msgpack or json (default msgpack)", "CODEC" },
    { "loss", 0, 0, G_OPTION_ARG_DOUBLE, &opt.loss, "Packet loss ratio (reserved for the network conditioner)", "P" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt.json, "One JSON object per scenario line", NULL },
    { "stats", 0, 0, G_OPTION_ARG_NONE, &opt.stats, "S1: print every counter, summed over the nodes", NULL },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &opt.quick, "Short windows (for tests)", NULL },
    { "runs", 0, 0, G_OPTION_ARG_INT, &opt.runs, "Repeat K times and report medians", "K" },
    { "max-n", 0, 0, G_OPTION_ARG_INT, &opt.max_n, "Largest N tried by S6 (default 1000)", "N" },
    { "plot", 0, 0, G_OPTION_ARG_FILENAME, &opt.plot, "Write an SVG of S1 and S2", "FILE.svg" },
    { "processes", 0, 0, G_OPTION_ARG_INT, &opt.processes, "Spread the nodes over P processes (S1, S3, S4)", "P" },
    { "iterations", 0, 0, G_OPTION_ARG_INT, &opt.iterations, "S5: exactly this many packets per case", "K" },
    { "callgrind", 0, 0, G_OPTION_ARG_NONE, &opt.callgrind, "Print the callgrind command for S5 and exit", NULL },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &opt.child, NULL, NULL },
    { "child-nodes", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &opt.child_nodes, NULL, NULL },
    { "join", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt.join, NULL, NULL },
    { NULL }
  };

  g_set_prgname ("gossip-bench");
  context = g_option_context_new ("- measure gossip-glib (BENCH.md scenarios S1-S6)");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("gossip-bench: %s\n", error->message);
      return 2;
    }
  if (opt.cipher == NULL)
    opt.cipher = g_strdup ("none");
  if (opt.codec == NULL)
    opt.codec = g_strdup ("msgpack");
  if (!parse_scenarios (opt.scenarios ? opt.scenarios : "s1,s2,s4,s5", &error))
    {
      g_printerr ("gossip-bench: %s\n", error->message);
      return 2;
    }
  if (opt.n < 1 || opt.runs < 1)
    {
      g_printerr ("gossip-bench: -n and --runs must be at least 1\n");
      return 2;
    }
  if (opt.callgrind)
    {
      g_print ("valgrind --tool=callgrind --callgrind-out-file=callgrind.gossip-bench.%%p %s --scenario s5 "
               "--iterations 1000 --codec %s\n"
               "callgrind_annotate callgrind.gossip-bench.<pid> | head -40\n"
               "(instructions per packet = total Ir / (6 cases x 1000 iterations x 2), minus the setup;\n"
               " compare with --iterations 2000 to cancel the fixed cost)\n",
               argv[0], opt.codec);
      return 0;
    }

  /* Lost packets would break the dissemination count; never die on them. */
  signal (SIGPIPE, SIG_IGN);
  raise_nofile_limit ();

  if (opt.loss > 0)
    {
#ifdef GOSSIP_HAVE_NETSIM
      /* Loss applies to datagrams only: TCP would retransmit. */
      gossip_netsim_enable ();
      gossip_netsim_set_loss (NULL, NULL, opt.loss);
      g_printerr ("# --loss %.3f: every datagram between nodes of this process is dropped with this probability\n",
                  opt.loss);
#else
      g_printerr ("# --loss %.3f is ignored: the network conditioner is not in the library yet\n",
                  opt.loss);
#endif
    }
  if (opt.child)
    return child_main ();
  if (!opt.json)
    g_print ("# gossip-bench: N=%u, scenarios %s, codec %s, cipher %s, default intervals%s%s\n",
             opt.n, opt.scenarios ? opt.scenarios : "s1,s2,s4,s5", opt.codec, opt.cipher,
             opt.quick ? ", --quick windows" : "",
             opt.processes > 1 ? ", multi-process" : "");

  all_results = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  for (guint run = 1; run <= opt.runs; run++)
    if (!run_once (run, &error))
      {
        g_printerr ("gossip-bench: %s\n", error->message);
        return 1;
      }
  if (opt.runs > 1)
    emit_medians ();
  if (opt.plot != NULL)
    {
      if (!write_plot (opt.plot, &error))
        {
          g_printerr ("gossip-bench: %s\n", error->message);
          return 1;
        }
      if (!opt.json)
        g_print ("# wrote %s\n", opt.plot);
    }

  g_clear_pointer (&plot_s1, g_array_unref);
  g_clear_pointer (&plot_s2, g_array_unref);
  g_ptr_array_unref (all_results);
  g_free (opt.scenarios);
  g_free (opt.cipher);
  g_free (opt.codec);
  g_free (opt.plot);
  g_free (opt.join);
  return 0;
}
