/* gossip-glib-agent: runs one gossip cluster node and exports it on D-Bus.
 *
 * Like `serf agent`: it reads its settings from the command line and/or a
 * key file (data/gossip-glib-agent.conf), starts the node, joins the peers
 * it was given and serves org.gnome.GossipGlib1.Agent at
 * /org/gnome/GossipGlib1/Agent under the bus name org.gnome.GossipGlib1
 * (org.gnome.GossipGlib1.NAME with --name NAME, so that several agents can
 * share one bus). It runs until SIGINT/SIGTERM or a Leave call.
 *
 * Exit status: 0 after a clean stop, 1 on bad settings or a node that does
 * not start, 2 when the bus or the bus name is not available. */

#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "agent-config.h"
#include "agent-service.h"

typedef struct {
  GMainLoop     *loop;
  GossipCluster *cluster;
  AgentService  *service;
  AgentConfig   *config;
  GArray        *uids;
  int            status;
} Agent;

static gboolean
on_signal (gpointer data)
{
  Agent *agent = data;

  g_main_loop_quit (agent->loop);
  return G_SOURCE_CONTINUE;
}

static void
on_left (AgentService *service,
         Agent        *agent)
{
  g_message ("left the cluster; stopping");
  g_main_loop_quit (agent->loop);
}

static void
initial_join_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  guint n = gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &error);

  if (error != NULL)
    g_warning ("joining the configured peers failed: %s", error->message);
  else
    g_message ("joined through %u peer(s)", n);
}

static void
bus_acquired (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  Agent *agent = user_data;
  g_autoptr(GError) error = NULL;

  agent->service = agent_service_new (agent->cluster, agent->uids);
  g_signal_connect (agent->service, "left", G_CALLBACK (on_left), agent);
  if (!agent_service_export (agent->service, connection, &error))
    {
      g_printerr (_("Cannot export the agent: %s\n"), error->message);
      agent->status = 2;
      g_main_loop_quit (agent->loop);
    }
}

static void
name_acquired (GDBusConnection *connection,
               const char      *name,
               gpointer         user_data)
{
  Agent *agent = user_data;

  g_message ("node %s at %s serving %s",
             gossip_node_get_id (gossip_cluster_get_local_node (agent->cluster)),
             gossip_cluster_get_advertise_address (agent->cluster), name);
  if (agent->config->join != NULL && agent->config->join[0] != NULL)
    gossip_cluster_join_async (agent->cluster, (const char * const *) agent->config->join,
                               NULL, initial_join_done, agent);
}

static void
name_lost (GDBusConnection *connection,
           const char      *name,
           gpointer         user_data)
{
  Agent *agent = user_data;

  g_printerr (connection == NULL ? _("Cannot connect to the message bus\n")
                                 : _("The bus name %s is taken or was lost\n"), name);
  agent->status = 2;
  g_main_loop_quit (agent->loop);
}

static gboolean
set_local_metadata (GossipCluster  *cluster,
                    GPtrArray      *metadata)
{
  GossipMetadata *meta = gossip_cluster_get_local_metadata (cluster);

  for (guint i = 0; i < metadata->len; i++)
    {
      const char *kv = g_ptr_array_index (metadata, i);
      const char *eq = strchr (kv, '=');
      g_autofree char *key = g_strndup (kv, eq - kv);

      gossip_metadata_set_string (meta, key, eq + 1);
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(AgentConfig) config = agent_config_new ();
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GossipConfig) gconfig = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *config_file = NULL;
  g_autofree char *bus_name = NULL;
  g_auto(GStrv) metadata = NULL;
  gboolean session = FALSE, system_bus = FALSE, compress = FALSE, websocket = FALSE;
  char *name = NULL, *bind = NULL, *advertise = NULL, *node_id = NULL, *codec = NULL;
  char *cipher = NULL, *key_file = NULL;
  char **join = NULL;
  double scale = 0.0;
  Agent agent = { 0 };
  guint owner_id;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_file, N_("Read settings from a key file"), N_("FILE") },
    { "session", 0, 0, G_OPTION_ARG_NONE, &session, N_("Serve on the session bus (default)"), NULL },
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus, N_("Serve on the system bus"), NULL },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, N_("Bus name suffix: org.gnome.GossipGlib1.NAME"), N_("NAME") },
    { "bind", 'b', 0, G_OPTION_ARG_STRING, &bind, N_("Address to listen on (127.0.0.1:3500)"), N_("HOST:PORT") },
    { "advertise", 'a', 0, G_OPTION_ARG_STRING, &advertise, N_("Address other nodes reach this one at"), N_("HOST:PORT") },
    { "join", 'j', 0, G_OPTION_ARG_STRING_ARRAY, &join, N_("Peer to join at start (repeatable)"), N_("HOST:PORT") },
    { "node-id", 0, 0, G_OPTION_ARG_STRING, &node_id, N_("Node ID (a UUID; default: a new one)"), N_("ID") },
    { "codec", 0, 0, G_OPTION_ARG_STRING, &codec, N_("Wire codec: msgpack or json"), N_("CODEC") },
    { "cipher", 0, 0, G_OPTION_ARG_STRING, &cipher, N_("Encryption: none, aes-gcm or xchacha"), N_("CIPHER") },
    { "key-file", 'k', 0, G_OPTION_ARG_FILENAME, &key_file, N_("File holding the raw encryption key"), N_("FILE") },
    { "compress", 0, 0, G_OPTION_ARG_NONE, &compress, N_("Compress payloads with Snappy"), NULL },
    { "websocket", 0, 0, G_OPTION_ARG_NONE, &websocket, N_("WebSocket transport (not available yet)"), NULL },
    { "meta", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &metadata, N_("Metadata of this node (repeatable)"), N_("KEY=VALUE") },
    { "scale-intervals", 0, 0, G_OPTION_ARG_DOUBLE, &scale, N_("Multiply every protocol interval (tests)"), N_("FACTOR") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, GOSSIP_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _("Run a gossip cluster node and serve it on D-Bus."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  if (config_file != NULL && !agent_config_load_key_file (config, config_file, &error))
    {
      g_printerr (_("Cannot read the config file: %s\n"), error->message);
      return 1;
    }

  /* The command line wins over the file. */
#define TAKE(field, v) if ((v) != NULL) { g_free (config->field); config->field = (v); }
  TAKE (name_suffix, name);
  TAKE (bind, bind);
  TAKE (advertise, advertise);
  TAKE (node_id, node_id);
  TAKE (codec, codec);
  TAKE (cipher, cipher);
  TAKE (key_file, key_file);
#undef TAKE
  if (join != NULL)
    {
      g_strfreev (config->join);
      config->join = join;
    }
  if (system_bus)
    config->system_bus = TRUE;
  else if (session)
    config->system_bus = FALSE;
  if (compress)
    config->compress = TRUE;
  if (websocket)
    config->websocket = TRUE;
  if (scale != 0.0)
    config->scale = scale;
  for (guint i = 0; metadata != NULL && metadata[i] != NULL; i++)
    g_ptr_array_add (config->metadata, g_strdup (metadata[i]));

  gconfig = agent_config_build (config, &error);
  if (gconfig == NULL || !agent_config_allowed_uids (config, &agent.uids, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }

  agent.cluster = gossip_cluster_new (gconfig, NULL, &error);
  if (agent.cluster == NULL)
    {
      g_printerr (_("Cannot start the node: %s\n"), error->message);
      g_array_unref (agent.uids);
      return 1;
    }
  set_local_metadata (agent.cluster, config->metadata);
  gossip_cluster_start (agent.cluster);

  loop = g_main_loop_new (NULL, FALSE);
  agent.loop = loop;
  agent.config = config;
  g_unix_signal_add (SIGINT, on_signal, &agent);
  g_unix_signal_add (SIGTERM, on_signal, &agent);

  bus_name = agent_config_bus_name (config);
  owner_id = g_bus_own_name (config->system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
                             bus_name, G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                             bus_acquired, name_acquired, name_lost, &agent, NULL);
  g_main_loop_run (loop);

  g_bus_unown_name (owner_id);
  if (agent.service != NULL)
    agent_service_unexport (agent.service);
  g_clear_object (&agent.service);
  gossip_cluster_stop (agent.cluster);
  g_clear_object (&agent.cluster);
  g_array_unref (agent.uids);
  return agent.status;
}
