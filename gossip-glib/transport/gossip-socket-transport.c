/* gossip-socket-transport.c: the UDP + TCP implementation of GossipTransport.
 *
 * A node listens for TCP and UDP on one address and port, like a Go node in
 * socket mode (PROTOCOL.md §3.1, §3.2). Datagrams are one raw packet each;
 * every TCP connection carries one length-prefixed request and at most one
 * length-prefixed reply. Everything runs on the main context that was
 * thread-default at construction: no threads, no blocking calls, and every
 * read or write on a connection has a deadline so a stalled peer cannot pin
 * resources. Lengths from the network are checked before anything is
 * allocated for them. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include <string.h>

#include "gossip-socket-transport-private.h"
#include "gossip-address-private.h"
#include "gossip-error.h"

#define UDP_RECV_BUFFER      65535
#define UDP_BATCH            16
/* Level-triggered sources fire again, so capping work per wakeup keeps a
 * flood on one socket from starving the rest of the main context. */
#define UDP_MAX_PER_WAKEUP   1024
#define ACCEPT_MAX_PER_WAKEUP 64
#define BIND_ATTEMPTS        8
#define LISTEN_BACKLOG       1024

struct _GossipSocketTransport
{
  GObject                      parent_instance;

  GMainContext                *context;
  GossipSocketTransportLimits  limits;
  GInetSocketAddress          *bound;

  GSocket                     *tcp;
  GSource                     *tcp_source;
  GSocket                     *udp;
  GSource                     *udp_source;
  GSocketAddress              *datagram_source; /* while a datagram is delivered */

  GSocketClient               *client;
  GCancellable                *cancellable;   /* datagram resolutions */
  GHashTable                  *cache;         /* address string -> CacheEntry */
  GQueue                       cache_order;   /* of CacheEntry, most recently used first */
  GHashTable                  *inbound;       /* set of Inbound, owning one ref each */
  GQueue                       order;         /* the same Inbound, oldest accepted first */
  GQueue                       waiting;       /* Inbound waiting for budget, FIFO */
  GHashTable                  *per_source;    /* IP string -> inbound connections from it */
  gsize                        inbound_bytes; /* body buffers across inbound connections */
  GSource                     *accept_backoff;
  guint                        accept_backoff_ms;
  gint64                       accept_logged_at;
  guint64                      accept_errors_unlogged;
  GHashTable                  *requests;      /* set of outbound GTask, not owned */

  /* Construct properties, before the limits are filled in. */
  GInetSocketAddress          *bind_address;
  gboolean                     enable_udp;

  GossipTransportCounters      counters;
  gboolean                     closed;
};

static void gossip_socket_transport_iface_init (GossipTransportInterface *iface);
static void gossip_socket_transport_initable_iface_init (GInitableIface *iface);

/**
 * GossipSocketTransport:
 *
 * The UDP and TCP [iface@Gossip.Transport], as a Go node in socket mode
 * (PROTOCOL.md §3.1, §3.2): one TCP listener and one UDP socket on the
 * same address and port. Datagrams are one raw packet each; every TCP
 * connection carries one length-prefixed request and at most one
 * length-prefixed reply, or a stream (a connection taken with
 * [method@Gossip.Incoming.steal_connection]).
 *
 * Everything runs on the thread-default main context of the thread that
 * created it. Every read and write has a deadline
 * ([property@Gossip.SocketTransport:io-timeout]), and the number of
 * connections in either direction is bounded.
 *
 * A [class@Gossip.Cluster] builds one from its configuration unless
 * [property@Gossip.Config:transport] is set; an application builds its
 * own, for example to share it with a [class@Gossip.WebsocketTransport],
 * with [ctor@Gossip.SocketTransport.new] or g_initable_new().
 *
 * Since: 1.0
 */
G_DEFINE_FINAL_TYPE_WITH_CODE (GossipSocketTransport, gossip_socket_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_TRANSPORT,
                                                      gossip_socket_transport_iface_init)
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      gossip_socket_transport_initable_iface_init))

enum {
  PROP_0,
  PROP_BIND_ADDRESS,
  PROP_BOUND_ADDRESS,
  PROP_ENABLE_UDP,
  PROP_UDP_MAX_PACKET_SIZE,
  PROP_TCP_MAX_PACKET_SIZE,
  PROP_DIAL_TIMEOUT,
  PROP_IO_TIMEOUT,
  PROP_MAX_CONNECTIONS,
  PROP_MAX_PER_SOURCE,
  PROP_INBOUND_BUDGET,
  PROP_MAX_REQUESTS,
  PROP_DEFAULT_PORT,
  PROP_PREFER_IPV6,
  PROP_RESOLVER,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void fill_limits (GossipSocketTransportLimits       *out,
                         const GossipSocketTransportLimits *in);

/* Async operations complete on the thread-default context of the caller;
 * pushing ours makes every callback land on the transport's context even
 * when the loop iterating it has not pushed it. */
#define WITH_CONTEXT(ctx, stmt) G_STMT_START {       \
    g_main_context_push_thread_default (ctx);        \
    stmt;                                            \
    g_main_context_pop_thread_default (ctx);         \
  } G_STMT_END

static GSource *
add_timeout (GMainContext *context,
             guint         ms,
             GSourceFunc   func,
             gpointer      data)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, data, NULL);
  g_source_attach (source, context);
  return source;
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

GSocketAddress *
gossip_socket_transport_get_datagram_source (GossipTransport *transport)
{
  if (!GOSSIP_IS_SOCKET_TRANSPORT (transport))
    return NULL;
  return GOSSIP_SOCKET_TRANSPORT (transport)->datagram_source;
}

static void
deliver (GossipSocketTransport *self,
         GBytes                *raw,
         gboolean               reliable,
         GossipIncoming        *incoming)
{
  if (!self->closed)
    gossip_transport_deliver (GOSSIP_TRANSPORT (self), raw, reliable, incoming);
}

/* ---- address cache ---- */

/* Bounded (GOSSIP_SOCKET_TRANSPORT_ADDRESS_CACHE_MAX), least recently used
 * out first: every address a peer names passes through here. */
typedef struct {
  GList               link;   /* in cache_order; data is us */
  char               *address;
  GInetSocketAddress *sa;
} CacheEntry;

static void
cache_entry_free (CacheEntry *e)
{
  g_free (e->address);
  g_object_unref (e->sa);
  g_free (e);
}

static void
cache_remove (GossipSocketTransport *self,
              const char            *address)
{
  CacheEntry *e = g_hash_table_lookup (self->cache, address);

  if (e == NULL)
    return;
  g_queue_unlink (&self->cache_order, &e->link);
  g_hash_table_remove (self->cache, address);
}

static void
cache_clear (GossipSocketTransport *self)
{
  g_hash_table_remove_all (self->cache);
  g_queue_init (&self->cache_order);
}

/* Takes @sa. */
static void
cache_insert (GossipSocketTransport *self,
              const char            *address,
              GInetSocketAddress    *sa)
{
  CacheEntry *e = g_new0 (CacheEntry, 1);

  cache_remove (self, address);
  e->address = g_strdup (address);
  e->sa = sa;
  e->link.data = e;
  g_queue_push_head_link (&self->cache_order, &e->link);
  g_hash_table_insert (self->cache, e->address, e);
  while (g_hash_table_size (self->cache) > GOSSIP_SOCKET_TRANSPORT_ADDRESS_CACHE_MAX)
    {
      CacheEntry *last = self->cache_order.tail->data;

      cache_remove (self, last->address);
    }
}

static GInetSocketAddress *
lookup_cached (GossipSocketTransport *self,
               const char            *address)
{
  CacheEntry *e;
  GossipAddressSpec spec = { 0, };
  g_autoptr(GInetAddress) literal = NULL;
  GInetSocketAddress *sa = NULL;

  e = g_hash_table_lookup (self->cache, address);
  if (e != NULL)
    {
      g_queue_unlink (&self->cache_order, &e->link);
      g_queue_push_head_link (&self->cache_order, &e->link);
      return e->sa;
    }

  /* IP literals need no resolver round trip. */
  if (!gossip_address_parse (address, self->limits.default_port, &spec, NULL))
    return NULL;
  if (spec.srv_name == NULL)
    literal = g_inet_address_new_from_string (spec.host);
  if (literal != NULL)
    {
      sa = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (literal, spec.port));
      cache_insert (self, address, sa);
    }
  gossip_address_spec_clear (&spec);
  return sa;
}

static void
remember_address (GossipSocketTransport *self,
                  const char            *address,
                  GInetSocketAddress    *sa)
{
  if (self->closed)
    return;
  cache_insert (self, address, g_object_ref (sa));
}

/* ---- UDP ---- */

/* Receive buffers are scratch space, copied out before any datagram is
 * delivered; one set per thread serves every transport on it instead of
 * a megabyte per node. */
static GPrivate udp_scratch = G_PRIVATE_INIT (g_free);

static guint8 *
udp_scratch_buffers (void)
{
  guint8 *buffers = g_private_get (&udp_scratch);

  if (buffers == NULL)
    {
      buffers = g_malloc ((gsize) UDP_BATCH * UDP_RECV_BUFFER);
      g_private_set (&udp_scratch, buffers);
    }
  return buffers;
}

static gboolean
udp_readable_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  g_autoptr(GossipSocketTransport) self = g_object_ref (user_data);
  guint handled = 0;
  guint errors = 0;

  while (!self->closed && handled < UDP_MAX_PER_WAKEUP)
    {
      GInputVector vectors[UDP_BATCH];
      GInputMessage messages[UDP_BATCH];
      GBytes *received[UDP_BATCH];
      GSocketAddress *sources[UDP_BATCH] = { NULL, };
      guint8 *buffers = udp_scratch_buffers ();
      g_autoptr(GError) error = NULL;
      int n;

      memset (messages, 0, sizeof messages);
      for (guint i = 0; i < UDP_BATCH; i++)
        {
          vectors[i].buffer = buffers + (gsize) i * UDP_RECV_BUFFER;
          vectors[i].size = UDP_RECV_BUFFER;
          messages[i].vectors = &vectors[i];
          messages[i].num_vectors = 1;
          messages[i].address = &sources[i];
        }

      n = g_socket_receive_messages (self->udp, messages, UDP_BATCH, 0, NULL, &error);
      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          /* Errors such as ICMP reports are per datagram: keep draining,
           * but never spin on a socket that only fails. */
          g_debug ("UDP receive failed: %s", error->message);
          if (++errors >= UDP_BATCH)
            break;
          continue;
        }
      if (n == 0)
        break;

      /* Copy everything out first: a receiver may run a nested main loop
       * that reads into the same scratch buffers. */
      for (int i = 0; i < n; i++)
        {
          received[i] = g_bytes_new (vectors[i].buffer, messages[i].bytes_received);
          self->counters.datagrams_in++;
          self->counters.bytes_in += messages[i].bytes_received;
        }
      for (int i = 0; i < n; i++)
        {
          /* Where it came from, for receivers that must answer only there
           * (gossip_socket_transport_get_datagram_source()). */
          self->datagram_source = sources[i];
          if (!self->closed)
            deliver (self, received[i], FALSE, NULL);
          self->datagram_source = NULL;
          g_bytes_unref (received[i]);
          g_clear_object (&sources[i]);
        }
      handled += (guint) n;
    }

  return G_SOURCE_CONTINUE;
}

static void
udp_send_to (GossipSocketTransport *self,
             GInetSocketAddress    *dest,
             GBytes                *raw)
{
  g_autoptr(GError) error = NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data (raw, &len);
  gssize sent;

  if (self->closed || self->udp == NULL)
    return;

  sent = g_socket_send_to (self->udp, G_SOCKET_ADDRESS (dest), (const char *) data, len, NULL, &error);
  if (sent < 0)
    {
      g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (dest));

      g_debug ("Dropping a %" G_GSIZE_FORMAT "-byte datagram to %s: %s", len, where, error->message);
      self->counters.drops_send_failure++;
      return;
    }
  self->counters.datagrams_out++;
  self->counters.bytes_out += len;
}

typedef struct {
  GossipSocketTransport *self;
  char                  *address;
  GBytes                *raw;
} DatagramSend;

static void
datagram_send_free (DatagramSend *send)
{
  g_object_unref (send->self);
  g_free (send->address);
  g_bytes_unref (send->raw);
  g_free (send);
}

static void
datagram_resolved_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  DatagramSend *send = user_data;
  GossipSocketTransport *self = send->self;
  g_autoptr(GError) error = NULL;
  GList *addresses;

  addresses = gossip_address_resolve_finish (result, &error);
  if (addresses == NULL)
    {
      if (!self->closed)
        {
          g_debug ("Dropping a datagram to %s: %s", send->address, error->message);
          self->counters.drops_send_failure++;
        }
    }
  else if (!self->closed)
    {
      remember_address (self, send->address, addresses->data);
      udp_send_to (self, addresses->data, send->raw);
    }

  g_list_free_full (addresses, g_object_unref);
  datagram_send_free (send);
}

static void
gossip_socket_transport_send_datagram (GossipTransport *transport,
                                       const char      *address,
                                       GBytes          *raw)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (transport);
  GInetSocketAddress *dest;
  DatagramSend *send;

  if (self->closed)
    return;
  if (self->udp == NULL)
    {
      g_debug ("Dropping a datagram to %s: UDP is disabled", address);
      self->counters.drops_send_failure++;
      return;
    }

  dest = lookup_cached (self, address);
  if (dest != NULL)
    {
      udp_send_to (self, dest, raw);
      return;
    }

  send = g_new0 (DatagramSend, 1);
  send->self = g_object_ref (self);
  send->address = g_strdup (address);
  send->raw = g_bytes_ref (raw);
  WITH_CONTEXT (self->context,
                gossip_address_resolve_async (address, self->limits.default_port,
                                              self->limits.prefer_ipv6, self->limits.resolver,
                                              self->cancellable, datagram_resolved_cb, send));
}

/* ---- TCP server side ---- */

/* One read per wakeup of a connection, at most this much: a peer sending
 * megabytes cannot hold the main loop, and pings between its chunks are
 * served. Bodies are read into a buffer that grows as bytes arrive, so an
 * announced length costs nothing until the data is there. */
#define TCP_READ_CHUNK        (64 * 1024)
/* Accepting again after a failed accept (out of descriptors): the first
 * pause, doubled up to the last; a closed connection resumes sooner. */
#define ACCEPT_BACKOFF_MIN_MS 100
#define ACCEPT_BACKOFF_MAX_MS 1000
#define ACCEPT_LOG_INTERVAL_US (10 * G_USEC_PER_SEC)

typedef enum {
  INBOUND_HEADER,      /* reading the length prefix */
  INBOUND_BODY,        /* reading the request */
  INBOUND_WAITING,     /* the body needs more room than the budget has left */
  INBOUND_DELIVERED,   /* handed to the receiver; a reply may follow */
} InboundPhase;

typedef struct {
  int                    ref_count;
  GossipSocketTransport *transport;   /* NULL once closed; its set owns a ref on us */
  GMainContext          *context;
  GSocketConnection     *conn;
  GCancellable          *cancellable;
  GSource               *timeout;     /* the deadline of the current phase */
  GSource               *readable;    /* while reading */
  GList                  link;        /* in the transport's accept order; data is us */
  char                  *source;      /* the peer's IP address */
  gint64                 accepted_at; /* monotonic */
  guint                  io_timeout_ms;
  InboundPhase           phase;
  guint8                 header[4];
  gsize                  header_got;
  guint8                *body;
  gsize                  body_len;    /* announced */
  gsize                  body_got;
  gsize                  body_cap;    /* allocated, counted in the budget */
  GBytes                 *reply;
  gboolean               pending;     /* an async write is in flight */
  gboolean               closed;
  gboolean               replying;
} Inbound;

static void inbound_watch (Inbound *in);
static void accept_resume (GossipSocketTransport *self);

static Inbound *
inbound_ref (Inbound *in)
{
  in->ref_count++;
  return in;
}

static void
inbound_unref (Inbound *in)
{
  if (--in->ref_count > 0)
    return;

  g_assert (in->transport == NULL);
  clear_source (&in->timeout);
  clear_source (&in->readable);
  if (in->conn != NULL)
    g_io_stream_close (G_IO_STREAM (in->conn), NULL, NULL);
  g_clear_object (&in->conn);
  g_clear_object (&in->cancellable);
  g_clear_pointer (&in->body, g_free);
  g_clear_pointer (&in->reply, g_bytes_unref);
  g_free (in->source);
  g_main_context_unref (in->context);
  g_free (in);
}

/* Gives the body's room back to the budget and lets waiting bodies go on. */
static void
inbound_release_budget (GossipSocketTransport *self,
                        Inbound               *in)
{
  gboolean was_full = self->inbound_bytes >= self->limits.inbound_budget;

  g_assert (self->inbound_bytes >= in->body_cap);
  self->inbound_bytes -= in->body_cap;
  in->body_cap = 0;

  if (was_full && self->inbound_bytes < self->limits.inbound_budget)
    {
      /* Each re-checks the budget when it runs; FIFO, so the oldest
       * waiter gets the room first. */
      while (!g_queue_is_empty (&self->waiting) &&
             self->inbound_bytes < self->limits.inbound_budget)
        {
          Inbound *w = g_queue_pop_head (&self->waiting);

          w->phase = INBOUND_BODY;
          inbound_watch (w);
        }
    }
}

/* Removes @in from every table of the transport; drops the set's ref. */
static void
inbound_forget (GossipSocketTransport *self,
                Inbound               *in)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_source, in->source));

  g_queue_unlink (&self->order, &in->link);
  if (in->phase == INBOUND_WAITING)
    g_queue_remove (&self->waiting, in);
  if (n <= 1)
    g_hash_table_remove (self->per_source, in->source);
  else
    g_hash_table_insert (self->per_source, g_strdup (in->source), GUINT_TO_POINTER (n - 1));
  if (in->body_cap > 0)
    inbound_release_budget (self, in);
  g_hash_table_remove (self->inbound, in);
}

/* Closing the socket under a pending operation would let its source poll
 * a dead (or reused) descriptor, so the close waits for the cancelled
 * operation to come back. */
static void
inbound_close_stream_if_idle (Inbound *in)
{
  if (in->closed && !in->pending && in->conn != NULL)
    {
      g_io_stream_close (G_IO_STREAM (in->conn), NULL, NULL);
      g_clear_object (&in->conn);
    }
}

/* The caller holds a reference. */
static void
inbound_close (Inbound *in)
{
  GossipSocketTransport *self = in->transport;

  if (in->closed)
    return;
  in->closed = TRUE;
  clear_source (&in->timeout);
  clear_source (&in->readable);
  g_cancellable_cancel (in->cancellable);
  in->transport = NULL;
  if (self != NULL)
    inbound_forget (self, in);
  inbound_close_stream_if_idle (in);
  /* A descriptor came free: a listener paused for want of one goes on. */
  if (self != NULL)
    accept_resume (self);
}

static gboolean
inbound_timeout_cb (gpointer user_data)
{
  Inbound *in = inbound_ref (user_data);

  g_clear_pointer (&in->timeout, g_source_unref);
  if (in->transport != NULL)
    in->transport->counters.drops_timeout++;
  if (in->phase == INBOUND_HEADER || in->phase == INBOUND_BODY || in->phase == INBOUND_WAITING)
    g_debug ("Dropping an inbound TCP connection from %s: %s incomplete after %u ms "
             "(%" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " body bytes)",
             in->source, in->phase == INBOUND_HEADER ? "length prefix" : "request",
             in->io_timeout_ms, in->body_got, in->body_len);
  else
    g_debug ("Dropping an inbound TCP connection from %s: no progress in %u ms",
             in->source, in->io_timeout_ms);
  inbound_close (in);
  inbound_unref (in);
  return G_SOURCE_REMOVE;
}

/* One deadline per phase (the prefix, the whole body, the reply), not per
 * read: a peer trickling a byte at a time is cut off like a silent one. */
static void
inbound_arm_timeout (Inbound *in)
{
  clear_source (&in->timeout);
  in->timeout = add_timeout (in->context, in->io_timeout_ms, inbound_timeout_cb, in);
}

/* Returns TRUE if the operation that just finished should go on. */
static gboolean
inbound_op_done (Inbound *in)
{
  in->pending = FALSE;
  clear_source (&in->timeout);
  inbound_close_stream_if_idle (in);
  return !in->closed;
}

static void
inbound_reply_written_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  Inbound *in = user_data;
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error);
  if (inbound_op_done (in))
    {
      if (error != NULL)
        g_debug ("Could not write a TCP reply: %s", error->message);
      else if (in->transport != NULL)
        in->transport->counters.bytes_out += written >= 4 ? written - 4 : 0;
      inbound_close (in);
    }
  inbound_unref (in);
}

static void
inbound_reply (Inbound *in,
               GBytes  *raw)
{
  gsize len = g_bytes_get_size (raw);
  GByteArray *frame;
  guint32 be;

  if (in->closed)
    {
      g_debug ("Not replying: the connection is already closed");
      return;
    }
  if (len > G_MAXUINT32)
    {
      g_debug ("Not replying: a %" G_GSIZE_FORMAT "-byte reply cannot be framed", len);
      return;
    }

  /* Go reads the prefix and the packet through one buffered reader, but
   * writing them together also avoids a small first segment. */
  frame = g_byte_array_sized_new (len + 4);
  be = GUINT32_TO_BE ((guint32) len);
  g_byte_array_append (frame, (const guint8 *) &be, 4);
  g_byte_array_append (frame, g_bytes_get_data (raw, NULL), len);
  in->reply = g_byte_array_free_to_bytes (frame);

  in->replying = TRUE;
  in->pending = TRUE;
  inbound_arm_timeout (in);
  WITH_CONTEXT (in->context,
                g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (in->conn)),
                                                 g_bytes_get_data (in->reply, NULL),
                                                 g_bytes_get_size (in->reply),
                                                 G_PRIORITY_DEFAULT, in->cancellable,
                                                 inbound_reply_written_cb, inbound_ref (in)));
}

/* The receiver took the connection (a stream): forget it without closing
 * it, and stop timing it out. */
static void
inbound_detach (Inbound *in)
{
  GossipSocketTransport *self = in->transport;

  if (in->closed)
    return;
  in->closed = TRUE;
  clear_source (&in->timeout);
  clear_source (&in->readable);
  in->transport = NULL;
  g_clear_object (&in->conn);
  if (self != NULL)
    inbound_forget (self, in);
}

static void
inbound_done (GBytes   *reply,
              gboolean  connection_taken,
              gpointer  user_data)
{
  Inbound *in = user_data;

  if (reply != NULL)
    inbound_reply (in, reply);
  else if (connection_taken)
    inbound_detach (in);
  else
    /* No reply: closing is the answer (the Go client sees EOF). */
    inbound_close (in);
}

/* The whole request is in: hand it over. The caller holds a reference. */
static void
inbound_deliver (Inbound *in)
{
  g_autoptr(GossipSocketTransport) self = g_object_ref (in->transport);
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  GossipIncoming *incoming;

  clear_source (&in->timeout);
  clear_source (&in->readable);
  in->phase = INBOUND_DELIVERED;
  raw = in->body_len > 0 ? g_bytes_new_take (g_steal_pointer (&in->body), in->body_len)
                         : g_bytes_new (NULL, 0);
  if (in->body_cap > 0)
    inbound_release_budget (self, in);
  remote = g_socket_connection_get_remote_address (in->conn, NULL);
  self->counters.tcp_requests_in++;
  self->counters.bytes_in += in->body_len;

  incoming = gossip_incoming_new (remote, G_IO_STREAM (in->conn), inbound_done,
                                  inbound_ref (in), (GDestroyNotify) inbound_unref);
  deliver (self, raw, TRUE, incoming);
  gossip_incoming_unref (incoming);
}

/* Per-thread scratch space for one read; copied out at once. */
static GPrivate tcp_scratch = G_PRIVATE_INIT (g_free);

static guint8 *
tcp_scratch_buffer (void)
{
  guint8 *buffer = g_private_get (&tcp_scratch);

  if (buffer == NULL)
    {
      buffer = g_malloc (TCP_READ_CHUNK);
      g_private_set (&tcp_scratch, buffer);
    }
  return buffer;
}

/* Makes room for @more bytes past what arrived, within the announced
 * length. FALSE if the budget has no room left: the body waits. */
static gboolean
inbound_grow (Inbound *in,
              gsize    more)
{
  GossipSocketTransport *self = in->transport;
  gsize need = in->body_got + more;
  gsize cap;

  if (need <= in->body_cap)
    return TRUE;
  if (self->inbound_bytes >= self->limits.inbound_budget)
    return FALSE;

  /* Doubling keeps reallocations logarithmic; the cap is the announced
   * length, never more. One step may overshoot the budget: the next
   * request for room waits. */
  cap = MAX (need, MIN (in->body_cap * 2, in->body_len));
  cap = MIN (cap, in->body_len);
  in->body = g_realloc (in->body, cap);
  self->inbound_bytes += cap - in->body_cap;
  in->body_cap = cap;
  return TRUE;
}

static gboolean
inbound_readable_cb (GObject  *stream,
                     gpointer  user_data)
{
  Inbound *in = user_data;
  GossipSocketTransport *self = in->transport;
  g_autoptr(GError) error = NULL;
  guint8 *scratch;
  gsize want;
  gssize n;

  if (in->closed || self == NULL)
    return G_SOURCE_REMOVE;

  if (in->phase == INBOUND_HEADER)
    {
      guint32 len;

      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream),
                                                    in->header + in->header_got,
                                                    sizeof in->header - in->header_got,
                                                    NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      if (n <= 0)
        {
          g_debug ("Dropping an inbound TCP connection from %s: %s", in->source,
                   error != NULL ? error->message : "closed before a length prefix");
          goto close;
        }
      in->header_got += (gsize) n;
      if (in->header_got < sizeof in->header)
        return G_SOURCE_CONTINUE;

      memcpy (&len, in->header, sizeof len);
      len = GUINT32_FROM_BE (len);
      if (len > self->limits.tcp_max_packet)
        {
          g_debug ("Dropping an inbound TCP request of %u bytes from %s (limit %" G_GSIZE_FORMAT ")",
                   len, in->source, self->limits.tcp_max_packet);
          self->counters.drops_oversize++;
          goto close;
        }
      in->body_len = len;
      if (len == 0)
        {
          /* Nothing to read; the decoder downstream rejects the empty packet. */
          g_autoptr(GSource) keep = g_source_ref (in->readable);

          inbound_ref (in);
          inbound_deliver (in);
          inbound_unref (in);
          return G_SOURCE_REMOVE;
        }
      in->phase = INBOUND_BODY;
      inbound_arm_timeout (in);
      return G_SOURCE_CONTINUE;
    }

  g_assert (in->phase == INBOUND_BODY);
  want = MIN (in->body_len - in->body_got, TCP_READ_CHUNK);
  if (in->body_got + 1 > in->body_cap && self->inbound_bytes >= self->limits.inbound_budget)
    {
      /* Wait for room; the body's deadline still runs. */
      g_debug ("Inbound TCP request from %s waits: %" G_GSIZE_FORMAT " bytes buffered (budget %"
               G_GSIZE_FORMAT ")", in->source, self->inbound_bytes, self->limits.inbound_budget);
      self->counters.budget_waits++;
      in->phase = INBOUND_WAITING;
      g_queue_push_tail (&self->waiting, in);
      g_clear_pointer (&in->readable, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  scratch = tcp_scratch_buffer ();
  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (stream),
                                                scratch, want, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      g_debug ("Dropping an inbound TCP request from %s: %s", in->source,
               error != NULL ? error->message : "connection closed mid-packet");
      goto close;
    }

  /* The room check above admitted this connection; if what arrived does
   * not fit in its room, it gets exactly that much more (under one chunk
   * past the budget). */
  if (!inbound_grow (in, (gsize) n))
    {
      in->body = g_realloc (in->body, in->body_got + (gsize) n);
      self->inbound_bytes += in->body_got + (gsize) n - in->body_cap;
      in->body_cap = in->body_got + (gsize) n;
    }
  memcpy (in->body + in->body_got, scratch, (gsize) n);
  in->body_got += (gsize) n;
  if (in->body_got < in->body_len)
    return G_SOURCE_CONTINUE;

  {
    g_autoptr(GSource) keep = g_source_ref (in->readable);

    inbound_ref (in);
    inbound_deliver (in);
    inbound_unref (in);
  }
  return G_SOURCE_REMOVE;

close:
  {
    /* Closing destroys the source that is dispatching us; keep it alive
     * until we return. */
    g_autoptr(GSource) keep = g_source_ref (in->readable);

    inbound_ref (in);
    inbound_close (in);
    inbound_unref (in);
  }
  return G_SOURCE_REMOVE;
}

/* Polls the connection for the next read. */
static void
inbound_watch (Inbound *in)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (in->conn));

  clear_source (&in->readable);
  in->readable = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input), NULL);
  g_source_set_callback (in->readable, G_SOURCE_FUNC (inbound_readable_cb), in, NULL);
  g_source_attach (in->readable, in->context);
}

static void
inbound_start (GossipSocketTransport *self,
               GSocket               *socket,
               char                  *source)
{
  Inbound *in = g_new0 (Inbound, 1);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_source, source));

  in->ref_count = 1;   /* the set's */
  in->transport = self;
  in->context = g_main_context_ref (self->context);
  in->conn = g_socket_connection_factory_create_connection (socket);
  in->cancellable = g_cancellable_new ();
  in->io_timeout_ms = self->limits.io_timeout_ms;
  in->source = source;
  in->link.data = in;
  in->accepted_at = g_get_monotonic_time ();
  in->phase = INBOUND_HEADER;
  g_hash_table_add (self->inbound, in);
  g_queue_push_tail_link (&self->order, &in->link);
  g_hash_table_insert (self->per_source, g_strdup (source), GUINT_TO_POINTER (n + 1));

  inbound_arm_timeout (in);
  inbound_watch (in);
}

/* The oldest connection still reading its request (from @source, or from
 * anyone), accepted before @before: silent ones first, then those in the
 * middle of a body. */
static Inbound *
oldest_idle (GossipSocketTransport *self,
             const char            *source,
             gint64                 before)
{
  for (guint pass = 0; pass < 2; pass++)
    for (GList *l = self->order.head; l != NULL; l = l->next)
      {
        Inbound *in = l->data;

        if (in->accepted_at > before)
          break;
        if (source != NULL && strcmp (in->source, source) != 0)
          continue;
        if (pass == 0 ? in->phase == INBOUND_HEADER : in->phase != INBOUND_DELIVERED)
          return in;
      }
  return NULL;
}

/* Closes @victim to make room; FALSE if there is none to close. */
static gboolean
evict (GossipSocketTransport *self,
       Inbound               *victim,
       const char            *why)
{
  if (victim == NULL)
    return FALSE;
  g_debug ("Closing an idle inbound TCP connection from %s: %s", victim->source, why);
  self->counters.drops_evicted++;
  inbound_ref (victim);
  inbound_close (victim);
  inbound_unref (victim);
  return TRUE;
}

static gboolean tcp_acceptable_cb (GSocket      *socket,
                                   GIOCondition  condition,
                                   gpointer      user_data);

static void
accept_watch (GossipSocketTransport *self)
{
  self->tcp_source = g_socket_create_source (self->tcp, G_IO_IN, NULL);
  g_source_set_callback (self->tcp_source, G_SOURCE_FUNC (tcp_acceptable_cb), self, NULL);
  g_source_attach (self->tcp_source, self->context);
}

static gboolean
accept_backoff_cb (gpointer user_data)
{
  GossipSocketTransport *self = user_data;

  g_clear_pointer (&self->accept_backoff, g_source_unref);
  if (!self->closed && self->tcp_source == NULL)
    accept_watch (self);
  return G_SOURCE_REMOVE;
}

/* A connection closed while the listener rests: try again now. */
static void
accept_resume (GossipSocketTransport *self)
{
  if (self->closed || self->accept_backoff == NULL)
    return;
  clear_source (&self->accept_backoff);
  accept_watch (self);
}

/* An accept failed (EMFILE, ENFILE, ENOBUFS...): the pending connection
 * stays queued and the listener stays readable, so polling it again would
 * spin. Rest it for a backoff instead. */
static void
accept_pause (GossipSocketTransport *self,
              const GError          *error)
{
  gint64 now = g_get_monotonic_time ();

  self->counters.accept_errors++;
  self->accept_errors_unlogged++;
  if (now - self->accept_logged_at >= ACCEPT_LOG_INTERVAL_US)
    {
      g_message ("TCP accept failed (%" G_GUINT64_FORMAT " times since the last report): %s; "
                 "pausing the listener for %u ms",
                 self->accept_errors_unlogged, error->message, self->accept_backoff_ms);
      self->accept_logged_at = now;
      self->accept_errors_unlogged = 0;
    }
  else
    g_debug ("TCP accept failed: %s; pausing the listener for %u ms",
             error->message, self->accept_backoff_ms);

  clear_source (&self->tcp_source);
  clear_source (&self->accept_backoff);
  self->accept_backoff = add_timeout (self->context, self->accept_backoff_ms,
                                      accept_backoff_cb, self);
  self->accept_backoff_ms = MIN (self->accept_backoff_ms * 2, ACCEPT_BACKOFF_MAX_MS);
}

/* Errors of the one pending connection (reset before we took it); the
 * others (EMFILE, ENFILE, ENOBUFS, ENOMEM...) leave it queued. */
static gboolean
accept_error_is_transient (const GError *error)
{
  return error->domain == G_IO_ERROR &&
         (error->code == G_IO_ERROR_CONNECTION_CLOSED ||
          error->code == G_IO_ERROR_BROKEN_PIPE ||
          error->code == G_IO_ERROR_CONNECTION_REFUSED ||
          error->code == G_IO_ERROR_TIMED_OUT ||
          error->code == G_IO_ERROR_HOST_UNREACHABLE ||
          error->code == G_IO_ERROR_NETWORK_UNREACHABLE ||
          error->code == G_IO_ERROR_PERMISSION_DENIED);
}

static char *
remote_ip (GSocket *socket)
{
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);

  if (G_IS_INET_SOCKET_ADDRESS (remote))
    return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  return g_strdup ("?");
}

static gboolean
tcp_acceptable_cb (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  g_autoptr(GossipSocketTransport) self = g_object_ref (user_data);

  for (guint i = 0; i < ACCEPT_MAX_PER_WAKEUP && !self->closed; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) conn = g_socket_accept (self->tcp, NULL, &error);
      char *source;

      if (conn == NULL)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            break;
          if (accept_error_is_transient (error))
            {
              /* That connection is gone from the queue: no spin. */
              g_debug ("TCP accept failed: %s", error->message);
              continue;
            }
          accept_pause (self, error);
          return G_SOURCE_REMOVE;
        }
      self->accept_backoff_ms = ACCEPT_BACKOFF_MIN_MS;

      /* One address cannot keep many idle slots: at its share, its own
       * oldest connection that has been silent for a quarter of the
       * deadline makes room. Honest peers send their request as they
       * connect, so a burst of them (many nodes on one host) is let
       * through over the share; at the global limit, the oldest idle
       * connection of anyone's makes room, whatever its age, and only a
       * table of requests being served refuses a newcomer. */
      source = remote_ip (conn);
      if (GPOINTER_TO_UINT (g_hash_table_lookup (self->per_source, source)) >= self->limits.max_per_source)
        evict (self,
               oldest_idle (self, source,
                            g_get_monotonic_time () - (gint64) self->limits.io_timeout_ms * 1000 / 4),
               "its address is at the per-source limit");
      if (g_hash_table_size (self->inbound) >= self->limits.max_connections &&
          !evict (self, oldest_idle (self, NULL, G_MAXINT64), "the connection limit is reached"))
        {
          g_debug ("Refusing an inbound TCP connection: %u already open, none idle",
                   g_hash_table_size (self->inbound));
          self->counters.drops_too_many_connections++;
          g_socket_close (conn, NULL);
          g_free (source);
          continue;
        }

      inbound_start (self, conn, source);
    }

  return G_SOURCE_CONTINUE;
}

/* ---- TCP client side ---- */

typedef struct {
  GossipSocketTransport *self;            /* the task's source object owns the ref */
  char                  *address;
  GBytes                *frame;           /* U32BE(len) ‖ raw */
  gsize                  raw_len;
  GossipRequestKind      kind;
  gboolean               want_connection; /* open_connection: hand the conn over */

  GList                 *candidates;      /* owned GInetSocketAddress list */
  GList                 *next;
  gboolean               resolved;        /* candidates came from a fresh resolution */
  GInetSocketAddress    *current;         /* borrowed from candidates */

  GSocketConnection     *conn;
  GCancellable          *attempt;         /* cancelled by timeouts, the caller and close */
  GCancellable          *caller;
  gulong                 caller_handler;
  GSource               *timeout;
  gboolean               timed_out;
  gboolean               aborted;

  guint8                 header[4];
  guint8                *reply;
  gsize                  reply_len;       /* announced */
  gsize                  reply_got;
  gsize                  reply_cap;
  GError                *last_error;
} Request;

static void
request_free (Request *req)
{
  g_assert (req->timeout == NULL);
  if (req->conn != NULL)
    g_io_stream_close (G_IO_STREAM (req->conn), NULL, NULL);
  g_clear_object (&req->conn);
  g_free (req->address);
  g_bytes_unref (req->frame);
  g_list_free_full (req->candidates, g_object_unref);
  g_clear_object (&req->attempt);
  g_clear_object (&req->caller);
  g_free (req->reply);
  g_clear_error (&req->last_error);
  g_free (req);
}

static void
request_caller_cancelled_cb (GCancellable *cancellable,
                             gpointer      user_data)
{
  Request *req = user_data;

  if (req->attempt != NULL)
    g_cancellable_cancel (req->attempt);
}

static void
request_new_attempt (Request *req)
{
  g_clear_object (&req->attempt);
  req->attempt = g_cancellable_new ();
  req->timed_out = FALSE;
  if (req->aborted || (req->caller != NULL && g_cancellable_is_cancelled (req->caller)))
    g_cancellable_cancel (req->attempt);
}

static gboolean
request_timeout_cb (gpointer user_data)
{
  Request *req = user_data;

  g_clear_pointer (&req->timeout, g_source_unref);
  req->timed_out = TRUE;
  g_cancellable_cancel (req->attempt);
  return G_SOURCE_REMOVE;
}

static void
request_arm_timeout (Request *req,
                     guint    ms)
{
  clear_source (&req->timeout);
  req->timed_out = FALSE;
  req->timeout = add_timeout (req->self->context, ms, request_timeout_cb, req);
}

/* Takes the task's ref. */
static void
request_complete (GTask  *task,
                  GBytes *reply,
                  GError *error)
{
  Request *req = g_task_get_task_data (task);

  clear_source (&req->timeout);
  if (req->caller_handler != 0)
    {
      g_cancellable_disconnect (req->caller, req->caller_handler);
      req->caller_handler = 0;
    }
  if (req->conn != NULL)
    {
      g_io_stream_close (G_IO_STREAM (req->conn), NULL, NULL);
      g_clear_object (&req->conn);
    }
  g_hash_table_remove (req->self->requests, task);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);
}

/* Cancellation by the caller or by close() wins over whatever error the
 * cancelled operation reported. */
static GError *
request_interrupted_error (Request *req)
{
  if (req->aborted)
    return g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                        "Request to %s abandoned: the transport was closed", req->address);
  if (req->caller != NULL && g_cancellable_is_cancelled (req->caller))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  return NULL;
}

static void request_try_next (GTask *task);
static void request_resolve (GTask *task);

/* A connect or write failed: the request may not have reached the peer, so
 * the next address is worth a try (PROTOCOL.md §14 "Use:"). */
static void
request_attempt_failed (GTask  *task,
                        GError *error)
{
  Request *req = g_task_get_task_data (task);
  GError *stop = request_interrupted_error (req);
  g_autofree char *where = NULL;

  clear_source (&req->timeout);
  if (req->conn != NULL)
    {
      g_io_stream_close (G_IO_STREAM (req->conn), NULL, NULL);
      g_clear_object (&req->conn);
    }
  cache_remove (req->self, req->address);

  if (stop != NULL)
    {
      g_error_free (error);
      request_complete (task, NULL, stop);
      return;
    }

  where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (req->current));
  g_clear_error (&req->last_error);
  if (req->timed_out)
    req->last_error = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_TIMEOUT,
                                   _("Timed out reaching %s (%s)"), req->address, where);
  else
    req->last_error = g_error_new (GOSSIP_ERROR,
                                   g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
                                   ? GOSSIP_ERROR_REFUSED : GOSSIP_ERROR_CONNECT,
                                   _("Could not reach %s (%s): %s"), req->address, where,
                                   error->message);
  g_debug ("%s", req->last_error->message);
  g_error_free (error);

  if (!req->resolved)
    request_resolve (task);
  else
    request_try_next (task);
}

/* After the request went out: no retry, since the peer may have acted on it. */
static void
request_reply_failed (GTask      *task,
                      GError     *error,
                      const char *what)
{
  Request *req = g_task_get_task_data (task);
  GError *out = request_interrupted_error (req);

  if (out == NULL)
    {
      if (req->timed_out)
        out = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_TIMEOUT,
                           "Timed out waiting for %s from %s", what, req->address);
      else
        out = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_NO_REPLY,
                           "%s closed the connection without %s%s%s", req->address, what,
                           error != NULL ? ": " : "", error != NULL ? error->message : "");
    }
  g_clear_error (&error);
  request_complete (task, NULL, out);
}

static void request_body_read_cb (GObject      *source,
                                  GAsyncResult *result,
                                  gpointer      user_data);

/* Reads the next chunk of the reply. As on the server side, the buffer
 * grows with what arrives (at most one chunk ahead), not with what the
 * length prefix announced. */
static void
request_read_more (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  gsize need = req->reply_got + MIN (req->reply_len - req->reply_got, TCP_READ_CHUNK);

  if (need > req->reply_cap)
    {
      req->reply_cap = MIN (req->reply_len, MAX (need, req->reply_cap * 2));
      req->reply = g_realloc (req->reply, req->reply_cap);
    }
  WITH_CONTEXT (req->self->context,
                g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (req->conn)),
                                           req->reply + req->reply_got, need - req->reply_got,
                                           G_PRIORITY_DEFAULT, req->attempt,
                                           request_body_read_cb, task));
}

static void
request_body_read_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;
  gssize got;

  got = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (got <= 0)
    {
      clear_source (&req->timeout);
      request_reply_failed (task, error, "a complete reply");
      return;
    }
  req->reply_got += (gsize) got;
  if (req->reply_got < req->reply_len)
    {
      /* The body's deadline, armed once, still runs. */
      request_read_more (task);
      return;
    }
  clear_source (&req->timeout);
  req->self->counters.bytes_in += req->reply_len;
  request_complete (task, g_bytes_new_take (g_steal_pointer (&req->reply), req->reply_len), NULL);
}

static void
request_header_read_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;
  gsize got = 0;
  guint32 len;

  g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &got, &error);
  clear_source (&req->timeout);
  if (error != NULL || got != 4)
    {
      request_reply_failed (task, error, "a reply");
      return;
    }

  memcpy (&len, req->header, sizeof len);
  len = GUINT32_FROM_BE (len);
  if (len > req->self->limits.tcp_max_packet)
    {
      req->self->counters.drops_oversize++;
      request_complete (task, NULL,
                        g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                                     "Reply from %s of %u bytes exceeds the limit of %" G_GSIZE_FORMAT,
                                     req->address, len, req->self->limits.tcp_max_packet));
      return;
    }
  if (len == 0)
    {
      request_complete (task, g_bytes_new (NULL, 0), NULL);
      return;
    }

  req->reply_len = len;
  request_arm_timeout (req, req->self->limits.io_timeout_ms);
  request_read_more (task);
}

static void
request_written_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);
  clear_source (&req->timeout);
  if (error != NULL)
    {
      request_attempt_failed (task, error);
      return;
    }

  req->self->counters.tcp_requests_out++;
  req->self->counters.bytes_out += req->raw_len;
  remember_address (req->self, req->address, req->current);

  if (req->want_connection)
    {
      GSocketConnection *conn = g_steal_pointer (&req->conn);

      g_hash_table_remove (req->self->requests, task);
      if (req->caller_handler != 0)
        {
          g_cancellable_disconnect (req->caller, req->caller_handler);
          req->caller_handler = 0;
        }
      g_task_return_pointer (task, conn, g_object_unref);
      g_object_unref (task);
      return;
    }

  if (req->kind == GOSSIP_REQUEST_NO_REPLY)
    {
      request_complete (task, g_bytes_new (NULL, 0), NULL);
      return;
    }

  request_arm_timeout (req, req->self->limits.io_timeout_ms);
  WITH_CONTEXT (req->self->context,
                g_input_stream_read_all_async (g_io_stream_get_input_stream (G_IO_STREAM (req->conn)),
                                               req->header, sizeof req->header, G_PRIORITY_DEFAULT,
                                               req->attempt, request_header_read_cb, task));
}

static void
request_connected_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;

  req->conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  clear_source (&req->timeout);
  if (req->conn == NULL)
    {
      request_attempt_failed (task, error);
      return;
    }

  /* One write for prefix and packet, as the Go writer does. */
  request_arm_timeout (req, req->self->limits.io_timeout_ms);
  WITH_CONTEXT (req->self->context,
                g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (req->conn)),
                                                 g_bytes_get_data (req->frame, NULL),
                                                 g_bytes_get_size (req->frame),
                                                 G_PRIORITY_DEFAULT, req->attempt,
                                                 request_written_cb, task));
}

static void
request_try_next (GTask *task)
{
  Request *req = g_task_get_task_data (task);

  if (req->next == NULL)
    {
      GError *error = g_steal_pointer (&req->last_error);

      if (error == NULL)
        error = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_CONNECT,
                             "No address to reach %s", req->address);
      request_complete (task, NULL, error);
      return;
    }

  req->current = req->next->data;
  req->next = req->next->next;

  request_new_attempt (req);
  request_arm_timeout (req, req->self->limits.dial_timeout_ms);
  WITH_CONTEXT (req->self->context,
                g_socket_client_connect_async (req->self->client,
                                               G_SOCKET_CONNECTABLE (req->current),
                                               req->attempt, request_connected_cb, task));
}

static void
request_resolved_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  GTask *task = user_data;
  Request *req = g_task_get_task_data (task);
  GError *error = NULL;
  GList *addresses;

  addresses = gossip_address_resolve_finish (result, &error);
  if (addresses == NULL)
    {
      GError *stop = request_interrupted_error (req);

      if (stop != NULL)
        {
          g_error_free (error);
          error = stop;
        }
      request_complete (task, NULL, error);
      return;
    }

  g_list_free_full (req->candidates, g_object_unref);
  req->candidates = addresses;
  req->next = addresses;
  req->current = NULL;
  request_try_next (task);
}

static void
request_resolve (GTask *task)
{
  Request *req = g_task_get_task_data (task);
  GossipSocketTransport *self = req->self;

  req->resolved = TRUE;
  request_new_attempt (req);
  WITH_CONTEXT (self->context,
                gossip_address_resolve_async (req->address, self->limits.default_port,
                                              self->limits.prefer_ipv6, self->limits.resolver,
                                              req->attempt, request_resolved_cb, task));
}

static void
request_start (GossipSocketTransport *self,
               const char            *address,
               GBytes                *raw,
               GossipRequestKind      kind,
               gboolean               want_connection,
               GCancellable          *cancellable,
               GAsyncReadyCallback    callback,
               gpointer               user_data,
               gpointer               source_tag)
{
  GTask *task;
  Request *req;
  GByteArray *frame;
  GInetSocketAddress *cached;
  gsize len = g_bytes_get_size (raw);
  guint32 be;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);

  if (self->closed)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                               "The transport is closed");
      g_object_unref (task);
      return;
    }
  if (len > self->limits.tcp_max_packet || len > G_MAXUINT32)
    {
      self->counters.drops_oversize++;
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                               "A %" G_GSIZE_FORMAT "-byte packet exceeds the TCP limit of %" G_GSIZE_FORMAT,
                               len, self->limits.tcp_max_packet);
      g_object_unref (task);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  /* Bounded, like everything else a peer's behaviour can make grow: a
   * flood of pings from strangers must not become a flood of connections. */
  if (g_hash_table_size (self->requests) >= self->limits.max_requests)
    {
      self->counters.drops_too_many_requests++;
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_CONNECT,
                               "Too many requests in flight (%u): refusing another",
                               self->limits.max_requests);
      g_object_unref (task);
      return;
    }

  req = g_new0 (Request, 1);
  req->self = self;
  req->address = g_strdup (address);
  req->raw_len = len;
  req->kind = kind;
  req->want_connection = want_connection;
  frame = g_byte_array_sized_new (len + 4);
  be = GUINT32_TO_BE ((guint32) len);
  g_byte_array_append (frame, (const guint8 *) &be, 4);
  g_byte_array_append (frame, g_bytes_get_data (raw, NULL), len);
  req->frame = g_byte_array_free_to_bytes (frame);
  g_task_set_task_data (task, req, (GDestroyNotify) request_free);
  g_hash_table_add (self->requests, task);

  if (cancellable != NULL)
    {
      req->caller = g_object_ref (cancellable);
      req->caller_handler = g_cancellable_connect (cancellable,
                                                   G_CALLBACK (request_caller_cancelled_cb),
                                                   req, NULL);
    }

  cached = lookup_cached (self, address);
  if (cached == NULL)
    {
      request_resolve (task);
      return;
    }
  req->candidates = g_list_prepend (NULL, g_object_ref (cached));
  req->next = req->candidates;
  request_try_next (task);
}

static void
gossip_socket_transport_request_async (GossipTransport     *transport,
                                       const char          *address,
                                       GBytes              *raw,
                                       GossipRequestKind    kind,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  request_start (GOSSIP_SOCKET_TRANSPORT (transport), address, raw, kind, FALSE,
                 cancellable, callback, user_data, gossip_socket_transport_request_async);
}

static void
gossip_socket_transport_open_connection_async (GossipTransport     *transport,
                                               const char          *address,
                                               GBytes              *raw,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data)
{
  request_start (GOSSIP_SOCKET_TRANSPORT (transport), address, raw, GOSSIP_REQUEST_NO_REPLY, TRUE,
                 cancellable, callback, user_data, gossip_socket_transport_open_connection_async);
}

static GIOStream *
gossip_socket_transport_open_connection_finish (GossipTransport  *transport,
                                                GAsyncResult     *result,
                                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gossip_socket_transport_open_connection_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static GBytes *
gossip_socket_transport_request_finish (GossipTransport  *transport,
                                        GAsyncResult     *result,
                                        GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, transport), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gossip_socket_transport_request_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- the rest of the interface ---- */

static char *
gossip_socket_transport_get_local_address (GossipTransport *transport)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (transport);
  GInetAddress *ia = g_inet_socket_address_get_address (self->bound);
  g_autofree char *ip = g_inet_address_to_string (ia);
  guint16 port = g_inet_socket_address_get_port (self->bound);

  if (g_inet_address_get_family (ia) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip, port);
  return g_strdup_printf ("%s:%u", ip, port);
}

static void
gossip_socket_transport_forget_address (GossipTransport *transport,
                                        const char      *address)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (transport);

  cache_remove (self, address);
}

static void
gossip_socket_transport_close (GossipTransport *transport)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (transport);
  GList *list;

  if (self->closed)
    return;
  self->closed = TRUE;

  clear_source (&self->tcp_source);
  clear_source (&self->accept_backoff);
  clear_source (&self->udp_source);
  if (self->tcp != NULL)
    g_socket_close (self->tcp, NULL);
  if (self->udp != NULL)
    g_socket_close (self->udp, NULL);
  g_clear_object (&self->tcp);
  g_clear_object (&self->udp);

  g_cancellable_cancel (self->cancellable);

  list = g_hash_table_get_keys (self->inbound);
  for (GList *l = list; l != NULL; l = l->next)
    {
      Inbound *in = inbound_ref (l->data);

      inbound_close (in);
      inbound_unref (in);
    }
  g_list_free (list);

  list = g_hash_table_get_keys (self->requests);
  for (GList *l = list; l != NULL; l = l->next)
    {
      Request *req = g_task_get_task_data (l->data);

      req->aborted = TRUE;
      if (req->attempt != NULL)
        g_cancellable_cancel (req->attempt);
    }
  g_list_free (list);

  cache_clear (self);
}

static void
gossip_socket_transport_iface_init (GossipTransportInterface *iface)
{
  iface->get_local_address = gossip_socket_transport_get_local_address;
  iface->send_datagram = gossip_socket_transport_send_datagram;
  iface->request_async = gossip_socket_transport_request_async;
  iface->request_finish = gossip_socket_transport_request_finish;
  iface->open_connection_async = gossip_socket_transport_open_connection_async;
  iface->open_connection_finish = gossip_socket_transport_open_connection_finish;
  iface->forget_address = gossip_socket_transport_forget_address;
  iface->close = gossip_socket_transport_close;
  iface->get_counters = (void (*) (GossipTransport *, GossipTransportCounters *)) gossip_socket_transport_get_counters;
}

/* ---- GObject ---- */

static void
gossip_socket_transport_dispose (GObject *object)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (object);

  gossip_socket_transport_close (GOSSIP_TRANSPORT (self));

  G_OBJECT_CLASS (gossip_socket_transport_parent_class)->dispose (object);
}

static void
gossip_socket_transport_finalize (GObject *object)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (object);

  /* In-flight requests hold a ref on us, so none can be left here. */
  g_assert (g_hash_table_size (self->requests) == 0);

  g_clear_object (&self->bound);
  g_clear_object (&self->bind_address);
  g_clear_object (&self->client);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->limits.resolver);
  g_clear_pointer (&self->cache, g_hash_table_unref);
  g_clear_pointer (&self->inbound, g_hash_table_unref);
  g_clear_pointer (&self->per_source, g_hash_table_unref);
  g_clear_pointer (&self->requests, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (gossip_socket_transport_parent_class)->finalize (object);
}

static void
gossip_socket_transport_constructed (GObject *object)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (object);
  GResolver *resolver = g_steal_pointer (&self->limits.resolver);
  GossipSocketTransportLimits given = self->limits;

  G_OBJECT_CLASS (gossip_socket_transport_parent_class)->constructed (object);

  /* Zero means the default; fill_limits refs the resolver it copies. */
  given.resolver = resolver;
  fill_limits (&self->limits, &given);
  g_clear_object (&resolver);
}

static void
gossip_socket_transport_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_BIND_ADDRESS:
      g_set_object (&self->bind_address, g_value_get_object (value));
      break;
    case PROP_ENABLE_UDP:
      self->enable_udp = g_value_get_boolean (value);
      break;
    case PROP_UDP_MAX_PACKET_SIZE:
      self->limits.udp_max_packet = g_value_get_uint (value);
      break;
    case PROP_TCP_MAX_PACKET_SIZE:
      self->limits.tcp_max_packet = g_value_get_uint (value);
      break;
    case PROP_DIAL_TIMEOUT:
      self->limits.dial_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_IO_TIMEOUT:
      self->limits.io_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_CONNECTIONS:
      self->limits.max_connections = g_value_get_uint (value);
      break;
    case PROP_MAX_PER_SOURCE:
      self->limits.max_per_source = g_value_get_uint (value);
      break;
    case PROP_INBOUND_BUDGET:
      self->limits.inbound_budget = g_value_get_uint (value);
      break;
    case PROP_MAX_REQUESTS:
      self->limits.max_requests = g_value_get_uint (value);
      break;
    case PROP_DEFAULT_PORT:
      self->limits.default_port = (guint16) g_value_get_uint (value);
      break;
    case PROP_PREFER_IPV6:
      self->limits.prefer_ipv6 = g_value_get_boolean (value);
      break;
    case PROP_RESOLVER:
      g_set_object (&self->limits.resolver, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_socket_transport_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (object);

  switch (prop_id)
    {
    case PROP_BIND_ADDRESS:
      g_value_set_object (value, self->bind_address);
      break;
    case PROP_BOUND_ADDRESS:
      g_value_set_object (value, self->bound);
      break;
    case PROP_ENABLE_UDP:
      g_value_set_boolean (value, self->enable_udp);
      break;
    case PROP_UDP_MAX_PACKET_SIZE:
      g_value_set_uint (value, (guint) self->limits.udp_max_packet);
      break;
    case PROP_TCP_MAX_PACKET_SIZE:
      g_value_set_uint (value, (guint) self->limits.tcp_max_packet);
      break;
    case PROP_DIAL_TIMEOUT:
      g_value_set_uint (value, self->limits.dial_timeout_ms);
      break;
    case PROP_IO_TIMEOUT:
      g_value_set_uint (value, self->limits.io_timeout_ms);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->limits.max_connections);
      break;
    case PROP_MAX_PER_SOURCE:
      g_value_set_uint (value, self->limits.max_per_source);
      break;
    case PROP_INBOUND_BUDGET:
      g_value_set_uint (value, (guint) MIN (self->limits.inbound_budget, G_MAXUINT32));
      break;
    case PROP_MAX_REQUESTS:
      g_value_set_uint (value, self->limits.max_requests);
      break;
    case PROP_DEFAULT_PORT:
      g_value_set_uint (value, self->limits.default_port);
      break;
    case PROP_PREFER_IPV6:
      g_value_set_boolean (value, self->limits.prefer_ipv6);
      break;
    case PROP_RESOLVER:
      g_value_set_object (value, self->limits.resolver);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_socket_transport_class_init (GossipSocketTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = gossip_socket_transport_dispose;
  object_class->finalize = gossip_socket_transport_finalize;
  object_class->constructed = gossip_socket_transport_constructed;
  object_class->set_property = gossip_socket_transport_set_property;
  object_class->get_property = gossip_socket_transport_get_property;

  /**
   * GossipSocketTransport:bind-address:
   *
   * Where to listen, TCP and UDP on the same port; port 0 picks one free
   * for both. Required.
   *
   * Since: 1.0
   */
  props[PROP_BIND_ADDRESS] =
    g_param_spec_object ("bind-address", NULL, NULL, G_TYPE_INET_SOCKET_ADDRESS, co);
  /**
   * GossipSocketTransport:bound-address:
   *
   * The address actually bound, with the real port.
   *
   * Since: 1.0
   */
  props[PROP_BOUND_ADDRESS] =
    g_param_spec_object ("bound-address", NULL, NULL, G_TYPE_INET_SOCKET_ADDRESS,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GossipSocketTransport:enable-udp:
   *
   * Whether to open the UDP socket. Without it every datagram is dropped
   * (and counted), as with Go's ForceReliableTransport. Default %TRUE.
   *
   * Since: 1.0
   */
  props[PROP_ENABLE_UDP] = g_param_spec_boolean ("enable-udp", NULL, NULL, TRUE, co);
  /**
   * GossipSocketTransport:udp-max-packet-size:
   *
   * The largest packet worth a datagram, in bytes (Go's
   * UDPMaxPacketSize); the cluster sends bigger ones over TCP. 0 means
   * the default, 1400.
   *
   * Since: 1.0
   */
  props[PROP_UDP_MAX_PACKET_SIZE] =
    g_param_spec_uint ("udp-max-packet-size", NULL, NULL, 0, G_MAXUINT32, 0, co);
  /**
   * GossipSocketTransport:tcp-max-packet-size:
   *
   * The largest length prefix accepted or sent on TCP, in bytes (Go's
   * TCPMaxPacketSize); anything longer is refused before it is read. 0
   * means the default, 4194304.
   *
   * Since: 1.0
   */
  props[PROP_TCP_MAX_PACKET_SIZE] =
    g_param_spec_uint ("tcp-max-packet-size", NULL, NULL, 0, G_MAXUINT32, 0, co);
  /**
   * GossipSocketTransport:dial-timeout:
   *
   * How long a TCP connect may take, in milliseconds (Go's
   * TCPDialTimeout). 0 means the default, 2000.
   *
   * Since: 1.0
   */
  props[PROP_DIAL_TIMEOUT] = g_param_spec_uint ("dial-timeout", NULL, NULL, 0, G_MAXINT, 0, co);
  /**
   * GossipSocketTransport:io-timeout:
   *
   * How long one read or write on a connection may take, in milliseconds
   * (Go's TCPDeadline). An inbound connection gets this long for its
   * length prefix and as long again for the whole request, however it
   * trickles in. 0 means the default, 2000.
   *
   * Since: 1.0
   */
  props[PROP_IO_TIMEOUT] = g_param_spec_uint ("io-timeout", NULL, NULL, 0, G_MAXINT, 0, co);
  /**
   * GossipSocketTransport:max-connections:
   *
   * Inbound TCP connections open at once. At the limit a new connection
   * closes the oldest one still waiting for its request (counted in
   * drops_evicted); it is refused (and counted) only if none is. 0 means
   * the default, 256.
   *
   * Since: 1.0
   */
  props[PROP_MAX_CONNECTIONS] = g_param_spec_uint ("max-connections", NULL, NULL, 0, G_MAXINT, 0, co);
  /**
   * GossipSocketTransport:max-connections-per-source:
   *
   * Inbound TCP connections from one IP address that may sit idle. At
   * the limit a new connection from it closes its own oldest one that
   * has been waiting for its request for a quarter of
   * [property@Gossip.SocketTransport:io-timeout] or more, so one host
   * cannot hold the slots of the others; a burst of honest requests
   * (which arrive as they connect) goes over it. 0 means the default, 32.
   *
   * Since: 1.0
   */
  props[PROP_MAX_PER_SOURCE] =
    g_param_spec_uint ("max-connections-per-source", NULL, NULL, 0, G_MAXINT, 0, co);
  /**
   * GossipSocketTransport:inbound-budget:
   *
   * Request bytes buffered at once across all inbound TCP connections, in
   * bytes. Bodies are buffered only as their bytes arrive; past the
   * budget, bodies that need more room wait (counted in budget_waits)
   * until some is freed or their deadline closes them. 0 means the
   * default, 67108864 (64 MiB).
   *
   * Since: 1.0
   */
  props[PROP_INBOUND_BUDGET] =
    g_param_spec_uint ("inbound-budget", NULL, NULL, 0, G_MAXUINT32, 0, co);
  /**
   * GossipSocketTransport:max-requests:
   *
   * Outbound requests in flight at once; more fail at once. 0 means the
   * default, 1024.
   *
   * Since: 1.0
   */
  props[PROP_MAX_REQUESTS] = g_param_spec_uint ("max-requests", NULL, NULL, 0, G_MAXINT, 0, co);
  /**
   * GossipSocketTransport:default-port:
   *
   * The port for address strings without one. 0 means the default, 3500.
   *
   * Since: 1.0
   */
  props[PROP_DEFAULT_PORT] = g_param_spec_uint ("default-port", NULL, NULL, 0, G_MAXUINT16, 0, co);
  /**
   * GossipSocketTransport:prefer-ipv6:
   *
   * Whether resolved IPv6 addresses are tried before IPv4 ones. Default
   * %FALSE.
   *
   * Since: 1.0
   */
  props[PROP_PREFER_IPV6] = g_param_spec_boolean ("prefer-ipv6", NULL, NULL, FALSE, co);
  /**
   * GossipSocketTransport:resolver:
   *
   * The resolver for host names and SRV records; %NULL for the default.
   *
   * Since: 1.0
   */
  props[PROP_RESOLVER] = g_param_spec_object ("resolver", NULL, NULL, G_TYPE_RESOLVER, co);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
gossip_socket_transport_init (GossipSocketTransport *self)
{
  self->enable_udp = TRUE;
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) cache_entry_free);
  g_queue_init (&self->cache_order);
  self->inbound = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) inbound_unref, NULL);
  g_queue_init (&self->order);
  g_queue_init (&self->waiting);
  self->per_source = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->accept_backoff_ms = ACCEPT_BACKOFF_MIN_MS;
  self->requests = g_hash_table_new (NULL, NULL);
  self->client = g_socket_client_new ();
  /* Peers are on the cluster network; a desktop proxy setting must not
   * reroute gossip traffic. */
  g_socket_client_set_enable_proxy (self->client, FALSE);
}

static void
fill_limits (GossipSocketTransportLimits       *out,
             const GossipSocketTransportLimits *in)
{
  if (in != NULL)
    *out = *in;
  else
    memset (out, 0, sizeof *out);

  if (out->udp_max_packet == 0)
    out->udp_max_packet = GOSSIP_SOCKET_TRANSPORT_DEFAULT_UDP_MAX_PACKET;
  if (out->tcp_max_packet == 0)
    out->tcp_max_packet = GOSSIP_SOCKET_TRANSPORT_DEFAULT_TCP_MAX_PACKET;
  if (out->dial_timeout_ms == 0)
    out->dial_timeout_ms = GOSSIP_SOCKET_TRANSPORT_DEFAULT_DIAL_TIMEOUT_MS;
  if (out->io_timeout_ms == 0)
    out->io_timeout_ms = GOSSIP_SOCKET_TRANSPORT_DEFAULT_IO_TIMEOUT_MS;
  if (out->max_connections == 0)
    out->max_connections = GOSSIP_SOCKET_TRANSPORT_DEFAULT_MAX_CONNECTIONS;
  if (out->max_requests == 0)
    out->max_requests = GOSSIP_SOCKET_TRANSPORT_DEFAULT_MAX_REQUESTS;
  if (out->default_port == 0)
    out->default_port = GOSSIP_SOCKET_TRANSPORT_DEFAULT_PORT;
  if (out->max_per_source == 0)
    out->max_per_source = GOSSIP_SOCKET_TRANSPORT_DEFAULT_MAX_PER_SOURCE;
  if (out->inbound_budget == 0)
    out->inbound_budget = GOSSIP_SOCKET_TRANSPORT_DEFAULT_INBOUND_BUDGET;
  if (out->resolver != NULL)
    g_object_ref (out->resolver);
}

static GSocket *
open_socket (GSocketFamily    family,
             GSocketType      type,
             GSocketProtocol  protocol,
             GError         **error)
{
  GSocket *socket = g_socket_new (family, type, protocol, error);

  if (socket != NULL)
    g_socket_set_blocking (socket, FALSE);
  return socket;
}

static gboolean
bind_sockets (GossipSocketTransport  *self,
              GInetSocketAddress     *bind,
              gboolean                enable_udp,
              GError                **error)
{
  GSocketFamily family = g_socket_address_get_family (G_SOCKET_ADDRESS (bind));
  gboolean ephemeral = g_inet_socket_address_get_port (bind) == 0;

  for (guint attempt = 0; attempt < BIND_ATTEMPTS; attempt++)
    {
      g_autoptr(GSocket) tcp = NULL;
      g_autoptr(GSocket) udp = NULL;
      g_autoptr(GSocketAddress) local = NULL;
      g_autoptr(GError) udp_error = NULL;

      tcp = open_socket (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
      if (tcp == NULL)
        return FALSE;
      g_socket_set_listen_backlog (tcp, LISTEN_BACKLOG);
      if (!g_socket_bind (tcp, G_SOCKET_ADDRESS (bind), TRUE, error) ||
          !g_socket_listen (tcp, error))
        return FALSE;
      local = g_socket_get_local_address (tcp, error);
      if (local == NULL)
        return FALSE;

      if (enable_udp)
        {
          udp = open_socket (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
          if (udp == NULL)
            return FALSE;
          /* No address reuse: with it GLib sets SO_REUSEPORT on datagram
           * sockets, and two nodes could then share one UDP port. */
          if (!g_socket_bind (udp, local, FALSE, &udp_error))
            {
              if (ephemeral && attempt + 1 < BIND_ATTEMPTS &&
                  g_error_matches (udp_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
                {
                  g_socket_close (tcp, NULL);
                  continue;
                }
              g_propagate_prefixed_error (error, g_steal_pointer (&udp_error),
                                          "Could not bind UDP to the TCP port: ");
              return FALSE;
            }
        }

      self->tcp = g_steal_pointer (&tcp);
      self->udp = g_steal_pointer (&udp);
      self->bound = G_INET_SOCKET_ADDRESS (g_steal_pointer (&local));
      return TRUE;
    }

  g_assert_not_reached ();
  return FALSE;
}

static gboolean
gossip_socket_transport_initable_init (GInitable     *initable,
                                       GCancellable  *cancellable,
                                       GError       **error)
{
  GossipSocketTransport *self = GOSSIP_SOCKET_TRANSPORT (initable);
  GError *local_error = NULL;

  if (self->tcp != NULL)
    return TRUE;
  if (self->bind_address == NULL)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                           "A socket transport needs a bind address");
      return FALSE;
    }

  if (!bind_sockets (self, self->bind_address, self->enable_udp, &local_error))
    {
      g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (self->bind_address));

      g_set_error (error, GOSSIP_ERROR,
                   g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)
                   ? GOSSIP_ERROR_ADDRESS_IN_USE : GOSSIP_ERROR_ADDRESS,
                   _("Could not listen on %s: %s"), where, local_error->message);
      g_error_free (local_error);
      return FALSE;
    }

  accept_watch (self);

  if (self->udp != NULL)
    {
      self->udp_source = g_socket_create_source (self->udp, G_IO_IN, NULL);
      g_source_set_callback (self->udp_source, G_SOURCE_FUNC (udp_readable_cb), self, NULL);
      g_source_attach (self->udp_source, self->context);
    }
  return TRUE;
}

static void
gossip_socket_transport_initable_iface_init (GInitableIface *iface)
{
  iface->init = gossip_socket_transport_initable_init;
}

/**
 * gossip_socket_transport_new:
 * @bind_address: where to listen (TCP and UDP); port 0 picks one port
 *   free for both
 * @error: return location for a #GError
 *
 * Creates a socket transport with the default limits and binds it. Use
 * g_initable_new() to set other properties.
 *
 * Returns: (transfer full): the transport, or %NULL with @error set
 *
 * Since: 1.0
 */
GossipSocketTransport *
gossip_socket_transport_new (GInetSocketAddress  *bind_address,
                             GError             **error)
{
  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (bind_address), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return g_initable_new (GOSSIP_TYPE_SOCKET_TRANSPORT, NULL, error,
                         "bind-address", bind_address, NULL);
}

GossipSocketTransport *
gossip_socket_transport_new_with_limits (GInetSocketAddress                *bind,
                                         gboolean                           enable_udp,
                                         const GossipSocketTransportLimits *limits,
                                         GError                           **error)
{
  GossipSocketTransportLimits l;

  g_return_val_if_fail (G_IS_INET_SOCKET_ADDRESS (bind), NULL);
  g_return_val_if_fail (limits == NULL || limits->resolver == NULL || G_IS_RESOLVER (limits->resolver), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Zero means the default, as the properties' defaults are. */
  fill_limits (&l, limits);
  g_clear_object (&l.resolver);
  return g_initable_new (GOSSIP_TYPE_SOCKET_TRANSPORT, NULL, error,
                         "bind-address", bind,
                         "enable-udp", enable_udp,
                         "udp-max-packet-size", (guint) MIN (l.udp_max_packet, G_MAXUINT32),
                         "tcp-max-packet-size", (guint) MIN (l.tcp_max_packet, G_MAXUINT32),
                         "dial-timeout", l.dial_timeout_ms,
                         "io-timeout", l.io_timeout_ms,
                         "max-connections", l.max_connections,
                         "max-connections-per-source", l.max_per_source,
                         "inbound-budget", (guint) MIN (l.inbound_budget, G_MAXUINT32),
                         "max-requests", l.max_requests,
                         "default-port", (guint) l.default_port,
                         "prefer-ipv6", l.prefer_ipv6,
                         "resolver", limits != NULL ? limits->resolver : NULL,
                         NULL);
}

/**
 * gossip_socket_transport_get_bound_address:
 * @self: a socket transport
 *
 * Gets the address the transport listens on, with the real port when port 0
 * was asked for.
 *
 * Returns: (transfer none) (nullable): the address actually bound, with
 *   the real port; %NULL before initialization
 *
 * Since: 1.0
 */
GInetSocketAddress *
gossip_socket_transport_get_bound_address (GossipSocketTransport *self)
{
  g_return_val_if_fail (GOSSIP_IS_SOCKET_TRANSPORT (self), NULL);

  return self->bound;
}

const GossipSocketTransportLimits *
gossip_socket_transport_get_limits (GossipSocketTransport *self)
{
  g_return_val_if_fail (GOSSIP_IS_SOCKET_TRANSPORT (self), NULL);

  return &self->limits;
}

void
gossip_socket_transport_get_counters (GossipSocketTransport   *self,
                                      GossipTransportCounters *out)
{
  g_return_if_fail (GOSSIP_IS_SOCKET_TRANSPORT (self));
  g_return_if_fail (out != NULL);

  *out = self->counters;
}

/**
 * gossip_socket_transport_get_n_connections:
 * @self: a socket transport
 *
 * Counts the inbound TCP connections open now.
 *
 * Returns: the inbound TCP connections open now
 *
 * Since: 1.0
 */
guint
gossip_socket_transport_get_n_connections (GossipSocketTransport *self)
{
  g_return_val_if_fail (GOSSIP_IS_SOCKET_TRANSPORT (self), 0);

  return g_hash_table_size (self->inbound);
}

guint
gossip_socket_transport_get_n_cached (GossipSocketTransport *self)
{
  g_return_val_if_fail (GOSSIP_IS_SOCKET_TRANSPORT (self), 0);

  return g_hash_table_size (self->cache);
}

gsize
gossip_socket_transport_get_inbound_bytes (GossipSocketTransport *self)
{
  g_return_val_if_fail (GOSSIP_IS_SOCKET_TRANSPORT (self), 0);

  return self->inbound_bytes;
}
