/* gossip-system-read-private.h: membership's system messages from a packet's
 * payload bytes: the codec's fast path when it has one and takes the
 * bytes, the value model otherwise. */
#pragma once

#include "gossip-messages-private.h"
#include "gossip-wire-private.h"

G_BEGIN_DECLS

/* Each returns FALSE with @error set (GOSSIP_ERROR_DECODE or
 * GOSSIP_ERROR_PROTOCOL) when the payload does not decode or is not such a
 * message; nothing is left to free then. */
gboolean gossip_system_read_join         (GossipCodec             *codec,
                                          const GossipWireMessage *msg,
                                          GossipJoinMsg           *out,
                                          GError                 **error);
/* (transfer full) element-type GossipNodeStateMsg; nil is an empty list. */
GArray  *gossip_system_read_state_list   (GossipCodec             *codec,
                                          const GossipWireMessage *msg,
                                          guint                    max_entries,
                                          GError                 **error);
gboolean gossip_system_read_node_msg     (GossipCodec             *codec,
                                          const GossipWireMessage *msg,
                                          GossipNodeMsg           *out,
                                          GError                 **error);
gboolean gossip_system_read_metadata_msg (GossipCodec             *codec,
                                          const GossipWireMessage *msg,
                                          GossipMetadataMsg       *out,
                                          GError                 **error);

G_END_DECLS
