/* test-multiprocess.c: clusters of gossip-test-node processes.
 *
 * Each node runs in its own process with its own sockets and main loop, so
 * these tests see what a deployment sees: join over real TCP, membership
 * spreading, broadcasts and direct messages crossing process boundaries,
 * and clean exits. Output lines are read asynchronously on the main loop and
 * every wait has a deadline; a failing test kills its children.
 */
#include "test-utils.h"

#include <signal.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#define LINE_TIMEOUT_MS 20000
#define EXIT_TIMEOUT_MS 10000
#define TEST_KEY        "1234567890123456"

typedef struct {
  char             *name;
  GSubprocess      *proc;
  GOutputStream    *stdin_pipe;
  GDataInputStream *stdout_data;
  GCancellable     *cancellable;
  GPtrArray        *lines;     /* every line printed so far */
  gboolean          reading;   /* a read_line_async is pending */
  gboolean          eof;
  gboolean          exited;
  char             *id;
  char             *address;
} Child;

typedef struct {
  GPtrArray *children;
} Fixture;

static void
child_free (Child *child)
{
  g_free (child->name);
  g_clear_object (&child->proc);
  g_clear_object (&child->stdin_pipe);
  g_clear_object (&child->stdout_data);
  g_clear_object (&child->cancellable);
  g_clear_pointer (&child->lines, g_ptr_array_unref);
  g_free (child->id);
  g_free (child->address);
  g_free (child);
}

static void child_read_next (Child *child);

static void
on_child_line (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Child *child = user_data;
  g_autoptr(GError) error = NULL;
  char *line;
  gsize len;

  child->reading = FALSE;
  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                    result, &len, &error);
  if (line == NULL)
    {
      child->eof = TRUE;
      return;
    }
  g_test_message ("%s: %s", child->name, line);
  g_ptr_array_add (child->lines, line);
  if (!g_cancellable_is_cancelled (child->cancellable))
    child_read_next (child);
}

static void
child_read_next (Child *child)
{
  child->reading = TRUE;
  g_data_input_stream_read_line_async (child->stdout_data, G_PRIORITY_DEFAULT,
                                       child->cancellable, on_child_line, child);
}

/* A failed assertion aborts the test before its teardown runs: the nodes
 * then see end of input and quit, and on Linux the kernel also kills them
 * when this process dies. */
static void
child_setup (gpointer user_data)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
}

static Child *
spawn_node (Fixture    *fixture,
            const char *name,
            ...) G_GNUC_NULL_TERMINATED;

/* Starts a node with the extra arguments given (NULL-terminated). */
static Child *
spawn_node (Fixture    *fixture,
            const char *name,
            ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *program = g_test_build_filename (G_TEST_BUILT, "gossip-test-node", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  Child *child = g_new0 (Child, 1);
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, program);
  g_ptr_array_add (argv, (gpointer) "--scale");
  g_ptr_array_add (argv, (gpointer) "0.1");
  va_start (args, name);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  child->name = g_strdup (name);
  child->lines = g_ptr_array_new_with_free_func (g_free);
  child->cancellable = g_cancellable_new ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  child->proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                              &error);
  g_assert_no_error (error);
  g_assert_nonnull (child->proc);
  /* Registered before anything can fail, so the teardown kills it. */
  g_ptr_array_add (fixture->children, child);

  child->stdin_pipe = g_object_ref (g_subprocess_get_stdin_pipe (child->proc));
  child->stdout_data = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->proc));
  child_read_next (child);
  return child;
}

typedef struct {
  Child      *child;
  const char *want;
  gboolean    prefix;
  guint       from;    /* first line index to look at */
  const char *found;
} LineMatch;

static gboolean
line_seen (gpointer user_data)
{
  LineMatch *m = user_data;

  for (guint i = m->from; i < m->child->lines->len; i++)
    {
      const char *line = m->child->lines->pdata[i];

      if (m->prefix ? g_str_has_prefix (line, m->want) : g_str_equal (line, m->want))
        {
          m->found = line;
          return TRUE;
        }
    }
  return m->child->eof;
}

/* Waits for a line equal to (or starting with) @want, at index @from or
 * later; returns it. */
static const char *
expect_line_from (Child      *child,
                  const char *want,
                  gboolean    prefix,
                  guint       from)
{
  LineMatch m = { child, want, prefix, from, NULL };

  if (!test_wait_for (line_seen, &m, LINE_TIMEOUT_MS) || m.found == NULL)
    g_error ("%s: no line %s“%s” within %d ms%s", child->name,
             prefix ? "starting with " : "", want, LINE_TIMEOUT_MS,
             child->eof ? " (the node exited)" : "");
  return m.found;
}

static const char *
expect_line (Child      *child,
             const char *want,
             gboolean    prefix)
{
  return expect_line_from (child, want, prefix, 0);
}

static gboolean
has_line (Child      *child,
          const char *want)
{
  LineMatch m = { child, want, FALSE, 0, NULL };

  line_seen (&m);
  return m.found != NULL;
}

static void
command (Child      *child,
         const char *format,
         ...) G_GNUC_PRINTF (2, 3);

static void
command (Child      *child,
         const char *format,
         ...)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  va_list args;

  va_start (args, format);
  line = g_strdup_vprintf (format, args);
  va_end (args);
  g_test_message ("%s < %s", child->name, line);
  g_assert_true (g_output_stream_write_all (child->stdin_pipe, line, strlen (line),
                                            NULL, NULL, &error));
  g_assert_true (g_output_stream_write_all (child->stdin_pipe, "\n", 1, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* Reads the node's "ready <id> <address>" line. */
static void
expect_ready (Child *child)
{
  const char *line = expect_line (child, "ready ", TRUE);
  g_auto(GStrv) words = g_strsplit (line, " ", -1);

  g_assert_cmpuint (g_strv_length (words), ==, 3);
  g_assert_cmpuint (strlen (words[1]), ==, 36);
  g_assert_true (g_str_has_prefix (words[2], "127.0.0.1:"));
  g_assert_cmpstr (words[2], !=, "127.0.0.1:0");
  child->id = g_strdup (words[1]);
  child->address = g_strdup (words[2]);
}

static void
on_wait_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
flag_set (gpointer user_data)
{
  return *(gboolean *) user_data;
}

static void
expect_clean_exit (Child *child)
{
  gboolean done = FALSE;

  g_subprocess_wait_async (child->proc, NULL, on_wait_done, &done);
  if (!test_wait_for (flag_set, &done, EXIT_TIMEOUT_MS))
    {
      /* Let the pending wait complete before @done goes out of scope. */
      g_subprocess_force_exit (child->proc);
      test_wait_for (flag_set, &done, EXIT_TIMEOUT_MS);
      g_error ("%s did not exit within %d ms", child->name, EXIT_TIMEOUT_MS);
    }
  child->exited = TRUE;
  g_assert_true (g_subprocess_get_if_exited (child->proc));
  g_assert_cmpint (g_subprocess_get_exit_status (child->proc), ==, 0);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->children = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
}

static gboolean
not_reading (gpointer user_data)
{
  return !((Child *) user_data)->reading;
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  for (guint i = 0; i < fixture->children->len; i++)
    {
      Child *child = fixture->children->pdata[i];

      if (!child->exited)
        {
          g_subprocess_force_exit (child->proc);
          g_subprocess_wait (child->proc, NULL, NULL);
        }
      /* The pending read must finish before @child is freed. */
      g_cancellable_cancel (child->cancellable);
      test_wait_for (not_reading, child, EXIT_TIMEOUT_MS);
      g_assert_false (child->reading);
    }
  g_ptr_array_unref (fixture->children);
}

/* Waits until @observer sees every node of @others alive. */
static void
expect_alive (Child  *observer,
              Child **others,
              guint   n_others)
{
  for (guint i = 0; i < n_others; i++)
    {
      g_autofree char *want = g_strdup_printf ("state %s unknown alive", others[i]->id);

      expect_line (observer, want, FALSE);
    }
}

static void
expect_n_alive (Child *child,
                guint  n)
{
  g_autofree char *want = g_strdup_printf ("alive %u", n);

  command (child, "alive?");
  expect_line (child, want, FALSE);
}

/* @data is the codec name. */
static void
test_two_nodes (Fixture       *fixture,
                gconstpointer  data)
{
  const char *codec = data;
  Child *a, *b;
  g_autofree char *msg_from_b = NULL;
  g_autofree char *msg_from_a = NULL;

  a = spawn_node (fixture, "A", "--codec", codec, NULL);
  expect_ready (a);
  b = spawn_node (fixture, "B", "--codec", codec, "--join", a->address, NULL);
  expect_ready (b);
  g_assert_cmpstr (a->id, !=, b->id);

  expect_line (b, "joined 1", FALSE);
  expect_alive (a, &b, 1);
  expect_alive (b, &a, 1);
  expect_n_alive (a, 2);
  expect_n_alive (b, 2);

  /* A broadcast from B reaches A ... */
  command (b, "send hello-from-b");
  msg_from_b = g_strdup_printf ("msg 128 %s hello-from-b", b->id);
  expect_line (a, msg_from_b, FALSE);

  /* ... and a direct message from A reaches B. */
  command (a, "sendto %s hi-b", b->id);
  msg_from_a = g_strdup_printf ("msg 129 %s hi-b", a->id);
  expect_line (b, msg_from_a, FALSE);

  /* Nobody hears its own messages. */
  g_assert_false (has_line (b, msg_from_b));
  g_assert_false (has_line (a, msg_from_a));

  /* Metadata set on A shows up on B. */
  {
    g_autofree char *meta = g_strdup_printf ("meta %s", a->id);
    guint from = b->lines->len;

    command (a, "meta role db");
    expect_line_from (b, meta, FALSE, from);
  }

  /* A leaves: B sees it leaving, A counts itself out. */
  {
    g_autofree char *leaving = g_strdup_printf ("state %s alive leaving", a->id);

    command (a, "leave");
    expect_line (b, leaving, FALSE);
    expect_n_alive (b, 1);
  }

  command (a, "quit");
  command (b, "quit");
  expect_clean_exit (a);
  expect_clean_exit (b);
  for (guint i = 0; i < 2; i++)
    {
      Child *c = i == 0 ? a : b;

      for (guint j = 0; j < c->lines->len; j++)
        g_assert_false (g_str_has_prefix (c->lines->pdata[j], "error "));
    }
}

static void
test_three_nodes_secure (Fixture       *fixture,
                         gconstpointer  data)
{
  Child *nodes[3];
  g_autofree char *from_b = NULL;
  g_autofree char *from_c = NULL;
  g_autofree char *direct = NULL;
  static const char * const names[] = { "A", "B", "C" };

  nodes[0] = spawn_node (fixture, names[0], "--key", TEST_KEY, "--codec", "msgpack", NULL);
  expect_ready (nodes[0]);
  for (guint i = 1; i < 3; i++)
    {
      nodes[i] = spawn_node (fixture, names[i], "--key", TEST_KEY, "--codec", "msgpack",
                             "--join", nodes[0]->address, NULL);
      expect_ready (nodes[i]);
      expect_line (nodes[i], "joined 1", FALSE);
    }

  /* Each node learns of both others (B and C of each other via A). */
  for (guint i = 0; i < 3; i++)
    {
      Child *others[2];
      guint n = 0;

      for (guint j = 0; j < 3; j++)
        if (j != i)
          others[n++] = nodes[j];
      expect_alive (nodes[i], others, 2);
    }
  for (guint i = 0; i < 3; i++)
    expect_n_alive (nodes[i], 3);

  /* A broadcast from B reaches A and C, one from C reaches A and B. */
  command (nodes[1], "send hello-from-b");
  from_b = g_strdup_printf ("msg 128 %s hello-from-b", nodes[1]->id);
  expect_line (nodes[0], from_b, FALSE);
  expect_line (nodes[2], from_b, FALSE);

  command (nodes[2], "send hello-from-c");
  from_c = g_strdup_printf ("msg 128 %s hello-from-c", nodes[2]->id);
  expect_line (nodes[0], from_c, FALSE);
  expect_line (nodes[1], from_c, FALSE);

  /* A direct message between the two nodes that joined through A. */
  command (nodes[1], "sendto %s hi-c", nodes[2]->id);
  direct = g_strdup_printf ("msg 129 %s hi-c", nodes[1]->id);
  expect_line (nodes[2], direct, FALSE);

  for (guint i = 0; i < 3; i++)
    command (nodes[i], "quit");
  for (guint i = 0; i < 3; i++)
    expect_clean_exit (nodes[i]);

  /* Each broadcast was delivered once per receiver, never to its sender,
   * and the direct message only to its target. */
  for (guint i = 0; i < 3; i++)
    {
      guint n_from_b = 0, n_from_c = 0;

      for (guint j = 0; j < nodes[i]->lines->len; j++)
        {
          const char *line = nodes[i]->lines->pdata[j];

          g_assert_false (g_str_has_prefix (line, "error "));
          n_from_b += g_str_equal (line, from_b);
          n_from_c += g_str_equal (line, from_c);
        }
      g_assert_cmpuint (n_from_b, ==, i == 1 ? 0 : 1);
      g_assert_cmpuint (n_from_c, ==, i == 2 ? 0 : 1);
    }
  g_assert_false (has_line (nodes[0], direct));
  g_assert_false (has_line (nodes[1], direct));
}

/* The key matters: a node with another key cannot join. */
static void
test_wrong_key (Fixture       *fixture,
                gconstpointer  data)
{
  Child *a, *b;

  a = spawn_node (fixture, "A", "--key", TEST_KEY, NULL);
  expect_ready (a);
  b = spawn_node (fixture, "B", "--key", "6543210987654321", "--join", a->address, NULL);
  expect_ready (b);
  expect_line (b, "joined 0", FALSE);
  expect_n_alive (a, 1);
  expect_n_alive (b, 1);
  command (a, "quit");
  command (b, "quit");
  expect_clean_exit (a);
  expect_clean_exit (b);
  for (guint i = 0; i < a->lines->len; i++)
    g_assert_false (strstr (a->lines->pdata[i], b->id) != NULL);
}

/* kill -9 of one node process of five: every survivor marks it Suspect,
 * then Dead. Run in the "health" suite. */
static void
test_kill_9 (Fixture       *fixture,
             gconstpointer  data)
{
  Child *nodes[5];
  Child *victim;
  gint64 start;
  double t_suspect = 0, t_dead = 0;

  nodes[0] = spawn_node (fixture, "N0", NULL);
  expect_ready (nodes[0]);
  for (guint i = 1; i < 5; i++)
    {
      g_autofree char *name = g_strdup_printf ("N%u", i);
      nodes[i] = spawn_node (fixture, name, "--join", nodes[0]->address, NULL);
      expect_ready (nodes[i]);
    }
  for (guint i = 0; i < 5; i++)
    for (guint j = 0; j < 5; j++)
      if (i != j)
        expect_alive (nodes[i], &nodes[j], 1);

  victim = nodes[2];
  start = g_get_monotonic_time ();
  g_subprocess_send_signal (victim->proc, SIGKILL);

  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *suspect = NULL;
      g_autofree char *dead = NULL;

      if (nodes[i] == victim)
        continue;
      /* Either Suspect first, or (if confirmations were quick) straight to Dead. */
      suspect = g_strdup_printf ("state %s alive ", victim->id);
      expect_line (nodes[i], suspect, TRUE);
      t_suspect = MAX (t_suspect, (g_get_monotonic_time () - start) / 1e6);
      dead = g_strdup_printf ("state %s suspect dead", victim->id);
      expect_line (nodes[i], dead, FALSE);
      t_dead = MAX (t_dead, (g_get_monotonic_time () - start) / 1e6);
    }
  g_test_message ("kill -9 of 1 of 5 processes: every survivor saw it not-alive within %.2f s and Dead "
                  "within %.2f s (intervals x0.1: health check 100 ms, ping timeout 50 ms)", t_suspect, t_dead);
  /* Generous: a suspect retention period is 30 s at this scale. */
  g_assert_cmpfloat (t_dead, <, 15.0);

  for (guint i = 0; i < 5; i++)
    if (nodes[i] != victim)
      {
        command (nodes[i], "quit");
        expect_clean_exit (nodes[i]);
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/multiprocess/two-nodes", Fixture, "msgpack",
              fixture_setup, test_two_nodes, fixture_teardown);
  g_test_add ("/multiprocess/two-nodes-json", Fixture, "json",
              fixture_setup, test_two_nodes, fixture_teardown);
  g_test_add ("/multiprocess/three-nodes-msgpack-secure", Fixture, NULL,
              fixture_setup, test_three_nodes_secure, fixture_teardown);
  g_test_add ("/multiprocess/wrong-key", Fixture, NULL,
              fixture_setup, test_wrong_key, fixture_teardown);
  g_test_add ("/multiprocess/health/kill-9", Fixture, NULL,
              fixture_setup, test_kill_9, fixture_teardown);

  return g_test_run ();
}
