/* gossip-metadata-private.h: what membership needs of GossipMetadata. */
#pragma once

#include "gossip-metadata.h"

G_BEGIN_DECLS

/* Metadata of remote nodes is read-only to the application. */
GossipMetadata *gossip_metadata_new_read_only (void);

/* Last-writer-wins replacement of the whole map by the originator's
 * timestamp (BEHAVIOUR.md §7.1). @map is an "a{sv}" as decoded from the
 * wire (or nil). Unless @force, applied only when @timestamp is newer.
 * Returns TRUE and emits ::changed when applied. */
gboolean gossip_metadata_apply (GossipMetadata *self,
                                GVariant       *map,
                                guint64         timestamp,
                                gboolean        force);

G_END_DECLS
