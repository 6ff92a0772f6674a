/* test-mixed.c: gossip-glib nodes with peers that follow Go v0.6.0's rules
 * (issue 11).
 *
 * The Go peers here are small models driven by real packets on real
 * loopback sockets: a GossipSocketTransport and the library's own wire and
 * message codecs, with the Go rules of BEHAVIOUR.md written out in the
 * handlers. Each model says which rules it follows and where it simplifies.
 */
#include "config.h"

#include <stdlib.h>

#include <string.h>

#include "test-utils.h"
#include "gossip-cluster-private.h"
#include "gossip-hlc-private.h"
#include "gossip-messages-private.h"
#include "gossip-socket-transport-private.h"
#include "gossip-wire-private.h"
#include "gossip-netsim.h"

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

  seed->transport = gossip_socket_transport_new_with_limits (G_INET_SOCKET_ADDRESS (bind), TRUE, NULL, &error);
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
/* A Go v0.6.0 node's failure detection (BEHAVIOUR.md §5), as a model.
 *
 * Mirrors Go's rules: every health interval it pings its peers (seq from a
 * counter, ack within the ping timeout); a failed probe counts a failure,
 * a success clears it; at SuspectThreshold failures a node still Alive
 * becomes Suspect and a suspicion is broadcast (§5.3) - only then. A
 * suspicion heard about an Alive node is checked with a ping; if that fails
 * the node becomes Suspect with a confirmation from the originator and
 * nothing is broadcast (§5.6). A push/pull entry reporting Dead about a
 * Suspect node confirms from the sender; Dead or Suspect about an Alive
 * node is checked with a ping, and a failure makes it Suspect (plus the
 * sender's confirmation for Dead), again without a broadcast (§5.6 table).
 * Every suspect-attempt interval a Suspect node with confirmations >=
 * quorum (max(2, ceil(n/4)), n = Alive incl. self) becomes Dead (§5.5).
 * Every state-sync interval it push/pulls with one random Alive peer and
 * reports its view. It acks pings from known senders, answers indirect
 * pings by pinging the target (§5.4), and answers joins.
 * Each interval it probes HealthCheckSampleSize (2) random peers, as Go.
 * Simplifies: the four timers start together instead of after a random
 * delay; probes skip Go's activity shortcut (§5.3 step 2, "heard from
 * within 500 ms"), which only matters for live nodes; pingAny is a direct ping only (Go's indirect
 * probes never succeed anyway, §12 item 1), waited for twice the ping timeout as Go does; broadcasts go directly to
 * every peer with TTL 0 instead of a fan-out that forwards; no
 * SuspectRetentionPeriod fallback (5 min in Go, beyond any test), no
 * refutations, no leave, no metadata. */

typedef struct {
  GossipNodeId  id;
  char         *addr;
  guint8        state;
  guint         failures;
  GHashTable   *confirmers;   /* char* id -> NULL */
  gint64        dead_at;      /* monotonic µs */
} GoPeer;

typedef enum { PING_PROBE, PING_SUSPICION, PING_REPORT_DEAD, PING_REPORT_SUSPECT, PING_RELAY } PingKind;

typedef struct _GoNode GoNode;

typedef struct {
  GoNode        *go;
  guint32        seq;
  GossipNodeId   target;
  PingKind       kind;
  GossipNodeId   originator;  /* confirmer for SUSPICION / REPORT_DEAD */
  char          *reply_addr;  /* RELAY: who asked */
  guint32        reply_seq;
  GSource       *timeout;
} GoPing;

struct _GoNode {
  GossipSocketTransport *transport;
  GossipWire             wire;
  GossipNodeId           id;
  char                  *addr;
  GPtrArray             *peers;    /* GoPeer* */
  GHashTable            *pings;    /* seq -> GoPing* */
  guint32                next_seq;
  guint                  interval;
  guint                  ping_timeout;
  guint                  suspicions_sent;
  GSource               *probe_timer;
  GSource               *suspect_timer;
  GSource               *sync_timer;
};

static GoPeer *
go_peer (GoNode             *go,
         const GossipNodeId *id)
{
  for (guint i = 0; i < go->peers->len; i++)
    {
      GoPeer *p = go->peers->pdata[i];
      if (gossip_node_id_equal (&p->id, id))
        return p;
    }
  return NULL;
}

static void
go_peer_free (gpointer data)
{
  GoPeer *p = data;

  g_hash_table_unref (p->confirmers);
  g_free (p->addr);
  g_free (p);
}

static GoPeer *
go_add_peer (GoNode             *go,
             const GossipNodeId *id,
             const char         *addr)
{
  GoPeer *p = go_peer (go, id);

  if (p != NULL || gossip_node_id_equal (id, &go->id) || addr == NULL || addr[0] == '\0')
    return p;
  p = g_new0 (GoPeer, 1);
  p->id = *id;
  p->addr = g_strdup (addr);
  p->state = GOSSIP_NODE_STATE_ALIVE;
  p->confirmers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_ptr_array_add (go->peers, p);
  return p;
}

static GBytes *
go_encode (GoNode   *go,
           guint16   type,
           GVariant *payload)
{
  GossipEnvelope env = { .type = type, .sender = go->id, .id = gossip_hlc_now (), .ttl = 0 };
  g_autoptr(GVariant) owned = g_variant_ref_sink (payload);

  return gossip_wire_encode_value (&go->wire, &env, owned, NULL);
}

static void
go_send (GoNode     *go,
         const char *addr,
         guint16     type,
         GVariant   *payload)
{
  g_autoptr(GBytes) raw = go_encode (go, type, payload);

  if (raw != NULL)
    gossip_transport_send_datagram (GOSSIP_TRANSPORT (go->transport), addr, raw);
}

static guint
go_quorum (GoNode *go)
{
  guint alive = 1;

  for (guint i = 0; i < go->peers->len; i++)
    if (((GoPeer *) go->peers->pdata[i])->state == GOSSIP_NODE_STATE_ALIVE)
      alive++;
  return MAX (2, (alive + 3) / 4);
}

static void
go_confirm (GoPeer             *p,
            const GossipNodeId *confirmer)
{
  g_hash_table_add (p->confirmers, gossip_node_id_to_string (confirmer));
}

static void
go_broadcast_suspicion (GoNode *go,
                        GoPeer *suspect)
{
  GossipNodeMsg msg = { .node = suspect->id };

  go->suspicions_sent++;
  for (guint i = 0; i < go->peers->len; i++)
    {
      GoPeer *p = go->peers->pdata[i];
      if (p != suspect && p->state != GOSSIP_NODE_STATE_DEAD)
        go_send (go, p->addr, GOSSIP_MSG_SUSPICION, gossip_node_msg_build (&msg, FALSE));
    }
}

static void
go_ping_free (gpointer data)
{
  GoPing *ping = data;

  if (ping->timeout != NULL)
    {
      g_source_destroy (ping->timeout);
      g_source_unref (ping->timeout);
    }
  g_free (ping->reply_addr);
  g_free (ping);
}

/* The outcome of one ping, by what it was for. */
static void
go_ping_result (GoNode *go,
                GoPing *ping,
                gboolean ok)
{
  GoPeer *p = go_peer (go, &ping->target);

  if (ping->kind == PING_RELAY)
    {
      GossipPingMsg reply = { .target = ping->target, .seq = ping->reply_seq, .addr = (char *) "", .ok = ok };
      go_send (go, ping->reply_addr, GOSSIP_MSG_INDIRECT_PING_ACK, gossip_ping_msg_build (&reply, TRUE));
      return;
    }
  if (p == NULL || p->state == GOSSIP_NODE_STATE_DEAD)
    return;
  if (ok)
    {
      p->failures = 0;
      if (p->state == GOSSIP_NODE_STATE_SUSPECT)
        {
          p->state = GOSSIP_NODE_STATE_ALIVE;
          g_hash_table_remove_all (p->confirmers);
        }
      return;
    }
  switch (ping->kind)
    {
    case PING_PROBE:
      p->failures++;
      if (p->failures >= 3 && p->state == GOSSIP_NODE_STATE_ALIVE)
        {
          p->state = GOSSIP_NODE_STATE_SUSPECT;
          go_broadcast_suspicion (go, p);
        }
      break;
    case PING_SUSPICION:
    case PING_REPORT_DEAD:
      go_confirm (p, &ping->originator);
      p->state = GOSSIP_NODE_STATE_SUSPECT;
      break;
    case PING_REPORT_SUSPECT:
      p->state = GOSSIP_NODE_STATE_SUSPECT;
      break;
    default:
      break;
    }
}

static gboolean
go_ping_timeout_cb (gpointer user_data)
{
  GoPing *ping = user_data;
  GoNode *go = ping->go;

  g_clear_pointer (&ping->timeout, g_source_unref);
  g_hash_table_steal (go->pings, GUINT_TO_POINTER (ping->seq));
  go_ping_result (go, ping, FALSE);
  go_ping_free (ping);
  return G_SOURCE_REMOVE;
}

static void
go_ping (GoNode             *go,
         const GossipNodeId *target,
         const char         *addr,
         PingKind            kind,
         const GossipNodeId *originator)
{
  GoPing *ping = g_new0 (GoPing, 1);
  GossipPingMsg msg = { .target = *target, .addr = go->addr };

  ping->go = go;
  ping->seq = go->next_seq++;
  ping->target = *target;
  ping->kind = kind;
  if (originator != NULL)
    ping->originator = *originator;
  msg.seq = ping->seq;
  /* Go's pingAny waits PingTimeout for the direct ack, then as long again
   * for indirect acks that never match (§5.4): a failure takes twice the
   * timeout. An intermediary's own ping waits PingTimeout. */
  ping->timeout = g_timeout_source_new (kind == PING_RELAY ? go->ping_timeout : 2 * go->ping_timeout);
  g_source_set_callback (ping->timeout, go_ping_timeout_cb, ping, NULL);
  g_source_attach (ping->timeout, NULL);
  g_hash_table_insert (go->pings, GUINT_TO_POINTER (ping->seq), ping);
  go_send (go, addr, GOSSIP_MSG_PING, gossip_ping_msg_build (&msg, FALSE));
}

static void
go_ping_peer (GoNode             *go,
              GoPeer             *p,
              PingKind            kind,
              const GossipNodeId *originator)
{
  go_ping (go, &p->id, p->addr, kind, originator);
}

static GVariant *
go_state_list (GoNode *go)
{
  GVariantBuilder b;
  g_autoptr(GVariant) md = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
  GossipNodeStateMsg self = { .id = go->id, .addr = go->addr, .state = GOSSIP_NODE_STATE_ALIVE,
                              .state_ts = 1, .metadata = md };

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  g_variant_builder_add_value (&b, gossip_node_state_msg_build (&self));
  for (guint i = 0; i < go->peers->len; i++)
    {
      GoPeer *p = go->peers->pdata[i];
      GossipNodeStateMsg e = { .id = p->id, .addr = p->addr, .state = p->state,
                               .state_ts = 1, .metadata = md };
      g_variant_builder_add_value (&b, gossip_node_state_msg_build (&e));
    }
  return g_variant_builder_end (&b);
}

/* combineRemoteNodeState, the rows that matter here (§5.6). */
static void
go_merge (GoNode             *go,
          const GossipNodeId *sender,
          GVariant           *payload)
{
  g_autoptr(GArray) list = payload ? gossip_node_state_list_parse (payload, 1024) : NULL;

  for (guint i = 0; list != NULL && i < list->len; i++)
    {
      GossipNodeStateMsg *e = &g_array_index (list, GossipNodeStateMsg, i);
      GoPeer *p = go_peer (go, &e->id);

      if (gossip_node_id_equal (&e->id, &go->id))
        ;
      else if (p == NULL)
        {
          if (e->state == GOSSIP_NODE_STATE_ALIVE)
            go_add_peer (go, &e->id, e->addr);
        }
      else if (e->state == GOSSIP_NODE_STATE_DEAD && p->state == GOSSIP_NODE_STATE_SUSPECT)
        go_confirm (p, sender);
      else if (e->state == GOSSIP_NODE_STATE_DEAD && p->state == GOSSIP_NODE_STATE_ALIVE)
        go_ping_peer (go, p, PING_REPORT_DEAD, sender);
      else if (e->state == GOSSIP_NODE_STATE_SUSPECT && p->state == GOSSIP_NODE_STATE_ALIVE)
        go_ping_peer (go, p, PING_REPORT_SUSPECT, NULL);
      gossip_node_state_msg_clear (e);
    }
}

typedef struct {
  GoNode       *go;
  GossipNodeId  peer;
} GoExchange;

static void
go_exchange_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GoExchange *ex = user_data;
  g_autoptr(GBytes) reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, NULL);
  GossipWireMessage msg = { 0 };
  GossipDropReason reason;

  if (reply != NULL && ex->go->peers != NULL &&
      gossip_wire_decode (&ex->go->wire, g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                          &msg, &reason, NULL))
    {
      g_autoptr(GVariant) payload = gossip_codec_decode (ex->go->wire.codec, msg.payload, NULL);
      go_merge (ex->go, &ex->peer, payload);
    }
  gossip_wire_message_clear (&msg);
  g_free (ex);
}

static gboolean
go_probe_cb (gpointer user_data)
{
  GoNode *go = user_data;
  g_autoptr(GPtrArray) order = g_ptr_array_new ();

  /* HealthCheckSampleSize (2) random peers of any state; Dead ones are
   * then skipped by the worker (§5.2, §5.3). */
  for (guint i = 0; i < go->peers->len; i++)
    g_ptr_array_insert (order, g_random_int_range (0, order->len + 1), go->peers->pdata[i]);
  for (guint i = 0; i < order->len && i < 2; i++)
    {
      GoPeer *p = order->pdata[i];
      if (p->state == GOSSIP_NODE_STATE_ALIVE || p->state == GOSSIP_NODE_STATE_SUSPECT)
        go_ping_peer (go, p, PING_PROBE, NULL);
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
go_suspect_cb (gpointer user_data)
{
  GoNode *go = user_data;
  guint quorum = go_quorum (go);

  for (guint i = 0; i < go->peers->len; i++)
    {
      GoPeer *p = go->peers->pdata[i];
      if (p->state == GOSSIP_NODE_STATE_SUSPECT && g_hash_table_size (p->confirmers) >= quorum)
        {
          p->state = GOSSIP_NODE_STATE_DEAD;
          p->dead_at = g_get_monotonic_time ();
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
go_sync_cb (gpointer user_data)
{
  GoNode *go = user_data;
  g_autoptr(GPtrArray) alive = g_ptr_array_new ();
  GoPeer *p;
  GoExchange *ex;
  g_autoptr(GBytes) raw = NULL;

  for (guint i = 0; i < go->peers->len; i++)
    if (((GoPeer *) go->peers->pdata[i])->state == GOSSIP_NODE_STATE_ALIVE)
      g_ptr_array_add (alive, go->peers->pdata[i]);
  if (alive->len == 0)
    return G_SOURCE_CONTINUE;
  p = alive->pdata[g_random_int_range (0, alive->len)];
  raw = go_encode (go, GOSSIP_MSG_PUSH_PULL, go_state_list (go));
  ex = g_new0 (GoExchange, 1);
  ex->go = go;
  ex->peer = p->id;
  gossip_transport_request_async (GOSSIP_TRANSPORT (go->transport), p->addr, raw,
                                  GOSSIP_REQUEST_REPLY, NULL, go_exchange_cb, ex);
  return G_SOURCE_CONTINUE;
}

static void
go_node_receive (GBytes         *raw,
                 gboolean        reliable,
                 GossipIncoming *incoming,
                 gpointer        user_data)
{
  GoNode *go = user_data;
  GossipWireMessage msg = { 0 };
  GossipDropReason reason;
  g_autoptr(GVariant) payload = NULL;
  GoPeer *sender;

  if (!gossip_wire_decode (&go->wire, g_bytes_get_data (raw, NULL), g_bytes_get_size (raw),
                           &msg, &reason, NULL))
    return;
  payload = gossip_codec_decode (go->wire.codec, msg.payload, NULL);
  sender = go_peer (go, &msg.envelope.sender);
  /* §4.2 step 3: any packet from a known originator revives it. */
  if (sender != NULL && sender->state != GOSSIP_NODE_STATE_ALIVE)
    {
      sender->state = GOSSIP_NODE_STATE_ALIVE;
      sender->failures = 0;
      g_hash_table_remove_all (sender->confirmers);
    }

  switch (msg.envelope.type)
    {
    case GOSSIP_MSG_JOIN:
      {
        GossipJoinMsg join = { 0 };
        g_autoptr(GVariant) md = g_variant_ref_sink (g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0));
        GossipJoinMsg reply = {
          .accepted = TRUE, .reason = (char *) "", .id = go->id, .addr = go->addr,
          .protocol_version = 1, .app_version = (char *) "", .metadata = md,
        };
        g_autoptr(GBytes) out = NULL;

        if (incoming == NULL || payload == NULL || !gossip_join_msg_parse (payload, &join))
          break;
        go_add_peer (go, &join.id, join.addr);
        out = go_encode (go, GOSSIP_MSG_REPLY, gossip_join_msg_build (&reply, TRUE));
        gossip_incoming_reply (incoming, out);
        gossip_join_msg_clear (&join);
      }
      break;

    case GOSSIP_MSG_PUSH_PULL:
      if (incoming != NULL && sender != NULL)
        {
          g_autoptr(GBytes) out = go_encode (go, GOSSIP_MSG_REPLY, go_state_list (go));
          gossip_incoming_reply (incoming, out);
          go_merge (go, &msg.envelope.sender, payload);
        }
      break;

    case GOSSIP_MSG_PING:
    case GOSSIP_MSG_INDIRECT_PING:
      {
        GossipPingMsg ping = { 0 };

        if (payload == NULL || !gossip_ping_msg_parse (payload, &ping) || sender == NULL)
          {
            gossip_ping_msg_clear (&ping);
            break;
          }
        if (msg.envelope.type == GOSSIP_MSG_PING && gossip_node_id_equal (&ping.target, &go->id))
          go_send (go, sender->addr, GOSSIP_MSG_PING_ACK, gossip_ping_msg_build (&ping, FALSE));
        else if (msg.envelope.type == GOSSIP_MSG_INDIRECT_PING && ping.addr[0] != '\0')
          {
            GoPing *relay;
            guint32 seq = go->next_seq;

            go_ping (go, &ping.target, ping.addr, PING_RELAY, NULL);
            relay = g_hash_table_lookup (go->pings, GUINT_TO_POINTER (seq));
            relay->reply_addr = g_strdup (sender->addr);
            relay->reply_seq = ping.seq;
          }
        gossip_ping_msg_clear (&ping);
      }
      break;

    case GOSSIP_MSG_PING_ACK:
      {
        GossipPingMsg ack = { 0 };
        GoPing *ping;

        if (payload == NULL || !gossip_ping_msg_parse (payload, &ack))
          break;
        ping = g_hash_table_lookup (go->pings, GUINT_TO_POINTER (ack.seq));
        if (ping != NULL && gossip_node_id_equal (&ping->target, &msg.envelope.sender))
          {
            g_hash_table_steal (go->pings, GUINT_TO_POINTER (ack.seq));
            go_ping_result (go, ping, TRUE);
            go_ping_free (ping);
          }
        gossip_ping_msg_clear (&ack);
      }
      break;

    case GOSSIP_MSG_SUSPICION:
      {
        GossipNodeMsg sus = { 0 };
        GoPeer *p;

        if (payload == NULL || !gossip_node_msg_parse (payload, &sus))
          break;
        p = go_peer (go, &sus.node);
        if (sender != NULL && p != NULL)
          {
            if (p->state == GOSSIP_NODE_STATE_ALIVE)
              go_ping_peer (go, p, PING_SUSPICION, &msg.envelope.sender);
            else
              go_confirm (p, &msg.envelope.sender);
          }
        gossip_node_msg_clear (&sus);
      }
      break;

    default:
      break;
    }
  gossip_wire_message_clear (&msg);
}

static GoNode *
go_node_new (guint interval,
             guint ping_timeout,
             guint suspect_interval,
             guint sync_interval)
{
  GoNode *go = g_new0 (GoNode, 1);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) bind = g_inet_socket_address_new (lo, 0);
  g_autoptr(GError) error = NULL;

  go->transport = gossip_socket_transport_new_with_limits (G_INET_SOCKET_ADDRESS (bind), TRUE, NULL, &error);
  g_assert_no_error (error);
  go->addr = gossip_transport_get_local_address (GOSSIP_TRANSPORT (go->transport));
  go->wire.codec = gossip_msgpack_codec_new ();
  go->wire.max_payload_size = 1 << 20;
  gossip_node_id_generate (&go->id);
  go->peers = g_ptr_array_new_with_free_func (go_peer_free);
  go->pings = g_hash_table_new_full (NULL, NULL, NULL, go_ping_free);
  go->interval = interval;
  go->ping_timeout = ping_timeout;
  gossip_transport_set_receive_func (GOSSIP_TRANSPORT (go->transport), go_node_receive, go);
  go->probe_timer = g_timeout_source_new (interval);
  g_source_set_callback (go->probe_timer, go_probe_cb, go, NULL);
  g_source_attach (go->probe_timer, NULL);
  go->suspect_timer = g_timeout_source_new (suspect_interval);
  g_source_set_callback (go->suspect_timer, go_suspect_cb, go, NULL);
  g_source_attach (go->suspect_timer, NULL);
  go->sync_timer = g_timeout_source_new (sync_interval);
  g_source_set_callback (go->sync_timer, go_sync_cb, go, NULL);
  g_source_attach (go->sync_timer, NULL);
  return go;
}

static void
go_node_free (GoNode *go)
{
  GSource *timers[] = { go->probe_timer, go->suspect_timer, go->sync_timer };

  for (guint i = 0; i < G_N_ELEMENTS (timers); i++)
    {
      g_source_destroy (timers[i]);
      g_source_unref (timers[i]);
    }
  gossip_transport_close (GOSSIP_TRANSPORT (go->transport));
  g_object_unref (go->transport);
  g_hash_table_unref (go->pings);
  g_clear_pointer (&go->peers, g_ptr_array_unref);
  g_object_unref (go->wire.codec);
  g_free (go->addr);
  g_free (go);
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


/* ------------------------------------------------------------------ */
/* Failure detection with two Go nodes and two gossip-glib nodes. */

typedef struct {
  GoNode            *go[2];
  const GossipNodeId *victim;
} GoVerdict;

static gboolean
go_both_dead (gpointer user_data)
{
  GoVerdict *v = user_data;

  for (guint i = 0; i < 2; i++)
    {
      GoPeer *p = go_peer (v->go[i], v->victim);
      if (p == NULL || p->state != GOSSIP_NODE_STATE_DEAD)
        return FALSE;
    }
  return TRUE;
}

typedef struct {
  GoNode        *go[2];
  GossipCluster *c[2];
} Mixed4;

static gboolean
mixed4_converged (gpointer user_data)
{
  Mixed4 *m = user_data;

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GPtrArray) alive = gossip_cluster_get_alive_nodes (m->c[i]);
      guint go_alive = 0;

      if (alive->len < 4)
        return FALSE;
      for (guint j = 0; j < m->go[i]->peers->len; j++)
        if (((GoPeer *) m->go[i]->peers->pdata[j])->state == GOSSIP_NODE_STATE_ALIVE)
          go_alive++;
      if (go_alive < 3)
        return FALSE;
    }
  return TRUE;
}

/* Both gossip-glib nodes take both Go models for Go nodes (hellos unanswered). */
static gboolean
mixed4_classified (gpointer user_data)
{
  Mixed4 *m = user_data;

  for (guint i = 0; i < 2; i++)
    for (guint j = 0; j < 2; j++)
      {
        g_autofree char *id = gossip_node_id_to_string (&m->go[j]->id);
        GossipNode *node = gossip_cluster_get_node (m->c[i], id);

        if (node == NULL || !gossip_health_is_go_peer (m->c[i]->health, node))
          return FALSE;
      }
  return TRUE;
}

typedef struct {
  GoVerdict      go;
  GossipCluster *survivor;
  const char    *victim_id;
  gint64         start;
  gint64         go_ms;      /* -1 until both Go nodes say Dead */
  gint64         glib_ms;    /* -1 until the surviving gossip-glib node does */
} Verdicts;

static gboolean
verdicts_in (gpointer user_data)
{
  Verdicts *v = user_data;
  GossipNode *node = gossip_cluster_get_node (v->survivor, v->victim_id);
  gint64 now_ms = (g_get_monotonic_time () - v->start) / 1000;

  if (v->go_ms < 0 && go_both_dead (&v->go))
    v->go_ms = now_ms;
  if (v->glib_ms < 0 && node != NULL && gossip_node_get_state (node) == GOSSIP_NODE_STATE_DEAD)
    v->glib_ms = now_ms;
  return v->go_ms >= 0 && v->glib_ms >= 0;
}

static GossipCluster *
new_health_node (guint hold_ms)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GError) error = NULL;
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  g_object_set (config,
                "health-check-interval", 200,
                "ping-timeout", 100,
                "suspect-attempt-interval", 200,
                "state-sync-interval", 1000,
                NULL);
  /* G_MAXUINT: keep the default. */
  if (hold_ms != G_MAXUINT)
    g_object_set (config, "go-suspicion-delay", hold_ms, NULL);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  gossip_cluster_start (cluster);
  return cluster;
}

/* Returns how long (ms) both Go nodes took to declare the silenced
 * gossip-glib node Dead, or -1 if they did not within @limit_ms. */
static gint64
run_mixed_death (guint   hold_ms,
                 guint   limit_ms,
                 guint  *go_suspicions,
                 gint64 *glib_ms)
{
  Verdicts verdicts;
  Mixed4 m;
  GoVerdict v;
  guint joined = 0;
  gint64 start;
  gint64 result = -1;
  g_autofree char *victim_id = NULL;
  GossipNodeId victim;
  const char *c2_addr;

  gossip_netsim_enable ();
  gossip_netsim_reset ();
  /* Go's defaults scaled by 1/5: 1 s health interval, 500 ms ping timeout,
   * 5 s suspect evaluation and state sync. */
  for (guint i = 0; i < 2; i++)
    m.go[i] = go_node_new (200, 100, 1000, 1000);
  go_add_peer (m.go[0], &m.go[1]->id, m.go[1]->addr);
  go_add_peer (m.go[1], &m.go[0]->id, m.go[0]->addr);
  for (guint i = 0; i < 2; i++)
    m.c[i] = new_health_node (hold_ms);

  {
    const char *peers1[] = { m.go[0]->addr, m.go[1]->addr, NULL };
    const char *peers2[] = { m.go[0]->addr, m.go[1]->addr,
                             gossip_cluster_get_advertise_address (m.c[0]), NULL };
    gossip_cluster_join_async (m.c[0], peers1, NULL, join_done_cb, &joined);
    g_assert_true (test_wait_for (uint_at_least_one, &joined, 5000));
    joined = 0;
    gossip_cluster_join_async (m.c[1], peers2, NULL, join_done_cb, &joined);
    g_assert_true (test_wait_for (uint_at_least_one, &joined, 5000));
  }
  g_assert_true (test_wait_for (mixed4_converged, &m, 10000));
  /* A few hello intervals (200 ms): the Go models never answer. */
  g_assert_true (test_wait_for (mixed4_classified, &m, 10000));

  /* kill -9 of the second gossip-glib node: nothing leaves it any more. */
  c2_addr = gossip_cluster_get_advertise_address (m.c[1]);
  victim_id = g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (m.c[1])));
  g_assert_true (gossip_node_id_parse (victim_id, &victim));
  v.go[0] = m.go[0];
  v.go[1] = m.go[1];
  v.victim = &victim;
  m.go[0]->suspicions_sent = m.go[1]->suspicions_sent = 0;
  start = g_get_monotonic_time ();
  gossip_netsim_block (c2_addr, NULL);
  gossip_netsim_block (NULL, c2_addr);

  verdicts = (Verdicts) { v, m.c[0], victim_id, start, -1, -1 };
  test_wait_for (verdicts_in, &verdicts, limit_ms);
  result = verdicts.go_ms;
  if (glib_ms != NULL)
    *glib_ms = verdicts.glib_ms;
  *go_suspicions = m.go[0]->suspicions_sent + m.go[1]->suspicions_sent;

  gossip_netsim_reset ();
  for (guint i = 0; i < 2; i++)
    {
      gossip_cluster_stop (m.c[i]);
      g_object_unref (m.c[i]);
    }
  for (guint i = 0; i < 2; i++)
    go_node_free (m.go[i]);
  return result;
}

/* The bound to meet: the same Go model in a Go-only cluster of four, one of
 * which falls silent. Returns how long (ms) the three others took to
 * declare it Dead, or -1 if they did not within @limit_ms. */
static gint64
run_go_only_death (guint limit_ms)
{
  GoNode *go[4];
  gint64 start, result = -1;
  gboolean all;
  GossipNodeId victim;

  gossip_netsim_enable ();
  gossip_netsim_reset ();
  for (guint i = 0; i < 4; i++)
    go[i] = go_node_new (200, 100, 1000, 1000);
  for (guint i = 0; i < 4; i++)
    for (guint j = 0; j < 4; j++)
      if (i != j)
        go_add_peer (go[i], &go[j]->id, go[j]->addr);
  /* Let the models exchange a few rounds first. */
  test_run_for (1000);
  /* The models' sockets do not go through netsim: the victim stops for
   * good (its socket closes, as with kill -9). */
  victim = go[3]->id;
  go_node_free (go[3]);
  start = g_get_monotonic_time ();
  {
    GoVerdict v = { { go[0], go[1] }, &victim };
    GoVerdict w = { { go[1], go[2] }, &victim };

    all = test_wait_for (go_both_dead, &v, limit_ms) && test_wait_for (go_both_dead, &w, limit_ms);
  }
  if (all)
    result = (g_get_monotonic_time () - start) / 1000;
  gossip_netsim_reset ();
  for (guint i = 0; i < 3; i++)
    go_node_free (go[i]);
  return result;
}

/* With default settings (the Go models never answer our hellos, so the
 * hold is on), Go nodes that follow v0.6.0's rules declare a dead
 * gossip-glib node Dead no later than a Go-only cluster of the same models
 * would: a Go node needs 3 failed probes (2 of its 3 peers sampled per
 * 200 ms tick), its suspicion releases ours at once, and the other Go node
 * then holds two confirmations at its next evaluation (1 s); the first one
 * gets its second from the other's suspicion or next push/pull. The bound
 * is measured here, over seeded Go-only runs (one of which may stall, as
 * Go-only clusters do when hearsay beats a second suspicion), and every
 * seeded mixed run must meet it. The delay (10 s) is only the fallback
 * for when no Go node suspects. */
static int
compare_gint64 (const void *a, const void *b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
test_go_nodes_declare_dead (void)
{
  const guint runs = 6;
  gint64 bound = 0;
  gint64 go_only[6], mixed[6];

  /* The Go-only bound first, with the same seeds' worth of runs. */
  for (guint i = 0; i < runs; i++)
    {
      gint64 took;

      g_random_set_seed (1000 + i);
      took = run_go_only_death (8000);
      g_test_message ("Go-only run %u: the three Go nodes declared the silent one Dead after %"
                      G_GINT64_FORMAT " ms", i, took);
      bound = MAX (bound, took);
      go_only[i] = took < 0 ? G_MAXINT64 : took;
    }
  g_assert_cmpint (bound, >, 0);

  /* Default settings: the hold is on because the Go peers never answer
   * our hellos. Every run must meet the Go-only bound, give or take one
   * Go suspect evaluation period (1 s here) for the phase of its timer. */
  for (guint i = 0; i < runs; i++)
    {
      guint go_suspicions = 0;
      gint64 took, glib_ms = -1;

      g_random_set_seed (2000 + i);
      took = run_mixed_death (G_MAXUINT, 8000, &go_suspicions, &glib_ms);
      g_test_message ("mixed run %u: Go nodes declared the dead gossip-glib node Dead after %" G_GINT64_FORMAT
                      " ms (Go-only bound %" G_GINT64_FORMAT " ms), the surviving gossip-glib node after %"
                      G_GINT64_FORMAT " ms; Go nodes broadcast %u suspicions",
                      i, took, bound, glib_ms, go_suspicions);
      /* Our own verdict is not held back: within the suspicion timeout of
       * one confirmation (about 1.1 s at these intervals) after the
       * first probes fail, as without the hold. */
      g_assert_cmpint (glib_ms, >=, 0);
      g_assert_cmpint (glib_ms, <=, 3000);
      g_assert_cmpint (took, >=, 0);
      /* Verdicts come in whole Go evaluation periods (1 s); on a loaded
       * machine one run may slip by one more period than the slowest
       * Go-only run, but the runs as a whole are not slower (below).
       * Under ASan the models run several times slower than the timers
       * they race, so only "every run reaches Dead" is checked there. */
#ifndef UNDER_ASAN
      g_assert_cmpint (took, <=, bound + 2000);
#endif
      g_assert_cmpuint (go_suspicions, >=, 1);
      mixed[i] = took;
    }
  /* Not slower than Go-only: the medians, give or take one period's phase. */
  qsort (go_only, runs, sizeof go_only[0], compare_gint64);
  qsort (mixed, runs, sizeof mixed[0], compare_gint64);
  g_test_message ("medians: Go-only %" G_GINT64_FORMAT " ms, mixed %" G_GINT64_FORMAT " ms",
                  go_only[runs / 2], mixed[runs / 2]);
#ifndef UNDER_ASAN
  g_assert_cmpint (mixed[runs / 2], <=, go_only[runs / 2] + 1000);
#endif
}

/* The failure the delay fixes, reproduced by the model: without it our
 * suspicion arrives first, both Go nodes turn Suspect by hearsay, neither
 * broadcasts, and Go's quorum of 2 is never reached (5 min in real Go). */
static void
test_go_nodes_stuck_without_delay (void)
{
  guint stalls = 0;

  /* Seeded runs: in some a Go node happens to suspect on its own before it
   * hears ours (the lucky 7 of 11 runs in the issue) and no stall arises;
   * the stall must show in at least one, and wherever our suspicion came
   * first the Go nodes must never reach Dead. */
  for (guint i = 0; i < 5 && stalls == 0; i++)
    {
      guint go_suspicions = 0;
      gint64 glib_ms = -1;
      gint64 took;

      g_random_set_seed (3000 + i);
      took = run_mixed_death (0, 4000, &go_suspicions, &glib_ms);
      g_test_message ("without the delay, run %u: %" G_GINT64_FORMAT " ms, Go nodes broadcast %u "
                      "suspicions; the surviving gossip-glib node said Dead after %" G_GINT64_FORMAT " ms",
                      i, took, go_suspicions, glib_ms);
      if (go_suspicions == 0)
        {
          g_assert_cmpint (took, ==, -1);
          stalls++;
        }
    }
  g_assert_cmpuint (stalls, >=, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mixed/membership/go-seed-two-joiners", test_go_seed_two_joiners);
  g_test_add_func ("/mixed/health/go-nodes-declare-dead", test_go_nodes_declare_dead);
  g_test_add_func ("/mixed/health/go-nodes-stuck-without-delay", test_go_nodes_stuck_without_delay);
  return g_test_run ();
}
