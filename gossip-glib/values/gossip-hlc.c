/* gossip-hlc.c: the process-wide 64-bit clock behind message IDs, metadata
 * timestamps and state-change times (PROTOCOL.md §11). It is a monotonic
 * local clock, not a true hybrid logical clock: remote timestamps feed back
 * into it only through gossip_hlc_observe(), for a claim about this node
 * itself that it must outdate (bounded by max-clock-skew by the caller). Bits 63..10 hold microseconds since 2025-01-01T00:00:00Z and
 * bits 9..0 a counter that breaks ties within one microsecond.
 */
#include "config.h"

#include "gossip-hlc-private.h"

#define COUNTER_BITS 10

static guint64 last_timestamp;

/* Go wraps the counter back to 0 when more than 1024 timestamps fall in one
 * microsecond, which can repeat an ID. Taking last + 1 instead carries into
 * the time bits, so we run at most a few microseconds ahead of the wall
 * clock under extreme load but never hand out the same value twice. */
guint64
gossip_hlc_now (void)
{
  gint64 rel = g_get_real_time () - GOSSIP_HLC_EPOCH_UNIX_USEC;
  guint64 candidate;
  guint64 last;
  guint64 next;

  /* A clock set before 2025 cannot be represented; counting from 0 keeps
   * the values increasing until the clock is fixed. */
  if (rel < 0)
    rel = 0;
  candidate = (guint64) rel << COUNTER_BITS;

  last = __atomic_load_n (&last_timestamp, __ATOMIC_RELAXED);
  do
    next = MAX (candidate, last + 1);
  while (!__atomic_compare_exchange_n (&last_timestamp, &last, next, TRUE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));

  return next;
}

/* A node that hears itself reported Leaving at time @ts (a forged leave)
 * refutes with an alive claim that must be newer than @ts to win: the next
 * value handed out is above it. Callers bound @ts to local time plus the
 * configured skew, so a forged timestamp moves the clock that far at most. */
void
gossip_hlc_observe (guint64 ts)
{
  guint64 last = __atomic_load_n (&last_timestamp, __ATOMIC_RELAXED);

  while (last < ts &&
         !__atomic_compare_exchange_n (&last_timestamp, &last, ts, TRUE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
    ;
}

gint64
gossip_hlc_to_unix_usec (guint64 ts)
{
  return (gint64) (ts >> COUNTER_BITS) + GOSSIP_HLC_EPOCH_UNIX_USEC;
}

/* Times before the epoch have no representation and map to 0, which every
 * comparison treats as "never". */
guint64
gossip_hlc_from_unix_usec (gint64 unix_usec)
{
  if (unix_usec <= GOSSIP_HLC_EPOCH_UNIX_USEC)
    return 0;

  return (guint64) (unix_usec - GOSSIP_HLC_EPOCH_UNIX_USEC) << COUNTER_BITS;
}
