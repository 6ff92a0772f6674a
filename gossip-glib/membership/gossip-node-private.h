/* gossip-node-private.h: what membership may change on a GossipNode. */
#pragma once

#include "gossip-node.h"
#include "gossip-node-id-private.h"

G_BEGIN_DECLS

GossipNode         *gossip_node_new                (const GossipNodeId *id,
                                                    const char         *address,
                                                    gboolean            local,
                                                    GossipMetadata     *metadata);
const GossipNodeId *gossip_node_get_node_id        (GossipNode         *self);
/* Only the node list calls this: it keeps the per-state counts. */
void                gossip_node_set_state_internal (GossipNode         *self,
                                                    GossipNodeState     state,
                                                    guint64             timestamp);
/* Set by membership just before a transition, so that the reason is
 * current when the state's notifications and signals fire. */
void                gossip_node_set_state_reason   (GossipNode         *self,
                                                    GossipStateReason   reason,
                                                    const char         *detail);
void                gossip_node_set_state_timestamp (GossipNode        *self,
                                                     guint64            timestamp);
void                gossip_node_set_address        (GossipNode         *self,
                                                    const char         *address);
void                gossip_node_set_versions       (GossipNode         *self,
                                                    guint               protocol_version,
                                                    const char         *app_version);
/* Monotonic time (µs) of the last packet received directly from the node. */
void                gossip_node_touch              (GossipNode         *self,
                                                    gint64              now);
gint64              gossip_node_get_last_activity  (GossipNode         *self);
/* Monotonic time (µs) at which the node entered its current state locally:
 * retention periods count from here, not from a remote clock. */
gint64              gossip_node_get_state_since    (GossipNode         *self);
/* Set once the node announced its leave; only a new join clears it, so
 * that stray packets cannot bring a departed node back. */
gboolean            gossip_node_get_departed       (GossipNode         *self);
/* The node's push/pull entry, kept while state, address and metadata stay
 * the same: lists are built often and the entries rarely change. */
GVariant           *gossip_node_get_cached_entry   (GossipNode         *self);
void                gossip_node_set_cached_entry   (GossipNode         *self,
                                                    GVariant           *entry);
/* Monotonic time (µs) of the node's last accepted join with us, or 0. */
gint64              gossip_node_get_joined_at      (GossipNode         *self);
void                gossip_node_set_joined_at      (GossipNode         *self,
                                                    gint64              when);
/* Monotonic time (µs) when this node spread the node's arrival to the
 * cluster (its own announcement forwarded, or ours), or 0. */
gint64              gossip_node_get_announced_at   (GossipNode         *self);
void                gossip_node_set_announced_at   (GossipNode         *self,
                                                    gint64              when);
void                gossip_node_set_departed       (GossipNode         *self,
                                                    gboolean            departed);

G_END_DECLS
