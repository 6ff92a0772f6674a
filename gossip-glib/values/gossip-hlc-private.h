/* gossip-hlc-private.h: the 64-bit timestamps used as message IDs and state times.
 *
 * Layout (PROTOCOL.md §11): bits 63..10 are microseconds since
 * 2025-01-01T00:00:00Z, bits 9..0 a counter.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GOSSIP_HLC_EPOCH_UNIX_USEC G_GINT64_CONSTANT (1735689600000000)

/* Process-wide, strictly increasing, never repeating: where Go wraps the
 * counter within one microsecond, we carry into the time bits instead. */
guint64 gossip_hlc_now              (void);
/* Moves the clock to at least @ts, so the next value is newer (see .c). */
void    gossip_hlc_observe          (guint64 ts);
gint64  gossip_hlc_to_unix_usec     (guint64 ts);
guint64 gossip_hlc_from_unix_usec   (gint64  unix_usec);

G_END_DECLS
