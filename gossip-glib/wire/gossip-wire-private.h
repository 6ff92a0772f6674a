/* gossip-wire-private.h: the one packet pipeline (PROTOCOL.md §1–2).
 *
 * envelope + payload -> codec -> (snappy, payload only) -> (AEAD) -> U16BE
 * prefix, and back. Pure functions over bytes: no sockets, no main loop,
 * fuzzable in isolation.
 */
#pragma once

#include "gossip-codec.h"
#include "gossip-compressor.h"
#include "gossip-cipher.h"
#include "gossip-node-id-private.h"

G_BEGIN_DECLS

#define GOSSIP_WIRE_FLAG_COMPRESSED 0x8000
#define GOSSIP_WIRE_HEADER_MASK     0x7FFF

typedef struct {
  guint16      type;     /* mt */
  GossipNodeId sender;   /* si: the originator, kept when forwarded */
  guint64      id;       /* mi: HLC message ID */
  guint8       ttl;
} GossipEnvelope;

/* Why a received packet was dropped; counted per reason. */
typedef enum {
  GOSSIP_DROP_TOO_SHORT,
  GOSSIP_DROP_DECRYPT,
  GOSSIP_DROP_HEADER_LENGTH,
  GOSSIP_DROP_HEADER_DECODE,
  GOSSIP_DROP_DECOMPRESS,
  GOSSIP_DROP_TOO_LARGE,
  GOSSIP_DROP_PAYLOAD_DECODE,
  GOSSIP_DROP_FROM_SELF,
  GOSSIP_DROP_DUPLICATE,
  GOSSIP_DROP_UNKNOWN_SENDER,
  GOSSIP_DROP_WRONG_TRANSPORT,
  GOSSIP_DROP_SEND_FAILED,
  GOSSIP_DROP_REPLAY,
  GOSSIP_DROP_CLOCK_SKEW,     /* a wire timestamp beyond max-clock-skew */
  GOSSIP_DROP_JOIN_RATE,      /* an inbound join over its rate limit */
  GOSSIP_DROP_JOIN_OUT_RATE,  /* an unsolicited outbound join over its rate limit */
  GOSSIP_DROP_NODE_LIMIT,
  GOSSIP_DROP_N_REASONS
} GossipDropReason;

const char *gossip_drop_reason_to_string (GossipDropReason reason);

typedef struct {
  GossipCodec      *codec;
  GossipCompressor *compressor;        /* nullable */
  GossipCipher     *cipher;            /* nullable */
  GBytes           *key;               /* set iff cipher: encrypts, and is tried first */
  GPtrArray        *other_keys;        /* (nullable) GBytes*: also accepted on receive */
  gsize             compress_min_size;
  gsize             max_payload_size;  /* bound on a decompressed payload */
  gsize             max_datagram_payload_size; /* the same for one that came by UDP */
  guint             max_decode_elements; /* budget of a payload decode (0: none) */
} GossipWire;

/* A decoded packet. */
typedef struct {
  GossipEnvelope envelope;
  GBytes        *payload;       /* codec bytes, decompressed */
  GBytes        *wire_payload;  /* the payload bytes as they arrived (maybe compressed) */
  gboolean       compressed;    /* wire_payload is snappy-compressed */
  guint          max_elements;  /* the wire's max_decode_elements, for the payload decode */
} GossipWireMessage;

void      gossip_wire_message_clear (GossipWireMessage *msg);

/* Encodes a packet. @payload holds codec bytes; when @payload_compressed it is
 * already snappy-compressed and is sent as is (forwarding reuses the bytes). */
GBytes   *gossip_wire_encode        (const GossipWire     *wire,
                                     const GossipEnvelope *envelope,
                                     GBytes               *payload,
                                     gboolean              payload_compressed,
                                     GError              **error);
/* Encodes @value with the codec first (NULL @value = nil). */
GBytes   *gossip_wire_encode_value  (const GossipWire     *wire,
                                     const GossipEnvelope *envelope,
                                     GVariant             *value,
                                     GError              **error);
/* Decodes a RAW_PACKET. On failure @reason says why; @error has a message. */
gboolean  gossip_wire_decode        (const GossipWire     *wire,
                                     const guint8         *raw,
                                     gsize                 size,
                                     GossipWireMessage    *out,
                                     GossipDropReason     *reason,
                                     GError              **error);
/* The same with a bound of its own on the decompressed payload: a payload
 * whose snappy header claims more is dropped (GOSSIP_DROP_TOO_LARGE) before
 * anything is decompressed. Both also drop a payload that fails the codec's
 * structural scan within max_decode_elements (GOSSIP_DROP_PAYLOAD_DECODE),
 * when that is set. */
gboolean  gossip_wire_decode_limited (const GossipWire    *wire,
                                      const guint8        *raw,
                                      gsize                size,
                                      gsize                max_payload_size,
                                      GossipWireMessage   *out,
                                      GossipDropReason    *reason,
                                      GError             **error);
/* Decodes @msg's payload with the wire's codec under its element budget. */
GVariant *gossip_wire_decode_payload (const GossipWireMessage *msg,
                                      GossipCodec             *codec,
                                      GError                 **error);
/* The envelope alone, for tests and tools. */
GBytes   *gossip_wire_encode_envelope (GossipCodec          *codec,
                                       const GossipEnvelope *envelope,
                                       GError              **error);

G_END_DECLS
