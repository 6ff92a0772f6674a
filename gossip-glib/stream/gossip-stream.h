/* gossip-stream.h: a node-to-node stream, framed, compressed and encrypted
 * as PROTOCOL.md §8 says. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include "gossip-version.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_STREAM (gossip_stream_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipStream, gossip_stream, GOSSIP, STREAM, GIOStream)

GOSSIP_AVAILABLE_IN_1_0
GIOStream *gossip_stream_get_base_stream           (GossipStream *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean   gossip_stream_is_framed                 (GossipStream *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean   gossip_stream_get_compression_enabled   (GossipStream *self);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_stream_set_compression_enabled   (GossipStream *self,
                                                    gboolean      enabled);

GOSSIP_AVAILABLE_IN_1_0
void       gossip_stream_write_message_async       (GossipStream        *self,
                                                    guint16              message_type,
                                                    GVariant            *value,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GOSSIP_AVAILABLE_IN_1_0
gboolean   gossip_stream_write_message_finish      (GossipStream        *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
GOSSIP_AVAILABLE_IN_1_0
void       gossip_stream_read_message_async        (GossipStream        *self,
                                                    guint16              expected_type,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
GOSSIP_AVAILABLE_IN_1_0
GVariant  *gossip_stream_read_message_finish       (GossipStream        *self,
                                                    GAsyncResult        *result,
                                                    guint16             *message_type,
                                                    GError             **error);

G_END_DECLS
