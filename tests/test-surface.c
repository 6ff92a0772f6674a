/* test-surface.c: what an application sees of a cluster from outside.
 *
 * The configuration is a snapshot taken at construction, the node list is
 * a read-only GListModel, and the node counts are properties that notify
 * when they change. stop() gets its leave out over TCP, host-name join
 * peers are not rejoined for ever, and a wildcard bind advertises an
 * address peers can dial. Real clusters on 127.0.0.1 with short intervals.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"

#define WAIT_MS 10000

static GossipConfig *
make_config (void)
{
  GossipConfig *config = gossip_config_new ();

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, 0.05);
  return config;
}

static GossipCluster *
start_cluster (GossipConfig *config)
{
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster = gossip_cluster_new (config, NULL, &error);

  g_assert_no_error (error);
  gossip_cluster_start (cluster);
  return cluster;
}

static guint
join_one (GossipCluster *joiner,
          GossipCluster *seed)
{
  g_autoptr(GError) error = NULL;
  const char *peers[] = { gossip_cluster_get_advertise_address (seed), NULL };
  guint n = test_cluster_join (joiner, peers, NULL, &error);

  g_assert_no_error (error);
  return n;
}

typedef struct {
  GossipCluster *a, *b;
  guint          want;
} Pair;

static gboolean
both_alive (gpointer data)
{
  Pair *p = data;

  return gossip_cluster_get_n_alive (p->a) == p->want && gossip_cluster_get_n_alive (p->b) == p->want;
}

static const char *
snap_version (GossipConfig *config)
{
  static char *version;

  g_free (version);
  g_object_get (config, "application-version", &version, NULL);
  return version;
}

/* Changing the caller's configuration after construction changes nothing:
 * neither what the cluster reports nor how it behaves (a switch to the JSON
 * codec would make it unable to talk to a msgpack peer). The cluster's own
 * copy refuses changes. */
static void
test_config_snapshot (void)
{
  g_autoptr(GossipConfig) ca = make_config ();
  g_autoptr(GossipConfig) cb = make_config ();
  g_autoptr(GossipCluster) a = NULL;
  g_autoptr(GossipCluster) b = NULL;
  g_autoptr(GossipCodec) json = gossip_json_codec_new ();
  GossipConfig *snap;
  GossipNode *a_at_b;
  guint interval;
  Pair pair;

  g_object_set (ca, "application-version", "1.0", NULL);
  a = start_cluster (ca);
  b = start_cluster (cb);
  snap = gossip_cluster_get_config (a);
  g_assert_true (snap != ca);
  g_object_get (ca, "gossip-interval", &interval, NULL);

  /* The caller's object moves on; the cluster's does not. */
  gossip_config_set_codec (ca, json);
  g_object_set (ca, "application-version", "2.0", NULL);
  g_object_set (ca, "gossip-interval", interval * 10, NULL);
  g_assert_true (gossip_config_get_codec (snap) != json);
  g_assert_cmpstr (snap_version (snap), ==, "1.0");
  {
    guint snap_interval;
    g_object_get (snap, "gossip-interval", &snap_interval, NULL);
    g_assert_cmpuint (snap_interval, ==, interval);
  }

  /* The snapshot refuses changes. */
  g_test_expect_message ("Gossip", G_LOG_LEVEL_WARNING, "*snapshot*");
  g_object_set (snap, "application-version", "3.0", NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpstr (snap_version (snap), ==, "1.0");
  g_test_expect_message ("Gossip", G_LOG_LEVEL_WARNING, "*snapshot*");
  gossip_config_scale_intervals (snap, 2.0);
  g_test_assert_expected_messages ();

  /* Behaviour: still msgpack, still version 1.0. */
  g_assert_cmpuint (join_one (b, a), ==, 1);
  pair = (Pair) { a, b, 2 };
  g_assert_true (test_wait_for (both_alive, &pair, WAIT_MS));
  a_at_b = gossip_cluster_get_node (b, gossip_node_get_id (gossip_cluster_get_local_node (a)));
  g_assert_nonnull (a_at_b);
  g_assert_cmpstr (gossip_node_get_application_version (a_at_b), ==, "1.0");

  gossip_cluster_stop (b);
  gossip_cluster_stop (a);
}

typedef struct {
  guint added, removed, changes;
} ModelLog;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  ModelLog   *log)
{
  log->added += added;
  log->removed += removed;
  log->changes++;
}

/* get_nodes() is a read-only model (not the internal GListStore), the
 * `nodes` property is the same model, and it forwards items-changed. */
static void
test_nodes_model (void)
{
  g_autoptr(GossipConfig) ca = make_config ();
  g_autoptr(GossipConfig) cb = make_config ();
  g_autoptr(GossipCluster) a = start_cluster (ca);
  g_autoptr(GossipCluster) b = start_cluster (cb);
  g_autoptr(GListModel) prop = NULL;
  g_autoptr(GossipNode) first = NULL;
  GListModel *nodes = gossip_cluster_get_nodes (a);
  ModelLog log = { 0 };
  Pair pair = { a, b, 2 };

  g_assert_true (G_IS_LIST_MODEL (nodes));
  g_assert_false (G_IS_LIST_STORE (nodes));
  g_assert_true (g_list_model_get_item_type (nodes) == GOSSIP_TYPE_NODE);
  g_object_get (a, "nodes", &prop, NULL);
  g_assert_true (prop == nodes);
  g_assert_cmpuint (g_list_model_get_n_items (nodes), ==, 1);
  first = g_list_model_get_item (nodes, 0);
  g_assert_true (first == gossip_cluster_get_local_node (a));

  g_signal_connect (nodes, "items-changed", G_CALLBACK (items_changed_cb), &log);
  g_assert_cmpuint (join_one (b, a), ==, 1);
  g_assert_true (test_wait_for (both_alive, &pair, WAIT_MS));
  g_assert_cmpuint (g_list_model_get_n_items (nodes), ==, 2);
  g_assert_cmpuint (log.added, ==, 1);
  g_assert_cmpuint (log.removed, ==, 0);
  g_assert_cmpuint (gossip_cluster_get_n_nodes (a), ==, 2);

  g_signal_handlers_disconnect_by_data (nodes, &log);
  gossip_cluster_stop (b);
  gossip_cluster_stop (a);
}

typedef struct {
  GossipCluster *cluster;
  GHashTable    *notified;   /* property name -> count */
} NotifyLog;

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           NotifyLog  *log)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (log->notified, pspec->name));

  g_hash_table_insert (log->notified, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static guint
notified (NotifyLog  *log,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (log->notified, name));
}

typedef struct {
  NotifyLog  *log;
  const char *name;
  guint       want;
} NotifyWait;

static gboolean
notified_enough (gpointer data)
{
  NotifyWait *w = data;

  return notified (w->log, w->name) >= w->want;
}

/* The counts are properties that notify when they change, and only then. */
static void
test_count_properties (void)
{
  g_autoptr(GossipConfig) ca = make_config ();
  g_autoptr(GossipConfig) cb = make_config ();
  g_autoptr(GossipCluster) a = NULL;
  g_autoptr(GossipCluster) b = NULL;
  g_autoptr(GHashTable) table = g_hash_table_new (g_str_hash, g_str_equal);
  NotifyLog log = { NULL, table };
  NotifyWait wait;
  Pair pair;
  guint n;

  g_object_set (ca, "suspect-retention-period", 300, "dead-node-retention-period", 300, NULL);
  a = start_cluster (ca);
  b = start_cluster (cb);
  pair = (Pair) { a, b, 2 };
  log.cluster = a;
  g_signal_connect (a, "notify", G_CALLBACK (notify_cb), &log);

  g_assert_cmpuint (join_one (b, a), ==, 1);
  g_assert_true (test_wait_for (both_alive, &pair, WAIT_MS));
  /* Notifications follow the change, after the dispatch that made it. */
  wait = (NotifyWait) { &log, "n-alive", 1 };
  g_assert_true (test_wait_for (notified_enough, &wait, WAIT_MS));
  g_object_get (a, "n-nodes", &n, NULL);
  g_assert_cmpuint (n, ==, 2);
  g_object_get (a, "n-alive", &n, NULL);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpuint (notified (&log, "n-nodes"), ==, 1);
  g_assert_cmpuint (notified (&log, "n-alive"), ==, 1);
  g_assert_cmpuint (notified (&log, "n-leaving"), ==, 0);
  g_assert_cmpuint (notified (&log, "n-suspect"), ==, 0);

  /* b leaves: Leaving at a, then Dead, then removed. */
  gossip_cluster_stop (b);
  wait = (NotifyWait) { &log, "n-leaving", 1 };
  g_assert_true (test_wait_for (notified_enough, &wait, WAIT_MS));
  g_assert_cmpuint (notified (&log, "n-alive"), ==, 2);
  g_object_get (a, "n-alive", &n, NULL);
  g_assert_cmpuint (n, ==, 1);
  /* Leaving, then Dead (leaving back to 0), then forgotten. */
  wait = (NotifyWait) { &log, "n-leaving", 2 };
  g_assert_true (test_wait_for (notified_enough, &wait, WAIT_MS));
  wait = (NotifyWait) { &log, "n-nodes", 2 };
  g_assert_true (test_wait_for (notified_enough, &wait, WAIT_MS));
  g_object_get (a, "n-nodes", &n, NULL);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (notified (&log, "n-leaving"), ==, 2);
  g_assert_cmpuint (notified (&log, "n-suspect"), ==, 0);

  g_signal_handlers_disconnect_by_data (a, &log);
  gossip_cluster_stop (a);
}

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */

typedef struct {
  const char *watch_id;      /* the node whose transitions are logged */
  GString    *log;           /* "old>new " */
  guint       metadata_events;
} StateLog;

static void
state_log_cb (GossipCluster   *cluster,
              GossipNode      *node,
              GossipNodeState  old_state,
              GossipNodeState  new_state,
              StateLog        *log)
{
  if (log->watch_id == NULL || g_str_equal (gossip_node_get_id (node), log->watch_id))
    g_string_append_printf (log->log, "%d>%d ", old_state, new_state);
}

static void
metadata_log_cb (GossipCluster *cluster,
                 GossipNode    *node,
                 StateLog      *log)
{
  log->metadata_events++;
}

static gboolean
log_not_empty (gpointer data)
{
  StateLog *log = data;

  return log->log->len > 0;
}

/* With every send over TCP, stop() still gets its leave out: the peer
 * sees the node Leaving, never Suspect. */
static void
test_stop_leave_reliable (void)
{
  g_autoptr(GossipConfig) ca = make_config ();
  g_autoptr(GossipConfig) cb = make_config ();
  g_autoptr(GossipCluster) a = NULL;
  GossipCluster *b;
  StateLog log = { NULL, g_string_new (NULL), 0 };
  g_autofree char *want = g_strdup_printf ("%d>%d", GOSSIP_NODE_STATE_ALIVE, GOSSIP_NODE_STATE_LEAVING);
  g_autofree char *suspect = g_strdup_printf (">%d ", GOSSIP_NODE_STATE_SUSPECT);
  g_autofree char *b_id = NULL;
  Pair pair;

  /* Failure detection is not under test: patient probes keep a slow run
   * (valgrind) from suspecting b before it stops. */
  g_object_set (ca, "force-reliable-transport", TRUE, "ping-timeout", 2000, "suspect-threshold", 1000, NULL);
  g_object_set (cb, "force-reliable-transport", TRUE, "ping-timeout", 2000, "suspect-threshold", 1000, NULL);
  a = start_cluster (ca);
  b = start_cluster (cb);
  pair = (Pair) { a, b, 2 };
  g_assert_cmpuint (join_one (b, a), ==, 1);
  g_assert_true (test_wait_for (both_alive, &pair, WAIT_MS));

  /* A copy: b is unreferenced below. */
  b_id = g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (b)));
  log.watch_id = b_id;
  g_signal_connect (a, "node-state-changed", G_CALLBACK (state_log_cb), &log);
  gossip_cluster_stop (b);
  /* Dropped at once: the leave's connection must outlive the object. */
  g_object_unref (b);
  /* The signal follows the state change (it is emitted after dispatch):
   * wait for the signal itself. */
  g_assert_true (test_wait_for (log_not_empty, &log, WAIT_MS));
  g_test_message ("transitions of b at a: %s", log.log->str);
  g_assert_true (g_str_has_prefix (log.log->str, want));
  g_assert_null (strstr (log.log->str, suspect));

  g_signal_handlers_disconnect_by_data (a, &log);
  g_string_free (log.log, TRUE);
  gossip_cluster_stop (a);
}

/* A join peer given as "localhost:PORT" is matched to the node that
 * answered (which advertises 127.0.0.1:PORT): no rejoin every recovery
 * interval, so no node-metadata-changed on either side. */
static void
test_hostname_join_peer (void)
{
  g_autoptr(GossipConfig) ca = make_config ();
  g_autoptr(GossipConfig) cb = make_config ();
  g_autoptr(GossipCluster) a = NULL;
  g_autoptr(GossipCluster) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer = NULL;
  const char *advertised;
  const char *peers[2] = { NULL, NULL };
  StateLog la = { "-", g_string_new (NULL), 0 }, lb = { "-", g_string_new (NULL), 0 };
  Pair pair;

  /* Patient probes: a suspicion and its refutation would change metadata
   * timestamps too, on a slow run. */
  g_object_set (ca, "recovery-attempt-interval", 50, "ping-timeout", 2000, "suspect-threshold", 1000, NULL);
  g_object_set (cb, "recovery-attempt-interval", 50, "ping-timeout", 2000, "suspect-threshold", 1000, NULL);
  a = start_cluster (ca);
  b = start_cluster (cb);
  advertised = gossip_cluster_get_advertise_address (a);
  g_assert_true (g_str_has_prefix (advertised, "127.0.0.1:"));
  peer = g_strdup_printf ("localhost:%s", strrchr (advertised, ':') + 1);
  peers[0] = peer;
  g_assert_cmpuint (test_cluster_join (b, peers, NULL, &error), ==, 1);
  g_assert_no_error (error);
  pair = (Pair) { a, b, 2 };
  g_assert_true (test_wait_for (both_alive, &pair, WAIT_MS));

  g_signal_connect (a, "node-metadata-changed", G_CALLBACK (metadata_log_cb), &la);
  g_signal_connect (b, "node-metadata-changed", G_CALLBACK (metadata_log_cb), &lb);
  g_signal_connect (a, "node-state-changed", G_CALLBACK (state_log_cb), &la);
  g_signal_connect (b, "node-state-changed", G_CALLBACK (state_log_cb), &lb);
  /* Ten recovery intervals: each would have rejoined "localhost". */
  test_run_for (500);
  g_assert_cmpuint (la.metadata_events, ==, 0);
  g_assert_cmpuint (lb.metadata_events, ==, 0);
  g_assert_cmpuint (gossip_cluster_get_n_alive (a), ==, 2);
  g_assert_cmpuint (gossip_cluster_get_n_alive (b), ==, 2);

  g_signal_handlers_disconnect_by_data (a, &la);
  g_signal_handlers_disconnect_by_data (b, &lb);
  g_string_free (la.log, TRUE);
  g_string_free (lb.log, TRUE);
  gossip_cluster_stop (b);
  gossip_cluster_stop (a);
}

/* Bound to 0.0.0.0, a node advertises an address peers can dial, and a
 * peer joins it there. */
static void
test_wildcard_advertise (void)
{
  g_autoptr(GossipConfig) ca = make_config ();
  g_autoptr(GossipConfig) cb = make_config ();
  g_autoptr(GossipCluster) a = NULL;
  g_autoptr(GossipCluster) b = NULL;
  const char *advertised;
  Pair pair;

  gossip_config_set_bind_address (ca, "0.0.0.0:0");
  a = start_cluster (ca);
  b = start_cluster (cb);
  advertised = gossip_cluster_get_advertise_address (a);
  g_test_message ("bound to 0.0.0.0, advertising %s", advertised);
  g_assert_false (g_str_has_prefix (advertised, "0.0.0.0"));
  g_assert_cmpstr (advertised, ==, gossip_node_get_address (gossip_cluster_get_local_node (a)));
  g_assert_cmpuint (join_one (b, a), ==, 1);
  pair = (Pair) { a, b, 2 };
  g_assert_true (test_wait_for (both_alive, &pair, WAIT_MS));

  gossip_cluster_stop (b);
  gossip_cluster_stop (a);
}

/* ---- the accessors no other test reads ---- */

static void
count_message_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet, gpointer user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
uint_reaches_1 (gpointer user_data)
{
  return *(guint *) user_data >= 1;
}

static void
test_accessors (void)
{
  g_autoptr(GossipConfig) config_a = make_config ();
  g_autoptr(GossipConfig) config_b = make_config ();
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  g_autoptr(GossipCompressor) snappy = gossip_snappy_compressor_new ();
  g_autoptr(GBytes) key = g_bytes_new_static ("1234567890123456", 16);
  g_autoptr(GossipCluster) a = NULL;
  g_autoptr(GossipCluster) b = NULL;
  g_autoptr(GossipConfig) snapshot = NULL;
  g_autoptr(GossipNodeGroup) group = NULL;
  g_autoptr(GossipLeaderElection) election = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats_variant = NULL;
  const char *no_criteria[] = { NULL };
  GossipStats *stats;
  GossipNode *node_b;
  guint received = 0;

  for (guint i = 0; i < 2; i++)
    {
      GossipConfig *c = i == 0 ? config_a : config_b;
      gossip_config_set_cipher (c, cipher);
      gossip_config_set_encryption_key (c, key);
      gossip_config_set_compressor (c, snappy);
    }
  gossip_config_set_node_id (config_a, "01020304-0506-4708-890a-0b0c0d0e0f10");
  g_assert_cmpstr (gossip_config_get_bind_address (config_a), ==, "127.0.0.1:0");
  g_assert_true (gossip_config_get_cipher (config_a) == cipher);
  g_assert_true (gossip_config_get_compressor (config_a) == snappy);
  g_assert_true (g_bytes_equal (gossip_config_get_encryption_key (config_a), key));

  a = start_cluster (config_a);
  b = start_cluster (config_b);
  g_assert_cmpuint (join_one (b, a), ==, 1);
  g_assert_cmpstr (gossip_node_get_id (gossip_cluster_get_local_node (a)), ==, "01020304-0506-4708-890a-0b0c0d0e0f10");
  g_object_get (a, "config", &snapshot, NULL);
  g_assert_cmpstr (gossip_config_get_node_id (snapshot), ==, "01020304-0506-4708-890a-0b0c0d0e0f10");
  g_assert_null (gossip_config_get_advertise_address (snapshot));

  /* Go's CalcFanOut for two nodes. */
  g_assert_cmpuint (gossip_cluster_calc_fan_out (a), >=, 1);
  node_b = gossip_cluster_get_node (a, gossip_node_get_id (gossip_cluster_get_local_node (b)));
  g_assert_nonnull (node_b);
  g_assert_cmpuint (gossip_node_get_protocol_version (node_b), ==, 1);
  g_assert_cmpuint (gossip_node_get_state_timestamp (node_b), >, 0);

  /* Packets and statistics are reference counted boxes. */
  stats = gossip_cluster_get_stats (a);
  g_assert_true (gossip_stats_ref (stats) == stats);
  gossip_stats_unref (stats);
  stats_variant = gossip_stats_to_variant (stats);
  g_assert_true (g_variant_is_of_type (stats_variant, G_VARIANT_TYPE ("a{st}")));
  {
    guint64 value = 0;
    g_auto(GStrv) names = gossip_stats_get_names (stats);

    g_assert_cmpuint (g_variant_n_children (stats_variant), ==, g_strv_length (names));
    g_assert_true (g_variant_lookup (stats_variant, names[0], "t", &value));
    g_assert_cmpuint (value, ==, gossip_stats_get (stats, names[0]));
  }
  gossip_stats_unref (stats);

  /* A group of everyone, and an election over it that sends to its peers. */
  group = gossip_node_group_new_from_strv (a, no_criteria, no_criteria, &error);
  g_assert_no_error (error);
  g_assert_true (gossip_node_group_get_cluster (group) == a);
  election = gossip_leader_election_new (a, group);
  g_assert_true (gossip_leader_election_get_cluster (election) == a);
  g_assert_true (gossip_leader_election_get_group (election) == group);
  gossip_leader_election_set_min_cluster_size (election, 2);
  g_assert_cmpuint (gossip_leader_election_get_min_cluster_size (election), ==, 2);
  g_assert_true (gossip_cluster_handle (b, 150, count_message_cb, &received, NULL, &error));
  g_assert_true (gossip_leader_election_send_to_peers (election, 150, g_variant_new_string ("hi"),
                                                       GOSSIP_SEND_NONE, &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (uint_reaches_1, &received, WAIT_MS));

  gossip_cluster_stop (b);
  gossip_cluster_stop (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/surface/config/snapshot", test_config_snapshot);
  g_test_add_func ("/surface/nodes/read-only-model", test_nodes_model);
  g_test_add_func ("/surface/nodes/count-properties", test_count_properties);
  g_test_add_func ("/surface/lifecycle/stop-leave-reliable", test_stop_leave_reliable);
  g_test_add_func ("/surface/lifecycle/hostname-join-peer", test_hostname_join_peer);
  g_test_add_func ("/surface/lifecycle/wildcard-advertise", test_wildcard_advertise);
  g_test_add_func ("/surface/accessors", test_accessors);

  return g_test_run ();
}
