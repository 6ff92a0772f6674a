/* gossip-health-private.h: failure detection, as an object.
 *
 * GossipHealth owns its failure records, probes (through its part
 * GossipProbe), suspicion holds, local health and timers (BEHAVIOUR.md §5,
 * with Lifeguard's local health and confirmation-shortened suspicion). It
 * changes node states only through membership's functions, learns of
 * transitions as one of membership's observers, and receives the claims
 * membership passes on as its evidence sink. It holds no pointer to the
 * cluster.
 */
#pragma once

#include "gossip-probe-private.h"

G_BEGIN_DECLS

typedef struct _GossipHealth GossipHealth;

typedef struct {
  guint64 probes;
  guint64 probe_failures;
  guint64 suspicions;
  guint   local_health;
  guint   probe_timeout_ms;  /* over all targets, before local health */
} GossipHealthCounters;

/* Registers with @membership (observer, evidence sink) and, through its
 * probe, with @router (the ping types). */
GossipHealth *gossip_health_new      (const GossipConfigValues *cfg,
                                      GMainContext             *context,
                                      GossipRouter             *router,
                                      GossipMembership         *membership,
                                      const GossipHealthHost   *host);
void          gossip_health_free     (GossipHealth *self);
void          gossip_health_start    (GossipHealth *self);
/* Stops the timers, forgets in-flight probes and completes their pings. */
void          gossip_health_stop     (GossipHealth *self);
void          gossip_health_get_counters (GossipHealth         *self,
                                          GossipHealthCounters *out);
/* For tests: TRUE if @node is taken for a Go v0.6.0 node (it never
 * answered our hellos), and TRUE while our suspicion of @node is held back
 * from the Go nodes (go-suspicion-delay). */
gboolean      gossip_health_is_go_peer   (GossipHealth         *self,
                                          GossipNode           *node);
gboolean      gossip_health_withholds    (GossipHealth         *self,
                                          GossipNode           *node);

G_END_DECLS
