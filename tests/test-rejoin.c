/* test-rejoin.c: a node that comes back under the same ID — at a new address
 * after a crash or a leave — is seen alive there by every member, including
 * those it did not join. */
#include "gossip-glib.h"
#include "test-utils.h"

#define NODE_ID "0f0e0d0c-0b0a-4908-8706-050403020100"

static GossipCluster *
node_new (const char *node_id)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, 0.1);
  if (node_id != NULL)
    gossip_config_set_node_id (config, node_id);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (cluster);
  return cluster;
}

typedef struct {
  GPtrArray  *others;    /* the members that stayed */
  const char *address;   /* where the returning node now is */
} SeenAt;

static gboolean
all_see_it_alive_at (gpointer user_data)
{
  SeenAt *s = user_data;

  for (guint i = 0; i < s->others->len; i++)
    {
      GossipNode *node = gossip_cluster_get_node (s->others->pdata[i], NODE_ID);
      if (node == NULL || gossip_node_get_state (node) != GOSSIP_NODE_STATE_ALIVE ||
          g_strcmp0 (gossip_node_get_address (node), s->address) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
run_comeback (gboolean graceful)
{
  g_autoptr(GPtrArray) others = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  g_autoptr(GossipCluster) first = NULL;
  g_autoptr(GossipCluster) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_address = NULL;
  const char *seed[2] = { NULL, NULL };
  SeenAt seen = { 0 };

  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (others, node_new (NULL));
  first = node_new (NODE_ID);
  for (guint i = 0; i < others->len; i++)
    g_ptr_array_add (all, others->pdata[i]);
  g_ptr_array_add (all, first);
  test_clusters_join_first (all);
  old_address = g_strdup (gossip_cluster_get_advertise_address (first));

  /* Gone: a leave, or silence as after kill -9. */
  if (graceful)
    gossip_cluster_leave (first);
  gossip_cluster_stop (first);
  g_clear_object (&first);

  /* Back under the same ID on another port, joining only the first member. */
  again = node_new (NODE_ID);
  g_assert_cmpstr (gossip_cluster_get_advertise_address (again), !=, old_address);
  seed[0] = gossip_cluster_get_advertise_address (others->pdata[0]);
  g_assert_cmpuint (test_cluster_join (again, seed, NULL, &error), ==, 1);
  g_assert_no_error (error);

  seen.others = others;
  seen.address = gossip_cluster_get_advertise_address (again);
  g_assert_true (test_wait_for (all_see_it_alive_at, &seen, 10000));
  /* And it sees all of them alive (their answers reach its new address). */
  g_ptr_array_add (others, g_object_ref (again));
  g_assert_true (test_wait_for (test_clusters_converged, others, 10000));
  test_clusters_free (g_steal_pointer (&others));
}

static void
test_back_after_crash (void)
{
  run_comeback (FALSE);
}

static void
test_back_after_leave (void)
{
  run_comeback (TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rejoin/new-address-after-crash", test_back_after_crash);
  g_test_add_func ("/rejoin/new-address-after-leave", test_back_after_leave);
  return g_test_run ();
}
