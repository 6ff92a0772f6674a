/* gossip-cipher.h: the interface of an AEAD packet cipher (AES-GCM, XChaCha20-Poly1305). */
#pragma once

#if !defined (GOSSIP_INSIDE) && !defined (GOSSIP_COMPILATION)
#error "Only <gossip-glib.h> can be included directly."
#endif

#include <glib-object.h>
#include "gossip-version.h"

G_BEGIN_DECLS

#define GOSSIP_TYPE_CIPHER (gossip_cipher_get_type ())

GOSSIP_AVAILABLE_IN_1_0
G_DECLARE_INTERFACE (GossipCipher, gossip_cipher, GOSSIP, CIPHER, GObject)

/**
 * GossipCipherInterface:
 * @get_name: a short name ("aes-gcm", "xchacha20-poly1305")
 * @check_key: checks that a key of @key_size bytes is usable
 * @get_overhead: bytes added to every message (nonce and tag)
 * @encrypt: seals @plain with a fresh random nonce: nonce ‖ ciphertext ‖ tag
 * @decrypt: opens what @encrypt produced; fails on any authentication error
 *
 * The virtual methods of [iface@Gossip.Cipher]. No associated data is used,
 * as in the wire protocol of Go gossip v0.6.0.
 *
 * @encrypt and @decrypt take and return #GBytes, so a cipher can be
 * written in any language with GObject introspection (`do_encrypt` and
 * `do_decrypt` in PyGObject). The #GBytes they receive may wrap a packet
 * buffer that is reused after the call returns: an implementation that
 * keeps the data must copy it.
 *
 * Since: 1.0
 */
struct _GossipCipherInterface
{
  GTypeInterface g_iface;

  const char * (* get_name)     (GossipCipher  *self);
  gboolean     (* check_key)    (GossipCipher  *self,
                                 gsize          key_size,
                                 GError       **error);
  gsize        (* get_overhead) (GossipCipher  *self);
  GBytes     * (* encrypt)      (GossipCipher  *self,
                                 GBytes        *key,
                                 GBytes        *plain,
                                 GError       **error);
  GBytes     * (* decrypt)      (GossipCipher  *self,
                                 GBytes        *key,
                                 GBytes        *data,
                                 GError       **error);
};

GOSSIP_AVAILABLE_IN_1_0
const char *gossip_cipher_get_name     (GossipCipher  *self);
GOSSIP_AVAILABLE_IN_1_0
gboolean    gossip_cipher_check_key    (GossipCipher  *self,
                                        gsize          key_size,
                                        GError       **error);
GOSSIP_AVAILABLE_IN_1_0
gsize       gossip_cipher_get_overhead (GossipCipher  *self);
GOSSIP_AVAILABLE_IN_1_0
GBytes     *gossip_cipher_encrypt      (GossipCipher  *self,
                                        GBytes        *key,
                                        GBytes        *plain,
                                        GError       **error);
GOSSIP_AVAILABLE_IN_1_0
GBytes     *gossip_cipher_decrypt      (GossipCipher  *self,
                                        GBytes        *key,
                                        GBytes        *data,
                                        GError       **error);

G_END_DECLS
