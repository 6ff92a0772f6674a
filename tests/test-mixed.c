/* test-mixed.c: gossip-glib nodes with peers that follow Go v0.6.0's rules
 * (issue 11).
 *
 * The Go peers here are small models driven by real packets on real
 * loopback sockets: a GossipSocketTransport and the library's own wire and
 * message codecs, with the Go rules of BEHAVIOUR.md written out in the
 * handlers. Each model says which rules it follows and where it simplifies.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-hlc-private.h"
#include "gossip-messages-private.h"
#include "gossip-socket-transport-private.h"
#include "gossip-wire-private.h"

/* ------------------------------------------------------------------ */
/* A Go seed (BEHAVIOUR.md §3.2 handleJoin, §5.4 handlePing, §5.6 alive,
 * push/pull reply of a random subset).
 *
 * Mirrors Go: the join reply reveals only the seed; a push/pull from a
 * known sender is answered with a sample of the seed's list (here the
 * worst sample: the seed and the asker only, never the other joiners);
 * the seed never announces a joiner; pings to the seed are acked; alive
 * broadcasts are forwarded with TTL-1 to every other known member.
 * Simplifies: no probing, no state sync of its own, no suspicion; members
 * are never removed; forwarding goes to every member instead of a random
 * fan-out (with two joiners that is the same set). */

typedef struct {
  GossipNodeId id;
  char        *addr;
} GoMember;

typedef struct {
  GossipSocketTransport *transport;
  GossipWire             wire;
  GossipNodeId           id;
  char                  *addr;
  GArray                *members;   /* GoMember */
  guint                  push_pulls;
} GoSeed;

static GoMember *
go_seed_member (GoSeed             *seed,
                const GossipNodeId *id)
{
  for (guint i = 0; i < seed->members->len; i++)
    {
      GoMember *m = &g_array_index (seed->members, GoMember, i);
      if (gossip_node_id_equal (&m->id, id))
        return m;
    }
  return NULL;
}

static void
go_seed_add (GoSeed             *seed,
             const GossipNodeId *id,
             const char         *addr)
{
  GoMember m;

  if (go_seed_member (seed, id) != NULL || gossip_node_id_equal (id, &seed->id) || addr[0] == '\0')
    return;
  m.id = *id;
  m.addr = g_strdup (addr);
  g_array_append_val (seed->members, m);
}

static GBytes *
go_seed_encode (GoSeed   *seed,
                guint16   type,
                guint8    ttl,
                GVariant *payload)
{
  GossipEnvelope env = { .type = type, .sender = seed->id, .id = gossip_hlc_now (), .ttl = ttl };
  g_autoptr(GVariant) owned = g_variant_ref_sink (payload);
  g_autoptr(GError) error = NULL;
  GBytes *raw = gossip_wire_encode_value (&seed->wire, &env, owned, &error);

  g_assert_no_error (error);
  return raw;
}

static GVariant *
go_seed_state (GoSeed             *seed,
               const GossipNodeId *id,
               const char         *addr)
{
  g_autoptr(GVariant) md = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  GossipNodeStateMsg msg = {
    .id = *id, .addr = (char *) addr, .state = GOSSIP_NODE_STATE_ALIVE,
    .state_ts = gossip_hlc_now (), .metadata_ts = 0, .metadata = md,
  };
  return gossip_node_state_msg_build (&msg);
}

static void
go_seed_receive (GBytes         *raw,
                 gboolean        reliable,
                 GossipIncoming *incoming,
                 gpointer        user_data)
{
  GoSeed *seed = user_data;
  GossipWireMessage msg = { 0 };
  GossipDropReason reason;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) payload = NULL;
  GoMember *sender;

  if (!gossip_wire_decode (&seed->wire, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                           &msg, &reason, &error))
    return;
  payload = gossip_codec_decode (seed->wire.codec, msg.payload, NULL);
  sender = go_seed_member (seed, &msg.envelope.sender);

  switch (msg.envelope.type)
    {
    case GOSSIP_MSG_JOIN:
      {
        GossipJoinMsg join = { 0 };
        g_autoptr(GVariant) md = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
        GossipJoinMsg reply = {
          .accepted = TRUE, .reason = (char *) "", .id = seed->id, .addr = seed->addr,
          .protocol_version = 1, .app_version = (char *) "", .metadata_ts = 0, .metadata = md,
        };
        g_autoptr(GBytes) out = NULL;

        if (incoming == NULL || payload == NULL || !gossip_join_msg_parse (payload, &join))
          break;
        go_seed_add (seed, &join.id, join.addr);
        out = go_seed_encode (seed, GOSSIP_MSG_REPLY, 1, gossip_join_msg_build (&reply, TRUE));
        gossip_incoming_reply (incoming, out);
        gossip_join_msg_clear (&join);
      }
      break;

    case GOSSIP_MSG_PUSH_PULL:
      {
        g_autoptr(GArray) list = payload ? gossip_node_state_list_parse (payload, 1024) : NULL;
        GVariantBuilder b;
        g_autoptr(GBytes) out = NULL;

        /* Go closes the connection on a push/pull from a stranger. */
        if (incoming == NULL || sender == NULL || list == NULL)
          break;
        seed->push_pulls++;
        g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
        g_variant_builder_add_value (&b, go_seed_state (seed, &seed->id, seed->addr));
        g_variant_builder_add_value (&b, go_seed_state (seed, &sender->id, sender->addr));
        out = go_seed_encode (seed, GOSSIP_MSG_REPLY, 1, g_variant_builder_end (&b));
        gossip_incoming_reply (incoming, out);
        for (guint i = 0; i < list->len; i++)
          gossip_node_state_msg_clear (&g_array_index (list, GossipNodeStateMsg, i));
      }
      break;

    case GOSSIP_MSG_PING:
      {
        GossipPingMsg ping = { 0 };
        g_autoptr(GBytes) out = NULL;

        if (payload == NULL || !gossip_ping_msg_parse (payload, &ping))
          break;
        if (sender != NULL && gossip_node_id_equal (&ping.target, &seed->id))
          {
            out = go_seed_encode (seed, GOSSIP_MSG_PING_ACK, 1, gossip_ping_msg_build (&ping, FALSE));
            gossip_transport_send_datagram (GOSSIP_TRANSPORT (seed->transport), sender->addr, out);
          }
        gossip_ping_msg_clear (&ping);
      }
      break;

    case GOSSIP_MSG_ALIVE:
      /* Forwarded broadcast: the originator's envelope, TTL - 1. */
      if (msg.envelope.ttl > 0)
        {
          GossipEnvelope env = msg.envelope;
          g_autoptr(GBytes) out = NULL;

          env.ttl--;
          out = gossip_wire_encode (&seed->wire, &env, msg.wire_payload, msg.compressed, NULL);
          for (guint i = 0; out != NULL && i < seed->members->len; i++)
            {
              GoMember *m = &g_array_index (seed->members, GoMember, i);
              if (!gossip_node_id_equal (&m->id, &msg.envelope.sender))
                gossip_transport_send_datagram (GOSSIP_TRANSPORT (seed->transport), m->addr, out);
            }
        }
      break;

    default:
      break;
    }
  gossip_wire_message_clear (&msg);
}

static GoSeed *
go_seed_new (void)
{
  GoSeed *seed = g_new0 (GoSeed, 1);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bind = g_inet_socket_address_new (lo, 0);
  g_autoptr(GError) error = NULL;

  seed->transport = gossip_socket_transport_new (G_INET_SOCKET_ADDRESS (bind), TRUE, NULL, &error);
  g_assert_no_error (error);
  seed->addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (seed->transport));
  seed->wire.codec = gossip_msgpack_codec_new ();
  seed->wire.max_payload_size = 1 << 20;
  gossip_node_id_generate (&seed->id);
  seed->members = g_array_new (FALSE, TRUE, sizeof (GoMember));
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (seed->transport), go_seed_receive, seed);
  return seed;
}

static void
go_seed_free (GoSeed *seed)
{
  gossip_transport_close (GOSSIP_TRANSPORT (seed->transport));
  g_object_unref (seed->transport);
  g_object_unref (seed->wire.codec);
  for (guint i = 0; i < seed->members->len; i++)
    g_free (g_array_index (seed->members, GoMember, i).addr);
  g_array_unref (seed->members);
  g_free (seed->addr);
  g_free (seed);
}

/* ------------------------------------------------------------------ */

static GossipCluster *
new_node (guint sync_ms)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  g_object_set (config, "state-sync-interval", sync_ms, NULL);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (cluster);
  return cluster;
}

static void
join_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint *joined = user_data;

  *joined += gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &error);
  g_assert_no_error (error);
}

typedef struct {
  GossipCluster *a;
  GossipCluster *b;
  guint          expected;
} Views;

static gboolean
views_complete (gpointer user_data)
{
  Views *v = user_data;
  g_autoptr(GPtrArray) a = gossip_cluster_get_alive_nodes (v->a);
  g_autoptr(GPtrArray) b = gossip_cluster_get_alive_nodes (v->b);

  return a->len >= v->expected && b->len >= v->expected;
}

static gboolean
uint_at_least_one (gpointer user_data)
{
  return *(guint *) user_data >= 1;
}

/* One Go seed, two gossip-glib joiners: both see all three nodes well
 * before the state-sync interval, although the seed's push/pull replies
 * never mention the other joiner. */
static void
test_go_seed_two_joiners (void)
{
  const guint sync_ms = 20000;
  GoSeed *seed = go_seed_new ();
  GossipCluster *j1 = new_node (sync_ms);
  GossipCluster *j2 = new_node (sync_ms);
  const char *peers[] = { seed->addr, NULL };
  guint joined1 = 0, joined2 = 0;
  Views views = { j1, j2, 3 };
  gint64 start;
  gint64 took_ms;

  gossip_cluster_join_async (j1, peers, NULL, join_done_cb, &joined1);
  g_assert_true (test_wait_for (uint_at_least_one, &joined1, 5000));
  start = g_get_monotonic_time ();
  gossip_cluster_join_async (j2, peers, NULL, join_done_cb, &joined2);
  g_assert_true (test_wait_for (uint_at_least_one, &joined2, 5000));

  /* A tenth of the sync interval: the view cannot have come from a sync. */
  g_assert_true (test_wait_for (views_complete, &views, sync_ms / 10));
  took_ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("full view %" G_GINT64_FORMAT " ms after the second join (sync every %u ms)",
                  took_ms, sync_ms);
  g_assert_cmpint (took_ms, <, sync_ms / 10);

  gossip_cluster_stop (j1);
  gossip_cluster_stop (j2);
  g_object_unref (j1);
  g_object_unref (j2);
  go_seed_free (seed);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mixed/membership/go-seed-two-joiners", test_go_seed_two_joiners);
  return g_test_run ();
}
