/* gossip-cluster-events.c: public membership signals, after the fact.
 *
 * A received packet or a timer may change many nodes (a push/pull merge, a
 * suspicion that ends in a refutation). User handlers must not run in the
 * middle of that: they would see a half-merged list, and a handler that
 * stops the cluster or drops a handler would pull the floor from under the
 * code that called it. So every entry point from the main loop brackets its
 * work with gossip_cluster_dispatch_begin()/_end(); inside, the
 * ::node-state-changed and ::node-metadata-changed emissions are queued and
 * the node's property notifications frozen, and the outermost _end()
 * delivers them in order once the work is complete. Outside a dispatch (an
 * API call made by the application) they are delivered at once, as before.
 */
#include "config.h"

#include "gossip-cluster-private.h"

typedef enum {
  EVENT_THAW,       /* deliver the node's frozen notify::state & co. */
  EVENT_STATE,
  EVENT_METADATA,
} EventKind;

typedef struct {
  EventKind        kind;
  GossipNode      *node;
  GossipNodeState  old_state;
  GossipNodeState  new_state;
} Event;

static gboolean
deferring (GossipCluster *self)
{
  return self->dispatch_depth > 0 || self->flushing;
}

static void
push (GossipCluster   *self,
      EventKind        kind,
      GossipNode      *node,
      GossipNodeState  old_state,
      GossipNodeState  new_state)
{
  Event *ev = g_new0 (Event, 1);

  ev->kind = kind;
  ev->node = g_object_ref (node);
  ev->old_state = old_state;
  ev->new_state = new_state;
  g_queue_push_tail (&self->pending_events, ev);
}

static void
flush (GossipCluster *self)
{
  Event *ev;

  if (self->flushing)
    return;
  self->flushing = TRUE;
  /* Handlers may cause new events (leave, stop): they join the queue and
   * are delivered by this same loop, in order. */
  while ((ev = g_queue_pop_head (&self->pending_events)) != NULL)
    {
      switch (ev->kind)
        {
        case EVENT_THAW:
          g_hash_table_remove (self->frozen_nodes, ev->node);
          g_object_thaw_notify (G_OBJECT (ev->node));
          break;
        case EVENT_STATE:
          gossip_cluster_signal_state_changed (self, ev->node, ev->old_state, ev->new_state);
          break;
        case EVENT_METADATA:
          gossip_cluster_signal_metadata_changed (self, ev->node);
          break;
        }
      g_object_unref (ev->node);
      g_free (ev);
    }
  self->flushing = FALSE;
}

GossipDispatch *
gossip_cluster_dispatch_begin (GossipCluster *self)
{
  g_object_ref (self);
  self->dispatch_depth++;
  return (GossipDispatch *) self;
}

void
gossip_cluster_dispatch_end (GossipDispatch *dispatch)
{
  GossipCluster *self = (GossipCluster *) dispatch;

  g_return_if_fail (self->dispatch_depth > 0);
  if (--self->dispatch_depth == 0)
    flush (self);
  g_object_unref (self);
}

void
gossip_cluster_hold_node_notify (GossipCluster *self,
                                 GossipNode    *node)
{
  if (!deferring (self) || g_hash_table_contains (self->frozen_nodes, node))
    return;
  g_object_freeze_notify (G_OBJECT (node));
  g_hash_table_add (self->frozen_nodes, g_object_ref (node));
  push (self, EVENT_THAW, node, 0, 0);
}

void
gossip_cluster_emit_state_changed (GossipCluster   *self,
                                   GossipNode      *node,
                                   GossipNodeState  old_state,
                                   GossipNodeState  new_state)
{
  if (deferring (self))
    push (self, EVENT_STATE, node, old_state, new_state);
  else
    gossip_cluster_signal_state_changed (self, node, old_state, new_state);
}

void
gossip_cluster_emit_metadata_changed (GossipCluster *self,
                                      GossipNode    *node)
{
  if (deferring (self))
    push (self, EVENT_METADATA, node, 0, 0);
  else
    gossip_cluster_signal_metadata_changed (self, node);
}

void
gossip_cluster_events_init (GossipCluster *self)
{
  g_queue_init (&self->pending_events);
  self->frozen_nodes = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}

/* Finalisation with events still queued (cannot happen while a dispatch
 * holds its reference): drop them, but never leave a node frozen. */
void
gossip_cluster_events_clear (GossipCluster *self)
{
  Event *ev;

  while ((ev = g_queue_pop_head (&self->pending_events)) != NULL)
    {
      if (ev->kind == EVENT_THAW)
        g_object_thaw_notify (G_OBJECT (ev->node));
      g_object_unref (ev->node);
      g_free (ev);
    }
  g_clear_pointer (&self->frozen_nodes, g_hash_table_unref);
}
