/* gossip-snappy-compressor.c: Snappy block-format compression of payloads.
 *
 * Go gossip v0.6.0 compresses with klauspost/compress snappy.Encode, which
 * writes the plain Snappy block format: a uvarint of the uncompressed length
 * followed by literal and copy elements, with no framing, CRC or magic
 * (PROTOCOL.md §10). libsnappy reads and writes exactly that format.
 */
#include "config.h"

#include "gossip-snappy-compressor.h"
#include "gossip-error.h"

#include <glib/gi18n-lib.h>
#include <snappy-c.h>

/**
 * GossipSnappyCompressor:
 *
 * A [iface@Gossip.Compressor] producing Snappy blocks, compatible with the
 * snappy compressor of Go gossip v0.6.0.
 *
 * Since: 1.0
 */
struct _GossipSnappyCompressor
{
  GObject parent_instance;
};

static void gossip_snappy_compressor_iface_init (GossipCompressorInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipSnappyCompressor, gossip_snappy_compressor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_COMPRESSOR,
                                                      gossip_snappy_compressor_iface_init))

/* Reads the uvarint that starts every block ourselves rather than through
 * snappy_uncompressed_length(): libsnappy reports a length that does not fit
 * 32 bits as invalid input, whereas a claim that large is exactly the case
 * the caller must hear about as "too large". */
static gboolean
read_claimed_length (const guint8 *data,
                     gsize         size,
                     guint64      *length)
{
  guint64 value = 0;
  guint shift = 0;
  gsize i;

  for (i = 0; i < size && i < 10; i++)
    {
      guint64 bits = data[i] & 0x7f;

      /* The tenth byte may only carry the top bit of a 64-bit value. */
      if (i == 9 && data[i] > 1)
        return FALSE;

      value |= bits << shift;
      if ((data[i] & 0x80) == 0)
        {
          *length = value;
          return TRUE;
        }
      shift += 7;
    }

  return FALSE;
}

static GBytes *
gossip_snappy_compressor_compress (GossipCompressor  *compressor,
                                   GBytes            *bytes,
                                   GError           **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  static const char empty[1] = { 0 };
  size_t out_size = snappy_max_compressed_length (size);
  char *out = g_malloc (out_size);
  snappy_status status;

  status = snappy_compress (size > 0 ? (const char *) data : empty, size, out, &out_size);
  if (status != SNAPPY_OK)
    {
      g_free (out);
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ENCODE,
                   _("Snappy compression failed (status %d)"), (int) status);
      return NULL;
    }

  return g_bytes_new_take (g_realloc (out, out_size), out_size);
}

static GBytes *
gossip_snappy_compressor_decompress (GossipCompressor  *compressor,
                                     GBytes            *bytes,
                                     gsize              max_size,
                                     GError           **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint64 claimed;
  size_t out_size;
  char *out;

  if (!read_claimed_length (data, size, &claimed))
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   _("Invalid Snappy data: bad length header"));
      return NULL;
    }

  if (claimed > max_size || claimed > G_MAXUINT32)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                   _("Snappy data claims %llu bytes when "
                     "decompressed, more than the limit of %llu"),
                   (unsigned long long) claimed, (unsigned long long) max_size);
      return NULL;
    }

  /* Validating before allocating keeps a tiny packet that merely claims a
   * large size from costing a large allocation. */
  if (snappy_validate_compressed_buffer ((const char *) data, size) != SNAPPY_OK)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   _("Invalid Snappy data"));
      return NULL;
    }

  out_size = (size_t) claimed;
  out = g_malloc (MAX (out_size, 1));
  if (snappy_uncompress ((const char *) data, size, out, &out_size) != SNAPPY_OK ||
      out_size != claimed)
    {
      g_free (out);
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE,
                   _("Invalid Snappy data"));
      return NULL;
    }

  return g_bytes_new_take (out, out_size);
}

static void
gossip_snappy_compressor_iface_init (GossipCompressorInterface *iface)
{
  iface->compress = gossip_snappy_compressor_compress;
  iface->decompress = gossip_snappy_compressor_decompress;
}

static void
gossip_snappy_compressor_class_init (GossipSnappyCompressorClass *klass)
{
}

static void
gossip_snappy_compressor_init (GossipSnappyCompressor *self)
{
}

/**
 * gossip_snappy_compressor_new:
 *
 * Creates a Snappy compressor.
 *
 * Returns: (transfer full): a new [class@Gossip.SnappyCompressor]
 *
 * Since: 1.0
 */
GossipCompressor *
gossip_snappy_compressor_new (void)
{
  return g_object_new (GOSSIP_TYPE_SNAPPY_COMPRESSOR, NULL);
}
