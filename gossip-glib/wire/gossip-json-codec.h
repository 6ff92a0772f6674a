/* gossip-json-codec.h: the JSON codec, compatible with Go's encoding/json. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"
#include "gossip-codec.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_JSON_CODEC (gossip_json_codec_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipJsonCodec, gossip_json_codec, GOSSIP, JSON_CODEC, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipCodec *gossip_json_codec_new (void);

G_END_DECLS
