/* gossip-test-node.c: one cluster node driven over stdin/stdout, for tests
 * that need nodes in separate processes (real sockets, real exits).
 *
 * It prints one flushed line per event ("ready <id> <address>", "joined <n>",
 * "state <id> <old> <new>", "meta <id>", "msg <type> <sender> <text>",
 * "alive <n>", "peer <id> <address> <state>" ... "peers <n>", "error <text>")
 * and reads one command per line ("send <text>", "sendto <id> <text>",
 * "meta <key> <value>", "leave", "alive?", "peers?", "quit").
 * End of input means quit, so a test that dies takes its nodes with it.
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#if __has_include (<gio/gunixinputstream.h>)
#include <gio/gunixinputstream.h>
#define HAVE_GIO_UNIX 1
#endif

#include "gossip-glib.h"

#define MSG_BROADCAST 128
#define MSG_DIRECT    129

typedef struct {
  GMainLoop        *loop;
  GossipCluster    *cluster;
  GDataInputStream *input;
  GCancellable     *cancellable;
  int               exit_status;
} TestNode;

static void emit (const char *format,
                  ...) G_GNUC_PRINTF (1, 2);

static void
emit (const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

/* Replaces line breaks so that one event stays one line. */
static char *
one_line (const char *text)
{
  char *copy = g_strdup (text != NULL ? text : "");

  g_strdelimit (copy, "\r\n", ' ');
  return copy;
}

static void
emit_error (const char *what,
            GError     *error)
{
  g_autofree char *text = one_line (error != NULL ? error->message : "failed");

  emit ("error %s: %s", what, text);
}

static void
quit (TestNode *node)
{
  g_cancellable_cancel (node->cancellable);
  g_main_loop_quit (node->loop);
}

static void
on_node_state_changed (GossipCluster   *cluster,
                       GossipNode      *gnode,
                       GossipNodeState  old_state,
                       GossipNodeState  new_state,
                       gpointer         user_data)
{
  emit ("state %s %s %s", gossip_node_get_id (gnode),
        gossip_node_state_to_string (old_state),
        gossip_node_state_to_string (new_state));
}

static void
on_node_metadata_changed (GossipCluster *cluster,
                          GossipNode    *gnode,
                          gpointer       user_data)
{
  emit ("meta %s", gossip_node_get_id (gnode));
}

static void
on_message (GossipCluster *cluster,
            GossipNode    *sender,
            GossipPacket  *packet,
            gpointer       user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, &error);
  g_autofree char *text = NULL;
  const char *raw = NULL;

  if (payload == NULL)
    {
      emit_error ("payload", error);
      return;
    }
  if (!g_variant_is_of_type (payload, G_VARIANT_TYPE_VARDICT) ||
      !g_variant_lookup (payload, "text", "&s", &raw))
    {
      g_autofree char *printed = g_variant_print (payload, TRUE);
      g_autofree char *line = one_line (printed);

      emit ("error payload: unexpected %s", line);
      return;
    }
  text = one_line (raw);
  emit ("msg %u %s %s", gossip_packet_get_message_type (packet),
        gossip_packet_get_sender_id (packet), text);
}

static GVariant *
text_payload (const char *text)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "text", g_variant_new_string (text));
  return g_variant_ref_sink (g_variant_builder_end (&b));
}

static void
on_joined (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint n;

  n = gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &error);
  if (error != NULL)
    emit_error ("join", error);
  emit ("joined %u", n);
}

static void
run_command (TestNode   *node,
             const char *line)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) words = g_strsplit (line, " ", 3);
  const char *cmd = words[0] != NULL ? words[0] : "";

  if (g_str_equal (cmd, "send") && words[1] != NULL)
    {
      /* The text is everything after the command. */
      g_autoptr(GVariant) payload = text_payload (line + strlen ("send "));

      if (!gossip_cluster_send (node->cluster, MSG_BROADCAST, payload, &error))
        emit_error ("send", error);
    }
  else if (g_str_equal (cmd, "sendto") && words[1] != NULL && words[2] != NULL)
    {
      GossipNode *target = gossip_cluster_get_node (node->cluster, words[1]);
      g_autoptr(GVariant) payload = text_payload (words[2]);

      if (target == NULL)
        emit ("error sendto: unknown node %s", words[1]);
      else if (!gossip_cluster_send_to (node->cluster, target, MSG_DIRECT, payload, &error))
        emit_error ("sendto", error);
    }
  else if (g_str_equal (cmd, "meta") && words[1] != NULL && words[2] != NULL)
    {
      gossip_metadata_set_string (gossip_cluster_get_local_metadata (node->cluster),
                                  words[1], words[2]);
      gossip_cluster_update_metadata (node->cluster);
    }
  else if (g_str_equal (line, "leave"))
    gossip_cluster_leave (node->cluster);
  else if (g_str_equal (line, "alive?"))
    emit ("alive %u", gossip_cluster_get_n_alive (node->cluster));
  else if (g_str_equal (line, "peers?"))
    {
      /* Every known node (this one included) with the address this node
       * has for it; the closing "peers <n>" line tells the reader the
       * list is complete. */
      GListModel *nodes = gossip_cluster_get_nodes (node->cluster);
      guint n = g_list_model_get_n_items (nodes);

      for (guint i = 0; i < n; i++)
        {
          g_autoptr(GossipNode) peer = g_list_model_get_item (nodes, i);

          emit ("peer %s %s %s", gossip_node_get_id (peer), gossip_node_get_address (peer),
                gossip_node_state_to_string (gossip_node_get_state (peer)));
        }
      emit ("peers %u", n);
    }
  else if (g_str_equal (line, "quit"))
    quit (node);
  else if (*line != '\0')
    {
      g_autofree char *text = one_line (line);

      emit ("error unknown command: %s", text);
    }
}

static void read_next_line (TestNode *node);

static void
on_line (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  TestNode *node = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize len;

  line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                    result, &len, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (line == NULL)
    {
      /* EOF or a broken pipe: the driver is gone. */
      if (error != NULL)
        emit_error ("stdin", error);
      quit (node);
      return;
    }

  g_strchomp (line);
  run_command (node, line);
  if (!g_cancellable_is_cancelled (node->cancellable))
    read_next_line (node);
}

static void
read_next_line (TestNode *node)
{
  g_data_input_stream_read_line_async (node->input, G_PRIORITY_DEFAULT,
                                       node->cancellable, on_line, node);
}

/* Standard input as a stream. Without the gio-unix-2.0 headers, reopening
 * /dev/stdin gives a (thread-backed) stream on the same pipe. */
static GInputStream *
open_stdin (GError **error)
{
#ifdef HAVE_GIO_UNIX
  return g_unix_input_stream_new (STDIN_FILENO, FALSE);
#else
  g_autoptr(GFile) file = g_file_new_for_path ("/dev/stdin");

  return G_INPUT_STREAM (g_file_read (file, NULL, error));
#endif
}

static gboolean
on_signal (gpointer user_data)
{
  quit (user_data);
  return G_SOURCE_CONTINUE;
}

static GossipConfig *
make_config (const char  *bind,
             const char  *node_id,
             double       scale,
             const char  *codec_name,
             const char  *key,
             GError     **error)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GossipCodec) codec = NULL;

  gossip_config_set_bind_address (config, bind != NULL ? bind : "127.0.0.1:0");
  if (node_id != NULL)
    gossip_config_set_node_id (config, node_id);
  if (scale > 0)
    gossip_config_scale_intervals (config, scale);

  if (codec_name == NULL || g_str_equal (codec_name, "msgpack"))
    codec = gossip_msgpack_codec_new ();
  else if (g_str_equal (codec_name, "json"))
    codec = gossip_json_codec_new ();
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "unknown codec “%s” (msgpack or json)", codec_name);
      return NULL;
    }
  gossip_config_set_codec (config, codec);

  if (key != NULL)
    {
      g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
      g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();
      g_autoptr(GBytes) key_bytes = g_bytes_new (key, strlen (key));

      gossip_config_set_cipher (config, cipher);
      gossip_config_set_encryption_key (config, key_bytes);
      gossip_config_set_compressor (config, compressor);
    }

  return g_steal_pointer (&config);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *bind = NULL;
  g_autofree char *node_id = NULL;
  g_autofree char *codec_name = NULL;
  g_autofree char *key = NULL;
  g_auto(GStrv) joins = NULL;
  double scale = 0;
  GOptionEntry entries[] = {
    { "bind", 0, 0, G_OPTION_ARG_STRING, &bind, "Bind address (127.0.0.1:0)", "ADDR" },
    { "join", 0, 0, G_OPTION_ARG_STRING_ARRAY, &joins, "Peer to join (repeatable)", "ADDR" },
    { "node-id", 0, 0, G_OPTION_ARG_STRING, &node_id, "Node ID (a UUID)", "ID" },
    { "scale", 0, 0, G_OPTION_ARG_DOUBLE, &scale, "Scale every interval by FACTOR", "FACTOR" },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &codec_name, "msgpack (default) or json", "CODEC" },
    { "key", 0, 0, G_OPTION_ARG_STRING, &key, "AES-GCM key (also enables snappy)", "KEY" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipConfig) config = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  TestNode node = { 0, };
  guint sigterm_id, sigint_id;

  setlocale (LC_ALL, "");

  context = g_option_context_new ("- a gossip-glib node driven over stdin/stdout");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  config = make_config (bind, node_id, scale, codec_name, key, &error);
  if (config == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  node.exit_status = EXIT_SUCCESS;
  node.loop = g_main_loop_new (NULL, FALSE);
  node.cancellable = g_cancellable_new ();
  node.cluster = gossip_cluster_new (config, NULL, &error);
  if (node.cluster == NULL)
    {
      emit_error ("start", error);
      g_main_loop_unref (node.loop);
      g_object_unref (node.cancellable);
      return EXIT_FAILURE;
    }

  g_signal_connect (node.cluster, "node-state-changed",
                    G_CALLBACK (on_node_state_changed), &node);
  g_signal_connect (node.cluster, "node-metadata-changed",
                    G_CALLBACK (on_node_metadata_changed), &node);
  if (!gossip_cluster_handle (node.cluster, MSG_BROADCAST, on_message, &node, NULL, &error) ||
      !gossip_cluster_handle_no_forward (node.cluster, MSG_DIRECT, on_message, &node, NULL, &error))
    {
      emit_error ("handle", error);
      node.exit_status = EXIT_FAILURE;
      goto out;
    }

  gossip_cluster_start (node.cluster);
  emit ("ready %s %s", gossip_node_get_id (gossip_cluster_get_local_node (node.cluster)),
        gossip_cluster_get_advertise_address (node.cluster));

  if (joins != NULL && joins[0] != NULL)
    gossip_cluster_join_async (node.cluster, (const char * const *) joins,
                               node.cancellable, on_joined, &node);

  stdin_stream = open_stdin (&error);
  if (stdin_stream == NULL)
    {
      emit_error ("stdin", error);
      node.exit_status = EXIT_FAILURE;
      goto out;
    }
  node.input = g_data_input_stream_new (stdin_stream);
  g_data_input_stream_set_newline_type (node.input, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  read_next_line (&node);

  sigterm_id = g_unix_signal_add (SIGTERM, on_signal, &node);
  sigint_id = g_unix_signal_add (SIGINT, on_signal, &node);
  g_main_loop_run (node.loop);
  g_source_remove (sigterm_id);
  g_source_remove (sigint_id);

out:
  gossip_cluster_stop (node.cluster);
  /* Let cancelled operations deliver their callbacks before freeing;
   * bounded, in case something keeps the context busy. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_clear_object (&node.input);
  g_clear_object (&node.cluster);
  g_clear_object (&node.cancellable);
  g_main_loop_unref (node.loop);
  return node.exit_status;
}
