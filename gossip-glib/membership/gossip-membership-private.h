/* gossip-membership-private.h: who is in the cluster, as an object.
 *
 * GossipMembership owns the node list (with the local node), its state
 * machine and merge rules, joins, push/pull and metadata propagation, and
 * the retention timers. It sends through the router and registers its
 * system types there; it is the router's peer source. It is the only
 * place node state changes, and it tells its observers (health, the
 * cluster) of each transition once the transition is complete. Claims it
 * does not judge itself (suspicions, third-party reports) go to the
 * evidence sink the failure detector registers. It holds no pointer to
 * the cluster: the owner gives it a GossipMembershipHost.
 */
#pragma once

#include "gossip-config-private.h"
#include "gossip-dispatch-private.h"
#include "gossip-node-list-private.h"
#include "gossip-router-private.h"

G_BEGIN_DECLS

typedef struct _GossipMembership GossipMembership;

/* What the owner gives membership at construction. */
typedef struct {
  GossipDispatcher dispatcher;  /* around every main-loop callback */
  /* Called before a node's properties change (the owner may freeze its
   * notifications until its dispatch ends). */
  void          (* hold_node) (gpointer data, GossipNode *node);
  gpointer         data;
  /* Kept alive (a reference) while an exchange or join is in flight. */
  GObject         *owner;
} GossipMembershipHost;

/* Told of every transition after it is complete: the node list, the
 * node's properties and the transport's cache agree. For a removal
 * @new_state is UNKNOWN and the node has left the list. */
typedef struct {
  void (* state_changed)    (gpointer         data,
                             GossipNode      *node,
                             GossipNodeState  old_state,
                             GossipNodeState  new_state);
  void (* metadata_changed) (gpointer         data,
                             GossipNode      *node);
} GossipMembershipObserver;

/* The failure detector's side: claims membership does not believe but
 * passes on, and the one question it asks. */
typedef struct {
  /* A suspicion message about @node originated by @originator. */
  void     (* suspicion)      (gpointer data, GossipNode *node, const GossipNodeId *originator);
  /* A third party (push/pull @reporter) says @node is @reported. */
  void     (* report)         (gpointer data, GossipNode *node, GossipNode *reporter,
                               GossipNodeState reported);
  /* A claim about @node to check by probing it. */
  void     (* verify)         (gpointer data, GossipNode *node);
  /* Someone suspects us. */
  void     (* self_suspected) (gpointer data);
  /* TRUE while our suspicion of @node is held back (push/pull lists
   * leave it out meanwhile). */
  gboolean (* withholds)      (gpointer data, GossipNode *node);
} GossipMembershipEvidence;

/* The task data of a join: attempts in flight, peers that accepted, and
 * the last failure to report if none did. */
typedef struct {
  guint   pending;
  guint   joined;
  GError *error;
} GossipJoinState;

void gossip_join_state_free (gpointer data);
/* Ends one attempt of @task (owned); returns the task when it was the last. */
void gossip_membership_join_attempt_done (GTask  *task,
                                          GError *error);

/* @local_metadata becomes the local node's; @cfg, @context, @router and
 * @host must outlive membership. */
GossipMembership *gossip_membership_new        (const GossipConfigValues   *cfg,
                                                GMainContext               *context,
                                                GossipRouter               *router,
                                                GossipTransport            *transport,
                                                const GossipNodeId         *local_id,
                                                const char                 *advertise_address,
                                                GossipMetadata             *local_metadata,
                                                const GossipMembershipHost *host);
void              gossip_membership_free       (GossipMembership *self);
GossipNodeList   *gossip_membership_get_nodes  (GossipMembership *self);
GossipNode       *gossip_membership_get_local  (GossipMembership *self);
guint64           gossip_membership_get_refutations (GossipMembership *self);

void        gossip_membership_add_observer     (GossipMembership               *self,
                                                const GossipMembershipObserver *observer,
                                                gpointer                        data);
void        gossip_membership_set_evidence     (GossipMembership               *self,
                                                const GossipMembershipEvidence *evidence,
                                                gpointer                        data);
void        gossip_membership_start            (GossipMembership *self);
void        gossip_membership_stop             (GossipMembership *self);
/* The only places node state changes. */
void        gossip_membership_add_node         (GossipMembership *self,
                                                GossipNode       *node);
/* With the reason (and printf-style detail, formatted only when the state
 * does change) that the node carries and the debug log shows; set_state()
 * records no reason. */
void        gossip_membership_set_state_for    (GossipMembership *self,
                                                GossipNode       *node,
                                                GossipNodeState   state,
                                                guint64           timestamp,
                                                GossipStateReason reason,
                                                const char       *detail_fmt,
                                                ...) G_GNUC_PRINTF (6, 7);
void        gossip_membership_set_state        (GossipMembership *self,
                                                GossipNode       *node,
                                                GossipNodeState   state,
                                                guint64           timestamp);
void        gossip_membership_remove_node      (GossipMembership *self,
                                                GossipNode       *node);
void        gossip_membership_apply_metadata   (GossipMembership *self,
                                                GossipNode       *node,
                                                GVariant         *md,
                                                guint64           ts,
                                                gboolean          force);
/* Leaves: the local node becomes Leaving and says so. */
void        gossip_membership_leave            (GossipMembership *self,
                                                gboolean          announce);
/* Remembered for rejoin (recovery, the sync timer). */
void        gossip_membership_add_join_peer    (GossipMembership *self,
                                                const char       *address);
GPtrArray  *gossip_membership_get_join_peers   (GossipMembership *self);
/* TRUE while a join of @peer awaits its reply, or when the node that
 * answered @peer (a host name or srv+NAME that is not its address) is
 * Alive: the recovery loop need not rejoin it. */
gboolean    gossip_membership_join_peer_is_alive (GossipMembership *self,
                                                  const char       *peer);
/* @task (owned, nullable) is the owner's join task (its data a GossipJoinState). */
void        gossip_membership_join_address     (GossipMembership *self,
                                                const char       *address,
                                                GTask            *task);
/* A claim @node makes about itself in a packet it sent us directly (the
 * address a ping names as its own, sent at @claim_ts): if it is newer than
 * what we know and names another address, the node moved there (see
 * adopt_own_claim()). Returns whether it was taken. */
gboolean    gossip_membership_own_claim        (GossipMembership *self,
                                                GossipNode       *node,
                                                const char       *address,
                                                guint64           claim_ts);
/* Revives a Suspect or Dead node on direct evidence from it: a message of
 * @type (GOSSIP_MSG_*) it sent us itself. */
void        gossip_membership_heard_from       (GossipMembership *self,
                                                GossipNode       *node,
                                                guint16           type);
/* The sender of @rx if it is in the list, with a reference; else NULL. */
GossipNode *gossip_membership_lookup_sender    (GossipMembership *self,
                                                GossipReceived   *rx);
void        gossip_membership_exchange_state   (GossipMembership *self,
                                                GossipNode       *node);
/* Up to @max node states (G_MAXUINT: every live node), without @exclude. */
GVariant   *gossip_membership_build_state_list (GossipMembership *self,
                                                GossipNode       *exclude,
                                                guint             max);

G_END_DECLS
