/* gossip-node-id-private.h: 16-byte node identities (RFC 4122 UUIDs). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  guint8 bytes[16];
} GossipNodeId;

#define GOSSIP_NODE_ID_STRING_LEN 36

/* Accepts every form Go's uuid.Parse accepts: canonical, {braced},
 * urn:uuid:-prefixed and 32 bare hex digits; any case. */
gboolean  gossip_node_id_parse       (const char         *str,
                                      GossipNodeId       *out);
/* Canonical lower-case form into @buf (37 bytes with the NUL). */
void      gossip_node_id_format      (const GossipNodeId *id,
                                      char                buf[GOSSIP_NODE_ID_STRING_LEN + 1]);
char     *gossip_node_id_to_string   (const GossipNodeId *id);
/* A new time-ordered UUIDv7 (ms timestamp + random bits). */
void      gossip_node_id_generate    (GossipNodeId       *out);
gboolean  gossip_node_id_equal       (gconstpointer       a,
                                      gconstpointer       b);
guint     gossip_node_id_hash        (gconstpointer       id);
int       gossip_node_id_compare     (const GossipNodeId *a,
                                      const GossipNodeId *b);
gboolean  gossip_node_id_is_zero     (const GossipNodeId *id);
/* The wire form: a 16-byte "ay" (msgpack bin8, JSON array of 16 numbers).
 * Returns a floating reference. */
GVariant *gossip_node_id_to_variant  (const GossipNodeId *id);
/* Accepts what Go decoders accept: "ay" of 16 bytes, a string of 16 bytes,
 * or an array ("av", "ax", "at", "ay") of 16 integers 0..255. */
gboolean  gossip_node_id_from_variant (GVariant          *value,
                                       GossipNodeId      *out);

G_END_DECLS
