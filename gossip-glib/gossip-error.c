/* gossip-error.c: the gossip-glib error domain. */
#include "config.h"

#include "gossip-error.h"

/**
 * gossip_error_quark:
 *
 * Returns: the error domain of gossip-glib
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (gossip-error-quark, gossip_error)
