/* gossip-transport.c: the GossipTransport interface and GossipIncoming.
 *
 * The interface is what the cluster uses to move raw packets without
 * knowing whether they travel over UDP/TCP or WebSocket. GossipIncoming is
 * shared by all implementations: a refcounted handle on a received reliable
 * request that lets the receiver reply later, or close by letting go. */
#include "config.h"

#include <string.h>

#include "gossip-transport-private.h"

G_DEFINE_INTERFACE (GossipTransport, gossip_transport, G_TYPE_OBJECT)

static void
gossip_transport_default_init (GossipTransportInterface *iface)
{
}

void
gossip_transport_set_receive_func (GossipTransport            *self,
                                   GossipTransportReceiveFunc  func,
                                   gpointer                    user_data)
{
  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));

  GOSSIP_TRANSPORT_GET_IFACE (self)->set_receive_func (self, func, user_data);
}

char *
gossip_transport_get_local_address (GossipTransport *self)
{
  GossipTransportInterface *iface;

  g_return_val_if_fail (GOSSIP_IS_TRANSPORT (self), NULL);

  iface = GOSSIP_TRANSPORT_GET_IFACE (self);
  if (iface->get_local_address == NULL)
    return NULL;
  return iface->get_local_address (self);
}

void
gossip_transport_send_datagram (GossipTransport *self,
                                const char      *address,
                                GBytes          *raw)
{
  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (raw != NULL);

  GOSSIP_TRANSPORT_GET_IFACE (self)->send_datagram (self, address, raw);
}

void
gossip_transport_request_async (GossipTransport     *self,
                                const char          *address,
                                GBytes              *raw,
                                GossipRequestKind    kind,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));
  g_return_if_fail (address != NULL);
  g_return_if_fail (raw != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  GOSSIP_TRANSPORT_GET_IFACE (self)->request_async (self, address, raw, kind,
                                                    cancellable, callback, user_data);
}

GBytes *
gossip_transport_request_finish (GossipTransport  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  g_return_val_if_fail (GOSSIP_IS_TRANSPORT (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return GOSSIP_TRANSPORT_GET_IFACE (self)->request_finish (self, result, error);
}

void
gossip_transport_forget_address (GossipTransport *self,
                                 const char      *address)
{
  GossipTransportInterface *iface;

  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));

  iface = GOSSIP_TRANSPORT_GET_IFACE (self);
  if (address != NULL && iface->forget_address != NULL)
    iface->forget_address (self, address);
}

void
gossip_transport_close (GossipTransport *self)
{
  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));

  GOSSIP_TRANSPORT_GET_IFACE (self)->close (self);
}

void
gossip_transport_get_counters (GossipTransport         *self,
                               GossipTransportCounters *out)
{
  GossipTransportInterface *iface;

  g_return_if_fail (GOSSIP_IS_TRANSPORT (self));

  memset (out, 0, sizeof *out);
  iface = GOSSIP_TRANSPORT_GET_IFACE (self);
  if (iface->get_counters != NULL)
    iface->get_counters (self, out);
}

/* ---- GossipIncoming ---- */

struct _GossipIncoming
{
  gatomicrefcount            ref_count;
  const GossipIncomingFuncs *funcs;
  gpointer                   impl;
  GSocketAddress            *remote_address;
  gboolean                   replied;
};

GossipIncoming *
gossip_incoming_new (const GossipIncomingFuncs *funcs,
                     gpointer                   impl,
                     GSocketAddress            *remote_address)
{
  GossipIncoming *self;

  g_return_val_if_fail (funcs != NULL && funcs->reply != NULL && funcs->release != NULL, NULL);
  g_return_val_if_fail (remote_address == NULL || G_IS_SOCKET_ADDRESS (remote_address), NULL);

  self = g_new0 (GossipIncoming, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->funcs = funcs;
  self->impl = impl;
  self->remote_address = remote_address != NULL ? g_object_ref (remote_address) : NULL;
  return self;
}

GossipIncoming *
gossip_incoming_ref (GossipIncoming *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
gossip_incoming_unref (GossipIncoming *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  self->funcs->release (self->impl);
  g_clear_object (&self->remote_address);
  g_free (self);
}

void
gossip_incoming_reply (GossipIncoming *self,
                       GBytes         *raw)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (raw != NULL);

  /* The protocol allows exactly one reply per connection. */
  if (self->replied)
    {
      g_debug ("Ignoring a second reply on one incoming request");
      return;
    }
  self->replied = TRUE;
  self->funcs->reply (self->impl, raw);
}

GSocketAddress *
gossip_incoming_get_remote_address (GossipIncoming *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->remote_address;
}
