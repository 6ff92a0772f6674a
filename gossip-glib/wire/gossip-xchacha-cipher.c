/* gossip-xchacha-cipher.c: XChaCha20-Poly1305 (IETF) sealing of packet bodies.
 *
 * Go gossip v0.6.0's encryption.NewChaCha20Encryptor() uses
 * chacha20poly1305.NewX: a 32-byte key, a random 24-byte nonce and the
 * layout nonce(24) ‖ ciphertext ‖ tag(16), no associated data (PROTOCOL.md
 * §9). GnuTLS only offers ChaCha20-Poly1305 with 12-byte nonces, so the
 * extended nonce is built here as draft-irtf-cfrg-xchacha-03 describes:
 * HChaCha20 turns the key and the first 16 nonce bytes into a subkey, which
 * then seals with ChaCha20-Poly1305 under 4 zero bytes ‖ the last 8 nonce
 * bytes.
 */
#include "config.h"

#include "gossip-xchacha-cipher.h"
#include "gossip-cipher-private.h"
#include "gossip-error.h"

#include <string.h>
#include <glib/gi18n-lib.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#define OVERHEAD (GOSSIP_XCHACHA_NONCE_SIZE + GOSSIP_AEAD_TAG_SIZE)
#define CHACHA_NONCE_SIZE 12

/**
 * GossipXChaChaCipher:
 *
 * A [iface@Gossip.Cipher] using XChaCha20-Poly1305 (IETF) with 32-byte keys,
 * compatible with the ChaCha20 encryptor of Go gossip v0.6.0.
 *
 * Since: 1.0
 */
struct _GossipXChaChaCipher
{
  GObject parent_instance;
};

static void gossip_xchacha_cipher_iface_init (GossipCipherInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipXChaChaCipher, gossip_xchacha_cipher, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_CIPHER,
                                                      gossip_xchacha_cipher_iface_init))

static inline guint32
load32_le (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static inline void
store32_le (guint8  *p,
            guint32  v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

#define ROTL32(v, n) (((v) << (n)) | ((v) >> (32 - (n))))

#define QUARTER_ROUND(a, b, c, d) G_STMT_START { \
    a += b; d ^= a; d = ROTL32 (d, 16);            \
    c += d; b ^= c; b = ROTL32 (b, 12);            \
    a += b; d ^= a; d = ROTL32 (d, 8);             \
    c += d; b ^= c; b = ROTL32 (b, 7);             \
  } G_STMT_END

/* Private (gossip-cipher-private.h). The ChaCha20 block function without the
 * final addition of the input state; the subkey is the first and last rows
 * of the result. */
void
gossip_hchacha20 (const guint8 key[GOSSIP_XCHACHA_KEY_SIZE],
                  const guint8 nonce[16],
                  guint8       subkey[GOSSIP_XCHACHA_KEY_SIZE])
{
  guint32 x[16];
  guint i;

  /* "expand 32-byte k" */
  x[0] = 0x61707865;
  x[1] = 0x3320646e;
  x[2] = 0x79622d32;
  x[3] = 0x6b206574;
  for (i = 0; i < 8; i++)
    x[4 + i] = load32_le (key + 4 * i);
  for (i = 0; i < 4; i++)
    x[12 + i] = load32_le (nonce + 4 * i);

  for (i = 0; i < 10; i++)
    {
      QUARTER_ROUND (x[0], x[4], x[8], x[12]);
      QUARTER_ROUND (x[1], x[5], x[9], x[13]);
      QUARTER_ROUND (x[2], x[6], x[10], x[14]);
      QUARTER_ROUND (x[3], x[7], x[11], x[15]);
      QUARTER_ROUND (x[0], x[5], x[10], x[15]);
      QUARTER_ROUND (x[1], x[6], x[11], x[12]);
      QUARTER_ROUND (x[2], x[7], x[8], x[13]);
      QUARTER_ROUND (x[3], x[4], x[9], x[14]);
    }

  for (i = 0; i < 4; i++)
    {
      store32_le (subkey + 4 * i, x[i]);
      store32_le (subkey + 16 + 4 * i, x[12 + i]);
    }

  gnutls_memset (x, 0, sizeof x);
}

/* Derives the per-nonce ChaCha20-Poly1305 handle and its 12-byte nonce. */
static gboolean
open_handle (const guint8              key[GOSSIP_XCHACHA_KEY_SIZE],
             const guint8              nonce[GOSSIP_XCHACHA_NONCE_SIZE],
             gnutls_aead_cipher_hd_t  *handle,
             guint8                    chacha_nonce[CHACHA_NONCE_SIZE],
             GError                  **error)
{
  guint8 subkey[GOSSIP_XCHACHA_KEY_SIZE];
  gnutls_datum_t datum = { subkey, sizeof subkey };
  int ret;

  gossip_hchacha20 (key, nonce, subkey);
  ret = gnutls_aead_cipher_init (handle, GNUTLS_CIPHER_CHACHA20_POLY1305, &datum);
  gnutls_memset (subkey, 0, sizeof subkey);
  if (ret < 0)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("Could not set up ChaCha20-Poly1305: %s"), gnutls_strerror (ret));
      return FALSE;
    }

  memset (chacha_nonce, 0, 4);
  memcpy (chacha_nonce + 4, nonce + 16, 8);
  return TRUE;
}

/* Private (gossip-cipher-private.h). */
GBytes *
gossip_xchacha_seal (const guint8   key[GOSSIP_XCHACHA_KEY_SIZE],
                     const guint8   nonce[GOSSIP_XCHACHA_NONCE_SIZE],
                     const guint8  *aad,
                     gsize          aad_size,
                     const guint8  *plain,
                     gsize          size,
                     GError       **error)
{
  static const guint8 empty[1] = { 0 };
  gnutls_aead_cipher_hd_t handle;
  guint8 chacha_nonce[CHACHA_NONCE_SIZE];
  size_t ct_size;
  guint8 *out;
  int ret;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (nonce != NULL, NULL);
  g_return_val_if_fail (aad != NULL || aad_size == 0, NULL);
  g_return_val_if_fail (plain != NULL || size == 0, NULL);

  if (size > G_MAXSIZE - OVERHEAD)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
                   _("Message too large to encrypt"));
      return NULL;
    }

  if (!open_handle (key, nonce, &handle, chacha_nonce, error))
    return NULL;

  out = g_malloc (size + OVERHEAD);
  memcpy (out, nonce, GOSSIP_XCHACHA_NONCE_SIZE);
  ct_size = size + GOSSIP_AEAD_TAG_SIZE;
  ret = gnutls_aead_cipher_encrypt (handle,
                                    chacha_nonce, sizeof chacha_nonce,
                                    aad, aad_size,
                                    GOSSIP_AEAD_TAG_SIZE,
                                    size > 0 ? plain : empty, size,
                                    out + GOSSIP_XCHACHA_NONCE_SIZE, &ct_size);
  gnutls_aead_cipher_deinit (handle);
  if (ret < 0 || ct_size != size + GOSSIP_AEAD_TAG_SIZE)
    {
      g_free (out);
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("XChaCha20-Poly1305 encryption failed: %s"),
                   ret < 0 ? gnutls_strerror (ret) : "unexpected length");
      return NULL;
    }

  return g_bytes_new_take (out, size + OVERHEAD);
}

/* Private (gossip-cipher-private.h). */
GBytes *
gossip_xchacha_open (const guint8   key[GOSSIP_XCHACHA_KEY_SIZE],
                     const guint8  *aad,
                     gsize          aad_size,
                     const guint8  *data,
                     gsize          size,
                     GError       **error)
{
  gnutls_aead_cipher_hd_t handle;
  guint8 chacha_nonce[CHACHA_NONCE_SIZE];
  size_t plain_size;
  guint8 *out;
  int ret;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (aad != NULL || aad_size == 0, NULL);
  g_return_val_if_fail (data != NULL || size == 0, NULL);

  if (size < OVERHEAD)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("Encrypted message too short: %llu"
                     " bytes, XChaCha20-Poly1305 needs at least %d"),
                   (unsigned long long) size, OVERHEAD);
      return NULL;
    }

  if (!open_handle (key, data, &handle, chacha_nonce, error))
    return NULL;

  plain_size = size - OVERHEAD;
  out = g_malloc (MAX (plain_size, 1));
  ret = gnutls_aead_cipher_decrypt (handle,
                                    chacha_nonce, sizeof chacha_nonce,
                                    aad, aad_size,
                                    GOSSIP_AEAD_TAG_SIZE,
                                    data + GOSSIP_XCHACHA_NONCE_SIZE,
                                    size - GOSSIP_XCHACHA_NONCE_SIZE,
                                    out, &plain_size);
  gnutls_aead_cipher_deinit (handle);
  if (ret < 0 || plain_size != size - OVERHEAD)
    {
      g_free (out);
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("XChaCha20-Poly1305 decryption failed: %s"),
                   ret < 0 ? gnutls_strerror (ret) : "unexpected length");
      return NULL;
    }

  return g_bytes_new_take (out, plain_size);
}

static gboolean
gossip_xchacha_cipher_check_key (GossipCipher  *cipher,
                                 gsize          key_size,
                                 GError       **error)
{
  if (key_size != GOSSIP_XCHACHA_KEY_SIZE)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                   _("An XChaCha20-Poly1305 key must be 32 bytes long, not %llu"),
                   (unsigned long long) key_size);
      return FALSE;
    }

  return TRUE;
}

static const char *
gossip_xchacha_cipher_get_name (GossipCipher *cipher)
{
  return "xchacha20-poly1305";
}

static gsize
gossip_xchacha_cipher_get_overhead (GossipCipher *cipher)
{
  return OVERHEAD;
}

static GBytes *
gossip_xchacha_cipher_encrypt (GossipCipher  *cipher,
                               GBytes        *key,
                               GBytes        *bytes,
                               GError       **error)
{
  gsize size;
  const guint8 *plain = g_bytes_get_data (bytes, &size);
  guint8 nonce[GOSSIP_XCHACHA_NONCE_SIZE];
  int ret;

  if (!gossip_xchacha_cipher_check_key (cipher, g_bytes_get_size (key), error))
    return NULL;

  ret = gnutls_rnd (GNUTLS_RND_NONCE, nonce, sizeof nonce);
  if (ret < 0)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_CRYPTO,
                   _("Could not draw a random nonce: %s"), gnutls_strerror (ret));
      return NULL;
    }

  return gossip_xchacha_seal (g_bytes_get_data (key, NULL), nonce, NULL, 0, plain, size, error);
}

static GBytes *
gossip_xchacha_cipher_decrypt (GossipCipher  *cipher,
                               GBytes        *key,
                               GBytes        *bytes,
                               GError       **error)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  if (!gossip_xchacha_cipher_check_key (cipher, g_bytes_get_size (key), error))
    return NULL;

  return gossip_xchacha_open (g_bytes_get_data (key, NULL), NULL, 0, data, size, error);
}

static void
gossip_xchacha_cipher_iface_init (GossipCipherInterface *iface)
{
  iface->get_name = gossip_xchacha_cipher_get_name;
  iface->check_key = gossip_xchacha_cipher_check_key;
  iface->get_overhead = gossip_xchacha_cipher_get_overhead;
  iface->encrypt = gossip_xchacha_cipher_encrypt;
  iface->decrypt = gossip_xchacha_cipher_decrypt;
}

static void
gossip_xchacha_cipher_class_init (GossipXChaChaCipherClass *klass)
{
}

static void
gossip_xchacha_cipher_init (GossipXChaChaCipher *self)
{
}

/**
 * gossip_xchacha_cipher_new:
 *
 * Creates an XChaCha20-Poly1305 cipher. It takes 32-byte keys.
 *
 * Returns: (transfer full): a new [class@Gossip.XChaChaCipher]
 *
 * Since: 1.0
 */
GossipCipher *
gossip_xchacha_cipher_new (void)
{
  return g_object_new (GOSSIP_TYPE_XCHACHA_CIPHER, NULL);
}
