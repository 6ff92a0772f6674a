/* gossip-cluster.c: the public façade of a cluster node and its packet dispatcher.
 *
 * A GossipCluster owns the wire pipeline, the transport, the node list, the
 * de-duplication history and the handler registry. Every packet enters
 * through receive_cb(), is decoded once, de-duplicated, forwarded when its
 * type spreads epidemically, and dispatched to the membership and probe code
 * or to the application's handler. Everything runs on the GMainContext that
 * was thread-default when the cluster was constructed.
 */
#include "config.h"
#include "gossip-i18n-private.h"

#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "gossip-address-private.h"
#include "gossip-cluster-private.h"
#include "gossip-enums.h"
#include "gossip-error.h"
#include "gossip-hlc-private.h"
#include "gossip-metadata-private.h"
#include "gossip-msgpack-codec.h"
#include "gossip-msgpack-envelope-private.h"
#include "gossip-packet-private.h"
#include "gossip-socket-transport-private.h"
#include "gossip-stats-private.h"
#include "gossip-variant-private.h"

/**
 * GossipCluster:
 *
 * A node of a gossip cluster. It listens on UDP and TCP, joins peers,
 * keeps the membership list (as a [iface@Gio.ListModel] of
 * [class@Gossip.Node]), spreads metadata and carries the application's
 * messages. It speaks the wire protocol of the Go library gossip v0.6.0.
 *
 * ```c
 * g_autoptr(GossipConfig) config = gossip_config_new ();
 * gossip_config_set_bind_address (config, "127.0.0.1:8001");
 * g_autoptr(GossipCluster) cluster = gossip_cluster_new (config, NULL, &error);
 * gossip_cluster_start (cluster);
 * gossip_cluster_join_async (cluster, (const char *[]) { "127.0.0.1:8000", NULL },
 *                            NULL, joined_cb, NULL);
 * ```
 *
 * Since: 1.0
 */

static void gossip_cluster_initable_iface_init (GInitableIface *iface);
static void gossip_cluster_constructed (GObject *object);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipCluster, gossip_cluster, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      gossip_cluster_initable_iface_init))

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_LOCAL_NODE,
  PROP_N_ALIVE,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_NODE_STATE_CHANGED,
  SIGNAL_NODE_METADATA_CHANGED,
  SIGNAL_GOSSIP,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];


/* A handler may unregister itself (or be replaced) while it runs: the call
 * holds a reference, and user_data is freed when the last one goes. */
static void
handler_free (gpointer data)
{
  Handler *h = data;

  if (--h->ref_count > 0)
    return;
  if (h->destroy)
    h->destroy (h->user_data);
  g_free (h);
}

static void
destroy_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_source_unref (*source);
  *source = NULL;
}

static void
gossip_cluster_dispose (GObject *object)
{
  GossipCluster *self = GOSSIP_CLUSTER (object);

  if (self->running)
    gossip_cluster_stop (self);
  if (self->transport != NULL)
    gossip_transport_close (self->transport);
  destroy_source (&self->metadata_idle);
  if (self->local != NULL)
    g_signal_handlers_disconnect_by_data (gossip_node_get_metadata (self->local), self);
  g_clear_pointer (&self->handlers, g_hash_table_unref);
  G_OBJECT_CLASS (gossip_cluster_parent_class)->dispose (object);
}

static void
gossip_cluster_finalize (GObject *object)
{
  GossipCluster *self = GOSSIP_CLUSTER (object);

  g_clear_error (&self->init_error);
  gossip_cluster_events_clear (self);
  gossip_membership_clear_observers (self);
  gossip_health_free (self);
  gossip_probe_clear (self);
  g_clear_pointer (&self->ping_waiters, g_hash_table_unref);
  g_clear_object (&self->transport);
  g_clear_pointer (&self->nodes, gossip_node_list_free);
  g_clear_object (&self->local);
  g_clear_pointer (&self->router, gossip_router_free);
  g_clear_pointer (&self->repair, gossip_broadcast_repair_free); /* broadcast-repair: free */
  g_clear_pointer (&self->join_peers, g_ptr_array_unref);
  g_clear_pointer (&self->unsolicited_joins, g_hash_table_unref);
  g_clear_pointer (&self->wire.key, g_bytes_unref);
  g_clear_pointer (&self->wire.other_keys, g_ptr_array_unref);
  g_clear_object (&self->wire.codec);
  g_clear_object (&self->wire.compressor);
  g_clear_object (&self->wire.cipher);
  g_free (self->advertise_address);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->config);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (gossip_cluster_parent_class)->finalize (object);
}

static void
gossip_cluster_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GossipCluster *self = GOSSIP_CLUSTER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_cluster_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GossipCluster *self = GOSSIP_CLUSTER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;
    case PROP_LOCAL_NODE:
      g_value_set_object (value, self->local);
      break;
    case PROP_N_ALIVE:
      g_value_set_uint (value, self->nodes ? gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE) : 0);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gossip_cluster_class_init (GossipClusterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  gossip_i18n_init ();

  object_class->constructed = gossip_cluster_constructed;
  object_class->dispose = gossip_cluster_dispose;
  object_class->finalize = gossip_cluster_finalize;
  object_class->set_property = gossip_cluster_set_property;
  object_class->get_property = gossip_cluster_get_property;

  /**
   * GossipCluster:config:
   *
   * The configuration the cluster was made with.
   *
   * Since: 1.0
   */
  props[PROP_CONFIG] = g_param_spec_object ("config", NULL, NULL, GOSSIP_TYPE_CONFIG,
                                            G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                                            G_PARAM_STATIC_STRINGS);
  /**
   * GossipCluster:local-node:
   *
   * The local node.
   *
   * Since: 1.0
   */
  props[PROP_LOCAL_NODE] = g_param_spec_object ("local-node", NULL, NULL, GOSSIP_TYPE_NODE,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GossipCluster:n-alive:
   *
   * The number of alive nodes, the local node included.
   *
   * Since: 1.0
   */
  props[PROP_N_ALIVE] = g_param_spec_uint ("n-alive", NULL, NULL, 0, G_MAXUINT, 0,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                           G_PARAM_EXPLICIT_NOTIFY);
  /**
   * GossipCluster:running:
   *
   * Whether the cluster was started and not stopped.
   *
   * Since: 1.0
   */
  props[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                              G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * GossipCluster::node-state-changed:
   * @self: the cluster
   * @node: the node
   * @old_state: the state before
   * @new_state: the state now
   *
   * Emitted exactly once per state transition of a node, in order, on the
   * cluster's main context. A node that enters the list comes from
   * %GOSSIP_NODE_STATE_UNKNOWN; one that is removed goes to it.
   *
   * When a received packet or a timer caused the change, the signal comes
   * after that packet or timer was completely processed (a push/pull merge
   * of many nodes: after the whole merge), so @node is already in
   * @new_state, the cluster's counts agree, and the handler may stop the
   * cluster, leave or unregister handlers. The node's own notify::state
   * comes just before, once per node and dispatch.
   *
   * Since: 1.0
   */
  signals[SIGNAL_NODE_STATE_CHANGED] =
    g_signal_new ("node-state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  GOSSIP_TYPE_NODE, GOSSIP_TYPE_NODE_STATE, GOSSIP_TYPE_NODE_STATE);
  /**
   * GossipCluster::node-metadata-changed:
   * @self: the cluster
   * @node: the node whose metadata changed
   *
   * Emitted when a node's metadata changed, the local node's included.
   *
   * Since: 1.0
   */
  signals[SIGNAL_NODE_METADATA_CHANGED] =
    g_signal_new ("node-metadata-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GOSSIP_TYPE_NODE);
  /**
   * GossipCluster::gossip:
   * @self: the cluster
   *
   * The periodic gossip tick (every [property@Gossip.Config:gossip-interval],
   * stretched up to [property@Gossip.Config:gossip-max-interval] while
   * handlers take longer than the interval). Applications piggy-back their
   * own anti-entropy on it.
   *
   * Since: 1.0
   */
  /**
   * GossipCluster::message:
   * @self: the cluster
   * @sender: (nullable): the node that sent it, if it is in the node list
   * @packet: the message
   *
   * Emitted for every application message (type 64 or more) that reaches
   * this node, after the handler registered for its type (if any) ran.
   * The detail is the message type in decimal: connect to "message::200"
   * to see only type 200, or to "message" to see all. Any number of
   * listeners may connect; the signal does not change forwarding (a type
   * without a handler is relayed as any unknown type is) and does not
   * answer requests (only a handler registered with
   * [method@Gossip.Cluster.handle_with_reply] does).
   *
   * Since: 1.0
   */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, GOSSIP_TYPE_NODE, GOSSIP_TYPE_PACKET);
  signals[SIGNAL_GOSSIP] =
    g_signal_new ("gossip", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
gossip_cluster_init (GossipCluster *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->cancellable = g_cancellable_new ();
  self->handlers = g_hash_table_new_full (NULL, NULL, NULL, handler_free);
  self->join_peers = g_ptr_array_new_with_free_func (g_free);
  self->unsolicited_joins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  gossip_cluster_events_init (self);
}

void
gossip_cluster_signal_state_changed (GossipCluster   *self,
                                     GossipNode      *node,
                                     GossipNodeState  old_state,
                                     GossipNodeState  new_state)
{
  g_signal_emit (self, signals[SIGNAL_NODE_STATE_CHANGED], 0, node, old_state, new_state);
  if (old_state == GOSSIP_NODE_STATE_ALIVE || new_state == GOSSIP_NODE_STATE_ALIVE)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_ALIVE]);
}

void
gossip_cluster_signal_metadata_changed (GossipCluster *self,
                                        GossipNode    *node)
{
  g_signal_emit (self, signals[SIGNAL_NODE_METADATA_CHANGED], 0, node);
}

/* ------------------------------------------------------------------ */
/* Construction                                                        */

static gboolean
setup_wire (GossipCluster  *self,
            GError        **error)
{
  const GossipConfigValues *cfg = self->cfg;
  gsize key_len = cfg->encryption_key ? g_bytes_get_size (cfg->encryption_key) : 0;

  if (cfg->codec == NULL)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                           _("A codec is required"));
      return FALSE;
    }
  if (key_len > 0 && cfg->cipher == NULL)
    {
      /* Go silently sends plaintext here; a user who set a key expects secrecy. */
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                           _("An encryption key is set but no cipher: refusing to send plaintext"));
      return FALSE;
    }
  if (cfg->cipher != NULL)
    {
      if (key_len == 0)
        {
          g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                               _("A cipher is set but no encryption key"));
          return FALSE;
        }
      if (!gossip_cipher_check_key (cfg->cipher, key_len, error))
        return FALSE;
      self->wire.cipher = g_object_ref (cfg->cipher);
      self->wire.key = g_bytes_ref (cfg->encryption_key);
      self->wire.other_keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
    }
  self->wire.codec = g_object_ref (cfg->codec);
  if (cfg->compressor != NULL)
    self->wire.compressor = g_object_ref (cfg->compressor);
  self->wire.compress_min_size = cfg->compress_min_size;
  self->wire.max_payload_size = MAX (cfg->tcp_max_packet_size, cfg->udp_max_packet_size);
  return TRUE;
}

static void receive_cb (GBytes *raw, gboolean reliable, GossipIncoming *incoming, gpointer user_data);
/* broadcast-repair: see the block before "Receiving" */
#define REPAIR_KEEP_USEC (500 * G_TIME_SPAN_MILLISECOND)
#define REPAIR_INTERVAL_MS 6
#define REPAIR_FIRST_MS 2
#define REPAIR_FAN_OUT 3
#define GOSSIP_MSG_REPAIR_DIGEST 48
#define GOSSIP_MSG_REPAIR_PULL 49
static void repair_record (GossipCluster *self, const GossipNodeId *origin, guint64 id, GBytes *raw);
static gboolean repair_keeps (guint16 type);
static void local_metadata_changed_cb (GossipMetadata *metadata, gpointer user_data);

/* Set by tests/netsim only; NULL in applications. */
static GossipTransportWrapFunc transport_wrapper;

void
gossip_cluster_set_transport_wrapper (GossipTransportWrapFunc wrap)
{
  g_atomic_pointer_set (&transport_wrapper, wrap);
}

static gboolean
setup_transport (GossipCluster  *self,
                 GCancellable   *cancellable,
                 GError        **error)
{
  const GossipConfigValues *cfg = self->cfg;
  GossipTransportWrapFunc wrap;

  if (cfg->transport != NULL)
    {
      /* The application's transport: already bound, and it serves one
       * cluster only (it has a single receiver). */
      if (gossip_transport_has_receiver (cfg->transport))
        {
          g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                               _("The configured transport already serves another cluster"));
          return FALSE;
        }
      self->transport = g_object_ref (cfg->transport);
    }
  else
    {
      GossipSocketTransportLimits limits = {
        .udp_max_packet = cfg->udp_max_packet_size,
        .tcp_max_packet = cfg->tcp_max_packet_size,
        .dial_timeout_ms = cfg->tcp_dial_timeout,
        .io_timeout_ms = cfg->tcp_deadline,
        .max_connections = cfg->max_inbound_connections,
        .max_requests = cfg->max_outbound_requests,
        .default_port = cfg->default_port,
        .prefer_ipv6 = cfg->prefer_ipv6,
        .resolver = cfg->resolver,
      };
      g_autolist(GInetSocketAddress) bind = NULL;
      GossipSocketTransport *transport;

      bind = gossip_address_resolve_sync (cfg->bind_address, cfg->default_port, cfg->prefer_ipv6,
                                          cfg->resolver, cancellable, error);
      if (bind == NULL)
        return FALSE;

      transport = gossip_socket_transport_new_with_limits (bind->data, !cfg->force_reliable_transport,
                                                           &limits, error);
      if (transport == NULL)
        return FALSE;
      self->transport = GOSSIP_TRANSPORT (transport);
    }

  if (cfg->advertise_address != NULL && cfg->advertise_address[0] != '\0')
    self->advertise_address = g_strdup (cfg->advertise_address);
  else
    self->advertise_address = gossip_transport_get_local_address (self->transport);
  if (self->advertise_address == NULL)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                           _("The transport listens nowhere: set an advertise address"));
      g_clear_object (&self->transport);
      return FALSE;
    }

  wrap = g_atomic_pointer_get (&transport_wrapper);
  if (wrap != NULL)
    {
      GossipTransport *wrapped = wrap (self->transport, self->advertise_address);
      g_object_unref (self->transport);
      self->transport = wrapped;
    }
  gossip_transport_set_receive_func (self->transport, receive_cb, self);
  return TRUE;
}

static gboolean
cluster_set_up (GossipCluster  *self,
                GCancellable   *cancellable,
                GError        **error)
{
  g_autoptr(GossipMetadata) metadata = NULL;

  if (self->config == NULL)
    self->config = gossip_config_new ();
  self->cfg = gossip_config_get_values (self->config);

  if (!setup_wire (self, error))
    return FALSE;

  if (self->cfg->node_id != NULL && self->cfg->node_id[0] != '\0')
    {
      if (!gossip_node_id_parse (self->cfg->node_id, &self->local_id))
        {
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                       _("“%s” is not a valid node ID (a UUID is expected)"), self->cfg->node_id);
          return FALSE;
        }
    }
  else
    gossip_node_id_generate (&self->local_id);

  if (!setup_transport (self, cancellable, error))
    return FALSE;

  self->router = gossip_router_new (&self->wire, &self->local_id, self->advertise_address,
                                   self->cfg->msg_history_max_age, self->cfg->replay_window);
  self->repair = gossip_broadcast_repair_new (REPAIR_KEEP_USEC, 1024); /* broadcast-repair: create */
  self->nodes = gossip_node_list_new ();
  gossip_probe_init (self);
  gossip_health_init (self);

  metadata = gossip_metadata_new ();
  self->local = gossip_node_new (&self->local_id, self->advertise_address, TRUE, metadata);
  gossip_node_set_versions (self->local, GOSSIP_PROTOCOL_VERSION, self->cfg->application_version);
  gossip_node_set_state_internal (self->local, GOSSIP_NODE_STATE_ALIVE, gossip_hlc_now ());
  gossip_node_list_add (self->nodes, self->local);
  g_signal_connect (metadata, "changed", G_CALLBACK (local_metadata_changed_cb), self);
  return TRUE;
}

static gboolean
gossip_cluster_initable_init (GInitable     *initable,
                              GCancellable  *cancellable,
                              GError       **error)
{
  GossipCluster *self = GOSSIP_CLUSTER (initable);

  if (!self->init_done)
    {
      self->init_done = TRUE;
      if (!cluster_set_up (self, cancellable, &self->init_error))
        g_debug ("cluster set-up failed: %s", self->init_error->message);
    }
  if (self->init_error != NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->init_error);
      return FALSE;
    }
  return TRUE;
}

/* Python's Gossip.Cluster(config=...) and GJS's new Gossip.Cluster({config})
 * create the object without g_initable_init(): set up here instead, so the
 * result works (or, if the configuration is unusable, refuses to start with
 * a warning that says why) rather than crashing. */
static void
gossip_cluster_constructed (GObject *object)
{
  G_OBJECT_CLASS (gossip_cluster_parent_class)->constructed (object);
  gossip_cluster_initable_init (G_INITABLE (object), NULL, NULL);
}

static void
gossip_cluster_initable_iface_init (GInitableIface *iface)
{
  iface->init = gossip_cluster_initable_init;
}

/**
 * gossip_cluster_new:
 * @config: (nullable): the configuration, or %NULL for the defaults
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates a cluster node and binds its sockets. The node does nothing
 * until [method@Gossip.Cluster.start] is called. It runs on the
 * thread-default main context of the caller.
 *
 * Returns: (transfer full): a new cluster node, or %NULL with @error set
 *
 * Since: 1.0
 */
GossipCluster *
gossip_cluster_new (GossipConfig  *config,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_return_val_if_fail (config == NULL || GOSSIP_IS_CONFIG (config), NULL);

  return g_initable_new (GOSSIP_TYPE_CLUSTER, cancellable, error, "config", config, NULL);
}

/**
 * gossip_cluster_get_config:
 * @self: a cluster
 *
 * Returns: (transfer none): the configuration
 *
 * Since: 1.0
 */
GossipConfig *
gossip_cluster_get_config (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);
  return self->config;
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */

static GSource *
add_timer (GossipCluster *self,
           guint          interval_ms,
           GSourceFunc    func)
{
  GSource *source = g_timeout_source_new (MAX (interval_ms, 1));

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

static gboolean
history_timer_cb (gpointer user_data)
{
  GossipCluster *self = user_data;

  gossip_router_prune (self->router);
  return G_SOURCE_CONTINUE;
}

static gboolean gossip_timer_cb (gpointer user_data);

static void
schedule_gossip (GossipCluster *self,
                 guint          delay_ms)
{
  destroy_source (&self->gossip_timer);
  self->gossip_timer = add_timer (self, delay_ms, gossip_timer_cb);
}

static gboolean
gossip_timer_cb (gpointer user_data)
{
  GossipCluster *self = user_data;
  gint64 start = g_get_monotonic_time ();
  guint elapsed_ms, interval = self->gossip_interval;

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_GOSSIP], 0);
  if (!self->running)
    {
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }

  /* Adaptive period of BEHAVIOUR.md §4.5: back off while handlers are slow,
   * come back towards the base interval once they are quick again. */
  elapsed_ms = (guint) ((g_get_monotonic_time () - start) / 1000);
  if (elapsed_ms > interval)
    interval = MIN (elapsed_ms * 5 / 4, self->cfg->gossip_max_interval);
  else if (interval > self->cfg->gossip_interval && elapsed_ms < interval * 4 / 5)
    interval = MAX ((elapsed_ms + interval) / 2, self->cfg->gossip_interval);

  if (interval != self->gossip_interval)
    {
      self->gossip_interval = interval;
      schedule_gossip (self, interval);
      g_object_unref (self);
      return G_SOURCE_REMOVE;
    }
  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

/* First run of a periodic timer after a random phase, so that a cluster
 * started at once does not tick in lockstep. */
static gboolean
gossip_start_cb (gpointer user_data)
{
  GossipCluster *self = user_data;

  self->gossip_interval = self->cfg->gossip_interval;
  schedule_gossip (self, self->gossip_interval);
  return G_SOURCE_REMOVE;
}

/**
 * gossip_cluster_start:
 * @self: a cluster
 *
 * Starts answering peers and the periodic work (state sync, gossip tick,
 * history pruning). Calling it again does nothing.
 *
 * Since: 1.0
 */
void
gossip_cluster_start (GossipCluster *self)
{
  g_return_if_fail (GOSSIP_IS_CLUSTER (self));

  if (self->init_error != NULL)
    {
      g_warning ("gossip cluster cannot start: %s", self->init_error->message);
      return;
    }
  if (self->running || self->stopped)
    return;
  self->running = TRUE;

  self->history_timer = add_timer (self, self->cfg->msg_history_gc_interval, history_timer_cb);
  self->gossip_timer = add_timer (self, g_random_int_range (0, MAX (self->cfg->gossip_interval / 2, 1)) + 1,
                                  gossip_start_cb);
  gossip_membership_start (self);
  gossip_health_start (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

static void
shut_down (GossipCluster *self)
{
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  destroy_source (&self->history_timer);
  destroy_source (&self->repair_timer); /* broadcast-repair: stop */
  destroy_source (&self->gossip_timer);
  destroy_source (&self->metadata_idle);
  gossip_membership_stop (self);
  gossip_health_stop (self);
  gossip_probe_clear (self);
  gossip_transport_close (self->transport);
  if (self->running)
    {
      self->running = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
    }
}

void
gossip_cluster_simulate_crash (GossipCluster *self)
{
  g_return_if_fail (GOSSIP_IS_CLUSTER (self));

  if (!self->stopped)
    shut_down (self);
}

/**
 * gossip_cluster_stop:
 * @self: a cluster
 *
 * Leaves the cluster (unless already leaving), closes the sockets and
 * stops all periodic work. A stopped cluster cannot be started again.
 *
 * Since: 1.0
 */
void
gossip_cluster_stop (GossipCluster *self)
{
  g_return_if_fail (GOSSIP_IS_CLUSTER (self));

  if (self->stopped)
    return;
  if (self->running && gossip_node_get_state (self->local) != GOSSIP_NODE_STATE_LEAVING)
    gossip_cluster_leave (self);

  shut_down (self);
}

/**
 * gossip_cluster_is_running:
 * @self: a cluster
 *
 * Returns: whether the cluster is started and not stopped
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_is_running (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);
  return self->running;
}

/* ------------------------------------------------------------------ */
/* Formulas of BEHAVIOUR.md §3.2                                       */

static guint
log_formula (guint n, double multiplier, int add, guint cap)
{
  double v;

  if (n == 0)
    return 0;
  v = ceil (log2 ((double) n) * multiplier) + add;
  v = MIN (v, (double) cap);
  v = MAX (v, 1.0);
  return MIN ((guint) v, n);
}

static guint
n_live (GossipCluster *self)
{
  return gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE) +
         gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_SUSPECT);
}

/**
 * gossip_cluster_calc_fan_out:
 * @self: a cluster
 *
 * Returns: how many peers a broadcast goes to first
 *
 * Since: 1.0
 */
guint
gossip_cluster_calc_fan_out (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), 0);
  return log_formula (n_live (self), self->cfg->fan_out_multiplier, 0, 10);
}

/**
 * gossip_cluster_calc_payload_size:
 * @self: a cluster
 * @n: the number of items to choose from
 *
 * Returns: how many node states a push/pull exchange carries for @n nodes
 *
 * Since: 1.0
 */
guint
gossip_cluster_calc_payload_size (GossipCluster *self,
                                  guint          n)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), 0);
  return log_formula (n, self->cfg->state_exchange_multiplier, 2, 16);
}

guint
gossip_cluster_indirect_count (GossipCluster *self)
{
  return log_formula (n_live (self), self->cfg->indirect_ping_multiplier, 0, 6);
}

guint
gossip_cluster_max_ttl (GossipCluster *self)
{
  guint n = gossip_node_list_count (self->nodes, GOSSIP_NODE_STATE_ALIVE);
  double v;

  if (n == 0)
    return 0;
  /* Not capped at n: the TTL counts hops, not nodes. */
  v = ceil (log2 ((double) n) * self->cfg->ttl_multiplier) + 2;
  return (guint) CLAMP (v, 1.0, 8.0);
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

void
gossip_cluster_count_drop (GossipCluster    *self,
                           GossipDropReason  reason,
                           const char       *detail)
{
  gossip_router_count_drop (self->router, reason, detail);
}

GossipEnvelope
gossip_cluster_envelope (GossipCluster *self,
                         guint16        type,
                         guint8         ttl)
{
  return gossip_router_envelope (self->router, type, ttl);
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, &error);

  if (reply == NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("reliable send failed: %s", error->message);
}

void
gossip_cluster_send_raw_to (GossipCluster *self,
                            const char    *address,
                            GBytes        *raw,
                            gboolean       reliable)
{
  if (self->stopped || address == NULL || address[0] == '\0')
    return;
  self->packets_out++;
  if (reliable || self->cfg->force_reliable_transport ||
      g_bytes_get_size (raw) >= self->cfg->udp_max_packet_size)
    gossip_transport_request_async (self->transport, address, raw, GOSSIP_REQUEST_NO_REPLY,
                                    self->cancellable, request_done_cb, NULL);
  else
    gossip_transport_send_datagram (self->transport, address, raw);
}

void
gossip_cluster_send_direct (GossipCluster *self,
                            const char    *address,
                            guint16        type,
                            GVariant      *payload,
                            guint8         ttl)
{
  GossipEnvelope env = gossip_cluster_envelope (self, type, ttl);
  g_autoptr(GVariant) owned = g_variant_ref_sink (payload);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = gossip_wire_encode_value (&self->wire, &env, owned, &error);

  if (raw == NULL)
    {
      g_warning ("Could not encode message type %u: %s", type, error->message);
      return;
    }
  gossip_cluster_send_raw_to (self, address, raw, FALSE);
}

/* Sends @raw to @targets, or to a random fan-out of live nodes minus
 * @exclude. Every target is tried: one unreachable peer does not stop the
 * others (Go stops at the first failure). */
static void
send_to_targets (GossipCluster      *self,
                 GBytes             *raw,
                 gboolean            reliable,
                 GPtrArray          *targets,
                 const GossipNodeId *exclude,
                 guint               n_exclude)
{
  g_autoptr(GPtrArray) chosen = NULL;

  if (targets == NULL)
    targets = chosen = gossip_node_list_random (self->nodes, gossip_cluster_calc_fan_out (self),
                                                GOSSIP_STATES_LIVE, exclude, n_exclude);
  for (guint i = 0; i < targets->len; i++)
    {
      GossipNode *node = targets->pdata[i];

      if (node == self->local)
        continue;
      gossip_cluster_send_raw_to (self, gossip_node_get_address (node), raw, reliable);
    }
}

/* The first hop of a broadcast we originate. Up to direct-broadcast-limit
 * live peers, every peer gets it directly with TTL 0: each node receives it
 * exactly once, at once, and the cluster carries N-1 packets instead of the
 * N x fan-out of an epidemic (whose random choices also miss a node now and
 * then). Larger clusters use Go's epidemic: a random fan-out and the TTL of
 * §3.2. The wire format is the same; Go receivers do not forward TTL 0. */
static GPtrArray *
broadcast_targets (GossipCluster      *self,
                   const GossipNodeId *exclude,
                   guint               n_exclude,
                   guint8             *ttl)
{
  guint live = n_live (self);
  guint max_ttl = gossip_cluster_max_ttl (self);

  if (live > 0 && live - 1 <= self->cfg->direct_broadcast_limit)
    {
      *ttl = 0;
      return gossip_node_list_random (self->nodes, live, GOSSIP_STATES_LIVE, exclude, n_exclude);
    }
  *ttl = (guint8) (max_ttl > 0 ? max_ttl - 1 : 0);
  return gossip_node_list_random (self->nodes, gossip_cluster_calc_fan_out (self),
                                  GOSSIP_STATES_LIVE, exclude, n_exclude);
}

void
gossip_cluster_broadcast (GossipCluster *self,
                          guint16        type,
                          GVariant      *payload,
                          gboolean       reliable)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (payload);
  g_autoptr(GPtrArray) targets = NULL;
  GossipEnvelope env;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  guint8 ttl;

  targets = broadcast_targets (self, &self->local_id, 1, &ttl);
  if (targets->len == 0)
    return;
  env = gossip_cluster_envelope (self, type, ttl);
  raw = gossip_wire_encode_value (&self->wire, &env, owned, &error);
  if (raw == NULL)
    {
      g_warning ("Could not encode message type %u: %s", type, error->message);
      return;
    }
  /* Our own broadcasts may come back through forwarding: pre-record them. */
  gossip_router_remember_own (self->router, env.id);
  if (!reliable && repair_keeps (type)) /* broadcast-repair: keep what we broadcast; TCP does not lose it */
    repair_record (self, &self->local_id, env.id, raw);
  send_to_targets (self, raw, reliable, targets, NULL, 0);
}

/* Re-sends a received packet one hop further, keeping originator, message ID
 * and payload bytes (still compressed if they arrived so). */
static void
forward (GossipCluster *self,
         Received      *rx)
{
  GossipNodeId exclude[2] = { self->local_id, rx->msg.envelope.sender };
  g_autoptr(GBytes) raw = gossip_router_forward_bytes (self->router, &rx->msg);

  if (raw == NULL)
    return;
  if (!rx->reliable && repair_keeps (rx->msg.envelope.type))
    repair_record (self, &rx->msg.envelope.sender, rx->msg.envelope.id, raw); /* broadcast-repair: keep what we spread */
  send_to_targets (self, raw, rx->reliable, NULL, exclude, G_N_ELEMENTS (exclude));
}

/* broadcast-repair: the glue between the cluster and GossipBroadcastRepair.
 * While we hold recent broadcasts, every REPAIR_INTERVAL_MS we send a digest
 * of their IDs (type 48, TTL 0) to REPAIR_FAN_OUT random live peers; a peer
 * that lacks one answers with a pull (type 49, TTL 0) and we resend the
 * original bytes. TTL 0: a Go node that has no handler does not relay them. */

static gboolean repair_timer_cb (gpointer user_data);
static GVariant *decode_payload (GossipCluster *self, Received *rx);

static void
repair_send (GossipCluster *self,
             const char    *address,
             guint16        type,
             GBytes        *entries)
{
  gossip_cluster_send_direct (self, address, type,
                              g_variant_new_from_bytes (G_VARIANT_TYPE_BYTESTRING, entries, TRUE), 0);
}

/* An empty digest says "this node speaks gossip-glib": a Go v0.6.0 node never
 * sends type 48. Health tells Go peers apart by it (issue 11.2). */
void
gossip_cluster_send_hello (GossipCluster *self,
                           GossipNode    *node)
{
  g_autoptr(GBytes) none = g_bytes_new (NULL, 0);

  repair_send (self, gossip_node_get_address (node), GOSSIP_MSG_REPAIR_DIGEST, none);
}

static void
repair_record (GossipCluster      *self,
               const GossipNodeId *origin,
               guint64             id,
               GBytes             *raw)
{
  gossip_broadcast_repair_record (self->repair, origin, id, raw, g_get_monotonic_time ());
  if (self->repair_timer == NULL && !self->stopped)
    self->repair_timer = add_timer (self, REPAIR_FIRST_MS, repair_timer_cb);
}

static gboolean
repair_timer_cb (gpointer user_data)
{
  GossipCluster *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GBytes) digest = NULL;
  g_autoptr(GPtrArray) peers = NULL;

  destroy_source (&self->repair_timer);
  if (!gossip_broadcast_repair_active (self->repair, now))
    return G_SOURCE_REMOVE;
  digest = gossip_broadcast_repair_digest (self->repair, now);
  peers = gossip_node_list_random (self->nodes, REPAIR_FAN_OUT, GOSSIP_STATES_LIVE, &self->local_id, 1);
  for (guint i = 0; digest != NULL && i < peers->len; i++)
    if (peers->pdata[i] != self->local)
      repair_send (self, gossip_node_get_address (peers->pdata[i]), GOSSIP_MSG_REPAIR_DIGEST, digest);
  self->repair_timer = add_timer (self, REPAIR_INTERVAL_MS, repair_timer_cb);
  return G_SOURCE_REMOVE;
}

/* Returns TRUE if @rx was a repair message (handled or dropped). */
static gboolean
repair_dispatch (GossipCluster *self,
                 Received      *rx,
                 GossipNode    *sender)
{
  guint16 type = rx->msg.envelope.type;
  g_autoptr(GVariant) payload = NULL;
  g_autoptr(GBytes) entries = NULL;
  const guint8 *data;
  gsize size;

  if (type != GOSSIP_MSG_REPAIR_DIGEST && type != GOSSIP_MSG_REPAIR_PULL)
    return FALSE;
  if (sender == NULL)
    return TRUE;
  payload = decode_payload (self, rx);
  if (payload == NULL)
    return TRUE;
  entries = gossip_broadcast_repair_entries_from_variant (payload);
  if (entries == NULL)
    {
      gossip_cluster_count_drop (self, GOSSIP_DROP_PAYLOAD_DECODE, "repair entries are not bytes");
      return TRUE;
    }
  data = g_bytes_get_data (entries, &size);
  gossip_health_heard_glib (self, sender, type == GOSSIP_MSG_REPAIR_DIGEST && size == 0);
  if (type == GOSSIP_MSG_REPAIR_DIGEST)
    {
      g_autoptr(GBytes) missing = gossip_broadcast_repair_missing (self->repair, data, size,
                                                                   g_get_monotonic_time ());
      if (missing != NULL)
        repair_send (self, gossip_node_get_address (sender), GOSSIP_MSG_REPAIR_PULL, missing);
    }
  else
    {
      g_autoptr(GPtrArray) raws = gossip_broadcast_repair_answer (self->repair, data, size);
      for (guint i = 0; i < raws->len; i++)
        gossip_cluster_send_raw_to (self, gossip_node_get_address (sender), raws->pdata[i], FALSE);
    }
  return TRUE;
}

/* broadcast-repair: which types are kept for repair. Not alive messages:
 * a join storm sends one per node, and push/pull state sync already
 * repairs a lost one; repairing them too costs more than it brings. */
static gboolean
repair_keeps (guint16 type)
{
  return type >= GOSSIP_USER_MESSAGE_MIN ||
         (type >= GOSSIP_MSG_SUSPICION && type <= GOSSIP_MSG_METADATA);
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

static GVariant *
decode_payload (GossipCluster *self,
                Received      *rx)
{
  g_autoptr(GError) error = NULL;
  GVariant *v = gossip_codec_decode (self->wire.codec, rx->msg.payload, &error);

  if (v == NULL)
    gossip_cluster_count_drop (self, GOSSIP_DROP_PAYLOAD_DECODE, error->message);
  return v;
}

static void
reply_to_request (GossipCluster *self,
                  Received      *rx,
                  GVariant      *value)
{
  GossipEnvelope env = gossip_cluster_envelope (self, GOSSIP_MSG_REPLY, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = gossip_wire_encode_value (&self->wire, &env, value, &error);

  if (raw == NULL)
    {
      g_warning ("Could not encode a reply: %s", error->message);
      return;
    }
  gossip_incoming_reply (rx->incoming, raw);
}

/* ::message, detailed by the type in decimal. Only types somebody listens
 * to have a quark, so untrusted types create none. */
static void
emit_message (GossipCluster *self,
              Received      *rx,
              GossipNode    *sender,
              GossipPacket  *packet)
{
  char name[8];
  GQuark detail;
  g_autoptr(GossipPacket) made = NULL;

  g_snprintf (name, sizeof name, "%u", rx->msg.envelope.type);
  detail = g_quark_try_string (name);
  if (!g_signal_has_handler_pending (self, signals[SIGNAL_MESSAGE], detail, FALSE))
    return;
  if (packet == NULL)
    packet = made = gossip_packet_new (&rx->msg, self->wire.codec, rx->reliable);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], detail, sender, packet);
}

static void
dispatch_user (GossipCluster *self,
               Received      *rx,
               GossipNode    *sender)
{
  Handler *h = g_hash_table_lookup (self->handlers, GUINT_TO_POINTER (rx->msg.envelope.type));
  g_autoptr(GossipPacket) packet = NULL;

  if (h == NULL)
    {
      /* Unknown types are relayed, so nodes that lack a handler still
       * carry the epidemic (BEHAVIOUR.md §4.3). */
      forward (self, rx);
      emit_message (self, rx, sender, NULL);
      return;
    }

  packet = gossip_packet_new (&rx->msg, self->wire.codec, rx->reliable);
  h->ref_count++;
  switch (h->kind)
    {
    case HANDLER_FORWARD:
      forward (self, rx);
      h->func (self, sender, packet, h->user_data);
      break;
    case HANDLER_NO_FORWARD:
      h->func (self, sender, packet, h->user_data);
      break;
    case HANDLER_REPLY:
      if (rx->incoming == NULL)
        {
          gossip_cluster_count_drop (self, GOSSIP_DROP_WRONG_TRANSPORT,
                                     "request for a reply arrived over UDP");
          break;
        }
      {
        g_autoptr(GVariant) value = h->reply_func (self, sender, packet, h->user_data);
        if (value != NULL)
          {
            /* (transfer full): a floating value is sunk, a non-floating one (every
             * binding returns those) is taken as is, not reffed again. */
            g_variant_take_ref (value);
            reply_to_request (self, rx, value);
          }
      }
      break;
    }
  handler_free (h);
  emit_message (self, rx, sender, packet);
}

/* Pings and acks, most of the traffic, are parsed straight from msgpack
 * when the codec is msgpack; anything unusual takes the general path. */
static void
dispatch_ping (GossipCluster *self,
               Received      *rx,
               GossipNode    *sender)
{
  GossipPingMsg msg;
  gsize size;
  const guint8 *data = g_bytes_get_data (rx->msg.payload, &size);

  if (!GOSSIP_IS_MSGPACK_CODEC (self->wire.codec) || !gossip_msgpack_read_ping (data, size, &msg))
    {
      g_autoptr(GVariant) payload = decode_payload (self, rx);

      if (payload == NULL)
        return;
      if (!gossip_ping_msg_parse (payload, &msg))
        {
          gossip_cluster_count_drop (self, GOSSIP_DROP_PAYLOAD_DECODE, "malformed ping payload");
          return;
        }
    }

  switch (rx->msg.envelope.type)
    {
    case GOSSIP_MSG_PING:
      gossip_probe_handle_ping (self, rx, sender, &msg);
      break;
    case GOSSIP_MSG_PING_ACK:
      gossip_probe_handle_ack (self, rx, sender, &msg);
      break;
    case GOSSIP_MSG_INDIRECT_PING:
      gossip_probe_handle_indirect_ping (self, rx, sender, &msg);
      break;
    default:
      gossip_probe_handle_indirect_ack (self, rx, sender, &msg);
      break;
    }
  gossip_ping_msg_clear (&msg);
}

typedef void (* SystemHandler) (GossipCluster *self, Received *rx, GossipNode *sender, GVariant *payload);

static void
dispatch_system (GossipCluster *self,
                 Received      *rx,
                 GossipNode    *sender)
{
  static const struct {
    SystemHandler handler;
    gboolean      forwarded;
    gboolean      reliable_only;
  } table[] = {
    [GOSSIP_MSG_PUSH_PULL] = { gossip_membership_handle_push_pull, FALSE, TRUE },
    [GOSSIP_MSG_ALIVE] = { gossip_membership_handle_alive, TRUE, FALSE },
    [GOSSIP_MSG_SUSPICION] = { gossip_membership_handle_suspicion, TRUE, FALSE },
    [GOSSIP_MSG_LEAVING] = { gossip_membership_handle_leaving, TRUE, FALSE },
    [GOSSIP_MSG_METADATA] = { gossip_membership_handle_metadata, TRUE, FALSE },
  };
  guint16 type = rx->msg.envelope.type;
  g_autoptr(GVariant) payload = NULL;

  /* Types 1-6 are never forwarded: they come from their originator itself,
   * which makes them evidence that it is alive. Forwarded or late copies of
   * broadcasts are not (Go bug §12.3). */
  if (sender != NULL && type >= GOSSIP_MSG_PING && type <= GOSSIP_MSG_PUSH_PULL)
    gossip_membership_heard_from (self, sender);

  if (type >= GOSSIP_MSG_PING && type <= GOSSIP_MSG_INDIRECT_PING_ACK)
    {
      dispatch_ping (self, rx, sender);
      return;
    }

  if (repair_dispatch (self, rx, sender)) /* broadcast-repair: digests and pulls */
    return;

  if (type == GOSSIP_MSG_JOIN)
    {
      if (rx->incoming == NULL)
        {
          gossip_cluster_count_drop (self, GOSSIP_DROP_WRONG_TRANSPORT, "join over UDP");
          return;
        }
      payload = decode_payload (self, rx);
      if (payload != NULL)
        gossip_membership_handle_join (self, rx, payload);
      return;
    }

  if (type >= G_N_ELEMENTS (table) || table[type].handler == NULL)
    {
      forward (self, rx);
      return;
    }
  if (table[type].reliable_only && rx->incoming == NULL)
    {
      gossip_cluster_count_drop (self, GOSSIP_DROP_WRONG_TRANSPORT, "request over UDP");
      return;
    }

  /* Validate before forwarding, so garbage is not amplified (§12.26). */
  payload = decode_payload (self, rx);
  if (payload == NULL)
    return;
  if (table[type].forwarded)
    forward (self, rx);
  table[type].handler (self, rx, sender, payload);
}

static void
receive_cb (GBytes         *raw,
            gboolean        reliable,
            GossipIncoming *incoming,
            gpointer        user_data)
{
  GossipCluster *self = user_data;
  g_autoptr(GossipDispatch) dispatch = gossip_cluster_dispatch_begin (self);
  Received rx = { .reliable = reliable, .incoming = incoming };
  GossipNode *sender;
  gsize size;
  const guint8 *data = g_bytes_get_data (raw, &size);

  if (!self->running)
    return;
  /* Decoding, own packets, replay window and de-duplication: the router. */
  if (!gossip_router_accept (self->router, data, size, &rx.msg))
    return;

  /* broadcast-repair: keep a received broadcast. TTL 0 is a direct broadcast
   * or an epidemic's last hop; with TTL left, forward() keeps what it spreads
   * anyway, so an addressed send to a no-forward handler stays addressed. */
  if (repair_keeps (rx.msg.envelope.type) && rx.msg.envelope.ttl == 0 && !reliable)
    repair_record (self, &rx.msg.envelope.sender, rx.msg.envelope.id, raw);

  g_object_ref (self);
  sender = gossip_node_list_lookup (self->nodes, &rx.msg.envelope.sender);
  if (sender != NULL)
    g_object_ref (sender);

  if (rx.msg.envelope.type < GOSSIP_USER_MESSAGE_MIN)
    dispatch_system (self, &rx, sender);
  else
    dispatch_user (self, &rx, sender);

  g_clear_object (&sender);
  g_object_unref (self);
  gossip_wire_message_clear (&rx.msg);
}

/* ------------------------------------------------------------------ */
/* Join and leave                                                      */

/**
 * gossip_cluster_join_async:
 * @self: a started cluster
 * @peers: (array zero-terminated=1): addresses of nodes to join
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every peer answered or failed
 * @user_data: data for @callback
 *
 * Joins the cluster through @peers, all at once. Each address may be
 * "ip:port", "[ipv6]:port", "host:port", "host" (default port) or
 * "srv+NAME" (a DNS SRV lookup). Peers are remembered so that the node can
 * rejoin after a partition.
 *
 * Since: 1.0
 */
void
gossip_cluster_join_async (GossipCluster       *self,
                           const char * const  *peers,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GossipJoinState *state;

  g_return_if_fail (GOSSIP_IS_CLUSTER (self));
  g_return_if_fail (peers != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gossip_cluster_join_async);

  if (!self->running)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                               _("The cluster must be started before joining"));
      return;
    }
  if (peers[0] == NULL)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                               _("No peers to join"));
      return;
    }

  state = g_new0 (GossipJoinState, 1);
  g_task_set_task_data (task, state, gossip_join_state_free);
  state->pending = 1;  /* held until every attempt is launched */

  for (guint i = 0; peers[i] != NULL; i++)
    {
      gboolean known = FALSE;

      for (guint j = 0; j < self->join_peers->len; j++)
        known |= g_str_equal (self->join_peers->pdata[j], peers[i]);
      if (!known)
        g_ptr_array_add (self->join_peers, g_strdup (peers[i]));

      if (g_str_equal (peers[i], self->advertise_address))
        continue;
      state->pending++;
      gossip_membership_join_address (self, peers[i], g_object_ref (task));
    }

  if (state->error == NULL && state->pending == 1 && state->joined == 0)
    state->error = g_error_new_literal (GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                                        _("No peer to join other than this node itself"));
  gossip_membership_join_attempt_done (g_steal_pointer (&task), NULL);
}

/**
 * gossip_cluster_join_finish:
 * @self: a cluster
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: the number of peers that accepted the join; 0 with @error set
 *   when none did
 *
 * Since: 1.0
 */
guint
gossip_cluster_join_finish (GossipCluster  *self,
                            GAsyncResult   *result,
                            GError        **error)
{
  gssize n;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gossip_cluster_join_async, 0);

  n = g_task_propagate_int (G_TASK (result), error);
  return n < 0 ? 0 : (guint) n;
}

static void
sync_result_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
  g_main_context_wakeup (NULL);
}

/**
 * gossip_cluster_join:
 * @self: a started cluster
 * @peers: (array zero-terminated=1): addresses of nodes to join
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * The blocking form of [method@Gossip.Cluster.join_async]. It iterates the
 * cluster's main context until done, so call it only from the thread
 * that runs that context.
 *
 * Returns: the number of peers that accepted; 0 with @error set when none did
 *
 * Since: 1.0
 */
guint
gossip_cluster_join (GossipCluster       *self,
                     const char * const  *peers,
                     GCancellable        *cancellable,
                     GError             **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), 0);

  gossip_cluster_join_async (self, peers, cancellable, sync_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (self->context, TRUE);
  return gossip_cluster_join_finish (self, result, error);
}

/**
 * gossip_cluster_leave:
 * @self: a cluster
 *
 * Announces a graceful leave: the local node becomes Leaving and tells
 * the cluster, whose members keep it as Leaving, then Dead, then forget
 * it. The node keeps running until [method@Gossip.Cluster.stop].
 *
 * Since: 1.0
 */
void
gossip_cluster_leave (GossipCluster *self)
{
  GossipNodeMsg msg = { .node = self->local_id };

  g_return_if_fail (GOSSIP_IS_CLUSTER (self));

  if (self->stopped || gossip_node_get_state (self->local) == GOSSIP_NODE_STATE_LEAVING)
    return;
  gossip_membership_set_state (self, self->local, GOSSIP_NODE_STATE_LEAVING, gossip_hlc_now ());
  if (self->running)
    gossip_cluster_broadcast (self, GOSSIP_MSG_LEAVING, gossip_node_msg_build (&msg, FALSE), FALSE);
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

/**
 * gossip_cluster_get_local_node:
 * @self: a cluster
 *
 * Returns: (transfer none): the local node
 *
 * Since: 1.0
 */
GossipNode *
gossip_cluster_get_local_node (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);
  return self->local;
}

/**
 * gossip_cluster_get_local_metadata:
 * @self: a cluster
 *
 * The local node's metadata, the one an application writes. Changes are
 * spread to the cluster automatically, coalesced per main loop iteration.
 *
 * Returns: (transfer none): the local metadata
 *
 * Since: 1.0
 */
GossipMetadata *
gossip_cluster_get_local_metadata (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);
  return gossip_node_get_metadata (self->local);
}

static void
broadcast_metadata (GossipCluster *self)
{
  GossipMetadata *md = gossip_node_get_metadata (self->local);
  g_autoptr(GVariant) map = gossip_metadata_to_variant (md);
  GossipMetadataMsg msg = {
    .metadata_ts = gossip_metadata_get_timestamp (md),
    .metadata = map,
  };

  if (self->running)
    gossip_cluster_broadcast (self, GOSSIP_MSG_METADATA, gossip_metadata_msg_build (&msg), FALSE);
}

static gboolean
metadata_idle_cb (gpointer user_data)
{
  GossipCluster *self = user_data;

  g_clear_pointer (&self->metadata_idle, g_source_unref);
  broadcast_metadata (self);
  return G_SOURCE_REMOVE;
}

static void
local_metadata_changed_cb (GossipMetadata *metadata,
                           gpointer        user_data)
{
  GossipCluster *self = user_data;

  gossip_cluster_emit_metadata_changed (self, self->local);
  if (self->metadata_idle == NULL && !self->stopped)
    {
      self->metadata_idle = g_idle_source_new ();
      g_source_set_callback (self->metadata_idle, metadata_idle_cb, self, NULL);
      g_source_attach (self->metadata_idle, self->context);
    }
}

/**
 * gossip_cluster_update_metadata:
 * @self: a cluster
 *
 * Broadcasts the local metadata now, instead of at the end of the current
 * main loop iteration.
 *
 * Since: 1.0
 */
void
gossip_cluster_update_metadata (GossipCluster *self)
{
  g_return_if_fail (GOSSIP_IS_CLUSTER (self));

  destroy_source (&self->metadata_idle);
  broadcast_metadata (self);
}

/**
 * gossip_cluster_get_advertise_address:
 * @self: a cluster
 *
 * Returns: the address peers use to reach this node
 *
 * Since: 1.0
 */
const char *
gossip_cluster_get_advertise_address (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);
  return self->advertise_address;
}

/**
 * gossip_cluster_get_node:
 * @self: a cluster
 * @id: a node ID in any UUID form
 *
 * Returns: (transfer none) (nullable): the node, or %NULL if unknown
 *
 * Since: 1.0
 */
GossipNode *
gossip_cluster_get_node (GossipCluster *self,
                         const char    *id)
{
  GossipNodeId nid;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  if (!gossip_node_id_parse (id, &nid))
    return NULL;
  return gossip_node_list_lookup (self->nodes, &nid);
}

/**
 * gossip_cluster_get_nodes:
 * @self: a cluster
 *
 * All known nodes in every state, the local node included, as a live
 * list model that a GTK list view can show.
 *
 * Returns: (transfer none): a #GListModel of #GossipNode
 *
 * Since: 1.0
 */
GListModel *
gossip_cluster_get_nodes (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);
  return gossip_node_list_get_model (self->nodes);
}

/**
 * gossip_cluster_get_alive_nodes:
 * @self: a cluster
 *
 * Returns: (transfer container) (element-type GossipNode): the alive nodes,
 *   the local node included
 *
 * Since: 1.0
 */
GPtrArray *
gossip_cluster_get_alive_nodes (GossipCluster *self)
{
  g_autoptr(GPtrArray) all = NULL;
  GPtrArray *out;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);

  all = gossip_node_list_snapshot (self->nodes);
  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < all->len; i++)
    if (gossip_node_get_state (all->pdata[i]) == GOSSIP_NODE_STATE_ALIVE)
      g_ptr_array_add (out, g_object_ref (all->pdata[i]));
  return out;
}

#define COUNT_ACCESSOR(name, state) \
  guint gossip_cluster_get_n_##name (GossipCluster *self) \
  { \
    g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), 0); \
    return gossip_node_list_count (self->nodes, state); \
  }

/**
 * gossip_cluster_get_n_alive:
 * @self: a cluster
 *
 * Returns: the number of alive nodes, the local node included
 *
 * Since: 1.0
 */
COUNT_ACCESSOR (alive, GOSSIP_NODE_STATE_ALIVE)
/**
 * gossip_cluster_get_n_suspect:
 * @self: a cluster
 *
 * Returns: the number of suspected nodes
 *
 * Since: 1.0
 */
COUNT_ACCESSOR (suspect, GOSSIP_NODE_STATE_SUSPECT)
/**
 * gossip_cluster_get_n_dead:
 * @self: a cluster
 *
 * Returns: the number of dead nodes still listed
 *
 * Since: 1.0
 */
COUNT_ACCESSOR (dead, GOSSIP_NODE_STATE_DEAD)
/**
 * gossip_cluster_get_n_leaving:
 * @self: a cluster
 *
 * Returns: the number of nodes that announced their leave
 *
 * Since: 1.0
 */
COUNT_ACCESSOR (leaving, GOSSIP_NODE_STATE_LEAVING)

/* ------------------------------------------------------------------ */
/* Keyring                                                             */

static gboolean
check_keyring_key (GossipCluster  *self,
                   GBytes         *key,
                   GError        **error)
{
  if (self->wire.cipher == NULL)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG,
                           _("The cluster has no cipher, so it has no keys"));
      return FALSE;
    }
  return gossip_cipher_check_key (self->wire.cipher, g_bytes_get_size (key), error);
}

static gint
find_key (GossipCluster *self,
          GBytes        *key)
{
  for (guint i = 0; i < self->wire.other_keys->len; i++)
    if (g_bytes_equal (self->wire.other_keys->pdata[i], key))
      return (gint) i;
  return -1;
}

/**
 * gossip_cluster_install_key:
 * @self: a cluster with a cipher
 * @key: a key for the cluster's cipher
 *
 * Accepts packets encrypted with @key as well, from now on. With
 * [method@Gossip.Cluster.use_key] and [method@Gossip.Cluster.remove_key]
 * this rotates a cluster's key without downtime: install the new key on
 * every node, then use it on every node, then remove the old one.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_install_key (GossipCluster  *self,
                            GBytes         *key,
                            GError        **error)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!check_keyring_key (self, key, error))
    return FALSE;
  if (!g_bytes_equal (key, self->wire.key) && find_key (self, key) < 0)
    g_ptr_array_add (self->wire.other_keys, g_bytes_ref (key));
  return TRUE;
}

/**
 * gossip_cluster_use_key:
 * @self: a cluster with a cipher
 * @key: a key for the cluster's cipher
 *
 * Encrypts with @key from now on (installing it if needed). The previous
 * key stays accepted until removed.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_use_key (GossipCluster  *self,
                        GBytes         *key,
                        GError        **error)
{
  gint i;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!check_keyring_key (self, key, error))
    return FALSE;
  if (g_bytes_equal (key, self->wire.key))
    return TRUE;
  i = find_key (self, key);
  if (i >= 0)
    g_ptr_array_remove_index (self->wire.other_keys, (guint) i);
  g_ptr_array_add (self->wire.other_keys, self->wire.key);
  self->wire.key = g_bytes_ref (key);
  return TRUE;
}

/**
 * gossip_cluster_remove_key:
 * @self: a cluster with a cipher
 * @key: an installed key
 *
 * Stops accepting packets encrypted with @key. The key in use cannot be
 * removed.
 *
 * Returns: %TRUE on success; %FALSE with @error set for the key in use
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_remove_key (GossipCluster  *self,
                           GBytes         *key,
                           GError        **error)
{
  gint i;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (!check_keyring_key (self, key, error))
    return FALSE;
  if (g_bytes_equal (key, self->wire.key))
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
                           _("The key in use cannot be removed; use another key first"));
      return FALSE;
    }
  i = find_key (self, key);
  if (i >= 0)
    g_ptr_array_remove_index (self->wire.other_keys, (guint) i);
  return TRUE;
}

/**
 * gossip_cluster_get_stats:
 * @self: a cluster
 *
 * Takes a snapshot of the node's counters: "packets-in", "packets-out",
 * "udp-datagrams-in", "udp-datagrams-out", "tcp-requests-in",
 * "tcp-requests-out", "bytes-in", "bytes-out", "tcp-connections-refused",
 * "tcp-requests-refused",
 * "tcp-oversize", "tcp-timeouts", "send-failures", "dedup-hits", "probes",
 *  "probe-failures", "suspicions", "refutations", "local-health",
 * "repair-recorded", "repair-digests", "repair-pulls", "repair-resent"
 * (broadcast repair: packets kept, digests and pulls sent, packets resent), and
 * "drop-REASON" for every reason a received packet is dropped
 * ("drop-too-short", "drop-decrypt", "drop-header-decode", ...).
 *
 * Returns: (transfer full): the counters
 *
 * Since: 1.0
 */
GossipStats *
gossip_cluster_get_stats (GossipCluster *self)
{
  GossipStats *stats;
  GossipTransportCounters tc;
  static const char * const drop_names[GOSSIP_DROP_N_REASONS] = {
    [GOSSIP_DROP_TOO_SHORT] = "drop-too-short",
    [GOSSIP_DROP_DECRYPT] = "drop-decrypt",
    [GOSSIP_DROP_HEADER_LENGTH] = "drop-header-length",
    [GOSSIP_DROP_HEADER_DECODE] = "drop-header-decode",
    [GOSSIP_DROP_DECOMPRESS] = "drop-decompress",
    [GOSSIP_DROP_TOO_LARGE] = "drop-too-large",
    [GOSSIP_DROP_PAYLOAD_DECODE] = "drop-payload-decode",
    [GOSSIP_DROP_FROM_SELF] = "drop-from-self",
    [GOSSIP_DROP_DUPLICATE] = "drop-duplicate",
    [GOSSIP_DROP_UNKNOWN_SENDER] = "drop-unknown-sender",
    [GOSSIP_DROP_WRONG_TRANSPORT] = "drop-wrong-transport",
    [GOSSIP_DROP_SEND_FAILED] = "drop-send-failed",
    [GOSSIP_DROP_REPLAY] = "drop-replay",
  };

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);

  gossip_transport_get_counters (self->transport, &tc);
  stats = gossip_stats_new ();
  gossip_stats_add (stats, "packets-in", gossip_router_get_packets_in (self->router));
  gossip_stats_add (stats, "packets-out", self->packets_out);
  gossip_stats_add (stats, "udp-datagrams-in", tc.datagrams_in);
  gossip_stats_add (stats, "udp-datagrams-out", tc.datagrams_out);
  gossip_stats_add (stats, "tcp-requests-in", tc.tcp_requests_in);
  gossip_stats_add (stats, "tcp-requests-out", tc.tcp_requests_out);
  gossip_stats_add (stats, "bytes-in", tc.bytes_in);
  gossip_stats_add (stats, "bytes-out", tc.bytes_out);
  gossip_stats_add (stats, "tcp-connections-refused", tc.drops_too_many_connections);
  gossip_stats_add (stats, "tcp-requests-refused", tc.drops_too_many_requests);
  gossip_stats_add (stats, "tcp-oversize", tc.drops_oversize);
  gossip_stats_add (stats, "tcp-timeouts", tc.drops_timeout);
  gossip_stats_add (stats, "send-failures", tc.drops_send_failure);
  gossip_stats_add (stats, "dedup-hits", gossip_router_get_drops (self->router, GOSSIP_DROP_DUPLICATE));
  gossip_stats_add (stats, "probes", self->probes);
  gossip_stats_add (stats, "probe-failures", self->probe_failures);
  gossip_stats_add (stats, "suspicions", self->suspicions);
  gossip_stats_add (stats, "refutations", self->refutations);
  gossip_stats_add (stats, "local-health", gossip_health_get_local_health (self));
  { /* broadcast-repair: counters */
    GossipBroadcastRepairCounters rc;
    GossipBroadcastRepairCounters zero = { 0 };
    if (self->repair != NULL)
      gossip_broadcast_repair_counters (self->repair, &rc);
    else
      rc = zero;
    gossip_stats_add (stats, "repair-recorded", rc.recorded);
    gossip_stats_add (stats, "repair-digests", rc.digests_built);
    gossip_stats_add (stats, "repair-pulls", rc.pulls_built);
    gossip_stats_add (stats, "repair-resent", rc.resent);
  }
  for (guint i = 0; i < GOSSIP_DROP_N_REASONS; i++)
    gossip_stats_add (stats, drop_names[i], gossip_router_get_drops (self->router, i));
  return stats;
}

/**
 * gossip_cluster_get_n_nodes:
 * @self: a cluster
 *
 * Returns: the number of listed nodes in every state
 *
 * Since: 1.0
 */
guint
gossip_cluster_get_n_nodes (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), 0);
  return gossip_node_list_size (self->nodes);
}

/* ------------------------------------------------------------------ */
/* Handlers                                                            */

static gboolean
check_user_type (guint16   type,
                 GError  **error)
{
  if (type >= GOSSIP_USER_MESSAGE_MIN)
    return TRUE;
  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT,
               _("Message type %u is reserved: application types start at %u"),
               type, GOSSIP_USER_MESSAGE_MIN);
  return FALSE;
}

static gboolean
register_handler (GossipCluster  *self,
                  guint16         type,
                  Handler        *h,
                  GError        **error)
{
  if (!check_user_type (type, error) ||
      g_hash_table_contains (self->handlers, GUINT_TO_POINTER (type)))
    {
      if (error == NULL || *error == NULL)
        g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_EXISTS,
                     _("A handler for message type %u is already registered"), type);
      handler_free (h);
      return FALSE;
    }
  g_hash_table_insert (self->handlers, GUINT_TO_POINTER (type), h);
  return TRUE;
}

static Handler *
handler_new (HandlerKind    kind,
             gpointer       func,
             gpointer       user_data,
             GDestroyNotify destroy)
{
  Handler *h = g_new0 (Handler, 1);

  h->ref_count = 1;
  h->kind = kind;
  if (kind == HANDLER_REPLY)
    h->reply_func = (GossipReplyFunc) func;
  else
    h->func = (GossipHandlerFunc) func;
  h->user_data = user_data;
  h->destroy = destroy;
  return h;
}

/**
 * gossip_cluster_handle:
 * @self: a cluster
 * @message_type: an application message type (64 or more)
 * @handler: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is unregistered
 * @error: return location for a #GError
 *
 * Registers a handler for @message_type. Messages of the type are also
 * forwarded to other nodes (before the handler runs), so that a broadcast
 * reaches the whole cluster.
 *
 * Returns: %TRUE on success; %FALSE with @error set if the type is reserved
 *   or already handled
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_handle (GossipCluster     *self,
                       guint16            message_type,
                       GossipHandlerFunc  handler,
                       gpointer           user_data,
                       GDestroyNotify     destroy,
                       GError           **error)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);
  g_return_val_if_fail (handler != NULL, FALSE);
  return register_handler (self, message_type,
                           handler_new (HANDLER_FORWARD, handler, user_data, destroy), error);
}

/**
 * gossip_cluster_handle_no_forward:
 * @self: a cluster
 * @message_type: an application message type (64 or more)
 * @handler: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is unregistered
 * @error: return location for a #GError
 *
 * Like [method@Gossip.Cluster.handle], but messages of the type stop here.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_handle_no_forward (GossipCluster     *self,
                                  guint16            message_type,
                                  GossipHandlerFunc  handler,
                                  gpointer           user_data,
                                  GDestroyNotify     destroy,
                                  GError           **error)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);
  g_return_val_if_fail (handler != NULL, FALSE);
  return register_handler (self, message_type,
                           handler_new (HANDLER_NO_FORWARD, handler, user_data, destroy), error);
}

/**
 * gossip_cluster_handle_with_reply:
 * @self: a cluster
 * @message_type: an application message type (64 or more)
 * @handler: (scope notified) (closure user_data) (destroy destroy): the handler
 * @user_data: data for @handler
 * @destroy: (nullable): frees @user_data when the handler is unregistered
 * @error: return location for a #GError
 *
 * Registers a request handler: requests of @message_type sent with
 * [method@Gossip.Cluster.send_to_with_response_async] get the value the
 * handler returns as their reply.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_handle_with_reply (GossipCluster     *self,
                                  guint16            message_type,
                                  GossipReplyFunc    handler,
                                  gpointer           user_data,
                                  GDestroyNotify     destroy,
                                  GError           **error)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);
  g_return_val_if_fail (handler != NULL, FALSE);
  return register_handler (self, message_type,
                           handler_new (HANDLER_REPLY, handler, user_data, destroy), error);
}

/**
 * gossip_cluster_unregister:
 * @self: a cluster
 * @message_type: a message type
 *
 * Removes the handler of @message_type. A handler may unregister itself
 * (or the handler of any type) while it runs: the destroy notify of its
 * user data runs once the running call has returned.
 *
 * Returns: whether a handler was removed
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_unregister (GossipCluster *self,
                           guint16        message_type)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);

  if (message_type < GOSSIP_USER_MESSAGE_MIN)
    return FALSE;
  return g_hash_table_remove (self->handlers, GUINT_TO_POINTER (message_type));
}

/* ------------------------------------------------------------------ */
/* Application messages                                                */

/* A packet no transport would carry is the caller's error, not a silent
 * drop on the way (peers refuse TCP frames over tcp-max-packet-size). */
static gboolean
check_packet_size (GossipCluster  *self,
                   GBytes         *raw,
                   GError        **error)
{
  gsize size = g_bytes_get_size (raw);

  if (size <= self->cfg->tcp_max_packet_size)
    return TRUE;
  g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_TOO_LARGE,
               _("The message is %" G_GSIZE_FORMAT " bytes once encoded, more than "
                 "tcp-max-packet-size (%u bytes)"), size, self->cfg->tcp_max_packet_size);
  return FALSE;
}

/**
 * gossip_cluster_send_full:
 * @self: a cluster
 * @message_type: an application message type (64 or more)
 * @value: (nullable): the payload value, encoded by the codec
 * @raw_payload: (nullable): already-encoded payload bytes, used instead of @value
 * @flags: how to send
 * @targets: (array length=n_targets) (nullable): the nodes to send to, or
 *   %NULL to broadcast to the cluster
 * @n_targets: the length of @targets
 * @exclude_ids: (array zero-terminated=1) (nullable): IDs of nodes the
 *   first hop must not go to
 * @error: return location for a #GError
 *
 * The general form behind every send function. The packet is encoded once
 * and the same bytes go to every target, carrying a time-to-live so that
 * receivers that forward the type spread it further. A packet too big for a
 * datagram goes over TCP by itself.
 *
 * Returns: %TRUE if the packet was sent on its way
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_send_full (GossipCluster       *self,
                          guint16              message_type,
                          GVariant            *value,
                          GBytes              *raw_payload,
                          GossipSendFlags      flags,
                          GossipNode         **targets,
                          guint                n_targets,
                          const char * const  *exclude_ids,
                          GError             **error)
{
  g_autoptr(GArray) exclude = NULL;
  g_autoptr(GPtrArray) target_array = NULL;
  g_autoptr(GBytes) payload = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GVariant) owned = NULL;
  GossipEnvelope env;
  guint8 ttl;

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), FALSE);

  if (!check_user_type (message_type, error))
    return FALSE;
  if (!self->running)
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                           _("The cluster is not running"));
      return FALSE;
    }

  if (raw_payload != NULL)
    payload = g_bytes_ref (raw_payload);
  else
    {
      if (value != NULL)
        owned = g_variant_ref_sink (value);
      else
        owned = g_variant_ref_sink (g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
      payload = gossip_codec_encode (self->wire.codec, owned, error);
      if (payload == NULL)
        return FALSE;
    }

  exclude = g_array_new (FALSE, FALSE, sizeof (GossipNodeId));
  g_array_append_val (exclude, self->local_id);
  for (guint i = 0; exclude_ids != NULL && exclude_ids[i] != NULL; i++)
    {
      GossipNodeId id;
      if (gossip_node_id_parse (exclude_ids[i], &id))
        g_array_append_val (exclude, id);
    }

  if (targets != NULL)
    {
      guint max_ttl = gossip_cluster_max_ttl (self);

      /* Addressed sends keep Go's TTL, so receivers that forward the
       * type re-gossip them as a Go sender's would be. */
      ttl = (guint8) (max_ttl > 0 ? max_ttl - 1 : 0);
      target_array = g_ptr_array_new ();
      for (guint i = 0; i < n_targets; i++)
        {
          g_return_val_if_fail (GOSSIP_IS_NODE (targets[i]), FALSE);
          g_ptr_array_add (target_array, targets[i]);
        }
    }
  else
    target_array = broadcast_targets (self, (GossipNodeId *) (gpointer) exclude->data, exclude->len, &ttl);

  env = gossip_cluster_envelope (self, message_type, ttl);
  raw = gossip_wire_encode (&self->wire, &env, payload, FALSE, error);
  if (raw == NULL || !check_packet_size (self, raw, error))
    return FALSE;
  gossip_router_remember_own (self->router, env.id);
  if (targets == NULL && (flags & GOSSIP_SEND_RELIABLE) == 0)
    repair_record (self, &self->local_id, env.id, raw); /* broadcast-repair: keep what we broadcast */

  send_to_targets (self, raw, (flags & GOSSIP_SEND_RELIABLE) != 0, target_array, NULL, 0);
  return TRUE;
}

/**
 * gossip_cluster_send:
 * @self: a cluster
 * @message_type: an application message type (64 or more)
 * @value: (nullable): the payload
 * @error: return location for a #GError
 *
 * Broadcasts @value, best effort, to every live node: directly while the
 * cluster has at most [property@Gossip.Config:direct-broadcast-limit] other
 * live nodes, beyond that to a random fan-out whose receivers forward it
 * (when they handle the type with [method@Gossip.Cluster.handle]).
 *
 * Returns: %TRUE if the message was sent on its way
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_send (GossipCluster  *self,
                     guint16         message_type,
                     GVariant       *value,
                     GError        **error)
{
  return gossip_cluster_send_full (self, message_type, value, NULL, GOSSIP_SEND_NONE,
                                   NULL, 0, NULL, error);
}

/**
 * gossip_cluster_send_to:
 * @self: a cluster
 * @node: the destination
 * @message_type: an application message type (64 or more)
 * @value: (nullable): the payload
 * @error: return location for a #GError
 *
 * Sends @value to @node only (best effort). Register the type with
 * [method@Gossip.Cluster.handle_no_forward] on the receiver so that it
 * goes no further.
 *
 * Returns: %TRUE if the message was sent on its way
 *
 * Since: 1.0
 */
gboolean
gossip_cluster_send_to (GossipCluster  *self,
                        GossipNode     *node,
                        guint16         message_type,
                        GVariant       *value,
                        GError        **error)
{
  return gossip_cluster_send_full (self, message_type, value, NULL, GOSSIP_SEND_NONE,
                                   &node, 1, NULL, error);
}

static void
response_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GossipCluster *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, &error);
  GossipWireMessage msg;
  GossipDropReason reason;
  gsize size;
  const guint8 *data;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  data = g_bytes_get_data (reply, &size);
  if (!gossip_wire_decode (&self->wire, data, size, &msg, &reason, &error))
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_PROTOCOL,
                               _("Invalid reply: %s"), error->message);
      return;
    }
  g_task_return_pointer (task, gossip_packet_new (&msg, self->wire.codec, TRUE),
                         (GDestroyNotify) gossip_packet_unref);
  gossip_wire_message_clear (&msg);
}

/**
 * gossip_cluster_send_to_with_response_async:
 * @self: a cluster
 * @node: the node to ask
 * @message_type: a type @node handles with [method@Gossip.Cluster.handle_with_reply]
 * @value: (nullable): the request payload
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the reply
 * @user_data: data for @callback
 *
 * Sends a request over TCP and waits for the reply.
 *
 * Since: 1.0
 */
void
gossip_cluster_send_to_with_response_async (GossipCluster       *self,
                                            GossipNode          *node,
                                            guint16              message_type,
                                            GVariant            *value,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) raw = NULL;
  g_autoptr(GVariant) owned = NULL;
  GossipEnvelope env;

  g_return_if_fail (GOSSIP_IS_CLUSTER (self));
  g_return_if_fail (GOSSIP_IS_NODE (node));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gossip_cluster_send_to_with_response_async);

  if (!check_user_type (message_type, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!self->running)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING,
                               _("The cluster is not running"));
      return;
    }

  owned = g_variant_ref_sink (value ? value : g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
  env = gossip_cluster_envelope (self, message_type, 1);
  raw = gossip_wire_encode_value (&self->wire, &env, owned, &error);
  if (raw == NULL || !check_packet_size (self, raw, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  self->packets_out++;
  gossip_transport_request_async (self->transport, gossip_node_get_address (node), raw,
                                  GOSSIP_REQUEST_REPLY, cancellable, response_cb,
                                  g_steal_pointer (&task));
}

/**
 * gossip_cluster_send_to_with_response_finish:
 * @self: a cluster
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the reply, or %NULL with @error set
 *
 * Since: 1.0
 */
GossipPacket *
gossip_cluster_send_to_with_response_finish (GossipCluster  *self,
                                             GAsyncResult   *result,
                                             GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
