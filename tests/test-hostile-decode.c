/* test-hostile-decode.c: decode bombs against a live 3-node cluster
 * (issue 10, item 4), over real sockets on 127.0.0.1.
 *
 * A bomb is a packet that is small on the wire and huge once decoded: a
 * 64 KB snappy datagram of 1.39 million msgpack nils, a 4 MiB TCP frame
 * of nils, JSON arrays of zeros and JSON nested thousands deep, each with
 * a valid envelope of a user type and of a system type. Every one must be
 * dropped and counted by the node it is sent to, never forwarded, never
 * handed to a handler; the process RSS stays within +50 MB of its start,
 * the main loop keeps serving (no honest node Suspect or Dead) and honest
 * broadcasts are delivered throughout. A payload exactly at the element
 * budget is delivered and decoded, one map over it is dropped.
 * GOSSIP_TEST_BOMB=TEXT runs only the bombs whose name contains TEXT.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-hlc-private.h"
#include "gossip-messages-private.h"
#include "gossip-wire-private.h"

#define N_NODES 3
#define USER_TYPE 128
#define HONEST_TYPE 129
#define BUDGET_TYPE 130
#define WAIT_MS 10000

/* ASan's quarantine keeps freed memory resident: its bound only catches
 * gross cases. */
#ifdef UNDER_ASAN
#define RSS_BOUND (400 * 1024 * 1024)
#else
#define RSS_BOUND (50 * 1024 * 1024)
#endif

/* ---- bombs ---- */

static GBytes *
msgpack_nils (guint n)
{
  GByteArray *b = g_byte_array_sized_new (n + 5);
  guint8 head[5] = { 0xdd, n >> 24, n >> 16, n >> 8, n };

  g_byte_array_append (b, head, 5);
  g_byte_array_set_size (b, n + 5);
  memset (b->data + 5, 0xc0, n);
  return g_byte_array_free_to_bytes (b);
}

/* @n maps {"k": "ab"}: 3n + 1 elements, 6n + 5 bytes. */
static GBytes *
msgpack_maps (guint n)
{
  GByteArray *b = g_byte_array_sized_new (6 * n + 5);
  guint8 head[5] = { 0xdd, n >> 24, n >> 16, n >> 8, n };
  static const guint8 map[6] = { 0x81, 0xa1, 'k', 0xa2, 'a', 'b' };

  g_byte_array_append (b, head, 5);
  for (guint i = 0; i < n; i++)
    g_byte_array_append (b, map, sizeof map);
  return g_byte_array_free_to_bytes (b);
}

static GBytes *
json_zeros (guint n)
{
  GString *s = g_string_sized_new (2 * n + 2);

  g_string_append (s, "[0");
  for (guint i = 1; i < n; i++)
    g_string_append (s, ",0");
  g_string_append_c (s, ']');
  return g_string_free_to_bytes (s);
}

static GBytes *
json_nested (guint depth)
{
  GString *s = g_string_sized_new (2 * depth);

  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  return g_string_free_to_bytes (s);
}

/* A packet with a valid envelope from a forged sender around @payload,
 * snappy-compressed if @compress. */
static GBytes *
bomb_packet (GossipCodec *codec,
             guint16      type,
             GBytes      *payload,
             gboolean     compress)
{
  GossipWire wire = { .codec = codec };
  GossipEnvelope env = { .type = type, .id = gossip_hlc_now (), .ttl = 3 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  GBytes *raw;

  gossip_node_id_generate (&env.sender);
  if (compress)
    {
      g_autoptr(GossipCompressor) snappy = gossip_snappy_compressor_new ();

      body = gossip_compressor_compress (snappy, payload, &error);
      g_assert_no_error (error);
    }
  else
    body = g_bytes_ref (payload);
  raw = gossip_wire_encode (&wire, &env, body, compress, &error);
  g_assert_no_error (error);
  return raw;
}

/* The most nils whose snappy datagram still fits in 64 KB (~1.39M). */
static GBytes *
udp_nil_bomb (GossipCodec *codec,
              guint16      type,
              guint       *n_out)
{
  for (guint n = 1400000;; n -= 10000)
    {
      g_autoptr(GBytes) payload = msgpack_nils (n);
      GBytes *raw = bomb_packet (codec, type, payload, TRUE);

      if (g_bytes_get_size (raw) <= 65000)
        {
          *n_out = n;
          return raw;
        }
      g_bytes_unref (raw);
    }
}

/* ---- the cluster ---- */

typedef struct {
  GossipCluster *clusters[N_NODES];
  char          *ids[N_NODES];
  guint          honest_bad;        /* honest members turned Suspect or Dead */
  guint          bombs_handled;     /* USER_TYPE packets a handler saw */
  guint          at_budget_decoded; /* BUDGET_TYPE payloads decoded */
  guint          honest_received[N_NODES];
  guint          honest_sent;
  gsize          rss_start;
  gsize          rss_max;         /* sampled by its own thread: also inside a stall */
  GMutex         rss_lock;
  gint           sampling;
  gint64         last_tick;
  gint64         max_stall_usec;
} Fixture;

static void
state_cb (GossipCluster   *cluster,
          GossipNode      *node,
          GossipNodeState  old_state,
          GossipNodeState  new_state,
          gpointer         user_data)
{
  Fixture *f = user_data;

  for (guint i = 0; i < N_NODES; i++)
    if (g_strcmp0 (gossip_node_get_id (node), f->ids[i]) == 0 &&
        (new_state == GOSSIP_NODE_STATE_SUSPECT || new_state == GOSSIP_NODE_STATE_DEAD))
      {
        g_test_message ("honest node %s became %s", f->ids[i],
                        new_state == GOSSIP_NODE_STATE_DEAD ? "Dead" : "Suspect");
        f->honest_bad++;
      }
}

static void
bomb_handler (GossipCluster *cluster,
              GossipNode    *sender,
              GossipPacket  *packet,
              gpointer       user_data)
{
  Fixture *f = user_data;
  g_autoptr(GVariant) v = gossip_packet_get_payload (packet, NULL);

  f->bombs_handled++;
}

/* A payload exactly at max-decode-elements is honest: it must decode. */
static void
budget_handler (GossipCluster *cluster,
                GossipNode    *sender,
                GossipPacket  *packet,
                gpointer       user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) v = gossip_packet_get_payload (packet, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (v), ==, 21845);
  f->at_budget_decoded++;
}

static void
honest_handler (GossipCluster *cluster,
                GossipNode    *sender,
                GossipPacket  *packet,
                gpointer       user_data)
{
  Fixture *f = user_data;
  g_autoptr(GVariant) v = gossip_packet_get_payload (packet, NULL);

  g_assert_nonnull (v);
  for (guint i = 0; i < N_NODES; i++)
    if (f->clusters[i] == cluster)
      f->honest_received[i]++;
}

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
      g_usleep (2000);
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

static gboolean
tick_cb (gpointer user_data)
{
  Fixture *f = user_data;
  gint64 now = g_get_monotonic_time ();

  if (f->last_tick != 0)
    f->max_stall_usec = MAX (f->max_stall_usec, now - f->last_tick);
  f->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static gboolean
honest_cb (gpointer user_data)
{
  Fixture *f = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (gossip_cluster_send (f->clusters[1], HONEST_TYPE,
                                      g_variant_new_uint32 (f->honest_sent++), &error));
  g_assert_no_error (error);
  return G_SOURCE_CONTINUE;
}

static void
fixture_start (Fixture     *f,
               GossipCodec *codec)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();

  memset (f, 0, sizeof *f);
  for (guint i = 0; i < N_NODES; i++)
    {
      g_autoptr(GossipConfig) config = gossip_config_new ();
      g_autoptr(GossipCompressor) snappy = gossip_snappy_compressor_new ();
      g_autoptr(GError) error = NULL;

      gossip_config_set_bind_address (config, "127.0.0.1:0");
      gossip_config_set_compressor (config, snappy);
      gossip_config_set_codec (config, codec);
      gossip_config_scale_intervals (config, 0.1);
      f->clusters[i] = gossip_cluster_new (config, NULL, &error);
      g_assert_no_error (error);
      f->ids[i] = g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (f->clusters[i])));
      g_assert_true (gossip_cluster_handle (f->clusters[i], USER_TYPE, bomb_handler, f, NULL, &error));
      g_assert_true (gossip_cluster_handle (f->clusters[i], HONEST_TYPE, honest_handler, f, NULL, &error));
      g_assert_true (gossip_cluster_handle_no_forward (f->clusters[i], BUDGET_TYPE, budget_handler, f, NULL, &error));
      g_assert_no_error (error);
      gossip_cluster_start (f->clusters[i]);
      g_ptr_array_add (all, f->clusters[i]);
    }
  test_clusters_join_first (all);
  for (guint i = 0; i < N_NODES; i++)
    g_signal_connect (f->clusters[i], "node-state-changed", G_CALLBACK (state_cb), f);
}

static void
fixture_stop (Fixture *f)
{
  for (guint i = 0; i < N_NODES; i++)
    {
      gossip_cluster_stop (f->clusters[i]);
      g_clear_object (&f->clusters[i]);
      g_clear_pointer (&f->ids[i], g_free);
    }
}

/* ---- the attacker: a thread with blocking sockets ---- */

typedef struct {
  GBytes         *raw;
  gboolean        tcp;
  guint           repeat;
  GSocketAddress *to;
  gint            done;
} Attack;

static gboolean
send_all (GSocket       *sock,
          const guint8  *data,
          gsize          len,
          GError       **error)
{
  while (len > 0)
    {
      gssize n = g_socket_send (sock, (const char *) data, len, NULL, error);

      if (n < 0)
        return FALSE;
      data += n;
      len -= n;
    }
  return TRUE;
}

static gpointer
attack_thread (gpointer user_data)
{
  Attack *a = user_data;
  gsize len;
  const guint8 *data = g_bytes_get_data (a->raw, &len);

  for (guint i = 0; i < a->repeat; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4,
                                              a->tcp ? G_SOCKET_TYPE_STREAM : G_SOCKET_TYPE_DATAGRAM,
                                              a->tcp ? G_SOCKET_PROTOCOL_TCP : G_SOCKET_PROTOCOL_UDP,
                                              &error);

      g_assert_no_error (error);
      if (a->tcp)
        {
          guint32 be = GUINT32_TO_BE ((guint32) len);

          if (g_socket_connect (sock, a->to, NULL, &error) &&
              send_all (sock, (const guint8 *) &be, 4, &error))
            send_all (sock, data, len, &error);
          /* The node may close first once it has what it refuses. */
          g_socket_close (sock, NULL);
        }
      else
        g_socket_send_to (sock, a->to, (const char *) data, len, NULL, NULL);
      /* Paced so most datagrams fit in the socket buffer (and are read). */
      g_usleep (20000);
    }
  g_atomic_int_set (&a->done, 1);
  return NULL;
}

static gboolean
attack_done (gpointer user_data)
{
  Attack *a = user_data;
  return g_atomic_int_get (&a->done);
}

typedef struct {
  GossipCluster *cluster;
  const char    *counter;
  guint64        before;
} CounterWait;

static gboolean
counter_grew (gpointer user_data)
{
  CounterWait *w = user_data;
  return test_stat (w->cluster, w->counter) > w->before;
}

static GSocketAddress *
address_of (GossipCluster *cluster)
{
  const char *adv = gossip_cluster_get_advertise_address (cluster);
  const char *colon = strrchr (adv, ':');

  return g_inet_socket_address_new_from_string ("127.0.0.1",
                                                (guint) g_ascii_strtoull (colon + 1, NULL, 10));
}

/* Sends @raw @repeat times to node 0 and waits until @counter of node 0
 * grew; node 1 and 2 must not see it (nothing was forwarded). */
static void
attack (Fixture    *f,
        const char *what,
        GBytes     *raw,
        gboolean    tcp,
        guint       repeat,
        const char *counter)
{
  g_autoptr(GSocketAddress) to = address_of (f->clusters[0]);
  Attack a = { raw, tcp, repeat, to, 0 };
  CounterWait w = { f->clusters[0], counter, test_stat (f->clusters[0], counter) };
  guint64 others_before = 0, others_after = 0;
  guint64 delivered_before = f->honest_received[0] + f->honest_received[2];
  gint64 start = g_get_monotonic_time ();
  GThread *thread;

  for (guint i = 1; i < N_NODES; i++)
    others_before += test_stat (f->clusters[i], "drop-payload-decode") + test_stat (f->clusters[i], "drop-too-large");
  thread = g_thread_new ("attacker", attack_thread, &a);
  g_assert_true (test_wait_for (attack_done, &a, 60000));
  g_thread_join (thread);
  test_wait_for (counter_grew, &w, WAIT_MS);
  for (guint i = 1; i < N_NODES; i++)
    others_after += test_stat (f->clusters[i], "drop-payload-decode") + test_stat (f->clusters[i], "drop-too-large");

  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes x %u by %s in %.2f s: %s +%" G_GUINT64_FORMAT
                  ", RSS max +%.1f MB, longest main-loop gap %.0f ms, honest deliveries +%u",
                  what, g_bytes_get_size (raw), repeat, tcp ? "TCP" : "UDP",
                  (g_get_monotonic_time () - start) / 1e6, counter,
                  test_stat (f->clusters[0], counter) - w.before,
                  ((double) rss_max_of (f) - (double) f->rss_start) / 1048576.0,
                  f->max_stall_usec / 1000.0,
                  f->honest_received[0] + f->honest_received[2] - (guint) delivered_before);
  g_assert_cmpuint (test_stat (f->clusters[0], counter), >, w.before);
  g_assert_cmpuint (others_after, ==, others_before);
  g_assert_cmpuint (rss_max_of (f) - f->rss_start, <, RSS_BOUND);
}

typedef struct {
  Fixture *f;
  guint    want;
} DeliveryWait;

static gboolean
delivered (gpointer user_data)
{
  DeliveryWait *w = user_data;
  return w->f->honest_received[0] >= w->want && w->f->honest_received[2] >= w->want;
}

/* Back near the start: within half the bound, as glibc keeps the heap of
 * the honest decodes at the budget (~15 MB) for reuse. */
static gboolean
rss_returned (gpointer user_data)
{
  Fixture *f = user_data;
  return test_rss_bytes () < f->rss_start + RSS_BOUND / 2;
}

typedef struct {
  const char *what;
  GBytes     *raw;
  gboolean    tcp;
  guint       repeat;
  const char *counter;
} Bomb;

static void
add_bomb (GArray     *bombs,
          const char *what,
          GBytes     *raw,
          gboolean    tcp,
          const char *counter)
{
  Bomb b = { what, raw, tcp, tcp ? 3 : 20, counter };

  g_array_append_val (bombs, b);
}

static void
bomb_clear (Bomb *b)
{
  g_bytes_unref (b->raw);
}

typedef struct {
  Fixture *f;
  guint    want;
} AtBudgetWait;

static gboolean
at_budget_seen (gpointer user_data)
{
  AtBudgetWait *w = user_data;
  return w->f->at_budget_decoded >= w->want;
}

/* Builds the bombs of @codec's kind (before the RSS baseline is taken:
 * the test's own copies are not the node's cost). */
static GArray *
make_bombs (GossipCodec *codec,
            gboolean     json)
{
  GArray *bombs = g_array_new (FALSE, FALSE, sizeof (Bomb));

  g_array_set_clear_func (bombs, (GDestroyNotify) bomb_clear);
  if (!json)
    {
      guint n = 0;
      /* Under the decompressed cap but over the element budget. */
      g_autoptr(GBytes) mid = msgpack_nils (200000);
      /* A 4 MiB TCP frame, raw, and one that decompresses to 4 MiB. */
      g_autoptr(GBytes) big = msgpack_nils (4 * 1024 * 1024 - 128);

      add_bomb (bombs, "msgpack nils, user type", udp_nil_bomb (codec, USER_TYPE, &n), FALSE, "drop-too-large");
      g_test_message ("UDP bomb: %u nils in a %" G_GSIZE_FORMAT "-byte datagram",
                      n, g_bytes_get_size (g_array_index (bombs, Bomb, 0).raw));
      add_bomb (bombs, "msgpack nils, system type", udp_nil_bomb (codec, GOSSIP_MSG_METADATA, &n),
                FALSE, "drop-too-large");
      add_bomb (bombs, "msgpack 200k nils, user type", bomb_packet (codec, USER_TYPE, mid, TRUE),
                FALSE, "drop-payload-decode");
      add_bomb (bombs, "msgpack 200k nils, system type", bomb_packet (codec, GOSSIP_MSG_ALIVE, mid, TRUE),
                FALSE, "drop-payload-decode");
      /* One over max-decode-elements (65536): 21846 maps are 65539. */
      {
        g_autoptr(GBytes) over = msgpack_maps (21846);
        add_bomb (bombs, "msgpack 21846 maps (one map over the budget), user type",
                  bomb_packet (codec, USER_TYPE, over, TRUE), FALSE, "drop-payload-decode");
      }
      add_bomb (bombs, "msgpack 4 MiB nils, user type", bomb_packet (codec, USER_TYPE, big, FALSE),
                TRUE, "drop-payload-decode");
      add_bomb (bombs, "msgpack 4 MiB nils, system type", bomb_packet (codec, GOSSIP_MSG_METADATA, big, FALSE),
                TRUE, "drop-payload-decode");
      add_bomb (bombs, "msgpack 4 MiB nils snappy, user type", bomb_packet (codec, USER_TYPE, big, TRUE),
                TRUE, "drop-payload-decode");
    }
  else
    {
      g_autoptr(GBytes) zeros = json_zeros (690000);      /* 1.38 MB, ~64 KB compressed */
      g_autoptr(GBytes) mid = json_zeros (100000);        /* 200 KB: under the cap */
      g_autoptr(GBytes) deep = json_nested (30000);       /* 60 KB, 30000 deep */
      g_autoptr(GBytes) big = json_zeros (2 * 1024 * 1024 - 64);
      g_autoptr(GBytes) deep_big = json_nested (2 * 1024 * 1024 - 64);

      add_bomb (bombs, "JSON zeros, user type", bomb_packet (codec, USER_TYPE, zeros, TRUE),
                FALSE, "drop-too-large");
      g_assert_cmpuint (g_bytes_get_size (g_array_index (bombs, Bomb, 0).raw), <=, 65507);
      add_bomb (bombs, "JSON zeros, system type", bomb_packet (codec, GOSSIP_MSG_METADATA, zeros, TRUE),
                FALSE, "drop-too-large");
      add_bomb (bombs, "JSON 100k zeros, user type", bomb_packet (codec, USER_TYPE, mid, TRUE),
                FALSE, "drop-payload-decode");
      add_bomb (bombs, "JSON 30000 deep, user type", bomb_packet (codec, USER_TYPE, deep, FALSE),
                FALSE, "drop-payload-decode");
      add_bomb (bombs, "JSON 30000 deep, system type", bomb_packet (codec, GOSSIP_MSG_ALIVE, deep, FALSE),
                FALSE, "drop-payload-decode");
      add_bomb (bombs, "JSON 4 MiB zeros, user type", bomb_packet (codec, USER_TYPE, big, FALSE),
                TRUE, "drop-payload-decode");
      add_bomb (bombs, "JSON 4 MiB nested, system type", bomb_packet (codec, GOSSIP_MSG_METADATA, deep_big, FALSE),
                TRUE, "drop-payload-decode");
    }
  return bombs;
}

/* Runs the bombs of @codec's kind against a fresh cluster.
 * GOSSIP_TEST_BOMB=TEXT runs only those whose name contains TEXT. */
static void
run_bombs (GossipCodec *codec,
           gboolean     json)
{
  Fixture f;
  guint tick, honest;
  GThread *sampler;
  guint received_start;
  DeliveryWait dw;
  g_autoptr(GArray) bombs = NULL;
  const char *only = g_getenv ("GOSSIP_TEST_BOMB");

  fixture_start (&f, codec);
  bombs = make_bombs (codec, json);
  test_run_for (300);
  f.rss_start = f.rss_max = test_rss_bytes ();
  f.sampling = 1;
  sampler = g_thread_new ("rss", sampler_thread, &f);
  tick = g_timeout_add (5, tick_cb, &f);
  honest = g_timeout_add (50, honest_cb, &f);
  received_start = MIN (f.honest_received[0], f.honest_received[2]);

  for (guint i = 0; i < bombs->len; i++)
    {
      Bomb *b = &g_array_index (bombs, Bomb, i);

      if (only == NULL || strstr (b->what, only) != NULL)
        attack (&f, b->what, b->raw, b->tcp, b->repeat, b->counter);
    }
  /* Exactly at the budget (21845 maps + the array = 65536 elements) the
   * payload is honest: delivered and decoded, at a bounded cost. */
  if (!json && only == NULL)
    {
      g_autoptr(GBytes) at = msgpack_maps (21845);
      g_autoptr(GSocketAddress) to = address_of (f.clusters[0]);
      gsize raw_size = 0;

      /* Five distinct messages (de-duplication would keep one): the cost
       * is per decode, it does not add up. */
      for (guint i = 0; i < 5; i++)
        {
          g_autoptr(GBytes) raw = bomb_packet (codec, BUDGET_TYPE, at, TRUE);
          Attack a = { raw, FALSE, 1, to, 0 };
          GThread *thread = g_thread_new ("at-budget", attack_thread, &a);
          AtBudgetWait w = { &f, i + 1 };

          raw_size = g_bytes_get_size (raw);
          g_assert_true (test_wait_for (attack_done, &a, 60000));
          g_thread_join (thread);
          g_assert_true (test_wait_for (at_budget_seen, &w, WAIT_MS));
        }
      g_test_message ("at the budget: %" G_GSIZE_FORMAT "-byte datagrams of 65536 elements decoded %u times, "
                      "RSS max +%.1f MB", raw_size, f.at_budget_decoded,
                      ((double) rss_max_of (&f) - (double) f.rss_start) / 1048576.0);
      g_assert_cmpuint (rss_max_of (&f) - f.rss_start, <, RSS_BOUND);
    }

  /* Honest traffic went on during the attack and goes on after it. */
  g_assert_cmpuint (MIN (f.honest_received[0], f.honest_received[2]), >, received_start);
  dw = (DeliveryWait) { &f, f.honest_sent - 5 };
  g_assert_true (test_wait_for (delivered, &dw, WAIT_MS));
  g_assert_true (test_wait_for (test_clusters_converged,
                                &(GPtrArray) { .pdata = (gpointer *) f.clusters, .len = N_NODES },
                                WAIT_MS));
#ifndef UNDER_ASAN
  g_assert_true (test_wait_for (rss_returned, &f, WAIT_MS));
#else
  /* ASan's quarantine (256 MB) keeps freed blocks resident, so RSS does
   * not come back here; LeakSanitizer checks that nothing is kept. */
  (void) rss_returned;
#endif
  g_test_message ("after: RSS +%.1f MB of the start, %u honest broadcasts sent, %u and %u delivered",
                  ((double) test_rss_bytes () - (double) f.rss_start) / 1048576.0,
                  f.honest_sent, f.honest_received[0], f.honest_received[2]);

  g_assert_cmpuint (f.bombs_handled, ==, 0);
  g_assert_cmpuint (f.honest_bad, ==, 0);
  g_atomic_int_set (&f.sampling, 0);
  g_thread_join (sampler);
  g_source_remove (tick);
  g_source_remove (honest);
  fixture_stop (&f);
}

static void
test_msgpack_bombs (void)
{
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();

  run_bombs (codec, FALSE);
}

static void
test_json_bombs (void)
{
  g_autoptr(GossipCodec) codec = gossip_json_codec_new ();

  run_bombs (codec, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hostile-decode/msgpack", test_msgpack_bombs);
  g_test_add_func ("/hostile-decode/json", test_json_bombs);

  return g_test_run ();
}
