/* gossip-aes-gcm-cipher.h: the AES-GCM packet cipher (128, 192 or 256-bit keys). */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"
#include "gossip-cipher.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_AES_GCM_CIPHER (gossip_aes_gcm_cipher_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipAesGcmCipher, gossip_aes_gcm_cipher, GOSSIP, AES_GCM_CIPHER, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipCipher *gossip_aes_gcm_cipher_new (void);

G_END_DECLS
