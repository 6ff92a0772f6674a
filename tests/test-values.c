/* test-values.c: node IDs, the HLC clock and GossipMetadata. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "test-utils.h"
#include "gossip-node-id-private.h"
#include "gossip-hlc-private.h"
#include "gossip-metadata-private.h"
#include "gossip-time-private.h"

/* The setters refuse NaN and infinities; a Go node can still send them
 * (msgpack float64), so the getters are tested with values applied as they
 * arrive from the wire. */
static void
set_double_any (GossipMetadata *md, const char *key, double d)
{
  GVariantBuilder b;

  if (isfinite (d))
    {
      gossip_metadata_set_double (md, key, d);
      return;
    }
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", key, g_variant_new_double (d));
  g_assert_true (gossip_metadata_apply (md, g_variant_builder_end (&b), G_MAXUINT64 / 2, TRUE));
}

#define CANONICAL "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

static const guint8 canonical_bytes[16] = {
  0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
  0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8
};

/* Node IDs */

static void
test_node_id_parse_forms (void)
{
  const char *forms[] = {
    CANONICAL,
    "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
    "{6ba7b810-9dad-11d1-80b4-00c04fd430c8}",
    "urn:uuid:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "URN:UUID:6Ba7b810-9dAd-11d1-80b4-00c04fd430C8",
    "6ba7b8109dad11d180b400c04fd430c8",
    "6BA7B8109DAD11D180B400C04FD430C8",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (forms); i++)
    {
      GossipNodeId id;
      char buf[GOSSIP_NODE_ID_STRING_LEN + 1];
      g_autofree char *str = NULL;

      memset (&id, 0xff, sizeof id);
      g_assert_true (gossip_node_id_parse (forms[i], &id));
      g_assert_cmpmem (id.bytes, 16, canonical_bytes, 16);

      gossip_node_id_format (&id, buf);
      g_assert_cmpstr (buf, ==, CANONICAL);
      str = gossip_node_id_to_string (&id);
      g_assert_cmpstr (str, ==, CANONICAL);
    }
}

static void
test_node_id_parse_bad (void)
{
  const char *bad[] = {
    "",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c",            /* 35 */
    "6ba7b810-9dad-11d1-80b4-00c04fd430c80",          /* 37 */
    "6ba7b810-9dad-11d1-80b4-00c04fd430cg",           /* bad hex */
    "6ba7b810-9dad-11d1-80b4-00c04fd430 8",
    "6ba7b8109-dad-11d1-80b4-00c04fd430c8",           /* misplaced dash */
    "6ba7b810-9dad-11d180b4--00c04fd430c8",
    "6ba7b810+9dad+11d1+80b4+00c04fd430c8",
    "(6ba7b810-9dad-11d1-80b4-00c04fd430c8)",
    "{6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "urn:uuix:6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "6ba7b8109dad11d180b400c04fd430cz",
    "6ba7b8109dad11d180b400c04fd430c",
    "-ba7b8109dad11d180b400c04fd430c8",
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8 ",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      GossipNodeId id;

      memcpy (id.bytes, canonical_bytes, 16);
      g_assert_false (gossip_node_id_parse (bad[i], &id));
      /* A failed parse leaves the output alone. */
      g_assert_cmpmem (id.bytes, 16, canonical_bytes, 16);
    }

  {
    GossipNodeId id;

    g_assert_false (gossip_node_id_parse (NULL, &id));
  }
}

static void
test_node_id_generate (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (gossip_node_id_hash,
                                                      gossip_node_id_equal,
                                                      g_free, NULL);
  gint64 before = g_get_real_time () / 1000;
  gint64 after;
  guint i;

  for (i = 0; i < 10000; i++)
    {
      GossipNodeId *id = g_new (GossipNodeId, 1);
      guint64 ms = 0;
      guint b;

      gossip_node_id_generate (id);
      g_assert_cmpint (id->bytes[6] >> 4, ==, 7);
      g_assert_cmpint (id->bytes[8] >> 6, ==, 2);
      g_assert_false (gossip_node_id_is_zero (id));

      for (b = 0; b < 6; b++)
        ms = (ms << 8) | id->bytes[b];
      after = g_get_real_time () / 1000;
      g_assert_cmpuint (ms, >=, (guint64) before);
      g_assert_cmpuint (ms, <=, (guint64) after);

      g_assert_true (g_hash_table_add (seen, id));
    }

  g_assert_cmpuint (g_hash_table_size (seen), ==, 10000);
}

static void
test_node_id_compare (void)
{
  GossipNodeId a, b, zero;

  memset (&zero, 0, sizeof zero);
  memcpy (a.bytes, canonical_bytes, 16);
  b = a;

  g_assert_true (gossip_node_id_is_zero (&zero));
  g_assert_false (gossip_node_id_is_zero (&a));
  g_assert_true (gossip_node_id_equal (&a, &b));
  g_assert_cmpint (gossip_node_id_compare (&a, &b), ==, 0);
  g_assert_cmpuint (gossip_node_id_hash (&a), ==, gossip_node_id_hash (&b));

  b.bytes[15]++;
  g_assert_false (gossip_node_id_equal (&a, &b));
  g_assert_cmpint (gossip_node_id_compare (&a, &b), <, 0);
  g_assert_cmpint (gossip_node_id_compare (&b, &a), >, 0);
  g_assert_cmpint (gossip_node_id_compare (&zero, &a), <, 0);

  /* FNV-1a 32 of sixteen zero bytes. */
  {
    guint32 h = 2166136261u;
    guint i;

    for (i = 0; i < 16; i++)
      h *= 16777619u;
    g_assert_cmpuint (gossip_node_id_hash (&zero), ==, h);
  }
}

static GVariant *
integer_variant (char   type,
                 guint8 value)
{
  switch (type)
    {
    case 'y': return g_variant_new_byte (value);
    case 'n': return g_variant_new_int16 (value);
    case 'q': return g_variant_new_uint16 (value);
    case 'i': return g_variant_new_int32 (value);
    case 'u': return g_variant_new_uint32 (value);
    case 'x': return g_variant_new_int64 (value);
    case 't': return g_variant_new_uint64 (value);
    default: g_assert_not_reached ();
    }
}

/* An array of the 16 canonical bytes with elements of @type, boxed in "v"
 * when @boxed. @patch_index, if < 16, gets @patch instead. */
static GVariant *
make_array (char      type,
            gboolean  boxed,
            guint     count,
            guint     patch_index,
            GVariant *patch)
{
  GVariantBuilder builder;
  char array_type[3] = { 'a', boxed ? 'v' : type, '\0' };
  guint i;

  g_variant_builder_init (&builder, G_VARIANT_TYPE (array_type));
  for (i = 0; i < count; i++)
    {
      GVariant *element = i == patch_index ? patch
                          : integer_variant (type, canonical_bytes[i % 16]);

      g_variant_builder_add_value (&builder,
                                   boxed ? g_variant_new_variant (element) : element);
    }

  return g_variant_builder_end (&builder);
}

static void
assert_from_variant (GVariant *value,
                     gboolean  expected)
{
  g_autoptr(GVariant) owned = g_variant_take_ref (value);
  GossipNodeId id;

  memset (&id, 0, sizeof id);
  g_assert_cmpint (gossip_node_id_from_variant (owned, &id), ==, expected);
  if (expected)
    g_assert_cmpmem (id.bytes, 16, canonical_bytes, 16);
}

static void
test_node_id_variant (void)
{
  static const char int_types[] = "ynqiuxt";
  GossipNodeId id;
  g_autoptr(GVariant) wire = NULL;
  char raw[17];
  guint i;

  memcpy (id.bytes, canonical_bytes, 16);
  wire = gossip_node_id_to_variant (&id);
  g_assert_true (g_variant_is_floating (wire));
  g_variant_ref_sink (wire);
  g_assert_cmpstr (g_variant_get_type_string (wire), ==, "ay");
  g_assert_cmpuint (g_variant_get_size (wire), ==, 16);
  assert_from_variant (g_variant_ref (wire), TRUE);
  /* boxed in "v" */
  assert_from_variant (g_variant_new_variant (wire), TRUE);

  /* A string of 16 raw bytes (here printable ones). */
  memcpy (raw, "0123456789abcdef", 17);
  memcpy (id.bytes, raw, 16);
  {
    GossipNodeId out;
    g_autoptr(GVariant) s = g_variant_ref_sink (g_variant_new_string (raw));

    g_assert_true (gossip_node_id_from_variant (s, &out));
    g_assert_cmpmem (out.bytes, 16, raw, 16);
  }

  for (i = 0; int_types[i] != '\0'; i++)
    {
      char t = int_types[i];

      assert_from_variant (make_array (t, FALSE, 16, G_MAXUINT, NULL), TRUE);
      assert_from_variant (make_array (t, TRUE, 16, G_MAXUINT, NULL), TRUE);
      assert_from_variant (make_array (t, FALSE, 15, G_MAXUINT, NULL), FALSE);
      assert_from_variant (make_array (t, TRUE, 17, G_MAXUINT, NULL), FALSE);
    }

  /* av may mix widths and nest "v". */
  assert_from_variant (make_array ('x', TRUE, 16, 3,
                                   g_variant_new_variant (g_variant_new_byte (canonical_bytes[3]))),
                       TRUE);
  assert_from_variant (make_array ('t', TRUE, 16, 5, g_variant_new_int16 (canonical_bytes[5])),
                       TRUE);

  /* Out of range or wrong element types. */
  assert_from_variant (make_array ('x', FALSE, 16, 0, g_variant_new_int64 (256)), FALSE);
  assert_from_variant (make_array ('x', FALSE, 16, 0, g_variant_new_int64 (-1)), FALSE);
  assert_from_variant (make_array ('n', FALSE, 16, 0, g_variant_new_int16 (-1)), FALSE);
  assert_from_variant (make_array ('t', FALSE, 16, 0, g_variant_new_uint64 (G_MAXUINT64)), FALSE);
  assert_from_variant (make_array ('x', TRUE, 16, 0, g_variant_new_double (107)), FALSE);
  assert_from_variant (make_array ('x', TRUE, 16, 0, g_variant_new_string ("k")), FALSE);

  /* Other shapes. */
  assert_from_variant (g_variant_new_string ("0123456789abcde"), FALSE);
  assert_from_variant (g_variant_new_string ("0123456789abcdef0"), FALSE);
  assert_from_variant (g_variant_new_string (CANONICAL), FALSE);
  assert_from_variant (g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, canonical_bytes, 15, 1),
                       FALSE);
  assert_from_variant (g_variant_new_int64 (5), FALSE);
  assert_from_variant (g_variant_new_parsed ("[1.0, 2.0]"), FALSE);
  assert_from_variant (g_variant_new_parsed ("@ab [true]"), FALSE);
  assert_from_variant (g_variant_new_parsed ("@a{sv} {}"), FALSE);
  {
    GossipNodeId out;

    g_assert_false (gossip_node_id_from_variant (NULL, &out));
  }
}

/* HLC */

static void
test_hlc_increasing (void)
{
  guint64 prev = gossip_hlc_now ();
  guint i;

  for (i = 0; i < 100000; i++)
    {
      guint64 ts = gossip_hlc_now ();

      g_assert_cmpuint (ts, >, prev);
      prev = ts;
    }
}

static void
test_hlc_layout (void)
{
  gint64 before = g_get_real_time ();
  guint64 ts = gossip_hlc_now ();
  gint64 after = g_get_real_time ();
  gint64 usec = gossip_hlc_to_unix_usec (ts);

  /* Only a flood of calls within one microsecond pushes it ahead. */
  g_assert_cmpint (usec, >=, before - G_USEC_PER_SEC);
  g_assert_cmpint (usec, <=, after + G_USEC_PER_SEC);
  g_assert_cmpuint (ts >> 10, ==, (guint64) (usec - GOSSIP_HLC_EPOCH_UNIX_USEC));

  /* Every timestamp after mid-April 2025 exceeds 2^53 (PROTOCOL §11). */
  g_assert_cmpuint (ts, >, G_GUINT64_CONSTANT (1) << 53);
}

static void
test_hlc_conversions (void)
{
  gint64 usec = G_GINT64_CONSTANT (1750000000123456);
  guint64 ts = gossip_hlc_from_unix_usec (usec);

  g_assert_cmpuint (ts, ==, (guint64) (usec - GOSSIP_HLC_EPOCH_UNIX_USEC) << 10);
  g_assert_cmpuint (ts & 0x3ff, ==, 0);
  g_assert_cmpint (gossip_hlc_to_unix_usec (ts), ==, usec);
  g_assert_cmpint (gossip_hlc_to_unix_usec (ts | 0x3ff), ==, usec);

  g_assert_cmpint (gossip_hlc_to_unix_usec (0), ==, GOSSIP_HLC_EPOCH_UNIX_USEC);
  g_assert_cmpuint (gossip_hlc_from_unix_usec (GOSSIP_HLC_EPOCH_UNIX_USEC), ==, 0);
  g_assert_cmpuint (gossip_hlc_from_unix_usec (0), ==, 0);
  g_assert_cmpuint (gossip_hlc_from_unix_usec (GOSSIP_HLC_EPOCH_UNIX_USEC + 1), ==, 1024);
}

/* Metadata */

typedef struct
{
  guint changed;
  guint notified;
} Counts;

static void
on_changed (GossipMetadata *md,
            gpointer        user_data)
{
  Counts *counts = user_data;

  counts->changed++;
}

static void
on_notify (GObject    *object,
           GParamSpec *pspec,
           gpointer    user_data)
{
  Counts *counts = user_data;

  counts->notified++;
}

static void
watch (GossipMetadata *md,
       Counts         *counts)
{
  g_signal_connect (md, "changed", G_CALLBACK (on_changed), counts);
  g_signal_connect (md, "notify::timestamp", G_CALLBACK (on_notify), counts);
}

static void
assert_string (GossipMetadata *md,
               const char     *key,
               const char     *expected)
{
  g_autofree char *str = gossip_metadata_get_string (md, key);

  g_assert_cmpstr (str, ==, expected);
}

static void
assert_type (GossipMetadata *md,
             const char     *key,
             const char     *type)
{
  g_autoptr(GVariant) value = gossip_metadata_get_value (md, key);

  g_assert_nonnull (value);
  g_assert_cmpstr (g_variant_get_type_string (value), ==, type);
}

static void
test_metadata_setters (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new ();

  g_assert_false (gossip_metadata_is_read_only (md));
  g_assert_cmpuint (gossip_metadata_get_timestamp (md), ==, 0);
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 0);

  gossip_metadata_set_string (md, "s", "hello");
  gossip_metadata_set_boolean (md, "b", TRUE);
  gossip_metadata_set_int32 (md, "i32", G_MININT32);
  gossip_metadata_set_int64 (md, "i64", G_MININT64);
  gossip_metadata_set_uint32 (md, "u32", G_MAXUINT32);
  gossip_metadata_set_uint64 (md, "u64", G_MAXUINT64);
  gossip_metadata_set_uint64 (md, "u64small", 7);
  gossip_metadata_set_double (md, "d", 2.25);

  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 8);
  g_assert_true (gossip_metadata_contains (md, "s"));
  g_assert_false (gossip_metadata_contains (md, "nope"));

  /* Normalised storage. */
  assert_type (md, "s", "s");
  assert_type (md, "b", "b");
  assert_type (md, "i32", "x");
  assert_type (md, "i64", "x");
  assert_type (md, "u32", "x");
  assert_type (md, "u64", "t");
  assert_type (md, "u64small", "x");
  assert_type (md, "d", "d");

  assert_string (md, "s", "hello");
  g_assert_true (gossip_metadata_get_boolean (md, "b"));
  g_assert_cmpint (gossip_metadata_get_int32 (md, "i32"), ==, G_MININT32);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "i64"), ==, G_MININT64);
  g_assert_cmpuint (gossip_metadata_get_uint32 (md, "u32"), ==, G_MAXUINT32);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "u64"), ==, G_MAXUINT64);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "u64small"), ==, 7);
  g_assert_cmpfloat (gossip_metadata_get_double (md, "d"), ==, 2.25);

  /* Missing keys give zero values. */
  g_assert_null (gossip_metadata_get_string (md, "nope"));
  g_assert_null (gossip_metadata_get_value (md, "nope"));
  g_assert_null (gossip_metadata_get_date_time (md, "nope"));
  g_assert_false (gossip_metadata_get_boolean (md, "nope"));
  g_assert_cmpint (gossip_metadata_get_int64 (md, "nope"), ==, 0);
  g_assert_cmpint (gossip_metadata_get_int32 (md, "nope"), ==, 0);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "nope"), ==, 0);
  g_assert_cmpuint (gossip_metadata_get_uint32 (md, "nope"), ==, 0);
  g_assert_cmpfloat (gossip_metadata_get_double (md, "nope"), ==, 0);

  /* set_value keeps the type, after unboxing "v". */
  gossip_metadata_set_value (md, "v", g_variant_new_variant (g_variant_new_uint16 (9)));
  assert_type (md, "v", "q");
  {
    g_autoptr(GVariant) kept = g_variant_ref_sink (g_variant_new_int32 (3));

    gossip_metadata_set_value (md, "kept", kept);
    g_assert_false (g_variant_is_floating (kept));
    assert_type (md, "kept", "i");
  }
}

/* Go's GetInt/GetBool read uint8/uint16 as 0/false and GetUint reads
 * int8/int16 as 0; every width converts here. */
static void
test_metadata_small_ints (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new ();

  gossip_metadata_set_value (md, "y", g_variant_new_byte (42));
  gossip_metadata_set_value (md, "y0", g_variant_new_byte (0));
  gossip_metadata_set_value (md, "n", g_variant_new_int16 (-5));
  gossip_metadata_set_value (md, "npos", g_variant_new_int16 (300));
  gossip_metadata_set_value (md, "q", g_variant_new_uint16 (65535));
  gossip_metadata_set_value (md, "i", g_variant_new_int32 (-70000));
  gossip_metadata_set_value (md, "u", g_variant_new_uint32 (4000000000u));

  g_assert_cmpint (gossip_metadata_get_int64 (md, "y"), ==, 42);
  g_assert_cmpint (gossip_metadata_get_int32 (md, "y"), ==, 42);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "y"), ==, 42);
  g_assert_cmpfloat (gossip_metadata_get_double (md, "y"), ==, 42);
  g_assert_true (gossip_metadata_get_boolean (md, "y"));
  g_assert_false (gossip_metadata_get_boolean (md, "y0"));
  assert_string (md, "y", "42");

  g_assert_cmpint (gossip_metadata_get_int64 (md, "n"), ==, -5);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "n"), ==, 0);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "npos"), ==, 300);
  g_assert_true (gossip_metadata_get_boolean (md, "n"));
  g_assert_cmpfloat (gossip_metadata_get_double (md, "n"), ==, -5);
  assert_string (md, "n", "-5");

  g_assert_cmpint (gossip_metadata_get_int64 (md, "q"), ==, 65535);
  g_assert_cmpuint (gossip_metadata_get_uint32 (md, "q"), ==, 65535);
  g_assert_true (gossip_metadata_get_boolean (md, "q"));
  assert_string (md, "q", "65535");

  g_assert_cmpint (gossip_metadata_get_int64 (md, "i"), ==, -70000);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "i"), ==, 0);
  assert_string (md, "i", "-70000");

  g_assert_cmpint (gossip_metadata_get_int64 (md, "u"), ==, 4000000000);
  g_assert_cmpuint (gossip_metadata_get_uint32 (md, "u"), ==, 4000000000u);
  /* int32 truncates like a C cast */
  g_assert_cmpint (gossip_metadata_get_int32 (md, "u"), ==, (gint32) (4000000000u - 4294967296u));
  assert_string (md, "u", "4000000000");

  /* Wide values */
  gossip_metadata_set_uint64 (md, "t", G_MAXUINT64);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "t"), ==, -1);
  g_assert_cmpfloat (gossip_metadata_get_double (md, "t"), ==, 18446744073709551615.0);
  assert_string (md, "t", "18446744073709551615");
  gossip_metadata_set_int64 (md, "big", G_GINT64_CONSTANT (0x100000005));
  g_assert_cmpint (gossip_metadata_get_int32 (md, "big"), ==, 5);
  g_assert_cmpuint (gossip_metadata_get_uint32 (md, "big"), ==, 5);
}

static void
test_metadata_strings (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new ();
  const char *trues[] = { "1", "t", "T", "TRUE", "true", "True" };
  const char *falses[] = { "0", "f", "F", "FALSE", "false", "False", "yes", "tRUE", "", " 1", "2" };
  guint i;

  gossip_metadata_set_string (md, "42", "42");
  g_assert_cmpint (gossip_metadata_get_int64 (md, "42"), ==, 42);
  g_assert_cmpint (gossip_metadata_get_int32 (md, "42"), ==, 42);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "42"), ==, 42);
  g_assert_cmpfloat (gossip_metadata_get_double (md, "42"), ==, 42);
  g_assert_false (gossip_metadata_get_boolean (md, "42"));

  gossip_metadata_set_string (md, "1.5", "1.5");
  g_assert_cmpfloat (gossip_metadata_get_double (md, "1.5"), ==, 1.5);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "1.5"), ==, 1);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "1.5"), ==, 1);

  gossip_metadata_set_string (md, "neg", "-7");
  g_assert_cmpint (gossip_metadata_get_int64 (md, "neg"), ==, -7);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "neg"), ==, 0);
  g_assert_cmpfloat (gossip_metadata_get_double (md, "neg"), ==, -7);

  gossip_metadata_set_string (md, "plus", "+8");
  g_assert_cmpint (gossip_metadata_get_int64 (md, "plus"), ==, 8);

  gossip_metadata_set_string (md, "exp", "1e3");
  g_assert_cmpint (gossip_metadata_get_int64 (md, "exp"), ==, 1000);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "exp"), ==, 1000);

  gossip_metadata_set_string (md, "huge", "99999999999999999999");
  g_assert_cmpint (gossip_metadata_get_int64 (md, "huge"), ==, G_MAXINT64);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "huge"), ==, G_MAXUINT64);

  gossip_metadata_set_string (md, "maxu", "18446744073709551615");
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "maxu"), ==, G_MAXUINT64);

  {
    const char *junk[] = { "abc", " 42", "42 ", "", "0x10", "1,5", "4 2" };

    for (i = 0; i < G_N_ELEMENTS (junk); i++)
      {
        gossip_metadata_set_string (md, "junk", junk[i]);
        g_assert_cmpint (gossip_metadata_get_int64 (md, "junk"), ==, 0);
        g_assert_cmpuint (gossip_metadata_get_uint64 (md, "junk"), ==, 0);
        g_assert_cmpfloat (gossip_metadata_get_double (md, "junk"), ==, 0);
        g_assert_false (gossip_metadata_get_boolean (md, "junk"));
        g_assert_null (gossip_metadata_get_date_time (md, "junk"));
      }
  }

  gossip_metadata_set_string (md, "inf", "inf");
  g_assert_true (isinf (gossip_metadata_get_double (md, "inf")));
  g_assert_cmpint (gossip_metadata_get_int64 (md, "inf"), ==, G_MAXINT64);
  gossip_metadata_set_string (md, "overflow", "1e400");
  g_assert_cmpfloat (gossip_metadata_get_double (md, "overflow"), ==, 0);

  for (i = 0; i < G_N_ELEMENTS (trues); i++)
    {
      gossip_metadata_set_string (md, "bool", trues[i]);
      g_assert_true (gossip_metadata_get_boolean (md, "bool"));
    }
  for (i = 0; i < G_N_ELEMENTS (falses); i++)
    {
      gossip_metadata_set_string (md, "bool", falses[i]);
      g_assert_false (gossip_metadata_get_boolean (md, "bool"));
    }
}

static void
test_metadata_doubles_and_bools (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new ();
  struct { double d; const char *text; } formats[] = {
    { 1.5, "1.5" },
    { 100, "100" },
    { 1e21, "1000000000000000000000" },
    { 0.1, "0.1" },
    { 1e-7, "0.0000001" },
    { -2.5, "-2.5" },
    { 123456.789, "123456.789" },
    { 1.0 / 3.0, "0.3333333333333333" },
    { 9223372036854775808.0, "9223372036854776000" }, /* shortest digits, then zeros */
    { 0, "0" },
    { -0.0, "-0" },
    { 1.7976931348623157e308, NULL },
    { INFINITY, "+Inf" },
    { -INFINITY, "-Inf" },
    { NAN, "NaN" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *text = NULL;

      set_double_any (md, "d", formats[i].d);
      text = gossip_metadata_get_string (md, "d");
      if (formats[i].text != NULL)
        g_assert_cmpstr (text, ==, formats[i].text);
      else
        {
          /* 309 digits, no exponent, reads back exactly */
          g_assert_cmpuint (strlen (text), ==, 309);
          g_assert_null (strpbrk (text, "e."));
          g_assert_cmpfloat (g_ascii_strtod (text, NULL), ==, formats[i].d);
        }
    }

  {
    /* The smallest subnormal: 323 zeros after the point, then 5. */
    g_autofree char *text = NULL;

    gossip_metadata_set_double (md, "d", 5e-324);
    text = gossip_metadata_get_string (md, "d");
    g_assert_cmpuint (strlen (text), ==, 2 + 323 + 1);
    g_assert_true (g_str_has_prefix (text, "0.000"));
    g_assert_true (g_str_has_suffix (text, "05"));
    g_assert_cmpfloat (g_ascii_strtod (text, NULL), ==, 5e-324);
  }

  gossip_metadata_set_double (md, "d", -1.9);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "d"), ==, -1);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "d"), ==, 0);
  g_assert_true (gossip_metadata_get_boolean (md, "d"));
  gossip_metadata_set_double (md, "d", 1.9);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "d"), ==, 1);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "d"), ==, 1);
  gossip_metadata_set_double (md, "d", 1e30);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "d"), ==, G_MAXINT64);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "d"), ==, G_MAXUINT64);
  gossip_metadata_set_double (md, "d", -1e30);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "d"), ==, G_MININT64);
  set_double_any (md, "d", NAN);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "d"), ==, 0);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "d"), ==, 0);
  gossip_metadata_set_double (md, "d", 0.0);
  g_assert_false (gossip_metadata_get_boolean (md, "d"));
  gossip_metadata_set_double (md, "d", 0.5);
  g_assert_true (gossip_metadata_get_boolean (md, "d"));
  g_assert_cmpint (gossip_metadata_get_int64 (md, "d"), ==, 0);

  gossip_metadata_set_boolean (md, "b", TRUE);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "b"), ==, 1);
  g_assert_cmpuint (gossip_metadata_get_uint64 (md, "b"), ==, 1);
  g_assert_cmpfloat (gossip_metadata_get_double (md, "b"), ==, 1);
  assert_string (md, "b", "true");
  gossip_metadata_set_boolean (md, "b", FALSE);
  g_assert_cmpint (gossip_metadata_get_int64 (md, "b"), ==, 0);
  g_assert_false (gossip_metadata_get_boolean (md, "b"));
  assert_string (md, "b", "false");

  /* Other types print in GVariant text format and convert to nothing. */
  gossip_metadata_set_value (md, "a", g_variant_new_parsed ("[1, 2]"));
  assert_string (md, "a", "[1, 2]");
  g_assert_cmpint (gossip_metadata_get_int64 (md, "a"), ==, 0);
  g_assert_false (gossip_metadata_get_boolean (md, "a"));
  g_assert_cmpfloat (gossip_metadata_get_double (md, "a"), ==, 0);
}

static void
assert_date_time (GossipMetadata *md,
                  const char     *key,
                  const char     *expected_utc_iso)
{
  g_autoptr(GDateTime) dt = gossip_metadata_get_date_time (md, key);
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *text = NULL;

  if (expected_utc_iso == NULL)
    {
      g_assert_null (dt);
      return;
    }

  g_assert_nonnull (dt);
  utc = g_date_time_to_utc (dt);
  text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S.%fZ");
  g_assert_cmpstr (text, ==, expected_utc_iso);
}

static void
test_metadata_date_time (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new ();
  g_autoptr(GDateTime) when = g_date_time_new_utc (2024, 2, 29, 12, 34, 56.789012);
  g_autoptr(GTimeZone) plus7 = g_time_zone_new_offset (7 * 3600);
  g_autoptr(GDateTime) zoned = g_date_time_new (plus7, 2006, 1, 2, 15, 4, 5);
  g_autoptr(GVariant) stored = NULL;
  const struct { const char *text; const char *utc; } strings[] = {
    { "2006-01-02T15:04:05Z", "2006-01-02T15:04:05.000000Z" },
    { "2006-01-02T15:04:05.123456789+07:00", "2006-01-02T08:04:05.123456Z" },
    { "Mon, 02 Jan 2006 15:04:05 GMT", "2006-01-02T15:04:05.000000Z" },
    { "Mon, 02 Jan 2006 15:04:05 UTC", "2006-01-02T15:04:05.000000Z" },
    { "mon, 02 jan 2006 15:04:05 UTC", "2006-01-02T15:04:05.000000Z" },
    { "Tue, 29 Feb 2000 23:59:59.5 GMT", "2000-02-29T23:59:59.500000Z" },
    { "2006-01-02 15:04:05", "2006-01-02T15:04:05.000000Z" },
    { "2006-01-02", "2006-01-02T00:00:00.000000Z" },
    { "Mon, 02 Jan 2006 15:04:05", NULL },
    { "Mon, 2 Jan 2006 15:04:05 GMT", NULL },
    { "Xyz, 02 Jan 2006 15:04:05 GMT", NULL },
    { "Mon, 30 Feb 2006 15:04:05 GMT", NULL },
    { "Mon, 02 Jan 2006 15:04:05 GMT+", NULL },
    { "2006-13-02", NULL },
    { "2006-01-02x", NULL },
    { "yesterday", NULL },
  };
  guint i;

  gossip_metadata_set_date_time (md, "t", when);
  stored = gossip_metadata_get_value (md, "t");
  /* A time value, "(x)" of nanoseconds, which the codecs send as Go does. */
  g_assert_cmpstr (g_variant_get_type_string (stored), ==, "(x)");
  g_assert_cmpint (gossip_time_variant_get (stored), ==,
                   g_date_time_to_unix (when) * G_GINT64_CONSTANT (1000000000) + 789012000);
  assert_date_time (md, "t", "2024-02-29T12:34:56.789012Z");
  assert_string (md, "t", "2024-02-29T12:34:56.789012Z");

  gossip_metadata_set_date_time (md, "zoned", zoned);
  assert_date_time (md, "zoned", "2006-01-02T08:04:05.000000Z");

  /* An int64 from the wire is Unix nanoseconds, also before 1970. */
  gossip_metadata_set_int64 (md, "ns", -1);
  assert_date_time (md, "ns", "1969-12-31T23:59:59.999999Z");
  gossip_metadata_set_int64 (md, "ns", 1136214245000001000);
  assert_date_time (md, "ns", "2006-01-02T15:04:05.000001Z");

  /* Other numbers are not times (as in Go). */
  gossip_metadata_set_value (md, "i", g_variant_new_int32 (5));
  assert_date_time (md, "i", NULL);
  gossip_metadata_set_double (md, "d", 1e18);
  assert_date_time (md, "d", NULL);

  for (i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      gossip_metadata_set_string (md, "s", strings[i].text);
      assert_date_time (md, "s", strings[i].utc);
    }
}

static void
test_metadata_changes (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new ();
  Counts counts = { 0, 0 };
  guint64 last = 0;
  guint64 prop = 0;
  guint i;

  watch (md, &counts);

  for (i = 0; i < 5; i++)
    {
      /* Setting the same value still counts as a change. */
      gossip_metadata_set_int64 (md, "k", 1);
      g_assert_cmpuint (gossip_metadata_get_timestamp (md), >, last);
      last = gossip_metadata_get_timestamp (md);
      g_assert_cmpuint (counts.changed, ==, i + 1);
      g_assert_cmpuint (counts.notified, ==, i + 1);
    }

  g_object_get (md, "timestamp", &prop, NULL);
  g_assert_cmpuint (prop, ==, last);
  g_assert_cmpint (gossip_hlc_to_unix_usec (last), <=, g_get_real_time () + G_USEC_PER_SEC);

  g_assert_false (gossip_metadata_remove (md, "missing"));
  g_assert_cmpuint (counts.changed, ==, 5);
  g_assert_cmpuint (gossip_metadata_get_timestamp (md), ==, last);

  g_assert_true (gossip_metadata_remove (md, "k"));
  g_assert_cmpuint (counts.changed, ==, 6);
  g_assert_cmpuint (gossip_metadata_get_timestamp (md), >, last);
  g_assert_false (gossip_metadata_contains (md, "k"));
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 0);
}

static GVariant *
sample_map (void)
{
  return g_variant_new_parsed ("{'name': <'remote'>, 'n': <@y 7>, "
                               "'boxed': <<@x -3>>, 'list': <[<1>, <'a'>]>}");
}

static void
test_metadata_apply (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new_read_only ();
  g_autoptr(GVariant) list = NULL;
  Counts counts = { 0, 0 };
  gboolean read_only = FALSE;

  watch (md, &counts);
  g_assert_true (gossip_metadata_is_read_only (md));
  g_object_get (md, "read-only", &read_only, NULL);
  g_assert_true (read_only);

  /* Not newer than "never". */
  g_assert_false (gossip_metadata_apply (md, sample_map (), 0, FALSE));
  g_assert_cmpuint (counts.changed, ==, 0);

  g_assert_true (gossip_metadata_apply (md, sample_map (), 100, FALSE));
  g_assert_cmpuint (counts.changed, ==, 1);
  g_assert_cmpuint (counts.notified, ==, 1);
  g_assert_cmpuint (gossip_metadata_get_timestamp (md), ==, 100);
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 4);
  assert_string (md, "name", "remote");
  assert_type (md, "n", "y");
  g_assert_cmpint (gossip_metadata_get_int64 (md, "n"), ==, 7);
  g_assert_true (gossip_metadata_get_boolean (md, "n"));
  assert_type (md, "boxed", "x");
  g_assert_cmpint (gossip_metadata_get_int64 (md, "boxed"), ==, -3);
  list = gossip_metadata_get_value (md, "list");
  g_assert_cmpstr (g_variant_get_type_string (list), ==, "av");

  /* Older or equal: rejected, nothing changes. */
  g_assert_false (gossip_metadata_apply (md, g_variant_new_parsed ("@a{sv} {}"), 50, FALSE));
  g_assert_false (gossip_metadata_apply (md, g_variant_new_parsed ("@a{sv} {}"), 100, FALSE));
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 4);
  g_assert_cmpuint (gossip_metadata_get_timestamp (md), ==, 100);
  g_assert_cmpuint (counts.changed, ==, 1);

  /* Newer: the whole map is replaced. */
  g_assert_true (gossip_metadata_apply (md, g_variant_new_parsed ("{'only': <true>}"), 200, FALSE));
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 1);
  g_assert_false (gossip_metadata_contains (md, "name"));
  g_assert_true (gossip_metadata_get_boolean (md, "only"));
  g_assert_cmpuint (counts.changed, ==, 2);

  /* Forced: applied even when older. */
  g_assert_true (gossip_metadata_apply (md, sample_map (), 10, TRUE));
  g_assert_cmpuint (gossip_metadata_get_timestamp (md), ==, 10);
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 4);
  g_assert_cmpuint (counts.changed, ==, 3);
  g_assert_cmpuint (counts.notified, ==, 3);

  /* nil maps empty it */
  g_assert_true (gossip_metadata_apply (md, NULL, 11, FALSE));
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 0);
  g_assert_true (gossip_metadata_apply (md, sample_map (), 12, FALSE));
  g_assert_true (gossip_metadata_apply (md, g_variant_new_parsed ("@ma{sv} nothing"), 13, FALSE));
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 0);
  g_assert_true (gossip_metadata_apply (md, g_variant_new_parsed ("<just {'x': <1>}>"), 14, FALSE));
  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 1);

  /* Other string-keyed dictionaries are accepted too. */
  g_assert_true (gossip_metadata_apply (md, g_variant_new_parsed ("{'a': 'b'}"), 15, FALSE));
  assert_string (md, "a", "b");

  /* Malformed maps leave everything alone. */
  g_assert_false (gossip_metadata_apply (md, g_variant_new_int32 (1), 100, TRUE));
  g_assert_false (gossip_metadata_apply (md, g_variant_new_parsed ("{1: <2>}"), 100, TRUE));
  g_assert_cmpuint (gossip_metadata_get_timestamp (md), ==, 15);
  assert_string (md, "a", "b");
}

static void
test_metadata_read_only (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new_read_only ();

  g_test_expect_message ("Gossip", G_LOG_LEVEL_CRITICAL, "*read_only*");
  gossip_metadata_set_string (md, "k", "v");
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gossip", G_LOG_LEVEL_CRITICAL, "*read_only*");
  gossip_metadata_set_int64 (md, "k", 1);
  g_test_assert_expected_messages ();

  g_test_expect_message ("Gossip", G_LOG_LEVEL_CRITICAL, "*read_only*");
  g_assert_false (gossip_metadata_remove (md, "k"));
  g_test_assert_expected_messages ();

  g_assert_cmpuint (gossip_metadata_get_size (md), ==, 0);
  g_assert_cmpuint (gossip_metadata_get_timestamp (md), ==, 0);
}

static void
test_metadata_to_variant (void)
{
  g_autoptr(GossipMetadata) md = gossip_metadata_new ();
  g_autoptr(GVariant) empty = gossip_metadata_to_variant (md);
  g_autoptr(GVariant) full = NULL;
  g_autoptr(GVariant) expected = NULL;
  g_auto(GStrv) keys = NULL;

  g_assert_false (g_variant_is_floating (empty));
  g_assert_cmpstr (g_variant_get_type_string (empty), ==, "a{sv}");
  g_assert_cmpuint (g_variant_n_children (empty), ==, 0);

  gossip_metadata_set_int64 (md, "zeta", 1);
  gossip_metadata_set_string (md, "alpha", "a");
  gossip_metadata_set_boolean (md, "Mid", TRUE);
  gossip_metadata_set_double (md, "mid", 0.5);

  keys = gossip_metadata_get_keys (md);
  g_assert_cmpuint (g_strv_length (keys), ==, 4);
  g_assert_cmpstr (keys[0], ==, "Mid");
  g_assert_cmpstr (keys[1], ==, "alpha");
  g_assert_cmpstr (keys[2], ==, "mid");
  g_assert_cmpstr (keys[3], ==, "zeta");

  full = gossip_metadata_to_variant (md);
  g_assert_false (g_variant_is_floating (full));
  expected = g_variant_ref_sink (g_variant_new_parsed (
    "{'Mid': <true>, 'alpha': <'a'>, 'mid': <0.5>, 'zeta': <int64 1>}"));
  g_assert_true (g_variant_equal (full, expected));

  /* What to_variant gives, apply takes back. */
  {
    g_autoptr(GossipMetadata) copy = gossip_metadata_new_read_only ();
    g_autoptr(GVariant) again = NULL;

    g_assert_true (gossip_metadata_apply (copy, full, gossip_metadata_get_timestamp (md), FALSE));
    again = gossip_metadata_to_variant (copy);
    g_assert_true (g_variant_equal (again, full));
    g_assert_cmpuint (gossip_metadata_get_timestamp (copy), ==, gossip_metadata_get_timestamp (md));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/values/node-id/parse-forms", test_node_id_parse_forms);
  g_test_add_func ("/values/node-id/parse-bad", test_node_id_parse_bad);
  g_test_add_func ("/values/node-id/generate-v7", test_node_id_generate);
  g_test_add_func ("/values/node-id/compare-hash", test_node_id_compare);
  g_test_add_func ("/values/node-id/variant", test_node_id_variant);
  g_test_add_func ("/values/hlc/increasing", test_hlc_increasing);
  g_test_add_func ("/values/hlc/layout", test_hlc_layout);
  g_test_add_func ("/values/hlc/conversions", test_hlc_conversions);
  g_test_add_func ("/values/metadata/setters", test_metadata_setters);
  g_test_add_func ("/values/metadata/small-ints", test_metadata_small_ints);
  g_test_add_func ("/values/metadata/strings", test_metadata_strings);
  g_test_add_func ("/values/metadata/doubles-bools", test_metadata_doubles_and_bools);
  g_test_add_func ("/values/metadata/date-time", test_metadata_date_time);
  g_test_add_func ("/values/metadata/changes", test_metadata_changes);
  g_test_add_func ("/values/metadata/apply", test_metadata_apply);
  g_test_add_func ("/values/metadata/read-only", test_metadata_read_only);
  g_test_add_func ("/values/metadata/to-variant", test_metadata_to_variant);

  return g_test_run ();
}
