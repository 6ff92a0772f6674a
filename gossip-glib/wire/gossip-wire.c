/* gossip-wire.c: the one packet pipeline shared by every transport.
 *
 * Send: codec(envelope) ‖ maybe-snappy(codec(payload)) -> maybe-AEAD ->
 * U16BE(flags | header length). Receive: the reverse, where every failure is
 * a counted drop reason rather than an abort. Lengths read from the wire are
 * checked before anything is allocated from them.
 */
#include "config.h"

#include <string.h>

#include "gossip-codec-private.h"
#include "gossip-error.h"
#include "gossip-msgpack-codec.h"
#include "gossip-codec-fast-private.h"
#include "gossip-variant-private.h"
#include "gossip-wire-private.h"

static const char * const drop_reason_names[GOSSIP_DROP_N_REASONS] = {
  [GOSSIP_DROP_TOO_SHORT] = "too-short",
  [GOSSIP_DROP_DECRYPT] = "decrypt",
  [GOSSIP_DROP_HEADER_LENGTH] = "header-length",
  [GOSSIP_DROP_HEADER_DECODE] = "header-decode",
  [GOSSIP_DROP_DECOMPRESS] = "decompress",
  [GOSSIP_DROP_TOO_LARGE] = "too-large",
  [GOSSIP_DROP_PAYLOAD_DECODE] = "payload-decode",
  [GOSSIP_DROP_FROM_SELF] = "from-self",
  [GOSSIP_DROP_DUPLICATE] = "duplicate",
  [GOSSIP_DROP_UNKNOWN_SENDER] = "unknown-sender",
  [GOSSIP_DROP_WRONG_TRANSPORT] = "wrong-transport",
  [GOSSIP_DROP_SEND_FAILED] = "send-failed",
  [GOSSIP_DROP_REPLAY] = "replay",
  [GOSSIP_DROP_CLOCK_SKEW] = "clock-skew",
  [GOSSIP_DROP_JOIN_RATE] = "join-rate",
  [GOSSIP_DROP_JOIN_OUT_RATE] = "join-out-rate",
  [GOSSIP_DROP_NODE_LIMIT] = "node-limit",
};

const char *
gossip_drop_reason_to_string (GossipDropReason reason)
{
  if ((guint) reason >= GOSSIP_DROP_N_REASONS)
    return "unknown";
  return drop_reason_names[reason];
}

void
gossip_wire_message_clear (GossipWireMessage *msg)
{
  g_clear_pointer (&msg->payload, g_bytes_unref);
  g_clear_pointer (&msg->wire_payload, g_bytes_unref);
}

static GVariant *
envelope_to_variant (const GossipEnvelope *envelope)
{
  GVariant *entries[4];

  entries[0] = g_variant_new_dict_entry (g_variant_new_string ("mt"),
                                         g_variant_new_variant (g_variant_new_uint16 (envelope->type)));
  entries[1] = g_variant_new_dict_entry (g_variant_new_string ("si"),
                                         g_variant_new_variant (gossip_node_id_to_variant (&envelope->sender)));
  entries[2] = g_variant_new_dict_entry (g_variant_new_string ("mi"),
                                         g_variant_new_variant (g_variant_new_uint64 (envelope->id)));
  entries[3] = g_variant_new_dict_entry (g_variant_new_string ("ttl"),
                                         g_variant_new_variant (g_variant_new_byte (envelope->ttl)));
  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), entries, 4);
}

GBytes *
gossip_wire_encode_envelope (GossipCodec          *codec,
                             const GossipEnvelope *envelope,
                             GError              **error)
{
  g_autoptr(GVariant) v = NULL;
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (codec);

  /* The common case without the value model: a third of the pipeline. */
  if (fast != NULL)
    {
      GByteArray *out = g_byte_array_sized_new (48);
      fast->write_envelope (out, envelope);
      return g_byte_array_free_to_bytes (out);
    }
  v = g_variant_ref_sink (envelope_to_variant (envelope));
  return gossip_codec_encode (codec, v, error);
}

GBytes *
gossip_wire_encode (const GossipWire     *wire,
                    const GossipEnvelope *envelope,
                    GBytes               *payload,
                    gboolean              payload_compressed,
                    GError              **error)
{
  g_autoptr(GBytes) header = NULL;
  g_autoptr(GBytes) compressed = NULL;
  const guint8 *payload_data;
  gsize header_len, payload_len;
  guint16 prefix;
  GByteArray *plain;

  header = gossip_wire_encode_envelope (wire->codec, envelope, error);
  if (header == NULL)
    return NULL;
  header_len = g_bytes_get_size (header);
  if (header_len > GOSSIP_WIRE_HEADER_MASK)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                   "Packet header of %" G_GSIZE_FORMAT " bytes exceeds the 32767-byte limit",
                   header_len);
      return NULL;
    }
  prefix = (guint16) header_len;

  payload_data = g_bytes_get_data (payload, &payload_len);
  if (payload_compressed)
    prefix |= GOSSIP_WIRE_FLAG_COMPRESSED;
  else if (wire->compressor != NULL && payload_len >= wire->compress_min_size)
    {
      compressed = gossip_compressor_compress (wire->compressor, payload, NULL);
      /* Compression that does not shrink the payload is not worth the flag. */
      if (compressed != NULL && g_bytes_get_size (compressed) < payload_len)
        {
          payload_data = g_bytes_get_data (compressed, &payload_len);
          prefix |= GOSSIP_WIRE_FLAG_COMPRESSED;
        }
    }

  plain = g_byte_array_sized_new (2 + header_len + payload_len);
  {
    guint8 be[2] = { prefix >> 8, prefix & 0xff };
    g_byte_array_append (plain, be, 2);
  }
  g_byte_array_append (plain, g_bytes_get_data (header, NULL), header_len);
  g_byte_array_append (plain, payload_data, payload_len);

  if (wire->cipher == NULL)
    return g_byte_array_free_to_bytes (plain);

  {
    g_autoptr(GByteArray) owned = plain;
    g_autoptr(GBytes) body = g_bytes_new_static (owned->data + 2, owned->len - 2);
    g_autoptr(GBytes) sealed = gossip_cipher_encrypt (wire->cipher, wire->key, body, error);
    GByteArray *raw;

    if (sealed == NULL)
      return NULL;
    raw = g_byte_array_sized_new (2 + g_bytes_get_size (sealed));
    g_byte_array_append (raw, owned->data, 2);
    g_byte_array_append (raw, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
    return g_byte_array_free_to_bytes (raw);
  }
}

GBytes *
gossip_wire_encode_value (const GossipWire     *wire,
                          const GossipEnvelope *envelope,
                          GVariant             *value,
                          GError              **error)
{
  g_autoptr(GVariant) nil = NULL;
  g_autoptr(GBytes) payload = NULL;

  if (value == NULL)
    value = nil = g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
  payload = gossip_codec_encode (wire->codec, value, error);
  if (payload == NULL)
    return NULL;
  return gossip_wire_encode (wire, envelope, payload, FALSE, error);
}

static gboolean
drop (GossipDropReason *reason_out,
      GossipDropReason  reason,
      GError          **error,
      GError           *cause,
      const char       *what)
{
  *reason_out = reason;
  if (cause != NULL)
    g_propagate_prefixed_error (error, cause, "%s: ", what);
  else
    g_set_error_literal (error, GOSSIP_ERROR,
                         reason == GOSSIP_DROP_TOO_LARGE ? GOSSIP_ERROR_TOO_LARGE : GOSSIP_ERROR_DECODE,
                         what);
  return FALSE;
}

static gboolean
decode_envelope (GossipCodec    *codec,
                 const guint8   *data,
                 gsize           size,
                 GossipEnvelope *out,
                 GError        **error)
{
  g_autoptr(GVariant) v = NULL;
  guint64 mt, mi, ttl;
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (codec);

  if (fast != NULL && fast->read_envelope (data, size, out))
    return TRUE;

  v = gossip_codec_decode_data (codec, data, size, error);
  if (v == NULL)
    return FALSE;
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE ("a{sv}")) ||
      !gossip_variant_lookup_uint (v, "mt", G_MAXUINT16, &mt) ||
      !gossip_variant_lookup_uint (v, "mi", G_MAXUINT64, &mi) ||
      !gossip_variant_lookup_uint (v, "ttl", G_MAXUINT8, &ttl) ||
      !gossip_variant_lookup_node_id (v, "si", &out->sender))
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                           "envelope lacks valid mt/si/mi/ttl fields");
      return FALSE;
    }
  out->type = (guint16) mt;
  out->id = mi;
  out->ttl = (guint8) ttl;
  return TRUE;
}

gboolean
gossip_wire_decode (const GossipWire  *wire,
                    const guint8      *raw,
                    gsize              size,
                    GossipWireMessage *out,
                    GossipDropReason  *reason,
                    GError           **error)
{
  return gossip_wire_decode_limited (wire, raw, size, wire->max_payload_size, out, reason, error);
}

GVariant *
gossip_wire_decode_payload (const GossipWireMessage  *msg,
                            GossipCodec              *codec,
                            GError                  **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (msg->payload, &size);

  return gossip_codec_decode_bounded (codec, data, size, msg->max_elements, error);
}

gboolean
gossip_wire_decode_limited (const GossipWire  *wire,
                            const guint8      *raw,
                            gsize              size,
                            gsize              max_payload_size,
                            GossipWireMessage *out,
                            GossipDropReason  *reason,
                            GError           **error)
{
  g_autoptr(GBytes) opened = NULL;
  GError *cause = NULL;
  const guint8 *plain;
  gsize plain_len, header_len;
  guint16 prefix;
  gboolean compressed;

  memset (out, 0, sizeof *out);
  if (size < 2)
    return drop (reason, GOSSIP_DROP_TOO_SHORT, error, NULL, "packet too small");

  prefix = (guint16) ((raw[0] << 8) | raw[1]);
  compressed = (prefix & GOSSIP_WIRE_FLAG_COMPRESSED) != 0;
  header_len = prefix & GOSSIP_WIRE_HEADER_MASK;

  if (wire->cipher != NULL)
    {
      g_autoptr(GBytes) sealed = g_bytes_new_static (raw + 2, size - 2);
      opened = gossip_cipher_decrypt (wire->cipher, wire->key, sealed, &cause);
      /* During a key rotation, packets may still come under an older key. */
      for (guint i = 0; opened == NULL && wire->other_keys != NULL && i < wire->other_keys->len; i++)
        opened = gossip_cipher_decrypt (wire->cipher, wire->other_keys->pdata[i], sealed, NULL);
      if (opened != NULL)
        g_clear_error (&cause);
      if (opened == NULL)
        return drop (reason, GOSSIP_DROP_DECRYPT, error, cause, "decrypt");
      plain = g_bytes_get_data (opened, &plain_len);
    }
  else
    {
      plain = raw + 2;
      plain_len = size - 2;
    }

  if (header_len == 0 || plain_len < header_len)
    return drop (reason, GOSSIP_DROP_HEADER_LENGTH, error, NULL,
                 "header length runs past the end of the packet");

  if (!decode_envelope (wire->codec, plain, header_len, &out->envelope, &cause))
    return drop (reason, GOSSIP_DROP_HEADER_DECODE, error, cause, "envelope");

  out->wire_payload = g_bytes_new (plain + header_len, plain_len - header_len);
  out->compressed = compressed;
  out->max_elements = wire->max_decode_elements;
  if (!compressed)
    out->payload = g_bytes_ref (out->wire_payload);
  else if (wire->compressor == NULL)
    {
      gossip_wire_message_clear (out);
      return drop (reason, GOSSIP_DROP_DECOMPRESS, error, NULL,
                   "compressed packet but no compressor configured");
    }
  else
    {
      out->payload = gossip_compressor_decompress (wire->compressor, out->wire_payload,
                                                   max_payload_size, &cause);
      if (out->payload == NULL)
        {
          gboolean too_large = g_error_matches (cause, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE);
          gossip_wire_message_clear (out);
          return drop (reason, too_large ? GOSSIP_DROP_TOO_LARGE : GOSSIP_DROP_DECOMPRESS,
                       error, cause, "decompress");
        }
    }

  /* The codec's structural scan within the element budget allocates
   * nothing per element: a decode bomb costs its walk only, and whoever
   * decodes the payload afterwards (handlers, replies, membership) gets at
   * most max_decode_elements values. */
  if (wire->max_decode_elements > 0)
    {
      gsize payload_size;
      const guint8 *payload = g_bytes_get_data (out->payload, &payload_size);

      if (!gossip_codec_check_bounded (wire->codec, payload, payload_size,
                                       wire->max_decode_elements, &cause))
        {
          gossip_wire_message_clear (out);
          return drop (reason, GOSSIP_DROP_PAYLOAD_DECODE, error, cause, "payload");
        }
    }
  return TRUE;
}
