/* gossip-websocket-stream-private.h: a GIOStream over one
 * SoupWebsocketConnection, the byte stream of PROTOCOL.md §3.3 (what TCP
 * carries, in binary messages) for connections that outlive a request. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The largest message sent or accepted: a stream frame of
 * stream-max-packet-size (8 MiB) plus its header and cipher overhead. */
#define GOSSIP_WEBSOCKET_STREAM_MAX_MESSAGE   (8 * 1024 * 1024 + 64 * 1024)
/* Unread bytes kept before the stream fails (see the type's comment). */
#define GOSSIP_WEBSOCKET_STREAM_BUFFER_LIMIT  (32 * 1024 * 1024)

#define GOSSIP_TYPE_WEBSOCKET_STREAM (gossip_websocket_stream_get_type ())
G_DECLARE_FINAL_TYPE (GossipWebsocketStream, gossip_websocket_stream, GOSSIP, WEBSOCKET_STREAM, GIOStream)

GossipWebsocketStream *gossip_websocket_stream_new              (SoupWebsocketConnection *ws,
                                                                 gsize                    buffer_limit,
                                                                 gsize                    max_message);
void                   gossip_websocket_stream_push             (GossipWebsocketStream   *self,
                                                                 const guint8            *data,
                                                                 gsize                    len);
void                   gossip_websocket_stream_set_max_message  (GossipWebsocketStream   *self,
                                                                 gsize                    max_message);
void                   gossip_websocket_stream_set_buffer_limit (GossipWebsocketStream   *self,
                                                                 gsize                    buffer_limit);
SoupWebsocketConnection *gossip_websocket_stream_get_connection (GossipWebsocketStream   *self);
gsize                  gossip_websocket_stream_get_buffered     (GossipWebsocketStream   *self);
gsize                  gossip_websocket_stream_get_buffered_peak (GossipWebsocketStream  *self);
guint64                gossip_websocket_stream_get_drops_bad_frame (GossipWebsocketStream *self);

G_END_DECLS
