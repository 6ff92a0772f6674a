/* gossip-metadata.h: typed key/value metadata that a node shares with the cluster. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_METADATA (gossip_metadata_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipMetadata, gossip_metadata, GOSSIP, METADATA, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipMetadata *gossip_metadata_new            (void);

GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_metadata_is_read_only   (GossipMetadata *self);
GOSSIP_AVAILABLE_IN_1_0
guint64         gossip_metadata_get_timestamp  (GossipMetadata *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_metadata_contains       (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
char          **gossip_metadata_get_keys       (GossipMetadata *self);
GOSSIP_AVAILABLE_IN_1_0
guint           gossip_metadata_get_size       (GossipMetadata *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_metadata_remove         (GossipMetadata *self,
                                                const char     *key);

GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_value      (GossipMetadata *self,
                                                const char     *key,
                                                GVariant       *value);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_string     (GossipMetadata *self,
                                                const char     *key,
                                                const char     *value);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_boolean    (GossipMetadata *self,
                                                const char     *key,
                                                gboolean        value);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_int32      (GossipMetadata *self,
                                                const char     *key,
                                                gint32          value);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_int64      (GossipMetadata *self,
                                                const char     *key,
                                                gint64          value);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_uint32     (GossipMetadata *self,
                                                const char     *key,
                                                guint32         value);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_uint64     (GossipMetadata *self,
                                                const char     *key,
                                                guint64         value);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_double     (GossipMetadata *self,
                                                const char     *key,
                                                double          value);
GOSSIP_AVAILABLE_IN_1_0
void            gossip_metadata_set_date_time  (GossipMetadata *self,
                                                const char     *key,
                                                GDateTime      *value);

GOSSIP_AVAILABLE_IN_1_0
GVariant       *gossip_metadata_get_value      (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
char           *gossip_metadata_get_string     (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
gboolean        gossip_metadata_get_boolean    (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
gint32          gossip_metadata_get_int32      (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
gint64          gossip_metadata_get_int64      (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
guint32         gossip_metadata_get_uint32     (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
guint64         gossip_metadata_get_uint64     (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
double          gossip_metadata_get_double     (GossipMetadata *self,
                                                const char     *key);
GOSSIP_AVAILABLE_IN_1_0
GDateTime      *gossip_metadata_get_date_time  (GossipMetadata *self,
                                                const char     *key);

GOSSIP_AVAILABLE_IN_1_0
GVariant       *gossip_metadata_to_variant     (GossipMetadata *self);

G_END_DECLS
