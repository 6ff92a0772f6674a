/* gossip-node-model.c: a read-only GListModel over the cluster's nodes.
 *
 * The membership table keeps its nodes in a GListStore. Handing that store
 * to applications would let them call g_list_store_remove_all() (Python:
 * store.remove_all()) and leave the table's counts and lookups out of step
 * with its list; this thin model forwards reads and items-changed and
 * offers nothing else.
 */
#include "config.h"

#include "gossip-node-model-private.h"
#include "gossip-node.h"

struct _GossipNodeModel
{
  GObject     parent_instance;
  GListModel *model;
  gulong      changed_id;
};

static void gossip_node_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipNodeModel, gossip_node_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, gossip_node_model_iface_init))

static GType
gossip_node_model_get_item_type (GListModel *list)
{
  return GOSSIP_TYPE_NODE;
}

static guint
gossip_node_model_get_n_items (GListModel *list)
{
  return g_list_model_get_n_items (GOSSIP_NODE_MODEL (list)->model);
}

static gpointer
gossip_node_model_get_item (GListModel *list,
                            guint       position)
{
  return g_list_model_get_item (GOSSIP_NODE_MODEL (list)->model, position);
}

static void
gossip_node_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = gossip_node_model_get_item_type;
  iface->get_n_items = gossip_node_model_get_n_items;
  iface->get_item = gossip_node_model_get_item;
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  gpointer    user_data)
{
  g_list_model_items_changed (G_LIST_MODEL (user_data), position, removed, added);
}

static void
gossip_node_model_dispose (GObject *object)
{
  GossipNodeModel *self = GOSSIP_NODE_MODEL (object);

  g_clear_signal_handler (&self->changed_id, self->model);
  g_clear_object (&self->model);
  G_OBJECT_CLASS (gossip_node_model_parent_class)->dispose (object);
}

static void
gossip_node_model_class_init (GossipNodeModelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = gossip_node_model_dispose;
}

static void
gossip_node_model_init (GossipNodeModel *self)
{
}

GListModel *
gossip_node_model_new (GListModel *model)
{
  GossipNodeModel *self = g_object_new (GOSSIP_TYPE_NODE_MODEL, NULL);

  self->model = g_object_ref (model);
  self->changed_id = g_signal_connect (model, "items-changed", G_CALLBACK (items_changed_cb), self);
  return G_LIST_MODEL (self);
}
