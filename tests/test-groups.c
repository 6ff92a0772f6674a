/* test-groups.c: GossipNodeGroup on real loopback clusters.
 *
 * Uses the public API only. Clusters run at a tenth of Go's intervals.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-netsim.h"

#define SCALE 0.1
#define MSG_GROUP 200

static GossipCluster *
new_node (GPtrArray *clusters)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, SCALE);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  g_ptr_array_add (clusters, cluster);
  return cluster;
}

static GPtrArray *
new_cluster_set (guint n)
{
  GPtrArray *clusters = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    new_node (clusters);
  return clusters;
}

static void
start_all (GPtrArray *clusters)
{
  for (guint i = 0; i < clusters->len; i++)
    gossip_cluster_start (clusters->pdata[i]);
}

static GossipCluster *
at (GPtrArray *clusters, guint i)
{
  return clusters->pdata[i];
}

static const char *
id_of (GossipCluster *cluster)
{
  return gossip_node_get_id (gossip_cluster_get_local_node (cluster));
}

static void
set_meta (GossipCluster *cluster,
          const char    *key,
          const char    *value)
{
  gossip_metadata_set_string (gossip_cluster_get_local_metadata (cluster), key, value);
  if (gossip_cluster_is_running (cluster))
    gossip_cluster_update_metadata (cluster);
}

typedef struct {
  guint added, removed, updated;
} Counts;

static void
count_added (GossipNodeGroup *group, GossipNode *node, gpointer user_data)
{
  ((Counts *) user_data)->added++;
}

static void
count_removed (GossipNodeGroup *group, GossipNode *node, gpointer user_data)
{
  ((Counts *) user_data)->removed++;
}

static void
count_updated (GossipNodeGroup *group, GossipNode *node, gpointer user_data)
{
  ((Counts *) user_data)->updated++;
}

static void
watch (GossipNodeGroup *group,
       Counts          *counts)
{
  g_signal_connect (group, "node-added", G_CALLBACK (count_added), counts);
  g_signal_connect (group, "node-removed", G_CALLBACK (count_removed), counts);
  g_signal_connect (group, "node-updated", G_CALLBACK (count_updated), counts);
}

static GossipNodeGroup *
group_new1 (GossipCluster *cluster,
            const char    *key,
            const char    *value)
{
  const char *keys[] = { key, NULL };
  const char *values[] = { value, NULL };
  g_autoptr(GError) error = NULL;
  GossipNodeGroup *group = gossip_node_group_new_from_strv (cluster, keys, values, &error);

  g_assert_no_error (error);
  g_assert_nonnull (group);
  return group;
}

typedef struct {
  GossipNodeGroup *group;
  guint            count;
  const char      *must_contain;   /* nullable */
  const char      *must_lack;      /* nullable */
} CountCond;

static gboolean
group_has (gpointer user_data)
{
  CountCond *c = user_data;

  return gossip_node_group_get_count (c->group) == c->count &&
         g_list_model_get_n_items (G_LIST_MODEL (c->group)) == c->count &&
         (c->must_contain == NULL || gossip_node_group_contains (c->group, c->must_contain)) &&
         (c->must_lack == NULL || !gossip_node_group_contains (c->group, c->must_lack));
}

/* Every criterion form, evaluated on the local node of one cluster. */
static void
test_criteria_forms (void)
{
  g_autoptr(GPtrArray) clusters = new_cluster_set (1);
  GossipCluster *c = at (clusters, 0);
  GossipMetadata *md = gossip_cluster_get_local_metadata (c);
  GossipNode *local = gossip_cluster_get_local_node (c);
  struct { const char *key, *value; gboolean match; } cases[] = {
    { "zone", "eu-west", TRUE },
    { "zone", "eu", FALSE },            /* equality, not prefix */
    { "zone", "~west", TRUE },          /* contains */
    { "zone", "~u-w", TRUE },           /* contains, in the middle */
    { "zone", "~north", FALSE },
    { "zone", "*", TRUE },
    { "port", "42", TRUE },             /* integer in its string form */
    { "port", "042", FALSE },
    { "port", "~4", TRUE },
    { "on", "true", TRUE },             /* boolean in its string form */
    { "on", "1", FALSE },
    { "missing", "*", FALSE },          /* absent key never matches */
    { "missing", "~", FALSE },
    { "zone", "~", TRUE },              /* "~" alone: contains "" */
  };

  gossip_metadata_set_string (md, "zone", "eu-west");
  gossip_metadata_set_int64 (md, "port", 42);
  gossip_metadata_set_boolean (md, "on", TRUE);
  gossip_cluster_start (c);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GossipNodeGroup) group = group_new1 (c, cases[i].key, cases[i].value);

      g_test_message ("%s = %s", cases[i].key, cases[i].value);
      g_assert_cmpint (gossip_node_group_matches (group, local), ==, cases[i].match);
      g_assert_cmpuint (gossip_node_group_get_count (group), ==, cases[i].match ? 1 : 0);
    }

  /* All criteria must hold (a GHashTable this time). */
  {
    g_autoptr(GHashTable) crit = g_hash_table_new (g_str_hash, g_str_equal);
    g_autoptr(GossipNodeGroup) all = NULL;
    g_autoptr(GossipNodeGroup) none = NULL;
    g_autoptr(GError) error = NULL;

    g_hash_table_insert (crit, "zone", "~eu");
    g_hash_table_insert (crit, "port", "42");
    all = gossip_node_group_new (c, crit, &error);
    g_assert_no_error (error);
    g_assert_true (gossip_node_group_contains (all, id_of (c)));
    g_hash_table_insert (crit, "on", "false");
    none = gossip_node_group_new (c, crit, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (gossip_node_group_get_count (none), ==, 0);
  }

  /* No criteria: every node. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GossipNodeGroup) any = gossip_node_group_new (c, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (gossip_node_group_get_count (any), ==, 1);
  }
  test_clusters_free (g_steal_pointer (&clusters));
}

/* Go panics on an empty expected value; here it is an error. */
static void
test_empty_value (void)
{
  g_autoptr(GPtrArray) clusters = new_cluster_set (1);
  GossipCluster *c = at (clusters, 0);
  const char *keys[] = { "zone", NULL };
  const char *empty[] = { "", NULL };
  const char *two[] = { "a", "b", NULL };
  const char *dup_keys[] = { "zone", "zone", NULL };
  const char *empty_key[] = { "", NULL };
  g_autoptr(GHashTable) crit = g_hash_table_new (g_str_hash, g_str_equal);
  GError *error = NULL;

  gossip_metadata_set_string (gossip_cluster_get_local_metadata (c), "zone", "eu");
  gossip_cluster_start (c);

  g_assert_null (gossip_node_group_new_from_strv (c, keys, empty, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_hash_table_insert (crit, "zone", "");
  g_assert_null (gossip_node_group_new (c, crit, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (gossip_node_group_new_from_strv (c, keys, two, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (gossip_node_group_new_from_strv (c, dup_keys, two, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_assert_null (gossip_node_group_new_from_strv (c, empty_key, keys, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  test_clusters_free (g_steal_pointer (&clusters));
}

/* A group made before the others join fills as they arrive; one made
 * after sees the same members at once. */
static void
test_before_and_after_join (void)
{
  g_autoptr(GPtrArray) clusters = new_cluster_set (4);
  g_autoptr(GossipNodeGroup) before = NULL;
  g_autoptr(GossipNodeGroup) after = NULL;
  Counts cb = { 0 }, ca = { 0 };
  CountCond cond;
  guint initial;

  set_meta (at (clusters, 1), "role", "db");
  set_meta (at (clusters, 3), "role", "db");
  set_meta (at (clusters, 2), "role", "web");
  start_all (clusters);

  before = group_new1 (at (clusters, 0), "role", "db");
  watch (before, &cb);
  g_assert_cmpuint (gossip_node_group_get_count (before), ==, 0);

  test_clusters_join_first (clusters);
  cond = (CountCond) { before, 2, id_of (at (clusters, 1)), id_of (at (clusters, 2)) };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  g_assert_true (gossip_node_group_contains (before, id_of (at (clusters, 3))));
  g_assert_cmpuint (cb.added, ==, 2);

  after = group_new1 (at (clusters, 2), "role", "db");
  initial = gossip_node_group_get_count (after);
  watch (after, &ca);
  cond.group = after;
  g_assert_true (test_wait_for (group_has, &cond, 10000));

  /* The model holds GossipNodes, the same objects as the cluster's. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GossipNode) node = g_list_model_get_item (G_LIST_MODEL (after), i);
      g_assert_true (GOSSIP_IS_NODE (node));
      g_assert_true (gossip_node_get_metadata (node) != NULL);
    }
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (after), 2));
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (after)) == GOSSIP_TYPE_NODE);

  /* State sync and probes go on: no re-fired signals. */
  test_run_for (1500);
  g_assert_cmpuint (cb.added, ==, 2);
  g_assert_cmpuint (cb.removed, ==, 0);
  /* Filled at creation with what node 2 knew; metadata still on its way
   * arrives as node-added, once per node. */
  g_assert_cmpuint (initial + ca.added, ==, 2);
  g_assert_cmpuint (ca.removed, ==, 0);

  test_clusters_free (g_steal_pointer (&clusters));
}

typedef struct {
  GossipNodeGroup *group;
  guint            pos, removed, added;
} ModelLog;

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  ModelLog *log = user_data;

  log->removed += removed;
  log->added += added;
}

typedef struct {
  GossipNode *node;
  const char *key, *value;
} MetaCond;

static gboolean
meta_is (gpointer user_data)
{
  MetaCond *c = user_data;
  g_autofree char *v = gossip_metadata_get_string (gossip_node_get_metadata (c->node), c->key);

  return g_strcmp0 (v, c->value) == 0;
}

/* Metadata changes move nodes in and out; each change fires one signal. */
static void
test_metadata_moves (void)
{
  g_autoptr(GPtrArray) clusters = new_cluster_set (4);
  g_autoptr(GossipNodeGroup) group = NULL;
  Counts counts = { 0 };
  ModelLog log = { 0 };
  CountCond cond;

  set_meta (at (clusters, 1), "role", "db");
  set_meta (at (clusters, 3), "role", "db");
  start_all (clusters);
  test_clusters_join_first (clusters);

  group = group_new1 (at (clusters, 0), "role", "db");
  cond = (CountCond) { group, 2, NULL, NULL };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  watch (group, &counts);
  g_signal_connect (group, "items-changed", G_CALLBACK (on_items_changed), &log);

  /* In: node 2 becomes a db. */
  set_meta (at (clusters, 2), "role", "db");
  cond = (CountCond) { group, 3, id_of (at (clusters, 2)), NULL };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  g_assert_cmpuint (counts.added, ==, 1);

  /* Out: node 1 becomes a web server. */
  set_meta (at (clusters, 1), "role", "web");
  cond = (CountCond) { group, 2, NULL, id_of (at (clusters, 1)) };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  g_assert_cmpuint (counts.removed, ==, 1);

  /* Stays: node 3 changes another key -> node-updated only. */
  set_meta (at (clusters, 3), "colour", "blue");
  {
    MetaCond mc = { gossip_cluster_get_node (at (clusters, 0), id_of (at (clusters, 3))),
                    "colour", "blue" };
    g_assert_true (test_wait_for (meta_is, &mc, 10000));
  }
  g_assert_cmpuint (counts.updated, ==, 1);
  g_assert_cmpuint (counts.added, ==, 1);
  g_assert_cmpuint (counts.removed, ==, 1);

  /* The local node moves in too. */
  set_meta (at (clusters, 0), "role", "db");
  cond = (CountCond) { group, 3, id_of (at (clusters, 0)), NULL };
  g_assert_true (test_wait_for (group_has, &cond, 5000));

  test_run_for (1500);
  g_assert_cmpuint (counts.added, ==, 2);
  g_assert_cmpuint (counts.removed, ==, 1);
  g_assert_cmpuint (log.added, ==, 2);
  g_assert_cmpuint (log.removed, ==, 1);

  /* A graceful leave removes the member once. */
  gossip_cluster_stop (at (clusters, 3));
  cond = (CountCond) { group, 2, NULL, id_of (at (clusters, 3)) };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  test_run_for (1000);
  g_assert_cmpuint (counts.removed, ==, 2);

  test_clusters_free (g_steal_pointer (&clusters));
}

typedef struct {
  char  *id;
  guint *freed;
} Data;

static void
data_free (gpointer p)
{
  Data *d = p;

  (*d->freed)++;
  g_free (d->id);
  g_free (d);
}

typedef struct {
  guint freed;
  guint removed_with_data;
} DataLog;

static DataLog data_log;

static void
on_added_set_data (GossipNodeGroup *group,
                   GossipNode      *node,
                   gpointer         user_data)
{
  Data *d = g_new0 (Data, 1);

  d->id = g_strdup (gossip_node_get_id (node));
  d->freed = &data_log.freed;
  g_assert_true (gossip_node_group_set_data (group, gossip_node_get_id (node), d, data_free));
}

static void
on_removed_check_data (GossipNodeGroup *group,
                       GossipNode      *node,
                       gpointer         user_data)
{
  Data *d = gossip_node_group_get_data (group, gossip_node_get_id (node));

  /* Still there during the signal, not in the model any more. */
  g_assert_nonnull (d);
  g_assert_cmpstr (d->id, ==, gossip_node_get_id (node));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (group)); i++)
    {
      g_autoptr(GossipNode) other = g_list_model_get_item (G_LIST_MODEL (group), i);
      g_assert_true (other != node);
    }
  data_log.removed_with_data++;
}

/* Per-member data lives exactly as long as the membership. */
static void
test_data_lifetime (void)
{
  g_autoptr(GPtrArray) clusters = new_cluster_set (4);
  GossipNodeGroup *group;
  CountCond cond;
  guint freed_at_removal;
  GObject *obj;

  memset (&data_log, 0, sizeof data_log);
  for (guint i = 1; i < 4; i++)
    set_meta (at (clusters, i), "role", "db");
  start_all (clusters);

  group = group_new1 (at (clusters, 0), "role", "db");
  g_signal_connect (group, "node-added", G_CALLBACK (on_added_set_data), NULL);
  g_signal_connect (group, "node-removed", G_CALLBACK (on_removed_check_data), NULL);
  test_clusters_join_first (clusters);
  cond = (CountCond) { group, 3, NULL, NULL };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  for (guint i = 1; i < 4; i++)
    g_assert_nonnull (gossip_node_group_get_data (group, id_of (at (clusters, i))));

  /* Not a member: refused, nothing taken. */
  g_assert_false (gossip_node_group_set_data (group, id_of (at (clusters, 0)), &cond, g_free));
  g_assert_null (gossip_node_group_get_data (group, id_of (at (clusters, 0))));

  /* Replacing frees the old data at once. */
  {
    Data *d = g_new0 (Data, 1);
    d->id = g_strdup (id_of (at (clusters, 2)));
    d->freed = &data_log.freed;
    g_assert_true (gossip_node_group_set_data (group, d->id, d, data_free));
    g_assert_cmpuint (data_log.freed, ==, 1);
  }

  /* Leaving the group by metadata frees it, after node-removed. */
  set_meta (at (clusters, 1), "role", "web");
  cond = (CountCond) { group, 2, NULL, id_of (at (clusters, 1)) };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  g_assert_cmpuint (data_log.removed_with_data, ==, 1);
  g_assert_cmpuint (data_log.freed, ==, 2);
  g_assert_null (gossip_node_group_get_data (group, id_of (at (clusters, 1))));

  /* Coming back starts with fresh data. */
  set_meta (at (clusters, 1), "role", "db");
  cond = (CountCond) { group, 3, id_of (at (clusters, 1)), NULL };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  g_assert_nonnull (gossip_node_group_get_data (group, id_of (at (clusters, 1))));
  freed_at_removal = data_log.freed;

  /* The binding-friendly form holds a reference. */
  obj = g_object_new (G_TYPE_OBJECT, NULL);
  g_object_add_weak_pointer (obj, (gpointer *) &obj);
  g_assert_true (gossip_node_group_set_object (group, id_of (at (clusters, 3)), obj));
  g_assert_cmpuint (data_log.freed, ==, freed_at_removal + 1);
  g_object_unref (obj);
  g_assert_nonnull (obj);
  g_assert_true (gossip_node_group_get_object (group, id_of (at (clusters, 3))) == obj);
  g_assert_null (gossip_node_group_get_object (group, id_of (at (clusters, 1))));

  /* Disposing the group frees the rest, without node-removed. */
  g_object_unref (group);
  g_assert_cmpuint (data_log.removed_with_data, ==, 1);
  g_assert_cmpuint (data_log.freed, ==, freed_at_removal + 3);
  g_assert_null (obj);

  test_clusters_free (g_steal_pointer (&clusters));
}

static guint received[8];

static void
on_group_msg (GossipCluster *cluster,
              GossipNode    *sender,
              GossipPacket  *packet,
              gpointer       user_data)
{
  received[GPOINTER_TO_UINT (user_data)]++;
}

typedef struct {
  guint *indexes;
  guint  n;
} Got;

static gboolean
all_got (gpointer user_data)
{
  Got *g = user_data;

  for (guint i = 0; i < g->n; i++)
    if (received[g->indexes[i]] == 0)
      return FALSE;
  return TRUE;
}

/* Each member gets the message, and processes it once. */
static void
send_to_peers (GossipSendFlags flags)
{
  g_autoptr(GPtrArray) clusters = new_cluster_set (6);
  g_autoptr(GossipNodeGroup) group = NULL;
  g_autoptr(GError) error = NULL;
  guint members[] = { 2, 4 };
  Got got = { members, G_N_ELEMENTS (members) };
  CountCond cond;

  memset (received, 0, sizeof received);
  set_meta (at (clusters, 2), "role", "db");
  set_meta (at (clusters, 4), "role", "db");
  start_all (clusters);
  for (guint i = 0; i < clusters->len; i++)
    {
      g_assert_true (gossip_cluster_handle (at (clusters, i), MSG_GROUP, on_group_msg,
                                            GUINT_TO_POINTER (i), NULL, &error));
      g_assert_no_error (error);
    }
  test_clusters_join_first (clusters);
  group = group_new1 (at (clusters, 0), "role", "db");
  cond = (CountCond) { group, 2, NULL, NULL };
  g_assert_true (test_wait_for (group_has, &cond, 10000));

  g_assert_true (gossip_node_group_send_to_peers (group, MSG_GROUP, g_variant_new_string ("hi"),
                                                  flags, &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (all_got, &got, 5000));
  /* Let relays from seeded non-members arrive: still once. */
  test_run_for (1000);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    g_assert_cmpuint (received[members[i]], ==, 1);
  g_assert_cmpuint (received[0], ==, 0);
  for (guint i = 0; i < clusters->len; i++)
    g_test_message ("node %u received %u", i, received[i]);

  /* Closed: an error, not a crash. */
  gossip_node_group_close (group);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (group)), ==, 0);
  g_assert_false (gossip_node_group_send_to_peers (group, MSG_GROUP, NULL, flags, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING);

  test_clusters_free (g_steal_pointer (&clusters));
}

static void
test_send_to_peers (void)
{
  send_to_peers (GOSSIP_SEND_NONE);
}

static void
test_send_to_peers_reliable (void)
{
  send_to_peers (GOSSIP_SEND_RELIABLE);
}

typedef struct {
  const char *id;
  gboolean    went_dead;
  gboolean    went_suspect;
} Watch3;

static void
on_state_of_3 (GossipCluster   *cluster,
               GossipNode      *node,
               GossipNodeState  old_state,
               GossipNodeState  new_state,
               gpointer         user_data)
{
  Watch3 *w = user_data;

  if (strcmp (gossip_node_get_id (node), w->id) != 0)
    return;
  if (new_state == GOSSIP_NODE_STATE_SUSPECT)
    w->went_suspect = TRUE;
  if (new_state == GOSSIP_NODE_STATE_DEAD)
    w->went_dead = TRUE;
}

typedef struct {
  GossipCluster  *cluster;
  const char     *id;
  GossipNodeState state;
  gboolean        not;
} StateCond;

static gboolean
state_is (gpointer user_data)
{
  StateCond *c = user_data;
  GossipNode *node = gossip_cluster_get_node (c->cluster, c->id);
  GossipNodeState s = node ? gossip_node_get_state (node) : GOSSIP_NODE_STATE_UNKNOWN;

  return c->not ? s != c->state : s == c->state;
}

/* A member cut off and reconnected: Go re-fires OnNodeAdded on every
 * Alive <-> Suspect change; here a Suspect member stays a member silently,
 * and only a real exit (Dead) and return fire, once each. */
static void
test_suspect_no_refire (void)
{
  g_autoptr(GPtrArray) clusters = new_cluster_set (4);
  g_autoptr(GossipNodeGroup) group = NULL;
  const char *cut[2] = { NULL }, *rest[4] = { NULL };
  Counts counts = { 0 };
  Watch3 w = { 0 };
  StateCond sc;
  CountCond cond;

  for (guint i = 0; i < 4; i++)
    set_meta (at (clusters, i), "role", "db");
  start_all (clusters);
  test_clusters_join_first (clusters);
  group = group_new1 (at (clusters, 0), "role", "db");
  cond = (CountCond) { group, 4, NULL, NULL };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  watch (group, &counts);
  w.id = id_of (at (clusters, 3));
  g_signal_connect (at (clusters, 0), "node-state-changed", G_CALLBACK (on_state_of_3), &w);

  cut[0] = gossip_cluster_get_advertise_address (at (clusters, 3));
  for (guint i = 0; i < 3; i++)
    rest[i] = gossip_cluster_get_advertise_address (at (clusters, i));
  gossip_netsim_partition (cut, rest);
  sc = (StateCond) { at (clusters, 0), w.id, GOSSIP_NODE_STATE_ALIVE, TRUE };
  g_assert_true (test_wait_for (state_is, &sc, 15000));
  if (!w.went_dead)
    {
      g_assert_true (w.went_suspect);
      g_assert_true (gossip_node_group_contains (group, w.id));
      g_assert_cmpuint (counts.removed, ==, 0);
    }

  gossip_netsim_reset ();
  sc = (StateCond) { at (clusters, 0), w.id, GOSSIP_NODE_STATE_ALIVE, FALSE };
  g_assert_true (test_wait_for (state_is, &sc, 20000));
  cond = (CountCond) { group, 4, w.id, NULL };
  g_assert_true (test_wait_for (group_has, &cond, 10000));
  test_run_for (1000);
  g_test_message ("node 3 went %s; group signals: %u added, %u removed",
                  w.went_dead ? "dead" : "suspect only", counts.added, counts.removed);
  g_assert_cmpuint (counts.removed, ==, w.went_dead ? 1 : 0);
  g_assert_cmpuint (counts.added, ==, counts.removed);

  test_clusters_free (g_steal_pointer (&clusters));
  gossip_netsim_reset ();
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Conditioned links (no rule = plain loopback) for the cut-off test. */
  gossip_netsim_enable ();

  g_test_add_func ("/groups/criteria-forms", test_criteria_forms);
  g_test_add_func ("/groups/empty-value", test_empty_value);
  g_test_add_func ("/groups/before-and-after-join", test_before_and_after_join);
  g_test_add_func ("/groups/metadata-moves", test_metadata_moves);
  g_test_add_func ("/groups/suspect-no-refire", test_suspect_no_refire);
  g_test_add_func ("/groups/data-lifetime", test_data_lifetime);
  g_test_add_func ("/groups/send-to-peers", test_send_to_peers);
  g_test_add_func ("/groups/send-to-peers-reliable", test_send_to_peers_reliable);
  return g_test_run ();
}
