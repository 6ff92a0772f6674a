/* test-stream.c: node-to-node streams (PROTOCOL.md §8) between real
 * clusters on 127.0.0.1: bulk transfers each way with AES-GCM and snappy,
 * typed messages, compression on and off, the frame layout byte by byte,
 * broken peers (closed mid-frame, oversized claims), cancelled and refused
 * opens, and a stream at full speed that must not starve the pings. */
#include <string.h>
#include <sys/socket.h>

#include "test-utils.h"
#include "gossip-stream-private.h"

#define STREAM_TYPE 200
#define KEY "1234567890123456"

typedef enum {
  OPT_NONE = 0,
  OPT_CIPHER = 1 << 0,
  OPT_SNAPPY = 1 << 1,
  OPT_WS = 1 << 2,     /* WebSocket-only nodes (ws://) instead of TCP */
} Opts;

#define OPT_FRAMED(opts) (((opts) & (OPT_CIPHER | OPT_SNAPPY)) != 0)

static GossipCluster *
node_new_full (Opts opts, double scale)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, scale);
  if (opts & OPT_CIPHER)
    {
      g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
      g_autoptr(GBytes) key = g_bytes_new_static (KEY, 16);
      gossip_config_set_cipher (config, cipher);
      gossip_config_set_encryption_key (config, key);
    }
  if (opts & OPT_SNAPPY)
    {
      g_autoptr(GossipCompressor) snappy = gossip_snappy_compressor_new ();
      gossip_config_set_compressor (config, snappy);
    }
  if (opts & OPT_WS)
    {
      g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) bind = g_inet_socket_address_new (lo, 0);
      g_autoptr(GossipWebsocketTransport) ws = NULL;

      ws = g_initable_new (GOSSIP_TYPE_WEBSOCKET_TRANSPORT, NULL, &error,
                           "bind-address", bind,
                           "allow-insecure-websockets", TRUE,
                           "timeout", 3000,
                           NULL);
      g_assert_no_error (error);
      gossip_config_set_transport (config, GOSSIP_TRANSPORT (ws));
      /* Every WebSocket probe is a connection with a handshake. */
      g_object_set (config, "ping-timeout", 500, NULL);
    }
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (cluster);
  return cluster;
}

static GossipCluster *
node_new (Opts opts)
{
  return node_new_full (opts, 0.1);
}

/* Two (or more) joined nodes; returns node 0's view of node 1. */
static GPtrArray *
pair_new (Opts opts, guint n, double scale)
{
  GPtrArray *clusters = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (clusters, node_new_full (opts, scale));
  test_clusters_join_first (clusters);
  return clusters;
}

static GossipNode *
peer_of (GossipCluster *from, GossipCluster *to)
{
  GossipNode *node = gossip_cluster_get_node (from, gossip_node_get_id (gossip_cluster_get_local_node (to)));
  g_assert_nonnull (node);
  return node;
}

/* ------------------------------------------------------------------ */
/* Opening                                                             */

typedef struct {
  GossipStream *stream;
  GError       *error;
  gboolean      done;
} OpenResult;

static void
open_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  OpenResult *r = user_data;

  r->stream = gossip_cluster_open_stream_finish (GOSSIP_CLUSTER (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
flag_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static GossipStream *
open_stream (GossipCluster *from, GossipCluster *to, guint16 type, GVariant *payload, GError **error)
{
  OpenResult r = { 0 };

  gossip_cluster_open_stream_async (from, peer_of (from, to), type, payload, NULL, open_cb, &r);
  g_assert_true (test_wait_for (flag_set, &r.done, 10000));
  if (r.error)
    g_propagate_error (error, r.error);
  return r.stream;
}

/* The accepting side keeps the last stream it got. */
typedef struct {
  GossipStream *stream;
  GossipNode   *sender;
  GVariant     *open_payload;
  guint         accepted;
} Accepted;

static void
accepted_clear (Accepted *a)
{
  g_clear_object (&a->stream);
  g_clear_object (&a->sender);
  g_clear_pointer (&a->open_payload, g_variant_unref);
}

static void
accept_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet,
           GossipStream *stream, gpointer user_data)
{
  Accepted *a = user_data;
  g_autoptr(GError) error = NULL;

  accepted_clear (a);
  a->stream = g_object_ref (stream);
  a->sender = sender ? g_object_ref (sender) : NULL;
  a->open_payload = gossip_packet_get_payload (packet, &error);
  g_assert_no_error (error);
  a->accepted++;
}

static gboolean
one_accepted (gpointer user_data)
{
  return ((Accepted *) user_data)->accepted > 0;
}

/* Reads once, asynchronously, running the main context meanwhile. */
typedef struct {
  GBytes  *bytes;
  GError  *error;
  gboolean done;
} ReadResult;

static void
read_some_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ReadResult *r = user_data;

  r->bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &r->error);
  r->done = TRUE;
}

static GBytes *
read_some (GossipStream *stream, gsize count, GError **error)
{
  ReadResult r = { 0 };

  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (stream)), count,
                                   G_PRIORITY_DEFAULT, NULL, read_some_cb, &r);
  g_assert_true (test_wait_for (flag_set, &r.done, 10000));
  if (r.error)
    g_propagate_error (error, r.error);
  return r.bytes;
}

/* ------------------------------------------------------------------ */
/* Bulk: a pump writes N bytes and reads N bytes, hashing both          */

#define CHUNK (256 * 1024)

typedef struct {
  GossipStream *stream;
  guint64       total;
  guint64       sent;
  guint64       received;
  GChecksum    *out_sum;
  GChecksum    *in_sum;
  GRand        *rand;
  guint8       *out_buf;
  guint8       *in_buf;
  gboolean      write_done;
  gboolean      read_done;
  gboolean      stop;       /* the writer closes the stream at the next chunk */
  GError       *error;
} Pump;

/* Half the chunks random, half a repeated text: snappy gets both. */
static void
fill_chunk (Pump *p, gsize n)
{
  if (g_rand_boolean (p->rand))
    for (gsize i = 0; i + 4 <= n; i += 4)
      {
        guint32 v = g_rand_int (p->rand);
        memcpy (p->out_buf + i, &v, 4);
      }
  else
    {
      static const char text[] = "gossip-glib streams carry the application's bytes. ";
      guint32 salt = g_rand_int (p->rand);
      for (gsize i = 0; i < n; i++)
        p->out_buf[i] = text[(i + salt) % (sizeof text - 1)];
    }
}

static void pump_write (Pump *p);
static void pump_read (Pump *p);

static void
pump_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pump *p = user_data;
  gsize written = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &p->error))
    {
      p->write_done = TRUE;
      return;
    }
  g_checksum_update (p->out_sum, p->out_buf, written);
  p->sent += written;
  pump_write (p);
}

static void
pump_write (Pump *p)
{
  gsize n = MIN ((guint64) CHUNK, p->total - p->sent);

  if (p->stop)
    {
      g_io_stream_close (G_IO_STREAM (p->stream), NULL, NULL);
      p->write_done = TRUE;
      return;
    }
  if (n == 0)
    {
      p->write_done = TRUE;
      return;
    }
  fill_chunk (p, n);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (p->stream)),
                                   p->out_buf, n, G_PRIORITY_DEFAULT, NULL, pump_written_cb, p);
}

static void
pump_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pump *p = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &p->error);

  if (n <= 0)
    {
      p->read_done = TRUE;
      return;
    }
  g_checksum_update (p->in_sum, p->in_buf, n);
  p->received += n;
  pump_read (p);
}

static void
pump_read (Pump *p)
{
  if (p->received >= p->total)
    {
      p->read_done = TRUE;
      return;
    }
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (p->stream)),
                             p->in_buf, CHUNK, G_PRIORITY_DEFAULT, NULL, pump_read_cb, p);
}

static void
pump_init_full (Pump *p, GossipStream *stream, guint64 total, guint32 seed, gboolean write, gboolean read)
{
  memset (p, 0, sizeof *p);
  p->stream = stream;
  p->total = total;
  p->out_sum = g_checksum_new (G_CHECKSUM_SHA256);
  p->in_sum = g_checksum_new (G_CHECKSUM_SHA256);
  p->rand = g_rand_new_with_seed (seed);
  p->out_buf = g_malloc (CHUNK);
  p->in_buf = g_malloc (CHUNK);
  p->write_done = !write;
  p->read_done = !read;
  if (write)
    pump_write (p);
  if (read)
    pump_read (p);
}

static void
pump_init (Pump *p, GossipStream *stream, guint64 total, guint32 seed)
{
  pump_init_full (p, stream, total, seed, TRUE, TRUE);
}

static void
pump_clear (Pump *p)
{
  g_checksum_free (p->out_sum);
  g_checksum_free (p->in_sum);
  g_rand_free (p->rand);
  g_free (p->out_buf);
  g_free (p->in_buf);
  g_clear_error (&p->error);
}

static gboolean
pumps_done (gpointer user_data)
{
  Pump *p = user_data;
  return p[0].write_done && p[0].read_done && p[1].write_done && p[1].read_done;
}

static void
run_bulk (Opts opts, guint64 total)
{
  g_autoptr(GPtrArray) clusters = pair_new (opts, 2, 0.1);
  GossipCluster *a = clusters->pdata[0], *b = clusters->pdata[1];
  Accepted acc = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipStream) opened = NULL;
  Pump pumps[2];
  gint64 start;
  double secs;

  g_assert_true (gossip_cluster_handle_stream (b, STREAM_TYPE, accept_cb, &acc, NULL, &error));
  g_assert_no_error (error);
  opened = open_stream (a, b, STREAM_TYPE, g_variant_new_string ("bulk"), &error);
  g_assert_no_error (error);
  g_assert_true (GOSSIP_IS_STREAM (opened));
  g_assert_true (test_wait_for (one_accepted, &acc, 10000));
  g_assert_cmpint (gossip_stream_is_framed (opened), ==, OPT_FRAMED (opts));
  g_assert_cmpint (gossip_stream_is_framed (acc.stream), ==, OPT_FRAMED (opts));
  g_assert_cmpstr (g_variant_get_string (acc.open_payload, NULL), ==, "bulk");
  g_assert_nonnull (acc.sender);

  start = g_get_monotonic_time ();
  pump_init (&pumps[0], opened, total, 1);
  pump_init (&pumps[1], acc.stream, total, 2);
  g_assert_true (test_wait_for (pumps_done, pumps, 240000));
  secs = (g_get_monotonic_time () - start) / 1e6;
  for (guint i = 0; i < 2; i++)
    {
      g_assert_no_error (pumps[i].error);
      g_assert_cmpuint (pumps[i].sent, ==, total);
      g_assert_cmpuint (pumps[i].received, ==, total);
    }
  g_assert_cmpstr (g_checksum_get_string (pumps[0].out_sum), ==, g_checksum_get_string (pumps[1].in_sum));
  g_assert_cmpstr (g_checksum_get_string (pumps[1].out_sum), ==, g_checksum_get_string (pumps[0].in_sum));
  g_test_message ("%" G_GUINT64_FORMAT " MiB each way in %.2f s (%.1f MB/s both ways)",
                  total >> 20, secs, 2.0 * total / 1e6 / secs);

  /* A close on one side is the end of the other's input. */
  g_assert_true (g_io_stream_close (G_IO_STREAM (opened), NULL, &error));
  g_assert_no_error (error);
  {
    g_autoptr(GBytes) rest = read_some (acc.stream, 16, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g_bytes_get_size (rest), ==, 0);
  }
  pump_clear (&pumps[0]);
  pump_clear (&pumps[1]);
  accepted_clear (&acc);
  test_clusters_free (g_steal_pointer (&clusters));
}

static void
test_bulk_aes_snappy (void)
{
  run_bulk (OPT_CIPHER | OPT_SNAPPY, 64 << 20);
}

static void
test_bulk_aes (void)
{
  run_bulk (OPT_CIPHER, 16 << 20);
}

static void
test_bulk_snappy (void)
{
  run_bulk (OPT_SNAPPY, 16 << 20);
}

/* The same bytes over WebSocket-only nodes: the stream rides the
 * transport's connection (binary messages as one byte stream). */
static void
test_bulk_ws_aes_snappy (void)
{
  run_bulk (OPT_WS | OPT_CIPHER | OPT_SNAPPY, 64 << 20);
}

static void
test_bulk_ws_plain (void)
{
  run_bulk (OPT_WS, 16 << 20);
}

static void
test_bulk_plain (void)
{
  run_bulk (OPT_NONE, 16 << 20);
}

/* ------------------------------------------------------------------ */
/* Typed messages                                                      */

typedef struct {
  GossipStream *stream;
  guint         echoed;
  GError       *error;
} Echo;

static void echo_next (Echo *e);

static void
echo_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Echo *e = user_data;

  if (!gossip_stream_write_message_finish (GOSSIP_STREAM (source), result, &e->error))
    return;
  e->echoed++;
  echo_next (e);
}

static void
echo_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Echo *e = user_data;
  guint16 type = 0;
  g_autoptr(GVariant) v = gossip_stream_read_message_finish (GOSSIP_STREAM (source), result, &type, &e->error);
  g_autofree char *pong = NULL;

  if (v == NULL)
    return;
  pong = g_strdup_printf ("Pong: %s", g_variant_get_string (v, NULL));
  gossip_stream_write_message_async (e->stream, type, g_variant_new_string (pong), NULL, echo_written_cb, e);
}

static void
echo_next (Echo *e)
{
  gossip_stream_read_message_async (e->stream, 0, NULL, echo_read_cb, e);
}

static gboolean
echoed_23 (gpointer user_data)
{
  return ((Echo *) user_data)->echoed >= 23;
}

static gboolean
echo_failed (gpointer user_data)
{
  return ((Echo *) user_data)->error != NULL;
}

static void
echo_accept_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet,
                GossipStream *stream, gpointer user_data)
{
  Echo *e = user_data;

  g_clear_object (&e->stream);
  e->stream = g_object_ref (stream);
  echo_next (e);
}

typedef struct {
  GVariant *value;
  guint16   type;
  GError   *error;
  gboolean  done;
} MsgResult;

static void
msg_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MsgResult *r = user_data;

  gossip_stream_write_message_finish (GOSSIP_STREAM (source), result, &r->error);
  r->done = TRUE;
}

static void
msg_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MsgResult *r = user_data;

  r->value = gossip_stream_read_message_finish (GOSSIP_STREAM (source), result, &r->type, &r->error);
  r->done = TRUE;
}

static GVariant *
round_trip (GossipStream *s, guint16 type, guint16 expect, const char *text, GError **error)
{
  MsgResult w = { 0 }, r = { 0 };

  gossip_stream_write_message_async (s, type, g_variant_new_string (text), NULL, msg_written_cb, &w);
  g_assert_true (test_wait_for (flag_set, &w.done, 10000));
  g_assert_no_error (w.error);
  gossip_stream_read_message_async (s, expect, NULL, msg_read_cb, &r);
  g_assert_true (test_wait_for (flag_set, &r.done, 10000));
  if (r.error)
    g_propagate_error (error, r.error);
  else
    g_assert_cmpuint (r.type, ==, type);
  return r.value;
}

static void
run_messages (Opts opts)
{
  g_autoptr(GPtrArray) clusters = pair_new (opts, 2, 0.1);
  GossipCluster *a = clusters->pdata[0], *b = clusters->pdata[1];
  Echo echo = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipStream) s = NULL;
  g_autofree char *big = NULL;

  g_assert_true (gossip_cluster_handle_stream (b, 128, echo_accept_cb, &echo, NULL, &error));
  s = open_stream (a, b, 128, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *text = g_strdup_printf ("hello %u", i);
      g_autofree char *want = g_strdup_printf ("Pong: %s", text);
      g_autoptr(GVariant) v = round_trip (s, 129, 129, text, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (g_variant_get_string (v, NULL), ==, want);
    }
  /* A payload above the compression threshold, several frames' worth of
   * reads on the other side. */
  big = g_strnfill (300000, 'x');
  {
    g_autoptr(GVariant) v = round_trip (s, 129, 0, big, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (strlen (g_variant_get_string (v, NULL)), ==, 300000 + 6);
  }
  /* The wrong type is consumed, then reported. */
  {
    g_autoptr(GVariant) v = round_trip (s, 130, 131, "typed", &error);
    g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_PROTOCOL);
    g_assert_null (v);
    g_clear_error (&error);
  }
  {
    g_autoptr(GVariant) v = round_trip (s, 129, 129, "after", &error);
    g_assert_no_error (error);
    g_assert_cmpstr (g_variant_get_string (v, NULL), ==, "Pong: after");
  }
  /* Reserved types are refused by the writer. */
  {
    MsgResult w = { 0 };
    gossip_stream_write_message_async (s, 11, NULL, NULL, msg_written_cb, &w);
    g_assert_true (test_wait_for (flag_set, &w.done, 10000));
    g_assert_error (w.error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
    g_clear_error (&w.error);
  }
  /* The echo side counts a reply when its write completes, which over a
   * WebSocket may come after our read of it. */
  g_assert_true (test_wait_for (echoed_23, &echo, 10000));
  g_assert_cmpuint (echo.echoed, ==, 23);

  g_clear_object (&s);
  /* The echo side sees the end of the stream as an error of its read. */
  g_assert_true (test_wait_for (echo_failed, &echo, 10000));
  g_assert_error (echo.error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  test_clusters_free (g_steal_pointer (&clusters));
  g_clear_object (&echo.stream);
  g_clear_error (&echo.error);
}

static void
test_messages_framed (void)
{
  run_messages (OPT_CIPHER | OPT_SNAPPY);
}

static void
test_messages_plain (void)
{
  run_messages (OPT_NONE);
}

static void
test_messages_ws (void)
{
  run_messages (OPT_WS | OPT_CIPHER);
}

/* ------------------------------------------------------------------ */
/* The frame layout, byte by byte, over a socket pair                  */

static void
socket_pair (GIOStream **x, GIOStream **y)
{
  int fds[2];
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sx = NULL, sy = NULL;

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  sx = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  sy = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  *x = G_IO_STREAM (g_socket_connection_factory_create_connection (sx));
  *y = G_IO_STREAM (g_socket_connection_factory_create_connection (sy));
}

static GossipStreamParams *
params_new (Opts opts, gsize max_frame)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  g_autoptr(GossipCipher) cipher = (opts & OPT_CIPHER) ? gossip_aes_gcm_cipher_new () : NULL;
  g_autoptr(GossipCompressor) snappy = (opts & OPT_SNAPPY) ? gossip_snappy_compressor_new () : NULL;
  g_autoptr(GBytes) key = g_bytes_new_static (KEY, 16);

  return gossip_stream_params_new (codec, snappy, cipher, key, NULL, 256, max_frame, 4194304);
}

/* Reads one frame off the raw side and decodes it by hand. */
static GBytes *
raw_frame (GIOStream *raw, gboolean *compressed, gsize *length, Opts opts)
{
  g_autoptr(GError) error = NULL;
  guint8 header[4];
  gsize n = 0;
  guint32 h;
  g_autofree guint8 *data = NULL;
  g_autoptr(GBytes) bytes = NULL;

  g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (raw), header, 4, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 4);
  h = ((guint32) header[0] << 24) | ((guint32) header[1] << 16) | ((guint32) header[2] << 8) | header[3];
  *compressed = (h >> 31) != 0;
  *length = h & 0x7FFFFFFF;
  data = g_malloc (*length);
  g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (raw), data, *length, &n, NULL, &error));
  g_assert_cmpuint (n, ==, *length);
  bytes = g_bytes_new_take (g_steal_pointer (&data), *length);
  if (opts & OPT_CIPHER)
    {
      g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
      g_autoptr(GBytes) key = g_bytes_new_static (KEY, 16);
      GBytes *plain = gossip_cipher_decrypt (cipher, key, bytes, &error);
      g_assert_no_error (error);
      g_bytes_unref (bytes);
      bytes = plain;
    }
  if (*compressed)
    {
      g_autoptr(GossipCompressor) snappy = gossip_snappy_compressor_new ();
      GBytes *out = gossip_compressor_decompress (snappy, bytes, 1 << 24, &error);
      g_assert_no_error (error);
      g_bytes_unref (bytes);
      bytes = out;
    }
  return g_steal_pointer (&bytes);
}

static void
write_sync (GossipStream *s, const void *data, gsize size)
{
  g_autoptr(GError) error = NULL;
  gsize n = 0;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (s)),
                                            data, size, &n, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, size);
}

static void
test_golden (void)
{
  static const Opts cases[] = { OPT_CIPHER | OPT_SNAPPY, OPT_CIPHER, OPT_SNAPPY };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      Opts opts = cases[c];
      g_autoptr(GIOStream) x = NULL, y = NULL;
      g_autoptr(GossipStreamParams) params = params_new (opts, 8388608);
      g_autoptr(GossipStream) s = NULL;
      gsize overhead = (opts & OPT_CIPHER) ? 28 : 0;
      g_autofree guint8 *text = g_malloc (1000);
      gboolean compressed;
      gsize length;

      memset (text, 'a', 1000);
      socket_pair (&x, &y);
      s = gossip_stream_new (x, params);
      g_assert_true (gossip_stream_is_framed (s));

      /* compressible, over the threshold: compressed iff snappy */
      write_sync (s, text, 1000);
      {
        g_autoptr(GBytes) got = raw_frame (y, &compressed, &length, opts);
        g_assert_cmpint (compressed, ==, (opts & OPT_SNAPPY) != 0);
        if (compressed)
          g_assert_cmpuint (length, <, 1000);
        else
          g_assert_cmpuint (length, ==, 1000 + overhead);
        g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), text, 1000);
      }
      /* compression off for this stream: flag clear, length exact */
      gossip_stream_set_compression_enabled (s, FALSE);
      g_assert_false (gossip_stream_get_compression_enabled (s));
      write_sync (s, text, 1000);
      {
        g_autoptr(GBytes) got = raw_frame (y, &compressed, &length, opts);
        g_assert_false (compressed);
        g_assert_cmpuint (length, ==, 1000 + overhead);
        g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), text, 1000);
      }
      gossip_stream_set_compression_enabled (s, TRUE);
      /* under compress-min-size: never compressed */
      write_sync (s, text, 100);
      {
        g_autoptr(GBytes) got = raw_frame (y, &compressed, &length, opts);
        g_assert_false (compressed);
        g_assert_cmpuint (length, ==, 100 + overhead);
      }
      /* a zero-length write sends nothing: the next frame is the 1-byte one */
      {
        g_autoptr(GError) error = NULL;
        g_assert_cmpint (g_output_stream_write (g_io_stream_get_output_stream (G_IO_STREAM (s)), text, 0,
                                                NULL, &error), ==, 0);
        g_assert_no_error (error);
      }
      write_sync (s, "z", 1);
      {
        g_autoptr(GBytes) got = raw_frame (y, &compressed, &length, opts);
        g_assert_cmpuint (length, ==, 1 + overhead);
        g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "z", 1);
      }
      /* incompressible data: sent as is even with snappy */
      {
        g_autoptr(GRand) rand = g_rand_new_with_seed (7);
        g_autoptr(GBytes) got = NULL;

        for (guint i = 0; i < 1000; i++)
          text[i] = g_rand_int (rand);
        write_sync (s, text, 1000);
        got = raw_frame (y, &compressed, &length, opts);
        g_assert_false (compressed);
        g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), text, 1000);
      }
    }
}

/* No compressor and no cipher: the bytes pass as they are. */
static void
test_unframed (void)
{
  g_autoptr(GIOStream) x = NULL, y = NULL;
  g_autoptr(GossipStreamParams) params = params_new (OPT_NONE, 8388608);
  g_autoptr(GossipStream) s = NULL;
  g_autoptr(GError) error = NULL;
  char buf[5];
  gsize n = 0;

  socket_pair (&x, &y);
  s = gossip_stream_new (x, params);
  g_assert_false (gossip_stream_is_framed (s));
  write_sync (s, "hello", 5);
  g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (y), buf, 5, &n, NULL, &error));
  g_assert_cmpmem (buf, n, "hello", 5);
}

/* A write bigger than a frame is cut into frames no larger than the limit. */
static void
test_frame_limit_on_write (void)
{
  g_autoptr(GIOStream) x = NULL, y = NULL;
  g_autoptr(GossipStreamParams) params = params_new (OPT_CIPHER, 4096);
  g_autoptr(GossipStream) s = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *data = g_malloc0 (10000);
  g_autoptr(GBytes) got = NULL;
  gssize n;
  gboolean compressed;
  gsize length;

  socket_pair (&x, &y);
  s = gossip_stream_new (x, params);
  n = g_output_stream_write (g_io_stream_get_output_stream (G_IO_STREAM (s)), data, 10000, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 4096 - 28);
  got = raw_frame (y, &compressed, &length, OPT_CIPHER);
  g_assert_cmpuint (length, ==, 4096);
}

/* The reader: frames from the raw side, leftovers kept, bad frames refused. */
static void
raw_write (GIOStream *raw, const void *data, gsize size)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (raw), data, size, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
raw_header (GIOStream *raw, guint32 h)
{
  guint8 b[4] = { h >> 24, h >> 16, h >> 8, h };
  raw_write (raw, b, 4);
}

static void
test_reader_sync (void)
{
  g_autoptr(GIOStream) x = NULL, y = NULL;
  g_autoptr(GossipStreamParams) params = params_new (OPT_SNAPPY, 65536);
  g_autoptr(GossipStream) s = NULL;
  g_autoptr(GError) error = NULL;
  GInputStream *in;
  char buf[4];
  gssize n;

  socket_pair (&x, &y);
  s = gossip_stream_new (x, params);
  in = g_io_stream_get_input_stream (G_IO_STREAM (s));
  /* an uncompressed frame of 6 bytes, read 4 then 2 */
  raw_header (y, 6);
  raw_write (y, "abcdef", 6);
  n = g_input_stream_read (in, buf, 4, NULL, &error);
  g_assert_cmpint (n, ==, 4);
  g_assert_cmpmem (buf, 4, "abcd", 4);
  n = g_input_stream_read (in, buf, 4, NULL, &error);
  g_assert_cmpint (n, ==, 2);
  g_assert_cmpmem (buf, 2, "ef", 2);
  /* an empty frame (no Go writer makes one) is skipped, not end of file */
  raw_header (y, 0);
  raw_header (y, 1);
  raw_write (y, "g", 1);
  n = g_input_stream_read (in, buf, 4, NULL, &error);
  g_assert_cmpint (n, ==, 1);
  /* a claim over the limit fails before any allocation, and for good */
  raw_header (y, 0x7FFFFFFF);
  n = g_input_stream_read (in, buf, 4, NULL, &error);
  g_assert_cmpint (n, ==, -1);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE);
  g_clear_error (&error);
  n = g_input_stream_read (in, buf, 4, NULL, &error);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* garbage flagged as compressed is a decode error */
  {
    g_autoptr(GIOStream) x2 = NULL, y2 = NULL;
    g_autoptr(GossipStream) s2 = NULL;

    socket_pair (&x2, &y2);
    s2 = gossip_stream_new (x2, params);
    raw_header (y2, 0x80000000u | 4);
    raw_write (y2, "\xff\xff\xff\xff", 4);
    n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (s2)), buf, 4, NULL, &error);
    g_assert_cmpint (n, ==, -1);
    g_assert_nonnull (error);
    g_clear_error (&error);
  }
  /* a frame that fails authentication is a crypto error */
  {
    g_autoptr(GIOStream) x3 = NULL, y3 = NULL;
    g_autoptr(GossipStreamParams) p3 = params_new (OPT_CIPHER, 65536);
    g_autoptr(GossipStream) s3 = NULL;
    guint8 junk[40] = { 0 };

    socket_pair (&x3, &y3);
    s3 = gossip_stream_new (x3, p3);
    raw_header (y3, sizeof junk);
    raw_write (y3, junk, sizeof junk);
    n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (s3)), buf, 4, NULL, &error);
    g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO);
    g_clear_error (&error);
  }
}

/* A frame made by hand as Go makes it (snappy, then AES-GCM, bit 31 set)
 * reads back through a GossipStream. */
static void
test_reader_hand_made (void)
{
  g_autoptr(GIOStream) x = NULL, y = NULL;
  g_autoptr(GossipStreamParams) params = params_new (OPT_CIPHER | OPT_SNAPPY, 65536);
  g_autoptr(GossipStream) s = NULL;
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  g_autoptr(GossipCompressor) snappy = gossip_snappy_compressor_new ();
  g_autoptr(GBytes) key = g_bytes_new_static (KEY, 16);
  g_autofree char *text = g_strnfill (5000, 'q');
  g_autoptr(GBytes) plain = g_bytes_new_static (text, 5000);
  g_autoptr(GBytes) packed = NULL, sealed = NULL, got = NULL;
  g_autoptr(GError) error = NULL;
  GByteArray *all = g_byte_array_new ();

  socket_pair (&x, &y);
  s = gossip_stream_new (x, params);
  packed = gossip_compressor_compress (snappy, plain, &error);
  g_assert_no_error (error);
  sealed = gossip_cipher_encrypt (cipher, key, packed, &error);
  g_assert_no_error (error);
  raw_header (y, 0x80000000u | (guint32) g_bytes_get_size (sealed));
  raw_write (y, g_bytes_get_data (sealed, NULL), g_bytes_get_size (sealed));
  while (all->len < 5000)
    {
      g_autoptr(GBytes) chunk = g_input_stream_read_bytes (g_io_stream_get_input_stream (G_IO_STREAM (s)),
                                                           1000, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (chunk), >, 0);
      g_byte_array_append (all, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
    }
  got = g_byte_array_free_to_bytes (all);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), text, 5000);
}

/* A read cancelled in the middle of a frame loses nothing: the next read
 * carries on with the same frame. */
static void
cancelled_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ReadResult *r = user_data;

  r->bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &r->error);
  r->done = TRUE;
}

static void
test_reader_cancel_resumes (void)
{
  g_autoptr(GIOStream) x = NULL, y = NULL;
  g_autoptr(GossipStreamParams) params = params_new (OPT_SNAPPY, 65536);
  g_autoptr(GossipStream) s = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  ReadResult r = { 0 };

  socket_pair (&x, &y);
  s = gossip_stream_new (x, params);
  raw_header (y, 10);
  raw_write (y, "01234", 5);
  g_input_stream_read_bytes_async (g_io_stream_get_input_stream (G_IO_STREAM (s)), 100, G_PRIORITY_DEFAULT,
                                   cancel, cancelled_read_cb, &r);
  /* the first half is taken in (nothing left to read on the socket), then
   * the read waits for the rest */
  {
    GSocket *sock = g_socket_connection_get_socket (G_SOCKET_CONNECTION (x));
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while ((g_socket_condition_check (sock, G_IO_IN) & G_IO_IN) && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, FALSE);
    g_assert_cmpint (g_socket_condition_check (sock, G_IO_IN) & G_IO_IN, ==, 0);
  }
  g_main_context_iteration (NULL, FALSE);
  g_assert_false (r.done);
  g_cancellable_cancel (cancel);
  g_assert_true (test_wait_for (flag_set, &r.done, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  raw_write (y, "56789", 5);
  {
    g_autoptr(GBytes) got = read_some (s, 100, &error);
    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (got, NULL), g_bytes_get_size (got), "0123456789", 10);
  }
}

/* ------------------------------------------------------------------ */
/* Broken peers, over real clusters                                    */

/* The accepting side writes @bytes raw on the connection, then closes. */
static void
run_broken_peer (const guint8 *bytes, gsize size, guint max_frame, GQuark domain, int code)
{
  g_autoptr(GPtrArray) clusters = g_ptr_array_new_with_free_func (g_object_unref);
  GossipCluster *a, *b;
  Accepted acc = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipStream) s = NULL;

  {
    g_autoptr(GossipConfig) config = gossip_config_new ();
    g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
    g_autoptr(GBytes) key = g_bytes_new_static (KEY, 16);

    gossip_config_set_bind_address (config, "127.0.0.1:0");
    gossip_config_scale_intervals (config, 0.1);
    gossip_config_set_cipher (config, cipher);
    gossip_config_set_encryption_key (config, key);
    g_object_set (config, "stream-max-packet-size", max_frame, NULL);
    a = gossip_cluster_new (config, NULL, &error);
    g_assert_no_error (error);
    gossip_cluster_start (a);
    g_ptr_array_add (clusters, a);
  }
  g_ptr_array_add (clusters, node_new (OPT_CIPHER));
  b = clusters->pdata[1];
  test_clusters_join_first (clusters);

  g_assert_true (gossip_cluster_handle_stream (b, STREAM_TYPE, accept_cb, &acc, NULL, &error));
  s = open_stream (a, b, STREAM_TYPE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (test_wait_for (one_accepted, &acc, 10000));
  raw_write (gossip_stream_get_base_stream (acc.stream), bytes, size);
  g_assert_true (g_io_stream_close (G_IO_STREAM (acc.stream), NULL, &error));
  {
    g_autoptr(GBytes) got = read_some (s, 4096, &error);
    g_assert_null (got);
    g_assert_error (error, domain, code);
  }
  accepted_clear (&acc);
  test_clusters_free (g_steal_pointer (&clusters));
}

static void
test_peer_closes_mid_frame (void)
{
  /* claims 1000 bytes, sends 10 */
  static const guint8 frame[] = { 0, 0, 0x03, 0xe8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
  run_broken_peer (frame, sizeof frame, 8388608, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static void
test_peer_closes_mid_header (void)
{
  static const guint8 frame[] = { 0, 0 };
  run_broken_peer (frame, sizeof frame, 8388608, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
}

static void
test_oversized_claim (void)
{
  /* 65537 against a limit of 65536: refused on the header alone */
  static const guint8 frame[] = { 0, 0x01, 0x00, 0x01, 1, 2, 3 };
  run_broken_peer (frame, sizeof frame, 65536, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE);
}

/* ------------------------------------------------------------------ */
/* Opens that fail                                                     */

static void
test_open_errors (void)
{
  g_autoptr(GPtrArray) clusters = pair_new (OPT_CIPHER | OPT_SNAPPY, 2, 0.1);
  GossipCluster *a = clusters->pdata[0], *b = clusters->pdata[1];
  Accepted acc = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 start;

  /* registration rules, as for handle() */
  g_assert_false (gossip_cluster_handle_stream (b, 11, accept_cb, &acc, NULL, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (gossip_cluster_handle_stream (b, STREAM_TYPE, accept_cb, &acc, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (gossip_cluster_handle_stream (b, STREAM_TYPE, accept_cb, &acc, NULL, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_EXISTS);
  g_clear_error (&error);

  /* no handler for the type: an error, quickly, not a hang */
  start = g_get_monotonic_time ();
  {
    g_autoptr(GossipStream) s = open_stream (a, b, STREAM_TYPE + 1, NULL, &error);
    g_assert_null (s);
    g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_NO_REPLY);
    g_clear_error (&error);
  }
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);

  /* a reserved type is refused before dialling */
  {
    g_autoptr(GossipStream) s = open_stream (a, b, 6, NULL, &error);
    g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* cancelled: before the call, and while it runs */
  {
    g_autoptr(GCancellable) c = g_cancellable_new ();
    OpenResult r = { 0 };

    g_cancellable_cancel (c);
    gossip_cluster_open_stream_async (a, peer_of (a, b), STREAM_TYPE, NULL, c, open_cb, &r);
    g_assert_true (test_wait_for (flag_set, &r.done, 10000));
    g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (r.stream);
    g_clear_error (&r.error);
  }
  {
    g_autoptr(GCancellable) c = g_cancellable_new ();
    OpenResult r = { 0 };

    gossip_cluster_open_stream_async (a, peer_of (a, b), STREAM_TYPE, NULL, c, open_cb, &r);
    g_cancellable_cancel (c);
    g_assert_true (test_wait_for (flag_set, &r.done, 10000));
    g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_null (r.stream);
    g_clear_error (&r.error);
  }
  /* and the next open works */
  {
    g_autoptr(GossipStream) s = open_stream (a, b, STREAM_TYPE, NULL, &error);
    g_assert_no_error (error);
    g_assert_nonnull (s);
    g_assert_true (test_wait_for (one_accepted, &acc, 10000));
  }

  /* over UDP: a counted drop on the receiver, no handler call */
  {
    g_autoptr(GossipStats) before = gossip_cluster_get_stats (b);
    guint64 drops = gossip_stats_get (before, "drop-wrong-transport");
    guint accepted = acc.accepted;

    g_assert_true (gossip_cluster_send_to (a, peer_of (a, b), STREAM_TYPE, g_variant_new_string ("udp"), &error));
    g_assert_no_error (error);
    for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC; g_get_monotonic_time () < end;)
      {
        g_autoptr(GossipStats) now = gossip_cluster_get_stats (b);
        if (gossip_stats_get (now, "drop-wrong-transport") > drops)
          break;
        g_main_context_iteration (NULL, TRUE);
      }
    {
      g_autoptr(GossipStats) after = gossip_cluster_get_stats (b);
      g_assert_cmpuint (gossip_stats_get (after, "drop-wrong-transport"), >, drops);
    }
    g_assert_cmpuint (acc.accepted, ==, accepted);
  }

  /* unregistered: opens fail again */
  g_assert_true (gossip_cluster_unregister (b, STREAM_TYPE));
  {
    g_autoptr(GossipStream) s = open_stream (a, b, STREAM_TYPE, NULL, &error);
    g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_NO_REPLY);
    g_clear_error (&error);
  }
  accepted_clear (&acc);
  test_clusters_free (g_steal_pointer (&clusters));
}

/* ------------------------------------------------------------------ */
/* A stream at full speed does not starve the pings                    */

static void
count_suspects_cb (GossipCluster *cluster, GossipNode *node, GossipNodeState old_state,
                   GossipNodeState new_state, gpointer user_data)
{
  if (new_state != GOSSIP_NODE_STATE_ALIVE)
    (*(guint *) user_data)++;
}

static void
test_no_starvation (void)
{
  g_autoptr(GPtrArray) clusters = pair_new (OPT_CIPHER | OPT_SNAPPY, 3, 0.1);
  GossipCluster *a = clusters->pdata[0], *b = clusters->pdata[1];
  Accepted acc = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipStream) s = NULL;
  guint not_alive = 0;
  Pump pumps[2];
  g_autoptr(GossipStats) stats_before = gossip_cluster_get_stats (a);
  guint64 probes_before = gossip_stats_get (stats_before, "probes");

  for (guint i = 0; i < clusters->len; i++)
    g_signal_connect (clusters->pdata[i], "node-state-changed", G_CALLBACK (count_suspects_cb), &not_alive);
  g_assert_true (gossip_cluster_handle_stream (b, STREAM_TYPE, accept_cb, &acc, NULL, &error));
  s = open_stream (a, b, STREAM_TYPE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (test_wait_for (one_accepted, &acc, 10000));

  /* A writes as fast as it can, B reads; both nodes also run the health
   * protocol with 100 ms probes on the same main context. */
  pump_init_full (&pumps[0], s, G_MAXUINT64, 3, TRUE, FALSE);
  pump_init_full (&pumps[1], acc.stream, G_MAXUINT64, 0, FALSE, TRUE);
  test_run_for (3000);
  pumps[0].stop = TRUE;
  g_assert_true (test_wait_for (pumps_done, pumps, 30000));
  g_assert_no_error (pumps[0].error);
  g_assert_cmpuint (pumps[1].received, ==, pumps[0].sent);
  g_assert_cmpstr (g_checksum_get_string (pumps[0].out_sum), ==, g_checksum_get_string (pumps[1].in_sum));
  g_test_message ("%.1f MiB streamed in 3 s beside the probes", pumps[0].sent / 1048576.0);
  g_assert_cmpuint (pumps[0].sent, >, 16 << 20);

  {
    g_autoptr(GossipStats) stats = gossip_cluster_get_stats (a);
    g_assert_cmpuint (gossip_stats_get (stats, "probes"), >, probes_before);
  }
  g_assert_cmpuint (not_alive, ==, 0);
  for (guint i = 0; i < clusters->len; i++)
    {
      g_assert_cmpuint (gossip_cluster_get_n_suspect (clusters->pdata[i]), ==, 0);
      g_assert_cmpuint (gossip_cluster_get_n_alive (clusters->pdata[i]), ==, 3);
      g_signal_handlers_disconnect_by_data (clusters->pdata[i], &not_alive);
    }
  pump_clear (&pumps[0]);
  pump_clear (&pumps[1]);
  accepted_clear (&acc);
  test_clusters_free (g_steal_pointer (&clusters));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stream/frame/golden", test_golden);
  g_test_add_func ("/stream/frame/unframed", test_unframed);
  g_test_add_func ("/stream/frame/limit-on-write", test_frame_limit_on_write);
  g_test_add_func ("/stream/frame/reader", test_reader_sync);
  g_test_add_func ("/stream/frame/reader-hand-made", test_reader_hand_made);
  g_test_add_func ("/stream/frame/reader-cancel-resumes", test_reader_cancel_resumes);
  g_test_add_func ("/stream/bulk/aes-snappy-64mib", test_bulk_aes_snappy);
  g_test_add_func ("/stream/bulk/aes", test_bulk_aes);
  g_test_add_func ("/stream/bulk/snappy", test_bulk_snappy);
  g_test_add_func ("/stream/bulk/plain", test_bulk_plain);
  g_test_add_func ("/stream/bulk/ws-aes-snappy-64mib", test_bulk_ws_aes_snappy);
  g_test_add_func ("/stream/bulk/ws-plain", test_bulk_ws_plain);
  g_test_add_func ("/stream/messages/framed", test_messages_framed);
  g_test_add_func ("/stream/messages/plain", test_messages_plain);
  g_test_add_func ("/stream/messages/ws", test_messages_ws);
  g_test_add_func ("/stream/errors/peer-closes-mid-frame", test_peer_closes_mid_frame);
  g_test_add_func ("/stream/errors/peer-closes-mid-header", test_peer_closes_mid_header);
  g_test_add_func ("/stream/errors/oversized-claim", test_oversized_claim);
  g_test_add_func ("/stream/errors/open", test_open_errors);
  g_test_add_func ("/stream/health/no-starvation", test_no_starvation);
  return g_test_run ();
}
