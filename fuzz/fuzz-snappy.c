/* fuzz-snappy.c: fuzz target for gossip_compressor_decompress of the
 * snappy compressor with a 65536-byte bound. Anything that decompresses
 * must fit the bound, and compressing the result must decompress back to
 * the same bytes.
 */
#include "config.h"

#include "fuzz-common.h"

#define MAX_SIZE 65536

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static GossipCompressor *compressor = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GBytes) again = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;

  if (compressor == NULL)
    {
      fuzz_init ();
      compressor = gossip_snappy_compressor_new ();
    }

  input = g_bytes_new_static (data, size);
  output = gossip_compressor_decompress (compressor, input, MAX_SIZE, &error);
  if (output == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (output), <=, MAX_SIZE);

  again = gossip_compressor_compress (compressor, output, &error);
  g_assert_no_error (error);
  back = gossip_compressor_decompress (compressor, again, MAX_SIZE, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (output, back));
  return 0;
}
