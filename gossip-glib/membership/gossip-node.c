/* gossip-node.c: one member of a cluster as seen by the local node.
 *
 * Nodes are owned by their cluster's node list, which is the only writer of
 * their state; applications read them and bind to their properties.
 */
#include "config.h"

#include "gossip-enums.h"
#include "gossip-metadata-private.h"
#include "gossip-node-private.h"

/**
 * GossipNode:
 *
 * A member of the cluster: its ID, advertised address, state and
 * metadata. Nodes are created by [class@Gossip.Cluster]; the state
 * property notifies on every change, so a UI can bind to it.
 *
 * Since: 1.0
 */
struct _GossipNode
{
  GObject          parent_instance;

  GossipNodeId     id;
  char             id_str[GOSSIP_NODE_ID_STRING_LEN + 1];
  char            *address;
  GossipNodeState  state;
  guint64          state_ts;
  GossipStateReason state_reason;
  char            *state_reason_detail;
  gint64           last_activity;
  gint64           state_since;
  gboolean         departed;
  gint64           joined_at;
  gint64           announced_at;
  GVariant        *entry;
  guint64          entry_state_ts;
  guint64          entry_md_ts;
  GossipNodeState  entry_state;
  guint            protocol_version;
  char            *app_version;
  GossipMetadata  *metadata;
  gboolean         local;
};

G_DEFINE_FINAL_TYPE (GossipNode, gossip_node, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_ADDRESS,
  PROP_STATE,
  PROP_STATE_TIMESTAMP,
  PROP_PROTOCOL_VERSION,
  PROP_APPLICATION_VERSION,
  PROP_METADATA,
  PROP_LOCAL,
  PROP_STATE_REASON,
  PROP_STATE_REASON_DETAIL,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
gossip_node_finalize (GObject *object)
{
  GossipNode *self = GOSSIP_NODE (object);

  g_free (self->address);
  g_free (self->app_version);
  g_free (self->state_reason_detail);
  g_clear_pointer (&self->entry, g_variant_unref);
  g_clear_object (&self->metadata);
  G_OBJECT_CLASS (gossip_node_parent_class)->finalize (object);
}

static void
gossip_node_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  GossipNode *self = GOSSIP_NODE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id_str);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_TIMESTAMP:
      g_value_set_uint64 (value, self->state_ts);
      break;
    case PROP_PROTOCOL_VERSION:
      g_value_set_uint (value, self->protocol_version);
      break;
    case PROP_APPLICATION_VERSION:
      g_value_set_string (value, self->app_version);
      break;
    case PROP_METADATA:
      g_value_set_object (value, self->metadata);
      break;
    case PROP_LOCAL:
      g_value_set_boolean (value, self->local);
      break;
    case PROP_STATE_REASON:
      g_value_set_enum (value, self->state_reason);
      break;
    case PROP_STATE_REASON_DETAIL:
      g_value_set_string (value, self->state_reason_detail);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_node_class_init (GossipNodeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = gossip_node_finalize;
  object_class->get_property = gossip_node_get_property;

  /**
   * GossipNode:id:
   *
   * The node's UUID in canonical form.
   *
   * Since: 1.0
   */
  props[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, ro);
  /**
   * GossipNode:address:
   *
   * The address the node advertises to its peers.
   *
   * Since: 1.0
   */
  props[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, ro);
  /**
   * GossipNode:state:
   *
   * The node's membership state.
   *
   * Since: 1.0
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, GOSSIP_TYPE_NODE_STATE,
                                         GOSSIP_NODE_STATE_UNKNOWN, ro);
  /**
   * GossipNode:state-timestamp:
   *
   * The HLC timestamp of the last state change.
   *
   * Since: 1.0
   */
  props[PROP_STATE_TIMESTAMP] = g_param_spec_uint64 ("state-timestamp", NULL, NULL,
                                                     0, G_MAXUINT64, 0, ro);
  /**
   * GossipNode:protocol-version:
   *
   * The wire protocol version the node announced when it joined (0 when it
   * was learned from another node).
   *
   * Since: 1.0
   */
  props[PROP_PROTOCOL_VERSION] = g_param_spec_uint ("protocol-version", NULL, NULL,
                                                    0, G_MAXUINT16, 0, ro);
  /**
   * GossipNode:application-version:
   *
   * The application version the node announced when it joined.
   *
   * Since: 1.0
   */
  props[PROP_APPLICATION_VERSION] = g_param_spec_string ("application-version", NULL, NULL,
                                                         NULL, ro);
  /**
   * GossipNode:metadata:
   *
   * The node's metadata; read-only unless this is the local node.
   *
   * Since: 1.0
   */
  props[PROP_METADATA] = g_param_spec_object ("metadata", NULL, NULL,
                                              GOSSIP_TYPE_METADATA, ro);
  /**
   * GossipNode:local:
   *
   * Whether this is the local node.
   *
   * Since: 1.0
   */
  props[PROP_LOCAL] = g_param_spec_boolean ("local", NULL, NULL, FALSE, ro);
  /**
   * GossipNode:state-reason:
   *
   * Why the node's state last changed. It is set before the change is
   * announced, so it is current in handlers of `notify::state` and
   * [signal@Gossip.Cluster::node-state-changed]; when several changes of
   * one node are delivered together, it is the reason of the last one.
   *
   * Since: 1.0
   */
  props[PROP_STATE_REASON] = g_param_spec_enum ("state-reason", NULL, NULL, GOSSIP_TYPE_STATE_REASON,
                                                GOSSIP_STATE_REASON_UNKNOWN, ro);
  /**
   * GossipNode:state-reason-detail:
   *
   * The specifics of [property@Gossip.Node:state-reason] as an English
   * phrase for logs and diagnostics (which node, how many helpers or
   * confirmations), or %NULL. Its wording may change between versions;
   * match on the reason, not on the detail.
   *
   * Since: 1.0
   */
  props[PROP_STATE_REASON_DETAIL] = g_param_spec_string ("state-reason-detail", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
gossip_node_init (GossipNode *self)
{
}

GossipNode *
gossip_node_new (const GossipNodeId *id,
                 const char         *address,
                 gboolean            local,
                 GossipMetadata     *metadata)
{
  GossipNode *self = g_object_new (GOSSIP_TYPE_NODE, NULL);

  self->id = *id;
  gossip_node_id_format (id, self->id_str);
  self->address = g_strdup (address ? address : "");
  self->app_version = g_strdup ("");
  self->local = local;
  if (metadata != NULL)
    self->metadata = g_object_ref (metadata);
  else
    self->metadata = gossip_metadata_new_read_only ();
  return self;
}

const GossipNodeId *
gossip_node_get_node_id (GossipNode *self)
{
  return &self->id;
}

void
gossip_node_set_state_internal (GossipNode      *self,
                                GossipNodeState  state,
                                guint64          timestamp)
{
  if (self->state_ts != timestamp)
    {
      self->state_ts = timestamp;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE_TIMESTAMP]);
    }
  if (self->state != state)
    {
      self->state = state;
      self->state_since = g_get_monotonic_time ();
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
    }
}

void
gossip_node_set_state_reason (GossipNode        *self,
                              GossipStateReason  reason,
                              const char        *detail)
{
  if (self->state_reason != reason)
    {
      self->state_reason = reason;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE_REASON]);
    }
  if (g_strcmp0 (self->state_reason_detail, detail) != 0)
    {
      g_free (self->state_reason_detail);
      self->state_reason_detail = g_strdup (detail);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE_REASON_DETAIL]);
    }
}

void
gossip_node_set_state_timestamp (GossipNode *self,
                                 guint64     timestamp)
{
  if (self->state_ts == timestamp)
    return;
  self->state_ts = timestamp;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE_TIMESTAMP]);
}

void
gossip_node_set_address (GossipNode *self,
                         const char *address)
{
  if (g_strcmp0 (self->address, address) == 0 || address == NULL)
    return;
  g_free (self->address);
  self->address = g_strdup (address);
  g_clear_pointer (&self->entry, g_variant_unref);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ADDRESS]);
}

void
gossip_node_set_versions (GossipNode *self,
                          guint       protocol_version,
                          const char *app_version)
{
  if (self->protocol_version != protocol_version)
    {
      self->protocol_version = protocol_version;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PROTOCOL_VERSION]);
    }
  if (app_version != NULL && g_strcmp0 (self->app_version, app_version) != 0)
    {
      g_free (self->app_version);
      self->app_version = g_strdup (app_version);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_APPLICATION_VERSION]);
    }
}

void
gossip_node_touch (GossipNode *self,
                   gint64      now)
{
  self->last_activity = now;
}

gint64
gossip_node_get_last_activity (GossipNode *self)
{
  return self->last_activity;
}

gint64
gossip_node_get_state_since (GossipNode *self)
{
  return self->state_since;
}

GVariant *
gossip_node_get_cached_entry (GossipNode *self)
{
  if (self->entry == NULL ||
      self->entry_state != self->state ||
      self->entry_state_ts != self->state_ts ||
      self->entry_md_ts != gossip_metadata_get_timestamp (self->metadata))
    return NULL;
  return self->entry;
}

void
gossip_node_set_cached_entry (GossipNode *self,
                              GVariant   *entry)
{
  g_clear_pointer (&self->entry, g_variant_unref);
  self->entry = g_variant_ref_sink (entry);
  /* Serialised form: a few hundred bytes instead of a tree of instances,
   * which matters with one cached entry per node in every node's view. */
  g_variant_get_data (self->entry);
  self->entry_state = self->state;
  self->entry_state_ts = self->state_ts;
  self->entry_md_ts = gossip_metadata_get_timestamp (self->metadata);
}

gint64
gossip_node_get_joined_at (GossipNode *self)
{
  return self->joined_at;
}

void
gossip_node_set_joined_at (GossipNode *self,
                           gint64      when)
{
  self->joined_at = when;
}

gint64
gossip_node_get_announced_at (GossipNode *self)
{
  return self->announced_at;
}

void
gossip_node_set_announced_at (GossipNode *self,
                              gint64      when)
{
  self->announced_at = when;
}

gboolean
gossip_node_get_departed (GossipNode *self)
{
  return self->departed;
}

void
gossip_node_set_departed (GossipNode *self,
                          gboolean    departed)
{
  self->departed = departed;
}

/**
 * gossip_node_get_id:
 * @self: a node
 *
 * Gets the node's ID, a UUID in its canonical text form.
 *
 * Returns: the node's UUID in canonical lower-case form
 *
 * Since: 1.0
 */
const char *
gossip_node_get_id (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), NULL);
  return self->id_str;
}

/**
 * gossip_node_get_address:
 * @self: a node
 *
 * Gets the address the node advertises, as "host:port" or a WebSocket URL.
 *
 * Returns: the address the node advertises
 *
 * Since: 1.0
 */
const char *
gossip_node_get_address (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), NULL);
  return self->address;
}

/**
 * gossip_node_get_state:
 * @self: a node
 *
 * Gets the node's state; the same value as [property@Gossip.Node:state].
 *
 * Returns: the node's membership state
 *
 * Since: 1.0
 */
GossipNodeState
gossip_node_get_state (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), GOSSIP_NODE_STATE_UNKNOWN);
  return self->state;
}

/**
 * gossip_node_get_state_timestamp:
 * @self: a node
 *
 * Gets the hybrid logical clock timestamp of the node's last state change.
 *
 * Returns: the HLC timestamp of the node's last state change
 *
 * Since: 1.0
 */
guint64
gossip_node_get_state_timestamp (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), 0);
  return self->state_ts;
}

/**
 * gossip_node_get_state_reason:
 * @self: a node
 *
 * Gets why the node's state last changed; the same value as
 * [property@Gossip.Node:state-reason]. In a handler of
 * [signal@Gossip.Cluster::node-state-changed] it is the reason of that
 * change (or of a later one of the same node delivered with it).
 *
 * Returns: the reason of the node's last state change
 *
 * Since: 1.0
 */
GossipStateReason
gossip_node_get_state_reason (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), GOSSIP_STATE_REASON_UNKNOWN);
  return self->state_reason;
}

/**
 * gossip_node_get_state_reason_detail:
 * @self: a node
 *
 * Gets the specifics of the node's last state change as an English phrase,
 * for example "ping timeout after 3 indirect helpers", "suspicion from node
 * ID" or "confirmations 2 (quorum 2)"; the same value as
 * [property@Gossip.Node:state-reason-detail]. The wording is for people and
 * may change; match on [method@Gossip.Node.get_state_reason].
 *
 * Returns: (transfer none) (nullable): the detail of the node's last state
 *   change, or %NULL
 *
 * Since: 1.0
 */
const char *
gossip_node_get_state_reason_detail (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), NULL);
  return self->state_reason_detail;
}

/**
 * gossip_node_get_protocol_version:
 * @self: a node
 *
 * Gets the protocol version the node announced when it joined.
 *
 * Returns: the protocol version the node announced on join, or 0
 *
 * Since: 1.0
 */
guint
gossip_node_get_protocol_version (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), 0);
  return self->protocol_version;
}

/**
 * gossip_node_get_application_version:
 * @self: a node
 *
 * Gets the application version the node announced when it joined.
 *
 * Returns: the application version the node announced on join, or ""
 *
 * Since: 1.0
 */
const char *
gossip_node_get_application_version (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), NULL);
  return self->app_version;
}

/**
 * gossip_node_get_metadata:
 * @self: a node
 *
 * Gets the node's metadata, which replicates to every node; only the local
 * node's can be changed.
 *
 * Returns: (transfer none): the node's metadata
 *
 * Since: 1.0
 */
GossipMetadata *
gossip_node_get_metadata (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), NULL);
  return self->metadata;
}

/**
 * gossip_node_is_local:
 * @self: a node
 *
 * Tells whether this is the local node of its cluster.
 *
 * Returns: whether @self is the local node of its cluster
 *
 * Since: 1.0
 */
gboolean
gossip_node_is_local (GossipNode *self)
{
  g_return_val_if_fail (GOSSIP_IS_NODE (self), FALSE);
  return self->local;
}

/**
 * gossip_node_state_to_string:
 * @state: a node state
 *
 * Gets the name of a node state, as Go's NodeState.String() gives it.
 *
 * Returns: a short English name of @state ("alive", "suspect", ...)
 *
 * Since: 1.0
 */
const char *
gossip_node_state_to_string (GossipNodeState state)
{
  switch (state)
    {
    case GOSSIP_NODE_STATE_UNKNOWN: return "unknown";
    case GOSSIP_NODE_STATE_ALIVE: return "alive";
    case GOSSIP_NODE_STATE_LEAVING: return "leaving";
    case GOSSIP_NODE_STATE_DEAD: return "dead";
    case GOSSIP_NODE_STATE_SUSPECT: return "suspect";
    default: return "invalid";
    }
}

/**
 * gossip_state_reason_to_string:
 * @reason: a state reason
 *
 * Gets a short name of a state reason, the nick of its enum value.
 *
 * Returns: a short English name of @reason ("ping-timeout", "left", ...)
 *
 * Since: 1.0
 */
const char *
gossip_state_reason_to_string (GossipStateReason reason)
{
  switch (reason)
    {
    case GOSSIP_STATE_REASON_UNKNOWN: return "unknown";
    case GOSSIP_STATE_REASON_JOINED: return "joined";
    case GOSSIP_STATE_REASON_LEARNED: return "learned";
    case GOSSIP_STATE_REASON_PING_TIMEOUT: return "ping-timeout";
    case GOSSIP_STATE_REASON_SUSPICION: return "suspicion";
    case GOSSIP_STATE_REASON_CONFIRMED: return "confirmed";
    case GOSSIP_STATE_REASON_SUSPICION_TIMEOUT: return "suspicion-timeout";
    case GOSSIP_STATE_REASON_REFUTED: return "refuted";
    case GOSSIP_STATE_REASON_RECOVERED: return "recovered";
    case GOSSIP_STATE_REASON_LEFT: return "left";
    case GOSSIP_STATE_REASON_DEAD_AFTER_LEAVE: return "dead-after-leave";
    case GOSSIP_STATE_REASON_MOVED: return "moved";
    case GOSSIP_STATE_REASON_REMOVED: return "removed";
    default: return "invalid";
    }
}
