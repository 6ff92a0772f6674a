/* gossip-packet-private.h: building packets from decoded wire messages. */
#pragma once

#include "gossip-packet.h"
#include "gossip-codec.h"
#include "gossip-wire-private.h"

G_BEGIN_DECLS

/* Takes a reference to @msg's payload. */
GossipPacket         *gossip_packet_new          (const GossipWireMessage *msg,
                                                  GossipCodec             *codec,
                                                  gboolean                 reliable);
const GossipEnvelope *gossip_packet_get_envelope (GossipPacket            *self);

G_END_DECLS
