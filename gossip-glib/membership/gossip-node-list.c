/* gossip-node-list.c: the membership table of one cluster.
 *
 * A hash table for lookups by ID, a GListStore so that applications (and
 * GTK list views) can follow membership, and per-state counters kept in step
 * with every state change, which only this file performs.
 */
#include "config.h"

#include "gossip-node-list-private.h"

struct _GossipNodeList
{
  GHashTable *by_id;    /* GossipNodeId* (owned by the node) -> GossipNode* (ref) */
  GPtrArray  *nodes;    /* GossipNode*, insertion order, borrowed from by_id */
  GListStore *model;
  guint       counts[GOSSIP_NODE_STATE_SUSPECT + 1];
};

GossipNodeList *
gossip_node_list_new (void)
{
  GossipNodeList *self = g_new0 (GossipNodeList, 1);

  self->by_id = g_hash_table_new_full (gossip_node_id_hash, gossip_node_id_equal,
                                       NULL, g_object_unref);
  self->nodes = g_ptr_array_new ();
  self->model = g_list_store_new (GOSSIP_TYPE_NODE);
  return self;
}

void
gossip_node_list_free (GossipNodeList *self)
{
  if (self == NULL)
    return;
  g_list_store_remove_all (self->model);
  g_object_unref (self->model);
  g_ptr_array_unref (self->nodes);
  g_hash_table_unref (self->by_id);
  g_free (self);
}

GListModel *
gossip_node_list_get_model (GossipNodeList *self)
{
  return G_LIST_MODEL (self->model);
}

GossipNode *
gossip_node_list_lookup (GossipNodeList     *self,
                         const GossipNodeId *id)
{
  return g_hash_table_lookup (self->by_id, id);
}

void
gossip_node_list_add (GossipNodeList *self,
                      GossipNode     *node)
{
  GossipNodeState state = gossip_node_get_state (node);

  g_return_if_fail (gossip_node_list_lookup (self, gossip_node_get_node_id (node)) == NULL);

  g_hash_table_insert (self->by_id, (gpointer) gossip_node_get_node_id (node), g_object_ref (node));
  g_ptr_array_add (self->nodes, node);
  self->counts[state]++;
  g_list_store_append (self->model, node);
}

void
gossip_node_list_remove (GossipNodeList *self,
                         GossipNode     *node)
{
  guint pos;

  if (gossip_node_list_lookup (self, gossip_node_get_node_id (node)) != node)
    return;
  self->counts[gossip_node_get_state (node)]--;
  if (g_list_store_find (self->model, node, &pos))
    g_list_store_remove (self->model, pos);
  g_ptr_array_remove (self->nodes, node);
  g_hash_table_remove (self->by_id, gossip_node_get_node_id (node));
}

GossipNodeState
gossip_node_list_set_state (GossipNodeList  *self,
                            GossipNode      *node,
                            GossipNodeState  state,
                            guint64          timestamp)
{
  GossipNodeState old = gossip_node_get_state (node);
  gboolean listed = gossip_node_list_lookup (self, gossip_node_get_node_id (node)) == node;

  if (listed)
    {
      self->counts[old]--;
      self->counts[state]++;
    }
  gossip_node_set_state_internal (node, state, timestamp);
  return old;
}

guint
gossip_node_list_count (GossipNodeList  *self,
                        GossipNodeState  state)
{
  return self->counts[state];
}

guint
gossip_node_list_size (GossipNodeList *self)
{
  return self->nodes->len;
}

GPtrArray *
gossip_node_list_snapshot (GossipNodeList *self)
{
  GPtrArray *out = g_ptr_array_sized_new (self->nodes->len);

  for (guint i = 0; i < self->nodes->len; i++)
    g_ptr_array_add (out, self->nodes->pdata[i]);
  return out;
}

static gboolean
is_excluded (GossipNode         *node,
             const GossipNodeId *exclude,
             guint               n_exclude)
{
  const GossipNodeId *id = gossip_node_get_node_id (node);

  for (guint i = 0; i < n_exclude; i++)
    if (gossip_node_id_equal (id, &exclude[i]))
      return TRUE;
  return FALSE;
}

/* Reservoir sampling into @out, which may already hold nodes (skipped). */
static void
sample_into (GossipNodeList     *self,
             GPtrArray          *out,
             guint               k,
             guint               state_mask,
             const GossipNodeId *exclude,
             guint               n_exclude)
{
  guint base = out->len;
  guint seen = 0;

  for (guint i = 0; i < self->nodes->len && k > 0; i++)
    {
      GossipNode *node = self->nodes->pdata[i];

      if (!(state_mask & GOSSIP_STATE_BIT (gossip_node_get_state (node))) ||
          is_excluded (node, exclude, n_exclude))
        continue;
      for (guint j = 0; j < base; j++)
        if (out->pdata[j] == node)
          goto next;

      if (seen < k)
        g_ptr_array_add (out, node);
      else
        {
          guint r = g_random_int_range (0, seen + 1);
          if (r < k)
            out->pdata[base + r] = node;
        }
      seen++;
    next:
      ;
    }
}

GPtrArray *
gossip_node_list_random (GossipNodeList     *self,
                         guint               k,
                         guint               state_mask,
                         const GossipNodeId *exclude,
                         guint               n_exclude)
{
  GPtrArray *out = g_ptr_array_sized_new (k);

  sample_into (self, out, k, state_mask, exclude, n_exclude);
  return out;
}

GPtrArray *
gossip_node_list_random_for_gossip (GossipNodeList     *self,
                                    guint               k,
                                    const GossipNodeId *exclude,
                                    guint               n_exclude)
{
  guint live_mask = GOSSIP_STATES_LIVE | GOSSIP_STATE_BIT (GOSSIP_NODE_STATE_LEAVING);
  guint live_quota = k - k / 4;
  GPtrArray *out = g_ptr_array_sized_new (k);

  sample_into (self, out, live_quota, live_mask, exclude, n_exclude);
  if (out->len < k)
    sample_into (self, out, k - out->len, GOSSIP_STATE_BIT (GOSSIP_NODE_STATE_DEAD), exclude, n_exclude);
  if (out->len < k)
    sample_into (self, out, k - out->len, live_mask, exclude, n_exclude);
  return out;
}
