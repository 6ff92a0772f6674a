/* gossip-config.c: the settings of a cluster node, with Go v0.6.0's defaults.
 *
 * Every setting is a GObject property so that C, Python and GJS set them the
 * same way (g_object_set, keyword arguments, constructor properties). The
 * numeric settings are described by one table instead of fifty accessors.
 * A cluster reads its configuration once, at construction.
 */
#include "config.h"
#include "gossip-i18n-private.h"

#include <stddef.h>

#include "gossip-config-private.h"
#include "gossip-msgpack-codec.h"

/**
 * GossipConfig:
 *
 * The settings of a [class@Gossip.Cluster]. Defaults are those of the Go
 * library gossip v0.6.0 (DefaultConfig), with three exceptions: a msgpack
 * codec is set by default; [property@Gossip.Config:health-check-sample-size]
 * is 1, not 7 (probes follow a schedule shared by all nodes under which
 * every node is probed by exactly one other per interval, with timeouts that
 * follow the measured round trips, so one per interval detects a failure
 * faster than Go with a seventh of the traffic); and the
 * additions [property@Gossip.Config:direct-broadcast-limit],
 * [property@Gossip.Config:replay-window],
 * [property@Gossip.Config:go-suspicion-delay] (for clusters with Go nodes),
 * [property@Gossip.Config:max-inbound-connections],
 * [property@Gossip.Config:tcp-max-connections-per-source] and
 * [property@Gossip.Config:tcp-inbound-budget] have no Go counterpart.
 * Go's RefutationThreshold has no property here: a suspect node is
 * restored as soon as it refutes the suspicion itself or a probe of it
 * succeeds, so a count of refuting peers is never consulted.
 * Durations are in milliseconds. Create one, set what you
 * need, and pass it to [ctor@Gossip.Cluster.new]. The cluster takes a
 * snapshot at construction: later changes to this object do not affect it,
 * and [property@Gossip.Cluster:config] is that snapshot, which refuses
 * changes with a warning. The codec, compressor, cipher, resolver and
 * transport objects are shared with the snapshot, not copied.
 *
 * Since: 1.0
 */
struct _GossipConfig
{
  GObject            parent_instance;
  GossipConfigValues v;
  gboolean           frozen;   /* a cluster's snapshot: setters refuse */
};

/* Owns the user data of a version check, so that a snapshot can share it
 * and the data lives until the last configuration using it is gone. */
typedef struct {
  gpointer       data;
  GDestroyNotify destroy;
} CheckOwner;

static void
check_owner_clear (gpointer p)
{
  CheckOwner *owner = p;

  if (owner->destroy != NULL)
    owner->destroy (owner->data);
}

static void
check_owner_release (gpointer owner)
{
  if (owner != NULL)
    g_atomic_rc_box_release_full (owner, check_owner_clear);
}

static gboolean
refuse_if_frozen (GossipConfig *self,
                  const char   *what)
{
  if (!self->frozen)
    return FALSE;
  g_warning ("The configuration of a running GossipCluster is a snapshot taken "
             "at construction; “%s” cannot change it. Set it on the "
             "GossipConfig before gossip_cluster_new().", what);
  return TRUE;
}

G_DEFINE_FINAL_TYPE (GossipConfig, gossip_config, G_TYPE_OBJECT)

typedef struct {
  const char *name;
  const char *blurb;
  gsize       offset;
  guint       min, max, def;
  gboolean    duration;   /* scaled by gossip_config_scale_intervals() */
} UintSetting;

typedef struct {
  const char *name;
  const char *blurb;
  gsize       offset;
  double      min, max, def;
} DoubleSetting;

typedef struct {
  const char *name;
  const char *blurb;
  gsize       offset;
  gboolean    def;
} BoolSetting;

#define U(f) offsetof (GossipConfigValues, f)

static const UintSetting uint_settings[] = {
  { "default-port", "Port used when an address has none", U (default_port), 1, 65535, 3500, FALSE },
  { "compress-min-size", "Payload size from which compression is tried", U (compress_min_size), 0, G_MAXINT, 256, FALSE },
  { "gossip-interval", "Base period of the gossip signal (ms)", U (gossip_interval), 1, G_MAXINT, 5000, TRUE },
  { "gossip-max-interval", "Cap of the adaptive gossip period (ms)", U (gossip_max_interval), 1, G_MAXINT, 20000, TRUE },
  { "tcp-dial-timeout", "TCP connect timeout (ms)", U (tcp_dial_timeout), 1, G_MAXINT, 2000, FALSE },
  { "tcp-deadline", "Deadline of each TCP read or write (ms)", U (tcp_deadline), 1, G_MAXINT, 2000, FALSE },
  { "udp-max-packet-size", "Packets of this size or more go over TCP", U (udp_max_packet_size), 64, 65507, 1400, FALSE },
  { "tcp-max-packet-size", "Largest packet accepted over TCP", U (tcp_max_packet_size), 1024, G_MAXINT, 4194304, FALSE },
  /**
   * GossipConfig:udp-max-decompressed-size:
   *
   * Largest payload a UDP datagram may decompress to, in bytes (default
   * 262144, 256 KiB; no Go counterpart). Checked from the snappy length
   * header before anything is decompressed; a larger claim is the
   * "drop-too-large" statistic. Packets over TCP are bounded by
   * [property@Gossip.Config:tcp-max-packet-size] instead.
   *
   * Since: 1.0
   */
  { "udp-max-decompressed-size", "Largest payload a UDP datagram may decompress to; checked from the snappy header before decompressing (bytes)", U (udp_max_decompressed_size), 1024, G_MAXINT, 262144, FALSE },
  /**
   * GossipConfig:max-decode-elements:
   *
   * Most values one received payload may decode to (default 65536; no Go
   * counterpart): containers, map keys and scalars all count. The codec
   * counts them in a structural scan before it builds any value; a payload
   * over the budget is the "drop-payload-decode" statistic and is not
   * forwarded.
   *
   * Since: 1.0
   */
  { "max-decode-elements", "Most values (containers, keys and scalars alike) one received payload may decode to; more is a counted drop before any is built", U (max_decode_elements), 16, G_MAXINT, 65536, FALSE },
  { "stream-max-packet-size", "Largest stream frame", U (stream_max_packet_size), 1024, G_MAXINT, 8388608, FALSE },
  { "msg-history-gc-interval", "Period of the de-duplication history pruning (ms)", U (msg_history_gc_interval), 1, G_MAXINT, 1000, TRUE },
  { "msg-history-max-age", "Lifetime of a de-duplication entry (ms)", U (msg_history_max_age), 1, G_MAXINT, 30000, TRUE },
  { "health-check-interval", "Period of health probes (ms)", U (health_check_interval), 1, G_MAXINT, 1000, TRUE },
  { "health-check-sample-size", "Nodes probed per health check", U (health_check_sample_size), 1, 1024, 1, FALSE },
  { "suspect-threshold", "Failed probes before a node is suspected", U (suspect_threshold), 1, 1000, 3, FALSE },
  { "suspect-attempt-interval", "Period of suspect evaluation (ms)", U (suspect_attempt_interval), 1, G_MAXINT, 5000, TRUE },
  { "suspect-retention-period", "Time a suspect or leaving node is kept before Dead (ms)", U (suspect_retention_period), 1, G_MAXINT, 300000, TRUE },
  { "go-suspicion-delay", "While a peer is taken for a Go v0.6.0 node (it never answers our empty repair digests): the longest this node's own first suspicion of a node waits, while no other node has suspected it too, before it is broadcast (ms, 0: never held). Go counts a suspicion only from nodes that suspected on their own, so Go nodes get the chance first; our own verdict is not delayed", U (go_suspicion_delay), 0, G_MAXINT, 10000, TRUE },
  { "recovery-attempt-interval", "Period of dead-node probing (ms)", U (recovery_attempt_interval), 1, G_MAXINT, 10000, TRUE },
  { "dead-node-retention-period", "Time a dead node is kept before removal (ms)", U (dead_node_retention_period), 1, G_MAXINT, 14400000, TRUE },
  { "ping-timeout", "Wait for a ping acknowledgement (ms)", U (ping_timeout), 1, G_MAXINT, 500, TRUE },
  { "state-sync-interval", "Period of push/pull state exchange (ms)", U (state_sync_interval), 1, G_MAXINT, 5000, TRUE },
  { "max-inbound-connections", "Inbound TCP connections open at once", U (max_inbound_connections), 1, 1000000, 1024, FALSE },
  /**
   * GossipConfig:tcp-max-connections-per-source:
   *
   * Idle inbound TCP connections kept from one IP address (a count;
   * default 32, no Go counterpart). At the limit a new connection from
   * that address closes its own oldest connection that has waited for
   * its request for a quarter of [property@Gossip.Config:tcp-deadline]
   * or more (a burst of honest requests, which arrive as they connect,
   * goes over it); at [property@Gossip.Config:max-inbound-connections] a
   * new connection closes the oldest waiting one of anyone's. So idle
   * connections from one host cannot lock out honest joins. Both are
   * counted in the "tcp-connections-evicted" statistic.
   *
   * Since: 1.0
   */
  { "tcp-max-connections-per-source", "Inbound TCP connections open at once from one IP address", U (tcp_max_connections_per_source), 1, 1000000, 32, FALSE },
  /**
   * GossipConfig:tcp-inbound-budget:
   *
   * Request bytes buffered at once across all inbound TCP connections, in
   * bytes (default 67108864, 64 MiB; no Go counterpart). A request body
   * is buffered as its bytes arrive, never on the strength of its length
   * prefix alone; once the buffers reach the budget, bodies that need
   * more room wait (the "tcp-budget-waits" statistic) until room is freed
   * or [property@Gossip.Config:tcp-deadline] closes them.
   *
   * Since: 1.0
   */
  { "tcp-inbound-budget", "Request bytes buffered across all inbound TCP connections", U (tcp_inbound_budget), 65536, G_MAXINT, 67108864, FALSE },
  /**
   * GossipConfig:max-nodes:
   *
   * Most nodes the node list holds, the local node and Dead nodes
   * included (a count; default 10000, no Go counterpart). Beyond it new
   * nodes are not learned: a join is refused, a push/pull entry or alive
   * claim about a stranger is ignored, each counted in the
   * "drop-node-limit" statistic. Independently of it, one push/pull
   * request teaches at most 16 strangers (Go's largest state exchange),
   * which stay unconfirmed until they answer (at most 256 at once, the
   * rest counted as above): an unconfirmed node is listed but takes no
   * part in fan-out, probes or push/pull samples, and is forgotten if it
   * does not answer within 10 ping timeouts (at least 5 s).
   *
   * Since: 1.0
   */
  { "max-nodes", "Most nodes the node list holds; more are not learned (counted)", U (max_nodes), 2, G_MAXINT, 10000, FALSE },
  { "max-outbound-requests", "TCP requests in flight at once (more are refused)", U (max_outbound_requests), 1, 1000000, 1024, FALSE },
  { "replay-window", "With a cipher, drop packets whose message time is further than this from ours (ms, 0: off)", U (replay_window), 0, G_MAXINT, 30000, FALSE },
  { "direct-broadcast-limit", "Up to this many live peers, broadcasts go to each directly (0: always epidemic)", U (direct_broadcast_limit), 0, G_MAXINT, 1024, FALSE },
  /**
   * GossipConfig:max-clock-skew:
   *
   * How far ahead of the local clock a time read from the wire may be, in
   * milliseconds (default 60000; 0 turns the check off; no Go
   * counterpart). Message IDs used as state times (alive, leaving, join),
   * node state times and metadata times in push/pull, metadata updates
   * and join metadata further ahead are dropped, not clamped, counted as
   * "drop-clock-skew" with a debug log line (a join is refused): a forged
   * far-future time could otherwise pin a node's state or metadata for as
   * long as it lies ahead. A node's clock must not run further ahead of
   * its peers than this.
   *
   * Since: 1.0
   */
  { "max-clock-skew", "Furthest a wire timestamp may be ahead of the local clock (ms, 0: no check)", U (max_clock_skew), 0, G_MAXINT, 60000, FALSE },
  /**
   * GossipConfig:inbound-join-rate:
   *
   * Join requests answered per second from all sources together (a token
   * bucket holding one second's worth; default 128; 0: no limit; no Go
   * counterpart). A join over the limit is refused with a short reply and
   * costs nothing more: no node is added or announced, no push/pull or
   * discovery ping follows. Counted as "drop-join-rate". (An accepted
   * newcomer is announced to the cluster only when its push/pull follows
   * the join, as every joiner's does, so a join forged in a stranger's
   * name costs the other nodes nothing at once; they may still learn of
   * the node from push/pull samples, at the state-sync rate.) A
   * gossip-glib joiner refused this way tries again after a random pause
   * (100-300 ms, doubling, 8 times at most) before its join fails.
   *
   * Since: 1.0
   */
  { "inbound-join-rate", "Join requests accepted per second from all sources (0: no limit)", U (inbound_join_rate), 0, G_MAXINT, 128, FALSE },
  /**
   * GossipConfig:inbound-join-rate-per-source:
   *
   * Join requests answered per second from one IP address (a token bucket
   * holding one second's worth; default 64; 0: no limit; no Go
   * counterpart). Checked before [property@Gossip.Config:inbound-join-rate],
   * so one source cannot use up the global budget. The 4096 most recent
   * sources are remembered. Counted as "drop-join-rate".
   *
   * Since: 1.0
   */
  { "inbound-join-rate-per-source", "Join requests accepted per second from one IP address (0: no limit)", U (inbound_join_rate_per_source), 0, G_MAXINT, 64, FALSE },
  /**
   * GossipConfig:outbound-join-rate:
   *
   * Joins nobody asked for (answering an alive claim or a ping from a
   * stranger, a rejoin) sent per second (a token bucket holding one
   * second's worth; default 32; 0: no limit; no Go counterpart). Each
   * address is also joined so at most once per
   * [property@Gossip.Config:recovery-attempt-interval]; the 4096 most recent
   * addresses are remembered, the oldest forgotten first. Joins the
   * application asks for are not limited. Counted as "drop-join-out-rate".
   *
   * Since: 1.0
   */
  { "outbound-join-rate", "Unsolicited joins sent per second (0: no limit)", U (outbound_join_rate), 0, G_MAXINT, 32, FALSE },
};

static const DoubleSetting double_settings[] = {
  { "activity-threshold-percent", "Skip probing nodes heard from within this fraction of the health interval", U (activity_threshold_percent), 0.0, 100.0, 0.5 },
  { "fan-out-multiplier", "Scale of the broadcast fan-out", U (fan_out_multiplier), 0.0, 100.0, 1.0 },
  { "state-exchange-multiplier", "Scale of the push/pull payload size", U (state_exchange_multiplier), 0.0, 100.0, 0.8 },
  { "indirect-ping-multiplier", "Scale of the number of indirect probes", U (indirect_ping_multiplier), 0.0, 100.0, 0.7 },
  { "ttl-multiplier", "Scale of the broadcast time-to-live", U (ttl_multiplier), 0.0, 100.0, 1.0 },
};

static const BoolSetting bool_settings[] = {
  { "enable-indirect-pings", "Probe through other nodes after a failed direct ping", U (enable_indirect_pings), TRUE },
  { "force-reliable-transport", "Send everything over TCP; no UDP listener", U (force_reliable_transport), FALSE },
  { "prefer-ipv6", "Try IPv6 addresses before IPv4", U (prefer_ipv6), FALSE },
};

#undef U

enum {
  PROP_0,
  PROP_NODE_ID,
  PROP_BIND_ADDRESS,
  PROP_ADVERTISE_ADDRESS,
  PROP_APPLICATION_VERSION,
  PROP_ENCRYPTION_KEY,
  PROP_CODEC,
  PROP_COMPRESSOR,
  PROP_CIPHER,
  PROP_RESOLVER,
  PROP_TRANSPORT,
  PROP_FIRST_UINT,
  PROP_FIRST_DOUBLE = PROP_FIRST_UINT + G_N_ELEMENTS (uint_settings),
  PROP_FIRST_BOOL = PROP_FIRST_DOUBLE + G_N_ELEMENTS (double_settings),
  N_PROPS = PROP_FIRST_BOOL + G_N_ELEMENTS (bool_settings),
};

static GParamSpec *props[N_PROPS];

#define FIELD(self, type, offset) (*(type *) ((guint8 *) &(self)->v + (offset)))

static void
values_clear (GossipConfigValues *v)
{
  g_clear_pointer (&v->node_id, g_free);
  g_clear_pointer (&v->bind_address, g_free);
  g_clear_pointer (&v->advertise_address, g_free);
  g_clear_pointer (&v->application_version, g_free);
  g_clear_pointer (&v->encryption_key, g_bytes_unref);
  g_clear_object (&v->codec);
  g_clear_object (&v->compressor);
  g_clear_object (&v->cipher);
  g_clear_object (&v->resolver);
  g_clear_object (&v->transport);
  g_clear_pointer (&v->version_check_owner, check_owner_release);
}

static void
gossip_config_finalize (GObject *object)
{
  GossipConfig *self = GOSSIP_CONFIG (object);

  values_clear (&self->v);
  G_OBJECT_CLASS (gossip_config_parent_class)->finalize (object);
}

static void
set_string (char **field, const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
gossip_config_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  GossipConfig *self = GOSSIP_CONFIG (object);

  if (refuse_if_frozen (self, pspec->name))
    return;

  switch (prop_id)
    {
    case PROP_NODE_ID:
      set_string (&self->v.node_id, value);
      break;
    case PROP_BIND_ADDRESS:
      set_string (&self->v.bind_address, value);
      if (self->v.bind_address == NULL)
        self->v.bind_address = g_strdup ("127.0.0.1:8000");
      break;
    case PROP_ADVERTISE_ADDRESS:
      set_string (&self->v.advertise_address, value);
      break;
    case PROP_APPLICATION_VERSION:
      set_string (&self->v.application_version, value);
      if (self->v.application_version == NULL)
        self->v.application_version = g_strdup ("");
      break;
    case PROP_ENCRYPTION_KEY:
      g_clear_pointer (&self->v.encryption_key, g_bytes_unref);
      self->v.encryption_key = g_value_dup_boxed (value);
      break;
    case PROP_CODEC:
      g_clear_object (&self->v.codec);
      self->v.codec = g_value_dup_object (value);
      break;
    case PROP_COMPRESSOR:
      g_clear_object (&self->v.compressor);
      self->v.compressor = g_value_dup_object (value);
      break;
    case PROP_CIPHER:
      g_clear_object (&self->v.cipher);
      self->v.cipher = g_value_dup_object (value);
      break;
    case PROP_RESOLVER:
      g_clear_object (&self->v.resolver);
      self->v.resolver = g_value_dup_object (value);
      break;
    case PROP_TRANSPORT:
      g_clear_object (&self->v.transport);
      self->v.transport = g_value_dup_object (value);
      break;
    default:
      if (prop_id >= PROP_FIRST_UINT && prop_id < PROP_FIRST_DOUBLE)
        FIELD (self, guint, uint_settings[prop_id - PROP_FIRST_UINT].offset) = g_value_get_uint (value);
      else if (prop_id >= PROP_FIRST_DOUBLE && prop_id < PROP_FIRST_BOOL)
        FIELD (self, double, double_settings[prop_id - PROP_FIRST_DOUBLE].offset) = g_value_get_double (value);
      else if (prop_id >= PROP_FIRST_BOOL && prop_id < N_PROPS)
        FIELD (self, gboolean, bool_settings[prop_id - PROP_FIRST_BOOL].offset) = g_value_get_boolean (value);
      else
        {
          G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
          return;
        }
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
gossip_config_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  GossipConfig *self = GOSSIP_CONFIG (object);

  switch (prop_id)
    {
    case PROP_NODE_ID:
      g_value_set_string (value, self->v.node_id);
      break;
    case PROP_BIND_ADDRESS:
      g_value_set_string (value, self->v.bind_address);
      break;
    case PROP_ADVERTISE_ADDRESS:
      g_value_set_string (value, self->v.advertise_address);
      break;
    case PROP_APPLICATION_VERSION:
      g_value_set_string (value, self->v.application_version);
      break;
    case PROP_ENCRYPTION_KEY:
      g_value_set_boxed (value, self->v.encryption_key);
      break;
    case PROP_CODEC:
      g_value_set_object (value, self->v.codec);
      break;
    case PROP_COMPRESSOR:
      g_value_set_object (value, self->v.compressor);
      break;
    case PROP_CIPHER:
      g_value_set_object (value, self->v.cipher);
      break;
    case PROP_RESOLVER:
      g_value_set_object (value, self->v.resolver);
      break;
    case PROP_TRANSPORT:
      g_value_set_object (value, self->v.transport);
      break;
    default:
      if (prop_id >= PROP_FIRST_UINT && prop_id < PROP_FIRST_DOUBLE)
        g_value_set_uint (value, FIELD (self, guint, uint_settings[prop_id - PROP_FIRST_UINT].offset));
      else if (prop_id >= PROP_FIRST_DOUBLE && prop_id < PROP_FIRST_BOOL)
        g_value_set_double (value, FIELD (self, double, double_settings[prop_id - PROP_FIRST_DOUBLE].offset));
      else if (prop_id >= PROP_FIRST_BOOL && prop_id < N_PROPS)
        g_value_set_boolean (value, FIELD (self, gboolean, bool_settings[prop_id - PROP_FIRST_BOOL].offset));
      else
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_config_class_init (GossipConfigClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  gossip_i18n_init ();

  object_class->finalize = gossip_config_finalize;
  object_class->set_property = gossip_config_set_property;
  object_class->get_property = gossip_config_get_property;

  /**
   * GossipConfig:node-id:
   *
   * The node's UUID in any common form; %NULL generates a UUIDv7.
   *
   * Since: 1.0
   */
  props[PROP_NODE_ID] = g_param_spec_string ("node-id", NULL, NULL, NULL, rw);
  /**
   * GossipConfig:bind-address:
   *
   * Where to listen for TCP and UDP ("127.0.0.1:8000" by default). Port 0
   * picks a free port; the advertised address then carries the real one.
   *
   * Since: 1.0
   */
  props[PROP_BIND_ADDRESS] = g_param_spec_string ("bind-address", NULL, NULL, "127.0.0.1:8000", rw);
  /**
   * GossipConfig:advertise-address:
   *
   * The address peers should use to reach this node; %NULL derives it
   * from the bound address.
   *
   * Since: 1.0
   */
  props[PROP_ADVERTISE_ADDRESS] = g_param_spec_string ("advertise-address", NULL, NULL, NULL, rw);
  /**
   * GossipConfig:application-version:
   *
   * The application version announced when joining.
   *
   * Since: 1.0
   */
  props[PROP_APPLICATION_VERSION] = g_param_spec_string ("application-version", NULL, NULL, "", rw);
  /**
   * GossipConfig:encryption-key:
   *
   * The key of the cipher (16, 24 or 32 bytes for AES-GCM, 32 for
   * XChaCha20-Poly1305). A key without a cipher is a configuration error.
   *
   * Since: 1.0
   */
  props[PROP_ENCRYPTION_KEY] = g_param_spec_boxed ("encryption-key", NULL, NULL, G_TYPE_BYTES, rw);
  /**
   * GossipConfig:codec:
   *
   * The message codec; every node of a cluster must use the same one.
   *
   * Since: 1.0
   */
  props[PROP_CODEC] = g_param_spec_object ("codec", NULL, NULL, GOSSIP_TYPE_CODEC, rw);
  /**
   * GossipConfig:compressor:
   *
   * The payload compressor, or %NULL for none.
   *
   * Since: 1.0
   */
  props[PROP_COMPRESSOR] = g_param_spec_object ("compressor", NULL, NULL, GOSSIP_TYPE_COMPRESSOR, rw);
  /**
   * GossipConfig:cipher:
   *
   * The packet cipher, or %NULL for plaintext.
   *
   * Since: 1.0
   */
  props[PROP_CIPHER] = g_param_spec_object ("cipher", NULL, NULL, GOSSIP_TYPE_CIPHER, rw);
  /**
   * GossipConfig:resolver:
   *
   * The resolver for host names and SRV records; %NULL for the default.
   *
   * Since: 1.0
   */
  props[PROP_RESOLVER] = g_param_spec_object ("resolver", NULL, NULL, G_TYPE_RESOLVER, rw);
  /**
   * GossipConfig:transport:
   *
   * The transport the cluster sends and receives through, or %NULL (the
   * default) for a [class@Gossip.SocketTransport] the cluster builds from
   * [property@Gossip.Config:bind-address] and the TCP and UDP settings.
   *
   * An application sets it to run over WebSockets
   * ([class@Gossip.WebsocketTransport]; Go's WebsocketProvider with
   * SocketTransportEnabled=false), over both, or over a transport of its
   * own. The transport must already be bound; it serves one cluster.
   * When it is set, bind-address, tcp-dial-timeout, tcp-deadline,
   * tcp-max-packet-size, max-inbound-connections,
   * tcp-max-connections-per-source, tcp-inbound-budget and
   * max-outbound-requests are the transport's business and are not read;
   * [property@Gossip.Config:advertise-address] defaults to the
   * transport's local address, and must be set if it has none. The
   * cluster closes the transport when it stops.
   *
   * Since: 1.0
   */
  props[PROP_TRANSPORT] = g_param_spec_object ("transport", NULL, NULL, GOSSIP_TYPE_TRANSPORT, rw);

  /* The table-made settings, documented here for the GIR. */
  /**
   * GossipConfig:default-port:
   *
   * The port used for an address given without one, such as a bare host name
   * in a join list. Default: 3500 (Go's DefaultPort).
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:compress-min-size:
   *
   * Payloads of at least this many bytes are compressed when a
   * [property@Gossip.Config:compressor] is set, and sent compressed only if
   * that makes them smaller. In bytes; default: 256.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:gossip-interval:
   *
   * The base period of the [signal@Gossip.Cluster::gossip] signal (Go's
   * HandleGossipFunc), which stretches towards
   * [property@Gossip.Config:gossip-max-interval] while the cluster is quiet.
   * In milliseconds; default: 5000. Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:gossip-max-interval:
   *
   * The longest period of the [signal@Gossip.Cluster::gossip] signal. In
   * milliseconds; default: 20000. Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:tcp-dial-timeout:
   *
   * How long a TCP connect may take before the peer counts as unreachable.
   * In milliseconds; default: 2000. Not read when
   * [property@Gossip.Config:transport] is set.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:tcp-deadline:
   *
   * The deadline of each read and write on a TCP connection. In
   * milliseconds; default: 2000. Not read when
   * [property@Gossip.Config:transport] is set.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:udp-max-packet-size:
   *
   * Packets of this many bytes or more go over TCP instead of UDP. In bytes,
   * 64 to 65507; default: 1400.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:tcp-max-packet-size:
   *
   * The largest packet accepted over TCP (and over WebSocket); a send of a
   * larger payload fails with %GOSSIP_ERROR_TOO_LARGE. In bytes; default:
   * 4194304 (4 MiB). Not read when [property@Gossip.Config:transport] is
   * set.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:stream-max-packet-size:
   *
   * The largest frame of a stream. In bytes; default: 8388608 (8 MiB).
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:msg-history-gc-interval:
   *
   * How often the history that de-duplicates broadcasts is pruned. In
   * milliseconds; default: 1000. Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:msg-history-max-age:
   *
   * How long a message ID is remembered for de-duplication; a copy arriving
   * later is delivered again. In milliseconds; default: 30000. Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:health-check-interval:
   *
   * The period of the health tick that probes nodes. In milliseconds;
   * default: 1000. Scaled by [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:health-check-sample-size:
   *
   * How many nodes are probed per health tick. Every node sorts the Alive
   * node IDs the same way and, in each wall-clock round of
   * [property@Gossip.Config:health-check-interval], probes the nodes a
   * round-dependent number of places after itself: each round every node is
   * probed by this many others, where random choices (Go's, memberlist's)
   * leave a node unprobed for k rounds with probability about e^-k.
   * Default: 1 (Go: 7; see [class@Gossip.Config]).
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:suspect-threshold:
   *
   * Failed probes of a node, in a row, before it becomes Suspect. Default:
   * 3.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:suspect-attempt-interval:
   *
   * The period at which suspect nodes are evaluated and Leaving nodes timed
   * out. In milliseconds; default: 5000. Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:suspect-retention-period:
   *
   * How long a node stays Suspect (without enough confirmations) or Leaving
   * before it is declared Dead; a suspect gets one last probe first. In
   * milliseconds; default: 300000 (5 minutes). Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:go-suspicion-delay:
   *
   * While a peer is taken for a Go v0.6.0 node (it never answers our empty
   * broadcast-repair digests): the longest this node's own first suspicion
   * of a node waits, while no other node has suspected it too, before it
   * is broadcast. Go counts a suspicion only from nodes that suspected on
   * their own, so Go nodes get the chance first; our own verdict is not
   * delayed, and a cluster of gossip-glib nodes only never holds anything
   * back. In milliseconds; default: 10000 (0: never held). Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:recovery-attempt-interval:
   *
   * The period at which dead nodes are probed (a success makes them Alive
   * again), dead nodes past their retention are forgotten, and join peers
   * that are not connected are joined again. In milliseconds; default:
   * 10000. Scaled by [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:dead-node-retention-period:
   *
   * How long a Dead node stays in the node list before it is forgotten. In
   * milliseconds; default: 14400000 (4 hours). Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:ping-timeout:
   *
   * How long a direct or indirect probe waits for its acknowledgement. In
   * milliseconds; default: 500. Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:state-sync-interval:
   *
   * The period of the push/pull exchange of node states with a random peer
   * (anti-entropy). In milliseconds; default: 5000. Scaled by
   * [method@Gossip.Config.scale_intervals].
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:max-inbound-connections:
   *
   * How many inbound TCP connections may be open at once; more are refused.
   * Default: 1024. Not read when [property@Gossip.Config:transport] is set.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:max-outbound-requests:
   *
   * How many outbound TCP requests may be in flight at once; more fail at
   * once. Default: 1024. Not read when [property@Gossip.Config:transport] is
   * set.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:replay-window:
   *
   * With a [property@Gossip.Config:cipher], packets whose message time is
   * further than this from the local clock are dropped, so a recorded packet
   * cannot be replayed later. In milliseconds; default: 30000; 0 turns the
   * check off.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:direct-broadcast-limit:
   *
   * Up to this many live peers, a broadcast is sent to each of them directly
   * instead of to a random fan-out that forwards it (epidemic). Default:
   * 1024; 0 always uses the epidemic form, as Go does.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:activity-threshold-percent:
   *
   * A node heard from within this fraction of
   * [property@Gossip.Config:health-check-interval] is not probed in that
   * tick. A fraction (0.5 is half the interval); default: 0.5.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:fan-out-multiplier:
   *
   * Scales how many peers a broadcast goes to first; see
   * [method@Gossip.Cluster.calc_fan_out]. Default: 1.0.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:state-exchange-multiplier:
   *
   * Scales how many node states a push/pull exchange carries; see
   * [method@Gossip.Cluster.calc_payload_size]. Default: 0.8.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:indirect-ping-multiplier:
   *
   * Scales how many peers are asked to probe a node indirectly after a
   * failed direct probe. Default: 0.7.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:ttl-multiplier:
   *
   * Scales the time-to-live (in hops) of a broadcast. Default: 1.0.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:enable-indirect-pings:
   *
   * Whether a failed direct probe is followed by indirect probes through
   * other nodes before the failure counts. Default: %TRUE.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:force-reliable-transport:
   *
   * Whether every packet goes over TCP; no UDP socket is opened. Default:
   * %FALSE.
   *
   * Since: 1.0
   */
  /**
   * GossipConfig:prefer-ipv6:
   *
   * Whether the IPv6 addresses of a host name are tried before its IPv4
   * ones. Default: %FALSE.
   *
   * Since: 1.0
   */
  for (guint i = 0; i < G_N_ELEMENTS (uint_settings); i++)
    {
      const UintSetting *s = &uint_settings[i];
      props[PROP_FIRST_UINT + i] = g_param_spec_uint (s->name, NULL, s->blurb, s->min, s->max, s->def, rw);
    }
  for (guint i = 0; i < G_N_ELEMENTS (double_settings); i++)
    {
      const DoubleSetting *s = &double_settings[i];
      props[PROP_FIRST_DOUBLE + i] = g_param_spec_double (s->name, NULL, s->blurb, s->min, s->max, s->def, rw);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bool_settings); i++)
    {
      const BoolSetting *s = &bool_settings[i];
      props[PROP_FIRST_BOOL + i] = g_param_spec_boolean (s->name, NULL, s->blurb, s->def, rw);
    }

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
gossip_config_init (GossipConfig *self)
{
  self->v.bind_address = g_strdup ("127.0.0.1:8000");
  self->v.application_version = g_strdup ("");
  self->v.codec = gossip_msgpack_codec_new ();
  for (guint i = 0; i < G_N_ELEMENTS (uint_settings); i++)
    FIELD (self, guint, uint_settings[i].offset) = uint_settings[i].def;
  for (guint i = 0; i < G_N_ELEMENTS (double_settings); i++)
    FIELD (self, double, double_settings[i].offset) = double_settings[i].def;
  for (guint i = 0; i < G_N_ELEMENTS (bool_settings); i++)
    FIELD (self, gboolean, bool_settings[i].offset) = bool_settings[i].def;
}

const GossipConfigValues *
gossip_config_get_values (GossipConfig *self)
{
  return &self->v;
}

/**
 * gossip_config_new:
 *
 * Creates a configuration with the defaults of Go gossip v0.6.0 (see
 * [class@Gossip.Config] for the few differences).
 *
 * Returns: (transfer full): a configuration with the default settings
 *
 * Since: 1.0
 */
GossipConfig *
gossip_config_new (void)
{
  return g_object_new (GOSSIP_TYPE_CONFIG, NULL);
}

/**
 * gossip_config_scale_intervals:
 * @self: a configuration
 * @factor: the scale, e.g. 0.1 for ten times faster timers
 *
 * Multiplies every period and timeout of the protocol (gossip, health,
 * suspicion, state sync, history) by @factor. Tests and demos use it to
 * run a cluster's life in a fraction of the time.
 *
 * Since: 1.0
 */
void
gossip_config_scale_intervals (GossipConfig *self,
                               double        factor)
{
  g_return_if_fail (GOSSIP_IS_CONFIG (self));
  g_return_if_fail (factor > 0);

  if (refuse_if_frozen (self, "gossip_config_scale_intervals"))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (uint_settings); i++)
    {
      const UintSetting *s = &uint_settings[i];
      guint *field = &FIELD (self, guint, s->offset);
      double scaled;

      if (!s->duration)
        continue;
      scaled = *field * factor;
      *field = (guint) CLAMP (scaled, 1, G_MAXINT);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FIRST_UINT + i]);
    }
}

#define STRING_ACCESSORS(name, prop) \
  const char * gossip_config_get_##name (GossipConfig *self) \
  { g_return_val_if_fail (GOSSIP_IS_CONFIG (self), NULL); return self->v.name; } \
  void gossip_config_set_##name (GossipConfig *self, const char *value) \
  { g_return_if_fail (GOSSIP_IS_CONFIG (self)); g_object_set (self, prop, value, NULL); }

#define OBJECT_ACCESSORS(name, Type, prop) \
  Type * gossip_config_get_##name (GossipConfig *self) \
  { g_return_val_if_fail (GOSSIP_IS_CONFIG (self), NULL); return self->v.name; } \
  void gossip_config_set_##name (GossipConfig *self, Type *value) \
  { g_return_if_fail (GOSSIP_IS_CONFIG (self)); g_object_set (self, prop, value, NULL); }

/**
 * gossip_config_get_node_id:
 * @self: a configuration
 *
 * Gets [property@Gossip.Config:node-id].
 *
 * Returns: (nullable): the configured node ID
 *
 * Since: 1.0
 */
/**
 * gossip_config_set_node_id:
 * @self: a configuration
 * @node_id: (nullable): a UUID, or %NULL to generate one
 *
 * Sets [property@Gossip.Config:node-id].
 *
 * Since: 1.0
 */
STRING_ACCESSORS (node_id, "node-id")
/**
 * gossip_config_get_bind_address:
 * @self: a configuration
 *
 * Gets [property@Gossip.Config:bind-address].
 *
 * Returns: the address to listen on
 *
 * Since: 1.0
 */
/**
 * gossip_config_set_bind_address:
 * @self: a configuration
 * @address: an address such as "127.0.0.1:0"
 *
 * Sets [property@Gossip.Config:bind-address].
 *
 * Since: 1.0
 */
STRING_ACCESSORS (bind_address, "bind-address")
/**
 * gossip_config_get_advertise_address:
 * @self: a configuration
 *
 * Gets [property@Gossip.Config:advertise-address].
 *
 * Returns: (nullable): the configured advertise address
 *
 * Since: 1.0
 */
/**
 * gossip_config_set_advertise_address:
 * @self: a configuration
 * @address: (nullable): the address peers should use
 *
 * Sets [property@Gossip.Config:advertise-address].
 *
 * Since: 1.0
 */
STRING_ACCESSORS (advertise_address, "advertise-address")
/**
 * gossip_config_get_codec:
 * @self: a configuration
 *
 * Gets [property@Gossip.Config:codec].
 *
 * Returns: (transfer none) (nullable): the codec
 *
 * Since: 1.0
 */
/**
 * gossip_config_set_codec:
 * @self: a configuration
 * @codec: (nullable): the codec
 *
 * Sets [property@Gossip.Config:codec].
 *
 * Since: 1.0
 */
OBJECT_ACCESSORS (codec, GossipCodec, "codec")
/**
 * gossip_config_get_compressor:
 * @self: a configuration
 *
 * Gets [property@Gossip.Config:compressor].
 *
 * Returns: (transfer none) (nullable): the compressor
 *
 * Since: 1.0
 */
/**
 * gossip_config_set_compressor:
 * @self: a configuration
 * @compressor: (nullable): the compressor
 *
 * Sets [property@Gossip.Config:compressor].
 *
 * Since: 1.0
 */
OBJECT_ACCESSORS (compressor, GossipCompressor, "compressor")
/**
 * gossip_config_get_cipher:
 * @self: a configuration
 *
 * Gets [property@Gossip.Config:cipher].
 *
 * Returns: (transfer none) (nullable): the cipher
 *
 * Since: 1.0
 */
/**
 * gossip_config_set_cipher:
 * @self: a configuration
 * @cipher: (nullable): the cipher
 *
 * Sets [property@Gossip.Config:cipher].
 *
 * Since: 1.0
 */
OBJECT_ACCESSORS (cipher, GossipCipher, "cipher")
/**
 * gossip_config_get_transport:
 * @self: a configuration
 *
 * Gets [property@Gossip.Config:transport].
 *
 * Returns: (transfer none) (nullable): the transport the application
 *   supplied
 *
 * Since: 1.0
 */
/**
 * gossip_config_set_transport:
 * @self: a configuration
 * @transport: (nullable): the transport
 *
 * Sets [property@Gossip.Config:transport].
 *
 * Since: 1.0
 */
OBJECT_ACCESSORS (transport, GossipTransport, "transport")

/**
 * gossip_config_get_encryption_key:
 * @self: a configuration
 *
 * Gets [property@Gossip.Config:encryption-key].
 *
 * Returns: (transfer none) (nullable): the encryption key
 *
 * Since: 1.0
 */
GBytes *
gossip_config_get_encryption_key (GossipConfig *self)
{
  g_return_val_if_fail (GOSSIP_IS_CONFIG (self), NULL);
  return self->v.encryption_key;
}

/**
 * gossip_config_set_encryption_key:
 * @self: a configuration
 * @key: (nullable): the key
 *
 * Sets [property@Gossip.Config:encryption-key].
 *
 * Since: 1.0
 */
void
gossip_config_set_encryption_key (GossipConfig *self,
                                  GBytes       *key)
{
  g_return_if_fail (GOSSIP_IS_CONFIG (self));
  g_object_set (self, "encryption-key", key, NULL);
}

/**
 * gossip_config_set_application_version_check:
 * @self: a configuration
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy): the check
 * @user_data: data for @func
 * @destroy: (nullable): frees @user_data
 *
 * Sets the function that decides whether a joining node's application
 * version is compatible. Without one every version is accepted.
 *
 * Since: 1.0
 */
void
gossip_config_set_application_version_check (GossipConfig           *self,
                                              GossipVersionCheckFunc  func,
                                              gpointer                user_data,
                                              GDestroyNotify          destroy)
{
  CheckOwner *owner;

  g_return_if_fail (GOSSIP_IS_CONFIG (self));

  if (refuse_if_frozen (self, "gossip_config_set_application_version_check"))
    {
      if (destroy != NULL)
        destroy (user_data);
      return;
    }

  g_clear_pointer (&self->v.version_check_owner, check_owner_release);
  owner = g_atomic_rc_box_new0 (CheckOwner);
  owner->data = user_data;
  owner->destroy = destroy;
  self->v.version_check = func;
  self->v.version_check_data = user_data;
  self->v.version_check_owner = owner;
}

GossipConfig *
gossip_config_snapshot (GossipConfig *self)
{
  GossipConfig *copy;
  GossipConfigValues *v;

  g_return_val_if_fail (GOSSIP_IS_CONFIG (self), NULL);

  copy = g_object_new (GOSSIP_TYPE_CONFIG, NULL);
  values_clear (&copy->v);
  copy->v = self->v;
  v = &copy->v;
  v->node_id = g_strdup (v->node_id);
  v->bind_address = g_strdup (v->bind_address);
  v->advertise_address = g_strdup (v->advertise_address);
  v->application_version = g_strdup (v->application_version);
  if (v->encryption_key != NULL)
    g_bytes_ref (v->encryption_key);
  /* Codec, compressor, cipher, resolver and transport are shared: they
   * are the objects the application chose, not settings. */
  if (v->codec != NULL)
    g_object_ref (v->codec);
  if (v->compressor != NULL)
    g_object_ref (v->compressor);
  if (v->cipher != NULL)
    g_object_ref (v->cipher);
  if (v->resolver != NULL)
    g_object_ref (v->resolver);
  if (v->transport != NULL)
    g_object_ref (v->transport);
  if (v->version_check_owner != NULL)
    g_atomic_rc_box_acquire (v->version_check_owner);
  copy->frozen = TRUE;
  return copy;
}
