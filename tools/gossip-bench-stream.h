/* gossip-bench-stream.h: the `stream` scenario of gossip-bench. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Copies @total bytes one way through GossipStreams and a plain TCP socket
 * and prints MB/s for each. */
gboolean gossip_bench_stream (guint64    total,
                              gboolean   json,
                              GError   **error);

G_END_DECLS
