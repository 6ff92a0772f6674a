/* test-hostile-membership.c: forged membership messages against a live
 * cluster (issue 10, items 6-8).
 *
 * Four honest nodes on 127.0.0.1; the attacker crafts leaving, metadata,
 * alive, push/pull and join messages with the cluster's codec and sends
 * them as raw datagrams or TCP requests, from other loopback addresses
 * (127.0.0.2...) where the source matters. Each test asserts the counted
 * drops, that the honest nodes stay converged with no Suspect or Dead among
 * them, that honest joins and broadcasts still work, and that RSS stays
 * within +50 MB.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "test-utils.h"
#include "gossip-hlc-private.h"
#include "gossip-messages-private.h"
#include "gossip-node-id-private.h"
#include "gossip-wire-private.h"

#define N_HONEST 4
#define SCALE 0.2
#define WAIT_MS 10000
#define USER_TYPE 140
#define HLC_MS(ms) ((guint64) (ms) * 1000 << 10)

#ifdef UNDER_ASAN
#define RSS_BOUND (400 * 1024 * 1024)
#else
#define RSS_BOUND (50 * 1024 * 1024)
#endif

/* ---- helpers ---- */

static GSocketAddress *
address_of (GossipCluster *cluster)
{
  const char *adv = gossip_cluster_get_advertise_address (cluster);
  const char *colon = strrchr (adv, ':');

  return g_inet_socket_address_new_from_string ("127.0.0.1",
                                                (guint) g_ascii_strtoull (colon + 1, NULL, 10));
}

/* A packet from @sender (forged) with message ID @id around @value. */
static GBytes *
forge (guint16             type,
       const GossipNodeId *sender,
       guint64             id,
       GVariant           *value)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  GossipWire wire = { .codec = codec };
  GossipEnvelope env = { .type = type, .sender = *sender, .id = id, .ttl = 3 };
  g_autoptr(GError) error = NULL;
  GBytes *raw = gossip_wire_encode_value (&wire, &env, value, &error);

  g_assert_no_error (error);
  return raw;
}

static void
send_udp (GossipCluster *to,
          GBytes        *raw)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                          G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocketAddress) addr = address_of (to);

  g_assert_no_error (error);
  g_assert_cmpint (g_socket_send_to (sock, addr, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                                     NULL, &error), >, 0);
}

/* One TCP request (4-byte length prefix) from 127.0.0.@host, blocking;
 * the reply, if any, is read and dropped. */
static void
send_tcp (guint           host,
          GSocketAddress *to,
          GBytes         *raw)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ip = g_strdup_printf ("127.0.0.%u", host);
  g_autoptr(GSocketAddress) from = g_inet_socket_address_new_from_string (ip, 0);
  g_autoptr(GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                       G_SOCKET_PROTOCOL_TCP, &error);
  guint32 be = GUINT32_TO_BE ((guint32) g_bytes_get_size (raw));
  char buf[4096];

  g_assert_no_error (error);
  g_socket_set_timeout (s, 2);
  if (!g_socket_bind (s, from, FALSE, &error) || !g_socket_connect (s, to, NULL, &error))
    return;
  if (g_socket_send (s, (const char *) &be, 4, NULL, NULL) == 4 &&
      g_socket_send (s, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw), NULL, NULL) > 0)
    g_socket_receive (s, buf, sizeof buf, NULL, NULL);
  g_socket_close (s, NULL);
}

static gboolean
counter_reached (GossipCluster *c,
                 const char    *name,
                 guint64        want)
{
  gint64 t0 = g_get_monotonic_time ();

  while (test_stat (c, name) < want && g_get_monotonic_time () - t0 < WAIT_MS * 1000)
    g_main_context_iteration (NULL, FALSE);
  return test_stat (c, name) >= want;
}

/* ---- the honest cluster ---- */

typedef struct {
  GossipCluster *clusters[N_HONEST + 1];
  char          *ids[N_HONEST + 1];
  guint          n;
  guint          bad;          /* honest nodes seen Suspect or Dead */
  guint          delivered;    /* user messages received */
  gsize          rss_start;
} Honest;

static gboolean
is_honest (Honest     *h,
           const char *id)
{
  for (guint i = 0; i < h->n; i++)
    if (g_str_equal (h->ids[i], id))
      return TRUE;
  return FALSE;
}

static void
on_state_changed (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  Honest *h = user_data;

  if ((new_state == GOSSIP_NODE_STATE_SUSPECT || new_state == GOSSIP_NODE_STATE_DEAD) &&
      is_honest (h, gossip_node_get_id (node)))
    {
      g_test_message ("honest node %s went %s", gossip_node_get_id (node),
                      gossip_node_state_to_string (new_state));
      h->bad++;
    }
}

static void
on_user (GossipCluster *cluster,
         GossipNode    *sender,
         GossipPacket  *packet,
         gpointer       user_data)
{
  Honest *h = user_data;
  h->delivered++;
}

static GossipCluster *
honest_add (Honest       *h,
            GossipConfig *config)
{
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster = gossip_cluster_new (config, NULL, &error);

  g_assert_no_error (error);
  g_signal_connect (cluster, "node-state-changed", G_CALLBACK (on_state_changed), h);
  g_assert_true (gossip_cluster_handle (cluster, USER_TYPE, on_user, h, NULL, &error));
  gossip_cluster_start (cluster);
  h->clusters[h->n] = cluster;
  h->ids[h->n] = g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (cluster)));
  h->n++;
  return cluster;
}

static GossipConfig *
make_config (void)
{
  GossipConfig *c = gossip_config_new ();

  gossip_config_set_bind_address (c, "127.0.0.1:0");
  gossip_config_scale_intervals (c, SCALE);
  return c;
}

static void
honest_join (GossipCluster *cluster,
             GossipCluster *seed)
{
  g_autoptr(GError) error = NULL;
  const char *seeds[2] = { gossip_cluster_get_advertise_address (seed), NULL };

  g_assert_cmpuint (test_cluster_join (cluster, seeds, NULL, &error), ==, 1);
  g_assert_no_error (error);
}

static gboolean
converged (gpointer user_data)
{
  Honest *h = user_data;

  for (guint i = 0; i < h->n; i++)
    for (guint j = 0; j < h->n; j++)
      {
        GossipNode *node = gossip_cluster_get_node (h->clusters[i], h->ids[j]);

        if (node == NULL || gossip_node_get_state (node) != GOSSIP_NODE_STATE_ALIVE)
          return FALSE;
      }
  return TRUE;
}

static void
honest_setup (Honest *h)
{
  memset (h, 0, sizeof *h);
  for (guint i = 0; i < N_HONEST; i++)
    {
      g_autoptr(GossipConfig) c = make_config ();
      honest_add (h, c);
    }
  for (guint i = 1; i < N_HONEST; i++)
    honest_join (h->clusters[i], h->clusters[0]);
  g_assert_true (test_wait_for (converged, h, WAIT_MS));
  h->rss_start = test_rss_bytes ();
}

typedef struct {
  Honest *h;
  guint   want;
} DeliveryWait;

static gboolean
delivered (gpointer user_data)
{
  DeliveryWait *w = user_data;
  return w->h->delivered >= w->want;
}

/* A broadcast from node 1 reaches every other honest node; then a new
 * honest node joins node 0; all converge without a Suspect or Dead. */
static void
honest_checks (Honest *h,
               guint   joiner_seed)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipConfig) c = make_config ();
  DeliveryWait w = { h, h->delivered + h->n - 1 };
  gsize rss = test_rss_bytes ();

  g_assert_true (gossip_cluster_send (h->clusters[1], USER_TYPE, g_variant_new_string ("hi"), &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (delivered, &w, WAIT_MS));
  if (h->n <= N_HONEST)
    honest_join (honest_add (h, c), h->clusters[joiner_seed]);
  g_assert_true (test_wait_for (converged, h, WAIT_MS));
  g_assert_cmpuint (h->bad, ==, 0);
  g_test_message ("RSS %+.1f MB", ((double) rss - (double) h->rss_start) / 1048576.0);
  g_assert_cmpint ((gint64) rss - (gint64) h->rss_start, <, RSS_BOUND);
}

static void
honest_clear (Honest *h)
{
  for (guint i = 0; i < h->n; i++)
    {
      g_signal_handlers_disconnect_by_data (h->clusters[i], h);
      gossip_cluster_stop (h->clusters[i]);
    }
  for (guint i = 0; i < h->n; i++)
    {
      g_object_unref (h->clusters[i]);
      g_free (h->ids[i]);
    }
}

static guint64
sum_stat (Honest     *h,
          const char *name)
{
  guint64 sum = 0;

  for (guint i = 0; i < h->n; i++)
    sum += test_stat (h->clusters[i], name);
  return sum;
}

/* ---- 6: a leave forged in a live node's name ---- */

static GBytes *
forged_leave (const char *victim,
              guint64     id)
{
  GossipNodeMsg msg = { 0 };

  g_assert_true (gossip_node_id_parse (victim, &msg.node));
  return forge (GOSSIP_MSG_LEAVING, &msg.node, id, gossip_node_msg_build (&msg, FALSE));
}

typedef struct {
  Honest          *h;
  const char      *id;
  GossipNodeState  state;
  guint            at_least;   /* how many nodes must see it */
} StateWait;

static gboolean
seen_in_state (gpointer user_data)
{
  StateWait *w = user_data;
  guint n = 0;

  for (guint i = 0; i < w->h->n; i++)
    {
      GossipNode *node = gossip_cluster_get_node (w->h->clusters[i], w->id);

      if (node != NULL && gossip_node_get_state (node) == w->state)
        n++;
    }
  return n >= w->at_least;
}

static void
test_forged_leave (void)
{
  Honest h;
  const char *victim;
  g_autoptr(GBytes) far = NULL;
  guint64 skew0;
  gint64 t0;
  StateWait leaving = { &h, NULL, GOSSIP_NODE_STATE_LEAVING, 1 };

  honest_setup (&h);
  victim = h.ids[3];
  leaving.id = victim;

  /* A far-future message ID (4 h ahead): dropped and counted, not
   * forwarded; the victim stays Alive everywhere. */
  skew0 = test_stat (h.clusters[0], "drop-clock-skew");
  far = forged_leave (victim, gossip_hlc_now () + HLC_MS (4 * 3600 * 1000));
  send_udp (h.clusters[0], far);
  g_assert_true (counter_reached (h.clusters[0], "drop-clock-skew", skew0 + 1));
  g_assert_cmpuint (test_stat (h.clusters[0], "drop-clock-skew"), ==, skew0 + 1);
  g_assert_true (converged (&h));

  /* A leave forged within the skew (10 s ahead) is taken, as a leave
   * can't be told from a real one; the victim learns it is held Leaving
   * at its next push/pull and refutes with a newer alive claim. */
  {
    g_autoptr(GBytes) near = forged_leave (victim, gossip_hlc_now () + HLC_MS (10000));
    guint64 refutations = test_stat (h.clusters[3], "refutations");

    t0 = g_get_monotonic_time ();
    send_udp (h.clusters[0], near);
    g_assert_true (test_wait_for (seen_in_state, &leaving, WAIT_MS));
    g_test_message ("forged leave (10 s ahead): Leaving at %.3f s", (g_get_monotonic_time () - t0) / 1e6);
    g_assert_true (test_wait_for (converged, &h, WAIT_MS));
    g_test_message ("forged leave (10 s ahead): victim Alive everywhere again after %.3f s",
                    (g_get_monotonic_time () - t0) / 1e6);
    g_assert_cmpuint (test_stat (h.clusters[3], "refutations"), >, refutations);
  }

  /* Forged again, and the victim rejoins node 0 at once: the join is
   * answered (it used to be dropped without a reply) and it is back. */
  {
    g_autoptr(GBytes) near = forged_leave (victim, gossip_hlc_now () + HLC_MS (10000));

    t0 = g_get_monotonic_time ();
    send_udp (h.clusters[0], near);
    g_assert_true (test_wait_for (seen_in_state, &leaving, WAIT_MS));
    honest_join (h.clusters[3], h.clusters[0]);
    g_assert_true (test_wait_for (converged, &h, WAIT_MS));
    g_test_message ("forged leave then rejoin: victim Alive everywhere after %.3f s",
                    (g_get_monotonic_time () - t0) / 1e6);
  }

  honest_checks (&h, 0);
  honest_clear (&h);
}

/* ---- 7: metadata with a far-future timestamp ---- */

typedef struct {
  GossipCluster *at;
  const char    *of;
  const char    *want;
} MetaWait;

static gboolean
metadata_is (gpointer user_data)
{
  MetaWait *w = user_data;
  GossipNode *node = gossip_cluster_get_node (w->at, w->of);
  g_autofree char *v = node != NULL ? gossip_metadata_get_string (gossip_node_get_metadata (node), "k") : NULL;

  return g_strcmp0 (v, w->want) == 0;
}

static void
test_future_metadata (void)
{
  Honest h;
  GossipNodeId owner;
  guint64 skew0, future;
  g_autoptr(GSocketAddress) tcp0 = NULL;
  MetaWait real = { NULL, NULL, "real" };

  honest_setup (&h);
  g_assert_true (gossip_node_id_parse (h.ids[2], &owner));
  future = gossip_hlc_now () + HLC_MS ((gint64) 365 * 24 * 3600 * 1000);
  skew0 = test_stat (h.clusters[0], "drop-clock-skew");

  /* A metadata update in node 2's name, a year ahead, by UDP. */
  {
    GVariantDict d;
    GossipMetadataMsg msg = { .metadata_ts = future };
    g_autoptr(GBytes) raw = NULL;

    g_variant_dict_init (&d, NULL);
    g_variant_dict_insert (&d, "k", "s", "forged");
    msg.metadata = g_variant_ref_sink (g_variant_dict_end (&d));
    raw = forge (GOSSIP_MSG_METADATA, &owner, gossip_hlc_now (), gossip_metadata_msg_build (&msg));
    g_variant_unref (msg.metadata);
    send_udp (h.clusters[0], raw);
  }
  /* The same in a push/pull entry, over TCP. */
  {
    GVariantDict d;
    GossipNodeStateMsg entry = {
      .id = owner, .addr = (char *) gossip_cluster_get_advertise_address (h.clusters[2]),
      .state = GOSSIP_NODE_STATE_ALIVE, .state_ts = gossip_hlc_now (), .metadata_ts = future,
    };
    GVariantBuilder b;
    GossipNodeId stranger;
    g_autoptr(GBytes) raw = NULL;

    g_variant_dict_init (&d, NULL);
    g_variant_dict_insert (&d, "k", "s", "forged");
    entry.metadata = g_variant_ref_sink (g_variant_dict_end (&d));
    g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
    g_variant_builder_add_value (&b, gossip_node_state_msg_build (&entry));
    g_variant_unref (entry.metadata);
    gossip_node_id_generate (&stranger);
    raw = forge (GOSSIP_MSG_PUSH_PULL, &stranger, gossip_hlc_now (), g_variant_builder_end (&b));
    tcp0 = address_of (h.clusters[0]);
    send_tcp (2, tcp0, raw);
  }
  g_assert_true (counter_reached (h.clusters[0], "drop-clock-skew", skew0 + 2));
  g_test_message ("far-future metadata: %" G_GUINT64_FORMAT " counted drops",
                  test_stat (h.clusters[0], "drop-clock-skew") - skew0);

  /* Not applied, and node 2's own next update wins everywhere. */
  {
    MetaWait forged = { h.clusters[0], h.ids[2], "forged" };
    g_assert_false (metadata_is (&forged));
  }
  gossip_metadata_set_string (gossip_cluster_get_local_metadata (h.clusters[2]), "k", "real");
  real.of = h.ids[2];
  for (guint i = 0; i < h.n; i++)
    if (i != 2)
      {
        real.at = h.clusters[i];
        g_assert_true (test_wait_for (metadata_is, &real, WAIT_MS));
      }

  honest_checks (&h, 0);
  honest_clear (&h);
}

/* ---- 8: join floods, both ways ---- */

typedef struct {
  GSocketAddress *to;
  guint           n;
  guint           sources;   /* from 127.0.0.2 .. 127.0.0.(sources+1) */
  gint            done;
} JoinFlood;

static gpointer
join_flood_thread (gpointer user_data)
{
  JoinFlood *f = user_data;

  for (guint i = 0; i < f->n; i++)
    {
      GossipJoinMsg msg = { .protocol_version = GOSSIP_PROTOCOL_VERSION, .app_version = (char *) "" };
      g_autofree char *addr = g_strdup_printf ("127.0.0.1:%u", 1 + i % 1000);
      g_autoptr(GBytes) raw = NULL;

      gossip_node_id_generate (&msg.id);
      msg.addr = addr;
      msg.metadata = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
      raw = forge (GOSSIP_MSG_JOIN, &msg.id, gossip_hlc_now (), gossip_join_msg_build (&msg, FALSE));
      g_variant_unref (msg.metadata);
      send_tcp (2 + i % f->sources, f->to, raw);
    }
  g_atomic_int_set (&f->done, 1);
  return NULL;
}

static gboolean
flood_done (gpointer user_data)
{
  JoinFlood *f = user_data;
  return g_atomic_int_get (&f->done);
}

static void
run_join_flood (guint sources)
{
  Honest h;
  JoinFlood f = { NULL, 2000, sources, 0 };
  g_autoptr(GThread) thread = NULL;
  guint64 out0, drops0, nodes0;
  gint64 t0;
  double secs;
  guint64 accepted, out;

  honest_setup (&h);
  f.to = address_of (h.clusters[0]);
  out0 = sum_stat (&h, "udp-datagrams-out") + sum_stat (&h, "tcp-requests-out");
  drops0 = test_stat (h.clusters[0], "drop-join-rate");
  nodes0 = gossip_cluster_get_n_nodes (h.clusters[0]);

  t0 = g_get_monotonic_time ();
  thread = g_thread_new ("join-flood", join_flood_thread, &f);
  /* During the flood: a broadcast and an honest join (to node 1, which is
   * not flooded; node 0's budget is the attacker's). */
  honest_checks (&h, 1);
  g_assert_true (test_wait_for (flood_done, &f, 120000));
  g_thread_join (g_steal_pointer (&thread));
  secs = (g_get_monotonic_time () - t0) / 1e6;

  accepted = f.n - (test_stat (h.clusters[0], "drop-join-rate") - drops0);
  out = sum_stat (&h, "udp-datagrams-out") + sum_stat (&h, "tcp-requests-out") - out0;
  g_test_message ("%u forged joins from %u source(s) in %.1f s: %" G_GUINT64_FORMAT
                  " not refused, %" G_GUINT64_FORMAT " refused, %" G_GUINT64_FORMAT
                  " nodes added, %" G_GUINT64_FORMAT " datagrams+requests out (%.0f per 1000 joins)",
                  f.n, sources, secs, accepted, f.n - accepted,
                  (guint64) gossip_cluster_get_n_nodes (h.clusters[0]) - nodes0, out, out * 1000.0 / f.n);
  /* The per-source bucket (64/s) and then the global one (128/s), each
   * full at the start. */
  g_assert_cmpuint (test_stat (h.clusters[0], "drop-join-rate"), >, drops0);
  g_assert_cmpfloat ((double) (gossip_cluster_get_n_nodes (h.clusters[0]) - nodes0 - 1), <=,
                    MIN (64.0 * sources, 128.0) * (secs + 1.2) + 2.0);

  g_assert_true (test_wait_for (converged, &h, WAIT_MS));
  g_assert_cmpuint (h.bad, ==, 0);
  g_assert_cmpint ((gint64) test_rss_bytes () - (gint64) h.rss_start, <, RSS_BOUND);
  g_clear_object (&f.to);
  honest_clear (&h);
}

static void
test_join_flood_one_source (void)
{
  run_join_flood (1);
}

static void
test_join_flood_many_sources (void)
{
  run_join_flood (16);
}

/* Alive claims from 5000 strangers at distinct addresses: each used to
 * make node 0 join it, and the table of recent joins was emptied at 4096,
 * so they were joined again every round. */
static void
test_unsolicited_joins (void)
{
  Honest h;
  guint64 req0, drops0;
  gint64 t0;
  double secs;
  guint64 joins;
  const guint n = 5000;

  honest_setup (&h);
  req0 = test_stat (h.clusters[0], "tcp-requests-out");
  drops0 = test_stat (h.clusters[0], "drop-join-out-rate");
  t0 = g_get_monotonic_time ();
  for (guint round = 0; round < 2; round++)
    for (guint i = 0; i < n; i++)
      {
        GossipNodeMsg msg = { 0 };
        g_autofree char *addr = g_strdup_printf ("127.0.%u.%u:9", 1 + i / 250, 1 + i % 250);
        g_autoptr(GBytes) raw = NULL;

        gossip_node_id_generate (&msg.node);
        msg.addr = addr;
        raw = forge (GOSSIP_MSG_ALIVE, &msg.node, gossip_hlc_now (), gossip_node_msg_build (&msg, TRUE));
        send_udp (h.clusters[0], raw);
        if (i % 100 == 0)
          while (g_main_context_iteration (NULL, FALSE))
            ;
      }
  g_assert_true (counter_reached (h.clusters[0], "drop-join-out-rate", drops0 + 1));
  honest_checks (&h, 0);
  secs = (g_get_monotonic_time () - t0) / 1e6;
  joins = test_stat (h.clusters[0], "tcp-requests-out") - req0;
  g_test_message ("%u forged alive claims x2 in %.1f s: %" G_GUINT64_FORMAT " TCP requests out of node 0, "
                  "%" G_GUINT64_FORMAT " unsolicited joins refused",
                  n, secs, joins, test_stat (h.clusters[0], "drop-join-out-rate") - drops0);
  /* 32/s (the bucket is full at the start), plus the node's own push/pull
   * and the honest joiner's traffic. */
  g_assert_cmpfloat ((double) joins, <=, 32.0 * (secs + 1.0) + 50.0);
  honest_clear (&h);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hostile/membership/forged-leave", test_forged_leave);
  g_test_add_func ("/hostile/membership/future-metadata", test_future_metadata);
  g_test_add_func ("/hostile/membership/join-flood/one-source", test_join_flood_one_source);
  g_test_add_func ("/hostile/membership/join-flood/many-sources", test_join_flood_many_sources);
  g_test_add_func ("/hostile/membership/unsolicited-joins", test_unsolicited_joins);
  return g_test_run ();
}
