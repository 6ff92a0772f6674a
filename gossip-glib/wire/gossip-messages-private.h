/* gossip-messages-private.h: the payloads of the system messages (PROTOCOL.md §6–7). */
#pragma once

#include <glib.h>
#include "gossip-node-id-private.h"

G_BEGIN_DECLS

typedef enum {
  GOSSIP_MSG_REPLY = 0,
  GOSSIP_MSG_PING = 1,
  GOSSIP_MSG_PING_ACK = 2,
  GOSSIP_MSG_INDIRECT_PING = 3,
  GOSSIP_MSG_INDIRECT_PING_ACK = 4,
  GOSSIP_MSG_JOIN = 5,
  GOSSIP_MSG_PUSH_PULL = 6,
  GOSSIP_MSG_ALIVE = 7,
  GOSSIP_MSG_SUSPICION = 8,
  GOSSIP_MSG_LEAVING = 9,
  GOSSIP_MSG_METADATA = 10,
  GOSSIP_MSG_STREAM_OPEN_ACK = 11,
} GossipMessageType;

/* mt 1, 2 (ping, ack) and 3, 4 (indirect ping, ack; @ok only there) */
typedef struct {
  GossipNodeId target;  /* ti */
  guint32      seq;
  char        *addr;
  gboolean     ok;
} GossipPingMsg;

/* mt 5 and its reply */
typedef struct {
  gboolean     accepted;  /* acc, reply only */
  char        *reason;    /* rr, reply only */
  GossipNodeId id;
  char        *addr;
  guint16      protocol_version;
  char        *app_version;
  guint64      metadata_ts;
  GVariant    *metadata;  /* a{sv} */
} GossipJoinMsg;

/* one element of a push/pull list */
typedef struct {
  GossipNodeId id;
  char        *addr;
  guint8       state;
  guint64      state_ts;
  guint64      metadata_ts;
  GVariant    *metadata;
} GossipNodeStateMsg;

/* mt 7 (alive: @addr), 8 (suspicion), 9 (leaving) */
typedef struct {
  GossipNodeId node;  /* ni */
  char        *addr;
} GossipNodeMsg;

/* mt 10 */
typedef struct {
  guint64   metadata_ts;
  GVariant *metadata;
} GossipMetadataMsg;

/* Builders return floating references; parsers return FALSE on any field
 * of the wrong type and leave nothing to free on failure. */
GVariant *gossip_ping_msg_build (const GossipPingMsg *msg, gboolean indirect);
/* Go's `addr` field is `json:",omitempty"`: with @omit_empty_addr (the JSON
 * codec) an empty address is left out, byte for byte as Go's encoding/json. */
GVariant *gossip_ping_msg_build_full (const GossipPingMsg *msg, gboolean indirect,
                                      gboolean omit_empty_addr);
gboolean  gossip_ping_msg_parse (GVariant *v, GossipPingMsg *out);
void      gossip_ping_msg_clear (GossipPingMsg *msg);

GVariant *gossip_join_msg_build (const GossipJoinMsg *msg, gboolean reply);
gboolean  gossip_join_msg_parse (GVariant *v, GossipJoinMsg *out);
void      gossip_join_msg_clear (GossipJoinMsg *msg);

GVariant *gossip_node_state_msg_build (const GossipNodeStateMsg *msg);
/* The whole list; NULL or nil is an empty list. (transfer full) element-type GossipNodeStateMsg */
GArray   *gossip_node_state_list_parse (GVariant *v, guint max_entries);
void      gossip_node_state_msg_clear (GossipNodeStateMsg *msg);

GVariant *gossip_node_msg_build (const GossipNodeMsg *msg, gboolean with_addr);
gboolean  gossip_node_msg_parse (GVariant *v, GossipNodeMsg *out);
void      gossip_node_msg_clear (GossipNodeMsg *msg);

GVariant *gossip_metadata_msg_build (const GossipMetadataMsg *msg);
gboolean  gossip_metadata_msg_parse (GVariant *v, GossipMetadataMsg *out);
void      gossip_metadata_msg_clear (GossipMetadataMsg *msg);

G_END_DECLS
