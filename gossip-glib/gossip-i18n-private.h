/* gossip-i18n-private.h: the library's gettext domain, bound once. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Binds GETTEXT_PACKAGE to the installed locale directory (idempotent).
 * Called by every class and error path that can produce a user-visible
 * message, before the first one is made. */
void gossip_i18n_init (void);

G_END_DECLS
