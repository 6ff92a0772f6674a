/* gossip-variant-private.h: tolerant field access on decoded payloads.
 *
 * Decoded payloads are "a{sv}" dictionaries whose values carry whatever
 * integer width or string/bin form the peer's codec chose; these helpers
 * accept every form a Go v0.6.0 peer may send (PROTOCOL.md §5.1).
 */
#pragma once

#include <glib.h>
#include "gossip-node-id-private.h"

G_BEGIN_DECLS

/* The value under @key with any "v" boxing removed, or NULL. (transfer full) */
GVariant *gossip_variant_lookup         (GVariant     *dict,
                                         const char   *key);
/* Any integer type (and a double with an integral value) that fits in 0..@max. */
gboolean  gossip_variant_get_uint       (GVariant     *value,
                                         guint64       max,
                                         guint64      *out);
gboolean  gossip_variant_get_int        (GVariant     *value,
                                         gint64       *out);
gboolean  gossip_variant_lookup_uint    (GVariant     *dict,
                                         const char   *key,
                                         guint64       max,
                                         guint64      *out);
/* Missing or nil: TRUE with FALSE in @out. */
gboolean  gossip_variant_lookup_bool    (GVariant     *dict,
                                         const char   *key,
                                         gboolean     *out);
/* A string, or bytes that are valid UTF-8; missing or nil gives "". (transfer full) */
gboolean  gossip_variant_lookup_string  (GVariant     *dict,
                                         const char   *key,
                                         char        **out);
gboolean  gossip_variant_lookup_node_id (GVariant     *dict,
                                         const char   *key,
                                         GossipNodeId *out);
/* An "a{sv}"; missing or nil gives an empty dictionary. (transfer full) */
gboolean  gossip_variant_lookup_dict    (GVariant     *dict,
                                         const char   *key,
                                         GVariant    **out);
/* Unboxes "v" layers. (transfer full) */
GVariant *gossip_variant_unbox          (GVariant     *value);
gboolean  gossip_variant_is_nil         (GVariant     *value);

G_END_DECLS
