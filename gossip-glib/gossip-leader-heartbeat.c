/* gossip-leader-heartbeat.c: the v0.6.0 leader heartbeat payload.
 *
 * Go declares the heartbeat's `ts` as time.Time. shamaton/msgpack reads a
 * time.Time only from the msgpack timestamp extension (type -1), which no
 * GVariant maps to on encode, so for msgpack the payload is written here
 * byte for byte as shamaton writes it and sent as a raw payload. Decoding
 * goes through the codec: the extension arrives as int64 nanoseconds.
 */
#include "config.h"

#include <string.h>

#include "gossip-leader-heartbeat-private.h"

#define NS_PER_S G_GINT64_CONSTANT (1000000000)

static void
put_be (GByteArray *out,
        guint64     v,
        guint       n)
{
  for (guint i = 0; i < n; i++)
    {
      guint8 b = (guint8) (v >> (8 * (n - 1 - i)));
      g_byte_array_append (out, &b, 1);
    }
}

static void
put_byte (GByteArray *out,
          guint8      b)
{
  g_byte_array_append (out, &b, 1);
}

/* shamaton's time encoder: timestamp 32, 64 or 96 (PROTOCOL.md §5.1). */
static void
put_timestamp (GByteArray *out,
               gint64      ts_ns)
{
  gint64 secs = ts_ns / NS_PER_S;
  gint64 nsec = ts_ns % NS_PER_S;

  if (nsec < 0)
    {
      nsec += NS_PER_S;
      secs -= 1;
    }
  if (((guint64) secs >> 34) == 0)
    {
      guint64 data = ((guint64) nsec << 34) | (guint64) secs;

      if ((data & G_GUINT64_CONSTANT (0xffffffff00000000)) == 0)
        {
          put_byte (out, 0xd6);
          put_byte (out, 0xff);
          put_be (out, data, 4);
        }
      else
        {
          put_byte (out, 0xd7);
          put_byte (out, 0xff);
          put_be (out, data, 8);
        }
      return;
    }
  put_byte (out, 0xc7);
  put_byte (out, 12);
  put_byte (out, 0xff);
  put_be (out, (guint64) nsec, 4);
  put_be (out, (guint64) secs, 8);
}

/* shamaton's smallest unsigned form. */
static void
put_uint (GByteArray *out,
          guint64     v)
{
  if (v <= 0x7f)
    put_byte (out, (guint8) v);
  else if (v <= 0xff)
    {
      put_byte (out, 0xcc);
      put_be (out, v, 1);
    }
  else if (v <= 0xffff)
    {
      put_byte (out, 0xcd);
      put_be (out, v, 2);
    }
  else if (v <= 0xffffffff)
    {
      put_byte (out, 0xce);
      put_be (out, v, 4);
    }
  else
    {
      put_byte (out, 0xcf);
      put_be (out, v, 8);
    }
}

static char *
format_rfc3339_nano (gint64 ts_ns)
{
  gint64 secs = ts_ns / NS_PER_S;
  gint64 nsec = ts_ns % NS_PER_S;
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *base = NULL;
  char frac[16];
  gsize len;

  if (nsec < 0)
    {
      nsec += NS_PER_S;
      secs -= 1;
    }
  dt = g_date_time_new_from_unix_utc (secs);
  if (dt == NULL)
    return NULL;
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  if (nsec == 0)
    return g_strconcat (base, "Z", NULL);
  /* Go's RFC3339Nano trims trailing zeros of the fraction. */
  g_snprintf (frac, sizeof frac, ".%09" G_GINT64_FORMAT, nsec);
  len = strlen (frac);
  while (len > 1 && frac[len - 1] == '0')
    frac[--len] = '\0';
  return g_strconcat (base, frac, "Z", NULL);
}

static gboolean
parse_rfc3339_nano (const char *s,
                    gint64     *ts_ns)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (s, NULL);
  const char *dot;
  gint64 nsec = 0;
  gint64 secs;

  if (dt == NULL)
    return FALSE;
  secs = g_date_time_to_unix (dt);
  /* GDateTime keeps microseconds; read all nine digits ourselves. */
  dot = strchr (s, '.');
  if (dot != NULL)
    {
      guint digits = 0;

      for (const char *p = dot + 1; g_ascii_isdigit (*p) && digits < 9; p++, digits++)
        nsec = nsec * 10 + (*p - '0');
      for (; digits < 9; digits++)
        nsec *= 10;
    }
  if (secs > G_MAXINT64 / NS_PER_S - 1 || secs < G_MININT64 / NS_PER_S + 1)
    return FALSE;
  *ts_ns = secs * NS_PER_S + nsec;
  return TRUE;
}

GBytes *
gossip_leader_heartbeat_encode (GossipCodec  *codec,
                                gint64        ts_ns,
                                guint64       term,
                                GError      **error)
{
  const char *name = codec ? gossip_codec_get_name (codec) : "msgpack";
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) value = NULL;

  if (g_strcmp0 (name, "msgpack") == 0 || codec == NULL)
    {
      GByteArray *out = g_byte_array_sized_new (24);

      put_byte (out, 0x82);
      put_byte (out, 0xa2);
      g_byte_array_append (out, (const guint8 *) "ts", 2);
      put_timestamp (out, ts_ns);
      put_byte (out, 0xa4);
      g_byte_array_append (out, (const guint8 *) "term", 4);
      put_uint (out, term);
      return g_byte_array_free_to_bytes (out);
    }

  if (g_strcmp0 (name, "json") == 0)
    {
      g_autofree char *ts = format_rfc3339_nano (ts_ns);

      if (ts == NULL)
        {
          g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                               "Heartbeat time out of range");
          return NULL;
        }
      g_variant_dict_insert (&dict, "ts", "s", ts);
    }
  else
    g_variant_dict_insert (&dict, "ts", "x", ts_ns);
  g_variant_dict_insert (&dict, "term", "t", term);
  value = g_variant_ref_sink (g_variant_dict_end (&dict));
  return gossip_codec_encode (codec, value, error);
}

static GVariant *
unbox (GVariant *v)
{
  while (v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);
      g_variant_unref (v);
      v = inner;
    }
  return v;
}

gboolean
gossip_leader_heartbeat_parse (GVariant  *payload,
                               gint64    *ts_ns,
                               guint64   *term,
                               GError   **error)
{
  g_autoptr(GVariant) ts = NULL;
  g_autoptr(GVariant) t = NULL;

  if (payload == NULL || !g_variant_is_of_type (payload, G_VARIANT_TYPE_VARDICT))
    goto bad;
  ts = unbox (g_variant_lookup_value (payload, "ts", NULL));
  t = unbox (g_variant_lookup_value (payload, "term", NULL));
  if (ts == NULL || t == NULL)
    goto bad;

  if (g_variant_is_of_type (ts, G_VARIANT_TYPE_INT64))
    *ts_ns = g_variant_get_int64 (ts);
  else if (g_variant_is_of_type (ts, G_VARIANT_TYPE_UINT64) &&
           g_variant_get_uint64 (ts) <= G_MAXINT64)
    *ts_ns = (gint64) g_variant_get_uint64 (ts);
  else if (!g_variant_is_of_type (ts, G_VARIANT_TYPE_STRING) ||
           !parse_rfc3339_nano (g_variant_get_string (ts, NULL), ts_ns))
    goto bad;

  if (g_variant_is_of_type (t, G_VARIANT_TYPE_UINT64))
    *term = g_variant_get_uint64 (t);
  else if (g_variant_is_of_type (t, G_VARIANT_TYPE_INT64) && g_variant_get_int64 (t) >= 0)
    *term = (guint64) g_variant_get_int64 (t);
  else
    goto bad;
  return TRUE;

bad:
  g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                       "Not a leader heartbeat {ts, term}");
  return FALSE;
}
