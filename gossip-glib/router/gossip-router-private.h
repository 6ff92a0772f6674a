/* gossip-router-private.h: packets in, before any layer sees them.
 *
 * The router owns what every received packet goes through whatever its
 * type: decoding through the wire, refusing our own packets, the replay
 * window, the de-duplication history, and the drop counters. It holds no
 * pointer to the cluster; the wire it decodes with is borrowed from its
 * owner. It makes envelopes and the bytes of a forwarded packet; choosing
 * targets, fan-out and sending still live in the façade, gossip-cluster.c
 * (see docs/architecture.md).
 */
#pragma once

#include "gossip-message-history-private.h"
#include "gossip-node-id-private.h"
#include "gossip-wire-private.h"

G_BEGIN_DECLS

typedef struct _GossipRouter GossipRouter;

/* @wire is borrowed and must outlive the router; @label names the node in
 * debug lines (its advertised address). The history remembers messages for
 * @history_max_age_ms; with a cipher, IDs older or newer than
 * @replay_window_ms (0: no check) are refused. */
GossipRouter *gossip_router_new            (const GossipWire   *wire,
                                            const GossipNodeId *local_id,
                                            const char         *label,
                                            guint               history_max_age_ms,
                                            guint               replay_window_ms);
void          gossip_router_free           (GossipRouter       *self);

/* Decodes @data into @msg and applies the filters. On FALSE the drop is
 * counted and @msg holds nothing to clear. A packet that came by UDP
 * (!@reliable) may decompress to the wire's max_datagram_payload_size
 * only; every payload must pass the codec's structural scan within the
 * wire's element budget (gossip_wire_decode_limited()), so a decode bomb
 * is dropped here, before it is forwarded or handed to a handler. */
gboolean      gossip_router_accept         (GossipRouter       *self,
                                            const guint8       *data,
                                            gsize               size,
                                            gboolean            reliable,
                                            GossipWireMessage  *msg);
/* Our own message @id: if forwarding brings it back, it is a duplicate. */
void          gossip_router_remember_own   (GossipRouter       *self,
                                            guint64             id);
/* A fresh envelope from us: a new message ID, the given type and TTL. */
GossipEnvelope gossip_router_envelope      (GossipRouter       *self,
                                            guint16             type,
                                            guint8              ttl);
/* The bytes to send one hop further: originator, message ID and payload
 * bytes (still compressed if they arrived so) kept, TTL one less. NULL
 * when the TTL is spent (or, logged, if re-encoding failed). */
GBytes       *gossip_router_forward_bytes  (GossipRouter       *self,
                                            const GossipWireMessage *msg);
/* Forgets history entries past their age. */
void          gossip_router_prune          (GossipRouter       *self);

void          gossip_router_count_drop     (GossipRouter       *self,
                                            GossipDropReason    reason,
                                            const char         *detail);
guint64       gossip_router_get_drops      (GossipRouter       *self,
                                            GossipDropReason    reason);
guint64       gossip_router_get_packets_in (GossipRouter       *self);

G_END_DECLS
