/* gossip-probe.c: pings, as target, as prober and as intermediary.
 *
 * Waiters are keyed by sequence number alone and check who answered, so that
 * an indirect ack relayed by an intermediary matches the probe it answers
 * (Go matches it against the intermediary's ID and never succeeds, §12.1).
 *
 * Every direct ack is a round-trip sample: a smoothed estimate per target
 * and one over all targets (RFC 6298's SRTT and RTTVAR) give the probe
 * timeout, SRTT + 4 RTTVAR between a floor and the configured ping timeout,
 * so that a silent node is found out in a few RTTs rather than a fixed
 * half second.
 */
#include "config.h"

#include <math.h>

#include "gossip-probe-private.h"
#include "gossip-codec-fast-private.h"
#include "gossip-socket-transport-private.h"

typedef struct {
  double srtt_us;
  double rttvar_us;
  guint  samples;
} Rtt;

struct _GossipProbe
{
  const GossipConfigValues *cfg;
  GMainContext             *context;
  GossipRouter             *router;
  GossipMembership         *membership;
  GossipHealthHost          host;
  gboolean                  stopped;
  guint32                   ping_seq;
  GHashTable               *ping_waiters;  /* GUINT_TO_POINTER (seq) -> PingWaiter* */
  GHashTable               *rtts;          /* GossipNodeId* (owned) -> Rtt* */
  Rtt                       rtt_all;       /* over every target */
};

static gboolean receive_cb (GossipReceived *rx, GVariant *payload, gpointer data);

typedef struct {
  GossipProbe        *self;
  guint32             seq;
  GossipNodeId        target;
  GSource            *timeout;
  gint64              deadline;   /* monotonic µs */
  gint64              sent;       /* monotonic µs */
  guint               timeout_ms;
  gboolean            extended;
  GossipPingCallback  callback;
  gpointer            user_data;
} PingWaiter;

static void
waiter_free (gpointer data)
{
  PingWaiter *w = data;

  if (w->timeout != NULL)
    {
      g_source_destroy (w->timeout);
      g_source_unref (w->timeout);
    }
  g_free (w);
}

GossipProbe *
gossip_probe_new (const GossipConfigValues *cfg,
                  GMainContext             *context,
                  GossipRouter             *router,
                  GossipMembership         *membership,
                  const GossipHealthHost   *host)
{
  GossipProbe *self = g_new0 (GossipProbe, 1);

  self->cfg = cfg;
  self->context = context;
  self->router = router;
  self->membership = membership;
  self->host = *host;
  self->ping_waiters = g_hash_table_new_full (NULL, NULL, NULL, waiter_free);
  self->rtts = g_hash_table_new_full (gossip_node_id_hash, gossip_node_id_equal, g_free, g_free);
  for (guint16 type = GOSSIP_MSG_PING; type <= GOSSIP_MSG_INDIRECT_PING_ACK; type++)
    gossip_router_register (router, type, GOSSIP_RECEIVE_RAW, receive_cb, self);
  return self;
}

void
gossip_probe_free (GossipProbe *self)
{
  if (self == NULL)
    return;
  gossip_probe_clear (self);
  g_hash_table_unref (self->ping_waiters);
  g_hash_table_unref (self->rtts);
  g_free (self);
}

/* Completes every waiter with failure, for shutdown. */
void
gossip_probe_clear (GossipProbe   *self)
{
  GHashTableIter iter;
  gpointer value;
  GPtrArray *pending;

  self->stopped = TRUE;
  pending = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->ping_waiters);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_hash_table_iter_steal (&iter);
      g_ptr_array_add (pending, value);
    }
  for (guint i = 0; i < pending->len; i++)
    {
      PingWaiter *w = pending->pdata[i];
      w->callback (GOSSIP_PROBE_TIMEOUT, w->user_data);
      waiter_free (w);
    }
  g_ptr_array_unref (pending);
}

static void
complete (GossipProbe       *self,
          guint32            seq,
          GossipProbeResult  result)
{
  PingWaiter *w = NULL;

  if (!g_hash_table_steal_extended (self->ping_waiters, GUINT_TO_POINTER (seq), NULL, (gpointer *) &w))
    return;
  w->callback (result, w->user_data);
  waiter_free (w);
}

static void
rtt_update (Rtt    *r,
            double  sample_us)
{
  if (r->samples++ == 0)
    {
      r->srtt_us = sample_us;
      r->rttvar_us = sample_us / 2;
      return;
    }
  r->rttvar_us = 0.75 * r->rttvar_us + 0.25 * fabs (r->srtt_us - sample_us);
  r->srtt_us = 0.875 * r->srtt_us + 0.125 * sample_us;
}

static void
rtt_sample (GossipProbe        *self,
            const GossipNodeId *target,
            gint64              sample_us)
{
  Rtt *r = g_hash_table_lookup (self->rtts, target);

  if (r == NULL)
    {
      /* Bounded by the node list: health forgets removed nodes. */
      r = g_new0 (Rtt, 1);
      g_hash_table_insert (self->rtts, g_memdup2 (target, sizeof *target), r);
    }
  rtt_update (r, (double) MAX (sample_us, 0));
  rtt_update (&self->rtt_all, (double) MAX (sample_us, 0));
}

guint
gossip_probe_timeout (GossipProbe        *self,
                      const GossipNodeId *target)
{
  guint ceiling = self->cfg->ping_timeout;
  /* Below this, the jitter of a busy host's scheduler, not the path,
   * decides; a fifth of the ping timeout, at least 20 ms. */
  guint floor_ms = MIN (ceiling, MAX (ceiling / 5, 20));
  const Rtt *r = target != NULL ? g_hash_table_lookup (self->rtts, target) : NULL;
  double ms;

  if (r == NULL)
    r = &self->rtt_all;
  /* Nothing measured yet (a node that just started, or one that heard from
   * everyone and so pinged nobody): half the ping timeout, which a LAN
   * round trip is far below; a slower path fails one probe at worst, and
   * the helpers' answers and local health guard against a false suspicion. */
  if (r->samples == 0)
    return MAX (MAX (ceiling / 2, floor_ms), 1);
  ms = (r->srtt_us + 4 * r->rttvar_us) / 1000.0;
  return MAX ((guint) CLAMP (ms, (double) floor_ms, (double) ceiling), 1);
}

void
gossip_probe_forget (GossipProbe        *self,
                     const GossipNodeId *target)
{
  g_hash_table_remove (self->rtts, target);
}

static gboolean
ping_timeout_cb (gpointer user_data)
{
  PingWaiter *w = user_data;
  g_auto(GossipDispatchScope) dispatch = gossip_dispatcher_enter (&w->self->host.dispatcher);
  gint64 now = g_get_monotonic_time ();

  /* Fired late: our own loop was held up (a loaded machine, a stalled
   * process), so the answer may be sitting unread in a socket, or the
   * target, as slow as we are, is about to send it. That says nothing
   * about the target: wait once more, while the sockets are read. */
  if (!w->extended && now - w->deadline > MAX ((gint64) w->timeout_ms * 1000 / 4, 5000))
    {
      guint grace = MAX (w->timeout_ms / 2, 1);

      w->extended = TRUE;
      w->deadline = now + (gint64) grace * 1000;
      g_source_unref (w->timeout);
      w->timeout = g_timeout_source_new (grace);
      g_source_set_callback (w->timeout, ping_timeout_cb, w, NULL);
      g_source_attach (w->timeout, w->self->context);
      return G_SOURCE_REMOVE;
    }
  complete (w->self, w->seq, GOSSIP_PROBE_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static void
send_ping (GossipProbe         *self,
           const char          *address,
           guint16              type,
           const GossipPingMsg *msg,
           guint8               ttl)
{
  gossip_router_send_ping (self->router, address, type, msg, ttl);
}

static void
send_own_ping (GossipProbe        *self,
               const char         *address,
               const GossipNodeId *target,
               guint32             seq,
               guint8              ttl)
{
  GossipPingMsg msg = {
    .target = *target,
    .seq = seq,
    .addr = (char *) gossip_node_get_address (gossip_membership_get_local (self->membership)),
  };

  send_ping (self, address, GOSSIP_MSG_PING, &msg, ttl);
}

static PingWaiter *
add_waiter (GossipProbe        *self,
            const GossipNodeId *target,
            guint               timeout_ms,
            GossipPingCallback  callback,
            gpointer            user_data)
{
  PingWaiter *w;

  /* Seq 1 is what discovery pings carry; skip it (and 0) for probes. */
  do
    self->ping_seq++;
  while (self->ping_seq < 2 || g_hash_table_contains (self->ping_waiters, GUINT_TO_POINTER (self->ping_seq)));

  w = g_new0 (PingWaiter, 1);
  w->self = self;
  w->seq = self->ping_seq;
  w->target = *target;
  w->callback = callback;
  w->user_data = user_data;
  w->timeout_ms = MAX (timeout_ms, 1);
  w->sent = g_get_monotonic_time ();
  w->deadline = w->sent + (gint64) w->timeout_ms * 1000;
  w->timeout = g_timeout_source_new (w->timeout_ms);
  g_source_set_callback (w->timeout, ping_timeout_cb, w, NULL);
  g_source_attach (w->timeout, self->context);
  g_hash_table_insert (self->ping_waiters, GUINT_TO_POINTER (w->seq), w);
  return w;
}

void
gossip_probe_ping (GossipProbe        *self,
                   const GossipNodeId *target,
                   const char         *address,
                   guint               timeout_ms,
                   GossipPingCallback  callback,
                   gpointer            user_data)
{
  PingWaiter *w;

  if (self->stopped)
    {
      callback (GOSSIP_PROBE_TIMEOUT, user_data);
      return;
    }
  w = add_waiter (self, target, timeout_ms, callback, user_data);
  send_own_ping (self, address, target, w->seq, 1);
}

void
gossip_probe_indirect (GossipProbe        *self,
                       const GossipNodeId *target,
                       const char         *target_address,
                       const char         *helper_address,
                       guint               timeout_ms,
                       GossipPingCallback  callback,
                       gpointer            user_data)
{
  PingWaiter *w;
  GossipPingMsg msg = { .target = *target, .addr = (char *) target_address };

  if (self->stopped)
    {
      callback (GOSSIP_PROBE_TIMEOUT, user_data);
      return;
    }
  w = add_waiter (self, target, timeout_ms, callback, user_data);
  msg.seq = w->seq;
  send_ping (self, helper_address, GOSSIP_MSG_INDIRECT_PING, &msg, 1);
}

/* Where the datagram being delivered came from, as "ip:port" (or
 * "[ip6]:port"); NULL over TCP or a transport that does not say. */
static char *
datagram_source (GossipProbe    *self,
                 GossipReceived *rx)
{
  GSocketAddress *source = rx->reliable ? NULL :
    gossip_socket_transport_get_datagram_source (gossip_router_get_transport (self->router));
  GInetSocketAddress *inet;
  g_autofree char *host = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (source))
    return NULL;
  inet = G_INET_SOCKET_ADDRESS (source);
  host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
  if (g_inet_address_get_family (g_inet_socket_address_get_address (inet)) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", host, g_inet_socket_address_get_port (inet));
  return g_strdup_printf ("%s:%u", host, g_inet_socket_address_get_port (inet));
}

static void
handle_ping (GossipProbe         *self,
             GossipReceived      *rx,
             GossipNode          *sender,
             const GossipPingMsg *msg)
{
  if (sender == NULL && msg->addr[0] != '\0')
    {
      /* A stranger pings us: it learned of us, so we join it (what Go nodes
       * expect). Unlike Go we also answer: the stranger may be probing us,
       * and silence would make it suspect a healthy node. */
      gossip_membership_join_address (self->membership, msg->addr, NULL);
    }
  if (gossip_node_id_equal (&msg->target, gossip_node_get_node_id (gossip_membership_get_local (self->membership))) &&
      gossip_node_get_state (gossip_membership_get_local (self->membership)) != GOSSIP_NODE_STATE_LEAVING)
    {
      /* Answer to the known node's address, echoing the payload. A node that
       * has left stays silent, so that recovery probes do not bring it back.
       * A stranger is answered where its datagram came from, never at the
       * address it names (which could be anyone's: a reflector); a
       * stranger's ping without a source (over TCP, or another transport)
       * is not answered until the join above has made it known. */
      g_autofree char *source = sender == NULL ? datagram_source (self, rx) : NULL;

      if (sender != NULL)
        send_ping (self, gossip_node_get_address (sender), GOSSIP_MSG_PING_ACK, msg, 1);
      else if (source != NULL)
        send_ping (self, source, GOSSIP_MSG_PING_ACK, msg, 1);
      else
        gossip_router_count_drop (self->router, GOSSIP_DROP_UNKNOWN_SENDER, "ping from a stranger without a source address");
    }
}

static void
handle_ack (GossipProbe         *self,
            GossipReceived      *rx,
            GossipNode          *sender,
            const GossipPingMsg *msg)
{
  PingWaiter *w;
  w = g_hash_table_lookup (self->ping_waiters, GUINT_TO_POINTER (msg->seq));
  if (w == NULL || !gossip_node_id_equal (&w->target, &rx->msg.envelope.sender))
    return;
  /* A waiter that fired late measured our own stall, not the path. */
  if (!w->extended)
    rtt_sample (self, &w->target, g_get_monotonic_time () - w->sent);
  complete (self, msg->seq, GOSSIP_PROBE_ACK);
}

static void
handle_indirect_ack (GossipProbe         *self,
                     GossipReceived      *rx,
                     GossipNode          *sender,
                     const GossipPingMsg *msg)
{
  PingWaiter *w;
  w = g_hash_table_lookup (self->ping_waiters, GUINT_TO_POINTER (msg->seq));
  if (w != NULL && gossip_node_id_equal (&w->target, &msg->target))
    complete (self, msg->seq, msg->ok ? GOSSIP_PROBE_ACK : GOSSIP_PROBE_NACK);
}

typedef struct {
  GossipProbe   *self;
  GossipPingMsg  request;
  char          *requester_address;
} IndirectProbe;

static void
indirect_done_cb (GossipProbeResult result,
                  gpointer          user_data)
{
  IndirectProbe *probe = user_data;
  GossipProbe *self = probe->self;

  probe->request.ok = result == GOSSIP_PROBE_ACK;
  if (!self->stopped)
    send_ping (self, probe->requester_address, GOSSIP_MSG_INDIRECT_PING_ACK, &probe->request, 1);
  gossip_ping_msg_clear (&probe->request);
  g_free (probe->requester_address);
  g_free (probe);
  g_object_unref (self->host.owner);
}

static void
handle_indirect_ping (GossipProbe         *self,
                      GossipReceived      *rx,
                      GossipNode          *sender,
                      const GossipPingMsg *msg)
{
  IndirectProbe *probe;
  GossipNodeList *nodes = gossip_membership_get_nodes (self->membership);
  GossipNode *target;

  /* Unknown requesters get nothing (as in Go); a node that left helps no more. */
  if (gossip_node_get_state (gossip_membership_get_local (self->membership)) == GOSSIP_NODE_STATE_LEAVING)
    return;
  if (sender == NULL || !gossip_node_list_is_confirmed (nodes, sender))
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_UNKNOWN_SENDER, "indirect ping from a stranger");
      return;
    }
  /* Only towards a member we know, at the address we know it by: else any
   * member could be made to ping any address. */
  target = gossip_node_list_lookup (nodes, &msg->target);
  if (target == NULL || !gossip_node_list_is_confirmed (nodes, target) ||
      target == gossip_membership_get_local (self->membership))
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_UNKNOWN_SENDER, "indirect ping towards an unknown node");
      return;
    }

  if (msg->addr[0] == '\0')
    {
      gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, "indirect ping without an address");
      return;
    }
  probe = g_new0 (IndirectProbe, 1);
  probe->request = *msg;
  probe->request.addr = g_strdup (gossip_node_get_address (target));
  probe->self = self;
  g_object_ref (self->host.owner);
  probe->requester_address = g_strdup (gossip_node_get_address (sender));

  /* Answer a little before the requester gives up (Go waits exactly as long
   * as the requester, so its answers always arrive too late), and as soon
   * as our own round trips to the target say it should have answered. */
  gossip_probe_ping (self, &probe->request.target, probe->request.addr,
                     MIN (gossip_probe_timeout (self, &probe->request.target),
                          MAX (self->cfg->ping_timeout * 4 / 5, 1)),
                     indirect_done_cb, probe);
}

/* Pings and acks, most of the traffic, are parsed straight from msgpack
 * when the codec is msgpack; anything unusual takes the general path. */
static gboolean
receive_cb (GossipReceived *rx,
            GVariant       *unused,
            gpointer        data)
{
  GossipProbe *self = data;
  g_autoptr(GossipNode) sender = gossip_membership_lookup_sender (self->membership, rx);
  GossipCodec *codec = gossip_router_get_wire (self->router)->codec;
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (codec);
  GossipPingMsg msg;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (rx->msg.payload, &size);

  if (fast == NULL || !fast->read_ping (bytes, size, &msg))
    {
      g_autoptr(GVariant) payload = gossip_router_decode_payload (self->router, rx);

      if (payload == NULL || !gossip_ping_msg_parse (payload, &msg))
        {
          if (payload != NULL)
            gossip_router_count_drop (self->router, GOSSIP_DROP_PAYLOAD_DECODE, "malformed ping payload");
          if (sender != NULL)
            gossip_membership_heard_from (self->membership, sender, rx->msg.envelope.type);
          return FALSE;
        }
    }

  /* Types 1-4 are never forwarded: they come from their originator itself,
   * which makes them evidence that it is alive. A ping names the pinger's
   * own address: when it also came from there (its UDP source), a node back
   * at a new address is seen there at once rather than revived at its old
   * one. A named address alone moves nobody: anyone can name any address
   * (a reflector). */
  if (sender != NULL)
    {
      if (rx->msg.envelope.type == GOSSIP_MSG_PING &&
          g_strcmp0 (msg.addr, gossip_node_get_address (sender)) != 0)
        {
          g_autofree char *source = datagram_source (self, rx);

          if (source != NULL && g_strcmp0 (source, msg.addr) == 0)
            gossip_membership_own_claim (self->membership, sender, msg.addr, rx->msg.envelope.id);
        }
      gossip_membership_heard_from (self->membership, sender, rx->msg.envelope.type);
    }

  switch (rx->msg.envelope.type)
    {
    case GOSSIP_MSG_PING:
      handle_ping (self, rx, sender, &msg);
      break;
    case GOSSIP_MSG_PING_ACK:
      handle_ack (self, rx, sender, &msg);
      break;
    case GOSSIP_MSG_INDIRECT_PING:
      handle_indirect_ping (self, rx, sender, &msg);
      break;
    default:
      handle_indirect_ack (self, rx, sender, &msg);
      break;
    }
  gossip_ping_msg_clear (&msg);
  return TRUE;
}
