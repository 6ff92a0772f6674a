/* gossip-i18n.c: binds the library's gettext domain once, so that the
 * messages of its GErrors are translated for the application's locale. */
#include "config.h"

#include <glib/gi18n-lib.h>

#include "gossip-i18n-private.h"

void
gossip_i18n_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      bindtextdomain (GETTEXT_PACKAGE, GOSSIP_LOCALEDIR);
      bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
      g_once_init_leave (&done, 1);
    }
}
