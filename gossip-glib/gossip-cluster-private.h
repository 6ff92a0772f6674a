/* gossip-cluster-private.h: the state shared by the files that make up a cluster.
 *
 * gossip-cluster.c is the public façade and the packet dispatcher;
 * gossip-membership.c owns joins, push/pull and every node state change;
 * gossip-probe.c answers and sends pings. They share this one struct.
 */
#pragma once

#include "gossip-cluster.h"
#include "gossip-config-private.h"
#include "gossip-router-private.h"
#include "gossip-broadcast-repair-private.h" /* broadcast-repair: include */
#include "gossip-messages-private.h"
#include "gossip-node-list-private.h"
#include "gossip-transport-private.h"
#include "gossip-wire-private.h"

G_BEGIN_DECLS

typedef struct _GossipHealth GossipHealth;

typedef enum {
  HANDLER_FORWARD,
  HANDLER_NO_FORWARD,
  HANDLER_REPLY,
} HandlerKind;

typedef struct {
  guint             ref_count;   /* the table's, plus one per call running */
  HandlerKind       kind;
  GossipHandlerFunc func;
  GossipReplyFunc   reply_func;
  gpointer          user_data;
  GDestroyNotify    destroy;
} Handler;

/* Where a received packet came from and how it can be answered. */
typedef struct {
  GossipWireMessage  msg;
  gboolean           reliable;
  GossipIncoming    *incoming;   /* (nullable) set for reliable requests */
} Received;

struct _GossipCluster
{
  GObject                   parent_instance;

  GossipConfig             *config;
  const GossipConfigValues *cfg;
  GMainContext             *context;
  /* Set up once, from constructed() or g_initable_init(), whichever comes
   * first, so that every construction path (bindings' plain constructors
   * included) yields a set-up cluster or one that remembers why not. */
  gboolean                  init_done;
  GError                   *init_error;
  GCancellable             *cancellable;

  GossipWire                wire;
  GossipTransport          *transport;
  GossipNodeList           *nodes;
  GossipNode               *local;
  GossipNodeId              local_id;
  char                     *advertise_address;
  GossipRouter             *router;        /* receive filters, drop counters */
  GossipBroadcastRepair    *repair;        /* broadcast-repair: state */
  GSource                  *repair_timer;  /* broadcast-repair: runs only while recent broadcasts exist */
  GHashTable               *handlers;      /* GUINT_TO_POINTER (type) -> Handler* */
  GPtrArray                *join_peers;    /* char*, remembered for rejoin */
  GHashTable               *unsolicited_joins; /* address -> last attempt (monotonic µs) */

  gboolean                  running;
  gboolean                  stopped;

  GSource                  *history_timer;
  GSource                  *sync_timer;
  guint                     sync_news;     /* nodes learned since the last sync round */
  GSource                  *gossip_timer;
  GSource                  *lifecycle_timer;
  GSource                  *metadata_idle;
  guint                     gossip_interval;

  /* probes */
  guint32                   ping_seq;
  GHashTable               *ping_waiters;  /* GUINT_TO_POINTER (seq) -> PingWaiter* */
  GossipHealth             *health;

  guint64                   packets_out;
  guint64                   probes;
  guint64                   probe_failures;
  guint64                   suspicions;
  guint64                   refutations;

  GArray                   *membership_observers; /* MembershipObserver, gossip-membership.c */

  /* gossip-cluster-events.c */
  guint                     dispatch_depth;
  gboolean                  flushing;
  GQueue                    pending_events;
  GHashTable               *frozen_nodes;  /* GossipNode* whose notifications wait */
};

/* gossip-cluster.c: sending */
guint    gossip_cluster_max_ttl        (GossipCluster        *self);
guint    gossip_cluster_indirect_count (GossipCluster        *self);
void     gossip_cluster_count_drop     (GossipCluster        *self,
                                        GossipDropReason      reason,
                                        const char           *detail);
/* Encodes once and sends to @node: best-effort unless @reliable or too big. */
void     gossip_cluster_send_raw_to    (GossipCluster        *self,
                                        const char           *address,
                                        GBytes               *raw,
                                        gboolean              reliable);
/* A direct system message to one address (TTL 1). */
void     gossip_cluster_send_direct    (GossipCluster        *self,
                                        const char           *address,
                                        guint16               type,
                                        GVariant             *payload,
                                        guint8                ttl);
/* An originated broadcast of a system message to a random fan-out. */
void     gossip_cluster_broadcast      (GossipCluster        *self,
                                        guint16               type,
                                        GVariant             *payload,
                                        gboolean              reliable);
GossipEnvelope gossip_cluster_envelope (GossipCluster        *self,
                                        guint16               type,
                                        guint8                ttl);

/* gossip-cluster.c: the public signals, emitted now. */
void gossip_cluster_signal_state_changed    (GossipCluster   *self,
                                             GossipNode      *node,
                                             GossipNodeState  old_state,
                                             GossipNodeState  new_state);
void gossip_cluster_signal_metadata_changed (GossipCluster   *self,
                                             GossipNode      *node);

/* gossip-cluster-events.c: every callback from the main loop (packet,
 * timer, reply) runs inside a dispatch; the signals membership emits there
 * wait until the outermost dispatch ends. Use as
 *   g_autoptr(GossipDispatch) dispatch = gossip_cluster_dispatch_begin (self);
 * The dispatch holds a reference on the cluster. */
typedef struct _GossipDispatch GossipDispatch;
GossipDispatch *gossip_cluster_dispatch_begin (GossipCluster  *self);
void            gossip_cluster_dispatch_end   (GossipDispatch *dispatch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipDispatch, gossip_cluster_dispatch_end)
/* Call before changing @node's properties: inside a dispatch, its
 * notifications are delivered with the queued signals. */
void gossip_cluster_hold_node_notify      (GossipCluster   *self,
                                           GossipNode      *node);
/* Emitted only by membership; queued inside a dispatch. */
void gossip_cluster_emit_state_changed    (GossipCluster   *self,
                                           GossipNode      *node,
                                           GossipNodeState  old_state,
                                           GossipNodeState  new_state);
void gossip_cluster_emit_metadata_changed (GossipCluster   *self,
                                           GossipNode      *node);
void gossip_cluster_events_init           (GossipCluster   *self);
void gossip_cluster_events_clear          (GossipCluster   *self);

/* The task data of a join: attempts in flight, peers that accepted, and
 * the last failure to report if none did. */
typedef struct {
  guint   pending;
  guint   joined;
  GError *error;
} GossipJoinState;

void gossip_join_state_free (gpointer data);
/* Ends one attempt of @task (owned); returns the task when it was the last. */
void gossip_membership_join_attempt_done (GTask  *task,
                                          GError *error);

/* gossip-membership.c */
/* Membership's private notification: a layer that keeps per-node state
 * (health) registers here and learns of each transition instead of being
 * called by name. Runs after the node list changed (for a removal, just
 * before the node leaves the list; @new_state is UNKNOWN), before the
 * public signal is queued. */
typedef void (* GossipMembershipObserver) (GossipCluster   *self,
                                           GossipNode      *node,
                                           GossipNodeState  old_state,
                                           GossipNodeState  new_state,
                                           gpointer         data);
void        gossip_membership_add_observer     (GossipCluster            *self,
                                                GossipMembershipObserver  func,
                                                gpointer                  data);
void        gossip_membership_clear_observers  (GossipCluster *self);
void        gossip_membership_start            (GossipCluster *self);
void        gossip_membership_stop             (GossipCluster *self);
/* The only places node state changes and the signals are emitted. */
void        gossip_membership_add_node         (GossipCluster *self,
                                                GossipNode    *node);
void        gossip_membership_set_state        (GossipCluster *self,
                                                GossipNode    *node,
                                                GossipNodeState state,
                                                guint64       timestamp);
void        gossip_membership_remove_node      (GossipCluster *self,
                                                GossipNode    *node);
void        gossip_membership_apply_metadata   (GossipCluster *self,
                                                GossipNode    *node,
                                                GVariant      *md,
                                                guint64        ts,
                                                gboolean       force);
/* @task (owned, nullable) is a join task from gossip_cluster_join_async(). */
void        gossip_membership_join_address     (GossipCluster *self,
                                                const char    *address,
                                                GTask         *task);
/* Revives a Suspect or Dead node on direct evidence from it. */
void        gossip_membership_heard_from       (GossipCluster *self,
                                                GossipNode    *node);
void        gossip_membership_exchange_state   (GossipCluster *self,
                                                GossipNode    *node);
void        gossip_membership_handle_join      (GossipCluster *self,
                                                Received      *rx,
                                                GVariant      *payload);
void        gossip_membership_handle_push_pull (GossipCluster *self,
                                                Received      *rx,
                                                GossipNode    *sender,
                                                GVariant      *payload);
void        gossip_membership_handle_alive     (GossipCluster *self,
                                                Received      *rx,
                                                GossipNode    *sender,
                                                GVariant      *payload);
void        gossip_membership_handle_suspicion (GossipCluster *self,
                                                Received      *rx,
                                                GossipNode    *sender,
                                                GVariant      *payload);
void        gossip_membership_handle_leaving   (GossipCluster *self,
                                                Received      *rx,
                                                GossipNode    *sender,
                                                GVariant      *payload);
void        gossip_membership_handle_metadata  (GossipCluster *self,
                                                Received      *rx,
                                                GossipNode    *sender,
                                                GVariant      *payload);
/* Up to @max node states (G_MAXUINT: every live node), without @exclude. */
GVariant   *gossip_membership_build_state_list (GossipCluster *self,
                                                GossipNode    *exclude,
                                                guint          max);

/* gossip-probe.c */
typedef enum {
  GOSSIP_PROBE_ACK,      /* the target answered (directly or through a helper) */
  GOSSIP_PROBE_NACK,     /* a helper answered that it could not reach the target */
  GOSSIP_PROBE_TIMEOUT,  /* nobody answered in time */
} GossipProbeResult;

typedef void (* GossipPingCallback) (GossipCluster     *self,
                                     GossipProbeResult  result,
                                     gpointer           user_data);
void        gossip_probe_init                  (GossipCluster *self);
void        gossip_probe_clear                 (GossipCluster *self);
/* Direct ping of @target at @address; @callback runs once, on ack or timeout. */
void        gossip_probe_ping                  (GossipCluster      *self,
                                                const GossipNodeId *target,
                                                const char         *address,
                                                guint               timeout_ms,
                                                GossipPingCallback  callback,
                                                gpointer            user_data);
/* Asks the node at @helper_address to ping @target for us. */
void        gossip_probe_indirect              (GossipCluster      *self,
                                                const GossipNodeId *target,
                                                const char         *target_address,
                                                const char         *helper_address,
                                                guint               timeout_ms,
                                                GossipPingCallback  callback,
                                                gpointer            user_data);
void        gossip_probe_send_discovery_ping   (GossipCluster *self,
                                                GossipNode    *node);
void        gossip_probe_handle_ping           (GossipCluster       *self,
                                                Received            *rx,
                                                GossipNode          *sender,
                                                const GossipPingMsg *msg);
void        gossip_probe_handle_ack            (GossipCluster       *self,
                                                Received            *rx,
                                                GossipNode          *sender,
                                                const GossipPingMsg *msg);
void        gossip_probe_handle_indirect_ping  (GossipCluster       *self,
                                                Received            *rx,
                                                GossipNode          *sender,
                                                const GossipPingMsg *msg);
void        gossip_probe_handle_indirect_ack   (GossipCluster       *self,
                                                Received            *rx,
                                                GossipNode          *sender,
                                                const GossipPingMsg *msg);

/* gossip-health.c: failure detection (BEHAVIOUR.md §5, with Lifeguard's
 * local health and confirmation-shortened suspicion). */
void        gossip_health_init           (GossipCluster      *self);
void        gossip_health_start          (GossipCluster      *self);
void        gossip_health_stop           (GossipCluster      *self);
void        gossip_health_free           (GossipCluster      *self);
/* The node became Alive or left the list: forget its failure record. */
/* TRUE while our suspicion of @node is held back (go-suspicion-delay):
 * push/pull lists leave the node out meanwhile, since Go turns a reported
 * Suspect or Dead into a suspicion it never broadcasts. */
gboolean    gossip_health_withholds      (GossipCluster      *self,
                                          GossipNode         *node);
void        gossip_health_forget         (GossipCluster      *self,
                                          GossipNode         *node);
/* A suspicion message about @node originated by @originator. */
void        gossip_health_suspicion      (GossipCluster      *self,
                                          GossipNode         *node,
                                          const GossipNodeId *originator);
/* A third party (push/pull @reporter) says @node is @reported. */
void        gossip_health_report         (GossipCluster      *self,
                                          GossipNode         *node,
                                          GossipNode         *reporter,
                                          GossipNodeState     reported);
/* Checks a claim about @node by probing it ourselves. */
void        gossip_health_verify         (GossipCluster      *self,
                                          GossipNode         *node);
/* Someone suspects us: our own health may be the problem. */
void        gossip_health_self_suspected (GossipCluster      *self);
guint       gossip_health_get_local_health (GossipCluster    *self);
/* @sender sent a repair digest or pull, so it speaks gossip-glib; @hello:
 * it was an empty digest, which asks for one back. */
void        gossip_health_heard_glib     (GossipCluster      *self,
                                          GossipNode         *sender,
                                          gboolean            hello);
/* TRUE if @node is taken for a Go v0.6.0 node (never answered our hellos). */
gboolean    gossip_health_is_go_peer     (GossipCluster      *self,
                                          GossipNode         *node);
/* Sends @node an empty repair digest (type 48): "I speak gossip-glib". */
void        gossip_cluster_send_hello    (GossipCluster      *self,
                                          GossipNode         *node);

/* A process-wide hook for the test network conditioner (tests/netsim):
 * clusters created afterwards send through @wrap (inner, advertised
 * address), which returns a new transport owning a reference to inner. */
typedef GossipTransport *(* GossipTransportWrapFunc) (GossipTransport *inner,
                                                      const char      *local_address);
void gossip_cluster_set_transport_wrapper (GossipTransportWrapFunc wrap);

/* Stops the node as a crash would: sockets closed, timers gone, no leave
 * message. For tests and the benchmark. */
void        gossip_cluster_simulate_crash (GossipCluster     *self);

G_END_DECLS
