/* gossip-probe-private.h: pings, as target, as prober and as intermediary.
 *
 * GossipProbe is a part of GossipHealth: it owns the ping waiters, answers
 * pings and indirect pings, and registers the ping types (1-4) with the
 * router. It sends through the router and asks membership to join a
 * stranger that pings us; it knows nothing of the cluster.
 */
#pragma once

#include "gossip-config-private.h"
#include "gossip-dispatch-private.h"
#include "gossip-membership-private.h"
#include "gossip-router-private.h"

G_BEGIN_DECLS

typedef struct _GossipProbe GossipProbe;

typedef enum {
  GOSSIP_PROBE_ACK,      /* the target answered (directly or through a helper) */
  GOSSIP_PROBE_NACK,     /* a helper answered that it could not reach the target */
  GOSSIP_PROBE_TIMEOUT,  /* nobody answered in time */
} GossipProbeResult;

typedef void (* GossipPingCallback) (GossipProbeResult  result,
                                     gpointer           user_data);

/* What the owner of health gives it at construction. */
typedef struct {
  GossipDispatcher dispatcher;  /* around every main-loop callback */
  GObject         *owner;       /* kept alive while an indirect probe runs */
} GossipHealthHost;

GossipProbe *gossip_probe_new    (const GossipConfigValues *cfg,
                                  GMainContext             *context,
                                  GossipRouter             *router,
                                  GossipMembership         *membership,
                                  const GossipHealthHost   *host);
void         gossip_probe_free   (GossipProbe *self);
/* Completes every waiter with failure and sends no more, for shutdown. */
void         gossip_probe_clear  (GossipProbe *self);
/* Direct ping of @target at @address; @callback runs once, on ack or timeout. */
void         gossip_probe_ping   (GossipProbe        *self,
                                  const GossipNodeId *target,
                                  const char         *address,
                                  guint               timeout_ms,
                                  GossipPingCallback  callback,
                                  gpointer            user_data);
/* The wait for @target's ack (ms): its measured round trips (or, with none
 * yet, those of every target) as SRTT + 4 RTTVAR, between a floor and the
 * configured ping timeout; half the ping timeout before any ack came. */
guint        gossip_probe_timeout (GossipProbe        *self,
                                   const GossipNodeId *target);
/* Drops @target's round-trip estimate (it left the node list). */
void         gossip_probe_forget  (GossipProbe        *self,
                                   const GossipNodeId *target);
/* Asks the node at @helper_address to ping @target for us. */
void         gossip_probe_indirect (GossipProbe        *self,
                                    const GossipNodeId *target,
                                    const char         *target_address,
                                    const char         *helper_address,
                                    guint               timeout_ms,
                                    GossipPingCallback  callback,
                                    gpointer            user_data);

G_END_DECLS
