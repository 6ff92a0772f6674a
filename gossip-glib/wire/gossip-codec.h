/* gossip-codec.h: the interface of a message codec (msgpack, JSON, ...). */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_CODEC (gossip_codec_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (GossipCodec, gossip_codec, GOSSIP, CODEC, GObject)

/**
 * GossipCodecInterface:
 * @get_name: returns a short name of the codec ("msgpack", "json")
 * @encode: encodes one #GVariant into bytes
 * @decode: decodes exactly one value from @bytes; trailing bytes are an error
 *
 * The virtual methods of [iface@Gossip.Codec]. A codec turns the
 * #GVariant value model of gossip-glib into bytes and back; see the
 * "Values on the wire" page of the documentation for the mapping.
 *
 * Every virtual method takes and returns #GBytes, so a codec can be
 * written in any language with GObject introspection (`do_encode` and
 * `do_decode` in PyGObject). The #GBytes handed to @decode may wrap a
 * packet buffer that is reused after the call returns: an implementation
 * that keeps the data must copy it.
 *
 * Since: 1.0
 */
struct _GossipCodecInterface
{
  GTypeInterface g_iface;

  const char * (* get_name) (GossipCodec   *self);
  GBytes     * (* encode)   (GossipCodec   *self,
                             GVariant      *value,
                             GError       **error);
  GVariant   * (* decode)   (GossipCodec   *self,
                             GBytes        *bytes,
                             GError       **error);
};

GOSSIP_AVAILABLE_IN_1_0
const char *gossip_codec_get_name (GossipCodec  *self);
GOSSIP_AVAILABLE_IN_1_0
GBytes     *gossip_codec_encode   (GossipCodec  *self,
                                   GVariant     *value,
                                   GError      **error);
GOSSIP_AVAILABLE_IN_1_0
GVariant   *gossip_codec_decode   (GossipCodec  *self,
                                   GBytes       *bytes,
                                   GError      **error);
GOSSIP_AVAILABLE_IN_1_0
GVariant   *gossip_codec_decode_data (GossipCodec  *self,
                                      const guint8 *data,
                                      gsize         size,
                                      GError      **error);

G_END_DECLS
