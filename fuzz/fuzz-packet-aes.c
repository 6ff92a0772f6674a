/* fuzz-packet-aes.c: fuzz target for the whole receive pipeline of a node
 * configured with msgpack, snappy and AES-128-GCM (key "1234567890123456",
 * the Go examples' key): gossip_wire_decode (prefix, AES-GCM open,
 * envelope, snappy), the payload codec, every system-message parser, and
 * the forwarding re-encode.
 *
 * Random bytes almost never carry a valid GCM tag, so this target mostly
 * exercises the checks before and around decryption (short input, nonce
 * length, tag failure). The seeds are valid encrypted packets, so the
 * mutations of the 2-byte unauthenticated prefix (header length and the
 * compressed flag) do reach the envelope and payload decoders.
 */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static GossipWire wire;
  static gboolean ready = FALSE;

  if (!ready)
    {
      fuzz_init ();
      wire.codec = gossip_msgpack_codec_new ();
      wire.compressor = gossip_snappy_compressor_new ();
      wire.cipher = gossip_aes_gcm_cipher_new ();
      wire.key = g_bytes_new_static ("1234567890123456", 16);
      wire.compress_min_size = 256;
      wire.max_payload_size = FUZZ_MAX_PAYLOAD_SIZE;
      wire.max_datagram_payload_size = FUZZ_MAX_DATAGRAM_PAYLOAD_SIZE;
      wire.max_decode_elements = FUZZ_MAX_DECODE_ELEMENTS;
      ready = TRUE;
    }

  fuzz_packet (&wire, data, size);
  return 0;
}
