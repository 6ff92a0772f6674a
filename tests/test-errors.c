/* test-errors.c: errors a person can act on, through the public API.
 * Each failure a user meets first has its own GossipError code and a
 * message naming the address or the limit. */
#include "test-utils.h"

#include <math.h>

static GossipCluster *
cluster_on (const char *bind, GError **error)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();

  gossip_config_set_bind_address (config, bind);
  gossip_config_scale_intervals (config, 0.1);
  return gossip_cluster_new (config, NULL, error);
}

static void
test_invalid_ports (void)
{
  const char *binds[] = { "127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:", "127.0.0.1:http" };

  for (gsize i = 0; i < G_N_ELEMENTS (binds); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GossipCluster) c = cluster_on (binds[i], &error);

      g_assert_null (c);
      g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS);
      g_assert_nonnull (strstr (error->message, "invalid port"));
    }
}

static void
test_address_in_use (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipCluster) a = cluster_on ("127.0.0.1:0", &error);
  g_autoptr(GossipCluster) b = NULL;

  g_assert_no_error (error);
  b = cluster_on (gossip_cluster_get_advertise_address (a), &error);
  g_assert_null (b);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS_IN_USE);
}

static void
test_unresolvable_bind (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipCluster) c = cluster_on ("no-such-host.invalid:5000", &error);

  g_assert_null (c);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_UNRESOLVABLE);
}

typedef struct {
  gboolean done;
  GError  *error;
} JoinResult;

static void
join_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  JoinResult *r = user_data;

  gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
join_done (gpointer user_data)
{
  return ((JoinResult *) user_data)->done;
}

static void
join_one (GossipCluster *c, const char *peer, JoinResult *r)
{
  const char *peers[] = { peer, NULL };

  gossip_cluster_join_async (c, peers, NULL, join_cb, r);
  g_assert_true (test_wait_for (join_done, r, 20000));
}

static void
test_join_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipCluster) c = cluster_on ("127.0.0.1:0", &error);
  g_autoptr(GSocket) closed = NULL;
  g_autoptr(GSocketListener) silent = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketAddress) closed_addr = NULL;
  g_autofree char *silent_peer = NULL;
  g_autofree char *closed_peer = NULL;
  JoinResult refused = { 0 }, unresolvable = { 0 }, timed_out = { 0 };

  g_assert_no_error (error);
  gossip_cluster_start (c);

  /* A port nothing listens on: bind it, note it, close it. */
  closed = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (closed, any, TRUE, &error));
  closed_addr = g_socket_get_local_address (closed, &error);
  closed_peer = g_strdup_printf ("127.0.0.1:%u",
                                 g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (closed_addr)));
  g_socket_close (closed, NULL);
  join_one (c, closed_peer, &refused);
  g_assert_error (refused.error, GOSSIP_ERROR, GOSSIP_ERROR_REFUSED);
  g_clear_error (&refused.error);

  join_one (c, "no-such-host.invalid:5000", &unresolvable);
  g_assert_error (unresolvable.error, GOSSIP_ERROR, GOSSIP_ERROR_UNRESOLVABLE);
  g_clear_error (&unresolvable.error);

  /* A listener that accepts connections (the kernel does) and never answers. */
  g_assert_true (g_socket_listener_add_address (silent, any, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                                NULL, &bound, &error));
  silent_peer = g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  join_one (c, silent_peer, &timed_out);
  g_assert_error (timed_out.error, GOSSIP_ERROR, GOSSIP_ERROR_TIMEOUT);
  g_clear_error (&timed_out.error);
  gossip_cluster_stop (c);
}

static void
test_non_finite_metadata (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new ();

  gossip_metadata_set_double (md, "ok", 1.5);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*NaN*");
  gossip_metadata_set_double (md, "nan", NAN);
  g_test_assert_expected_messages ();
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*NaN*");
  gossip_metadata_set_double (md, "inf", INFINITY);
  g_test_assert_expected_messages ();
  /* Nested in a container, through set_value. */
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*NaN or an infinity*");
  gossip_metadata_set_value (md, "nested", g_variant_new_parsed ("[1.0, %d]", -INFINITY));
  g_test_assert_expected_messages ();
  g_assert_true (gossip_metadata_contains (md, "ok"));
  g_assert_false (gossip_metadata_contains (md, "nan"));
  g_assert_false (gossip_metadata_contains (md, "inf"));
  g_assert_false (gossip_metadata_contains (md, "nested"));
}

static void
test_payload_too_large (void)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GossipCluster) c = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *big = g_malloc0 (200 * 1024);
  GVariant *value;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  g_object_set (config, "tcp-max-packet-size", 64 * 1024, NULL);
  c = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (c);
  value = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, big, 200 * 1024, 1);
  g_assert_false (gossip_cluster_send (c, 200, value, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE);
  g_assert_nonnull (strstr (error->message, "tcp-max-packet-size"));
  g_clear_error (&error);
  /* Under the limit it goes (to nobody yet, but it is accepted). */
  g_assert_true (gossip_cluster_send (c, 200, g_variant_new_string ("small"), &error));
  g_assert_no_error (error);
  gossip_cluster_stop (c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/errors/invalid-ports", test_invalid_ports);
  g_test_add_func ("/errors/address-in-use", test_address_in_use);
  g_test_add_func ("/errors/unresolvable-bind", test_unresolvable_bind);
  g_test_add_func ("/errors/join", test_join_errors);
  g_test_add_func ("/errors/non-finite-metadata", test_non_finite_metadata);
  g_test_add_func ("/errors/payload-too-large", test_payload_too_large);
  return g_test_run ();
}
