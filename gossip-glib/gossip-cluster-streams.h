/* gossip-cluster-streams.h: opening and accepting node-to-node streams
 * (PROTOCOL.md §8, BEHAVIOUR.md §9). */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include "gossip-version.h"
#include "gossip-cluster.h"
#include "gossip-stream.h"

G_BEGIN_DECLS

/**
 * GossipStreamHandlerFunc:
 * @cluster: the cluster
 * @sender: (nullable): the node that opened the stream, if known
 * @packet: the open request, with the opener's payload
 * @stream: the stream; take a reference to keep it: it closes when its
 *   last reference goes
 * @user_data: the data given at registration
 *
 * Accepts a stream opened with [method@Gossip.Cluster.open_stream_async].
 * Runs on the cluster's main context once the acknowledgement is written.
 *
 * Since: 1.0
 */
typedef void (* GossipStreamHandlerFunc) (GossipCluster *cluster,
                                          GossipNode    *sender,
                                          GossipPacket  *packet,
                                          GossipStream  *stream,
                                          gpointer       user_data);

GOSSIP_AVAILABLE_IN_1_0
gboolean      gossip_cluster_handle_stream      (GossipCluster           *self,
                                                 guint16                  message_type,
                                                 GossipStreamHandlerFunc  handler,
                                                 gpointer                 user_data,
                                                 GDestroyNotify           destroy,
                                                 GError                 **error);
GOSSIP_AVAILABLE_IN_1_0
void          gossip_cluster_open_stream_async  (GossipCluster           *self,
                                                 GossipNode              *node,
                                                 guint16                  message_type,
                                                 GVariant                *payload,
                                                 GCancellable            *cancellable,
                                                 GAsyncReadyCallback      callback,
                                                 gpointer                 user_data);
GOSSIP_AVAILABLE_IN_1_0
GossipStream *gossip_cluster_open_stream_finish (GossipCluster           *self,
                                                 GAsyncResult            *result,
                                                 GError                 **error);

G_END_DECLS
