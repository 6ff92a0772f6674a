/* gossip-cluster.h: a node of a gossip cluster, the façade of gossip-glib. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include "gossip-version.h"
#include "gossip-config.h"
#include "gossip-node.h"
#include "gossip-packet.h"
#include "gossip-stats.h"

G_BEGIN_DECLS

/**
 * GOSSIP_USER_MESSAGE_MIN:
 *
 * The lowest message type an application may register or send (64).
 * Types 64–127 are reserved for library extensions, 128 and up are the
 * application's.
 *
 * Since: 1.0
 */
#define GOSSIP_USER_MESSAGE_MIN 64

/**
 * GossipSendFlags:
 * @GOSSIP_SEND_NONE: best effort: UDP when the packet fits
 * @GOSSIP_SEND_RELIABLE: use a TCP connection
 *
 * How a message is sent, for [method@Gossip.Cluster.send_full]: the one
 * call behind gossip_cluster_send() and gossip_cluster_send_to(), which
 * also takes a list of targets (to send to some peers) and of IDs to avoid
 * (to send to all but some).
 *
 * Since: 1.0
 */
typedef enum {
  GOSSIP_SEND_NONE = 0,
  GOSSIP_SEND_RELIABLE = 1 << 0,
} GossipSendFlags;

#define GOSSIP_TYPE_CLUSTER (gossip_cluster_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipCluster, gossip_cluster, GOSSIP, CLUSTER, GObject)

/**
 * GossipHandlerFunc:
 * @cluster: the cluster
 * @sender: (nullable): the node that originated the message, if known
 * @packet: the message
 * @user_data: the data given at registration
 *
 * Handles a message of a registered type.
 *
 * Since: 1.0
 */
typedef void (* GossipHandlerFunc) (GossipCluster *cluster,
                                    GossipNode    *sender,
                                    GossipPacket  *packet,
                                    gpointer       user_data);

/**
 * GossipReplyFunc:
 * @cluster: the cluster
 * @sender: (nullable): the node that sent the request, if known
 * @packet: the request
 * @user_data: the data given at registration
 *
 * Answers a request sent with [method@Gossip.Cluster.send_to_with_response_async].
 *
 * Returns: (transfer full) (nullable): the reply value, or %NULL to close
 *   the connection without a reply
 *
 * Since: 1.0
 */
typedef GVariant * (* GossipReplyFunc) (GossipCluster *cluster,
                                        GossipNode    *sender,
                                        GossipPacket  *packet,
                                        gpointer       user_data);

GOSSIP_AVAILABLE_IN_1_0
GossipCluster  *gossip_cluster_new                (GossipConfig   *config,
                                                   GCancellable   *cancellable,
                                                   GError        **error);
GOSSIP_AVAILABLE_IN_1_0
GossipConfig   *gossip_cluster_get_config         (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_cluster_start              (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_cluster_stop               (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_is_running         (GossipCluster  *self);

GOSSIP_AVAILABLE_IN_1_0
void            gossip_cluster_join_async         (GossipCluster       *self,
                                                   const char * const  *peers,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_cluster_join_finish        (GossipCluster  *self,
                                                   GAsyncResult   *result,
                                                   GError        **error);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_cluster_leave              (GossipCluster  *self);

GOSSIP_AVAILABLE_IN_1_0
GossipNode     *gossip_cluster_get_local_node     (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
GossipMetadata *gossip_cluster_get_local_metadata (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_cluster_update_metadata    (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
const char     *gossip_cluster_get_advertise_address (GossipCluster *self);
GOSSIP_AVAILABLE_IN_1_0
GossipNode     *gossip_cluster_get_node           (GossipCluster  *self,
                                                   const char     *id);
GOSSIP_AVAILABLE_IN_1_0
GListModel     *gossip_cluster_get_nodes          (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
GPtrArray      *gossip_cluster_get_alive_nodes    (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_cluster_get_n_nodes        (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_cluster_get_n_alive        (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_cluster_get_n_suspect      (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_cluster_get_n_dead         (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_cluster_get_n_leaving      (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_install_key        (GossipCluster  *self,
                                                   GBytes         *key,
                                                   GError        **error);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_use_key            (GossipCluster  *self,
                                                   GBytes         *key,
                                                   GError        **error);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_remove_key         (GossipCluster  *self,
                                                   GBytes         *key,
                                                   GError        **error);
GOSSIP_AVAILABLE_IN_1_0
GossipStats    *gossip_cluster_get_stats          (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_cluster_calc_fan_out       (GossipCluster  *self);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_cluster_calc_payload_size  (GossipCluster  *self,
                                                   guint           n);

GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_handle             (GossipCluster     *self,
                                                   guint16            message_type,
                                                   GossipHandlerFunc  handler,
                                                   gpointer           user_data,
                                                   GDestroyNotify     destroy,
                                                   GError           **error);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_handle_no_forward  (GossipCluster     *self,
                                                   guint16            message_type,
                                                   GossipHandlerFunc  handler,
                                                   gpointer           user_data,
                                                   GDestroyNotify     destroy,
                                                   GError           **error);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_handle_with_reply  (GossipCluster     *self,
                                                   guint16            message_type,
                                                   GossipReplyFunc    handler,
                                                   gpointer           user_data,
                                                   GDestroyNotify     destroy,
                                                   GError           **error);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_unregister         (GossipCluster     *self,
                                                   guint16            message_type);

GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_send_full          (GossipCluster       *self,
                                                   guint16              message_type,
                                                   GVariant            *value,
                                                   GBytes              *raw_payload,
                                                   GossipSendFlags      flags,
                                                   GossipNode         **targets,
                                                   guint                n_targets,
                                                   const char * const  *exclude_ids,
                                                   GError             **error);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_send               (GossipCluster  *self,
                                                   guint16         message_type,
                                                   GVariant       *value,
                                                   GError        **error);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_cluster_send_to            (GossipCluster  *self,
                                                   GossipNode     *node,
                                                   guint16         message_type,
                                                   GVariant       *value,
                                                   GError        **error);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_cluster_send_to_with_response_async  (GossipCluster       *self,
                                                             GossipNode          *node,
                                                             guint16              message_type,
                                                             GVariant            *value,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
GOSSIP_AVAILABLE_IN_1_0
GossipPacket   *gossip_cluster_send_to_with_response_finish (GossipCluster  *self,
                                                             GAsyncResult   *result,
                                                             GError        **error);

G_END_DECLS
