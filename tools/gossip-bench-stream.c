/* gossip-bench-stream.c: the `stream` scenario of gossip-bench.
 *
 * Moves the same bytes one way three times on this machine, each on one
 * GMainContext with GIO's async calls: through a GossipStream between two
 * nodes with AES-GCM, through one without a cipher (unframed: the
 * connection's own bytes), and through a plain TCP socket pair made with
 * GSocketListener/GSocketClient. Prints MB/s for each and the ratio of the
 * encrypted stream to the plain copy (the goal is at least 50%).
 */
#include "config.h"

#include <string.h>

#include "gossip-glib.h"
#include "gossip-bench-stream.h"

#define BENCH_STREAM_TYPE 250
#define BENCH_CHUNK       (1024 * 1024)
#define BENCH_TRIES       3

typedef struct {
  GIOStream *writer;
  GIOStream *reader;
  guint64    total;
  guint64    sent;
  guint64    received;
  guint8    *out_buf;
  guint8    *in_buf;
  gboolean   done;
  GError    *error;
} Copy;

static void copy_write (Copy *c);
static void copy_read (Copy *c);

static void
copy_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Copy *c = user_data;
  gsize n = 0;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &n, &c->error))
    {
      c->done = TRUE;
      return;
    }
  c->sent += n;
  copy_write (c);
}

static void
copy_write (Copy *c)
{
  gsize n = MIN ((guint64) BENCH_CHUNK, c->total - c->sent);

  if (n == 0)
    return;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (c->writer), c->out_buf, n,
                                   G_PRIORITY_DEFAULT, NULL, copy_written_cb, c);
}

static void
copy_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Copy *c = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &c->error);

  if (n <= 0)
    {
      if (n == 0 && c->error == NULL)
        c->error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "early end of stream");
      c->done = TRUE;
      return;
    }
  c->received += n;
  if (c->received >= c->total)
    {
      c->done = TRUE;
      return;
    }
  copy_read (c);
}

static void
copy_read (Copy *c)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (c->reader), c->in_buf, BENCH_CHUNK,
                             G_PRIORITY_DEFAULT, NULL, copy_read_cb, c);
}

static gboolean
wait_flag (gboolean *flag, guint timeout_s)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (!*flag && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  return *flag;
}

/* Returns MB/s, or a negative value with @error set. */
static void
join_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* join_async() run to its end on this thread's context. */
static guint
bench_join (GossipCluster *cluster, const char * const *peers, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  gossip_cluster_join_async (cluster, peers, NULL, join_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return gossip_cluster_join_finish (cluster, result, error);
}

static double
run_copy (GIOStream *writer, GIOStream *reader, guint64 total, const guint8 *data, GError **error)
{
  Copy c = { writer, reader, total };
  gint64 start;
  double secs;

  c.out_buf = (guint8 *) data;
  c.in_buf = g_malloc (BENCH_CHUNK);
  start = g_get_monotonic_time ();
  copy_write (&c);
  copy_read (&c);
  if (!wait_flag (&c.done, 600) && c.error == NULL)
    c.error = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "copy did not finish in 600 s");
  secs = (g_get_monotonic_time () - start) / 1e6;
  g_free (c.in_buf);
  if (c.error != NULL)
    {
      g_propagate_error (error, c.error);
      return -1;
    }
  return total / 1e6 / secs;
}

/* ------------------------------------------------------------------ */

typedef struct {
  GIOStream *stream;
  gboolean   done;
  GError    *error;
} Got;

static void
accept_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet,
           GossipStream *stream, gpointer user_data)
{
  Got *g = user_data;

  g->stream = G_IO_STREAM (g_object_ref (stream));
  g->done = TRUE;
}

static void
opened_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Got *g = user_data;

  g->stream = G_IO_STREAM (gossip_cluster_open_stream_finish (GOSSIP_CLUSTER (source), result, &g->error));
  g->done = TRUE;
}

static GossipCluster *
bench_node (gboolean aes, gboolean snappy, GError **error)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  if (aes)
    {
      g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
      g_autoptr(GBytes) key = g_bytes_new_static ("1234567890123456", 16);
      gossip_config_set_cipher (config, cipher);
      gossip_config_set_encryption_key (config, key);
    }
  if (snappy)
    {
      g_autoptr(GossipCompressor) c = gossip_snappy_compressor_new ();
      gossip_config_set_compressor (config, c);
    }
  cluster = gossip_cluster_new (config, NULL, error);
  if (cluster != NULL)
    gossip_cluster_start (cluster);
  return cluster;
}

static double
run_gossip_stream (gboolean aes, gboolean snappy, guint64 total, const guint8 *data, GError **error)
{
  g_autoptr(GossipCluster) a = bench_node (aes, snappy, error);
  g_autoptr(GossipCluster) b = a ? bench_node (aes, snappy, error) : NULL;
  const char *seed[2] = { NULL, NULL };
  Got accepted = { 0 }, opened = { 0 };
  GossipNode *node;
  double mbs = -1;

  if (b == NULL)
    return -1;
  seed[0] = gossip_cluster_get_advertise_address (a);
  if (bench_join (b, seed, error) == 0)
    goto out;
  if (!gossip_cluster_handle_stream (a, BENCH_STREAM_TYPE, accept_cb, &accepted, NULL, error))
    goto out;
  node = gossip_cluster_get_node (b, gossip_node_get_id (gossip_cluster_get_local_node (a)));
  if (node == NULL)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_FAILED, "the nodes did not meet");
      goto out;
    }
  gossip_cluster_open_stream_async (b, node, BENCH_STREAM_TYPE, NULL, NULL, opened_cb, &opened);
  if (!wait_flag (&opened.done, 10) || opened.error != NULL)
    {
      if (opened.error)
        g_propagate_error (error, g_steal_pointer (&opened.error));
      else
        g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TIMEOUT, "the stream did not open");
      goto out;
    }
  if (!wait_flag (&accepted.done, 10))
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TIMEOUT, "the stream was not accepted");
      goto out;
    }
  mbs = run_copy (opened.stream, accepted.stream, total, data, error);
out:
  g_clear_object (&opened.stream);
  g_clear_object (&accepted.stream);
  if (a)
    gossip_cluster_stop (a);
  if (b)
    gossip_cluster_stop (b);
  return mbs;
}

static void
tcp_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Got *g = user_data;

  g->stream = G_IO_STREAM (g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &g->error));
  g->done = TRUE;
}

static void
tcp_accepted_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Got *g = user_data;

  g->stream = G_IO_STREAM (g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result, NULL, &g->error));
  g->done = TRUE;
}

static double
run_plain_tcp (guint64 total, const guint8 *data, GError **error)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  Got server = { 0 }, conn = { 0 };
  double mbs;

  if (!g_socket_listener_add_address (listener, addr, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &bound, error))
    return -1;
  g_socket_listener_accept_async (listener, NULL, tcp_accepted_cb, &server);
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (bound), NULL, tcp_connected_cb, &conn);
  if (!wait_flag (&conn.done, 10) || !wait_flag (&server.done, 10) || conn.error || server.error)
    {
      g_propagate_error (error, conn.error ? conn.error : server.error ? server.error
                         : g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "no connection"));
      g_clear_object (&conn.stream);
      g_clear_object (&server.stream);
      return -1;
    }
  mbs = run_copy (conn.stream, server.stream, total, data, error);
  g_io_stream_close (conn.stream, NULL, NULL);
  g_io_stream_close (server.stream, NULL, NULL);
  g_object_unref (conn.stream);
  g_object_unref (server.stream);
  return mbs;
}

gboolean
gossip_bench_stream (guint64    total,
                     gboolean   json,
                     GError   **error)
{
  g_autofree guint8 *data = g_malloc (BENCH_CHUNK);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  double plain, aes, aes_snappy, unframed;

  /* Random bytes: what an application that already compresses sends;
   * snappy gives up on them, as it should. */
  for (gsize i = 0; i + 4 <= BENCH_CHUNK; i += 4)
    {
      guint32 v = g_rand_int (rand);
      memcpy (data + i, &v, 4);
    }
  if (!json)
    g_print ("== stream: %" G_GUINT64_FORMAT " MiB one way, 1 MiB writes, one main context; best of %u runs each\n",
             total >> 20, BENCH_TRIES);
  plain = aes = aes_snappy = unframed = 0;
  /* Interleaved and best of several, so that a busy machine (or a cold
   * first run) does not favour one of them. */
  for (guint t = 0; t < BENCH_TRIES; t++)
    {
      double v;

      if ((v = run_plain_tcp (total, data, error)) < 0)
        return FALSE;
      plain = MAX (plain, v);
      if ((v = run_gossip_stream (TRUE, FALSE, total, data, error)) < 0)
        return FALSE;
      aes = MAX (aes, v);
      if ((v = run_gossip_stream (TRUE, TRUE, total, data, error)) < 0)
        return FALSE;
      aes_snappy = MAX (aes_snappy, v);
      if ((v = run_gossip_stream (FALSE, FALSE, total, data, error)) < 0)
        return FALSE;
      unframed = MAX (unframed, v);
    }
  if (json)
    g_print ("{\"scenario\":\"stream\",\"bytes\":%" G_GUINT64_FORMAT ",\"plain_tcp_mbs\":%.1f,"
             "\"aes_gcm_mbs\":%.1f,\"aes_gcm_snappy_mbs\":%.1f,\"unframed_mbs\":%.1f,"
             "\"aes_gcm_ratio\":%.3f}\n",
             total, plain, aes, aes_snappy, unframed, aes / plain);
  else
    {
      g_print ("  plain TCP socket copy:            %8.1f MB/s\n", plain);
      g_print ("  GossipStream, AES-GCM:            %8.1f MB/s  (%.0f%% of plain; goal >= 50%%)\n",
               aes, 100 * aes / plain);
      g_print ("  GossipStream, AES-GCM + snappy:   %8.1f MB/s  (%.0f%% of plain; random data)\n",
               aes_snappy, 100 * aes_snappy / plain);
      g_print ("  GossipStream, no cipher/compressor (unframed): %8.1f MB/s  (%.0f%% of plain)\n",
               unframed, 100 * unframed / plain);
    }
  return TRUE;
}
