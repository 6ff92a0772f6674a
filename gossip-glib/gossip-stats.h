/* gossip-stats.h: a snapshot of a cluster node's counters. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_STATS (gossip_stats_get_type ())

/**
 * GossipStats:
 *
 * An immutable snapshot of a node's counters, taken by
 * [method@Gossip.Cluster.get_stats]: packets and bytes per transport,
 * drops by reason, de-duplication hits, probes and suspicions.
 *
 * Since: 1.0
 */
typedef struct _GossipStats GossipStats;

GOSSIP_AVAILABLE_IN_1_0
GType        gossip_stats_get_type   (void) G_GNUC_CONST;
GOSSIP_AVAILABLE_IN_1_0
GossipStats *gossip_stats_ref        (GossipStats *self);
GOSSIP_AVAILABLE_IN_1_0
void         gossip_stats_unref      (GossipStats *self);
GOSSIP_AVAILABLE_IN_1_0
guint64      gossip_stats_get        (GossipStats *self,
                                      const char  *name);
GOSSIP_AVAILABLE_IN_1_0
char       **gossip_stats_get_names  (GossipStats *self);
GOSSIP_AVAILABLE_IN_1_0
GVariant    *gossip_stats_to_variant (GossipStats *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipStats, gossip_stats_unref)

G_END_DECLS
