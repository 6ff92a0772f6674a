/* gossip-snappy-compressor.h: the Snappy block-format payload compressor. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"
#include "gossip-compressor.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_SNAPPY_COMPRESSOR (gossip_snappy_compressor_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipSnappyCompressor, gossip_snappy_compressor, GOSSIP, SNAPPY_COMPRESSOR, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipCompressor *gossip_snappy_compressor_new (void);

G_END_DECLS
