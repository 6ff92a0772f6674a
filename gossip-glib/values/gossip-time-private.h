/* gossip-time-private.h: a point in time as a Go peer writes and reads it.
 *
 * Go's time.Time travels as the msgpack timestamp extension (type -1) and,
 * over encoding/json, as an RFC 3339 string with nanoseconds. GVariant has
 * no time type, so a time value is the one-field tuple "(x)" holding Unix
 * nanoseconds: the codecs recognise it and write the Go form, and every
 * reader accepts that form, a plain integer of nanoseconds and the string.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GOSSIP_TIME_VARIANT_TYPE ((const GVariantType *) "(x)")

/* A floating "(x)". */
GVariant *gossip_time_variant_new          (gint64        unix_nsec);
gboolean  gossip_time_variant_is           (GVariant     *value);
gint64    gossip_time_variant_get          (GVariant     *value);

/* Any time form a peer may send: "(x)", an int64 (or uint64, or integral
 * double) of nanoseconds, or an RFC 3339 string. "v" boxes are removed. */
gboolean  gossip_time_from_variant         (GVariant     *value,
                                            gint64       *unix_nsec);

/* The body of the msgpack timestamp extension as shamaton and msgpack-c
 * pick it (timestamp 32, 64 or 96): returns its length, 4, 8 or 12. */
gsize     gossip_time_to_msgpack_ext       (gint64        unix_nsec,
                                            guint8        body[12]);
gboolean  gossip_time_from_msgpack_ext     (const guint8 *body,
                                            gsize         len,
                                            gint64       *unix_nsec);

/* Go's time.RFC3339Nano in UTC ("2025-06-01T12:34:56.789Z", trailing zeros
 * of the fraction trimmed), as Go's MarshalJSON writes it. (transfer full) */
char     *gossip_time_format_rfc3339_nano  (gint64        unix_nsec);
/* RFC 3339 with up to nine fraction digits and a Z or ±hh:mm zone. */
gboolean  gossip_time_parse_rfc3339_nano   (const char   *text,
                                            gint64       *unix_nsec);

G_END_DECLS
