/* test-websocket.c: GossipWebsocketTransport on loopback.
 *
 * Three WebSocket-only nodes over ws:// with a bearer token; a client with
 * a wrong token refused with 401 while the cluster carries on; wss:// with
 * a CA and a server certificate generated at test time (openssl) and
 * validation on; the gossip handler on the application's own SoupServer
 * beside another route; and bad input (text frames, an oversized length,
 * a peer that stops mid-frame) counted while the server keeps serving.
 * Connections that outlive a request (streams): open_connection on one
 * transport, the connection taken from GossipIncoming on the other, 64 MiB
 * each way over ws:// and wss:// with SHA-256 sums, a close on either side
 * read as end of stream, and bad peers on a taken connection. A peer that
 * talks as a Go v0.6.0 node does (deflate offered, one message per write,
 * a request split over messages, the 2-byte stream ack, frames in two
 * messages each). */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "test-utils.h"
#include "gossip-websocket-stream-private.h"
#include "gossip-wire-private.h"
#include "gossip-hlc-private.h"
#include "gossip-node-id-private.h"

#define WAIT_MS 15000
#define TOKEN   "s3cret-token"

typedef struct {
  GossipCluster *cluster;
  guint          index;
  GPtrArray     *texts;
} Node;

static void
record_cb (GossipCluster *cluster,
           GossipNode    *sender,
           GossipPacket  *packet,
           gpointer       user_data)
{
  Node *n = user_data;
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, NULL);

  g_assert_nonnull (payload);
  g_ptr_array_add (n->texts, g_variant_dup_string (payload, NULL));
}

static GVariant *
echo_cb (GossipCluster *cluster,
         GossipNode    *sender,
         GossipPacket  *packet,
         gpointer       user_data)
{
  Node *n = user_data;
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, NULL);

  return g_variant_new_take_string (g_strdup_printf ("%s from %u", g_variant_get_string (payload, NULL),
                                                     n->index));
}

static gboolean
pointer_set (gpointer user_data)
{
  return *(gpointer *) user_data != NULL;
}

static GInetSocketAddress *
loopback_any_port (void)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (lo, 0));
}

static GossipWebsocketTransport *
ws_transport_new (gboolean         own_server,
                  const char      *token,
                  GTlsCertificate *certificate,
                  GTlsDatabase    *database)
{
  g_autoptr(GInetSocketAddress) bind = own_server ? loopback_any_port () : NULL;
  g_autoptr(GError) error = NULL;
  GossipWebsocketTransport *t;

  t = g_initable_new (GOSSIP_TYPE_WEBSOCKET_TRANSPORT, NULL, &error,
                      "bind-address", bind,
                      "bearer-token", token,
                      "allow-insecure-websockets", certificate == NULL,
                      "tls-certificate", certificate,
                      "tls-database", database,
                      "timeout", 3000,
                      NULL);
  g_assert_no_error (error);
  return t;
}

static void
node_init (Node            *n,
           guint            index,
           GossipTransport *transport,
           const char      *advertise)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;

  gossip_config_scale_intervals (config, 0.05);
  /* Every WebSocket send is a connection with a handshake: give probes
   * room on a loaded machine. */
  g_object_set (config,
                "ping-timeout", 500,
                "suspect-retention-period", 2000,
                "dead-node-retention-period", 2000,
                NULL);
  gossip_config_set_transport (config, transport);
  if (advertise != NULL)
    gossip_config_set_advertise_address (config, advertise);
  n->index = index;
  n->texts = g_ptr_array_new_with_free_func (g_free);
  n->cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (gossip_cluster_handle (n->cluster, 128, record_cb, n, NULL, &error));
  g_assert_true (gossip_cluster_handle_with_reply (n->cluster, 130, echo_cb, n, NULL, &error));
  gossip_cluster_start (n->cluster);
}

static void
node_clear (Node *n)
{
  gossip_cluster_stop (n->cluster);
  g_clear_object (&n->cluster);
  g_clear_pointer (&n->texts, g_ptr_array_unref);
}

typedef struct {
  Node  *nodes;
  guint  n;
} Nodes;

static gboolean
converged (gpointer user_data)
{
  Nodes *ns = user_data;

  for (guint i = 0; i < ns->n; i++)
    if (gossip_cluster_get_n_alive (ns->nodes[i].cluster) != ns->n)
      return FALSE;
  return TRUE;
}

static void
join_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  guint *joined = user_data;
  g_autoptr(GError) error = NULL;

  gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &error);
  g_assert_no_error (error);
  (*joined)++;
}

static gboolean
uint_reaches (gpointer user_data)
{
  guint *p = user_data;

  return p[0] >= p[1];
}

static void
join_all (Node  *nodes,
          guint  n)
{
  const char *seed[2] = { gossip_cluster_get_advertise_address (nodes[0].cluster), NULL };
  guint joined[2] = { 0, n - 1 };
  Nodes ns = { nodes, n };

  for (guint i = 1; i < n; i++)
    gossip_cluster_join_async (nodes[i].cluster, seed, NULL, join_cb, joined);
  g_assert_true (test_wait_for (uint_reaches, joined, WAIT_MS));
  g_assert_true (test_wait_for (converged, &ns, WAIT_MS));
}

static gboolean
others_received (gpointer user_data)
{
  Nodes *ns = user_data;

  for (guint i = 1; i < ns->n; i++)
    if (ns->nodes[i].texts->len == 0)
      return FALSE;
  return TRUE;
}

static void
response_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GossipPacket **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = gossip_cluster_send_to_with_response_finish (GOSSIP_CLUSTER (source), result, &error);
  g_assert_no_error (error);
}

/* Broadcast from node 0 reaches all; node 0 asks node n-1 and gets the answer. */
static void
broadcast_and_reply (Node  *nodes,
                     guint  n)
{
  Nodes ns = { nodes, n };
  g_autoptr(GossipPacket) reply = NULL;
  g_autoptr(GVariant) answer = NULL;
  g_autofree char *want = g_strdup_printf ("ping from %u", n - 1);
  GossipNode *target;

  g_assert_true (gossip_cluster_send (nodes[0].cluster, 128, g_variant_new_string ("hello"), NULL));
  g_assert_true (test_wait_for (others_received, &ns, WAIT_MS));
  for (guint i = 1; i < n; i++)
    g_assert_cmpstr (nodes[i].texts->pdata[0], ==, "hello");

  target = gossip_cluster_get_node (nodes[0].cluster,
                                    gossip_node_get_id (gossip_cluster_get_local_node (nodes[n - 1].cluster)));
  g_assert_nonnull (target);
  gossip_cluster_send_to_with_response_async (nodes[0].cluster, target, 130, g_variant_new_string ("ping"),
                                              NULL, response_cb, &reply);
  g_assert_true (test_wait_for (pointer_set, &reply, WAIT_MS));
  answer = gossip_packet_get_payload (reply, NULL);
  g_assert_cmpstr (g_variant_get_string (answer, NULL), ==, want);
}

/* ---- a raw client, for what a gossip node would never send ---- */

typedef struct {
  SoupSession             *session;
  SoupMessage             *msg;
  SoupWebsocketConnection *ws;
  GError                  *error;
  gboolean                 done;
  gboolean                 closed;
} Raw;

static void
raw_connected_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  Raw *r = user_data;

  r->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &r->error);
  r->done = TRUE;
}

static void
raw_closed_cb (SoupWebsocketConnection *ws,
               gpointer                 user_data)
{
  ((Raw *) user_data)->closed = TRUE;
}

static gboolean
raw_done (gpointer user_data)
{
  return ((Raw *) user_data)->done;
}

static gboolean
raw_closed (gpointer user_data)
{
  return ((Raw *) user_data)->closed;
}

static void
raw_connect (Raw        *r,
             const char *url,
             const char *authorization)
{
  memset (r, 0, sizeof *r);
  r->session = soup_session_new ();
  r->msg = soup_message_new ("GET", url);
  g_assert_nonnull (r->msg);
  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (r->msg), "Authorization", authorization);
  soup_session_websocket_connect_async (r->session, r->msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        raw_connected_cb, r);
  g_assert_true (test_wait_for (raw_done, r, WAIT_MS));
  if (r->ws != NULL)
    g_signal_connect (r->ws, "closed", G_CALLBACK (raw_closed_cb), r);
}

static void
raw_clear (Raw *r)
{
  if (r->ws != NULL)
    {
      if (soup_websocket_connection_get_state (r->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          soup_websocket_connection_close (r->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
          test_wait_for (raw_closed, r, WAIT_MS);
        }
      g_signal_handlers_disconnect_by_data (r->ws, r);
    }
  g_clear_object (&r->ws);
  g_clear_object (&r->msg);
  g_clear_object (&r->session);
  g_clear_error (&r->error);
}

static GossipTransportCounters
counters_of (GossipCluster *cluster)
{
  GossipTransportCounters c;

  gossip_transport_get_counters (gossip_config_get_transport (gossip_cluster_get_config (cluster)), &c);
  return c;
}

/* ---- tests ---- */

static void
test_ws_three_nodes_token (void)
{
  Node nodes[3];
  Raw raw;
  GossipTransportCounters before, after;
  Nodes ns = { nodes, 3 };
  g_autoptr(GossipWebsocketTransport) intruder = NULL;
  g_autoptr(GossipCluster) intruder_cluster = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GossipWebsocketTransport) t = ws_transport_new (TRUE, TOKEN, NULL, NULL);
      node_init (&nodes[i], i, GOSSIP_TRANSPORT (t), NULL);
      g_assert_true (g_str_has_prefix (gossip_cluster_get_advertise_address (nodes[i].cluster), "ws://127.0.0.1:"));
    }
  join_all (nodes, 3);
  broadcast_and_reply (nodes, 3);

  /* No socket was involved: every packet went as a WebSocket request. */
  before = counters_of (nodes[0].cluster);
  g_assert_cmpuint (before.datagrams_out, ==, 0);
  g_assert_cmpuint (before.tcp_requests_out, >, 0);
  g_assert_cmpuint (before.tcp_requests_in, >, 0);

  /* A wrong token: 401 before any upgrade. */
  raw_connect (&raw, gossip_cluster_get_advertise_address (nodes[0].cluster), "Bearer wrong");
  g_assert_null (raw.ws);
  g_assert_nonnull (raw.error);
  g_assert_cmpuint (soup_message_get_status (raw.msg), ==, SOUP_STATUS_UNAUTHORIZED);
  raw_clear (&raw);
  /* No header at all, and a lower-case scheme (Go's prefix is exact-case). */
  raw_connect (&raw, gossip_cluster_get_advertise_address (nodes[0].cluster), NULL);
  g_assert_cmpuint (soup_message_get_status (raw.msg), ==, SOUP_STATUS_UNAUTHORIZED);
  raw_clear (&raw);
  raw_connect (&raw, gossip_cluster_get_advertise_address (nodes[0].cluster), "bearer " TOKEN);
  g_assert_cmpuint (soup_message_get_status (raw.msg), ==, SOUP_STATUS_UNAUTHORIZED);
  raw_clear (&raw);
  after = counters_of (nodes[0].cluster);
  g_assert_cmpuint (after.drops_unauthorized, ==, before.drops_unauthorized + 3);

  /* A whole node with the wrong token cannot join. */
  intruder = ws_transport_new (TRUE, "not-the-token", NULL, NULL);
  {
    g_autoptr(GossipConfig) config = gossip_config_new ();
    g_autoptr(GError) error = NULL;
    const char *seed[2] = { gossip_cluster_get_advertise_address (nodes[1].cluster), NULL };

    gossip_config_scale_intervals (config, 0.05);
    gossip_config_set_transport (config, GOSSIP_TRANSPORT (intruder));
    intruder_cluster = gossip_cluster_new (config, NULL, &error);
    g_assert_no_error (error);
    gossip_cluster_start (intruder_cluster);
    g_assert_cmpuint (test_cluster_join (intruder_cluster, seed, NULL, &error), ==, 0);
    g_assert_nonnull (error);
    gossip_cluster_stop (intruder_cluster);
  }

  /* The cluster is unaffected: still three, still answering. */
  g_assert_true (converged (&ns));
  g_ptr_array_set_size (nodes[1].texts, 0);
  g_ptr_array_set_size (nodes[2].texts, 0);
  broadcast_and_reply (nodes, 3);

  for (guint i = 0; i < 3; i++)
    node_clear (&nodes[i]);
}

static void
test_ws_bad_input (void)
{
  Node nodes[2];
  Raw raw;
  GossipTransportCounters c0, c1;
  g_autofree char *auth = g_strdup ("Bearer " TOKEN);
  guint8 huge[4] = { 0xff, 0xff, 0xff, 0xff };
  guint8 partial[6] = { 0, 0, 0, 100, 1, 2 };
  Nodes ns = { nodes, 2 };

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GossipWebsocketTransport) t = ws_transport_new (TRUE, TOKEN, NULL, NULL);
      node_init (&nodes[i], i, GOSSIP_TRANSPORT (t), NULL);
    }
  join_all (nodes, 2);
  c0 = counters_of (nodes[0].cluster);

  /* A text message ends the connection, counted. */
  raw_connect (&raw, gossip_cluster_get_advertise_address (nodes[0].cluster), auth);
  g_assert_nonnull (raw.ws);
  soup_websocket_connection_send_text (raw.ws, "hello?");
  g_assert_true (test_wait_for (raw_closed, &raw, WAIT_MS));
  raw_clear (&raw);

  /* A length above the limit: refused before anything is read, counted. */
  raw_connect (&raw, gossip_cluster_get_advertise_address (nodes[0].cluster), auth);
  soup_websocket_connection_send_binary (raw.ws, huge, sizeof huge);
  g_assert_true (test_wait_for (raw_closed, &raw, WAIT_MS));
  raw_clear (&raw);

  /* A peer that stops mid-frame and goes away. */
  raw_connect (&raw, gossip_cluster_get_advertise_address (nodes[0].cluster), auth);
  soup_websocket_connection_send_binary (raw.ws, partial, sizeof partial);
  raw_clear (&raw);

  /* A peer that stops mid-frame and stays: timed out. */
  raw_connect (&raw, gossip_cluster_get_advertise_address (nodes[0].cluster), auth);
  soup_websocket_connection_send_binary (raw.ws, partial, sizeof partial);
  g_assert_true (test_wait_for (raw_closed, &raw, WAIT_MS));
  raw_clear (&raw);

  c1 = counters_of (nodes[0].cluster);
  g_assert_cmpuint (c1.drops_bad_frame, >=, c0.drops_bad_frame + 2);
  g_assert_cmpuint (c1.drops_oversize, ==, c0.drops_oversize + 1);
  g_assert_cmpuint (c1.drops_timeout, >=, c0.drops_timeout + 1);

  /* The server keeps serving. */
  g_assert_true (converged (&ns));
  broadcast_and_reply (nodes, 2);

  for (guint i = 0; i < 2; i++)
    node_clear (&nodes[i]);
}


/* ---- connections that outlive a request (streams) ---- */

#define STREAM_BYTES     (64 * 1024 * 1024)
#define WSS_STREAM_BYTES (64 * 1024 * 1024)

typedef struct {
  GIOStream *conn;      /* the server's, taken from the request */
  GBytes    *request;
} Taker;

static void
take_receive (GBytes         *raw,
              gboolean        reliable,
              GossipIncoming *incoming,
              gpointer        user_data)
{
  Taker *t = user_data;

  g_assert_nonnull (incoming);
  g_assert_null (t->conn);
  t->request = g_bytes_ref (raw);
  t->conn = gossip_incoming_steal_connection (incoming);
  g_assert_nonnull (t->conn);
  g_assert_true (gossip_incoming_is_done (incoming));
}

typedef struct {
  GIOStream *conn;
  GError    *error;
  gboolean   done;
} Opened;

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Opened *o = user_data;

  o->conn = gossip_transport_open_connection_finish (GOSSIP_TRANSPORT (source), result, &o->error);
  o->done = TRUE;
}

static gboolean
opened_done (gpointer user_data)
{
  return ((Opened *) user_data)->done;
}

/* Opens a connection from @client to @server's address and takes it on
 * the server side; the request arrives intact. */
static void
open_pair (GossipWebsocketTransport  *client,
           GossipWebsocketTransport  *server,
           Taker                     *taker,
           GIOStream                **client_conn)
{
  g_autofree char *address = gossip_transport_get_local_address (GOSSIP_TRANSPORT (server));
  g_autoptr(GBytes) request = g_bytes_new_static ("stream-open-request", 19);
  Opened o = { 0 };

  memset (taker, 0, sizeof *taker);
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (server), take_receive, taker);
  gossip_transport_open_connection_async (GOSSIP_TRANSPORT (client), address, request, NULL, opened_cb, &o);
  g_assert_true (test_wait_for (opened_done, &o, WAIT_MS));
  g_assert_no_error (o.error);
  g_assert_true (GOSSIP_IS_WEBSOCKET_STREAM (o.conn));
  g_assert_true (test_wait_for (pointer_set, &taker->conn, WAIT_MS));
  g_assert_true (GOSSIP_IS_WEBSOCKET_STREAM (taker->conn));
  g_assert_true (g_bytes_equal (taker->request, request));
  *client_conn = o.conn;
}

static void
taker_clear (Taker *t)
{
  g_clear_object (&t->conn);
  g_clear_pointer (&t->request, g_bytes_unref);
}

/* Reads until @want bytes, end of stream or an error. */
typedef struct {
  GInputStream *in;
  guint8        buf[100003];   /* deliberately not a message size */
  GChecksum    *sum;
  guint64       got;
  guint64       want;
  gboolean      eof;
  GError       *error;
  gboolean      stopped;
} Reader;

static void reader_next (Reader *r);

static void
reader_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Reader *r = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &r->error);

  if (n < 0)
    {
      r->stopped = TRUE;
      return;
    }
  if (n == 0)
    {
      r->eof = TRUE;
      r->stopped = TRUE;
      return;
    }
  g_checksum_update (r->sum, r->buf, n);
  r->got += n;
  if (r->got >= r->want)
    {
      r->stopped = TRUE;
      return;
    }
  reader_next (r);
}

static void
reader_next (Reader *r)
{
  g_input_stream_read_async (r->in, r->buf, MIN (sizeof r->buf, r->want - r->got), G_PRIORITY_DEFAULT,
                             NULL, reader_cb, r);
}

static void
reader_start (Reader    *r,
              GIOStream *conn,
              guint64    want)
{
  memset (r, 0, sizeof *r);
  r->in = g_io_stream_get_input_stream (conn);
  r->sum = g_checksum_new (G_CHECKSUM_SHA256);
  r->want = want;
  reader_next (r);
}

static gboolean
reader_stopped (gpointer user_data)
{
  return ((Reader *) user_data)->stopped;
}

static void
reader_clear (Reader *r)
{
  g_clear_pointer (&r->sum, g_checksum_free);
  g_clear_error (&r->error);
}

/* Writes @total pseudo-random bytes in writes of varying sizes. */
typedef struct {
  GOutputStream *out;
  guint8        *chunk;
  gsize          chunk_len;
  GChecksum     *sum;
  guint64        sent;
  guint64        total;
  guint32        rng;
  guint          round;
  GError        *error;
  gboolean       stopped;
} Writer;

static void writer_next (Writer *w);

static void
writer_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Writer *w = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &w->error))
    {
      w->stopped = TRUE;
      return;
    }
  w->sent += w->chunk_len;
  if (w->sent >= w->total)
    {
      w->stopped = TRUE;
      return;
    }
  writer_next (w);
}

static void
writer_next (Writer *w)
{
  /* 1 byte, 3 bytes, 64 KiB - 1, 1 MiB + 7, ... */
  static const gsize sizes[] = { 1, 3, 65535, 1048583, 4096, 200000 };

  gsize size = sizes[w->round++ % G_N_ELEMENTS (sizes)];

  w->chunk_len = MIN (size, w->total - w->sent);
  for (gsize i = 0; i < w->chunk_len; i++)
    {
      w->rng ^= w->rng << 13;
      w->rng ^= w->rng >> 17;
      w->rng ^= w->rng << 5;
      w->chunk[i] = (guint8) w->rng;
    }
  g_checksum_update (w->sum, w->chunk, w->chunk_len);
  g_output_stream_write_all_async (w->out, w->chunk, w->chunk_len, G_PRIORITY_DEFAULT, NULL, writer_cb, w);
}

static void
writer_start (Writer    *w,
              GIOStream *conn,
              guint64    total,
              guint32    seed)
{
  memset (w, 0, sizeof *w);
  w->out = g_io_stream_get_output_stream (conn);
  w->chunk = g_malloc (1048583);
  w->sum = g_checksum_new (G_CHECKSUM_SHA256);
  w->total = total;
  w->rng = seed;
  writer_next (w);
}

static gboolean
writer_stopped (gpointer user_data)
{
  return ((Writer *) user_data)->stopped;
}

static void
writer_clear (Writer *w)
{
  g_clear_pointer (&w->chunk, g_free);
  g_clear_pointer (&w->sum, g_checksum_free);
  g_clear_error (&w->error);
}

static gboolean
both_stopped (gpointer user_data)
{
  gpointer *p = user_data;

  return ((Reader *) p[0])->stopped && ((Reader *) p[1])->stopped &&
         ((Writer *) p[2])->stopped && ((Writer *) p[3])->stopped;
}

static void
write_all_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;
  gsize written = 0;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, error);
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "ok");   /* marks "done" */
}

/* Writes @len bytes and waits for the write to complete. */
static void
write_now (GIOStream  *conn,
           const void *data,
           gsize       len)
{
  GError *error = NULL;

  g_output_stream_write_all_async (g_io_stream_get_output_stream (conn), data, len, G_PRIORITY_DEFAULT,
                                   NULL, write_all_cb, &error);
  g_assert_true (test_wait_for (pointer_set, &error, WAIT_MS));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);
}

/* Reads exactly @len bytes (or fails the test). */
static GBytes *
read_now (GIOStream *conn,
          gsize      len)
{
  Reader *r = g_new0 (Reader, 1);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  GBytes *out;

  reader_start (r, conn, len);
  /* Keep what was read: a small reader that appends. */
  g_assert_true (test_wait_for (reader_stopped, r, WAIT_MS));
  g_assert_no_error (r->error);
  g_assert_cmpuint (r->got, ==, len);
  g_byte_array_append (all, r->buf, MIN (len, sizeof r->buf));
  out = g_bytes_new (all->data, all->len);
  reader_clear (r);
  g_free (r);
  return out;
}

static void
close_now (GIOStream *conn)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (g_io_stream_close (conn, NULL, &error));
  g_assert_no_error (error);
}

/* 64 MiB each way at once, with checksums; then a close on one side is
 * end of stream on the other, both ways round. */
static void
stream_both_ways (GossipWebsocketTransport *client,
                  GossipWebsocketTransport *server,
                  guint64                   bytes)
{
  Taker taker;
  GIOStream *conn = NULL;
  g_autoptr(GBytes) ack = NULL;
  Reader *readers = g_new0 (Reader, 2);
  Writer *writers = g_new0 (Writer, 2);
  gpointer all[4] = { &readers[0], &readers[1], &writers[0], &writers[1] };
  gint64 start;
  double secs;

  open_pair (client, server, &taker, &conn);

  /* The server acks as a Go stream handler does: two raw bytes. */
  write_now (taker.conn, "\x00\x0b", 2);
  ack = read_now (conn, 2);
  g_assert_cmpmem (g_bytes_get_data (ack, NULL), 2, "\x00\x0b", 2);

  start = g_get_monotonic_time ();
  reader_start (&readers[0], taker.conn, bytes);
  reader_start (&readers[1], conn, bytes);
  writer_start (&writers[0], conn, bytes, 0x12345678);
  writer_start (&writers[1], taker.conn, bytes, 0x9abcdef0);
  g_assert_true (test_wait_for (both_stopped, all, 240000));
  secs = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("%" G_GUINT64_FORMAT " MiB each way in %.2f s (%.1f MB/s per direction); peak unread %"
                  G_GSIZE_FORMAT " / %" G_GSIZE_FORMAT " bytes",
                  bytes >> 20, secs, bytes / secs / 1e6,
                  gossip_websocket_stream_get_buffered_peak (GOSSIP_WEBSOCKET_STREAM (taker.conn)),
                  gossip_websocket_stream_get_buffered_peak (GOSSIP_WEBSOCKET_STREAM (conn)));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_no_error (writers[i].error);
      g_assert_no_error (readers[i].error);
      g_assert_cmpuint (readers[i].got, ==, bytes);
    }
  g_assert_cmpstr (g_checksum_get_string (readers[0].sum), ==, g_checksum_get_string (writers[0].sum));
  g_assert_cmpstr (g_checksum_get_string (readers[1].sum), ==, g_checksum_get_string (writers[1].sum));

  /* The client closes: the server reads what was in flight, then EOF. */
  for (guint i = 0; i < 2; i++)
    {
      reader_clear (&readers[i]);
      writer_clear (&writers[i]);
    }
  write_now (conn, "bye", 3);
  close_now (conn);
  reader_start (&readers[0], taker.conn, G_MAXUINT64);
  g_assert_true (test_wait_for (reader_stopped, &readers[0], WAIT_MS));
  g_assert_no_error (readers[0].error);
  g_assert_cmpuint (readers[0].got, ==, 3);
  g_assert_true (readers[0].eof);
  /* Writing to a closed stream fails, it does not crash. */
  {
    GError *error = NULL;

    g_output_stream_write_all_async (g_io_stream_get_output_stream (taker.conn), "x", 1, G_PRIORITY_DEFAULT,
                                     NULL, write_all_cb, &error);
    g_assert_true (test_wait_for (pointer_set, &error, WAIT_MS));
    g_assert_false (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
    g_clear_error (&error);
  }
  reader_clear (&readers[0]);
  g_clear_object (&conn);
  taker_clear (&taker);

  /* And the other way round: the server closes, the client reads EOF. */
  open_pair (client, server, &taker, &conn);
  write_now (taker.conn, "\x00\x0b", 2);
  close_now (taker.conn);
  reader_start (&readers[1], conn, G_MAXUINT64);
  g_assert_true (test_wait_for (reader_stopped, &readers[1], WAIT_MS));
  g_assert_no_error (readers[1].error);
  g_assert_cmpuint (readers[1].got, ==, 2);
  g_assert_true (readers[1].eof);
  reader_clear (&readers[1]);
  g_clear_object (&conn);
  taker_clear (&taker);

  g_free (readers);
  g_free (writers);
}

static void
test_stream_ws (void)
{
  g_autoptr(GossipWebsocketTransport) server = ws_transport_new (TRUE, TOKEN, NULL, NULL);
  g_autoptr(GossipWebsocketTransport) client = ws_transport_new (FALSE, TOKEN, NULL, NULL);
  GossipTransportCounters c;

  stream_both_ways (client, server, g_getenv ("GOSSIP_TEST_STREAM_BYTES") != NULL
                                      ? g_ascii_strtoull (g_getenv ("GOSSIP_TEST_STREAM_BYTES"), NULL, 10)
                                      : STREAM_BYTES);

  /* Requests and replies are unchanged beside streams. */
  gossip_transport_get_counters (GOSSIP_TRANSPORT (server), &c);
  g_assert_cmpuint (c.tcp_requests_in, ==, 2);
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (server), NULL, NULL);
  gossip_transport_close (GOSSIP_TRANSPORT (client));
  gossip_transport_close (GOSSIP_TRANSPORT (server));
}

static void
keep_receive (GBytes         *raw,
              gboolean        reliable,
              GossipIncoming *incoming,
              gpointer        user_data)
{
  *(GossipIncoming **) user_data = gossip_incoming_ref (incoming);
}

/* The receiver takes the connection only after the transport closed:
 * it gets one that ends, not a crash. */
static void
test_stream_steal_after_close (void)
{
  g_autoptr(GossipWebsocketTransport) server = ws_transport_new (TRUE, NULL, NULL, NULL);
  g_autoptr(GossipWebsocketTransport) client = ws_transport_new (FALSE, NULL, NULL, NULL);
  g_autofree char *address = gossip_transport_get_local_address (GOSSIP_TRANSPORT (server));
  g_autoptr(GBytes) request = g_bytes_new_static ("late", 4);
  g_autoptr(GIOStream) late = NULL;
  GossipIncoming *incoming = NULL;
  Opened o = { 0 };
  Reader *r = g_new0 (Reader, 1);

  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (server), keep_receive, &incoming);
  gossip_transport_open_connection_async (GOSSIP_TRANSPORT (client), address, request, NULL, opened_cb, &o);
  g_assert_true (test_wait_for (opened_done, &o, WAIT_MS));
  g_assert_no_error (o.error);
  g_assert_true (test_wait_for (pointer_set, &incoming, WAIT_MS));
  gossip_transport_close (GOSSIP_TRANSPORT (server));

  late = gossip_incoming_steal_connection (incoming);
  g_assert_nonnull (late);
  gossip_incoming_unref (incoming);
  /* The opener sees its connection end. */
  reader_start (r, o.conn, G_MAXUINT64);
  g_assert_true (test_wait_for (reader_stopped, r, WAIT_MS));
  g_assert_cmpuint (r->got, ==, 0);
  reader_clear (r);
  g_free (r);
  g_clear_object (&o.conn);
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (server), NULL, NULL);
  gossip_transport_close (GOSSIP_TRANSPORT (client));
}

static void
read_cancelled_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GError **error = user_data;

  g_assert_cmpint (g_input_stream_read_finish (G_INPUT_STREAM (source), result, error), ==, -1);
}

/* A taken connection belongs to whoever took it: it outlives both
 * transports. A pending read can be cancelled without losing anything;
 * synchronous calls are refused; opening towards nobody is an error. */
static void
test_stream_ownership (void)
{
  g_autoptr(GossipWebsocketTransport) server = ws_transport_new (TRUE, NULL, NULL, NULL);
  g_autoptr(GossipWebsocketTransport) client = ws_transport_new (FALSE, NULL, NULL, NULL);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GBytes) request = g_bytes_new_static ("x", 1);
  g_autofree char *dead = NULL;
  GError *error = NULL;
  Taker taker;
  GIOStream *conn = NULL;
  guint8 buf[8];
  Opened o = { 0 };

  open_pair (client, server, &taker, &conn);
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (server), NULL, NULL);
  dead = gossip_transport_get_local_address (GOSSIP_TRANSPORT (server));
  gossip_transport_close (GOSSIP_TRANSPORT (client));
  gossip_transport_close (GOSSIP_TRANSPORT (server));

  g_assert_cmpint (g_input_stream_read (g_io_stream_get_input_stream (conn), buf, sizeof buf, NULL, &error),
                   ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);

  g_input_stream_read_async (g_io_stream_get_input_stream (conn), buf, sizeof buf, G_PRIORITY_DEFAULT,
                             cancel, read_cancelled_cb, &error);
  g_cancellable_cancel (cancel);
  g_assert_true (test_wait_for (pointer_set, &error, WAIT_MS));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  write_now (taker.conn, "after", 5);
  got = read_now (conn, 5);
  g_assert_cmpmem (g_bytes_get_data (got, NULL), 5, "after", 5);
  close_now (conn);
  g_clear_object (&conn);
  taker_clear (&taker);

  /* Nobody listens there any more. */
  {
    g_autoptr(GossipWebsocketTransport) other = ws_transport_new (FALSE, NULL, NULL, NULL);

    gossip_transport_open_connection_async (GOSSIP_TRANSPORT (other), dead, request, NULL, opened_cb, &o);
    g_assert_true (test_wait_for (opened_done, &o, WAIT_MS));
    g_assert_null (o.conn);
    g_assert_error (o.error, GOSSIP_ERROR, GOSSIP_ERROR_CONNECT);
    g_clear_error (&o.error);
    gossip_transport_close (GOSSIP_TRANSPORT (other));
  }
}

/* Bad peers on a taken connection: text, a flood nobody reads, a message
 * cut off midway. Each is an error or the end, never a crash, and the
 * flood never holds more than the limit. */
static void
test_stream_bad_peers (void)
{
  g_autoptr(GossipWebsocketTransport) server = ws_transport_new (TRUE, NULL, NULL, NULL);
  g_autoptr(GossipWebsocketTransport) client = ws_transport_new (FALSE, NULL, NULL, NULL);
  Taker taker;
  GIOStream *conn = NULL;
  Reader *r = g_new0 (Reader, 1);

  /* A text message ends the stream with an error, counted. */
  open_pair (client, server, &taker, &conn);
  soup_websocket_connection_send_text (gossip_websocket_stream_get_connection (GOSSIP_WEBSOCKET_STREAM (conn)),
                                       "hello");
  reader_start (r, taker.conn, G_MAXUINT64);
  g_assert_true (test_wait_for (reader_stopped, r, WAIT_MS));
  g_assert_error (r->error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_assert_cmpuint (gossip_websocket_stream_get_drops_bad_frame (GOSSIP_WEBSOCKET_STREAM (taker.conn)), ==, 1);
  reader_clear (r);
  /* The sender sees the connection end (close 1003). */
  reader_start (r, conn, G_MAXUINT64);
  g_assert_true (test_wait_for (reader_stopped, r, WAIT_MS));
  g_assert_error (r->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  reader_clear (r);
  g_clear_object (&conn);
  taker_clear (&taker);

  /* A flood beyond the buffer limit while the server does not read:
   * the server's stream fails with NO_SPACE and frees what it held. */
  open_pair (client, server, &taker, &conn);
  gossip_websocket_stream_set_buffer_limit (GOSSIP_WEBSOCKET_STREAM (taker.conn), 1024 * 1024);
  {
    Writer *w = g_new0 (Writer, 1);

    writer_start (w, conn, 16 * 1024 * 1024, 42);
    g_assert_true (test_wait_for (writer_stopped, w, WAIT_MS));
    g_assert_nonnull (w->error);
    g_test_message ("flooding writer: %s after %" G_GUINT64_FORMAT " bytes", w->error->message, w->sent);
    g_assert_cmpuint (w->sent, <, 16 * 1024 * 1024);
    writer_clear (w);
    g_free (w);
  }
  g_assert_cmpuint (gossip_websocket_stream_get_buffered_peak (GOSSIP_WEBSOCKET_STREAM (taker.conn)), <=,
                    1024 * 1024);
  g_assert_cmpuint (gossip_websocket_stream_get_buffered (GOSSIP_WEBSOCKET_STREAM (taker.conn)), ==, 0);
  reader_start (r, taker.conn, G_MAXUINT64);
  g_assert_true (test_wait_for (reader_stopped, r, WAIT_MS));
  g_assert_error (r->error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  g_assert_cmpuint (r->got, ==, 0);
  reader_clear (r);
  g_clear_object (&conn);
  taker_clear (&taker);

  /* A peer that stops midway through a message: a frame header claiming
   * 1000 bytes, 10 of them, then the TCP connection closes. None of it
   * surfaces; the reader sees the end. */
  open_pair (client, server, &taker, &conn);
  {
    SoupWebsocketConnection *ws = gossip_websocket_stream_get_connection (GOSSIP_WEBSOCKET_STREAM (conn));
    GIOStream *io = soup_websocket_connection_get_io_stream (ws);
    static const guint8 partial[] = { 0x82, 0xfe, 0x03, 0xe8, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
    gsize written = 0;

    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (io), partial, sizeof partial,
                                              &written, NULL, NULL));
    g_assert_true (g_io_stream_close (io, NULL, NULL));
  }
  reader_start (r, taker.conn, G_MAXUINT64);
  g_assert_true (test_wait_for (reader_stopped, r, WAIT_MS));
  g_assert_cmpuint (r->got, ==, 0);
  g_test_message ("cut-off message: %s", r->error != NULL ? r->error->message : "end of stream");
  reader_clear (r);
  g_clear_object (&conn);
  taker_clear (&taker);

  g_free (r);
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (server), NULL, NULL);
  gossip_transport_close (GOSSIP_TRANSPORT (client));
  gossip_transport_close (GOSSIP_TRANSPORT (server));
}

/* ---- wss:// ---- */

static gboolean
run_openssl (const char *dir,
             ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (argv, (char *) "openssl");
  va_start (ap, dir);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_cwd (launcher, dir);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  if (proc == NULL || !g_subprocess_wait_check (proc, NULL, &error))
    {
      g_test_message ("openssl failed: %s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* A CA, and a server certificate for 127.0.0.1 signed by it. */
static gboolean
make_certificates (const char *dir)
{
  g_autofree char *ext = g_build_filename (dir, "server.ext", NULL);

  if (!g_file_set_contents (ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n", -1, NULL))
    return FALSE;
  return run_openssl (dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                      "-out", "ca.pem", "-days", "2", "-subj", "/CN=gossip-glib test CA", NULL) &&
         run_openssl (dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
                      "-out", "server.csr", "-subj", "/CN=127.0.0.1", NULL) &&
         run_openssl (dir, "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                      "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext", NULL);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (dir);
}

/* Certificate folders live until the process ends: glib-networking's file
 * database reads the CA again for every handshake, and a handshake thread
 * of a connection still closing may do so after its test has returned. */
static GPtrArray *cert_dirs;

static void
remove_dir_at_exit (const char *dir)
{
  if (cert_dirs == NULL)
    cert_dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (cert_dirs, g_strdup (dir));
}

static void
test_wss (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GTlsDatabase) db = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  Node nodes[3];

  /* Stopping a node while one of its TLS handshakes is in flight used to
   * block in soup_server_disconnect(); the transport now runs handshakes
   * itself, cancellably, so this runs every time. */
  dir = g_dir_make_tmp ("gossip-wss-XXXXXX", NULL);
  g_assert_nonnull (dir);
  if (openssl == NULL || !make_certificates (dir))
    {
      remove_dir (dir);
      g_test_fail_printf ("could not generate certificates with openssl");
      return;
    }
  ca = g_build_filename (dir, "ca.pem", NULL);
  cert_file = g_build_filename (dir, "server.pem", NULL);
  key_file = g_build_filename (dir, "server.key", NULL);
  cert = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);
  db = g_tls_file_database_new (ca, &error);
  g_assert_no_error (error);

  /* Two nodes trust the test CA and join over wss://. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GossipWebsocketTransport) t = ws_transport_new (TRUE, TOKEN, cert, db);
      node_init (&nodes[i], i, GOSSIP_TRANSPORT (t), NULL);
      g_assert_true (g_str_has_prefix (gossip_cluster_get_advertise_address (nodes[i].cluster), "wss://127.0.0.1:"));
    }
  join_all (nodes, 2);
  broadcast_and_reply (nodes, 2);

  /* A third that does not trust the CA (system store) cannot join: the
   * certificate is validated. ws:// is refused too (insecure not allowed). */
  {
    g_autoptr(GossipWebsocketTransport) t = ws_transport_new (TRUE, TOKEN, cert, NULL);
    const char *seed[2] = { gossip_cluster_get_advertise_address (nodes[0].cluster), NULL };
    g_autofree char *insecure = g_strdup_printf ("ws://%s", seed[0] + strlen ("wss://"));
    const char *insecure_seed[2] = { insecure, NULL };

    node_init (&nodes[2], 2, GOSSIP_TRANSPORT (t), NULL);
    g_assert_cmpuint (test_cluster_join (nodes[2].cluster, seed, NULL, &error), ==, 0);
    g_assert_nonnull (error);
    g_test_message ("untrusted: %s", error->message);
    g_clear_error (&error);
    g_assert_cmpuint (test_cluster_join (nodes[2].cluster, insecure_seed, NULL, &error), ==, 0);
    g_assert_nonnull (error);
    g_test_message ("insecure: %s", error->message);
    g_clear_error (&error);
    /* Unaffected: both still alive (waited for, as a TLS handshake per
     * probe can make a probe late under a sanitizer). */
    {
      Nodes ns = { nodes, 2 };

      g_assert_true (test_wait_for (converged, &ns, WAIT_MS));
    }
    node_clear (&nodes[2]);
  }

  for (guint i = 0; i < 2; i++)
    node_clear (&nodes[i]);
  remove_dir_at_exit (dir);
}

/* Streams over wss:// between two bare transports trusting a test CA, with
 * no cluster busy on the same main loop. */
static void
test_stream_wss (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gossip-wss-XXXXXX", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *ca = NULL;
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GTlsDatabase) db = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (dir);
  if (openssl == NULL || !make_certificates (dir))
    {
      remove_dir (dir);
      g_test_fail_printf ("could not generate certificates with openssl");
      return;
    }
  ca = g_build_filename (dir, "ca.pem", NULL);
  cert_file = g_build_filename (dir, "server.pem", NULL);
  key_file = g_build_filename (dir, "server.key", NULL);
  cert = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);
  db = g_tls_file_database_new (ca, &error);
  g_assert_no_error (error);

  {
    g_autoptr(GossipWebsocketTransport) server = ws_transport_new (TRUE, TOKEN, cert, db);
    g_autoptr(GossipWebsocketTransport) client = ws_transport_new (FALSE, TOKEN, cert, db);
    g_autofree char *address = gossip_transport_get_local_address (GOSSIP_TRANSPORT (server));

    g_assert_true (g_str_has_prefix (address, "wss://127.0.0.1:"));
    stream_both_ways (client, server, WSS_STREAM_BYTES);
    gossip_transport_set_receive_func (GOSSIP_TRANSPORT (server), NULL, NULL);
    gossip_transport_close (GOSSIP_TRANSPORT (client));
    gossip_transport_close (GOSSIP_TRANSPORT (server));
  }
  /* The file database reads the CA again for every handshake. */
  remove_dir_at_exit (dir);
}

static gboolean
loop_idle (gpointer user_data)
{
  return !g_main_context_pending (NULL);
}

/* The deadlock that kept the wss test opt-in: a peer that connected and
 * sends nothing leaves a TLS handshake blocked in its thread; closing the
 * transport must not wait for it. */
static void
test_close_with_handshake_in_flight (void)
{
  g_autofree char *dir = g_dir_make_tmp ("gossip-wss-XXXXXX", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autofree char *cert_file = NULL;
  g_autofree char *key_file = NULL;
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipWebsocketTransport) server = NULL;
  g_autoptr(GSocketClient) tcp = g_socket_client_new ();
  g_autoptr(GSocketConnection) silent = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GBytes) hello = NULL;
  gint64 start;
  guint port;

  g_assert_nonnull (dir);
  if (openssl == NULL || !make_certificates (dir))
    {
      remove_dir (dir);
      g_test_fail_printf ("could not generate certificates with openssl");
      return;
    }
  cert_file = g_build_filename (dir, "server.pem", NULL);
  key_file = g_build_filename (dir, "server.key", NULL);
  cert = g_tls_certificate_new_from_files (cert_file, key_file, &error);
  g_assert_no_error (error);
  remove_dir (dir);

  server = ws_transport_new (TRUE, NULL, cert, NULL);
  address = gossip_transport_get_local_address (GOSSIP_TRANSPORT (server));
  g_assert_true (g_str_has_prefix (address, "wss://127.0.0.1:"));
  port = (guint) g_ascii_strtoull (address + strlen ("wss://127.0.0.1:"), NULL, 10);

  /* A TCP connection, and the first byte of a ClientHello, then silence. */
  silent = g_socket_client_connect_to_host (tcp, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (silent)), "\x16", 1,
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  /* Until the server accepted it and its handshake thread waits. */
  g_assert_true (test_wait_for (loop_idle, NULL, WAIT_MS));

  start = g_get_monotonic_time ();
  gossip_transport_close (GOSSIP_TRANSPORT (server));
  g_test_message ("closed in %.3f s with a handshake in flight",
                  (g_get_monotonic_time () - start) / 1e6);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  /* The peer finds the connection gone (an alert at most, then the end). */
  {
    Reader *r = g_new0 (Reader, 1);

    reader_start (r, G_IO_STREAM (silent), G_MAXUINT64);
    g_assert_true (test_wait_for (reader_stopped, r, WAIT_MS));
    g_assert_cmpuint (r->got, <, 64);
    reader_clear (r);
    g_free (r);
  }
}

/* ---- mounted on the application's server ---- */

/* From the listener: soup_server_get_uris() leaks in libsoup 3.2. */
static guint
server_port (SoupServer *server)
{
  GSList *listeners = soup_server_get_listeners (server);
  g_autoptr(GSocketAddress) local = NULL;

  g_assert_nonnull (listeners);
  local = g_socket_get_local_address (listeners->data, NULL);
  g_slist_free (listeners);
  g_assert_nonnull (local);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static void
hello_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hi", 2);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GBytes **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static void
test_mounted_handler (void)
{
  g_autoptr(SoupServer) app = soup_server_new (NULL, NULL);
  g_autoptr(GInetSocketAddress) bind = loopback_any_port ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipWebsocketTransport) mounted = NULL;
  g_autofree char *advertise = NULL;
  g_autofree char *hello_url = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  Node nodes[2];
  guint port;

  soup_server_add_handler (app, "/hello", hello_cb, NULL, NULL);
  g_assert_true (soup_server_listen (app, G_SOCKET_ADDRESS (bind), 0, &error));
  g_assert_no_error (error);
  port = server_port (app);

  /* No server of its own: the application mounts it at /gossip. */
  mounted = ws_transport_new (FALSE, TOKEN, NULL, NULL);
  g_assert_null (gossip_websocket_transport_get_server (mounted));
  gossip_websocket_transport_add_handler (mounted, app, "/gossip");
  advertise = g_strdup_printf ("ws://127.0.0.1:%u/gossip", port);
  node_init (&nodes[0], 0, GOSSIP_TRANSPORT (mounted), advertise);
  {
    g_autoptr(GossipWebsocketTransport) t = ws_transport_new (TRUE, TOKEN, NULL, NULL);
    node_init (&nodes[1], 1, GOSSIP_TRANSPORT (t), NULL);
  }
  join_all (nodes, 2);
  broadcast_and_reply (nodes, 2);

  /* The application's other route still answers. */
  hello_url = g_strdup_printf ("http://127.0.0.1:%u/hello", port);
  msg = soup_message_new ("GET", hello_url);
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, &body);
  g_assert_true (test_wait_for (pointer_set, &body, WAIT_MS));
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpmem (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "hi", 2);

  for (guint i = 0; i < 2; i++)
    node_clear (&nodes[i]);
  soup_server_disconnect (app);
  test_run_for (500);
}

/* ---- both transports: socket peers and WebSocket peers ---- */

static gboolean
hub_sees_three (gpointer user_data)
{
  return gossip_cluster_get_n_alive (user_data) >= 3;
}

static void
test_mixed_socket_and_ws (void)
{
  g_autoptr(GInetSocketAddress) bind = loopback_any_port ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipSocketTransport) sock = NULL;
  g_autoptr(GossipWebsocketTransport) both = NULL;
  g_autoptr(GossipConfig) plain_config = gossip_config_new ();
  g_autoptr(GossipCluster) plain = NULL;
  g_autoptr(GossipCluster) hub = NULL;
  Node ws_node;
  const char *hub_seed[2] = { NULL, NULL };
  Node hub_node;

  sock = gossip_socket_transport_new (bind, &error);
  g_assert_no_error (error);
  both = g_initable_new (GOSSIP_TYPE_WEBSOCKET_TRANSPORT, NULL, &error,
                         "bind-address", bind, "allow-insecure-websockets", TRUE,
                         "socket-transport", sock, "timeout", 3000, NULL);
  g_assert_no_error (error);

  /* The hub advertises its socket address; WebSocket peers reach it by URL. */
  {
    g_autofree char *sock_address = gossip_transport_get_local_address (GOSSIP_TRANSPORT (sock));
    node_init (&hub_node, 0, GOSSIP_TRANSPORT (both), sock_address);
  }
  hub_seed[0] = gossip_cluster_get_advertise_address (hub_node.cluster);

  /* A plain socket node joins the hub by host:port. */
  gossip_config_set_bind_address (plain_config, "127.0.0.1:0");
  gossip_config_scale_intervals (plain_config, 0.05);
  plain = gossip_cluster_new (plain_config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (plain);
  g_assert_cmpuint (test_cluster_join (plain, hub_seed, NULL, &error), ==, 1);
  g_assert_no_error (error);

  /* A WebSocket-only node joins it by its ws:// URL. */
  {
    g_autoptr(GossipWebsocketTransport) t = ws_transport_new (TRUE, NULL, NULL, NULL);
    g_autofree char *url = gossip_transport_get_local_address (GOSSIP_TRANSPORT (both));
    const char *seed[2] = { url, NULL };

    node_init (&ws_node, 1, GOSSIP_TRANSPORT (t), NULL);
    g_assert_cmpuint (test_cluster_join (ws_node.cluster, seed, NULL, &error), ==, 1);
    g_assert_no_error (error);
  }

  /* The hub sees both; each kind reached it through its own channel. */
  g_assert_true (test_wait_for (hub_sees_three, hub_node.cluster, WAIT_MS));
  {
    GossipTransportCounters c = counters_of (hub_node.cluster);

    /* Counters cover both channels. */
    g_assert_cmpuint (c.tcp_requests_in, >, 0);
  }

  gossip_cluster_stop (plain);
  node_clear (&ws_node);
  node_clear (&hub_node);
}

/* ---- a peer that talks as a Go v0.6.0 node does (PROTOCOL.md §3.3) ----
 *
 * A raw libsoup client stands in for a Go node with either of Go's
 * providers: permessage-deflate offered (both default to it), each Write()
 * one binary message — a request is one message (len||packet), the stream
 * ack comes as one message of 2 bytes, a stream frame is two messages
 * (header, then data) — and messages read back as one byte stream. */

typedef struct {
  GByteArray *in;        /* every binary payload, concatenated */
  GArray     *sizes;     /* the size of each binary message */
} GoPeer;

static void
go_peer_message_cb (SoupWebsocketConnection *ws,
                    gint                     type,
                    GBytes                  *message,
                    gpointer                 user_data)
{
  GoPeer *g = user_data;
  gsize size;
  const guint8 *data = g_bytes_get_data (message, &size);

  if (type != SOUP_WEBSOCKET_DATA_BINARY)
    return;
  g_byte_array_append (g->in, data, size);
  g_array_append_val (g->sizes, size);
}

static gboolean
go_peer_has_packet (gpointer user_data)
{
  GoPeer *g = user_data;

  return g->in->len >= 4 && g->in->len >= 4 + GUINT32_FROM_BE (*(guint32 *) g->in->data);
}

static gboolean
go_peer_has_bytes_2 (gpointer user_data)
{
  return ((GoPeer *) user_data)->in->len >= 2;
}

static GBytes *
go_request (GossipWire *wire, guint16 type, GVariant *value)
{
  GossipEnvelope env = { .type = type, .id = gossip_hlc_now (), .ttl = 1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  GByteArray *out = g_byte_array_new ();
  guint32 len;

  gossip_node_id_generate (&env.sender);
  raw = gossip_wire_encode_value (wire, &env, value, &error);
  g_assert_no_error (error);
  len = GUINT32_TO_BE ((guint32) g_bytes_get_size (raw));
  g_byte_array_append (out, (const guint8 *) &len, 4);
  g_byte_array_append (out, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw));
  return g_byte_array_free_to_bytes (out);
}

/* Reads the reply packet off @g and checks its echo. */
static void
go_peer_check_reply (GoPeer *g, GossipWire *wire, const char *want)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) answer = NULL;
  GossipWireMessage msg = { 0 };
  GossipDropReason reason;
  guint32 len;

  g_assert_true (test_wait_for (go_peer_has_packet, g, WAIT_MS));
  len = GUINT32_FROM_BE (*(guint32 *) g->in->data);
  g_assert_cmpuint (g->in->len, ==, 4 + len);
  g_assert_true (gossip_wire_decode (wire, g->in->data + 4, len, &msg, &reason, &error));
  g_assert_no_error (error);
  /* Go's reply envelope: mt 0 (replyMsg), TTL 1. */
  g_assert_cmpuint (msg.envelope.type, ==, 0);
  g_assert_cmpuint (msg.envelope.ttl, ==, 1);
  answer = gossip_wire_decode_payload (&msg, wire->codec, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (answer, NULL), ==, want);
  gossip_wire_message_clear (&msg);
}

static void
go_peer_connect (Raw *raw, GoPeer *g, const char *url)
{
  /* Both Go providers offer permessage-deflate. */
  memset (raw, 0, sizeof *raw);
  raw->session = soup_session_new ();
  soup_session_add_feature_by_type (raw->session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  raw->msg = soup_message_new ("GET", url);
  soup_session_websocket_connect_async (raw->session, raw->msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                        raw_connected_cb, raw);
  g_assert_true (test_wait_for (raw_done, raw, WAIT_MS));
  g_assert_no_error (raw->error);
  g_assert_nonnull (raw->ws);
  g_signal_connect (raw->ws, "closed", G_CALLBACK (raw_closed_cb), raw);
  g->in = g_byte_array_new ();
  g->sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_signal_connect (raw->ws, "message", G_CALLBACK (go_peer_message_cb), g);
}

static void
go_peer_clear (Raw *raw, GoPeer *g)
{
  g_signal_handlers_disconnect_by_data (raw->ws, g);
  raw_clear (raw);
  g_byte_array_unref (g->in);
  g_array_unref (g->sizes);
}

typedef struct {
  GossipStream *stream;
} GoStreamAccepted;

static void
go_stream_accept_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet,
                     GossipStream *stream, gpointer user_data)
{
  GoStreamAccepted *a = user_data;

  g_set_object (&a->stream, stream);
}

static gboolean
go_stream_accepted (gpointer user_data)
{
  return ((GoStreamAccepted *) user_data)->stream != NULL;
}

typedef struct {
  guint8  buf[64];
  gssize  got;
  GError *error;
} GoRead;

static void
go_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GoRead *r = user_data;

  r->got = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &r->error);
  if (r->got == 0)
    r->got = -2;  /* end of stream: not what we wait for */
}

static void
go_write_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GoRead *r = user_data;

  r->got = g_output_stream_write_finish (G_OUTPUT_STREAM (source), result, &r->error);
  if (r->got == 0)
    r->got = -2;
}

static gboolean
go_read_done (gpointer user_data)
{
  return ((GoRead *) user_data)->got != 0;
}

static void
test_go_shaped_peer (void)
{
  g_autoptr(GossipWebsocketTransport) t = ws_transport_new (TRUE, NULL, NULL, NULL);
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  g_autoptr(GossipCompressor) snappy = gossip_snappy_compressor_new ();
  GossipWire wire = { .codec = codec, .max_payload_size = 1 << 22,
                      .max_datagram_payload_size = 1 << 22 };
  g_autoptr(GError) error = NULL;
  GoStreamAccepted accepted = { NULL };
  Node node;
  Raw raw;
  GoPeer g;

  node_init (&node, 7, GOSSIP_TRANSPORT (t), NULL);

  /* A request/reply as Go sends it: one binary message, deflate offered. */
  go_peer_connect (&raw, &g, gossip_cluster_get_advertise_address (node.cluster));
  g_assert_nonnull (soup_websocket_connection_get_extensions (raw.ws));
  {
    g_autoptr(GBytes) req = go_request (&wire, 130, g_variant_new_string ("go"));
    soup_websocket_connection_send_message (raw.ws, SOUP_WEBSOCKET_DATA_BINARY, req);
  }
  go_peer_check_reply (&g, &wire, "go from 7");
  go_peer_clear (&raw, &g);

  /* Message boundaries carry no meaning: the same request in three
   * messages (the length alone, then the packet in two) is one request. */
  go_peer_connect (&raw, &g, gossip_cluster_get_advertise_address (node.cluster));
  {
    g_autoptr(GBytes) req = go_request (&wire, 130, g_variant_new_string ("split"));
    const guint8 *d = g_bytes_get_data (req, NULL);
    gsize n = g_bytes_get_size (req);

    soup_websocket_connection_send_binary (raw.ws, d, 4);
    soup_websocket_connection_send_binary (raw.ws, d + 4, 5);
    soup_websocket_connection_send_binary (raw.ws, d + 9, n - 9);
  }
  go_peer_check_reply (&g, &wire, "split from 7");
  go_peer_clear (&raw, &g);

  /* A stream opened as Go opens one, on a node with a compressor (so both
   * sides frame): the ack is one 2-byte message, then Go's frames come as
   * two messages each, and ours read back from the byte stream. */
  node_clear (&node);
  {
    g_autoptr(GossipWebsocketTransport) st = ws_transport_new (TRUE, NULL, NULL, NULL);
    g_autoptr(GossipConfig) config = gossip_config_new ();
    g_autoptr(GossipCluster) cluster = NULL;
    GossipWire framed = wire;
    GoRead r = { { 0 }, 0, NULL };
    const char *go_data = "hello from go";
    guint32 header;
    guint32 frame_len;
    const guint8 *frame;

    framed.compressor = snappy;
    gossip_config_set_transport (config, GOSSIP_TRANSPORT (st));
    gossip_config_set_compressor (config, snappy);
    cluster = gossip_cluster_new (config, NULL, &error);
    g_assert_no_error (error);
    gossip_cluster_start (cluster);
    g_assert_true (gossip_cluster_handle_stream (cluster, 140, go_stream_accept_cb, &accepted, NULL, &error));
    g_assert_no_error (error);

    go_peer_connect (&raw, &g, gossip_cluster_get_advertise_address (cluster));
    {
      g_autoptr(GBytes) open = go_request (&framed, 140, NULL);
      soup_websocket_connection_send_message (raw.ws, SOUP_WEBSOCKET_DATA_BINARY, open);
    }
    g_assert_true (test_wait_for (go_peer_has_bytes_2, &g, WAIT_MS));
    g_assert_cmpuint (g.in->data[0], ==, 0x00);
    g_assert_cmpuint (g.in->data[1], ==, 0x0b);
    g_assert_cmpuint (g_array_index (g.sizes, gsize, 0), ==, 2);
    g_assert_true (test_wait_for (go_stream_accepted, &accepted, WAIT_MS));
    g_assert_true (gossip_stream_is_framed (accepted.stream));
    g_byte_array_remove_range (g.in, 0, 2);

    /* Go's frame: the 4-byte header, then the data, in two messages
     * (uncompressed: under compress-min-size). */
    header = GUINT32_TO_BE ((guint32) strlen (go_data));
    soup_websocket_connection_send_binary (raw.ws, &header, 4);
    soup_websocket_connection_send_binary (raw.ws, go_data, strlen (go_data));
    g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (accepted.stream)),
                               r.buf, sizeof r.buf, G_PRIORITY_DEFAULT, NULL, go_read_cb, &r);
    g_assert_true (test_wait_for (go_read_done, &r, WAIT_MS));
    g_assert_no_error (r.error);
    g_assert_cmpint (r.got, ==, (gssize) strlen (go_data));
    g_assert_cmpmem (r.buf, r.got, go_data, strlen (go_data));

    /* Ours, as a Go reader takes it from the message stream. */
    g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (accepted.stream)),
                                              "hi go", 5, NULL, NULL, &error) ||
                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED));
    if (error != NULL)
      {
        /* Writes over a WebSocket are asynchronous only. */
        GoRead w = { { 0 }, 0, NULL };
        g_clear_error (&error);
        g_output_stream_write_async (g_io_stream_get_output_stream (G_IO_STREAM (accepted.stream)),
                                     "hi go", 5, G_PRIORITY_DEFAULT, NULL, go_write_cb, &w);
        g_assert_true (test_wait_for (go_read_done, &w, WAIT_MS));
        g_assert_no_error (w.error);
        g_assert_cmpint (w.got, ==, 5);
      }
    g_assert_true (test_wait_for (go_peer_has_packet, &g, WAIT_MS));
    frame_len = GUINT32_FROM_BE (*(guint32 *) g.in->data);
    g_assert_cmpuint (frame_len & 0x80000000u, ==, 0);  /* not compressed */
    g_assert_cmpuint (frame_len, ==, 5);
    frame = g.in->data + 4;
    g_assert_cmpmem (frame, 5, "hi go", 5);

    /* A Go peer closing is the end of our input. */
    go_peer_clear (&raw, &g);
    r = (GoRead) { { 0 }, 0, NULL };
    g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (accepted.stream)),
                               r.buf, sizeof r.buf, G_PRIORITY_DEFAULT, NULL, go_read_cb, &r);
    g_assert_true (test_wait_for (go_read_done, &r, WAIT_MS));
    g_assert_cmpint (r.got, ==, -2);
    g_clear_error (&r.error);
    g_clear_object (&accepted.stream);
    gossip_cluster_stop (cluster);
  }
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/websocket/three-nodes-token", test_ws_three_nodes_token);
  g_test_add_func ("/websocket/bad-input", test_ws_bad_input);
  g_test_add_func ("/websocket/wss", test_wss);
  g_test_add_func ("/websocket/wss-close-in-handshake", test_close_with_handshake_in_flight);
  g_test_add_func ("/websocket/mounted-handler", test_mounted_handler);
  g_test_add_func ("/websocket/mixed", test_mixed_socket_and_ws);
  g_test_add_func ("/websocket/stream/ws", test_stream_ws);
  g_test_add_func ("/websocket/stream/bad-peers", test_stream_bad_peers);
  g_test_add_func ("/websocket/stream/ownership", test_stream_ownership);
  g_test_add_func ("/websocket/stream/steal-after-close", test_stream_steal_after_close);
  g_test_add_func ("/websocket/stream/wss", test_stream_wss);
  g_test_add_func ("/websocket/go-shaped-peer", test_go_shaped_peer);

  status = g_test_run ();
  for (guint i = 0; cert_dirs != NULL && i < cert_dirs->len; i++)
    remove_dir (cert_dirs->pdata[i]);
  g_clear_pointer (&cert_dirs, g_ptr_array_unref);
  return status;
}
