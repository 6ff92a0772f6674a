/* test-security.c: what a cipher buys beyond Go v0.6.0, on real loopback nodes.
 *
 * Replayed packets are refused once outside the replay window, keys rotate
 * without losing messages, leave claims about other nodes are ignored, and
 * a node with the wrong key gets nowhere.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-cluster-private.h"
#include "gossip-hlc-private.h"
#include "gossip-wire-private.h"

#define KEY1 "1234567890123456"
#define KEY2 "abcdefghijklmnopqrstuvwxyz012345"

typedef struct {
  GPtrArray *clusters;
  guint      received[8];
} Net;

static void
count_message (GossipCluster *cluster,
               GossipNode    *sender,
               GossipPacket  *packet,
               gpointer       user_data)
{
  guint *counter = user_data;

  (*counter)++;
}

static GossipCluster *
new_node (Net        *net,
          const char *key,
          guint       replay_window)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  g_autoptr(GBytes) k = g_bytes_new (key, strlen (key));
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;
  guint index = net->clusters->len;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, 0.1);
  gossip_config_set_cipher (config, cipher);
  gossip_config_set_encryption_key (config, k);
  g_object_set (config, "replay-window", replay_window, NULL);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (gossip_cluster_handle (cluster, 128, count_message, &net->received[index], NULL, &error));
  gossip_cluster_start (cluster);
  g_ptr_array_add (net->clusters, cluster);
  return cluster;
}

static GossipCluster *
at (Net *net, guint i)
{
  return net->clusters->pdata[i];
}

static void
join_all (Net *net)
{
  test_clusters_join_first (net->clusters);
}

static void
net_clear (Net *net)
{
  test_clusters_free (net->clusters);
}

static guint64
stat (GossipCluster *cluster,
      const char    *name)
{
  g_autoptr(GossipStats) stats = gossip_cluster_get_stats (cluster);

  return gossip_stats_get (stats, name);
}

static void
send_raw (GossipCluster *to,
          GBytes        *raw)
{
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                          G_SOCKET_PROTOCOL_UDP, NULL);
  g_auto(GStrv) parts = g_strsplit (gossip_cluster_get_advertise_address (to), ":", 2);
  g_autoptr(GSocketAddress) dest = g_inet_socket_address_new_from_string (parts[0], (guint) atoi (parts[1]));
  g_autoptr(GError) error = NULL;

  g_socket_send_to (sock, dest, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), NULL, &error);
  g_assert_no_error (error);
}

static gboolean
counter_reaches (gpointer user_data)
{
  return *(guint *) user_data >= 1;
}

/* A valid packet is processed once, its immediate copy is a duplicate, and
 * a copy sent after the window (and after the history forgot it) is
 * refused as a replay. */
static void
test_replay (void)
{
  Net net = { g_ptr_array_new_with_free_func (g_object_unref), { 0 } };
  GossipCluster *node = new_node (&net, KEY1, 300);
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  g_autoptr(GBytes) key = g_bytes_new_static (KEY1, 16);
  GossipWire wire = { .codec = codec, .cipher = cipher, .key = key };
  GossipEnvelope env = { .type = 128, .id = gossip_hlc_now (), .ttl = 0 };
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GError) error = NULL;

  gossip_node_id_generate (&env.sender);
  raw = gossip_wire_encode_value (&wire, &env, g_variant_new_string ("once"), &error);
  g_assert_no_error (error);

  send_raw (node, raw);
  g_assert_true (test_wait_for (counter_reaches, &net.received[0], 5000));
  send_raw (node, raw);
  test_run_for (100);
  g_assert_cmpuint (net.received[0], ==, 1);
  g_assert_cmpuint (stat (node, "dedup-hits"), >=, 1);

  /* The history keeps entries as long as the window accepts them, so past
   * the window the replay check is what refuses the copy. */
  test_run_for (600);
  send_raw (node, raw);
  test_run_for (200);
  g_assert_cmpuint (net.received[0], ==, 1);
  g_assert_cmpuint (stat (node, "drop-replay"), ==, 1);
  net_clear (&net);
}

typedef struct {
  Net   *net;
  guint  sent;
} Traffic;

static gboolean
send_tick (gpointer user_data)
{
  Traffic *t = user_data;

  for (guint i = 0; i < t->net->clusters->len; i++)
    {
      g_autoptr(GError) error = NULL;
      gossip_cluster_send (at (t->net, i), 128, g_variant_new_uint32 (t->sent), &error);
      g_assert_no_error (error);
    }
  t->sent++;
  return G_SOURCE_CONTINUE;
}

static gboolean
all_received (gpointer user_data)
{
  Traffic *t = user_data;
  guint others = t->net->clusters->len - 1;

  for (guint i = 0; i < t->net->clusters->len; i++)
    if (t->net->received[i] < t->sent * others)
      return FALSE;
  return TRUE;
}

static void
rotate_step (Net *net,
             gboolean (*step) (GossipCluster *, GBytes *, GError **),
             GBytes *key)
{
  /* One node at a time, with traffic flowing in between. */
  for (guint i = 0; i < net->clusters->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_true (step (at (net, i), key, &error));
      g_assert_no_error (error);
      test_run_for (60);
    }
}

static void
test_key_rotation (void)
{
  Net net = { g_ptr_array_new_with_free_func (g_object_unref), { 0 } };
  g_autoptr(GBytes) k1 = g_bytes_new_static (KEY1, 16);
  g_autoptr(GBytes) k2 = g_bytes_new_static (KEY2, 32);
  g_autoptr(GError) error = NULL;
  Traffic traffic = { &net, 0 };
  guint source;

  for (guint i = 0; i < 3; i++)
    new_node (&net, KEY1, 30000);
  join_all (&net);

  source = g_timeout_add (20, send_tick, &traffic);
  test_run_for (100);
  rotate_step (&net, gossip_cluster_install_key, k2);
  rotate_step (&net, gossip_cluster_use_key, k2);
  rotate_step (&net, gossip_cluster_remove_key, k1);
  test_run_for (100);
  g_source_remove (source);

  g_assert_true (test_wait_for (all_received, &traffic, 5000));
  g_test_message ("key rotated under traffic: %u messages from each of 3 nodes, none lost", traffic.sent);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpuint (net.received[i], ==, traffic.sent * 2);
      g_assert_cmpuint (stat (at (&net, i), "drop-decrypt"), ==, 0);
    }

  /* The key in use cannot be removed; a key of the wrong size is refused. */
  g_assert_false (gossip_cluster_remove_key (at (&net, 0), k2, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  {
    g_autoptr(GBytes) bad = g_bytes_new_static ("short", 5);
    g_assert_false (gossip_cluster_install_key (at (&net, 0), bad, &error));
    g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
  }
  net_clear (&net);
}

static void
test_wrong_key (void)
{
  Net net = { g_ptr_array_new_with_free_func (g_object_unref), { 0 } };
  GossipCluster *a = new_node (&net, KEY1, 30000);
  GossipCluster *b = new_node (&net, KEY2, 30000);
  const char *seed[2] = { gossip_cluster_get_advertise_address (a), NULL };
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (test_cluster_join (b, seed, NULL, &error), ==, 0);
  g_assert_nonnull (error);
  g_assert_cmpuint (gossip_cluster_get_n_nodes (a), ==, 1);
  g_assert_cmpuint (stat (a, "drop-decrypt"), >=, 1);
  net_clear (&net);
}

/* Node 0 claims that node 2 leaves: only a node itself may say so. */
static void
test_spoofed_leaving (void)
{
  Net net = { g_ptr_array_new_with_free_func (g_object_unref), { 0 } };
  GossipNodeMsg msg = { 0 };

  for (guint i = 0; i < 3; i++)
    new_node (&net, KEY1, 30000);
  join_all (&net);

  msg.node = *gossip_node_get_node_id (gossip_cluster_get_local_node (at (&net, 2)));
  gossip_cluster_broadcast (at (&net, 0), GOSSIP_MSG_LEAVING, gossip_node_msg_build (&msg, FALSE), FALSE);
  test_run_for (300);
  g_assert_true (test_clusters_converged (net.clusters));
  g_assert_cmpuint (gossip_cluster_get_n_leaving (at (&net, 1)), ==, 0);
  net_clear (&net);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/security/replay-after-window", test_replay);
  g_test_add_func ("/security/key-rotation", test_key_rotation);
  g_test_add_func ("/security/wrong-key", test_wrong_key);
  g_test_add_func ("/security/spoofed-leaving", test_spoofed_leaving);
  return g_test_run ();
}
