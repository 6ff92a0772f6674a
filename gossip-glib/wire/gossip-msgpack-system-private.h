/* gossip-msgpack-system-private.h: the system messages of membership
 * (join and its reply, push/pull lists, alive, suspicion, leaving,
 * metadata) read straight from msgpack bytes into their structs. */
#pragma once

#include "gossip-messages-private.h"
#include "gossip-codec-fast-private.h"

G_BEGIN_DECLS

/* The contract of gossip_msgpack_read_ping(): FALSE means "take the
 * general path", never "invalid"; on FALSE nothing is left to free. Only
 * the metadata maps inside become GVariants (decoded by the msgpack codec
 * from their own bytes, so they equal what the general path builds). */
gboolean gossip_msgpack_read_join        (const guint8      *data,
                                          gsize              size,
                                          GossipJoinMsg     *out);
/* (out) element-type GossipNodeStateMsg, with its clear func set. */
gboolean gossip_msgpack_read_state_list  (const guint8      *data,
                                          gsize              size,
                                          guint              max_entries,
                                          GArray           **out);
gboolean gossip_msgpack_read_node_msg    (const guint8      *data,
                                          gsize              size,
                                          GossipNodeMsg     *out);
gboolean gossip_msgpack_read_metadata_msg (const guint8     *data,
                                           gsize             size,
                                           GossipMetadataMsg *out);

/* One push/pull list entry, byte for byte as the codec encodes
 * gossip_node_state_msg_build (@msg); @metadata: the codec's bytes of the
 * metadata map, NULL for an empty one. */
void     gossip_msgpack_write_state_entry (GByteArray               *out,
                                           const GossipNodeStateMsg *msg,
                                           GBytes                   *metadata);

/* The msgpack codec's fast path (registered for its type). */
extern const GossipCodecFastPath gossip_msgpack_fast_path;

G_END_DECLS
