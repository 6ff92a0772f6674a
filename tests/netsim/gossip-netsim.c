/* gossip-netsim.c: the test network conditioner, a transport decorator.
 *
 * Rules are process-wide so that a test can partition clusters it created
 * without holding their transports. Each send consults the rules for its
 * (local address, destination address) link.
 */
#include "config.h"

#include "gossip-error.h"
#include "gossip-cluster-private.h"
#include "gossip-netsim.h"

typedef struct {
  char    *from;
  char    *to;
  double   loss;
  guint    delay_ms;
  gboolean block;
} Rule;

static GMutex lock;
static gboolean enabled;
static GPtrArray *rules;
static guint64 dropped;
static GRand *rng;

static void
rule_free (gpointer data)
{
  Rule *r = data;

  g_free (r->from);
  g_free (r->to);
  g_free (r);
}

void
gossip_netsim_enable (void)
{
  g_mutex_lock (&lock);
  enabled = TRUE;
  gossip_cluster_set_transport_wrapper (gossip_netsim_transport_new);
  if (rules == NULL)
    rules = g_ptr_array_new_with_free_func (rule_free);
  if (rng == NULL)
    rng = g_rand_new ();
  g_mutex_unlock (&lock);
}

gboolean
gossip_netsim_is_enabled (void)
{
  gboolean on;

  g_mutex_lock (&lock);
  on = enabled;
  g_mutex_unlock (&lock);
  return on;
}

void
gossip_netsim_reset (void)
{
  g_mutex_lock (&lock);
  if (rules != NULL)
    g_ptr_array_set_size (rules, 0);
  g_mutex_unlock (&lock);
}

static void
add_rule (const char *from,
          const char *to,
          double      loss,
          guint       delay_ms,
          gboolean    block)
{
  Rule *r = g_new0 (Rule, 1);

  r->from = g_strdup (from);
  r->to = g_strdup (to);
  r->loss = loss;
  r->delay_ms = delay_ms;
  r->block = block;
  gossip_netsim_enable ();
  g_mutex_lock (&lock);
  g_ptr_array_add (rules, r);
  g_mutex_unlock (&lock);
}

void
gossip_netsim_set_loss (const char *from,
                        const char *to,
                        double      probability)
{
  add_rule (from, to, CLAMP (probability, 0.0, 1.0), 0, FALSE);
}

void
gossip_netsim_set_delay (const char *from,
                         const char *to,
                         guint       delay_ms)
{
  add_rule (from, to, 0.0, delay_ms, FALSE);
}

void
gossip_netsim_block (const char *from,
                     const char *to)
{
  add_rule (from, to, 0.0, 0, TRUE);
}

void
gossip_netsim_partition (const char * const *a,
                         const char * const *b)
{
  for (guint i = 0; a[i] != NULL; i++)
    for (guint j = 0; b[j] != NULL; j++)
      {
        gossip_netsim_block (a[i], b[j]);
        gossip_netsim_block (b[j], a[i]);
      }
}

guint64
gossip_netsim_get_dropped (void)
{
  guint64 n;

  g_mutex_lock (&lock);
  n = dropped;
  g_mutex_unlock (&lock);
  return n;
}

typedef enum { PASS, DROP } Verdict;

static Verdict
judge (const char *from,
       const char *to,
       gboolean    datagram,
       guint      *delay_ms)
{
  Verdict verdict = PASS;

  *delay_ms = 0;
  g_mutex_lock (&lock);
  for (guint i = 0; rules != NULL && i < rules->len; i++)
    {
      Rule *r = rules->pdata[i];

      if ((r->from != NULL && g_strcmp0 (r->from, from) != 0) ||
          (r->to != NULL && g_strcmp0 (r->to, to) != 0))
        continue;
      if (r->block || (datagram && r->loss > 0 && g_rand_double (rng) < r->loss))
        verdict = DROP;
      *delay_ms = MAX (*delay_ms, r->delay_ms);
    }
  if (verdict == DROP)
    dropped++;
  g_mutex_unlock (&lock);
  return verdict;
}

/* ------------------------------------------------------------------ */

#define GOSSIP_TYPE_NETSIM_TRANSPORT (gossip_netsim_transport_get_type ())
G_DECLARE_FINAL_TYPE (GossipNetsimTransport, gossip_netsim_transport, GOSSIP, NETSIM_TRANSPORT, GObject)

struct _GossipNetsimTransport
{
  GObject          parent_instance;
  GossipTransport *inner;
  char            *local;
  GMainContext    *context;
};

static void gossip_netsim_transport_iface_init (GossipTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GossipNetsimTransport, gossip_netsim_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GOSSIP_TYPE_TRANSPORT,
                                                      gossip_netsim_transport_iface_init))

static void
gossip_netsim_transport_finalize (GObject *object)
{
  GossipNetsimTransport *self = GOSSIP_NETSIM_TRANSPORT (object);

  if (self->inner != NULL)
    gossip_transport_set_receive_func (self->inner, NULL, NULL);
  g_clear_object (&self->inner);
  g_free (self->local);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (gossip_netsim_transport_parent_class)->finalize (object);
}

static void
gossip_netsim_transport_class_init (GossipNetsimTransportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gossip_netsim_transport_finalize;
}

static void
gossip_netsim_transport_init (GossipNetsimTransport *self)
{
  self->context = g_main_context_ref_thread_default ();
}

/* Received packets pass through unconditioned: what the inner transport
 * delivers, the decorator delivers. */
static void
netsim_inner_receive (GBytes         *raw,
                      gboolean        reliable,
                      GossipIncoming *incoming,
                      gpointer        user_data)
{
  gossip_transport_deliver (GOSSIP_TRANSPORT (user_data), raw, reliable, incoming);
}

static char *
netsim_get_local_address (GossipTransport *transport)
{
  return gossip_transport_get_local_address (GOSSIP_NETSIM_TRANSPORT (transport)->inner);
}

typedef struct {
  GossipNetsimTransport *self;
  char                  *address;
  GBytes                *raw;
} Delayed;

static gboolean
delayed_datagram_cb (gpointer user_data)
{
  Delayed *d = user_data;

  gossip_transport_send_datagram (d->self->inner, d->address, d->raw);
  g_object_unref (d->self);
  g_free (d->address);
  g_bytes_unref (d->raw);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static void
netsim_send_datagram (GossipTransport *transport,
                      const char      *address,
                      GBytes          *raw)
{
  GossipNetsimTransport *self = GOSSIP_NETSIM_TRANSPORT (transport);
  guint delay;
  Delayed *d;
  GSource *source;

  if (judge (self->local, address, TRUE, &delay) == DROP)
    return;
  if (delay == 0)
    {
      gossip_transport_send_datagram (self->inner, address, raw);
      return;
    }
  d = g_new0 (Delayed, 1);
  d->self = g_object_ref (self);
  d->address = g_strdup (address);
  d->raw = g_bytes_ref (raw);
  source = g_timeout_source_new (delay);
  g_source_set_callback (source, delayed_datagram_cb, d, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
inner_request_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GBytes *reply = gossip_transport_request_finish (GOSSIP_TRANSPORT (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, reply, (GDestroyNotify) g_bytes_unref);
}

static void
netsim_request_async (GossipTransport     *transport,
                      const char          *address,
                      GBytes              *raw,
                      GossipRequestKind    kind,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GossipNetsimTransport *self = GOSSIP_NETSIM_TRANSPORT (transport);
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  guint delay;

  if (judge (self->local, address, FALSE, &delay) == DROP)
    {
      g_task_return_new_error (task, GOSSIP_ERROR, GOSSIP_ERROR_CONNECT,
                               "netsim: %s cannot reach %s", self->local, address);
      g_object_unref (task);
      return;
    }
  gossip_transport_request_async (self->inner, address, raw, kind, cancellable,
                                  inner_request_cb, task);
}

static GBytes *
netsim_request_finish (GossipTransport  *transport,
                       GAsyncResult     *result,
                       GError          **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
netsim_forget_address (GossipTransport *transport,
                       const char      *address)
{
  gossip_transport_forget_address (GOSSIP_NETSIM_TRANSPORT (transport)->inner, address);
}

static void
netsim_close (GossipTransport *transport)
{
  gossip_transport_close (GOSSIP_NETSIM_TRANSPORT (transport)->inner);
}

static void
netsim_get_counters (GossipTransport         *transport,
                     GossipTransportCounters *out)
{
  gossip_transport_get_counters (GOSSIP_NETSIM_TRANSPORT (transport)->inner, out);
}

static void
gossip_netsim_transport_iface_init (GossipTransportInterface *iface)
{
  iface->get_counters = netsim_get_counters;
  iface->get_local_address = netsim_get_local_address;
  iface->send_datagram = netsim_send_datagram;
  iface->request_async = netsim_request_async;
  iface->request_finish = netsim_request_finish;
  iface->forget_address = netsim_forget_address;
  iface->close = netsim_close;
}

GossipTransport *
gossip_netsim_transport_new (GossipTransport *inner,
                             const char      *local_address)
{
  GossipNetsimTransport *self = g_object_new (GOSSIP_TYPE_NETSIM_TRANSPORT, NULL);

  self->inner = g_object_ref (inner);
  gossip_transport_set_receive_func (inner, netsim_inner_receive, self);
  self->local = g_strdup (local_address);
  return GOSSIP_TRANSPORT (self);
}
