/* gossip-leader-heartbeat-private.h: the v0.6.0 leader heartbeat payload
 * {ts: time.Time, term: uint64} (PROTOCOL.md §7.10), per codec. */
#pragma once

#include "gossip-glib.h"

G_BEGIN_DECLS

/* The payload bytes for @codec: msgpack carries ts as the timestamp
 * extension (as Go's shamaton writes time.Time), JSON as RFC 3339 with
 * nanoseconds, any other codec as int64 nanoseconds. */
GBytes   *gossip_leader_heartbeat_encode (GossipCodec   *codec,
                                          gint64         ts_ns,
                                          guint64        term,
                                          GError       **error);
/* Reads a decoded payload; FALSE (with @error) when it is not a heartbeat. */
gboolean  gossip_leader_heartbeat_parse  (GVariant      *payload,
                                          gint64        *ts_ns,
                                          guint64       *term,
                                          GError       **error);

G_END_DECLS
