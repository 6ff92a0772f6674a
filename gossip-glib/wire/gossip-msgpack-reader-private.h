/* gossip-msgpack-reader-private.h: small msgpack readers (and the two
 * writers put_uint, put_str) over bytes, shared
 * by the fast paths (envelope, pings, system messages) that skip the value
 * model. Each accepts only the forms the general path decodes to the same
 * thing; FALSE means "not this form here", never "invalid".
 */
#pragma once

#include <string.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const guint8 *p;
  const guint8 *end;
} Reader;

static inline gboolean
take (Reader  *r,
      gsize    n,
      guint64 *out)
{
  guint64 v = 0;

  if ((gsize) (r->end - r->p) < n)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    v = (v << 8) | r->p[i];
  r->p += n;
  *out = v;
  return TRUE;
}

/* A non-negative integer in any width; FALSE for anything else. */
static inline gboolean
read_uint (Reader  *r,
           guint64 *out)
{
  guint8 tag;

  if (r->p >= r->end)
    return FALSE;
  tag = *r->p++;
  if (tag < 0x80)
    {
      *out = tag;
      return TRUE;
    }
  switch (tag)
    {
    case 0xcc: return take (r, 1, out);
    case 0xcd: return take (r, 2, out);
    case 0xce: return take (r, 4, out);
    case 0xcf: return take (r, 8, out);
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:
      {
        guint64 v;
        gsize n = (gsize) 1 << (tag - 0xd0);

        if (!take (r, n, &v) || (v >> (n * 8 - 1)) != 0)
          return FALSE;   /* negative: the general path reports it */
        *out = v;
        return TRUE;
      }
    default:
      return FALSE;
    }
}

/* A str or bin: its bytes. */
static inline gboolean
read_raw (Reader        *r,
          gboolean       allow_bin,
          const guint8 **data,
          gsize         *len)
{
  guint8 tag;
  guint64 n;

  if (r->p >= r->end)
    return FALSE;
  tag = *r->p++;
  if (tag >= 0xa0 && tag <= 0xbf)
    n = tag & 0x1f;
  else if (tag == 0xd9 || (allow_bin && tag == 0xc4))
    {
      if (!take (r, 1, &n))
        return FALSE;
    }
  else if (tag == 0xda || (allow_bin && tag == 0xc5))
    {
      if (!take (r, 2, &n))
        return FALSE;
    }
  else
    return FALSE;
  if ((guint64) (r->end - r->p) < n)
    return FALSE;
  *data = r->p;
  *len = (gsize) n;
  r->p += n;
  return TRUE;
}

/* Skips a scalar of an unknown key (containers go the general way). */
static inline gboolean
skip_scalar (Reader *r)
{
  const guint8 *data;
  gsize len;
  guint64 v;
  guint8 tag;

  if (r->p >= r->end)
    return FALSE;
  tag = *r->p;
  if (tag < 0x80 || tag >= 0xe0 || tag == 0xc0 || tag == 0xc2 || tag == 0xc3)
    {
      r->p++;
      return TRUE;
    }
  if (tag >= 0xcc && tag <= 0xcf)
    return read_uint (r, &v);
  if (tag >= 0xd0 && tag <= 0xd3)
    {
      r->p++;
      return take (r, (gsize) 1 << (tag - 0xd0), &v);
    }
  if (tag == 0xca || tag == 0xcb)
    {
      r->p++;
      return take (r, tag == 0xca ? 4 : 8, &v);
    }
  return read_raw (r, TRUE, &data, &len);
}

/* Text the general path can hold: valid UTF-8 without NUL. */
static inline gboolean
is_text (const guint8 *data,
         gsize         len)
{
  return g_utf8_validate_len ((const char *) data, len, NULL) && memchr (data, 0, len) == NULL;
}

static inline void
put_uint (GByteArray *out,
          guint64     v)
{
  guint8 b[9];
  guint n;

  if (v < 0x80)
    {
      b[0] = (guint8) v;
      n = 1;
    }
  else if (v <= G_MAXUINT8)
    {
      b[0] = 0xcc;
      b[1] = (guint8) v;
      n = 2;
    }
  else if (v <= G_MAXUINT16)
    {
      b[0] = 0xcd;
      b[1] = (guint8) (v >> 8);
      b[2] = (guint8) v;
      n = 3;
    }
  else if (v <= G_MAXUINT32)
    {
      b[0] = 0xce;
      for (guint i = 0; i < 4; i++)
        b[1 + i] = (guint8) (v >> (24 - 8 * i));
      n = 5;
    }
  else
    {
      b[0] = 0xcf;
      for (guint i = 0; i < 8; i++)
        b[1 + i] = (guint8) (v >> (56 - 8 * i));
      n = 9;
    }
  g_byte_array_append (out, b, n);
}

static inline void
put_str (GByteArray *out,
         const char *str)
{
  gsize len = strlen (str);
  guint8 hdr[3];

  if (len < 32)
    {
      hdr[0] = (guint8) (0xa0 | len);
      g_byte_array_append (out, hdr, 1);
    }
  else if (len <= G_MAXUINT8)
    {
      hdr[0] = 0xd9;
      hdr[1] = (guint8) len;
      g_byte_array_append (out, hdr, 2);
    }
  else
    {
      /* Addresses never get this long; keep to str16 (capped). */
      len = MIN (len, G_MAXUINT16);
      hdr[0] = 0xda;
      hdr[1] = (guint8) (len >> 8);
      hdr[2] = (guint8) len;
      g_byte_array_append (out, hdr, 3);
    }
  g_byte_array_append (out, (const guint8 *) str, (guint) len);
}

G_END_DECLS
