/* gossip-broadcast-repair-private.h: keeps the raw bytes of recent broadcasts
 * so that a node that lost its copy can pull it from one that has it.
 * Knows nothing of the cluster: IDs in, digests and raw packets out. */
#pragma once

#include <glib.h>
#include "gossip-node-id-private.h"

G_BEGIN_DECLS

/* One digest entry on the wire: 16 bytes originator, 8 bytes ID (BE). */
#define GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE 24

typedef struct _GossipBroadcastRepair GossipBroadcastRepair;

typedef struct {
  guint64 recorded;
  guint64 digests_built;
  guint64 pulls_built;
  guint64 resent;
} GossipBroadcastRepairCounters;

GossipBroadcastRepair *gossip_broadcast_repair_new     (gint64                 keep_usec,
                                                        guint                  max_entries);
void                   gossip_broadcast_repair_free    (GossipBroadcastRepair *self);
/* Keeps @raw (the packet exactly as sent or received) for keep_usec. */
void                   gossip_broadcast_repair_record  (GossipBroadcastRepair *self,
                                                        const GossipNodeId    *origin,
                                                        guint64                id,
                                                        GBytes                *raw,
                                                        gint64                 now);
/* Prunes, and says whether a raw packet is still held (the repair timer
 * runs only while this is TRUE). */
gboolean               gossip_broadcast_repair_active  (GossipBroadcastRepair *self,
                                                        gint64                 now);
/* Packed entries of the held packets, newest first; NULL if none. */
GBytes                *gossip_broadcast_repair_digest  (GossipBroadcastRepair *self,
                                                        gint64                 now);
/* The entries of @digest we neither hold nor pulled in the last
 * pull_again_usec; marks them pulled. NULL if nothing is missing. */
GBytes                *gossip_broadcast_repair_missing (GossipBroadcastRepair *self,
                                                        const guint8          *digest,
                                                        gsize                  size,
                                                        gint64                 now);
/* The raw packets asked for in @pull that we still hold (GBytes each). */
GPtrArray             *gossip_broadcast_repair_answer  (GossipBroadcastRepair *self,
                                                        const guint8          *pull,
                                                        gsize                  size);
/* The packed entries of a digest or pull payload: bytes (msgpack bin) or
 * an array of numbers 0-255 (JSON). NULL if it is neither. */
GBytes                *gossip_broadcast_repair_entries_from_variant (GVariant *payload);
void                   gossip_broadcast_repair_counters (GossipBroadcastRepair         *self,
                                                         GossipBroadcastRepairCounters *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipBroadcastRepair, gossip_broadcast_repair_free)

G_END_DECLS
