/* gossip-probe-schedule.c: who probes whom in a health round.
 *
 * With independent random orders (memberlist's, and ours until issue 15),
 * the number of nodes probing a given node in one round is about Poisson(1):
 * a dead node goes unprobed for k rounds with probability ~e^-k, which is
 * the tail of detection times (S3: 3.8-6 s where the median was 1.3 s). A
 * shared schedule makes every round a permutation, so a dead node is probed
 * in the first round after its death by someone. The views of the nodes
 * differ a little while membership changes, and their ticks are not in step;
 * the schedule then degrades towards the random one, never below it.
 */
#include "config.h"

#include "gossip-probe-schedule-private.h"

guint
gossip_probe_schedule_offset (guint64 round,
                              guint   slot,
                              guint   slots,
                              guint   n)
{
  guint64 step;

  if (n < 2)
    return 0;
  /* Consecutive slots of one round and consecutive rounds move on by one:
   * over n - 1 slots every node is probed by every other exactly once. */
  step = round * (guint64) MAX (slots, 1) + slot;
  return 1 + (guint) (step % (n - 1));
}

guint64
gossip_probe_schedule_round (gint64 real_us,
                             guint  interval_ms)
{
  if (real_us < 0)
    real_us = 0;
  return (guint64) real_us / ((guint64) MAX (interval_ms, 1) * 1000);
}
