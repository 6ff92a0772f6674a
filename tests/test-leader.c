/* test-leader.c: GossipLeaderElection on real loopback clusters.
 *
 * Clusters run at a tenth of Go's intervals, elections with a 100 ms
 * heartbeat and a 300 ms leader timeout. Silent deaths and partitions use
 * the netsim conditioner (private, test-only): an isolated node is dead to
 * the others without saying goodbye, and keeps running, so the test also
 * sees it give up its leadership when it loses the majority.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-netsim.h"
#include "gossip-leader-heartbeat-private.h"

#define SCALE 0.1
#define N 5
#define HEARTBEAT_MS 100
#define TIMEOUT_MS 300

typedef struct {
  GossipLeaderElection *election;
  guint64               last_term;
  guint                 elected, lost, became, stepped;
} Member;

typedef struct {
  GPtrArray *clusters;
  Member     m[N];
} Net;

static void
on_term (GObject    *object,
         GParamSpec *pspec,
         gpointer    user_data)
{
  Member *m = user_data;
  guint64 term = gossip_leader_election_get_term (m->election);

  /* Terms never go backwards. */
  g_assert_cmpuint (term, >=, m->last_term);
  m->last_term = term;
}

static void on_elected (GossipLeaderElection *e, GossipNode *n, Member *m) { m->elected++; }
static void on_lost (GossipLeaderElection *e, const char *id, Member *m) { m->lost++; }
static void on_became (GossipLeaderElection *e, Member *m) { m->became++; }
static void on_stepped (GossipLeaderElection *e, Member *m) { m->stepped++; }

static GossipCluster *
at (Net *net, guint i)
{
  return net->clusters->pdata[i];
}

static const char *
id_of (Net *net, guint i)
{
  return gossip_node_get_id (gossip_cluster_get_local_node (at (net, i)));
}

static void
net_init (Net *net)
{
  memset (net, 0, sizeof *net);
  gossip_netsim_enable ();
  net->clusters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < N; i++)
    {
      g_autoptr(GossipConfig) config = gossip_config_new ();
      g_autoptr(GError) error = NULL;
      GossipCluster *cluster;
      Member *m = &net->m[i];

      gossip_config_set_bind_address (config, "127.0.0.1:0");
      gossip_config_scale_intervals (config, SCALE);
      cluster = gossip_cluster_new (config, NULL, &error);
      g_assert_no_error (error);
      gossip_cluster_start (cluster);
      g_ptr_array_add (net->clusters, cluster);

      m->election = gossip_leader_election_new (cluster, NULL);
      g_object_set (m->election, "heartbeat-interval", HEARTBEAT_MS,
                    "leader-timeout", TIMEOUT_MS, NULL);
      g_signal_connect (m->election, "notify::term", G_CALLBACK (on_term), m);
      g_signal_connect (m->election, "leader-elected", G_CALLBACK (on_elected), m);
      g_signal_connect (m->election, "leader-lost", G_CALLBACK (on_lost), m);
      g_signal_connect (m->election, "became-leader", G_CALLBACK (on_became), m);
      g_signal_connect (m->election, "stepped-down", G_CALLBACK (on_stepped), m);
      /* Started before the join: each node first leads itself. */
      g_assert_true (gossip_leader_election_start (m->election, &error));
      g_assert_no_error (error);
    }
  test_clusters_join_first (net->clusters);
}

static void
net_clear (Net *net)
{
  for (guint i = 0; i < N; i++)
    {
      gossip_leader_election_stop (net->m[i].election);
      g_assert_false (gossip_leader_election_get_is_leader (net->m[i].election));
      g_clear_object (&net->m[i].election);
    }
  test_clusters_free (net->clusters);
  gossip_netsim_reset ();
}

/* The smallest ID among the nodes whose bit is in @mask. */
static const char *
lowest_id (Net  *net,
           guint mask)
{
  const char *best = NULL;

  for (guint i = 0; i < N; i++)
    if ((mask & (1u << i)) && (best == NULL || strcmp (id_of (net, i), best) < 0))
      best = id_of (net, i);
  return best;
}

typedef struct {
  Net        *net;
  guint       mask;     /* the nodes asked */
  const char *expect;   /* the leader they must agree on */
} AgreeCond;

/* Every node in the mask follows @expect, and exactly that one leads. */
static gboolean
agree (gpointer user_data)
{
  AgreeCond *c = user_data;
  guint leaders = 0;

  for (guint i = 0; i < N; i++)
    {
      GossipLeaderElection *e = c->net->m[i].election;

      if (!(c->mask & (1u << i)))
        continue;
      if (g_strcmp0 (gossip_leader_election_get_leader_id (e), c->expect) != 0)
        return FALSE;
      if (gossip_leader_election_get_is_leader (e))
        {
          leaders++;
          if (strcmp (id_of (c->net, i), c->expect) != 0)
            return FALSE;
        }
    }
  return leaders == 1;
}

static gboolean
none_has_leader (Net  *net,
                 guint mask)
{
  for (guint i = 0; i < N; i++)
    if ((mask & (1u << i)) &&
        (gossip_leader_election_get_leader (net->m[i].election) != NULL ||
         gossip_leader_election_get_is_leader (net->m[i].election)))
      return FALSE;
  return TRUE;
}

typedef struct {
  Net  *net;
  guint mask;
} NoneCond;

static gboolean
none_cond (gpointer user_data)
{
  NoneCond *c = user_data;
  return none_has_leader (c->net, c->mask);
}

static guint
index_of (Net        *net,
          const char *id)
{
  for (guint i = 0; i < N; i++)
    if (strcmp (id_of (net, i), id) == 0)
      return i;
  g_assert_not_reached ();
}

static const char * const *
addresses (Net   *net,
           guint  mask,
           const char **out)
{
  guint n = 0;

  for (guint i = 0; i < N; i++)
    if (mask & (1u << i))
      out[n++] = gossip_cluster_get_advertise_address (at (net, i));
  out[n] = NULL;
  return out;
}

static guint64
max_term (Net  *net,
          guint mask)
{
  guint64 t = 0;

  for (guint i = 0; i < N; i++)
    if (mask & (1u << i))
      t = MAX (t, gossip_leader_election_get_term (net->m[i].election));
  return t;
}

#define ALL ((1u << N) - 1)

static void
elect_all (Net *net)
{
  AgreeCond cond = { net, ALL, lowest_id (net, ALL) };
  gint64 start = g_get_monotonic_time ();

  g_assert_true (test_wait_for (agree, &cond, 10000));
  g_test_message ("5 nodes agree on the lowest ID as leader %.2f s after the join",
                  (g_get_monotonic_time () - start) / 1e6);
}

static void
test_five_elect_one (void)
{
  Net net;
  AgreeCond cond;
  guint elected[N];

  net_init (&net);
  elect_all (&net);
  cond = (AgreeCond) { &net, ALL, lowest_id (&net, ALL) };

  /* Stable: heartbeats keep it, no event in a quiet second. */
  for (guint i = 0; i < N; i++)
    elected[i] = net.m[i].elected;
  test_run_for (1500);
  g_assert_true (agree (&cond));
  for (guint i = 0; i < N; i++)
    {
      g_assert_cmpuint (net.m[i].elected, ==, elected[i]);
      g_assert_true (gossip_leader_election_has_quorum (net.m[i].election));
      g_assert_cmpuint (gossip_leader_election_get_quorum (net.m[i].election), ==, 3);
    }
  {
    guint li = index_of (&net, cond.expect);
    GossipNode *leader = NULL;

    g_assert_cmpuint (net.m[li].became, >=, 1);
    g_object_get (net.m[(li + 1) % N].election, "leader", &leader, NULL);
    g_assert_nonnull (leader);
    g_assert_cmpstr (gossip_node_get_id (leader), ==, cond.expect);
    g_object_unref (leader);
  }
  net_clear (&net);
}

/* The leader dies silently: the others elect the next one. */
static void
test_leader_dies (void)
{
  Net net;
  const char *a[N + 1], *b[N + 1];
  guint li, rest;
  AgreeCond cond;
  NoneCond old;
  guint64 term_before;
  gint64 start;
  double took;

  net_init (&net);
  elect_all (&net);
  li = index_of (&net, lowest_id (&net, ALL));
  rest = ALL & ~(1u << li);
  term_before = max_term (&net, ALL);

  start = g_get_monotonic_time ();
  gossip_netsim_partition (addresses (&net, 1u << li, a), addresses (&net, rest, b));
  cond = (AgreeCond) { &net, rest, lowest_id (&net, rest) };
  /* Bound: suspicion of the dead node (a few probe rounds of 100 ms plus
   * the suspicion's own wait) and one heartbeat interval; 15 s is generous. */
  g_assert_true (test_wait_for (agree, &cond, 15000));
  took = (g_get_monotonic_time () - start) / 1e6;
  g_assert_cmpuint (max_term (&net, rest), >, term_before);

  /* The isolated old leader sees 1 of 5: it steps down. */
  old = (NoneCond) { &net, 1u << li };
  g_assert_true (test_wait_for (none_cond, &old, 15000));
  g_assert_cmpuint (net.m[li].stepped, >=, 1);
  g_test_message ("silent death of the leader: new leader agreed by the 4 others in %.2f s "
                  "(bound 15 s); the isolated node stepped down", took);
  net_clear (&net);
}

/* 3+2, with the leader on the 2 side: only the 3 side has a leader; after
 * the heal there is one leader again. */
static void
test_partition (void)
{
  Net net;
  const char *a[N + 1], *b[N + 1];
  guint li, minority, majority;
  AgreeCond cond;

  gint64 start;

  net_init (&net);
  elect_all (&net);
  li = index_of (&net, lowest_id (&net, ALL));
  minority = (1u << li) | (1u << ((li + 1) % N));
  majority = ALL & ~minority;

  start = g_get_monotonic_time ();
  gossip_netsim_partition (addresses (&net, minority, a), addresses (&net, majority, b));
  cond = (AgreeCond) { &net, majority, lowest_id (&net, majority) };
  /* Sampled every 10 ms: how long a leader on each side coexisted (the old
   * leader notices it lost the majority as fast as the others notice it
   * is gone: both are suspicion timings, there is no lease). */
  {
    gint64 deadline = start + 15 * G_USEC_PER_SEC;
    guint both = 0;

    while (!(agree (&cond) && none_has_leader (&net, minority)) &&
           g_get_monotonic_time () < deadline)
      {
        gboolean maj = FALSE, min = FALSE;

        test_run_for (10);
        for (guint i = 0; i < N; i++)
          if (gossip_leader_election_get_is_leader (net.m[i].election))
            {
              if (majority & (1u << i))
                maj = TRUE;
              else
                min = TRUE;
            }
        if (maj && min)
          both++;
      }
    g_assert_true (agree (&cond));
    g_assert_true (none_has_leader (&net, minority));
    g_test_message ("3+2 partition: 3 side agreed on a leader, 2 side leaderless, %.2f s; "
                    "samples with a leader on both sides: %u (10 ms each)",
                    (g_get_monotonic_time () - start) / 1e6, both);
  }

  /* And it stays so (checked every 100 ms for 3 s). */
  for (guint k = 0; k < 30; k++)
    {
      test_run_for (100);
      g_assert_true (agree (&cond));
      g_assert_true (none_has_leader (&net, minority));
    }

  start = g_get_monotonic_time ();
  gossip_netsim_reset ();
  g_assert_true (test_wait_for (test_clusters_converged, net.clusters, 20000));
  cond = (AgreeCond) { &net, ALL, lowest_id (&net, ALL) };
  g_assert_true (test_wait_for (agree, &cond, 15000));
  g_test_message ("after the heal: one leader for all 5 in %.2f s",
                  (g_get_monotonic_time () - start) / 1e6);
  net_clear (&net);
}

static void
ignore_packet (GossipCluster *cluster,
               GossipNode    *sender,
               GossipPacket  *packet,
               gpointer       user_data)
{
}

/* A configured minimum: two nodes that expect five never elect. */
static void
test_min_cluster_size (void)
{
  g_autoptr(GPtrArray) clusters = g_ptr_array_new_with_free_func (g_object_unref);
  GossipLeaderElection *e[2];

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GossipConfig) config = gossip_config_new ();
      g_autoptr(GError) error = NULL;
      GossipCluster *cluster;

      gossip_config_set_bind_address (config, "127.0.0.1:0");
      gossip_config_scale_intervals (config, SCALE);
      cluster = gossip_cluster_new (config, NULL, &error);
      g_assert_no_error (error);
      gossip_cluster_start (cluster);
      g_ptr_array_add (clusters, cluster);
      e[i] = gossip_leader_election_new (cluster, NULL);
      g_object_set (e[i], "heartbeat-interval", HEARTBEAT_MS, "leader-timeout", TIMEOUT_MS,
                    "min-cluster-size", 5, NULL);
      g_assert_true (gossip_leader_election_start (e[i], &error));
      /* The type is taken now. */
      g_assert_false (gossip_cluster_handle (cluster, GOSSIP_LEADER_HEARTBEAT_MESSAGE_TYPE,
                                             ignore_packet, NULL, NULL,
                                             &error));
      g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_EXISTS);
    }
  test_clusters_join_first (clusters);
  test_run_for (1000);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_false (gossip_leader_election_has_quorum (e[i]));
      g_assert_null (gossip_leader_election_get_leader (e[i]));
    }
  /* Lowering the expectation lets them elect. */
  for (guint i = 0; i < 2; i++)
    gossip_leader_election_set_min_cluster_size (e[i], 2);
  {
    const char *a = gossip_node_get_id (gossip_cluster_get_local_node (clusters->pdata[0]));
    const char *b = gossip_node_get_id (gossip_cluster_get_local_node (clusters->pdata[1]));
    const char *low = strcmp (a, b) < 0 ? a : b;
    gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while ((g_strcmp0 (gossip_leader_election_get_leader_id (e[0]), low) != 0 ||
            g_strcmp0 (gossip_leader_election_get_leader_id (e[1]), low) != 0) &&
           g_get_monotonic_time () < deadline)
      test_run_for (50);
    g_assert_cmpstr (gossip_leader_election_get_leader_id (e[0]), ==, low);
    g_assert_cmpstr (gossip_leader_election_get_leader_id (e[1]), ==, low);
  }
  for (guint i = 0; i < 2; i++)
    g_object_unref (e[i]);
  test_clusters_free (g_steal_pointer (&clusters));
}

/* The heartbeat as Go's shamaton writes it: {ts: time.Time, term: uint64}. */
static void
test_heartbeat_wire (void)
{
  g_autoptr(GossipCodec) msgpack = gossip_msgpack_codec_new ();
  g_autoptr(GossipCodec) json = gossip_json_codec_new ();
  const gint64 ts = G_GINT64_CONSTANT (1700000000123456789);
  struct { gint64 ts; guint64 term; const char *hex; } vectors[] = {
    /* timestamp 64, fixint term */
    { ts, 7, "82 a2 7473 d7ff 1d6f34546553f100 a4 7465726d 07" },
    /* whole seconds: timestamp 32; term as uint16 */
    { G_GINT64_CONSTANT (1700000000000000000), 300, "82 a2 7473 d6ff 6553f100 a4 7465726d cd012c" },
    /* before 1970 (seconds outside 34 bits): timestamp 96; term as uint64 */
    { -1, G_GUINT64_CONSTANT (1) << 40,
      "82 a2 7473 c70cff 3b9ac9ff ffffffffffffffff a4 7465726d cf0000010000000000" },
  };
  const char *bad[] = { "'hello'", "{'ts': <int64 1>}", "{'term': <uint64 1>}",
                        "{'ts': <'yesterday'>, 'term': <uint64 1>}",
                        "{'ts': <int64 1>, 'term': <int64 -1>}" };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = gossip_leader_heartbeat_encode (msgpack, vectors[i].ts,
                                                                vectors[i].term, &error);
      g_autoptr(GVariant) decoded = NULL;
      gint64 got_ts;
      guint64 got_term;

      g_assert_no_error (error);
      test_assert_bytes_hex (bytes, vectors[i].hex);
      decoded = gossip_codec_decode (msgpack, bytes, &error);
      g_assert_no_error (error);
      g_assert_true (gossip_leader_heartbeat_parse (decoded, &got_ts, &got_term, &error));
      g_assert_cmpint (got_ts, ==, vectors[i].ts);
      g_assert_cmpuint (got_term, ==, vectors[i].term);
    }

  /* JSON: Go's encoding of time.Time is RFC 3339 with nanoseconds. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = gossip_leader_heartbeat_encode (json, ts, 9, &error);
    g_autofree char *text = NULL;
    g_autoptr(GVariant) decoded = NULL;
    g_autoptr(GBytes) go = NULL;
    gint64 got_ts;
    guint64 got_term;

    g_assert_no_error (error);
    text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    g_assert_nonnull (strstr (text, "\"2023-11-14T22:13:20.123456789Z\""));
    decoded = gossip_codec_decode (json, bytes, &error);
    g_assert_no_error (error);
    g_assert_true (gossip_leader_heartbeat_parse (decoded, &got_ts, &got_term, &error));
    g_assert_cmpint (got_ts, ==, ts);
    g_assert_cmpuint (got_term, ==, 9);

    /* A Go node in another time zone, fraction trimmed. */
    g_clear_pointer (&decoded, g_variant_unref);
    go = g_bytes_new_static ("{\"ts\":\"2023-11-14T23:13:20.1234+01:00\",\"term\":3}", 48);
    decoded = gossip_codec_decode (json, go, &error);
    g_assert_no_error (error);
    g_assert_true (gossip_leader_heartbeat_parse (decoded, &got_ts, &got_term, &error));
    g_assert_cmpint (got_ts, ==, G_GINT64_CONSTANT (1700000000123400000));
    g_assert_cmpuint (got_term, ==, 3);
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) v = g_variant_parse (NULL, bad[i], NULL, NULL, &error);
      gint64 got_ts;
      guint64 got_term;

      g_assert_no_error (error);
      g_assert_false (gossip_leader_heartbeat_parse (v, &got_ts, &got_term, &error));
      g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_DECODE);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/leader/heartbeat-wire", test_heartbeat_wire);
  g_test_add_func ("/leader/five-elect-one", test_five_elect_one);
  g_test_add_func ("/leader/leader-dies", test_leader_dies);
  g_test_add_func ("/leader/partition-3-2", test_partition);
  g_test_add_func ("/leader/min-cluster-size", test_min_cluster_size);
  return g_test_run ();
}
