/* gossip-node-list-private.h: the membership table of one cluster. */
#pragma once

#include <gio/gio.h>
#include "gossip-node-private.h"

G_BEGIN_DECLS

#define GOSSIP_STATE_BIT(s) (1u << (s))
#define GOSSIP_STATES_LIVE (GOSSIP_STATE_BIT (GOSSIP_NODE_STATE_ALIVE) | GOSSIP_STATE_BIT (GOSSIP_NODE_STATE_SUSPECT))

typedef struct _GossipNodeList GossipNodeList;

GossipNodeList *gossip_node_list_new        (void);
void            gossip_node_list_free       (GossipNodeList     *self);
GListModel     *gossip_node_list_get_model  (GossipNodeList     *self);
GossipNode     *gossip_node_list_lookup     (GossipNodeList     *self,
                                             const GossipNodeId *id);
/* Adds a node whose state is already set. */
void            gossip_node_list_add        (GossipNodeList     *self,
                                             GossipNode         *node);
/* The same; an unconfirmed node is listed and counted, but takes no part
 * in gossip_node_list_random*() until gossip_node_list_confirm(). */
void            gossip_node_list_add_full   (GossipNodeList     *self,
                                             GossipNode         *node,
                                             gboolean            confirmed);
/* Returns TRUE when @node was unconfirmed (and now is not). */
gboolean        gossip_node_list_confirm    (GossipNodeList     *self,
                                             GossipNode         *node);
gboolean        gossip_node_list_is_confirmed (GossipNodeList   *self,
                                               GossipNode       *node);
guint           gossip_node_list_n_unconfirmed (GossipNodeList  *self);
/* The unconfirmed nodes (transfer container; borrowed node pointers). */
GPtrArray      *gossip_node_list_unconfirmed (GossipNodeList    *self);
void            gossip_node_list_remove     (GossipNodeList     *self,
                                             GossipNode         *node);
/* Changes a node's state and keeps the counts. Returns the old state. */
GossipNodeState gossip_node_list_set_state  (GossipNodeList     *self,
                                             GossipNode         *node,
                                             GossipNodeState     state,
                                             guint64             timestamp);
guint           gossip_node_list_count      (GossipNodeList     *self,
                                             GossipNodeState     state);
guint           gossip_node_list_size       (GossipNodeList     *self);
/* All nodes (transfer container; borrowed node pointers), in insertion order. */
GPtrArray      *gossip_node_list_snapshot   (GossipNodeList     *self);
/* Up to @k distinct random confirmed nodes whose state is in @state_mask,
 * skipping @exclude (an array of GossipNodeId, may be NULL), in
 * O(k + n_exclude) expected. (transfer container) */
GPtrArray      *gossip_node_list_random     (GossipNodeList     *self,
                                             guint               k,
                                             guint               state_mask,
                                             const GossipNodeId *exclude,
                                             guint               n_exclude);
/* BEHAVIOUR.md §3.1 getRandomNodesForGossip, except that k = 1 yields a live
 * node rather than only dead ones (Go bug §12.6). (transfer container) */
GPtrArray      *gossip_node_list_random_for_gossip (GossipNodeList     *self,
                                                    guint               k,
                                                    const GossipNodeId *exclude,
                                                    guint               n_exclude);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipNodeList, gossip_node_list_free)

G_END_DECLS
