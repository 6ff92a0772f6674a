/* fuzz-main.c: a standalone driver for the fuzz targets, used when the
 * build is not a clang -Dfuzzing=true build (gcc, the normal and the ASan
 * builds). It replays every file of the directories (or files) given on
 * the command line through LLVMFuzzerTestOneInput, then a fixed number of
 * deterministic mutations of each (bit flips, interesting bytes, cuts,
 * insertions, duplicated chunks, splices with another seed), so every
 * build re-checks the seed corpus and the regression inputs with a bit of
 * exploration around them. Arguments starting with '-' are ignored so the
 * same command lines work with libFuzzer flags. FUZZ_MUTATIONS overrides
 * the number of mutations per input (default 5000).
 */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz-common.h"

#define DEFAULT_MUTATIONS 5000
#define FUZZ_MAX_INPUT 65536

/* The input being run, for the crash handler. */
static const guint8 *current_data;
static gsize current_len;
static const char *current_name;

typedef struct {
  char   *name;
  GBytes *data;
} Input;

static void
input_free (gpointer p)
{
  Input *in = p;

  g_free (in->name);
  g_bytes_unref (in->data);
  g_free (in);
}

static void
add_file (GPtrArray  *inputs,
          const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;
  Input *in;

  if (!g_file_get_contents (path, &contents, &len, &error))
    g_error ("Cannot read %s: %s", path, error->message);

  in = g_new0 (Input, 1);
  in->name = g_strdup (path);
  in->data = g_bytes_new_take (contents, len);
  g_ptr_array_add (inputs, in);
}

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static void
add_path (GPtrArray  *inputs,
          const char *path)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        add_file (inputs, path);
      else
        g_printerr ("fuzz-main: skipping missing %s\n", path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;

  /* Sorted, so the mutation sequence does not depend on readdir order. */
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_ptr_array_sort (names, compare_paths);
  for (guint i = 0; i < names->len; i++)
    if (g_file_test (names->pdata[i], G_FILE_TEST_IS_REGULAR))
      add_file (inputs, names->pdata[i]);
}

/* Async-signal-safe: prints the input that crashed, in hex, so it can be
 * saved under fuzz/regressions/, then lets the signal kill the process. */
static void
crash_handler (int sig)
{
  static const char digits[] = "0123456789abcdef";
  static const char prefix[] = "\nfuzz-main: crashing input (from ";
  char out[2];

  if (write (2, prefix, sizeof prefix - 1) < 0)
    goto out;
  if (current_name != NULL && write (2, current_name, strlen (current_name)) < 0)
    goto out;
  if (write (2, "):\n", 3) < 0)
    goto out;
  for (gsize i = 0; i < current_len; i++)
    {
      out[0] = digits[current_data[i] >> 4];
      out[1] = digits[current_data[i] & 15];
      if (write (2, out, 2) < 0)
        goto out;
    }
  if (write (2, "\n", 1) < 0)
    goto out;
out:
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
run_one (const char   *name,
         const guint8 *data,
         gsize         len)
{
  current_name = name;
  current_data = data;
  current_len = len;
  LLVMFuzzerTestOneInput (data, len);
  current_data = NULL;
  current_len = 0;
}

static const guint8 interesting[] = {
  0x00, 0x01, 0x02, 0x0f, 0x10, 0x7f, 0x80, 0x81, 0xc0, 0xc1, 0xc4, 0xcc, 0xcd,
  0xce, 0xcf, 0xd3, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xfe, 0xff, '"', '[', '{', '}',
  ']', ':', ',', '\\', '0', '9', '-', 'e', '.',
};

/* A GByteArray is a GArray of guint8; GLib has no byte-array insert. */
static void
insert_bytes (GByteArray   *buf,
              guint         pos,
              const guint8 *bytes,
              guint         n)
{
  g_array_insert_vals ((GArray *) buf, pos, bytes, n);
}

static void
mutate (GRand       *rand,
        GByteArray  *buf,
        GPtrArray   *inputs)
{
  guint n_ops = g_rand_int_range (rand, 1, 5);

  for (guint op = 0; op < n_ops; op++)
    {
      guint len = buf->len;
      guint pos = len > 0 ? g_rand_int_range (rand, 0, len) : 0;

      switch (g_rand_int_range (rand, 0, 9))
        {
        case 0: /* flip a bit */
          if (len > 0)
            buf->data[pos] ^= 1u << g_rand_int_range (rand, 0, 8);
          break;
        case 1: /* an interesting byte */
          if (len > 0)
            buf->data[pos] = interesting[g_rand_int_range (rand, 0, G_N_ELEMENTS (interesting))];
          break;
        case 2: /* a random byte */
          if (len > 0)
            buf->data[pos] = g_rand_int_range (rand, 0, 256);
          break;
        case 3: /* cut the tail */
          g_byte_array_set_size (buf, pos);
          break;
        case 4: /* remove a chunk */
          if (len > 0)
            g_byte_array_remove_range (buf, pos, g_rand_int_range (rand, 1, len - pos + 1));
          break;
        case 5: /* insert random bytes */
          {
            guint8 bytes[8];
            guint n = g_rand_int_range (rand, 1, 9);

            for (guint i = 0; i < n; i++)
              bytes[i] = g_rand_int_range (rand, 0, 256);
            if (buf->len + n <= FUZZ_MAX_INPUT)
              insert_bytes (buf, pos, bytes, n);
          }
          break;
        case 6: /* duplicate a chunk */
          if (len > 0)
            {
              guint n = g_rand_int_range (rand, 1, MIN (len - pos, 64) + 1);
              g_autofree guint8 *chunk = g_memdup2 (buf->data + pos, n);

              if (buf->len + n <= FUZZ_MAX_INPUT)
                insert_bytes (buf, g_rand_int_range (rand, 0, len + 1), chunk, n);
            }
          break;
        case 7: /* a big-endian length field set to an extreme value */
          if (len >= 2)
            {
              static const guint16 values[] = { 0x0000, 0x0001, 0x7fff, 0x8000, 0xffff };
              guint16 v = values[g_rand_int_range (rand, 0, G_N_ELEMENTS (values))];

              pos = MIN (pos, len - 2);
              buf->data[pos] = v >> 8;
              buf->data[pos + 1] = v & 0xff;
            }
          break;
        case 8: /* splice with another input */
          {
            Input *other = inputs->pdata[g_rand_int_range (rand, 0, inputs->len)];
            gsize olen;
            const guint8 *odata = g_bytes_get_data (other->data, &olen);

            if (olen > 0)
              {
                guint from = g_rand_int_range (rand, 0, olen);

                g_byte_array_set_size (buf, pos);
                if (buf->len + (olen - from) <= FUZZ_MAX_INPUT)
                  g_byte_array_append (buf, odata + from, olen - from);
              }
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (input_free);
  const char *env = g_getenv ("FUZZ_MUTATIONS");
  guint n_mutations = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : DEFAULT_MUTATIONS;
  guint64 execs = 0;
  gint64 start = g_get_monotonic_time ();

  signal (SIGABRT, crash_handler);
  signal (SIGSEGV, crash_handler);
  signal (SIGBUS, crash_handler);
  signal (SIGFPE, crash_handler);

  for (int i = 1; i < argc; i++)
    if (argv[i][0] != '-')
      add_path (inputs, argv[i]);

  if (inputs->len == 0)
    {
      g_printerr ("usage: %s CORPUS-DIR-OR-FILE...\n", argv[0]);
      return 2;
    }

  /* The inputs themselves first, so a regression is reported by name. */
  for (guint i = 0; i < inputs->len; i++)
    {
      Input *in = inputs->pdata[i];
      gsize len;
      const guint8 *data = g_bytes_get_data (in->data, &len);
      /* A private copy, so ASan sees reads past the end of the input. */
      g_autofree guint8 *copy = g_memdup2 (data, len);

      run_one (in->name, copy, len);
      execs++;
    }

  for (guint i = 0; i < inputs->len; i++)
    {
      Input *in = inputs->pdata[i];
      g_autoptr(GRand) rand = g_rand_new_with_seed (g_str_hash (in->name) ^ i);
      g_autoptr(GByteArray) buf = g_byte_array_new ();

      for (guint m = 0; m < n_mutations; m++)
        {
          gsize len;
          const guint8 *data = g_bytes_get_data (in->data, &len);
          g_autofree guint8 *copy = NULL;

          g_byte_array_set_size (buf, 0);
          g_byte_array_append (buf, data, len);
          mutate (rand, buf, inputs);
          copy = g_memdup2 (buf->data, buf->len);
          run_one (in->name, copy, buf->len);
          execs++;
        }
    }

  g_print ("fuzz-main: %u inputs, %" G_GUINT64_FORMAT " executions in %.1f s\n",
           inputs->len, execs, (g_get_monotonic_time () - start) / 1e6);
  return 0;
}
