/* gossip-config-private.h: the configuration values as the cluster reads them. */
#pragma once

#include "gossip-config.h"

G_BEGIN_DECLS

/* Durations are in milliseconds. */
typedef struct {
  char             *node_id;
  char             *bind_address;
  char             *advertise_address;
  char             *application_version;
  GBytes           *encryption_key;
  GossipCodec      *codec;
  GossipCompressor *compressor;
  GossipCipher     *cipher;
  GResolver        *resolver;
  GossipTransport  *transport;   /* (nullable): the application's transport */

  guint default_port;
  guint compress_min_size;
  guint gossip_interval;
  guint gossip_max_interval;
  guint tcp_dial_timeout;
  guint tcp_deadline;
  guint udp_max_packet_size;
  guint tcp_max_packet_size;
  guint udp_max_decompressed_size;
  guint max_decode_elements;
  guint max_nodes;
  guint stream_max_packet_size;
  guint msg_history_gc_interval;
  guint msg_history_max_age;
  guint health_check_interval;
  guint health_check_sample_size;
  guint suspect_threshold;
  guint suspect_attempt_interval;
  guint suspect_retention_period;
  guint go_suspicion_delay;
  guint recovery_attempt_interval;
  guint dead_node_retention_period;
  guint ping_timeout;
  guint state_sync_interval;
  guint max_inbound_connections;
  guint tcp_max_connections_per_source;
  guint tcp_inbound_budget;
  guint max_outbound_requests;
  guint direct_broadcast_limit;
  guint replay_window;
  guint max_clock_skew;
  guint inbound_join_rate;
  guint inbound_join_rate_per_source;
  guint outbound_join_rate;

  double activity_threshold_percent;
  double fan_out_multiplier;
  double state_exchange_multiplier;
  double indirect_ping_multiplier;
  double ttl_multiplier;

  gboolean enable_indirect_pings;
  gboolean force_reliable_transport;
  gboolean prefer_ipv6;

  GossipVersionCheckFunc version_check;
  gpointer               version_check_data;
  gpointer               version_check_owner;  /* rc box that frees the data; shared by snapshots */
} GossipConfigValues;

const GossipConfigValues *gossip_config_get_values (GossipConfig *self);

/* A frozen copy of @self as it is now, which a cluster reads for its whole
 * life: strings are copied, objects and the key are shared, setters on the
 * copy warn and change nothing. (transfer full) */
GossipConfig *gossip_config_snapshot (GossipConfig *self);

G_END_DECLS
