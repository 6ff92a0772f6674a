/* gossip-node-list.c: the membership table of one cluster.
 *
 * A hash table for lookups by ID, a GListStore so that applications (and
 * GTK list views) can follow membership, and per-state counters kept in step
 * with every state change, which only this file performs.
 *
 * Random choice (fan-out, probes, push/pull samples) must not cost O(N):
 * forged lists could make N large. So each confirmed node also sits in an
 * array of its state, with its index kept for swap-removal, and a sample of
 * k draws O(k + excluded) positions by a partial Fisher-Yates shuffle over
 * the concatenation of the arrays the state mask selects. Unconfirmed nodes
 * (learned from someone else's list, not heard from yet) are in no such
 * array: they take no part in any random choice until confirmed.
 */
#include "config.h"

#include "gossip-node-list-private.h"

struct _GossipNodeList
{
  GHashTable *by_id;    /* GossipNodeId* (owned by the node) -> GossipNode* (ref) */
  GPtrArray  *nodes;    /* GossipNode*, insertion order, borrowed from by_id */
  GListStore *model;
  guint       counts[GOSSIP_NODE_STATE_SUSPECT + 1];
  GPtrArray  *by_state[GOSSIP_NODE_STATE_SUSPECT + 1]; /* confirmed GossipNode*, borrowed */
  GHashTable *index;       /* GossipNode* -> position in its by_state array + 1 */
  GHashTable *unconfirmed; /* set of GossipNode* (borrowed) */
};

static void
place (GossipNodeList *self,
       GossipNode     *node)
{
  GPtrArray *arr = self->by_state[gossip_node_get_state (node)];

  g_ptr_array_add (arr, node);
  g_hash_table_insert (self->index, node, GUINT_TO_POINTER (arr->len));
}

/* Swap-remove @node from the array of @state. */
static void
unplace (GossipNodeList  *self,
         GossipNode      *node,
         GossipNodeState  state)
{
  GPtrArray *arr = self->by_state[state];
  guint pos = GPOINTER_TO_UINT (g_hash_table_lookup (self->index, node));
  GossipNode *last;

  if (pos == 0 || pos > arr->len || arr->pdata[pos - 1] != node)
    return;
  last = arr->pdata[arr->len - 1];
  arr->pdata[pos - 1] = last;
  g_hash_table_insert (self->index, last, GUINT_TO_POINTER (pos));
  g_ptr_array_set_size (arr, arr->len - 1);
  g_hash_table_remove (self->index, node);
}

GossipNodeList *
gossip_node_list_new (void)
{
  GossipNodeList *self = g_new0 (GossipNodeList, 1);

  self->by_id = g_hash_table_new_full (gossip_node_id_hash, gossip_node_id_equal,
                                       NULL, g_object_unref);
  self->nodes = g_ptr_array_new ();
  self->model = g_list_store_new (GOSSIP_TYPE_NODE);
  for (guint i = 0; i < G_N_ELEMENTS (self->by_state); i++)
    self->by_state[i] = g_ptr_array_new ();
  self->index = g_hash_table_new (NULL, NULL);
  self->unconfirmed = g_hash_table_new (NULL, NULL);
  return self;
}

void
gossip_node_list_free (GossipNodeList *self)
{
  if (self == NULL)
    return;
  g_list_store_remove_all (self->model);
  g_object_unref (self->model);
  for (guint i = 0; i < G_N_ELEMENTS (self->by_state); i++)
    g_ptr_array_unref (self->by_state[i]);
  g_hash_table_unref (self->index);
  g_hash_table_unref (self->unconfirmed);
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
  gossip_node_list_add_full (self, node, TRUE);
}

void
gossip_node_list_add_full (GossipNodeList *self,
                           GossipNode     *node,
                           gboolean        confirmed)
{
  GossipNodeState state = gossip_node_get_state (node);

  g_return_if_fail (gossip_node_list_lookup (self, gossip_node_get_node_id (node)) == NULL);

  g_hash_table_insert (self->by_id, (gpointer) gossip_node_get_node_id (node), g_object_ref (node));
  g_ptr_array_add (self->nodes, node);
  self->counts[state]++;
  if (confirmed)
    place (self, node);
  else
    g_hash_table_add (self->unconfirmed, node);
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
  if (!g_hash_table_remove (self->unconfirmed, node))
    unplace (self, node, gossip_node_get_state (node));
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
  if (listed && old != state && !g_hash_table_contains (self->unconfirmed, node))
    {
      unplace (self, node, old);
      place (self, node);
    }
  return old;
}

gboolean
gossip_node_list_confirm (GossipNodeList *self,
                          GossipNode     *node)
{
  if (!g_hash_table_remove (self->unconfirmed, node))
    return FALSE;
  place (self, node);
  return TRUE;
}

gboolean
gossip_node_list_is_confirmed (GossipNodeList *self,
                               GossipNode     *node)
{
  return !g_hash_table_contains (self->unconfirmed, node);
}

guint
gossip_node_list_n_unconfirmed (GossipNodeList *self)
{
  return g_hash_table_size (self->unconfirmed);
}

GPtrArray *
gossip_node_list_unconfirmed (GossipNodeList *self)
{
  GPtrArray *out = g_ptr_array_sized_new (g_hash_table_size (self->unconfirmed));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->unconfirmed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (out, key);
  return out;
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

/* Node at virtual position @v of the arrays selected by @state_mask. */
static GossipNode *
node_at (GossipNodeList *self,
         guint           state_mask,
         guint           v)
{
  for (guint st = 0; st < G_N_ELEMENTS (self->by_state); st++)
    {
      GPtrArray *arr = self->by_state[st];

      if (!(state_mask & GOSSIP_STATE_BIT (st)))
        continue;
      if (v < arr->len)
        return arr->pdata[v];
      v -= arr->len;
    }
  g_assert_not_reached ();
  return NULL;
}

/* Up to @k random nodes into @out, which may already hold nodes (skipped):
 * a partial Fisher-Yates shuffle of the selected positions, the swaps kept
 * in a sparse map, so it costs O(k + skipped) whatever the list's size. */
static void
sample_into (GossipNodeList     *self,
             GPtrArray          *out,
             guint               k,
             guint               state_mask,
             const GossipNodeId *exclude,
             guint               n_exclude)
{
  guint base = out->len;
  guint total = 0;
  g_autoptr(GHashTable) swaps = NULL;

  for (guint st = 0; st < G_N_ELEMENTS (self->by_state); st++)
    if (state_mask & GOSSIP_STATE_BIT (st))
      total += self->by_state[st]->len;
  if (k == 0 || total == 0)
    return;
  swaps = g_hash_table_new (NULL, NULL);

  for (guint j = 0; j < total && out->len - base < k; j++)
    {
      guint r = j + g_random_int_range (0, total - j);
      gpointer vr, vj;
      guint pick, at_j;
      GossipNode *node;

      pick = g_hash_table_lookup_extended (swaps, GUINT_TO_POINTER (r), NULL, &vr) ? GPOINTER_TO_UINT (vr) : r;
      at_j = g_hash_table_lookup_extended (swaps, GUINT_TO_POINTER (j), NULL, &vj) ? GPOINTER_TO_UINT (vj) : j;
      g_hash_table_insert (swaps, GUINT_TO_POINTER (r), GUINT_TO_POINTER (at_j));

      node = node_at (self, state_mask, pick);
      if (is_excluded (node, exclude, n_exclude))
        continue;
      for (guint i = 0; i < base; i++)
        if (out->pdata[i] == node)
          goto next;
      g_ptr_array_add (out, node);
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
