/* events: state and metadata events (the Go example examples/events). Sets
 * the metadata dc=development and intValue=int32(42) as the Go one does and
 * prints every change it sees. */
#include "example-common.h"

static void
state_changed_cb (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  example_print ("Node %s state changed from %s to %s", gossip_node_get_id (node),
                 gossip_node_state_to_string (old_state),
                 gossip_node_state_to_string (new_state));
}

static void
metadata_changed_cb (GossipCluster *cluster,
                     GossipNode    *node,
                     gpointer       user_data)
{
  g_autofree char *dc = gossip_metadata_get_string (gossip_node_get_metadata (node), "dc");

  example_print ("Node %s metadata changed (dc=%s)", gossip_node_get_id (node), dc ? dc : "");
}

int
main (int argc, char **argv)
{
  Example *ex = example_new ("events", "A node that prints membership and metadata events.", NULL, &argc, &argv);
  int status = 1;

  if (example_create (ex))
    {
      GossipMetadata *md = gossip_cluster_get_local_metadata (ex->cluster);

      gossip_metadata_set_string (md, "dc", "development");
      gossip_metadata_set_int32 (md, "intValue", 42);
      g_signal_connect (ex->cluster, "node-state-changed", G_CALLBACK (state_changed_cb), NULL);
      g_signal_connect (ex->cluster, "node-metadata-changed", G_CALLBACK (metadata_changed_cb), NULL);
      status = example_run (ex);
    }
  example_free (ex);
  return status;
}
