/* gossip-node-id.c: node identities, the 16-byte RFC 4122 UUIDs that name
 * every member of a cluster. Parsing follows Go's uuid.Parse (the forms a Go
 * application may put in its configuration), formatting gives the canonical
 * lower-case form, new IDs are time-ordered UUIDv7 like Go's uuid.NewV7, and
 * the variant conversions accept every shape a Go peer's codec may send.
 */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "gossip-node-id-private.h"

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
hex_byte (const char *s,
          guint8     *out)
{
  int hi = hex_value (s[0]);
  int lo = hi < 0 ? -1 : hex_value (s[1]);

  if (hi < 0 || lo < 0)
    return FALSE;

  *out = (guint8) ((hi << 4) | lo);
  return TRUE;
}

/* Offsets of the 16 hex pairs in the 36-character canonical form. */
static const guint8 canonical_offsets[16] = {
  0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34
};

/* Unlike Go, which skips the first and last character of a 38-character
 * string without looking at them, we insist on real braces: accepting
 * "x…y" would only hide typos. */
gboolean
gossip_node_id_parse (const char   *str,
                      GossipNodeId *out)
{
  GossipNodeId id;
  size_t len;
  guint i;

  g_return_val_if_fail (out != NULL, FALSE);

  if (str == NULL)
    return FALSE;

  len = strlen (str);
  switch (len)
    {
    case 36:
      break;

    case 36 + 9:
      if (g_ascii_strncasecmp (str, "urn:uuid:", 9) != 0)
        return FALSE;
      str += 9;
      break;

    case 36 + 2:
      if (str[0] != '{' || str[37] != '}')
        return FALSE;
      str += 1;
      break;

    case 32:
      for (i = 0; i < 16; i++)
        if (!hex_byte (str + i * 2, &id.bytes[i]))
          return FALSE;
      *out = id;
      return TRUE;

    default:
      return FALSE;
    }

  if (str[8] != '-' || str[13] != '-' || str[18] != '-' || str[23] != '-')
    return FALSE;

  for (i = 0; i < 16; i++)
    if (!hex_byte (str + canonical_offsets[i], &id.bytes[i]))
      return FALSE;

  *out = id;
  return TRUE;
}

void
gossip_node_id_format (const GossipNodeId *id,
                       char                buf[GOSSIP_NODE_ID_STRING_LEN + 1])
{
  static const char digits[] = "0123456789abcdef";
  guint i;

  g_return_if_fail (id != NULL);
  g_return_if_fail (buf != NULL);

  buf[8] = buf[13] = buf[18] = buf[23] = '-';
  for (i = 0; i < 16; i++)
    {
      buf[canonical_offsets[i]] = digits[id->bytes[i] >> 4];
      buf[canonical_offsets[i] + 1] = digits[id->bytes[i] & 0x0f];
    }
  buf[GOSSIP_NODE_ID_STRING_LEN] = '\0';
}

char *
gossip_node_id_to_string (const GossipNodeId *id)
{
  char buf[GOSSIP_NODE_ID_STRING_LEN + 1];

  g_return_val_if_fail (id != NULL, NULL);

  gossip_node_id_format (id, buf);
  return g_strdup (buf);
}

static void
fill_random (guint8 *buf,
             gsize   len)
{
  gsize i;

  if (gnutls_rnd (GNUTLS_RND_NONCE, buf, len) == 0)
    return;

  /* GnuTLS only fails here when its generator is broken; an ID from
   * GLib's PRNG is still far better than no ID at all. */
  for (i = 0; i < len; i++)
    buf[i] = (guint8) g_random_int_range (0, 256);
}

void
gossip_node_id_generate (GossipNodeId *out)
{
  gint64 ms;
  guint i;

  g_return_if_fail (out != NULL);

  ms = g_get_real_time () / 1000;
  if (ms < 0)
    ms = 0;

  for (i = 0; i < 6; i++)
    out->bytes[i] = (guint8) ((guint64) ms >> (40 - 8 * i));

  fill_random (out->bytes + 6, 10);
  out->bytes[6] = (out->bytes[6] & 0x0f) | 0x70;
  out->bytes[8] = (out->bytes[8] & 0x3f) | 0x80;
}

gboolean
gossip_node_id_equal (gconstpointer a,
                      gconstpointer b)
{
  return memcmp (a, b, sizeof (GossipNodeId)) == 0;
}

guint
gossip_node_id_hash (gconstpointer id)
{
  const guint8 *bytes = ((const GossipNodeId *) id)->bytes;
  guint32 h = 2166136261u;
  guint i;

  for (i = 0; i < 16; i++)
    {
      h ^= bytes[i];
      h *= 16777619u;
    }

  return h;
}

int
gossip_node_id_compare (const GossipNodeId *a,
                        const GossipNodeId *b)
{
  return memcmp (a->bytes, b->bytes, sizeof a->bytes);
}

gboolean
gossip_node_id_is_zero (const GossipNodeId *id)
{
  static const GossipNodeId zero = { { 0 } };

  return memcmp (id->bytes, zero.bytes, sizeof zero.bytes) == 0;
}

GVariant *
gossip_node_id_to_variant (const GossipNodeId *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, id->bytes,
                                    sizeof id->bytes, 1);
}

/* One element of an integer array, boxed in any number of "v" layers when
 * the array is an "av" (JSON and msgpack decoders box heterogeneous arrays). */
static gboolean
element_to_byte (GVariant *element,
                 guint8   *out)
{
  g_autoptr(GVariant) value = g_variant_ref (element);
  gint64 v;

  while (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (value);

      g_variant_unref (value);
      value = inner;
    }

  switch (g_variant_classify (value))
    {
    case G_VARIANT_CLASS_BYTE:
      v = g_variant_get_byte (value);
      break;
    case G_VARIANT_CLASS_INT16:
      v = g_variant_get_int16 (value);
      break;
    case G_VARIANT_CLASS_UINT16:
      v = g_variant_get_uint16 (value);
      break;
    case G_VARIANT_CLASS_INT32:
      v = g_variant_get_int32 (value);
      break;
    case G_VARIANT_CLASS_UINT32:
      v = g_variant_get_uint32 (value);
      break;
    case G_VARIANT_CLASS_INT64:
      v = g_variant_get_int64 (value);
      break;
    case G_VARIANT_CLASS_UINT64:
      if (g_variant_get_uint64 (value) > 255)
        return FALSE;
      v = (gint64) g_variant_get_uint64 (value);
      break;
    default:
      return FALSE;
    }

  if (v < 0 || v > 255)
    return FALSE;

  *out = (guint8) v;
  return TRUE;
}

/* A floating @value is consumed, as GVariant constructors do. */
gboolean
gossip_node_id_from_variant (GVariant     *value,
                             GossipNodeId *out)
{
  g_autoptr(GVariant) unboxed = NULL;
  GossipNodeId id;

  g_return_val_if_fail (out != NULL, FALSE);

  if (value == NULL)
    return FALSE;

  unboxed = g_variant_ref_sink (value);
  while (g_variant_is_of_type (unboxed, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (unboxed);

      g_variant_unref (unboxed);
      unboxed = inner;
    }

  if (g_variant_is_of_type (unboxed, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize n_elements = 0;
      const guint8 *data = g_variant_get_fixed_array (unboxed, &n_elements, 1);

      if (n_elements != 16)
        return FALSE;
      memcpy (id.bytes, data, 16);
    }
  else if (g_variant_is_of_type (unboxed, G_VARIANT_TYPE_STRING))
    {
      gsize len = 0;
      const char *str = g_variant_get_string (unboxed, &len);

      if (len != 16)
        return FALSE;
      memcpy (id.bytes, str, 16);
    }
  else if (g_variant_is_of_type (unboxed, G_VARIANT_TYPE_ARRAY))
    {
      gsize i;

      if (g_variant_n_children (unboxed) != 16)
        return FALSE;

      for (i = 0; i < 16; i++)
        {
          g_autoptr(GVariant) child = g_variant_get_child_value (unboxed, i);

          if (!element_to_byte (child, &id.bytes[i]))
            return FALSE;
        }
    }
  else
    return FALSE;

  *out = id;
  return TRUE;
}
