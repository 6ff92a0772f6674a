/* gossip-probe.c: pings, as target, as prober and as intermediary.
 *
 * Waiters are keyed by sequence number alone and check who answered, so that
 * an indirect ack relayed by an intermediary matches the probe it answers
 * (Go matches it against the intermediary's ID and never succeeds, §12.1).
 */
#include "config.h"

#include "gossip-cluster-private.h"
#include "gossip-json-codec.h"
#include "gossip-msgpack-codec.h"
#include "gossip-msgpack-envelope-private.h"

typedef struct {
  GossipCluster      *self;
  guint32             seq;
  GossipNodeId        target;
  GSource            *timeout;
  gint64              deadline;   /* monotonic µs */
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

void
gossip_probe_init (GossipCluster *self)
{
  self->ping_waiters = g_hash_table_new_full (NULL, NULL, NULL, waiter_free);
}

/* Completes every waiter with failure, for shutdown. */
void
gossip_probe_clear (GossipCluster *self)
{
  GHashTableIter iter;
  gpointer value;
  GPtrArray *pending;

  if (self->ping_waiters == NULL)
    return;
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
      w->callback (self, GOSSIP_PROBE_TIMEOUT, w->user_data);
      waiter_free (w);
    }
  g_ptr_array_unref (pending);
}

static void
complete (GossipCluster     *self,
          guint32            seq,
          GossipProbeResult  result)
{
  PingWaiter *w = NULL;

  if (!g_hash_table_steal_extended (self->ping_waiters, GUINT_TO_POINTER (seq), NULL, (gpointer *) &w))
    return;
  w->callback (self, result, w->user_data);
  waiter_free (w);
}

static gboolean
ping_timeout_cb (gpointer user_data)
{
  PingWaiter *w = user_data;
  g_autoptr(GossipDispatch) dispatch = gossip_cluster_dispatch_begin (w->self);
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

/* Pings and acks are most of a node's traffic: with msgpack they skip the
 * value model entirely. */
static void
send_ping (GossipCluster       *self,
           const char          *address,
           guint16              type,
           const GossipPingMsg *msg,
           guint8               ttl)
{
  gboolean indirect = type == GOSSIP_MSG_INDIRECT_PING || type == GOSSIP_MSG_INDIRECT_PING_ACK;
  GossipEnvelope env;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GBytes) raw = NULL;
  GByteArray *buf;

  if (!GOSSIP_IS_MSGPACK_CODEC (self->wire.codec))
    {
      gossip_cluster_send_direct (self, address, type,
                                  gossip_ping_msg_build_full (msg, indirect,
                                                              GOSSIP_IS_JSON_CODEC (self->wire.codec)),
                                  ttl);
      return;
    }
  buf = g_byte_array_sized_new (64);
  gossip_msgpack_write_ping (buf, msg, indirect);
  payload = g_byte_array_free_to_bytes (buf);
  env = gossip_cluster_envelope (self, type, ttl);
  raw = gossip_wire_encode (&self->wire, &env, payload, FALSE, NULL);
  if (raw != NULL)
    gossip_cluster_send_raw_to (self, address, raw, FALSE);
}

static void
send_own_ping (GossipCluster      *self,
               const char         *address,
               const GossipNodeId *target,
               guint32             seq,
               guint8              ttl)
{
  GossipPingMsg msg = { .target = *target, .seq = seq, .addr = self->advertise_address };

  send_ping (self, address, GOSSIP_MSG_PING, &msg, ttl);
}

static PingWaiter *
add_waiter (GossipCluster      *self,
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
  w->deadline = g_get_monotonic_time () + (gint64) w->timeout_ms * 1000;
  w->timeout = g_timeout_source_new (w->timeout_ms);
  g_source_set_callback (w->timeout, ping_timeout_cb, w, NULL);
  g_source_attach (w->timeout, self->context);
  g_hash_table_insert (self->ping_waiters, GUINT_TO_POINTER (w->seq), w);
  return w;
}

void
gossip_probe_ping (GossipCluster      *self,
                   const GossipNodeId *target,
                   const char         *address,
                   guint               timeout_ms,
                   GossipPingCallback  callback,
                   gpointer            user_data)
{
  PingWaiter *w;

  if (self->stopped)
    {
      callback (self, GOSSIP_PROBE_TIMEOUT, user_data);
      return;
    }
  w = add_waiter (self, target, timeout_ms, callback, user_data);
  send_own_ping (self, address, target, w->seq, 1);
}

void
gossip_probe_indirect (GossipCluster      *self,
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
      callback (self, GOSSIP_PROBE_TIMEOUT, user_data);
      return;
    }
  w = add_waiter (self, target, timeout_ms, callback, user_data);
  msg.seq = w->seq;
  send_ping (self, helper_address, GOSSIP_MSG_INDIRECT_PING, &msg, 1);
}

void
gossip_probe_send_discovery_ping (GossipCluster *self,
                                  GossipNode    *node)
{
  guint max_ttl = gossip_cluster_max_ttl (self);

  /* Go sends these queued, with the broadcast TTL; seq is always 1. A node
   * that does not know us answers by joining us. */
  send_own_ping (self, gossip_node_get_address (node), gossip_node_get_node_id (node), 1,
                 (guint8) (max_ttl > 0 ? max_ttl - 1 : 0));
}

void
gossip_probe_handle_ping (GossipCluster       *self,
                          Received            *rx,
                          GossipNode          *sender,
                          const GossipPingMsg *msg)
{
  if (sender == NULL && msg->addr[0] != '\0')
    {
      /* A stranger pings us: it learned of us, so we join it (what Go nodes
       * expect). Unlike Go we also answer: the stranger may be probing us,
       * and silence would make it suspect a healthy node. */
      gossip_membership_join_address (self, msg->addr, NULL);
    }
  if (gossip_node_id_equal (&msg->target, &self->local_id) &&
      gossip_node_get_state (self->local) != GOSSIP_NODE_STATE_LEAVING &&
      (sender != NULL || msg->addr[0] != '\0'))
    {
      /* Answer to the advertised address, echoing the payload. A node that
       * has left stays silent, so that recovery probes do not bring it back. */
      send_ping (self, sender ? gossip_node_get_address (sender) : msg->addr,
                 GOSSIP_MSG_PING_ACK, msg, 1);
    }
}

void
gossip_probe_handle_ack (GossipCluster       *self,
                         Received            *rx,
                         GossipNode          *sender,
                         const GossipPingMsg *msg)
{
  PingWaiter *w;
  w = g_hash_table_lookup (self->ping_waiters, GUINT_TO_POINTER (msg->seq));
  if (w != NULL && gossip_node_id_equal (&w->target, &rx->msg.envelope.sender))
    complete (self, msg->seq, GOSSIP_PROBE_ACK);
}

void
gossip_probe_handle_indirect_ack (GossipCluster       *self,
                                  Received            *rx,
                                  GossipNode          *sender,
                                  const GossipPingMsg *msg)
{
  PingWaiter *w;
  w = g_hash_table_lookup (self->ping_waiters, GUINT_TO_POINTER (msg->seq));
  if (w != NULL && gossip_node_id_equal (&w->target, &msg->target))
    complete (self, msg->seq, msg->ok ? GOSSIP_PROBE_ACK : GOSSIP_PROBE_NACK);
}

typedef struct {
  GossipCluster *self;
  GossipPingMsg  request;
  char          *requester_address;
} IndirectProbe;

static void
indirect_done_cb (GossipCluster     *self,
                  GossipProbeResult  result,
                  gpointer           user_data)
{
  IndirectProbe *probe = user_data;

  probe->request.ok = result == GOSSIP_PROBE_ACK;
  if (!self->stopped)
    send_ping (self, probe->requester_address, GOSSIP_MSG_INDIRECT_PING_ACK, &probe->request, 1);
  gossip_ping_msg_clear (&probe->request);
  g_free (probe->requester_address);
  g_object_unref (probe->self);
  g_free (probe);
}

void
gossip_probe_handle_indirect_ping (GossipCluster       *self,
                                   Received            *rx,
                                   GossipNode          *sender,
                                   const GossipPingMsg *msg)
{
  IndirectProbe *probe;

  /* Unknown requesters get nothing (as in Go); a node that left helps no more. */
  if (sender == NULL || gossip_node_get_state (self->local) == GOSSIP_NODE_STATE_LEAVING)
    return;

  if (msg->addr[0] == '\0')
    {
      gossip_cluster_count_drop (self, GOSSIP_DROP_PAYLOAD_DECODE, "indirect ping without an address");
      return;
    }
  probe = g_new0 (IndirectProbe, 1);
  probe->request = *msg;
  probe->request.addr = g_strdup (msg->addr);
  probe->self = g_object_ref (self);
  probe->requester_address = g_strdup (gossip_node_get_address (sender));

  /* Answer a little before the requester gives up (Go waits exactly as long
   * as the requester, so its answers always arrive too late). */
  gossip_probe_ping (self, &probe->request.target, probe->request.addr,
                     MAX (self->cfg->ping_timeout * 4 / 5, 1), indirect_done_cb, probe);
}
