/* gossip-dispatch-private.h: how a layer brackets its work from the main loop.
 *
 * Every callback a layer gets from the main loop (a packet, a timer, a
 * reply) runs inside its owner's dispatch, so that the owner can hold
 * back its public signals until the work is complete. The owner hands
 * each layer a GossipDispatcher at construction; the layer uses
 *   g_auto(GossipDispatchScope) scope = gossip_dispatcher_enter (dispatcher);
 * and knows nothing of who is behind it.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gpointer (* begin) (gpointer data);   /* returns a token for end() */
  void     (* end)   (gpointer token);
  gpointer    data;
} GossipDispatcher;

typedef struct {
  void     (* end) (gpointer token);
  gpointer    token;
} GossipDispatchScope;

static inline GossipDispatchScope
gossip_dispatcher_enter (const GossipDispatcher *dispatcher)
{
  GossipDispatchScope scope = { NULL, NULL };

  if (dispatcher != NULL && dispatcher->begin != NULL)
    {
      scope.end = dispatcher->end;
      scope.token = dispatcher->begin (dispatcher->data);
    }
  return scope;
}

static inline void
gossip_dispatch_scope_exit (GossipDispatchScope *scope)
{
  if (scope->end != NULL)
    scope->end (scope->token);
  scope->end = NULL;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GossipDispatchScope, gossip_dispatch_scope_exit)

G_END_DECLS
