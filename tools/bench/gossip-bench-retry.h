/* gossip-bench-retry.h: joins retried later, for the --processes children. */
#pragma once

#include "gossip-glib.h"

G_BEGIN_DECLS

void bench_join_later (GossipCluster       *cluster,
                       const char          *address,
                       guint                delay_ms,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data);

G_END_DECLS
