/* gossip-codec-fast-private.h: a codec's private fast path for system messages.
 *
 * A built-in codec may register a table of readers and writers that go
 * straight between bytes and the message structs, skipping the GVariant
 * value model. Upper layers ask gossip_codec_get_fast_path() instead of
 * testing for a concrete codec type; NULL means "only the general path".
 * Every reader returns FALSE for "take the general path", never "invalid":
 * the general path decides about anything a reader does not take.
 */
#pragma once

#include "gossip-codec.h"
#include "gossip-messages-private.h"
#include "gossip-wire-private.h"

G_BEGIN_DECLS

typedef struct {
  void     (* write_envelope)     (GByteArray *out, const GossipEnvelope *envelope);
  gboolean (* read_envelope)      (const guint8 *data, gsize size, GossipEnvelope *out);
  void     (* write_ping)         (GByteArray *out, const GossipPingMsg *msg, gboolean indirect);
  gboolean (* read_ping)          (const guint8 *data, gsize size, GossipPingMsg *out);
  gboolean (* read_join)          (const guint8 *data, gsize size, GossipJoinMsg *out);
  gboolean (* read_state_list)    (const guint8 *data, gsize size, guint max_entries, GArray **out);
  gboolean (* read_node_msg)      (const guint8 *data, gsize size, GossipNodeMsg *out);
  gboolean (* read_metadata_msg)  (const guint8 *data, gsize size, GossipMetadataMsg *out);
  /* A push/pull list: the array header for @n entries, then each entry
   * as gossip_node_state_msg_build() + the codec would encode it, with
   * @metadata the codec's bytes of its metadata map (NULL: empty). */
  void     (* write_array_header) (GByteArray *out, guint n);
  void     (* write_state_entry)  (GByteArray *out, const GossipNodeStateMsg *msg, GBytes *metadata);
} GossipCodecFastPath;

/* Registers @table (static) for instances of exactly @codec_type. */
void                       gossip_codec_type_set_fast_path (GType                      codec_type,
                                                            const GossipCodecFastPath *table);
/* The table of @codec's type, or NULL. */
const GossipCodecFastPath *gossip_codec_get_fast_path      (GossipCodec               *codec);

G_END_DECLS
