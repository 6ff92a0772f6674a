/* kv: a replicated key/value store (the Go example examples/kv), with the
 * flaws BEHAVIOUR.md §11 lists fixed:
 *
 * - Entries are {val, v: {ts, ver}, d} as Go's; merge is last-writer-wins on
 *   (ts, ver) and, on an exact tie, a deterministic order every node agrees
 *   on (a tombstone beats a value, then the printed value decides), so two
 *   nodes never keep different values for one key.
 * - Tombstones are kept for --tombstone-retention seconds and an update older
 *   than that is refused for a key we do not hold, so a node that missed a
 *   delete for longer cannot resurrect the key in everyone else.
 * - Anti-entropy rides on the cluster's `gossip` signal: each round a random
 *   sample of entries (tombstones included) goes out as type 129.
 * - After joining, a full sync is requested (type 128, payload nil) from the
 *   alive nodes in turn until one answers.
 */
#include "example-common.h"

#define KV_FULL_SYNC 128
#define KV_SYNC      129

static int opt_tombstone_retention = 7200;

static const GOptionEntry kv_entries[] = {
  { "tombstone-retention", 0, 0, G_OPTION_ARG_INT, &opt_tombstone_retention,
    "Seconds a delete is remembered (default 7200)", "S" },
  G_OPTION_ENTRY_NULL
};

typedef struct {
  GVariant *val;      /* (nullable) NULL for a tombstone */
  gint64    ts;       /* Unix ns */
  guint16   ver;
  gboolean  deleted;
} Entry;

typedef struct {
  Example    *ex;
  GHashTable *store;  /* key -> Entry* */
  guint       sync_index;
  gboolean    synced;
} Kv;

/* The keys of the store (borrowed). */
static GPtrArray *
store_keys (Kv *kv)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, kv->store);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  return keys;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_clear_pointer (&e->val, g_variant_unref);
  g_free (e);
}

static gint64
now_ns (void)
{
  return g_get_real_time () * 1000;
}

/* > 0 when @a should replace @b. */
static int
entry_compare (const Entry *a,
               const Entry *b)
{
  g_autofree char *pa = NULL;
  g_autofree char *pb = NULL;

  if (a->ts != b->ts)
    return a->ts > b->ts ? 1 : -1;
  if (a->ver != b->ver)
    return a->ver > b->ver ? 1 : -1;
  if (a->deleted != b->deleted)
    return a->deleted ? 1 : -1;
  pa = a->val ? g_variant_print (a->val, FALSE) : g_strdup ("");
  pb = b->val ? g_variant_print (b->val, FALSE) : g_strdup ("");
  return g_strcmp0 (pa, pb) > 0 ? 1 : 0;
}

static GVariant *
entry_to_variant (const Entry *e)
{
  GVariantDict d, v;

  g_variant_dict_init (&v, NULL);
  g_variant_dict_insert (&v, "ts", "x", e->ts);
  g_variant_dict_insert (&v, "ver", "q", e->ver);
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert_value (&d, "val", e->val ? e->val : g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL));
  g_variant_dict_insert_value (&d, "v", g_variant_dict_end (&v));
  g_variant_dict_insert (&d, "d", "b", e->deleted);
  return g_variant_dict_end (&d);
}

static gboolean
read_int (GVariant *dict, const char *key, gint64 *out)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (dict, key, NULL);

  if (v == NULL)
    return FALSE;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    *out = g_variant_get_int64 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT64))
    *out = (gint64) g_variant_get_uint64 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_UINT16))
    *out = g_variant_get_uint16 (v);
  else
    return FALSE;
  return TRUE;
}

/* Parses one wire entry; NULL if malformed. */
static Entry *
entry_from_variant (GVariant *value)
{
  g_autoptr(GVariant) v = NULL;
  g_autoptr(GVariant) val = NULL;
  Entry *e;
  gint64 ts = 0, ver = 0;
  gboolean deleted = FALSE;

  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    value = g_variant_get_variant (value);
  else
    g_variant_ref (value);
  if (!g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT))
    {
      g_variant_unref (value);
      return NULL;
    }
  v = g_variant_lookup_value (value, "v", G_VARIANT_TYPE_VARDICT);
  if (v == NULL || !read_int (v, "ts", &ts) || (!read_int (v, "ver", &ver) && FALSE) ||
      ver < 0 || ver > G_MAXUINT16)
    {
      g_variant_unref (value);
      return NULL;
    }
  g_variant_lookup (value, "d", "b", &deleted);
  val = g_variant_lookup_value (value, "val", NULL);
  e = g_new0 (Entry, 1);
  e->ts = ts;
  e->ver = (guint16) ver;
  e->deleted = deleted;
  /* nil arrives as a Nothing maybe: that is no value. */
  if (val != NULL && !deleted &&
      !(g_variant_is_of_type (val, G_VARIANT_TYPE_MAYBE) && g_variant_n_children (val) == 0))
    e->val = g_variant_ref (val);
  g_variant_unref (value);
  return e;
}

static gboolean
kv_merge (Kv         *kv,
          const char *key,
          Entry      *incoming)   /* (transfer full) */
{
  Entry *have = g_hash_table_lookup (kv->store, key);
  gint64 horizon = now_ns () - (gint64) opt_tombstone_retention * G_GINT64_CONSTANT (1000000000);

  if (have == NULL && incoming->ts < horizon)
    {
      /* We may have forgotten its tombstone: do not let it come back. */
      entry_free (incoming);
      return FALSE;
    }
  if (have != NULL && entry_compare (incoming, have) <= 0)
    {
      entry_free (incoming);
      return FALSE;
    }
  g_hash_table_replace (kv->store, g_strdup (key), incoming);
  return TRUE;
}

/* {e: {key: entry, ...}} */
static GVariant *
sync_payload (Kv *kv, GPtrArray *keys)
{
  GVariantBuilder b;
  GVariantDict d;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  for (guint i = 0; i < keys->len; i++)
    {
      Entry *e = g_hash_table_lookup (kv->store, keys->pdata[i]);

      if (e != NULL)
        g_variant_builder_add (&b, "{sv}", keys->pdata[i], entry_to_variant (e));
    }
  g_variant_dict_init (&d, NULL);
  g_variant_dict_insert_value (&d, "e", g_variant_builder_end (&b));
  return g_variant_dict_end (&d);
}

static guint
merge_payload (Kv *kv, GVariant *payload)
{
  g_autoptr(GVariant) entries = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;
  guint applied = 0;

  if (payload == NULL || !g_variant_is_of_type (payload, G_VARIANT_TYPE_VARDICT))
    return 0;
  entries = g_variant_lookup_value (payload, "e", G_VARIANT_TYPE_VARDICT);
  if (entries == NULL)
    return 0;
  g_variant_iter_init (&iter, entries);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      Entry *e = entry_from_variant (value);

      if (e != NULL && kv_merge (kv, key, e))
        applied++;
    }
  return applied;
}

static void
sync_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet, gpointer user_data)
{
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, NULL);

  merge_payload (user_data, payload);
}

static GVariant *
full_sync_cb (GossipCluster *cluster, GossipNode *sender, GossipPacket *packet, gpointer user_data)
{
  Kv *kv = user_data;
  g_autoptr(GPtrArray) keys = store_keys (kv);

  return sync_payload (kv, keys);
}

static void request_full_sync (Kv *kv);

static void
full_sync_reply_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Kv *kv = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipPacket) reply = gossip_cluster_send_to_with_response_finish (GOSSIP_CLUSTER (source),
                                                                               result, &error);
  g_autoptr(GVariant) payload = NULL;

  if (reply != NULL)
    payload = gossip_packet_get_payload (reply, NULL);
  if (payload != NULL)
    {
      example_print ("full sync: %u entries merged", merge_payload (kv, payload));
      kv->synced = TRUE;
      return;
    }
  kv->sync_index++;
  request_full_sync (kv);
}

static void
request_full_sync (Kv *kv)
{
  g_autoptr(GPtrArray) alive = gossip_cluster_get_alive_nodes (kv->ex->cluster);
  guint seen = 0;

  for (guint i = 0; i < alive->len; i++)
    {
      GossipNode *node = alive->pdata[i];

      if (gossip_node_is_local (node))
        continue;
      if (seen++ == kv->sync_index)
        {
          gossip_cluster_send_to_with_response_async (kv->ex->cluster, node, KV_FULL_SYNC, NULL,
                                                      NULL, full_sync_reply_cb, kv);
          return;
        }
    }
}

static void
state_changed_cb (GossipCluster *cluster, GossipNode *node, GossipNodeState old_state,
                  GossipNodeState new_state, gpointer user_data)
{
  Kv *kv = user_data;

  /* The first peer we see alive is the moment to ask for everything. */
  if (!kv->synced && kv->sync_index == 0 && new_state == GOSSIP_NODE_STATE_ALIVE &&
      !gossip_node_is_local (node))
    {
      kv->sync_index = 0;
      kv->synced = TRUE;   /* one request chain at a time */
      request_full_sync (kv);
    }
}

static void
gossip_round_cb (GossipCluster *cluster, gpointer user_data)
{
  Kv *kv = user_data;
  g_autoptr(GPtrArray) keys = store_keys (kv);
  guint n;

  if (keys->len == 0)
    return;
  n = MIN (keys->len, gossip_cluster_calc_payload_size (cluster, keys->len));
  /* A partial Fisher-Yates shuffle picks n keys at random. */
  for (guint i = 0; i < n; i++)
    {
      guint j = g_random_int_range (i, keys->len);
      gpointer t = keys->pdata[i];

      keys->pdata[i] = keys->pdata[j];
      keys->pdata[j] = t;
    }
  g_ptr_array_set_size (keys, n);
  gossip_cluster_send (cluster, KV_SYNC, sync_payload (kv, keys), NULL);
}

static void
write_entry (Kv *kv, const char *key, GVariant *val, gboolean deleted)
{
  Entry *have = g_hash_table_lookup (kv->store, key);
  Entry *e = g_new0 (Entry, 1);
  g_autoptr(GPtrArray) keys = g_ptr_array_new ();

  e->ts = now_ns ();
  /* Never go back in time, even if the clock does. */
  if (have != NULL && e->ts <= have->ts)
    {
      e->ts = have->ts;
      e->ver = have->ver + 1;
    }
  e->deleted = deleted;
  e->val = val ? g_variant_ref_sink (val) : NULL;
  g_hash_table_replace (kv->store, g_strdup (key), e);
  g_ptr_array_add (keys, (gpointer) key);
  gossip_cluster_send (kv->ex->cluster, KV_SYNC, sync_payload (kv, keys), NULL);
}

static void
cmd_set (Example *ex, char **argv, gpointer user_data)
{
  g_autofree char *value = NULL;

  if (g_strv_length (argv) < 2)
    {
      example_print ("usage: set <key> <value>");
      return;
    }
  value = g_strjoinv (" ", argv + 1);
  write_entry (user_data, argv[0], g_variant_new_string (value), FALSE);
  example_print ("set %s=%s", argv[0], value);
}

static void
cmd_get (Example *ex, char **argv, gpointer user_data)
{
  Kv *kv = user_data;
  Entry *e;
  g_autofree char *text = NULL;

  if (g_strv_length (argv) != 1)
    {
      example_print ("usage: get <key>");
      return;
    }
  e = g_hash_table_lookup (kv->store, argv[0]);
  if (e == NULL || e->deleted || e->val == NULL)
    {
      example_print ("%s not found", argv[0]);
      return;
    }
  if (g_variant_is_of_type (e->val, G_VARIANT_TYPE_STRING))
    text = g_variant_dup_string (e->val, NULL);
  else
    text = g_variant_print (e->val, FALSE);
  example_print ("%s=%s", argv[0], text);
}

static void
cmd_delete (Example *ex, char **argv, gpointer user_data)
{
  Kv *kv = user_data;
  Entry *e;

  if (g_strv_length (argv) != 1)
    {
      example_print ("usage: delete <key>");
      return;
    }
  e = g_hash_table_lookup (kv->store, argv[0]);
  if (e == NULL || e->deleted)
    {
      example_print ("%s not found", argv[0]);
      return;
    }
  write_entry (kv, argv[0], NULL, TRUE);
  example_print ("deleted %s", argv[0]);
}

static void
cmd_keys (Example *ex, char **argv, gpointer user_data)
{
  Kv *kv = user_data;
  g_autoptr(GPtrArray) live = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, kv->store);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!((Entry *) value)->deleted)
      g_ptr_array_add (live, key);
  g_ptr_array_sort (live, compare_strings);
  example_print ("%u keys:", live->len);
  for (guint i = 0; i < live->len; i++)
    example_print ("  %s", (const char *) live->pdata[i]);
}

/* Tombstones older than the retention go; see kv_merge for why that is safe. */
static gboolean
gc_cb (gpointer user_data)
{
  Kv *kv = user_data;
  gint64 horizon = now_ns () - (gint64) opt_tombstone_retention * G_GINT64_CONSTANT (1000000000);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, kv->store);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Entry *) value)->deleted && ((Entry *) value)->ts < horizon)
      g_hash_table_iter_remove (&iter);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  Example *ex = example_new ("kv", "A node of a replicated key/value store.", kv_entries, &argc, &argv);
  Kv kv = { ex, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free), 0, FALSE };
  g_autoptr(GError) error = NULL;
  guint gc_id = 0;
  int status = 1;

  if (!example_create (ex))
    goto out;
  if (!gossip_cluster_handle (ex->cluster, KV_SYNC, sync_cb, &kv, NULL, &error) ||
      !gossip_cluster_handle_with_reply (ex->cluster, KV_FULL_SYNC, full_sync_cb, &kv, NULL, &error))
    {
      g_printerr ("kv: %s\n", error->message);
      goto out;
    }
  g_signal_connect (ex->cluster, "node-state-changed", G_CALLBACK (state_changed_cb), &kv);
  g_signal_connect (ex->cluster, "gossip", G_CALLBACK (gossip_round_cb), &kv);
  gc_id = g_timeout_add_seconds (MAX (1, opt_tombstone_retention / 10), gc_cb, &kv);
  example_add_command (ex, "set", "set <key> <value>", "store a value on every node", cmd_set, &kv);
  example_add_command (ex, "get", "get <key>", "read a value", cmd_get, &kv);
  example_add_command (ex, "delete", "delete <key>", "delete a key everywhere", cmd_delete, &kv);
  example_add_command (ex, "keys", "keys", "list the keys", cmd_keys, &kv);
  status = example_run (ex);
  g_signal_handlers_disconnect_by_data (ex->cluster, &kv);
out:
  if (gc_id != 0)
    g_source_remove (gc_id);
  if (ex->cluster != NULL)
    {
      gossip_cluster_unregister (ex->cluster, KV_SYNC);
      gossip_cluster_unregister (ex->cluster, KV_FULL_SYNC);
    }
  example_free (ex);
  g_hash_table_unref (kv.store);
  return status;
}
