/* gossip-node.h: one member of a cluster, as seen by the local node. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"
#include "gossip-metadata.h"

G_BEGIN_DECLS

/**
 * GossipNodeState:
 * @GOSSIP_NODE_STATE_UNKNOWN: not (or no longer) in the node list
 * @GOSSIP_NODE_STATE_ALIVE: the node is a live member
 * @GOSSIP_NODE_STATE_LEAVING: the node announced a graceful leave
 * @GOSSIP_NODE_STATE_DEAD: the node was declared dead
 * @GOSSIP_NODE_STATE_SUSPECT: the node failed probes and is suspected dead
 *
 * The membership state of a node. The numeric values are those of the
 * wire protocol.
 *
 * Since: 1.0
 */
typedef enum {
  GOSSIP_NODE_STATE_UNKNOWN = 0,
  GOSSIP_NODE_STATE_ALIVE = 1,
  GOSSIP_NODE_STATE_LEAVING = 2,
  GOSSIP_NODE_STATE_DEAD = 3,
  GOSSIP_NODE_STATE_SUSPECT = 4,
} GossipNodeState;

#define GOSSIP_TYPE_NODE (gossip_node_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipNode, gossip_node, GOSSIP, NODE, GObject)

GOSSIP_AVAILABLE_IN_1_0
const char      *gossip_node_get_id                  (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
const char      *gossip_node_get_address             (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
GossipNodeState  gossip_node_get_state               (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
guint            gossip_node_get_protocol_version    (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
const char      *gossip_node_get_application_version (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
GossipMetadata  *gossip_node_get_metadata            (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean         gossip_node_is_local                (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
guint64          gossip_node_get_state_timestamp     (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
const char      *gossip_node_state_to_string         (GossipNodeState state);

G_END_DECLS
