/* gossip-router.c: packets in and out (see the header). */
#include "config.h"

#include <math.h>

#include "gossip-hlc-private.h"
#include "gossip-json-codec.h"
#include "gossip-codec-fast-private.h"
#include "gossip-router-private.h"

/* broadcast-repair: see the block before "Receiving" */
#define REPAIR_KEEP_USEC (500 * G_TIME_SPAN_MILLISECOND)
#define REPAIR_INTERVAL_MS 6
#define REPAIR_FIRST_MS 2
#define REPAIR_FAN_OUT 3
#define GOSSIP_MSG_REPAIR_DIGEST 48
#define GOSSIP_MSG_REPAIR_PULL 49

#define N_SYSTEM_TYPES 64

typedef struct {
  GossipReceiveFunc  func;
  gpointer           data;
  GossipReceiveFlags flags;
} Receiver;

struct _GossipRouter
{
  const GossipWire       *wire;
  GossipTransport        *transport;
  GMainContext           *context;
  GCancellable           *cancellable;
  GossipRouterLimits      limits;
  const GossipPeerSource *peers;
  gpointer                peers_data;
  gboolean                stopped;

  GossipNodeId          local_id;
  char                 *label;
  GossipMessageHistory *history;
  gint64                replay_window_usec;
  guint64               drops[GOSSIP_DROP_N_REASONS];
  guint64               packets_in;
  guint64               packets_out;

  Receiver              receivers[N_SYSTEM_TYPES];
  Receiver              user;

  GossipBroadcastRepair *repair;
  GSource               *repair_timer;  /* runs only while recent broadcasts exist */
  GossipRepairListener   repair_listener;
  gpointer               repair_listener_data;

  struct _GossipOutbound *outbound;     /* reliable sends in flight (rc box) */
};

/* Reliable fire-and-forget sends in flight, shared with each request (an
 * rc box: it outlives the router), so that the owner's stop() can close
 * the transport once its leave is out. */
typedef struct _GossipOutbound {
  guint            n;
  GossipTransport *closing;    /* set by close_after_sends: close when n drops to 0 */
  GSource         *deadline;   /* closes anyway after the linger bound */
} GossipOutbound;

static void outbound_release (gpointer out);

static gboolean repair_receive_cb (GossipReceived *rx, GVariant *payload, gpointer data);

GossipRouter *
gossip_router_new (const GossipWire         *wire,
                   GossipTransport          *transport,
                   GMainContext             *context,
                   const GossipNodeId       *local_id,
                   const char               *label,
                   const GossipRouterLimits *limits)
{
  GossipRouter *self = g_new0 (GossipRouter, 1);

  self->wire = wire;
  self->transport = g_object_ref (transport);
  self->context = g_main_context_ref (context);
  self->cancellable = g_cancellable_new ();
  self->outbound = g_rc_box_new0 (GossipOutbound);
  self->limits = *limits;
  self->local_id = *local_id;
  self->label = g_strdup (label);
  /* Remember messages at least as long as the replay window accepts them. */
  self->history = gossip_message_history_new ((gint64) MAX (limits->history_max_age_ms,
                                                            limits->replay_window_ms) * 1000,
                                              1 << 20);
  self->replay_window_usec = (gint64) limits->replay_window_ms * 1000;
  self->repair = gossip_broadcast_repair_new (REPAIR_KEEP_USEC, 1024); /* broadcast-repair: create */
  gossip_router_register (self, GOSSIP_MSG_REPAIR_DIGEST, GOSSIP_RECEIVE_NONE, repair_receive_cb, self);
  gossip_router_register (self, GOSSIP_MSG_REPAIR_PULL, GOSSIP_RECEIVE_NONE, repair_receive_cb, self);
  return self;
}

static void
destroy_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_source_unref (*source);
  *source = NULL;
}

void
gossip_router_stop (GossipRouter *self)
{
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  destroy_source (&self->repair_timer); /* broadcast-repair: stop */
}

void
gossip_router_free (GossipRouter *self)
{
  if (self == NULL)
    return;
  destroy_source (&self->repair_timer);
  gossip_message_history_free (self->history);
  g_clear_pointer (&self->repair, gossip_broadcast_repair_free); /* broadcast-repair: free */
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->outbound, outbound_release);
  g_clear_object (&self->transport);
  g_main_context_unref (self->context);
  g_free (self->label);
  g_free (self);
}

void
gossip_router_set_peer_source (GossipRouter           *self,
                               const GossipPeerSource *source,
                               gpointer                data)
{
  self->peers = source;
  self->peers_data = data;
}

GossipTransport *
gossip_router_get_transport (GossipRouter *self)
{
  return self->transport;
}

const GossipWire *
gossip_router_get_wire (GossipRouter *self)
{
  return self->wire;
}

void
gossip_router_count_drop (GossipRouter     *self,
                          GossipDropReason  reason,
                          const char       *detail)
{
  self->drops[reason]++;
  g_debug ("%s: dropped a packet (%s): %s", self->label,
           gossip_drop_reason_to_string (reason), detail ? detail : "");
}

guint64
gossip_router_get_drops (GossipRouter     *self,
                         GossipDropReason  reason)
{
  return self->drops[reason];
}

guint64
gossip_router_get_packets_in (GossipRouter *self)
{
  return self->packets_in;
}

guint64
gossip_router_get_packets_out (GossipRouter *self)
{
  return self->packets_out;
}

void
gossip_router_count_packet_out (GossipRouter *self)
{
  self->packets_out++;
}

void
gossip_router_repair_counters (GossipRouter                  *self,
                               GossipBroadcastRepairCounters *out)
{
  gossip_broadcast_repair_counters (self->repair, out);
}

/* With a cipher, a message ID is a timestamp we can trust as far as the key
 * holders are trusted: a captured packet replayed once the de-duplication
 * history forgot it is refused by its age (Go accepts it again, §12.22).
 * Without a cipher anyone can forge a fresh ID, so the check would be theatre. */
static gboolean
is_replay (GossipRouter         *self,
           const GossipEnvelope *env)
{
  gint64 age;

  if (self->wire->cipher == NULL || self->replay_window_usec == 0)
    return FALSE;
  age = g_get_real_time () - gossip_hlc_to_unix_usec (env->id);
  return age > self->replay_window_usec || age < -self->replay_window_usec;
}

gboolean
gossip_router_accept (GossipRouter      *self,
                      const guint8      *data,
                      gsize              size,
                      gboolean           reliable,
                      GossipWireMessage *msg)
{
  g_autoptr(GError) error = NULL;
  GossipDropReason reason;
  gsize max_payload = self->wire->max_payload_size;

  self->packets_in++;
  /* A datagram is at most 64 KiB; what it decompresses to is bounded on
   * its own, not by the TCP frame limit. */
  if (!reliable && self->wire->max_datagram_payload_size > 0)
    max_payload = MIN (max_payload, self->wire->max_datagram_payload_size);
  /* The wire also scans the payload within its element budget: a decode
   * bomb is dropped here, neither forwarded nor seen by a handler. */
  if (!gossip_wire_decode_limited (self->wire, data, size, max_payload, msg, &reason, &error))
    {
      gossip_router_count_drop (self, reason, error->message);
      return FALSE;
    }
  if (gossip_node_id_equal (&msg->envelope.sender, &self->local_id))
    {
      gossip_router_count_drop (self, GOSSIP_DROP_FROM_SELF, NULL);
      goto refuse;
    }
  if (is_replay (self, &msg->envelope))
    {
      gossip_router_count_drop (self, GOSSIP_DROP_REPLAY, "message ID outside the replay window");
      goto refuse;
    }
  if (!gossip_message_history_record (self->history, &msg->envelope.sender,
                                      msg->envelope.id, g_get_monotonic_time ()))
    {
      /* Counted, not logged: duplicates are the normal cost of an epidemic. */
      self->drops[GOSSIP_DROP_DUPLICATE]++;
      goto refuse;
    }
  return TRUE;

refuse:
  gossip_wire_message_clear (msg);
  return FALSE;
}

void
gossip_router_remember_own (GossipRouter *self,
                            guint64       id)
{
  gossip_message_history_record (self->history, &self->local_id, id, g_get_monotonic_time ());
}

GossipEnvelope
gossip_router_envelope (GossipRouter *self,
                        guint16       type,
                        guint8        ttl)
{
  GossipEnvelope env = {
    .type = type,
    .sender = self->local_id,
    .id = gossip_hlc_now (),
    .ttl = ttl,
  };
  return env;
}

GBytes *
gossip_router_forward_bytes (GossipRouter            *self,
                             const GossipWireMessage *msg)
{
  GossipEnvelope env = msg->envelope;
  g_autoptr(GError) error = NULL;
  GBytes *raw;

  if (env.ttl == 0)
    return NULL;
  env.ttl--;
  raw = gossip_wire_encode (self->wire, &env, msg->wire_payload, msg->compressed, &error);
  if (raw == NULL)
    g_debug ("Could not re-encode a packet to forward: %s", error->message);
  return raw;
}

void
gossip_router_prune (GossipRouter *self)
{
  gossip_message_history_prune (self->history, g_get_monotonic_time ());
}

/* ------------------------------------------------------------------ */
/* Formulas of BEHAVIOUR.md §3.2                                       */

guint
gossip_router_log_formula (guint n, double multiplier, int add, guint cap)
{
  double v;

  if (n == 0)
    return 0;
  v = ceil (log2 ((double) n) * multiplier) + add;
  v = MIN (v, (double) cap);
  v = MAX (v, 1.0);
  return MIN ((guint) v, n);
}

static guint
n_live (GossipRouter *self)
{
  return self->peers->count_live (self->peers_data);
}

guint
gossip_router_fan_out (GossipRouter *self)
{
  return gossip_router_log_formula (n_live (self), self->limits.fan_out_multiplier, 0, 10);
}

guint
gossip_router_max_ttl (GossipRouter *self)
{
  guint n = self->peers->count_alive (self->peers_data);
  double v;

  if (n == 0)
    return 0;
  /* Not capped at n: the TTL counts hops, not nodes. */
  v = ceil (log2 ((double) n) * self->limits.ttl_multiplier) + 2;
  return (guint) CLAMP (v, 1.0, 8.0);
}

guint8
gossip_router_addressed_ttl (GossipRouter *self)
{
  guint max_ttl = gossip_router_max_ttl (self);

  return (guint8) (max_ttl > 0 ? max_ttl - 1 : 0);
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

static void
outbound_finish (GossipOutbound *out)
{
  if (out->deadline != NULL)
    {
      g_source_destroy (out->deadline);
      g_clear_pointer (&out->deadline, g_source_unref);
    }
  if (out->closing != NULL)
    {
      gossip_transport_close (out->closing);
      g_clear_object (&out->closing);
    }
}

static void
outbound_release (gpointer out)
{
  g_rc_box_release_full (out, (GDestroyNotify) outbound_finish);
}

static gboolean
outbound_deadline_cb (gpointer user_data)
{
  GossipOutbound *out = user_data;

  g_debug ("closing the transport with %u reliable sends still in flight", out->n);
  outbound_finish (out);
  return G_SOURCE_REMOVE;
}

guint
gossip_router_get_sends_in_flight (GossipRouter *self)
{
  return self->outbound->n;
}

gboolean
gossip_router_close_after_sends (GossipRouter *self,
                                 guint         linger_ms)
{
  GossipOutbound *out = self->outbound;

  if (out->n == 0 || out->closing != NULL)
    return out->closing != NULL;
  out->closing = g_object_ref (self->transport);
  out->deadline = g_timeout_source_new (linger_ms);
  g_source_set_callback (out->deadline, outbound_deadline_cb,
                         g_rc_box_acquire (out), outbound_release);
  g_source_attach (out->deadline, self->context);
  return TRUE;
}

gboolean
gossip_router_is_closing (GossipRouter *self)
{
  return self->outbound->closing != NULL;
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, &error);
  GossipOutbound *out = user_data;

  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("reliable send failed: %s", error->message);
  if (--out->n == 0 && out->closing != NULL)
    outbound_finish (out);
  outbound_release (out);
}

void
gossip_router_send_raw (GossipRouter *self,
                        const char   *address,
                        GBytes       *raw,
                        gboolean      reliable)
{
  if (self->stopped || address == NULL || address[0] == '\0')
    return;
  self->packets_out++;
  if (reliable || self->limits.force_reliable ||
      g_bytes_get_size (raw) >= self->limits.udp_max_packet_size)
    {
      /* No cancellable: closing the transport aborts these, and the owner
       * closes it only once they are done (or after a bound), see
       * gossip_router_close_after_sends(). */
      self->outbound->n++;
      gossip_transport_request_async (self->transport, address, raw, GOSSIP_REQUEST_NO_REPLY,
                                      NULL, request_done_cb, g_rc_box_acquire (self->outbound));
    }
  else
    gossip_transport_send_datagram (self->transport, address, raw);
}

void
gossip_router_request (GossipRouter        *self,
                       const char          *address,
                       GBytes              *raw,
                       GossipRequestKind    kind,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  gossip_transport_request_async (self->transport, address, raw, kind,
                                  self->cancellable, callback, user_data);
}

void
gossip_router_send_direct (GossipRouter *self,
                           const char   *address,
                           guint16       type,
                           GVariant     *payload,
                           guint8        ttl)
{
  GossipEnvelope env = gossip_router_envelope (self, type, ttl);
  g_autoptr(GVariant) owned = g_variant_ref_sink (payload);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = gossip_wire_encode_value (self->wire, &env, owned, &error);

  if (raw == NULL)
    {
      g_warning ("Could not encode message type %u: %s", type, error->message);
      return;
    }
  gossip_router_send_raw (self, address, raw, FALSE);
}

/* Pings and acks are most of a node's traffic: with a codec fast path (msgpack) they skip the
 * value model entirely. */
void
gossip_router_send_ping (GossipRouter        *self,
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
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (self->wire->codec);

  if (fast == NULL)
    {
      gossip_router_send_direct (self, address, type,
                                 gossip_ping_msg_build_full (msg, indirect,
                                                             GOSSIP_IS_JSON_CODEC (self->wire->codec)),
                                 ttl);
      return;
    }
  buf = g_byte_array_sized_new (64);
  fast->write_ping (buf, msg, indirect);
  payload = g_byte_array_free_to_bytes (buf);
  env = gossip_router_envelope (self, type, ttl);
  raw = gossip_wire_encode (self->wire, &env, payload, FALSE, NULL);
  if (raw != NULL)
    gossip_router_send_raw (self, address, raw, FALSE);
}

/* Sends @raw to @targets (addresses), or to a random fan-out of live nodes
 * minus @exclude. Every target is tried: one unreachable peer does not stop
 * the others (Go stops at the first failure). */
static void
send_to_targets (GossipRouter       *self,
                 GBytes             *raw,
                 gboolean            reliable,
                 GPtrArray          *targets,
                 const GossipNodeId *exclude,
                 guint               n_exclude)
{
  g_autoptr(GPtrArray) chosen = NULL;

  if (targets == NULL)
    targets = chosen = self->peers->random_live (self->peers_data, gossip_router_fan_out (self),
                                                 exclude, n_exclude);
  for (guint i = 0; i < targets->len; i++)
    gossip_router_send_raw (self, targets->pdata[i], raw, reliable);
}

/* The first hop of a broadcast we originate. Up to direct-broadcast-limit
 * live peers, every peer gets it directly with TTL 0: each node receives it
 * exactly once, at once, and the cluster carries N-1 packets instead of the
 * N x fan-out of an epidemic (whose random choices also miss a node now and
 * then). Larger clusters use Go's epidemic: a random fan-out and the TTL of
 * §3.2. The wire format is the same; Go receivers do not forward TTL 0. */
GPtrArray *
gossip_router_broadcast_targets (GossipRouter       *self,
                                 const GossipNodeId *exclude,
                                 guint               n_exclude,
                                 guint8             *ttl)
{
  guint live = n_live (self);
  guint max_ttl = gossip_router_max_ttl (self);

  if (live > 0 && live - 1 <= self->limits.direct_broadcast_limit)
    {
      *ttl = 0;
      return self->peers->random_live (self->peers_data, live, exclude, n_exclude);
    }
  *ttl = (guint8) (max_ttl > 0 ? max_ttl - 1 : 0);
  return self->peers->random_live (self->peers_data, gossip_router_fan_out (self), exclude, n_exclude);
}

static void repair_record (GossipRouter *self, const GossipNodeId *origin, guint64 id, GBytes *raw);
static gboolean repair_keeps (guint16 type);

void
gossip_router_send_own (GossipRouter *self,
                        guint64       id,
                        GBytes       *raw,
                        gboolean      reliable,
                        gboolean      repairable,
                        GPtrArray    *targets)
{
  /* Our own broadcasts may come back through forwarding: pre-record them. */
  gossip_router_remember_own (self, id);
  if (repairable && !reliable) /* broadcast-repair: keep what we broadcast; TCP does not lose it */
    repair_record (self, &self->local_id, id, raw);
  send_to_targets (self, raw, reliable, targets, NULL, 0);
}

void
gossip_router_broadcast (GossipRouter *self,
                         guint16       type,
                         GVariant     *payload,
                         gboolean      reliable)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (payload);
  g_autoptr(GPtrArray) targets = NULL;
  GossipEnvelope env;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  guint8 ttl;

  targets = gossip_router_broadcast_targets (self, &self->local_id, 1, &ttl);
  if (targets->len == 0)
    return;
  env = gossip_router_envelope (self, type, ttl);
  raw = gossip_wire_encode_value (self->wire, &env, owned, &error);
  if (raw == NULL)
    {
      g_warning ("Could not encode message type %u: %s", type, error->message);
      return;
    }
  gossip_router_send_own (self, env.id, raw, reliable, repair_keeps (type), targets);
}

/* Re-sends a received packet one hop further, keeping originator, message ID
 * and payload bytes (still compressed if they arrived so). */
void
gossip_router_forward (GossipRouter   *self,
                       GossipReceived *rx)
{
  GossipNodeId exclude[2] = { self->local_id, rx->msg.envelope.sender };
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  gboolean reliable = rx->reliable;

  if (rx->msg.envelope.ttl == 0)
    return;
  /* A system broadcast that reached us over TCP (a joiner's announcement
   * sent to its seed, the first hop of a refutation) goes on as datagrams,
   * kept for broadcast repair, and where the cluster is small enough for
   * direct broadcasts to every live peer at TTL 0 at once, as its
   * originator would have sent it (alive messages are not kept for repair:
 * see repair_keeps()). Passing it on over TCP at every hop cost
   * fan-out new connections per node and join, the largest share of a
   * thousand-node join (issue 15). User broadcasts sent reliable stay so. */
  if (reliable && rx->msg.envelope.type >= GOSSIP_MSG_ALIVE && rx->msg.envelope.type <= GOSSIP_MSG_METADATA)
    {
      GossipEnvelope env = rx->msg.envelope;
      g_autoptr(GError) error = NULL;

      reliable = FALSE;
      targets = gossip_router_broadcast_targets (self, exclude, G_N_ELEMENTS (exclude), &env.ttl);
      if (env.ttl > 0)
        env.ttl = MIN (env.ttl, rx->msg.envelope.ttl - 1);
      raw = gossip_wire_encode (self->wire, &env, rx->msg.wire_payload, rx->msg.compressed, &error);
      if (raw == NULL)
        g_debug ("Could not re-encode a packet to forward: %s", error->message);
    }
  else
    raw = gossip_router_forward_bytes (self, &rx->msg);

  if (raw == NULL)
    return;
  if (!reliable && repair_keeps (rx->msg.envelope.type))
    repair_record (self, &rx->msg.envelope.sender, rx->msg.envelope.id, raw); /* broadcast-repair: keep what we spread */
  send_to_targets (self, raw, reliable, targets, exclude, G_N_ELEMENTS (exclude));
}

/* broadcast-repair: the glue between the router and GossipBroadcastRepair.
 * While we hold recent broadcasts, every REPAIR_INTERVAL_MS we send a digest
 * of their IDs (type 48, TTL 0) to REPAIR_FAN_OUT random live peers; a peer
 * that lacks one answers with a pull (type 49, TTL 0) and we resend the
 * original bytes. TTL 0: a Go node that has no handler does not relay them. */

static gboolean repair_timer_cb (gpointer user_data);

static GSource *
add_timer (GossipRouter *self,
           guint         interval_ms,
           GSourceFunc   func)
{
  GSource *source = g_timeout_source_new (MAX (interval_ms, 1));

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static void
repair_send (GossipRouter *self,
             const char   *address,
             guint16       type,
             GBytes       *entries)
{
  gossip_router_send_direct (self, address, type,
                             g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, entries, TRUE), 0);
}

static void
repair_record (GossipRouter       *self,
               const GossipNodeId *origin,
               guint64             id,
               GBytes             *raw)
{
  gossip_broadcast_repair_record (self->repair, origin, id, raw, g_get_monotonic_time ());
  if (self->repair_timer == NULL && !self->stopped)
    self->repair_timer = add_timer (self, REPAIR_FIRST_MS, repair_timer_cb);
}

static gboolean
repair_timer_cb (gpointer user_data)
{
  GossipRouter *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GBytes) digest = NULL;
  g_autoptr(GPtrArray) peers = NULL;

  destroy_source (&self->repair_timer);
  if (!gossip_broadcast_repair_active (self->repair, now))
    return G_SOURCE_REMOVE;
  digest = gossip_broadcast_repair_digest (self->repair, now);
  peers = self->peers->random_live (self->peers_data, REPAIR_FAN_OUT, &self->local_id, 1);
  for (guint i = 0; digest != NULL && i < peers->len; i++)
    repair_send (self, peers->pdata[i], GOSSIP_MSG_REPAIR_DIGEST, digest);
  self->repair_timer = add_timer (self, REPAIR_INTERVAL_MS, repair_timer_cb);
  return G_SOURCE_REMOVE;
}

void
gossip_router_set_repair_listener (GossipRouter         *self,
                                   GossipRepairListener  func,
                                   gpointer              data)
{
  self->repair_listener = func;
  self->repair_listener_data = data;
}

/* An empty digest says "this node speaks gossip-glib": a Go v0.6.0 node
 * never sends type 48 (issue 11.2). */
void
gossip_router_send_hello (GossipRouter *self,
                          const char   *address)
{
  g_autoptr(GBytes) none = g_bytes_new (NULL, 0);

  repair_send (self, address, GOSSIP_MSG_REPAIR_DIGEST, none);
}

/* Digests and pulls, from known nodes only. */
static gboolean
repair_receive_cb (GossipReceived *rx,
                   GVariant       *payload,
                   gpointer        data)
{
  GossipRouter *self = data;
  guint16 type = rx->msg.envelope.type;
  const char *sender = self->peers->address_of (self->peers_data, &rx->msg.envelope.sender);
  g_autoptr(GBytes) entries = NULL;
  const guint8 *bytes;
  gsize size;

  if (sender == NULL)
    return TRUE;
  entries = gossip_broadcast_repair_entries_from_variant (payload);
  if (entries == NULL)
    {
      gossip_router_count_drop (self, GOSSIP_DROP_PAYLOAD_DECODE, "repair entries are not bytes");
      return FALSE;
    }
  bytes = g_bytes_get_data (entries, &size);
  if (self->repair_listener != NULL)
    self->repair_listener (self->repair_listener_data, &rx->msg.envelope.sender,
                           type == GOSSIP_MSG_REPAIR_DIGEST && size == 0);
  if (type == GOSSIP_MSG_REPAIR_DIGEST)
    {
      g_autoptr(GBytes) missing = gossip_broadcast_repair_missing (self->repair, bytes, size,
                                                                   g_get_monotonic_time ());
      if (missing != NULL)
        repair_send (self, sender, GOSSIP_MSG_REPAIR_PULL, missing);
    }
  else
    {
      g_autoptr(GPtrArray) raws = gossip_broadcast_repair_answer (self->repair, bytes, size);
      for (guint i = 0; i < raws->len; i++)
        gossip_router_send_raw (self, sender, raws->pdata[i], FALSE);
    }
  return TRUE;
}

/* broadcast-repair: which types are kept for repair. Not alive messages:
 * a join storm sends one per node, and push/pull state sync already
 * repairs a lost one; repairing them too costs more than it brings. */
static gboolean
repair_keeps (guint16 type)
{
  return type >= N_SYSTEM_TYPES ||
         (type >= GOSSIP_MSG_SUSPICION && type <= GOSSIP_MSG_METADATA);
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

void
gossip_router_register (GossipRouter       *self,
                        guint16             type,
                        GossipReceiveFlags  flags,
                        GossipReceiveFunc   func,
                        gpointer            data)
{
  g_return_if_fail (type < N_SYSTEM_TYPES);
  self->receivers[type].func = func;
  self->receivers[type].data = data;
  self->receivers[type].flags = flags;
}

void
gossip_router_set_user_receiver (GossipRouter      *self,
                                 GossipReceiveFunc  func,
                                 gpointer           data)
{
  self->user.func = func;
  self->user.data = data;
}

GVariant *
gossip_router_decode_payload (GossipRouter   *self,
                              GossipReceived *rx)
{
  g_autoptr(GError) error = NULL;
  GVariant *v = gossip_wire_decode_payload (&rx->msg, self->wire->codec, &error);

  if (v == NULL)
    gossip_router_count_drop (self, GOSSIP_DROP_PAYLOAD_DECODE, error->message);
  return v;
}

void
gossip_router_reply (GossipRouter   *self,
                     GossipReceived *rx,
                     GVariant       *value)
{
  GossipEnvelope env = gossip_router_envelope (self, GOSSIP_MSG_REPLY, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = gossip_wire_encode_value (self->wire, &env, value, &error);

  if (raw == NULL)
    {
      g_warning ("Could not encode a reply: %s", error->message);
      return;
    }
  gossip_incoming_reply (rx->incoming, raw);
}

static void
dispatch_system (GossipRouter   *self,
                 GossipReceived *rx)
{
  Receiver *r = &self->receivers[rx->msg.envelope.type];
  g_autoptr(GVariant) payload = NULL;

  if (r->func == NULL)
    {
      /* Unknown types are relayed, so nodes that lack a handler still
       * carry the epidemic (BEHAVIOUR.md §4.3). */
      gossip_router_forward (self, rx);
      return;
    }
  if ((r->flags & GOSSIP_RECEIVE_RELIABLE_ONLY) && rx->incoming == NULL)
    {
      gossip_router_count_drop (self, GOSSIP_DROP_WRONG_TRANSPORT, "request over UDP");
      return;
    }
  if ((r->flags & GOSSIP_RECEIVE_RAW) == 0)
    {
      payload = gossip_router_decode_payload (self, rx);
      if (payload == NULL)
        return;
    }
  /* Validate before forwarding, so garbage is not amplified (§12.26): the
   * receiver says whether the packet was sound. */
  if (r->func (rx, payload, r->data) && (r->flags & GOSSIP_RECEIVE_FORWARD))
    gossip_router_forward (self, rx);
}

void
gossip_router_receive (GossipRouter   *self,
                       GBytes         *raw,
                       gboolean        reliable,
                       GossipIncoming *incoming)
{
  GossipReceived rx = { .reliable = reliable, .incoming = incoming };
  gsize size;
  const guint8 *data = g_bytes_get_data (raw, &size);

  /* Decoding, own packets, replay window and de-duplication. */
  if (!gossip_router_accept (self, data, size, reliable, &rx.msg))
    return;

  /* broadcast-repair: keep a received broadcast. TTL 0 is a direct broadcast
   * or an epidemic's last hop; with TTL left, forward() keeps what it spreads
   * anyway, so an addressed send to a no-forward handler stays addressed. */
  if (repair_keeps (rx.msg.envelope.type) && rx.msg.envelope.ttl == 0 && !reliable)
    repair_record (self, &rx.msg.envelope.sender, rx.msg.envelope.id, raw);

  if (rx.msg.envelope.type < N_SYSTEM_TYPES)
    dispatch_system (self, &rx);
  else if (self->user.func != NULL)
    self->user.func (&rx, NULL, self->user.data);
  else
    gossip_router_forward (self, &rx);
  gossip_wire_message_clear (&rx.msg);
}
