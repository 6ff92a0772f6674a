/* gossip-message-history-private.h: the de-duplication history (BEHAVIOUR.md §4.4). */
#pragma once

#include <glib.h>
#include "gossip-node-id-private.h"

G_BEGIN_DECLS

typedef struct _GossipMessageHistory GossipMessageHistory;

GossipMessageHistory *gossip_message_history_new    (gint64                max_age_usec,
                                                     guint                 max_entries);
void                  gossip_message_history_free   (GossipMessageHistory *self);
/* Records (sender, id) at @now; returns FALSE if it was already recorded.
 * Check and insert are one step, so a message is processed once. */
gboolean              gossip_message_history_record (GossipMessageHistory *self,
                                                     const GossipNodeId   *sender,
                                                     guint64               id,
                                                     gint64                now);
/* Forgets entries older than the maximum age. */
void                  gossip_message_history_prune  (GossipMessageHistory *self,
                                                     gint64                now);
guint                 gossip_message_history_size   (GossipMessageHistory *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GossipMessageHistory, gossip_message_history_free)

G_END_DECLS
