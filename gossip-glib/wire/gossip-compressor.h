/* gossip-compressor.h: the interface of a payload compressor (snappy, ...). */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_COMPRESSOR (gossip_compressor_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (GossipCompressor, gossip_compressor, GOSSIP, COMPRESSOR, GObject)

/**
 * GossipCompressorInterface:
 * @compress: compresses @data
 * @decompress: decompresses @data, refusing output longer than @max_size
 *   before allocating it
 *
 * The virtual methods of [iface@Gossip.Compressor]. They take and return
 * #GBytes, so a compressor can be written in any language with GObject
 * introspection (`do_compress` and `do_decompress` in PyGObject). The
 * #GBytes they receive may wrap a buffer that is reused after the call
 * returns: an implementation that keeps the data must copy it.
 *
 * Since: 1.0
 */
struct _GossipCompressorInterface
{
  GTypeInterface g_iface;

  GBytes * (* compress)   (GossipCompressor  *self,
                           GBytes            *data,
                           GError           **error);
  GBytes * (* decompress) (GossipCompressor  *self,
                           GBytes            *data,
                           gsize              max_size,
                           GError           **error);
};

GOSSIP_AVAILABLE_IN_1_0
GBytes *gossip_compressor_compress   (GossipCompressor  *self,
                                      GBytes            *data,
                                      GError           **error);
GOSSIP_AVAILABLE_IN_1_0
GBytes *gossip_compressor_decompress (GossipCompressor  *self,
                                      GBytes            *data,
                                      gsize              max_size,
                                      GError           **error);

G_END_DECLS
