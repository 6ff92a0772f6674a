/* leader: leader election among the nodes with dc=development (the Go
 * example examples/leader), with gossip-glib's quorum: a node leads only
 * while it sees a majority of the group. `leader` prints the current view;
 * changes are printed as they happen. */
#include "example-common.h"

static double opt_heartbeat_scale = 1.0;

static const GOptionEntry leader_entries[] = {
  { "heartbeat-scale", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, &opt_heartbeat_scale,
    "Scale the heartbeat interval and leader timeout (tests)", "F" },
  G_OPTION_ENTRY_NULL
};

static void
leader_elected_cb (GossipLeaderElection *election,
                   GossipNode           *leader,
                   gpointer              user_data)
{
  example_print ("Leader elected: %s (term %" G_GUINT64_FORMAT ")", gossip_node_get_id (leader),
                 gossip_leader_election_get_term (election));
}

static void
leader_lost_cb (GossipLeaderElection *election,
                const char           *id,
                gpointer              user_data)
{
  example_print ("Leader lost: %s", id ? id : "(none)");
}

static void
became_leader_cb (GossipLeaderElection *election,
                  gpointer              user_data)
{
  example_print ("This node became the leader");
}

static void
stepped_down_cb (GossipLeaderElection *election,
                 gpointer              user_data)
{
  example_print ("This node stepped down");
}

static void
cmd_leader (Example *ex, char **argv, gpointer user_data)
{
  GossipLeaderElection *election = user_data;
  const char *id = gossip_leader_election_get_leader_id (election);

  example_print ("leader: %s, term %" G_GUINT64_FORMAT ", this node is %sthe leader, quorum %u",
                 id ? id : "(none)", gossip_leader_election_get_term (election),
                 gossip_leader_election_get_is_leader (election) ? "" : "not ",
                 gossip_leader_election_get_quorum (election));
}

int
main (int argc, char **argv)
{
  Example *ex = example_new ("leader", "A node taking part in a leader election (dc=development).",
                             leader_entries, &argc, &argv);
  g_autoptr(GossipNodeGroup) group = NULL;
  g_autoptr(GossipLeaderElection) election = NULL;
  g_autoptr(GError) error = NULL;
  const char *keys[] = { "dc", NULL };
  const char *values[] = { "development", NULL };
  int status = 1;

  if (!example_create (ex))
    goto out;
  gossip_metadata_set_string (gossip_cluster_get_local_metadata (ex->cluster), "dc", "development");
  group = gossip_node_group_new_from_strv (ex->cluster, keys, values, &error);
  if (group == NULL)
    {
      g_printerr ("leader: %s\n", error->message);
      goto out;
    }
  election = gossip_leader_election_new (ex->cluster, group);
  if (opt_heartbeat_scale != 1.0)
    {
      gossip_leader_election_set_heartbeat_interval (election,
          MAX (10, gossip_leader_election_get_heartbeat_interval (election) * opt_heartbeat_scale));
      gossip_leader_election_set_leader_timeout (election,
          MAX (30, gossip_leader_election_get_leader_timeout (election) * opt_heartbeat_scale));
    }
  g_signal_connect (election, "leader-elected", G_CALLBACK (leader_elected_cb), NULL);
  g_signal_connect (election, "leader-lost", G_CALLBACK (leader_lost_cb), NULL);
  g_signal_connect (election, "became-leader", G_CALLBACK (became_leader_cb), NULL);
  g_signal_connect (election, "stepped-down", G_CALLBACK (stepped_down_cb), NULL);
  if (!gossip_leader_election_start (election, &error))
    {
      g_printerr ("leader: %s\n", error->message);
      goto out;
    }
  example_add_command (ex, "leader", "leader", "who leads, the term and the quorum", cmd_leader, election);
  status = example_run (ex);
  gossip_leader_election_stop (election);
out:
  g_clear_object (&election);
  g_clear_object (&group);
  example_free (ex);
  return status;
}
