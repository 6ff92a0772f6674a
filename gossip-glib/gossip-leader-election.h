/* gossip-leader-election.h: one leader per cluster (or node group), with a quorum. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include "gossip-version.h"
#include "gossip-cluster.h"
#include "gossip-node-group.h"

G_BEGIN_DECLS

/**
 * GOSSIP_LEADER_HEARTBEAT_MESSAGE_TYPE:
 *
 * The message type of leader heartbeats in Go v0.6.0's `leader` package
 * (65, in the range reserved for library extensions).
 *
 * Since: 1.0
 */
#define GOSSIP_LEADER_HEARTBEAT_MESSAGE_TYPE 65

#define GOSSIP_TYPE_LEADER_ELECTION (gossip_leader_election_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipLeaderElection, gossip_leader_election, GOSSIP, LEADER_ELECTION, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipLeaderElection *gossip_leader_election_new            (GossipCluster        *cluster,
                                                             GossipNodeGroup      *group);
GOSSIP_AVAILABLE_IN_1_0
gboolean              gossip_leader_election_start          (GossipLeaderElection *self,
                                                             GError              **error);
GOSSIP_AVAILABLE_IN_1_0
void                  gossip_leader_election_stop           (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
GossipCluster        *gossip_leader_election_get_cluster    (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
GossipNodeGroup      *gossip_leader_election_get_group      (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean              gossip_leader_election_get_is_leader  (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
GossipNode           *gossip_leader_election_get_leader     (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
const char           *gossip_leader_election_get_leader_id  (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
guint64               gossip_leader_election_get_term       (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean              gossip_leader_election_has_quorum     (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
guint                 gossip_leader_election_get_quorum     (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
guint                 gossip_leader_election_get_heartbeat_interval (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
void                  gossip_leader_election_set_heartbeat_interval (GossipLeaderElection *self,
                                                                     guint                 interval_ms);
GOSSIP_AVAILABLE_IN_1_0
guint                 gossip_leader_election_get_leader_timeout     (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
void                  gossip_leader_election_set_leader_timeout     (GossipLeaderElection *self,
                                                                     guint                 timeout_ms);
GOSSIP_AVAILABLE_IN_1_0
guint                 gossip_leader_election_get_min_cluster_size   (GossipLeaderElection *self);
GOSSIP_AVAILABLE_IN_1_0
void                  gossip_leader_election_set_min_cluster_size   (GossipLeaderElection *self,
                                                                     guint                 size);
GOSSIP_AVAILABLE_IN_1_0
gboolean              gossip_leader_election_send_to_peers  (GossipLeaderElection *self,
                                                             guint16               message_type,
                                                             GVariant             *value,
                                                             GossipSendFlags       flags,
                                                             GError              **error);

G_END_DECLS
