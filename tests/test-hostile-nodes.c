/* test-hostile-nodes.c: forged membership against a live cluster (issue
 * 10, items 9 and 10), over real sockets on 127.0.0.1.
 *
 * Item 9: two forged push/pull requests naming 65,536 invented nodes each
 * (the cluster's decode limits raised so that they are decoded: what is
 * tested is the node list's bound, not the decoder's) must leave the node
 * list bounded, RSS within +50 MB of its start and back near it, CPU back
 * at idle, broadcasts reaching every honest peer (from the attacked node
 * too), honest joins working and no honest node Suspect or Dead; with a
 * small max-nodes, nothing beyond it is learned and the drops are counted.
 * Item 10: a ping or indirect ping naming a third address (a UDP socket
 * the test listens on) gets nothing sent there: a stranger's ping is
 * answered at its datagram's source, a known node's at the address it is
 * known by.
 */
#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "test-utils.h"
#include "gossip-hlc-private.h"
#include "gossip-messages-private.h"
#include "gossip-node-list-private.h"
#include "gossip-wire-private.h"

#define N_NODES 4
#define HONEST_TYPE 129
#define WAIT_MS 10000
#define N_FORGED 65536

#ifdef UNDER_ASAN
#define RSS_BOUND (400 * 1024 * 1024)
#else
#define RSS_BOUND (50 * 1024 * 1024)
#endif

typedef struct {
  GossipCluster *clusters[N_NODES + 1]; /* the last: an honest joiner */
  char          *ids[N_NODES + 1];
  guint          n;
  guint          honest_bad;
  guint          received[N_NODES + 1];
  gsize          rss_start;
  gsize          rss_max;
  GMutex         rss_lock;
  gint           sampling;
} Fixture;

static gpointer
sampler_thread (gpointer user_data)
{
  Fixture *f = user_data;

  while (g_atomic_int_get (&f->sampling))
    {
      gsize rss = test_rss_bytes ();

      g_mutex_lock (&f->rss_lock);
      f->rss_max = MAX (f->rss_max, rss);
      g_mutex_unlock (&f->rss_lock);
      g_usleep (5000);
    }
  return NULL;
}

static gsize
rss_max_of (Fixture *f)
{
  gsize v;

  g_mutex_lock (&f->rss_lock);
  v = f->rss_max;
  g_mutex_unlock (&f->rss_lock);
  return v;
}

static guint64
stat_of (GossipCluster *cluster,
         const char    *name)
{
  g_autoptr(GossipStats) stats = gossip_cluster_get_stats (cluster);

  return gossip_stats_get (stats, name);
}

static void
state_cb (GossipCluster   *cluster,
          GossipNode      *node,
          GossipNodeState  old_state,
          GossipNodeState  new_state,
          gpointer         user_data)
{
  Fixture *f = user_data;

  for (guint i = 0; i < f->n; i++)
    if (g_strcmp0 (gossip_node_get_id (node), f->ids[i]) == 0 &&
        (new_state == GOSSIP_NODE_STATE_SUSPECT || new_state == GOSSIP_NODE_STATE_DEAD))
      {
        g_test_message ("honest node %s became %s", f->ids[i],
                        new_state == GOSSIP_NODE_STATE_DEAD ? "Dead" : "Suspect");
        f->honest_bad++;
      }
}

static void
honest_handler (GossipCluster *cluster,
                GossipNode    *sender,
                GossipPacket  *packet,
                gpointer       user_data)
{
  Fixture *f = user_data;

  for (guint i = 0; i < f->n; i++)
    if (f->clusters[i] == cluster)
      f->received[i]++;
}

static GossipCluster *
new_node (Fixture  *f,
          guint     max_nodes)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;
  guint i = f->n++;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, 0.2);
  /* Let the forged lists through the decoder: the node list is tested. */
  g_object_set (config, "max-decode-elements", 4 * 1024 * 1024,
                "tcp-max-packet-size", 64 * 1024 * 1024, NULL);
  if (max_nodes != 0)
    g_object_set (config, "max-nodes", max_nodes, NULL);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  f->clusters[i] = cluster;
  f->ids[i] = g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (cluster)));
  g_assert_true (gossip_cluster_handle (cluster, HONEST_TYPE, honest_handler, f, NULL, &error));
  g_assert_no_error (error);
  g_signal_connect (cluster, "node-state-changed", G_CALLBACK (state_cb), f);
  gossip_cluster_start (cluster);
  return cluster;
}

static void
fixture_start (Fixture *f,
               guint    n,
               guint    max_nodes)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  memset (f, 0, sizeof *f);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (all, new_node (f, max_nodes));
  test_clusters_join_first (all);
}

static void
fixture_stop (Fixture *f)
{
  for (guint i = 0; i < f->n; i++)
    {
      gossip_cluster_stop (f->clusters[i]);
      g_clear_object (&f->clusters[i]);
      g_clear_pointer (&f->ids[i], g_free);
    }
}

static GSocketAddress *
address_of (GossipCluster *cluster)
{
  const char *adv = gossip_cluster_get_advertise_address (cluster);
  const char *colon = strrchr (adv, ':');

  return g_inet_socket_address_new_from_string ("127.0.0.1",
                                                (guint) g_ascii_strtoull (colon + 1, NULL, 10));
}

/* A packet of @type from @sender (a forged or invented ID), no cipher. */
static GBytes *
packet (guint16             type,
        const GossipNodeId *sender,
        GVariant           *value)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  GossipWire wire = { .codec = codec };
  GossipEnvelope env = { .type = type, .sender = *sender, .id = gossip_hlc_now (), .ttl = 1 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);
  g_autoptr(GBytes) body = gossip_codec_encode (codec, owned, &error);
  GBytes *raw;

  g_assert_no_error (error);
  raw = gossip_wire_encode (&wire, &env, body, FALSE, &error);
  g_assert_no_error (error);
  return raw;
}

/* ---- TCP requests from a thread with blocking sockets ---- */

typedef struct {
  GBytes         *raw;
  GSocketAddress *to;
  gint            done;
  gsize           reply_len;
} Request;

static gboolean
send_all (GSocket      *sock,
          const guint8 *data,
          gsize         len)
{
  while (len > 0)
    {
      gssize n = g_socket_send (sock, (const char *) data, len, NULL, NULL);

      if (n <= 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static gpointer
request_thread (gpointer user_data)
{
  Request *r = user_data;
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                          G_SOCKET_PROTOCOL_TCP, NULL);
  gsize len;
  const guint8 *data = g_bytes_get_data (r->raw, &len);
  guint32 be = GUINT32_TO_BE ((guint32) len);
  char buf[65536];
  gssize n;

  g_socket_set_timeout (sock, 20);
  if (g_socket_connect (sock, r->to, NULL, NULL) &&
      send_all (sock, (const guint8 *) &be, 4) && send_all (sock, data, len))
    /* The reply (or the close): the request was read and handled. */
    while ((n = g_socket_receive (sock, buf, sizeof buf, NULL, NULL)) > 0)
      {
        r->reply_len += n;
        if (r->reply_len >= 4)
          {
            guint32 want;

            memcpy (&want, buf, 4);
            if (r->reply_len >= 4 + GUINT32_FROM_BE (want))
              break;
          }
      }
  g_socket_close (sock, NULL);
  g_atomic_int_set (&r->done, 1);
  return NULL;
}

static gboolean
request_done (gpointer user_data)
{
  return g_atomic_int_get (&((Request *) user_data)->done);
}

/* Sends @raw as one TCP request to @cluster, runs the main loop until the
 * reply came; returns the reply's length (0: none). */
static gsize
tcp_request (GossipCluster *cluster,
             GBytes        *raw)
{
  g_autoptr(GSocketAddress) to = address_of (cluster);
  Request r = { raw, to, 0, 0 };
  GThread *thread = g_thread_new ("attacker", request_thread, &r);

  g_assert_true (test_wait_for (request_done, &r, 60000));
  g_thread_join (thread);
  return r.reply_len;
}

/* A push/pull request naming @n invented Alive nodes at 127.0.0.3 (nothing
 * listens there), from an invented sender. */
static GBytes *
forged_push_pull (guint n)
{
  GVariantBuilder b;
  GossipNodeId sender;
  guint64 now = gossip_hlc_now ();

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *addr = g_strdup_printf ("127.0.0.3:%u", 1024 + i % 60000);
      GossipNodeStateMsg msg = { .addr = addr, .state = GOSSIP_NODE_STATE_ALIVE, .state_ts = now };

      gossip_node_id_generate (&msg.id);
      g_variant_builder_add_value (&b, gossip_node_state_msg_build (&msg));
    }
  gossip_node_id_generate (&sender);
  return packet (GOSSIP_MSG_PUSH_PULL, &sender, g_variant_builder_end (&b));
}

/* CPU used by the process over @ms of running the main loop, in percent
 * of one core. */
static double
cpu_percent_over (guint ms)
{
  struct rusage a, b;
  gint64 t0, t1;
  double used;

  getrusage (RUSAGE_SELF, &a);
  t0 = g_get_monotonic_time ();
  test_run_for (ms);
  getrusage (RUSAGE_SELF, &b);
  t1 = g_get_monotonic_time ();
  used = (b.ru_utime.tv_sec - a.ru_utime.tv_sec + b.ru_stime.tv_sec - a.ru_stime.tv_sec) * 1e6 +
         (b.ru_utime.tv_usec - a.ru_utime.tv_usec + b.ru_stime.tv_usec - a.ru_stime.tv_usec);
  return 100.0 * used / (double) (t1 - t0);
}

typedef struct {
  Fixture *f;
  guint    want[N_NODES + 1];
  guint    skip;
} DeliveryWait;

static gboolean
all_delivered (gpointer user_data)
{
  DeliveryWait *w = user_data;

  for (guint i = 0; i < w->f->n; i++)
    if (i != w->skip && w->f->received[i] < w->want[i])
      return FALSE;
  return TRUE;
}

/* Whether @k broadcasts from node @from reach every other honest node. */
static gboolean
broadcasts_reach_all (Fixture *f,
                      guint    from,
                      guint    k)
{
  gboolean ok;
  guint got = 0;

  DeliveryWait w = { f, { 0 }, from };

  for (guint i = 0; i < f->n; i++)
    w.want[i] = f->received[i] + k;
  for (guint j = 0; j < k; j++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (gossip_cluster_send (f->clusters[from], HONEST_TYPE, g_variant_new_uint32 (j), &error));
      g_assert_no_error (error);
    }
  ok = test_wait_for (all_delivered, &w, WAIT_MS);
  for (guint i = 0; i < f->n; i++)
    if (i != from)
      got += MIN (k, f->received[i] + k - w.want[i]);
  g_test_message ("%u broadcasts from node %u: %u of %u deliveries", k, from, got, k * (f->n - 1));
  return ok;
}

typedef struct {
  GossipCluster *cluster;
  guint          n;
} CountWait;

static gboolean
n_nodes_at_most (gpointer user_data)
{
  CountWait *w = user_data;
  return gossip_cluster_get_n_nodes (w->cluster) <= w->n;
}

static gboolean
all_know_all (gpointer user_data)
{
  Fixture *f = user_data;

  for (guint i = 0; i < f->n; i++)
    for (guint j = 0; j < f->n; j++)
      {
        GossipNode *node = gossip_cluster_get_node (f->clusters[i], f->ids[j]);

        if (node == NULL || gossip_node_get_state (node) != GOSSIP_NODE_STATE_ALIVE)
          return FALSE;
      }
  return TRUE;
}

/* Item 9: two forged push/pull requests of 65,536 invented nodes each. */
static void
test_forged_push_pull (void)
{
  Fixture f;
  GThread *sampler;
  g_autoptr(GBytes) first = forged_push_pull (N_FORGED);
  g_autoptr(GBytes) second = forged_push_pull (N_FORGED);
  double idle_before, idle_after;
  guint peak = 0;
  gsize rss_after;
  CountWait back;
  gint64 t0;

  fixture_start (&f, N_NODES, 0);
  g_assert_true (test_wait_for (all_know_all, &f, WAIT_MS));
  idle_before = cpu_percent_over (2000);

  f.rss_start = test_rss_bytes ();
  f.rss_max = f.rss_start;
  g_mutex_init (&f.rss_lock);
  f.sampling = 1;
  sampler = g_thread_new ("rss", sampler_thread, &f);

  g_test_message ("forged push/pull: %" G_GSIZE_FORMAT " bytes each", g_bytes_get_size (first));
  g_assert_cmpuint (tcp_request (f.clusters[0], first), >, 0);
  peak = MAX (peak, gossip_cluster_get_n_nodes (f.clusters[0]));
  g_assert_cmpuint (tcp_request (f.clusters[0], second), >, 0);
  peak = MAX (peak, gossip_cluster_get_n_nodes (f.clusters[0]));

  /* Bounded: at most 16 strangers per request, and unconfirmed. */
  g_test_message ("nodes known by the attacked node: %u (drop-node-limit %" G_GUINT64_FORMAT ")",
                  peak, stat_of (f.clusters[0], "drop-node-limit"));
  g_assert_cmpuint (peak, <=, N_NODES + 2 * 16);
  g_assert_cmpuint (stat_of (f.clusters[0], "drop-node-limit"), >=, 2 * (N_FORGED - 16));

  /* Broadcasts from the attacked node and to it still reach every honest
   * peer, and an honest node can join it meanwhile. */
  g_assert_true (broadcasts_reach_all (&f, 0, 10));
  g_assert_true (broadcasts_reach_all (&f, 1, 10));
  {
    const char *seed[2] = { gossip_cluster_get_advertise_address (f.clusters[0]), NULL };
    GossipCluster *joiner = new_node (&f, 0);
    g_autoptr(GError) error = NULL;

    g_assert_cmpuint (test_cluster_join (joiner, seed, NULL, &error), ==, 1);
    g_assert_no_error (error);
    g_assert_true (test_wait_for (all_know_all, &f, WAIT_MS));
    g_assert_true (broadcasts_reach_all (&f, f.n - 1, 5));
  }

  /* The strangers never answer: forgotten. */
  t0 = g_get_monotonic_time ();
  back.cluster = f.clusters[0];
  back.n = f.n;
  g_assert_true (test_wait_for (n_nodes_at_most, &back, 15000));
  g_test_message ("invented nodes forgotten %.1f s after the attack",
                  (g_get_monotonic_time () - t0) / 1e6);

  /* The sampler stopped first: its own reads are CPU of this process. */
  g_atomic_int_set (&f.sampling, 0);
  g_thread_join (sampler);
  rss_after = test_rss_bytes ();
  idle_after = cpu_percent_over (2000);
  g_test_message ("RSS %.1f MB at start, max +%.1f MB, +%.1f MB after; idle CPU %.1f%% before, %.1f%% after",
                  f.rss_start / 1048576.0, ((double) rss_max_of (&f) - (double) f.rss_start) / 1048576.0,
                  ((double) rss_after - (double) f.rss_start) / 1048576.0, idle_before, idle_after);
  g_assert_cmpuint (rss_max_of (&f) - f.rss_start, <, RSS_BOUND);
  g_assert_cmpint ((gssize) rss_after - (gssize) f.rss_start, <, RSS_BOUND / 2);
  /* Idle again: within a few points of the quiet cluster's own load. */
  g_assert_cmpfloat (idle_after, <, idle_before * 2 + 5.0);
  g_assert_cmpuint (f.honest_bad, ==, 0);
  g_mutex_clear (&f.rss_lock);
  fixture_stop (&f);
}

/* Item 9: beyond max-nodes nothing is learned, whatever the source. */
static void
test_max_nodes (void)
{
  Fixture f;
  guint64 drops_before;

  fixture_start (&f, 3, 12);
  drops_before = stat_of (f.clusters[0], "drop-node-limit");
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(GBytes) raw = forged_push_pull (100);

      g_assert_cmpuint (tcp_request (f.clusters[0], raw), >, 0);
      g_assert_cmpuint (gossip_cluster_get_n_nodes (f.clusters[0]), <=, 12);
    }
  g_test_message ("max-nodes 12: %u nodes, drop-node-limit +%" G_GUINT64_FORMAT,
                  gossip_cluster_get_n_nodes (f.clusters[0]),
                  stat_of (f.clusters[0], "drop-node-limit") - drops_before);
  g_assert_cmpuint (gossip_cluster_get_n_nodes (f.clusters[0]), ==, 12);
  g_assert_cmpuint (stat_of (f.clusters[0], "drop-node-limit") - drops_before, >=, 4 * 100 - 9);
  /* The members still talk to each other. */
  g_assert_true (broadcasts_reach_all (&f, 0, 5));
  g_assert_cmpuint (f.honest_bad, ==, 0);
  fixture_stop (&f);
}

/* ---- item 10: pings naming a third address ---- */

static GSocket *
udp_listener (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (sock, any, TRUE, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (sock, FALSE);
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return sock;
}

/* Counts the datagrams waiting on @sock; with @want_seq, returns in
 * *@acks how many are acks (mt 2) of that sequence number. */
static guint
drain (GSocket *sock,
       guint32  want_seq,
       guint   *acks)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  GossipWire wire = { .codec = codec, .max_payload_size = 65536, .max_datagram_payload_size = 65536 };
  guint n = 0;
  char buf[65536];
  gssize len;

  while ((len = g_socket_receive (sock, buf, sizeof buf, NULL, NULL)) > 0)
    {
      GossipWireMessage msg = { 0 };
      GossipDropReason reason;

      n++;
      if (acks != NULL && gossip_wire_decode (&wire, (const guint8 *) buf, len, &msg, &reason, NULL) &&
          msg.envelope.type == GOSSIP_MSG_PING_ACK)
        {
          g_autoptr(GVariant) v = gossip_codec_decode (codec, msg.payload, NULL);
          GossipPingMsg ping;

          if (v != NULL && gossip_ping_msg_parse (v, &ping))
            {
              if (ping.seq == want_seq)
                (*acks)++;
              gossip_ping_msg_clear (&ping);
            }
        }
      gossip_wire_message_clear (&msg);
    }
  return n;
}

typedef struct {
  GSocket *sock;
  guint32  seq;
  guint    acks;
} AckWait;

static gboolean
ack_arrived (gpointer user_data)
{
  AckWait *w = user_data;

  drain (w->sock, w->seq, &w->acks);
  return w->acks > 0;
}

static void
send_to (GSocket       *sock,
         GossipCluster *cluster,
         GBytes        *raw)
{
  g_autoptr(GSocketAddress) to = address_of (cluster);
  gsize len;
  const char *data = g_bytes_get_data (raw, &len);

  g_assert_cmpint (g_socket_send_to (sock, to, data, len, NULL, NULL), ==, (gssize) len);
}

static void
test_ping_reflector (void)
{
  Fixture f;
  guint16 third_port, known_port;
  g_autoptr(GSocket) third = udp_listener (&third_port);
  g_autoptr(GSocket) known = udp_listener (&known_port);
  g_autofree char *third_addr = NULL;
  g_autofree char *known_addr = NULL;
  GossipNodeId stranger, member, invented, target0, target2;
  guint64 unknown_before;
  AckWait w;

  fixture_start (&f, 3, 0);
  third_addr = g_strdup_printf ("127.0.0.1:%u", third_port);
  known_addr = g_strdup_printf ("127.0.0.1:%u", known_port);
  gossip_node_id_generate (&stranger);
  gossip_node_id_generate (&member);
  gossip_node_id_generate (&invented);
  g_assert_true (gossip_node_id_parse (f.ids[0], &target0));
  g_assert_true (gossip_node_id_parse (f.ids[2], &target2));

  /* A member of our own at the `known` socket: it joins node 0 (TCP). */
  {
    GossipJoinMsg join = { .id = member, .addr = known_addr, .protocol_version = GOSSIP_PROTOCOL_VERSION,
                           .app_version = (char *) "" };
    g_autoptr(GBytes) raw = packet (GOSSIP_MSG_JOIN, &member, gossip_join_msg_build (&join, FALSE));
    g_autofree char *member_id = gossip_node_id_to_string (&member);

    g_assert_cmpuint (tcp_request (f.clusters[0], raw), >, 0);
    g_assert_nonnull (gossip_cluster_get_node (f.clusters[0], member_id));
  }
  g_assert_true (test_wait_for (all_know_all, &f, WAIT_MS));
  unknown_before = stat_of (f.clusters[0], "drop-unknown-sender");

  /* The member's ping, naming the third address: answered where the member
   * is known, nothing to the third address. */
  {
    GossipPingMsg ping = { .target = target0, .seq = 4242, .addr = third_addr };
    g_autoptr(GBytes) raw = packet (GOSSIP_MSG_PING, &member, gossip_ping_msg_build (&ping, FALSE));

    w = (AckWait) { known, 4242, 0 };
    send_to (known, f.clusters[0], raw);
    g_assert_true (test_wait_for (ack_arrived, &w, WAIT_MS));
  }

  /* Strangers' pings and indirect pings, and a member's indirect pings
   * towards a stranger or naming the third address for a member. */
  {
    GossipPingMsg ping = { .target = target0, .seq = 7, .addr = third_addr };
    GossipPingMsg to_stranger = { .target = invented, .seq = 8, .addr = third_addr };
    GossipPingMsg to_member = { .target = target2, .seq = 9, .addr = third_addr };
    g_autoptr(GBytes) a = packet (GOSSIP_MSG_PING, &stranger, gossip_ping_msg_build (&ping, FALSE));
    g_autoptr(GBytes) b = packet (GOSSIP_MSG_INDIRECT_PING, &stranger, gossip_ping_msg_build (&to_stranger, TRUE));
    g_autoptr(GBytes) c = packet (GOSSIP_MSG_INDIRECT_PING, &member, gossip_ping_msg_build (&to_stranger, TRUE));
    g_autoptr(GBytes) d = packet (GOSSIP_MSG_INDIRECT_PING, &member, gossip_ping_msg_build (&to_member, TRUE));
    g_autoptr(GSocket) attacker = NULL;
    guint16 attacker_port;
    guint at_third;

    attacker = udp_listener (&attacker_port);
    for (guint i = 0; i < 3; i++)
      {
        send_to (attacker, f.clusters[0], a);
        send_to (attacker, f.clusters[0], b);
        send_to (attacker, f.clusters[0], c);
        send_to (attacker, f.clusters[0], d);
      }
    /* The stranger's ping is answered where it came from. */
    w = (AckWait) { attacker, 7, 0 };
    g_assert_true (test_wait_for (ack_arrived, &w, WAIT_MS));
    /* Nothing to wait for: the others must not come. Longer than a ping
     * timeout (the indirect probe of node 2 ends within it). */
    test_run_for (1000);
    at_third = drain (third, 0, NULL);
    g_test_message ("datagrams at the third address: %u; drop-unknown-sender +%" G_GUINT64_FORMAT,
                    at_third, stat_of (f.clusters[0], "drop-unknown-sender") - unknown_before);
    g_assert_cmpuint (at_third, ==, 0);
    /* The stranger's indirect ping, the member's towards a stranger (the
     * repeats are duplicates). */
    g_assert_cmpuint (stat_of (f.clusters[0], "drop-unknown-sender") - unknown_before, >=, 2);
  }

  /* Honest pings: the cluster still probes itself successfully. */
  {
    guint64 probes = stat_of (f.clusters[1], "probes");

    test_run_for (1000);
    g_assert_cmpuint (stat_of (f.clusters[1], "probes"), >, probes);
  }
  for (guint i = 0; i < f.n; i++)
    for (guint j = 0; j < f.n; j++)
      g_assert_cmpint (gossip_node_get_state (gossip_cluster_get_node (f.clusters[i], f.ids[j])), ==,
                       GOSSIP_NODE_STATE_ALIVE);
  g_assert_cmpuint (f.honest_bad, ==, 0);
  fixture_stop (&f);
}

/* Random choice is O(k): 20,000 draws of 3 from 100,000 nodes (the old
 * reservoir sampler walked all of them each time: 2e9 steps) are distinct,
 * honour the state mask, exclusions and confirmation, and cover a small
 * list evenly. */
static void
test_sampling (void)
{
  g_autoptr(GossipNodeList) list = gossip_node_list_new ();
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func (g_object_unref);
  GossipNodeId exclude[2];
  guint hits[20] = { 0 };
  gint64 t0;
  double per_draw_us;

  for (guint i = 0; i < 100000; i++)
    {
      GossipNodeId id;
      g_autofree char *addr = g_strdup_printf ("127.0.0.3:%u", 1024 + i % 60000);
      GossipNode *node;

      gossip_node_id_generate (&id);
      node = gossip_node_new (&id, addr, FALSE, NULL);
      /* Every tenth Dead, every hundredth unconfirmed. */
      gossip_node_set_state_internal (node, i % 10 == 9 ? GOSSIP_NODE_STATE_DEAD : GOSSIP_NODE_STATE_ALIVE, 1);
      gossip_node_list_add_full (list, node, i % 100 != 50);
      g_ptr_array_add (nodes, node);
    }
  exclude[0] = *gossip_node_get_node_id (nodes->pdata[0]);
  exclude[1] = *gossip_node_get_node_id (nodes->pdata[1]);
  /* A state change moves a node between the arrays. */
  gossip_node_list_set_state (list, nodes->pdata[2], GOSSIP_NODE_STATE_DEAD, 2);

  t0 = g_get_monotonic_time ();
  for (guint d = 0; d < 20000; d++)
    {
      g_autoptr(GPtrArray) got = gossip_node_list_random (list, 3, GOSSIP_STATES_LIVE, exclude, 2);

      g_assert_cmpuint (got->len, ==, 3);
      for (guint i = 0; i < got->len; i++)
        {
          GossipNode *node = got->pdata[i];

          g_assert_cmpint (gossip_node_get_state (node), ==, GOSSIP_NODE_STATE_ALIVE);
          g_assert_true (gossip_node_list_is_confirmed (list, node));
          g_assert_true (node != nodes->pdata[0] && node != nodes->pdata[1] && node != nodes->pdata[2]);
          for (guint j = 0; j < i; j++)
            g_assert_true (got->pdata[j] != node);
        }
    }
  per_draw_us = (g_get_monotonic_time () - t0) / 20000.0;
  g_test_message ("a draw of 3 from 100,000 nodes: %.2f us", per_draw_us);
  g_assert_cmpfloat (per_draw_us, <, 200.0);

  /* Removal (swap-remove) and confirmation keep the arrays right. */
  for (guint i = 0; i < 100000 - 20; i++)
    gossip_node_list_remove (list, nodes->pdata[i + 20]);
  gossip_node_list_confirm (list, nodes->pdata[0]);
  g_assert_cmpuint (gossip_node_list_size (list), ==, 20);
  for (guint d = 0; d < 4000; d++)
    {
      g_autoptr(GPtrArray) got = gossip_node_list_random (list, 2, GOSSIP_STATES_LIVE, NULL, 0);

      for (guint i = 0; i < got->len; i++)
        {
          guint idx;

          g_assert_true (g_ptr_array_find (nodes, got->pdata[i], &idx));
          g_assert_cmpuint (idx, <, 20);
          hits[idx]++;
        }
    }
  /* 17 live ones (2 and 9, 19 are Dead), each drawn about 470 times. */
  for (guint i = 0; i < 20; i++)
    {
      if (i == 2 || i % 10 == 9)
        g_assert_cmpuint (hits[i], ==, 0);
      else
        g_assert_cmpuint (hits[i], >, 300);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/robustness/nodes/forged-push-pull", test_forged_push_pull);
  g_test_add_func ("/robustness/nodes/max-nodes", test_max_nodes);
  g_test_add_func ("/robustness/nodes/ping-reflector", test_ping_reflector);
  g_test_add_func ("/robustness/nodes/sampling", test_sampling);

  return g_test_run ();
}
