/* gossip-websocket-transport.c: the WebSocket implementation of
 * GossipTransport, on libsoup 3 (PROTOCOL.md §3.3).
 *
 * Every send is a reliable request on a new WebSocket connection, as a Go
 * node in WebSocket mode does: the bytes exchanged are the TCP byte stream
 * of §3.2 (U32BE(len) ‖ packet, an optional reply the same way), each
 * write one binary message, and the reader treats the messages as one
 * continuous byte stream. Lengths are checked before anything grows past
 * them; text messages end the connection and are counted. A connection
 * that outlives its request (a stream, §8: open_connection, or
 * GossipIncoming's connection taken on the server side) is handed over as
 * a GossipWebsocketStream. The own server's listening socket and TLS
 * handshakes are run here, not by libsoup, so that closing never waits
 * for a handshake in flight. Addresses that
 * are not ws:// or wss:// go to an optional socket transport, so one node
 * can serve both kinds of peers. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "gossip-websocket-transport.h"
#include "gossip-websocket-stream-private.h"
#include "gossip-transport-private.h"
#include "gossip-address-private.h"
#include "gossip-error.h"

#define DEFAULT_MAX_PACKET  4194304
#define DEFAULT_TIMEOUT_MS  5000

struct _GossipWebsocketTransport
{
  GObject                  parent_instance;

  GMainContext            *context;
  char                    *bearer_token;
  gboolean                 allow_insecure;
  GTlsCertificate         *tls_certificate;
  GTlsDatabase            *tls_database;
  GInetSocketAddress      *bind_address;
  char                    *path;
  GossipTransport         *socket_transport;
  guint                    max_packet_size;
  guint                    timeout_ms;

  SoupSession             *session;
  SoupServer              *own_server;
  /* The own server's listening socket and TLS handshakes are ours, not
   * libsoup's: its handshakes cannot be cancelled and soup_server_disconnect()
   * closes them synchronously, which waits for a handshake thread blocked
   * on a peer that may never send (a deadlock when that peer needs this
   * main loop). Only connections that finished their handshake reach the
   * server, through soup_server_accept_iostream(). */
  GSocketListener         *listener;
  GCancellable            *accept_cancel;
  GSource                 *accept_retry;
  GHashTable              *handshakes;   /* set of Handshake */
  char                    *local_address;
  GPtrArray               *mounts;       /* Mount* */
  GHashTable              *conns;        /* set of WsConn, one ref each */

  GossipTransportCounters  counters;
  gboolean                 closed;
};

static void gossip_websocket_transport_iface_init (GossipTransportInterface *iface);
static void gossip_websocket_transport_initable_iface_init (GInitableIface *iface);

/**
 * GossipWebsocketTransport:
 *
 * The WebSocket [iface@Gossip.Transport] (PROTOCOL.md §3.3), on libsoup 3:
 * a #SoupSession dials peers addressed as `ws://host:port/path` or
 * `wss://host:port/path`, and a #SoupServer serves them, either its own
 * (on [property@Gossip.WebsocketTransport:bind-address]) or the
 * application's, with [method@Gossip.WebsocketTransport.add_handler].
 *
 * Every send is one request on a new WebSocket connection, byte for byte
 * what Go v0.6.0 exchanges over TCP (each write one binary message), so
 * it interoperates with Go nodes using either of Go's WebSocket
 * providers. Both sides accept permessage-deflate; a Go node that
 * negotiated it drops its gossip compressor, so a cluster with Go
 * WebSocket peers must not set [property@Gossip.Config:compressor].
 *
 * Set as [property@Gossip.Config:transport], it makes a WebSocket-only
 * node (Go's SocketTransportEnabled=false); with
 * [property@Gossip.WebsocketTransport:socket-transport] it serves
 * host:port peers through that transport too.
 *
 * Since: 1.0
 */
G_DEFINE_FINAL_TYPE_WITH_CODE (GossipWebsocketTransport, gossip_websocket_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_TRANSPORT,
                                                      gossip_websocket_transport_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      gossip_websocket_transport_initable_iface_init))

enum {
  PROP_0,
  PROP_BEARER_TOKEN,
  PROP_ALLOW_INSECURE_WEBSOCKETS,
  PROP_TLS_CERTIFICATE,
  PROP_TLS_DATABASE,
  PROP_BIND_ADDRESS,
  PROP_PATH,
  PROP_SOCKET_TRANSPORT,
  PROP_MAX_PACKET_SIZE,
  PROP_TIMEOUT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

typedef struct {
  SoupServer *server;
  char       *path;
} Mount;

static void
mount_free (Mount *m)
{
  g_object_unref (m->server);
  g_free (m->path);
  g_free (m);
}

/* ---- one WebSocket connection, either direction ---- */

typedef struct {
  int                       ref_count;
  GossipWebsocketTransport *transport;   /* NULL once finished or closed */
  SoupWebsocketConnection  *ws;
  GSocketAddress           *remote;
  GByteArray               *buf;
  guint32                   expected;    /* packet length, once 4 bytes arrived */
  gboolean                  have_len;
  gboolean                  finished;
  GSource                  *timeout;
  gulong                    message_id;
  gulong                    closed_id;

  /* Client side. */
  GTask                    *task;
  GossipRequestKind         kind;
  char                     *address;
  GBytes                   *frame;
  GCancellable             *attempt;
  SoupMessage              *msg;
  gboolean                  want_connection;   /* open_connection: hand the WebSocket over */

  /* Server side: the adapter the request's GossipIncoming offers. */
  GossipWebsocketStream    *stream;
} WsConn;

static WsConn *
ws_conn_ref (WsConn *c)
{
  c->ref_count++;
  return c;
}

static void
ws_conn_unref (WsConn *c)
{
  if (--c->ref_count > 0)
    return;
  g_assert (c->timeout == NULL);
  g_assert (c->task == NULL);
  if (c->ws != NULL)
    {
      g_clear_signal_handler (&c->message_id, c->ws);
      g_clear_signal_handler (&c->closed_id, c->ws);
    }
  g_clear_object (&c->ws);
  g_clear_object (&c->remote);
  g_clear_object (&c->attempt);
  g_clear_object (&c->msg);
  g_clear_object (&c->stream);
  g_clear_pointer (&c->buf, g_byte_array_unref);
  g_clear_pointer (&c->frame, g_bytes_unref);
  g_free (c->address);
  g_free (c);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Keeps the connection until libsoup says it is closed, so that a queued
 * reply is flushed and the close handshake runs. */
static void
ws_release_closed_cb (SoupWebsocketConnection *ws,
                      gpointer                 user_data)
{
  g_object_unref (ws);
}

static void
ws_close_gracefully (SoupWebsocketConnection *ws)
{
  if (ws == NULL)
    return;
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_CLOSED)
    return;
  g_signal_connect (g_object_ref (ws), "closed", G_CALLBACK (ws_release_closed_cb), NULL);
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

/* Ends the connection's business with the transport; the caller holds a
 * reference. */
static void
ws_conn_finish (WsConn *c)
{
  GossipWebsocketTransport *self = c->transport;

  if (c->finished)
    return;
  c->finished = TRUE;
  clear_source (&c->timeout);
  if (c->ws != NULL)
    {
      g_clear_signal_handler (&c->message_id, c->ws);
      g_clear_signal_handler (&c->closed_id, c->ws);
      ws_close_gracefully (c->ws);
    }
  c->transport = NULL;
  if (self != NULL)
    g_hash_table_remove (self->conns, c);
}

/* The connection goes to a stream adapter: forget it without closing it,
 * and stop timing it out. The caller holds a reference. */
static void
ws_conn_detach (WsConn *c)
{
  GossipWebsocketTransport *self = c->transport;

  if (c->finished)
    return;
  c->finished = TRUE;
  clear_source (&c->timeout);
  if (c->ws != NULL)
    {
      g_clear_signal_handler (&c->message_id, c->ws);
      g_clear_signal_handler (&c->closed_id, c->ws);
      g_clear_object (&c->ws);
    }
  g_clear_object (&c->stream);
  c->transport = NULL;
  if (self != NULL)
    g_hash_table_remove (self->conns, c);
}

/* The largest message a connection handed to a stream accepts and sends. */
static gsize
stream_max_message (GossipWebsocketTransport *self)
{
  return MAX ((gsize) self->max_packet_size + 4, (gsize) GOSSIP_WEBSOCKET_STREAM_MAX_MESSAGE);
}

static void
ws_send_frame (SoupWebsocketConnection *ws,
               GBytes                  *raw)
{
  gsize len = g_bytes_get_size (raw);
  g_autoptr(GByteArray) frame = g_byte_array_sized_new (len + 4);
  guint32 be = GUINT32_TO_BE ((guint32) len);

  /* One message for prefix and packet, as the Go writer does. */
  g_byte_array_append (frame, (const guint8 *) &be, 4);
  g_byte_array_append (frame, g_bytes_get_data (raw, NULL), len);
  soup_websocket_connection_send_binary (ws, frame->data, frame->len);
}

typedef enum {
  FEED_MORE,
  FEED_PACKET,
  FEED_OVERSIZE,
} FeedResult;

/* Message boundaries carry no meaning (§3.3): the bytes accumulate until
 * one length-prefixed packet is complete. Bytes after it are ignored, as
 * Go reads one packet per connection. */
static FeedResult
ws_conn_feed (WsConn        *c,
              GBytes        *message,
              guint          max_packet,
              GBytes       **packet_out,
              gsize         *consumed_out)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (message, &len);

  *consumed_out = 0;

  if (c->buf == NULL)
    c->buf = g_byte_array_new ();
  if (c->have_len && c->buf->len >= 4 + (gsize) c->expected)
    return FEED_MORE;   /* already complete: trailing bytes */

  if (c->have_len)
    len = MIN (len, 4 + (gsize) c->expected - c->buf->len);
  else if (c->buf->len + len > 4)
    {
      guint8 header[4];
      gsize have = c->buf->len;
      guint32 be;

      if (have > 0)
        memcpy (header, c->buf->data, have);
      memcpy (header + have, data, 4 - have);
      memcpy (&be, header, 4);
      c->expected = GUINT32_FROM_BE (be);
      c->have_len = TRUE;
      if (c->expected > max_packet)
        return FEED_OVERSIZE;
      len = MIN (len, 4 + (gsize) c->expected - c->buf->len);
    }
  g_byte_array_append (c->buf, data, len);
  *consumed_out = len;

  if (!c->have_len && c->buf->len == 4)
    {
      guint32 be;

      memcpy (&be, c->buf->data, 4);
      c->expected = GUINT32_FROM_BE (be);
      c->have_len = TRUE;
      if (c->expected > max_packet)
        return FEED_OVERSIZE;
    }
  if (c->have_len && c->buf->len == 4 + (gsize) c->expected)
    {
      *packet_out = g_bytes_new (c->buf->data + 4, c->expected);
      return FEED_PACKET;
    }
  return FEED_MORE;
}

static gboolean
ws_conn_timeout_cb (gpointer user_data)
{
  WsConn *c = user_data;
  GossipWebsocketTransport *self = c->transport;

  g_clear_pointer (&c->timeout, g_source_unref);
  ws_conn_ref (c);
  if (self != NULL)
    self->counters.drops_timeout++;
  g_debug ("WebSocket connection %s: no complete packet in time", c->address != NULL ? c->address : "(inbound)");
  if (c->task != NULL)
    {
      GTask *task = g_steal_pointer (&c->task);

      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_TIMEOUT,
                               "Timed out waiting for a reply from %s", c->address);
      g_object_unref (task);
    }
  ws_conn_finish (c);
  ws_conn_unref (c);
  return G_SOURCE_REMOVE;
}

static void
ws_conn_arm_timeout (WsConn *c,
                     guint   ms)
{
  clear_source (&c->timeout);
  c->timeout = g_timeout_source_new (ms);
  g_source_set_callback (c->timeout, ws_conn_timeout_cb, c, NULL);
  g_source_attach (c->timeout, c->transport->context);
}

/* ---- server side ---- */

static void
inbound_done (GBytes   *reply,
              gboolean  connection_taken,
              gpointer  user_data)
{
  WsConn *c = user_data;

  if (connection_taken)
    {
      /* A stream: the adapter owns the WebSocket from now on and accepts
       * stream-sized messages and buffering. Until now a peer could only
       * make it hold as much as one request. */
      if (c->stream != NULL && c->transport != NULL)
        {
          gossip_websocket_stream_set_max_message (c->stream, stream_max_message (c->transport));
          gossip_websocket_stream_set_buffer_limit (c->stream, GOSSIP_WEBSOCKET_STREAM_BUFFER_LIMIT);
        }
      ws_conn_detach (c);
      return;
    }
  if (reply != NULL && c->ws != NULL &&
      soup_websocket_connection_get_state (c->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      if (g_bytes_get_size (reply) <= G_MAXUINT32)
        {
          ws_send_frame (c->ws, reply);
          if (c->transport != NULL)
            c->transport->counters.bytes_out += g_bytes_get_size (reply);
        }
    }
  /* Reply or not, the connection ends here: the close handshake follows
   * the queued reply. */
  ws_conn_finish (c);
}

static void
inbound_message_cb (SoupWebsocketConnection *ws,
                    gint                     type,
                    GBytes                  *message,
                    gpointer                 user_data)
{
  WsConn *c = ws_conn_ref (user_data);
  GossipWebsocketTransport *self = c->transport;
  g_autoptr(GBytes) packet = NULL;
  gsize consumed = 0;

  if (self == NULL || c->finished)
    goto out;

  if (type != SOUP_WEBSOCKET_DATA_BINARY)
    {
      g_debug ("Dropping an inbound WebSocket connection: a text message (%" G_GSIZE_FORMAT " bytes)",
               g_bytes_get_size (message));
      self->counters.drops_bad_frame++;
      ws_conn_finish (c);
      goto out;
    }

  switch (ws_conn_feed (c, message, self->max_packet_size, &packet, &consumed))
    {
    case FEED_MORE:
      break;
    case FEED_OVERSIZE:
      g_debug ("Dropping an inbound WebSocket request of %u bytes (limit %u)",
               c->expected, self->max_packet_size);
      self->counters.drops_oversize++;
      ws_conn_finish (c);
      break;
    case FEED_PACKET:
      {
        g_autoptr(GossipWebsocketTransport) keep = g_object_ref (self);
        GossipIncoming *incoming;

        clear_source (&c->timeout);
        g_clear_signal_handler (&c->message_id, c->ws);
        self->counters.tcp_requests_in++;
        self->counters.bytes_in += g_bytes_get_size (packet);
        /* The adapter reads from here on, so that what follows the request
         * (a stream's frames) waits for whoever takes the connection. */
        c->stream = gossip_websocket_stream_new (c->ws, (gsize) self->max_packet_size + 4,
                                                 (gsize) self->max_packet_size + 4);
        gossip_websocket_stream_push (c->stream, (const guint8 *) g_bytes_get_data (message, NULL) + consumed,
                                      g_bytes_get_size (message) - consumed);
        incoming = gossip_incoming_new (c->remote, G_IO_STREAM (c->stream), inbound_done, ws_conn_ref (c),
                                        (GDestroyNotify) ws_conn_unref);
        gossip_transport_deliver (GOSSIP_TRANSPORT (self), packet, TRUE, incoming);
        gossip_incoming_unref (incoming);
      }
      break;
    }

out:
  ws_conn_unref (c);
}

static void
inbound_closed_cb (SoupWebsocketConnection *ws,
                   gpointer                 user_data)
{
  WsConn *c = ws_conn_ref (user_data);

  if (!c->have_len || (c->buf != NULL && c->buf->len < 4 + (gsize) c->expected))
    {
      g_debug ("Inbound WebSocket connection closed before a complete request");
      if (c->transport != NULL && c->buf != NULL && c->buf->len > 0)
        c->transport->counters.drops_bad_frame++;
    }
  ws_conn_finish (c);
  ws_conn_unref (c);
}

static void
websocket_cb (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *connection,
              gpointer                 user_data)
{
  GossipWebsocketTransport *self = user_data;
  WsConn *c;

  if (self->closed)
    {
      soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      return;
    }

  c = g_new0 (WsConn, 1);
  c->ref_count = 1;   /* the set's */
  c->transport = self;
  c->ws = g_object_ref (connection);
  c->remote = soup_server_message_get_remote_address (msg);
  if (c->remote != NULL)
    g_object_ref (c->remote);
  soup_websocket_connection_set_max_incoming_payload_size (connection, (guint64) self->max_packet_size + 4);
  c->message_id = g_signal_connect (connection, "message", G_CALLBACK (inbound_message_cb), c);
  c->closed_id = g_signal_connect (connection, "closed", G_CALLBACK (inbound_closed_cb), c);
  g_hash_table_add (self->conns, c);
  ws_conn_arm_timeout (c, self->timeout_ms);
}

/* Constant time in the length of the expected token. */
static gboolean
token_equal (const char *got,
             const char *want)
{
  gsize got_len = strlen (got);
  gsize want_len = strlen (want);
  guint8 diff = got_len != want_len;

  for (gsize i = 0; i < want_len; i++)
    diff |= (guint8) want[i] ^ (guint8) (i < got_len ? got[i] : 0);
  return diff == 0;
}

/* Before the upgrade: a refused request gets 401 and never a WebSocket. */
static void
auth_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  GossipWebsocketTransport *self = user_data;
  const char *header;
  const char *reason = NULL;

  if (self->bearer_token == NULL || self->bearer_token[0] == '\0')
    return;

  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  if (header == NULL || !g_str_has_prefix (header, "Bearer "))
    reason = "Invalid authorization header";
  else
    {
      g_autofree char *token = g_strstrip (g_strdup (header + strlen ("Bearer ")));

      if (!token_equal (token, self->bearer_token))
        reason = "Invalid bearer token";
    }
  if (reason == NULL)
    return;

  self->counters.drops_unauthorized++;
  g_debug ("Refusing a WebSocket upgrade on %s: %s", path, reason);
  soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, reason, strlen (reason));
}

/**
 * gossip_websocket_transport_add_handler:
 * @self: a WebSocket transport
 * @server: the application's server
 * @path: the path to serve gossip on, such as "/gossip"
 *
 * Mounts the gossip WebSocket endpoint on @server at @path, beside the
 * application's other handlers (Go's Cluster.WebsocketHandler). The
 * bearer token, if set, is checked before the upgrade. The handler is
 * removed when the transport closes.
 *
 * Peers reach the node at `ws://host:port@path` (or wss://): set
 * [property@Gossip.Config:advertise-address] to that URL.
 *
 * Since: 1.0
 */
void
gossip_websocket_transport_add_handler (GossipWebsocketTransport *self,
                                        SoupServer               *server,
                                        const char               *path)
{
  Mount *m;

  g_return_if_fail (GOSSIP_IS_WEBSOCKET_TRANSPORT (self));
  g_return_if_fail (SOUP_IS_SERVER (server));
  g_return_if_fail (path != NULL && path[0] == '/');
  g_return_if_fail (!self->closed);

  soup_server_add_early_handler (server, path, auth_cb, self, NULL);
  soup_server_add_websocket_handler (server, path, NULL, NULL, websocket_cb, self, NULL);
  m = g_new0 (Mount, 1);
  m->server = g_object_ref (server);
  m->path = g_strdup (path);
  g_ptr_array_add (self->mounts, m);
}

/**
 * gossip_websocket_transport_get_server:
 * @self: a WebSocket transport
 *
 * The transport accepts connections (and runs their TLS handshakes)
 * itself and hands them to this server with soup_server_accept_iostream(),
 * so soup_server_get_listeners() lists nothing; the address it serves is
 * [method@Gossip.Transport.get_local_address]. Other handlers may be
 * added to it.
 *
 * Returns: (transfer none) (nullable): the server the transport runs on
 *   its bind address, or %NULL if it has none
 *
 * Since: 1.0
 */
SoupServer *
gossip_websocket_transport_get_server (GossipWebsocketTransport *self)
{
  g_return_val_if_fail (GOSSIP_IS_WEBSOCKET_TRANSPORT (self), NULL);

  return self->own_server;
}

/* ---- client side ---- */

static void
request_return (WsConn *c,
                GBytes *reply,
                GError *error)
{
  GTask *task = g_steal_pointer (&c->task);

  if (task == NULL)
    {
      g_clear_pointer (&reply, g_bytes_unref);
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);
}

static void
request_message_cb (SoupWebsocketConnection *ws,
                    gint                     type,
                    GBytes                  *message,
                    gpointer                 user_data)
{
  WsConn *c = ws_conn_ref (user_data);
  GossipWebsocketTransport *self = c->transport;
  GBytes *packet = NULL;
  gsize consumed;

  if (self == NULL || c->finished)
    goto out;
  if (type != SOUP_WEBSOCKET_DATA_BINARY)
    {
      self->counters.drops_bad_frame++;
      request_return (c, NULL, g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_NO_REPLY,
                                            "%s answered with a text message", c->address));
      ws_conn_finish (c);
      goto out;
    }
  switch (ws_conn_feed (c, message, self->max_packet_size, &packet, &consumed))
    {
    case FEED_MORE:
      break;
    case FEED_OVERSIZE:
      self->counters.drops_oversize++;
      request_return (c, NULL, g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                                            "Reply from %s of %u bytes exceeds the limit of %u",
                                            c->address, c->expected, self->max_packet_size));
      ws_conn_finish (c);
      break;
    case FEED_PACKET:
      self->counters.bytes_in += g_bytes_get_size (packet);
      request_return (c, packet, NULL);
      ws_conn_finish (c);
      break;
    }
out:
  ws_conn_unref (c);
}

static void
request_closed_cb (SoupWebsocketConnection *ws,
                   gpointer                 user_data)
{
  WsConn *c = ws_conn_ref (user_data);

  request_return (c, NULL, g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_NO_REPLY,
                                        "%s closed the connection without a reply", c->address));
  ws_conn_finish (c);
  ws_conn_unref (c);
}

static void
request_connected_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  WsConn *c = user_data;
  GossipWebsocketTransport *self = c->transport;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (self == NULL || c->finished)
    {
      /* Closed meanwhile: the task was answered by close(). */
      if (ws != NULL)
        {
          ws_close_gracefully (ws);
          g_object_unref (ws);
        }
      ws_conn_unref (c);
      return;
    }
  if (ws == NULL)
    {
      guint status = c->msg != NULL ? soup_message_get_status (c->msg) : 0;
      GError *out;

      if (status == SOUP_STATUS_UNAUTHORIZED)
        out = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_CONNECT,
                           "%s refused the WebSocket upgrade: HTTP 401 (bearer token)", c->address);
      else
        out = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_CONNECT, "Could not reach %s: %s",
                           c->address, error->message);
      g_debug ("%s", out->message);
      request_return (c, NULL, out);
      ws_conn_finish (c);
      ws_conn_unref (c);
      return;
    }

  c->ws = ws;
  soup_websocket_connection_set_max_incoming_payload_size (ws, (guint64) self->max_packet_size + 4);
  ws_send_frame (ws, c->frame);
  self->counters.tcp_requests_out++;
  self->counters.bytes_out += g_bytes_get_size (c->frame);

  if (c->want_connection)
    {
      GossipWebsocketStream *stream = gossip_websocket_stream_new (ws, GOSSIP_WEBSOCKET_STREAM_BUFFER_LIMIT,
                                                                   stream_max_message (self));
      GTask *task = g_steal_pointer (&c->task);

      ws_conn_detach (c);
      g_task_return_pointer (task, stream, g_object_unref);
      g_object_unref (task);
      ws_conn_unref (c);
      return;
    }
  if (c->kind == GOSSIP_REQUEST_NO_REPLY)
    {
      request_return (c, g_bytes_new (NULL, 0), NULL);
      ws_conn_finish (c);
      ws_conn_unref (c);
      return;
    }
  c->message_id = g_signal_connect (ws, "message", G_CALLBACK (request_message_cb), c);
  c->closed_id = g_signal_connect (ws, "closed", G_CALLBACK (request_closed_cb), c);
  ws_conn_arm_timeout (c, self->timeout_ms);
  ws_conn_unref (c);
}

static void
inner_request_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  GBytes *reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);
}

/* Makes @context the thread-default one for the calls that follow, unless it
 * already is: pushing acquires the context, and while glib-networking's TLS
 * handshake thread holds it (to run accept-certificate on it) that fails.
 * Returns whether a pop is owed. */
static gboolean
enter_context (GMainContext *context)
{
  GMainContext *current = g_main_context_ref_thread_default ();
  gboolean push = current != context;

  g_main_context_unref (current);
  if (push)
    g_main_context_push_thread_default (context);
  return push;
}

static void
leave_context (GMainContext *context,
               gboolean      pushed)
{
  if (pushed)
    g_main_context_pop_thread_default (context);
}

static void
inner_open_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  GError *error = NULL;
  GIOStream *conn = gossip_transport_open_connection_finish (GOSSIP_TRANSPORT (source), result, &error);

  if (conn == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, conn, g_object_unref);
  g_object_unref (task);
}

static void gossip_websocket_transport_request_async (GossipTransport     *transport,
                                                      const char          *address,
                                                      GBytes              *raw,
                                                      GossipRequestKind    kind,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
static void gossip_websocket_transport_open_connection_async (GossipTransport     *transport,
                                                              const char          *address,
                                                              GBytes              *raw,
                                                              GCancellable        *cancellable,
                                                              GAsyncReadyCallback  callback,
                                                              gpointer             user_data);

/* A request, or with @want_connection the opening of a connection that
 * outlives it (the request written, the WebSocket handed over). */
static void
request_start (GossipWebsocketTransport *self,
               const char               *address,
               GBytes                   *raw,
               GossipRequestKind         kind,
               gboolean                  want_connection,
               GCancellable             *cancellable,
               GAsyncReadyCallback       callback,
               gpointer                  user_data)
{
  gboolean pushed;
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  gsize len = g_bytes_get_size (raw);
  WsConn *c;

  g_task_set_source_tag (task, want_connection ? (gpointer) gossip_websocket_transport_open_connection_async
                                               : (gpointer) gossip_websocket_transport_request_async);
  if (self->closed)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING, "The transport is closed");
      return;
    }
  if (!gossip_address_is_websocket (address))
    {
      if (self->socket_transport == NULL)
        {
          g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                                   "“%s” is not a WebSocket address and this node has no socket transport",
                                   address);
          return;
        }
      if (want_connection)
        gossip_transport_open_connection_async (self->socket_transport, address, raw, cancellable,
                                                inner_open_cb, g_object_ref (task));
      else
        gossip_transport_request_async (self->socket_transport, address, raw, kind, cancellable,
                                        inner_request_cb, g_object_ref (task));
      return;
    }
  if (!gossip_address_parse_websocket (address, self->allow_insecure, &url, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (len > self->max_packet_size)
    {
      self->counters.drops_oversize++;
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                               "A %" G_GSIZE_FORMAT "-byte packet exceeds the limit of %u",
                               len, self->max_packet_size);
      return;
    }

  c = g_new0 (WsConn, 1);
  c->ref_count = 1;   /* the set's */
  c->transport = self;
  c->task = g_object_ref (task);
  c->kind = kind;
  c->want_connection = want_connection;
  c->address = g_strdup (address);
  c->frame = g_bytes_ref (raw);   /* framed when sent */
  c->msg = soup_message_new ("GET", url);
  if (c->msg == NULL)
    {
      request_return (c, NULL, g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                                            "“%s” is not a valid WebSocket URL", address));
      ws_conn_unref (c);
      return;
    }
  if (self->bearer_token != NULL && self->bearer_token[0] != '\0')
    {
      g_autofree char *value = g_strdup_printf ("Bearer %s", self->bearer_token);

      soup_message_headers_replace (soup_message_get_request_headers (c->msg), "Authorization", value);
    }
  g_hash_table_add (self->conns, c);

  pushed = enter_context (self->context);
  soup_session_websocket_connect_async (self->session, c->msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        cancellable, request_connected_cb, ws_conn_ref (c));
  leave_context (self->context, pushed);
}

static void
gossip_websocket_transport_request_async (GossipTransport     *transport,
                                          const char          *address,
                                          GBytes              *raw,
                                          GossipRequestKind    kind,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  request_start (GOSSIP_WEBSOCKET_TRANSPORT (transport), address, raw, kind, FALSE,
                 cancellable, callback, user_data);
}

/* Streams (PROTOCOL.md §8): the request goes out as one binary message,
 * exactly like a request, and the caller gets the connection as a
 * GossipWebsocketStream to read the ack and the frames from. */
static void
gossip_websocket_transport_open_connection_async (GossipTransport     *transport,
                                                  const char          *address,
                                                  GBytes              *raw,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data)
{
  request_start (GOSSIP_WEBSOCKET_TRANSPORT (transport), address, raw, GOSSIP_REQUEST_NO_REPLY, TRUE,
                 cancellable, callback, user_data);
}

static GIOStream *
gossip_websocket_transport_open_connection_finish (GossipTransport  *transport,
                                                   GAsyncResult     *result,
                                                   GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gossip_websocket_transport_open_connection_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static GBytes *
gossip_websocket_transport_request_finish (GossipTransport  *transport,
                                           GAsyncResult     *result,
                                           GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
datagram_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = gossip_websocket_transport_request_finish (GOSSIP_TRANSPORT (self), result, &error);

  if (reply == NULL && !self->closed)
    {
      self->counters.drops_send_failure++;
      g_debug ("Dropping a best-effort packet: %s", error->message);
    }
}

/* WebSocket mode has no datagrams (§3.3): best-effort packets go as
 * fire-and-forget requests. */
static void
gossip_websocket_transport_send_datagram (GossipTransport *transport,
                                          const char      *address,
                                          GBytes          *raw)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (transport);

  if (self->closed)
    return;
  if (!gossip_address_is_websocket (address) && self->socket_transport != NULL)
    {
      gossip_transport_send_datagram (self->socket_transport, address, raw);
      return;
    }
  gossip_websocket_transport_request_async (transport, address, raw, GOSSIP_REQUEST_NO_REPLY,
                                            NULL, datagram_done_cb, NULL);
}

static char *
gossip_websocket_transport_get_local_address (GossipTransport *transport)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (transport);

  if (self->local_address != NULL)
    return g_strdup (self->local_address);
  if (self->socket_transport != NULL)
    return gossip_transport_get_local_address (self->socket_transport);
  return NULL;
}

static void
gossip_websocket_transport_forget_address (GossipTransport *transport,
                                           const char      *address)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (transport);

  if (self->socket_transport != NULL && !gossip_address_is_websocket (address))
    gossip_transport_forget_address (self->socket_transport, address);
}

static void
gossip_websocket_transport_get_counters (GossipTransport         *transport,
                                         GossipTransportCounters *out)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (transport);
  GossipTransportCounters inner;
  guint64 *o = (guint64 *) out;
  const guint64 *a = (const guint64 *) &self->counters;
  const guint64 *b = (const guint64 *) &inner;

  memset (&inner, 0, sizeof inner);
  if (self->socket_transport != NULL)
    gossip_transport_get_counters (self->socket_transport, &inner);
  /* Both channels together: the struct is all guint64. */
  for (gsize i = 0; i < sizeof *out / sizeof (guint64); i++)
    o[i] = a[i] + b[i];
}


/* ---- the own server's connections ---- */

/* Pending accepts and handshakes hold the transport weakly, so that dropping
 * it without closing still disposes it (which closes). */
typedef struct {
  GWeakRef                  transport;
  GIOStream                *tls;
  GSocketConnection        *base;
  GCancellable             *cancel;
  GSource                  *timeout;
} Handshake;

static void accept_next (GossipWebsocketTransport *self);

static void
closed_quietly_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
}

static void
serve_connection (GossipWebsocketTransport *self,
                  GIOStream                *stream,
                  GSocketConnection        *base)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (base, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (base, NULL);
  g_autoptr(GError) error = NULL;
  gboolean pushed;

  if (local == NULL || remote == NULL)
    {
      g_debug ("Dropping an inbound WebSocket connection without addresses");
      g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, closed_quietly_cb, NULL);
      return;
    }
  pushed = enter_context (self->context);
  if (!soup_server_accept_iostream (self->own_server, stream, local, remote, &error))
    {
      g_debug ("Dropping an inbound WebSocket connection: %s", error->message);
      g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, closed_quietly_cb, NULL);
    }
  leave_context (self->context, pushed);
}

static void
handshake_free (Handshake *h)
{
  clear_source (&h->timeout);
  /* Asynchronously: a synchronous TLS close is what this avoids. */
  g_io_stream_close_async (h->tls, G_PRIORITY_DEFAULT, NULL, closed_quietly_cb, NULL);
  g_object_unref (h->base);
  g_object_unref (h->tls);
  g_object_unref (h->cancel);
  g_weak_ref_clear (&h->transport);
  g_free (h);
}

static gboolean
handshake_timeout_cb (gpointer user_data)
{
  Handshake *h = user_data;
  g_autoptr(GossipWebsocketTransport) self = g_weak_ref_get (&h->transport);

  g_clear_pointer (&h->timeout, g_source_unref);
  if (self != NULL)
    self->counters.drops_timeout++;
  g_debug ("Dropping an inbound wss:// connection: no TLS handshake in time");
  g_cancellable_cancel (h->cancel);
  return G_SOURCE_REMOVE;
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Handshake *h = user_data;
  g_autoptr(GossipWebsocketTransport) self = g_weak_ref_get (&h->transport);
  g_autoptr(GError) error = NULL;

  if (self != NULL)
    g_hash_table_remove (self->handshakes, h);
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    g_debug ("Dropping an inbound wss:// connection: %s", error->message);
  else if (self != NULL && !self->closed)
    {
      serve_connection (self, h->tls, h->base);
      /* The server owns it now. */
      clear_source (&h->timeout);
      g_object_unref (h->base);
      g_object_unref (h->tls);
      g_object_unref (h->cancel);
      g_weak_ref_clear (&h->transport);
      g_free (h);
      return;
    }
  handshake_free (h);
}

static void
start_handshake (GossipWebsocketTransport *self,
                 GSocketConnection        *conn)
{
  static const char * const protocols[] = { "http/1.1", "http/1.0", NULL };
  g_autoptr(GError) error = NULL;
  GIOStream *tls = g_tls_server_connection_new (G_IO_STREAM (conn), self->tls_certificate, &error);
  Handshake *h;
  gboolean pushed;

  if (tls == NULL)
    {
      g_debug ("Dropping an inbound wss:// connection: %s", error->message);
      return;
    }
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (tls), protocols);

  h = g_new0 (Handshake, 1);
  g_weak_ref_init (&h->transport, self);
  h->tls = tls;
  h->base = g_object_ref (conn);
  h->cancel = g_cancellable_new ();
  h->timeout = g_timeout_source_new (self->timeout_ms);
  g_source_set_callback (h->timeout, handshake_timeout_cb, h, NULL);
  g_source_attach (h->timeout, self->context);
  g_hash_table_add (self->handshakes, h);

  pushed = enter_context (self->context);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT, h->cancel, handshake_cb, h);
  leave_context (self->context, pushed);
}

static gboolean
accept_retry_cb (gpointer user_data)
{
  GossipWebsocketTransport *self = user_data;

  g_clear_pointer (&self->accept_retry, g_source_unref);
  accept_next (self);
  return G_SOURCE_REMOVE;
}

static void
accept_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GWeakRef *ref = user_data;
  g_autoptr(GossipWebsocketTransport) self = g_weak_ref_get (ref);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) conn = g_socket_listener_accept_finish (G_SOCKET_LISTENER (source), result,
                                                                       NULL, &error);

  g_weak_ref_clear (ref);
  g_free (ref);
  if (self == NULL || self->closed)
    return;   /* an accepted connection closes with its last reference */
  if (conn == NULL)
    {
      /* Out of descriptors, say: try again shortly rather than spin. */
      g_debug ("Accepting a WebSocket connection failed: %s", error->message);
      self->accept_retry = g_timeout_source_new (100);
      g_source_set_callback (self->accept_retry, accept_retry_cb, self, NULL);
      g_source_attach (self->accept_retry, self->context);
      return;
    }
  accept_next (self);
  g_socket_set_option (g_socket_connection_get_socket (conn), IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  if (self->tls_certificate != NULL)
    start_handshake (self, conn);
  else
    serve_connection (self, G_IO_STREAM (conn), conn);
}

static void
accept_next (GossipWebsocketTransport *self)
{
  gboolean pushed = enter_context (self->context);
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  g_socket_listener_accept_async (self->listener, self->accept_cancel, accept_cb, ref);
  leave_context (self->context, pushed);
}

static void
gossip_websocket_transport_close (GossipTransport *transport)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (transport);
  GList *list;

  if (self->closed)
    return;
  self->closed = TRUE;

  for (guint i = 0; i < self->mounts->len; i++)
    {
      Mount *m = self->mounts->pdata[i];

      soup_server_remove_handler (m->server, m->path);
    }
  g_ptr_array_set_size (self->mounts, 0);

  /* Listener and handshakes first, without waiting for anything: what
   * the server still holds finished its handshake and closes at once. */
  g_cancellable_cancel (self->accept_cancel);
  clear_source (&self->accept_retry);
  if (self->listener != NULL)
    g_socket_listener_close (self->listener);
  list = g_hash_table_get_keys (self->handshakes);
  for (GList *l = list; l != NULL; l = l->next)
    {
      Handshake *h = l->data;

      clear_source (&h->timeout);
      g_cancellable_cancel (h->cancel);
    }
  g_list_free (list);
  g_hash_table_remove_all (self->handshakes);   /* each frees itself when its handshake returns */
  if (self->own_server != NULL)
    soup_server_disconnect (self->own_server);

  list = g_hash_table_get_keys (self->conns);
  for (GList *l = list; l != NULL; l = l->next)
    {
      WsConn *c = ws_conn_ref (l->data);

      request_return (c, NULL, g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                                            "Request to %s abandoned: the transport was closed",
                                            c->address));
      ws_conn_finish (c);
      ws_conn_unref (c);
    }
  g_list_free (list);
  soup_session_abort (self->session);

  if (self->socket_transport != NULL)
    gossip_transport_close (self->socket_transport);
}

static void
gossip_websocket_transport_iface_init (GossipTransportInterface *iface)
{
  iface->get_local_address = gossip_websocket_transport_get_local_address;
  iface->send_datagram = gossip_websocket_transport_send_datagram;
  iface->request_async = gossip_websocket_transport_request_async;
  iface->request_finish = gossip_websocket_transport_request_finish;
  iface->open_connection_async = gossip_websocket_transport_open_connection_async;
  iface->open_connection_finish = gossip_websocket_transport_open_connection_finish;
  iface->forget_address = gossip_websocket_transport_forget_address;
  iface->close = gossip_websocket_transport_close;
  iface->get_counters = gossip_websocket_transport_get_counters;
}

/* ---- construction ---- */

static void
socket_receive (GBytes         *raw,
                gboolean        reliable,
                GossipIncoming *incoming,
                gpointer        user_data)
{
  gossip_transport_deliver (GOSSIP_TRANSPORT (user_data), raw, reliable, incoming);
}

static gboolean
gossip_websocket_transport_initable_init (GInitable     *initable,
                                          GCancellable  *cancellable,
                                          GError       **error)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (initable);
  gboolean pushed;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  GInetAddress *ia;
  g_autofree char *ip = NULL;
  guint port = 0;

  if (self->session != NULL)
    return TRUE;

  pushed = enter_context (self->context);
  self->session = soup_session_new_with_options ("timeout", MAX (self->timeout_ms / 1000, 1),
                                                 "idle-timeout", MAX (self->timeout_ms / 1000, 1),
                                                 "proxy-resolver", NULL,
                                                 NULL);
  leave_context (self->context, pushed);
  if (self->tls_database != NULL)
    soup_session_set_tls_database (self->session, self->tls_database);

  if (self->socket_transport != NULL)
    {
      if (gossip_transport_has_receiver (self->socket_transport))
        {
          g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                               "The socket transport already has a receiver");
          return FALSE;
        }
      gossip_transport_set_receive_func (self->socket_transport, socket_receive, self);
    }

  if (self->bind_address == NULL)
    return TRUE;

  pushed = enter_context (self->context);
  self->own_server = soup_server_new ("tls-certificate", self->tls_certificate, NULL);
  leave_context (self->context, pushed);
  gossip_websocket_transport_add_handler (self, self->own_server, self->path);
  self->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (self->listener, G_SOCKET_ADDRESS (self->bind_address), G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, &local_error))
    {
      g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (self->bind_address));

      g_set_error (error, GOSSIP_ERROR,
                   g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)
                   ? GOSSIP_ERROR_ADDRESS_IN_USE : GOSSIP_ERROR_ADDRESS,
                   _("Could not listen on %s: %s"), where, local_error->message);
      return FALSE;
    }
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  accept_next (self);
  ia = g_inet_socket_address_get_address (self->bind_address);
  ip = g_inet_address_to_string (ia);
  self->local_address = g_strdup_printf (g_inet_address_get_family (ia) == G_SOCKET_FAMILY_IPV6
                                           ? "%s://[%s]:%u%s" : "%s://%s:%u%s",
                                         self->tls_certificate != NULL ? "wss" : "ws", ip, port,
                                         self->path);
  return TRUE;
}

static void
gossip_websocket_transport_initable_iface_init (GInitableIface *iface)
{
  iface->init = gossip_websocket_transport_initable_init;
}

/**
 * gossip_websocket_transport_new:
 * @bind_address: (nullable): where to run a server of its own, or %NULL
 *   for a client that serves through
 *   [method@Gossip.WebsocketTransport.add_handler] (or not at all)
 * @bearer_token: (nullable): the token both required of peers and sent to
 *   them, or %NULL for none
 * @error: return location for a #GError
 *
 * Creates a WebSocket transport that allows only wss:// peers. Use
 * g_initable_new() to set other properties, such as
 * [property@Gossip.WebsocketTransport:allow-insecure-websockets].
 *
 * Returns: (transfer full): the transport, or %NULL with @error set
 *
 * Since: 1.0
 */
GossipWebsocketTransport *
gossip_websocket_transport_new (GInetSocketAddress  *bind_address,
                                const char          *bearer_token,
                                GError             **error)
{
  g_return_val_if_fail (bind_address == NULL || G_IS_INET_SOCKET_ADDRESS (bind_address), NULL);

  return g_initable_new (GOSSIP_TYPE_WEBSOCKET_TRANSPORT, NULL, error,
                         "bind-address", bind_address, "bearer-token", bearer_token, NULL);
}

static void
gossip_websocket_transport_set_property (GObject      *object,
                                         guint         prop_id,
                                         const GValue *value,
                                         GParamSpec   *pspec)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_BEARER_TOKEN:
      g_free (self->bearer_token);
      self->bearer_token = g_value_dup_string (value);
      break;
    case PROP_ALLOW_INSECURE_WEBSOCKETS:
      self->allow_insecure = g_value_get_boolean (value);
      break;
    case PROP_TLS_CERTIFICATE:
      g_set_object (&self->tls_certificate, g_value_get_object (value));
      break;
    case PROP_TLS_DATABASE:
      g_set_object (&self->tls_database, g_value_get_object (value));
      break;
    case PROP_BIND_ADDRESS:
      g_set_object (&self->bind_address, g_value_get_object (value));
      break;
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      if (self->path == NULL || self->path[0] != '/')
        {
          g_free (self->path);
          self->path = g_strdup ("/");
        }
      break;
    case PROP_SOCKET_TRANSPORT:
      g_set_object (&self->socket_transport, g_value_get_object (value));
      break;
    case PROP_MAX_PACKET_SIZE:
      self->max_packet_size = g_value_get_uint (value);
      break;
    case PROP_TIMEOUT:
      self->timeout_ms = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_websocket_transport_get_property (GObject    *object,
                                         guint       prop_id,
                                         GValue     *value,
                                         GParamSpec *pspec)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_BEARER_TOKEN:
      g_value_set_string (value, self->bearer_token);
      break;
    case PROP_ALLOW_INSECURE_WEBSOCKETS:
      g_value_set_boolean (value, self->allow_insecure);
      break;
    case PROP_TLS_CERTIFICATE:
      g_value_set_object (value, self->tls_certificate);
      break;
    case PROP_TLS_DATABASE:
      g_value_set_object (value, self->tls_database);
      break;
    case PROP_BIND_ADDRESS:
      g_value_set_object (value, self->bind_address);
      break;
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_SOCKET_TRANSPORT:
      g_value_set_object (value, self->socket_transport);
      break;
    case PROP_MAX_PACKET_SIZE:
      g_value_set_uint (value, self->max_packet_size);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_websocket_transport_dispose (GObject *object)
{
  gossip_websocket_transport_close (GOSSIP_TRANSPORT (object));

  G_OBJECT_CLASS (gossip_websocket_transport_parent_class)->dispose (object);
}

static void
gossip_websocket_transport_finalize (GObject *object)
{
  GossipWebsocketTransport *self = GOSSIP_WEBSOCKET_TRANSPORT (object);

  if (self->socket_transport != NULL)
    gossip_transport_set_receive_func (self->socket_transport, NULL, NULL);
  g_clear_object (&self->socket_transport);
  g_clear_object (&self->session);
  g_clear_object (&self->own_server);
  g_clear_object (&self->listener);
  g_clear_object (&self->accept_cancel);
  g_clear_pointer (&self->handshakes, g_hash_table_unref);
  g_clear_object (&self->tls_certificate);
  g_clear_object (&self->tls_database);
  g_clear_object (&self->bind_address);
  g_clear_pointer (&self->mounts, g_ptr_array_unref);
  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_free (self->bearer_token);
  g_free (self->path);
  g_free (self->local_address);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (gossip_websocket_transport_parent_class)->finalize (object);
}

static void
gossip_websocket_transport_class_init (GossipWebsocketTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->set_property = gossip_websocket_transport_set_property;
  object_class->get_property = gossip_websocket_transport_get_property;
  object_class->dispose = gossip_websocket_transport_dispose;
  object_class->finalize = gossip_websocket_transport_finalize;

  /**
   * GossipWebsocketTransport:bearer-token:
   *
   * The bearer token (Go's Config.BearerToken and the provider's token).
   * When set, the server refuses an upgrade without
   * `Authorization: Bearer <token>` with HTTP 401 (compared in constant
   * time), and the client sends it. %NULL (the default) for none.
   *
   * Since: 1.0
   */
  props[PROP_BEARER_TOKEN] = g_param_spec_string ("bearer-token", NULL, NULL, NULL, co);
  /**
   * GossipWebsocketTransport:allow-insecure-websockets:
   *
   * Whether ws:// and http:// peers may be dialed (Go's
   * AllowInsecureWebsockets). Default %FALSE: only wss:// and https://.
   *
   * Since: 1.0
   */
  props[PROP_ALLOW_INSECURE_WEBSOCKETS] =
    g_param_spec_boolean ("allow-insecure-websockets", NULL, NULL, FALSE, co);
  /**
   * GossipWebsocketTransport:tls-certificate:
   *
   * The certificate (with its private key) of the server the transport
   * runs on its bind address; with it the server speaks wss://. %NULL
   * (the default) for ws://.
   *
   * Since: 1.0
   */
  props[PROP_TLS_CERTIFICATE] =
    g_param_spec_object ("tls-certificate", NULL, NULL, G_TYPE_TLS_CERTIFICATE, co);
  /**
   * GossipWebsocketTransport:tls-database:
   *
   * The certificate authorities a wss:// peer's certificate is checked
   * against, for example from g_tls_file_database_new() with a private
   * CA; %NULL (the default) for the system's. Validation is always on.
   *
   * Since: 1.0
   */
  props[PROP_TLS_DATABASE] =
    g_param_spec_object ("tls-database", NULL, NULL, G_TYPE_TLS_DATABASE, co);
  /**
   * GossipWebsocketTransport:bind-address:
   *
   * Where the transport runs a #SoupServer of its own, serving gossip at
   * [property@Gossip.WebsocketTransport:path]; port 0 picks a free one.
   * %NULL (the default) for none.
   *
   * Since: 1.0
   */
  props[PROP_BIND_ADDRESS] =
    g_param_spec_object ("bind-address", NULL, NULL, G_TYPE_INET_SOCKET_ADDRESS, co);
  /**
   * GossipWebsocketTransport:path:
   *
   * The HTTP path of the gossip endpoint on the transport's own server.
   * Default "/", as the Go examples mount it.
   *
   * Since: 1.0
   */
  props[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, "/", co);
  /**
   * GossipWebsocketTransport:socket-transport:
   *
   * A transport for peers addressed as host:port (not ws:// or wss://),
   * usually a [class@Gossip.SocketTransport], so that one node serves
   * both kinds of peers. Its packets are delivered through this
   * transport, which closes it when it closes. %NULL (the default) for a
   * WebSocket-only node.
   *
   * Since: 1.0
   */
  props[PROP_SOCKET_TRANSPORT] =
    g_param_spec_object ("socket-transport", NULL, NULL, GOSSIP_TYPE_TRANSPORT, co);
  /**
   * GossipWebsocketTransport:max-packet-size:
   *
   * The largest packet sent or accepted, in bytes (Go's
   * TCPMaxPacketSize); a longer length prefix ends the connection before
   * anything is allocated for it. Default 4194304.
   *
   * Since: 1.0
   */
  props[PROP_MAX_PACKET_SIZE] =
    g_param_spec_uint ("max-packet-size", NULL, NULL, 1, G_MAXUINT32 - 4, DEFAULT_MAX_PACKET, co);
  /**
   * GossipWebsocketTransport:timeout:
   *
   * How long a handshake, a request or a reply may take, in milliseconds
   * (Go's providers use 5 s). Default 5000.
   *
   * Since: 1.0
   */
  props[PROP_TIMEOUT] =
    g_param_spec_uint ("timeout", NULL, NULL, 1, G_MAXINT, DEFAULT_TIMEOUT_MS, co);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
gossip_websocket_transport_init (GossipWebsocketTransport *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->path = g_strdup ("/");
  self->max_packet_size = DEFAULT_MAX_PACKET;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->mounts = g_ptr_array_new_with_free_func ((GDestroyNotify) mount_free);
  self->conns = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) ws_conn_unref, NULL);
  self->accept_cancel = g_cancellable_new ();
  self->handshakes = g_hash_table_new (NULL, NULL);
}
