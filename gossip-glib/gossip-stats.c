/* gossip-stats.c: an immutable snapshot of named counters.
 *
 * Counters are named rather than fields of a struct, so that new ones can be
 * added without breaking the ABI, and bindings get them as a dictionary.
 */
#include "config.h"

#include <string.h>

#include "gossip-stats-private.h"

typedef struct {
  const char *name;
  guint64     value;
} Counter;

struct _GossipStats
{
  gatomicrefcount ref_count;
  GArray         *counters;
};

G_DEFINE_BOXED_TYPE (GossipStats, gossip_stats, gossip_stats_ref, gossip_stats_unref)

GossipStats *
gossip_stats_new (void)
{
  GossipStats *self = g_new0 (GossipStats, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->counters = g_array_new (FALSE, FALSE, sizeof (Counter));
  return self;
}

void
gossip_stats_add (GossipStats *self,
                  const char  *name,
                  guint64      value)
{
  Counter c = { name, value };

  g_array_append_val (self->counters, c);
}

/**
 * gossip_stats_ref:
 * @self: a stats snapshot
 *
 * Takes a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
GossipStats *
gossip_stats_ref (GossipStats *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * gossip_stats_unref:
 * @self: (transfer full): a stats snapshot
 *
 * Drops a reference.
 *
 * Since: 1.0
 */
void
gossip_stats_unref (GossipStats *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_array_unref (self->counters);
  g_free (self);
}

/**
 * gossip_stats_get:
 * @self: a stats snapshot
 * @name: a counter name, such as "packets-in" or "drop-decrypt"
 *
 * Gets one counter of the snapshot; [method@Gossip.Stats.get_names] lists
 * them.
 *
 * Returns: the counter's value, 0 for an unknown name
 *
 * Since: 1.0
 */
guint64
gossip_stats_get (GossipStats *self,
                  const char  *name)
{
  g_return_val_if_fail (self != NULL, 0);
  g_return_val_if_fail (name != NULL, 0);

  for (guint i = 0; i < self->counters->len; i++)
    {
      Counter *c = &g_array_index (self->counters, Counter, i);
      if (strcmp (c->name, name) == 0)
        return c->value;
    }
  return 0;
}

/**
 * gossip_stats_get_names:
 * @self: a stats snapshot
 *
 * Lists the names of the counters in the snapshot.
 *
 * Returns: (transfer full) (array zero-terminated=1): the counter names
 *
 * Since: 1.0
 */
char **
gossip_stats_get_names (GossipStats *self)
{
  GStrvBuilder *b;

  g_return_val_if_fail (self != NULL, NULL);

  b = g_strv_builder_new ();
  for (guint i = 0; i < self->counters->len; i++)
    g_strv_builder_add (b, g_array_index (self->counters, Counter, i).name);
  {
    char **out = g_strv_builder_end (b);
    g_strv_builder_unref (b);
    return out;
  }
}

/**
 * gossip_stats_to_variant:
 * @self: a stats snapshot
 *
 * Gets every counter of the snapshot as one dictionary.
 *
 * Returns: (transfer full): the counters as an "a{st}" dictionary
 *
 * Since: 1.0
 */
GVariant *
gossip_stats_to_variant (GossipStats *self)
{
  GVariantBuilder b;

  g_return_val_if_fail (self != NULL, NULL);

  g_variant_builder_init (&b, G_VARIANT_TYPE ("a{st}"));
  for (guint i = 0; i < self->counters->len; i++)
    {
      Counter *c = &g_array_index (self->counters, Counter, i);
      g_variant_builder_add (&b, "{st}", c->name, c->value);
    }
  return g_variant_ref_sink (g_variant_builder_end (&b));
}
