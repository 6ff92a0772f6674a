/* test-cluster.c: real clusters of several nodes in one process, on loopback.
 *
 * Each scenario runs with the msgpack codec, the JSON codec, and msgpack
 * with AES-GCM and snappy, at 3 and 10 nodes. Intervals are scaled down and
 * every wait is for a condition with a deadline.
 */
#include "config.h"

#include <string.h>

#include "test-utils.h"

#define WAIT_MS 10000

typedef enum {
  VARIANT_MSGPACK,
  VARIANT_JSON,
  VARIANT_SECURE,
} Variant;

typedef struct {
  Variant  variant;
  guint    n;
} Params;

typedef struct {
  guint64  id;
  char    *sender;
  char    *text;
  gboolean reliable;
  gsize    size;
} Receipt;

typedef struct _Fixture Fixture;

typedef struct {
  Fixture       *fixture;
  guint          index;
  GossipCluster *cluster;
  GPtrArray     *receipts;   /* Receipt* */
  GPtrArray     *transitions; /* char* "id:old->new" */
  guint          metadata_events;
} Member;

struct _Fixture {
  const Params *params;
  GPtrArray    *members;     /* Member* */
};

static void
receipt_free (gpointer data)
{
  Receipt *r = data;

  g_free (r->sender);
  g_free (r->text);
  g_free (r);
}

static GossipConfig *
make_config (Variant variant)
{
  GossipConfig *config = gossip_config_new ();

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_scale_intervals (config, 0.05);
  /* Failure detection is not under test here: keep probes patient enough
   * for a loaded CI machine running ten nodes in one sanitized process. */
  g_object_set (config,
                "ping-timeout", 250,
                "suspect-retention-period", 400,
                "dead-node-retention-period", 400,
                "suspect-attempt-interval", 50,
                "recovery-attempt-interval", 50,
                NULL);
  if (variant == VARIANT_JSON)
    {
      g_autoptr(GossipCodec) codec = gossip_json_codec_new ();
      gossip_config_set_codec (config, codec);
    }
  if (variant == VARIANT_SECURE)
    {
      g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
      g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();
      g_autoptr(GBytes) key = g_bytes_new_static ("1234567890123456", 16);
      gossip_config_set_cipher (config, cipher);
      gossip_config_set_compressor (config, compressor);
      gossip_config_set_encryption_key (config, key);
    }
  return config;
}

static void
record_message (GossipCluster *cluster,
                GossipNode    *sender,
                GossipPacket  *packet,
                gpointer       user_data)
{
  Member *m = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, &error);
  Receipt *r = g_new0 (Receipt, 1);

  g_assert_no_error (error);
  r->id = gossip_packet_get_message_id (packet);
  r->sender = g_strdup (gossip_packet_get_sender_id (packet));
  r->reliable = gossip_packet_is_reliable (packet);
  r->size = g_bytes_get_size (gossip_packet_get_payload_bytes (packet));
  if (g_variant_is_of_type (payload, G_VARIANT_TYPE ("a{sv}")))
    g_variant_lookup (payload, "text", "s", &r->text);
  else if (g_variant_is_of_type (payload, G_VARIANT_TYPE_STRING))
    r->text = g_variant_dup_string (payload, NULL);
  g_ptr_array_add (m->receipts, r);
}

static GVariant *
echo_reply (GossipCluster *cluster,
            GossipNode    *sender,
            GossipPacket  *packet,
            gpointer       user_data)
{
  Member *m = user_data;
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, NULL);
  g_autofree char *question = NULL;

  g_assert_nonnull (sender);
  g_variant_lookup (payload, "q", "s", &question);
  return g_variant_new_parsed ("{'answer': <%s>, 'from': <%u>}",
                               question ? question : "", (guint32) m->index);
}

static void
state_changed_cb (GossipCluster   *cluster,
                  GossipNode      *node,
                  GossipNodeState  old_state,
                  GossipNodeState  new_state,
                  gpointer         user_data)
{
  Member *m = user_data;

  g_assert_cmpint (old_state, !=, new_state);
  g_assert_cmpint (gossip_node_get_state (node), ==, new_state);
  g_ptr_array_add (m->transitions, g_strdup_printf ("%s:%s->%s", gossip_node_get_id (node),
                                                    gossip_node_state_to_string (old_state),
                                                    gossip_node_state_to_string (new_state)));
}

static void
metadata_changed_cb (GossipCluster *cluster,
                     GossipNode    *node,
                     gpointer       user_data)
{
  Member *m = user_data;

  m->metadata_events++;
}

static Member *
member_new (Fixture *f,
            guint    index)
{
  g_autoptr(GossipConfig) config = make_config (f->params->variant);
  g_autoptr(GError) error = NULL;
  Member *m = g_new0 (Member, 1);

  m->fixture = f;
  m->index = index;
  m->receipts = g_ptr_array_new_with_free_func (receipt_free);
  m->transitions = g_ptr_array_new_with_free_func (g_free);
  m->cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (m->cluster, "node-state-changed", G_CALLBACK (state_changed_cb), m);
  g_signal_connect (m->cluster, "node-metadata-changed", G_CALLBACK (metadata_changed_cb), m);
  g_assert_true (gossip_cluster_handle (m->cluster, 128, record_message, m, NULL, &error));
  g_assert_true (gossip_cluster_handle_no_forward (m->cluster, 129, record_message, m, NULL, &error));
  g_assert_true (gossip_cluster_handle_with_reply (m->cluster, 130, echo_reply, m, NULL, &error));
  gossip_cluster_start (m->cluster);
  return m;
}

static void
member_free (Member *m)
{
  gossip_cluster_stop (m->cluster);
  g_object_unref (m->cluster);
  g_ptr_array_unref (m->receipts);
  g_ptr_array_unref (m->transitions);
  g_free (m);
}

static Member *
member (Fixture *f, guint i)
{
  return f->members->pdata[i];
}

static gboolean
all_see_all_alive (gpointer user_data)
{
  Fixture *f = user_data;

  for (guint i = 0; i < f->members->len; i++)
    if (gossip_cluster_get_n_alive (member (f, i)->cluster) != f->members->len)
      return FALSE;
  return TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *seed[2] = { NULL, NULL };
  gint64 start;

  f->params = data;
  f->members = g_ptr_array_new_with_free_func ((GDestroyNotify) member_free);
  for (guint i = 0; i < f->params->n; i++)
    g_ptr_array_add (f->members, member_new (f, i));

  seed[0] = gossip_cluster_get_advertise_address (member (f, 0)->cluster);
  start = g_get_monotonic_time ();
  for (guint i = 1; i < f->params->n; i++)
    {
      g_autoptr(GError) error = NULL;
      guint joined = test_cluster_join (member (f, i)->cluster, seed, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (joined, ==, 1);
    }
  g_assert_true (test_wait_for (all_see_all_alive, f, WAIT_MS));
  g_test_message ("%u nodes converged in %.1f ms", f->params->n,
                  (g_get_monotonic_time () - start) / 1000.0);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_ptr_array_unref (f->members);
}

/* ---- conditions ---- */

static gboolean
every_other_got_one (gpointer user_data)
{
  Fixture *f = user_data;

  for (guint i = 1; i < f->members->len; i++)
    if (member (f, i)->receipts->len == 0)
      return FALSE;
  return TRUE;
}

/* Lets in-flight duplicates arrive before counting. */
#define settle(ms) test_run_for (ms)

/* ---- tests ---- */

static void
test_converge (Fixture       *f,
               gconstpointer  data)
{
  for (guint i = 0; i < f->members->len; i++)
    {
      Member *m = member (f, i);
      GListModel *model = gossip_cluster_get_nodes (m->cluster);

      g_assert_cmpuint (g_list_model_get_n_items (model), ==, f->members->len);
      g_assert_cmpuint (gossip_cluster_get_n_nodes (m->cluster), ==, f->members->len);
      for (guint j = 0; j < f->members->len; j++)
        {
          GossipNode *local = gossip_cluster_get_local_node (member (f, j)->cluster);
          GossipNode *seen = gossip_cluster_get_node (m->cluster, gossip_node_get_id (local));

          g_assert_nonnull (seen);
          g_assert_cmpint (gossip_node_get_state (seen), ==, GOSSIP_NODE_STATE_ALIVE);
          g_assert_cmpstr (gossip_node_get_address (seen), ==, gossip_node_get_address (local));
          g_assert_cmpint (gossip_node_is_local (seen), ==, i == j);
        }
      /* Each remote node entered exactly once: unknown -> alive. */
      for (guint j = 0; j < m->transitions->len; j++)
        if (strstr (m->transitions->pdata[j], ":unknown->alive") == NULL)
          g_error ("node %u saw %s", i, (char *) m->transitions->pdata[j]);
      g_assert_cmpuint (m->transitions->len, ==, f->members->len - 1);
    }
}

static void
test_broadcast (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Member *origin = member (f, 0);

  g_assert_true (gossip_cluster_send (origin->cluster, 128,
                                      g_variant_new_parsed ("{'text': <'hello all'>, 'n': <int64 7>}"),
                                      &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (every_other_got_one, f, WAIT_MS));
  settle (200);

  for (guint i = 1; i < f->members->len; i++)
    {
      Member *m = member (f, i);
      Receipt *r = m->receipts->pdata[0];

      g_assert_cmpuint (m->receipts->len, ==, 1);   /* exactly once */
      g_assert_cmpstr (r->text, ==, "hello all");
      g_assert_cmpstr (r->sender, ==, gossip_node_get_id (gossip_cluster_get_local_node (origin->cluster)));
      g_assert_false (r->reliable);
    }
  g_assert_cmpuint (origin->receipts->len, ==, 0);  /* never to itself */

  /* The reserved range is refused. */
  g_assert_false (gossip_cluster_send (origin->cluster, 10, NULL, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_ARGUMENT);
}

static gboolean
target_got_one (gpointer user_data)
{
  Member *m = user_data;
  return m->receipts->len > 0;
}

static void
test_send_to (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Member *origin = member (f, 0);
  Member *target = member (f, f->members->len - 1);
  GossipNode *node = gossip_cluster_get_node (origin->cluster,
                                              gossip_node_get_id (gossip_cluster_get_local_node (target->cluster)));

  g_assert_true (gossip_cluster_send_to (origin->cluster, node, 129,
                                         g_variant_new_string ("just you"), &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (target_got_one, target, WAIT_MS));
  settle (200);
  for (guint i = 0; i < f->members->len; i++)
    g_assert_cmpuint (member (f, i)->receipts->len, ==, member (f, i) == target ? 1 : 0);
  g_assert_cmpstr (((Receipt *) target->receipts->pdata[0])->text, ==, "just you");
}

static void
response_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GossipPacket **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = gossip_cluster_send_to_with_response_finish (GOSSIP_CLUSTER (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_set (gpointer user_data)
{
  return *(gpointer *) user_data != NULL;
}

static void
test_reply (Fixture       *f,
            gconstpointer  data)
{
  Member *origin = member (f, 0);
  Member *target = member (f, 1);
  GossipNode *node = gossip_cluster_get_node (origin->cluster,
                                              gossip_node_get_id (gossip_cluster_get_local_node (target->cluster)));
  g_autoptr(GossipPacket) reply = NULL;
  g_autoptr(GVariant) payload = NULL;
  g_autofree char *answer = NULL;
  guint32 from = 99;

  gossip_cluster_send_to_with_response_async (origin->cluster, node, 130,
                                              g_variant_new_parsed ("{'q': <'ping?'>}"),
                                              NULL, response_cb, &reply);
  g_assert_true (test_wait_for (pointer_set, &reply, WAIT_MS));
  payload = gossip_packet_get_payload (reply, NULL);
  g_assert_true (g_variant_lookup (payload, "answer", "s", &answer));
  g_assert_cmpstr (answer, ==, "ping?");
  g_assert_true (g_variant_lookup (payload, "from", "x", NULL) || g_variant_lookup (payload, "from", "t", NULL));
  {
    g_autoptr(GVariant) v = g_variant_lookup_value (payload, "from", NULL);
    from = (guint32) (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64) ? g_variant_get_int64 (v)
                                                                     : (gint64) g_variant_get_uint64 (v));
  }
  g_assert_cmpuint (from, ==, 1);
  g_assert_cmpstr (gossip_packet_get_sender_id (reply), ==,
                   gossip_node_get_id (gossip_cluster_get_local_node (target->cluster)));
}

typedef struct {
  Fixture    *f;
  const char *node_id;
  const char *value;
} MetaCond;

static gboolean
all_see_metadata (gpointer user_data)
{
  MetaCond *c = user_data;

  for (guint i = 0; i < c->f->members->len; i++)
    {
      GossipNode *node = gossip_cluster_get_node (member (c->f, i)->cluster, c->node_id);
      g_autofree char *v = gossip_metadata_get_string (gossip_node_get_metadata (node), "dc");

      if (g_strcmp0 (v, c->value) != 0)
        return FALSE;
    }
  return TRUE;
}

static void
test_metadata (Fixture       *f,
               gconstpointer  data)
{
  Member *origin = member (f, 1);
  GossipMetadata *md = gossip_cluster_get_local_metadata (origin->cluster);
  MetaCond cond = { f, gossip_node_get_id (gossip_cluster_get_local_node (origin->cluster)), "eu-west" };

  gossip_metadata_set_string (md, "dc", "eu-west");
  gossip_metadata_set_int32 (md, "weight", 7);
  g_assert_true (test_wait_for (all_see_metadata, &cond, WAIT_MS));
  for (guint i = 0; i < f->members->len; i++)
    {
      GossipNode *node = gossip_cluster_get_node (member (f, i)->cluster, cond.node_id);
      GossipMetadata *seen = gossip_node_get_metadata (node);

      g_assert_cmpint (gossip_metadata_get_int64 (seen, "weight"), ==, 7);
      g_assert_cmpuint (gossip_metadata_get_timestamp (seen), ==, gossip_metadata_get_timestamp (md));
      g_assert_cmpuint (member (f, i)->metadata_events, >=, 1);
      g_assert_cmpint (gossip_metadata_is_read_only (seen), ==, member (f, i) != origin);
    }

  /* A second change wins over the first everywhere. */
  cond.value = "us-east";
  gossip_metadata_set_string (md, "dc", "us-east");
  gossip_cluster_update_metadata (origin->cluster);
  g_assert_true (test_wait_for (all_see_metadata, &cond, WAIT_MS));
}

static void
test_reliable (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Member *origin = member (f, 0);

  g_assert_true (gossip_cluster_send_full (origin->cluster, 128,
                                           g_variant_new_parsed ("{'text': <'over tcp'>}"), NULL,
                                           GOSSIP_SEND_RELIABLE, NULL, 0, NULL, &error));
  g_assert_true (test_wait_for (every_other_got_one, f, WAIT_MS));
  settle (200);
  for (guint i = 1; i < f->members->len; i++)
    {
      Member *m = member (f, i);
      g_assert_cmpuint (m->receipts->len, ==, 1);
      g_assert_true (((Receipt *) m->receipts->pdata[0])->reliable);
      g_assert_cmpstr (((Receipt *) m->receipts->pdata[0])->text, ==, "over tcp");
    }
}

static void
test_large (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  Member *origin = member (f, 0);
  GString *big = g_string_sized_new (100 * 1024);

  /* Not trivially compressible, so snappy does not shrink it below a datagram. */
  for (guint i = 0; big->len < 100 * 1024; i++)
    g_string_append_printf (big, "%08x", g_random_int ());
  g_assert_true (gossip_cluster_send (origin->cluster, 128,
                                      g_variant_new_parsed ("{'text': <%s>}", big->str), &error));
  g_assert_no_error (error);
  g_assert_true (test_wait_for (every_other_got_one, f, WAIT_MS));
  settle (200);
  for (guint i = 1; i < f->members->len; i++)
    {
      Receipt *r = member (f, i)->receipts->pdata[0];
      g_assert_cmpuint (member (f, i)->receipts->len, ==, 1);
      g_assert_true (r->reliable);   /* switched to TCP by itself */
      g_assert_cmpstr (r->text, ==, big->str);
    }
  g_string_free (big, TRUE);
}

typedef struct {
  Fixture        *f;
  const char     *node_id;
  GossipNodeState state;   /* UNKNOWN = removed */
} StateCond;

static gboolean
others_see_state (gpointer user_data)
{
  StateCond *c = user_data;

  for (guint i = 0; i < c->f->members->len - 1; i++)
    {
      GossipNode *node = gossip_cluster_get_node (member (c->f, i)->cluster, c->node_id);
      GossipNodeState s = node ? gossip_node_get_state (node) : GOSSIP_NODE_STATE_UNKNOWN;
      if (s != c->state)
        return FALSE;
    }
  return TRUE;
}

static void
test_leave (Fixture       *f,
            gconstpointer  data)
{
  Member *leaver = member (f, f->members->len - 1);
  g_autofree char *id = g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (leaver->cluster)));
  StateCond cond = { f, id, GOSSIP_NODE_STATE_LEAVING };
  g_autofree char *leaving = g_strdup_printf ("%s:alive->leaving", id);
  g_autofree char *dead = g_strdup_printf ("%s:leaving->dead", id);
  g_autofree char *removed = g_strdup_printf ("%s:dead->unknown", id);

  gossip_cluster_leave (leaver->cluster);
  g_assert_cmpint (gossip_node_get_state (gossip_cluster_get_local_node (leaver->cluster)), ==,
                   GOSSIP_NODE_STATE_LEAVING);
  g_assert_true (test_wait_for (others_see_state, &cond, WAIT_MS));

  /* Then Dead after the suspect retention period, then removed. */
  cond.state = GOSSIP_NODE_STATE_UNKNOWN;
  g_assert_true (test_wait_for (others_see_state, &cond, WAIT_MS));
  for (guint i = 0; i < f->members->len - 1; i++)
    {
      GPtrArray *t = member (f, i)->transitions;
      guint a = 0, b = 0, c = 0;

      for (guint j = 0; j < t->len; j++)
        {
          a += g_str_equal (t->pdata[j], leaving);
          b += g_str_equal (t->pdata[j], dead);
          c += g_str_equal (t->pdata[j], removed);
        }
      if (a != 1 || b != 1 || c != 1)
        for (guint j = 0; j < t->len; j++)
          if (g_str_has_prefix (t->pdata[j], id))
            g_test_message ("node %u saw %s", i, (char *) t->pdata[j]);
      g_assert_cmpuint (a, ==, 1);
      g_assert_cmpuint (b, ==, 1);
      g_assert_cmpuint (c, ==, 1);
      g_assert_cmpuint (gossip_cluster_get_n_nodes (member (f, i)->cluster), ==, f->members->len - 1);
    }
}

/* ---- construction errors ---- */

static void
test_config_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GBytes) key = g_bytes_new_static ("1234567890123456", 16);
  g_autoptr(GBytes) bad_key = g_bytes_new_static ("12345", 5);
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  GossipCluster *cluster;

  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_set_encryption_key (config, key);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_null (cluster);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  gossip_config_set_cipher (config, cipher);
  gossip_config_set_encryption_key (config, bad_key);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_null (cluster);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  gossip_config_set_encryption_key (config, NULL);
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_null (cluster);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  gossip_config_set_cipher (config, NULL);
  gossip_config_set_node_id (config, "not-a-uuid");
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_null (cluster);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_INVALID_CONFIG);
  g_clear_error (&error);

  gossip_config_set_node_id (config, "0196042b-1caa-7ad9-9ea3-c57b2e189b23");
  gossip_config_set_bind_address (config, "[::1");
  cluster = gossip_cluster_new (config, NULL, &error);
  g_assert_null (cluster);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS);
}

static gboolean
refuse_old (const char *version,
            gpointer    user_data)
{
  return g_str_has_prefix (version, "2.");
}

static void
test_join_rejected (void)
{
  g_autoptr(GossipConfig) ca = make_config (VARIANT_MSGPACK);
  g_autoptr(GossipConfig) cb = make_config (VARIANT_MSGPACK);
  g_autoptr(GossipCluster) a = NULL;
  g_autoptr(GossipCluster) b = NULL;
  g_autoptr(GError) error = NULL;
  const char *seed[2] = { NULL, NULL };
  const char *nowhere[2] = { "127.0.0.1:1", NULL };

  g_object_set (ca, "application-version", "2.1", NULL);
  gossip_config_set_application_version_check (ca, refuse_old, NULL, NULL);
  g_object_set (cb, "application-version", "1.9", NULL);
  a = gossip_cluster_new (ca, NULL, &error);
  g_assert_no_error (error);
  b = gossip_cluster_new (cb, NULL, &error);
  g_assert_no_error (error);

  /* Joining before start is an error, not a crash (Go panics). */
  seed[0] = gossip_cluster_get_advertise_address (a);
  g_assert_cmpuint (test_cluster_join (b, seed, NULL, &error), ==, 0);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  gossip_cluster_start (a);
  gossip_cluster_start (b);
  g_assert_cmpuint (test_cluster_join (b, seed, NULL, &error), ==, 0);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_REJECTED);
  g_assert_nonnull (strstr (error->message, "incompatible application version: 1.9"));
  g_clear_error (&error);
  g_assert_cmpuint (gossip_cluster_get_n_nodes (a), ==, 1);

  g_assert_cmpuint (test_cluster_join (b, nowhere, NULL, &error), ==, 0);
  g_assert_nonnull (error);
  g_clear_error (&error);

  gossip_cluster_stop (a);
  gossip_cluster_stop (b);
}

static const Params params[] = {
  { VARIANT_MSGPACK, 3 }, { VARIANT_JSON, 3 }, { VARIANT_SECURE, 3 },
  { VARIANT_MSGPACK, 10 }, { VARIANT_JSON, 10 }, { VARIANT_SECURE, 10 },
};

static const char * const variant_names[] = { "msgpack", "json", "aes-gcm+snappy" };

static void
add_all (const char *name,
         void (*func) (Fixture *, gconstpointer))
{
  for (guint i = 0; i < G_N_ELEMENTS (params); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cluster/%s/%u/%s", variant_names[params[i].variant],
                                               params[i].n, name);
      g_test_add (path, Fixture, &params[i], fixture_setup, func, fixture_teardown);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cluster/config-errors", test_config_errors);
  g_test_add_func ("/cluster/join-rejected", test_join_rejected);
  add_all ("converge", test_converge);
  add_all ("broadcast", test_broadcast);
  add_all ("send-to", test_send_to);
  add_all ("reply", test_reply);
  add_all ("metadata", test_metadata);
  add_all ("reliable", test_reliable);
  add_all ("large-payload-uses-tcp", test_large);
  add_all ("leave", test_leave);
  return g_test_run ();
}
