/* gossip-router-private.h: packets in and out, for every layer above.
 *
 * Receiving: decoding through the wire, refusing our own packets, the
 * replay window, the de-duplication history and the drop counters, then
 * dispatch by message type to the receivers the layers above registered;
 * a packet of a type that spreads is forwarded only once its receiver
 * accepted it. Sending: envelopes, encoding once, the targets of a
 * broadcast (through a peer source that membership implements), TTL and
 * fan-out, the same bytes to every target, and the repair of lost
 * broadcasts (gossip-broadcast-repair.c). It holds no pointer to the
 * cluster; the wire is borrowed from its owner.
 */
#pragma once

#include "gossip-broadcast-repair-private.h"
#include "gossip-message-history-private.h"
#include "gossip-messages-private.h"
#include "gossip-node-id-private.h"
#include "gossip-transport-private.h"
#include "gossip-wire-private.h"

G_BEGIN_DECLS

typedef struct _GossipRouter GossipRouter;

/* What the router needs to know of the peers, from the layer that keeps
 * them (membership). Addresses are borrowed until the call returns. */
typedef struct {
  /* Up to @n random live (Alive or Suspect) peers other than those in
   * @exclude, as addresses (const char *, the local node never included). */
  GPtrArray  *(* random_live)  (gpointer data, guint n, const GossipNodeId *exclude, guint n_exclude);
  guint       (* count_alive)  (gpointer data);
  guint       (* count_live)   (gpointer data);
  /* The address of a known node, or NULL. */
  const char *(* address_of)   (gpointer data, const GossipNodeId *id);
} GossipPeerSource;

/* Sending limits, copied from the configuration at construction. */
typedef struct {
  guint    udp_max_packet_size;
  guint    history_max_age_ms;
  guint    replay_window_ms;   /* 0: no check */
  guint    direct_broadcast_limit;
  double   fan_out_multiplier;
  double   ttl_multiplier;
  gboolean force_reliable;
} GossipRouterLimits;

/* A received packet: where it came from and how it can be answered. */
typedef struct {
  GossipWireMessage  msg;
  gboolean           reliable;
  GossipIncoming    *incoming;   /* (nullable) set for reliable requests */
} GossipReceived;

typedef enum {
  GOSSIP_RECEIVE_NONE          = 0,
  /* The type spreads: forwarded one hop further once the receiver
   * returned TRUE (it validated the packet), never before. */
  GOSSIP_RECEIVE_FORWARD       = 1 << 0,
  /* A request: refused (and counted) when it did not come over TCP. */
  GOSSIP_RECEIVE_RELIABLE_ONLY = 1 << 1,
  /* The receiver parses rx->msg.payload itself; @payload is NULL. */
  GOSSIP_RECEIVE_RAW           = 1 << 2,
} GossipReceiveFlags;

/* Returns TRUE when the packet was valid (see GOSSIP_RECEIVE_FORWARD). */
typedef gboolean (* GossipReceiveFunc) (GossipReceived *rx,
                                        GVariant       *payload,
                                        gpointer        data);

/* @wire is borrowed and must outlive the router; @label names the node in
 * debug lines (its advertised address). The history remembers messages for
 * @history_max_age_ms; with a cipher, IDs older or newer than
 * @replay_window_ms (0: no check) are refused. */
GossipRouter *gossip_router_new            (const GossipWire         *wire,
                                            GossipTransport          *transport,
                                            GMainContext             *context,
                                            const GossipNodeId       *local_id,
                                            const char               *label,
                                            const GossipRouterLimits *limits);
void          gossip_router_free           (GossipRouter       *self);
void          gossip_router_set_peer_source (GossipRouter           *self,
                                             const GossipPeerSource *source,
                                             gpointer                data);
/* No more sending; requests in flight are cancelled (not the reliable
 * fire-and-forget sends of gossip_router_send_raw(): see below). */
void          gossip_router_stop           (GossipRouter       *self);
/* Reliable fire-and-forget sends (gossip_router_send_raw() over TCP) still
 * in flight. */
guint         gossip_router_get_sends_in_flight (GossipRouter   *self);
/* With sends in flight, closes the transport once they are done or after
 * @linger_ms at the latest, even if the router is freed meanwhile, and
 * returns TRUE; with none, does nothing and returns FALSE (the owner
 * closes the transport itself). */
gboolean      gossip_router_close_after_sends (GossipRouter     *self,
                                               guint             linger_ms);
/* TRUE once gossip_router_close_after_sends() took the transport over. */
gboolean      gossip_router_is_closing     (GossipRouter       *self);
const GossipWire *gossip_router_get_wire   (GossipRouter       *self);
GossipTransport  *gossip_router_get_transport (GossipRouter     *self);

/* Receiving. System types (below 64) go to the receiver registered for
 * them; a system type nobody registered is relayed (BEHAVIOUR.md §4.3).
 * Application types go to the user receiver. */
void          gossip_router_register       (GossipRouter       *self,
                                            guint16             type,
                                            GossipReceiveFlags  flags,
                                            GossipReceiveFunc   func,
                                            gpointer            data);
void          gossip_router_set_user_receiver (GossipRouter      *self,
                                               GossipReceiveFunc  func,
                                               gpointer           data);
/* A packet from the transport, in its entirety. */
void          gossip_router_receive        (GossipRouter       *self,
                                            GBytes             *raw,
                                            gboolean            reliable,
                                            GossipIncoming     *incoming);
/* The payload as a value; NULL (drop counted) if it does not decode. */
GVariant     *gossip_router_decode_payload (GossipRouter       *self,
                                            GossipReceived     *rx);
/* Sends @rx one hop further to a fan-out avoiding us and its sender. */
void          gossip_router_forward        (GossipRouter       *self,
                                            GossipReceived     *rx);
/* Answers the request @rx with @value (a REPLY envelope). */
void          gossip_router_reply          (GossipRouter       *self,
                                            GossipReceived     *rx,
                                            GVariant           *value);

/* Sending. */
/* ceil(log2(n) * multiplier) + add, within [1, MIN (cap, n)]; 0 for n = 0. */
guint         gossip_router_log_formula    (guint               n,
                                            double              multiplier,
                                            int                 add,
                                            guint               cap);
guint         gossip_router_fan_out        (GossipRouter       *self);
guint         gossip_router_max_ttl        (GossipRouter       *self);
/* @raw as is to one address: best-effort unless @reliable or too big. */
void          gossip_router_send_raw       (GossipRouter       *self,
                                            const char         *address,
                                            GBytes             *raw,
                                            gboolean            reliable);
/* A direct system message to one address; @payload may be floating. */
void          gossip_router_send_direct    (GossipRouter       *self,
                                            const char         *address,
                                            guint16             type,
                                            GVariant           *payload,
                                            guint8              ttl);
/* A ping or ack (msgpack fast path when the codec allows). */
void          gossip_router_send_ping      (GossipRouter       *self,
                                            const char         *address,
                                            guint16             type,
                                            const GossipPingMsg *msg,
                                            guint8              ttl);
/* A reliable request; @callback gets the transport's result. Cancelled
 * by gossip_router_stop(). */
void          gossip_router_request        (GossipRouter       *self,
                                            const char         *address,
                                            GBytes             *raw,
                                            GossipRequestKind   kind,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
/* An originated broadcast of a system message; @payload may be floating. */
void          gossip_router_broadcast      (GossipRouter       *self,
                                            guint16             type,
                                            GVariant           *payload,
                                            gboolean            reliable);
/* The first hop of a broadcast we originate: every live peer with TTL 0
 * up to direct-broadcast-limit, else a random fan-out with the TTL of
 * §3.2. Addresses, borrowed as the peer source's. */
GPtrArray    *gossip_router_broadcast_targets (GossipRouter       *self,
                                               const GossipNodeId *exclude,
                                               guint               n_exclude,
                                               guint8             *ttl);
/* The TTL of an addressed send (Go's broadcast TTL). */
guint8        gossip_router_addressed_ttl  (GossipRouter       *self);
/* Sends our own packet @raw (message @id) to @targets (addresses): it is
 * remembered so an echo is a duplicate, and kept for repair if
 * @repairable. */
void          gossip_router_send_own       (GossipRouter       *self,
                                            guint64             id,
                                            GBytes             *raw,
                                            gboolean            reliable,
                                            gboolean            repairable,
                                            GPtrArray          *targets);
guint64       gossip_router_get_packets_out (GossipRouter      *self);
void          gossip_router_count_packet_out (GossipRouter     *self);
void          gossip_router_repair_counters (GossipRouter                  *self,
                                             GossipBroadcastRepairCounters *out);
/* Told of every broadcast-repair digest or pull from a known node (so it
 * speaks gossip-glib: a Go v0.6.0 node never sends one); @hello: it was an
 * empty digest. The failure detector tells Go peers apart by it. */
typedef void (* GossipRepairListener) (gpointer            data,
                                       const GossipNodeId *sender,
                                       gboolean            hello);
void          gossip_router_set_repair_listener (GossipRouter         *self,
                                                 GossipRepairListener  func,
                                                 gpointer              data);
/* Sends @address an empty repair digest (type 48, TTL 0): a hello, "this
 * node speaks gossip-glib". */
void          gossip_router_send_hello     (GossipRouter       *self,
                                            const char         *address);

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
