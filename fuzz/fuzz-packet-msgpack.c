/* fuzz-packet-msgpack.c: fuzz target for the whole receive pipeline of a node
 * configured with the msgpack codec and snappy: gossip_wire_decode (prefix, envelope,
 * snappy), the payload codec, every system-message parser, and the
 * forwarding re-encode.
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
      wire.cipher = NULL;
      wire.key = NULL;
      wire.compress_min_size = 256;
      wire.max_payload_size = FUZZ_MAX_PAYLOAD_SIZE;
      wire.max_datagram_payload_size = FUZZ_MAX_DATAGRAM_PAYLOAD_SIZE;
      wire.max_decode_elements = FUZZ_MAX_DECODE_ELEMENTS;
      ready = TRUE;
    }

  fuzz_packet (&wire, data, size);
  return 0;
}
