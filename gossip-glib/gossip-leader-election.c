/* gossip-leader-election.c: one leader per cluster (or node group), with a quorum.
 *
 * Wire-compatible with Go v0.6.0's `leader` package (BEHAVIOUR.md §10): the
 * leader broadcasts a heartbeat {ts, term} of type 65 every heartbeat
 * interval, registered with forwarding as Go does, and every node picks the
 * eligible Alive node with the smallest ID as the one that should lead —
 * the rule Go nodes apply when they (re-)elect locally, so a mixed cluster
 * converges on the same node.
 *
 * What v0.6.0 lacks and this adds:
 * - A real quorum. The expected size is the number of eligible nodes the
 *   local node knows that did not leave gracefully (Alive, Suspect or Dead:
 *   a partitioned-away node is Dead, not forgotten), or the configured
 *   minimum if larger. A node claims or keeps leadership, and follows a
 *   leader, only while it sees a majority of that size Alive
 *   (size / 2 + 1). In a partition only the majority side has a leader.
 * - Terms that never go backwards: every heartbeat merges its term into
 *   the local one (max), and a claim takes the highest term seen plus one.
 * - A claim waits one leader timeout after the last heartbeat accepted
 *   from another leader, so that a leader cut off from the majority has
 *   stepped down before the majority side elects (no lease on the wire:
 *   both depend on failure detection, see check()).
 * - A deterministic choice between competing heartbeats: the higher term,
 *   at equal terms the smaller ID (Go takes the later timestamp, which
 *   lets two leaders flip their followers back and forth).
 *
 * Only the public API of GossipCluster and GossipNodeGroup is used.
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n-lib.h>

#include "gossip-leader-election.h"
#include "gossip-leader-heartbeat-private.h"
#include "gossip-error.h"

/**
 * GossipLeaderElection:
 *
 * Elects one leader among the nodes of a [class@Gossip.Cluster], or among
 * the members of a [class@Gossip.NodeGroup], speaking the heartbeat of Go
 * v0.6.0's `leader` package so that Go and gossip-glib nodes agree.
 *
 * The leader is the eligible Alive node with the smallest ID, among the
 * nodes that can see a majority of the expected cluster size (see
 * [property@Gossip.LeaderElection:min-cluster-size]); it sends a heartbeat
 * every [property@Gossip.LeaderElection:heartbeat-interval] and followers
 * drop it after [property@Gossip.LeaderElection:leader-timeout] without
 * one, or at once when the cluster sees it fail or leave. Without a
 * majority there is no leader at all, so after a partition at most one
 * side has one. The election term never decreases.
 *
 * Everything runs on the cluster's main context.
 *
 * Since: 1.0
 */
struct _GossipLeaderElection
{
  GObject          parent_instance;

  GossipCluster   *cluster;
  GossipNodeGroup *group;          /* nullable */
  guint16          message_type;
  guint            heartbeat_interval;  /* ms */
  guint            leader_timeout;      /* ms */
  guint            min_cluster_size;

  gboolean         running;
  gboolean         registered;
  guint            tick_id;
  gulong           state_id;

  GossipNode      *leader;         /* nullable, owned */
  gboolean         is_leader;
  guint64          term;
  gint64           leader_ts;      /* ns, from the last accepted heartbeat */
  gint64           last_heartbeat; /* monotonic µs */
  gint64           last_foreign;   /* monotonic µs of the last heartbeat
                                    * accepted from another node, 0 if none */
};

enum {
  PROP_0,
  PROP_CLUSTER,
  PROP_GROUP,
  PROP_HEARTBEAT_INTERVAL,
  PROP_LEADER_TIMEOUT,
  PROP_MIN_CLUSTER_SIZE,
  PROP_IS_LEADER,
  PROP_LEADER,
  PROP_LEADER_ID,
  PROP_TERM,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_LEADER_ELECTED,
  SIGNAL_LEADER_LOST,
  SIGNAL_BECAME_LEADER,
  SIGNAL_STEPPED_DOWN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (GossipLeaderElection, gossip_leader_election, G_TYPE_OBJECT)

/* ------------------------------------------------------------------ */
/* The view: who is eligible, who should lead, is there a majority     */

typedef struct {
  guint       alive;      /* eligible and Alive */
  guint       known;      /* eligible and Alive, Suspect or Dead */
  GossipNode *candidate;  /* eligible Alive node with the smallest ID */
} View;

static gboolean
eligible (GossipLeaderElection *self,
          GossipNode           *node)
{
  return self->group == NULL || gossip_node_group_matches (self->group, node);
}

static void
take_view (GossipLeaderElection *self,
           View                 *view)
{
  GListModel *nodes = gossip_cluster_get_nodes (self->cluster);
  guint n = g_list_model_get_n_items (nodes);

  memset (view, 0, sizeof *view);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GossipNode) node = g_list_model_get_item (nodes, i);
      GossipNodeState state = gossip_node_get_state (node);

      if (!eligible (self, node))
        continue;
      if (state == GOSSIP_NODE_STATE_ALIVE || state == GOSSIP_NODE_STATE_SUSPECT ||
          state == GOSSIP_NODE_STATE_DEAD)
        view->known++;
      if (state != GOSSIP_NODE_STATE_ALIVE)
        continue;
      view->alive++;
      if (view->candidate == NULL ||
          strcmp (gossip_node_get_id (node), gossip_node_get_id (view->candidate)) < 0)
        view->candidate = node;   /* the cluster's list keeps it alive */
    }
}

static guint
quorum_of (GossipLeaderElection *self,
           const View           *view)
{
  return MAX (view->known, self->min_cluster_size) / 2 + 1;
}

static gboolean
view_has_quorum (GossipLeaderElection *self,
                 const View           *view)
{
  return view->alive >= quorum_of (self, view);
}

static gboolean
is_local (GossipLeaderElection *self,
          GossipNode           *node)
{
  return node != NULL &&
         strcmp (gossip_node_get_id (node),
                 gossip_node_get_id (gossip_cluster_get_local_node (self->cluster))) == 0;
}

/* ------------------------------------------------------------------ */
/* State changes, each with its signals and notifications              */

static void
set_term (GossipLeaderElection *self,
          guint64               term)
{
  if (term <= self->term)
    return;   /* never backwards */
  self->term = term;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TERM]);
}

/* @leader NULL: no leader any more. */
static void
set_leader (GossipLeaderElection *self,
            GossipNode           *leader)
{
  g_autoptr(GossipNode) old = self->leader ? g_object_ref (self->leader) : NULL;
  gboolean was_leader = self->is_leader;
  gboolean now_leader = is_local (self, leader);
  gboolean changed = (old == NULL) != (leader == NULL) ||
                     (old != NULL && strcmp (gossip_node_get_id (old), gossip_node_get_id (leader)) != 0);

  g_set_object (&self->leader, leader);
  self->is_leader = now_leader;

  g_object_freeze_notify (G_OBJECT (self));
  if (changed)
    {
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LEADER]);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LEADER_ID]);
    }
  if (was_leader != now_leader)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_IS_LEADER]);
  g_object_thaw_notify (G_OBJECT (self));

  if (was_leader && !now_leader)
    g_signal_emit (self, signals[SIGNAL_STEPPED_DOWN], 0);
  if (changed && leader == NULL)
    g_signal_emit (self, signals[SIGNAL_LEADER_LOST], 0, gossip_node_get_id (old));
  if (!was_leader && now_leader)
    g_signal_emit (self, signals[SIGNAL_BECAME_LEADER], 0);
  if (changed && leader != NULL)
    g_signal_emit (self, signals[SIGNAL_LEADER_ELECTED], 0, leader);
}

static void
send_heartbeat (GossipLeaderElection *self)
{
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GError) error = NULL;
  GossipCodec *codec = gossip_config_get_codec (gossip_cluster_get_config (self->cluster));
  gint64 now = g_get_real_time () * 1000;

  payload = gossip_leader_heartbeat_encode (codec, now, self->term, &error);
  if (payload == NULL ||
      !gossip_cluster_send_full (self->cluster, self->message_type, NULL, payload,
                                 GOSSIP_SEND_NONE, NULL, 0, NULL, &error))
    {
      g_debug ("leader: heartbeat not sent: %s", error->message);
      return;
    }
  self->leader_ts = now;
  self->last_heartbeat = g_get_monotonic_time ();
}

/* The periodic check (Go's checkAndElect), also run on state changes. */
static void
check (GossipLeaderElection *self)
{
  GossipNode *local = gossip_cluster_get_local_node (self->cluster);
  View view;
  gboolean quorum;

  if (!self->running)
    return;
  take_view (self, &view);
  quorum = view_has_quorum (self, &view);

  if (self->is_leader)
    {
      /* Keep leading only with a majority, while still the one who should. */
      if (!quorum || view.candidate == NULL || !is_local (self, view.candidate))
        set_leader (self, NULL);
    }
  else if (self->leader != NULL)
    {
      gint64 age = g_get_monotonic_time () - self->last_heartbeat;

      if (!quorum || age > (gint64) self->leader_timeout * 1000 ||
          gossip_node_get_state (self->leader) != GOSSIP_NODE_STATE_ALIVE ||
          !eligible (self, self->leader))
        set_leader (self, NULL);
    }

  /* A claim waits one leader timeout after the last heartbeat of another
   * leader: a leader cut off from the majority steps down when it sees it
   * lost it, which takes it about as long as the others take to see it
   * gone; the wait keeps the two from overlapping. */
  if (!self->is_leader && quorum && view.candidate != NULL &&
      is_local (self, view.candidate) && eligible (self, local) &&
      (self->last_foreign == 0 ||
       g_get_monotonic_time () - self->last_foreign > (gint64) self->leader_timeout * 1000))
    {
      /* Claim (or take over from a node with a larger ID) in a new term. */
      set_term (self, self->term + 1);
      set_leader (self, local);
    }

  if (self->is_leader)
    send_heartbeat (self);
}

static gboolean
on_tick (gpointer user_data)
{
  check (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_heartbeat (GossipCluster *cluster,
              GossipNode    *sender,
              GossipPacket  *packet,
              gpointer       user_data)
{
  GossipLeaderElection *self = user_data;
  g_autoptr(GVariant) payload = NULL;
  g_autoptr(GError) error = NULL;
  guint64 old_term = self->term;
  gint64 ts;
  guint64 term;
  View view;
  gboolean accept, from_candidate;

  if (!self->running || sender == NULL || is_local (self, sender))
    return;
  payload = gossip_packet_get_payload (packet, &error);
  if (payload == NULL || !gossip_leader_heartbeat_parse (payload, &ts, &term, &error))
    {
      g_debug ("leader: dropped heartbeat from %s: %s",
               gossip_node_get_id (sender), error->message);
      return;
    }
  if (gossip_node_get_state (sender) != GOSSIP_NODE_STATE_ALIVE || !eligible (self, sender))
    {
      g_debug ("leader: ignored heartbeat from %s (not an eligible live node)",
               gossip_node_get_id (sender));
      return;
    }

  set_term (self, term);
  take_view (self, &view);
  if (!view_has_quorum (self, &view))
    return;   /* no majority here: no leader, whatever others claim */

  if (self->is_leader && view.candidate != NULL && is_local (self, view.candidate))
    return;   /* we should lead; our next heartbeat carries the merged term */

  /* The node everyone should follow is accepted even if its term is
   * behind ours: a Go v0.6.0 leader's term is a local counter. */
  from_candidate = view.candidate != NULL &&
                   strcmp (gossip_node_get_id (sender), gossip_node_get_id (view.candidate)) == 0;
  if (self->leader != NULL &&
      strcmp (gossip_node_get_id (self->leader), gossip_node_get_id (sender)) == 0)
    accept = term >= old_term || from_candidate;
  else
    accept = term > old_term ||
             (term == old_term &&
              (self->leader == NULL ||
               strcmp (gossip_node_get_id (sender), gossip_node_get_id (self->leader)) < 0)) ||
             from_candidate;
  if (!accept)
    return;

  self->leader_ts = ts;
  self->last_heartbeat = self->last_foreign = g_get_monotonic_time ();
  set_leader (self, sender);
}

static void
on_state_changed (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  GossipLeaderElection *self = user_data;

  /* The leader failing or leaving ends its leadership at once (as in Go);
   * any change may also move the majority or the candidate. */
  if (self->running && (old_state == GOSSIP_NODE_STATE_ALIVE || new_state == GOSSIP_NODE_STATE_ALIVE))
    check (self);
}

/* ------------------------------------------------------------------ */
/* GObject                                                             */

static void
gossip_leader_election_dispose (GObject *object)
{
  GossipLeaderElection *self = GOSSIP_LEADER_ELECTION (object);

  if (self->cluster != NULL)
    gossip_leader_election_stop (self);
  g_clear_object (&self->leader);
  g_clear_object (&self->group);
  g_clear_object (&self->cluster);
  G_OBJECT_CLASS (gossip_leader_election_parent_class)->dispose (object);
}

static void
gossip_leader_election_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  GossipLeaderElection *self = GOSSIP_LEADER_ELECTION (object);

  switch (prop_id)
    {
    case PROP_CLUSTER:
      g_value_set_object (value, self->cluster);
      break;
    case PROP_GROUP:
      g_value_set_object (value, self->group);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      g_value_set_uint (value, self->heartbeat_interval);
      break;
    case PROP_LEADER_TIMEOUT:
      g_value_set_uint (value, self->leader_timeout);
      break;
    case PROP_MIN_CLUSTER_SIZE:
      g_value_set_uint (value, self->min_cluster_size);
      break;
    case PROP_IS_LEADER:
      g_value_set_boolean (value, self->is_leader);
      break;
    case PROP_LEADER:
      g_value_set_object (value, self->leader);
      break;
    case PROP_LEADER_ID:
      g_value_set_string (value, gossip_leader_election_get_leader_id (self));
      break;
    case PROP_TERM:
      g_value_set_uint64 (value, self->term);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_leader_election_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  GossipLeaderElection *self = GOSSIP_LEADER_ELECTION (object);

  switch (prop_id)
    {
    case PROP_CLUSTER:
      self->cluster = g_value_dup_object (value);
      break;
    case PROP_GROUP:
      self->group = g_value_dup_object (value);
      break;
    case PROP_HEARTBEAT_INTERVAL:
      gossip_leader_election_set_heartbeat_interval (self, g_value_get_uint (value));
      break;
    case PROP_LEADER_TIMEOUT:
      gossip_leader_election_set_leader_timeout (self, g_value_get_uint (value));
      break;
    case PROP_MIN_CLUSTER_SIZE:
      gossip_leader_election_set_min_cluster_size (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_leader_election_class_init (GossipLeaderElectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = gossip_leader_election_dispose;
  object_class->get_property = gossip_leader_election_get_property;
  object_class->set_property = gossip_leader_election_set_property;

  /**
   * GossipLeaderElection:cluster:
   *
   * The cluster the election runs on.
   *
   * Since: 1.0
   */
  props[PROP_CLUSTER] = g_param_spec_object ("cluster", NULL, NULL, GOSSIP_TYPE_CLUSTER,
                                             G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                             G_PARAM_STATIC_STRINGS);
  /**
   * GossipLeaderElection:group:
   *
   * If set, only the nodes matching the group's criteria are candidates
   * and count towards the quorum (Go's `MetadataCriteria`); a node outside
   * the group follows the leader but never leads. Default %NULL.
   *
   * Since: 1.0
   */
  props[PROP_GROUP] = g_param_spec_object ("group", NULL, NULL, GOSSIP_TYPE_NODE_GROUP,
                                           G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                           G_PARAM_STATIC_STRINGS);
  /**
   * GossipLeaderElection:heartbeat-interval:
   *
   * Period of the election check and of the leader's heartbeat, in
   * milliseconds (Go's `LeaderCheckInterval`). Default 1000.
   *
   * Since: 1.0
   */
  props[PROP_HEARTBEAT_INTERVAL] = g_param_spec_uint ("heartbeat-interval", NULL, NULL,
                                                      1, G_MAXINT, 1000, rw);
  /**
   * GossipLeaderElection:leader-timeout:
   *
   * Time in milliseconds after the last heartbeat at which followers drop
   * the leader (Go's `LeaderTimeout`). Default 3000.
   *
   * Since: 1.0
   */
  props[PROP_LEADER_TIMEOUT] = g_param_spec_uint ("leader-timeout", NULL, NULL,
                                                  1, G_MAXINT, 3000, rw);
  /**
   * GossipLeaderElection:min-cluster-size:
   *
   * The smallest expected number of eligible nodes. The quorum is a
   * majority (size / 2 + 1) of this or of the number of eligible nodes
   * known and not gone (Alive, Suspect or Dead), whichever is larger. Set
   * it to the intended cluster size so that nodes that never met the
   * others (a partition at start-up) cannot elect a leader on their own.
   * Default 0 (the observed size only).
   *
   * Since: 1.0
   */
  props[PROP_MIN_CLUSTER_SIZE] = g_param_spec_uint ("min-cluster-size", NULL, NULL,
                                                    0, G_MAXINT, 0, rw);
  /**
   * GossipLeaderElection:is-leader:
   *
   * Whether the local node is the leader. Default %FALSE.
   *
   * Since: 1.0
   */
  props[PROP_IS_LEADER] = g_param_spec_boolean ("is-leader", NULL, NULL, FALSE, ro);
  /**
   * GossipLeaderElection:leader:
   *
   * The leader's node, or %NULL when there is none.
   *
   * Since: 1.0
   */
  props[PROP_LEADER] = g_param_spec_object ("leader", NULL, NULL, GOSSIP_TYPE_NODE, ro);
  /**
   * GossipLeaderElection:leader-id:
   *
   * The leader's node ID, or %NULL when there is none.
   *
   * Since: 1.0
   */
  props[PROP_LEADER_ID] = g_param_spec_string ("leader-id", NULL, NULL, NULL, ro);
  /**
   * GossipLeaderElection:term:
   *
   * The highest election term this node has seen or started; it never
   * decreases. Default 0.
   *
   * Since: 1.0
   */
  props[PROP_TERM] = g_param_spec_uint64 ("term", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * GossipLeaderElection::leader-elected:
   * @self: the election
   * @leader: the new leader
   *
   * Emitted when this node starts following a new leader, itself included
   * (after [signal@Gossip.LeaderElection::became-leader]).
   *
   * Since: 1.0
   */
  signals[SIGNAL_LEADER_ELECTED] =
    g_signal_new ("leader-elected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GOSSIP_TYPE_NODE);
  /**
   * GossipLeaderElection::leader-lost:
   * @self: the election
   * @leader_id: the ID of the leader that was lost
   *
   * Emitted when there is no leader any more: it failed, left, stopped
   * sending heartbeats, or this node lost the majority. A direct change
   * from one leader to another emits only
   * [signal@Gossip.LeaderElection::leader-elected].
   *
   * Since: 1.0
   */
  signals[SIGNAL_LEADER_LOST] =
    g_signal_new ("leader-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * GossipLeaderElection::became-leader:
   * @self: the election
   *
   * Emitted when the local node becomes the leader.
   *
   * Since: 1.0
   */
  signals[SIGNAL_BECAME_LEADER] =
    g_signal_new ("became-leader", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GossipLeaderElection::stepped-down:
   * @self: the election
   *
   * Emitted when the local node stops being the leader.
   *
   * Since: 1.0
   */
  signals[SIGNAL_STEPPED_DOWN] =
    g_signal_new ("stepped-down", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
gossip_leader_election_init (GossipLeaderElection *self)
{
  self->message_type = GOSSIP_LEADER_HEARTBEAT_MESSAGE_TYPE;
  self->heartbeat_interval = 1000;
  self->leader_timeout = 3000;
}

/* ------------------------------------------------------------------ */
/* API                                                                 */

/**
 * gossip_leader_election_new:
 * @cluster: a cluster
 * @group: (nullable): restrict the candidates to this group's members
 *
 * Creates an election on @cluster; call
 * [method@Gossip.LeaderElection.start] to take part.
 *
 * Returns: (transfer full): a new election
 *
 * Since: 1.0
 */
GossipLeaderElection *
gossip_leader_election_new (GossipCluster   *cluster,
                            GossipNodeGroup *group)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (cluster), NULL);
  g_return_val_if_fail (group == NULL || GOSSIP_IS_NODE_GROUP (group), NULL);

  return g_object_new (GOSSIP_TYPE_LEADER_ELECTION, "cluster", cluster, "group", group, NULL);
}

/**
 * gossip_leader_election_start:
 * @self: an election
 * @error: return location for a #GError
 *
 * Registers the heartbeat handler (type 65, forwarded) and starts the
 * periodic check, running it once now.
 *
 * Returns: %TRUE on success; %FALSE with %GOSSIP_ERROR_EXISTS if another
 *   handler owns type 65
 *
 * Since: 1.0
 */
gboolean
gossip_leader_election_start (GossipLeaderElection  *self,
                              GError               **error)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), FALSE);
  g_return_val_if_fail (self->cluster != NULL, FALSE);

  if (self->running)
    return TRUE;
  if (!gossip_cluster_handle (self->cluster, self->message_type, on_heartbeat, self, NULL, error))
    return FALSE;
  self->registered = TRUE;
  self->running = TRUE;
  self->state_id = g_signal_connect_object (self->cluster, "node-state-changed",
                                            G_CALLBACK (on_state_changed), self, 0);
  self->tick_id = g_timeout_add (self->heartbeat_interval, on_tick, self);
  check (self);
  return TRUE;
}

/**
 * gossip_leader_election_stop:
 * @self: an election
 *
 * Stops taking part: the check stops, the heartbeat handler is removed
 * and a leader steps down (its followers notice after the leader timeout).
 *
 * Since: 1.0
 */
void
gossip_leader_election_stop (GossipLeaderElection *self)
{
  g_return_if_fail (GOSSIP_IS_LEADER_ELECTION (self));

  if (!self->running)
    return;
  self->running = FALSE;
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_signal_handler (&self->state_id, self->cluster);
  if (self->registered)
    gossip_cluster_unregister (self->cluster, self->message_type);
  self->registered = FALSE;
  set_leader (self, NULL);
}

/**
 * gossip_leader_election_get_cluster:
 * @self: an election
 *
 * Gets the cluster the election runs on.
 *
 * Returns: (transfer none): the cluster
 *
 * Since: 1.0
 */
GossipCluster *
gossip_leader_election_get_cluster (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), NULL);
  return self->cluster;
}

/**
 * gossip_leader_election_get_group:
 * @self: an election
 *
 * Gets the node group the election is restricted to, if any.
 *
 * Returns: (transfer none) (nullable): the group restricting the candidates
 *
 * Since: 1.0
 */
GossipNodeGroup *
gossip_leader_election_get_group (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), NULL);
  return self->group;
}

/**
 * gossip_leader_election_get_is_leader:
 * @self: an election
 *
 * Tells whether the local node is the leader now; the same value as
 * [property@Gossip.LeaderElection:is-leader].
 *
 * Returns: whether the local node is the leader
 *
 * Since: 1.0
 */
gboolean
gossip_leader_election_get_is_leader (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), FALSE);
  return self->is_leader;
}

/**
 * gossip_leader_election_get_leader:
 * @self: an election
 *
 * Gets the current leader as a node of the cluster, if there is one.
 *
 * Returns: (transfer none) (nullable): the leader, or %NULL
 *
 * Since: 1.0
 */
GossipNode *
gossip_leader_election_get_leader (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), NULL);
  return self->leader;
}

/**
 * gossip_leader_election_get_leader_id:
 * @self: an election
 *
 * Gets the ID of the current leader, if there is one.
 *
 * Returns: (nullable): the leader's node ID, or %NULL
 *
 * Since: 1.0
 */
const char *
gossip_leader_election_get_leader_id (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), NULL);
  return self->leader ? gossip_node_get_id (self->leader) : NULL;
}

/**
 * gossip_leader_election_get_term:
 * @self: an election
 *
 * Gets the election term, which grows with every election.
 *
 * Returns: the current term (never decreasing)
 *
 * Since: 1.0
 */
guint64
gossip_leader_election_get_term (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), 0);
  return self->term;
}

/**
 * gossip_leader_election_get_quorum:
 * @self: an election
 *
 * Computes the quorum: a majority of the known eligible nodes (those of
 * the group, if the election has one), counting at least
 * [property@Gossip.LeaderElection:min-cluster-size] nodes.
 *
 * Returns: the number of eligible Alive nodes needed for a leader now
 *
 * Since: 1.0
 */
guint
gossip_leader_election_get_quorum (GossipLeaderElection *self)
{
  View view;

  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), 0);
  take_view (self, &view);
  return quorum_of (self, &view);
}

/**
 * gossip_leader_election_has_quorum:
 * @self: an election
 *
 * Tells whether enough eligible nodes are alive for a leader to be elected.
 *
 * Returns: whether this node sees a majority of the expected cluster size
 *
 * Since: 1.0
 */
gboolean
gossip_leader_election_has_quorum (GossipLeaderElection *self)
{
  View view;

  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), FALSE);
  take_view (self, &view);
  return view_has_quorum (self, &view);
}

/**
 * gossip_leader_election_get_heartbeat_interval:
 * @self: an election
 *
 * Gets [property@Gossip.LeaderElection:heartbeat-interval].
 *
 * Returns: [property@Gossip.LeaderElection:heartbeat-interval], in ms
 *
 * Since: 1.0
 */
guint
gossip_leader_election_get_heartbeat_interval (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), 0);
  return self->heartbeat_interval;
}

/**
 * gossip_leader_election_set_heartbeat_interval:
 * @self: an election
 * @interval_ms: the period in milliseconds (1 or more)
 *
 * Sets [property@Gossip.LeaderElection:heartbeat-interval].
 *
 * Since: 1.0
 */
void
gossip_leader_election_set_heartbeat_interval (GossipLeaderElection *self,
                                               guint                 interval_ms)
{
  g_return_if_fail (GOSSIP_IS_LEADER_ELECTION (self));
  g_return_if_fail (interval_ms > 0);

  if (self->heartbeat_interval == interval_ms)
    return;
  self->heartbeat_interval = interval_ms;
  if (self->tick_id != 0)
    {
      g_source_remove (self->tick_id);
      self->tick_id = g_timeout_add (interval_ms, on_tick, self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_HEARTBEAT_INTERVAL]);
}

/**
 * gossip_leader_election_get_leader_timeout:
 * @self: an election
 *
 * Gets [property@Gossip.LeaderElection:leader-timeout].
 *
 * Returns: [property@Gossip.LeaderElection:leader-timeout], in ms
 *
 * Since: 1.0
 */
guint
gossip_leader_election_get_leader_timeout (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), 0);
  return self->leader_timeout;
}

/**
 * gossip_leader_election_set_leader_timeout:
 * @self: an election
 * @timeout_ms: the timeout in milliseconds (1 or more)
 *
 * Sets [property@Gossip.LeaderElection:leader-timeout].
 *
 * Since: 1.0
 */
void
gossip_leader_election_set_leader_timeout (GossipLeaderElection *self,
                                           guint                 timeout_ms)
{
  g_return_if_fail (GOSSIP_IS_LEADER_ELECTION (self));
  g_return_if_fail (timeout_ms > 0);

  if (self->leader_timeout == timeout_ms)
    return;
  self->leader_timeout = timeout_ms;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LEADER_TIMEOUT]);
}

/**
 * gossip_leader_election_get_min_cluster_size:
 * @self: an election
 *
 * Gets [property@Gossip.LeaderElection:min-cluster-size].
 *
 * Returns: [property@Gossip.LeaderElection:min-cluster-size]
 *
 * Since: 1.0
 */
guint
gossip_leader_election_get_min_cluster_size (GossipLeaderElection *self)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), 0);
  return self->min_cluster_size;
}

/**
 * gossip_leader_election_set_min_cluster_size:
 * @self: an election
 * @size: the smallest expected number of eligible nodes, 0 for none
 *
 * Sets [property@Gossip.LeaderElection:min-cluster-size].
 *
 * Since: 1.0
 */
void
gossip_leader_election_set_min_cluster_size (GossipLeaderElection *self,
                                             guint                 size)
{
  g_return_if_fail (GOSSIP_IS_LEADER_ELECTION (self));

  if (self->min_cluster_size == size)
    return;
  self->min_cluster_size = size;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_MIN_CLUSTER_SIZE]);
  if (self->running)
    check (self);
}

/**
 * gossip_leader_election_send_to_peers:
 * @self: an election
 * @message_type: an application message type (64 or more)
 * @value: (nullable): the payload
 * @flags: how to send
 * @error: return location for a #GError
 *
 * Sends to the group's members ([method@Gossip.NodeGroup.send_to_peers])
 * when the election has a group, else broadcasts to the cluster (Go's
 * `LeaderElection.SendToPeers`).
 *
 * Returns: %TRUE if the message was sent on its way
 *
 * Since: 1.0
 */
gboolean
gossip_leader_election_send_to_peers (GossipLeaderElection  *self,
                                      guint16                message_type,
                                      GVariant              *value,
                                      GossipSendFlags        flags,
                                      GError               **error)
{
  g_return_val_if_fail (GOSSIP_IS_LEADER_ELECTION (self), FALSE);

  if (self->group != NULL)
    return gossip_node_group_send_to_peers (self->group, message_type, value, flags, error);
  return gossip_cluster_send_full (self->cluster, message_type, value, NULL, flags,
                                   NULL, 0, NULL, error);
}
