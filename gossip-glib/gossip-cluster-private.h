/* gossip-cluster-private.h: the face's own state.
 *
 * gossip-cluster.c (the public API) and gossip-cluster-events.c (the
 * public signals, after each dispatch) share this struct. The layers
 * below are owned objects with their own private headers: the router
 * (router/), membership (membership/) and health (health/); none of them
 * includes this header. Tests and tools reach a few private hooks here.
 */
#pragma once

#include "gossip-cluster.h"
#include "gossip-config-private.h"
#include "gossip-router-private.h"
#include "gossip-health-private.h"
#include "gossip-membership-private.h"
#include "gossip-messages-private.h"
#include "gossip-node-list-private.h"
#include "gossip-transport-private.h"
#include "gossip-wire-private.h"

G_BEGIN_DECLS

typedef enum {
  HANDLER_FORWARD,
  HANDLER_NO_FORWARD,
  HANDLER_REPLY,
  HANDLER_STREAM,  /* gossip-cluster-streams.c */
} HandlerKind;

typedef struct {
  guint             ref_count;   /* the table's, plus one per call running */
  HandlerKind       kind;
  GossipHandlerFunc func;
  GossipReplyFunc   reply_func;
  gpointer          stream_func; /* GossipStreamHandlerFunc */
  gpointer          user_data;
  GDestroyNotify    destroy;
} Handler;

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
  GossipMembership         *membership;
  GossipNodeList           *nodes;         /* membership's */
  GossipNode               *local;         /* membership's */
  GListModel               *node_model;    /* (nullable): read-only view of nodes, made on demand */
  GossipNodeId              local_id;
  char                     *advertise_address;
  GossipRouter             *router;        /* packets in and out */
  GHashTable               *handlers;      /* GUINT_TO_POINTER (type) -> Handler* */

  gboolean                  running;
  gboolean                  stopped;

  GSource                  *history_timer;
  GSource                  *gossip_timer;
  GSource                  *metadata_idle;
  guint                     gossip_interval;

  GossipHealth             *health;

  /* gossip-cluster-events.c */
  guint                     dispatch_depth;
  gboolean                  flushing;
  GQueue                    pending_events;
  GHashTable               *frozen_nodes;  /* GossipNode* whose notifications wait */
};

/* gossip-cluster.c: sending, through the router */
void     gossip_cluster_count_drop     (GossipCluster        *self,
                                        GossipDropReason      reason,
                                        const char           *detail);
/* An originated broadcast of a system message to a random fan-out. */
void     gossip_cluster_broadcast      (GossipCluster        *self,
                                        guint16               type,
                                        GVariant             *payload,
                                        gboolean              reliable);
GossipEnvelope gossip_cluster_envelope (GossipCluster        *self,
                                        guint16               type,
                                        guint8                ttl);

/* gossip-cluster.c: handlers registered from other files (streams). */
gboolean gossip_cluster_register_handler (GossipCluster  *self,
                                          guint16         type,
                                          Handler        *h,
                                          GError        **error);
/* Drops a reference taken with h->ref_count++ around a call. */
void     gossip_cluster_handler_release  (Handler        *h);

/* gossip-cluster-streams.c: a packet of a stream type arrived. */
void     gossip_cluster_streams_dispatch (GossipCluster  *self,
                                          GossipReceived *rx,
                                          GossipNode     *sender,
                                          GossipPacket   *packet,
                                          Handler        *h);

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
