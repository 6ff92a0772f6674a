/* gossip-msgpack-envelope.c: the per-packet envelope and pings without GVariants.
 *
 * Every packet carries a four-field envelope, and most idle traffic is
 * pings and acks; going through the general value model for them cost a
 * third of the pipeline. This reads and writes
 * the forms Go nodes actually produce directly, and leaves everything else
 * (other integer encodings, arrays for si, nil fields, unknown nested
 * values) to the general path, so both paths accept exactly the same input.
 */
#include "config.h"

#include <string.h>

#include "gossip-msgpack-envelope-private.h"
#include "gossip-msgpack-reader-private.h"

void
gossip_msgpack_write_envelope (GByteArray           *out,
                               const GossipEnvelope *envelope)
{
  static const guint8 map_mt[] = { 0x84, 0xa2, 'm', 't' };
  static const guint8 si[] = { 0xa2, 's', 'i', 0xc4, 0x10 };
  static const guint8 mi[] = { 0xa2, 'm', 'i' };
  static const guint8 ttl[] = { 0xa3, 't', 't', 'l' };

  g_byte_array_append (out, map_mt, sizeof map_mt);
  put_uint (out, envelope->type);
  g_byte_array_append (out, si, sizeof si);
  g_byte_array_append (out, envelope->sender.bytes, 16);
  g_byte_array_append (out, mi, sizeof mi);
  put_uint (out, envelope->id);
  g_byte_array_append (out, ttl, sizeof ttl);
  put_uint (out, envelope->ttl);
}

gboolean
gossip_msgpack_read_envelope (const guint8   *data,
                              gsize           size,
                              GossipEnvelope *out)
{
  Reader r = { data, data + size };
  guint64 n_fields, v;
  gboolean have_mt = FALSE, have_si = FALSE, have_mi = FALSE, have_ttl = FALSE;

  if (size == 0)
    return FALSE;
  if (*r.p >= 0x80 && *r.p <= 0x8f)
    n_fields = *r.p++ & 0x0f;
  else
    return FALSE;

  memset (out, 0, sizeof *out);
  for (guint64 i = 0; i < n_fields; i++)
    {
      const guint8 *key;
      gsize key_len;

      /* Keys must be text the general path can hold. */
      if (!read_raw (&r, FALSE, &key, &key_len) ||
          !g_utf8_validate_len ((const char *) key, key_len, NULL) ||
          memchr (key, 0, key_len) != NULL)
        return FALSE;

      /* The general path keeps the first of duplicate keys. */
      if (key_len == 2 && memcmp (key, "mt", 2) == 0 && !have_mt)
        {
          if (!read_uint (&r, &v) || v > G_MAXUINT16)
            return FALSE;
          out->type = (guint16) v;
          have_mt = TRUE;
        }
      else if (key_len == 2 && memcmp (key, "mi", 2) == 0 && !have_mi)
        {
          if (!read_uint (&r, &out->id))
            return FALSE;
          have_mi = TRUE;
        }
      else if (key_len == 3 && memcmp (key, "ttl", 3) == 0 && !have_ttl)
        {
          if (!read_uint (&r, &v) || v > G_MAXUINT8)
            return FALSE;
          out->ttl = (guint8) v;
          have_ttl = TRUE;
        }
      else if (key_len == 2 && memcmp (key, "si", 2) == 0 && !have_si)
        {
          const guint8 *id;
          gsize id_len;

          if (!read_raw (&r, TRUE, &id, &id_len) || id_len != 16)
            return FALSE;
          memcpy (out->sender.bytes, id, 16);
          have_si = TRUE;
        }
      else if (!skip_scalar (&r))
        return FALSE;
    }

  /* Exactly one value, and si present (missing numbers are zero, as in Go). */
  return r.p == r.end && have_si;
}

void
gossip_msgpack_write_ping (GByteArray          *out,
                           const GossipPingMsg *msg,
                           gboolean             indirect)
{
  static const guint8 ti[] = { 0xa2, 't', 'i', 0xc4, 0x10 };
  static const guint8 seq[] = { 0xa3, 's', 'e', 'q' };
  static const guint8 addr[] = { 0xa4, 'a', 'd', 'd', 'r' };
  static const guint8 ok[] = { 0xa2, 'o', 'k' };
  guint8 map = indirect ? 0x84 : 0x83;
  guint8 b;

  g_byte_array_append (out, &map, 1);
  g_byte_array_append (out, ti, sizeof ti);
  g_byte_array_append (out, msg->target.bytes, 16);
  g_byte_array_append (out, seq, sizeof seq);
  put_uint (out, msg->seq);
  g_byte_array_append (out, addr, sizeof addr);
  put_str (out, msg->addr ? msg->addr : "");
  if (indirect)
    {
      g_byte_array_append (out, ok, sizeof ok);
      b = msg->ok ? 0xc3 : 0xc2;
      g_byte_array_append (out, &b, 1);
    }
}

gboolean
gossip_msgpack_read_ping (const guint8  *data,
                          gsize          size,
                          GossipPingMsg *out)
{
  Reader r = { data, data + size };
  guint64 n_fields, v;
  gboolean have_ti = FALSE, have_seq = FALSE, have_addr = FALSE, have_ok = FALSE;
  const guint8 *addr = NULL;
  gsize addr_len = 0;

  memset (out, 0, sizeof *out);
  if (size == 0 || *r.p < 0x80 || *r.p > 0x8f)
    return FALSE;
  n_fields = *r.p++ & 0x0f;

  for (guint64 i = 0; i < n_fields; i++)
    {
      const guint8 *key;
      gsize key_len;

      if (!read_raw (&r, FALSE, &key, &key_len) || !is_text (key, key_len))
        return FALSE;

      if (key_len == 2 && memcmp (key, "ti", 2) == 0 && !have_ti)
        {
          const guint8 *id;
          gsize id_len;

          if (!read_raw (&r, TRUE, &id, &id_len) || id_len != 16)
            return FALSE;
          memcpy (out->target.bytes, id, 16);
          have_ti = TRUE;
        }
      else if (key_len == 3 && memcmp (key, "seq", 3) == 0 && !have_seq)
        {
          if (!read_uint (&r, &v) || v > G_MAXUINT32)
            return FALSE;
          out->seq = (guint32) v;
          have_seq = TRUE;
        }
      else if (key_len == 4 && memcmp (key, "addr", 4) == 0 && !have_addr)
        {
          /* Only str: the general path decodes text-like bin differently. */
          if (r.p >= r.end || !((*r.p >= 0xa0 && *r.p <= 0xbf) || *r.p == 0xd9 || *r.p == 0xda) ||
              !read_raw (&r, FALSE, &addr, &addr_len) || !is_text (addr, addr_len))
            return FALSE;
          have_addr = TRUE;
        }
      else if (key_len == 2 && memcmp (key, "ok", 2) == 0 && !have_ok)
        {
          if (r.p >= r.end || (*r.p != 0xc2 && *r.p != 0xc3))
            return FALSE;
          out->ok = *r.p++ == 0xc3;
          have_ok = TRUE;
        }
      else if (!skip_scalar (&r))
        return FALSE;
    }

  if (r.p != r.end || !have_ti)
    return FALSE;
  out->addr = addr ? g_strndup ((const char *) addr, addr_len) : g_strdup ("");
  return TRUE;
}
