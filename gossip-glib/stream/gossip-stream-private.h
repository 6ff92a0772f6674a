/* gossip-stream-private.h: what the framing streams of a GossipStream share.
 *
 * A GossipStream is made by the cluster (or a test, or the benchmark) from
 * a connection and the wire objects of one side; GossipStreamInput and
 * GossipStreamOutput do the framing of PROTOCOL.md §8 over the connection's
 * own input and output streams.
 */
#pragma once

#include <gio/gio.h>

#include "gossip-codec.h"
#include "gossip-compressor.h"
#include "gossip-cipher.h"
#include "gossip-stream.h"

G_BEGIN_DECLS

#define GOSSIP_STREAM_HEADER_SIZE      4
#define GOSSIP_STREAM_FLAG_COMPRESSED  0x80000000u
#define GOSSIP_STREAM_LENGTH_MASK      0x7FFFFFFFu
#define GOSSIP_STREAM_MESSAGE_HEADER   6
/* Frame data is read into memory this much at a time at first, then
 * doubling, so an untrusted length costs only what has arrived. */
#define GOSSIP_STREAM_READ_CHUNK       (64 * 1024)
/* Frames at least this big are sealed and opened in a worker thread. */
#define GOSSIP_STREAM_THREAD_MIN       (128 * 1024)

/* The settings of one side, fixed when the stream is made. Shared by the
 * stream and its two framing halves; immutable but for compress. */
typedef struct {
  gatomicrefcount   ref_count;
  GossipCodec      *codec;             /* for typed messages */
  GossipCompressor *compressor;        /* nullable */
  GossipCipher     *cipher;            /* nullable */
  GBytes           *key;               /* set iff cipher: encrypts, tried first */
  GPtrArray        *other_keys;        /* GBytes*: also tried on decrypt */
  gsize             compress_min_size;
  gsize             max_frame_size;    /* stream-max-packet-size: L limit */
  gsize             max_message_size;  /* tcp-max-packet-size: typed message limit */
  gint              compress;          /* atomic: compression enabled (writer side) */
} GossipStreamParams;

GossipStreamParams *gossip_stream_params_new   (GossipCodec      *codec,
                                                GossipCompressor *compressor,
                                                GossipCipher     *cipher,
                                                GBytes           *key,
                                                GPtrArray        *other_keys,
                                                gsize             compress_min_size,
                                                gsize             max_frame_size,
                                                gsize             max_message_size);
GossipStreamParams *gossip_stream_params_ref   (GossipStreamParams *params);
void                gossip_stream_params_unref (GossipStreamParams *params);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipStreamParams, gossip_stream_params_unref)

/* Wraps @base. Framed iff @params has a compressor or a cipher (§8 step 4);
 * otherwise the stream hands out @base's own input and output streams. */
GossipStream *gossip_stream_new (GIOStream          *base,
                                 GossipStreamParams *params);

#define GOSSIP_TYPE_STREAM_INPUT (gossip_stream_input_get_type ())
G_DECLARE_FINAL_TYPE (GossipStreamInput, gossip_stream_input, GOSSIP, STREAM_INPUT, GInputStream)
GInputStream  *gossip_stream_input_new  (GInputStream       *base,
                                         GossipStreamParams *params);

#define GOSSIP_TYPE_STREAM_OUTPUT (gossip_stream_output_get_type ())
G_DECLARE_FINAL_TYPE (GossipStreamOutput, gossip_stream_output, GOSSIP, STREAM_OUTPUT, GOutputStream)
GOutputStream *gossip_stream_output_new (GOutputStream      *base,
                                         GossipStreamParams *params);

/* The plaintext a frame of @count bytes carries at most. */
gsize gossip_stream_params_max_plain (GossipStreamParams *params);

G_END_DECLS
