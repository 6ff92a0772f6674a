/* test-join-spread.c: what a join costs the cluster, and joins into a busy
 * seed (issue 15).
 *
 * - A joiner's announcement reaches its seed over TCP; the seed spreads it
 *   as datagrams (to every peer at once in a small cluster), not over a new
 *   TCP connection at every hop, and not twice when the seed announced the
 *   joiner already.
 * - A seed over its inbound join rate refuses with "join rate limit
 *   exceeded"; an application join tries that seed again after a short
 *   random pause instead of failing, so a swarm started at once all joins. */
#include "test-utils.h"

#define N_QUIET 8

static GossipConfig *
make_config (void)
{
  GossipConfig *config = gossip_config_new ();

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  /* No periodic push/pull in the window measured: only the join's traffic. */
  g_object_set (config,
                "state-sync-interval", 600000,
                "health-check-interval", 200,
                NULL);
  return config;
}

static guint64
sum_stat (GPtrArray  *clusters,
          const char *name)
{
  guint64 sum = 0;

  for (guint i = 0; i < clusters->len; i++)
    sum += test_stat (clusters->pdata[i], name);
  return sum;
}

static void
test_announce_over_datagrams (void)
{
  g_autoptr(GPtrArray) clusters = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GossipConfig) config = make_config ();
  g_autoptr(GError) error = NULL;
  GossipCluster *joiner;
  const char *seed[2] = { NULL, NULL };
  guint64 tcp_before, tcp_after, dgram_before, dgram_after;

  for (guint i = 0; i < N_QUIET; i++)
    {
      GossipCluster *c = gossip_cluster_new (config, NULL, &error);

      g_assert_no_error (error);
      gossip_cluster_start (c);
      g_ptr_array_add (clusters, c);
    }
  test_clusters_join_first (clusters);

  tcp_before = sum_stat (clusters, "tcp-requests-in");
  dgram_before = sum_stat (clusters, "udp-datagrams-in");
  joiner = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (joiner);
  g_ptr_array_add (clusters, joiner);
  seed[0] = gossip_cluster_get_advertise_address (clusters->pdata[0]);
  g_assert_cmpuint (test_cluster_join (joiner, seed, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_true (test_wait_for (test_clusters_converged, clusters, 10000));
  /* Let forwarded copies land before counting. */
  test_run_for (300);
  tcp_after = sum_stat (clusters, "tcp-requests-in");
  dgram_after = sum_stat (clusters, "udp-datagrams-in");

  g_test_message ("one join into %u nodes: %" G_GUINT64_FORMAT " TCP requests, %" G_GUINT64_FORMAT
                  " datagrams (pings included)", N_QUIET, tcp_after - tcp_before, dgram_after - dgram_before);
  /* The join, its push/pull and the joiner's announcement, all to the
   * seed. (Before: the announcement went on over TCP at every hop, 35
   * requests in all here.) */
  g_assert_cmpuint (tcp_after - tcp_before, <=, 3);
  /* Pings at a 200 ms interval: 9 nodes x ~1 s, plus one alive per node
   * (two when both the seed's and the joiner's announcement were spread). */
  g_assert_cmpuint (dgram_after - dgram_before, <, 200);

  test_clusters_free (g_steal_pointer (&clusters));
}

typedef struct {
  guint done;
  guint joined;
  char *first_error;
} JoinCount;

static void
joined_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  JoinCount *count = user_data;
  g_autoptr(GError) error = NULL;

  count->done++;
  if (gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &error) > 0)
    count->joined++;
  else if (count->first_error == NULL)
    count->first_error = g_strdup (error ? error->message : "no error");
}

static gboolean
all_done (gpointer user_data)
{
  JoinCount *count = user_data;

  return count->done == N_QUIET;
}

static void
test_busy_seed_retries (void)
{
  g_autoptr(GPtrArray) clusters = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GossipConfig) config = make_config ();
  g_autoptr(GossipConfig) seed_config = make_config ();
  g_autoptr(GError) error = NULL;
  const char *seed[2] = { NULL, NULL };
  JoinCount count = { 0 };
  GossipCluster *s;

  /* Two joins a second at the seed, eight joiners at once. */
  g_object_set (seed_config, "inbound-join-rate", 2, "inbound-join-rate-per-source", 2, NULL);
  s = gossip_cluster_new (seed_config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (s);
  g_ptr_array_add (clusters, s);
  seed[0] = gossip_cluster_get_advertise_address (s);
  for (guint i = 0; i < N_QUIET; i++)
    {
      GossipCluster *c = gossip_cluster_new (config, NULL, &error);

      g_assert_no_error (error);
      gossip_cluster_start (c);
      g_ptr_array_add (clusters, c);
      gossip_cluster_join_async (c, seed, NULL, joined_cb, &count);
    }

  g_assert_true (test_wait_for (all_done, &count, 30000));
  if (count.first_error != NULL)
    g_test_message ("first failed join: %s", count.first_error);
  g_assert_cmpuint (count.joined, ==, N_QUIET);
  /* The seed did refuse some: the retries were needed. */
  g_assert_cmpuint (test_stat (s, "drop-join-rate"), >, 0);
  g_assert_true (test_wait_for (test_clusters_converged, clusters, 15000));

  g_free (count.first_error);
  test_clusters_free (g_steal_pointer (&clusters));
}

static gboolean
all_done_one (gpointer user_data)
{
  JoinCount *count = user_data;

  return count->done == 1;
}

static gboolean
seed_refused (gpointer user_data)
{
  return test_stat (user_data, "drop-join-rate") > 0;
}

/* A join into a busy seed that is stopped while it waits to try again
 * ends with an error instead of hanging or trying on. */
static void
test_busy_seed_stop_while_waiting (void)
{
  g_autoptr(GossipConfig) config = make_config ();
  g_autoptr(GossipConfig) seed_config = make_config ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipCluster) s = NULL;
  g_autoptr(GossipCluster) first = NULL;
  g_autoptr(GossipCluster) second = NULL;
  const char *seed[2] = { NULL, NULL };
  JoinCount count = { 0 };

  g_object_set (seed_config, "inbound-join-rate", 1, "inbound-join-rate-per-source", 1, NULL);
  s = gossip_cluster_new (seed_config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (s);
  seed[0] = gossip_cluster_get_advertise_address (s);
  first = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  second = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (first);
  gossip_cluster_start (second);
  /* The first takes the seed's one token; the second is refused. */
  g_assert_cmpuint (test_cluster_join (first, seed, NULL, &error), ==, 1);
  g_assert_no_error (error);
  gossip_cluster_join_async (second, seed, NULL, joined_cb, &count);
  g_assert_true (test_wait_for (seed_refused, s, 10000));
  gossip_cluster_stop (second);
  g_assert_true (test_wait_for (all_done_one, &count, 10000));
  g_assert_cmpuint (count.joined, ==, 0);
  g_assert_nonnull (count.first_error);

  gossip_cluster_stop (first);
  gossip_cluster_stop (s);
  g_free (count.first_error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/join/announce-over-datagrams", test_announce_over_datagrams);
  g_test_add_func ("/join/busy-seed-retries", test_busy_seed_retries);
  g_test_add_func ("/join/busy-seed-stop-while-waiting", test_busy_seed_stop_while_waiting);
  return g_test_run ();
}
