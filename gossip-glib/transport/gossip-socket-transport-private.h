/* gossip-socket-transport-private.h: the socket transport as the cluster
 * builds it, from one struct of limits. */
#pragma once

#include <gio/gio.h>

#include "gossip-transport-private.h"
#include "gossip-socket-transport.h"

G_BEGIN_DECLS

#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_UDP_MAX_PACKET   1400
#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_TCP_MAX_PACKET   4194304
#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_DIAL_TIMEOUT_MS  2000
#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_IO_TIMEOUT_MS    2000
#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_MAX_CONNECTIONS  256
#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_MAX_REQUESTS     1024
#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_PORT             3500
#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_MAX_PER_SOURCE   32
#define GOSSIP_SOCKET_TRANSPORT_DEFAULT_INBOUND_BUDGET   (64 * 1024 * 1024)
/* Resolved addresses kept, least recently used dropped first: enough for
 * every member of a 4096-node cluster plus its seeds, about half a
 * megabyte, and a stranger naming new literals can only churn it. */
#define GOSSIP_SOCKET_TRANSPORT_ADDRESS_CACHE_MAX        4096

/* A zero field means its default (above), so a zeroed struct (or NULL)
 * gives Go's defaults. Each field is also a property of the transport. */
typedef struct {
  gsize      udp_max_packet;   /* for the caller's UDP/TCP choice (§13); receive buffer is 65535 */
  gsize      tcp_max_packet;   /* largest length prefix accepted, either direction */
  guint      dial_timeout_ms;
  guint      io_timeout_ms;    /* per read or write operation */
  guint      max_connections;  /* inbound TCP connections open at once */
  guint      max_per_source;   /* of them, from one source IP address */
  gsize      inbound_budget;   /* request body bytes buffered across all inbound connections */
  guint      max_requests;     /* outbound requests in flight at once */
  guint16    default_port;     /* for address strings without one */
  gboolean   prefer_ipv6;
  GResolver *resolver;         /* (nullable): NULL for the default resolver */
} GossipSocketTransportLimits;

/* Binds a TCP listener (and, with @enable_udp, a UDP socket) on @bind; port
 * 0 picks one free for both. All sources and callbacks run on the
 * thread-default main context of the caller. */
GossipSocketTransport *gossip_socket_transport_new_with_limits (GInetSocketAddress                *bind,
                                                                gboolean                           enable_udp,
                                                                const GossipSocketTransportLimits *limits,
                                                                GError                           **error);

/* The limits in force, defaults filled in. */
const GossipSocketTransportLimits *
                       gossip_socket_transport_get_limits        (GossipSocketTransport *self);
void                   gossip_socket_transport_get_counters      (GossipSocketTransport   *self,
                                                                  GossipTransportCounters *out);
/* Entries in the address cache (bounded by ..._ADDRESS_CACHE_MAX). */
guint                  gossip_socket_transport_get_n_cached      (GossipSocketTransport   *self);
/* Request body bytes buffered now across inbound connections. */
gsize                  gossip_socket_transport_get_inbound_bytes (GossipSocketTransport   *self);

/* The source of the datagram being delivered, while its receiver runs;
 * NULL otherwise, for TCP, and for other transports. (transfer none) */
GSocketAddress *gossip_socket_transport_get_datagram_source (GossipTransport *transport);

G_END_DECLS
