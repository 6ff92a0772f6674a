/* gossip-msgpack-envelope-private.h: the packet envelope in msgpack, without the value model. */
#pragma once

#include "gossip-wire-private.h"

G_BEGIN_DECLS

/* Appends the envelope as shamaton emits it (PROTOCOL.md §4). */
void     gossip_msgpack_write_envelope (GByteArray           *out,
                                        const GossipEnvelope *envelope);
/* Reads the common forms of an envelope: a map with str keys whose values
 * are integers, and si as 16 bytes of bin or str. Returns FALSE for
 * anything else, valid or not; the caller then takes the general path. */
gboolean gossip_msgpack_read_envelope  (const guint8         *data,
                                        gsize                 size,
                                        GossipEnvelope       *out);

G_END_DECLS
