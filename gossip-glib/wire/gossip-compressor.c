/* gossip-compressor.c: the GossipCompressor interface and its GBytes wrappers.
 *
 * A compressor shrinks packet payloads and stream frames (PROTOCOL.md §10).
 * The wire pipeline only talks to this interface, so an application can plug
 * in its own implementation as long as its peers use the same one.
 */
#include "config.h"

#include "gossip-compressor.h"

/**
 * GossipCompressor:
 *
 * Compresses and decompresses payloads. The wire protocol signals a
 * compressed payload with a flag bit only, so every node of a cluster must
 * use the same compressor; [class@Gossip.SnappyCompressor] is the one that
 * Go gossip v0.6.0 uses.
 *
 * Since: 1.0
 */

G_DEFINE_INTERFACE (GossipCompressor, gossip_compressor, G_TYPE_OBJECT)

static void
gossip_compressor_default_init (GossipCompressorInterface *iface)
{
}

/**
 * gossip_compressor_compress:
 * @self: a compressor
 * @data: the bytes to compress
 * @error: return location for a #GError
 *
 * Compresses @data.
 *
 * Returns: (transfer full): the compressed bytes, or %NULL with @error set
 *
 * Since: 1.0
 */
GBytes *
gossip_compressor_compress (GossipCompressor  *self,
                            GBytes            *data,
                            GError           **error)
{
  GossipCompressorInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_COMPRESSOR (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = GOSSIP_COMPRESSOR_GET_IFACE (self);
  g_return_val_if_fail (iface->compress != NULL, NULL);

  return iface->compress (self, data, error);
}

/**
 * gossip_compressor_decompress:
 * @self: a compressor
 * @data: the compressed bytes
 * @max_size: the largest decompressed size accepted
 * @error: return location for a #GError
 *
 * Decompresses @data. Input that would decompress to more than @max_size
 * bytes is refused with %GOSSIP_ERROR_TOO_LARGE before any output buffer is
 * allocated, so a small hostile packet cannot make the process allocate
 * much memory; input that is not valid fails with %GOSSIP_ERROR_DECODE.
 *
 * Returns: (transfer full): the decompressed bytes, or %NULL with @error set
 *
 * Since: 1.0
 */
GBytes *
gossip_compressor_decompress (GossipCompressor  *self,
                              GBytes            *data,
                              gsize              max_size,
                              GError           **error)
{
  GossipCompressorInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_COMPRESSOR (self), NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = GOSSIP_COMPRESSOR_GET_IFACE (self);
  g_return_val_if_fail (iface->decompress != NULL, NULL);

  return iface->decompress (self, data, max_size, error);
}
