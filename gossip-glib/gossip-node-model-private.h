/* gossip-node-model-private.h: a read-only view of the cluster's node list. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GOSSIP_TYPE_NODE_MODEL (gossip_node_model_get_type ())
G_DECLARE_FINAL_TYPE (GossipNodeModel, gossip_node_model, GOSSIP, NODE_MODEL, GObject)

/* Wraps @model (the cluster's GListStore) so that applications get a
 * GListModel without the store's mutators. (transfer full) */
GListModel *gossip_node_model_new (GListModel *model);

G_END_DECLS
