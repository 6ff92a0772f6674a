/* fuzz-msgpack.c: fuzz target for the msgpack codec on its own. Whatever
 * gossip_codec_decode_data accepts must re-encode, decode again to an
 * equal GVariant, and re-encode to the same bytes (fuzz_codec_round_trip).
 */
#include "config.h"

#include "fuzz-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static GossipCodec *codec = NULL;

  if (codec == NULL)
    {
      fuzz_init ();
      codec = gossip_msgpack_codec_new ();
    }

  fuzz_codec_round_trip (codec, data, size);
  return 0;
}
