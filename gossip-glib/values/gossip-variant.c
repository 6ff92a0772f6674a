/* gossip-variant.c: tolerant field access on decoded payloads.
 *
 * A Go peer may encode an unsigned field in any msgpack integer width, a
 * string as str or bin, a UUID as bin, str or array, and an absent container
 * as nil. Protocol parsers go through these helpers so that every accepted
 * form is handled in one place.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gossip-variant-private.h"

GVariant *
gossip_variant_unbox (GVariant *value)
{
  GVariant *v = g_variant_ref (value);

  while (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);
      g_variant_unref (v);
      v = inner;
    }
  return v;
}

gboolean
gossip_variant_is_nil (GVariant *value)
{
  g_autoptr(GVariant) v = NULL;

  if (value == NULL)
    return TRUE;
  v = gossip_variant_unbox (value);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE))
    return g_variant_n_children (v) == 0;
  return FALSE;
}

GVariant *
gossip_variant_lookup (GVariant   *dict,
                       const char *key)
{
  GVariant *v;

  if (dict == NULL || !g_variant_is_of_type (dict, G_VARIANT_TYPE ("a{sv}")))
    return NULL;
  v = g_variant_lookup_value (dict, key, NULL);
  if (v == NULL)
    return NULL;
  {
    GVariant *unboxed = gossip_variant_unbox (v);
    g_variant_unref (v);
    return unboxed;
  }
}

gboolean
gossip_variant_get_int (GVariant *value,
                        gint64   *out)
{
  g_autoptr(GVariant) v = gossip_variant_unbox (value);
  const GVariantType *t = g_variant_get_type (v);

  if (g_variant_type_equal (t, G_VARIANT_TYPE_BYTE))
    *out = g_variant_get_byte (v);
  else if (g_variant_type_equal (t, G_VARIANT_TYPE_INT16))
    *out = g_variant_get_int16 (v);
  else if (g_variant_type_equal (t, G_VARIANT_TYPE_UINT16))
    *out = g_variant_get_uint16 (v);
  else if (g_variant_type_equal (t, G_VARIANT_TYPE_INT32))
    *out = g_variant_get_int32 (v);
  else if (g_variant_type_equal (t, G_VARIANT_TYPE_UINT32))
    *out = g_variant_get_uint32 (v);
  else if (g_variant_type_equal (t, G_VARIANT_TYPE_INT64))
    *out = g_variant_get_int64 (v);
  else if (g_variant_type_equal (t, G_VARIANT_TYPE_UINT64))
    {
      guint64 u = g_variant_get_uint64 (v);
      if (u > G_MAXINT64)
        return FALSE;
      *out = (gint64) u;
    }
  else if (g_variant_type_equal (t, G_VARIANT_TYPE_DOUBLE))
    {
      /* JSON peers may write integral numbers as doubles. */
      double d = g_variant_get_double (v);
      if (!isfinite (d) || d != floor (d) || d < -9.2e18 || d > 9.2e18)
        return FALSE;
      *out = (gint64) d;
    }
  else
    return FALSE;
  return TRUE;
}

gboolean
gossip_variant_get_uint (GVariant *value,
                         guint64   max,
                         guint64  *out)
{
  g_autoptr(GVariant) v = gossip_variant_unbox (value);
  guint64 u;

  if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64))
    u = g_variant_get_uint64 (v);
  else
    {
      gint64 i;
      if (!gossip_variant_get_int (v, &i) || i < 0)
        return FALSE;
      u = (guint64) i;
    }
  if (u > max)
    return FALSE;
  *out = u;
  return TRUE;
}

gboolean
gossip_variant_lookup_uint (GVariant   *dict,
                            const char *key,
                            guint64     max,
                            guint64    *out)
{
  g_autoptr(GVariant) v = gossip_variant_lookup (dict, key);

  if (v == NULL || gossip_variant_is_nil (v))
    {
      /* Go leaves missing fields at their zero value. */
      *out = 0;
      return TRUE;
    }
  return gossip_variant_get_uint (v, max, out);
}

gboolean
gossip_variant_lookup_bool (GVariant   *dict,
                            const char *key,
                            gboolean   *out)
{
  g_autoptr(GVariant) v = gossip_variant_lookup (dict, key);

  *out = FALSE;
  if (v == NULL || gossip_variant_is_nil (v))
    return TRUE;
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return FALSE;
  *out = g_variant_get_boolean (v);
  return TRUE;
}

gboolean
gossip_variant_lookup_string (GVariant    *dict,
                              const char  *key,
                              char       **out)
{
  g_autoptr(GVariant) v = gossip_variant_lookup (dict, key);

  *out = NULL;
  if (v == NULL || gossip_variant_is_nil (v))
    {
      *out = g_strdup ("");
      return TRUE;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      *out = g_variant_dup_string (v, NULL);
      return TRUE;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BYTESTRING))
    {
      gsize len;
      const char *data = g_variant_get_fixed_array (v, &len, 1);
      if (!g_utf8_validate_len (data, len, NULL) || memchr (data, 0, len) != NULL)
        return FALSE;
      *out = g_strndup (data, len);
      return TRUE;
    }
  return FALSE;
}

gboolean
gossip_variant_lookup_node_id (GVariant     *dict,
                               const char   *key,
                               GossipNodeId *out)
{
  g_autoptr(GVariant) v = gossip_variant_lookup (dict, key);

  if (v == NULL)
    return FALSE;
  return gossip_node_id_from_variant (v, out);
}

gboolean
gossip_variant_lookup_dict (GVariant    *dict,
                            const char  *key,
                            GVariant   **out)
{
  g_autoptr(GVariant) v = gossip_variant_lookup (dict, key);

  *out = NULL;
  if (v == NULL || gossip_variant_is_nil (v))
    {
      *out = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
      return TRUE;
    }
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE ("a{sv}")))
    return FALSE;
  *out = g_steal_pointer (&v);
  return TRUE;
}
