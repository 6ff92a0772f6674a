/* gossip-cipher.c: the GossipCipher interface and its GBytes wrappers.
 *
 * A cipher seals the plaintext body of every packet and stream frame with an
 * AEAD (PROTOCOL.md §9). The wire pipeline only talks to this interface, so
 * an application can plug in its own implementation as long as its peers use
 * the same one.
 */
#include "config.h"

#include "gossip-cipher.h"

/**
 * GossipCipher:
 *
 * Encrypts and authenticates packet bodies. Every node of a cluster must use
 * the same cipher and key: the wire carries no cipher identifier.
 * [class@Gossip.AesGcmCipher] and [class@Gossip.XChaChaCipher] speak the
 * formats of Go gossip v0.6.0.
 *
 * Since: 1.0
 */

G_DEFINE_INTERFACE (GossipCipher, gossip_cipher, G_TYPE_OBJECT)

static void
gossip_cipher_default_init (GossipCipherInterface *iface)
{
}

/**
 * gossip_cipher_get_name:
 * @self: a cipher
 *
 * Gets the short name of the cipher, such as "aes-gcm", for logs and
 * error messages.
 *
 * Returns: (transfer none): the name of the cipher
 *
 * Since: 1.0
 */
const char *
gossip_cipher_get_name (GossipCipher *self)
{
  GossipCipherInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_CIPHER (self), NULL);

  iface = GOSSIP_CIPHER_GET_IFACE (self);
  g_return_val_if_fail (iface->get_name != NULL, NULL);

  return iface->get_name (self);
}

/**
 * gossip_cipher_check_key:
 * @self: a cipher
 * @key_size: the length of a key, in bytes
 * @error: return location for a #GError
 *
 * Checks that a key of @key_size bytes can be used with this cipher, so a
 * configuration can be refused up front rather than on the first packet.
 *
 * Returns: %TRUE if the key size is usable, %FALSE with @error set
 *   (%GOSSIP_ERROR_INVALID_CONFIG) otherwise
 *
 * Since: 1.0
 */
gboolean
gossip_cipher_check_key (GossipCipher  *self,
                         gsize          key_size,
                         GError       **error)
{
  GossipCipherInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_CIPHER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = GOSSIP_CIPHER_GET_IFACE (self);
  g_return_val_if_fail (iface->check_key != NULL, FALSE);

  return iface->check_key (self, key_size, error);
}

/**
 * gossip_cipher_get_overhead:
 * @self: a cipher
 *
 * Gets the number of bytes the cipher adds to every message (its nonce and
 * authentication tag), which the sender must subtract from the room left in
 * a datagram.
 *
 * Returns: the overhead in bytes
 *
 * Since: 1.0
 */
gsize
gossip_cipher_get_overhead (GossipCipher *self)
{
  GossipCipherInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_CIPHER (self), 0);

  iface = GOSSIP_CIPHER_GET_IFACE (self);
  g_return_val_if_fail (iface->get_overhead != NULL, 0);

  return iface->get_overhead (self);
}

/**
 * gossip_cipher_encrypt:
 * @self: a cipher
 * @key: the key
 * @plain: the plaintext
 * @error: return location for a #GError
 *
 * Encrypts and authenticates @plain under a fresh random nonce. The result
 * holds the nonce, the ciphertext and the authentication tag.
 *
 * Returns: (transfer full): the sealed message, or %NULL with @error set
 *
 * Since: 1.0
 */
GBytes *
gossip_cipher_encrypt (GossipCipher  *self,
                       GBytes        *key,
                       GBytes        *plain,
                       GError       **error)
{
  GossipCipherInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_CIPHER (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (plain != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = GOSSIP_CIPHER_GET_IFACE (self);
  g_return_val_if_fail (iface->encrypt != NULL, NULL);

  return iface->encrypt (self, key, plain, error);
}

/**
 * gossip_cipher_decrypt:
 * @self: a cipher
 * @key: the key
 * @data: a message sealed by [method@Gossip.Cipher.encrypt]
 * @error: return location for a #GError
 *
 * Authenticates and decrypts @data. Any tampering, a wrong key or a
 * truncated message fails with %GOSSIP_ERROR_CRYPTO.
 *
 * Returns: (transfer full): the plaintext, or %NULL with @error set
 *
 * Since: 1.0
 */
GBytes *
gossip_cipher_decrypt (GossipCipher  *self,
                       GBytes        *key,
                       GBytes        *data,
                       GError       **error)
{
  GossipCipherInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_CIPHER (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (data != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  iface = GOSSIP_CIPHER_GET_IFACE (self);
  g_return_val_if_fail (iface->decrypt != NULL, NULL);

  return iface->decrypt (self, key, data, error);
}
