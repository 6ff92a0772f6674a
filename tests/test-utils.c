/* test-utils.c: shared helpers for the gossip-glib tests. */
#include "test-utils.h"

#include <string.h>

static gboolean
deadline_cb (gpointer user_data)
{
  gboolean *expired = user_data;
  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
test_wait_for (TestCondFunc cond, gpointer user_data, guint timeout_ms)
{
  GMainContext *ctx = g_main_context_get_thread_default ();
  gboolean expired = FALSE;
  GSource *timeout;

  if (cond (user_data))
    return TRUE;

  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, deadline_cb, &expired, NULL);
  g_source_attach (timeout, ctx);

  while (!expired && !cond (user_data))
    g_main_context_iteration (ctx, TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  return cond (user_data);
}

GBytes *
test_hex_to_bytes (const char *hex)
{
  GByteArray *out = g_byte_array_new ();
  int hi = -1;

  for (const char *p = hex; *p; p++)
    {
      int v = g_ascii_xdigit_value (*p);
      if (v < 0)
        continue;
      if (hi < 0)
        hi = v;
      else
        {
          guint8 b = (guint8) ((hi << 4) | v);
          g_byte_array_append (out, &b, 1);
          hi = -1;
        }
    }
  g_assert_cmpint (hi, ==, -1);
  return g_byte_array_free_to_bytes (out);
}

char *
test_bytes_to_hex (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);
  GString *s = g_string_sized_new (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (s, "%02x", data[i]);
  return g_string_free (s, FALSE);
}

char *
test_data_path (const char *relative)
{
  const char *dir = g_getenv ("GOSSIP_TEST_DATA");

  /* meson sets it; by hand, run from the top of the checkout. */
  if (dir == NULL)
    dir = "tests/data";
  return g_build_filename (dir, relative, NULL);
}

static gboolean
time_reached (gpointer user_data)
{
  return g_get_monotonic_time () >= *(gint64 *) user_data;
}

void
test_run_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  test_wait_for (time_reached, &until, ms + 1000);
}

static void
join_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

guint
test_cluster_join (GossipCluster      *cluster,
                   const char * const *peers,
                   GCancellable       *cancellable,
                   GError            **error)
{
  g_autoptr(GMainContext) context = g_main_context_ref_thread_default ();
  g_autoptr(GAsyncResult) result = NULL;

  gossip_cluster_join_async (cluster, peers, cancellable, join_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  return gossip_cluster_join_finish (cluster, result, error);
}

gboolean
test_clusters_converged (gpointer user_data)
{
  GPtrArray *clusters = user_data;

  for (guint i = 0; i < clusters->len; i++)
    if (gossip_cluster_get_n_alive (clusters->pdata[i]) != clusters->len)
      return FALSE;
  return TRUE;
}

void
test_clusters_join_first (GPtrArray *clusters)
{
  const char *seed[2] = { gossip_cluster_get_advertise_address (clusters->pdata[0]), NULL };

  for (guint i = 1; i < clusters->len; i++)
    {
      g_autoptr(GError) error = NULL;
      test_cluster_join (clusters->pdata[i], seed, NULL, &error);
      g_assert_no_error (error);
    }
  g_assert_true (test_wait_for (test_clusters_converged, clusters, 10000));
}

void
test_clusters_free (GPtrArray *clusters)
{
  for (guint i = 0; i < clusters->len; i++)
    gossip_cluster_stop (clusters->pdata[i]);
  g_ptr_array_unref (clusters);
}

gsize
test_rss_bytes (void)
{
  g_autofree char *text = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &text, NULL, NULL));
  line = strstr (text, "\nVmRSS:");
  g_assert_nonnull (line);
  return (gsize) g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10) * 1024;
}

guint64
test_stat (GossipCluster *cluster,
           const char    *name)
{
  GossipStats *stats = gossip_cluster_get_stats (cluster);
  guint64 v = gossip_stats_get (stats, name);

  gossip_stats_unref (stats);
  return v;
}
