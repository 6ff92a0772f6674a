/* test-layers.c: what the layering promises user code.
 *
 * Public signals come after a transition is complete and after the packet
 * or timer that caused it was processed, so handlers see a consistent
 * cluster and may stop it, leave or drop handlers from inside. Real
 * clusters on loopback, waits with deadlines.
 */
#include "config.h"

#include "test-utils.h"

#define WAIT_MS 10000

static GossipCluster *
make_cluster (void)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, 0.05);
  g_object_set (config, "ping-timeout", 250, NULL);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (cluster);
  return cluster;
}

static GPtrArray *
make_converged (guint n)
{
  GPtrArray *clusters = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (clusters, make_cluster ());
  test_clusters_join_first (clusters);
  return clusters;
}

/* ---- handlers see completed state ---- */

typedef struct {
  GossipCluster *cluster;
  guint          events;
  guint          inconsistent;
  guint          nested;
  guint          depth;
  GArray        *arrivals;  /* guint: nodes known at each remote arrival */
} Watch;

static guint
count_alive (GossipCluster *cluster)
{
  g_autoptr(GPtrArray) alive = gossip_cluster_get_alive_nodes (cluster);
  return alive->len;
}

static void
watch_state_cb (GossipCluster   *cluster,
                GossipNode      *node,
                GossipNodeState  old_state,
                GossipNodeState  new_state,
                gpointer         user_data)
{
  Watch *w = user_data;

  w->events++;
  if (w->depth > 0)
    w->nested++;
  w->depth++;
  /* The node already is in the state the signal announces, and the
   * cluster's counts agree with its list. */
  if (gossip_node_get_state (node) != new_state)
    w->inconsistent++;
  if (gossip_cluster_get_n_alive (cluster) != count_alive (cluster))
    w->inconsistent++;
  if (old_state == GOSSIP_NODE_STATE_UNKNOWN && new_state == GOSSIP_NODE_STATE_ALIVE &&
      node != gossip_cluster_get_local_node (cluster))
    {
      guint n = gossip_cluster_get_n_nodes (cluster);
      g_array_append_val (w->arrivals, n);
    }
  w->depth--;
}

static gboolean
knows_n (gpointer user_data)
{
  Watch *w = user_data;
  return gossip_cluster_get_n_alive (w->cluster) == 5;
}

static void
test_signals_after_merge (void)
{
  g_autoptr(GPtrArray) clusters = make_converged (4);
  Watch w = { 0 };
  const char *seed[2] = { gossip_cluster_get_advertise_address (clusters->pdata[0]), NULL };
  g_autoptr(GError) error = NULL;

  guint most_sharing = 0;

  w.arrivals = g_array_new (FALSE, FALSE, sizeof (guint));
  w.cluster = make_cluster ();
  g_signal_connect (w.cluster, "node-state-changed", G_CALLBACK (watch_state_cb), &w);
  test_cluster_join (w.cluster, seed, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (test_wait_for (knows_n, &w, WAIT_MS));

  g_assert_cmpuint (w.events, >=, 4);
  g_assert_cmpuint (w.inconsistent, ==, 0);
  g_assert_cmpuint (w.nested, ==, 0);
  /* The joiner learns the three others in one push/pull: every handler of
   * that merge sees all of it (before, each saw one more node than the
   * last). So some arrivals share the count they saw. */
  for (guint i = 0; i < w.arrivals->len; i++)
    {
      guint same = 0;
      g_test_message ("arrival %u saw %u nodes", i, g_array_index (w.arrivals, guint, i));
      for (guint j = 0; j < w.arrivals->len; j++)
        same += g_array_index (w.arrivals, guint, j) == g_array_index (w.arrivals, guint, i);
      most_sharing = MAX (most_sharing, same);
    }
  g_assert_cmpuint (w.arrivals->len, ==, 4);
  g_assert_cmpuint (g_array_index (w.arrivals, guint, w.arrivals->len - 1), ==, 5);
  g_assert_cmpuint (most_sharing, >=, 2);
  g_array_unref (w.arrivals);

  gossip_cluster_stop (w.cluster);
  g_object_unref (w.cluster);
  test_clusters_free (g_steal_pointer (&clusters));
}

/* ---- stopping or leaving from inside a signal handler ---- */

typedef struct {
  gboolean leave;     /* leave instead of stop */
  guint    calls;
  guint    after;     /* events delivered after we acted */
  gboolean acted;
} Quitter;

static void
quit_on_first_cb (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  Quitter *q = user_data;

  q->calls++;
  if (q->acted)
    {
      q->after++;
      return;
    }
  if (node == gossip_cluster_get_local_node (cluster) || new_state != GOSSIP_NODE_STATE_ALIVE)
    return;
  q->acted = TRUE;
  if (q->leave)
    gossip_cluster_leave (cluster);
  else
    gossip_cluster_stop (cluster);
}

static gboolean
acted (gpointer user_data)
{
  Quitter *q = user_data;
  return q->acted;
}

static void
run_quit_in_handler (gboolean leave)
{
  g_autoptr(GPtrArray) clusters = make_converged (3);
  const char *seed[2] = { gossip_cluster_get_advertise_address (clusters->pdata[0]), NULL };
  GossipCluster *joiner = make_cluster ();
  Quitter q = { .leave = leave };

  g_signal_connect (joiner, "node-state-changed", G_CALLBACK (quit_on_first_cb), &q);
  gossip_cluster_join_async (joiner, seed, NULL, NULL, NULL);
  g_assert_true (test_wait_for (acted, &q, WAIT_MS));
  /* The rest of the merge was already complete; the node keeps working
   * (or stopped) without touching freed state. */
  test_run_for (300);
  if (leave)
    g_assert_cmpint (gossip_node_get_state (gossip_cluster_get_local_node (joiner)), ==,
                     GOSSIP_NODE_STATE_LEAVING);
  else
    g_assert_false (gossip_cluster_is_running (joiner));
  g_test_message ("%u events, %u after acting", q.calls, q.after);

  gossip_cluster_stop (joiner);
  g_object_unref (joiner);
  test_clusters_free (g_steal_pointer (&clusters));
}

static void
test_stop_in_signal (void)
{
  run_quit_in_handler (FALSE);
}

static void
test_leave_in_signal (void)
{
  run_quit_in_handler (TRUE);
}

/* ---- stopping from inside a message handler ---- */

typedef struct {
  guint got;
} Stopper;

static void
stop_on_message (GossipCluster *cluster,
                 GossipNode    *sender,
                 GossipPacket  *packet,
                 gpointer       user_data)
{
  Stopper *s = user_data;

  s->got++;
  gossip_cluster_stop (cluster);
}

static gboolean
stopper_got (gpointer user_data)
{
  Stopper *s = user_data;
  return s->got > 0;
}

static void
test_stop_in_message_handler (void)
{
  g_autoptr(GPtrArray) clusters = make_converged (3);
  g_autoptr(GError) error = NULL;
  Stopper s = { 0 };

  g_assert_true (gossip_cluster_handle (clusters->pdata[1], 200, stop_on_message, &s, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (gossip_cluster_send (clusters->pdata[0], 200, g_variant_new_string ("bye"), &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (stopper_got, &s, WAIT_MS));
  test_run_for (200);
  g_assert_cmpuint (s.got, ==, 1);
  g_assert_false (gossip_cluster_is_running (clusters->pdata[1]));
  test_clusters_free (g_steal_pointer (&clusters));
}

/* ---- unregistering a handler from inside it ---- */

typedef struct {
  guint    got;
  gboolean in_call;
  guint    destroyed;
  guint    destroyed_in_call;
} SelfRemoval;

typedef struct {
  SelfRemoval *outer;
  guint16      type;
} SelfRemovalData;

static void
self_removal_destroy (gpointer data)
{
  SelfRemovalData *d = data;

  d->outer->destroyed++;
  if (d->outer->in_call)
    d->outer->destroyed_in_call++;
  g_free (d);
}

static void
unregister_self (GossipCluster *cluster,
                 GossipNode    *sender,
                 GossipPacket  *packet,
                 gpointer       user_data)
{
  SelfRemovalData *d = user_data;

  d->outer->in_call = TRUE;
  g_assert_true (gossip_cluster_unregister (cluster, d->type));
  /* user_data must still be alive here (ASan catches a use after free). */
  d->outer->got++;
  d->outer->in_call = FALSE;
}

static gboolean
self_removal_done (gpointer user_data)
{
  SelfRemoval *r = user_data;
  return r->got > 0;
}

static void
test_unregister_in_handler (void)
{
  g_autoptr(GPtrArray) clusters = make_converged (3);
  g_autoptr(GError) error = NULL;
  SelfRemoval r = { 0 };
  SelfRemovalData *d = g_new0 (SelfRemovalData, 1);

  d->outer = &r;
  d->type = 201;
  g_assert_true (gossip_cluster_handle (clusters->pdata[1], 201, unregister_self, d,
                                        self_removal_destroy, &error));
  g_assert_no_error (error);
  g_assert_true (gossip_cluster_send (clusters->pdata[0], 201, g_variant_new_string ("one"), &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (self_removal_done, &r, WAIT_MS));
  g_assert_cmpuint (r.destroyed, ==, 1);
  g_assert_cmpuint (r.destroyed_in_call, ==, 0);

  /* Gone: a second message finds no handler, and the type is free again. */
  g_assert_true (gossip_cluster_send (clusters->pdata[0], 201, g_variant_new_string ("two"), &error));
  test_run_for (200);
  g_assert_cmpuint (r.got, ==, 1);
  g_assert_false (gossip_cluster_unregister (clusters->pdata[1], 201));
  test_clusters_free (g_steal_pointer (&clusters));
}

/* ---- the detailed ::message signal ---- */

typedef struct {
  guint  all;       /* "message" */
  guint  only_202;  /* "message::202" */
  guint  handled;   /* the handler of 202 */
  char  *text;
  gboolean handler_first;
} Listen;

static void
on_any_message (GossipCluster *cluster,
                GossipNode    *sender,
                GossipPacket  *packet,
                gpointer       user_data)
{
  Listen *l = user_data;
  l->all++;
}

static void
on_message_202 (GossipCluster *cluster,
                GossipNode    *sender,
                GossipPacket  *packet,
                gpointer       user_data)
{
  Listen *l = user_data;
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, NULL);

  g_assert_cmpuint (gossip_packet_get_message_type (packet), ==, 202);
  g_assert_nonnull (sender);
  l->only_202++;
  l->handler_first = l->handled == 1;
  g_clear_pointer (&l->text, g_free);
  l->text = g_variant_dup_string (payload, NULL);
}

static void
count_handled (GossipCluster *cluster,
               GossipNode    *sender,
               GossipPacket  *packet,
               gpointer       user_data)
{
  Listen *l = user_data;
  l->handled++;
}

static gboolean
heard_both (gpointer user_data)
{
  Listen *l = user_data;
  return l->all >= 2 && l->only_202 >= 1;
}

static void
test_message_signal (void)
{
  g_autoptr(GPtrArray) clusters = make_converged (3);
  g_autoptr(GError) error = NULL;
  GossipCluster *rx = clusters->pdata[2];
  Listen l = { 0 };

  g_signal_connect (rx, "message", G_CALLBACK (on_any_message), &l);
  g_signal_connect (rx, "message::202", G_CALLBACK (on_message_202), &l);
  g_assert_true (gossip_cluster_handle (rx, 202, count_handled, &l, NULL, &error));
  g_assert_no_error (error);

  /* 203 has no handler and no detailed listener: only "message" sees it. */
  g_assert_true (gossip_cluster_send (clusters->pdata[0], 203, g_variant_new_string ("other"), &error));
  g_assert_true (gossip_cluster_send (clusters->pdata[0], 202, g_variant_new_string ("for 202"), &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (heard_both, &l, WAIT_MS));
  test_run_for (200);
  g_assert_cmpuint (l.all, ==, 2);
  g_assert_cmpuint (l.only_202, ==, 1);
  g_assert_cmpuint (l.handled, ==, 1);
  g_assert_true (l.handler_first);
  g_assert_cmpstr (l.text, ==, "for 202");
  g_free (l.text);
  test_clusters_free (g_steal_pointer (&clusters));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/layers/signals/after-merge", test_signals_after_merge);
  g_test_add_func ("/layers/signals/stop-in-handler", test_stop_in_signal);
  g_test_add_func ("/layers/signals/leave-in-handler", test_leave_in_signal);
  g_test_add_func ("/layers/handler/stop-in-message-handler", test_stop_in_message_handler);
  g_test_add_func ("/layers/handler/unregister-in-handler", test_unregister_in_handler);
  g_test_add_func ("/layers/handler/message-signal", test_message_signal);
  return g_test_run ();
}
