/* gossip-cluster-streams.c: the cluster's side of streams (PROTOCOL.md §8).
 *
 * Opening: dial through the transport with the open request (the stream
 * type, TTL 1, the caller's payload), read exactly the 2 bytes 00 0B, and
 * wrap the connection. Accepting: a handler of kind HANDLER_STREAM gets
 * the packets of its type from the dispatcher; on a connection, the ack is
 * written unencrypted, the connection taken from the transport and handed
 * over as a GossipStream. Uses only the public GossipTransport and
 * GossipIncoming API, so it works over any transport that has connections.
 */
#include "config.h"

#include "gossip-cluster-private.h"
#include "gossip-cluster-streams.h"
#include "gossip-stream-private.h"
#include "gossip-packet-private.h"
#include "gossip-error.h"

#include <glib/gi18n-lib.h>

/* streamOpenAckMsg = 11, as a u16 BE */
static const guint8 stream_ack[2] = { 0x00, 0x0B };

static GossipStreamParams *
cluster_stream_params (GossipCluster *self)
{
  return gossip_stream_params_new (self->wire.codec, self->wire.compressor, self->wire.cipher,
                                   self->wire.key, self->wire.other_keys,
                                   self->wire.compress_min_size,
                                   self->cfg->stream_max_packet_size,
                                   self->cfg->tcp_max_packet_size);
}

/* ------------------------------------------------------------------ */
/* Accepting                                                           */

typedef struct {
  GossipCluster *cluster;
  GIOStream     *connection;
  GossipNode    *sender;    /* nullable */
  GossipPacket  *packet;
  Handler       *handler;   /* a reference: the handler may be unregistered meanwhile */
} Accept;

static void
accept_free (Accept *a)
{
  g_clear_object (&a->connection);
  g_clear_object (&a->sender);
  g_clear_pointer (&a->packet, gossip_packet_unref);
  gossip_cluster_handler_release (a->handler);
  g_clear_object (&a->cluster);
  g_free (a);
}

static void
ack_written_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Accept *a = user_data;
  g_autoptr(GError) error = NULL;
  GossipCluster *self = a->cluster;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_debug ("Stream of type %u not accepted: writing the ack failed: %s",
               gossip_packet_get_message_type (a->packet), error->message);
      gossip_cluster_count_drop (self, GOSSIP_DROP_SEND_FAILED, "stream ack");
    }
  else if (self->running)
    {
      g_autoptr(GossipStreamParams) params = cluster_stream_params (self);
      g_autoptr(GossipStream) stream = gossip_stream_new (a->connection, params);
      g_autoptr(GossipDispatch) dispatch = gossip_cluster_dispatch_begin (self);
      GossipStreamHandlerFunc func = (GossipStreamHandlerFunc) a->handler->stream_func;

      func (self, a->sender, a->packet, stream, a->handler->user_data);
    }
  accept_free (a);
}

/* Called by the dispatcher for a packet of a type registered with
 * gossip_cluster_handle_stream(). */
void
gossip_cluster_streams_dispatch (GossipCluster  *self,
                                 GossipReceived *rx,
                                 GossipNode     *sender,
                                 GossipPacket   *packet,
                                 Handler        *h)
{
  GIOStream *connection;
  Accept *a;

  if (rx->incoming == NULL)
    {
      g_debug ("Stream open of type %u arrived over UDP: dropped", rx->msg.envelope.type);
      gossip_cluster_count_drop (self, GOSSIP_DROP_WRONG_TRANSPORT, "stream open over UDP");
      return;
    }
  connection = gossip_incoming_steal_connection (rx->incoming);
  if (connection == NULL)
    {
      g_debug ("Stream open of type %u came without a connection to take: dropped",
               rx->msg.envelope.type);
      gossip_cluster_count_drop (self, GOSSIP_DROP_WRONG_TRANSPORT, "stream open without a connection");
      return;
    }

  a = g_new0 (Accept, 1);
  a->cluster = g_object_ref (self);
  a->connection = connection;
  a->sender = sender ? g_object_ref (sender) : NULL;
  a->packet = gossip_packet_ref (packet);
  a->handler = h;
  h->ref_count++;
  /* The ack is never encrypted nor framed (§8 step 2, §9). */
  g_output_stream_write_all_async (g_io_stream_get_output_stream (connection), stream_ack,
                                   sizeof stream_ack, G_PRIORITY_DEFAULT, self->cancellable,
                                   ack_written_cb, a);
}

/**
 * gossip_cluster_handle_stream:
 * @self: a cluster
 * @message_type: an application message type (64 or more)
 * @handler: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is unregistered
 * @error: return location for a #GError
 *
 * Registers the receiving side of streams of @message_type (Go's
 * HandleStreamFunc): when a node opens one with
 * [method@Gossip.Cluster.open_stream_async], the acknowledgement is sent
 * and @handler gets the stream. Such requests come over TCP or WebSocket
 * connections only; one that arrives over UDP is dropped and counted.
 * Remove it with [method@Gossip.Cluster.unregister].
 *
 * Returns: %TRUE on success; %FALSE with @error set if the type is reserved
 *   or already handled
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_handle_stream (GossipCluster           *self,
                              guint16                  message_type,
                              GossipStreamHandlerFunc  handler,
                              gpointer                 user_data,
                              GDestroyNotify           destroy,
                              GError                 **error)
{
  Handler *h;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);
  g_return_val_if_fail (handler != NULL, FALSE);

  h = g_new0 (Handler, 1);
  h->ref_count = 1;
  h->kind = HANDLER_STREAM;
  h->stream_func = (gpointer) handler;
  h->user_data = user_data;
  h->destroy = destroy;
  return gossip_cluster_register_handler (self, message_type, h, error);
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

typedef struct {
  GIOStream *connection;
  char      *address;
  guint8     ack[2];
  guint16    type;
} Open;

static void
open_free (Open *op)
{
  g_clear_object (&op->connection);
  g_free (op->address);
  g_free (op);
}

static void
ack_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GossipCluster *self = g_task_get_source_object (task);
  Open *op = g_task_get_task_data (task);
  GError *error = NULL;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (n < sizeof op->ack)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_NO_REPLY,
                               _("The peer closed the connection instead of accepting a stream of type %u "
                                 "(does it handle that type?)"), op->type);
      return;
    }
  if (memcmp (op->ack, stream_ack, sizeof stream_ack) != 0)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_PROTOCOL,
                               _("The peer answered a stream open with %02x %02x instead of 00 0b"),
                               op->ack[0], op->ack[1]);
      return;
    }
  {
    g_autoptr(GossipStreamParams) params = cluster_stream_params (self);

    g_task_return_pointer (task, gossip_stream_new (op->connection, params), g_object_unref);
  }
}

static void
connection_opened_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Open *op = g_task_get_task_data (task);
  GCancellable *cancellable;
  GError *error = NULL;

  op->connection = gossip_transport_open_connection_finish (GOSSIP_TRANSPORT (source), result, &error);
  if (op->connection == NULL)
    {
      /* As after a failed request: the address is resolved afresh next time. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        gossip_transport_forget_address (GOSSIP_TRANSPORT (source), op->address);
      g_task_return_error (task, error);
      return;
    }
  /* Go reads the ack without a deadline; here the caller's cancellable
   * bounds it, and a peer without a handler closes (EOF). */
  cancellable = g_task_get_cancellable (task);
  g_input_stream_read_all_async (g_io_stream_get_input_stream (op->connection), op->ack,
                                 sizeof op->ack, G_PRIORITY_DEFAULT, cancellable,
                                 ack_read_cb, g_steal_pointer (&task));
}

/**
 * gossip_cluster_open_stream_async:
 * @self: a cluster
 * @node: the node to open a stream to
 * @message_type: the stream type the node handles (64 or more)
 * @payload: (nullable): the payload of the open request, for the handler;
 *   %NULL sends nil
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the stream is open or failed
 * @user_data: data for @callback
 *
 * Opens a stream to @node (Go's OpenStream): dials it over the reliable
 * transport, sends the open request of @message_type and waits for the
 * acknowledgement. The node must have registered the type with
 * [method@Gossip.Cluster.handle_stream]; if it has not, it closes the
 * connection and the open fails with %GOSSIP_ERROR_NO_REPLY.
 *
 * Since: 1.0
 */
void
gossip_cluster_open_stream_async (GossipCluster       *self,
                                  GossipNode          *node,
                                  guint16              message_type,
                                  GVariant            *payload,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GVariant) owned = NULL;
  g_autoptr(GBytes) raw = NULL;
  GError *error = NULL;
  GossipEnvelope env;
  Open *op;

  g_return_if_fail (GOSSIP_IS_CLUSTER (self));
  g_return_if_fail (GOSSIP_IS_NODE (node));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gossip_cluster_open_stream_async);
  op = g_new0 (Open, 1);
  op->type = message_type;
  g_task_set_task_data (task, op, (GDestroyNotify) open_free);

  if (message_type < GOSSIP_USER_MESSAGE_MIN)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                               _("Message type %u is reserved: application types start at %u"),
                               message_type, GOSSIP_USER_MESSAGE_MIN);
      return;
    }
  if (!self->running)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                               _("The cluster is not running"));
      return;
    }

  owned = g_variant_ref_sink (payload ? payload : g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
  env = gossip_cluster_envelope (self, message_type, 1);
  raw = gossip_wire_encode_value (&self->wire, &env, owned, &error);
  if (raw == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_bytes_get_size (raw) > self->cfg->tcp_max_packet_size)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                               _("The stream open request is %" G_GSIZE_FORMAT " bytes, over tcp-max-packet-size (%u)"),
                               g_bytes_get_size (raw), self->cfg->tcp_max_packet_size);
      return;
    }
  gossip_router_count_packet_out (self->router);
  op->address = g_strdup (gossip_node_get_address (node));
  gossip_transport_open_connection_async (self->transport, op->address, raw,
                                          cancellable, connection_opened_cb, g_steal_pointer (&task));
}

/**
 * gossip_cluster_open_stream_finish:
 * @self: a cluster
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes opening a stream started with
 * [method@Gossip.Cluster.open_stream_async].
 *
 * Returns: (transfer full): the open stream, or %NULL with @error set
 *
 * Since: 1.0
 */
GossipStream *
gossip_cluster_open_stream_finish (GossipCluster  *self,
                                   GAsyncResult   *result,
                                   GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
