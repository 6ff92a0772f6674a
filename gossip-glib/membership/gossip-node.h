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

/**
 * GossipStateReason:
 * @GOSSIP_STATE_REASON_UNKNOWN: no reason recorded: the local node while it
 *   runs, or a change through a path that records none
 * @GOSSIP_STATE_REASON_JOINED: a join between the node and us (either way),
 *   or the node came back after its leave with a newer alive claim of its own
 * @GOSSIP_STATE_REASON_LEARNED: first heard of from another member, in an
 *   alive announcement or a push/pull list; the detail names that member
 * @GOSSIP_STATE_REASON_PING_TIMEOUT: our probe got no answer, neither directly
 *   nor through the indirect helpers; the detail gives their number
 * @GOSSIP_STATE_REASON_SUSPICION: another node's suspicion; the detail names it
 * @GOSSIP_STATE_REASON_CONFIRMED: declared dead by a quorum of independent
 *   confirmations; the detail gives them ("confirmations N (quorum M)")
 * @GOSSIP_STATE_REASON_SUSPICION_TIMEOUT: declared dead when the suspicion
 *   timeout ran out without a refutation; the detail gives the time and the
 *   confirmations
 * @GOSSIP_STATE_REASON_REFUTED: alive again: the node refuted the suspicion
 *   with its own alive message
 * @GOSSIP_STATE_REASON_RECOVERED: alive again: the node answered a probe or
 *   sent us a packet directly
 * @GOSSIP_STATE_REASON_LEFT: the node announced its leave (its own message,
 *   or a push/pull report of it), or the local node left
 * @GOSSIP_STATE_REASON_DEAD_AFTER_LEAVE: a node that left is now dead: the
 *   suspect retention period passed, or another node reported it dead
 * @GOSSIP_STATE_REASON_MOVED: the node claimed, itself and more recently, to
 *   be alive at a new address
 * @GOSSIP_STATE_REASON_REMOVED: removed from the node list after the dead
 *   node retention period
 *
 * Why a node's state last changed, as the local node saw it:
 * [property@Gossip.Node:state-reason], with the specifics (which node, how
 * many helpers or confirmations) in [property@Gossip.Node:state-reason-detail].
 *
 * Since: 1.0
 */
typedef enum {
  GOSSIP_STATE_REASON_UNKNOWN = 0,
  GOSSIP_STATE_REASON_JOINED,
  GOSSIP_STATE_REASON_LEARNED,
  GOSSIP_STATE_REASON_PING_TIMEOUT,
  GOSSIP_STATE_REASON_SUSPICION,
  GOSSIP_STATE_REASON_CONFIRMED,
  GOSSIP_STATE_REASON_SUSPICION_TIMEOUT,
  GOSSIP_STATE_REASON_REFUTED,
  GOSSIP_STATE_REASON_RECOVERED,
  GOSSIP_STATE_REASON_LEFT,
  GOSSIP_STATE_REASON_DEAD_AFTER_LEAVE,
  GOSSIP_STATE_REASON_MOVED,
  GOSSIP_STATE_REASON_REMOVED,
} GossipStateReason;

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
GossipStateReason gossip_node_get_state_reason       (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
const char      *gossip_node_get_state_reason_detail (GossipNode *self);
GOSSIP_AVAILABLE_IN_1_0
const char      *gossip_node_state_to_string         (GossipNodeState state);
GOSSIP_AVAILABLE_IN_1_0
const char      *gossip_state_reason_to_string       (GossipStateReason reason);

G_END_DECLS
