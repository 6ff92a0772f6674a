/* gossip-socket-transport.h: the UDP + TCP GossipTransport
 * (PROTOCOL.md §3.1, §3.2, §14). */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include "gossip-version.h"
#include "gossip-transport.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_SOCKET_TRANSPORT (gossip_socket_transport_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipSocketTransport, gossip_socket_transport, GOSSIP, SOCKET_TRANSPORT, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipSocketTransport *gossip_socket_transport_new               (GInetSocketAddress    *bind_address,
                                                                  GError               **error);
GOSSIP_AVAILABLE_IN_1_0
GInetSocketAddress    *gossip_socket_transport_get_bound_address (GossipSocketTransport *self);
GOSSIP_AVAILABLE_IN_1_0
guint                  gossip_socket_transport_get_n_connections (GossipSocketTransport *self);

G_END_DECLS
