/* test-crypto.c: the packet ciphers (AES-GCM, XChaCha20-Poly1305) and the
 * Snappy compressor, against published vectors, the golden packet of
 * PROTOCOL.md §15 and a capture of real Go v0.6.0 nodes. */
#include "test-utils.h"

#include "gossip-cipher-private.h"

#include <string.h>

#define EXAMPLE_KEY "1234567890123456"

/* PROTOCOL.md §15: the ping datagram without its 2-byte prefix 002b. */
#define GOLDEN_PLAIN \
  "84a26d7401a27369c4100196042b1caa7ad99ea3c57b2e189b23a26d69cf0070000012345400a374746c01" \
  "83a27469c41001960421c1c47a0687a0970cf4c4dbd3a373657107a461646472ae3132372e302e302e313a38303030"

/* The same datagram sealed with AES-128-GCM, prefix 002b included. */
#define GOLDEN_SEALED \
  "002b000102030405060708090a0b1a3d43817729c75eee240c8a1f7cbb6b41d1a6aa16ec057283640d3f5d1f" \
  "3688b3f91ab7070fadc18a2b37ea5e0b00e3bac071b839776e98a0a769fc59e609e0d5c32255b1be67974" \
  "4d2843a4552ce8008b68f1884dea0509624dbe7b5d814d768e45463399991dd1cbb"

static GBytes *
key_of_size (gsize size)
{
  guint8 *key = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    key[i] = (guint8) (0x20 + i * 7);
  return g_bytes_new_take (key, size);
}

static GBytes *
random_bytes (gsize size)
{
  guint8 *data = g_malloc (MAX (size, 1));

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) g_random_int_range (0, 256);
  return g_bytes_new_take (data, size);
}

/* Returns a copy of @bytes with bit 0 of byte @index flipped. */
static GBytes *
flip_bit (GBytes *bytes,
          gsize   index)
{
  gsize size;
  guint8 *copy = g_bytes_unref_to_data (g_bytes_ref (bytes), &size);

  g_assert_cmpuint (index, <, size);
  copy[index] ^= 0x01;
  return g_bytes_new_take (copy, size);
}

/* Checks that decryption of @data fails with GOSSIP_ERROR_CRYPTO. */
static void
assert_decrypt_fails (GossipCipher *cipher,
                      GBytes       *key,
                      GBytes       *data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = gossip_cipher_decrypt (cipher, key, data, &error);

  g_assert_null (plain);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO);
}

/* Round trip, randomness of the nonce, and every kind of tampering. */
static void
check_cipher (GossipCipher *cipher,
              GBytes       *key,
              gsize         nonce_size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) plain = test_hex_to_bytes (GOLDEN_PLAIN);
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) sealed2 = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GBytes) other_key = NULL;
  gsize overhead = gossip_cipher_get_overhead (cipher);
  gsize size;

  g_assert_cmpuint (overhead, ==, nonce_size + 16);
  g_assert_true (gossip_cipher_check_key (cipher, g_bytes_get_size (key), &error));
  g_assert_no_error (error);

  sealed = gossip_cipher_encrypt (cipher, key, plain, &error);
  g_assert_no_error (error);
  g_assert_nonnull (sealed);
  size = g_bytes_get_size (sealed);
  g_assert_cmpuint (size, ==, g_bytes_get_size (plain) + overhead);

  /* A fresh nonce every time: two seals of the same message differ. */
  sealed2 = gossip_cipher_encrypt (cipher, key, plain, &error);
  g_assert_no_error (error);
  g_assert_false (g_bytes_equal (sealed, sealed2));
  g_assert_false (memcmp (g_bytes_get_data (sealed, NULL),
                          g_bytes_get_data (sealed2, NULL), nonce_size) == 0);

  opened = gossip_cipher_decrypt (cipher, key, sealed, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, plain));
  g_clear_pointer (&opened, g_bytes_unref);
  opened = gossip_cipher_decrypt (cipher, key, sealed2, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, plain));

  /* Wrong key of the same size. */
  {
    gsize key_size;
    guint8 *other = g_bytes_unref_to_data (g_bytes_ref (key), &key_size);

    other[key_size - 1] ^= 0x80;
    other_key = g_bytes_new_take (other, key_size);
    assert_decrypt_fails (cipher, other_key, sealed);
  }

  /* The right key still works after the wrong one (the AES handle cache
   * must follow key changes both ways). */
  g_clear_pointer (&opened, g_bytes_unref);
  opened = gossip_cipher_decrypt (cipher, key, sealed, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, plain));

  /* A flipped bit anywhere: nonce, ciphertext, tag. */
  {
    gsize positions[] = { 0, nonce_size - 1, nonce_size, nonce_size + 10, size - 16, size - 1 };

    for (gsize i = 0; i < G_N_ELEMENTS (positions); i++)
      {
        g_autoptr(GBytes) bad = flip_bit (sealed, positions[i]);
        assert_decrypt_fails (cipher, key, bad);
      }
  }

  /* Truncated tag, and inputs too short to hold nonce and tag. */
  {
    g_autoptr(GBytes) truncated = g_bytes_new_from_bytes (sealed, 0, size - 1);
    g_autoptr(GBytes) no_tag = g_bytes_new_from_bytes (sealed, 0, size - 16);

    assert_decrypt_fails (cipher, key, truncated);
    assert_decrypt_fails (cipher, key, no_tag);
    for (gsize len = 0; len < overhead; len++)
      {
        g_autoptr(GBytes) shorter = g_bytes_new_from_bytes (sealed, 0, len);
        assert_decrypt_fails (cipher, key, shorter);
      }
  }

  /* An empty message seals to exactly the overhead and opens back. */
  {
    g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
    g_autoptr(GBytes) sealed_empty = gossip_cipher_encrypt (cipher, key, empty, &error);
    g_autoptr(GBytes) opened_empty = NULL;

    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (sealed_empty), ==, overhead);
    opened_empty = gossip_cipher_decrypt (cipher, key, sealed_empty, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (opened_empty), ==, 0);
  }
}

static void
test_aes_gcm_golden (void)
{
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  g_autoptr(GBytes) key = g_bytes_new_static (EXAMPLE_KEY, 16);
  g_autoptr(GBytes) plain = test_hex_to_bytes (GOLDEN_PLAIN);
  g_autoptr(GBytes) golden = test_hex_to_bytes (GOLDEN_SEALED);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GError) error = NULL;
  static const guint8 nonce[12] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
  gsize plain_size;
  const guint8 *plain_data = g_bytes_get_data (plain, &plain_size);

  g_assert_cmpuint (plain_size, ==, 90);
  g_assert_cmpuint (g_bytes_get_size (golden), ==, 120);
  body = g_bytes_new_from_bytes (golden, 2, 118);

  sealed = gossip_aes_gcm_cipher_seal_with_nonce (GOSSIP_AES_GCM_CIPHER (cipher), key, nonce,
                                                  plain_data, plain_size, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (sealed, body));

  opened = gossip_cipher_decrypt (cipher, key, body, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (opened, plain));

  g_assert_cmpstr (gossip_cipher_get_name (cipher), ==, "aes-gcm");
}

static void
test_aes_gcm_round_trip (void)
{
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  gsize sizes[] = { 16, 24, 32 };

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) key = key_of_size (sizes[i]);
      check_cipher (cipher, key, 12);
    }
}

/* One key per size: a message sealed under AES-256 does not open under a
 * 16-byte prefix of its key, and switching back and forth keeps working. */
static void
test_aes_gcm_key_switch (void)
{
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  g_autoptr(GBytes) key32 = key_of_size (32);
  g_autoptr(GBytes) key16 = g_bytes_new_from_bytes (key32, 0, 16);
  g_autoptr(GBytes) plain = random_bytes (300);
  g_autoptr(GError) error = NULL;

  for (int round = 0; round < 3; round++)
    {
      g_autoptr(GBytes) s32 = gossip_cipher_encrypt (cipher, key32, plain, &error);
      g_autoptr(GBytes) s16 = NULL;
      g_autoptr(GBytes) o32 = NULL;
      g_autoptr(GBytes) o16 = NULL;

      g_assert_no_error (error);
      s16 = gossip_cipher_encrypt (cipher, key16, plain, &error);
      g_assert_no_error (error);
      assert_decrypt_fails (cipher, key16, s32);
      assert_decrypt_fails (cipher, key32, s16);
      o32 = gossip_cipher_decrypt (cipher, key32, s32, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (o32, plain));
      o16 = gossip_cipher_decrypt (cipher, key16, s16, &error);
      g_assert_no_error (error);
      g_assert_true (g_bytes_equal (o16, plain));
    }
}

static void
check_bad_key_sizes (GossipCipher *cipher,
                     const gsize  *sizes,
                     gsize         n_sizes)
{
  g_autoptr(GBytes) plain = g_bytes_new_static ("hello", 5);

  for (gsize i = 0; i < n_sizes; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) key = key_of_size (sizes[i]);
      g_autoptr(GBytes) sealed = NULL;
      g_autoptr(GBytes) opened = NULL;
      g_autoptr(GBytes) junk = random_bytes (64);

      g_assert_false (gossip_cipher_check_key (cipher, sizes[i], &error));
      g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
      g_assert_nonnull (strstr (error->message, "32"));
      g_clear_error (&error);

      sealed = gossip_cipher_encrypt (cipher, key, plain, &error);
      g_assert_null (sealed);
      g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
      g_clear_error (&error);

      opened = gossip_cipher_decrypt (cipher, key, junk, &error);
      g_assert_null (opened);
      g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
    }
}

static void
test_aes_gcm_bad_key (void)
{
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  static const gsize sizes[] = { 0, 1, 8, 15, 17, 20, 31, 33, 64 };

  check_bad_key_sizes (cipher, sizes, G_N_ELEMENTS (sizes));
}

/* Reads the first packet of a `tcpdump -X` dump: the hex columns of the
 * lines after the first header line, up to the next header line. */
static GBytes *
read_first_captured_packet (const char *path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GByteArray *bytes = g_byte_array_new ();
  gboolean in_packet = FALSE;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      const char *colon;
      int hi = -1;

      if (line[0] == '\0')
        continue;
      if (!g_ascii_isspace (line[0]))
        {
          if (in_packet)
            break;
          in_packet = TRUE;
          continue;
        }
      if (!in_packet)
        continue;

      colon = strchr (line, ':');
      g_assert_nonnull (colon);
      g_assert_true (g_str_has_prefix (colon, ":  "));
      /* 8 groups of 4 hex digits with single spaces: 39 columns, then the
       * ASCII rendering, which must not be read as hex. */
      for (const char *p = colon + 3; *p != '\0' && p < colon + 3 + 39; p++)
        {
          int v = g_ascii_xdigit_value (*p);

          if (v < 0)
            continue;
          if (hi < 0)
            hi = v;
          else
            {
              guint8 b = (guint8) ((hi << 4) | v);
              g_byte_array_append (bytes, &b, 1);
              hi = -1;
            }
        }
      g_assert_cmpint (hi, ==, -1);
    }

  return g_byte_array_free_to_bytes (bytes);
}

static void
test_aes_gcm_capture (void)
{
  g_autofree char *path = test_data_path ("captures/enc-udp-ping-ack.hex.txt");
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  g_autoptr(GBytes) key = g_bytes_new_static (EXAMPLE_KEY, 16);
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  const guint8 *plain_data;
  gsize size, plain_size;
  guint header_size;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      /* The captures ship in tests/data; meson sets GOSSIP_TEST_DATA. A
       * missing one is a broken checkout, not a reason to pass. */
      g_test_fail_printf ("capture %s not found (set GOSSIP_TEST_DATA)", path);
      return;
    }

  frame = read_first_captured_packet (path);
  data = g_bytes_get_data (frame, &size);
  /* IPv4 header (20, IHL 5) and UDP header (8), the UDP length covering
   * exactly the rest. */
  g_assert_cmpuint (size, >, 28 + 2 + 28);
  g_assert_cmphex (data[0], ==, 0x45);
  g_assert_cmphex (data[9], ==, 17);
  g_assert_cmpuint ((guint) (data[24] << 8 | data[25]), ==, size - 20);

  data += 28;
  size -= 28;
  header_size = (guint) (data[0] << 8 | data[1]) & 0x7fff;
  body = g_bytes_new (data + 2, size - 2);

  plain = gossip_cipher_decrypt (cipher, key, body, &error);
  g_assert_no_error (error);
  plain_data = g_bytes_get_data (plain, &plain_size);
  g_assert_cmpuint (plain_size, ==, size - 2 - 28);
  g_assert_cmpuint (plain_size, >=, 1);
  g_assert_cmphex (plain_data[0], ==, 0x84);
  g_assert_cmpuint (header_size, >, 0);
  g_assert_cmpuint (header_size, <=, plain_size);
  /* The shamaton envelope of §15 is 43 or 44 bytes and starts the payload
   * with another msgpack map. */
  g_assert_cmpuint (header_size, >=, 43);
  g_assert_cmpuint (header_size, <=, 44);
  g_assert_true (header_size < plain_size);
  g_assert_cmphex (plain_data[header_size] & 0xf0, ==, 0x80);

  /* One byte changed in the capture and it no longer opens. */
  {
    g_autoptr(GBytes) bad = flip_bit (body, 20);
    assert_decrypt_fails (cipher, key, bad);
  }
}

static void
test_hchacha20 (void)
{
  guint8 key[32];
  guint8 subkey[32];
  g_autoptr(GBytes) nonce = test_hex_to_bytes ("000000090000004a0000000031415927");
  g_autoptr(GBytes) got = NULL;

  for (guint i = 0; i < 32; i++)
    key[i] = (guint8) i;
  gossip_hchacha20 (key, g_bytes_get_data (nonce, NULL), subkey);
  got = g_bytes_new (subkey, sizeof subkey);
  test_assert_bytes_hex (got, "82413b42 27b27bfe d30e4250 8a877d73 a0f9e4d5 8a74a853 c12ec413 26d3ecdc");
}

/* draft-irtf-cfrg-xchacha-03 §A.3.1. */
static void
test_xchacha_draft_vector (void)
{
  static const char plaintext[] =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
    "for the future, sunscreen would be it.";
  static const char *sealed_hex =
    "404142434445464748494a4b4c4d4e4f5051525354555657"
    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
    "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
    "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
    "21f9664c97637da9768812f615c68b13b52e"
    "c0875924c1c7987947deafd8780acf49";
  g_autoptr(GBytes) aad = test_hex_to_bytes ("50515253c0c1c2c3c4c5c6c7");
  g_autoptr(GBytes) key = test_hex_to_bytes ("808182838485868788898a8b8c8d8e8f"
                                             "909192939495969798999a9b9c9d9e9f");
  g_autoptr(GBytes) nonce = test_hex_to_bytes ("404142434445464748494a4b4c4d4e4f5051525354555657");
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) opened = NULL;
  g_autoptr(GBytes) no_aad = NULL;
  g_autoptr(GBytes) public_open = NULL;
  g_autoptr(GossipCipher) cipher = gossip_xchacha_cipher_new ();
  g_autoptr(GError) error = NULL;
  gsize aad_size, sealed_size;
  const guint8 *aad_data = g_bytes_get_data (aad, &aad_size);
  const guint8 *key_data = g_bytes_get_data (key, NULL);
  const guint8 *sealed_data;

  g_assert_cmpuint (strlen (plaintext), ==, 114);

  sealed = gossip_xchacha_seal (key_data, g_bytes_get_data (nonce, NULL), aad_data, aad_size,
                                (const guint8 *) plaintext, strlen (plaintext), &error);
  g_assert_no_error (error);
  test_assert_bytes_hex (sealed, sealed_hex);

  sealed_data = g_bytes_get_data (sealed, &sealed_size);
  opened = gossip_xchacha_open (key_data, aad_data, aad_size, sealed_data, sealed_size, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (opened, NULL), g_bytes_get_size (opened),
                   plaintext, strlen (plaintext));

  /* The AAD is authenticated: without it (as the public API opens) the
   * vector is refused. */
  no_aad = gossip_xchacha_open (key_data, NULL, 0, sealed_data, sealed_size, &error);
  g_assert_null (no_aad);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO);
  g_clear_error (&error);
  public_open = gossip_cipher_decrypt (cipher, key, sealed, &error);
  g_assert_null (public_open);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO);
}

/* What the public API seals opens with the private open and no AAD, with
 * the nonce in front: the layout Go's chacha20poly1305.NewX reads. */
static void
test_xchacha_layout (void)
{
  g_autoptr(GossipCipher) cipher = gossip_xchacha_cipher_new ();
  g_autoptr(GBytes) key = key_of_size (32);
  g_autoptr(GBytes) plain = random_bytes (200);
  g_autoptr(GBytes) sealed = NULL;
  g_autoptr(GBytes) resealed = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *sealed_data;
  gsize sealed_size;

  sealed = gossip_cipher_encrypt (cipher, key, plain, &error);
  g_assert_no_error (error);
  sealed_data = g_bytes_get_data (sealed, &sealed_size);
  resealed = gossip_xchacha_seal (g_bytes_get_data (key, NULL), sealed_data, NULL, 0,
                                  g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                                  &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (sealed, resealed));
  g_assert_cmpstr (gossip_cipher_get_name (cipher), ==, "xchacha20-poly1305");
}

static void
test_xchacha_round_trip (void)
{
  g_autoptr(GossipCipher) cipher = gossip_xchacha_cipher_new ();
  g_autoptr(GBytes) key = key_of_size (32);

  check_cipher (cipher, key, 24);
}

static void
test_xchacha_bad_key (void)
{
  g_autoptr(GossipCipher) cipher = gossip_xchacha_cipher_new ();
  static const gsize sizes[] = { 0, 16, 24, 31, 33, 64 };

  check_bad_key_sizes (cipher, sizes, G_N_ELEMENTS (sizes));
}

static GBytes *
decompress_expecting_error (GossipCompressor *compressor,
                            const char       *hex,
                            gsize             max_size,
                            GossipError       code)
{
  g_autoptr(GBytes) data = test_hex_to_bytes (hex);
  g_autoptr(GError) error = NULL;
  GBytes *out = gossip_compressor_decompress (compressor, data, max_size, &error);

  g_assert_null (out);
  g_assert_error (error, GOSSIP_ERROR, (gint) code);
  return out;
}

static void
test_snappy_round_trip (void)
{
  g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GBytes) unpacked = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;

  for (int i = 0; i < 100; i++)
    g_string_append_printf (text, "{\"node\":\"127.0.0.1:%d\",\"state\":\"alive\"},", 8000 + i % 5);
  size = text->len;
  plain = g_string_free_to_bytes (g_steal_pointer (&text));

  packed = gossip_compressor_compress (compressor, plain, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (packed), <, size / 4);

  unpacked = gossip_compressor_decompress (compressor, packed, size, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (unpacked, plain));

  /* The limit is inclusive: one byte less and the same block is refused. */
  {
    g_autoptr(GBytes) refused = gossip_compressor_decompress (compressor, packed, size - 1, &error);

    g_assert_null (refused);
    g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE);
  }
}

/* The Snappy block format as Go's snappy.Decode reads it: a uvarint length
 * and one literal element. */
static void
test_snappy_known_block (void)
{
  g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();
  g_autoptr(GBytes) block = test_hex_to_bytes ("0b 28 68656c6c6f20776f726c64");
  g_autoptr(GBytes) plain = g_bytes_new_static ("hello world", 11);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GError) error = NULL;

  out = gossip_compressor_decompress (compressor, block, 11, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (out, plain));

  packed = gossip_compressor_compress (compressor, plain, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (packed, block));
}

static void
test_snappy_incompressible (void)
{
  g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();
  g_autoptr(GBytes) plain = random_bytes (4096);
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GBytes) unpacked = NULL;
  g_autoptr(GError) error = NULL;

  packed = gossip_compressor_compress (compressor, plain, &error);
  g_assert_no_error (error);
  /* Random data does not shrink; the wire layer then sends it as is. */
  g_assert_cmpuint (g_bytes_get_size (packed), >=, 4096);

  unpacked = gossip_compressor_decompress (compressor, packed, 4096, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (unpacked, plain));
}

static void
test_snappy_empty (void)
{
  g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GBytes) unpacked = NULL;
  g_autoptr(GError) error = NULL;

  packed = gossip_compressor_compress (compressor, empty, &error);
  g_assert_no_error (error);
  test_assert_bytes_hex (packed, "00");
  unpacked = gossip_compressor_decompress (compressor, packed, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (unpacked), ==, 0);
}

static void
test_snappy_too_large (void)
{
  g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();

  /* 4 GiB: more than any limit, and more than libsnappy's own 32-bit
   * length, but still "too large" rather than "garbage". */
  decompress_expecting_error (compressor, "8080808010 00 61", 1 << 20, GOSSIP_ERROR_TOO_LARGE);
  decompress_expecting_error (compressor, "8080808010 00 61", G_MAXSIZE, GOSSIP_ERROR_TOO_LARGE);
  /* 2 GiB, which libsnappy would accept as a length. */
  decompress_expecting_error (compressor, "8080808008 00 61", 1 << 20, GOSSIP_ERROR_TOO_LARGE);
  /* The largest uvarint (2^64 - 1). */
  decompress_expecting_error (compressor, "ffffffffffffffffff01", 1 << 20, GOSSIP_ERROR_TOO_LARGE);
  /* Within the limit but with nothing behind the claim: refused as
   * invalid before the 2 GiB buffer would be allocated. */
  decompress_expecting_error (compressor, "8080808008 00 61", G_MAXSIZE, GOSSIP_ERROR_DECODE);
}

static void
test_snappy_garbage (void)
{
  g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();
  g_autoptr(GBytes) plain = g_bytes_new_static ("hello world, hello world, hello world", 37);
  g_autoptr(GBytes) packed = NULL;
  g_autoptr(GError) error = NULL;

  /* Empty input has no length header. */
  decompress_expecting_error (compressor, "", 1024, GOSSIP_ERROR_DECODE);
  /* An unterminated uvarint. */
  decompress_expecting_error (compressor, "ffff", 1024, GOSSIP_ERROR_DECODE);
  /* An 11-byte uvarint. */
  decompress_expecting_error (compressor, "8080808080808080808001", G_MAXSIZE, GOSSIP_ERROR_DECODE);
  /* A literal longer than the data. */
  decompress_expecting_error (compressor, "0b 28 68656c6c6f", 1024, GOSSIP_ERROR_DECODE);
  /* Fewer bytes than claimed. */
  decompress_expecting_error (compressor, "20 28 68656c6c6f20776f726c64", 1024, GOSSIP_ERROR_DECODE);
  /* More bytes than claimed. */
  decompress_expecting_error (compressor, "05 28 68656c6c6f20776f726c64", 1024, GOSSIP_ERROR_DECODE);
  /* A copy reaching before the start of the output. */
  decompress_expecting_error (compressor, "08 01 40", 1024, GOSSIP_ERROR_DECODE);

  /* Every truncation of a real block. */
  packed = gossip_compressor_compress (compressor, plain, &error);
  g_assert_no_error (error);
  for (gsize len = 0; len < g_bytes_get_size (packed); len++)
    {
      g_autoptr(GBytes) cut = g_bytes_new_from_bytes (packed, 0, len);
      g_autoptr(GBytes) out = gossip_compressor_decompress (compressor, cut, 1024, &error);

      g_assert_null (out);
      g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE);
      g_clear_error (&error);
    }

  /* Random noise never crashes and never yields more than the limit. */
  for (int i = 0; i < 2000; i++)
    {
      g_autoptr(GBytes) noise = random_bytes ((gsize) g_random_int_range (0, 64));
      g_autoptr(GBytes) out = gossip_compressor_decompress (compressor, noise, 256, &error);

      if (out != NULL)
        g_assert_cmpuint (g_bytes_get_size (out), <=, 256);
      else
        g_assert_true (g_error_matches (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE) ||
                       g_error_matches (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE));
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crypto/aes-gcm/golden-packet", test_aes_gcm_golden);
  g_test_add_func ("/crypto/aes-gcm/round-trip", test_aes_gcm_round_trip);
  g_test_add_func ("/crypto/aes-gcm/key-switch", test_aes_gcm_key_switch);
  g_test_add_func ("/crypto/aes-gcm/bad-key-size", test_aes_gcm_bad_key);
  g_test_add_func ("/crypto/aes-gcm/go-capture", test_aes_gcm_capture);
  g_test_add_func ("/crypto/xchacha/hchacha20-vector", test_hchacha20);
  g_test_add_func ("/crypto/xchacha/draft-vector", test_xchacha_draft_vector);
  g_test_add_func ("/crypto/xchacha/layout", test_xchacha_layout);
  g_test_add_func ("/crypto/xchacha/round-trip", test_xchacha_round_trip);
  g_test_add_func ("/crypto/xchacha/bad-key-size", test_xchacha_bad_key);
  g_test_add_func ("/compress/snappy/round-trip", test_snappy_round_trip);
  g_test_add_func ("/compress/snappy/known-block", test_snappy_known_block);
  g_test_add_func ("/compress/snappy/incompressible", test_snappy_incompressible);
  g_test_add_func ("/compress/snappy/empty", test_snappy_empty);
  g_test_add_func ("/compress/snappy/too-large", test_snappy_too_large);
  g_test_add_func ("/compress/snappy/garbage", test_snappy_garbage);

  return g_test_run ();
}
