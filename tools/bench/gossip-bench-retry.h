/* gossip-bench-retry.h: joins retried later, for the --processes children. */
#pragma once

#include "gossip-glib.h"

G_BEGIN_DECLS

gboolean bench_join_should_retry (GossipCluster       *cluster,
                                  const GError        *error);

void     bench_join_later         (GossipCluster       *cluster,
                                  const char          *address,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);

G_END_DECLS
