/* test-wire.c: the packet pipeline (gossip-wire-private.h) against the golden
 * vectors of PROTOCOL.md §15 and the tcpdump captures of real Go v0.6.0
 * nodes, plus every way a received packet can be malformed: each must be
 * rejected with the right drop reason and a GError, never a crash or leak.
 */
#include "test-utils.h"

#include <string.h>

#include "gossip-cipher-private.h"
#include "gossip-messages-private.h"
#include "gossip-msgpack-envelope-private.h"
#include "gossip-variant-private.h"
#include "gossip-wire-private.h"

#define EXAMPLE_KEY "1234567890123456"
#define MAX_PAYLOAD (1024 * 1024)

#define A_ID  "0196042b-1caa-7ad9-9ea3-c57b2e189b23"
#define B_ID  "01960421-c1c4-7a06-87a0-970cf4c4dbd3"
#define A_HEX "0196042b1caa7ad99ea3c57b2e189b23"
#define B_HEX "01960421c1c47a0687a0970cf4c4dbd3"
#define A_JSON "[1,150,4,43,28,170,122,217,158,163,197,123,46,24,155,35]"
#define B_JSON "[1,150,4,33,193,196,122,6,135,160,151,12,244,196,219,211]"

#define MI_HEX "0070000012345400"
#define MI     G_GUINT64_CONSTANT (0x0070000012345400)

/* §15: envelope {mt=1, si=A, mi=0x0070000012345400, ttl=1}. */
#define ENV_HEX \
  "84a26d7401a27369c410" A_HEX "a26d69cf" MI_HEX "a374746c01"
#define ENV_VMIHAILENCO_HEX \
  "84a26d74cd0001a27369c410" A_HEX "a26d69cf" MI_HEX "a374746ccc01"
#define ENV_JSON \
  "{\"mt\":1,\"si\":" A_JSON ",\"mi\":31525197697012736,\"ttl\":1}"

/* §15: ping {ti=B, seq=7, addr="127.0.0.1:8000"}. */
#define PING_HEX \
  "83a27469c410" B_HEX "a373657107a461646472ae3132372e302e302e313a38303030"
#define PING_JSON \
  "{\"ti\":" B_JSON ",\"seq\":7,\"addr\":\"127.0.0.1:8000\"}"

#define DATAGRAM_HEX "002b" ENV_HEX PING_HEX

#define SEALED_HEX \
  "002b000102030405060708090a0b1a3d43817729c75eee240c8a1f7cbb6b41d1a6aa16ec057283640d3f5d1f" \
  "3688b3f91ab7070fadc18a2b37ea5e0b00e3bac071b839776e98a0a769fc59e609e0d5c32255b1be67974" \
  "4d2843a4552ce8008b68f1884dea0509624dbe7b5d814d768e45463399991dd1cbb"

#define ADDR_8000_HEX "ae3132372e302e302e313a38303030"
#define ADDR_8001_HEX "ae3132372e302e302e313a38303031"

#define JOIN_HEX \
  "86a26964c410" A_HEX "a461646472" ADDR_8000_HEX \
  "a2707601a26176a5302e302e31a46d64747300a26d6480"
#define JOIN_REJECT_HEX \
  "88a3616363c2a27272b3756e61626c6520746f206a6f696e2073656c66a26964c410" A_HEX \
  "a461646472" ADDR_8001_HEX "a2707601a26176a0a46d64747300a26d6480"
#define PUSH_PULL_HEX \
  "9186a26964c410" B_HEX "a461646472" ADDR_8001_HEX \
  "a17301a3736374cf0000010000000000a46d64747300a26d6481a26463a3646576"
#define METADATA_HEX \
  "82a46d647473cf" MI_HEX "a26d6481a26463ab646576656c6f706d656e74"
#define ALIVE_HEX \
  "82a26e69c410" A_HEX "a461646472" ADDR_8000_HEX

/* A GossipWire that owns its codec, compressor, cipher and key. */
static void
wire_init (GossipWire *wire,
           gboolean    json,
           gboolean    snappy,
           const char *key)
{
  memset (wire, 0, sizeof *wire);
  wire->codec = json ? gossip_json_codec_new () : gossip_msgpack_codec_new ();
  wire->compressor = snappy ? gossip_snappy_compressor_new () : NULL;
  if (key != NULL)
    {
      wire->cipher = gossip_aes_gcm_cipher_new ();
      wire->key = g_bytes_new (key, strlen (key));
    }
  wire->compress_min_size = 256;
  wire->max_payload_size = MAX_PAYLOAD;
}

static void
wire_clear (GossipWire *wire)
{
  g_clear_object (&wire->codec);
  g_clear_object (&wire->compressor);
  g_clear_object (&wire->cipher);
  g_clear_pointer (&wire->key, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GossipWire, wire_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GossipWireMessage, gossip_wire_message_clear)

static void
node_id (const char   *str,
         GossipNodeId *out)
{
  g_assert_true (gossip_node_id_parse (str, out));
}

static void
golden_envelope (GossipEnvelope *env)
{
  memset (env, 0, sizeof *env);
  env->type = GOSSIP_MSG_PING;
  node_id (A_ID, &env->sender);
  env->id = MI;
  env->ttl = 1;
}

static GVariant *
golden_ping (void)
{
  GossipPingMsg ping = { .seq = 7, .addr = (char *) "127.0.0.1:8000" };

  node_id (B_ID, &ping.target);
  return g_variant_ref_sink (gossip_ping_msg_build (&ping, FALSE));
}

/* U16BE(header length) ‖ header ‖ payload, both given as hex. */
static GBytes *
packet_from_hex (const char *header_hex,
                 const char *payload_hex,
                 guint16     flags)
{
  g_autoptr(GBytes) header = test_hex_to_bytes (header_hex);
  g_autoptr(GBytes) payload = test_hex_to_bytes (payload_hex);
  GByteArray *raw = g_byte_array_new ();
  guint16 prefix = (guint16) (g_bytes_get_size (header) | flags);
  guint8 be[2] = { prefix >> 8, prefix & 0xff };

  g_byte_array_append (raw, be, 2);
  g_byte_array_append (raw, g_bytes_get_data (header, NULL), g_bytes_get_size (header));
  g_byte_array_append (raw, g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));
  return g_byte_array_free_to_bytes (raw);
}

/* The same with a textual (JSON) header and payload. */
static GBytes *
packet_from_text (const char *header,
                  const char *payload)
{
  GByteArray *raw = g_byte_array_new ();
  gsize hs = strlen (header);
  guint8 be[2] = { (hs >> 8) & 0x7f, hs & 0xff };

  g_byte_array_append (raw, be, 2);
  g_byte_array_append (raw, (const guint8 *) header, hs);
  g_byte_array_append (raw, (const guint8 *) payload, strlen (payload));
  return g_byte_array_free_to_bytes (raw);
}

static void
decode_ok (const GossipWire  *wire,
           GBytes            *raw,
           GossipWireMessage *msg)
{
  g_autoptr(GError) error = NULL;
  GossipDropReason reason = GOSSIP_DROP_N_REASONS;
  gsize size;
  const guint8 *data = g_bytes_get_data (raw, &size);

  g_assert_true (gossip_wire_decode (wire, data, size, msg, &reason, &error));
  g_assert_no_error (error);
  g_assert_nonnull (msg->payload);
  g_assert_nonnull (msg->wire_payload);
}

static void
assert_drop_data (const GossipWire *wire,
                  const guint8     *data,
                  gsize             size,
                  GossipDropReason  want)
{
  g_autoptr(GError) error = NULL;
  GossipWireMessage msg;
  GossipDropReason reason = GOSSIP_DROP_N_REASONS;

  memset (&msg, 0xaa, sizeof msg);
  g_assert_false (gossip_wire_decode (wire, data, size, &msg, &reason, &error));
  g_assert_cmpstr (gossip_drop_reason_to_string (reason), ==,
                   gossip_drop_reason_to_string (want));
  g_assert_nonnull (error);
  g_assert_true (error->domain == GOSSIP_ERROR);
  g_assert_nonnull (error->message);
  /* Nothing is left to free on failure. */
  g_assert_null (msg.payload);
  g_assert_null (msg.wire_payload);
}

static void
assert_drop (const GossipWire *wire,
             GBytes           *raw,
             GossipDropReason  want)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (raw, &size);

  assert_drop_data (wire, data, size, want);
}

static void
assert_golden_envelope (const GossipEnvelope *env)
{
  GossipNodeId a;

  node_id (A_ID, &a);
  g_assert_cmpuint (env->type, ==, GOSSIP_MSG_PING);
  g_assert_true (gossip_node_id_equal (&env->sender, &a));
  g_assert_cmpuint (env->id, ==, MI);
  g_assert_cmpuint (env->ttl, ==, 1);
}

static void
assert_golden_ping_payload (GossipCodec *codec,
                            GBytes      *payload)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = gossip_codec_decode (codec, payload, &error);
  GossipPingMsg ping;
  GossipNodeId b;

  g_assert_no_error (error);
  g_assert_nonnull (v);
  g_assert_true (gossip_ping_msg_parse (v, &ping));
  node_id (B_ID, &b);
  g_assert_true (gossip_node_id_equal (&ping.target, &b));
  g_assert_cmpuint (ping.seq, ==, 7);
  g_assert_cmpstr (ping.addr, ==, "127.0.0.1:8000");
  g_assert_false (ping.ok);
  gossip_ping_msg_clear (&ping);
}

/* ---------------------------------------------------------------------- */
/* Golden packets                                                          */

static void
test_golden_udp_datagram (void)
{
  g_autoptr(GVariant) ping = golden_ping ();
  g_autoptr(GBytes) golden = test_hex_to_bytes (DATAGRAM_HEX);
  GossipEnvelope env;

  golden_envelope (&env);
  g_assert_cmpuint (g_bytes_get_size (golden), ==, 92);

  /* With and without a compressor: a 47-byte payload is never compressed. */
  for (guint snappy = 0; snappy < 2; snappy++)
    {
      g_auto(GossipWire) wire;
      g_auto(GossipWireMessage) msg = { 0, };
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) raw = NULL;
      g_autoptr(GBytes) again = NULL;

      wire_init (&wire, FALSE, snappy, NULL);
      raw = gossip_wire_encode_value (&wire, &env, ping, &error);
      g_assert_no_error (error);
      test_assert_bytes_hex (raw, DATAGRAM_HEX);

      decode_ok (&wire, golden, &msg);
      assert_golden_envelope (&msg.envelope);
      g_assert_false (msg.compressed);
      test_assert_bytes_hex (msg.payload, PING_HEX);
      test_assert_bytes_hex (msg.wire_payload, PING_HEX);
      assert_golden_ping_payload (wire.codec, msg.payload);

      /* Forwarding re-encodes the payload bytes as they arrived. */
      again = gossip_wire_encode (&wire, &msg.envelope, msg.wire_payload,
                                  msg.compressed, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (again, golden));
    }
}

static void
test_golden_envelopes (void)
{
  g_autoptr(GossipCodec) msgpack = gossip_msgpack_codec_new ();
  g_autoptr(GossipCodec) json = gossip_json_codec_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) user = NULL;
  GossipEnvelope env;

  golden_envelope (&env);
  bytes = gossip_wire_encode_envelope (msgpack, &env, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 43);
  test_assert_bytes_hex (bytes, ENV_HEX);
  g_clear_pointer (&bytes, g_bytes_unref);

  bytes = gossip_wire_encode_envelope (json, &env, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   ENV_JSON, strlen (ENV_JSON));
  g_assert_cmpuint (g_bytes_get_size (bytes), ==, 101);

  /* {mt=128, si=A, mi=5, ttl=200} */
  env.type = 128;
  env.id = 5;
  env.ttl = 200;
  user = gossip_wire_encode_envelope (msgpack, &env, &error);
  g_assert_no_error (error);
  test_assert_bytes_hex (user, "84a26d74cc80a27369c410" A_HEX "a26d6905a374746cccc8");
}

static void
test_golden_tcp_framing (void)
{
  g_autoptr(GBytes) golden = test_hex_to_bytes (DATAGRAM_HEX);
  g_autoptr(GBytes) framed = NULL;
  g_auto(GossipWire) wire;
  g_auto(GossipWireMessage) msg = { 0, };
  GByteArray *stream = g_byte_array_new ();
  gsize size = g_bytes_get_size (golden);
  guint8 be[4] = { size >> 24, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff };
  const guint8 *data;
  gsize framed_len;
  guint32 n;

  g_byte_array_append (stream, be, 4);
  g_byte_array_append (stream, g_bytes_get_data (golden, NULL), size);
  framed = g_byte_array_free_to_bytes (stream);
  test_assert_bytes_hex (framed, "0000005c" DATAGRAM_HEX);

  /* Read it back the way the TCP transport does. */
  data = g_bytes_get_data (framed, &framed_len);
  n = ((guint32) data[0] << 24) | ((guint32) data[1] << 16) | ((guint32) data[2] << 8) | data[3];
  g_assert_cmpuint (n, ==, 0x5c);
  g_assert_cmpuint (n, ==, framed_len - 4);

  wire_init (&wire, FALSE, TRUE, NULL);
  {
    g_autoptr(GError) error = NULL;
    GossipDropReason reason;

    g_assert_true (gossip_wire_decode (&wire, data + 4, n, &msg, &reason, &error));
    g_assert_no_error (error);
  }
  assert_golden_envelope (&msg.envelope);
  test_assert_bytes_hex (msg.payload, PING_HEX);
}

static void
test_golden_aes_gcm (void)
{
  static const guint8 nonce[GOSSIP_AES_GCM_NONCE_SIZE] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
  };
  g_auto(GossipWire) wire;
  g_auto(GossipWireMessage) msg = { 0, };
  g_auto(GossipWireMessage) msg2 = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = test_hex_to_bytes (DATAGRAM_HEX);
  g_autoptr(GBytes) golden = test_hex_to_bytes (SEALED_HEX);
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GBytes) encoded2 = NULL;
  g_autoptr(GVariant) ping = golden_ping ();
  GByteArray *expected;
  g_autoptr(GBytes) expected_bytes = NULL;
  GossipEnvelope env;
  gsize plain_len;
  const guint8 *plain_data = g_bytes_get_data (plain, &plain_len);

  wire_init (&wire, FALSE, TRUE, EXAMPLE_KEY);
  g_assert_cmpuint (g_bytes_get_size (golden), ==, 120);

  /* prefix ‖ AEAD(header ‖ payload) with the fixed nonce = the vector. */
  sealed = gossip_aes_gcm_cipher_seal_with_nonce (GOSSIP_AES_GCM_CIPHER (wire.cipher),
                                                  wire.key, nonce,
                                                  plain_data + 2, plain_len - 2,
                                                  &error);
  g_assert_no_error (error);
  expected = g_byte_array_new ();
  g_byte_array_append (expected, plain_data, 2);
  g_byte_array_append (expected, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
  expected_bytes = g_byte_array_free_to_bytes (expected);
  test_assert_bytes_hex (expected_bytes, SEALED_HEX);

  decode_ok (&wire, golden, &msg);
  assert_golden_envelope (&msg.envelope);
  g_assert_false (msg.compressed);
  test_assert_bytes_hex (msg.payload, PING_HEX);
  assert_golden_ping_payload (wire.codec, msg.payload);

  /* The encoder draws a fresh nonce: same size, same prefix, different bytes,
   * same plaintext. */
  golden_envelope (&env);
  encoded = gossip_wire_encode_value (&wire, &env, ping, &error);
  g_assert_no_error (error);
  encoded2 = gossip_wire_encode_value (&wire, &env, ping, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (encoded), ==, 120);
  g_assert_false (g_bytes_equal (encoded, encoded2));
  g_assert_cmpmem (g_bytes_get_data (encoded, NULL), 2, "\x00\x2b", 2);
  decode_ok (&wire, encoded, &msg2);
  assert_golden_envelope (&msg2.envelope);
  test_assert_bytes_hex (msg2.payload, PING_HEX);
}

static void
test_golden_json (void)
{
  g_auto(GossipWire) wire;
  g_auto(GossipWireMessage) msg = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) ping = golden_ping ();
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) golden = packet_from_text (ENV_JSON, PING_JSON);
  GossipEnvelope env;

  wire_init (&wire, TRUE, TRUE, NULL);
  golden_envelope (&env);
  raw = gossip_wire_encode_value (&wire, &env, ping, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (raw, NULL), 2, "\x00\x65", 2);
  g_assert_true (g_bytes_equal (raw, golden));

  decode_ok (&wire, golden, &msg);
  assert_golden_envelope (&msg.envelope);
  g_assert_cmpmem (g_bytes_get_data (msg.payload, NULL), g_bytes_get_size (msg.payload),
                   PING_JSON, strlen (PING_JSON));
  assert_golden_ping_payload (wire.codec, msg.payload);
}

/* Envelopes in every form a Go peer may send decode to the same values. */
static void
test_envelope_variants (void)
{
  static const char * const headers[] = {
    ENV_HEX,
    ENV_VMIHAILENCO_HEX,
    /* si as str8 of 16 bytes, and as an array of 16 integers */
    "84a26d7401a27369b0" A_HEX "a26d69cf" MI_HEX "a374746c01",
    "84a26d7401a27369dc001001cc96042b1cccaa7accd9cc9ecca3ccc57b2e18cc9b23"
      "a26d69cf" MI_HEX "a374746c01",
    /* key order does not matter; unknown keys are skipped */
    "85a374746c01a26d69cf" MI_HEX "a378797aa3616263a27369c410" A_HEX "a26d7401",
  };
  g_auto(GossipWire) wire;

  wire_init (&wire, FALSE, FALSE, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    {
      g_auto(GossipWireMessage) msg = { 0, };
      g_autoptr(GBytes) raw = packet_from_hex (headers[i], PING_HEX, 0);

      g_test_message ("header %u", i);
      decode_ok (&wire, raw, &msg);
      assert_golden_envelope (&msg.envelope);
      test_assert_bytes_hex (msg.payload, PING_HEX);
    }
}

/* ---------------------------------------------------------------------- */
/* Payload vectors                                                         */

static GBytes *
encode (GossipCodec *codec,
        GVariant    *value)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) owned = g_variant_take_ref (value);  /* consumes a floating or a full reference */
  GBytes *bytes = gossip_codec_encode (codec, owned, &error);

  g_assert_no_error (error);
  g_assert_nonnull (bytes);
  return bytes;
}

static GVariant *
decode (GossipCodec *codec,
        GBytes      *bytes)
{
  g_autoptr(GError) error = NULL;
  GVariant *v = gossip_codec_decode (codec, bytes, &error);

  g_assert_no_error (error);
  g_assert_nonnull (v);
  return v;
}

static void
assert_json (GBytes     *bytes,
             const char *want)
{
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   want, strlen (want));
}

static GVariant *
metadata_dict (const char *key,
               const char *value)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  g_variant_builder_add (&b, "{sv}", key, g_variant_new_string (value));
  return g_variant_builder_end (&b);
}

static void
assert_metadata_string (GVariant   *md,
                        const char *key,
                        const char *want)
{
  g_autofree char *got = NULL;

  g_assert_true (gossip_variant_lookup_string (md, key, &got));
  g_assert_cmpstr (got, ==, want);
}

static void
test_payload_ping (void)
{
  g_autoptr(GossipCodec) msgpack = gossip_msgpack_codec_new ();
  g_autoptr(GossipCodec) json = gossip_json_codec_new ();
  GossipPingMsg ping = { .seq = 7, .addr = (char *) "127.0.0.1:8000" };
  g_autoptr(GBytes) mp = NULL;
  g_autoptr(GBytes) js = NULL;
  g_autoptr(GBytes) big_seq = NULL;
  g_autoptr(GBytes) no_addr = NULL;

  node_id (B_ID, &ping.target);
  mp = encode (msgpack, gossip_ping_msg_build (&ping, FALSE));
  g_assert_cmpuint (g_bytes_get_size (mp), ==, 47);
  test_assert_bytes_hex (mp, PING_HEX);
  js = encode (json, gossip_ping_msg_build (&ping, FALSE));
  assert_json (js, PING_JSON);
  assert_golden_ping_payload (msgpack, mp);
  assert_golden_ping_payload (json, js);

  ping.seq = 300;
  big_seq = encode (msgpack, gossip_ping_msg_build (&ping, FALSE));
  test_assert_bytes_hex (big_seq, "83a27469c410" B_HEX "a3736571cd012ca461646472" ADDR_8000_HEX);

  ping.seq = 7;
  ping.addr = NULL;
  no_addr = encode (msgpack, gossip_ping_msg_build (&ping, FALSE));
  test_assert_bytes_hex (no_addr, "83a27469c410" B_HEX "a373657107a461646472a0");
  /* Go's JSON omits an empty addr (omitempty); shamaton writes "". */
  {
    g_autoptr(GBytes) js_no_addr = encode (json, gossip_ping_msg_build_full (&ping, FALSE, TRUE));
    g_autoptr(GVariant) back = decode (json, js_no_addr);
    GossipPingMsg out;

    assert_json (js_no_addr, "{\"ti\":[1,150,4,33,193,196,122,6,135,160,151,12,244,196,219,211],\"seq\":7}");
    g_assert_true (gossip_ping_msg_parse (back, &out));
    g_assert_cmpstr (out.addr, ==, "");
    gossip_ping_msg_clear (&out);
  }

  /* Indirect ping ack: ok rides along and parses back. */
  {
    g_autoptr(GBytes) ind = NULL;
    g_autoptr(GVariant) v = NULL;
    GossipPingMsg out;

    ping.ok = TRUE;
    ping.addr = (char *) "127.0.0.1:8000";
    ind = encode (msgpack, gossip_ping_msg_build (&ping, TRUE));
    test_assert_bytes_hex (ind, "84a27469c410" B_HEX "a373657107a461646472" ADDR_8000_HEX "a26f6bc3");
    v = decode (msgpack, ind);
    g_assert_true (gossip_ping_msg_parse (v, &out));
    g_assert_true (out.ok);
    g_assert_cmpuint (out.seq, ==, 7);
    gossip_ping_msg_clear (&out);
  }
}

static void
check_join (GVariant   *v,
            gboolean    reply,
            gboolean    accepted,
            const char *reason,
            const char *addr,
            const char *av)
{
  GossipJoinMsg out;
  GossipNodeId a;

  node_id (A_ID, &a);
  g_assert_true (gossip_join_msg_parse (v, &out));
  g_assert_true (gossip_node_id_equal (&out.id, &a));
  g_assert_cmpstr (out.addr, ==, addr);
  g_assert_cmpuint (out.protocol_version, ==, 1);
  g_assert_cmpstr (out.app_version, ==, av);
  g_assert_cmpuint (out.metadata_ts, ==, 0);
  g_assert_nonnull (out.metadata);
  g_assert_true (g_variant_is_of_type (out.metadata, G_VARIANT_TYPE ("a{sv}")));
  g_assert_cmpuint (g_variant_n_children (out.metadata), ==, 0);
  if (reply)
    {
      g_assert_cmpint (out.accepted, ==, accepted);
      g_assert_cmpstr (out.reason, ==, reason);
    }
  gossip_join_msg_clear (&out);
}

static void
test_payload_join (void)
{
  g_autoptr(GossipCodec) msgpack = gossip_msgpack_codec_new ();
  g_autoptr(GossipCodec) json = gossip_json_codec_new ();
  GossipJoinMsg join = {
    .addr = (char *) "127.0.0.1:8000",
    .protocol_version = 1,
    .app_version = (char *) "0.0.1",
  };
  GossipJoinMsg reject = {
    .accepted = FALSE,
    .reason = (char *) "unable to join self",
    .addr = (char *) "127.0.0.1:8001",
    .protocol_version = 1,
    .app_version = (char *) "",
  };
  g_autoptr(GBytes) mp = NULL;
  g_autoptr(GBytes) mp_reject = NULL;
  g_autoptr(GBytes) js = NULL;
  g_autoptr(GBytes) js_reject = NULL;
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) v_reject = NULL;
  g_autoptr(GVariant) jv = NULL;
  g_autoptr(GVariant) jv_reject = NULL;

  node_id (A_ID, &join.id);
  node_id (A_ID, &reject.id);

  mp = encode (msgpack, gossip_join_msg_build (&join, FALSE));
  test_assert_bytes_hex (mp, JOIN_HEX);
  mp_reject = encode (msgpack, gossip_join_msg_build (&reject, TRUE));
  test_assert_bytes_hex (mp_reject, JOIN_REJECT_HEX);

  v = decode (msgpack, mp);
  check_join (v, FALSE, FALSE, NULL, "127.0.0.1:8000", "0.0.1");
  v_reject = decode (msgpack, mp_reject);
  check_join (v_reject, TRUE, FALSE, "unable to join self", "127.0.0.1:8001", "");

  /* JSON: Go's field order and encodings, and a round trip. */
  js = encode (json, gossip_join_msg_build (&join, FALSE));
  assert_json (js, "{\"id\":" A_JSON ",\"addr\":\"127.0.0.1:8000\",\"pv\":1,\"av\":\"0.0.1\","
                   "\"mdts\":0,\"md\":{}}");
  js_reject = encode (json, gossip_join_msg_build (&reject, TRUE));
  assert_json (js_reject, "{\"acc\":false,\"rr\":\"unable to join self\",\"id\":" A_JSON ","
                          "\"addr\":\"127.0.0.1:8001\",\"pv\":1,\"av\":\"\",\"mdts\":0,\"md\":{}}");
  jv = decode (json, js);
  check_join (jv, FALSE, FALSE, NULL, "127.0.0.1:8000", "0.0.1");
  jv_reject = decode (json, js_reject);
  check_join (jv_reject, TRUE, FALSE, "unable to join self", "127.0.0.1:8001", "");
}

static GVariant *
one_state_list (void)
{
  GossipNodeStateMsg state = {
    .addr = (char *) "127.0.0.1:8001",
    .state = 1,
    .state_ts = G_GUINT64_CONSTANT (1) << 40,
    .metadata_ts = 0,
  };
  GVariantBuilder b;
  g_autoptr(GVariant) md = g_variant_ref_sink (metadata_dict ("dc", "dev"));

  node_id (B_ID, &state.id);
  state.metadata = md;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_add_value (&b, gossip_node_state_msg_build (&state));
  return g_variant_builder_end (&b);
}

static void
check_one_state_list (GVariant *v)
{
  g_autoptr(GArray) list = gossip_node_state_list_parse (v, 16);
  GossipNodeStateMsg *s;
  GossipNodeId b;

  g_assert_nonnull (list);
  g_assert_cmpuint (list->len, ==, 1);
  s = &g_array_index (list, GossipNodeStateMsg, 0);
  node_id (B_ID, &b);
  g_assert_true (gossip_node_id_equal (&s->id, &b));
  g_assert_cmpstr (s->addr, ==, "127.0.0.1:8001");
  g_assert_cmpuint (s->state, ==, 1);
  g_assert_cmpuint (s->state_ts, ==, G_GUINT64_CONSTANT (1) << 40);
  g_assert_cmpuint (s->metadata_ts, ==, 0);
  assert_metadata_string (s->metadata, "dc", "dev");
}

static void
test_payload_push_pull (void)
{
  g_autoptr(GossipCodec) msgpack = gossip_msgpack_codec_new ();
  g_autoptr(GossipCodec) json = gossip_json_codec_new ();
  g_autoptr(GBytes) mp = encode (msgpack, one_state_list ());
  g_autoptr(GBytes) js = encode (json, one_state_list ());
  g_autoptr(GVariant) v = decode (msgpack, mp);
  g_autoptr(GVariant) jv = decode (json, js);
  g_autoptr(GVariant) nil = g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
  g_autoptr(GBytes) mp_nil = encode (msgpack, g_variant_ref (nil));
  g_autoptr(GBytes) js_nil = encode (json, g_variant_ref (nil));
  g_autoptr(GVariant) v_nil = decode (msgpack, mp_nil);
  g_autoptr(GVariant) jv_nil = decode (json, js_nil);
  g_autoptr(GArray) empty = NULL;
  g_autoptr(GArray) jempty = NULL;

  test_assert_bytes_hex (mp, PUSH_PULL_HEX);
  assert_json (js, "[{\"id\":" B_JSON ",\"addr\":\"127.0.0.1:8001\",\"s\":1,\"sct\":1099511627776,"
                   "\"mdts\":0,\"md\":{\"dc\":\"dev\"}}]");
  check_one_state_list (v);
  check_one_state_list (jv);

  /* An empty list travels as nil. */
  test_assert_bytes_hex (mp_nil, "c0");
  assert_json (js_nil, "null");
  empty = gossip_node_state_list_parse (v_nil, 16);
  jempty = gossip_node_state_list_parse (jv_nil, 16);
  g_assert_nonnull (empty);
  g_assert_nonnull (jempty);
  g_assert_cmpuint (empty->len, ==, 0);
  g_assert_cmpuint (jempty->len, ==, 0);
}

static void
test_payload_metadata_alive (void)
{
  g_autoptr(GossipCodec) msgpack = gossip_msgpack_codec_new ();
  g_autoptr(GossipCodec) json = gossip_json_codec_new ();
  g_autoptr(GVariant) md = g_variant_ref_sink (metadata_dict ("dc", "development"));
  GossipMetadataMsg meta = { .metadata_ts = MI, .metadata = md };
  GossipNodeMsg alive = { .addr = (char *) "127.0.0.1:8000" };
  GossipNodeMsg leaving = { 0, };
  GossipCodec *codecs[] = { msgpack, json };

  node_id (A_ID, &alive.node);
  node_id (B_ID, &leaving.node);

  {
    g_autoptr(GBytes) mp = encode (msgpack, gossip_metadata_msg_build (&meta));
    g_autoptr(GBytes) js = encode (json, gossip_metadata_msg_build (&meta));
    g_autoptr(GBytes) al = encode (msgpack, gossip_node_msg_build (&alive, TRUE));
    g_autoptr(GBytes) al_js = encode (json, gossip_node_msg_build (&alive, TRUE));
    g_autoptr(GBytes) lv = encode (msgpack, gossip_node_msg_build (&leaving, FALSE));
    g_autoptr(GBytes) lv_js = encode (json, gossip_node_msg_build (&leaving, FALSE));

    test_assert_bytes_hex (mp, METADATA_HEX);
    assert_json (js, "{\"mdts\":31525197697012736,\"md\":{\"dc\":\"development\"}}");
    test_assert_bytes_hex (al, ALIVE_HEX);
    assert_json (al_js, "{\"ni\":" A_JSON ",\"addr\":\"127.0.0.1:8000\"}");
    test_assert_bytes_hex (lv, "81a26e69c410" B_HEX);
    assert_json (lv_js, "{\"ni\":" B_JSON "}");
  }

  for (guint i = 0; i < G_N_ELEMENTS (codecs); i++)
    {
      g_autoptr(GBytes) mb = encode (codecs[i], gossip_metadata_msg_build (&meta));
      g_autoptr(GBytes) ab = encode (codecs[i], gossip_node_msg_build (&alive, TRUE));
      g_autoptr(GVariant) mv = decode (codecs[i], mb);
      g_autoptr(GVariant) av = decode (codecs[i], ab);
      GossipMetadataMsg mo;
      GossipNodeMsg ao;

      g_assert_true (gossip_metadata_msg_parse (mv, &mo));
      g_assert_cmpuint (mo.metadata_ts, ==, MI);
      assert_metadata_string (mo.metadata, "dc", "development");
      gossip_metadata_msg_clear (&mo);

      g_assert_true (gossip_node_msg_parse (av, &ao));
      g_assert_true (gossip_node_id_equal (&ao.node, &alive.node));
      g_assert_cmpstr (ao.addr, ==, "127.0.0.1:8000");
      gossip_node_msg_clear (&ao);
    }
}

/* ---------------------------------------------------------------------- */
/* Snappy                                                                  */

static GVariant *
blob (gsize    size,
      gboolean random)
{
  guint8 *data = g_malloc0 (MAX (size, 1));
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);

  if (random)
    for (gsize i = 0; i < size; i++)
      data[i] = (guint8) g_rand_int_range (rand, 0, 256);
  return g_variant_new_from_data (G_VARIANT_TYPE_BYTESTRING, data, size, TRUE,
                                  g_free, data);
}

static void
test_snappy (void)
{
  g_auto(GossipWire) wire;
  g_auto(GossipWire) plain_wire;
  GossipEnvelope env;
  g_autoptr(GError) error = NULL;

  wire_init (&wire, FALSE, TRUE, NULL);
  wire_init (&plain_wire, FALSE, FALSE, NULL);
  golden_envelope (&env);
  env.type = 128;

  /* bin8 of n bytes is n + 2 payload bytes: 255 stays below the threshold,
   * 256 reaches it. */
  for (gsize total = 250; total <= 257; total++)
    {
      g_autoptr(GVariant) value = g_variant_ref_sink (blob (total - 2, FALSE));
      g_autoptr(GBytes) payload = encode (wire.codec, g_variant_ref (value));
      g_autoptr(GBytes) raw = gossip_wire_encode_value (&wire, &env, value, &error);
      g_auto(GossipWireMessage) msg = { 0, };
      const guint8 *data;
      gboolean want_compressed = total >= 256;

      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (payload), ==, total);
      data = g_bytes_get_data (raw, NULL);
      g_assert_cmpint ((data[0] & 0x80) != 0, ==, want_compressed);
      g_assert_cmpuint (((data[0] << 8) | data[1]) & GOSSIP_WIRE_HEADER_MASK, ==, 44);
      decode_ok (&wire, raw, &msg);
      g_assert_cmpint (msg.compressed, ==, want_compressed);
      g_assert_true (g_bytes_equal (msg.payload, payload));
      if (want_compressed)
        {
          g_autoptr(GBytes) direct = gossip_compressor_compress (wire.compressor, payload, &error);

          g_assert_no_error (error);
          g_assert_cmpuint (g_bytes_get_size (msg.wire_payload), <, total);
          g_assert_true (g_bytes_equal (msg.wire_payload, direct));
          g_assert_cmpuint (g_bytes_get_size (raw), ==, 2 + 44 + g_bytes_get_size (direct));
          /* A node without a compressor cannot read it. */
          assert_drop (&plain_wire, raw, GOSSIP_DROP_DECOMPRESS);
        }
      else
        {
          g_auto(GossipWireMessage) msg2 = { 0, };

          g_assert_true (g_bytes_equal (msg.wire_payload, payload));
          /* ... but reads uncompressed packets from one with a compressor. */
          decode_ok (&plain_wire, raw, &msg2);
          g_assert_true (g_bytes_equal (msg2.payload, payload));
        }
    }

  /* Random bytes do not shrink: sent as they are, flag clear. */
  {
    g_autoptr(GVariant) value = g_variant_ref_sink (blob (1000, TRUE));
    g_autoptr(GBytes) payload = encode (wire.codec, g_variant_ref (value));
    g_autoptr(GBytes) raw = gossip_wire_encode_value (&wire, &env, value, &error);
    g_auto(GossipWireMessage) msg = { 0, };

    g_assert_no_error (error);
    g_assert_cmpuint (((const guint8 *) g_bytes_get_data (raw, NULL))[0] & 0x80, ==, 0);
    g_assert_cmpuint (g_bytes_get_size (raw), ==, 2 + 44 + g_bytes_get_size (payload));
    decode_ok (&wire, raw, &msg);
    g_assert_false (msg.compressed);
    g_assert_true (g_bytes_equal (msg.payload, payload));
  }

  /* Forwarding keeps a compressed payload as it is; with a cipher too. */
  {
    g_auto(GossipWire) secure;
    g_autoptr(GVariant) value = g_variant_ref_sink (blob (2000, FALSE));
    g_autoptr(GBytes) payload = encode (wire.codec, g_variant_ref (value));
    g_autoptr(GBytes) raw = gossip_wire_encode_value (&wire, &env, value, &error);
    g_autoptr(GBytes) forwarded = NULL;
    g_autoptr(GBytes) sealed = NULL;
    g_auto(GossipWireMessage) msg = { 0, };
    g_auto(GossipWireMessage) msg2 = { 0, };

    g_assert_no_error (error);
    decode_ok (&wire, raw, &msg);
    g_assert_true (msg.compressed);
    forwarded = gossip_wire_encode (&wire, &msg.envelope, msg.wire_payload, TRUE, &error);
    g_assert_no_error (error);
    g_assert_true (g_bytes_equal (forwarded, raw));

    wire_init (&secure, FALSE, TRUE, EXAMPLE_KEY);
    sealed = gossip_wire_encode_value (&secure, &env, value, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (sealed), ==, g_bytes_get_size (raw) + 28);
    decode_ok (&secure, sealed, &msg2);
    g_assert_true (msg2.compressed);
    g_assert_true (g_bytes_equal (msg2.payload, payload));

    /* The same packet is too large for a receiver with a lower bound. */
    secure.max_payload_size = 1000;
    assert_drop (&secure, sealed, GOSSIP_DROP_TOO_LARGE);
    secure.max_payload_size = g_bytes_get_size (payload);
    {
      g_auto(GossipWireMessage) msg3 = { 0, };
      decode_ok (&secure, sealed, &msg3);
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Bad input                                                               */

static void
test_bad_input (void)
{
  static const guint8 empty[1] = { 0 };
  g_auto(GossipWire) wire;
  g_auto(GossipWire) secure;
  g_auto(GossipWire) wrong_key;
  g_auto(GossipWire) json;
  g_autoptr(GBytes) golden = test_hex_to_bytes (DATAGRAM_HEX);
  g_autoptr(GBytes) sealed = test_hex_to_bytes (SEALED_HEX);
  gsize golden_len, sealed_len;
  const guint8 *golden_data = g_bytes_get_data (golden, &golden_len);
  const guint8 *sealed_data = g_bytes_get_data (sealed, &sealed_len);

  wire_init (&wire, FALSE, TRUE, NULL);
  wire_init (&secure, FALSE, TRUE, EXAMPLE_KEY);
  wire_init (&wrong_key, FALSE, TRUE, "6543210987654321");
  wire_init (&json, TRUE, TRUE, NULL);

  /* Too short */
  assert_drop_data (&wire, empty, 0, GOSSIP_DROP_TOO_SHORT);
  assert_drop_data (&wire, golden_data, 1, GOSSIP_DROP_TOO_SHORT);
  assert_drop_data (&secure, empty, 0, GOSSIP_DROP_TOO_SHORT);
  assert_drop_data (&secure, sealed_data, 1, GOSSIP_DROP_TOO_SHORT);
  assert_drop_data (&json, golden_data, 1, GOSSIP_DROP_TOO_SHORT);

  /* Header length past the end, and zero */
  {
    g_autoptr(GBytes) past = packet_from_hex ("", ENV_HEX PING_HEX, 0x7fff);
    g_autoptr(GBytes) zero = packet_from_hex ("", ENV_HEX PING_HEX, 0);
    g_autoptr(GBytes) only_prefix = test_hex_to_bytes ("002b");
    g_autoptr(GBytes) zero_empty = test_hex_to_bytes ("0000");

    assert_drop (&wire, past, GOSSIP_DROP_HEADER_LENGTH);
    assert_drop (&wire, zero, GOSSIP_DROP_HEADER_LENGTH);
    assert_drop (&wire, only_prefix, GOSSIP_DROP_HEADER_LENGTH);
    assert_drop (&wire, zero_empty, GOSSIP_DROP_HEADER_LENGTH);
    assert_drop_data (&wire, golden_data, 2 + 42, GOSSIP_DROP_HEADER_LENGTH);
  }

  /* Decryption failures */
  {
    g_autoptr(GBytes) plain_to_secure = test_hex_to_bytes (DATAGRAM_HEX);
    guint8 *copy;
    gsize n;

    assert_drop (&wrong_key, sealed, GOSSIP_DROP_DECRYPT);
    assert_drop_data (&secure, sealed_data, sealed_len - 1, GOSSIP_DROP_DECRYPT);
    assert_drop_data (&secure, sealed_data, sealed_len - 16, GOSSIP_DROP_DECRYPT);
    assert_drop_data (&secure, sealed_data, 2 + 12 + 15, GOSSIP_DROP_DECRYPT);
    assert_drop_data (&secure, sealed_data, 2 + 11, GOSSIP_DROP_DECRYPT);
    assert_drop_data (&secure, sealed_data, 2, GOSSIP_DROP_DECRYPT);
    /* A plaintext packet to an encrypted node. */
    assert_drop (&secure, plain_to_secure, GOSSIP_DROP_DECRYPT);

    /* Any flipped bit of nonce, ciphertext or tag. */
    copy = g_memdup2 (sealed_data, sealed_len);
    for (n = 2; n < sealed_len; n++)
      {
        copy[n] ^= 0x10;
        assert_drop_data (&secure, copy, sealed_len, GOSSIP_DROP_DECRYPT);
        copy[n] ^= 0x10;
      }

    /* The prefix is not authenticated: a changed header length decrypts
     * fine and then splits the plaintext in the wrong place. */
    copy[1] = 0x2a;   /* header cut short by one byte */
    assert_drop_data (&secure, copy, sealed_len, GOSSIP_DROP_HEADER_DECODE);
    copy[1] = 0x2c;   /* header takes the payload's first byte */
    assert_drop_data (&secure, copy, sealed_len, GOSSIP_DROP_HEADER_DECODE);
    copy[0] = 0x7f;   /* header past the end of the plaintext */
    assert_drop_data (&secure, copy, sealed_len, GOSSIP_DROP_HEADER_LENGTH);
    copy[0] = 0x00;
    copy[1] = 0x00;
    assert_drop_data (&secure, copy, sealed_len, GOSSIP_DROP_HEADER_LENGTH);
    /* Compressed flag on a plain payload: snappy reads 83 a2 74 as a
     * length claim of 1 904 899 bytes, above the bound. */
    copy[0] = 0x80;
    copy[1] = 0x2b;
    assert_drop_data (&secure, copy, sealed_len, GOSSIP_DROP_TOO_LARGE);
    g_free (copy);
  }

  /* Snappy: length claims above the bound, and corrupt data */
  {
    g_autoptr(GBytes) huge = packet_from_hex (ENV_HEX, "ffffffff0f00", GOSSIP_WIRE_FLAG_COMPRESSED);
    g_autoptr(GBytes) above = packet_from_hex (ENV_HEX, "818040" "00", GOSSIP_WIRE_FLAG_COMPRESSED);
    g_autoptr(GBytes) corrupt = packet_from_hex (ENV_HEX, "0a" "ffffffff", GOSSIP_WIRE_FLAG_COMPRESSED);
    g_autoptr(GBytes) bad_varint = packet_from_hex (ENV_HEX, "ffffffffffffffffffffff", GOSSIP_WIRE_FLAG_COMPRESSED);
    g_autoptr(GBytes) flagged = packet_from_hex (ENV_HEX, PING_HEX, GOSSIP_WIRE_FLAG_COMPRESSED);
    g_autoptr(GBytes) empty_payload = packet_from_hex (ENV_HEX, "", GOSSIP_WIRE_FLAG_COMPRESSED);

    assert_drop (&wire, huge, GOSSIP_DROP_TOO_LARGE);
    /* 0x100001 = MAX_PAYLOAD + 1 */
    assert_drop (&wire, above, GOSSIP_DROP_TOO_LARGE);
    assert_drop (&wire, corrupt, GOSSIP_DROP_DECOMPRESS);
    assert_drop (&wire, bad_varint, GOSSIP_DROP_DECOMPRESS);
    assert_drop (&wire, flagged, GOSSIP_DROP_TOO_LARGE);
    assert_drop (&wire, empty_payload, GOSSIP_DROP_DECOMPRESS);
    /* Without a compressor each is a decompress drop. */
    {
      g_auto(GossipWire) none;

      wire_init (&none, FALSE, FALSE, NULL);
      assert_drop (&none, huge, GOSSIP_DROP_DECOMPRESS);
      assert_drop (&none, flagged, GOSSIP_DROP_DECOMPRESS);
    }
  }

  /* Malformed msgpack envelopes */
  {
    static const char * const headers[] = {
      "c1",                                           /* never-used code */
      "84a26d74",                                     /* truncated map */
      "01",                                           /* not a map */
      "9401c410" A_HEX "cf" MI_HEX "01",              /* array, not a map */
      ENV_HEX "c0",                                   /* trailing byte inside hs */
      ENV_HEX "84",
      "83a26d7401a26d69cf" MI_HEX "a374746c01",       /* no si */
      "84a26d7401a27369c40f" "0196042b1caa7ad99ea3c57b2e189b"
        "a26d69cf" MI_HEX "a374746c01",               /* si of 15 bytes */
      "84a26d7401a27369c411" A_HEX "00"
        "a26d69cf" MI_HEX "a374746c01",               /* si of 17 bytes */
      "84a26d7401a27369c0a26d69cf" MI_HEX "a374746c01", /* si nil */
      "84a26d7401a2736901a26d69cf" MI_HEX "a374746c01", /* si an integer */
      "84a26d74ce00010000a27369c410" A_HEX "a26d69cf" MI_HEX "a374746c01", /* mt 65536 */
      "84a26d74ffa27369c410" A_HEX "a26d69cf" MI_HEX "a374746c01", /* mt -1 */
      "84a26d74a131a27369c410" A_HEX "a26d69cf" MI_HEX "a374746c01", /* mt a string */
      "84a26d7401a27369c410" A_HEX "a26d69cf" MI_HEX "a374746ccd0100", /* ttl 256 */
      "84a26d7401a27369c410" A_HEX "a26d69cf" MI_HEX "a374746cff", /* ttl -1 */
      "84a26d7401a27369c410" A_HEX "a26d69d3ffffffffffffffff" "a374746c01", /* mi -1 */
    };

    for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
      {
        g_autoptr(GBytes) raw = packet_from_hex (headers[i], PING_HEX, 0);

        g_test_message ("msgpack header %u", i);
        assert_drop (&wire, raw, GOSSIP_DROP_HEADER_DECODE);
      }
  }

  /* Go leaves a missing mt, mi or ttl at zero; only si is required. */
  {
    static const char * const headers[] = {
      "83a27369c410" A_HEX "a26d69cf" MI_HEX "a374746c01",      /* no mt */
      "83a26d7401a27369c410" A_HEX "a374746c01",                /* no mi */
      "83a26d7401a27369c410" A_HEX "a26d69cf" MI_HEX,           /* no ttl */
      "84a26d74c0a27369c410" A_HEX "a26d69cf" MI_HEX "a374746c01", /* mt nil */
    };
    static const GossipEnvelope want[] = {
      { .type = 0, .id = MI, .ttl = 1 },
      { .type = 1, .id = 0, .ttl = 1 },
      { .type = 1, .id = MI, .ttl = 0 },
      { .type = 0, .id = MI, .ttl = 1 },
    };
    GossipNodeId a;

    node_id (A_ID, &a);
    for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
      {
        g_autoptr(GBytes) raw = packet_from_hex (headers[i], PING_HEX, 0);
        g_auto(GossipWireMessage) msg = { 0, };

        g_test_message ("zero-valued header %u", i);
        decode_ok (&wire, raw, &msg);
        g_assert_cmpuint (msg.envelope.type, ==, want[i].type);
        g_assert_cmpuint (msg.envelope.id, ==, want[i].id);
        g_assert_cmpuint (msg.envelope.ttl, ==, want[i].ttl);
        g_assert_true (gossip_node_id_equal (&msg.envelope.sender, &a));
        test_assert_bytes_hex (msg.payload, PING_HEX);
      }
  }

  /* Malformed JSON envelopes */
  {
    static const char * const headers[] = {
      "{\"mt\":",
      "[1]",
      "1",
      "nul",
      ENV_JSON "x",
      ENV_JSON "{}",
      "{\"mt\":1,\"mi\":31525197697012736,\"ttl\":1}",
      "{\"mt\":1,\"si\":[1,150,4],\"mi\":31525197697012736,\"ttl\":1}",
      "{\"mt\":1,\"si\":[1,150,4,43,28,170,122,217,158,163,197,123,46,24,155,35,0],"
        "\"mi\":31525197697012736,\"ttl\":1}",
      "{\"mt\":1,\"si\":[1,150,4,43,28,170,122,217,158,163,197,123,46,24,155,256],"
        "\"mi\":31525197697012736,\"ttl\":1}",
      "{\"mt\":1,\"si\":\"0196042b-1caa-7ad9-9ea3-c57b2e189b23\",\"mi\":31525197697012736,\"ttl\":1}",
      "{\"mt\":65536,\"si\":" A_JSON ",\"mi\":31525197697012736,\"ttl\":1}",
      "{\"mt\":-1,\"si\":" A_JSON ",\"mi\":31525197697012736,\"ttl\":1}",
      "{\"mt\":1,\"si\":" A_JSON ",\"mi\":31525197697012736,\"ttl\":256}",
      "{\"mt\":1,\"si\":" A_JSON ",\"mi\":18446744073709551616,\"ttl\":1}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
      {
        g_autoptr(GBytes) raw = packet_from_text (headers[i], PING_JSON);

        g_test_message ("JSON header %u: %s", i, headers[i]);
        assert_drop (&json, raw, GOSSIP_DROP_HEADER_DECODE);
      }
  }

  /* A msgpack packet to a JSON node and back. */
  {
    g_autoptr(GBytes) js = packet_from_text (ENV_JSON, PING_JSON);

    assert_drop (&json, golden, GOSSIP_DROP_HEADER_DECODE);
    assert_drop (&wire, js, GOSSIP_DROP_HEADER_DECODE);
  }
}

/* Every prefix of the golden packets: rejected before the payload, or the
 * envelope is intact and the truncated payload fails to decode. */
static void
test_truncations (void)
{
  g_auto(GossipWire) wire;
  g_auto(GossipWire) secure;
  g_auto(GossipWire) json;
  g_autoptr(GBytes) golden = test_hex_to_bytes (DATAGRAM_HEX);
  g_autoptr(GBytes) sealed = test_hex_to_bytes (SEALED_HEX);
  g_autoptr(GBytes) golden_json = packet_from_text (ENV_JSON, PING_JSON);
  const struct {
    GossipWire *wire;
    GBytes     *packet;
    gsize       header_len;
  } cases[] = {
    { &wire, golden, 43 },
    { &json, golden_json, 101 },
  };
  gsize sealed_len;
  const guint8 *sealed_data = g_bytes_get_data (sealed, &sealed_len);

  wire_init (&wire, FALSE, TRUE, NULL);
  wire_init (&secure, FALSE, TRUE, EXAMPLE_KEY);
  wire_init (&json, TRUE, TRUE, NULL);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (cases[c].packet, &len);

      for (gsize n = 0; n < len; n++)
        {
          g_autofree guint8 *copy = g_memdup2 (data, n);

          if (n < 2)
            assert_drop_data (cases[c].wire, copy, n, GOSSIP_DROP_TOO_SHORT);
          else if (n < 2 + cases[c].header_len)
            assert_drop_data (cases[c].wire, copy, n, GOSSIP_DROP_HEADER_LENGTH);
          else
            {
              g_auto(GossipWireMessage) msg = { 0, };
              g_autoptr(GError) error = NULL;
              g_autoptr(GBytes) raw = g_bytes_new (copy, n);
              g_autoptr(GVariant) v = NULL;

              decode_ok (cases[c].wire, raw, &msg);
              assert_golden_envelope (&msg.envelope);
              g_assert_cmpuint (g_bytes_get_size (msg.payload), ==, n - 2 - cases[c].header_len);
              v = gossip_codec_decode (cases[c].wire->codec, msg.payload, &error);
              g_assert_null (v);
              g_assert_nonnull (error);
              g_assert_true (error->domain == GOSSIP_ERROR);
            }
        }
    }

  for (gsize n = 0; n < sealed_len; n++)
    {
      g_autofree guint8 *copy = g_memdup2 (sealed_data, n);

      assert_drop_data (&secure, copy, n, n < 2 ? GOSSIP_DROP_TOO_SHORT : GOSSIP_DROP_DECRYPT);
    }
}

/* Every single-byte corruption of the plain datagram either decodes or is
 * dropped with an error; it never crashes (ASan checks the reads). */
static void
test_corruptions (void)
{
  g_auto(GossipWire) wire;
  g_autoptr(GBytes) golden = test_hex_to_bytes (DATAGRAM_HEX);
  gsize len;
  const guint8 *data = g_bytes_get_data (golden, &len);
  static const guint8 values[] = { 0x00, 0x01, 0x7f, 0x80, 0xc0, 0xc1, 0xcf, 0xd9, 0xdc, 0xdf, 0xff };

  wire_init (&wire, FALSE, TRUE, NULL);
  for (gsize i = 0; i < len; i++)
    for (guint k = 0; k < G_N_ELEMENTS (values); k++)
      {
        g_autofree guint8 *copy = g_memdup2 (data, len);
        g_auto(GossipWireMessage) msg = { 0, };
        g_autoptr(GError) error = NULL;
        GossipDropReason reason = GOSSIP_DROP_N_REASONS;

        copy[i] = values[k];
        if (gossip_wire_decode (&wire, copy, len, &msg, &reason, &error))
          {
            g_autoptr(GError) payload_error = NULL;
            g_autoptr(GVariant) v = gossip_codec_decode (wire.codec, msg.payload, &payload_error);

            g_assert_no_error (error);
            g_assert_true ((v == NULL) == (payload_error != NULL));
          }
        else
          {
            g_assert_nonnull (error);
            g_assert_cmpint (reason, <, GOSSIP_DROP_N_REASONS);
            g_assert_null (msg.payload);
          }
      }
}

/* ---------------------------------------------------------------------- */
/* Captures of real Go v0.6.0 nodes                                        */

typedef struct {
  guint n_packets;
  guint n_segments;
  guint per_type[256];
  guint from_a, from_b;
  guint last_request;   /* mt of the last TCP request, for its mt=0 reply */
} CaptureStats;

/* Parses a `tcpdump -X` dump into one GBytes per captured IP packet. */
static GPtrArray *
parse_tcpdump (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *packets = g_ptr_array_new_with_free_func ((GDestroyNotify) g_byte_array_unref);
  GByteArray *current = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *p;
      guint64 offset;
      char *end;

      if (*line == '\0')
        continue;
      if (!g_ascii_isspace (*line))
        {
          current = g_byte_array_new ();
          g_ptr_array_add (packets, current);
          continue;
        }
      g_assert_nonnull (current);
      p = line;
      while (g_ascii_isspace (*p))
        p++;
      g_assert_true (g_str_has_prefix (p, "0x"));
      offset = g_ascii_strtoull (p + 2, &end, 16);
      g_assert_true (*end == ':');
      g_assert_cmpuint (offset, ==, current->len);
      p = end + 1;
      /* Two spaces then groups of up to four hex digits separated by one
       * space; two spaces end the hex columns (the ASCII column follows). */
      g_assert_true (p[0] == ' ' && p[1] == ' ');
      p += 2;
      while (g_ascii_isxdigit (*p))
        {
          while (g_ascii_isxdigit (p[0]) && g_ascii_isxdigit (p[1]))
            {
              guint8 b = (guint8) ((g_ascii_xdigit_value (p[0]) << 4) | g_ascii_xdigit_value (p[1]));
              g_byte_array_append (current, &b, 1);
              p += 2;
            }
          if (p[0] == ' ' && g_ascii_isxdigit (p[1]))
            p++;
          else
            break;
        }
    }
  return packets;
}

static void
check_captured_packet (const GossipWire *wire,
                       const guint8     *data,
                       gsize             size,
                       gboolean          over_tcp,
                       CaptureStats     *stats)
{
  g_auto(GossipWireMessage) msg = { 0, };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) payload = NULL;
  GossipDropReason reason = GOSSIP_DROP_N_REASONS;
  GossipNodeId a, b;
  gboolean from_a;
  guint16 mt;

  node_id (A_ID, &a);
  node_id (B_ID, &b);

  g_assert_true (gossip_wire_decode (wire, data, size, &msg, &reason, &error));
  g_assert_no_error (error);
  stats->n_packets++;

  /* Every captured envelope is shamaton's 43 or 44 bytes. */
  g_assert_cmpuint (((data[0] << 8) | data[1]) & GOSSIP_WIRE_HEADER_MASK, ==,
                    msg.envelope.type < 128 ? 43 : 44);

  from_a = gossip_node_id_equal (&msg.envelope.sender, &a);
  g_assert_true (from_a || gossip_node_id_equal (&msg.envelope.sender, &b));
  if (from_a)
    stats->from_a++;
  else
    stats->from_b++;

  /* mi is an HLC stamp of the capture date (2026), not a counter. */
  g_assert_cmpuint (msg.envelope.id >> 16, >, G_GUINT64_CONSTANT (1700000000000) * 1000 >> 16);

  payload = gossip_codec_decode (wire->codec, msg.payload, &error);
  g_assert_no_error (error);
  g_assert_nonnull (payload);

  mt = msg.envelope.type;
  stats->per_type[MIN (mt, 255)]++;
  if (mt == GOSSIP_MSG_REPLY)
    {
      g_assert_true (over_tcp);
      mt = stats->last_request;
      g_assert_cmpuint (mt, !=, 0);
      stats->last_request = 0;
    }
  else if (over_tcp)
    stats->last_request = mt;

  switch (mt)
    {
    case GOSSIP_MSG_PING:
    case GOSSIP_MSG_PING_ACK:
      {
        GossipPingMsg ping;

        g_assert_false (over_tcp);
        g_assert_cmpuint (msg.envelope.ttl, ==, 1);
        g_assert_true (gossip_ping_msg_parse (payload, &ping));
        /* ping B->A targets A, the ack A->B echoes it */
        g_assert_true (gossip_node_id_equal (&ping.target, &a));
        g_assert_true (g_str_has_prefix (ping.addr, "127.0.0.1:"));
        gossip_ping_msg_clear (&ping);
      }
      break;

    case GOSSIP_MSG_JOIN:
      {
        GossipJoinMsg join;

        g_assert_true (over_tcp);
        g_assert_true (gossip_join_msg_parse (payload, &join));
        if (msg.envelope.type == GOSSIP_MSG_REPLY)
          {
            g_assert_true (join.accepted);
            g_assert_cmpstr (join.reason, ==, "");
          }
        g_assert_true (gossip_node_id_equal (&join.id, &msg.envelope.sender));
        g_assert_cmpuint (join.protocol_version, ==, 1);
        g_assert_cmpstr (join.app_version, ==, "0.0.1");
        g_assert_true (g_str_has_prefix (join.addr, "127.0.0.1:"));
        gossip_join_msg_clear (&join);
      }
      break;

    case GOSSIP_MSG_PUSH_PULL:
      {
        g_autoptr(GArray) list = gossip_node_state_list_parse (payload, 16);

        g_assert_true (over_tcp);
        g_assert_nonnull (list);
        g_assert_cmpuint (list->len, ==, 1);
        for (guint i = 0; i < list->len; i++)
          {
            GossipNodeStateMsg *s = &g_array_index (list, GossipNodeStateMsg, i);

            g_assert_true (gossip_node_id_equal (&s->id, &a) || gossip_node_id_equal (&s->id, &b));
            g_assert_cmpuint (s->state, ==, GOSSIP_NODE_STATE_ALIVE);
            g_assert_nonnull (s->metadata);
          }
      }
      break;

    case GOSSIP_MSG_LEAVING:
      {
        GossipNodeMsg node;

        g_assert_true (gossip_node_msg_parse (payload, &node));
        /* a leaving node announces itself */
        g_assert_true (gossip_node_id_equal (&node.node, &msg.envelope.sender));
        gossip_node_msg_clear (&node);
      }
      break;

    case 128:
      {
        g_autofree char *content = NULL;

        g_assert_true (g_variant_is_of_type (payload, G_VARIANT_TYPE ("a{sv}")));
        g_assert_true (gossip_variant_lookup_string (payload, "content", &content));
        g_assert_cmpstr (content, ==, from_a ? "hello-from-A" : "hello-from-B");
        g_assert_cmpuint (msg.envelope.ttl, ==, 2);
      }
      break;

    default:
      g_error ("unexpected message type %u in a capture", mt);
    }
}

static void
check_capture (gconstpointer user_data)
{
  const char *name = user_data;
  g_autofree char *relative = g_strdup_printf ("captures/%s.hex.txt", name);
  g_autofree char *path = test_data_path (relative);
  g_autoptr(GPtrArray) packets = NULL;
  g_auto(GossipWire) wire = { 0, };
  gboolean encrypted = g_str_has_prefix (name, "enc-");
  CaptureStats stats = { 0, };

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      /* A missing capture is a broken checkout, not a reason to pass. */
      g_test_fail_printf ("capture %s not found (set GOSSIP_TEST_DATA)", path);
      return;
    }

  wire_init (&wire, FALSE, TRUE, encrypted ? EXAMPLE_KEY : NULL);
  packets = parse_tcpdump (path);
  g_assert_cmpuint (packets->len, >, 0);

  for (guint i = 0; i < packets->len; i++)
    {
      GByteArray *ip = packets->pdata[i];
      const guint8 *d = ip->data;
      guint ihl, total, proto;
      const guint8 *l4, *payload;
      gsize l4_len, payload_len;

      stats.n_segments++;
      g_assert_cmpuint (ip->len, >=, 20);
      g_assert_cmpuint (d[0] >> 4, ==, 4);
      ihl = (d[0] & 0x0f) * 4u;
      g_assert_cmpuint (ihl, >=, 20);
      total = ((guint) d[2] << 8) | d[3];
      g_assert_cmpuint (total, ==, ip->len);
      proto = d[9];
      l4 = d + ihl;
      l4_len = total - ihl;

      if (proto == 17)
        {
          g_assert_cmpuint (l4_len, >=, 8);
          g_assert_cmpuint (((guint) l4[4] << 8) | l4[5], ==, l4_len);
          payload = l4 + 8;
          payload_len = l4_len - 8;
          check_captured_packet (&wire, payload, payload_len, FALSE, &stats);
        }
      else if (proto == 6)
        {
          guint data_offset;

          g_assert_cmpuint (l4_len, >=, 20);
          data_offset = (l4[12] >> 4) * 4u;
          g_assert_cmpuint (data_offset, >=, 20);
          g_assert_cmpuint (data_offset, <=, l4_len);
          payload = l4 + data_offset;
          payload_len = l4_len - data_offset;

          /* One or more U32BE(len) ‖ packet, or a bare stream ack. */
          while (payload_len > 0)
            {
              guint32 n;

              if (payload_len == 2 && payload[0] == 0x00 && payload[1] == 0x0b)
                break;
              g_assert_cmpuint (payload_len, >=, 4);
              n = ((guint32) payload[0] << 24) | ((guint32) payload[1] << 16) |
                  ((guint32) payload[2] << 8) | payload[3];
              g_assert_cmpuint (n, <=, payload_len - 4);
              check_captured_packet (&wire, payload + 4, n, TRUE, &stats);
              payload += 4 + n;
              payload_len -= 4 + n;
            }
        }
      else
        g_error ("unexpected IP protocol %u", proto);
    }

  g_test_message ("%s: %u segments, %u packets (%u from A, %u from B)",
                  name, stats.n_segments, stats.n_packets, stats.from_a, stats.from_b);
  g_assert_cmpuint (stats.n_packets, >=, stats.n_segments);
  g_assert_cmpuint (stats.from_a, >, 0);
  g_assert_cmpuint (stats.from_b, >, 0);
  if (strstr (name, "join-and-pushpull") != NULL)
    {
      g_assert_cmpuint (stats.per_type[GOSSIP_MSG_JOIN], ==, 1);
      g_assert_cmpuint (stats.per_type[GOSSIP_MSG_PUSH_PULL], ==, 1);
      g_assert_cmpuint (stats.per_type[GOSSIP_MSG_REPLY], ==, 2);
    }
  else if (strstr (name, "ping-ack") != NULL)
    {
      g_assert_cmpuint (stats.per_type[GOSSIP_MSG_PING], >, 0);
      g_assert_cmpuint (stats.per_type[GOSSIP_MSG_PING_ACK], >, 0);
    }
  else if (strstr (name, "usermsg") != NULL)
    g_assert_cmpuint (stats.per_type[128], ==, stats.n_packets);
  else if (strstr (name, "leaving") != NULL)
    g_assert_cmpuint (stats.per_type[GOSSIP_MSG_LEAVING], ==, stats.n_packets);
}

static const char * const capture_names[] = {
  "plain-udp-ping-ack",
  "plain-udp-usermsg",
  "plain-udp-leaving",
  "plain-tcp-join-and-pushpull",
  "enc-udp-ping-ack",
  "enc-udp-usermsg",
  "enc-tcp-join-and-pushpull",
};

/* The envelope fast path must agree with the general path on every input it
 * accepts: mutations of real envelopes (other integer widths, other keys,
 * flipped bytes), compared field by field. */
static gboolean
general_envelope (GossipCodec    *codec,
                  const guint8   *data,
                  gsize           size,
                  GossipEnvelope *out)
{
  g_autoptr(GVariant) v = gossip_codec_decode_data (codec, data, size, NULL);
  guint64 mt, mi, ttl;

  if (v == NULL || !g_variant_is_of_type (v, G_VARIANT_TYPE ("a{sv}")) ||
      !gossip_variant_lookup_uint (v, "mt", G_MAXUINT16, &mt) ||
      !gossip_variant_lookup_uint (v, "mi", G_MAXUINT64, &mi) ||
      !gossip_variant_lookup_uint (v, "ttl", G_MAXUINT8, &ttl) ||
      !gossip_variant_lookup_node_id (v, "si", &out->sender))
    return FALSE;
  out->type = (guint16) mt;
  out->id = mi;
  out->ttl = (guint8) ttl;
  return TRUE;
}

static void
test_envelope_fast_path (void)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  const char *seeds[] = {
    /* shamaton, vmihailenco, other key order, an extra scalar key */
    "84a26d7401a27369c4100196042b1caa7ad99ea3c57b2e189b23a26d69cf0070000012345400a374746c01",
    "84a26d74cd0001a27369c4100196042b1caa7ad99ea3c57b2e189b23a26d69cf0070000012345400a374746ccc01",
    "84a374746c05a26d69cd1234a27369a4300123456789abcdef0123456789a26d74cc80",
    "85a26d7401a178a3666f6fa27369c4100196042b1caa7ad99ea3c57b2e189b23a26d6901a374746c01",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  guint fast = 0, agreed = 0;

  for (guint s = 0; s < G_N_ELEMENTS (seeds); s++)
    {
      g_autoptr(GBytes) seed = test_hex_to_bytes (seeds[s]);
      gsize len;
      const guint8 *orig = g_bytes_get_data (seed, &len);

      for (guint i = 0; i < 5000; i++)
        {
          g_autofree guint8 *buf = g_memdup2 (orig, len);
          GossipEnvelope a, b;
          gboolean fast_ok, general_ok;
          gsize n = len;

          if (i > 0)
            {
              guint flips = g_rand_int_range (rand, 1, 4);
              for (guint f = 0; f < flips; f++)
                buf[g_rand_int_range (rand, 0, (gint32) len)] = (guint8) g_rand_int_range (rand, 0, 256);
              if (g_rand_boolean (rand))
                n = g_rand_int_range (rand, 1, (gint32) len + 1);
            }
          memset (&a, 0, sizeof a);
          memset (&b, 0, sizeof b);
          fast_ok = gossip_msgpack_read_envelope (buf, n, &a);
          general_ok = general_envelope (codec, buf, n, &b);
          if (!fast_ok)
            continue;
          fast++;
          /* Whatever the fast path accepts, the general path accepts alike. */
          if (!general_ok)
            {
              g_autoptr(GBytes) bad = g_bytes_new (buf, n);
              g_autofree char *hex = test_bytes_to_hex (bad);
              g_test_message ("fast path accepted, general path refused: %s", hex);
            }
          g_assert_true (general_ok);
          g_assert_cmpuint (a.type, ==, b.type);
          g_assert_cmpuint (a.id, ==, b.id);
          g_assert_cmpuint (a.ttl, ==, b.ttl);
          g_assert_cmpmem (a.sender.bytes, 16, b.sender.bytes, 16);
          agreed++;
        }
    }
  g_test_message ("fast path took %u of %u envelopes, all agreeing", fast, 4 * 5000);
  g_assert_cmpuint (agreed, >, 4);
}

static void
test_ping_fast_path (void)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  GossipPingMsg golden = { .seq = 300, .addr = (char *) "127.0.0.1:8000", .ok = TRUE };
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  guint fast = 0;

  g_assert_true (gossip_node_id_parse ("01960421-c1c4-7a06-87a0-970cf4c4dbd3", &golden.target));
  for (guint s = 0; s < 4; s++)
    {
      g_autoptr(GByteArray) seed = g_byte_array_new ();
      GossipPingMsg m = golden;

      if (s == 2)
        m.addr = (char *) "";
      if (s == 3)
        m.seq = 7;
      gossip_msgpack_write_ping (seed, &m, s == 1);
      /* The writer's bytes are what the general encoder makes (§15). */
      {
        g_autoptr(GBytes) general = encode (codec, gossip_ping_msg_build (&m, s == 1));
        g_assert_cmpmem (seed->data, seed->len, g_bytes_get_data (general, NULL), g_bytes_get_size (general));
      }

      for (guint i = 0; i < 5000; i++)
        {
          g_autofree guint8 *buf = g_memdup2 (seed->data, seed->len);
          gsize n = seed->len;
          GossipPingMsg a, b;
          g_autoptr(GVariant) v = NULL;

          if (i > 0)
            {
              guint flips = g_rand_int_range (rand, 1, 4);
              for (guint f = 0; f < flips; f++)
                buf[g_rand_int_range (rand, 0, (gint32) n)] = (guint8) g_rand_int_range (rand, 0, 256);
              if (g_rand_boolean (rand))
                n = g_rand_int_range (rand, 1, (gint32) n + 1);
            }
          if (!gossip_msgpack_read_ping (buf, n, &a))
            continue;
          fast++;
          v = gossip_codec_decode_data (codec, buf, n, NULL);
          g_assert_nonnull (v);
          g_assert_true (gossip_ping_msg_parse (v, &b));
          g_assert_cmpmem (a.target.bytes, 16, b.target.bytes, 16);
          g_assert_cmpuint (a.seq, ==, b.seq);
          g_assert_cmpstr (a.addr, ==, b.addr);
          g_assert_cmpint (a.ok, ==, b.ok);
          gossip_ping_msg_clear (&a);
          gossip_ping_msg_clear (&b);
        }
    }
  g_test_message ("ping fast path took %u of 20000 payloads, all agreeing", fast);
  g_assert_cmpuint (fast, >, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/wire/golden/udp-datagram", test_golden_udp_datagram);
  g_test_add_func ("/wire/golden/envelopes", test_golden_envelopes);
  g_test_add_func ("/wire/envelope/fast-path-agrees", test_envelope_fast_path);
  g_test_add_func ("/wire/ping/fast-path-agrees", test_ping_fast_path);
  g_test_add_func ("/wire/golden/tcp-framing", test_golden_tcp_framing);
  g_test_add_func ("/wire/golden/aes-gcm", test_golden_aes_gcm);
  g_test_add_func ("/wire/golden/json", test_golden_json);
  g_test_add_func ("/wire/envelope-variants", test_envelope_variants);
  g_test_add_func ("/wire/payload/ping", test_payload_ping);
  g_test_add_func ("/wire/payload/join", test_payload_join);
  g_test_add_func ("/wire/payload/push-pull", test_payload_push_pull);
  g_test_add_func ("/wire/payload/metadata-alive-leaving", test_payload_metadata_alive);
  g_test_add_func ("/wire/snappy", test_snappy);
  g_test_add_func ("/wire/bad-input", test_bad_input);
  g_test_add_func ("/wire/truncations", test_truncations);
  g_test_add_func ("/wire/corruptions", test_corruptions);
  for (guint i = 0; i < G_N_ELEMENTS (capture_names); i++)
    {
      g_autofree char *path = g_strdup_printf ("/wire/capture/%s", capture_names[i]);
      g_test_add_data_func (path, capture_names[i], check_capture);
    }

  return g_test_run ();
}
