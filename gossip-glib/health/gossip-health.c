/* gossip-health.c: failure detection.
 *
 * SWIM-style probing on the cluster's main context: each health interval a
 * few nodes (one by default, as memberlist) are probed, every suspect
 * first, on a schedule shared by all nodes that makes each round a
 * permutation (gossip-probe-schedule.c); a probe is a direct ping and, if no ack
 * came within half the timeout, pings through helpers. The timeout follows
 * the measured round trips (gossip_probe_timeout()), stretched by our local
 * health. A failed probe whose helpers answered that they could
 * not reach the target either is strong evidence: the target becomes Suspect
 * at once and a suspicion is broadcast, to which the node itself (if alive)
 * answers with an alive refutation. A failure where not even the helpers
 * answered points at our own network: it stretches our timeouts (Lifeguard's
 * local health) and counts towards SuspectThreshold instead. A suspect is
 * declared Dead after a quorum of independent confirmations, or after a
 * suspicion timeout that shrinks as confirmations arrive (Lifeguard); even
 * a quorum waits one ping timeout for the refutation. Dead nodes and
 * configured join peers are re-probed so that partitions heal on their own.
 * While a peer is taken for a Go v0.6.0 node (it never answers our hellos,
 * sent and heard through the router's broadcast repair), our own first
 * suspicion is held back until another node suspects too, so that Go's
 * quorum can be met. Keeps the v0.6.0 wire format throughout.
 */
#include "config.h"

#include <math.h>

#include "gossip-health-private.h"
#include "gossip-hlc-private.h"
#include "gossip-probe-schedule-private.h"

#define MAX_LOCAL_HEALTH 8
/* Hellos a peer that talks to us left unanswered before we take it for a
 * Go v0.6.0 node, and hellos sent per health tick at most. */
#define GO_AFTER_UNANSWERED 3
#define MAX_HELLOS_PER_TICK 16

/* What we know of a peer's implementation (gossip-glib answers hellos). */
typedef enum {
  PEER_UNKNOWN,
  PEER_GLIB,
  PEER_GO,
} PeerKind;

typedef struct {
  PeerKind kind;
  guint    unanswered;
  gint64   hello_sent;   /* monotonic µs, 0: never */
} Peer;

typedef struct {
  guint       failures;
  gint64      suspect_since;     /* monotonic µs, 0 while not suspect */
  GHashTable *confirmers;        /* GossipNodeId* (owned) set */
  gboolean    suspicion_sent;
  GSource    *recheck;           /* evaluate again when the quorum's wait ends */
} Record;

typedef struct {
  gint            ref_count;
  GossipHealth   *self;
  GossipNode     *node;
  GossipNodeId    id;
  guint           timeout_ms;
  guint           outstanding;
  guint           helpers_asked;
  guint           helpers_replied;
  gboolean        indirect_started;
  gboolean        done;
  GSource        *indirect_timer;
} Probe;

struct _GossipHealth
{
  const GossipConfigValues *cfg;
  GMainContext             *context;
  GossipRouter             *router;
  GossipMembership         *membership;
  GossipNodeList           *nodes;       /* membership's */
  GossipNode               *local;       /* membership's */
  GossipNodeId              local_id;
  GossipHealthHost          host;
  GossipProbe              *probe;
  gboolean                  stopped;
  guint64                   n_probes;
  guint64                   probe_failures;
  guint64                   suspicions;

  GHashTable *records;   /* GossipNodeId* (owned by the record key) -> Record* */
  GHashTable *probes;    /* GossipNodeId* -> Probe* (in flight) */
  GArray     *ring;      /* GossipNodeId, sorted: the Alive nodes and us */
  gboolean    ring_dirty;
  guint64     last_round; /* of the probe schedule, last one probed in */
  guint       local_health;
  GSource    *tick;
  GSource    *recovery;
  GHashTable *holds;     /* GossipNodeId* -> Hold*: suspicions not yet broadcast */
  GHashTable *peers;     /* GossipNodeId* (owned) -> Peer* */
  GHashTable *unsettled; /* GossipNodeId* (owned) set: Alive peers not known to be gossip-glib */
};

/* Our suspicion of a node, held back from the cluster (go-suspicion-delay). */
typedef struct {
  GossipHealth *self;
  GossipNodeId  id;
} Hold;

static void
record_free (gpointer data)
{
  Record *r = data;

  if (r->recheck != NULL)
    {
      g_source_destroy (r->recheck);
      g_source_unref (r->recheck);
    }
  g_hash_table_unref (r->confirmers);
  g_free (r);
}

static GossipNodeId *
id_dup (const GossipNodeId *id)
{
  return g_memdup2 (id, sizeof *id);
}

/* The node became Alive or left the list: forget its failure record. */
static void
forget (GossipHealth *self,
        GossipNode   *node)
{
  g_hash_table_remove (self->records, gossip_node_get_node_id (node));
}

/* From membership: a node that became Alive or Dead, or left the list,
 * starts with a clean failure record. */
static void
membership_changed_cb (gpointer         data,
                       GossipNode      *node,
                       GossipNodeState  old_state,
                       GossipNodeState  new_state)
{
  GossipHealth *self = data;

  /* The probe ring holds the Alive nodes. */
  if (old_state == GOSSIP_NODE_STATE_ALIVE || new_state == GOSSIP_NODE_STATE_ALIVE ||
      new_state == GOSSIP_NODE_STATE_UNKNOWN)
    self->ring_dirty = TRUE;
  if (new_state == GOSSIP_NODE_STATE_ALIVE || new_state == GOSSIP_NODE_STATE_DEAD ||
      new_state == GOSSIP_NODE_STATE_UNKNOWN)
    forget (self, node);
  /* A revived node is no longer suspected; a removed one is no peer. */
  if (new_state == GOSSIP_NODE_STATE_ALIVE || new_state == GOSSIP_NODE_STATE_UNKNOWN)
    g_hash_table_remove (self->holds, gossip_node_get_node_id (node));
  if (new_state == GOSSIP_NODE_STATE_UNKNOWN)
    {
      g_hash_table_remove (self->peers, gossip_node_get_node_id (node));
      gossip_probe_forget (self->probe, gossip_node_get_node_id (node));
    }
  /* The tick sends hellos to these only, instead of scanning every node. */
  if (new_state == GOSSIP_NODE_STATE_ALIVE && node != self->local)
    {
      Peer *p = g_hash_table_lookup (self->peers, gossip_node_get_node_id (node));

      if (p == NULL || p->kind != PEER_GLIB)
        g_hash_table_add (self->unsettled, id_dup (gossip_node_get_node_id (node)));
    }
  else
    g_hash_table_remove (self->unsettled, gossip_node_get_node_id (node));
}

static const GossipMembershipEvidence evidence;
static void repair_heard_cb (gpointer data, const GossipNodeId *sender, gboolean hello);

GossipHealth *
gossip_health_new (const GossipConfigValues *cfg,
                   GMainContext             *context,
                   GossipRouter             *router,
                   GossipMembership         *membership,
                   const GossipHealthHost   *host)
{
  static const GossipMembershipObserver observer = { .state_changed = membership_changed_cb };
  GossipHealth *h = g_new0 (GossipHealth, 1);

  h->cfg = cfg;
  h->context = context;
  h->router = router;
  h->membership = membership;
  h->nodes = gossip_membership_get_nodes (membership);
  h->local = gossip_membership_get_local (membership);
  h->local_id = *gossip_node_get_node_id (h->local);
  h->host = *host;
  h->probe = gossip_probe_new (cfg, context, router, membership, host);
  h->records = g_hash_table_new_full (gossip_node_id_hash, gossip_node_id_equal, g_free, record_free);
  h->probes = g_hash_table_new (gossip_node_id_hash, gossip_node_id_equal);
  h->ring = g_array_new (FALSE, FALSE, sizeof (GossipNodeId));
  h->ring_dirty = TRUE;
  h->holds = g_hash_table_new_full (gossip_node_id_hash, gossip_node_id_equal, NULL,
                                    (GDestroyNotify) g_source_destroy);
  h->peers = g_hash_table_new_full (gossip_node_id_hash, gossip_node_id_equal, g_free, g_free);
  h->unsettled = g_hash_table_new_full (gossip_node_id_hash, gossip_node_id_equal, g_free, NULL);
  gossip_membership_add_observer (membership, &observer, h);
  gossip_membership_set_evidence (membership, &evidence, h);
  gossip_router_set_repair_listener (router, repair_heard_cb, h);
  return h;
}

static Record *
record_get (GossipHealth       *h,
            const GossipNodeId *id)
{
  Record *r = g_hash_table_lookup (h->records, id);

  if (r == NULL)
    {
      r = g_new0 (Record, 1);
      r->confirmers = g_hash_table_new_full (gossip_node_id_hash, gossip_node_id_equal, g_free, NULL);
      g_hash_table_insert (h->records, id_dup (id), r);
    }
  return r;
}

void
gossip_health_get_counters (GossipHealth         *self,
                            GossipHealthCounters *out)
{
  out->probes = self->n_probes;
  out->probe_failures = self->probe_failures;
  out->suspicions = self->suspicions;
  out->local_health = self->local_health;
  out->probe_timeout_ms = gossip_probe_timeout (self->probe, NULL);
}

/* ------------------------------------------------------------------ */
/* Go peers                                                            */

/* Go v0.6.0 nodes never send broadcast-repair digests (type 48). Each
 * gossip-glib node sends an empty one ("hello", gossip_router_send_hello())
 * to every live peer it has not heard one from, and answers a hello with
 * one. A peer that keeps talking to us but leaves GO_AFTER_UNANSWERED
 * hellos unanswered is taken for a Go node; until then it counts as
 * gossip-glib, so that a cluster of gossip-glib nodes only never holds
 * anything back. */
static Peer *
peer_get (GossipHealth       *h,
          const GossipNodeId *id)
{
  Peer *p = g_hash_table_lookup (h->peers, id);

  if (p == NULL)
    {
      p = g_new0 (Peer, 1);
      g_hash_table_insert (h->peers, id_dup (id), p);
    }
  return p;
}

/* From the router: a known node sent a repair digest or pull, so it speaks
 * gossip-glib; @hello: it was an empty digest, which asks for one back. */
static void
repair_heard_cb (gpointer            data,
                 const GossipNodeId *sender_id,
                 gboolean            hello)
{
  GossipHealth *self = data;
  GossipNode *sender = gossip_node_list_lookup (self->nodes, sender_id);
  gint64 now = g_get_monotonic_time ();
  Peer *p;

  if (self->stopped || sender == NULL || sender == self->local)
    return;
  p = peer_get (self, sender_id);
  p->kind = PEER_GLIB;
  p->unanswered = 0;
  g_hash_table_remove (self->unsettled, sender_id);
  /* Rate-limited, so that two nodes never play ping-pong. */
  if (hello && now - p->hello_sent >= (gint64) self->cfg->health_check_interval * 1000)
    {
      p->hello_sent = now;
      gossip_router_send_hello (self->router, gossip_node_get_address (sender));
    }
}

gboolean
gossip_health_is_go_peer (GossipHealth *self,
                          GossipNode   *node)
{
  Peer *p = g_hash_table_lookup (self->peers, gossip_node_get_node_id (node));

  return p != NULL && p->kind == PEER_GO;
}

/* Returns TRUE if a hello went out. */
static gboolean
maybe_send_hello (GossipHealth *self,
                  GossipNode   *node,
                  gint64        now)
{
  Peer *p = peer_get (self, gossip_node_get_node_id (node));
  gint64 wait_ms = p->kind == PEER_GO ? self->cfg->recovery_attempt_interval
                                      : self->cfg->health_check_interval;

  if (p->kind == PEER_GLIB || (p->hello_sent != 0 && now - p->hello_sent < wait_ms * 1000))
    return FALSE;
  /* Unanswered counts only if the peer sent us something since: a node
   * that does not know us yet drops hellos from strangers. */
  if (p->hello_sent != 0 && gossip_node_get_last_activity (node) > p->hello_sent &&
      ++p->unanswered >= GO_AFTER_UNANSWERED && p->kind == PEER_UNKNOWN)
    {
      g_debug ("%s: %s never answered a hello: a Go v0.6.0 node", gossip_node_get_address (self->local),
               gossip_node_get_id (node));
      p->kind = PEER_GO;
    }
  p->hello_sent = now;
  gossip_router_send_hello (self->router, gossip_node_get_address (node));
  return TRUE;
}

/* Is a live node other than @except taken for a Go node? */
static gboolean
go_peers_present (GossipHealth       *self,
                  const GossipNodeId *except)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GossipNode *node;

      if (((Peer *) value)->kind != PEER_GO || gossip_node_id_equal (key, except))
        continue;
      node = gossip_node_list_lookup (self->nodes, key);
      if (node != NULL && gossip_node_get_state (node) == GOSSIP_NODE_STATE_ALIVE)
        return TRUE;
    }
  return FALSE;
}

/* ------------------------------------------------------------------ */
/* Suspicion and death                                                 */

static guint
indirect_count (GossipHealth *self)
{
  guint live = gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE) +
               gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_SUSPECT);

  return gossip_router_log_formula (live, self->cfg->indirect_ping_multiplier, 0, 6);
}

static guint
quorum (GossipHealth *self)
{
  guint alive = gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE);

  return MAX (2, (guint) ceil (0.25 * alive));
}

/* Lifeguard's suspicion timeout: from max down to min as the confirmations
 * approach the quorum. Scales with log10 of the cluster size, like
 * memberlist, so that dissemination has time in large clusters. */
static gint64
suspicion_timeout_usec (GossipHealth *self,
                        guint         confirmations)
{
  guint alive = MAX (gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE), 1);
  double min_ms = 3.0 * self->cfg->health_check_interval * MAX (1.0, log10 ((double) alive));
  double max_ms = MIN (3.0 * min_ms, (double) self->cfg->suspect_retention_period);
  guint k = quorum (self);
  double t;

  min_ms = MIN (min_ms, max_ms);
  t = max_ms - (max_ms - min_ms) * log ((double) confirmations + 1) / log ((double) k + 1);
  return (gint64) (MAX (t, min_ms) * 1000);
}

typedef struct {
  GossipHealth *self;
  GossipNodeId  id;
} Recheck;

static gboolean evaluate (GossipHealth *self, GossipNode *node);

static gboolean
recheck_cb (gpointer user_data)
{
  Recheck *rc = user_data;
  GossipHealth *self = rc->self;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&self->host.dispatcher);
  Record *r = g_hash_table_lookup (self->records, &rc->id);
  GossipNode *node = gossip_node_list_lookup (self->nodes, &rc->id);

  if (r != NULL)
    g_clear_pointer (&r->recheck, g_source_unref);
  if (node != NULL && !self->stopped)
    evaluate (self, node);
  return G_SOURCE_REMOVE;
}

static gboolean
evaluate (GossipHealth *self,
          GossipNode   *node)
{
  Record *r = g_hash_table_lookup (self->records, gossip_node_get_node_id (node));
  guint confirmations;
  gint64 elapsed, wait;

  if (r == NULL || gossip_node_get_state (node) != GOSSIP_NODE_STATE_SUSPECT)
    return FALSE;
  confirmations = g_hash_table_size (r->confirmers);
  elapsed = g_get_monotonic_time () - r->suspect_since;
  /* Even a quorum waits a ping timeout (stretched by our local health) for
   * the refutation: confirmations that arrive together often share one
   * cause, such as a stall of the confirmers or of the network, that a
   * live node's answer can still clear. */
  wait = (gint64) self->cfg->ping_timeout * (1 + self->local_health) * 1000;
  if (confirmations >= quorum (self) && elapsed < wait && r->recheck == NULL)
    {
      Recheck *rc = g_new0 (Recheck, 1);

      rc->self = self;
      rc->id = *gossip_node_get_node_id (node);
      r->recheck = g_timeout_source_new ((guint) ((wait - elapsed) / 1000) + 1);
      g_source_set_callback (r->recheck, recheck_cb, rc, g_free);
      g_source_attach (r->recheck, self->context);
    }
  /* Our own probe of it is still out: its answer, due within a probe
   * timeout, is better evidence than a clock (with a high local health the
   * probe timeout may be longer than the suspicion timeout). */
  if (g_hash_table_contains (self->probes, gossip_node_get_node_id (node)))
    return FALSE;
  if (confirmations >= quorum (self) && elapsed >= wait)
    {
      gossip_membership_set_state_for (self->membership, node, GOSSIP_NODE_STATE_DEAD, gossip_hlc_now (),
                                       GOSSIP_STATE_REASON_CONFIRMED, "confirmations %u (quorum %u)",
                                       confirmations, quorum (self));
      return TRUE;
    }
  if (elapsed >= suspicion_timeout_usec (self, confirmations))
    {
      gossip_membership_set_state_for (self->membership, node, GOSSIP_NODE_STATE_DEAD, gossip_hlc_now (),
                                       GOSSIP_STATE_REASON_SUSPICION_TIMEOUT,
                                       "suspicion timeout after %" G_GINT64_FORMAT " ms (confirmations %u, quorum %u)",
                                       elapsed / 1000, confirmations, quorum (self));
      return TRUE;
    }
  return FALSE;
}

static void
tell_suspect (GossipHealth        *self,
              GossipNode          *node,
              const GossipNodeMsg *msg)
{
  GossipEnvelope env = gossip_router_envelope (self->router, GOSSIP_MSG_SUSPICION, 0);
  g_autoptr(GBytes) raw = gossip_wire_encode_value (gossip_router_get_wire (self->router), &env,
                                                    gossip_node_msg_build (msg, FALSE), NULL);

  if (raw != NULL)
    gossip_router_send_raw (self->router, gossip_node_get_address (node), raw, TRUE);
}

static void
broadcast_suspicion (GossipHealth       *self,
                     const GossipNodeId *id)
{
  GossipNodeMsg msg = { .node = *id };

  self->suspicions++;
  gossip_router_broadcast (self->router, GOSSIP_MSG_SUSPICION, gossip_node_msg_build (&msg, FALSE), FALSE);
}

static gboolean
hold_expired_cb (gpointer user_data)
{
  Hold *hold = user_data;
  GossipHealth  *self = hold->self;
  GossipNodeId id = hold->id;

  /* Removing the entry destroys this source (and frees @hold). */
  GossipNode *node;

  g_hash_table_remove (self->holds, &id);
  node = gossip_node_list_lookup (self->nodes, &id);
  if (node != NULL && (gossip_node_get_state (node) == GOSSIP_NODE_STATE_SUSPECT ||
                       gossip_node_get_state (node) == GOSSIP_NODE_STATE_DEAD))
    broadcast_suspicion (self, &id);
  return G_SOURCE_REMOVE;
}

/* Go v0.6.0 (BEHAVIOUR.md §5.3, §5.5, §5.6) counts a confirmation only from
 * a suspicion's originator or a push/pull sender reporting Dead, and a Go
 * node that turned Suspect on hearing someone else's suspicion never
 * broadcasts one of its own. So if our suspicion reaches the Go nodes
 * before any of them has suspected on its own, all of them hold our single
 * confirmation and never reach their quorum of 2 (issue 11.2). With
 * go-suspicion-delay set, our first suspicion of a node that nobody else
 * has suspected waits that long before it is broadcast (and the node is
 * left out of our push/pull lists meanwhile, see gossip_health_withholds),
 * so Go nodes suspect on their own first; it goes out at once when another
 * node's suspicion arrives, because then the Go nodes have two originators
 * to count. Our own verdict is not delayed; the suspect itself is still
 * told at once so that it can refute. */
static gboolean
hold_suspicion (GossipHealth       *self,
                const GossipNodeId *id,
                guint               confirmations)
{
  Hold *hold;
  GSource *source;

  if (self->cfg->go_suspicion_delay == 0 || confirmations > 1 || !go_peers_present (self, id))
    return FALSE;
  hold = g_new0 (Hold, 1);
  hold->self = self;
  hold->id = *id;
  source = g_timeout_source_new (self->cfg->go_suspicion_delay);
  g_source_set_callback (source, hold_expired_cb, hold, g_free);
  g_source_attach (source, self->context);
  g_hash_table_insert (self->holds, &hold->id, source);
  g_source_unref (source);
  g_debug ("%s: our suspicion is held back from the Go nodes", gossip_node_get_address (self->local));
  return TRUE;
}

static void
release_suspicion (GossipHealth       *self,
                   const GossipNodeId *id)
{
  if (g_hash_table_remove (self->holds, id))
    {
      g_debug ("%s: another node suspects it too: our suspicion goes out", gossip_node_get_address (self->local));
      broadcast_suspicion (self, id);
    }
}

gboolean
gossip_health_withholds (GossipHealth *self,
                         GossipNode   *node)
{
  return g_hash_table_contains (self->holds, gossip_node_get_node_id (node));
}

static gboolean
evidence_withholds (gpointer    data,
                    GossipNode *node)
{
  GossipHealth *self = data;

  return g_hash_table_contains (self->holds, gossip_node_get_node_id (node));
}

/* @reason and @detail: why @node turns Suspect, if it does. */
static void
suspect (GossipHealth       *self,
         GossipNode         *node,
         const GossipNodeId *confirmer,
         GossipStateReason   reason,
         const char         *detail)
{
  GossipHealth *h = self;
  GossipNodeState state = gossip_node_get_state (node);
  Record *r;

  if (node == self->local || (state != GOSSIP_NODE_STATE_ALIVE && state != GOSSIP_NODE_STATE_SUSPECT))
    return;

  r = record_get (h, gossip_node_get_node_id (node));
  if (!g_hash_table_contains (r->confirmers, confirmer))
    g_hash_table_add (r->confirmers, id_dup (confirmer));
  if (!gossip_node_id_equal (confirmer, &self->local_id))
    release_suspicion (self, gossip_node_get_node_id (node));

  if (state == GOSSIP_NODE_STATE_ALIVE)
    {
      gossip_membership_set_state_for (self->membership, node, GOSSIP_NODE_STATE_SUSPECT, gossip_hlc_now (),
                                       reason, "%s", detail);
      /* set_state(Suspect) does not forget the record; start the clock. */
      r = record_get (h, gossip_node_get_node_id (node));
      r->suspect_since = g_get_monotonic_time ();
    }

  /* Our own evidence goes to the cluster once, as a confirmation others count
   * and as the trigger of the node's refutation. */
  if (gossip_node_id_equal (confirmer, &self->local_id) && !r->suspicion_sent)
    {
      GossipNodeMsg msg = { .node = *gossip_node_get_node_id (node) };

      r->suspicion_sent = TRUE;
      if (!hold_suspicion (self, &msg.node, g_hash_table_size (r->confirmers)))
        broadcast_suspicion (self, &msg.node);
      /* The suspect itself must hear it to refute it: tell it over TCP too,
       * so a lost datagram cannot turn a slow node into a dead one. */
      tell_suspect (self, node, &msg);
    }
  evaluate (self, node);
}

/* ------------------------------------------------------------------ */
/* Probes                                                              */

static void
probe_unref (Probe *p)
{
  if (--p->ref_count > 0)
    return;
  if (p->indirect_timer != NULL)
    {
      g_source_destroy (p->indirect_timer);
      g_source_unref (p->indirect_timer);
    }
  g_object_unref (p->node);
  g_free (p);
}

static void
probe_judge (Probe    *p,
             gboolean  ok)
{
  GossipHealth *self = p->self;
  GossipHealth *h = self;
  Record *r;

  if (self->stopped || h == NULL || gossip_node_list_lookup (self->nodes, &p->id) != p->node)
    return;

  if (ok)
    {
      if (h->local_health > 0)
        h->local_health--;
      if (gossip_node_get_state (p->node) != GOSSIP_NODE_STATE_ALIVE &&
          gossip_node_get_state (p->node) != GOSSIP_NODE_STATE_LEAVING &&
          !gossip_node_get_departed (p->node))
        gossip_membership_set_state_for (self->membership, p->node, GOSSIP_NODE_STATE_ALIVE, gossip_hlc_now (),
                                         GOSSIP_STATE_REASON_RECOVERED, "recovered (answered a probe)");
      else if ((r = g_hash_table_lookup (h->records, &p->id)) != NULL)
        r->failures = 0;
      return;
    }

  if (gossip_node_get_state (p->node) == GOSSIP_NODE_STATE_DEAD ||
      gossip_node_get_state (p->node) == GOSSIP_NODE_STATE_LEAVING)
    return;

  self->probe_failures++;
  r = record_get (h, &p->id);
  r->failures++;
  if (p->helpers_asked > 0 && p->helpers_replied == 0)
    {
      /* Nobody answered, not even the helpers: likely our own trouble. */
      h->local_health = MIN (h->local_health + 1, MAX_LOCAL_HEALTH);
      if (r->failures < self->cfg->suspect_threshold)
        return;
    }
  {
    g_autofree char *detail =
      g_strdup_printf ("ping timeout after %u indirect helpers (%u could not reach it either; failed probes: %u)",
                       p->helpers_asked, p->helpers_replied, r->failures);

    suspect (self, p->node, &self->local_id, GOSSIP_STATE_REASON_PING_TIMEOUT, detail);
  }
}

static void
probe_finish (Probe    *p,
              gboolean  ok)
{
  GossipHealth *h = p->self;
  gboolean owned = FALSE;

  if (p->done)
    return;
  p->done = TRUE;
  if (h != NULL && g_hash_table_lookup (h->probes, &p->id) == p)
    {
      g_hash_table_remove (h->probes, &p->id);
      owned = TRUE;
    }
  probe_judge (p, ok);
  /* The table's reference goes last: the timer path holds none of its own. */
  if (owned)
    probe_unref (p);
}

static void
probe_maybe_done (Probe *p)
{
  if (p->outstanding == 0 && p->indirect_started)
    probe_finish (p, FALSE);
}

static void
probe_direct_cb (GossipProbeResult result,
                 gpointer          user_data)
{
  Probe *p = user_data;

  p->outstanding--;
  if (result == GOSSIP_PROBE_ACK)
    probe_finish (p, TRUE);
  else
    {
      /* Shutdown or a direct timeout before the helpers were asked. */
      p->indirect_started = TRUE;
      probe_maybe_done (p);
    }
  probe_unref (p);
}

static void
probe_indirect_cb (GossipProbeResult result,
                   gpointer          user_data)
{
  Probe *p = user_data;

  p->outstanding--;
  if (result == GOSSIP_PROBE_ACK)
    probe_finish (p, TRUE);
  else
    {
      if (result == GOSSIP_PROBE_NACK)
        p->helpers_replied++;
      probe_maybe_done (p);
    }
  probe_unref (p);
}

static gboolean
probe_indirect_start_cb (gpointer user_data)
{
  Probe *p = user_data;
  GossipHealth  *self = p->self;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&self->host.dispatcher);
  GossipNodeId exclude[2] = { self->local_id, p->id };
  g_autoptr(GPtrArray) helpers = NULL;

  g_clear_pointer (&p->indirect_timer, g_source_unref);
  p->indirect_started = TRUE;
  if (p->done || self->stopped)
    return G_SOURCE_REMOVE;

  if (self->cfg->enable_indirect_pings)
    helpers = gossip_node_list_random (self->nodes, indirect_count (self),
                                       GOSSIP_STATE_BIT (GOSSIP_NODE_STATE_ALIVE), exclude, 2);
  for (guint i = 0; helpers != NULL && i < helpers->len; i++)
    {
      p->outstanding++;
      p->helpers_asked++;
      p->ref_count++;
      /* A helper waits up to 4/5 of its ping timeout (less when its own
       * round trips allow): its "no" must not arrive after we gave up. */
      gossip_probe_indirect (self->probe, &p->id, gossip_node_get_address (p->node),
                             gossip_node_get_address (helpers->pdata[i]),
                             p->timeout_ms + self->cfg->ping_timeout * (1 + self->local_health),
                             probe_indirect_cb, p);
      if (p->done)
        break;
    }
  probe_maybe_done (p);
  return G_SOURCE_REMOVE;
}

static void
start_probe (GossipHealth *self,
             GossipNode   *node)
{
  GossipHealth *h = self;
  Probe *p;

  if (self->stopped || node == self->local ||
      g_hash_table_contains (h->probes, gossip_node_get_node_id (node)))
    return;

  p = g_new0 (Probe, 1);
  p->ref_count = 1;   /* the probes table's */
  p->self = self;
  p->node = g_object_ref (node);
  p->id = *gossip_node_get_node_id (node);
  p->timeout_ms = gossip_probe_timeout (self->probe, &p->id) * (1 + h->local_health);
  self->n_probes++;
  g_hash_table_insert (h->probes, &p->id, p);

  /* Helpers are asked at half the timeout; the direct ack may still win
   * until the helpers' time is up too. */
  p->indirect_timer = g_timeout_source_new (MAX (p->timeout_ms / 2, 1));
  g_source_set_callback (p->indirect_timer, probe_indirect_start_cb, p, NULL);
  g_source_attach (p->indirect_timer, self->context);

  p->outstanding++;
  p->ref_count++;
  gossip_probe_ping (self->probe, &p->id, gossip_node_get_address (node),
                     p->timeout_ms + p->timeout_ms / 2, probe_direct_cb, p);
}

static void
evidence_verify (gpointer    data,
                 GossipNode *node)
{
  GossipHealth *self = data;

  start_probe (self, node);
}

static void
evidence_suspicion (gpointer            data,
                    GossipNode         *node,
                    const GossipNodeId *originator)
{
  GossipHealth *self = data;
  GossipNodeState state = gossip_node_get_state (node);

  /* Someone else suspects it too: ours may go out, even if we already
   * declared it Dead (Go nodes still count it). */
  if (!gossip_node_id_equal (originator, &self->local_id))
    release_suspicion (self, gossip_node_get_node_id (node));
  if (state != GOSSIP_NODE_STATE_ALIVE && state != GOSSIP_NODE_STATE_SUSPECT)
    return;
  {
    char from[GOSSIP_NODE_ID_STRING_LEN + 1];
    g_autofree char *detail = NULL;

    gossip_node_id_format (originator, from);
    detail = g_strdup_printf ("suspicion from node %s", from);
    suspect (self, node, originator, GOSSIP_STATE_REASON_SUSPICION, detail);
  }
  /* See for ourselves: a failure adds our confirmation, an ack revives. */
  if (gossip_node_get_state (node) == GOSSIP_NODE_STATE_SUSPECT)
    start_probe (self, node);
}

static void
evidence_report (gpointer         data,
                 GossipNode      *node,
                 GossipNode      *reporter,
                 GossipNodeState  reported)
{
  GossipHealth *self = data;
  GossipNodeState state = gossip_node_get_state (node);

  if (node == self->local)
    return;
  /* A peer that reports it Suspect or Dead was tipped off already. */
  if (reporter != NULL && (reported == GOSSIP_NODE_STATE_DEAD || reported == GOSSIP_NODE_STATE_SUSPECT))
    release_suspicion (self, gossip_node_get_node_id (node));
  if (reported == GOSSIP_NODE_STATE_DEAD && state == GOSSIP_NODE_STATE_SUSPECT && reporter != NULL)
    {
      g_autofree char *detail = g_strdup_printf ("reported dead by node %s", gossip_node_get_id (reporter));

      suspect (self, node, gossip_node_get_node_id (reporter), GOSSIP_STATE_REASON_SUSPICION, detail);
    }
  else if ((reported == GOSSIP_NODE_STATE_DEAD || reported == GOSSIP_NODE_STATE_SUSPECT) &&
           state == GOSSIP_NODE_STATE_ALIVE)
    start_probe (self, node);
  else if (reported == GOSSIP_NODE_STATE_ALIVE &&
           (state == GOSSIP_NODE_STATE_SUSPECT || state == GOSSIP_NODE_STATE_DEAD))
    start_probe (self, node);
}

static void
evidence_self_suspected (gpointer data)
{
  GossipHealth *h = data;

  h->local_health = MIN (h->local_health + 1, MAX_LOCAL_HEALTH);
}

static const GossipMembershipEvidence evidence = {
  .suspicion = evidence_suspicion,
  .report = evidence_report,
  .verify = evidence_verify,
  .self_suspected = evidence_self_suspected,
  .withholds = evidence_withholds,
};

/* ------------------------------------------------------------------ */
/* Timers                                                              */

static gint
cmp_node_id (gconstpointer a,
             gconstpointer b)
{
  return gossip_node_id_compare (a, b);
}

/* The sorted ring of the probe schedule: every Alive node and us. Rebuilt
 * only after a change to who is Alive, so an idle tick costs O(log n). */
static void
rebuild_ring (GossipHealth *self)
{
  g_autoptr(GPtrArray) all = gossip_node_list_snapshot (self->nodes);

  g_array_set_size (self->ring, 0);
  for (guint i = 0; i < all->len; i++)
    if (all->pdata[i] == self->local || gossip_node_get_state (all->pdata[i]) == GOSSIP_NODE_STATE_ALIVE)
      g_array_append_val (self->ring, *gossip_node_get_node_id (all->pdata[i]));
  g_array_sort (self->ring, cmp_node_id);
  self->ring_dirty = FALSE;
}

/* Our index in the ring (binary search); the ring always holds us. */
static guint
ring_index_of_local (GossipHealth *self)
{
  guint lo = 0, hi = self->ring->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      int c = gossip_node_id_compare (&g_array_index (self->ring, GossipNodeId, mid), &self->local_id);

      if (c == 0)
        return mid;
      if (c < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo % MAX (self->ring->len, 1);
}

/* The Alive nodes to check this tick: health-check-sample-size of them, as
 * the shared schedule names them for this wall-clock round. */
static void
probe_scheduled (GossipHealth *self,
                 gint64        now)
{
  gint64 recent = (gint64) (self->cfg->health_check_interval * self->cfg->activity_threshold_percent * 1000);
  guint slots = MAX (self->cfg->health_check_sample_size, 1);
  guint64 round = gossip_probe_schedule_round (g_get_real_time (), self->cfg->health_check_interval);
  guint n, k;

  if (self->ring_dirty)
    rebuild_ring (self);
  n = self->ring->len;
  if (n < 2)
    return;
  /* Two ticks in one round (timer drift) take the next round's targets, so
   * no target is probed twice in a row by us. */
  if (round <= self->last_round)
    round = self->last_round + 1;
  self->last_round = round;
  k = ring_index_of_local (self);
  for (guint slot = 0; slot < MIN (slots, n - 1); slot++)
    {
      guint off = gossip_probe_schedule_offset (round, slot, slots, n);
      GossipNode *node = gossip_node_list_lookup (self->nodes,
                                                  &g_array_index (self->ring, GossipNodeId, (k + off) % n));

      if (node == NULL || node == self->local || gossip_node_get_state (node) != GOSSIP_NODE_STATE_ALIVE)
        continue;
      /* A node that just talked to us directly needs no ping: that packet
       * was its check, and takes its slot (the datagrams saved are what
       * keeps idle traffic at or below one ping and one ack per second). */
      if (now - gossip_node_get_last_activity (node) >= recent)
        start_probe (self, node);
    }
}

static gboolean
health_tick_cb (gpointer user_data)
{
  GossipHealth  *self = user_data;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&self->host.dispatcher);
  gint64 now = g_get_monotonic_time ();
  guint hellos = 0;
  GHashTableIter iter;
  gpointer key;

  if (gossip_node_get_state (self->local) == GOSSIP_NODE_STATE_LEAVING)
    return G_SOURCE_CONTINUE;

  /* Suspects first: evaluate them, and keep probing them so that a
   * refutation we missed is replaced by our own evidence. The scan of the
   * whole list only runs while there are any: an idle tick costs O(1). */
  if (gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_SUSPECT) > 0)
    {
      g_autoptr(GPtrArray) all = gossip_node_list_snapshot (self->nodes);

      g_ptr_array_foreach (all, (GFunc) (void (*) (void)) g_object_ref, NULL);
      for (guint i = 0; i < all->len; i++)
        {
          GossipNode *node = all->pdata[i];
          if (gossip_node_get_state (node) == GOSSIP_NODE_STATE_SUSPECT && !evaluate (self, node))
            start_probe (self, node);
        }
      g_ptr_array_foreach (all, (GFunc) (void (*) (void)) g_object_unref, NULL);
    }

  /* Hellos go to Alive peers not yet known to be gossip-glib (Go peers stay
   * in the set, hello'd at the recovery interval). */
  g_hash_table_iter_init (&iter, self->unsettled);
  while (hellos < MAX_HELLOS_PER_TICK && g_hash_table_iter_next (&iter, &key, NULL))
    {
      GossipNode *node = gossip_node_list_lookup (self->nodes, key);

      if (node != NULL && node != self->local && gossip_node_get_state (node) == GOSSIP_NODE_STATE_ALIVE &&
          maybe_send_hello (self, node, now))
        hellos++;
    }

  probe_scheduled (self, now);
  return G_SOURCE_CONTINUE;
}

static void
recovery_ping_cb (GossipProbeResult result,
                  gpointer          user_data)
{
  /* An ack is a packet from the node itself, which revives it on arrival. */
}

static gboolean
recovery_tick_cb (gpointer user_data)
{
  GossipHealth  *self = user_data;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&self->host.dispatcher);
  g_autoptr(GPtrArray) all = gossip_node_list_snapshot (self->nodes);
  g_autoptr(GHashTable) alive_addresses = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *join_peers = gossip_membership_get_join_peers (self->membership);

  if (gossip_node_get_state (self->local) == GOSSIP_NODE_STATE_LEAVING)
    return G_SOURCE_CONTINUE;

  for (guint i = 0; i < all->len; i++)
    {
      GossipNode *node = all->pdata[i];

      if (gossip_node_get_state (node) == GOSSIP_NODE_STATE_DEAD && !gossip_node_get_departed (node))
        gossip_probe_ping (self->probe, gossip_node_get_node_id (node), gossip_node_get_address (node),
                           self->cfg->ping_timeout, recovery_ping_cb, NULL);
      else if (gossip_node_get_state (node) == GOSSIP_NODE_STATE_ALIVE)
        g_hash_table_add (alive_addresses, (gpointer) gossip_node_get_address (node));
    }

  /* Join peers we are not connected to: after a partition heals, this
   * finds the other side even when every node there was forgotten. */
  for (guint i = 0; i < join_peers->len; i++)
    {
      const char *peer = join_peers->pdata[i];
      if (!g_hash_table_contains (alive_addresses, peer) &&
          !gossip_membership_join_peer_is_alive (self->membership, peer))
        gossip_membership_join_address (self->membership, peer, NULL);
    }
  return G_SOURCE_CONTINUE;
}

/* Whole-second periods use GLib's second timers, which fire together for
 * every cluster in the process: many nodes in one process (tests, the
 * bench, a node group) then wake the main loop once per second for all
 * their ticks instead of once each, and their pings and acks arrive in
 * bursts that one poll reads. The phase of a node's round does not matter. */
static GSource *
periodic_source_new (guint interval_ms)
{
  if (interval_ms >= 1000 && interval_ms % 1000 == 0)
    return g_timeout_source_new_seconds (interval_ms / 1000);
  return g_timeout_source_new (interval_ms);
}

void
gossip_health_start (GossipHealth *self)
{
  GossipHealth *h = self;

  h->tick = periodic_source_new (self->cfg->health_check_interval);
  g_source_set_callback (h->tick, health_tick_cb, self, NULL);
  g_source_attach (h->tick, self->context);

  h->recovery = periodic_source_new (self->cfg->recovery_attempt_interval);
  g_source_set_callback (h->recovery, recovery_tick_cb, self, NULL);
  g_source_attach (h->recovery, self->context);
}

static void
destroy_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_source_unref (*source);
  *source = NULL;
}

void
gossip_health_stop (GossipHealth *self)
{
  GossipHealth *h = self;
  GHashTableIter iter;
  gpointer value;

  if (h == NULL)
    return;
  h->stopped = TRUE;
  destroy_source (&h->tick);
  destroy_source (&h->recovery);
  g_hash_table_remove_all (h->holds);
  /* In-flight probes end through their waiters (cleared below); drop the
   * table's references now. */
  g_hash_table_iter_init (&iter, h->probes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Probe *p = value;
      g_hash_table_iter_steal (&iter);
      p->done = TRUE;
      if (p->indirect_timer != NULL)
        {
          g_source_destroy (p->indirect_timer);
          g_clear_pointer (&p->indirect_timer, g_source_unref);
          p->indirect_started = TRUE;
        }
      probe_unref (p);
    }
  gossip_probe_clear (h->probe);
}

void
gossip_health_free (GossipHealth *self)
{
  GossipHealth *h = self;

  if (h == NULL)
    return;
  gossip_health_stop (self);
  gossip_probe_free (h->probe);
  g_hash_table_unref (h->probes);
  g_hash_table_unref (h->records);
  g_hash_table_unref (h->holds);
  g_hash_table_unref (h->peers);
  g_hash_table_unref (h->unsettled);
  g_array_unref (h->ring);
  g_free (h);
}
