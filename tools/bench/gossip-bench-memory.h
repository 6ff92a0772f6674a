/* gossip-bench-memory.h: RSS and PSS of the --processes children. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean bench_smaps_rollup        (const char *pid,
                                    guint64    *rss_bytes,
                                    guint64    *pss_bytes);

void     bench_processes_memory    (JsonObject *result,
                                    GPtrArray  *subprocesses,
                                    gboolean    print);

G_END_DECLS
