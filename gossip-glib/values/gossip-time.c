/* gossip-time.c: a point in time as a Go peer writes and reads it.
 *
 * Go v0.6.0 nodes send time.Time as the msgpack timestamp extension
 * (shamaton and vmihailenco) and as an RFC 3339 string with nanoseconds
 * (encoding/json); Go's metadata GetTime reads time.Time, int64
 * nanoseconds and strings, but over JSON a number arrives as float64,
 * which it refuses. Writing Go's own form is the one that works on every
 * codec (PROTOCOL.md §5.1, §5.2; BEHAVIOUR.md §7.2).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "gossip-time-private.h"

#define NSEC_PER_SEC G_GINT64_CONSTANT (1000000000)

GVariant *
gossip_time_variant_new (gint64 unix_nsec)
{
  GVariant *child = g_variant_new_int64 (unix_nsec);

  return g_variant_new_tuple (&child, 1);
}

gboolean
gossip_time_variant_is (GVariant *value)
{
  return value != NULL && g_variant_is_of_type (value, GOSSIP_TIME_VARIANT_TYPE);
}

gint64
gossip_time_variant_get (GVariant *value)
{
  gint64 nsec = 0;

  g_return_val_if_fail (gossip_time_variant_is (value), 0);
  g_variant_get (value, "(x)", &nsec);
  return nsec;
}

gboolean
gossip_time_from_variant (GVariant *value,
                          gint64   *unix_nsec)
{
  g_autoptr(GVariant) v = NULL;

  if (value == NULL)
    return FALSE;
  v = g_variant_ref (value);
  while (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *inner = g_variant_get_variant (v);
      g_variant_unref (v);
      v = inner;
    }

  if (gossip_time_variant_is (v))
    {
      *unix_nsec = gossip_time_variant_get (v);
      return TRUE;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    {
      *unix_nsec = g_variant_get_int64 (v);
      return TRUE;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64))
    {
      if (g_variant_get_uint64 (v) > G_MAXINT64)
        return FALSE;
      *unix_nsec = (gint64) g_variant_get_uint64 (v);
      return TRUE;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    {
      double d = g_variant_get_double (v);

      /* 2^63 is exactly representable; anything at or above it is not an int64. */
      if (!isfinite (d) || d != floor (d) || d < -9223372036854775808.0 ||
          d >= 9223372036854775808.0)
        return FALSE;
      *unix_nsec = (gint64) d;
      return TRUE;
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return gossip_time_parse_rfc3339_nano (g_variant_get_string (v, NULL), unix_nsec);
  return FALSE;
}

static void
split (gint64   unix_nsec,
       gint64  *sec,
       guint32 *nsec)
{
  gint64 s = unix_nsec / NSEC_PER_SEC;
  gint64 n = unix_nsec % NSEC_PER_SEC;

  if (n < 0)
    {
      n += NSEC_PER_SEC;
      s -= 1;
    }
  *sec = s;
  *nsec = (guint32) n;
}

static void
store_be (guint8  *p,
          guint64  v,
          guint    n)
{
  for (guint i = 0; i < n; i++)
    p[i] = (guint8) (v >> (8 * (n - 1 - i)));
}

static guint64
load_be (const guint8 *p,
         guint         n)
{
  guint64 v = 0;

  for (guint i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

gsize
gossip_time_to_msgpack_ext (gint64 unix_nsec,
                            guint8 body[12])
{
  gint64 sec;
  guint32 nsec;

  split (unix_nsec, &sec, &nsec);
  if (((guint64) sec >> 34) == 0)
    {
      guint64 data = ((guint64) nsec << 34) | (guint64) sec;

      if ((data & G_GUINT64_CONSTANT (0xffffffff00000000)) == 0)
        {
          store_be (body, data, 4);
          return 4;
        }
      store_be (body, data, 8);
      return 8;
    }
  store_be (body, nsec, 4);
  store_be (body + 4, (guint64) sec, 8);
  return 12;
}

gboolean
gossip_time_from_msgpack_ext (const guint8 *body,
                              gsize         len,
                              gint64       *unix_nsec)
{
  gint64 sec;
  guint32 nsec;
  gint64 result;

  switch (len)
    {
    case 4:
      sec = (gint64) load_be (body, 4);
      nsec = 0;
      break;
    case 8:
      {
        guint64 v = load_be (body, 8);

        nsec = (guint32) (v >> 34);
        sec = (gint64) (v & G_GUINT64_CONSTANT (0x3ffffffff));
      }
      break;
    case 12:
      nsec = (guint32) load_be (body, 4);
      sec = (gint64) load_be (body + 4, 8);
      break;
    default:
      return FALSE;
    }

  if (nsec > 999999999 ||
      __builtin_mul_overflow (sec, NSEC_PER_SEC, &result) ||
      __builtin_add_overflow (result, (gint64) nsec, &result))
    return FALSE;
  *unix_nsec = result;
  return TRUE;
}

char *
gossip_time_format_rfc3339_nano (gint64 unix_nsec)
{
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *base = NULL;
  gint64 sec;
  guint32 nsec;
  char frac[16];
  gsize len;

  split (unix_nsec, &sec, &nsec);
  /* int64 nanoseconds span 1677..2262, inside GDateTime's range. */
  dt = g_date_time_new_from_unix_utc (sec);
  if (dt == NULL)
    return NULL;
  base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  if (nsec == 0)
    return g_strconcat (base, "Z", NULL);
  g_snprintf (frac, sizeof frac, ".%09u", nsec);
  len = strlen (frac);
  while (frac[len - 1] == '0')
    frac[--len] = '\0';
  return g_strconcat (base, frac, "Z", NULL);
}

gboolean
gossip_time_parse_rfc3339_nano (const char *text,
                                gint64     *unix_nsec)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) dt = NULL;
  const char *p;
  gint64 nsec = 0;
  gint64 sec;
  gint64 result;

  if (text == NULL)
    return FALSE;
  dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt == NULL)
    return FALSE;
  sec = g_date_time_to_unix (dt);

  /* GDateTime keeps microseconds: read the nine digits Go writes. The
   * fraction follows the seconds, before the zone. */
  p = strchr (text, 'T');
  if (p == NULL)
    p = strchr (text, 't');
  if (p == NULL)
    p = strchr (text, ' ');
  p = p != NULL ? strchr (p, '.') : NULL;
  if (p != NULL)
    {
      guint digits = 0;

      for (p++; g_ascii_isdigit (*p); p++, digits++)
        if (digits < 9)
          nsec = nsec * 10 + (*p - '0');
      for (; digits < 9; digits++)
        nsec *= 10;
    }

  if (__builtin_mul_overflow (sec, NSEC_PER_SEC, &result) ||
      __builtin_add_overflow (result, nsec, &result))
    return FALSE;
  *unix_nsec = result;
  return TRUE;
}
