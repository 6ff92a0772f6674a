/* gossip-router.c: the receive filters every packet passes (see the header). */
#include "config.h"

#include "gossip-hlc-private.h"
#include "gossip-router-private.h"

struct _GossipRouter
{
  const GossipWire     *wire;
  GossipNodeId          local_id;
  char                 *label;
  GossipMessageHistory *history;
  gint64                replay_window_usec;
  guint64               drops[GOSSIP_DROP_N_REASONS];
  guint64               packets_in;
};

GossipRouter *
gossip_router_new (const GossipWire   *wire,
                   const GossipNodeId *local_id,
                   const char         *label,
                   guint               history_max_age_ms,
                   guint               replay_window_ms)
{
  GossipRouter *self = g_new0 (GossipRouter, 1);

  self->wire = wire;
  self->local_id = *local_id;
  self->label = g_strdup (label);
  /* Remember messages at least as long as the replay window accepts them. */
  self->history = gossip_message_history_new ((gint64) MAX (history_max_age_ms, replay_window_ms) * 1000,
                                              1 << 20);
  self->replay_window_usec = (gint64) replay_window_ms * 1000;
  return self;
}

void
gossip_router_free (GossipRouter *self)
{
  if (self == NULL)
    return;
  gossip_message_history_free (self->history);
  g_free (self->label);
  g_free (self);
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
