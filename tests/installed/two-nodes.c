/* two-nodes.c: built against the INSTALLED gossip-glib (pkg-config
 * gossip-glib-1) by tests/installed/run.sh: two nodes join and one sends
 * the other a message. Exits 0 when it arrived. */
#include <gossip-glib.h>

static gboolean got_it;

static void
message_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet, gpointer user_data)
{
  g_autoptr(GVariant) value = gossip_packet_get_payload (packet, NULL);

  got_it = value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) &&
           g_str_equal (g_variant_get_string (value, NULL), "installed");
}

static GossipCluster *
node_new (void)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, 0.1);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (cluster);
  return cluster;
}

int
main (void)
{
  g_autoptr(GossipCluster) a = node_new ();
  g_autoptr(GossipCluster) b = node_new ();
  const char *seed[] = { gossip_cluster_get_advertise_address (a), NULL };
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  g_autoptr(GError) error = NULL;

  g_assert_true (gossip_cluster_handle (a, 200, message_cb, NULL, NULL, &error));
  gossip_cluster_join_async (b, seed, NULL, NULL, NULL);
  while ((gossip_cluster_get_n_alive (a) < 2 || gossip_cluster_get_n_alive (b) < 2) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (gossip_cluster_get_n_alive (a), ==, 2);
  g_assert_true (gossip_cluster_send (b, 200, g_variant_new_string ("installed"), &error));
  while (!got_it && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  gossip_cluster_stop (b);
  gossip_cluster_stop (a);
  g_print ("C program against the installed library: %s\n", got_it ? "message received" : "NO MESSAGE");
  return got_it ? 0 : 1;
}
