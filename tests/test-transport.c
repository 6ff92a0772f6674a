/* test-transport.c: the UDP + TCP socket transport (PROTOCOL.md §3.1, §3.2). */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-socket-transport-private.h"

/* ---- a receiving end that records what arrives ---- */

typedef struct {
  GPtrArray *datagrams;   /* GBytes */
  GPtrArray *requests;    /* GBytes */
  GPtrArray *held;        /* GossipIncoming kept for a later reply */
  gboolean   hold;
  GBytes    *reply_now;   /* reply from inside the receive func */
} Sink;

static void
sink_receive (GBytes         *raw,
              gboolean        reliable,
              GossipIncoming *incoming,
              gpointer        user_data)
{
  Sink *sink = user_data;

  if (!reliable)
    {
      g_assert_null (incoming);
      g_ptr_array_add (sink->datagrams, g_bytes_ref (raw));
      return;
    }

  g_assert_nonnull (incoming);
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (gossip_incoming_get_remote_address (incoming)));
  g_ptr_array_add (sink->requests, g_bytes_ref (raw));
  if (sink->reply_now != NULL)
    gossip_incoming_reply (incoming, sink->reply_now);
  else if (sink->hold)
    g_ptr_array_add (sink->held, gossip_incoming_ref (incoming));
}

static void
sink_init (Sink *sink)
{
  memset (sink, 0, sizeof *sink);
  sink->datagrams = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sink->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  sink->held = g_ptr_array_new_with_free_func ((GDestroyNotify) gossip_incoming_unref);
}

static void
sink_clear (Sink *sink)
{
  g_ptr_array_unref (sink->datagrams);
  g_ptr_array_unref (sink->requests);
  g_ptr_array_unref (sink->held);
  g_clear_pointer (&sink->reply_now, g_bytes_unref);
}

static gboolean
n_datagrams_is_1 (gpointer user_data)
{
  return ((Sink *) user_data)->datagrams->len >= 1;
}

static gboolean
n_datagrams_is_100 (gpointer user_data)
{
  return ((Sink *) user_data)->datagrams->len >= 100;
}

static gboolean
n_requests_is_1 (gpointer user_data)
{
  return ((Sink *) user_data)->requests->len >= 1;
}

static gboolean
n_held_is_1 (gpointer user_data)
{
  return ((Sink *) user_data)->held->len >= 1;
}

static GossipSocketTransport *
make_transport (const char                        *ip,
                const GossipSocketTransportLimits *limits,
                Sink                              *sink,
                GError                           **error)
{
  g_autoptr(GInetAddress) ia = g_inet_address_new_from_string (ip);
  g_autoptr(GSocketAddress) bind = g_inet_socket_address_new (ia, 0);
  GossipSocketTransport *t;

  t = gossip_socket_transport_new_with_limits (G_INET_SOCKET_ADDRESS (bind), TRUE, limits, error);
  if (t != NULL && sink != NULL)
    gossip_transport_set_receive_func (GOSSIP_TRANSPORT (t), sink_receive, sink);
  return t;
}

static GossipTransportCounters
counters (GossipSocketTransport *t)
{
  GossipTransportCounters c;

  gossip_socket_transport_get_counters (t, &c);
  return c;
}

/* ---- outbound requests ---- */

typedef struct {
  gboolean  done;
  GBytes   *reply;
  GError   *error;
} RequestResult;

static void
request_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  RequestResult *r = user_data;

  r->reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
request_done (gpointer user_data)
{
  return ((RequestResult *) user_data)->done;
}

static void
request_result_clear (RequestResult *r)
{
  g_clear_pointer (&r->reply, g_bytes_unref);
  g_clear_error (&r->error);
}

static void
request (GossipSocketTransport *from,
         const char            *to,
         GBytes                *raw,
         GossipRequestKind      kind,
         RequestResult         *r)
{
  memset (r, 0, sizeof *r);
  gossip_transport_request_async (GOSSIP_TRANSPORT (from), to, raw, kind, NULL, request_cb, r);
  g_assert_false (r->done);
  g_assert_true (test_wait_for (request_done, r, 10000));
}

/* ---- raw client sockets for misbehaving peers ---- */

static GSocket *
raw_connect (GossipSocketTransport *t)
{
  g_autoptr(GError) error = NULL;
  GSocket *s;

  s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  /* The kernel completes the handshake from the backlog; no loop needed. */
  g_assert_true (g_socket_connect (s, G_SOCKET_ADDRESS (gossip_socket_transport_get_bound_address (t)),
                                   NULL, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (s, FALSE);
  return s;
}

/* TRUE once the peer closed: a read returns EOF or a reset. */
static gboolean
raw_peer_closed (gpointer user_data)
{
  GSocket *s = user_data;
  g_autoptr(GError) error = NULL;
  char buf[16];
  gssize n;

  n = g_socket_receive (s, buf, sizeof buf, NULL, &error);
  if (n == 0)
    return TRUE;
  if (n < 0)
    return !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
  return FALSE;
}

typedef struct {
  GossipSocketTransport *t;
  guint64                want;
} CounterWait;

static gboolean
drops_oversize_reached (gpointer user_data)
{
  CounterWait *w = user_data;
  return counters (w->t).drops_oversize >= w->want;
}

static gboolean
drops_timeout_reached (gpointer user_data)
{
  CounterWait *w = user_data;
  return counters (w->t).drops_timeout >= w->want;
}

static gboolean
n_connections_reached (gpointer user_data)
{
  CounterWait *w = user_data;
  return gossip_socket_transport_get_n_connections (w->t) == w->want &&
         counters (w->t).drops_evicted >= 1;
}

static gboolean
n_connections_is (gpointer user_data)
{
  CounterWait *w = user_data;
  return gossip_socket_transport_get_n_connections (w->t) == w->want;
}

static gboolean
n_connections_zero (gpointer user_data)
{
  return gossip_socket_transport_get_n_connections (user_data) == 0;
}

/* ---- a resolver with one fixed answer, for multi-address hosts ---- */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver
{
  GResolver   parent_instance;
  char      **ips;       /* the answer for every name */
  guint       lookups;
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
test_resolver_answer (TestResolver *self)
{
  GList *out = NULL;

  self->lookups++;
  for (guint i = 0; self->ips != NULL && self->ips[i] != NULL; i++)
    out = g_list_append (out, g_inet_address_new_from_string (self->ips[i]));
  return out;
}

static GList *
test_resolver_lookup_by_name (GResolver     *resolver,
                              const char    *hostname,
                              GCancellable  *cancellable,
                              GError       **error)
{
  return test_resolver_answer (TEST_RESOLVER (resolver));
}

static void
test_resolver_lookup_by_name_async (GResolver           *resolver,
                                    const char          *hostname,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);

  g_task_return_pointer (task, test_resolver_answer (TEST_RESOLVER (resolver)),
                         (GDestroyNotify) g_resolver_free_addresses);
}

static GList *
test_resolver_lookup_by_name_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_finalize (GObject *object)
{
  g_strfreev (TEST_RESOLVER (object)->ips);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
  resolver_class->lookup_by_name = test_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
}

static void
test_resolver_init (TestResolver *self)
{
}

/* ---- tests ---- */

static void
test_local_address (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipSocketTransport) t = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_autofree char *local = NULL;
  g_autofree char *want = NULL;
  const GossipSocketTransportLimits *limits;
  guint16 port;

  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (gossip_socket_transport_get_bound_address (t));
  g_assert_cmpuint (port, !=, 0);
  local = gossip_transport_get_local_address (GOSSIP_TRANSPORT (t));
  want = g_strdup_printf ("127.0.0.1:%u", port);
  g_assert_cmpstr (local, ==, want);

  /* Zeroed limits are Go's defaults. */
  limits = gossip_socket_transport_get_limits (t);
  g_assert_cmpuint (limits->udp_max_packet, ==, 1400);
  g_assert_cmpuint (limits->tcp_max_packet, ==, 4194304);
  g_assert_cmpuint (limits->dial_timeout_ms, ==, 2000);
  g_assert_cmpuint (limits->io_timeout_ms, ==, 2000);
  g_assert_cmpuint (limits->default_port, ==, 3500);
}

static void
test_same_port_for_udp_and_tcp (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipSocketTransport) a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autoptr(GSocket) udp = NULL;

  g_assert_no_error (error);

  /* Binding a second transport to the same port must fail on TCP... */
  b = gossip_socket_transport_new_with_limits (gossip_socket_transport_get_bound_address (a), TRUE, NULL, &error);
  g_assert_null (b);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS_IN_USE);
  g_clear_error (&error);

  /* ...and the UDP port is taken too (it is the TCP one). */
  udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_assert_no_error (error);
  g_assert_false (g_socket_bind (udp, G_SOCKET_ADDRESS (gossip_socket_transport_get_bound_address (a)),
                                 FALSE, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
}

static void
test_datagram (void)
{
  g_autoptr(GError) error = NULL;
  Sink sa, sb;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 02 03 deadbeef");
  GossipTransportCounters ca, cb;

  sink_init (&sa);
  sink_init (&sb);
  a = make_transport ("127.0.0.1", NULL, &sa, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  gossip_transport_send_datagram (GOSSIP_TRANSPORT (a), b_addr, raw);
  g_assert_true (test_wait_for (n_datagrams_is_1, &sb, 5000));
  g_assert_cmpuint (sb.datagrams->len, ==, 1);
  test_assert_bytes_hex (sb.datagrams->pdata[0], "0003a10203deadbeef");
  g_assert_cmpuint (sa.datagrams->len, ==, 0);

  ca = counters (a);
  cb = counters (b);
  g_assert_cmpuint (ca.datagrams_out, ==, 1);
  g_assert_cmpuint (ca.bytes_out, ==, 9);
  g_assert_cmpuint (cb.datagrams_in, ==, 1);
  g_assert_cmpuint (cb.bytes_in, ==, 9);

  /* After close, sends are no-ops and nothing more is delivered. */
  gossip_transport_close (GOSSIP_TRANSPORT (a));
  gossip_transport_send_datagram (GOSSIP_TRANSPORT (a), b_addr, raw);
  g_assert_cmpuint (counters (a).datagrams_out, ==, 1);
  g_assert_cmpuint (counters (a).drops_send_failure, ==, 0);

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sa);
  sink_clear (&sb);
}

static void
test_datagram_burst (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  gboolean seen[100] = { FALSE, };

  sink_init (&sb);
  a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  for (guint i = 0; i < 100; i++)
    {
      guint8 data[200];
      g_autoptr(GBytes) raw = NULL;

      memset (data, (int) i, sizeof data);
      raw = g_bytes_new (data, sizeof data);
      gossip_transport_send_datagram (GOSSIP_TRANSPORT (a), b_addr, raw);
    }

  g_assert_true (test_wait_for (n_datagrams_is_100, &sb, 5000));
  g_assert_cmpuint (sb.datagrams->len, ==, 100);
  for (guint i = 0; i < 100; i++)
    {
      gsize len;
      const guint8 *data = g_bytes_get_data (sb.datagrams->pdata[i], &len);

      g_assert_cmpuint (len, ==, 200);
      g_assert_cmpuint (data[0], <, 100);
      g_assert_cmpuint (data[0], ==, data[199]);
      seen[data[0]] = TRUE;
    }
  for (guint i = 0; i < 100; i++)
    g_assert_true (seen[i]);
  g_assert_cmpuint (counters (a).datagrams_out, ==, 100);
  g_assert_cmpuint (counters (b).datagrams_in, ==, 100);

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_request_reply (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 05 01 0102030405");
  g_autoptr(GBytes) reply = test_hex_to_bytes ("0003 a1 00 01 cafe");
  RequestResult r = { 0, };

  sink_init (&sb);
  sb.hold = TRUE;
  a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  gossip_transport_request_async (GOSSIP_TRANSPORT (a), b_addr, raw, GOSSIP_REQUEST_REPLY,
                                  NULL, request_cb, &r);
  /* The server keeps the request and answers after its receive func returned. */
  g_assert_true (test_wait_for (n_held_is_1, &sb, 5000));
  g_assert_false (r.done);
  test_assert_bytes_hex (sb.requests->pdata[0], "0003a10501 0102030405");
  gossip_incoming_reply (sb.held->pdata[0], reply);
  /* A second reply is ignored rather than corrupting the stream. */
  gossip_incoming_reply (sb.held->pdata[0], raw);
  g_ptr_array_set_size (sb.held, 0);

  g_assert_true (test_wait_for (request_done, &r, 5000));
  g_assert_no_error (r.error);
  test_assert_bytes_hex (r.reply, "0003a10001cafe");
  g_assert_cmpuint (counters (a).tcp_requests_out, ==, 1);
  g_assert_cmpuint (counters (a).bytes_out, ==, 10);
  g_assert_cmpuint (counters (a).bytes_in, ==, 7);
  g_assert_cmpuint (counters (b).tcp_requests_in, ==, 1);
  g_assert_cmpuint (counters (b).bytes_in, ==, 10);
  g_assert_true (test_wait_for (n_connections_zero, b, 5000));
  request_result_clear (&r);

  /* A reply written from inside the receive func works the same way. */
  sb.hold = FALSE;
  sb.reply_now = g_bytes_ref (reply);
  request (a, b_addr, raw, GOSSIP_REQUEST_REPLY, &r);
  g_assert_no_error (r.error);
  test_assert_bytes_hex (r.reply, "0003a10001cafe");
  request_result_clear (&r);

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_request_no_reply (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 07 02 ff");
  RequestResult r;

  sink_init (&sb);
  a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  request (a, b_addr, raw, GOSSIP_REQUEST_NO_REPLY, &r);
  g_assert_no_error (r.error);
  g_assert_nonnull (r.reply);
  g_assert_cmpuint (g_bytes_get_size (r.reply), ==, 0);
  request_result_clear (&r);

  g_assert_true (test_wait_for (n_connections_zero, b, 5000));
  g_assert_cmpuint (sb.requests->len, ==, 1);
  test_assert_bytes_hex (sb.requests->pdata[0], "0003a10702ff");

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_request_server_closes (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 06 01 00");
  RequestResult r;

  /* The sink neither holds nor replies: the connection closes unanswered. */
  sink_init (&sb);
  a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  request (a, b_addr, raw, GOSSIP_REQUEST_REPLY, &r);
  g_assert_error (r.error, GOSSIP_ERROR, GOSSIP_ERROR_NO_REPLY);
  g_assert_null (r.reply);
  g_assert_cmpuint (sb.requests->len, ==, 1);
  request_result_clear (&r);

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_request_reply_timeout (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  GossipSocketTransportLimits limits = { 0, };
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 06 01 00");
  RequestResult r;
  gint64 start;

  sink_init (&sb);
  sb.hold = TRUE;
  limits.io_timeout_ms = 200;
  a = make_transport ("127.0.0.1", &limits, NULL, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  start = g_get_monotonic_time ();
  request (a, b_addr, raw, GOSSIP_REQUEST_REPLY, &r);
  g_assert_error (r.error, GOSSIP_ERROR, GOSSIP_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  request_result_clear (&r);

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_request_closed_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 05 01 00");
  RequestResult r;

  a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));
  g_clear_object (&b);   /* nothing listens on b_addr any more */

  request (a, b_addr, raw, GOSSIP_REQUEST_REPLY, &r);
  g_assert_error (r.error, GOSSIP_ERROR, GOSSIP_ERROR_REFUSED);
  g_assert_cmpuint (counters (a).tcp_requests_out, ==, 0);
  request_result_clear (&r);

  request (a, "nonsense::address", raw, GOSSIP_REQUEST_NO_REPLY, &r);
  g_assert_error (r.error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS);
  request_result_clear (&r);
}

static void
test_request_cancel_and_close (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 06 01 00");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  RequestResult r = { 0, };

  sink_init (&sb);
  sb.hold = TRUE;
  a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  /* The caller's cancellable stops a request waiting for its reply. */
  gossip_transport_request_async (GOSSIP_TRANSPORT (a), b_addr, raw, GOSSIP_REQUEST_REPLY,
                                  cancellable, request_cb, &r);
  g_assert_true (test_wait_for (n_held_is_1, &sb, 5000));
  g_cancellable_cancel (cancellable);
  g_assert_true (test_wait_for (request_done, &r, 5000));
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  request_result_clear (&r);
  g_ptr_array_set_size (sb.held, 0);

  /* Closing the transport abandons what is in flight. */
  memset (&r, 0, sizeof r);
  gossip_transport_request_async (GOSSIP_TRANSPORT (a), b_addr, raw, GOSSIP_REQUEST_REPLY,
                                  NULL, request_cb, &r);
  g_assert_true (test_wait_for (n_held_is_1, &sb, 5000));
  gossip_transport_close (GOSSIP_TRANSPORT (a));
  g_assert_true (test_wait_for (request_done, &r, 5000));
  g_assert_error (r.error, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING);
  request_result_clear (&r);

  /* The server closing drops the connection a held incoming refers to;
   * replying to it later is harmless. */
  gossip_transport_close (GOSSIP_TRANSPORT (b));
  g_assert_cmpuint (gossip_socket_transport_get_n_connections (b), ==, 0);
  gossip_incoming_reply (sb.held->pdata[0], raw);
  g_ptr_array_set_size (sb.held, 0);

  request (a, b_addr, raw, GOSSIP_REQUEST_NO_REPLY, &r);
  g_assert_error (r.error, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING);
  request_result_clear (&r);

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_oversize_prefix (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autoptr(GSocket) s = NULL;
  const guint8 prefix[4] = { 0xff, 0xff, 0xff, 0xff };
  CounterWait w;

  sink_init (&sb);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);

  s = raw_connect (b);
  g_assert_cmpint (g_socket_send (s, (const char *) prefix, sizeof prefix, NULL, &error), ==, 4);
  g_assert_no_error (error);

  w.t = b;
  w.want = 1;
  g_assert_true (test_wait_for (drops_oversize_reached, &w, 5000));
  /* Rejected on the prefix alone (4 GiB would not even be allocatable),
   * and the connection closed at once, long before any io timeout. */
  g_assert_true (test_wait_for (raw_peer_closed, s, 1000));
  g_assert_cmpuint (gossip_socket_transport_get_n_connections (b), ==, 0);
  g_assert_cmpuint (sb.requests->len, ==, 0);
  g_assert_cmpuint (counters (b).drops_timeout, ==, 0);

  /* Just above a configured limit is refused the same way. */
  {
    GossipSocketTransportLimits limits = { 0, };
    g_autoptr(GossipSocketTransport) small = NULL;
    g_autoptr(GSocket) s2 = NULL;
    const guint8 prefix2[4] = { 0x00, 0x00, 0x01, 0x01 };

    limits.tcp_max_packet = 256;
    small = make_transport ("127.0.0.1", &limits, &sb, &error);
    g_assert_no_error (error);
    s2 = raw_connect (small);
    g_assert_cmpint (g_socket_send (s2, (const char *) prefix2, sizeof prefix2, NULL, &error), ==, 4);
    w.t = small;
    g_assert_true (test_wait_for (drops_oversize_reached, &w, 5000));
    g_assert_true (test_wait_for (raw_peer_closed, s2, 1000));
  }

  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_stalled_client (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  GossipSocketTransportLimits limits = { 0, };
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autoptr(GSocket) s = NULL;
  g_autoptr(GSocket) s2 = NULL;
  const guint8 partial[6] = { 0x00, 0x00, 0x00, 0x10, 0x00, 0x03 };
  CounterWait w;
  gint64 start;

  sink_init (&sb);
  limits.io_timeout_ms = 200;
  b = make_transport ("127.0.0.1", &limits, &sb, &error);
  g_assert_no_error (error);
  w.t = b;

  /* Two bytes of the length prefix, then silence. */
  start = g_get_monotonic_time ();
  s = raw_connect (b);
  g_assert_cmpint (g_socket_send (s, (const char *) partial, 2, NULL, &error), ==, 2);
  w.want = 1;
  g_assert_true (test_wait_for (drops_timeout_reached, &w, 3000));
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 150 * 1000);
  g_assert_true (test_wait_for (raw_peer_closed, s, 1000));
  g_assert_cmpuint (gossip_socket_transport_get_n_connections (b), ==, 0);

  /* A full prefix and part of the packet: stalled mid-packet. */
  s2 = raw_connect (b);
  g_assert_cmpint (g_socket_send (s2, (const char *) partial, sizeof partial, NULL, &error), ==, 6);
  w.want = 2;
  g_assert_true (test_wait_for (drops_timeout_reached, &w, 3000));
  g_assert_true (test_wait_for (raw_peer_closed, s2, 1000));
  g_assert_cmpuint (sb.requests->len, ==, 0);
  g_assert_cmpuint (gossip_socket_transport_get_n_connections (b), ==, 0);

  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_max_connections (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  GossipSocketTransportLimits limits = { 0, };
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GSocket) s1 = NULL;
  g_autoptr(GSocket) s2 = NULL;
  g_autoptr(GSocket) s3 = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 07 02 ff");
  CounterWait w;
  RequestResult r;

  sink_init (&sb);
  limits.max_connections = 2;
  b = make_transport ("127.0.0.1", &limits, &sb, &error);
  g_assert_no_error (error);
  a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  s1 = raw_connect (b);
  s2 = raw_connect (b);
  s3 = raw_connect (b);
  w.t = b;
  w.want = 2;
  g_assert_true (test_wait_for (n_connections_reached, &w, 5000));
  /* The third closed the oldest idle one (the first) to get in. */
  g_assert_cmpuint (counters (b).drops_evicted, ==, 1);
  g_assert_cmpuint (counters (b).drops_too_many_connections, ==, 0);
  g_assert_true (test_wait_for (raw_peer_closed, s1, 1000));
  g_assert_false (raw_peer_closed (s2));
  g_assert_false (raw_peer_closed (s3));

  /* Once a slot frees up, requests get through again. */
  g_socket_close (s2, NULL);
  w.want = 1;
  g_assert_true (test_wait_for (n_connections_reached, &w, 5000));
  request (a, b_addr, raw, GOSSIP_REQUEST_NO_REPLY, &r);
  g_assert_no_error (r.error);
  request_result_clear (&r);
  g_assert_true (test_wait_for (n_requests_is_1, &sb, 5000));

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sb);
}

/* A request and a reply of 3 MB each, read in many chunks into buffers
 * that grow as they arrive: both come through intact. */
static void
test_large_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  gsize n = 3 * 1000 * 1000 + 7;
  guint8 *q = g_malloc (n);
  guint8 *p = g_malloc (n);
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GBytes) reply = NULL;
  RequestResult r;

  for (gsize i = 0; i < n; i++)
    {
      q[i] = (guint8) (i * 7);
      p[i] = (guint8) (i * 13 + 1);
    }
  raw = g_bytes_new_take (q, n);
  reply = g_bytes_new_take (p, n);
  sink_init (&sb);
  sb.reply_now = g_bytes_ref (reply);
  a = make_transport ("127.0.0.1", NULL, NULL, &error);
  g_assert_no_error (error);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));

  request (a, b_addr, raw, GOSSIP_REQUEST_REPLY, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (sb.requests->len, ==, 1);
  g_assert_true (g_bytes_equal (sb.requests->pdata[0], raw));
  g_assert_true (g_bytes_equal (r.reply, reply));
  g_assert_cmpuint (gossip_socket_transport_get_inbound_bytes (b), ==, 0);
  request_result_clear (&r);

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sb);
}

typedef struct {
  GSocket *s;
  guint    sent;
} Trickle;

static gboolean
trickle_cb (gpointer user_data)
{
  Trickle *t = user_data;
  const char byte = 0x55;

  if (g_socket_send (t->s, &byte, 1, NULL, NULL) == 1)
    t->sent++;
  return G_SOURCE_CONTINUE;
}

static gboolean
set_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_is_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

/* A body trickling in a byte every 20 ms makes progress all the time, but
 * the whole body has one deadline: it is cut off, not kept for ever. */
static void
test_slow_loris (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  GossipSocketTransportLimits limits = { 0, };
  g_autoptr(GossipSocketTransport) b = NULL;
  const guint8 prefix[4] = { 0x00, 0x00, 0x03, 0xe8 };   /* 1000 bytes */
  Trickle t = { 0, };
  CounterWait w;
  gint64 start;
  guint tick;

  sink_init (&sb);
  limits.io_timeout_ms = 300;
  b = make_transport ("127.0.0.1", &limits, &sb, &error);
  g_assert_no_error (error);

  t.s = raw_connect (b);
  g_assert_cmpint (g_socket_send (t.s, (const char *) prefix, 4, NULL, &error), ==, 4);
  start = g_get_monotonic_time ();
  tick = g_timeout_add (20, trickle_cb, &t);
  w.t = b;
  w.want = 1;
  g_assert_true (test_wait_for (drops_timeout_reached, &w, 5000));
  g_source_remove (tick);
  g_test_message ("closed after %" G_GINT64_FORMAT " ms and %u body bytes",
                  (g_get_monotonic_time () - start) / 1000, t.sent);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 250 * 1000);
  g_assert_cmpuint (t.sent, <, 1000);
  g_assert_cmpuint (t.sent, >, 0);
  g_assert_true (test_wait_for (raw_peer_closed, t.s, 1000));
  g_assert_cmpuint (sb.requests->len, ==, 0);
  g_assert_cmpuint (gossip_socket_transport_get_inbound_bytes (b), ==, 0);

  g_clear_object (&t.s);
  g_clear_object (&b);
  sink_clear (&sb);
}

/* At its share, a source's new connection closes its own oldest one that
 * has been silent for a quarter of the deadline. */
static void
test_per_source (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  GossipSocketTransportLimits limits = { 0, };
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autoptr(GSocket) s1 = NULL;
  g_autoptr(GSocket) s2 = NULL;
  g_autoptr(GSocket) s3 = NULL;
  CounterWait w;
  gboolean aged = FALSE;

  sink_init (&sb);
  limits.max_per_source = 2;
  limits.io_timeout_ms = 800;
  b = make_transport ("127.0.0.1", &limits, &sb, &error);
  g_assert_no_error (error);
  w.t = b;

  s1 = raw_connect (b);
  s2 = raw_connect (b);
  w.want = 2;
  g_assert_true (test_wait_for (n_connections_is, &w, 5000));
  /* Once both are older than 800 / 4 ms (and well before their deadline). */
  g_timeout_add (250, set_flag_cb, &aged);
  g_assert_true (test_wait_for (flag_is_set, &aged, 1000));
  s3 = raw_connect (b);
  g_assert_true (test_wait_for (raw_peer_closed, s1, 1000));
  g_assert_cmpuint (counters (b).drops_evicted, ==, 1);
  g_assert_false (raw_peer_closed (s2));
  g_assert_false (raw_peer_closed (s3));
  g_assert_cmpuint (gossip_socket_transport_get_n_connections (b), ==, 2);

  g_clear_object (&b);
  sink_clear (&sb);
}

static void
test_ipv6 (void)
{
  g_autoptr(GError) error = NULL;
  Sink sa, sb;
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *b_addr = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 05 01 0a0b");
  g_autoptr(GBytes) reply = test_hex_to_bytes ("0003 a1 00 01 0c");
  RequestResult r;

  a = make_transport ("::1", NULL, NULL, &error);
  if (a == NULL)
    {
      g_test_skip ("Cannot bind [::1]");
      return;
    }
  sink_init (&sa);
  sink_init (&sb);
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (a), sink_receive, &sa);
  b = make_transport ("::1", NULL, &sb, &error);
  g_assert_no_error (error);
  sb.reply_now = g_bytes_ref (reply);
  b_addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (b));
  g_assert_true (g_str_has_prefix (b_addr, "[::1]:"));

  gossip_transport_send_datagram (GOSSIP_TRANSPORT (a), b_addr, raw);
  g_assert_true (test_wait_for (n_datagrams_is_1, &sb, 5000));
  test_assert_bytes_hex (sb.datagrams->pdata[0], "0003a105010a0b");

  request (a, b_addr, raw, GOSSIP_REQUEST_REPLY, &r);
  g_assert_no_error (r.error);
  test_assert_bytes_hex (r.reply, "0003a100010c");
  request_result_clear (&r);

  g_clear_object (&a);
  g_clear_object (&b);
  sink_clear (&sa);
  sink_clear (&sb);
}

static void
test_request_tries_every_address (void)
{
  g_autoptr(GError) error = NULL;
  Sink sb;
  g_autoptr(TestResolver) resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  GossipSocketTransportLimits limits = { 0, };
  g_autoptr(GossipSocketTransport) a = NULL;
  g_autoptr(GossipSocketTransport) b = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GBytes) raw = test_hex_to_bytes ("0003 a1 07 02 ff");
  RequestResult r;
  guint16 port;

  sink_init (&sb);
  b = make_transport ("127.0.0.1", NULL, &sb, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (gossip_socket_transport_get_bound_address (b));
  name = g_strdup_printf ("node-b.test:%u", port);

  /* 127.0.0.2 is loopback too, but nothing listens there: the first
   * address fails and the second must be tried. */
  resolver->ips = g_strsplit ("127.0.0.2 127.0.0.1", " ", -1);
  limits.resolver = G_RESOLVER (resolver);
  a = make_transport ("127.0.0.1", &limits, NULL, &error);
  g_assert_no_error (error);

  request (a, name, raw, GOSSIP_REQUEST_NO_REPLY, &r);
  g_assert_no_error (r.error);
  request_result_clear (&r);
  g_assert_true (test_wait_for (n_requests_is_1, &sb, 5000));
  g_assert_cmpuint (resolver->lookups, ==, 1);

  /* The working address is cached: no new lookup. */
  request (a, name, raw, GOSSIP_REQUEST_NO_REPLY, &r);
  g_assert_no_error (r.error);
  request_result_clear (&r);
  g_assert_cmpuint (resolver->lookups, ==, 1);

  /* Datagrams use the cache as well. */
  gossip_transport_send_datagram (GOSSIP_TRANSPORT (a), name, raw);
  g_assert_true (test_wait_for (n_datagrams_is_1, &sb, 5000));
  g_assert_cmpuint (resolver->lookups, ==, 1);

  /* Forgetting the address makes the next use resolve again. */
  gossip_transport_forget_address (GOSSIP_TRANSPORT (a), name);
  request (a, name, raw, GOSSIP_REQUEST_NO_REPLY, &r);
  g_assert_no_error (r.error);
  request_result_clear (&r);
  g_assert_cmpuint (resolver->lookups, ==, 2);

  /* When the cached address stops working, it re-resolves and retries. */
  g_strfreev (resolver->ips);
  resolver->ips = g_strsplit ("127.0.0.3", " ", -1);
  g_clear_object (&b);
  request (a, name, raw, GOSSIP_REQUEST_NO_REPLY, &r);
  g_assert_error (r.error, GOSSIP_ERROR, GOSSIP_ERROR_REFUSED);
  g_assert_nonnull (strstr (r.error->message, "127.0.0.3"));
  request_result_clear (&r);
  g_assert_cmpuint (resolver->lookups, ==, 3);

  g_clear_object (&a);
  sink_clear (&sb);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/transport/local-address", test_local_address);
  g_test_add_func ("/transport/same-port", test_same_port_for_udp_and_tcp);
  g_test_add_func ("/transport/datagram/round-trip", test_datagram);
  g_test_add_func ("/transport/datagram/burst", test_datagram_burst);
  g_test_add_func ("/transport/request/reply", test_request_reply);
  g_test_add_func ("/transport/request/no-reply", test_request_no_reply);
  g_test_add_func ("/transport/request/server-closes", test_request_server_closes);
  g_test_add_func ("/transport/request/reply-timeout", test_request_reply_timeout);
  g_test_add_func ("/transport/request/closed-port", test_request_closed_port);
  g_test_add_func ("/transport/request/every-address", test_request_tries_every_address);
  g_test_add_func ("/transport/request/cancel-and-close", test_request_cancel_and_close);
  g_test_add_func ("/transport/server/oversize-prefix", test_oversize_prefix);
  g_test_add_func ("/transport/server/stalled-client", test_stalled_client);
  g_test_add_func ("/transport/server/max-connections", test_max_connections);
  g_test_add_func ("/transport/server/slow-loris", test_slow_loris);
  g_test_add_func ("/transport/large-round-trip", test_large_round_trip);
  g_test_add_func ("/transport/server/per-source", test_per_source);
  g_test_add_func ("/transport/ipv6", test_ipv6);

  return g_test_run ();
}
