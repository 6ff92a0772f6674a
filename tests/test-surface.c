/* test-surface.c: what an application sees of a cluster from outside.
 *
 * The configuration is a snapshot taken at construction, the node list is
 * a read-only GListModel, and the node counts are properties that notify
 * when they change. Real clusters on 127.0.0.1 with short intervals.
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
  guint n = gossip_cluster_join (joiner, peers, NULL, &error);

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

static gboolean
b_leaving_at_a (gpointer data)
{
  Pair *p = data;

  return gossip_cluster_get_n_leaving (p->a) == 1;
}

static gboolean
b_gone_at_a (gpointer data)
{
  Pair *p = data;

  return gossip_cluster_get_n_leaving (p->a) == 0 && gossip_cluster_get_n_alive (p->a) == 1;
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
  g_assert_true (test_wait_for (b_leaving_at_a, &pair, WAIT_MS));
  g_object_get (a, "n-leaving", &n, NULL);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (notified (&log, "n-leaving"), >=, 1);
  g_assert_cmpuint (notified (&log, "n-alive"), ==, 2);
  g_assert_true (test_wait_for (b_gone_at_a, &pair, WAIT_MS));
  g_assert_cmpuint (notified (&log, "n-leaving"), ==, 2);
  g_assert_cmpuint (notified (&log, "n-suspect"), ==, 0);

  g_signal_handlers_disconnect_by_data (a, &log);
  gossip_cluster_stop (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/surface/config/snapshot", test_config_snapshot);
  g_test_add_func ("/surface/nodes/read-only-model", test_nodes_model);
  g_test_add_func ("/surface/nodes/count-properties", test_count_properties);

  return g_test_run ();
}
