/* gossip-transport.h: the interface that moves raw packets between nodes
 * (PROTOCOL.md §2, §3). */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include "gossip-version.h"

G_BEGIN_DECLS

/**
 * GossipRequestKind:
 * @GOSSIP_REQUEST_NO_REPLY: the request is written, then the connection is
 *   closed (reliable fire-and-forget sends, forwarded reliable gossip)
 * @GOSSIP_REQUEST_REPLY: after writing, the sender reads one
 *   length-prefixed packet back (join, push/pull, user reply types)
 *
 * What the sender of a reliable request waits for after writing it
 * (PROTOCOL.md §3.2).
 *
 * Since: 1.0
 */
typedef enum {
  GOSSIP_REQUEST_NO_REPLY,
  GOSSIP_REQUEST_REPLY,
} GossipRequestKind;

/**
 * GossipIncoming:
 *
 * A reliable request received by a [iface@Gossip.Transport], kept open
 * while the receiver may still reply.
 *
 * The receiver replies once with [method@Gossip.Incoming.reply], takes
 * the connection for a stream with
 * [method@Gossip.Incoming.steal_connection], or does neither: dropping the
 * last reference then closes the connection (a Go peer sees EOF, as with a
 * Go handler that returns nothing).
 *
 * Transports create one per request with [ctor@Gossip.Incoming.new].
 *
 * Since: 1.0
 */
typedef struct _GossipIncoming GossipIncoming;

/**
 * GossipIncomingDoneFunc:
 * @reply: (nullable): the reply packet (RAW_PACKET, no length prefix) to
 *   send back, or %NULL if there is none
 * @connection_taken: %TRUE if the receiver took the connection with
 *   [method@Gossip.Incoming.steal_connection]: the transport must then
 *   leave it alone
 * @user_data: the data given to [ctor@Gossip.Incoming.new]
 *
 * Tells the transport what became of a [struct@Gossip.Incoming]. It is
 * called exactly once: when the receiver replies (@reply set), when it
 * takes the connection (@connection_taken), or when the last reference
 * goes having done neither (both unset: close the connection without a
 * reply).
 *
 * Since: 1.0
 */
typedef void (* GossipIncomingDoneFunc) (GBytes   *reply,
                                         gboolean  connection_taken,
                                         gpointer  user_data);

#define GOSSIP_TYPE_INCOMING (gossip_incoming_get_type ())

GOSSIP_AVAILABLE_IN_1_0
GType           gossip_incoming_get_type           (void) G_GNUC_CONST;
GOSSIP_AVAILABLE_IN_1_0
GossipIncoming *gossip_incoming_new                (GSocketAddress         *remote_address,
                                                    GIOStream              *connection,
                                                    GossipIncomingDoneFunc  done_func,
                                                    gpointer                user_data,
                                                    GDestroyNotify          notify);
GOSSIP_AVAILABLE_IN_1_0
GossipIncoming *gossip_incoming_ref                (GossipIncoming         *self);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_incoming_unref              (GossipIncoming         *self);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_incoming_reply              (GossipIncoming         *self,
                                                    GBytes                 *raw);
GOSSIP_AVAILABLE_IN_1_0
GIOStream      *gossip_incoming_steal_connection   (GossipIncoming         *self);
GOSSIP_AVAILABLE_IN_1_0
GSocketAddress *gossip_incoming_get_remote_address (GossipIncoming         *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_incoming_is_done            (GossipIncoming         *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipIncoming, gossip_incoming_unref)

/**
 * GossipTransportReceiveFunc:
 * @raw: the packet (RAW_PACKET without any length prefix)
 * @reliable: whether it came over a reliable connection
 * @incoming: (nullable): the request, for a reply; %NULL for datagrams
 * @user_data: the data given to [method@Gossip.Transport.set_receive_func]
 *
 * Called on the transport's main context for every packet it receives.
 * The receiver refs @incoming to reply later.
 *
 * Since: 1.0
 */
typedef void (* GossipTransportReceiveFunc) (GBytes         *raw,
                                             gboolean        reliable,
                                             GossipIncoming *incoming,
                                             gpointer        user_data);

/**
 * GossipTransportCounters:
 * @datagrams_in: datagrams received
 * @datagrams_out: datagrams sent
 * @bytes_in: raw packet bytes received, all channels, no length prefixes
 * @bytes_out: raw packet bytes sent
 * @tcp_requests_in: reliable requests handed to the receiver
 * @tcp_requests_out: reliable requests whose write completed
 * @drops_oversize: length prefixes or messages above the packet limit (in or out)
 * @drops_timeout: inbound connections dropped after the I/O timeout
 * @drops_too_many_connections: inbound connections refused at the limit
 * @drops_send_failure: datagrams that could not be sent
 * @drops_too_many_requests: outbound requests refused: too many in flight
 * @drops_unauthorized: inbound upgrades refused for a missing or wrong
 *   token (WebSocket)
 * @drops_bad_frame: inbound messages dropped as malformed (a WebSocket
 *   text frame, a truncated request)
 * @drops_evicted: idle inbound connections closed to make room for a new
 *   one, at the per-source or the global connection limit
 * @accept_errors: failed accepts (such as running out of file
 *   descriptors), each pausing the listener for a backoff
 * @budget_waits: times an inbound request body paused because the bytes
 *   buffered across all connections reached the budget
 *
 * What went through a transport so far. A transport that does not count
 * something leaves it 0.
 *
 * Since: 1.0
 */
typedef struct {
  guint64 datagrams_in;
  guint64 datagrams_out;
  guint64 bytes_in;
  guint64 bytes_out;
  guint64 tcp_requests_in;
  guint64 tcp_requests_out;
  guint64 drops_oversize;
  guint64 drops_timeout;
  guint64 drops_too_many_connections;
  guint64 drops_send_failure;
  guint64 drops_too_many_requests;
  guint64 drops_unauthorized;
  guint64 drops_bad_frame;
  guint64 drops_evicted;
  guint64 accept_errors;
  guint64 budget_waits;
} GossipTransportCounters;

#define GOSSIP_TYPE_TRANSPORT (gossip_transport_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (GossipTransport, gossip_transport, GOSSIP, TRANSPORT, GObject)

/**
 * GossipTransportInterface:
 * @get_local_address: the address string peers should use to reach this
 *   node, or %NULL if there is none (a client-only WebSocket node)
 * @send_datagram: sends a packet best-effort; errors are logged and
 *   counted, never reported
 * @request_async: sends a packet over a reliable connection, reading one
 *   reply for %GOSSIP_REQUEST_REPLY
 * @request_finish: finishes @request_async: the reply, an empty #GBytes
 *   for %GOSSIP_REQUEST_NO_REPLY, or %NULL with an error
 * @open_connection_async: optional: dials, writes one request and hands
 *   the connection over (streams)
 * @open_connection_finish: finishes @open_connection_async
 * @forget_address: optional: drops any cached resolution of an address
 * @close: closes listeners and cancels everything in flight
 * @get_counters: optional: fills in what went through the transport
 *
 * The virtual methods of [iface@Gossip.Transport]. Implementations hand
 * every packet they receive to [method@Gossip.Transport.deliver].
 *
 * Since: 1.0
 */
struct _GossipTransportInterface
{
  GTypeInterface g_iface;

  char      * (* get_local_address)      (GossipTransport          *self);
  void        (* send_datagram)          (GossipTransport          *self,
                                          const char               *address,
                                          GBytes                   *raw);
  void        (* request_async)          (GossipTransport          *self,
                                          const char               *address,
                                          GBytes                   *raw,
                                          GossipRequestKind         kind,
                                          GCancellable             *cancellable,
                                          GAsyncReadyCallback       callback,
                                          gpointer                  user_data);
  GBytes    * (* request_finish)         (GossipTransport          *self,
                                          GAsyncResult             *result,
                                          GError                  **error);
  void        (* open_connection_async)  (GossipTransport          *self,
                                          const char               *address,
                                          GBytes                   *raw,
                                          GCancellable             *cancellable,
                                          GAsyncReadyCallback       callback,
                                          gpointer                  user_data);
  GIOStream * (* open_connection_finish) (GossipTransport          *self,
                                          GAsyncResult             *result,
                                          GError                  **error);
  void        (* forget_address)         (GossipTransport          *self,
                                          const char               *address);
  void        (* close)                  (GossipTransport          *self);
  void        (* get_counters)           (GossipTransport          *self,
                                          GossipTransportCounters  *out);

  /*< private >*/
  gpointer padding[8];
};

GOSSIP_AVAILABLE_IN_1_0
void       gossip_transport_set_receive_func      (GossipTransport            *self,
                                                   GossipTransportReceiveFunc  func,
                                                   gpointer                    user_data);
GOSSIP_AVAILABLE_IN_1_0
gboolean   gossip_transport_has_receiver          (GossipTransport            *self);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_transport_deliver               (GossipTransport            *self,
                                                   GBytes                     *raw,
                                                   gboolean                    reliable,
                                                   GossipIncoming             *incoming);
GOSSIP_AVAILABLE_IN_1_0
char      *gossip_transport_get_local_address     (GossipTransport            *self);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_transport_send_datagram         (GossipTransport            *self,
                                                   const char                 *address,
                                                   GBytes                     *raw);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_transport_request_async         (GossipTransport            *self,
                                                   const char                 *address,
                                                   GBytes                     *raw,
                                                   GossipRequestKind           kind,
                                                   GCancellable               *cancellable,
                                                   GAsyncReadyCallback         callback,
                                                   gpointer                    user_data);
GOSSIP_AVAILABLE_IN_1_0
GBytes    *gossip_transport_request_finish        (GossipTransport            *self,
                                                   GAsyncResult               *result,
                                                   GError                    **error);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_transport_open_connection_async (GossipTransport            *self,
                                                   const char                 *address,
                                                   GBytes                     *raw,
                                                   GCancellable               *cancellable,
                                                   GAsyncReadyCallback         callback,
                                                   gpointer                    user_data);
GOSSIP_AVAILABLE_IN_1_0
GIOStream *gossip_transport_open_connection_finish (GossipTransport           *self,
                                                   GAsyncResult               *result,
                                                   GError                    **error);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_transport_forget_address        (GossipTransport            *self,
                                                   const char                 *address);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_transport_close                 (GossipTransport            *self);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_transport_get_counters          (GossipTransport            *self,
                                                   GossipTransportCounters    *out);

G_END_DECLS
