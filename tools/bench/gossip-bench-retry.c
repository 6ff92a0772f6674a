/* gossip-bench-retry.c: a failed join tried again after a pause.
 *
 * With --processes P all P children join node 0 at once, while the parent
 * that runs node 0 is still starting the other children; at P >= 100 a few
 * joins then time out waiting for the seed's reply. A deployment's join loop
 * would try again, and a node whose only join failed stays alone for good,
 * so the children do the same: the time to full view includes the retries.
 * The pause is random (0.5-3 s) so that the failed joiners do not all come
 * back at the same moment; each retry is logged on stderr.
 */
#include "config.h"

#include "gossip-bench-retry.h"

typedef struct {
  GossipCluster       *cluster;
  char                *address;
  GAsyncReadyCallback  callback;
  gpointer             user_data;
} JoinLater;

static gboolean
join_now (gpointer data)
{
  JoinLater *j = data;
  const char *peers[] = { j->address, NULL };

  gossip_cluster_join_async (j->cluster, peers, NULL, j->callback, j->user_data);
  g_object_unref (j->cluster);
  g_free (j->address);
  g_free (j);
  return G_SOURCE_REMOVE;
}

/* TRUE when a failed join is worth another try: not when the node is
 * stopping (cancelled, or no longer running). */
gboolean
bench_join_should_retry (GossipCluster *cluster,
                         const GError  *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      !gossip_cluster_is_running (cluster))
    return FALSE;
  g_printerr ("# child: join failed (%s), trying again\n",
              error != NULL ? error->message : "no peer answered");
  return TRUE;
}

/* Calls gossip_cluster_join_async (@cluster, { @address }) after a random
 * pause; @callback gets the result as from a first join. */
void
bench_join_later (GossipCluster       *cluster,
                  const char          *address,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  JoinLater *j = g_new0 (JoinLater, 1);
  guint delay_ms = g_random_int_range (500, 3000);

  j->cluster = g_object_ref (cluster);
  j->address = g_strdup (address);
  j->callback = callback;
  j->user_data = user_data;
  g_timeout_add (delay_ms, join_now, j);
}
