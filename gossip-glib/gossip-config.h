/* gossip-config.h: the settings of a cluster node. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <gio/gio.h>
#include "gossip-version.h"
#include "gossip-codec.h"
#include "gossip-compressor.h"
#include "gossip-cipher.h"
#include "gossip-transport.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_CONFIG (gossip_config_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipConfig, gossip_config, GOSSIP, CONFIG, GObject)

/**
 * GossipVersionCheckFunc:
 * @version: the application version a joining node announced
 * @user_data: the data given with the function
 *
 * Decides whether a node with application version @version may join.
 *
 * Returns: %TRUE to accept the node
 *
 * Since: 1.0
 */
typedef gboolean (* GossipVersionCheckFunc) (const char *version,
                                             gpointer    user_data);

GOSSIP_AVAILABLE_IN_1_0
GossipConfig     *gossip_config_new                    (void);

GOSSIP_AVAILABLE_IN_1_0
const char       *gossip_config_get_node_id            (GossipConfig     *self);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_node_id            (GossipConfig     *self,
                                                        const char       *node_id);
GOSSIP_AVAILABLE_IN_1_0
const char       *gossip_config_get_bind_address       (GossipConfig     *self);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_bind_address       (GossipConfig     *self,
                                                        const char       *address);
GOSSIP_AVAILABLE_IN_1_0
const char       *gossip_config_get_advertise_address  (GossipConfig     *self);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_advertise_address  (GossipConfig     *self,
                                                        const char       *address);
GOSSIP_AVAILABLE_IN_1_0
GossipCodec      *gossip_config_get_codec              (GossipConfig     *self);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_codec              (GossipConfig     *self,
                                                        GossipCodec      *codec);
GOSSIP_AVAILABLE_IN_1_0
GossipCompressor *gossip_config_get_compressor         (GossipConfig     *self);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_compressor         (GossipConfig     *self,
                                                        GossipCompressor *compressor);
GOSSIP_AVAILABLE_IN_1_0
GossipCipher     *gossip_config_get_cipher             (GossipConfig     *self);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_cipher             (GossipConfig     *self,
                                                        GossipCipher     *cipher);
GOSSIP_AVAILABLE_IN_1_0
GossipTransport  *gossip_config_get_transport          (GossipConfig     *self);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_transport          (GossipConfig     *self,
                                                        GossipTransport  *transport);
GOSSIP_AVAILABLE_IN_1_0
GBytes           *gossip_config_get_encryption_key     (GossipConfig     *self);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_encryption_key     (GossipConfig     *self,
                                                        GBytes           *key);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_set_application_version_check (GossipConfig           *self,
                                                               GossipVersionCheckFunc  func,
                                                               gpointer                user_data,
                                                               GDestroyNotify          destroy);
GOSSIP_AVAILABLE_IN_1_0
void              gossip_config_scale_intervals        (GossipConfig     *self,
                                                        double            factor);

G_END_DECLS
