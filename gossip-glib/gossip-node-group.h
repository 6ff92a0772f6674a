/* gossip-node-group.h: the nodes of a cluster whose metadata matches criteria. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include "gossip-version.h"
#include "gossip-cluster.h"
#include "gossip-node.h"

G_BEGIN_DECLS

/**
 * GOSSIP_CRITERION_ANY_VALUE:
 *
 * A criterion value that matches a key present with any value ("*").
 *
 * Since: 1.0
 */
#define GOSSIP_CRITERION_ANY_VALUE "*"

/**
 * GOSSIP_CRITERION_CONTAINS_PREFIX:
 *
 * The prefix of a criterion value that matches when the node's value (in
 * its string form) contains the rest as a substring ("~").
 *
 * Since: 1.0
 */
#define GOSSIP_CRITERION_CONTAINS_PREFIX "~"

#define GOSSIP_TYPE_NODE_GROUP (gossip_node_group_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipNodeGroup, gossip_node_group, GOSSIP, NODE_GROUP, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipNodeGroup *gossip_node_group_new          (GossipCluster       *cluster,
                                                 GHashTable          *criteria,
                                                 GError             **error);
GOSSIP_AVAILABLE_IN_1_0
GossipNodeGroup *gossip_node_group_new_from_strv (GossipCluster      *cluster,
                                                  const char * const *keys,
                                                  const char * const *values,
                                                  GError            **error);
GOSSIP_AVAILABLE_IN_1_0
GossipCluster   *gossip_node_group_get_cluster  (GossipNodeGroup     *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean         gossip_node_group_matches      (GossipNodeGroup     *self,
                                                 GossipNode          *node);
GOSSIP_AVAILABLE_IN_1_0
gboolean         gossip_node_group_contains     (GossipNodeGroup     *self,
                                                 const char          *node_id);
GOSSIP_AVAILABLE_IN_1_0
guint            gossip_node_group_get_count    (GossipNodeGroup     *self);
GOSSIP_AVAILABLE_IN_1_0
GPtrArray       *gossip_node_group_get_nodes    (GossipNodeGroup     *self,
                                                 const char * const  *exclude_ids);
GOSSIP_AVAILABLE_IN_1_0
gboolean         gossip_node_group_set_data     (GossipNodeGroup     *self,
                                                 const char          *node_id,
                                                 gpointer             data,
                                                 GDestroyNotify       destroy);
GOSSIP_AVAILABLE_IN_1_0
gpointer         gossip_node_group_get_data     (GossipNodeGroup     *self,
                                                 const char          *node_id);
GOSSIP_AVAILABLE_IN_1_0
gboolean         gossip_node_group_set_object   (GossipNodeGroup     *self,
                                                 const char          *node_id,
                                                 GObject             *object);
GOSSIP_AVAILABLE_IN_1_0
GObject         *gossip_node_group_get_object   (GossipNodeGroup     *self,
                                                 const char          *node_id);
GOSSIP_AVAILABLE_IN_1_0
gboolean         gossip_node_group_send_to_peers (GossipNodeGroup    *self,
                                                  guint16             message_type,
                                                  GVariant           *value,
                                                  GossipSendFlags     flags,
                                                  GError            **error);
GOSSIP_AVAILABLE_IN_1_0
void             gossip_node_group_close        (GossipNodeGroup     *self);

G_END_DECLS
