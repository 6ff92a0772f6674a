/* gossip-stats-private.h: building a stats snapshot. */
#pragma once

#include "gossip-stats.h"

G_BEGIN_DECLS

GossipStats *gossip_stats_new (void);
/* @name must be a static string. */
void         gossip_stats_add (GossipStats *self,
                               const char  *name,
                               guint64      value);

G_END_DECLS
