/* gossip-msgpack-codec.h: the msgpack codec, byte-compatible with Go's shamaton/msgpack. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"
#include "gossip-codec.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_MSGPACK_CODEC (gossip_msgpack_codec_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipMsgpackCodec, gossip_msgpack_codec, GOSSIP, MSGPACK_CODEC, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipCodec *gossip_msgpack_codec_new (void);

G_END_DECLS
