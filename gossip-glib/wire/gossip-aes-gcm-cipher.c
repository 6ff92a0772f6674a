/* gossip-aes-gcm-cipher.c: AES-GCM sealing of packet bodies through GnuTLS.
 *
 * Go gossip v0.6.0's encryption.NewAESEncryptor() picks AES-128, -192 or -256
 * from the key length and writes nonce(12) ‖ ciphertext ‖ tag(16) with a
 * random nonce and no associated data (PROTOCOL.md §9). Every packet goes
 * through here, so the GnuTLS key schedule is kept between calls and only
 * redone when the key changes.
 */
#include "config.h"

#include "gossip-aes-gcm-cipher.h"
#include "gossip-cipher-private.h"
#include "gossip-error.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#define OVERHEAD (GOSSIP_AES_GCM_NONCE_SIZE + GOSSIP_AEAD_TAG_SIZE)

/**
 * GossipAesGcmCipher:
 *
 * A [iface@Gossip.Cipher] using AES-GCM with 16, 24 or 32-byte keys
 * (AES-128, AES-192 or AES-256), compatible with the AES encryptor of Go
 * gossip v0.6.0.
 *
 * Since: 1.0
 */
struct _GossipAesGcmCipher
{
  GObject parent_instance;

  /* The transports may seal from more than one thread; a GnuTLS handle is
   * not safe for concurrent use. */
  GMutex lock;
  gnutls_aead_cipher_hd_t handle;
  GBytes *handle_key;
};

static void gossip_aes_gcm_cipher_iface_init (GossipCipherInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipAesGcmCipher, gossip_aes_gcm_cipher, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_CIPHER,
                                                      gossip_aes_gcm_cipher_iface_init))

static gnutls_cipher_algorithm_t
algorithm_for_key_size (gsize key_size)
{
  switch (key_size)
    {
    case 16:
      return GNUTLS_CIPHER_AES_128_GCM;
    case 24:
      return GNUTLS_CIPHER_AES_192_GCM;
    case 32:
      return GNUTLS_CIPHER_AES_256_GCM;
    default:
      return GNUTLS_CIPHER_UNKNOWN;
    }
}

static gboolean
gossip_aes_gcm_cipher_check_key (GossipCipher  *cipher,
                                 gsize          key_size,
                                 GError       **error)
{
  if (algorithm_for_key_size (key_size) == GNUTLS_CIPHER_UNKNOWN)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                   _("An AES-GCM key must be 16, 24 or 32 bytes long "
                     "(AES-128, AES-192 or AES-256), not %llu"),
                   (unsigned long long) key_size);
      return FALSE;
    }

  return TRUE;
}

static const char *
gossip_aes_gcm_cipher_get_name (GossipCipher *cipher)
{
  return "aes-gcm";
}

static gsize
gossip_aes_gcm_cipher_get_overhead (GossipCipher *cipher)
{
  return OVERHEAD;
}

/* Called with the lock held. */
static gboolean
ensure_handle (GossipAesGcmCipher  *self,
               GBytes              *key,
               GError             **error)
{
  gnutls_aead_cipher_hd_t handle;
  gnutls_datum_t datum;
  gsize key_size;
  int ret;

  if (self->handle != NULL &&
      (self->handle_key == key || g_bytes_equal (self->handle_key, key)))
    return TRUE;

  datum.data = (unsigned char *) g_bytes_get_data (key, &key_size);
  datum.size = (unsigned int) key_size;

  ret = gnutls_aead_cipher_init (&handle, algorithm_for_key_size (key_size), &datum);
  if (ret < 0)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("Could not set up AES-GCM: %s"), gnutls_strerror (ret));
      return FALSE;
    }

  g_clear_pointer (&self->handle, gnutls_aead_cipher_deinit);
  g_clear_pointer (&self->handle_key, g_bytes_unref);
  self->handle = handle;
  self->handle_key = g_bytes_ref (key);
  return TRUE;
}

/* Private (gossip-cipher-private.h): the nonce comes from the caller so
 * tests can compare with golden packets. */
GBytes *
gossip_aes_gcm_cipher_seal_with_nonce (GossipAesGcmCipher  *self,
                                       GBytes              *key,
                                       const guint8         nonce[GOSSIP_AES_GCM_NONCE_SIZE],
                                       const guint8        *plain,
                                       gsize                size,
                                       GError             **error)
{
  static const guint8 empty[1] = { 0 };
  g_autoptr(GMutexLocker) locker = NULL;
  size_t ct_size;
  guint8 *out;
  int ret;

  g_return_val_if_fail (GOSSIP_IS_AES_GCM_CIPHER (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (nonce != NULL, NULL);
  g_return_val_if_fail (plain != NULL || size == 0, NULL);

  if (!gossip_aes_gcm_cipher_check_key (GOSSIP_CIPHER (self), g_bytes_get_size (key), error))
    return NULL;

  if (size > G_MAXSIZE - OVERHEAD)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                   _("Message too large to encrypt"));
      return NULL;
    }

  locker = g_mutex_locker_new (&self->lock);
  if (!ensure_handle (self, key, error))
    return NULL;

  out = g_malloc (size + OVERHEAD);
  memcpy (out, nonce, GOSSIP_AES_GCM_NONCE_SIZE);
  ct_size = size + GOSSIP_AEAD_TAG_SIZE;
  ret = gnutls_aead_cipher_encrypt (self->handle,
                                    nonce, GOSSIP_AES_GCM_NONCE_SIZE,
                                    NULL, 0,
                                    GOSSIP_AEAD_TAG_SIZE,
                                    size > 0 ? plain : empty, size,
                                    out + GOSSIP_AES_GCM_NONCE_SIZE, &ct_size);
  if (ret < 0 || ct_size != size + GOSSIP_AEAD_TAG_SIZE)
    {
      g_free (out);
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("AES-GCM encryption failed: %s"),
                   ret < 0 ? gnutls_strerror (ret) : "unexpected length");
      return NULL;
    }

  return g_bytes_new_take (out, size + OVERHEAD);
}

static GBytes *
gossip_aes_gcm_cipher_encrypt (GossipCipher  *cipher,
                               GBytes        *key,
                               GBytes        *bytes,
                               GError       **error)
{
  gsize size;
  const guint8 *plain = g_bytes_get_data (bytes, &size);
  guint8 nonce[GOSSIP_AES_GCM_NONCE_SIZE];
  int ret;

  ret = gnutls_rnd (GNUTLS_RND_NONCE, nonce, sizeof nonce);
  if (ret < 0)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("Could not draw a random nonce: %s"), gnutls_strerror (ret));
      return NULL;
    }

  return gossip_aes_gcm_cipher_seal_with_nonce (GOSSIP_AES_GCM_CIPHER (cipher),
                                                key, nonce, plain, size, error);
}

static GBytes *
gossip_aes_gcm_cipher_decrypt (GossipCipher  *cipher,
                               GBytes        *key,
                               GBytes        *bytes,
                               GError       **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  GossipAesGcmCipher *self = GOSSIP_AES_GCM_CIPHER (cipher);
  g_autoptr(GMutexLocker) locker = NULL;
  size_t plain_size;
  guint8 *out;
  int ret;

  if (!gossip_aes_gcm_cipher_check_key (cipher, g_bytes_get_size (key), error))
    return NULL;

  if (size < OVERHEAD)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("Encrypted message too short: %llu"
                     " bytes, AES-GCM needs at least %d"),
                   (unsigned long long) size, OVERHEAD);
      return NULL;
    }

  locker = g_mutex_locker_new (&self->lock);
  if (!ensure_handle (self, key, error))
    return NULL;

  plain_size = size - OVERHEAD;
  out = g_malloc (MAX (plain_size, 1));
  ret = gnutls_aead_cipher_decrypt (self->handle,
                                    data, GOSSIP_AES_GCM_NONCE_SIZE,
                                    NULL, 0,
                                    GOSSIP_AEAD_TAG_SIZE,
                                    data + GOSSIP_AES_GCM_NONCE_SIZE,
                                    size - GOSSIP_AES_GCM_NONCE_SIZE,
                                    out, &plain_size);
  if (ret < 0 || plain_size != size - OVERHEAD)
    {
      g_free (out);
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("AES-GCM decryption failed: %s"),
                   ret < 0 ? gnutls_strerror (ret) : "unexpected length");
      return NULL;
    }

  return g_bytes_new_take (out, plain_size);
}

static void
gossip_aes_gcm_cipher_iface_init (GossipCipherInterface *iface)
{
  iface->get_name = gossip_aes_gcm_cipher_get_name;
  iface->check_key = gossip_aes_gcm_cipher_check_key;
  iface->get_overhead = gossip_aes_gcm_cipher_get_overhead;
  iface->encrypt = gossip_aes_gcm_cipher_encrypt;
  iface->decrypt = gossip_aes_gcm_cipher_decrypt;
}

static void
gossip_aes_gcm_cipher_finalize (GObject *object)
{
  GossipAesGcmCipher *self = GOSSIP_AES_GCM_CIPHER (object);

  g_clear_pointer (&self->handle, gnutls_aead_cipher_deinit);
  g_clear_pointer (&self->handle_key, g_bytes_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (gossip_aes_gcm_cipher_parent_class)->finalize (object);
}

static void
gossip_aes_gcm_cipher_class_init (GossipAesGcmCipherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = gossip_aes_gcm_cipher_finalize;
}

static void
gossip_aes_gcm_cipher_init (GossipAesGcmCipher *self)
{
  g_mutex_init (&self->lock);
}

/**
 * gossip_aes_gcm_cipher_new:
 *
 * Creates an AES-GCM cipher. The key given to
 * [method@Gossip.Cipher.encrypt] selects AES-128, AES-192 or AES-256 by its
 * length.
 *
 * Returns: (transfer full): a new [class@Gossip.AesGcmCipher]
 *
 * Since: 1.0
 */
GossipCipher *
gossip_aes_gcm_cipher_new (void)
{
  return g_object_new (GOSSIP_TYPE_AES_GCM_CIPHER, NULL);
}
