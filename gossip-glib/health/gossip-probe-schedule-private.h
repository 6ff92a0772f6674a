/* gossip-probe-schedule-private.h: who probes whom in a health round. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every node sorts the live node IDs (itself included) the same way; in
 * wall-clock round @round, slot @slot of @slots, the node at index k probes
 * the node at index (k + offset) mod @n. For one round and slot that map is
 * a permutation of the ring without fixed points: every node is probed by
 * exactly one other. Returns the offset, in [1, n - 1]; 0 if @n < 2. */
guint    gossip_probe_schedule_offset (guint64 round,
                                       guint   slot,
                                       guint   slots,
                                       guint   n);

/* The round that the wall-clock time @real_us falls in, for probes every
 * @interval_ms. */
guint64  gossip_probe_schedule_round  (gint64  real_us,
                                       guint   interval_ms);

G_END_DECLS
