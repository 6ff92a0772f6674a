/* gossip-msgpack-system.c: membership's system messages without the value model.
 *
 * A node that joins gets the whole membership in one push/pull reply, and
 * every sync round brings more lists: at N=1000 in one process, building a
 * GVariant tree per entry (a few hundred bytes of heap per input byte) was
 * most of the work. Like gossip-msgpack-envelope.c, this reads only the
 * forms whose meaning is certain (str keys, str/bin IDs, unsigned integers,
 * str addresses, nil or map metadata, scalar unknown fields) and leaves
 * everything else to the general path, so the two agree whenever this one
 * answers (tests/test-msgpack-system.c checks that on mutated input).
 */
#include "config.h"

#include <string.h>

#include "gossip-codec-private.h"
#include "gossip-msgpack-reader-private.h"
#include "gossip-msgpack-system-private.h"
#include "gossip-msgpack-envelope-private.h"
#include "gossip-codec-fast-private.h"

#define MAX_SKIP_DEPTH 32

static gboolean
skip_n (Reader *r,
        guint64 n)
{
  if ((guint64) (r->end - r->p) < n)
    return FALSE;
  r->p += n;
  return TRUE;
}

/* Any value, only to find where it ends; what it holds is decoded by the
 * codec itself. */
static gboolean
skip_value (Reader *r,
            guint   depth)
{
  guint8 tag;
  guint64 n = 0, len;

  if (depth > MAX_SKIP_DEPTH || r->p >= r->end)
    return FALSE;
  tag = *r->p++;
  if (tag < 0x80 || tag >= 0xe0 || tag == 0xc0 || tag == 0xc2 || tag == 0xc3)
    return TRUE;
  if (tag <= 0x8f)
    n = (guint64) (tag & 0x0f) * 2;
  else if (tag <= 0x9f)
    n = tag & 0x0f;
  else if (tag <= 0xbf)
    return skip_n (r, tag & 0x1f);
  else
    switch (tag)
      {
      case 0xc4: case 0xd9: return take (r, 1, &len) && skip_n (r, len);
      case 0xc5: case 0xda: return take (r, 2, &len) && skip_n (r, len);
      case 0xc6: case 0xdb: return take (r, 4, &len) && skip_n (r, len);
      case 0xc7: return take (r, 1, &len) && skip_n (r, len + 1);
      case 0xc8: return take (r, 2, &len) && skip_n (r, len + 1);
      case 0xc9: return take (r, 4, &len) && skip_n (r, len + 1);
      case 0xca: return skip_n (r, 4);
      case 0xcb: return skip_n (r, 8);
      case 0xcc: case 0xd0: return skip_n (r, 1);
      case 0xcd: case 0xd1: return skip_n (r, 2);
      case 0xce: case 0xd2: return skip_n (r, 4);
      case 0xcf: case 0xd3: return skip_n (r, 8);
      case 0xd4: return skip_n (r, 2);
      case 0xd5: return skip_n (r, 3);
      case 0xd6: return skip_n (r, 5);
      case 0xd7: return skip_n (r, 9);
      case 0xd8: return skip_n (r, 17);
      case 0xdc: if (!take (r, 2, &n)) return FALSE; break;
      case 0xdd: if (!take (r, 4, &n)) return FALSE; break;
      case 0xde: if (!take (r, 2, &n)) return FALSE; n *= 2; break;
      case 0xdf: if (!take (r, 4, &n)) return FALSE; n *= 2; break;
      default: return FALSE;   /* 0xc1 */
      }
  /* Every element takes at least a byte: more than are left cannot be. */
  if (n > (guint64) (r->end - r->p))
    return FALSE;
  for (guint64 i = 0; i < n; i++)
    if (!skip_value (r, depth + 1))
      return FALSE;
  return TRUE;
}

static gboolean
read_map_header (Reader  *r,
                 guint64 *n)
{
  if (r->p >= r->end)
    return FALSE;
  if (*r->p >= 0x80 && *r->p <= 0x8f)
    {
      *n = *r->p++ & 0x0f;
      return TRUE;
    }
  if (*r->p == 0xde)
    {
      r->p++;
      return take (r, 2, n);
    }
  return FALSE;
}

static gboolean
read_key (Reader        *r,
          const guint8 **key,
          gsize         *len)
{
  return read_raw (r, FALSE, key, len) && is_text (*key, *len);
}

#define KEY_IS(k, n, lit) ((n) == sizeof (lit) - 1 && memcmp ((k), (lit), (n)) == 0)

static gboolean
read_id (Reader       *r,
         GossipNodeId *out)
{
  const guint8 *id;
  gsize len;

  /* str or bin of 16 bytes: the general path takes either as the bytes. */
  if (!read_raw (r, TRUE, &id, &len) || len != 16)
    return FALSE;
  memcpy (out->bytes, id, 16);
  return TRUE;
}

/* A str of text (bin decodes to a bytestring, which the general path
 * checks differently), or nil for "". */
static gboolean
read_text (Reader  *r,
           char   **out)
{
  const guint8 *s;
  gsize len;

  if (r->p >= r->end)
    return FALSE;
  if (*r->p == 0xc0)
    {
      r->p++;
      g_free (*out);
      *out = g_strdup ("");
      return TRUE;
    }
  if (!((*r->p >= 0xa0 && *r->p <= 0xbf) || *r->p == 0xd9 || *r->p == 0xda) ||
      !read_raw (r, FALSE, &s, &len) || !is_text (s, len))
    return FALSE;
  g_free (*out);
  *out = g_strndup ((const char *) s, len);
  return TRUE;
}

static gboolean
read_uint_max (Reader  *r,
               guint64  max,
               guint64 *out)
{
  return read_uint (r, out) && *out <= max;
}

static GVariant *
empty_metadata (void)
{
  static GVariant *empty;

  if (g_once_init_enter (&empty))
    g_once_init_leave (&empty, g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)));
  return g_variant_ref (empty);
}

/* nil or a map; the map is decoded from its own bytes by the codec. */
static gboolean
read_metadata (Reader    *r,
               GVariant **out)
{
  const guint8 *start = r->p;
  GVariant *v;

  if (r->p >= r->end)
    return FALSE;
  if (*r->p == 0xc0 || *r->p == 0x80)
    {
      r->p++;
      g_clear_pointer (out, g_variant_unref);
      *out = empty_metadata ();
      return TRUE;
    }
  if (!((*r->p >= 0x81 && *r->p <= 0x8f) || *r->p == 0xde || *r->p == 0xdf) ||
      !skip_value (r, 0))
    return FALSE;
  v = gossip_msgpack_codec_decode_bounded (start, (gsize) (r->p - start), 0, NULL);
  if (v == NULL)
    return FALSE;
  g_variant_ref_sink (v);
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE ("a{sv}")))
    {
      g_variant_unref (v);
      return FALSE;
    }
  g_clear_pointer (out, g_variant_unref);
  *out = v;
  return TRUE;
}

static gboolean
read_bool (Reader   *r,
           gboolean *out)
{
  if (r->p >= r->end)
    return FALSE;
  if (*r->p == 0xc0)
    *out = FALSE;
  else if (*r->p == 0xc2 || *r->p == 0xc3)
    *out = *r->p == 0xc3;
  else
    return FALSE;
  r->p++;
  return TRUE;
}

/* Field bits: the general path keeps the first of duplicate keys. */
enum {
  F_ACC = 1 << 0, F_RR = 1 << 1, F_ID = 1 << 2, F_ADDR = 1 << 3, F_PV = 1 << 4,
  F_AV = 1 << 5, F_MDTS = 1 << 6, F_MD = 1 << 7, F_S = 1 << 8, F_SCT = 1 << 9,
  F_NI = 1 << 10,
};

#define FIRST(bit) ((seen & (bit)) == 0 && (seen |= (bit)))

gboolean
gossip_msgpack_read_join (const guint8  *data,
                          gsize          size,
                          GossipJoinMsg *out)
{
  Reader r = { data, data + size };
  guint64 n, v;
  guint seen = 0;

  memset (out, 0, sizeof *out);
  if (!read_map_header (&r, &n))
    return FALSE;
  for (guint64 i = 0; i < n; i++)
    {
      const guint8 *k;
      gsize kl;
      gboolean ok;

      if (!read_key (&r, &k, &kl))
        goto fail;
      if (KEY_IS (k, kl, "acc") && FIRST (F_ACC))
        ok = read_bool (&r, &out->accepted);
      else if (KEY_IS (k, kl, "rr") && FIRST (F_RR))
        ok = read_text (&r, &out->reason);
      else if (KEY_IS (k, kl, "id") && FIRST (F_ID))
        ok = read_id (&r, &out->id);
      else if (KEY_IS (k, kl, "addr") && FIRST (F_ADDR))
        ok = read_text (&r, &out->addr);
      else if (KEY_IS (k, kl, "pv") && FIRST (F_PV))
        {
          ok = read_uint_max (&r, G_MAXUINT16, &v);
          out->protocol_version = (guint16) v;
        }
      else if (KEY_IS (k, kl, "av") && FIRST (F_AV))
        ok = read_text (&r, &out->app_version);
      else if (KEY_IS (k, kl, "mdts") && FIRST (F_MDTS))
        ok = read_uint (&r, &out->metadata_ts);
      else if (KEY_IS (k, kl, "md") && FIRST (F_MD))
        ok = read_metadata (&r, &out->metadata);
      else
        ok = skip_scalar (&r);
      if (!ok)
        goto fail;
    }
  if (r.p != r.end || !(seen & F_ID))
    goto fail;
  if (out->reason == NULL)
    out->reason = g_strdup ("");
  if (out->addr == NULL)
    out->addr = g_strdup ("");
  if (out->app_version == NULL)
    out->app_version = g_strdup ("");
  if (out->metadata == NULL)
    out->metadata = empty_metadata ();
  return TRUE;

fail:
  gossip_join_msg_clear (out);
  return FALSE;
}

static gboolean
read_entry (Reader             *r,
            GossipNodeStateMsg *out)
{
  guint64 n, v;
  guint seen = 0;

  memset (out, 0, sizeof *out);
  if (!read_map_header (r, &n))
    return FALSE;
  for (guint64 i = 0; i < n; i++)
    {
      const guint8 *k;
      gsize kl;
      gboolean ok;

      if (!read_key (r, &k, &kl))
        goto fail;
      if (KEY_IS (k, kl, "id") && FIRST (F_ID))
        ok = read_id (r, &out->id);
      else if (KEY_IS (k, kl, "addr") && FIRST (F_ADDR))
        ok = read_text (r, &out->addr);
      else if (KEY_IS (k, kl, "s") && FIRST (F_S))
        {
          ok = read_uint_max (r, G_MAXUINT8, &v);
          out->state = (guint8) v;
        }
      else if (KEY_IS (k, kl, "sct") && FIRST (F_SCT))
        ok = read_uint (r, &out->state_ts);
      else if (KEY_IS (k, kl, "mdts") && FIRST (F_MDTS))
        ok = read_uint (r, &out->metadata_ts);
      else if (KEY_IS (k, kl, "md") && FIRST (F_MD))
        ok = read_metadata (r, &out->metadata);
      else
        ok = skip_scalar (r);
      if (!ok)
        goto fail;
    }
  if (!(seen & F_ID))
    goto fail;
  if (out->addr == NULL)
    out->addr = g_strdup ("");
  if (out->metadata == NULL)
    out->metadata = empty_metadata ();
  return TRUE;

fail:
  gossip_node_state_msg_clear (out);
  return FALSE;
}

gboolean
gossip_msgpack_read_state_list (const guint8  *data,
                                gsize          size,
                                guint          max_entries,
                                GArray       **out)
{
  Reader r = { data, data + size };
  g_autoptr(GArray) list = NULL;
  guint64 n;

  *out = NULL;
  if (size == 0)
    return FALSE;
  if (*r.p >= 0x90 && *r.p <= 0x9f)
    n = *r.p++ & 0x0f;
  else if (*r.p == 0xdc)
    {
      r.p++;
      if (!take (&r, 2, &n))
        return FALSE;
    }
  else if (*r.p == 0xdd)
    {
      r.p++;
      if (!take (&r, 4, &n))
        return FALSE;
    }
  else if (*r.p == 0xc0)
    {
      r.p++;
      n = 0;
    }
  else
    return FALSE;
  /* The general path reads only the first @max_entries; it is left to
   * decide about the rest. */
  if (n > max_entries || n > (guint64) (r.end - r.p))
    return FALSE;

  list = g_array_sized_new (FALSE, TRUE, sizeof (GossipNodeStateMsg), (guint) n);
  g_array_set_clear_func (list, (GDestroyNotify) gossip_node_state_msg_clear);
  for (guint64 i = 0; i < n; i++)
    {
      GossipNodeStateMsg entry;

      if (!read_entry (&r, &entry))
        return FALSE;
      g_array_append_val (list, entry);
    }
  if (r.p != r.end)
    return FALSE;
  *out = g_steal_pointer (&list);
  return TRUE;
}

gboolean
gossip_msgpack_read_node_msg (const guint8  *data,
                              gsize          size,
                              GossipNodeMsg *out)
{
  Reader r = { data, data + size };
  guint64 n;
  guint seen = 0;

  memset (out, 0, sizeof *out);
  if (!read_map_header (&r, &n))
    return FALSE;
  for (guint64 i = 0; i < n; i++)
    {
      const guint8 *k;
      gsize kl;
      gboolean ok;

      if (!read_key (&r, &k, &kl))
        goto fail;
      if (KEY_IS (k, kl, "ni") && FIRST (F_NI))
        ok = read_id (&r, &out->node);
      else if (KEY_IS (k, kl, "addr") && FIRST (F_ADDR))
        ok = read_text (&r, &out->addr);
      else
        ok = skip_scalar (&r);
      if (!ok)
        goto fail;
    }
  if (r.p != r.end || !(seen & F_NI))
    goto fail;
  if (out->addr == NULL)
    out->addr = g_strdup ("");
  return TRUE;

fail:
  gossip_node_msg_clear (out);
  return FALSE;
}

gboolean
gossip_msgpack_read_metadata_msg (const guint8      *data,
                                  gsize              size,
                                  GossipMetadataMsg *out)
{
  Reader r = { data, data + size };
  guint64 n;
  guint seen = 0;

  memset (out, 0, sizeof *out);
  if (!read_map_header (&r, &n))
    return FALSE;
  for (guint64 i = 0; i < n; i++)
    {
      const guint8 *k;
      gsize kl;
      gboolean ok;

      if (!read_key (&r, &k, &kl))
        goto fail;
      if (KEY_IS (k, kl, "mdts") && FIRST (F_MDTS))
        ok = read_uint (&r, &out->metadata_ts);
      else if (KEY_IS (k, kl, "md") && FIRST (F_MD))
        ok = read_metadata (&r, &out->metadata);
      else
        ok = skip_scalar (&r);
      if (!ok)
        goto fail;
    }
  if (r.p != r.end)
    goto fail;
  if (out->metadata == NULL)
    out->metadata = empty_metadata ();
  return TRUE;

fail:
  gossip_metadata_msg_clear (out);
  return FALSE;
}

static void
write_array_header (GByteArray *out,
                    guint       n)
{
  guint8 b[5];

  if (n < 16)
    {
      b[0] = (guint8) (0x90 | n);
      g_byte_array_append (out, b, 1);
    }
  else if (n <= G_MAXUINT16)
    {
      b[0] = 0xdc;
      b[1] = (guint8) (n >> 8);
      b[2] = (guint8) n;
      g_byte_array_append (out, b, 3);
    }
  else
    {
      b[0] = 0xdd;
      for (guint i = 0; i < 4; i++)
        b[1 + i] = (guint8) (n >> (24 - 8 * i));
      g_byte_array_append (out, b, 5);
    }
}

void
gossip_msgpack_write_state_entry (GByteArray               *out,
                                  const GossipNodeStateMsg *msg,
                                  GBytes                   *metadata)
{
  static const guint8 map6_id[] = { 0x86, 0xa2, 'i', 'd', 0xc4, 0x10 };
  static const guint8 empty_map = 0x80;

  /* Field order and integer forms of gossip_node_state_msg_build() through
   * the codec (smallest unsigned forms, as shamaton). */
  g_byte_array_append (out, map6_id, sizeof map6_id);
  g_byte_array_append (out, msg->id.bytes, 16);
  put_str (out, "addr");
  put_str (out, msg->addr ? msg->addr : "");
  put_str (out, "s");
  put_uint (out, msg->state);
  put_str (out, "sct");
  put_uint (out, msg->state_ts);
  put_str (out, "mdts");
  put_uint (out, msg->metadata_ts);
  put_str (out, "md");
  if (metadata == NULL)
    g_byte_array_append (out, &empty_map, 1);
  else
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (metadata, &size);

      g_byte_array_append (out, data, (guint) size);
    }
}

const GossipCodecFastPath gossip_msgpack_fast_path = {
  .write_envelope = gossip_msgpack_write_envelope,
  .read_envelope = gossip_msgpack_read_envelope,
  .write_ping = gossip_msgpack_write_ping,
  .read_ping = gossip_msgpack_read_ping,
  .read_join = gossip_msgpack_read_join,
  .read_state_list = gossip_msgpack_read_state_list,
  .read_node_msg = gossip_msgpack_read_node_msg,
  .read_metadata_msg = gossip_msgpack_read_metadata_msg,
  .write_array_header = write_array_header,
  .write_state_entry = gossip_msgpack_write_state_entry,
};
