/* gossip-messages.c: system message payloads to and from the value model.
 *
 * Builders emit fields in Go's struct declaration order so that the msgpack
 * and JSON bytes equal what Go v0.6.0 emits; parsers look fields up by name
 * and accept every encoding a Go peer may choose.
 */
#include "config.h"

#include <string.h>

#include "gossip-messages-private.h"
#include "gossip-variant-private.h"

/* Without a format string: these builders are on the per-packet path. */
#define add(b, key, value) \
  g_variant_builder_add_value (b, g_variant_new_dict_entry (g_variant_new_string (key), \
                                                            g_variant_new_variant (value)))

static GVariant *
metadata_or_empty (GVariant *md)
{
  if (md != NULL)
    return md;
  return g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0);
}

GVariant *
gossip_ping_msg_build (const GossipPingMsg *msg,
                       gboolean             indirect)
{
  return gossip_ping_msg_build_full (msg, indirect, FALSE);
}

GVariant *
gossip_ping_msg_build_full (const GossipPingMsg *msg,
                            gboolean             indirect,
                            gboolean             omit_empty_addr)
{
  GVariantBuilder b;
  const char *addr = msg->addr ? msg->addr : "";

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  add (&b, "ti", gossip_node_id_to_variant (&msg->target));
  add (&b, "seq", g_variant_new_uint32 (msg->seq));
  if (addr[0] != '\0' || !omit_empty_addr)
    add (&b, "addr", g_variant_new_string (addr));
  if (indirect)
    add (&b, "ok", g_variant_new_boolean (msg->ok));
  return g_variant_builder_end (&b);
}

gboolean
gossip_ping_msg_parse (GVariant      *v,
                       GossipPingMsg *out)
{
  guint64 seq;

  memset (out, 0, sizeof *out);
  if (!gossip_variant_lookup_node_id (v, "ti", &out->target) ||
      !gossip_variant_lookup_uint (v, "seq", G_MAXUINT32, &seq) ||
      !gossip_variant_lookup_bool (v, "ok", &out->ok) ||
      !gossip_variant_lookup_string (v, "addr", &out->addr))
    {
      gossip_ping_msg_clear (out);
      return FALSE;
    }
  out->seq = (guint32) seq;
  return TRUE;
}

void
gossip_ping_msg_clear (GossipPingMsg *msg)
{
  g_clear_pointer (&msg->addr, g_free);
}

GVariant *
gossip_join_msg_build (const GossipJoinMsg *msg,
                       gboolean             reply)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  if (reply)
    {
      add (&b, "acc", g_variant_new_boolean (msg->accepted));
      add (&b, "rr", g_variant_new_string (msg->reason ? msg->reason : ""));
    }
  add (&b, "id", gossip_node_id_to_variant (&msg->id));
  add (&b, "addr", g_variant_new_string (msg->addr ? msg->addr : ""));
  add (&b, "pv", g_variant_new_uint16 (msg->protocol_version));
  add (&b, "av", g_variant_new_string (msg->app_version ? msg->app_version : ""));
  add (&b, "mdts", g_variant_new_uint64 (msg->metadata_ts));
  add (&b, "md", metadata_or_empty (msg->metadata));
  return g_variant_builder_end (&b);
}

gboolean
gossip_join_msg_parse (GVariant      *v,
                       GossipJoinMsg *out)
{
  guint64 pv;

  memset (out, 0, sizeof *out);
  if (!gossip_variant_lookup_bool (v, "acc", &out->accepted) ||
      !gossip_variant_lookup_string (v, "rr", &out->reason) ||
      !gossip_variant_lookup_node_id (v, "id", &out->id) ||
      !gossip_variant_lookup_string (v, "addr", &out->addr) ||
      !gossip_variant_lookup_uint (v, "pv", G_MAXUINT16, &pv) ||
      !gossip_variant_lookup_string (v, "av", &out->app_version) ||
      !gossip_variant_lookup_uint (v, "mdts", G_MAXUINT64, &out->metadata_ts) ||
      !gossip_variant_lookup_dict (v, "md", &out->metadata))
    {
      gossip_join_msg_clear (out);
      return FALSE;
    }
  out->protocol_version = (guint16) pv;
  return TRUE;
}

void
gossip_join_msg_clear (GossipJoinMsg *msg)
{
  g_clear_pointer (&msg->reason, g_free);
  g_clear_pointer (&msg->addr, g_free);
  g_clear_pointer (&msg->app_version, g_free);
  g_clear_pointer (&msg->metadata, g_variant_unref);
}

GVariant *
gossip_node_state_msg_build (const GossipNodeStateMsg *msg)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  add (&b, "id", gossip_node_id_to_variant (&msg->id));
  add (&b, "addr", g_variant_new_string (msg->addr ? msg->addr : ""));
  add (&b, "s", g_variant_new_byte (msg->state));
  add (&b, "sct", g_variant_new_uint64 (msg->state_ts));
  add (&b, "mdts", g_variant_new_uint64 (msg->metadata_ts));
  add (&b, "md", metadata_or_empty (msg->metadata));
  return g_variant_builder_end (&b);
}

static gboolean
node_state_msg_parse (GVariant           *v,
                      GossipNodeStateMsg *out)
{
  guint64 s;

  memset (out, 0, sizeof *out);
  if (!g_variant_is_of_type (v, G_VARIANT_TYPE ("a{sv}")) ||
      !gossip_variant_lookup_node_id (v, "id", &out->id) ||
      !gossip_variant_lookup_string (v, "addr", &out->addr) ||
      !gossip_variant_lookup_uint (v, "s", G_MAXUINT8, &s) ||
      !gossip_variant_lookup_uint (v, "sct", G_MAXUINT64, &out->state_ts) ||
      !gossip_variant_lookup_uint (v, "mdts", G_MAXUINT64, &out->metadata_ts) ||
      !gossip_variant_lookup_dict (v, "md", &out->metadata))
    {
      gossip_node_state_msg_clear (out);
      return FALSE;
    }
  out->state = (guint8) s;
  return TRUE;
}

GArray *
gossip_node_state_list_parse (GVariant *v,
                              guint     max_entries)
{
  g_autoptr(GVariant) list = NULL;
  GArray *out;
  gsize n;

  out = g_array_new (FALSE, TRUE, sizeof (GossipNodeStateMsg));
  g_array_set_clear_func (out, (GDestroyNotify) gossip_node_state_msg_clear);
  if (v == NULL || gossip_variant_is_nil (v))
    return out;

  list = gossip_variant_unbox (v);
  if (!g_variant_is_of_type (list, G_VARIANT_TYPE_ARRAY) ||
      g_variant_is_of_type (list, G_VARIANT_TYPE ("a{?*}")))
    {
      g_array_unref (out);
      return NULL;
    }

  n = MIN (g_variant_n_children (list), max_entries);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) child = g_variant_get_child_value (list, i);
      g_autoptr(GVariant) item = gossip_variant_unbox (child);
      GossipNodeStateMsg msg;

      if (!node_state_msg_parse (item, &msg))
        {
          g_array_unref (out);
          return NULL;
        }
      g_array_append_val (out, msg);
    }
  return out;
}

void
gossip_node_state_msg_clear (GossipNodeStateMsg *msg)
{
  g_clear_pointer (&msg->addr, g_free);
  g_clear_pointer (&msg->metadata, g_variant_unref);
}

GVariant *
gossip_node_msg_build (const GossipNodeMsg *msg,
                       gboolean             with_addr)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  add (&b, "ni", gossip_node_id_to_variant (&msg->node));
  if (with_addr)
    add (&b, "addr", g_variant_new_string (msg->addr ? msg->addr : ""));
  return g_variant_builder_end (&b);
}

gboolean
gossip_node_msg_parse (GVariant      *v,
                       GossipNodeMsg *out)
{
  memset (out, 0, sizeof *out);
  if (!gossip_variant_lookup_node_id (v, "ni", &out->node) ||
      !gossip_variant_lookup_string (v, "addr", &out->addr))
    {
      gossip_node_msg_clear (out);
      return FALSE;
    }
  return TRUE;
}

void
gossip_node_msg_clear (GossipNodeMsg *msg)
{
  g_clear_pointer (&msg->addr, g_free);
}

GVariant *
gossip_metadata_msg_build (const GossipMetadataMsg *msg)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  add (&b, "mdts", g_variant_new_uint64 (msg->metadata_ts));
  add (&b, "md", metadata_or_empty (msg->metadata));
  return g_variant_builder_end (&b);
}

gboolean
gossip_metadata_msg_parse (GVariant          *v,
                           GossipMetadataMsg *out)
{
  memset (out, 0, sizeof *out);
  if (!gossip_variant_lookup_uint (v, "mdts", G_MAXUINT64, &out->metadata_ts) ||
      !gossip_variant_lookup_dict (v, "md", &out->metadata))
    {
      gossip_metadata_msg_clear (out);
      return FALSE;
    }
  return TRUE;
}

void
gossip_metadata_msg_clear (GossipMetadataMsg *msg)
{
  g_clear_pointer (&msg->metadata, g_variant_unref);
}
