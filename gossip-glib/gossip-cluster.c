/* gossip-cluster.c: the public façade of a cluster node.
 *
 * A GossipCluster owns the wire pipeline, the transport and the three layer
 * objects, wired at construction: the router (packets in and out), the
 * membership (node list and its state machine) and health (failure
 * detection); and the application's handler registry. Every packet enters
 * through receive_cb(), which opens a dispatch and hands it to the router;
 * the router gives application types back to user_receive_cb(). The public
 * signals are re-emitted from membership's observer after each dispatch
 * (gossip-cluster-events.c). Everything runs on the GMainContext that was
 * thread-default when the cluster was constructed.
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
#include "gossip-node-model-private.h"
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
  PROP_NODES,
  PROP_N_NODES,
  PROP_N_SUSPECT,
  PROP_N_DEAD,
  PROP_N_LEAVING,
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
  /* After stop(), a leave still in flight closes the transport itself. */
  if (self->transport != NULL &&
      (self->router == NULL || !gossip_router_is_closing (self->router)))
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
  g_clear_object (&self->node_model);
  g_clear_pointer (&self->health, gossip_health_free);
  g_clear_pointer (&self->membership, gossip_membership_free);
  self->nodes = NULL;
  self->local = NULL;
  g_clear_pointer (&self->router, gossip_router_free);
  g_clear_object (&self->transport);
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
      /* A snapshot, so that later changes to the caller's object cannot
       * reach a running cluster. */
      if (g_value_get_object (value) != NULL)
        self->config = gossip_config_snapshot (g_value_get_object (value));
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
    case PROP_NODES:
      g_value_set_object (value, self->nodes ? gossip_cluster_get_nodes (self) : NULL);
      break;
    case PROP_N_NODES:
    case PROP_N_SUSPECT:
    case PROP_N_DEAD:
    case PROP_N_LEAVING:
      g_value_set_uint (value, self->nodes == NULL ? 0 :
                        prop_id == PROP_N_NODES ? gossip_node_list_size (self->nodes) :
                        gossip_node_list_count (self->nodes,
                                                prop_id == PROP_N_SUSPECT ? GOSSIP_NODE_STATE_SUSPECT :
                                                prop_id == PROP_N_DEAD ? GOSSIP_NODE_STATE_DEAD :
                                                GOSSIP_NODE_STATE_LEAVING));
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
   * The configuration the cluster was made with. Reading it gives the
   * snapshot taken at construction, which is what the cluster uses: it
   * refuses changes (with a warning), and changes to the object passed
   * in do not reach the cluster.
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
  /**
   * GossipCluster:nodes:
   *
   * Every known node, as [method@Gossip.Cluster.get_nodes] returns them: a
   * read-only #GListModel of [class@Gossip.Node] that a GTK list view can
   * follow.
   *
   * Since: 1.0
   */
  props[PROP_NODES] = g_param_spec_object ("nodes", NULL, NULL, G_TYPE_LIST_MODEL,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * GossipCluster:n-nodes:
   *
   * The number of known nodes in every state, the local node included.
   * Notifies when it changes.
   *
   * Since: 1.0
   */
  props[PROP_N_NODES] = g_param_spec_uint ("n-nodes", NULL, NULL, 0, G_MAXUINT, 0,
                                           G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                           G_PARAM_EXPLICIT_NOTIFY);
  /**
   * GossipCluster:n-suspect:
   *
   * The number of suspected nodes. Notifies when it changes.
   *
   * Since: 1.0
   */
  props[PROP_N_SUSPECT] = g_param_spec_uint ("n-suspect", NULL, NULL, 0, G_MAXUINT, 0,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                             G_PARAM_EXPLICIT_NOTIFY);
  /**
   * GossipCluster:n-dead:
   *
   * The number of dead nodes still listed. Notifies when it changes.
   *
   * Since: 1.0
   */
  props[PROP_N_DEAD] = g_param_spec_uint ("n-dead", NULL, NULL, 0, G_MAXUINT, 0,
                                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                          G_PARAM_EXPLICIT_NOTIFY);
  /**
   * GossipCluster:n-leaving:
   *
   * The number of nodes that announced their leave. Notifies when it
   * changes.
   *
   * Since: 1.0
   */
  props[PROP_N_LEAVING] = g_param_spec_uint ("n-leaving", NULL, NULL, 0, G_MAXUINT, 0,
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
   * Why the node changed is in [property@Gossip.Node:state-reason] and
   * [property@Gossip.Node:state-reason-detail], already set when the
   * signal is emitted.
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
  gossip_cluster_events_init (self);
}

void
gossip_cluster_signal_state_changed (GossipCluster   *self,
                                     GossipNode      *node,
                                     GossipNodeState  old_state,
                                     GossipNodeState  new_state)
{
  /* Each count property of the old and the new state changed; UNKNOWN on
   * either side is a node added to or removed from the list. */
  static const guint count_props[] = {
    [GOSSIP_NODE_STATE_UNKNOWN] = PROP_N_NODES,
    [GOSSIP_NODE_STATE_ALIVE] = PROP_N_ALIVE,
    [GOSSIP_NODE_STATE_SUSPECT] = PROP_N_SUSPECT,
    [GOSSIP_NODE_STATE_DEAD] = PROP_N_DEAD,
    [GOSSIP_NODE_STATE_LEAVING] = PROP_N_LEAVING,
  };

  g_signal_emit (self, signals[SIGNAL_NODE_STATE_CHANGED], 0, node, old_state, new_state);
  if (old_state == new_state)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if ((guint) old_state < G_N_ELEMENTS (count_props))
    g_object_notify_by_pspec (G_OBJECT (self), props[count_props[old_state]]);
  if ((guint) new_state < G_N_ELEMENTS (count_props))
    g_object_notify_by_pspec (G_OBJECT (self), props[count_props[new_state]]);
  g_object_thaw_notify (G_OBJECT (self));
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
  self->wire.max_datagram_payload_size = cfg->udp_max_decompressed_size;
  self->wire.max_decode_elements = cfg->max_decode_elements;
  return TRUE;
}

static void receive_cb (GBytes *raw, gboolean reliable, GossipIncoming *incoming, gpointer user_data);
static gboolean user_receive_cb (GossipReceived *rx, GVariant *payload, gpointer data);
static GossipMembershipHost membership_host (GossipCluster *self);
static const GossipMembershipObserver cluster_observer;
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
        .max_per_source = cfg->tcp_max_connections_per_source,
        .inbound_budget = cfg->tcp_inbound_budget,
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
    {
      /* A wildcard bind (0.0.0.0, ::) is not an address a peer can dial. */
      g_autofree char *local = gossip_transport_get_local_address (self->transport);
      self->advertise_address = gossip_address_advertisable (local);
    }
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
  GossipMembershipHost host;
  GossipHealthHost health_host;

  if (self->config == NULL)
    {
      g_autoptr(GossipConfig) defaults = gossip_config_new ();
      self->config = gossip_config_snapshot (defaults);
    }
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

  {
    GossipRouterLimits limits = {
      .udp_max_packet_size = self->cfg->udp_max_packet_size,
      .history_max_age_ms = self->cfg->msg_history_max_age,
      .replay_window_ms = self->cfg->replay_window,
      .direct_broadcast_limit = self->cfg->direct_broadcast_limit,
      .fan_out_multiplier = self->cfg->fan_out_multiplier,
      .ttl_multiplier = self->cfg->ttl_multiplier,
      .force_reliable = self->cfg->force_reliable_transport,
    };
    self->router = gossip_router_new (&self->wire, self->transport, self->context, &self->local_id,
                                      self->advertise_address, &limits);
  }
  metadata = gossip_metadata_new ();
  host = membership_host (self);
  self->membership = gossip_membership_new (self->cfg, self->context, self->router, self->transport,
                                            &self->local_id, self->advertise_address, metadata, &host);
  self->nodes = gossip_membership_get_nodes (self->membership);
  self->local = gossip_membership_get_local (self->membership);
  health_host = (GossipHealthHost) { host.dispatcher, G_OBJECT (self) };
  self->health = gossip_health_new (self->cfg, self->context, self->router, self->membership, &health_host);
  gossip_router_set_user_receiver (self->router, user_receive_cb, self);
  /* After health's: health's records are up to date when the public
   * signal is queued (or, outside a dispatch, emitted). */
  gossip_membership_add_observer (self->membership, &cluster_observer, self);
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
 * Gets the configuration the cluster uses: the snapshot of the #GossipConfig
 * taken at construction. It refuses changes with a warning.
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
  gossip_membership_start (self->membership);
  gossip_health_start (self->health);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_RUNNING]);
}

/* How long stop() lets reliable sends already in flight (its leave, over
 * TCP) finish before the transport closes. */
#define LEAVE_LINGER_MS 1000

static void
shut_down (GossipCluster *self,
           gboolean       linger)
{
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
  gossip_router_stop (self->router);  /* nothing more goes out */
  destroy_source (&self->history_timer);
  destroy_source (&self->gossip_timer);
  destroy_source (&self->metadata_idle);
  gossip_membership_stop (self->membership);
  gossip_health_stop (self->health);
  /* The leave went out over TCP: nothing more is received, but its
   * connections get up to LEAVE_LINGER_MS to deliver before the router
   * closes the transport, even if the cluster is unreferenced at once. */
  if (linger && gossip_router_get_sends_in_flight (self->router) > 0)
    {
      gossip_transport_set_receive_func (self->transport, NULL, NULL);
      gossip_router_close_after_sends (self->router, LEAVE_LINGER_MS);
    }
  else
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
    shut_down (self, FALSE);
}

/**
 * gossip_cluster_stop:
 * @self: a cluster
 *
 * Leaves the cluster (unless already leaving), closes the sockets and
 * stops all periodic work. A stopped cluster cannot be started again.
 *
 * When the leave goes over TCP (with
 * [property@Gossip.Config:force-reliable-transport], or to peers reached
 * only that way), stop() returns at once but lets those sends finish for
 * up to one second on the cluster's main context before the sockets
 * close, so that peers see the node as Leaving rather than suspect it.
 * Nothing is received or emitted after stop() returns.
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

  shut_down (self, TRUE);
}

/**
 * gossip_cluster_is_running:
 * @self: a cluster
 *
 * Tells whether the cluster was started and not yet stopped; the same value
 * as [property@Gossip.Cluster:running].
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

/**
 * gossip_cluster_calc_fan_out:
 * @self: a cluster
 *
 * Computes how many peers a broadcast is sent to first: ceil(log2(n) ×
 * [property@Gossip.Config:fan-out-multiplier]), at least 1 and at most 10,
 * for the n alive and suspect nodes (BEHAVIOUR.md §3.2, as in Go).
 *
 * Returns: how many peers a broadcast goes to first
 *
 * Since: 1.0
 */
guint
gossip_cluster_calc_fan_out (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), 0);
  return gossip_router_fan_out (self->router);
}

/**
 * gossip_cluster_calc_payload_size:
 * @self: a cluster
 * @n: the number of items to choose from
 *
 * Computes how many node states one push/pull state exchange carries when
 * there are @n to choose from: ceil(log2(n) × [property@Gossip.Config:state-
 * exchange-multiplier]) plus a small constant, capped, as in Go.
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
  return gossip_router_log_formula (n, self->cfg->state_exchange_multiplier, 2, 16);
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

void
gossip_cluster_broadcast (GossipCluster *self,
                          guint16        type,
                          GVariant      *payload,
                          gboolean       reliable)
{
  gossip_router_broadcast (self->router, type, payload, reliable);
}

/* What the cluster gives membership: its dispatch, its notification
 * freeze, and itself to keep alive while requests are in flight. */
static gpointer
host_dispatch_begin (gpointer data)
{
  return gossip_cluster_dispatch_begin (data);
}

static void
host_dispatch_end (gpointer token)
{
  gossip_cluster_dispatch_end (token);
}

static void
host_hold_node (gpointer    data,
                GossipNode *node)
{
  gossip_cluster_hold_node_notify (data, node);
}

static GossipMembershipHost
membership_host (GossipCluster *self)
{
  GossipMembershipHost host = {
    .dispatcher = { host_dispatch_begin, host_dispatch_end, self },
    .hold_node = host_hold_node,
    .data = self,
    .owner = G_OBJECT (self),
  };
  return host;
}

/* Membership's transitions, complete: re-emitted as the public signals
 * (queued until the dispatch ends). */
static void
membership_state_changed_cb (gpointer         data,
                             GossipNode      *node,
                             GossipNodeState  old_state,
                             GossipNodeState  new_state)
{
  gossip_cluster_emit_state_changed (data, node, old_state, new_state);
}

static void
membership_metadata_changed_cb (gpointer    data,
                                GossipNode *node)
{
  gossip_cluster_emit_metadata_changed (data, node);
}

static const GossipMembershipObserver cluster_observer = {
  .state_changed = membership_state_changed_cb,
  .metadata_changed = membership_metadata_changed_cb,
};

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

/* ::message, detailed by the type in decimal. Only types somebody listens
 * to have a quark, so untrusted types create none. */
static void
emit_message (GossipCluster *self,
              GossipReceived *rx,
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

static gboolean
user_receive_cb (GossipReceived *rx,
                 GVariant       *unused,
                 gpointer        data)
{
  GossipCluster *self = data;
  GossipNode *known = gossip_node_list_lookup (self->nodes, &rx->msg.envelope.sender);
  g_autoptr(GossipNode) sender = known != NULL ? g_object_ref (known) : NULL;
  Handler *h = g_hash_table_lookup (self->handlers, GUINT_TO_POINTER (rx->msg.envelope.type));
  g_autoptr(GossipPacket) packet = NULL;

  if (h == NULL)
    {
      /* Unknown types are relayed, so nodes that lack a handler still
       * carry the epidemic (BEHAVIOUR.md §4.3). */
      gossip_router_forward (self->router, rx);
      emit_message (self, rx, sender, NULL);
      return TRUE;
    }

  packet = gossip_packet_new (&rx->msg, self->wire.codec, rx->reliable);
  h->ref_count++;
  switch (h->kind)
    {
    case HANDLER_FORWARD:
      gossip_router_forward (self->router, rx);
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
            gossip_router_reply (self->router, rx, value);
          }
      }
      break;
    case HANDLER_STREAM:
      gossip_cluster_streams_dispatch (self, rx, sender, packet, h);
      break;
    }
  handler_free (h);
  emit_message (self, rx, sender, packet);
  return TRUE;
}

static void
receive_cb (GBytes         *raw,
            gboolean        reliable,
            GossipIncoming *incoming,
            gpointer        user_data)
{
  GossipCluster *self = user_data;
  g_autoptr(GossipDispatch) dispatch = gossip_cluster_dispatch_begin (self);

  if (!self->running)
    return;
  gossip_router_receive (self->router, raw, reliable, incoming);
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
      gossip_membership_add_join_peer (self->membership, peers[i]);

      if (g_str_equal (peers[i], self->advertise_address))
        continue;
      state->pending++;
      gossip_membership_join_address (self->membership, peers[i], g_object_ref (task));
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
 * Finishes a join started with [method@Gossip.Cluster.join_async].
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
  g_return_if_fail (GOSSIP_IS_CLUSTER (self));

  if (self->stopped)
    return;
  gossip_membership_leave (self->membership, self->running);
}

/* ------------------------------------------------------------------ */
/* Queries                                                             */

/**
 * gossip_cluster_get_local_node:
 * @self: a cluster
 *
 * Gets the node that stands for this cluster member in its own node list.
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
 * Gets the address peers use to reach this node:
 * [property@Gossip.Config:advertise-address] if set, otherwise the bound
 * address, with a wildcard host (0.0.0.0, ::) replaced by the first non-
 * loopback interface address.
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
 * Looks a node up by its ID.
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
 * list model that a GTK list view can show. The model is read-only; the
 * cluster adds and removes nodes and emits #GListModel::items-changed.
 *
 * Returns: (transfer none): a #GListModel of #GossipNode
 *
 * Since: 1.0
 */
GListModel *
gossip_cluster_get_nodes (GossipCluster *self)
{
  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);
  g_return_val_if_fail (self->nodes != NULL, NULL);

  if (self->node_model == NULL)
    self->node_model = gossip_node_model_new (gossip_node_list_get_model (self->nodes));
  return self->node_model;
}

/**
 * gossip_cluster_get_alive_nodes:
 * @self: a cluster
 *
 * Lists the nodes that are alive now, as a new array (a snapshot, unlike
 * [method@Gossip.Cluster.get_nodes]).
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
 * Counts the alive nodes; the same value as
 * [property@Gossip.Cluster:n-alive].
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
 * Counts the suspected nodes; the same value as
 * [property@Gossip.Cluster:n-suspect].
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
 * Counts the dead nodes not yet forgotten; the same value as
 * [property@Gossip.Cluster:n-dead].
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
 * Counts the nodes that announced a graceful leave; the same value as
 * [property@Gossip.Cluster:n-leaving].
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
 * "tcp-oversize", "tcp-timeouts", "tcp-connections-evicted" (idle inbound
 * connections closed for a new one), "tcp-accept-errors" (each pausing the
 * listener), "tcp-budget-waits" (request bodies paused at
 * [property@Gossip.Config:tcp-inbound-budget]), "send-failures", "dedup-hits", "probes",
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
  GossipHealthCounters hc;
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
    [GOSSIP_DROP_CLOCK_SKEW] = "drop-clock-skew",
    [GOSSIP_DROP_JOIN_RATE] = "drop-join-rate",
    [GOSSIP_DROP_JOIN_OUT_RATE] = "drop-join-out-rate",
    [GOSSIP_DROP_NODE_LIMIT] = "drop-node-limit",
  };

  g_return_val_if_fail (GOSSIP_IS_CLUSTER (self), NULL);

  gossip_transport_get_counters (self->transport, &tc);
  stats = gossip_stats_new ();
  gossip_stats_add (stats, "packets-in", gossip_router_get_packets_in (self->router));
  gossip_stats_add (stats, "packets-out", gossip_router_get_packets_out (self->router));
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
  gossip_stats_add (stats, "tcp-connections-evicted", tc.drops_evicted);
  gossip_stats_add (stats, "tcp-accept-errors", tc.accept_errors);
  gossip_stats_add (stats, "tcp-budget-waits", tc.budget_waits);
  gossip_stats_add (stats, "send-failures", tc.drops_send_failure);
  gossip_stats_add (stats, "dedup-hits", gossip_router_get_drops (self->router, GOSSIP_DROP_DUPLICATE));
  gossip_health_get_counters (self->health, &hc);
  gossip_stats_add (stats, "probes", hc.probes);
  gossip_stats_add (stats, "probe-failures", hc.probe_failures);
  gossip_stats_add (stats, "suspicions", hc.suspicions);
  gossip_stats_add (stats, "refutations", gossip_membership_get_refutations (self->membership));
  gossip_stats_add (stats, "local-health", hc.local_health);
  { /* broadcast-repair: counters */
    GossipBroadcastRepairCounters rc;
    GossipBroadcastRepairCounters zero = { 0 };
    if (self->router != NULL)
      gossip_router_repair_counters (self->router, &rc);
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
 * Counts the known nodes in every state, the local node included; the same
 * value as [property@Gossip.Cluster:n-nodes].
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

gboolean
gossip_cluster_register_handler (GossipCluster  *self,
                                 guint16         type,
                                 Handler        *h,
                                 GError        **error)
{
  return register_handler (self, type, h, error);
}

void
gossip_cluster_handler_release (Handler *h)
{
  handler_free (h);
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
               /* Plain %llu: xgettext cannot see through G_GSIZE_FORMAT. */
               _("The message is %llu bytes once encoded, more than "
                 "tcp-max-packet-size (%u bytes)"),
               (unsigned long long) size, self->cfg->tcp_max_packet_size);
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
      /* Addressed sends keep Go's TTL, so receivers that forward the
       * type re-gossip them as a Go sender's would be. */
      ttl = gossip_router_addressed_ttl (self->router);
      target_array = g_ptr_array_new ();
      for (guint i = 0; i < n_targets; i++)
        {
          g_return_val_if_fail (GOSSIP_IS_NODE (targets[i]), FALSE);
          if (targets[i] != self->local)
            g_ptr_array_add (target_array, (gpointer) gossip_node_get_address (targets[i]));
        }
    }
  else
    target_array = gossip_router_broadcast_targets (self->router, (GossipNodeId *) (gpointer) exclude->data,
                                                    exclude->len, &ttl);

  env = gossip_cluster_envelope (self, message_type, ttl);
  raw = gossip_wire_encode (&self->wire, &env, payload, FALSE, error);
  if (raw == NULL || !check_packet_size (self, raw, error))
    return FALSE;
  /* broadcast-repair: keep what we broadcast */
  gossip_router_send_own (self->router, env.id, raw, (flags & GOSSIP_SEND_RELIABLE) != 0,
                          targets == NULL, target_array);
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
  gossip_router_count_packet_out (self->router);
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
 * Finishes a request started with
 * [method@Gossip.Cluster.send_to_with_response_async] and returns the reply.
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
