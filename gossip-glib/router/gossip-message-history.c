/* gossip-message-history.c: remembers which messages were already seen.
 *
 * Entries are keyed on (originator, message ID) and expire in arrival order,
 * so pruning walks a queue from its oldest end instead of scanning a table.
 * The number of entries is capped: a flood of unique IDs evicts the oldest
 * entries rather than growing without bound.
 */
#include "config.h"

#include "gossip-message-history-private.h"

typedef struct {
  GossipNodeId sender;
  guint64      id;
  gint64       seen;
} Entry;

struct _GossipMessageHistory
{
  GHashTable *entries;   /* Entry* (owned) -> same */
  GQueue      order;     /* Entry*, oldest first */
  gint64      max_age;
  guint       max_entries;
};

static guint
entry_hash (gconstpointer key)
{
  const Entry *e = key;

  return gossip_node_id_hash (&e->sender) ^ (guint) e->id ^ (guint) (e->id >> 32);
}

static gboolean
entry_equal (gconstpointer a,
             gconstpointer b)
{
  const Entry *x = a, *y = b;

  return x->id == y->id && gossip_node_id_equal (&x->sender, &y->sender);
}

GossipMessageHistory *
gossip_message_history_new (gint64 max_age_usec,
                            guint  max_entries)
{
  GossipMessageHistory *self = g_new0 (GossipMessageHistory, 1);

  self->entries = g_hash_table_new_full (entry_hash, entry_equal, g_free, NULL);
  g_queue_init (&self->order);
  self->max_age = max_age_usec;
  self->max_entries = MAX (max_entries, 1);
  return self;
}

void
gossip_message_history_free (GossipMessageHistory *self)
{
  if (self == NULL)
    return;
  g_queue_clear (&self->order);
  g_hash_table_unref (self->entries);
  g_free (self);
}

static void
drop_oldest (GossipMessageHistory *self)
{
  Entry *oldest = g_queue_pop_head (&self->order);

  g_hash_table_remove (self->entries, oldest);
}

gboolean
gossip_message_history_record (GossipMessageHistory *self,
                               const GossipNodeId   *sender,
                               guint64               id,
                               gint64                now)
{
  Entry probe = { *sender, id, now };
  Entry *entry;

  if (g_hash_table_contains (self->entries, &probe))
    return FALSE;

  while (g_hash_table_size (self->entries) >= self->max_entries)
    drop_oldest (self);

  entry = g_memdup2 (&probe, sizeof probe);
  g_hash_table_add (self->entries, entry);
  g_queue_push_tail (&self->order, entry);
  return TRUE;
}

void
gossip_message_history_prune (GossipMessageHistory *self,
                              gint64                now)
{
  Entry *head;

  while ((head = g_queue_peek_head (&self->order)) != NULL &&
         now - head->seen > self->max_age)
    drop_oldest (self);
}

guint
gossip_message_history_size (GossipMessageHistory *self)
{
  return g_hash_table_size (self->entries);
}
