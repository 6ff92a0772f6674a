/* test-transport-public.c: GossipTransport as an application sees it.
 *
 * A transport written here (in-memory, delivering between transports of
 * one process on the main context) carries a 3-node cluster through join,
 * convergence, a broadcast and a reply; the socket transport's
 * connections outlive their request (what streams use); misuse of the
 * config property is refused with a GError. */
#include "config.h"

#include <string.h>

#include "test-utils.h"

#define WAIT_MS 10000

/* ---- an in-memory transport ---- */

#define TEST_TYPE_MEM_TRANSPORT (test_mem_transport_get_type ())
G_DECLARE_FINAL_TYPE (TestMemTransport, test_mem_transport, TEST, MEM_TRANSPORT, GObject)

struct _TestMemTransport
{
  GObject       parent_instance;
  char         *address;
  GHashTable   *net;          /* shared: address -> TestMemTransport (not owned) */
  GMainContext *context;
  guint         datagrams;
  guint         requests;
  gboolean      closed;
};

static void test_mem_transport_iface_init (GossipTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestMemTransport, test_mem_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_TRANSPORT, test_mem_transport_iface_init))

typedef struct {
  TestMemTransport *to;
  GBytes           *raw;
  GTask            *task;     /* (nullable): a request */
  GossipRequestKind kind;
} Delivery;

static void
delivery_free (Delivery *d)
{
  g_object_unref (d->to);
  g_bytes_unref (d->raw);
  g_clear_object (&d->task);
  g_free (d);
}

static void
request_done (GBytes   *reply,
              gboolean  taken,
              gpointer  user_data)
{
  GTask *task = user_data;

  if (reply != NULL)
    g_task_return_pointer (task, g_bytes_new (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply)),
                           (GDestroyNotify) g_bytes_unref);
  else
    g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_NO_REPLY, "closed without a reply");
}

static void
ignore_done (GBytes   *reply,
             gboolean  taken,
             gpointer  user_data)
{
}

static gboolean
deliver_cb (gpointer user_data)
{
  Delivery *d = user_data;

  if (d->to->closed)
    {
      if (d->task != NULL)
        g_task_return_new_error (d->task, GOSSIP_ERROR, GOSSIP_ERROR_CONNECT, "peer closed");
      return G_SOURCE_REMOVE;
    }
  if (d->task == NULL)
    {
      gossip_transport_deliver (GOSSIP_TRANSPORT (d->to), d->raw, FALSE, NULL);
      return G_SOURCE_REMOVE;
    }
  if (d->kind == GOSSIP_REQUEST_NO_REPLY)
    {
      /* Written: the sender is done, whatever the receiver does. */
      g_autoptr(GossipIncoming) incoming = gossip_incoming_new (NULL, NULL, ignore_done, NULL, NULL);
      g_task_return_pointer (d->task, g_bytes_new (NULL, 0), (GDestroyNotify) g_bytes_unref);
      gossip_transport_deliver (GOSSIP_TRANSPORT (d->to), d->raw, TRUE, incoming);
    }
  else
    {
      g_autoptr(GossipIncoming) incoming = gossip_incoming_new (NULL, NULL, request_done,
                                                                 g_object_ref (d->task), g_object_unref);
      gossip_transport_deliver (GOSSIP_TRANSPORT (d->to), d->raw, TRUE, incoming);
    }
  return G_SOURCE_REMOVE;
}

static gboolean
post (TestMemTransport  *self,
      const char        *address,
      GBytes            *raw,
      GTask             *task,
      GossipRequestKind  kind)
{
  TestMemTransport *to = g_hash_table_lookup (self->net, address);
  Delivery *d;
  GSource *source;

  if (to == NULL || self->closed)
    return FALSE;
  d = g_new0 (Delivery, 1);
  d->to = g_object_ref (to);
  d->raw = g_bytes_ref (raw);
  d->task = task != NULL ? g_object_ref (task) : NULL;
  d->kind = kind;
  source = g_idle_source_new ();
  g_source_set_callback (source, deliver_cb, d, (GDestroyNotify) delivery_free);
  g_source_attach (source, to->context);
  g_source_unref (source);
  return TRUE;
}

static char *
mem_get_local_address (GossipTransport *transport)
{
  return g_strdup (TEST_MEM_TRANSPORT (transport)->address);
}

static void
mem_send_datagram (GossipTransport *transport,
                   const char      *address,
                   GBytes          *raw)
{
  TestMemTransport *self = TEST_MEM_TRANSPORT (transport);

  if (post (self, address, raw, NULL, GOSSIP_REQUEST_NO_REPLY))
    self->datagrams++;
}

static void
mem_request_async (GossipTransport     *transport,
                   const char          *address,
                   GBytes              *raw,
                   GossipRequestKind    kind,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  TestMemTransport *self = TEST_MEM_TRANSPORT (transport);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  if (post (self, address, raw, task, kind))
    self->requests++;
  else
    g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_CONNECT, "no node at %s", address);
}

static GBytes *
mem_request_finish (GossipTransport  *transport,
                    GAsyncResult     *result,
                    GError          **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
mem_close (GossipTransport *transport)
{
  TestMemTransport *self = TEST_MEM_TRANSPORT (transport);

  if (self->closed)
    return;
  self->closed = TRUE;
  g_hash_table_remove (self->net, self->address);
}

static void
mem_get_counters (GossipTransport         *transport,
                  GossipTransportCounters *out)
{
  TestMemTransport *self = TEST_MEM_TRANSPORT (transport);

  out->datagrams_out = self->datagrams;
  out->tcp_requests_out = self->requests;
}

static void
test_mem_transport_iface_init (GossipTransportInterface *iface)
{
  iface->get_local_address = mem_get_local_address;
  iface->send_datagram = mem_send_datagram;
  iface->request_async = mem_request_async;
  iface->request_finish = mem_request_finish;
  iface->close = mem_close;
  iface->get_counters = mem_get_counters;
}

static void
test_mem_transport_finalize (GObject *object)
{
  TestMemTransport *self = TEST_MEM_TRANSPORT (object);

  mem_close (GOSSIP_TRANSPORT (self));
  g_free (self->address);
  g_hash_table_unref (self->net);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (test_mem_transport_parent_class)->finalize (object);
}

static void
test_mem_transport_class_init (TestMemTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_mem_transport_finalize;
}

static void
test_mem_transport_init (TestMemTransport *self)
{
  self->context = g_main_context_ref_thread_default ();
}

static TestMemTransport *
test_mem_transport_new (GHashTable *net,
                        const char *address)
{
  TestMemTransport *self = g_object_new (TEST_TYPE_MEM_TRANSPORT, NULL);

  self->net = g_hash_table_ref (net);
  self->address = g_strdup (address);
  g_hash_table_insert (net, self->address, self);
  return self;
}

/* ---- a cluster on it ---- */

typedef struct {
  GossipCluster *cluster;
  guint          index;
  GPtrArray     *texts;
} Node;

static void
record_cb (GossipCluster *cluster,
           GossipNode    *sender,
           GossipPacket  *packet,
           gpointer       user_data)
{
  Node *n = user_data;
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, NULL);

  g_assert_nonnull (payload);
  g_ptr_array_add (n->texts, g_variant_dup_string (payload, NULL));
}

static GVariant *
echo_cb (GossipCluster *cluster,
         GossipNode    *sender,
         GossipPacket  *packet,
         gpointer       user_data)
{
  Node *n = user_data;
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, NULL);

  return g_variant_new_take_string (g_strdup_printf ("%s from %u", g_variant_get_string (payload, NULL),
                                                     n->index));
}

static gboolean
all_received (gpointer user_data)
{
  Node *nodes = user_data;

  return nodes[1].texts->len >= 1 && nodes[2].texts->len >= 1;
}

static void
response_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GossipPacket **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = gossip_cluster_send_to_with_response_finish (GOSSIP_CLUSTER (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_set (gpointer user_data)
{
  return *(gpointer *) user_data != NULL;
}

static void
test_cluster_on_mem_transport (void)
{
  g_autoptr(GHashTable) net = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) clusters = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GossipPacket) reply = NULL;
  g_autoptr(GVariant) answer = NULL;
  GossipTransportCounters counters;
  Node nodes[3];
  GossipNode *target;

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *address = g_strdup_printf ("mem-%u", i);
      g_autoptr(TestMemTransport) transport = test_mem_transport_new (net, address);
      g_autoptr(GossipConfig) config = gossip_config_new ();
      g_autoptr(GError) error = NULL;

      gossip_config_scale_intervals (config, 0.05);
      gossip_config_set_transport (config, GOSSIP_TRANSPORT (transport));
      g_assert_true (gossip_config_get_transport (config) == GOSSIP_TRANSPORT (transport));
      nodes[i].index = i;
      nodes[i].texts = g_ptr_array_new_with_free_func (g_free);
      nodes[i].cluster = gossip_cluster_new (config, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (gossip_cluster_get_advertise_address (nodes[i].cluster), ==, address);
      g_assert_true (gossip_cluster_handle (nodes[i].cluster, 128, record_cb, &nodes[i], NULL, &error));
      g_assert_true (gossip_cluster_handle_with_reply (nodes[i].cluster, 130, echo_cb, &nodes[i], NULL, &error));
      gossip_cluster_start (nodes[i].cluster);
      g_ptr_array_add (clusters, g_object_ref (nodes[i].cluster));
    }

  test_clusters_join_first (clusters);

  /* Broadcast from node 0 reaches both others. */
  g_assert_true (gossip_cluster_send (nodes[0].cluster, 128, g_variant_new_string ("hello"), NULL));
  g_assert_true (test_wait_for (all_received, nodes, WAIT_MS));
  g_assert_cmpstr (nodes[1].texts->pdata[0], ==, "hello");
  g_assert_cmpstr (nodes[2].texts->pdata[0], ==, "hello");

  /* A request with a reply, through an incoming of this transport. */
  target = gossip_cluster_get_node (nodes[0].cluster,
                                    gossip_node_get_id (gossip_cluster_get_local_node (nodes[2].cluster)));
  g_assert_nonnull (target);
  gossip_cluster_send_to_with_response_async (nodes[0].cluster, target, 130, g_variant_new_string ("ping"),
                                              NULL, response_cb, &reply);
  g_assert_true (test_wait_for (pointer_set, &reply, WAIT_MS));
  answer = gossip_packet_get_payload (reply, NULL);
  g_assert_cmpstr (g_variant_get_string (answer, NULL), ==, "ping from 2");

  /* The cluster went through this transport, not a socket. */
  gossip_transport_get_counters (gossip_config_get_transport (gossip_cluster_get_config (nodes[0].cluster)),
                                 &counters);
  g_assert_cmpuint (counters.tcp_requests_out, >, 0);

  test_clusters_free (g_steal_pointer (&clusters));
  for (guint i = 0; i < 3; i++)
    {
      g_object_unref (nodes[i].cluster);
      g_ptr_array_unref (nodes[i].texts);
    }
  g_assert_cmpuint (g_hash_table_size (net), ==, 0);
}

static void
test_config_transport_misuse (void)
{
  g_autoptr(GHashTable) net = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(TestMemTransport) transport = test_mem_transport_new (net, "mem-a");
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GossipCluster) first = NULL;
  g_autoptr(GossipCluster) second = NULL;
  g_autoptr(GError) error = NULL;

  gossip_config_set_transport (config, GOSSIP_TRANSPORT (transport));
  first = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (gossip_transport_has_receiver (GOSSIP_TRANSPORT (transport)));

  /* One transport, one cluster. */
  second = gossip_cluster_new (config, NULL, &error);
  g_assert_null (second);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
}

/* ---- connections that outlive their request (socket transport) ---- */

typedef struct {
  GIOStream *server_side;
  GBytes    *opening;
} Taker;

static void
take_receive (GBytes         *raw,
              gboolean        reliable,
              GossipIncoming *incoming,
              gpointer        user_data)
{
  Taker *t = user_data;

  g_assert_true (reliable);
  g_assert_nonnull (incoming);
  t->opening = g_bytes_ref (raw);
  t->server_side = gossip_incoming_steal_connection (incoming);
  g_assert_nonnull (t->server_side);
  g_assert_true (gossip_incoming_is_done (incoming));
  /* Too late for a reply: ignored. */
  gossip_incoming_reply (incoming, raw);
}

static void
connection_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GIOStream **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = gossip_transport_open_connection_finish (GOSSIP_TRANSPORT (source), result, &error);
  g_assert_no_error (error);
}

static void
test_socket_connection (void)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bind = g_inet_socket_address_new (lo, 0);
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autoptr(GIOStream) client_side = NULL;
  g_autoptr(GBytes) hello = g_bytes_new_static ("open", 4);
  g_autoptr(GError) error = NULL;
  g_autofree char *b_address = NULL;
  Taker taker = { NULL, NULL };
  char buf[8] = { 0, };
  gsize n = 0;
  guint enable_udp = 99;

  a = gossip_socket_transport_new (G_INET_SOCKET_ADDRESS (bind), &error);
  g_assert_no_error (error);
  b = g_initable_new (GOSSIP_TYPE_SOCKET_TRANSPORT, NULL, &error,
                      "bind-address", bind, "enable-udp", FALSE, "io-timeout", 500, NULL);
  g_assert_no_error (error);
  g_object_get (b, "enable-udp", &enable_udp, NULL);
  g_assert_false (enable_udp);
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (b), take_receive, &taker);
  b_address = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  gossip_transport_open_connection_async (GOSSIP_TRANSPORT (a), b_address, hello, NULL,
                                          connection_cb, &client_side);
  g_assert_true (test_wait_for (pointer_set, &client_side, WAIT_MS));
  g_assert_true (test_wait_for (pointer_set, &taker.server_side, WAIT_MS));
  g_assert_true (g_bytes_equal (taker.opening, hello));
  g_assert_cmpuint (gossip_socket_transport_get_n_connections (b), ==, 0);

  /* The bytes after the request are the caller's, both ways, and the
   * taken connection outlives the transport's I/O timeout (500 ms). */
  test_run_for (700);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (taker.server_side),
                                            "ack", 3, NULL, NULL, &error));
  g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (client_side), buf, 3, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (buf, n, "ack", 3);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (client_side),
                                            "more", 4, NULL, NULL, &error));
  g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (taker.server_side), buf, 4, &n, NULL, &error));
  g_assert_cmpmem (buf, n, "more", 4);

  g_io_stream_close (taker.server_side, NULL, NULL);
  g_object_unref (taker.server_side);
  g_bytes_unref (taker.opening);
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
test_no_connections (void)
{
  g_autoptr(GHashTable) net = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(TestMemTransport) transport = test_mem_transport_new (net, "mem-x");
  g_autoptr(GBytes) raw = g_bytes_new_static ("x", 1);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;

  /* A transport without open_connection fails cleanly. */
  gossip_transport_open_connection_async (GOSSIP_TRANSPORT (transport), "mem-x", raw, NULL,
                                          result_cb, &result);
  g_assert_true (test_wait_for (pointer_set, &result, WAIT_MS));
  stream = gossip_transport_open_connection_finish (GOSSIP_TRANSPORT (transport), result, &error);
  g_assert_null (stream);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/transport-public/cluster-on-mem-transport", test_cluster_on_mem_transport);
  g_test_add_func ("/transport-public/config-misuse", test_config_transport_misuse);
  g_test_add_func ("/transport-public/socket-connection", test_socket_connection);
  g_test_add_func ("/transport-public/no-connections", test_no_connections);

  return g_test_run ();
}
