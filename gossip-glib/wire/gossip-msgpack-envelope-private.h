/* gossip-msgpack-envelope-private.h: the per-packet envelope and the ping
 * payloads in msgpack, without the value model. */
#pragma once

#include "gossip-messages-private.h"
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

/* Ping and ack payloads (mt 1-4), as shamaton emits them; @indirect adds "ok". */
void     gossip_msgpack_write_ping     (GByteArray           *out,
                                        const GossipPingMsg  *msg,
                                        gboolean              indirect);
/* Same contract as gossip_msgpack_read_envelope(): FALSE means "take the
 * general path", never "invalid". On TRUE, clear @out afterwards. */
gboolean gossip_msgpack_read_ping      (const guint8         *data,
                                        gsize                 size,
                                        GossipPingMsg        *out);

G_END_DECLS
