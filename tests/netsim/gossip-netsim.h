/* gossip-netsim.h: a network conditioner for tests and the benchmark.
 *
 * Not part of the library (tests/netsim, linked by the tests and
 * tools/gossip-bench). Once enabled, clusters created afterwards in this process
 * send through a conditioning transport that drops, delays or blocks
 * traffic per link (keyed by advertised address strings) before it reaches
 * the real sockets. Loss applies to datagrams (TCP would retransmit); blocks
 * and partitions apply to everything.
 */
#pragma once

#include "gossip-transport-private.h"

G_BEGIN_DECLS

void             gossip_netsim_enable        (void);
gboolean         gossip_netsim_is_enabled    (void);
/* Removes every rule (heals every partition). */
void             gossip_netsim_reset         (void);
/* @from / @to: advertised addresses; NULL matches any node. */
void             gossip_netsim_set_loss      (const char         *from,
                                              const char         *to,
                                              double              probability);
void             gossip_netsim_set_delay     (const char         *from,
                                              const char         *to,
                                              guint               delay_ms);
/* One-way: nothing from @from reaches @to. */
void             gossip_netsim_block         (const char         *from,
                                              const char         *to);
/* Both ways between every member of @a and every member of @b. */
void             gossip_netsim_partition     (const char * const *a,
                                              const char * const *b);
guint64          gossip_netsim_get_dropped   (void);

GossipTransport *gossip_netsim_transport_new (GossipTransport    *inner,
                                              const char         *local_address);

G_END_DECLS
