/* agent-payload.c: D-Bus byte payloads <-> cluster message values.
 *
 * Send and SendTo carry an "ay"; it travels as a byte string value, which
 * the msgpack codec writes as bin (what Go's []byte is) and the JSON codec
 * as an array of numbers. A received message is given back as the bytes
 * the sender meant: its byte string, the numbers of a JSON array, or its
 * string; anything else as the bytes its codec encoded. */

#include "config.h"

#include "agent-payload.h"

/* Returns: (transfer floating): @payload's bytes as a byte string value */
GVariant *
agent_payload_to_value (GVariant *payload)
{
  g_autoptr(GBytes) bytes = g_variant_get_data_as_bytes (payload);
  return g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, bytes, TRUE);
}

/* A JSON codec carries a byte string as an array of numbers: gives the
 * bytes back, or NULL if @value is not such an array. */
static GVariant *
number_array_bytes (GVariant *value)
{
  g_autoptr(GByteArray) bytes = NULL;
  GVariantIter iter;
  GVariant *child;

  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_ARRAY))
    return NULL;
  bytes = g_byte_array_new ();
  g_variant_iter_init (&iter, value);
  while ((child = g_variant_iter_next_value (&iter)) != NULL)
    {
      g_autoptr(GVariant) item = child;
      gint64 n = -1;

      while (g_variant_is_of_type (item, G_VARIANT_TYPE_VARIANT))
        {
          GVariant *inner = g_variant_get_variant (item);
          g_variant_unref (item);
          item = inner;
        }
      if (g_variant_is_of_type (item, G_VARIANT_TYPE_INT64))
        n = g_variant_get_int64 (item);
      else if (g_variant_is_of_type (item, G_VARIANT_TYPE_UINT64))
        n = MIN (g_variant_get_uint64 (item), 256);
      else if (g_variant_is_of_type (item, G_VARIANT_TYPE_INT32))
        n = g_variant_get_int32 (item);
      else if (g_variant_is_of_type (item, G_VARIANT_TYPE_UINT32))
        n = g_variant_get_uint32 (item);
      else if (g_variant_is_of_type (item, G_VARIANT_TYPE_BYTE))
        n = g_variant_get_byte (item);
      else if (g_variant_is_of_type (item, G_VARIANT_TYPE_DOUBLE))
        {
          double d = g_variant_get_double (item);
          n = (d >= 0 && d <= 255 && d == (gint64) d) ? (gint64) d : -1;
        }
      if (n < 0 || n > 255)
        return NULL;
      g_byte_array_append (bytes, (guint8[]) { (guint8) n }, 1);
    }
  return g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, bytes->data,
                                                        bytes->len, 1));
}

/* Returns: (transfer full): the payload of @packet as an "ay", not floating */
GVariant *
agent_payload_from_packet (GossipPacket *packet)
{
  g_autoptr(GVariant) value = gossip_packet_get_payload (packet, NULL);
  GVariant *payload;

  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_BYTESTRING))
    return g_variant_ref (value);
  if (value != NULL && (payload = number_array_bytes (value)) != NULL)
    return payload;
  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    {
      gsize len;
      const char *s = g_variant_get_string (value, &len);
      return g_variant_ref_sink (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, s, len, 1));
    }
  return g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING,
                                                       gossip_packet_get_payload_bytes (packet),
                                                       TRUE));
}
