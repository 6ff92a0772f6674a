/* gossip-codec-private.h: decoding under a budget of elements.
 *
 * A received payload can claim far more than it costs its sender: one
 * byte per msgpack nil, and a GVariant tree costs a few hundred bytes of
 * heap per element. Every value of the input counts as one element (the
 * root, containers, map keys and values alike); the built-in codecs count
 * them in their structural scan, before anything is allocated for the
 * tree, and fail with GOSSIP_ERROR_TOO_LARGE past the budget. Since every
 * element takes at least one input byte, the count is also bounded by the
 * input size. Codecs from applications are not limited (they only get the
 * plain decode vfunc).
 */
#pragma once

#include "gossip-codec.h"

G_BEGIN_DECLS

/* The default of GossipConfig:max-decode-elements. */
#define GOSSIP_DEFAULT_MAX_DECODE_ELEMENTS 65536

/* Decodes like gossip_codec_decode_data(), refusing input of more than
 * @max_elements values (0: no limit). */
GVariant *gossip_codec_decode_bounded (GossipCodec   *self,
                                       const guint8  *data,
                                       gsize          size,
                                       guint          max_elements,
                                       GError       **error);
/* Only the structural scan of the built-in codecs (no allocation for the
 * tree): TRUE if the bounded decode would get past it. Always TRUE for
 * other codecs. */
gboolean  gossip_codec_check_bounded  (GossipCodec   *self,
                                       const guint8  *data,
                                       gsize          size,
                                       guint          max_elements,
                                       GError       **error);

/* The built-in codecs' entry points for the two functions above. */
GVariant *gossip_msgpack_codec_decode_bounded (const guint8  *data,
                                               gsize          size,
                                               guint          max_elements,
                                               GError       **error);
gboolean  gossip_msgpack_codec_check_bounded  (const guint8  *data,
                                               gsize          size,
                                               guint          max_elements,
                                               GError       **error);
GVariant *gossip_json_codec_decode_bounded    (const guint8  *data,
                                               gsize          size,
                                               guint          max_elements,
                                               GError       **error);
gboolean  gossip_json_codec_check_bounded     (const guint8  *data,
                                               gsize          size,
                                               guint          max_elements,
                                               GError       **error);

G_END_DECLS
