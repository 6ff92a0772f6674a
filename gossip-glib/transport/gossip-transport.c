/* gossip-transport.c: the GossipTransport interface and GossipIncoming.
 *
 * The interface is what the cluster uses to move raw packets without
 * knowing whether they travel over UDP/TCP, WebSocket or something an
 * application wrote. GossipIncoming is shared by all implementations: a
 * refcounted handle on a received reliable request that lets the receiver
 * reply later, take the connection, or close it by letting go.
 *
 * The receiver is kept here (object data), not in each implementation, so
 * that an implementation only has to call gossip_transport_deliver(). */
#include "config.h"

#include <string.h>

#include "gossip-transport-private.h"
#include "gossip-error.h"

/**
 * GossipTransport:
 *
 * Moves raw packets (PROTOCOL.md §2) between nodes. A transport knows
 * bytes and address strings, nothing of membership. It offers
 * best-effort datagrams, reliable requests (one request per connection,
 * with an optional reply), and optionally reliable connections that
 * outlive their request (streams); it hands every packet it receives to
 * [method@Gossip.Transport.deliver], on the main context it runs on.
 *
 * [class@Gossip.SocketTransport] (UDP and TCP, as a Go node in socket
 * mode) is what a [class@Gossip.Cluster] uses unless
 * [property@Gossip.Config:transport] names another, such as a
 * [class@Gossip.WebsocketTransport] or one written by the application.
 *
 * A transport serves one cluster at a time.
 *
 * Since: 1.0
 */
G_DEFINE_INTERFACE (GossipTransport, gossip_transport, G_TYPE_OBJECT)

G_DEFINE_BOXED_TYPE (GossipIncoming, gossip_incoming, gossip_incoming_ref, gossip_incoming_unref)

typedef struct {
  GossipTransportReceiveFunc func;
  gpointer                   user_data;
} Receiver;

static GQuark receiver_quark;

static void
gossip_transport_default_init (GossipTransportInterface *iface)
{
  receiver_quark = g_quark_from_static_string ("gossip-transport-receiver");
}

/**
 * gossip_transport_set_receive_func: (skip)
 * @self: a transport
 * @func: (nullable): called for every packet received, or %NULL to stop
 * @user_data: data for @func
 *
 * Sets who receives the packets the transport delivers. The cluster calls
 * this; so does a transport that wraps another one (a decorator) on the
 * transport it wraps.
 *
 * Since: 1.0
 */
void
gossip_transport_set_receive_func (GossipTransport            *self,
                                   GossipTransportReceiveFunc  func,
                                   gpointer                    user_data)
{
  Receiver *receiver = NULL;

  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));

  if (func != NULL)
    {
      receiver = g_new0 (Receiver, 1);
      receiver->func = func;
      receiver->user_data = user_data;
    }
  g_object_set_qdata_full (G_OBJECT (self), receiver_quark, receiver, g_free);
}

/**
 * gossip_transport_has_receiver:
 * @self: a transport
 *
 * Tells whether a cluster receives through the transport.
 *
 * Returns: whether someone (a cluster) receives this transport's packets
 *
 * Since: 1.0
 */
gboolean
gossip_transport_has_receiver (GossipTransport *self)
{
  g_return_val_if_fail (GOSSIP_IS_TRANSPORT (self), FALSE);

  return g_object_get_qdata (G_OBJECT (self), receiver_quark) != NULL;
}

/**
 * gossip_transport_deliver:
 * @self: a transport
 * @raw: the packet received (RAW_PACKET, without any length prefix)
 * @reliable: whether it came over a reliable connection
 * @incoming: (nullable): the request, if the sender may wait for a reply
 *   or the connection may carry a stream; %NULL for datagrams
 *
 * For implementations: hands one received packet to the receiver. Call it
 * on the transport's main context. Packets delivered with no receiver set
 * are dropped. The receiver takes its own reference on @incoming if it
 * replies later; the caller keeps (and drops) its own.
 *
 * Since: 1.0
 */
void
gossip_transport_deliver (GossipTransport *self,
                          GBytes          *raw,
                          gboolean         reliable,
                          GossipIncoming  *incoming)
{
  Receiver *receiver;

  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));
  g_return_if_fail (raw != NULL);

  receiver = g_object_get_qdata (G_OBJECT (self), receiver_quark);
  if (receiver == NULL)
    {
      g_debug ("Dropping a %" G_GSIZE_FORMAT "-byte packet: the transport has no receiver",
               g_bytes_get_size (raw));
      return;
    }
  receiver->func (raw, reliable, incoming, receiver->user_data);
}

/**
 * gossip_transport_get_local_address:
 * @self: a transport
 *
 * Gets the address the transport can be reached at, if it listens.
 *
 * Returns: (transfer full) (nullable): the address string peers should
 *   use to reach this node, derived from what the transport is bound to,
 *   or %NULL if it listens nowhere
 *
 * Since: 1.0
 */
char *
gossip_transport_get_local_address (GossipTransport *self)
{
  GossipTransportInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_TRANSPORT (self), NULL);

  iface = GOSSIP_TRANSPORT_GET_IFACE (self);
  if (iface->get_local_address == NULL)
    return NULL;
  return iface->get_local_address (self);
}

/**
 * gossip_transport_send_datagram:
 * @self: a transport
 * @address: the peer's address string
 * @raw: the packet
 *
 * Sends @raw best-effort: no error is reported, failures are logged and
 * counted. A transport without datagrams sends it reliably.
 *
 * Since: 1.0
 */
void
gossip_transport_send_datagram (GossipTransport *self,
                                const char      *address,
                                GBytes          *raw)
{
  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (raw != NULL);

  GOSSIP_TRANSPORT_GET_IFACE (self)->send_datagram (self, address, raw);
}

/**
 * gossip_transport_request_async:
 * @self: a transport
 * @address: the peer's address string
 * @raw: the request packet
 * @kind: whether to wait for a reply
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the request is done
 * @user_data: data for @callback
 *
 * Sends @raw over a new reliable connection, as one length-prefixed
 * request (PROTOCOL.md §3.2), and with %GOSSIP_REQUEST_REPLY reads one
 * length-prefixed reply packet back.
 *
 * Since: 1.0
 */
void
gossip_transport_request_async (GossipTransport     *self,
                                const char          *address,
                                GBytes              *raw,
                                GossipRequestKind    kind,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (raw != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  GOSSIP_TRANSPORT_GET_IFACE (self)->request_async (self, address, raw, kind,
                                                    cancellable, callback, user_data);
}

/**
 * gossip_transport_request_finish:
 * @self: a transport
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes a request started with [method@Gossip.Transport.request_async].
 *
 * Returns: (transfer full): the reply packet for %GOSSIP_REQUEST_REPLY,
 *   an empty #GBytes for %GOSSIP_REQUEST_NO_REPLY, or %NULL with @error
 *   set
 *
 * Since: 1.0
 */
GBytes *
gossip_transport_request_finish (GossipTransport  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (GOSSIP_IS_TRANSPORT (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return GOSSIP_TRANSPORT_GET_IFACE (self)->request_finish (self, result, error);
}

/**
 * gossip_transport_open_connection_async:
 * @self: a transport
 * @address: the peer's address string
 * @raw: the request packet that opens the connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the connection is open
 * @user_data: data for @callback
 *
 * Dials @address, writes @raw as one length-prefixed request and hands
 * the connection over: the bytes that follow on it belong to the caller
 * (a stream, PROTOCOL.md §8). The receiving side gets the request with a
 * [struct@Gossip.Incoming] whose connection it takes with
 * [method@Gossip.Incoming.steal_connection].
 *
 * Transports without such connections fail with %G_IO_ERROR_NOT_SUPPORTED.
 *
 * Since: 1.0
 */
void
gossip_transport_open_connection_async (GossipTransport     *self,
                                        const char          *address,
                                        GBytes              *raw,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  GossipTransportInterface *iface;

  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (raw != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  iface = GOSSIP_TRANSPORT_GET_IFACE (self);
  if (iface->open_connection_async == NULL || iface->open_connection_finish == NULL)
    {
      g_task_report_new_error (self, callback, user_data, gossip_transport_open_connection_async,
                               G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               "%s has no connections", G_OBJECT_TYPE_NAME (self));
      return;
    }
  iface->open_connection_async (self, address, raw, cancellable, callback, user_data);
}

/**
 * gossip_transport_open_connection_finish:
 * @self: a transport
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes opening a connection started with
 * [method@Gossip.Transport.open_connection_async].
 *
 * Returns: (transfer full): the connection, positioned after the request,
 *   or %NULL with @error set
 *
 * Since: 1.0
 */
GIOStream *
gossip_transport_open_connection_finish (GossipTransport  *self,
                                         GAsyncResult     *result,
                                         GError          **error)
{
  g_return_val_if_fail (GOSSIP_IS_TRANSPORT (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_async_result_is_tagged (result, gossip_transport_open_connection_async))
    return g_task_propagate_pointer (G_TASK (result), error);
  return GOSSIP_TRANSPORT_GET_IFACE (self)->open_connection_finish (self, result, error);
}

/**
 * gossip_transport_forget_address:
 * @self: a transport
 * @address: (nullable): an address string
 *
 * Drops any cached resolution of @address (after a failure, or when the
 * node stops being alive).
 *
 * Since: 1.0
 */
void
gossip_transport_forget_address (GossipTransport *self,
                                 const char      *address)
{
  GossipTransportInterface *iface;

  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));

  iface = GOSSIP_TRANSPORT_GET_IFACE (self);
  if (address != NULL && iface->forget_address != NULL)
    iface->forget_address (self, address);
}

/**
 * gossip_transport_close:
 * @self: a transport
 *
 * Closes listeners and cancels everything in flight. Nothing is delivered
 * afterwards. Closing twice is harmless.
 *
 * Since: 1.0
 */
void
gossip_transport_close (GossipTransport *self)
{
  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));

  gossip_transport_set_receive_func (self, NULL, NULL);
  GOSSIP_TRANSPORT_GET_IFACE (self)->close (self);
}

/**
 * gossip_transport_get_counters:
 * @self: a transport
 * @out: (out caller-allocates): where to store the counters
 *
 * Fills in what went through the transport so far; zeroes for a
 * transport that counts nothing.
 *
 * Since: 1.0
 */
void
gossip_transport_get_counters (GossipTransport         *self,
                               GossipTransportCounters *out)
{
  GossipTransportInterface *iface;

  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));
  g_return_if_fail (out != NULL);

  memset (out, 0, sizeof *out);
  iface = GOSSIP_TRANSPORT_GET_IFACE (self);
  if (iface->get_counters != NULL)
    iface->get_counters (self, out);
}

/* ---- GossipIncoming ---- */

struct _GossipIncoming
{
  gatomicrefcount         ref_count;
  GSocketAddress         *remote_address;
  GIOStream              *connection;
  GossipIncomingDoneFunc  done_func;
  gpointer                user_data;
  GDestroyNotify          notify;
  gboolean                done;
};

/**
 * gossip_incoming_new:
 * @remote_address: (nullable): where the request came from, for logs
 * @connection: (nullable): the connection the request came on, if a
 *   receiver may take it for a stream
 * @done_func: (scope notified) (closure user_data) (destroy notify): told
 *   exactly once what became of the request
 * @user_data: data for @done_func
 * @notify: (nullable): frees @user_data when the incoming is freed
 *
 * For transport implementations: wraps a received reliable request.
 * Deliver it with [method@Gossip.Transport.deliver], then drop your
 * reference: @done_func tells you to send the reply, to leave the
 * connection to the receiver, or to close it.
 *
 * Returns: (transfer full): a new incoming request
 *
 * Since: 1.0
 */
GossipIncoming *
gossip_incoming_new (GSocketAddress         *remote_address,
                     GIOStream              *connection,
                     GossipIncomingDoneFunc  done_func,
                     gpointer                user_data,
                     GDestroyNotify          notify)
{
  GossipIncoming *self;

  g_return_val_if_fail (remote_address == NULL || G_IS_SOCKET_ADDRESS (remote_address), NULL);
  g_return_val_if_fail (connection == NULL || G_IS_IO_STREAM (connection), NULL);
  g_return_val_if_fail (done_func != NULL, NULL);

  self = g_new0 (GossipIncoming, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->remote_address = remote_address != NULL ? g_object_ref (remote_address) : NULL;
  self->connection = connection != NULL ? g_object_ref (connection) : NULL;
  self->done_func = done_func;
  self->user_data = user_data;
  self->notify = notify;
  return self;
}

/**
 * gossip_incoming_ref:
 * @self: an incoming request
 *
 * Takes a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
GossipIncoming *
gossip_incoming_ref (GossipIncoming *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * gossip_incoming_unref:
 * @self: (transfer full): an incoming request
 *
 * Drops a reference. The last one closes the connection if the receiver
 * neither replied nor took it.
 *
 * Since: 1.0
 */
void
gossip_incoming_unref (GossipIncoming *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  if (!self->done)
    {
      self->done = TRUE;
      self->done_func (NULL, FALSE, self->user_data);
    }
  if (self->notify != NULL)
    self->notify (self->user_data);
  g_clear_object (&self->connection);
  g_clear_object (&self->remote_address);
  g_free (self);
}

/**
 * gossip_incoming_reply:
 * @self: an incoming request
 * @raw: the reply packet (RAW_PACKET)
 *
 * Sends @raw back on the request's connection (length-prefixed), which
 * the transport then closes. The protocol allows one reply: later calls,
 * and calls after the connection was taken, are ignored.
 *
 * Since: 1.0
 */
void
gossip_incoming_reply (GossipIncoming *self,
                       GBytes         *raw)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (raw != NULL);

  if (self->done)
    {
      g_debug ("Ignoring a reply on an incoming request already answered or taken");
      return;
    }
  self->done = TRUE;
  self->done_func (raw, FALSE, self->user_data);
}

/**
 * gossip_incoming_steal_connection:
 * @self: an incoming request
 *
 * Takes the connection the request came on, to carry what follows it (a
 * stream: the ack and the frames of PROTOCOL.md §8). The transport no
 * longer reads, writes, times out or closes it.
 *
 * Returns: (transfer full) (nullable): the connection, or %NULL if the
 *   transport has none to give or the request was already answered
 *
 * Since: 1.0
 */
GIOStream *
gossip_incoming_steal_connection (GossipIncoming *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->done || self->connection == NULL)
    return NULL;
  self->done = TRUE;
  self->done_func (NULL, TRUE, self->user_data);
  return g_steal_pointer (&self->connection);
}

/**
 * gossip_incoming_get_remote_address:
 * @self: an incoming request
 *
 * Gets the address of the peer that sent the request, as "host:port".
 *
 * Returns: (transfer none) (nullable): the address the request came
 *   from, if the transport knows it
 *
 * Since: 1.0
 */
GSocketAddress *
gossip_incoming_get_remote_address (GossipIncoming *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->remote_address;
}

/**
 * gossip_incoming_is_done:
 * @self: an incoming request
 *
 * Tells whether the request was already answered or closed.
 *
 * Returns: whether the request was answered or its connection taken
 *
 * Since: 1.0
 */
gboolean
gossip_incoming_is_done (GossipIncoming *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->done;
}
