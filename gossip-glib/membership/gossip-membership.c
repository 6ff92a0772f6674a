/* gossip-membership.c: who is in the cluster, and the only place that changes it.
 *
 * Joins (both sides), push/pull state exchange, the merge of remote node
 * states, the alive/suspicion/leaving/metadata messages and the retention
 * timers. Every node state change goes through gossip_membership_set_state_for(),
 * which tells the observers exactly once per transition, in order, once
 * the transition is complete (see gossip-membership-private.h).
 */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gossip-membership-private.h"
#include "gossip-system-read-private.h"
#include "gossip-codec-fast-private.h"
#include "gossip-error.h"
#include "gossip-hlc-private.h"
#include "gossip-metadata-private.h"
#include "gossip-packet-private.h"

/* ------------------------------------------------------------------ */
/* State changes                                                       */

typedef struct {
  const GossipMembershipObserver *vtable;
  gpointer                        data;
} Observer;

/* A token bucket holding one second's worth of @rate tokens. */
typedef struct {
  double tokens;
  gint64 last;     /* monotonic µs of the last refill, 0: never used */
} Bucket;

/* An entry of the unsolicited-join table, in the order it was made. */
typedef struct {
  char  *address;
  gint64 when;
} JoinMark;

/* Tables of addresses and sources keep at most this many (the oldest go). */
#define MAX_REMEMBERED 4096

struct _GossipMembership
{
  const GossipConfigValues       *cfg;
  GMainContext                   *context;
  GossipRouter                   *router;
  GossipTransport                *transport;
  GossipMembershipHost            host;
  GossipNodeList                 *nodes;
  GossipNode                     *local;
  GossipNodeId                    local_id;
  char                           *advertise_address;
  gboolean                        stopped;

  GPtrArray                      *join_peers;        /* char*, remembered for rejoin */
  GHashTable                     *unsolicited_joins; /* address -> last attempt (monotonic µs) */
  GQueue                          unsolicited_order; /* JoinMark, oldest first */
  Bucket                          join_out_bucket;   /* unsolicited joins sent */
  Bucket                          join_in_bucket;    /* joins answered, all sources */
  GHashTable                     *join_in_sources;   /* IP string -> Bucket* */
  GQueue                          join_in_order;     /* IP strings (owned by the table), oldest first */
  GHashTable                     *join_peer_ids;     /* join peer string -> GossipNodeId* that answered it */
  GHashTable                     *joins_in_flight;   /* address -> number of join requests awaiting a reply */
  GSource                        *sync_timer;
  guint                           sync_news;         /* nodes learned since the last sync round */
  GSource                        *lifecycle_timer;
  guint64                         refutations;
  gint64                          node_limit_logged; /* monotonic µs of the last such log line */

  GArray                         *observers;         /* Observer */
  const GossipMembershipEvidence *evidence;
  gpointer                        evidence_data;
};

static const GossipPeerSource peer_source;
static gboolean receive_cb (GossipReceived *rx, GVariant *payload, gpointer data);

GossipMembership *
gossip_membership_new (const GossipConfigValues   *cfg,
                       GMainContext               *context,
                       GossipRouter               *router,
                       GossipTransport            *transport,
                       const GossipNodeId         *local_id,
                       const char                 *advertise_address,
                       GossipMetadata             *local_metadata,
                       const GossipMembershipHost *host)
{
  GossipMembership *self = g_new0 (GossipMembership, 1);

  self->cfg = cfg;
  self->context = context;
  self->router = router;
  self->transport = g_object_ref (transport);
  self->host = *host;
  self->local_id = *local_id;
  self->advertise_address = g_strdup (advertise_address);
  self->join_peers = g_ptr_array_new_with_free_func (g_free);
  self->unsolicited_joins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->join_peer_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->joins_in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->unsolicited_order);
  self->join_in_sources = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_queue_init (&self->join_in_order);
  self->observers = g_array_new (FALSE, FALSE, sizeof (Observer));

  self->nodes = gossip_node_list_new ();
  self->local = gossip_node_new (&self->local_id, self->advertise_address, TRUE, local_metadata);
  gossip_node_set_versions (self->local, GOSSIP_PROTOCOL_VERSION, cfg->application_version);
  gossip_node_set_state_internal (self->local, GOSSIP_NODE_STATE_ALIVE, gossip_hlc_now ());
  gossip_node_list_add (self->nodes, self->local);

  gossip_router_set_peer_source (router, &peer_source, self);
  for (guint16 type = GOSSIP_MSG_JOIN; type <= GOSSIP_MSG_METADATA; type++)
    gossip_router_register (router, type,
                            GOSSIP_RECEIVE_RAW | (type <= GOSSIP_MSG_PUSH_PULL ? GOSSIP_RECEIVE_RELIABLE_ONLY : GOSSIP_RECEIVE_FORWARD),
                            receive_cb, self);
  return self;
}

void
gossip_membership_free (GossipMembership *self)
{
  if (self == NULL)
    return;
  gossip_membership_stop (self);
  g_clear_pointer (&self->observers, g_array_unref);
  g_clear_pointer (&self->nodes, gossip_node_list_free);
  g_clear_object (&self->local);
  g_clear_pointer (&self->join_peers, g_ptr_array_unref);
  g_clear_pointer (&self->unsolicited_joins, g_hash_table_unref);
  while (!g_queue_is_empty (&self->unsolicited_order))
    {
      JoinMark *mark = g_queue_pop_head (&self->unsolicited_order);
      g_free (mark->address);
      g_free (mark);
    }
  g_queue_clear (&self->join_in_order);
  g_clear_pointer (&self->join_in_sources, g_hash_table_unref);
  g_clear_pointer (&self->join_peer_ids, g_hash_table_unref);
  g_clear_pointer (&self->joins_in_flight, g_hash_table_unref);
  g_clear_object (&self->transport);
  g_free (self->advertise_address);
  g_free (self);
}

GossipNodeList *
gossip_membership_get_nodes (GossipMembership *self)
{
  return self->nodes;
}

GossipNode *
gossip_membership_get_local (GossipMembership *self)
{
  return self->local;
}

guint64
gossip_membership_get_refutations (GossipMembership *self)
{
  return self->refutations;
}

void
gossip_membership_add_observer (GossipMembership               *self,
                                const GossipMembershipObserver *observer,
                                gpointer                        data)
{
  Observer o = { observer, data };

  g_array_append_val (self->observers, o);
}

void
gossip_membership_set_evidence (GossipMembership               *self,
                                const GossipMembershipEvidence *evidence,
                                gpointer                        data)
{
  self->evidence = evidence;
  self->evidence_data = data;
}

static void
notify_observers (GossipMembership *self,
                  GossipNode       *node,
                  GossipNodeState   old_state,
                  GossipNodeState   new_state)
{
  for (guint i = 0; self->observers != NULL && i < self->observers->len; i++)
    {
      Observer *o = &g_array_index (self->observers, Observer, i);
      if (o->vtable->state_changed != NULL)
        o->vtable->state_changed (o->data, node, old_state, new_state);
    }
}

static void
notify_metadata (GossipMembership *self,
                 GossipNode       *node)
{
  for (guint i = 0; self->observers != NULL && i < self->observers->len; i++)
    {
      Observer *o = &g_array_index (self->observers, Observer, i);
      if (o->vtable->metadata_changed != NULL)
        o->vtable->metadata_changed (o->data, node);
    }
}

static void
hold_node (GossipMembership *self,
           GossipNode       *node)
{
  if (self->host.hold_node != NULL)
    self->host.hold_node (self->host.data, node);
}

/* The claims health judges; without a failure detector they are ignored. */
#define EVIDENCE(self, fn, ...) \
  G_STMT_START { \
    if ((self)->evidence != NULL && (self)->evidence->fn != NULL) \
      (self)->evidence->fn ((self)->evidence_data, ##__VA_ARGS__); \
  } G_STMT_END

static gboolean
withholds (GossipMembership *self,
           GossipNode       *node)
{
  return self->evidence != NULL && self->evidence->withholds != NULL &&
         self->evidence->withholds (self->evidence_data, node);
}

/* Takes a token from @b, refilled at @rate per second up to @rate;
 * rate 0 is no limit. */
static gboolean
bucket_take (Bucket *b,
             guint   rate,
             gint64  now)
{
  if (rate == 0)
    return TRUE;
  if (b->last == 0)
    b->tokens = rate;
  else
    b->tokens = MIN ((double) rate, b->tokens + (double) (now - b->last) * rate / G_USEC_PER_SEC);
  b->last = now;
  if (b->tokens < 1.0)
    return FALSE;
  b->tokens -= 1.0;
  return TRUE;
}

/* Whether @ts, read from the wire, lies further ahead of the local clock
 * than max-clock-skew; if so it is a counted drop. Without this one forged
 * far-future time (a leave's message ID, a metadata time) would outrank
 * every true claim until the clocks caught up with it: hours, or never. */
static gboolean
too_far_ahead (GossipMembership *self,
               guint64           ts,
               const char       *what)
{
  guint64 limit;

  if (self->cfg->max_clock_skew == 0)
    return FALSE;
  limit = gossip_hlc_from_unix_usec (g_get_real_time () + (gint64) self->cfg->max_clock_skew * 1000);
  if (ts <= limit)
    return FALSE;
  gossip_router_count_drop (self->router, GOSSIP_DROP_CLOCK_SKEW, what);
  return TRUE;
}

static guint
payload_size (GossipMembership *self,
              guint             n)
{
  return gossip_router_log_formula (n, self->cfg->state_exchange_multiplier, 2, 16);
}

/* Go sends these queued, with the broadcast TTL; seq is always 1. A node
 * that does not know us answers by joining us. */
static void
send_discovery_ping (GossipMembership *self,
                     GossipNode       *node)
{
  GossipPingMsg msg = {
    .target = *gossip_node_get_node_id (node),
    .seq = 1,
    .addr = self->advertise_address,
  };

  gossip_router_send_ping (self->router, gossip_node_get_address (node), GOSSIP_MSG_PING, &msg,
                           gossip_router_addressed_ttl (self->router));
}

/* One debug line per transition, naming the local node, with its reason. */
static void
log_transition (GossipMembership *self,
                GossipNode       *node,
                GossipNodeState   old_state,
                GossipNodeState   new_state)
{
  const char *detail = gossip_node_get_state_reason_detail (node);

  g_debug ("%s: node %s %s -> %s: %s", gossip_node_get_address (self->local), gossip_node_get_id (node),
           gossip_node_state_to_string (old_state), gossip_node_state_to_string (new_state),
           detail != NULL ? detail : gossip_state_reason_to_string (gossip_node_get_state_reason (node)));
}

/* Who said so, in a reason's detail. */
static const char *
who (GossipNode *node)
{
  return node != NULL ? gossip_node_get_id (node) : "an unknown node";
}

void
gossip_membership_add_node (GossipMembership *self,
                            GossipNode       *node)
{
  hold_node (self, node);
  gossip_node_list_add (self->nodes, node);
  log_transition (self, node, GOSSIP_NODE_STATE_UNKNOWN, gossip_node_get_state (node));
  notify_observers (self, node, GOSSIP_NODE_STATE_UNKNOWN, gossip_node_get_state (node));
}

void
gossip_membership_set_state_for (GossipMembership *self,
                                 GossipNode       *node,
                                 GossipNodeState   state,
                                 guint64           timestamp,
                                 GossipStateReason reason,
                                 const char       *detail_fmt,
                                 ...)
{
  GossipNodeState old = gossip_node_get_state (node);
  guint64 current_ts = gossip_node_get_state_timestamp (node);
  g_autofree char *detail = NULL;

  /* The local node is the authority on itself: others may not declare it
   * suspect or dead (it refutes instead). */
  if (node == self->local && state != GOSSIP_NODE_STATE_ALIVE && state != GOSSIP_NODE_STATE_LEAVING)
    return;

  if (old == state)
    {
      if (timestamp > current_ts)
        gossip_node_set_state_timestamp (node, timestamp);
      return;
    }

  hold_node (self, node);
  if (detail_fmt != NULL)
    {
      va_list args;

      va_start (args, detail_fmt);
      detail = g_strdup_vprintf (detail_fmt, args);
      va_end (args);
    }
  /* Before the state itself, so that it is current when the change is seen. */
  gossip_node_set_state_reason (node, reason, detail);
  gossip_node_list_set_state (self->nodes, node, state,
                              timestamp > current_ts ? timestamp : gossip_hlc_now ());
  if (state == GOSSIP_NODE_STATE_LEAVING)
    gossip_node_set_departed (node, TRUE);
  if (state != GOSSIP_NODE_STATE_ALIVE && node != self->local)
    gossip_transport_forget_address (self->transport, gossip_node_get_address (node));
  log_transition (self, node, old, state);
  /* The transition is complete: now the observers. */
  notify_observers (self, node, old, state);
}

void
gossip_membership_set_state (GossipMembership *self,
                             GossipNode       *node,
                             GossipNodeState   state,
                             guint64           timestamp)
{
  gossip_membership_set_state_for (self, node, state, timestamp, GOSSIP_STATE_REASON_UNKNOWN, NULL);
}

void
gossip_membership_remove_node (GossipMembership *self,
                               GossipNode       *node)
{
  GossipNodeState old = gossip_node_get_state (node);
  g_autofree char *detail = NULL;

  g_object_ref (node);
  hold_node (self, node);
  gossip_node_list_remove (self->nodes, node);
  /* The lifecycle timer is the only caller: dead for the retention period. */
  detail = g_strdup_printf ("removed after dead-node retention (%u ms)", self->cfg->dead_node_retention_period);
  gossip_node_set_state_reason (node, GOSSIP_STATE_REASON_REMOVED, detail);
  gossip_node_set_state_internal (node, GOSSIP_NODE_STATE_UNKNOWN, gossip_node_get_state_timestamp (node));
  log_transition (self, node, old, GOSSIP_NODE_STATE_UNKNOWN);
  notify_observers (self, node, old, GOSSIP_NODE_STATE_UNKNOWN);
  g_object_unref (node);
}

void
gossip_membership_apply_metadata (GossipMembership *self,
                                  GossipNode       *node,
                                  GVariant         *md,
                                  guint64           ts,
                                  gboolean          force)
{
  if (node == self->local)
    return;
  if (gossip_metadata_apply (gossip_node_get_metadata (node), md, ts, force))
    notify_metadata (self, node);
}

/* What a message heard directly from a node says about it. */
static const char *
heard_detail (guint16 type)
{
  switch (type)
    {
    case GOSSIP_MSG_PING: return "recovered (it pinged us)";
    case GOSSIP_MSG_PING_ACK: return "recovered (answered a probe)";
    case GOSSIP_MSG_INDIRECT_PING: return "recovered (it asked us for an indirect probe)";
    case GOSSIP_MSG_INDIRECT_PING_ACK: return "recovered (it answered as an indirect helper)";
    case GOSSIP_MSG_JOIN: return "recovered (it sent us a join)";
    case GOSSIP_MSG_PUSH_PULL: return "recovered (it sent us its push/pull list)";
    default: return "recovered (a message directly from it)";
    }
}

void
gossip_membership_heard_from (GossipMembership *self,
                              GossipNode       *node,
                              guint16           type)
{
  GossipNodeState state = gossip_node_get_state (node);

  gossip_node_touch (node, g_get_monotonic_time ());
  /* Heard from itself: a stranger learned from someone's list is real. */
  gossip_node_list_confirm (self->nodes, node);
  if ((state == GOSSIP_NODE_STATE_SUSPECT || state == GOSSIP_NODE_STATE_DEAD) &&
      !gossip_node_get_departed (node))
    gossip_membership_set_state_for (self, node, GOSSIP_NODE_STATE_ALIVE, gossip_hlc_now (),
                                     GOSSIP_STATE_REASON_RECOVERED, "%s", heard_detail (type));
}

/* Bounds on strangers (GossipConfig:max-nodes documents them). A forged
 * push/pull request can name any number of invented nodes: it teaches at
 * most MAX_NEW_PER_REQUEST of them (Go never sends more than 16 entries in
 * one), and those stay unconfirmed (out of every random choice) until they
 * are heard from themselves, at most MAX_UNCONFIRMED at once, forgotten
 * after UNCONFIRMED_TTL_MS if they never answer. */
#define MAX_NEW_PER_REQUEST 16
#define MAX_UNCONFIRMED 256
#define UNCONFIRMED_TTL_MS(cfg) MAX (10 * (gint64) (cfg)->ping_timeout, 5000)

/* A stranger not learned: counted, and logged at most every 10 s. */
static void
refuse_node (GossipMembership *self,
             const char       *why)
{
  gint64 now = g_get_monotonic_time ();

  gossip_router_count_drop (self->router, GOSSIP_DROP_NODE_LIMIT, why);
  if (self->node_limit_logged == 0 || now - self->node_limit_logged >= 10 * G_USEC_PER_SEC)
    {
      self->node_limit_logged = now;
      g_message ("%s: not learning new nodes (%s; %u nodes, %u unconfirmed, max-nodes %u)",
                 self->advertise_address, why, gossip_node_list_size (self->nodes),
                 gossip_node_list_n_unconfirmed (self->nodes), self->cfg->max_nodes);
    }
}

/* A node we just learned of: published with its metadata already applied,
 * so that observers never see it without (Go bug §12.8). NULL (counted)
 * when the node list is full. */
static GossipNode *
learn_node (GossipMembership   *self,
            const GossipNodeId *id,
            const char         *address,
            GossipNodeState     state,
            guint64             state_ts,
            GVariant           *md,
            guint64             md_ts,
            GossipStateReason   reason,
            const char         *detail,
            gboolean            confirmed)
{
  g_autoptr(GossipNode) node = NULL;

  if (gossip_node_list_size (self->nodes) >= self->cfg->max_nodes)
    {
      refuse_node (self, "max-nodes reached");
      return NULL;
    }
  if (!confirmed && gossip_node_list_n_unconfirmed (self->nodes) >= MAX_UNCONFIRMED)
    {
      refuse_node (self, "too many unconfirmed nodes");
      return NULL;
    }
  node = gossip_node_new (id, address, FALSE, NULL);
  gossip_metadata_apply (gossip_node_get_metadata (node), md, md_ts, TRUE);
  gossip_node_set_state_reason (node, reason, detail);
  gossip_node_set_state_internal (node, state, state_ts ? state_ts : gossip_hlc_now ());
  gossip_node_touch (node, g_get_monotonic_time ());
  hold_node (self, node);
  gossip_node_list_add_full (self->nodes, node, confirmed);
  notify_observers (self, node, GOSSIP_NODE_STATE_UNKNOWN, gossip_node_get_state (node));
  return node;
}

static GVariant *
local_metadata_variant (GossipMembership *self,
                        guint64          *ts)
{
  GossipMetadata *md = gossip_node_get_metadata (self->local);

  *ts = gossip_metadata_get_timestamp (md);
  return gossip_metadata_to_variant (md);
}

/* Join accepted, from either side: add the node, or bring a known one back. */
static GossipNode *
accept_node (GossipMembership    *self,
             const GossipJoinMsg *msg,
             const char          *how)
{
  GossipNode *node = gossip_node_list_lookup (self->nodes, &msg->id);

  if (node == NULL)
    {
      node = learn_node (self, &msg->id, msg->addr, GOSSIP_NODE_STATE_ALIVE, 0,
                         msg->metadata, msg->metadata_ts, GOSSIP_STATE_REASON_JOINED, how, TRUE);
      if (node == NULL)
        return NULL;
      gossip_node_set_versions (node, msg->protocol_version, msg->app_version);
      return node;
    }

  gossip_node_set_address (node, msg->addr);
  gossip_node_set_versions (node, msg->protocol_version, msg->app_version);
  gossip_node_set_departed (node, FALSE);
  gossip_node_list_confirm (self->nodes, node);
  gossip_membership_apply_metadata (self, node, msg->metadata, msg->metadata_ts, TRUE);
  gossip_node_touch (node, g_get_monotonic_time ());
  gossip_membership_set_state_for (self, node, GOSSIP_NODE_STATE_ALIVE, gossip_hlc_now (),
                                   GOSSIP_STATE_REASON_JOINED, "%s", how);
  return node;
}

/* A node's own claim to be alive (its alive message, or its own entry in a
 * push/pull) that is newer than anything we know of it: a new incarnation.
 * If it names another address the node restarted elsewhere (a host that came
 * back with a new address, a new port): we move to it, where Go keeps the old
 * address until it forgets the node. A node that left and has come back is
 * alive again. A forged claim costs little: the next probe at the claimed
 * address fails and the real node refutes the suspicion from where it is.
 * Returns whether the claim was taken. */
static gboolean
adopt_own_claim (GossipMembership *self,
                 GossipNode       *node,
                 const char       *address,
                 guint64           claim_ts)
{
  const char *known = gossip_node_get_address (node);
  gboolean moved = address != NULL && address[0] != '\0' && g_strcmp0 (address, known) != 0;
  GossipNodeState state = gossip_node_get_state (node);
  g_autofree char *from = NULL;

  if (claim_ts <= gossip_node_get_state_timestamp (node))
    return FALSE;
  if (!moved && !(state != GOSSIP_NODE_STATE_ALIVE && gossip_node_get_departed (node)))
    return FALSE;

  if (moved)
    {
      g_debug ("%s: node %s moved from %s to %s", gossip_node_get_address (self->local),
               gossip_node_get_id (node), known, address);
      gossip_transport_forget_address (self->transport, known);
      from = g_strdup (known);
      hold_node (self, node);
      gossip_node_set_address (node, address);
    }
  gossip_node_set_departed (node, FALSE);
  gossip_node_touch (node, g_get_monotonic_time ());
  if (moved)
    gossip_membership_set_state_for (self, node, GOSSIP_NODE_STATE_ALIVE, claim_ts, GOSSIP_STATE_REASON_MOVED,
                                     "moved to a new address (its own alive claim from %s, was %s)",
                                     address, from);
  else
    gossip_membership_set_state_for (self, node, GOSSIP_NODE_STATE_ALIVE, claim_ts, GOSSIP_STATE_REASON_JOINED,
                                     "joined (back after its leave: its own newer alive claim)");
  return TRUE;
}

gboolean
gossip_membership_own_claim (GossipMembership *self,
                             GossipNode       *node,
                             const char       *address,
                             guint64           claim_ts)
{
  return adopt_own_claim (self, node, address, claim_ts);
}

static void
announce_alive (GossipMembership *self,
                GossipNode       *node,
                gboolean          reliable)
{
  GossipNodeMsg msg = {
    .node = *gossip_node_get_node_id (node),
    .addr = (char *) gossip_node_get_address (node),
  };

  gossip_router_broadcast (self->router, GOSSIP_MSG_ALIVE, gossip_node_msg_build (&msg, TRUE), reliable);
}

/* ------------------------------------------------------------------ */
/* Join, requesting side                                               */

/* A Go seed neither announces a joiner nor replies to its push/pull with
 * more than a random sample of its members, so two joiners of one Go seed
 * can miss each other until a later state sync happens to pair them (issue
 * 11: ~5.5 s in a third of runs). So after the first accepted join the
 * joiner announces itself: the seed forwards the alive broadcast, and every
 * node that does not know us yet joins us on it (Go's handleAlive and ours
 * both join an unknown originator), completing both views at once. Nodes
 * that know us already ignore it. Once per application join. */
static void
announce_joined (GossipMembership *self,
                 GossipNode       *seed)
{
  GossipNodeMsg msg = { .node = self->local_id, .addr = (char *) self->advertise_address };
  guint max_ttl = gossip_router_max_ttl (self->router);
  /* Sent to the seed with Go's broadcast TTL, not as one of our direct
   * (TTL 0) broadcasts: the seed must forward it to the nodes we do not
   * know yet. */
  GossipEnvelope env = gossip_router_envelope (self->router, GOSSIP_MSG_ALIVE,
                                                (guint8) MAX (max_ttl, 2) - 1);
  g_autoptr(GBytes) raw = gossip_wire_encode_value (gossip_router_get_wire (self->router), &env,
                                                    gossip_node_msg_build (&msg, TRUE), NULL);

  if (raw != NULL)
    gossip_router_send_raw (self->router, gossip_node_get_address (seed), raw, TRUE);
}

void
gossip_join_state_free (gpointer data)
{
  GossipJoinState *state = data;

  g_clear_error (&state->error);
  g_free (state);
}

void
gossip_membership_join_attempt_done (GTask  *task,
                                     GError *error)
{
  GossipJoinState *state;

  if (task == NULL)
    {
      g_clear_error (&error);
      return;
    }
  state = g_task_get_task_data (task);
  if (error != NULL)
    {
      g_clear_error (&state->error);
      state->error = error;
    }
  if (--state->pending == 0)
    {
      if (state->joined > 0)
        g_task_return_int (task, state->joined);
      else if (state->error != NULL)
        g_task_return_error (task, g_steal_pointer (&state->error));
      else
        g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_CONNECT, _("No peer could be joined"));
    }
  g_object_unref (task);
}

typedef struct {
  GossipMembership *self;
  GTask         *task;
  char          *address;
  guint          busy_retries;  /* times the peer said it was over its join rate */
} JoinAttempt;

/* The refusal text of a seed over its inbound join rate (ours; Go seeds
 * have no such limit). The joiner tries that seed again. */
#define JOIN_RATE_REFUSAL "join rate limit exceeded"
#define JOIN_BUSY_RETRIES 8

static void join_send (JoinAttempt *attempt);

/* A join peer given as a host name or srv+NAME is not the address the node
 * it reaches advertises: remember which node answered, so that the
 * recovery loop sees it is connected and does not rejoin it for ever. */
static void
note_join_peer (GossipMembership *self,
                const char       *peer,
                GossipNode       *node)
{
  gboolean listed = FALSE;

  for (guint i = 0; i < self->join_peers->len && !listed; i++)
    listed = g_str_equal (self->join_peers->pdata[i], peer);
  if (listed && g_strcmp0 (peer, gossip_node_get_address (node)) != 0)
    g_hash_table_insert (self->join_peer_ids, g_strdup (peer),
                         g_memdup2 (gossip_node_get_node_id (node), sizeof (GossipNodeId)));
}

/* Joins awaiting their reply, per address: a peer being joined is not
 * joined again (a slow name lookup must not pile up rejoins). */
static void
join_sent (GossipMembership *self,
           const char       *address,
           gboolean          sent)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->joins_in_flight, address));

  if (sent)
    g_hash_table_insert (self->joins_in_flight, g_strdup (address), GUINT_TO_POINTER (n + 1));
  else if (n <= 1)
    g_hash_table_remove (self->joins_in_flight, address);
  else
    g_hash_table_insert (self->joins_in_flight, g_strdup (address), GUINT_TO_POINTER (n - 1));
}

gboolean
gossip_membership_join_peer_is_alive (GossipMembership *self,
                                      const char       *peer)
{
  const GossipNodeId *id = g_hash_table_lookup (self->join_peer_ids, peer);
  GossipNode *node = id != NULL ? gossip_node_list_lookup (self->nodes, id) : NULL;

  if (g_hash_table_contains (self->joins_in_flight, peer))
    return TRUE;
  return node != NULL && gossip_node_get_state (node) == GOSSIP_NODE_STATE_ALIVE;
}

static void
join_attempt_free (JoinAttempt *attempt)
{
  g_object_unref (attempt->self->host.owner);
  g_free (attempt->address);
  g_free (attempt);
}

static gboolean
join_retry_cb (gpointer user_data)
{
  JoinAttempt *attempt = user_data;
  GossipMembership *self = attempt->self;

  if (self->stopped || g_cancellable_is_cancelled (g_task_get_cancellable (attempt->task)))
    {
      join_sent (self, attempt->address, FALSE);
      gossip_membership_join_attempt_done (attempt->task,
                                           g_error_new_literal (GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                                                                _("The cluster was stopped")));
      join_attempt_free (attempt);
    }
  else
    join_send (attempt);
  return G_SOURCE_REMOVE;
}

static void
join_reply_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  JoinAttempt *attempt = user_data;
  GossipMembership *self = attempt->self;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&self->host.dispatcher);
  GError *error = NULL;
  g_autoptr(GBytes) reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, &error);
  GossipWireMessage msg = { 0 };
  GossipJoinMsg join = { 0 };
  GossipDropReason reason;
  GossipNode *node;

  if (reply == NULL)
    goto fail;
  if (!gossip_wire_decode (gossip_router_get_wire (self->router), g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                           &msg, &reason, &error))
    goto fail;
  if (!gossip_system_read_join (gossip_router_get_wire (self->router)->codec, &msg, &join, &error))
    {
      g_prefix_error (&error, _("%s sent a bad join reply: "), attempt->address);
      goto fail;
    }
  if (!join.accepted && attempt->task != NULL && !self->stopped &&
      g_strcmp0 (join.reason, JOIN_RATE_REFUSAL) == 0 &&
      attempt->busy_retries < JOIN_BUSY_RETRIES &&
      !g_cancellable_is_cancelled (g_task_get_cancellable (attempt->task)))
    {
      /* A busy seed (many nodes joining it at once): an application join
       * tries again after a random pause that doubles, 100-300 ms first,
       * so that a whole swarm started together joins instead of failing. */
      guint pause_ms = g_random_int_range (100, 300) << MIN (attempt->busy_retries, 4);
      g_autoptr(GSource) later = g_timeout_source_new (pause_ms);

      attempt->busy_retries++;
      g_debug ("join of %s: the peer is busy (%s), trying again in %u ms",
               attempt->address, join.reason, pause_ms);
      g_source_set_callback (later, join_retry_cb, attempt, NULL);
      g_source_attach (later, self->context);
      gossip_join_msg_clear (&join);
      gossip_wire_message_clear (&msg);
      return;
    }
  if (!join.accepted)
    {
      error = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_REJECTED,
                           _("%s refused the join: %s"), attempt->address, join.reason);
      goto fail;
    }
  if (gossip_node_id_equal (&join.id, &self->local_id))
    {
      error = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                           _("%s is this node itself"), attempt->address);
      goto fail;
    }
  if (too_far_ahead (self, join.metadata_ts, "join reply metadata time ahead of the clock skew"))
    {
      error = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_PROTOCOL,
                           _("%s has a clock too far ahead"), attempt->address);
      goto fail;
    }
  if (self->stopped)
    {
      error = g_error_new_literal (GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING, _("The cluster was stopped"));
      goto fail;
    }

  node = accept_node (self, &join, "joined (we joined it)");
  if (node == NULL)
    {
      error = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_REJECTED,
                           _("%s not added: the node list is full (max-nodes)"), attempt->address);
      goto fail;
    }
  note_join_peer (self, attempt->address, node);
  gossip_membership_exchange_state (self, node);
  if (attempt->task != NULL &&
      ((GossipJoinState *) g_task_get_task_data (attempt->task))->joined++ == 0)
    announce_joined (self, node);

fail:
  if (error != NULL)
    g_debug ("join of %s failed: %s", attempt->address, error->message);
  join_sent (self, attempt->address, FALSE);
  gossip_membership_join_attempt_done (attempt->task, error);
  gossip_join_msg_clear (&join);
  gossip_wire_message_clear (&msg);
  join_attempt_free (attempt);
}

static void
forget_join_mark (GossipMembership *self)
{
  JoinMark *mark = g_queue_pop_head (&self->unsolicited_order);
  gint64 *when = g_hash_table_lookup (self->unsolicited_joins, mark->address);

  /* A later mark of the same address superseded this one. */
  if (when != NULL && *when == mark->when)
    g_hash_table_remove (self->unsolicited_joins, mark->address);
  g_free (mark->address);
  g_free (mark);
}

/* The table of addresses joined unasked: entries older than the recovery
 * interval are forgotten from the oldest end, and at MAX_REMEMBERED the
 * oldest goes (it used to be emptied, which let 5000 forged addresses be
 * joined again every round). */
static gboolean
unsolicited_join_allowed (GossipMembership *self,
                          const char       *address)
{
  gint64 now = g_get_monotonic_time ();
  gint64 interval = (gint64) self->cfg->recovery_attempt_interval * 1000;
  gint64 *last = g_hash_table_lookup (self->unsolicited_joins, address);
  JoinMark *mark;

  if (last != NULL && now - *last < interval)
    return FALSE;
  if (!bucket_take (&self->join_out_bucket, self->cfg->outbound_join_rate, now))
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_JOIN_OUT_RATE, "unsolicited join over the rate limit");
      return FALSE;
    }
  while (!g_queue_is_empty (&self->unsolicited_order) &&
         (now - ((JoinMark *) g_queue_peek_head (&self->unsolicited_order))->when >= interval ||
          g_hash_table_size (self->unsolicited_joins) >= MAX_REMEMBERED))
    forget_join_mark (self);
  mark = g_new (JoinMark, 1);
  mark->address = g_strdup (address);
  mark->when = now;
  g_queue_push_tail (&self->unsolicited_order, mark);
  g_hash_table_insert (self->unsolicited_joins, g_strdup (address), g_memdup2 (&now, sizeof now));
  return TRUE;
}

/* Encodes the join now (so that a retry carries current metadata) and
 * sends it; the attempt is in joins_in_flight already. */
static void
join_send (JoinAttempt *attempt)
{
  GossipMembership *self = attempt->self;
  GossipJoinMsg msg = {
    .id = self->local_id,
    .addr = self->advertise_address,
    .protocol_version = GOSSIP_PROTOCOL_VERSION,
    .app_version = self->cfg->application_version,
  };
  g_autoptr(GVariant) md = local_metadata_variant (self, &msg.metadata_ts);
  GossipEnvelope env = gossip_router_envelope (self->router, GOSSIP_MSG_JOIN, 1);
  GError *error = NULL;
  g_autoptr(GBytes) raw = NULL;

  msg.metadata = md;
  raw = gossip_wire_encode_value (gossip_router_get_wire (self->router), &env, gossip_join_msg_build (&msg, FALSE), &error);
  if (raw == NULL)
    {
      join_sent (self, attempt->address, FALSE);
      gossip_membership_join_attempt_done (attempt->task, error);
      join_attempt_free (attempt);
      return;
    }
  gossip_router_request (self->router, attempt->address, raw, GOSSIP_REQUEST_REPLY, join_reply_cb, attempt);
}

void
gossip_membership_join_address (GossipMembership *self,
                                const char       *address,
                                GTask            *task)
{
  JoinAttempt *attempt;

  if (gossip_node_get_state (self->local) == GOSSIP_NODE_STATE_LEAVING)
    {
      gossip_membership_join_attempt_done (task, g_error_new_literal (GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                                                                      _("This node has left the cluster")));
      return;
    }

  /* Joins nobody asked for (a ping or alive claim from a stranger, a
   * rejoin) go to one address at most once per recovery interval, and at
   * most outbound-join-rate per second in all, so that forged packets
   * cannot turn this node into a connection generator. */
  if (task == NULL && !unsolicited_join_allowed (self, address))
    return;

  attempt = g_new0 (JoinAttempt, 1);
  attempt->self = self;
  g_object_ref (self->host.owner);
  attempt->task = task;
  attempt->address = g_strdup (address);
  join_sent (self, address, TRUE);
  join_send (attempt);
}

/* ------------------------------------------------------------------ */
/* Join, answering side                                                */

/* Inbound joins: a bucket per source IP address (the 4096 most recent),
 * then the global one. Without them 5000 forged joins from as many node
 * IDs each added, announced and probed a node (564,680 datagrams). */
static gboolean
inbound_join_allowed (GossipMembership *self,
                      GossipReceived   *rx)
{
  gint64 now = g_get_monotonic_time ();
  GSocketAddress *remote = rx->incoming != NULL ? gossip_incoming_get_remote_address (rx->incoming) : NULL;

  if (self->cfg->inbound_join_rate_per_source != 0 && G_IS_INET_SOCKET_ADDRESS (remote))
    {
      g_autofree char *ip = g_inet_address_to_string (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
      Bucket *b = g_hash_table_lookup (self->join_in_sources, ip);

      if (b == NULL)
        {
          char *key = g_strdup (ip);

          if (g_hash_table_size (self->join_in_sources) >= MAX_REMEMBERED)
            g_hash_table_remove (self->join_in_sources, g_queue_pop_head (&self->join_in_order));
          b = g_new0 (Bucket, 1);
          g_hash_table_insert (self->join_in_sources, key, b);
          /* The queue borrows the table's key. */
          g_queue_push_tail (&self->join_in_order, key);
        }
      if (!bucket_take (b, self->cfg->inbound_join_rate_per_source, now))
        return FALSE;
    }
  return bucket_take (&self->join_in_bucket, self->cfg->inbound_join_rate, now);
}

static gboolean
handle_join (GossipMembership *self,
             GossipReceived   *rx,
             GossipNode       *sender,
             GVariant         *payload)
{
  GossipJoinMsg msg = { 0 };
  g_autoptr(GVariant) md = NULL;
  g_autofree char *reject = NULL;
  GossipJoinMsg reply = {
    .accepted = FALSE,
    .id = self->local_id,
    .addr = self->advertise_address,
    .protocol_version = GOSSIP_PROTOCOL_VERSION,
    .app_version = self->cfg->application_version,
  };
  GossipEnvelope env;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GError) error = NULL;
  gboolean is_new;
  gboolean late = FALSE;

  if (!gossip_system_read_join (gossip_router_get_wire (self->router)->codec, &rx->msg, &msg, NULL))
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, "malformed join");
      return FALSE;
    }

  if (!inbound_join_allowed (self, rx))
    {
      /* A short refusal is all an over-limit join costs. */
      gossip_router_count_drop (self->router, GOSSIP_DROP_JOIN_RATE, "join over the rate limit");
      reject = g_strdup ("join rate limit exceeded");
    }
  else if (gossip_node_id_equal (&msg.id, &self->local_id))
    reject = g_strdup ("unable to join self");
  else if (msg.protocol_version != GOSSIP_PROTOCOL_VERSION)
    reject = g_strdup_printf ("incompatible protocol version: %u != %u",
                              msg.protocol_version, GOSSIP_PROTOCOL_VERSION);
  else if (self->cfg->version_check != NULL &&
           !self->cfg->version_check (msg.app_version, self->cfg->version_check_data))
    reject = g_strdup_printf ("incompatible application version: %s", msg.app_version);
  else if (too_far_ahead (self, rx->msg.envelope.id, "join message ID ahead of the clock skew") ||
           too_far_ahead (self, msg.metadata_ts, "join metadata time ahead of the clock skew"))
    reject = g_strdup ("clock too far ahead");

  is_new = gossip_node_list_lookup (self->nodes, &msg.id) == NULL;
  if (reject == NULL && !is_new)
    {
      GossipNode *known = gossip_node_list_lookup (self->nodes, &msg.id);

      /* A join sent before the node announced its leave, arriving late, is
       * not a rejoin: answer it, but keep the node departed. (The joiner
       * then learns from our push/pull reply that we hold it Leaving; if
       * it is alive it refutes, see merge_entry().) */
      if (gossip_node_get_departed (known) &&
          rx->msg.envelope.id < gossip_node_get_state_timestamp (known))
        late = TRUE;
    }
  if (reject == NULL && !late)
    {
      GossipNode *node = accept_node (self, &msg, "joined (it joined us)");

      if (node == NULL)
        reject = g_strdup ("node limit reached");
    }
  if (reject == NULL)
    {
      GossipNode *node = gossip_node_list_lookup (self->nodes, &msg.id);

      /* Only a newcomer needs everything; a known node re-joining (say,
       * after a ping from a stranger) already has most of it. Its
       * announcement waits for that first push/pull too (see
       * handle_push_pull). */
      if (is_new)
        gossip_node_set_joined_at (node, g_get_monotonic_time ());
    }

  reply.accepted = reject == NULL;
  reply.reason = reject;
  md = local_metadata_variant (self, &reply.metadata_ts);
  reply.metadata = md;
  env = gossip_router_envelope (self->router, GOSSIP_MSG_REPLY, 1);
  raw = gossip_wire_encode_value (gossip_router_get_wire (self->router), &env, gossip_join_msg_build (&reply, TRUE), &error);
  if (raw != NULL)
    gossip_incoming_reply (rx->incoming, raw);
  else
    g_warning ("Could not encode a join reply: %s", error->message);
  gossip_join_msg_clear (&msg);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Push/pull                                                           */

/* The nodes a state list describes; NULL if none was chosen. */
static GPtrArray *
state_list_nodes (GossipMembership *self,
                  GossipNode       *exclude,
                  guint             max)
{
  const GossipNodeId *excluded = exclude ? gossip_node_get_node_id (exclude) : NULL;
  g_autoptr(GPtrArray) chosen = NULL;
  guint kept = 0;

  if (max == G_MAXUINT)
    chosen = gossip_node_list_random (self->nodes, gossip_node_list_size (self->nodes),
                                      GOSSIP_STATES_LIVE | GOSSIP_STATE_BIT (GOSSIP_NODE_STATE_LEAVING),
                                      excluded, excluded ? 1 : 0);
  else
    chosen = gossip_node_list_random_for_gossip (self->nodes, max, excluded, excluded ? 1 : 0);
  if (chosen->len == 0)
    return NULL;
  for (guint i = 0; i < chosen->len; i++)
    /* While our suspicion of it is held back from Go nodes. */
    if (!withholds (self, chosen->pdata[i]))
      chosen->pdata[kept++] = chosen->pdata[i];
  g_ptr_array_set_size (chosen, kept);
  return g_steal_pointer (&chosen);
}

GVariant *
gossip_membership_build_state_list (GossipMembership *self,
                                    GossipNode       *exclude,
                                    guint             max)
{
  g_autoptr(GPtrArray) chosen = state_list_nodes (self, exclude, max);
  GVariantBuilder b;

  if (chosen == NULL)
    return NULL;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < chosen->len; i++)
    {
      GossipNode *node = chosen->pdata[i];
      GVariant *entry = gossip_node_get_cached_entry (node);

      if (entry == NULL)
        {
          GossipMetadata *md = gossip_node_get_metadata (node);
          g_autoptr(GVariant) map = gossip_metadata_to_variant (md);
          GossipNodeStateMsg msg = {
            .id = *gossip_node_get_node_id (node),
            .addr = (char *) gossip_node_get_address (node),
            .state = gossip_node_get_state (node),
            .state_ts = gossip_node_get_state_timestamp (node),
            .metadata_ts = gossip_metadata_get_timestamp (md),
            .metadata = map,
          };
          entry = gossip_node_state_msg_build (&msg);
          gossip_node_set_cached_entry (node, entry);
        }
      g_variant_builder_add_value (&b, entry);
    }
  return g_variant_builder_end (&b);
}

/* The payload bytes of a state list (see gossip_membership_build_state_list());
 * NULL without error when there is nothing to send, or with @nil_if_empty
 * the codec's nil then instead. With a codec fast path the entries are
 * written straight from the nodes: no GVariant list walked by the encoder
 * on every exchange, and no cached entry kept per node in every view. */
static GBytes *
encode_state_list (GossipMembership *self,
                   GossipNode       *exclude,
                   guint             max,
                   gboolean          nil_if_empty,
                   GError          **error)
{
  GossipCodec *codec = gossip_router_get_wire (self->router)->codec;
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (codec);
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GPtrArray) chosen = NULL;
  GByteArray *out;

  if (fast == NULL)
    {
      list = gossip_membership_build_state_list (self, exclude, max);
      if (list == NULL && !nil_if_empty)
        return NULL;
      if (list == NULL)
        list = g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
      g_variant_ref_sink (list);
      return gossip_codec_encode (codec, list, error);
    }

  chosen = state_list_nodes (self, exclude, max);
  if (chosen == NULL && !nil_if_empty)
    return NULL;
  if (chosen == NULL)
    {
      list = g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
      return gossip_codec_encode (codec, list, error);
    }
  out = g_byte_array_sized_new (chosen->len * 80 + 5);
  fast->write_array_header (out, chosen->len);
  for (guint i = 0; i < chosen->len; i++)
    {
      GossipNode *node = chosen->pdata[i];
      GossipMetadata *md = gossip_node_get_metadata (node);
      g_autoptr(GBytes) md_bytes = NULL;
      GossipNodeStateMsg msg = {
        .id = *gossip_node_get_node_id (node),
        .addr = (char *) gossip_node_get_address (node),
        .state = gossip_node_get_state (node),
        .state_ts = gossip_node_get_state_timestamp (node),
        .metadata_ts = gossip_metadata_get_timestamp (md),
      };

      if (gossip_metadata_get_size (md) > 0)
        {
          g_autoptr(GVariant) map = gossip_metadata_to_variant (md);  /* not floating */

          md_bytes = gossip_codec_encode (codec, map, error);
          if (md_bytes == NULL)
            {
              g_byte_array_unref (out);
              return NULL;
            }
        }
      fast->write_state_entry (out, &msg, md_bytes);
    }
  return g_byte_array_free_to_bytes (out);
}


/* @budget: (nullable) strangers this list may still teach; set for an
 * inbound request (anyone can send one), whose strangers stay unconfirmed
 * and get a discovery ping; NULL for the reply of a node we asked. */
static void
merge_entry (GossipMembership         *self,
             GossipNode               *sender,
             const GossipNodeStateMsg *entry,
             gboolean                  announced,
             guint                    *budget)
{
  GossipNode *node;
  GossipNodeState reported = entry->state;

  if (reported < GOSSIP_NODE_STATE_ALIVE || reported > GOSSIP_NODE_STATE_SUSPECT)
    return;
  if (too_far_ahead (self, entry->state_ts, "push/pull state time ahead of the clock skew") ||
      too_far_ahead (self, entry->metadata_ts, "push/pull metadata time ahead of the clock skew"))
    return;

  if (gossip_node_id_equal (&entry->id, &self->local_id))
    {
      GossipNodeState own = gossip_node_get_state (self->local);
      if (own == GOSSIP_NODE_STATE_ALIVE &&
          (reported == GOSSIP_NODE_STATE_SUSPECT || reported == GOSSIP_NODE_STATE_DEAD))
        {
          if (self->cfg->max_clock_skew != 0)
            gossip_hlc_observe (entry->state_ts);
          announce_alive (self, self->local, TRUE);
        }
      /* Reported Leaving while we are not: a leave forged in our name
       * (handle_leaving takes one whose envelope names us as its sender;
       * we never see it, packets from our own ID being dropped). Refuted
       * like a suspicion, with an alive claim newer than the forged leave,
       * which the peers take as our own newer claim (adopt_own_claim). */
      else if (own == GOSSIP_NODE_STATE_ALIVE && reported == GOSSIP_NODE_STATE_LEAVING)
        {
          g_debug ("%s: refuting a leave in our name", self->advertise_address);
          self->refutations++;
          /* Only with the skew bound: unbounded, a forged far-future time
           * would carry our clock (and so every ID we send) along. */
          if (self->cfg->max_clock_skew != 0)
            gossip_hlc_observe (entry->state_ts);
          announce_alive (self, self->local, TRUE);
        }
      /* A peer that has us Dead after our leave has finished with us: only
       * one that still thinks us Alive or Suspect needs the leave again
       * (re-announcing to Dead reports turned Dead back into Leaving). */
      else if (own == GOSSIP_NODE_STATE_LEAVING &&
               (reported == GOSSIP_NODE_STATE_ALIVE || reported == GOSSIP_NODE_STATE_SUSPECT))
        {
          GossipNodeMsg msg = { .node = self->local_id };
          gossip_router_broadcast (self->router, GOSSIP_MSG_LEAVING, gossip_node_msg_build (&msg, FALSE), FALSE);
        }
      return;
    }

  node = gossip_node_list_lookup (self->nodes, &entry->id);
  if (node == NULL)
    {
      g_autofree char *detail = NULL;

      /* Only live strangers are worth learning. Go also adds nodes reported
       * Leaving, which resurrects nodes already forgotten after their leave
       * and makes them cycle Leaving -> Dead -> removed again. */
      if (reported != GOSSIP_NODE_STATE_ALIVE)
        return;
      if (entry->addr == NULL || entry->addr[0] == '\0')
        return;
      if (budget != NULL && *budget == 0)
        {
          refuse_node (self, "too many strangers in one push/pull request");
          return;
        }
      detail = g_strdup_printf ("learned (in the push/pull list of node %s)", who (sender));
      node = learn_node (self, &entry->id, entry->addr, reported, entry->state_ts,
                         entry->metadata, entry->metadata_ts, GOSSIP_STATE_REASON_LEARNED, detail,
                         budget == NULL);
      if (node == NULL)
        return;
      self->sync_news++;
      if (budget != NULL)
        (*budget)--;
      if (reported == GOSSIP_NODE_STATE_ALIVE && (!announced || budget != NULL))
        send_discovery_ping (self, node);
      return;
    }

  gossip_membership_apply_metadata (self, node, entry->metadata, entry->metadata_ts, FALSE);

  /* The sender's own entry is its own claim about itself. */
  if (reported == GOSSIP_NODE_STATE_ALIVE && sender == node &&
      adopt_own_claim (self, node, entry->addr, entry->state_ts))
    return;

  switch (reported)
    {
    case GOSSIP_NODE_STATE_LEAVING:
      /* Only a newer leave counts, so an old report cannot undo a rejoin;
       * and a node that already went from Leaving to Dead stays there. */
      if (entry->state_ts > gossip_node_get_state_timestamp (node) &&
          gossip_node_get_state (node) != GOSSIP_NODE_STATE_DEAD)
        gossip_membership_set_state_for (self, node, GOSSIP_NODE_STATE_LEAVING, entry->state_ts,
                                         GOSSIP_STATE_REASON_LEFT, "left (reported leaving by node %s)",
                                         who (sender));
      break;
    case GOSSIP_NODE_STATE_DEAD:
      if (gossip_node_get_state (node) == GOSSIP_NODE_STATE_LEAVING)
        gossip_membership_set_state_for (self, node, GOSSIP_NODE_STATE_DEAD, entry->state_ts,
                                         GOSSIP_STATE_REASON_DEAD_AFTER_LEAVE,
                                         "reported dead by node %s after leaving", who (sender));
      else
        EVIDENCE (self, report, node, sender, reported);
      break;
    default:
      /* Alive/Suspect claims by third parties are checked by probing, not
       * believed. */
      EVIDENCE (self, report, node, sender, reported);
      break;
    }
}

static void
merge_list (GossipMembership *self,
            GossipNode       *sender,
            const GossipWireMessage *payload,
            gboolean          request)
{
  g_autoptr(GArray) list = gossip_system_read_state_list (gossip_router_get_wire (self->router)->codec,
                                                          payload, 65536, NULL);
  guint budget = MAX_NEW_PER_REQUEST;

  if (list == NULL)
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, "malformed push/pull list");
      return;
    }
  /* A list longer than CalcPayloadSize's cap of 16 is the whole membership
   * a gossip-glib node sends to a node whose join it just accepted, and it
   * announced the newcomer to all of them then: no discovery pings needed.
   * (Go nodes never send more than 16, so they still get pinged.) */
  for (guint i = 0; i < list->len && !self->stopped; i++)
    merge_entry (self, sender, &g_array_index (list, GossipNodeStateMsg, i), list->len > 16,
                 request ? &budget : NULL);
}

typedef struct {
  GossipMembership *self;
  GossipNode    *node;
} Exchange;

static void
exchange_reply_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Exchange *ex = user_data;
  GossipMembership *self = ex->self;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&self->host.dispatcher);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, &error);
  GossipWireMessage msg = { 0 };
  GossipDropReason reason;

  if (reply == NULL)
    g_debug ("push/pull with %s failed: %s", gossip_node_get_address (ex->node), error->message);
  else if (!self->stopped &&
           gossip_wire_decode (gossip_router_get_wire (self->router), g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                               &msg, &reason, &error))
    merge_list (self, ex->node, &msg, FALSE);
  if (error != NULL && reply != NULL)
    gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, error->message);

  gossip_wire_message_clear (&msg);
  g_object_unref (ex->node);
  g_free (ex);
  g_object_unref (self->host.owner);
}

void
gossip_membership_exchange_state (GossipMembership *self,
                                  GossipNode       *node)
{
  g_autoptr(GBytes) list = NULL;
  GossipEnvelope env;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  Exchange *ex;

  if (self->stopped)
    return;
  list = encode_state_list (self, node, payload_size (self, gossip_node_list_size (self->nodes)), FALSE, &error);
  if (list == NULL && error == NULL)
    return;
  env = gossip_router_envelope (self->router, GOSSIP_MSG_PUSH_PULL, 1);
  if (list != NULL)
    raw = gossip_wire_encode (gossip_router_get_wire (self->router), &env, list, FALSE, &error);
  if (raw == NULL)
    {
      g_warning ("Could not encode a push/pull list: %s", error->message);
      return;
    }
  ex = g_new0 (Exchange, 1);
  ex->self = self;
  g_object_ref (self->host.owner);
  ex->node = g_object_ref (node);
  gossip_router_request (self->router, gossip_node_get_address (node), raw,
                         GOSSIP_REQUEST_REPLY, exchange_reply_cb, ex);
}

/* Whether this node spread @node's arrival in the last ANNOUNCE_WINDOW. */
#define ANNOUNCE_WINDOW (10 * G_USEC_PER_SEC)

static gboolean
recently_announced (GossipNode *node,
                    gint64      now)
{
  gint64 at = gossip_node_get_announced_at (node);

  return at != 0 && now - at < ANNOUNCE_WINDOW;
}

static gboolean
handle_push_pull (GossipMembership *self,
                  GossipReceived   *rx,
                  GossipNode       *sender,
                  GVariant         *payload)
{
  g_autoptr(GBytes) list = NULL;
  GossipEnvelope env;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;

  /* Unlike Go, a push/pull from a node we do not know yet is merged and
   * answered: it is how the two learn of each other fastest. */
  merge_list (self, sender, &rx->msg, TRUE);

  /* A node that just joined us gets the whole membership at once instead
   * of a sample, so that it converges in one round trip rather than over
   * many sync periods. Go clients read lists of any length. */
  if (sender != NULL && gossip_node_get_joined_at (sender) != 0 &&
      g_get_monotonic_time () - gossip_node_get_joined_at (sender) < 10 * G_USEC_PER_SEC)
    {
      gint64 now = g_get_monotonic_time ();

      gossip_node_set_joined_at (sender, 0);
      list = encode_state_list (self, NULL, G_MAXUINT, TRUE, &error);
      /* Event-driven spread of the newcomer: the rest of the cluster learns
       * of it now instead of at the next push/pull round. Not at its join:
       * a joiner (ours or Go's) always follows with this push/pull, a join
       * forged in a stranger's name does not, and so costs the other nodes
       * nothing at once (before, each forged join was announced to all and
       * probed by all: ~300 datagrams each in a 4-node cluster); they may
       * still learn of it from push/pull samples, at the sync rate. If
       * its own announcement came first we spread that already (see
       * handle_alive()). */
      if (!recently_announced (sender, now))
        announce_alive (self, sender, FALSE);
      gossip_node_set_announced_at (sender, now);
    }
  /* A node we hold as departed still syncing (a node that left does not):
   * it gets its own entry for sure, so it can refute a leave forged in its
   * name at once instead of when a sample happens to include it. */
  else if (sender != NULL && gossip_node_get_departed (sender) &&
           gossip_node_get_state (sender) != GOSSIP_NODE_STATE_ALIVE)
    list = encode_state_list (self, NULL, G_MAXUINT, TRUE, &error);
  else
    list = encode_state_list (self, NULL, payload_size (self, gossip_node_list_size (self->nodes)), TRUE, &error);
  env = gossip_router_envelope (self->router, GOSSIP_MSG_REPLY, 1);
  if (list != NULL)
    raw = gossip_wire_encode (gossip_router_get_wire (self->router), &env, list, FALSE, &error);
  if (raw != NULL)
    gossip_incoming_reply (rx->incoming, raw);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Broadcast system messages                                           */

static gboolean
handle_alive (GossipMembership *self,
              GossipReceived   *rx,
              GossipNode       *sender,
              GVariant         *payload)
{
  GossipNodeMsg msg;
  GossipNode *node;
  gboolean spread = TRUE;  /* whether the router forwards it */

  if (!gossip_system_read_node_msg (gossip_router_get_wire (self->router)->codec, &rx->msg, &msg, NULL))
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, "malformed alive");
      return FALSE;
    }

  if (sender == NULL && msg.addr[0] != '\0' &&
      !gossip_node_id_equal (&msg.node, &self->local_id))
    {
      /* As Go does: an alive claim from a stranger makes us join it. */
      gossip_membership_join_address (self, msg.addr, NULL);
      goto out;
    }

  if (gossip_node_id_equal (&msg.node, &self->local_id))
    goto out;

  node = gossip_node_list_lookup (self->nodes, &msg.node);
  if (node == NULL)
    {
      if (msg.addr[0] != '\0')
        {
          g_autofree char *detail = g_strdup_printf ("learned (announced by node %s)", who (sender));

          node = learn_node (self, &msg.node, msg.addr, GOSSIP_NODE_STATE_ALIVE, 0, NULL, 0,
                             GOSSIP_STATE_REASON_LEARNED, detail, TRUE);
          /* Announced by the node it joined, it learns the rest of us from
           * that node; only a node's own claim needs a ping back. */
          if (node != NULL && gossip_node_id_equal (&msg.node, &rx->msg.envelope.sender))
            send_discovery_ping (self, node);
        }
    }
  else if (gossip_node_id_equal (&msg.node, &rx->msg.envelope.sender))
    {
      /* A node's own refutation is evidence about itself; an alive claim
       * by a third party is not (the health monitor probes instead). */
      GossipNodeState state = gossip_node_get_state (node);
      gint64 now = g_get_monotonic_time ();

      /* A joiner's announcement handed to us, its seed, over TCP: the
       * router spreads it to everyone at once (gossip_router_forward()),
       * unless we announced the joiner already after its push/pull; then
       * everyone has it, and a second broadcast would cost N datagrams
       * more per join. */
      if (rx->reliable && state == GOSSIP_NODE_STATE_ALIVE && !gossip_node_get_departed (node) &&
          (gossip_node_get_joined_at (node) != 0 || recently_announced (node, now)))
        {
          spread = !recently_announced (node, now);
          gossip_node_set_announced_at (node, now);
        }
      if (adopt_own_claim (self, node, msg.addr, rx->msg.envelope.id))
        ;
      else if ((state == GOSSIP_NODE_STATE_SUSPECT || state == GOSSIP_NODE_STATE_DEAD) &&
               !gossip_node_get_departed (node))
        gossip_membership_set_state_for (self, node, GOSSIP_NODE_STATE_ALIVE, gossip_hlc_now (),
                                         GOSSIP_STATE_REASON_REFUTED, "refuted (its own alive message)");
    }
  else
    {
      GossipNodeState state = gossip_node_get_state (node);
      if (state == GOSSIP_NODE_STATE_SUSPECT || state == GOSSIP_NODE_STATE_DEAD)
        EVIDENCE (self, verify, node);
    }

out:
  gossip_node_msg_clear (&msg);
  return spread;
}

static gboolean
handle_suspicion (GossipMembership *self,
                  GossipReceived   *rx,
                  GossipNode       *sender,
                  GVariant         *payload)
{
  GossipNodeMsg msg;

  if (!gossip_system_read_node_msg (gossip_router_get_wire (self->router)->codec, &rx->msg, &msg, NULL))
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, "malformed suspicion");
      return FALSE;
    }
  if (gossip_node_id_equal (&msg.node, &self->local_id))
    {
      /* Suspected ourselves: refute at once, over TCP so that loss cannot
       * eat the refutation, and take it as a hint about our own health. */
      if (gossip_node_get_state (self->local) == GOSSIP_NODE_STATE_ALIVE)
        {
          self->refutations++;
          announce_alive (self, self->local, TRUE);
        }
      EVIDENCE (self, self_suspected);
    }
  else if (sender != NULL)
    {
      GossipNode *node = gossip_node_list_lookup (self->nodes, &msg.node);
      if (node != NULL)
        EVIDENCE (self, suspicion, node, &rx->msg.envelope.sender);
    }
  gossip_node_msg_clear (&msg);
  return TRUE;
}

static gboolean
handle_leaving (GossipMembership *self,
                GossipReceived   *rx,
                GossipNode       *sender,
                GVariant         *payload)
{
  GossipNodeMsg msg;

  if (!gossip_system_read_node_msg (gossip_router_get_wire (self->router)->codec, &rx->msg, &msg, NULL))
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, "malformed leaving");
      return FALSE;
    }
  /* Only a node itself may announce its leave (Go accepts it from anyone,
   * §12.24). */
  /* A node that left and has since been declared Dead stays Dead when its
   * leave is announced again (a Go node re-broadcasts it to every push/pull
   * that reports it otherwise, §5.6); only a rejoin brings it back. */
  if (sender != NULL && sender != self->local &&
      gossip_node_id_equal (&msg.node, &rx->msg.envelope.sender) &&
      !(gossip_node_get_state (sender) == GOSSIP_NODE_STATE_DEAD && gossip_node_get_departed (sender)))
    gossip_membership_set_state_for (self, sender, GOSSIP_NODE_STATE_LEAVING, rx->msg.envelope.id,
                                     GOSSIP_STATE_REASON_LEFT, "left (its own leave message)");
  gossip_node_msg_clear (&msg);
  return TRUE;
}

static gboolean
handle_metadata (GossipMembership *self,
                 GossipReceived   *rx,
                 GossipNode       *sender,
                 GVariant         *payload)
{
  GossipMetadataMsg msg;

  /* Parsed first, so that a malformed update is never forwarded. */
  if (!gossip_system_read_metadata_msg (gossip_router_get_wire (self->router)->codec, &rx->msg, &msg, NULL))
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, "malformed metadata update");
      return FALSE;
    }
  if (too_far_ahead (self, msg.metadata_ts, "metadata time ahead of the clock skew"))
    {
      gossip_metadata_msg_clear (&msg);
      return FALSE;
    }
  if (sender != NULL)
    gossip_membership_apply_metadata (self, sender, msg.metadata, msg.metadata_ts, FALSE);
  gossip_metadata_msg_clear (&msg);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Periodic work                                                       */

static gboolean
sync_timer_cb (gpointer user_data)
{
  GossipMembership *self = user_data;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&self->host.dispatcher);
  g_autoptr(GPtrArray) peers = NULL;

  /* A node on its way out no longer takes part in anti-entropy. */
  if (gossip_node_get_state (self->local) == GOSSIP_NODE_STATE_LEAVING)
    return G_SOURCE_CONTINUE;

  /* Alone although we know where the cluster was: try to get back. */
  if (gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE) <= 1)
    {
      for (guint i = 0; i < self->join_peers->len; i++)
        if (!g_str_equal (self->join_peers->pdata[i], self->advertise_address))
          gossip_membership_join_address (self, self->join_peers->pdata[i], NULL);
      return G_SOURCE_CONTINUE;
    }

  /* Go exchanges with a fan-out of peers every interval, which is most of
   * a node's idle cost. News spreads by direct broadcasts, so a quiet
   * cluster only needs one exchange to mend what was lost; while the last
   * round still taught us new nodes (joins in progress, lost broadcasts),
   * we go back to Go's fan-out. */
  peers = gossip_node_list_random (self->nodes, self->sync_news > 0 ? gossip_router_fan_out (self->router) : 1,
                                   GOSSIP_STATES_LIVE, &self->local_id, 1);
  self->sync_news = 0;
  for (guint i = 0; i < peers->len; i++)
    gossip_membership_exchange_state (self, peers->pdata[i]);
  return G_SOURCE_CONTINUE;
}

static gboolean
sync_start_cb (gpointer user_data)
{
  GossipMembership *self = user_data;
  GSource *source = g_timeout_source_new (self->cfg->state_sync_interval);

  g_source_set_callback (source, sync_timer_cb, self, NULL);
  g_source_attach (source, self->context);
  g_source_unref (self->sync_timer);
  self->sync_timer = source;
  return G_SOURCE_REMOVE;
}

/* Leaving -> Dead after SuspectRetentionPeriod, Dead -> removed after
 * DeadNodeRetentionPeriod, both counted on the local clock from the time
 * the state was entered here. */
static gboolean
lifecycle_timer_cb (gpointer user_data)
{
  GossipMembership *self = user_data;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&self->host.dispatcher);
  g_autoptr(GPtrArray) all = gossip_node_list_snapshot (self->nodes);
  gint64 now = g_get_monotonic_time ();
  gint64 leave_limit = (gint64) self->cfg->suspect_retention_period * 1000;
  gint64 dead_limit = (gint64) self->cfg->dead_node_retention_period * 1000;

  g_ptr_array_foreach (all, (GFunc) (void (*) (void)) g_object_ref, NULL);
  for (guint i = 0; i < all->len; i++)
    {
      GossipNode *node = all->pdata[i];
      gint64 age = now - gossip_node_get_state_since (node);

      if (node == self->local)
        continue;
      switch (gossip_node_get_state (node))
        {
        case GOSSIP_NODE_STATE_LEAVING:
          if (age >= leave_limit)
            gossip_membership_set_state_for (self, node, GOSSIP_NODE_STATE_DEAD, gossip_hlc_now (),
                                             GOSSIP_STATE_REASON_DEAD_AFTER_LEAVE,
                                             "dead after leaving (suspect retention period of %u ms passed)",
                                             self->cfg->suspect_retention_period);
          break;
        case GOSSIP_NODE_STATE_DEAD:
          if (age >= dead_limit)
            gossip_membership_remove_node (self, node);
          break;
        default:
          break;
        }
    }
  g_ptr_array_foreach (all, (GFunc) (void (*) (void)) g_object_unref, NULL);

  /* Strangers from someone's list that never answered our discovery ping
   * (or failed a probe) were never members: forgotten, not kept as Dead. */
  {
    g_autoptr(GPtrArray) pending = gossip_node_list_unconfirmed (self->nodes);
    gint64 ttl = UNCONFIRMED_TTL_MS (self->cfg) * 1000;

    g_ptr_array_foreach (pending, (GFunc) (void (*) (void)) g_object_ref, NULL);
    for (guint i = 0; i < pending->len; i++)
      {
        GossipNode *node = pending->pdata[i];

        if (gossip_node_get_state (node) != GOSSIP_NODE_STATE_ALIVE ||
            now - gossip_node_get_state_since (node) >= ttl)
          gossip_membership_remove_node (self, node);
      }
    g_ptr_array_foreach (pending, (GFunc) (void (*) (void)) g_object_unref, NULL);
  }
  return G_SOURCE_CONTINUE;
}

void
gossip_membership_start (GossipMembership *self)
{
  guint quarter = MAX (self->cfg->state_sync_interval / 4, 1);

  self->sync_timer = g_timeout_source_new (g_random_int_range (0, quarter) + 1);
  g_source_set_callback (self->sync_timer, sync_start_cb, self, NULL);
  g_source_attach (self->sync_timer, self->context);

  self->lifecycle_timer = g_timeout_source_new (MIN (self->cfg->suspect_attempt_interval,
                                                     self->cfg->recovery_attempt_interval));
  g_source_set_callback (self->lifecycle_timer, lifecycle_timer_cb, self, NULL);
  g_source_attach (self->lifecycle_timer, self->context);
}

void
gossip_membership_stop (GossipMembership *self)
{
  self->stopped = TRUE;
  if (self->sync_timer != NULL)
    {
      g_source_destroy (self->sync_timer);
      g_clear_pointer (&self->sync_timer, g_source_unref);
    }
  if (self->lifecycle_timer != NULL)
    {
      g_source_destroy (self->lifecycle_timer);
      g_clear_pointer (&self->lifecycle_timer, g_source_unref);
    }
}

/* ------------------------------------------------------------------ */
/* Receiving, and the router's peer source                             */

GossipNode *
gossip_membership_lookup_sender (GossipMembership *self,
                                 GossipReceived   *rx)
{
  GossipNode *sender = gossip_node_list_lookup (self->nodes, &rx->msg.envelope.sender);

  return sender != NULL ? g_object_ref (sender) : NULL;
}

typedef gboolean (* SystemHandler) (GossipMembership *self, GossipReceived *rx, GossipNode *sender,
                                    GVariant *payload);

/* The router's receiver for membership's types (join to metadata). */
static gboolean
receive_cb (GossipReceived *rx,
            GVariant       *payload,
            gpointer        data)
{
  static const SystemHandler table[] = {
    [GOSSIP_MSG_JOIN] = handle_join,
    [GOSSIP_MSG_PUSH_PULL] = handle_push_pull,
    [GOSSIP_MSG_ALIVE] = handle_alive,
    [GOSSIP_MSG_SUSPICION] = handle_suspicion,
    [GOSSIP_MSG_LEAVING] = handle_leaving,
    [GOSSIP_MSG_METADATA] = handle_metadata,
  };
  GossipMembership *self = data;
  guint16 type = rx->msg.envelope.type;
  g_autoptr(GossipNode) sender = gossip_membership_lookup_sender (self, rx);

  /* Types 1-6 are never forwarded: they come from their originator itself,
   * which makes them evidence that it is alive. Forwarded or late copies of
   * broadcasts are not (Go bug §12.3). */
  if (sender != NULL && type <= GOSSIP_MSG_PUSH_PULL)
    gossip_membership_heard_from (self, sender, type);
  /* Their message ID becomes the node's state time; not forwarded. */
  if ((type == GOSSIP_MSG_ALIVE || type == GOSSIP_MSG_LEAVING) &&
      too_far_ahead (self, rx->msg.envelope.id, "message ID ahead of the clock skew"))
    return FALSE;
  return table[type] (self, rx, sender, payload);
}

static GPtrArray *
peers_random_live (gpointer            data,
                   guint               n,
                   const GossipNodeId *exclude,
                   guint               n_exclude)
{
  GossipMembership *self = data;
  g_autoptr(GPtrArray) nodes = gossip_node_list_random (self->nodes, n, GOSSIP_STATES_LIVE, exclude, n_exclude);
  GPtrArray *out = g_ptr_array_sized_new (nodes->len);

  for (guint i = 0; i < nodes->len; i++)
    if (nodes->pdata[i] != self->local)
      g_ptr_array_add (out, (gpointer) gossip_node_get_address (nodes->pdata[i]));
  return out;
}

static guint
peers_count_alive (gpointer data)
{
  GossipMembership *self = data;

  return gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE);
}

static guint
peers_count_live (gpointer data)
{
  GossipMembership *self = data;

  return gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE) +
         gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_SUSPECT);
}

static const char *
peers_address_of (gpointer            data,
                  const GossipNodeId *id)
{
  GossipMembership *self = data;
  GossipNode *node = gossip_node_list_lookup (self->nodes, id);

  return node != NULL ? gossip_node_get_address (node) : NULL;
}

static const GossipPeerSource peer_source = {
  .random_live = peers_random_live,
  .count_alive = peers_count_alive,
  .count_live = peers_count_live,
  .address_of = peers_address_of,
};

/* ------------------------------------------------------------------ */
/* Leave and join peers                                                */

void
gossip_membership_leave (GossipMembership *self,
                         gboolean          announce)
{
  GossipNodeMsg msg = { .node = self->local_id };

  if (self->stopped || gossip_node_get_state (self->local) == GOSSIP_NODE_STATE_LEAVING)
    return;
  gossip_membership_set_state_for (self, self->local, GOSSIP_NODE_STATE_LEAVING, gossip_hlc_now (),
                                   GOSSIP_STATE_REASON_LEFT, "left (this node left)");
  if (announce)
    gossip_router_broadcast (self->router, GOSSIP_MSG_LEAVING, gossip_node_msg_build (&msg, FALSE), FALSE);
}

void
gossip_membership_add_join_peer (GossipMembership *self,
                                 const char       *address)
{
  for (guint j = 0; j < self->join_peers->len; j++)
    if (g_str_equal (self->join_peers->pdata[j], address))
      return;
  g_ptr_array_add (self->join_peers, g_strdup (address));
}

GPtrArray *
gossip_membership_get_join_peers (GossipMembership *self)
{
  return self->join_peers;
}
