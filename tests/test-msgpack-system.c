/* test-msgpack-system.c: the msgpack fast path for system messages
 * (wire/gossip-msgpack-system.c) against the general path (msgpack codec ->
 * GVariant -> gossip-messages.c parsers), on valid and mutated input.
 *
 * Contract: on valid messages the fast path answers; whenever it answers
 * (valid or mutated input), the general path succeeds too and yields the
 * same struct. When it declines, the general path alone decides.
 */
#include "config.h"

#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "gossip-codec-private.h"
#include "gossip-msgpack-codec.h"
#include "gossip-msgpack-system-private.h"

typedef enum { JOIN, JOIN_REPLY, LIST, NODE, NODE_ADDR, METADATA, N_KINDS } Kind;

static GVariant *
sample_metadata (guint i)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{sv}"));
  if (i % 3 == 0)
    return g_variant_builder_end (&b);
  g_variant_builder_add (&b, "{sv}", "zone", g_variant_new_string ("eu-west"));
  g_variant_builder_add (&b, "{sv}", "n", g_variant_new_int64 ((gint64) i * 1000));
  if (i % 3 == 2)
    g_variant_builder_add (&b, "{sv}", "tags", g_variant_new_strv ((const char *[]) { "a", "b" }, 2));
  return g_variant_builder_end (&b);
}

static void
sample_id (GossipNodeId *id,
           guint         i)
{
  for (guint k = 0; k < 16; k++)
    id->bytes[k] = (guint8) (i * 31 + k * 7);
}

static GVariant *
build (Kind  kind,
       guint i)
{
  g_autoptr(GVariant) md = g_variant_ref_sink (sample_metadata (i));
  char addr[64];

  g_snprintf (addr, sizeof addr, "127.0.0.1:%u", 10000 + i);
  switch (kind)
    {
    case JOIN:
    case JOIN_REPLY:
      {
        GossipJoinMsg m = { .accepted = i % 2, .reason = (char *) (i % 2 ? "" : "no"), .addr = addr,
                            .protocol_version = 1, .app_version = (char *) "1.2.3",
                            .metadata_ts = 123456789ull * i, .metadata = md };
        sample_id (&m.id, i);
        return gossip_join_msg_build (&m, kind == JOIN_REPLY);
      }
    case LIST:
      {
        GVariantBuilder b;

        g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
        for (guint k = 0; k < 1 + i % 20; k++)
          {
            g_autoptr(GVariant) emd = g_variant_ref_sink (sample_metadata (k));
            GossipNodeStateMsg e = { .addr = addr, .state = k % 4, .state_ts = 0x0070000012345400ull + k,
                                     .metadata_ts = k, .metadata = emd };
            sample_id (&e.id, k);
            g_variant_builder_add_value (&b, gossip_node_state_msg_build (&e));
          }
        return g_variant_builder_end (&b);
      }
    case NODE:
    case NODE_ADDR:
      {
        GossipNodeMsg m = { .addr = addr };
        sample_id (&m.node, i);
        return gossip_node_msg_build (&m, kind == NODE_ADDR);
      }
    case METADATA:
      {
        GossipMetadataMsg m = { .metadata_ts = i, .metadata = md };
        return gossip_metadata_msg_build (&m);
      }
    default:
      g_assert_not_reached ();
    }
}

static gboolean
md_equal (GVariant *a,
          GVariant *b)
{
  return a != NULL && b != NULL && g_variant_equal (a, b);
}

/* Runs both paths; returns whether the fast path answered. */
static gboolean
check_both (Kind          kind,
            const guint8 *data,
            gsize         size)
{
  g_autoptr(GVariant) v = gossip_msgpack_codec_decode_bounded (data, size, 65536, NULL);
  gboolean fast_ok = FALSE, general_ok = FALSE;

  if (v != NULL)
    g_variant_ref_sink (v);

  switch (kind)
    {
    case JOIN:
    case JOIN_REPLY:
      {
        GossipJoinMsg f, g;

        fast_ok = gossip_msgpack_read_join (data, size, &f);
        general_ok = v != NULL && gossip_join_msg_parse (v, &g);
        if (fast_ok)
          {
            g_assert_true (general_ok);
            g_assert_cmpint (f.accepted, ==, g.accepted);
            g_assert_cmpstr (f.reason, ==, g.reason);
            g_assert_true (gossip_node_id_equal (&f.id, &g.id));
            g_assert_cmpstr (f.addr, ==, g.addr);
            g_assert_cmpuint (f.protocol_version, ==, g.protocol_version);
            g_assert_cmpstr (f.app_version, ==, g.app_version);
            g_assert_cmpuint (f.metadata_ts, ==, g.metadata_ts);
            g_assert_true (md_equal (f.metadata, g.metadata));
            gossip_join_msg_clear (&f);
          }
        if (general_ok)
          gossip_join_msg_clear (&g);
        break;
      }
    case LIST:
      {
        g_autoptr(GArray) f = NULL;
        g_autoptr(GArray) g = NULL;

        fast_ok = gossip_msgpack_read_state_list (data, size, 65536, &f);
        g = v != NULL ? gossip_node_state_list_parse (v, 65536) : NULL;
        general_ok = g != NULL;
        if (fast_ok)
          {
            g_assert_nonnull (f);
            g_assert_true (general_ok);
            g_assert_cmpuint (f->len, ==, g->len);
            for (guint k = 0; k < f->len; k++)
              {
                GossipNodeStateMsg *a = &g_array_index (f, GossipNodeStateMsg, k);
                GossipNodeStateMsg *b = &g_array_index (g, GossipNodeStateMsg, k);

                g_assert_true (gossip_node_id_equal (&a->id, &b->id));
                g_assert_cmpstr (a->addr, ==, b->addr);
                g_assert_cmpuint (a->state, ==, b->state);
                g_assert_cmpuint (a->state_ts, ==, b->state_ts);
                g_assert_cmpuint (a->metadata_ts, ==, b->metadata_ts);
                g_assert_true (md_equal (a->metadata, b->metadata));
              }
          }
        else
          g_assert_null (f);
        break;
      }
    case NODE:
    case NODE_ADDR:
      {
        GossipNodeMsg f, g;

        fast_ok = gossip_msgpack_read_node_msg (data, size, &f);
        general_ok = v != NULL && gossip_node_msg_parse (v, &g);
        if (fast_ok)
          {
            g_assert_true (general_ok);
            g_assert_true (gossip_node_id_equal (&f.node, &g.node));
            g_assert_cmpstr (f.addr, ==, g.addr);
            gossip_node_msg_clear (&f);
          }
        if (general_ok)
          gossip_node_msg_clear (&g);
        break;
      }
    case METADATA:
      {
        GossipMetadataMsg f, g;

        fast_ok = gossip_msgpack_read_metadata_msg (data, size, &f);
        general_ok = v != NULL && gossip_metadata_msg_parse (v, &g);
        if (fast_ok)
          {
            g_assert_true (general_ok);
            g_assert_cmpuint (f.metadata_ts, ==, g.metadata_ts);
            g_assert_true (md_equal (f.metadata, g.metadata));
            gossip_metadata_msg_clear (&f);
          }
        if (general_ok)
          gossip_metadata_msg_clear (&g);
        break;
      }
    default:
      g_assert_not_reached ();
    }
  return fast_ok;
}

static GBytes *
encode (Kind  kind,
        guint i)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  g_autoptr(GVariant) v = g_variant_ref_sink (build (kind, i));
  g_autoptr(GError) error = NULL;
  GBytes *bytes = gossip_codec_encode (codec, v, &error);

  g_assert_no_error (error);
  return bytes;
}

static void
test_valid (void)
{
  static const guint8 nil_list[] = { 0xc0 };
  static const guint8 empty_list[] = { 0x90 };

  for (Kind kind = 0; kind < N_KINDS; kind++)
    for (guint i = 0; i < 30; i++)
      {
        g_autoptr(GBytes) bytes = encode (kind, i);
        gsize size;
        const guint8 *data = g_bytes_get_data (bytes, &size);

        /* What our own builders (and so shamaton's field order) emit is
         * always taken by the fast path. */
        g_assert_true (check_both (kind, data, size));
      }
  g_assert_true (check_both (LIST, nil_list, sizeof nil_list));
  g_assert_true (check_both (LIST, empty_list, sizeof empty_list));
}

/* Tags that change a value's type in place. */
static const guint8 tags[] = {
  0xc0, 0xc2, 0xc3, 0xc4, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd9, 0xda,
  0xdc, 0xde, 0x80, 0x81, 0x90, 0x91, 0xa0, 0xa2, 0xb0, 0x7f, 0xff, 0xc1,
  0xc7, 0xd4, 0xd6, 0xca, 0xcb,
};

static void
mutate (GRand      *rand,
        GByteArray *buf)
{
  guint n_mut = g_rand_int_range (rand, 1, 4);

  for (guint m = 0; m < n_mut && buf->len > 0; m++)
    {
      guint pos = g_rand_int_range (rand, 0, buf->len);

      switch (g_rand_int_range (rand, 0, 5))
        {
        case 0:   /* bit flip */
          buf->data[pos] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8));
          break;
        case 1:   /* truncation */
          g_byte_array_set_size (buf, pos);
          break;
        case 2:   /* wrong type tag */
          buf->data[pos] = tags[g_rand_int_range (rand, 0, G_N_ELEMENTS (tags))];
          break;
        case 3:   /* inserted byte */
          {
            guint8 b = (guint8) g_rand_int_range (rand, 0, 256);
            g_array_insert_vals ((GArray *) buf, pos, &b, 1);
          }
          break;
        default:  /* random byte */
          buf->data[pos] = (guint8) g_rand_int_range (rand, 0, 256);
          break;
        }
    }
}

static void
test_mutated (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x5ca1e);
  guint answered = 0, total = 0;

  for (Kind kind = 0; kind < N_KINDS; kind++)
    for (guint i = 0; i < 12; i++)
      {
        g_autoptr(GBytes) bytes = encode (kind, i);

        for (guint round = 0; round < 600; round++)
          {
            gsize size;
            const guint8 *data = g_bytes_get_data (bytes, &size);
            g_autoptr(GByteArray) buf = g_byte_array_sized_new (size + 4);

            g_byte_array_append (buf, data, size);
            mutate (rand, buf);
            answered += check_both (kind, buf->data, buf->len);
            total++;
          }
      }
  g_test_message ("fast path answered %u of %u mutated inputs", answered, total);
  /* The mutations leave many inputs valid (a flipped bit in an address):
   * the fast path must still take a good share of them. */
  g_assert_cmpuint (answered, >, total / 20);
}

/* The list writer emits exactly the general path's bytes. */
static void
test_write_entry (void)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  static const guint64 numbers[] = { 0, 1, 127, 128, 255, 256, 65535, 65536, G_MAXUINT32,
                                     (guint64) G_MAXUINT32 + 1, 0x0070000012345400ull, G_MAXUINT64 };
  static const guint addr_lens[] = { 0, 1, 14, 31, 32, 255, 256, 1000 };

  for (guint i = 0; i < 96; i++)
    {
      g_autoptr(GVariant) md = g_variant_ref_sink (sample_metadata (i));
      g_autoptr(GVariant) entry = NULL;
      g_autoptr(GBytes) expected = NULL;
      g_autoptr(GBytes) md_bytes = NULL;
      g_autoptr(GByteArray) got = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *addr = g_strnfill (addr_lens[i % G_N_ELEMENTS (addr_lens)], 'a' + i % 26);
      GossipNodeStateMsg e = { .addr = addr, .state = (guint8) (i % 5 == 4 ? 200 : i % 5),
                               .state_ts = numbers[i % G_N_ELEMENTS (numbers)],
                               .metadata_ts = numbers[(i * 7) % G_N_ELEMENTS (numbers)],
                               .metadata = md };

      sample_id (&e.id, i);
      entry = g_variant_ref_sink (gossip_node_state_msg_build (&e));
      expected = gossip_codec_encode (codec, entry, &error);
      g_assert_no_error (error);
      if (g_variant_n_children (md) > 0)
        {
          md_bytes = gossip_codec_encode (codec, md, &error);
          g_assert_no_error (error);
        }
      gossip_msgpack_write_state_entry (got, &e, md_bytes);
      g_assert_cmpmem (got->data, got->len, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
    }
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
static gsize
heap_in_use (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return mi.uordblks + mi.hblkhd;
}
#endif

/* Heap held by one decode of a 1000-node push/pull list: the value tree of
 * the general path (before its parse), and the fast path's structs. */
static void
test_heap (void)
{
#if defined(__SANITIZE_ADDRESS__)
  /* ASan's allocator does not report through mallinfo2(). */
  g_test_skip ("mallinfo2() reports nothing under AddressSanitizer");
#elif defined(__GLIBC__)
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  GVariantBuilder b;
  g_autoptr(GVariant) list = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize size, before, tree, parsed, fast;
  GVariant *v;
  GArray *a;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint k = 0; k < 1000; k++)
    {
      char addr[32];
      GossipNodeStateMsg e = { .addr = addr, .state = 1, .state_ts = 0x0070000012345400ull + k,
                               .metadata_ts = 0, .metadata = NULL };

      g_snprintf (addr, sizeof addr, "127.0.0.1:%u", 20000 + k);
      sample_id (&e.id, k);
      g_variant_builder_add_value (&b, gossip_node_state_msg_build (&e));
    }
  list = g_variant_ref_sink (g_variant_builder_end (&b));
  bytes = gossip_codec_encode (codec, list, &error);
  g_assert_no_error (error);
  data = g_bytes_get_data (bytes, &size);

  before = heap_in_use ();
  v = g_variant_ref_sink (gossip_msgpack_codec_decode_bounded (data, size, 0, &error));
  g_assert_no_error (error);
  tree = heap_in_use () - before;
  a = gossip_node_state_list_parse (v, 65536);
  parsed = heap_in_use () - before;
  g_assert_cmpuint (a->len, ==, 1000);
  g_array_unref (a);
  g_variant_unref (v);

  before = heap_in_use ();
  g_assert_true (gossip_msgpack_read_state_list (data, size, 65536, &a));
  fast = heap_in_use () - before;
  g_array_unref (a);

  g_test_message ("1000-entry list, %" G_GSIZE_FORMAT " bytes: general path %" G_GSIZE_FORMAT
                  " bytes of heap (%.0f per input byte; %" G_GSIZE_FORMAT " with the parsed structs), "
                  "fast path %" G_GSIZE_FORMAT " (%.1f per input byte)",
                  size, tree, (double) tree / size, parsed, fast, (double) fast / size);
  g_assert_cmpuint (fast * 4, <, tree);
#else
  g_test_skip ("needs glibc's mallinfo2()");
#endif
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/msgpack-system/valid", test_valid);
  g_test_add_func ("/msgpack-system/mutated", test_mutated);
  g_test_add_func ("/msgpack-system/heap", test_heap);
  g_test_add_func ("/msgpack-system/write-entry", test_write_entry);
  return g_test_run ();
}
