/* test-reasons.c: every state change says why (GossipNode:state-reason).
 *
 * Small loopback clusters with intervals at a tenth of Go's: a join, a
 * graceful leave through Dead to removal, a silent stop, a wrong
 * suspicion that is refuted, and a crashed node back at a new address. Reasons are read inside the
 * ::node-state-changed handlers, where they must already be current, and
 * the debug line of each transition is checked once.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-cluster-private.h"
#include "gossip-wire-private.h"

#define SCALE 0.1

typedef struct {
  guint             observer;   /* index of the cluster that saw it */
  char             *id;
  GossipNodeState   old_state;
  GossipNodeState   new_state;
  gboolean          current;    /* the node was still in new_state */
  GossipStateReason reason;     /* read in the handler */
  char             *detail;
} Seen;

typedef struct {
  GPtrArray *clusters;   /* GossipCluster* */
  GArray    *seen;       /* Seen */
} Net;

/* The debug lines of transitions, captured for one check. */
static GPtrArray *debug_lines;

static void
log_handler (const char     *domain,
             GLogLevelFlags  level,
             const char     *message,
             gpointer        user_data)
{
  if ((level & G_LOG_LEVEL_DEBUG) && debug_lines != NULL && strstr (message, " -> ") != NULL)
    g_ptr_array_add (debug_lines, g_strdup (message));
  if (!(level & G_LOG_LEVEL_DEBUG))
    g_log_default_handler (domain, level, message, user_data);
}

static void
seen_clear (gpointer data)
{
  Seen *s = data;

  g_free (s->id);
  g_free (s->detail);
}

static void
state_changed_cb (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  Net *net = user_data;
  Seen s = { 0 };
  GossipStateReason prop_reason;
  g_autofree char *prop_detail = NULL;
  guint index;

  /* A cluster outside the array (a comeback) records as observer G_MAXUINT - 1. */
  s.observer = g_ptr_array_find (net->clusters, cluster, &index) ? index : G_MAXUINT - 1;
  s.id = g_strdup (gossip_node_get_id (node));
  s.old_state = old_state;
  s.new_state = new_state;
  s.current = gossip_node_get_state (node) == new_state;
  s.reason = gossip_node_get_state_reason (node);
  s.detail = g_strdup (gossip_node_get_state_reason_detail (node));

  /* The properties agree with the getters. */
  g_object_get (node, "state-reason", &prop_reason, "state-reason-detail", &prop_detail, NULL);
  g_assert_cmpint (prop_reason, ==, s.reason);
  g_assert_cmpstr (prop_detail, ==, s.detail);
  /* Every change of another node that is still current has a reason. */
  if (s.current && !gossip_node_is_local (node))
    {
      g_assert_cmpint (s.reason, !=, GOSSIP_STATE_REASON_UNKNOWN);
      g_assert_nonnull (s.detail);
    }
  g_array_append_val (net->seen, s);
}

static void
net_init (Net      *net,
          guint     n,
          guint     retention_ms)
{
  memset (net, 0, sizeof *net);
  net->clusters = g_ptr_array_new_with_free_func (g_object_unref);
  net->seen = g_array_new (FALSE, TRUE, sizeof (Seen));
  g_array_set_clear_func (net->seen, seen_clear);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GossipConfig) config = gossip_config_new ();
      g_autoptr(GError) error = NULL;
      GossipCluster *cluster;

      gossip_config_set_bind_address (config, "127.0.0.1:0");
      gossip_config_scale_intervals (config, SCALE);
      if (retention_ms != 0)
        g_object_set (config, "suspect-retention-period", retention_ms,
                      "dead-node-retention-period", retention_ms, NULL);
      cluster = gossip_cluster_new (config, NULL, &error);
      g_assert_no_error (error);
      g_signal_connect (cluster, "node-state-changed", G_CALLBACK (state_changed_cb), net);
      gossip_cluster_start (cluster);
      g_ptr_array_add (net->clusters, cluster);
    }
  test_clusters_join_first (net->clusters);
}

static void
net_clear (Net *net)
{
  for (guint i = 0; i < net->clusters->len; i++)
    g_signal_handlers_disconnect_by_data (net->clusters->pdata[i], net);
  test_clusters_free (net->clusters);
  g_array_unref (net->seen);
}

static GossipCluster *
at (Net *net, guint i)
{
  return net->clusters->pdata[i];
}

static const char *
id_of (GossipCluster *cluster)
{
  return gossip_node_get_id (gossip_cluster_get_local_node (cluster));
}

/* The events observer @observer (G_MAXUINT: any) saw for @id becoming
 * @state while it still was in it. */
static GPtrArray *
events (Net             *net,
        guint            observer,
        const char      *id,
        GossipNodeState  state)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < net->seen->len; i++)
    {
      Seen *s = &g_array_index (net->seen, Seen, i);
      if ((observer == G_MAXUINT || s->observer == observer) && g_str_equal (s->id, id) &&
          s->new_state == state && s->current)
        g_ptr_array_add (out, s);
    }
  return out;
}

typedef struct {
  Net             *net;
  const char      *id;
  guint            skip;     /* the node not asked */
  GossipNodeState  state;    /* UNKNOWN: no longer in the list */
} Cond;

static gboolean
all_see (gpointer user_data)
{
  Cond *c = user_data;

  for (guint i = 0; i < c->net->clusters->len; i++)
    {
      GossipNode *node;

      if (i == c->skip)
        continue;
      node = gossip_cluster_get_node (at (c->net, i), c->id);
      if ((node ? gossip_node_get_state (node) : GOSSIP_NODE_STATE_UNKNOWN) != c->state)
        return FALSE;
    }
  return TRUE;
}

static void
test_join (void)
{
  Net net;
  g_autoptr(GPtrArray) on_seed = NULL;
  g_autoptr(GPtrArray) on_joiner = NULL;
  GossipNode *node;

  net_init (&net, 3, 0);

  /* The seed saw each joiner join it; each joiner saw itself join the seed. */
  for (guint j = 1; j < 3; j++)
    {
      g_autoptr(GPtrArray) first = events (&net, 0, id_of (at (&net, j)), GOSSIP_NODE_STATE_ALIVE);
      Seen *s;

      g_assert_cmpuint (first->len, >=, 1);
      s = first->pdata[0];
      g_assert_cmpint (s->old_state, ==, GOSSIP_NODE_STATE_UNKNOWN);
      g_assert_cmpint (s->reason, ==, GOSSIP_STATE_REASON_JOINED);
      g_assert_cmpstr (s->detail, ==, "joined (it joined us)");
    }
  on_joiner = events (&net, 1, id_of (at (&net, 0)), GOSSIP_NODE_STATE_ALIVE);
  g_assert_cmpuint (on_joiner->len, >=, 1);
  g_assert_cmpint (((Seen *) on_joiner->pdata[0])->reason, ==, GOSSIP_STATE_REASON_JOINED);
  g_assert_cmpstr (((Seen *) on_joiner->pdata[0])->detail, ==, "joined (we joined it)");

  /* The two joiners met through the seed or each other. */
  on_seed = events (&net, 2, id_of (at (&net, 1)), GOSSIP_NODE_STATE_ALIVE);
  g_assert_cmpuint (on_seed->len, >=, 1);
  g_assert_true (((Seen *) on_seed->pdata[0])->reason == GOSSIP_STATE_REASON_JOINED ||
                 ((Seen *) on_seed->pdata[0])->reason == GOSSIP_STATE_REASON_LEARNED);

  node = gossip_cluster_get_node (at (&net, 0), id_of (at (&net, 2)));
  g_assert_cmpint (gossip_node_get_state_reason (node), ==, GOSSIP_STATE_REASON_JOINED);
  /* The local node changed state through no recorded cause yet. */
  g_assert_cmpint (gossip_node_get_state_reason (gossip_cluster_get_local_node (at (&net, 0))), ==,
                   GOSSIP_STATE_REASON_UNKNOWN);
  g_assert_null (gossip_node_get_state_reason_detail (gossip_cluster_get_local_node (at (&net, 0))));
  g_assert_cmpstr (gossip_state_reason_to_string (GOSSIP_STATE_REASON_PING_TIMEOUT), ==, "ping-timeout");
  g_assert_cmpstr (gossip_state_reason_to_string (GOSSIP_STATE_REASON_DEAD_AFTER_LEAVE), ==,
                   "dead-after-leave");
  net_clear (&net);
}

static void
test_leave (void)
{
  Net net;
  g_autofree char *id = NULL;
  Cond cond;
  GossipNode *local;

  /* Leaving -> Dead and Dead -> removed after 1.5 s each. */
  net_init (&net, 3, 1500);
  id = g_strdup (id_of (at (&net, 2)));
  cond = (Cond) { &net, id, 2, GOSSIP_NODE_STATE_LEAVING };
  gossip_cluster_leave (at (&net, 2));
  local = gossip_cluster_get_local_node (at (&net, 2));
  g_assert_cmpint (gossip_node_get_state (local), ==, GOSSIP_NODE_STATE_LEAVING);
  g_assert_cmpint (gossip_node_get_state_reason (local), ==, GOSSIP_STATE_REASON_LEFT);
  g_assert_true (test_wait_for (all_see, &cond, 10000));
  gossip_cluster_stop (at (&net, 2));

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GPtrArray) left = events (&net, i, id, GOSSIP_NODE_STATE_LEAVING);

      g_assert_cmpuint (left->len, >=, 1);
      g_assert_cmpint (((Seen *) left->pdata[0])->reason, ==, GOSSIP_STATE_REASON_LEFT);
      g_assert_cmpint (gossip_node_get_state_reason (gossip_cluster_get_node (at (&net, i), id)), ==,
                       GOSSIP_STATE_REASON_LEFT);
    }

  cond.state = GOSSIP_NODE_STATE_DEAD;
  g_assert_true (test_wait_for (all_see, &cond, 10000));
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GPtrArray) dead = events (&net, i, id, GOSSIP_NODE_STATE_DEAD);

      g_assert_cmpuint (dead->len, >=, 1);
      g_assert_cmpint (((Seen *) dead->pdata[0])->reason, ==, GOSSIP_STATE_REASON_DEAD_AFTER_LEAVE);
      g_test_message ("observer %u: leaving -> dead: %s", i, ((Seen *) dead->pdata[0])->detail);
    }

  cond.state = GOSSIP_NODE_STATE_UNKNOWN;
  g_assert_true (test_wait_for (all_see, &cond, 10000));
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GPtrArray) gone = events (&net, i, id, GOSSIP_NODE_STATE_UNKNOWN);

      g_assert_cmpuint (gone->len, ==, 1);
      g_assert_cmpint (((Seen *) gone->pdata[0])->reason, ==, GOSSIP_STATE_REASON_REMOVED);
      g_assert_nonnull (strstr (((Seen *) gone->pdata[0])->detail, "dead-node retention"));
    }
  net_clear (&net);
}

static void
test_silent_stop (void)
{
  Net net;
  g_autofree char *id = NULL;
  g_autofree char *line_start = NULL;
  Cond cond;
  guint ping_timeouts = 0;
  gboolean logged = FALSE;

  debug_lines = g_ptr_array_new_with_free_func (g_free);
  net_init (&net, 4, 0);
  id = g_strdup (id_of (at (&net, 3)));
  cond = (Cond) { &net, id, 3, GOSSIP_NODE_STATE_DEAD };
  gossip_cluster_simulate_crash (at (&net, 3));
  g_assert_true (test_wait_for (all_see, &cond, 20000));

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GPtrArray) suspect = events (&net, i, id, GOSSIP_NODE_STATE_SUSPECT);
      g_autoptr(GPtrArray) dead = events (&net, i, id, GOSSIP_NODE_STATE_DEAD);
      Seen *s;

      /* Suspect first, from our own probe or someone else's suspicion. */
      g_assert_cmpuint (suspect->len, >=, 1);
      s = suspect->pdata[0];
      g_test_message ("observer %u: alive -> suspect: %s", i, s->detail);
      if (s->reason == GOSSIP_STATE_REASON_PING_TIMEOUT)
        {
          ping_timeouts++;
          g_assert_nonnull (strstr (s->detail, "ping timeout after "));
          g_assert_nonnull (strstr (s->detail, " indirect helpers"));
        }
      else
        {
          gboolean names_survivor = FALSE;

          g_assert_cmpint (s->reason, ==, GOSSIP_STATE_REASON_SUSPICION);
          for (guint j = 0; j < 3; j++)
            names_survivor |= strstr (s->detail, id_of (at (&net, j))) != NULL && j != i;
          g_assert_true (names_survivor);
        }

      /* Then Dead, by confirmations or by the suspicion timeout. */
      g_assert_cmpuint (dead->len, >=, 1);
      s = dead->pdata[0];
      g_test_message ("observer %u: suspect -> dead: %s", i, s->detail);
      g_assert_true (s->reason == GOSSIP_STATE_REASON_CONFIRMED ||
                     s->reason == GOSSIP_STATE_REASON_SUSPICION_TIMEOUT);
      g_assert_nonnull (strstr (s->detail, "confirmations "));
      g_assert_nonnull (strstr (s->detail, "quorum "));
    }
  /* Somebody's own probe started it. */
  g_assert_cmpuint (ping_timeouts, >=, 1);

  /* And the debug line names the local node, the node, the change and why. */
  for (guint i = 0; i < 3 && !logged; i++)
    {
      g_free (line_start);
      line_start = g_strdup_printf ("%s: node %s alive -> suspect: ", gossip_cluster_get_advertise_address (at (&net, i)), id);
      for (guint k = 0; k < debug_lines->len && !logged; k++)
        logged = g_str_has_prefix (debug_lines->pdata[k], line_start);
    }
  g_assert_true (logged);
  g_clear_pointer (&debug_lines, g_ptr_array_unref);
  net_clear (&net);
}

typedef struct {
  Net        *net;
  const char *id;
} Suspected;

static gboolean
suspected_somewhere (gpointer user_data)
{
  Suspected *s = user_data;
  g_autoptr(GPtrArray) ev = events (s->net, G_MAXUINT, s->id, GOSSIP_NODE_STATE_SUSPECT);

  return ev->len > 0;
}

static void
test_refuted (void)
{
  Net net;
  GossipNodeMsg msg = { 0 };
  g_autofree char *id = NULL;
  Suspected cond;
  g_autoptr(GPtrArray) suspect = NULL;
  guint revived = 0;

  net_init (&net, 4, 0);
  id = g_strdup (id_of (at (&net, 3)));
  msg.node = *gossip_node_get_node_id (gossip_cluster_get_local_node (at (&net, 3)));

  /* Node 0 wrongly says node 3 is suspect. */
  gossip_cluster_broadcast (at (&net, 0), GOSSIP_MSG_SUSPICION, gossip_node_msg_build (&msg, FALSE), FALSE);
  cond = (Suspected) { &net, id };
  g_assert_true (test_wait_for (suspected_somewhere, &cond, 10000));
  g_assert_true (test_wait_for (test_clusters_converged, net.clusters, 10000));

  suspect = events (&net, G_MAXUINT, id, GOSSIP_NODE_STATE_SUSPECT);
  for (guint i = 0; i < suspect->len; i++)
    {
      Seen *s = suspect->pdata[i];
      g_autofree char *from = g_strdup_printf ("suspicion from node %s", id_of (at (&net, 0)));

      g_assert_cmpint (s->reason, ==, GOSSIP_STATE_REASON_SUSPICION);
      g_assert_cmpstr (s->detail, ==, from);
    }
  for (guint i = 0; i < net.seen->len; i++)
    {
      Seen *s = &g_array_index (net.seen, Seen, i);

      if (!g_str_equal (s->id, id) || s->old_state != GOSSIP_NODE_STATE_SUSPECT ||
          s->new_state != GOSSIP_NODE_STATE_ALIVE || !s->current)
        continue;
      g_test_message ("observer %u: suspect -> alive: %s", s->observer, s->detail);
      g_assert_true (s->reason == GOSSIP_STATE_REASON_REFUTED || s->reason == GOSSIP_STATE_REASON_RECOVERED);
      revived++;
    }
  g_assert_cmpuint (revived, >=, 1);
  net_clear (&net);
}

#define BACK_ID "0f0e0d0c-0b0a-4908-8706-050403020199"

static GossipCluster *
node_with_id (Net        *net,
              const char *id)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, SCALE);
  gossip_config_set_node_id (config, id);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (cluster, "node-state-changed", G_CALLBACK (state_changed_cb), net);
  gossip_cluster_start (cluster);
  return cluster;
}

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
have_result (gpointer user_data)
{
  return *(GAsyncResult **) user_data != NULL;
}

/* gossip_cluster_join_async(), waited for. */
static guint
join_seed (GossipCluster      *cluster,
           const char * const *seed)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  gossip_cluster_join_async (cluster, seed, NULL, joined_cb, &result);
  g_assert_true (test_wait_for (have_result, &result, 10000));
  n = gossip_cluster_join_finish (cluster, result, &error);
  g_assert_no_error (error);
  return n;
}

typedef struct {
  Net        *net;
  const char *address;
} AliveAt;

static gboolean
all_see_back (gpointer user_data)
{
  AliveAt *a = user_data;

  for (guint i = 0; i < 3; i++)
    {
      GossipNode *node = gossip_cluster_get_node (at (a->net, i), BACK_ID);
      if (node == NULL || gossip_node_get_state (node) != GOSSIP_NODE_STATE_ALIVE ||
          g_strcmp0 (gossip_node_get_address (node), a->address) != 0)
        return FALSE;
    }
  return TRUE;
}

/* A node that crashed comes back under its ID at another address. */
static void
test_back_elsewhere (void)
{
  Net net;
  g_autoptr(GossipCluster) again = NULL;
  Cond cond;
  AliveAt alive;
  const char *seed[2] = { NULL, NULL };

  net_init (&net, 3, 0);
  g_ptr_array_add (net.clusters, node_with_id (&net, BACK_ID));
  seed[0] = gossip_cluster_get_advertise_address (at (&net, 0));
  g_assert_cmpuint (join_seed (at (&net, 3), seed), ==, 1);
  g_assert_true (test_wait_for (test_clusters_converged, net.clusters, 10000));

  cond = (Cond) { &net, BACK_ID, 3, GOSSIP_NODE_STATE_DEAD };
  gossip_cluster_simulate_crash (at (&net, 3));
  g_assert_true (test_wait_for (all_see, &cond, 20000));

  again = node_with_id (&net, BACK_ID);
  g_assert_cmpuint (join_seed (again, seed), ==, 1);
  alive = (AliveAt) { &net, gossip_cluster_get_advertise_address (again) };
  g_assert_true (test_wait_for (all_see_back, &alive, 10000));

  for (guint i = 0; i < net.seen->len; i++)
    {
      Seen *s = &g_array_index (net.seen, Seen, i);
      if (g_str_equal (s->id, BACK_ID))
        g_test_message ("observer %u: %s -> %s%s: %s", s->observer, gossip_node_state_to_string (s->old_state),
                        gossip_node_state_to_string (s->new_state), s->current ? "" : " (not current)", s->detail);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GPtrArray) back = events (&net, i, BACK_ID, GOSSIP_NODE_STATE_ALIVE);
      Seen *s;

      /* The first Alive is the join; then the comeback. */
      g_assert_cmpuint (back->len, >=, 2);
      s = back->pdata[back->len - 1];
      /* Revived by its first packet (at the old address until its own
       * claim moves it, which may cost one more suspicion) or moved. */
      g_assert_true (s->old_state == GOSSIP_NODE_STATE_DEAD || s->old_state == GOSSIP_NODE_STATE_SUSPECT);
      g_assert_true (s->reason == GOSSIP_STATE_REASON_MOVED || s->reason == GOSSIP_STATE_REASON_JOINED ||
                     s->reason == GOSSIP_STATE_REASON_RECOVERED || s->reason == GOSSIP_STATE_REASON_REFUTED);
    }
  g_signal_handlers_disconnect_by_data (again, &net);
  gossip_cluster_stop (again);
  net_clear (&net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_default_handler (log_handler, NULL);
  g_test_add_func ("/reasons/join", test_join);
  g_test_add_func ("/reasons/leave-dead-removed", test_leave);
  g_test_add_func ("/reasons/silent-stop", test_silent_stop);
  g_test_add_func ("/reasons/refuted", test_refuted);
  g_test_add_func ("/reasons/back-elsewhere", test_back_elsewhere);
  return g_test_run ();
}
