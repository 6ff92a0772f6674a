/* gossip-system-read.c: system messages from payload bytes, fast path first. */
#include "config.h"

#include "gossip-codec-fast-private.h"
#include "gossip-error.h"
#include "gossip-system-read-private.h"

static const guint8 *
payload_bytes (const GossipWireMessage *msg,
               gsize                   *size)
{
  if (msg->payload == NULL)
    {
      *size = 0;
      return (const guint8 *) "";
    }
  return g_bytes_get_data (msg->payload, size);
}

static gboolean
malformed (GError    **error,
           const char *what)
{
  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_PROTOCOL, "malformed %s", what);
  return FALSE;
}

gboolean
gossip_system_read_join (GossipCodec             *codec,
                         const GossipWireMessage *msg,
                         GossipJoinMsg           *out,
                         GError                 **error)
{
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (codec);
  g_autoptr(GVariant) v = NULL;
  gsize size;
  const guint8 *data = payload_bytes (msg, &size);

  if (fast != NULL && fast->read_join (data, size, out))
    return TRUE;
  memset (out, 0, sizeof *out);
  v = gossip_wire_decode_payload (msg, codec, error);
  if (v == NULL)
    return FALSE;
  return gossip_join_msg_parse (v, out) || malformed (error, "join");
}

GArray *
gossip_system_read_state_list (GossipCodec             *codec,
                               const GossipWireMessage *msg,
                               guint                    max_entries,
                               GError                 **error)
{
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (codec);
  g_autoptr(GVariant) v = NULL;
  GArray *list = NULL;
  gsize size;
  const guint8 *data = payload_bytes (msg, &size);

  if (fast != NULL && fast->read_state_list (data, size, max_entries, &list))
    return list;
  v = gossip_wire_decode_payload (msg, codec, error);
  if (v == NULL)
    return NULL;
  list = gossip_node_state_list_parse (v, max_entries);
  if (list == NULL)
    malformed (error, "push/pull list");
  return list;
}

gboolean
gossip_system_read_node_msg (GossipCodec             *codec,
                             const GossipWireMessage *msg,
                             GossipNodeMsg           *out,
                             GError                 **error)
{
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (codec);
  g_autoptr(GVariant) v = NULL;
  gsize size;
  const guint8 *data = payload_bytes (msg, &size);

  if (fast != NULL && fast->read_node_msg (data, size, out))
    return TRUE;
  memset (out, 0, sizeof *out);
  v = gossip_wire_decode_payload (msg, codec, error);
  if (v == NULL)
    return FALSE;
  return gossip_node_msg_parse (v, out) || malformed (error, "node message");
}

gboolean
gossip_system_read_metadata_msg (GossipCodec             *codec,
                                 const GossipWireMessage *msg,
                                 GossipMetadataMsg       *out,
                                 GError                 **error)
{
  const GossipCodecFastPath *fast = gossip_codec_get_fast_path (codec);
  g_autoptr(GVariant) v = NULL;
  gsize size;
  const guint8 *data = payload_bytes (msg, &size);

  if (fast != NULL && fast->read_metadata_msg (data, size, out))
    return TRUE;
  memset (out, 0, sizeof *out);
  v = gossip_wire_decode_payload (msg, codec, error);
  if (v == NULL)
    return FALSE;
  return gossip_metadata_msg_parse (v, out) || malformed (error, "metadata message");
}
