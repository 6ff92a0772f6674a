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
 * is 2, not 7 (probes go round-robin and indirect probes work, so two per
 * interval detect a failure as fast with a third of the traffic); and the
 * additions [property@Gossip.Config:direct-broadcast-limit],
 * [property@Gossip.Config:replay-window],
 * [property@Gossip.Config:go-suspicion-delay] (for clusters with Go nodes)
 * and [property@Gossip.Config:max-inbound-connections] have no Go
 * counterpart.
 * Durations are in milliseconds. Create one, set what you
 * need, and pass it to [ctor@Gossip.Cluster.new]; later changes do not
 * affect a running cluster.
 *
 * Since: 1.0
 */
struct _GossipConfig
{
  GObject            parent_instance;
  GossipConfigValues v;
};

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
  { "stream-max-packet-size", "Largest stream frame", U (stream_max_packet_size), 1024, G_MAXINT, 8388608, FALSE },
  { "msg-history-gc-interval", "Period of the de-duplication history pruning (ms)", U (msg_history_gc_interval), 1, G_MAXINT, 1000, TRUE },
  { "msg-history-max-age", "Lifetime of a de-duplication entry (ms)", U (msg_history_max_age), 1, G_MAXINT, 30000, TRUE },
  { "health-check-interval", "Period of health probes (ms)", U (health_check_interval), 1, G_MAXINT, 1000, TRUE },
  { "health-check-sample-size", "Nodes probed per health check", U (health_check_sample_size), 1, 1024, 2, FALSE },
  { "suspect-threshold", "Failed probes before a node is suspected", U (suspect_threshold), 1, 1000, 3, FALSE },
  { "suspect-attempt-interval", "Period of suspect evaluation (ms)", U (suspect_attempt_interval), 1, G_MAXINT, 5000, TRUE },
  { "suspect-retention-period", "Time a suspect or leaving node is kept before Dead (ms)", U (suspect_retention_period), 1, G_MAXINT, 300000, TRUE },
  { "go-suspicion-delay", "While a peer is taken for a Go v0.6.0 node (it never answers our empty repair digests): the longest this node's own first suspicion of a node waits, while no other node has suspected it too, before it is broadcast (ms, 0: never held). Go counts a suspicion only from nodes that suspected on their own, so Go nodes get the chance first; our own verdict is not delayed", U (go_suspicion_delay), 0, G_MAXINT, 10000, TRUE },
  { "recovery-attempt-interval", "Period of dead-node probing (ms)", U (recovery_attempt_interval), 1, G_MAXINT, 10000, TRUE },
  { "dead-node-retention-period", "Time a dead node is kept before removal (ms)", U (dead_node_retention_period), 1, G_MAXINT, 14400000, TRUE },
  { "refutation-threshold", "Refutations that restore a suspect", U (refutation_threshold), 1, 1000, 2, FALSE },
  { "ping-timeout", "Wait for a ping acknowledgement (ms)", U (ping_timeout), 1, G_MAXINT, 500, TRUE },
  { "state-sync-interval", "Period of push/pull state exchange (ms)", U (state_sync_interval), 1, G_MAXINT, 5000, TRUE },
  { "max-inbound-connections", "Inbound TCP connections open at once", U (max_inbound_connections), 1, 1000000, 1024, FALSE },
  { "max-outbound-requests", "TCP requests in flight at once (more are refused)", U (max_outbound_requests), 1, 1000000, 1024, FALSE },
  { "replay-window", "With a cipher, drop packets whose message time is further than this from ours (ms, 0: off)", U (replay_window), 0, G_MAXINT, 30000, FALSE },
  { "direct-broadcast-limit", "Up to this many live peers, broadcasts go to each directly (0: always epidemic)", U (direct_broadcast_limit), 0, G_MAXINT, 1024, FALSE },
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
gossip_config_finalize (GObject *object)
{
  GossipConfig *self = GOSSIP_CONFIG (object);

  g_free (self->v.node_id);
  g_free (self->v.bind_address);
  g_free (self->v.advertise_address);
  g_free (self->v.application_version);
  g_clear_pointer (&self->v.encryption_key, g_bytes_unref);
  g_clear_object (&self->v.codec);
  g_clear_object (&self->v.compressor);
  g_clear_object (&self->v.cipher);
  g_clear_object (&self->v.resolver);
  g_clear_object (&self->v.transport);
  if (self->v.version_check_destroy)
    self->v.version_check_destroy (self->v.version_check_data);
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
   * tcp-max-packet-size, max-inbound-connections and
   * max-outbound-requests are the transport's business and are not read;
   * [property@Gossip.Config:advertise-address] defaults to the
   * transport's local address, and must be set if it has none. The
   * cluster closes the transport when it stops.
   *
   * Since: 1.0
   */
  props[PROP_TRANSPORT] = g_param_spec_object ("transport", NULL, NULL, GOSSIP_TYPE_TRANSPORT, rw);

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
  g_return_if_fail (GOSSIP_IS_CONFIG (self));

  if (self->v.version_check_destroy)
    self->v.version_check_destroy (self->v.version_check_data);
  self->v.version_check = func;
  self->v.version_check_data = user_data;
  self->v.version_check_destroy = destroy;
}
