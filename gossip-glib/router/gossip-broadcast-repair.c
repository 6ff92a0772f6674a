/* gossip-broadcast-repair.c: the memory behind broadcast repair.
 *
 * The first copy of a broadcast goes straight to every peer; a lost datagram
 * would be lost for good. Every node keeps what it sent or received for a
 * short time and advertises the IDs in a digest; a node that sees an ID it
 * lacks pulls it, and the holder resends the original bytes. Entries keep
 * their raw bytes for keep_usec and their ID (so we do not pull what we
 * had) for four times that. Memory is bounded by max_entries. */
#include "gossip-broadcast-repair-private.h"

#include <string.h>

#define PULL_AGAIN_USEC (4 * G_TIME_SPAN_MILLISECOND)
#define MAX_DIGEST_ENTRIES 48
/* Each held packet is advertised in this many digests, then only answers
 * pulls: the repair traffic of one broadcast is bounded, not timed. */
#define MAX_ADVERTS 10

typedef struct {
  guint8  key[GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE];
  GBytes *raw;        /* NULL: seen long ago, or pulled and not yet here */
  gint64  recorded;   /* when raw arrived; 0 if never */
  gint64  pulled;     /* when we last asked for it */
  guint   adverts;    /* digests it was in */
} Entry;

struct _GossipBroadcastRepair {
  gint64      keep_usec;
  guint       max_entries;
  GHashTable *entries;  /* key bytes (in Entry) -> Entry */
  GQueue      order;    /* Entry, oldest first */
  GossipBroadcastRepairCounters counters;
};

static guint
key_hash (gconstpointer k)
{
  const guint8 *b = k;
  guint h = 5381;
  for (guint i = 0; i < GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE; i++)
    h = h * 33 + b[i];
  return h;
}

static gboolean
key_equal (gconstpointer a,
           gconstpointer b)
{
  return memcmp (a, b, GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE) == 0;
}

static void
make_key (guint8             *key,
          const GossipNodeId *origin,
          guint64             id)
{
  memcpy (key, origin->bytes, 16);
  for (guint i = 0; i < 8; i++)
    key[16 + i] = (guint8) (id >> (56 - 8 * i));
}

static void
entry_free (Entry *e)
{
  g_clear_pointer (&e->raw, g_bytes_unref);
  g_free (e);
}

GossipBroadcastRepair *
gossip_broadcast_repair_new (gint64 keep_usec,
                             guint  max_entries)
{
  GossipBroadcastRepair *self = g_new0 (GossipBroadcastRepair, 1);

  self->keep_usec = MAX (keep_usec, 1);
  self->max_entries = MAX (max_entries, 1);
  self->entries = g_hash_table_new (key_hash, key_equal);
  g_queue_init (&self->order);
  return self;
}

void
gossip_broadcast_repair_free (GossipBroadcastRepair *self)
{
  if (self == NULL)
    return;
  g_hash_table_destroy (self->entries);
  g_queue_clear_full (&self->order, (GDestroyNotify) entry_free);
  g_free (self);
}

static void
drop_oldest (GossipBroadcastRepair *self)
{
  Entry *e = g_queue_pop_head (&self->order);

  g_hash_table_remove (self->entries, e->key);
  entry_free (e);
}

static void
prune (GossipBroadcastRepair *self,
       gint64                 now)
{
  Entry *e;

  while ((e = g_queue_peek_head (&self->order)) != NULL)
    {
      gint64 t = MAX (e->recorded, e->pulled);
      if (now - t <= 4 * self->keep_usec && self->order.length <= self->max_entries)
        break;
      drop_oldest (self);
    }
  /* Raw bytes go sooner than IDs. */
  for (GList *l = self->order.head; l != NULL; l = l->next)
    {
      e = l->data;
      if (e->raw != NULL && now - e->recorded > self->keep_usec)
        g_clear_pointer (&e->raw, g_bytes_unref);
    }
}

static Entry *
lookup_or_add (GossipBroadcastRepair *self,
               const guint8          *key)
{
  Entry *e = g_hash_table_lookup (self->entries, key);

  if (e != NULL)
    return e;
  while (self->order.length >= self->max_entries)
    drop_oldest (self);
  e = g_new0 (Entry, 1);
  memcpy (e->key, key, sizeof e->key);
  g_hash_table_insert (self->entries, e->key, e);
  g_queue_push_tail (&self->order, e);
  return e;
}

void
gossip_broadcast_repair_record (GossipBroadcastRepair *self,
                                const GossipNodeId    *origin,
                                guint64                id,
                                GBytes                *raw,
                                gint64                 now)
{
  guint8 key[GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE];
  Entry *e;

  make_key (key, origin, id);
  e = lookup_or_add (self, key);
  if (e->recorded != 0)
    return;
  e->recorded = now;
  e->raw = g_bytes_ref (raw);
  /* Keep the queue in time order: move it to the tail. */
  g_queue_remove (&self->order, e);
  g_queue_push_tail (&self->order, e);
  self->counters.recorded++;
}

gboolean
gossip_broadcast_repair_active (GossipBroadcastRepair *self,
                                gint64                 now)
{
  prune (self, now);
  for (GList *l = self->order.tail; l != NULL; l = l->prev)
    if (((Entry *) l->data)->raw != NULL && ((Entry *) l->data)->adverts < MAX_ADVERTS)
      return TRUE;
  return FALSE;
}

GBytes *
gossip_broadcast_repair_digest (GossipBroadcastRepair *self,
                                gint64                 now)
{
  GByteArray *out = g_byte_array_new ();
  guint n = 0;

  prune (self, now);
  for (GList *l = self->order.tail; l != NULL && n < MAX_DIGEST_ENTRIES; l = l->prev)
    {
      Entry *e = l->data;
      if (e->raw == NULL || e->adverts >= MAX_ADVERTS)
        continue;
      e->adverts++;
      g_byte_array_append (out, e->key, sizeof e->key);
      n++;
    }
  if (n == 0)
    {
      g_byte_array_unref (out);
      return NULL;
    }
  self->counters.digests_built++;
  return g_byte_array_free_to_bytes (out);
}

GBytes *
gossip_broadcast_repair_missing (GossipBroadcastRepair *self,
                                 const guint8          *digest,
                                 gsize                  size,
                                 gint64                 now)
{
  GByteArray *out = g_byte_array_new ();

  for (gsize off = 0; off + GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE <= size &&
       off < MAX_DIGEST_ENTRIES * GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE;
       off += GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE)
    {
      Entry *e = g_hash_table_lookup (self->entries, digest + off);

      if (e != NULL && (e->recorded != 0 || now - e->pulled < PULL_AGAIN_USEC))
        continue;
      e = lookup_or_add (self, digest + off);
      e->pulled = now;
      g_byte_array_append (out, digest + off, GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE);
    }
  if (out->len == 0)
    {
      g_byte_array_unref (out);
      return NULL;
    }
  self->counters.pulls_built++;
  return g_byte_array_free_to_bytes (out);
}

GPtrArray *
gossip_broadcast_repair_answer (GossipBroadcastRepair *self,
                                const guint8          *pull,
                                gsize                  size)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  for (gsize off = 0; off + GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE <= size &&
       off < MAX_DIGEST_ENTRIES * GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE;
       off += GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE)
    {
      Entry *e = g_hash_table_lookup (self->entries, pull + off);

      if (e == NULL || e->raw == NULL)
        continue;
      g_ptr_array_add (out, g_bytes_ref (e->raw));
      self->counters.resent++;
    }
  return out;
}

void
gossip_broadcast_repair_counters (GossipBroadcastRepair         *self,
                                  GossipBroadcastRepairCounters *out)
{
  *out = self->counters;
}

GBytes *
gossip_broadcast_repair_entries_from_variant (GVariant *payload)
{
  GByteArray *out;
  gsize n;

  if (g_variant_is_of_type (payload, G_VARIANT_TYPE_BYTESTRING))
    return g_variant_get_data_as_bytes (payload);
  if (!g_variant_is_of_type (payload, G_VARIANT_TYPE ("av")))
    return NULL;
  n = MIN (g_variant_n_children (payload), (gsize) MAX_DIGEST_ENTRIES * GOSSIP_BROADCAST_REPAIR_ENTRY_SIZE);
  out = g_byte_array_sized_new ((guint) n);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (payload, i);
      g_autoptr(GVariant) child = g_variant_get_variant (boxed);
      gint64 v;
      guint8 b;

      if (g_variant_is_of_type (child, G_VARIANT_TYPE_INT64))
        v = g_variant_get_int64 (child);
      else if (g_variant_is_of_type (child, G_VARIANT_TYPE_UINT64))
        v = (gint64) MIN (g_variant_get_uint64 (child), 256);
      else if (g_variant_is_of_type (child, G_VARIANT_TYPE_DOUBLE))
        v = (gint64) g_variant_get_double (child);
      else
        v = -1;
      if (v < 0 || v > 255)
        {
          g_byte_array_unref (out);
          return NULL;
        }
      b = (guint8) v;
      g_byte_array_append (out, &b, 1);
    }
  return g_byte_array_free_to_bytes (out);
}
