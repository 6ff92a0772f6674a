/* agent-payload.h: D-Bus byte payloads <-> cluster message values. */
#pragma once

#include <gossip-glib.h>

G_BEGIN_DECLS

GVariant *agent_payload_to_value     (GVariant     *payload);
GVariant *agent_payload_from_packet  (GossipPacket *packet);

G_END_DECLS
