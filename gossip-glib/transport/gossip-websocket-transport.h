/* gossip-websocket-transport.h: the WebSocket GossipTransport, on libsoup 3
 * (PROTOCOL.md §3.3). */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <libsoup/soup.h>
#include "gossip-version.h"
#include "gossip-transport.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_WEBSOCKET_TRANSPORT (gossip_websocket_transport_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipWebsocketTransport, gossip_websocket_transport, GOSSIP, WEBSOCKET_TRANSPORT, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipWebsocketTransport *gossip_websocket_transport_new            (GInetSocketAddress        *bind_address,
                                                                     const char                *bearer_token,
                                                                     GError                   **error);
GOSSIP_AVAILABLE_IN_1_0
void                      gossip_websocket_transport_add_handler    (GossipWebsocketTransport  *self,
                                                                     SoupServer                *server,
                                                                     const char                *path);
GOSSIP_AVAILABLE_IN_1_0
SoupServer               *gossip_websocket_transport_get_server     (GossipWebsocketTransport  *self);

G_END_DECLS
