/* gossip-node-group.c: the nodes of a cluster whose metadata matches criteria.
 *
 * Built on the public API of GossipCluster only: the group follows the
 * cluster's node-state-changed and node-metadata-changed signals and keeps
 * its own ordered list of members. Membership is one rule, re-evaluated on
 * every event about a node: a node is a member while it is Alive or Suspect
 * and its metadata matches. Go's NodeGroup (BEHAVIOUR.md §8.2) uses the same
 * states but re-fires OnNodeAdded on every Alive <-> Suspect change and
 * OnNodeRemoved for nodes that were never members; here the signals follow
 * real membership changes only, as Go's DataNodeGroup does.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "gossip-node-group.h"
#include "gossip-error.h"

typedef enum {
  MATCH_EQUAL,
  MATCH_ANY,
  MATCH_CONTAINS,
} MatchKind;

typedef struct {
  char      *key;
  char      *value;   /* for MATCH_CONTAINS, the substring without "~" */
  MatchKind  kind;
} Criterion;

typedef struct {
  GossipNode     *node;
  gpointer        data;
  GDestroyNotify  destroy;
} Member;

/**
 * GossipNodeGroup:
 *
 * The nodes of a [class@Gossip.Cluster] whose metadata matches a set of
 * criteria, kept up to date as nodes join, fail, leave and change their
 * metadata. Go's `NodeGroup` and `DataNodeGroup` in one object.
 *
 * Each criterion is a metadata key and an expected value. A node matches
 * when, for every criterion, the key exists and:
 *
 * - the expected value is `*` ([const@Gossip.CRITERION_ANY_VALUE]): any value;
 * - it starts with `~` ([const@Gossip.CRITERION_CONTAINS_PREFIX]): the
 *   string form of the value contains the rest anywhere;
 * - otherwise the string form of the value (see
 *   [method@Gossip.Metadata.get_string]) equals it, so `"42"` matches an
 *   integer 42 and `"true"` a boolean.
 *
 * Members are the matching nodes that are Alive or Suspect (a suspected
 * node is still a member, as in Go: it may refute the suspicion); the local
 * node is one when it matches. The group is a #GListModel of its members
 * in the order they joined it, so a GTK list view can show it, and
 * [signal@Gossip.NodeGroup::node-added], [signal@Gossip.NodeGroup::node-removed]
 * and [signal@Gossip.NodeGroup::node-updated] are emitted once per real
 * change. Each member can carry application data
 * ([method@Gossip.NodeGroup.set_data]), freed when the node leaves the group
 * or the group is closed or disposed.
 *
 * Since: 1.0
 */
struct _GossipNodeGroup
{
  GObject        parent_instance;

  GossipCluster *cluster;
  GArray        *criteria;   /* Criterion */
  GPtrArray     *order;      /* GossipNode*, owned: the GListModel items */
  GHashTable    *members;    /* id -> Member*, owned */
  gulong         state_id;
  gulong         metadata_id;
};

enum {
  SIGNAL_NODE_ADDED,
  SIGNAL_NODE_REMOVED,
  SIGNAL_NODE_UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum {
  PROP_0,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void gossip_node_group_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipNodeGroup, gossip_node_group, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      gossip_node_group_list_model_init))

/* ------------------------------------------------------------------ */
/* GListModel                                                          */

static GType
list_get_item_type (GListModel *list)
{
  return GOSSIP_TYPE_NODE;
}

static guint
list_get_n_items (GListModel *list)
{
  return GOSSIP_NODE_GROUP (list)->order->len;
}

static gpointer
list_get_item (GListModel *list,
               guint       position)
{
  GossipNodeGroup *self = GOSSIP_NODE_GROUP (list);

  if (position >= self->order->len)
    return NULL;
  return g_object_ref (self->order->pdata[position]);
}

static void
gossip_node_group_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

/* ------------------------------------------------------------------ */
/* Members                                                             */

static void
member_free_data (Member *m)
{
  gpointer data = m->data;
  GDestroyNotify destroy = m->destroy;

  m->data = NULL;
  m->destroy = NULL;
  if (destroy != NULL && data != NULL)
    destroy (data);
}

static void
member_free (gpointer p)
{
  Member *m = p;

  member_free_data (m);
  g_clear_object (&m->node);
  g_free (m);
}

static gboolean
state_counts (GossipNodeState state)
{
  return state == GOSSIP_NODE_STATE_ALIVE || state == GOSSIP_NODE_STATE_SUSPECT;
}

/**
 * gossip_node_group_matches:
 * @self: a group
 * @node: a node
 *
 * Whether the metadata of @node matches the criteria of the group,
 * whatever the node's state.
 *
 * Returns: %TRUE if every criterion holds
 *
 * Since: 1.0
 */
gboolean
gossip_node_group_matches (GossipNodeGroup *self,
                           GossipNode      *node)
{
  GossipMetadata *md;

  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), FALSE);
  g_return_val_if_fail (GOSSIP_IS_NODE (node), FALSE);

  md = gossip_node_get_metadata (node);
  for (guint i = 0; i < self->criteria->len; i++)
    {
      const Criterion *c = &g_array_index (self->criteria, Criterion, i);
      g_autofree char *value = NULL;

      if (md == NULL || !gossip_metadata_contains (md, c->key))
        return FALSE;
      if (c->kind == MATCH_ANY)
        continue;
      value = gossip_metadata_get_string (md, c->key);
      if (value == NULL)
        return FALSE;
      if (c->kind == MATCH_CONTAINS ? strstr (value, c->value) == NULL
                                    : strcmp (value, c->value) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
add_member (GossipNodeGroup *self,
            GossipNode      *node)
{
  Member *m = g_new0 (Member, 1);

  m->node = g_object_ref (node);
  g_hash_table_insert (self->members, g_strdup (gossip_node_get_id (node)), m);
  g_ptr_array_add (self->order, g_object_ref (node));
  g_list_model_items_changed (G_LIST_MODEL (self), self->order->len - 1, 0, 1);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_ITEMS]);
  g_signal_emit (self, signals[SIGNAL_NODE_ADDED], 0, node);
}

static void
remove_member (GossipNodeGroup *self,
               const char      *id)
{
  g_autoptr(GossipNode) node = NULL;
  Member *m = g_hash_table_lookup (self->members, id);
  guint pos;

  if (m == NULL)
    return;
  node = g_object_ref (m->node);
  if (g_ptr_array_find (self->order, node, &pos))
    {
      /* Out of the model first, then the signal: handlers see the group as
       * it now is, but can still read the data of the leaving member. */
      g_ptr_array_remove_index (self->order, pos);
      g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 0);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_ITEMS]);
    }
  g_signal_emit (self, signals[SIGNAL_NODE_REMOVED], 0, node);
  g_hash_table_remove (self->members, gossip_node_get_id (node));
}

/* Brings one node's membership in line with the rule; @metadata_changed
 * says whether to report an update of a member that stays. */
static void
reevaluate (GossipNodeGroup *self,
            GossipNode      *node,
            GossipNodeState  state,
            gboolean         metadata_changed)
{
  const char *id = gossip_node_get_id (node);
  gboolean member = g_hash_table_contains (self->members, id);
  gboolean should = state_counts (state) && gossip_node_group_matches (self, node);

  if (should && !member)
    add_member (self, node);
  else if (!should && member)
    remove_member (self, id);
  else if (should && member)
    {
      Member *m = g_hash_table_lookup (self->members, id);

      /* The cluster keeps one GossipNode per ID; should that ever change,
       * keep the newest object. */
      if (m->node != node)
        {
          guint pos;

          if (g_ptr_array_find (self->order, m->node, &pos))
            {
              g_object_unref (self->order->pdata[pos]);
              self->order->pdata[pos] = g_object_ref (node);
            }
          g_set_object (&m->node, node);
        }
      if (metadata_changed)
        g_signal_emit (self, signals[SIGNAL_NODE_UPDATED], 0, node);
    }
}

static void
on_state_changed (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  reevaluate (user_data, node, new_state, FALSE);
}

static void
on_metadata_changed (GossipCluster *cluster,
                     GossipNode    *node,
                     gpointer       user_data)
{
  reevaluate (user_data, node, gossip_node_get_state (node), TRUE);
}

/* ------------------------------------------------------------------ */
/* Construction                                                        */

static void
gossip_node_group_dispose (GObject *object)
{
  GossipNodeGroup *self = GOSSIP_NODE_GROUP (object);

  gossip_node_group_close (self);
  G_OBJECT_CLASS (gossip_node_group_parent_class)->dispose (object);
}

static void
gossip_node_group_finalize (GObject *object)
{
  GossipNodeGroup *self = GOSSIP_NODE_GROUP (object);

  for (guint i = 0; i < self->criteria->len; i++)
    {
      Criterion *c = &g_array_index (self->criteria, Criterion, i);
      g_free (c->key);
      g_free (c->value);
    }
  g_array_unref (self->criteria);
  g_ptr_array_unref (self->order);
  g_hash_table_unref (self->members);
  G_OBJECT_CLASS (gossip_node_group_parent_class)->finalize (object);
}

static void
gossip_node_group_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  GossipNodeGroup *self = GOSSIP_NODE_GROUP (object);

  switch (prop_id)
    {
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->order->len);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_node_group_class_init (GossipNodeGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gossip_node_group_dispose;
  object_class->finalize = gossip_node_group_finalize;
  object_class->get_property = gossip_node_group_get_property;

  /**
   * GossipNodeGroup:n-items:
   *
   * The number of members (the length of the list model). Default 0.
   *
   * Since: 1.0
   */
  props[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                           G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * GossipNodeGroup::node-added:
   * @self: the group
   * @node: the node that became a member
   *
   * Emitted once when a node becomes a member: it matches the criteria
   * and is Alive or Suspect. A handler may attach data to it with
   * [method@Gossip.NodeGroup.set_data].
   *
   * Since: 1.0
   */
  signals[SIGNAL_NODE_ADDED] =
    g_signal_new ("node-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GOSSIP_TYPE_NODE);
  /**
   * GossipNodeGroup::node-removed:
   * @self: the group
   * @node: the node that stopped being a member
   *
   * Emitted once when a member leaves the group (it no longer matches, or
   * it is Dead, Leaving or gone). It is already out of the list model; its
   * data is still readable during the emission and freed right after.
   *
   * Since: 1.0
   */
  signals[SIGNAL_NODE_REMOVED] =
    g_signal_new ("node-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GOSSIP_TYPE_NODE);
  /**
   * GossipNodeGroup::node-updated:
   * @self: the group
   * @node: the member whose metadata changed
   *
   * Emitted when the metadata of a member changed and it still matches.
   *
   * Since: 1.0
   */
  signals[SIGNAL_NODE_UPDATED] =
    g_signal_new ("node-updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GOSSIP_TYPE_NODE);
}

static void
gossip_node_group_init (GossipNodeGroup *self)
{
  self->criteria = g_array_new (FALSE, TRUE, sizeof (Criterion));
  self->order = g_ptr_array_new_with_free_func (g_object_unref);
  self->members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, member_free);
}

static gboolean
add_criterion (GossipNodeGroup  *self,
               const char       *key,
               const char       *value,
               GError          **error)
{
  Criterion c = { 0 };

  if (key == NULL || *key == '\0' || value == NULL || *value == '\0')
    {
      /* Go indexes value[0] and panics here (BEHAVIOUR.md §12.14). */
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                   _("Empty key or value in node group criterion “%s”"), key ? key : "");
      return FALSE;
    }
  c.key = g_strdup (key);
  if (strcmp (value, GOSSIP_CRITERION_ANY_VALUE) == 0)
    c.kind = MATCH_ANY;
  else if (value[0] == GOSSIP_CRITERION_CONTAINS_PREFIX[0])
    {
      c.kind = MATCH_CONTAINS;
      c.value = g_strdup (value + 1);
    }
  else
    {
      c.kind = MATCH_EQUAL;
      c.value = g_strdup (value);
    }
  g_array_append_val (self->criteria, c);
  return TRUE;
}

static GossipNodeGroup *
group_attach (GossipNodeGroup *self,
              GossipCluster   *cluster)
{
  GListModel *nodes = gossip_cluster_get_nodes (cluster);
  guint n = g_list_model_get_n_items (nodes);

  self->cluster = g_object_ref (cluster);
  self->state_id = g_signal_connect_object (cluster, "node-state-changed",
                                            G_CALLBACK (on_state_changed), self, 0);
  self->metadata_id = g_signal_connect_object (cluster, "node-metadata-changed",
                                               G_CALLBACK (on_metadata_changed), self, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GossipNode) node = g_list_model_get_item (nodes, i);
      reevaluate (self, node, gossip_node_get_state (node), FALSE);
    }
  return self;
}

/**
 * gossip_node_group_new:
 * @cluster: a cluster
 * @criteria: (element-type utf8 utf8) (nullable): metadata key -> expected value
 * @error: return location for a #GError
 *
 * Creates a group of the nodes of @cluster that match @criteria, filled
 * at once with the current members (the local node included when it
 * matches). An empty or %NULL table matches every node.
 *
 * Returns: (transfer full): a new group, or %NULL with
 *   %GOSSIP_ERROR_INVALID_ARGUMENT when a key or an expected value is empty
 *
 * Since: 1.0
 */
GossipNodeGroup *
gossip_node_group_new (GossipCluster  *cluster,
                       GHashTable     *criteria,
                       GError        **error)
{
  g_autoptr(GossipNodeGroup) self = NULL;
  g_autoptr(GList) keys = NULL;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (cluster), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (GOSSIP_TYPE_NODE_GROUP, NULL);
  if (criteria != NULL)
    {
      /* Sorted, so that matching does not depend on hash order. */
      keys = g_list_sort (g_hash_table_get_keys (criteria), (GCompareFunc) g_strcmp0);
      for (GList *l = keys; l != NULL; l = l->next)
        if (!add_criterion (self, l->data, g_hash_table_lookup (criteria, l->data), error))
          return NULL;
    }
  return group_attach (g_steal_pointer (&self), cluster);
}

/**
 * gossip_node_group_new_from_strv:
 * @cluster: a cluster
 * @keys: (array zero-terminated=1) (nullable): metadata keys
 * @values: (array zero-terminated=1) (nullable): the expected value of each key
 * @error: return location for a #GError
 *
 * Like [ctor@Gossip.NodeGroup.new], with the criteria as two parallel
 * arrays, for language bindings.
 *
 * Returns: (transfer full): a new group, or %NULL with
 *   %GOSSIP_ERROR_INVALID_ARGUMENT when the arrays differ in length or a
 *   key or value is empty
 *
 * Since: 1.0
 */
GossipNodeGroup *
gossip_node_group_new_from_strv (GossipCluster       *cluster,
                                 const char * const  *keys,
                                 const char * const  *values,
                                 GError             **error)
{
  g_autoptr(GossipNodeGroup) self = NULL;
  guint n_keys = keys ? g_strv_length ((char **) keys) : 0;
  guint n_values = values ? g_strv_length ((char **) values) : 0;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (cluster), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_keys != n_values)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                   _("Node group criteria: %u keys but %u values"), n_keys, n_values);
      return NULL;
    }
  self = g_object_new (GOSSIP_TYPE_NODE_GROUP, NULL);
  for (guint i = 0; i < n_keys; i++)
    {
      for (guint j = 0; j < i; j++)
        if (strcmp (keys[i], keys[j]) == 0)
          {
            g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                         _("Node group criteria: key “%s” given twice"), keys[i]);
            return NULL;
          }
      if (!add_criterion (self, keys[i], values[i], error))
        return NULL;
    }
  return group_attach (g_steal_pointer (&self), cluster);
}

/**
 * gossip_node_group_get_cluster:
 * @self: a group
 *
 * Gets the cluster the group watches.
 *
 * Returns: (transfer none) (nullable): the cluster, or %NULL once closed
 *
 * Since: 1.0
 */
GossipCluster *
gossip_node_group_get_cluster (GossipNodeGroup *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), NULL);
  return self->cluster;
}

/**
 * gossip_node_group_contains:
 * @self: a group
 * @node_id: a node ID (canonical UUID string)
 *
 * Tells whether a node is in the group.
 *
 * Returns: whether the node is a member
 *
 * Since: 1.0
 */
gboolean
gossip_node_group_contains (GossipNodeGroup *self,
                            const char      *node_id)
{
  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), FALSE);
  g_return_val_if_fail (node_id != NULL, FALSE);
  return g_hash_table_contains (self->members, node_id);
}

/**
 * gossip_node_group_get_count:
 * @self: a group
 *
 * Counts the nodes in the group.
 *
 * Returns: the number of members
 *
 * Since: 1.0
 */
guint
gossip_node_group_get_count (GossipNodeGroup *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), 0);
  return self->order->len;
}

static gboolean
strv_has (const char * const *strv,
          const char         *s)
{
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    if (strcmp (strv[i], s) == 0)
      return TRUE;
  return FALSE;
}

/**
 * gossip_node_group_get_nodes:
 * @self: a group
 * @exclude_ids: (array zero-terminated=1) (nullable): IDs to leave out
 *
 * Lists the nodes of the group.
 *
 * Returns: (transfer container) (element-type GossipNode): the members,
 *   in the order they joined the group, without @exclude_ids
 *
 * Since: 1.0
 */
GPtrArray *
gossip_node_group_get_nodes (GossipNodeGroup    *self,
                             const char * const *exclude_ids)
{
  GPtrArray *out;

  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), NULL);

  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->order->len; i++)
    {
      GossipNode *node = self->order->pdata[i];
      if (!strv_has (exclude_ids, gossip_node_get_id (node)))
        g_ptr_array_add (out, g_object_ref (node));
    }
  return out;
}

/**
 * gossip_node_group_set_data: (skip)
 * @self: a group
 * @node_id: the ID of a member
 * @data: (nullable): application data for the member
 * @destroy: (nullable): frees @data
 *
 * Attaches @data to a member, replacing (and destroying) what it had. The
 * data lives exactly as long as the membership: @destroy runs when the
 * node leaves the group (after [signal@Gossip.NodeGroup::node-removed]),
 * when the group is closed or disposed, or when the data is replaced.
 * Go's `DataNodeGroup`; connect to [signal@Gossip.NodeGroup::node-added]
 * to play the part of its `DataInitializer`.
 *
 * Returns: %TRUE if the node is a member; otherwise %FALSE and @data is
 *   left to the caller (@destroy is not called)
 *
 * Since: 1.0
 */
gboolean
gossip_node_group_set_data (GossipNodeGroup *self,
                            const char      *node_id,
                            gpointer         data,
                            GDestroyNotify   destroy)
{
  Member *m;

  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), FALSE);
  g_return_val_if_fail (node_id != NULL, FALSE);

  m = g_hash_table_lookup (self->members, node_id);
  if (m == NULL)
    return FALSE;
  member_free_data (m);
  m->data = data;
  m->destroy = destroy;
  return TRUE;
}

/**
 * gossip_node_group_get_data: (skip)
 * @self: a group
 * @node_id: the ID of a member
 *
 * Gets the data the application attached to a member of the group.
 *
 * Returns: (nullable) (transfer none): the data of the member, or %NULL
 *
 * Since: 1.0
 */
gpointer
gossip_node_group_get_data (GossipNodeGroup *self,
                            const char      *node_id)
{
  Member *m;

  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), NULL);
  g_return_val_if_fail (node_id != NULL, NULL);

  m = g_hash_table_lookup (self->members, node_id);
  return m ? m->data : NULL;
}

/**
 * gossip_node_group_set_object:
 * @self: a group
 * @node_id: the ID of a member
 * @object: (nullable): an object to attach
 *
 * The binding-friendly form of [method@Gossip.NodeGroup.set_data]: the
 * group holds a reference to @object while the node is a member.
 *
 * Returns: %TRUE if the node is a member
 *
 * Since: 1.0
 */
gboolean
gossip_node_group_set_object (GossipNodeGroup *self,
                              const char      *node_id,
                              GObject         *object)
{
  g_return_val_if_fail (object == NULL || G_IS_OBJECT (object), FALSE);

  if (!gossip_node_group_contains (self, node_id))
    return FALSE;
  return gossip_node_group_set_data (self, node_id, object ? g_object_ref (object) : NULL,
                                     g_object_unref);
}

/**
 * gossip_node_group_get_object:
 * @self: a group
 * @node_id: the ID of a member
 *
 * Gets the object the application attached to a node of the group.
 *
 * Returns: (nullable) (transfer none): the object attached with
 *   [method@Gossip.NodeGroup.set_object], or %NULL
 *
 * Since: 1.0
 */
GObject *
gossip_node_group_get_object (GossipNodeGroup *self,
                              const char      *node_id)
{
  Member *m;

  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), NULL);
  g_return_val_if_fail (node_id != NULL, NULL);

  m = g_hash_table_lookup (self->members, node_id);
  if (m == NULL || m->destroy != g_object_unref || !G_IS_OBJECT (m->data))
    return NULL;
  return m->data;
}

/**
 * gossip_node_group_send_to_peers:
 * @self: a group
 * @message_type: an application message type (64 or more)
 * @value: (nullable): the payload
 * @flags: how to send
 * @error: return location for a #GError
 *
 * Sends @value to every member but the local node and, when the group is
 * smaller than the cluster's fan-out, also to random non-members so that
 * receivers which forward the type spread it further (Go's
 * `NodeGroup.SendToPeers`, BEHAVIOUR.md §4.6). Unlike Go, all the targets
 * get one packet with one message ID, so a member reached both directly
 * and through a relay processes it once.
 *
 * Returns: %TRUE if the message was sent on its way
 *
 * Since: 1.0
 */
gboolean
gossip_node_group_send_to_peers (GossipNodeGroup  *self,
                                 guint16           message_type,
                                 GVariant         *value,
                                 GossipSendFlags   flags,
                                 GError          **error)
{
  g_autoptr(GPtrArray) targets = NULL;
  g_autoptr(GPtrArray) alive = NULL;
  g_autoptr(GVariant) owned = NULL;
  GossipNode *local;
  guint fan_out, members;

  g_return_val_if_fail (GOSSIP_IS_NODE_GROUP (self), FALSE);

  if (value != NULL)
    owned = g_variant_ref_sink (value);
  if (self->cluster == NULL || !gossip_cluster_is_running (self->cluster))
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                           self->cluster == NULL ? _("The node group is closed")
                                                 : _("The cluster is not running"));
      return FALSE;
    }

  local = gossip_cluster_get_local_node (self->cluster);
  targets = g_ptr_array_new ();
  for (guint i = 0; i < self->order->len; i++)
    if (self->order->pdata[i] != local &&
        strcmp (gossip_node_get_id (self->order->pdata[i]), gossip_node_get_id (local)) != 0)
      g_ptr_array_add (targets, self->order->pdata[i]);
  members = targets->len;

  /* Go: a second packet to CalcFanOut random non-members when
   * CalcFanOut > members + 1 (with an empty group, a random fan-out). */
  fan_out = gossip_cluster_calc_fan_out (self->cluster);
  alive = gossip_cluster_get_alive_nodes (self->cluster);
  if (fan_out > members + 1 || members == 0)
    {
      g_autoptr(GPtrArray) others = g_ptr_array_new ();

      for (guint i = 0; i < alive->len; i++)
        {
          GossipNode *node = alive->pdata[i];
          if (node != local && !gossip_node_is_local (node) &&
              !g_hash_table_contains (self->members, gossip_node_get_id (node)))
            g_ptr_array_add (others, node);
        }
      /* Fisher-Yates over the first fan_out slots. */
      for (guint i = 0; i < others->len && i < fan_out; i++)
        {
          guint j = g_random_int_range ((gint32) i, (gint32) others->len);
          gpointer tmp = others->pdata[i];

          others->pdata[i] = others->pdata[j];
          others->pdata[j] = tmp;
          g_ptr_array_add (targets, others->pdata[i]);
        }
    }

  if (targets->len == 0)
    return TRUE;   /* nobody else alive: NULL targets would mean a broadcast */
  return gossip_cluster_send_full (self->cluster, message_type, owned, NULL, flags,
                                   (GossipNode **) targets->pdata, targets->len, NULL, error);
}

/**
 * gossip_node_group_close:
 * @self: a group
 *
 * Stops following the cluster and empties the group: every member's data
 * is freed and [signal@Gossip.NodeGroup::node-removed] is not emitted.
 * Unlike Go's `Close`, the data does not outlive the membership.
 *
 * Since: 1.0
 */
void
gossip_node_group_close (GossipNodeGroup *self)
{
  guint n;

  g_return_if_fail (GOSSIP_IS_NODE_GROUP (self));

  if (self->cluster != NULL)
    {
      g_clear_signal_handler (&self->state_id, self->cluster);
      g_clear_signal_handler (&self->metadata_id, self->cluster);
      g_clear_object (&self->cluster);
    }
  n = self->order->len;
  g_hash_table_remove_all (self->members);
  if (n > 0)
    {
      g_ptr_array_set_size (self->order, 0);
      g_list_model_items_changed (G_LIST_MODEL (self), 0, n, 0);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_ITEMS]);
    }
}
