/* fuzz-metadata.c: fuzz target for the metadata a remote node sends. The
 * input is decoded with the msgpack codec and applied to a read-only
 * GossipMetadata, both as the whole map and as the "md" of a metadata
 * update message; then every typed getter runs on every key, as an
 * application reading a peer's metadata would.
 */
#include "config.h"

#include "fuzz-common.h"

static void
read_every_key (GossipMetadata *meta)
{
  g_auto(GStrv) keys = gossip_metadata_get_keys (meta);
  g_autoptr(GVariant) all = gossip_metadata_to_variant (meta);

  g_assert_nonnull (keys);
  g_assert_nonnull (all);
  g_assert_cmpuint (g_strv_length (keys), ==, gossip_metadata_get_size (meta));

  for (guint i = 0; keys[i] != NULL; i++)
    {
      const char *key = keys[i];
      g_autoptr(GVariant) value = gossip_metadata_get_value (meta, key);
      g_autofree char *str = gossip_metadata_get_string (meta, key);
      g_autoptr(GDateTime) when = gossip_metadata_get_date_time (meta, key);
      volatile double d;
      volatile gint64 x;

      g_assert_true (gossip_metadata_contains (meta, key));
      g_assert_nonnull (value);
      (void) gossip_metadata_get_boolean (meta, key);
      x = gossip_metadata_get_int32 (meta, key);
      x = gossip_metadata_get_int64 (meta, key);
      x = (gint64) gossip_metadata_get_uint32 (meta, key);
      x = (gint64) gossip_metadata_get_uint64 (meta, key);
      d = gossip_metadata_get_double (meta, key);
      (void) x;
      (void) d;
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        g_assert_cmpstr (str, ==, g_variant_get_string (value, NULL));
      if (when != NULL)
        x = g_date_time_to_unix (when);
    }

  g_assert_false (gossip_metadata_contains (meta, "\x01no such key"));
  g_assert_null (gossip_metadata_get_string (meta, "\x01no such key"));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static GossipCodec *codec = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GossipMetadata) meta = NULL;
  GossipMetadataMsg msg = { 0, };

  if (codec == NULL)
    {
      fuzz_init ();
      codec = gossip_msgpack_codec_new ();
    }

  value = gossip_codec_decode_data (codec, data, size, NULL);
  if (value == NULL)
    return 0;

  meta = gossip_metadata_new_read_only ();
  g_assert_true (gossip_metadata_is_read_only (meta));
  if (gossip_metadata_apply (meta, value, 1, FALSE))
    g_assert_cmpuint (gossip_metadata_get_timestamp (meta), ==, 1);
  read_every_key (meta);

  if (gossip_metadata_msg_parse (value, &msg))
    {
      gossip_metadata_apply (meta, msg.metadata, msg.metadata_ts, TRUE);
      read_every_key (meta);
      gossip_metadata_msg_clear (&msg);
    }
  return 0;
}
