/* fuzz-common.h: helpers shared by the fuzz targets of gossip-glib.
 *
 * Every target is one translation unit defining LLVMFuzzerTestOneInput; it
 * is linked either with libFuzzer (-Dfuzzing=true, clang) or with the
 * standalone replay driver fuzz-main.c (every other build). The helpers
 * here are static inline so that a target pulls in only what it uses
 * without tripping -Wunused-function.
 */
#pragma once

#include <stdint.h>
#include <string.h>

#include "gossip-glib.h"
#include "gossip-codec-private.h"
#include "gossip-wire-private.h"
#include "gossip-messages-private.h"
#include "gossip-metadata-private.h"

G_BEGIN_DECLS

/* The libFuzzer entry point each target defines. */
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The limit the cluster uses (tcp-max-packet-size), so the fuzzer sees
 * the same decompression bound as a running node. */
#define FUZZ_MAX_PAYLOAD_SIZE 4194304
/* The default of udp-max-decompressed-size, and an element budget small
 * enough for the fuzzer's 4 KiB inputs to reach (the default is 65536). */
#define FUZZ_MAX_DATAGRAM_PAYLOAD_SIZE 262144
#define FUZZ_MAX_DECODE_ELEMENTS 1024

/* Hostile input may make the library refuse, never complain: a critical
 * or a warning means a precondition was violated by data from the wire,
 * which is a bug worth a crash report. */
static inline void
fuzz_init (void)
{
  static gboolean done = FALSE;

  if (done)
    return;
  done = TRUE;
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
}

static inline gboolean
fuzz_envelope_equal (const GossipEnvelope *a,
                     const GossipEnvelope *b)
{
  return a->type == b->type && a->id == b->id && a->ttl == b->ttl &&
         gossip_node_id_equal (&a->sender, &b->sender);
}

/* Feeds a decoded payload to every system-message parser, whatever the
 * packet's type said: the parsers must cope with any shape. */
static inline void
fuzz_run_payload_parsers (GVariant *payload)
{
  GossipPingMsg ping = { 0, };
  GossipJoinMsg join = { 0, };
  GossipNodeMsg node = { 0, };
  GossipMetadataMsg md = { 0, };
  g_autoptr(GArray) states = NULL;

  if (gossip_ping_msg_parse (payload, &ping))
    {
      g_autofree char *id = gossip_node_id_to_string (&ping.target);
      g_assert_nonnull (id);
      gossip_ping_msg_clear (&ping);
    }

  if (gossip_join_msg_parse (payload, &join))
    {
      g_autoptr(GossipMetadata) meta = gossip_metadata_new_read_only ();

      gossip_metadata_apply (meta, join.metadata, join.metadata_ts, TRUE);
      gossip_join_msg_clear (&join);
    }

  if (gossip_node_msg_parse (payload, &node))
    gossip_node_msg_clear (&node);

  if (gossip_metadata_msg_parse (payload, &md))
    {
      g_autoptr(GossipMetadata) meta = gossip_metadata_new_read_only ();

      gossip_metadata_apply (meta, md.metadata, md.metadata_ts, FALSE);
      gossip_metadata_msg_clear (&md);
    }

  states = gossip_node_state_list_parse (payload, 1024);
  if (states != NULL)
    g_assert_cmpuint (states->len, <=, 1024);
}

/* The whole receive pipeline of one RAW_PACKET, as a node runs it, plus
 * the forwarding path: a packet that decoded must re-encode from its wire
 * bytes (as forwarding does) and decode again to the same envelope and
 * payload. */
static inline void
fuzz_packet (const GossipWire *wire,
             const uint8_t    *data,
             size_t            size)
{
  GossipWireMessage msg;
  GossipWireMessage again;
  GossipDropReason reason = GOSSIP_DROP_N_REASONS;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) payload = NULL;
  g_autoptr(GBytes) forwarded = NULL;
  const guint8 *fwd;
  gsize fwd_len;

  /* As the router does for a datagram: its own decompressed bound. */
  if (!gossip_wire_decode_limited (wire, data, size, wire->max_datagram_payload_size,
                                   &msg, &reason, &error))
    {
      g_assert_nonnull (error);
      g_assert_cmpint (reason, <, GOSSIP_DROP_N_REASONS);
      g_assert_nonnull (gossip_drop_reason_to_string (reason));
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (msg.payload);
  g_assert_nonnull (msg.wire_payload);

  g_assert_cmpuint (g_bytes_get_size (msg.payload), <=, wire->max_datagram_payload_size);
  g_assert_cmpuint (msg.max_elements, ==, wire->max_decode_elements);
  /* The wire's scan and the bounded decode agree: what the scan passed
   * fails to decode (if at all) for other reasons than the budget. */
  {
    gsize payload_size;
    const guint8 *payload_data = g_bytes_get_data (msg.payload, &payload_size);
    gboolean scan_ok = gossip_codec_check_bounded (wire->codec, payload_data, payload_size,
                                                   wire->max_decode_elements, &error);

    /* The wire decode already ran the scan. */
    g_assert_no_error (error);
    g_assert_true (scan_ok);
    payload = gossip_wire_decode_payload (&msg, wire->codec, &error);
    if (payload != NULL)
      fuzz_run_payload_parsers (payload);
    else
      g_assert_nonnull (error);
    if (scan_ok && payload == NULL)
      g_assert_false (g_error_matches (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE));
    g_clear_error (&error);
  }

  forwarded = gossip_wire_encode (wire, &msg.envelope, msg.wire_payload,
                                  msg.compressed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (forwarded);
  fwd = g_bytes_get_data (forwarded, &fwd_len);
  if (!gossip_wire_decode (wire, fwd, fwd_len, &again, &reason, &error))
    g_error ("forwarded packet does not decode (%s): %s",
             gossip_drop_reason_to_string (reason), error->message);
  g_assert_true (fuzz_envelope_equal (&msg.envelope, &again.envelope));
  g_assert_true (g_bytes_equal (msg.payload, again.payload));

  gossip_wire_message_clear (&again);
  gossip_wire_message_clear (&msg);
}

/* decode(x) = v must imply decode(encode(v)) = v: catches decoders that
 * build values the encoder cannot write, and encoders that lose data. */
static inline void
fuzz_codec_round_trip (GossipCodec   *codec,
                       const uint8_t *data,
                       size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariant) value2 = NULL;
  g_autoptr(GBytes) encoded = NULL;
  g_autoptr(GBytes) encoded2 = NULL;

  value = gossip_codec_decode_data (codec, data, size, &error);
  if (value == NULL)
    {
      g_assert_nonnull (error);
      return;
    }
  g_assert_no_error (error);

  encoded = gossip_codec_encode (codec, value, &error);
  if (encoded == NULL)
    {
      g_autofree char *text = g_variant_print (value, TRUE);
      g_error ("decoded value does not re-encode: %s\nvalue: %.2000s",
               error->message, text);
    }

  value2 = gossip_codec_decode (codec, encoded, &error);
  if (value2 == NULL)
    {
      g_autofree char *text = g_variant_print (value, TRUE);
      g_error ("re-encoded value does not decode: %s\nvalue: %.2000s",
               error->message, text);
    }

  if (!g_variant_equal (value, value2))
    {
      g_autofree char *t1 = g_variant_print (value, TRUE);
      g_autofree char *t2 = g_variant_print (value2, TRUE);
      g_error ("round trip changed the value:\n  first:  %.2000s\n  second: %.2000s", t1, t2);
    }

  /* The encoder is deterministic, so a second pass gives the same bytes. */
  encoded2 = gossip_codec_encode (codec, value2, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (encoded, encoded2));
}

G_END_DECLS
