/* example-common.c: flags, configuration and the command loop shared by the
 * C examples (see example-common.h). */
#include "example-common.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <string.h>

/* The key every Go example uses (AES-128-GCM). */
#define EXAMPLE_KEY "1234567890123456"

typedef struct {
  char               *name;
  char               *usage;
  char               *help;
  ExampleCommandFunc  func;
  gpointer            user_data;
} Command;

static void
command_free (gpointer data)
{
  Command *c = data;

  g_free (c->name);
  g_free (c->usage);
  g_free (c->help);
  g_free (c);
}

void
example_print (const char *format,
               ...)
{
  va_list args;

  va_start (args, format);
  vprintf (format, args);
  va_end (args);
  putchar ('\n');
  fflush (stdout);
}

static gboolean
accept_any_version (const char *version,
                    gpointer    user_data)
{
  return TRUE;
}

static int    opt_port = 8000;
static int    opt_web_port = 0;
static char  *opt_peers = NULL;
static char  *opt_node_id = NULL;
static double opt_scale = 1.0;

static const GOptionEntry common_entries[] = {
  { "port", 0, 0, G_OPTION_ARG_INT, &opt_port, "TCP/UDP port to bind on 127.0.0.1 (default 8000)", "PORT" },
  { "web-port", 0, 0, G_OPTION_ARG_INT, &opt_web_port, "Run over WebSockets only, serving ws://127.0.0.1:PORT/ (as the Go examples)", "PORT" },
  { "peers", 0, 0, G_OPTION_ARG_STRING, &opt_peers, "Comma-separated peers to join", "HOST:PORT,..." },
  { "node-id", 0, 0, G_OPTION_ARG_STRING, &opt_node_id, "Node ID (a UUID; default: random)", "ID" },
  { "interval-scale", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_DOUBLE, &opt_scale, "Scale every interval (tests)", "F" },
  G_OPTION_ENTRY_NULL
};

Example *
example_new (const char          *name,
             const char          *summary,
             const GOptionEntry  *extra,
             int                 *argc,
             char              ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  Example *self = g_new0 (Example, 1);
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  g_autoptr(GossipCompressor) compressor = gossip_snappy_compressor_new ();
  g_autoptr(GossipCipher) cipher = gossip_aes_gcm_cipher_new ();
  g_autoptr(GBytes) key = g_bytes_new_static (EXAMPLE_KEY, strlen (EXAMPLE_KEY));
  g_autofree char *bind = NULL;

  g_option_context_set_summary (context, summary);
  g_option_context_add_main_entries (context, common_entries, NULL);
  if (extra != NULL)
    g_option_context_add_main_entries (context, extra, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      g_printerr ("%s: %s\n", name, error->message);
      exit (2);
    }
  if (opt_port <= 0 || opt_port > 65535 || opt_web_port < 0 || opt_web_port > 65535)
    {
      g_printerr ("%s: --port and --web-port must be 1-65535\n", name);
      exit (2);
    }

  self->name = name;
  self->commands = g_ptr_array_new_with_free_func (command_free);
  self->cancellable = g_cancellable_new ();
  self->loop = g_main_loop_new (NULL, FALSE);
  self->config = gossip_config_new ();
  if (opt_web_port != 0)
    {
      /* The Go examples' WebSocket mode: an HTTP server with the gossip
       * handler at /, plain ws:// allowed, no UDP/TCP transport. */
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GSocketAddress) ws_bind = g_inet_socket_address_new (loopback, opt_web_port);
      g_autoptr(GossipWebsocketTransport) ws = NULL;

      ws = g_initable_new (GOSSIP_TYPE_WEBSOCKET_TRANSPORT, NULL, &error,
                           "bind-address", ws_bind,
                           "allow-insecure-websockets", TRUE,
                           NULL);
      if (ws == NULL)
        {
          g_printerr ("%s: --web-port %d: %s\n", name, opt_web_port, error->message);
          exit (1);
        }
      gossip_config_set_transport (self->config, GOSSIP_TRANSPORT (ws));
    }
  else
    {
      bind = g_strdup_printf ("127.0.0.1:%d", opt_port);
      gossip_config_set_bind_address (self->config, bind);
      gossip_config_set_advertise_address (self->config, bind);
    }
  if (opt_node_id != NULL)
    gossip_config_set_node_id (self->config, opt_node_id);
  gossip_config_set_codec (self->config, codec);
  gossip_config_set_compressor (self->config, compressor);
  gossip_config_set_cipher (self->config, cipher);
  gossip_config_set_encryption_key (self->config, key);
  g_object_set (self->config, "application-version", "0.0.1", NULL);
  gossip_config_set_application_version_check (self->config, accept_any_version, NULL, NULL);
  if (opt_scale != 1.0)
    gossip_config_scale_intervals (self->config, opt_scale);
  if (opt_peers != NULL && opt_peers[0] != '\0')
    self->peers = g_strsplit (opt_peers, ",", -1);
  return self;
}

static void
print_node_line (GossipNode *node)
{
  GossipMetadata *md = gossip_node_get_metadata (node);
  g_auto(GStrv) keys = gossip_metadata_get_keys (md);
  g_autoptr(GString) meta = g_string_new (NULL);

  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      g_autofree char *value = gossip_metadata_get_string (md, keys[i]);

      g_string_append_printf (meta, "%s%s=%s", i ? " " : "", keys[i], value ? value : "");
    }
  example_print ("%-36s  %-21s  %-8s  %s%s", gossip_node_get_id (node),
                 gossip_node_get_address (node),
                 gossip_node_state_to_string (gossip_node_get_state (node)),
                 meta->str, gossip_node_is_local (node) ? "  (this node)" : "");
}

GossipNode *
example_find_node (Example    *self,
                   const char *id)
{
  GossipNode *node = gossip_cluster_get_node (self->cluster, id);

  if (node == NULL)
    example_print ("unknown node %s", id);
  return node;
}

static void
cmd_peers (Example *self, char **argv, gpointer user_data)
{
  GListModel *nodes = gossip_cluster_get_nodes (self->cluster);
  guint n = g_list_model_get_n_items (nodes);

  example_print ("%-36s  %-21s  %-8s  %s", "ID", "ADDRESS", "STATE", "METADATA");
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GossipNode) node = g_list_model_get_item (nodes, i);

      print_node_line (node);
    }
  example_print ("%u nodes, %u alive", n, gossip_cluster_get_n_alive (self->cluster));
}

static void
cmd_whoami (Example *self, char **argv, gpointer user_data)
{
  GossipNode *local = gossip_cluster_get_local_node (self->cluster);

  example_print ("I am %s at %s", gossip_node_get_id (local),
                 gossip_cluster_get_advertise_address (self->cluster));
}

static void
cmd_set_meta (Example *self, char **argv, gpointer user_data)
{
  if (g_strv_length (argv) != 2)
    {
      example_print ("usage: set-meta <key> <value>");
      return;
    }
  gossip_metadata_set_string (gossip_cluster_get_local_metadata (self->cluster), argv[0], argv[1]);
  gossip_cluster_update_metadata (self->cluster);
  example_print ("metadata %s=%s set", argv[0], argv[1]);
}

static void
cmd_get_meta (Example *self, char **argv, gpointer user_data)
{
  GossipNode *node;
  g_autofree char *value = NULL;

  if (g_strv_length (argv) != 2)
    {
      example_print ("usage: get-meta <node-id> <key>");
      return;
    }
  if ((node = example_find_node (self, argv[0])) == NULL)
    return;
  if (!gossip_metadata_contains (gossip_node_get_metadata (node), argv[1]))
    {
      example_print ("%s has no metadata key %s", argv[0], argv[1]);
      return;
    }
  value = gossip_metadata_get_string (gossip_node_get_metadata (node), argv[1]);
  example_print ("%s: %s=%s", argv[0], argv[1], value);
}

static void
cmd_show_meta (Example *self, char **argv, gpointer user_data)
{
  GossipNode *node;
  g_auto(GStrv) keys = NULL;

  if (g_strv_length (argv) != 1)
    {
      example_print ("usage: show-meta <node-id>");
      return;
    }
  if ((node = example_find_node (self, argv[0])) == NULL)
    return;
  keys = gossip_metadata_get_keys (gossip_node_get_metadata (node));
  example_print ("metadata of %s (%u keys):", argv[0], g_strv_length (keys));
  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *value = gossip_metadata_get_string (gossip_node_get_metadata (node), keys[i]);

      example_print ("  %s = %s", keys[i], value);
    }
}

static void
cmd_help (Example *self, char **argv, gpointer user_data)
{
  example_print ("commands:");
  for (guint i = 0; i < self->commands->len; i++)
    {
      Command *c = self->commands->pdata[i];

      example_print ("  %-28s %s", c->usage, c->help);
    }
}

static void
cmd_quit (Example *self, char **argv, gpointer user_data)
{
  g_main_loop_quit (self->loop);
}

gboolean
example_create (Example *self)
{
  g_autoptr(GError) error = NULL;

  self->cluster = gossip_cluster_new (self->config, NULL, &error);
  if (self->cluster == NULL)
    {
      g_printerr ("%s: %s\n", self->name, error->message);
      self->status = 1;
      return FALSE;
    }
  example_add_command (self, "peers", "peers", "list the nodes of the cluster", cmd_peers, NULL);
  example_add_command (self, "whoami", "whoami", "this node's ID and address", cmd_whoami, NULL);
  example_add_command (self, "set-meta", "set-meta <key> <value>", "set a metadata string on this node", cmd_set_meta, NULL);
  example_add_command (self, "get-meta", "get-meta <node-id> <key>", "read one metadata value of a node", cmd_get_meta, NULL);
  example_add_command (self, "show-meta", "show-meta <node-id>", "all metadata of a node", cmd_show_meta, NULL);
  example_add_command (self, "help", "help", "this list", cmd_help, NULL);
  example_add_command (self, "quit", "quit", "leave the cluster and exit", cmd_quit, NULL);
  return TRUE;
}

void
example_add_command (Example            *self,
                     const char         *name,
                     const char         *usage,
                     const char         *help,
                     ExampleCommandFunc  func,
                     gpointer            user_data)
{
  Command *c = g_new0 (Command, 1);

  c->name = g_strdup (name);
  c->usage = g_strdup (usage);
  c->help = g_strdup (help);
  c->func = func;
  c->user_data = user_data;
  /* Examples' own commands come before the common ones in `help`. */
  g_ptr_array_add (self->commands, c);
}

static void
run_line (Example    *self,
          const char *line)
{
  g_auto(GStrv) words = NULL;
  g_autoptr(GError) error = NULL;
  int argc;

  if (line[0] == '\0')
    return;
  if (!g_shell_parse_argv (line, &argc, &words, &error))
    {
      example_print ("cannot read command: %s", error->message);
      return;
    }
  for (guint i = 0; i < self->commands->len; i++)
    {
      Command *c = self->commands->pdata[i];

      if (g_str_equal (c->name, words[0]))
        {
          c->func (self, words + 1, c->user_data);
          return;
        }
    }
  example_print ("unknown command %s (try help)", words[0]);
}

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Example *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, &error);

  if (line == NULL)
    {
      /* End of input (or it was cancelled): leave like `quit`. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_main_loop_quit (self->loop);
      return;
    }
  run_line (self, g_strstrip (line));
  if (g_main_loop_is_running (self->loop))
    g_data_input_stream_read_line_async (self->input, G_PRIORITY_DEFAULT, self->cancellable,
                                         line_cb, self);
}

static void
join_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint n = gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &error);

  if (error != NULL)
    example_print ("join failed: %s", error->message);
  else
    example_print ("joined the cluster through %u peer(s)", n);
}

static gboolean
stop_loop_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
example_run (Example *self)
{
  g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);

  if (self->cluster == NULL && !example_create (self))
    return self->status;
  gossip_cluster_start (self->cluster);
  example_print ("%s: node %s listening on %s (type help)", self->name,
                 gossip_node_get_id (gossip_cluster_get_local_node (self->cluster)),
                 gossip_cluster_get_advertise_address (self->cluster));
  if (self->peers != NULL)
    gossip_cluster_join_async (self->cluster, (const char * const *) self->peers, NULL, join_cb, self);

  self->input = g_data_input_stream_new (in);
  g_data_input_stream_read_line_async (self->input, G_PRIORITY_DEFAULT, self->cancellable,
                                       line_cb, self);
  g_main_loop_run (self->loop);

  g_cancellable_cancel (self->cancellable);
  gossip_cluster_leave (self->cluster);
  /* Give the leave a moment to go out before the sockets close. */
  g_timeout_add (200, stop_loop_cb, self->loop);
  g_main_loop_run (self->loop);
  gossip_cluster_stop (self->cluster);
  example_print ("%s: left the cluster", self->name);
  return self->status;
}

void
example_free (Example *self)
{
  g_clear_object (&self->cluster);
  g_clear_object (&self->config);
  g_clear_object (&self->input);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->peers, g_strfreev);
  g_clear_pointer (&self->commands, g_ptr_array_unref);
  g_free (self);
}
