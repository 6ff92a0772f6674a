/* gossip-xchacha-cipher.h: the XChaCha20-Poly1305 (IETF) packet cipher. */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"
#include "gossip-cipher.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_XCHACHA_CIPHER (gossip_xchacha_cipher_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GossipXChaChaCipher, gossip_xchacha_cipher, GOSSIP, XCHACHA_CIPHER, GObject)

GOSSIP_AVAILABLE_IN_1_0
GossipCipher *gossip_xchacha_cipher_new (void);

G_END_DECLS
