/* gossip-error.c: the gossip-glib error domain. */
#include "config.h"

#include "gossip-error.h"
#include "gossip-i18n-private.h"

/**
 * gossip_error_quark:
 *
 * Gets the error domain of gossip-glib, whose codes are [error@Gossip.Error].
 *
 * Returns: the error domain of gossip-glib
 *
 * Since: 1.0
 */
GQuark
gossip_error_quark (void)
{
  static GQuark quark = 0;

  /* Every GError of the library names this domain, so the text domain is
   * bound before its first message is built. */
  if (G_UNLIKELY (quark == 0))
    {
      gossip_i18n_init ();
      quark = g_quark_from_static_string ("gossip-error-quark");
    }
  return quark;
}
