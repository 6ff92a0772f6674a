/* gossip-cipher-private.h: internals of the packet ciphers, exposed for the tests.
 *
 * The public ciphers draw a random nonce for every message, which makes
 * their output impossible to compare with published vectors; these entry
 * points take the nonce (and, for XChaCha20-Poly1305, associated data) from
 * the caller instead. Never use a fixed nonce outside tests.
 */
#pragma once

#include <glib.h>

#include "gossip-aes-gcm-cipher.h"

G_BEGIN_DECLS

#define GOSSIP_AES_GCM_NONCE_SIZE 12
#define GOSSIP_XCHACHA_KEY_SIZE   32
#define GOSSIP_XCHACHA_NONCE_SIZE 24
#define GOSSIP_AEAD_TAG_SIZE      16

/* Returns nonce(12) ‖ ciphertext ‖ tag(16), as gossip_cipher_encrypt() does. */
GBytes *gossip_aes_gcm_cipher_seal_with_nonce (GossipAesGcmCipher  *self,
                                               GBytes              *key,
                                               const guint8         nonce[GOSSIP_AES_GCM_NONCE_SIZE],
                                               const guint8        *plain,
                                               gsize                size,
                                               GError             **error);

/* draft-irtf-cfrg-xchacha-03 §2.2: derives a ChaCha20 subkey from @key and
 * the first 16 bytes of an XChaCha20 nonce. */
void    gossip_hchacha20                      (const guint8         key[GOSSIP_XCHACHA_KEY_SIZE],
                                               const guint8         nonce[16],
                                               guint8               subkey[GOSSIP_XCHACHA_KEY_SIZE]);

/* Returns nonce(24) ‖ ciphertext ‖ tag(16). @aad may be %NULL. */
GBytes *gossip_xchacha_seal                   (const guint8         key[GOSSIP_XCHACHA_KEY_SIZE],
                                               const guint8         nonce[GOSSIP_XCHACHA_NONCE_SIZE],
                                               const guint8        *aad,
                                               gsize                aad_size,
                                               const guint8        *plain,
                                               gsize                size,
                                               GError             **error);

/* Opens nonce(24) ‖ ciphertext ‖ tag(16). @aad may be %NULL. */
GBytes *gossip_xchacha_open                   (const guint8         key[GOSSIP_XCHACHA_KEY_SIZE],
                                               const guint8        *aad,
                                               gsize                aad_size,
                                               const guint8        *data,
                                               gsize                size,
                                               GError             **error);

G_END_DECLS
