/* gossip-transport-private.h: moves raw packets (PROTOCOL.md §2) between nodes.
 *
 * A transport knows bytes and address strings, nothing of membership. It
 * offers two services: best-effort datagrams and reliable requests (one
 * request per connection, with an optional reply), and hands every packet it
 * receives to one receive function. The socket transport (UDP + TCP) is the
 * first implementation; a WebSocket one can implement the same interface.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the sender of a reliable request waits for after writing it. */
typedef enum {
  GOSSIP_REQUEST_NO_REPLY,   /* write, then close */
  GOSSIP_REQUEST_REPLY,      /* read one length-prefixed packet back */
} GossipRequestKind;

/* A received reliable request, kept open while the receiver may reply.
 * Dropping the last reference without a reply closes the connection
 * (the Go peer then sees EOF, as with a Go handler that returns nothing). */
typedef struct _GossipIncoming GossipIncoming;

GossipIncoming *gossip_incoming_ref   (GossipIncoming *self);
void            gossip_incoming_unref (GossipIncoming *self);
/* Writes U32BE(len) ‖ @raw on the connection, then closes it. */
void            gossip_incoming_reply (GossipIncoming *self,
                                       GBytes         *raw);
/* The address the connection came from (for logs), or NULL. */
GSocketAddress *gossip_incoming_get_remote_address (GossipIncoming *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipIncoming, gossip_incoming_unref)

/* For transport implementations: what an incoming request does with its
 * connection. @reply is called at most once; @release once, on the last
 * unref, and must close the connection unless a reply is still being
 * written (then the reply's completion closes it). @funcs must outlive the
 * incoming (a static table). */
typedef struct {
  void (* reply)   (gpointer impl,
                    GBytes  *raw);
  void (* release) (gpointer impl);
} GossipIncomingFuncs;

GossipIncoming *gossip_incoming_new (const GossipIncomingFuncs *funcs,
                                     gpointer                   impl,
                                     GSocketAddress            *remote_address);

/* Called on the transport's main context for every packet received.
 * @incoming is NULL for datagrams; for reliable requests the receiver refs
 * it to reply later. @raw is RAW_PACKET without any length prefix. */
typedef void (* GossipTransportReceiveFunc) (GBytes         *raw,
                                             gboolean        reliable,
                                             GossipIncoming *incoming,
                                             gpointer        user_data);

typedef struct {
  guint64 datagrams_in;
  guint64 datagrams_out;
  guint64 bytes_in;            /* raw packet bytes, both UDP and TCP, no length prefixes */
  guint64 bytes_out;
  guint64 tcp_requests_in;     /* complete requests handed to the receive func */
  guint64 tcp_requests_out;    /* requests whose write completed */
  guint64 drops_oversize;      /* length prefix above tcp_max_packet (in or out) */
  guint64 drops_timeout;       /* inbound connections dropped after the io timeout */
  guint64 drops_too_many_connections;
  guint64 drops_send_failure;
  guint64 drops_too_many_requests;   /* outbound requests refused: too many in flight */  /* datagrams that could not be sent */
} GossipTransportCounters;

#define GOSSIP_TYPE_TRANSPORT (gossip_transport_get_type ())
G_DECLARE_INTERFACE (GossipTransport, gossip_transport, GOSSIP, TRANSPORT, GObject)

struct _GossipTransportInterface
{
  GTypeInterface g_iface;

  void      (* set_receive_func) (GossipTransport            *self,
                                  GossipTransportReceiveFunc  func,
                                  gpointer                    user_data);
  /* The address string peers should use to reach us, derived from the bind
   * address and the actual bound port; NULL if there is none (WS clients). */
  char    * (* get_local_address) (GossipTransport           *self);
  /* Fire and forget: errors are logged and counted, never reported. */
  void      (* send_datagram)    (GossipTransport            *self,
                                  const char                 *address,
                                  GBytes                     *raw);
  void      (* request_async)    (GossipTransport            *self,
                                  const char                 *address,
                                  GBytes                     *raw,
                                  GossipRequestKind           kind,
                                  GCancellable               *cancellable,
                                  GAsyncReadyCallback         callback,
                                  gpointer                    user_data);
  /* Returns the reply packet for GOSSIP_REQUEST_REPLY, an empty GBytes for
   * GOSSIP_REQUEST_NO_REPLY, NULL with @error on failure. */
  GBytes  * (* request_finish)   (GossipTransport            *self,
                                  GAsyncResult               *result,
                                  GError                    **error);
  /* Drops any cached resolution of @address (after a failure or when the
   * node stops being alive). */
  void      (* forget_address)   (GossipTransport            *self,
                                  const char                 *address);
  /* Closes listeners and cancels everything in flight. */
  void      (* close)            (GossipTransport            *self);
  /* Optional: what went through the transport so far. */
  void      (* get_counters)     (GossipTransport            *self,
                                  GossipTransportCounters    *out);
};

void     gossip_transport_set_receive_func  (GossipTransport            *self,
                                             GossipTransportReceiveFunc  func,
                                             gpointer                    user_data);
char    *gossip_transport_get_local_address (GossipTransport            *self);
void     gossip_transport_send_datagram     (GossipTransport            *self,
                                             const char                 *address,
                                             GBytes                     *raw);
void     gossip_transport_request_async     (GossipTransport            *self,
                                             const char                 *address,
                                             GBytes                     *raw,
                                             GossipRequestKind           kind,
                                             GCancellable               *cancellable,
                                             GAsyncReadyCallback         callback,
                                             gpointer                    user_data);
GBytes  *gossip_transport_request_finish    (GossipTransport            *self,
                                             GAsyncResult               *result,
                                             GError                    **error);
void     gossip_transport_forget_address    (GossipTransport            *self,
                                             const char                 *address);
void     gossip_transport_close             (GossipTransport            *self);
/* Zeroes @out for transports that count nothing. */
void     gossip_transport_get_counters      (GossipTransport            *self,
                                             GossipTransportCounters    *out);

G_END_DECLS
