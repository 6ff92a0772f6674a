/* test-reply.c: the request/reply path keeps ownership exactly as
 * annotated. A GossipReplyFunc returns (transfer full): a floating value
 * (C's g_variant_new_*) and a non-floating one (what every binding returns)
 * must both be freed exactly once. Run under valgrind by scripts/check, where
 * a leaked reply is a definite leak. */
#include "test-utils.h"

#define N_REQUESTS 50

typedef struct {
  gboolean floating;
  guint    replies;
  guint    answered;
} Ctx;

static GVariant *
reply_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet, gpointer user_data)
{
  Ctx *ctx = user_data;
  GVariant *value = g_variant_new_printf ("reply %u", ctx->replies++);

  /* A binding hands back a full, non-floating reference. */
  return ctx->floating ? value : g_variant_ref_sink (value);
}

static void
response_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ctx *ctx = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipPacket) reply = gossip_cluster_send_to_with_response_finish (GOSSIP_CLUSTER (source),
                                                                               result, &error);
  g_autoptr(GVariant) value = NULL;

  g_assert_no_error (error);
  value = gossip_packet_get_payload (reply, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_variant_get_string (value, NULL), "reply "));
  ctx->answered++;
}

static gboolean
all_answered (gpointer user_data)
{
  return ((Ctx *) user_data)->answered == N_REQUESTS;
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

static void
run_replies (gboolean floating)
{
  g_autoptr(GPtrArray) clusters = g_ptr_array_new_with_free_func (g_object_unref);
  GossipCluster *a, *b;
  GossipNode *target;
  Ctx ctx = { floating, 0, 0 };
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (clusters, node_new ());
  g_ptr_array_add (clusters, node_new ());
  a = clusters->pdata[0];
  b = clusters->pdata[1];
  g_assert_true (gossip_cluster_handle_with_reply (a, 150, reply_cb, &ctx, NULL, &error));
  g_assert_no_error (error);
  test_clusters_join_first (clusters);
  target = gossip_cluster_get_node (b, gossip_node_get_id (gossip_cluster_get_local_node (a)));
  g_assert_nonnull (target);
  for (guint i = 0; i < N_REQUESTS; i++)
    gossip_cluster_send_to_with_response_async (b, target, 150, g_variant_new_string ("ask"),
                                                NULL, response_cb, &ctx);
  g_assert_true (test_wait_for (all_answered, &ctx, 20000));
  g_assert_cmpuint (ctx.replies, ==, N_REQUESTS);
  test_clusters_free (g_steal_pointer (&clusters));
}

static void
test_reply_floating (void)
{
  run_replies (TRUE);
}

static void
test_reply_not_floating (void)
{
  run_replies (FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/reply/floating", test_reply_floating);
  g_test_add_func ("/reply/not-floating", test_reply_not_floating);
  return g_test_run ();
}
