/* gossip-packet.c: a received message handed to application handlers.
 *
 * The payload is kept as codec bytes and decoded only when a handler asks,
 * so messages that are merely forwarded are never decoded.
 */
#include "config.h"

#include "gossip-packet-private.h"
#include "gossip-codec-private.h"

struct _GossipPacket
{
  gatomicrefcount  ref_count;
  GossipEnvelope   envelope;
  char             sender_id[GOSSIP_NODE_ID_STRING_LEN + 1];
  GBytes          *payload;
  GossipCodec     *codec;
  GVariant        *decoded;
  gboolean         reliable;
  guint            max_elements;
};

G_DEFINE_BOXED_TYPE (GossipPacket, gossip_packet, gossip_packet_ref, gossip_packet_unref)

GossipPacket *
gossip_packet_new (const GossipWireMessage *msg,
                   GossipCodec             *codec,
                   gboolean                 reliable)
{
  GossipPacket *self = g_new0 (GossipPacket, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->envelope = msg->envelope;
  gossip_node_id_format (&msg->envelope.sender, self->sender_id);
  self->payload = g_bytes_ref (msg->payload);
  self->codec = g_object_ref (codec);
  self->reliable = reliable;
  self->max_elements = msg->max_elements;
  return self;
}

const GossipEnvelope *
gossip_packet_get_envelope (GossipPacket *self)
{
  return &self->envelope;
}

/**
 * gossip_packet_ref:
 * @self: a packet
 *
 * Takes a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
GossipPacket *
gossip_packet_ref (GossipPacket *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * gossip_packet_unref:
 * @self: (transfer full): a packet
 *
 * Drops a reference.
 *
 * Since: 1.0
 */
void
gossip_packet_unref (GossipPacket *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_bytes_unref (self->payload);
  g_object_unref (self->codec);
  g_clear_pointer (&self->decoded, g_variant_unref);
  g_free (self);
}

/**
 * gossip_packet_get_message_type:
 * @self: a packet
 *
 * Gets the message type of the packet.
 *
 * Returns: the message type
 *
 * Since: 1.0
 */
guint16
gossip_packet_get_message_type (GossipPacket *self)
{
  return self->envelope.type;
}

/**
 * gossip_packet_get_sender_id:
 * @self: a packet
 *
 * Gets the ID of the node that sent the packet.
 *
 * Returns: the UUID of the node that originated the message (not of the
 *   node that forwarded it)
 *
 * Since: 1.0
 */
const char *
gossip_packet_get_sender_id (GossipPacket *self)
{
  return self->sender_id;
}

/**
 * gossip_packet_get_message_id:
 * @self: a packet
 *
 * Gets the message ID of the packet (a hybrid logical clock timestamp),
 * which de-duplicates broadcasts.
 *
 * Returns: the message ID, unique per originator (an HLC timestamp)
 *
 * Since: 1.0
 */
guint64
gossip_packet_get_message_id (GossipPacket *self)
{
  return self->envelope.id;
}

/**
 * gossip_packet_get_ttl:
 * @self: a packet
 *
 * Gets the packet's remaining time-to-live in hops.
 *
 * Returns: the hops the message may still travel
 *
 * Since: 1.0
 */
guint8
gossip_packet_get_ttl (GossipPacket *self)
{
  return self->envelope.ttl;
}

/**
 * gossip_packet_is_reliable:
 * @self: a packet
 *
 * Tells whether the packet came over a reliable connection (TCP, WebSocket)
 * rather than UDP.
 *
 * Returns: whether the packet arrived over a reliable (TCP) connection
 *
 * Since: 1.0
 */
gboolean
gossip_packet_is_reliable (GossipPacket *self)
{
  return self->reliable;
}

/**
 * gossip_packet_get_payload_bytes:
 * @self: a packet
 *
 * Gets the payload as it arrived (decompressed and decrypted, not decoded).
 *
 * Returns: (transfer none): the payload as the codec encoded it
 *
 * Since: 1.0
 */
GBytes *
gossip_packet_get_payload_bytes (GossipPacket *self)
{
  return self->payload;
}

/**
 * gossip_packet_get_payload:
 * @self: a packet
 * @error: return location for a #GError
 *
 * Decodes the payload with the cluster's codec. A nil payload decodes to a
 * maybe #GVariant holding nothing.
 *
 * Returns: (transfer full): the payload value, or %NULL with @error set
 *
 * Since: 1.0
 */
GVariant *
gossip_packet_get_payload (GossipPacket  *self,
                           GError       **error)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->decoded == NULL)
    {
      gsize size;
      const guint8 *data = g_bytes_get_data (self->payload, &size);

      /* Under the cluster's element budget (max-decode-elements). */
      self->decoded = gossip_codec_decode_bounded (self->codec, data, size, self->max_elements, error);
      if (self->decoded == NULL)
        return NULL;
    }
  return g_variant_ref (self->decoded);
}
