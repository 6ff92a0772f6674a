/* test-health.c: failure detection on real loopback clusters.
 *
 * Intervals are scaled to a tenth of Go's defaults; bounds in assertions are
 * generous (CI machines are noisy) and the measured figures are printed.
 * Speed targets live in tools/gossip-bench, not here.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-cluster-private.h"
#include "gossip-netsim.h"
#include "gossip-wire-private.h"
#include "gossip-probe-schedule-private.h"

#define SCALE 0.1

typedef struct {
  GPtrArray *clusters;        /* GossipCluster* */
  guint      suspect_events;  /* alive -> suspect, anywhere */
  guint      dead_events;     /* -> dead, anywhere */
} Net;

static void
count_cb (GossipCluster   *cluster,
          GossipNode      *node,
          GossipNodeState  old_state,
          GossipNodeState  new_state,
          gpointer         user_data)
{
  Net *net = user_data;

  if (new_state == GOSSIP_NODE_STATE_SUSPECT)
    net->suspect_events++;
  if (new_state == GOSSIP_NODE_STATE_DEAD)
    net->dead_events++;
}

static GossipCluster *
add_node (Net *net)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, SCALE);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (cluster, "node-state-changed", G_CALLBACK (count_cb), net);
  gossip_cluster_start (cluster);
  g_ptr_array_add (net->clusters, cluster);
  return cluster;
}

static GossipCluster *
at (Net *net, guint i)
{
  return net->clusters->pdata[i];
}

static void
net_init (Net *net, guint n)
{
  memset (net, 0, sizeof *net);
  net->clusters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    add_node (net);
  test_clusters_join_first (net->clusters);
}

static void
net_clear (Net *net)
{
  test_clusters_free (net->clusters);
  gossip_netsim_reset ();
}

static const char *
id_of (GossipCluster *cluster)
{
  return gossip_node_get_id (gossip_cluster_get_local_node (cluster));
}

typedef struct {
  Net            *net;
  const char     *id;
  guint           skip;       /* index of the node not asked */
  guint           state_mask; /* states that satisfy */
} SeenCond;

static gboolean
all_see (gpointer user_data)
{
  SeenCond *c = user_data;

  for (guint i = 0; i < c->net->clusters->len; i++)
    {
      GossipNode *node;

      if (i == c->skip)
        continue;
      node = gossip_cluster_get_node (at (c->net, i), c->id);
      if (!(c->state_mask & (1u << (node ? gossip_node_get_state (node) : GOSSIP_NODE_STATE_UNKNOWN))))
        return FALSE;
    }
  return TRUE;
}

#define BIT(s) (1u << (s))
#define NOT_ALIVE (BIT (GOSSIP_NODE_STATE_SUSPECT) | BIT (GOSSIP_NODE_STATE_DEAD))

/* A silent stop: detected everywhere as Suspect, then Dead. */
static void
detect_crash (guint n,
              guint victim)
{
  Net net;
  g_autofree char *id = NULL;
  SeenCond cond;
  gint64 start;
  double t_suspect, t_dead;

  net_init (&net, n);
  id = g_strdup (id_of (at (&net, victim)));
  cond = (SeenCond) { &net, id, victim, NOT_ALIVE };

  start = g_get_monotonic_time ();
  gossip_cluster_simulate_crash (at (&net, victim));
  g_assert_true (test_wait_for (all_see, &cond, 20000));
  t_suspect = (g_get_monotonic_time () - start) / 1e6;
  /* gossip-glib nodes only: nobody is taken for a Go node, so nobody held
   * its suspicion back (go-suspicion-delay) and detection is as fast. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) nodes = gossip_cluster_get_alive_nodes (at (&net, i));

      for (guint j = 0; i != victim && j < nodes->len; j++)
        {
          g_assert_false (gossip_health_is_go_peer (at (&net, i)->health, nodes->pdata[j]));
          g_assert_false (gossip_health_withholds (at (&net, i)->health, nodes->pdata[j]));
        }
    }
  cond.state_mask = BIT (GOSSIP_NODE_STATE_DEAD);
  g_assert_true (test_wait_for (all_see, &cond, 30000));
  t_dead = (g_get_monotonic_time () - start) / 1e6;

  /* Scaled x0.1: a suspect retention of 30 s; death must come far sooner. */
  g_test_message ("n=%u: every survivor saw the silent stop as not-alive after %.2f s, Dead after %.2f s "
                  "(intervals x%.1f; suspect retention %.0f s)", n, t_suspect, t_dead, SCALE, 300 * SCALE);
  g_assert_cmpfloat (t_dead, <, 300 * SCALE / 2);
  net_clear (&net);
}

static void
test_silent_stop_10 (void)
{
  detect_crash (10, 5);
}

static void
test_two_nodes (void)
{
  detect_crash (2, 1);
}

static void
test_three_nodes (void)
{
  detect_crash (3, 2);
}

/* 10% loss on every link: suspicions happen and are refuted; nobody dies.
 * Sixteen nodes in one process also load the main loop: a slow or
 * sanitized build stalls it now and then, and a stall must not count as
 * the silence of the node we waited for (late ping timers wait once more;
 * a quorum still waits for the refutation). */
static void
test_loss (void)
{
  Net net;
  const guint seconds = 60;

  gossip_netsim_enable ();
  net_init (&net, 16);
  gossip_netsim_set_loss (NULL, NULL, 0.10);
  test_run_for (seconds * 1000);

  g_test_message ("10%% loss on every link for %u s (= %u health intervals): %u suspect events, "
                  "%u dead events, %" G_GUINT64_FORMAT " datagrams dropped",
                  seconds, (guint) (seconds * 1000 / (1000 * SCALE)), net.suspect_events,
                  net.dead_events, gossip_netsim_get_dropped ());
  g_assert_cmpuint (net.dead_events, ==, 0);
  for (guint i = 0; i < net.clusters->len; i++)
    g_assert_cmpuint (gossip_cluster_get_n_dead (at (&net, i)), ==, 0);
  net_clear (&net);
}

typedef struct {
  Net  *net;
  guint from, to;   /* the nodes [from, to) */
  guint expect_alive;
  guint expect_dead;
} SideCond;

static gboolean
side_sees (gpointer user_data)
{
  SideCond *c = user_data;

  for (guint i = c->from; i < c->to; i++)
    if (gossip_cluster_get_n_alive (at (c->net, i)) != c->expect_alive ||
        gossip_cluster_get_n_dead (at (c->net, i)) < c->expect_dead)
      return FALSE;
  return TRUE;
}

static void
test_partition_heals (void)
{
  Net net;
  const char *a[6] = { NULL }, *b[6] = { NULL };
  SideCond left = { &net, 0, 5, 5, 5 }, right = { &net, 5, 10, 5, 5 };
  gint64 start;

  gossip_netsim_enable ();
  net_init (&net, 10);
  for (guint i = 0; i < 5; i++)
    {
      a[i] = gossip_cluster_get_advertise_address (at (&net, i));
      b[i] = gossip_cluster_get_advertise_address (at (&net, i + 5));
    }
  gossip_netsim_partition (a, b);
  g_assert_true (test_wait_for (side_sees, &left, 30000));
  g_assert_true (test_wait_for (side_sees, &right, 30000));

  start = g_get_monotonic_time ();
  gossip_netsim_reset ();
  /* Recovery probes run every RecoveryAttemptInterval (1 s at x0.1). */
  g_assert_true (test_wait_for (test_clusters_converged, net.clusters, 15000));
  g_test_message ("5+5 partition: both sides saw the other Dead; after healing, full membership on every "
                  "node again in %.2f s (bound 15 s)", (g_get_monotonic_time () - start) / 1e6);
  net_clear (&net);
}

static void
test_refutation (void)
{
  Net net;
  GossipNodeMsg msg = { 0 };
  GossipNode *target;

  net_init (&net, 5);
  target = gossip_cluster_get_local_node (at (&net, 3));
  msg.node = *(GossipNodeId *) (gpointer) gossip_node_get_node_id (target);

  /* Node 0 wrongly broadcasts a suspicion about node 3. */
  gossip_cluster_broadcast (at (&net, 0), GOSSIP_MSG_SUSPICION, gossip_node_msg_build (&msg, FALSE), FALSE);
  test_run_for (3000);

  g_test_message ("wrong suspicion: %u suspect events, %u dead events", net.suspect_events, net.dead_events);
  g_assert_cmpuint (net.suspect_events, >=, 1);   /* the suspicion landed */
  g_assert_cmpuint (net.dead_events, ==, 0);
  g_assert_true (test_clusters_converged (net.clusters));               /* and was refuted everywhere */
  net_clear (&net);
}

/* A forwarded copy of an old packet originated by a dead node must not
 * bring it back: only the node's own direct traffic can. */
static void
test_late_packet_does_not_revive (void)
{
  Net net;
  g_autofree char *id = NULL;
  SeenCond cond;
  GossipWire wire = { 0 };
  GossipEnvelope env = { .type = 128, .ttl = 3 };
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GSocketAddress) to = NULL;
  g_autoptr(GError) error = NULL;

  net_init (&net, 4);
  id = g_strdup (id_of (at (&net, 3)));
  cond = (SeenCond) { &net, id, 3, BIT (GOSSIP_NODE_STATE_DEAD) };
  gossip_cluster_simulate_crash (at (&net, 3));
  g_assert_true (test_wait_for (all_see, &cond, 20000));

  wire.codec = gossip_msgpack_codec_new ();
  g_assert_true (gossip_node_id_parse (id, &env.sender));
  env.id = 12345;
  raw = gossip_wire_encode_value (&wire, &env, g_variant_new_string ("late"), &error);
  g_assert_no_error (error);
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GSocketAddress) dest = NULL;
      g_auto(GStrv) parts = g_strsplit (gossip_cluster_get_advertise_address (at (&net, i)), ":", 2);

      dest = g_inet_socket_address_new_from_string (parts[0], (guint) atoi (parts[1]));
      g_socket_send_to (sock, dest, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), NULL, &error);
      g_assert_no_error (error);
    }
  test_run_for (500);
  g_assert_true (all_see (&cond));
  g_object_unref (wire.codec);
  net_clear (&net);
}

static gboolean
keep_sending (gpointer user_data)
{
  Net *net = user_data;

  for (guint i = 0; i < net->clusters->len; i++)
    gossip_cluster_send (at (net, i), 128, g_variant_new_string ("traffic"), NULL);
  return G_SOURCE_CONTINUE;
}

static void
test_leave_under_traffic (void)
{
  Net net;
  g_autofree char *id = NULL;
  SeenCond cond;
  guint source;

  net_init (&net, 5);
  id = g_strdup (id_of (at (&net, 4)));
  cond = (SeenCond) { &net, id, 4, BIT (GOSSIP_NODE_STATE_LEAVING) };
  source = g_timeout_add (20, keep_sending, &net);

  gossip_cluster_leave (at (&net, 4));
  g_assert_true (test_wait_for (all_see, &cond, 5000));
  /* Traffic keeps flowing, also from the leaver, and it stays Leaving
   * (until its retention period turns it Dead: 30 s here). */
  test_run_for (2000);
  g_assert_true (all_see (&cond));
  g_source_remove (source);
  net_clear (&net);
}

static gboolean
timeouts_follow_rtt (gpointer data)
{
  Net *net = data;

  for (guint i = 0; i < net->clusters->len; i++)
    {
      GossipHealthCounters hc;

      gossip_health_get_counters (at (net, i)->health, &hc);
      /* Loopback round trips are far below the ping timeout (50 ms here):
       * the timeout comes down from the unmeasured half of it (25 ms)
       * towards the floor (20 ms), never below. */
      g_assert_cmpuint (hc.probe_timeout_ms, >=, 20);
      g_assert_cmpuint (hc.probe_timeout_ms, <=, at (net, i)->cfg->ping_timeout);
      if (hc.probes < 3 || hc.probe_timeout_ms >= at (net, i)->cfg->ping_timeout / 2)
        return FALSE;
    }
  return TRUE;
}

/* Probe timeouts follow measured round trips (SRTT + 4 RTTVAR, floored). */
static void
test_probe_timeout_follows_rtt (void)
{
  Net net;

  net_init (&net, 4);
  g_assert_true (test_wait_for (test_clusters_converged, net.clusters, 10000));
  g_assert_cmpuint (at (&net, 0)->cfg->ping_timeout, ==, 50);
  g_assert_true (test_wait_for (timeouts_follow_rtt, &net, 20000));
  for (guint i = 0; i < net.clusters->len; i++)
    {
      GossipHealthCounters hc;

      gossip_health_get_counters (at (&net, i)->health, &hc);
      g_test_message ("node %u: %" G_GUINT64_FORMAT " probes, probe timeout %u ms (ping timeout %u ms)", i,
                      hc.probes, hc.probe_timeout_ms, at (&net, i)->cfg->ping_timeout);
    }
  net_clear (&net);
}

/* The probe schedule: in every round and slot each node of the ring is
 * probed by exactly one other (never by itself), and over n - 1
 * consecutive slots by every other node once. */
static void
test_schedule_permutation (void)
{
  g_assert_cmpuint (gossip_probe_schedule_offset (7, 0, 1, 1), ==, 0);
  g_assert_cmpuint (gossip_probe_schedule_round (2500000, 1000), ==, 2);
  g_assert_cmpuint (gossip_probe_schedule_round (-5, 1000), ==, 0);
  for (guint n = 2; n <= 70; n++)
    for (guint slots = 1; slots <= 3; slots++)
      {
        g_autofree guint *probed = g_new0 (guint, n);
        g_autofree guint *seen = g_new0 (guint, n);
        guint64 first = g_random_int ();

        for (guint64 round = first; round < first + n; round++)
          for (guint slot = 0; slot < slots; slot++)
            {
              guint off = gossip_probe_schedule_offset (round, slot, slots, n);

              g_assert_cmpuint (off, >=, 1);
              g_assert_cmpuint (off, <=, n - 1);
              memset (probed, 0, n * sizeof (guint));
              for (guint k = 0; k < n; k++)
                probed[(k + off) % n]++;
              for (guint k = 0; k < n; k++)
                g_assert_cmpuint (probed[k], ==, 1);
            }
        /* n - 1 consecutive steps cover every offset once. */
        for (guint step = 0; step < n - 1; step++)
          seen[gossip_probe_schedule_offset (first + step / slots, step % slots, slots, n)]++;
        if (slots == 1)
          for (guint off = 1; off < n; off++)
            g_assert_cmpuint (seen[off], ==, 1);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/health/schedule/permutation", test_schedule_permutation);
  g_test_add_func ("/health/silent-stop/10-nodes", test_silent_stop_10);
  g_test_add_func ("/health/silent-stop/2-nodes", test_two_nodes);
  g_test_add_func ("/health/silent-stop/3-nodes", test_three_nodes);
  g_test_add_func ("/health/refutation", test_refutation);
  g_test_add_func ("/health/late-forwarded-packet", test_late_packet_does_not_revive);
  g_test_add_func ("/health/leave-under-traffic", test_leave_under_traffic);
  g_test_add_func ("/health/partition-heals", test_partition_heals);
  g_test_add_func ("/health/loss-10-percent", test_loss);
  g_test_add_func ("/health/probe-timeout-follows-rtt", test_probe_timeout_follows_rtt);
  return g_test_run ();
}
