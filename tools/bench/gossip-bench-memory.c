/* gossip-bench-memory.c: what one node costs in memory when every node
 * runs in its own process (gossip-bench --processes).
 *
 * RSS counts every page a process maps, shared libraries included, so
 * summing it over P processes counts libglib P times; PSS divides each
 * shared page among the processes that map it, so the PSS sum is what the
 * P nodes cost the machine together. Both come from /proc/PID/smaps_rollup
 * (Linux >= 4.14); where that file is missing the figures are left out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "gossip-bench-memory.h"

/* Reads the "Rss:" and "Pss:" lines (in kB) of /proc/PID/smaps_rollup. */
gboolean
bench_smaps_rollup (const char *pid,
                    guint64    *rss_bytes,
                    guint64    *pss_bytes)
{
  g_autofree char *path = g_strdup_printf ("/proc/%s/smaps_rollup", pid);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean have_rss = FALSE, have_pss = FALSE;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "Rss:"))
        {
          *rss_bytes = g_ascii_strtoull (lines[i] + 4, NULL, 10) * 1024;
          have_rss = TRUE;
        }
      else if (g_str_has_prefix (lines[i], "Pss:"))
        {
          *pss_bytes = g_ascii_strtoull (lines[i] + 4, NULL, 10) * 1024;
          have_pss = TRUE;
        }
    }
  return have_rss && have_pss;
}

static int
cmp_u64 (gconstpointer a,
         gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

static double
median_mb (GArray *values)
{
  guint n = values->len;

  g_array_sort (values, cmp_u64);
  if (n == 0)
    return 0;
  if (n % 2)
    return g_array_index (values, guint64, n / 2) / 1048576.0;
  return (g_array_index (values, guint64, n / 2 - 1) +
          g_array_index (values, guint64, n / 2)) / 2.0 / 1048576.0;
}

static double
max_mb (GArray *sorted)
{
  return sorted->len ? g_array_index (sorted, guint64, sorted->len - 1) / 1048576.0 : 0;
}

/* Adds the per-process RSS and PSS (median and largest, MB) and the PSS
 * sum over the running children in @subprocesses (GSubprocess*) to
 * @result, and prints them when @print. */
void
bench_processes_memory (JsonObject *result,
                        GPtrArray  *subprocesses,
                        gboolean    print)
{
  g_autoptr(GArray) rss = g_array_new (FALSE, FALSE, sizeof (guint64));
  g_autoptr(GArray) pss = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint64 pss_sum = 0;

  for (guint i = 0; i < subprocesses->len; i++)
    {
      const char *pid = g_subprocess_get_identifier (subprocesses->pdata[i]);
      guint64 r, p;

      if (pid == NULL || !bench_smaps_rollup (pid, &r, &p))
        continue;
      g_array_append_val (rss, r);
      g_array_append_val (pss, p);
      pss_sum += p;
    }
  json_object_set_int_member (result, "measured_processes", rss->len);
  if (rss->len == 0)
    {
      if (print)
        g_print ("  RSS/PSS per process: not measured (no /proc/PID/smaps_rollup)\n");
      return;
    }
  json_object_set_double_member (result, "rss_mb_median", median_mb (rss));
  json_object_set_double_member (result, "rss_mb_max", max_mb (rss));
  json_object_set_double_member (result, "pss_mb_median", median_mb (pss));
  json_object_set_double_member (result, "pss_mb_max", max_mb (pss));
  json_object_set_double_member (result, "pss_mb_sum", pss_sum / 1048576.0);
  if (print)
    {
      g_print ("  per child process (%u children, after S1): RSS median %.1f MB "
               "(max %.1f), PSS median %.1f MB (max %.1f)\n",
               rss->len, median_mb (rss), max_mb (rss), median_mb (pss), max_mb (pss));
      g_print ("  PSS summed over the children: %.1f MB (%.0f KB per child)\n",
               pss_sum / 1048576.0, pss_sum / 1024.0 / rss->len);
    }
}
