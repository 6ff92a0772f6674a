/* test-broadcast.c: broadcasts survive 10% datagram loss (issue 8 item 4).
 *
 * The first copy of a broadcast is one datagram per peer; broadcast repair
 * (digests of recent IDs, pulls, resends of the original bytes) must make
 * every user message reach every handler exactly once, and system changes
 * (metadata, a leave) reach every node, on the direct path and on the
 * epidemic one (direct-broadcast-limit 0). */
#include <string.h>
#include <stdio.h>

#include "gossip-glib.h"
#include "gossip-netsim.h"
#include "test-utils.h"

#define SCALE 0.1
#define N_NODES 12
#define N_MSGS 6
#define USER_TYPE 200

typedef struct {
  GPtrArray *clusters;
  guint      counts[N_NODES][N_NODES * N_MSGS];  /* [receiver][message] */
  guint      leaving_seen[N_NODES];              /* receivers that saw the leave */
  guint      leaver;
} Net;

typedef struct {
  Net  *net;
  guint index;
} Receiver;

static void
user_cb (GossipCluster *cluster,
         GossipNode    *sender,
         GossipPacket  *packet,
         gpointer       user_data)
{
  Receiver *r = user_data;
  g_autoptr(GVariant) v = gossip_packet_get_payload (packet, NULL);
  guint msg;

  g_assert_nonnull (v);
  g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING));
  g_assert_cmpint (sscanf (g_variant_get_string (v, NULL), "m%u", &msg), ==, 1);
  g_assert_cmpuint (msg, <, N_NODES * N_MSGS);
  r->net->counts[r->index][msg]++;
}

static void
state_cb (GossipCluster   *cluster,
          GossipNode      *node,
          GossipNodeState  old_state,
          GossipNodeState  new_state,
          gpointer         user_data)
{
  Receiver *r = user_data;

  if (new_state == GOSSIP_NODE_STATE_LEAVING &&
      g_strcmp0 (gossip_node_get_id (node),
                 gossip_node_get_id (gossip_cluster_get_local_node (r->net->clusters->pdata[r->net->leaver]))) == 0)
    r->net->leaving_seen[r->index] = 1;
}

static void
net_init (Net  *net,
          guint direct_limit)
{
  memset (net, 0, sizeof *net);
  gossip_netsim_enable ();
  net->clusters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < N_NODES; i++)
    {
      g_autoptr(GossipConfig) config = gossip_config_new ();
      g_autoptr(GError) error = NULL;
      GossipCluster *cluster;
      Receiver *r = g_new0 (Receiver, 1);

      r->net = net;
      r->index = i;
      gossip_config_set_bind_address (config, "127.0.0.1:0");
      gossip_config_scale_intervals (config, SCALE);
      g_object_set (config, "direct-broadcast-limit", direct_limit, NULL);
      cluster = gossip_cluster_new (config, NULL, &error);
      g_assert_no_error (error);
      g_assert_true (gossip_cluster_handle (cluster, USER_TYPE, user_cb, r, g_free, &error));
      g_assert_no_error (error);
      g_signal_connect (cluster, "node-state-changed", G_CALLBACK (state_cb), r);
      gossip_cluster_start (cluster);
      g_ptr_array_add (net->clusters, cluster);
    }
  test_clusters_join_first (net->clusters);
  gossip_netsim_set_loss (NULL, NULL, 0.10);
}

static void
net_clear (Net *net)
{
  test_clusters_free (net->clusters);
  gossip_netsim_reset ();
}

static gboolean
all_delivered (gpointer user_data)
{
  Net *net = user_data;

  for (guint m = 0; m < N_NODES * N_MSGS; m++)
    for (guint i = 0; i < N_NODES; i++)
      if (i != m / N_MSGS && net->counts[i][m] == 0)
        return FALSE;
  return TRUE;
}

static void
check_user_broadcasts (Net *net)
{
  guint64 dropped_before = gossip_netsim_get_dropped ();

  for (guint m = 0; m < N_NODES * N_MSGS; m++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf ("m%u", m);

      g_assert_true (gossip_cluster_send (net->clusters->pdata[m / N_MSGS], USER_TYPE,
                                          g_variant_new_string (text), &error));
      g_assert_no_error (error);
    }
  g_assert_true (test_wait_for (all_delivered, net, 10000));
  /* Late repairs must not deliver a second copy. */
  test_run_for (500);
  for (guint m = 0; m < N_NODES * N_MSGS; m++)
    for (guint i = 0; i < N_NODES; i++)
      g_assert_cmpuint (net->counts[i][m], ==, i == m / N_MSGS ? 0 : 1);
  g_test_message ("%u user broadcasts to %u nodes, %" G_GUINT64_FORMAT " datagrams lost",
                  N_NODES * N_MSGS, N_NODES, (guint64) (gossip_netsim_get_dropped () - dropped_before));
  g_assert_cmpuint (gossip_netsim_get_dropped (), >, dropped_before);
}

static gboolean
metadata_seen (gpointer user_data)
{
  Net *net = user_data;
  const char *id = gossip_node_get_id (gossip_cluster_get_local_node (net->clusters->pdata[3]));

  for (guint i = 0; i < N_NODES; i++)
    {
      GossipNode *node = gossip_cluster_get_node (net->clusters->pdata[i], id);
      g_autofree char *value = NULL;

      if (i == 3)
        continue;
      if (node == NULL)
        return FALSE;
      value = gossip_metadata_get_string (gossip_node_get_metadata (node), "repair");
      if (g_strcmp0 (value, "yes") != 0)
        return FALSE;
    }
  return TRUE;
}

static gboolean
leave_seen (gpointer user_data)
{
  Net *net = user_data;

  for (guint i = 0; i < N_NODES; i++)
    if (i != net->leaver && !net->leaving_seen[i])
      return FALSE;
  return TRUE;
}

static void
check_system_broadcasts (Net *net)
{
  gossip_metadata_set_string (gossip_cluster_get_local_metadata (net->clusters->pdata[3]), "repair", "yes");
  gossip_cluster_update_metadata (net->clusters->pdata[3]);
  g_assert_true (test_wait_for (metadata_seen, net, 5000));

  net->leaver = 5;
  gossip_cluster_leave (net->clusters->pdata[net->leaver]);
  g_assert_true (test_wait_for (leave_seen, net, 5000));
}

static void
test_direct (void)
{
  Net net;

  net_init (&net, 1024);
  check_user_broadcasts (&net);
  check_system_broadcasts (&net);
  net_clear (&net);
}

static void
test_epidemic (void)
{
  Net net;

  net_init (&net, 0);
  check_user_broadcasts (&net);
  check_system_broadcasts (&net);
  net_clear (&net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/broadcast/loss-10-percent/direct", test_direct);
  g_test_add_func ("/broadcast/loss-10-percent/epidemic", test_epidemic);
  return g_test_run ();
}
