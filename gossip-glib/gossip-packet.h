/* gossip-packet.h: a message received from the cluster. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_PACKET (gossip_packet_get_type ())

/**
 * GossipPacket:
 *
 * A message as it arrived: its type, originator, message ID, remaining TTL
 * and payload. The payload is decoded on demand with
 * [method@Gossip.Packet.get_payload].
 *
 * Since: 1.0
 */
typedef struct _GossipPacket GossipPacket;

GOSSIP_AVAILABLE_IN_1_0
GType         gossip_packet_get_type          (void) G_GNUC_CONST;
GOSSIP_AVAILABLE_IN_1_0
GossipPacket *gossip_packet_ref               (GossipPacket *self);
GOSSIP_AVAILABLE_IN_1_0
void          gossip_packet_unref             (GossipPacket *self);
GOSSIP_AVAILABLE_IN_1_0
guint16       gossip_packet_get_message_type  (GossipPacket *self);
GOSSIP_AVAILABLE_IN_1_0
const char   *gossip_packet_get_sender_id     (GossipPacket *self);
GOSSIP_AVAILABLE_IN_1_0
guint64       gossip_packet_get_message_id    (GossipPacket *self);
GOSSIP_AVAILABLE_IN_1_0
guint8        gossip_packet_get_ttl           (GossipPacket *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean      gossip_packet_is_reliable       (GossipPacket *self);
GOSSIP_AVAILABLE_IN_1_0
GBytes       *gossip_packet_get_payload_bytes (GossipPacket *self);
GOSSIP_AVAILABLE_IN_1_0
GVariant     *gossip_packet_get_payload       (GossipPacket *self,
                                               GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipPacket, gossip_packet_unref)

G_END_DECLS
