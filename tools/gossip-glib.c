/* gossip-glib: the command-line face of a running gossip-glib-agent.
 *
 * Modelled on serf's CLI: `gossip-glib members | join PEER... | leave |
 * send TYPE PAYLOAD | monitor | meta set KEY VALUE | meta get KEY`. It talks
 * to the agent over D-Bus (org.gnome.GossipGlib1.Agent); --json prints
 * machine-readable output.
 *
 * Exit status: 0 success, 1 usage or a failed request, 2 no agent runs (or
 * no bus), 3 the agent refused the request (callers' rights). */

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <glib/gi18n.h>
#include <gio/gio.h>
#include <json-glib/json-glib.h>

#define OBJECT_PATH "/org/gnome/GossipGlib1/Agent"
#define INTERFACE "org.gnome.GossipGlib1.Agent"

enum {
  EXIT_OK = 0,
  EXIT_FAILED = 1,
  EXIT_NO_AGENT = 2,
  EXIT_DENIED = 3,
};

static gboolean opt_system = FALSE;
static gboolean opt_session = FALSE;
static gboolean opt_json = FALSE;
static char *opt_name = NULL;
static char *opt_node = NULL;
static char **opt_type_strings = NULL;

static GDBusConnection *bus = NULL;
static char *bus_name = NULL;
static GMainLoop *monitor_loop = NULL;

static int
report_error (GError *error)
{
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    {
      g_printerr (_("No gossip-glib agent is running as %s (start one with gossip-glib-agent)\n"),
                  bus_name);
      return EXIT_NO_AGENT;
    }
  g_dbus_error_strip_remote_error (error);
  if (g_strcmp0 (remote, "org.freedesktop.DBus.Error.AccessDenied") == 0)
    {
      g_printerr (_("The agent refused: %s\n"), error->message);
      return EXIT_DENIED;
    }
  g_printerr (_("Error: %s\n"), error->message);
  return EXIT_FAILED;
}

static GVariant *
call (const char         *method,
      GVariant           *args,
      const GVariantType *reply_type,
      GError            **error)
{
  return g_dbus_connection_call_sync (bus, bus_name, OBJECT_PATH, INTERFACE, method, args,
                                      reply_type, G_DBUS_CALL_FLAGS_NONE, 30000, NULL, error);
}

static void
print_json (JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;

  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, NULL);
  g_print ("%s\n", text);
}

/* Text for a payload: itself if it is UTF-8, else base64 with a prefix. */
static char *
payload_text (GVariant *payload)
{
  gsize len;
  const char *data = g_variant_get_fixed_array (payload, &len, 1);

  g_autofree char *b64 = NULL;

  if (g_utf8_validate (data, len, NULL) && memchr (data, '\0', len) == NULL)
    return g_strndup (data, len);
  b64 = g_base64_encode ((const guchar *) data, len);
  return g_strconcat ("base64:", b64, NULL);
}

static char *
metadata_text (GVariant *meta)
{
  GString *s = g_string_new (NULL);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, meta);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autofree char *v = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING)
                             ? g_variant_dup_string (value, NULL)
                             : g_variant_print (value, FALSE);
      g_string_append_printf (s, "%s%s=%s", s->len ? "," : "", key, v);
      g_variant_unref (value);
    }
  return g_string_free (s, FALSE);
}

/* ---- commands ---- */

static int
cmd_members (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call ("Members", NULL, G_VARIANT_TYPE ("(a(sssa{sv}))"), &error);
  g_autoptr(GVariantIter) iter = NULL;
  const char *id, *address, *state;
  GVariant *meta;
  JsonArray *array = json_array_new ();

  if (reply == NULL)
    {
      json_array_unref (array);
      return report_error (error);
    }
  g_variant_get (reply, "(a(sssa{sv}))", &iter);
  while (g_variant_iter_next (iter, "(&s&s&s@a{sv})", &id, &address, &state, &meta))
    {
      if (opt_json)
        {
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "id", id);
          json_object_set_string_member (o, "address", address);
          json_object_set_string_member (o, "state", state);
          json_object_set_member (o, "metadata", json_gvariant_serialize (meta));
          json_array_add_object_element (array, o);
        }
      else
        {
          g_autofree char *m = metadata_text (meta);
          g_print ("%-36s  %-21s  %-8s  %s\n", id, address, state, m);
        }
      g_variant_unref (meta);
    }
  if (opt_json)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), array);
      print_json (node);
    }
  json_array_unref (array);
  return EXIT_OK;
}

static int
cmd_join (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint n;

  if (argc < 1)
    {
      g_printerr (_("Usage: gossip-glib join PEER...\n"));
      return EXIT_FAILED;
    }
  reply = call ("Join", g_variant_new ("(^as)", argv), G_VARIANT_TYPE ("(u)"), &error);
  if (reply == NULL)
    return report_error (error);
  g_variant_get (reply, "(u)", &n);
  if (opt_json)
    g_print ("{\"contacted\":%u}\n", n);
  else
    g_print (g_dngettext (GETTEXT_PACKAGE, "Joined the cluster through %u peer\n",
                          "Joined the cluster through %u peers\n", n), n);
  return EXIT_OK;
}

static int
cmd_leave (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = call ("Leave", NULL, NULL, &error);

  if (reply == NULL)
    return report_error (error);
  if (!opt_json)
    g_print (_("The node left the cluster\n"));
  return EXIT_OK;
}

static gboolean
parse_type (const char *s,
            guint16    *type)
{
  guint64 n;

  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXUINT16, &n, NULL))
    {
      g_printerr (_("“%s” is not a message type (0–65535)\n"), s);
      return FALSE;
    }
  *type = n;
  return TRUE;
}

static int
cmd_send (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  GVariant *payload;
  guint16 type;

  if (argc != 2)
    {
      g_printerr (_("Usage: gossip-glib send [--node ID] TYPE PAYLOAD\n"));
      return EXIT_FAILED;
    }
  if (!parse_type (argv[0], &type))
    return EXIT_FAILED;
  payload = g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, argv[1], strlen (argv[1]), 1);
  if (opt_node != NULL)
    reply = call ("SendTo", g_variant_new ("(sq@ay)", opt_node, type, payload), NULL, &error);
  else
    reply = call ("Send", g_variant_new ("(q@ay)", type, payload), NULL, &error);
  if (reply == NULL)
    return report_error (error);
  return EXIT_OK;
}

static int
cmd_meta (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  if (argc == 3 && g_str_equal (argv[0], "set"))
    {
      reply = call ("SetMetadata", g_variant_new ("(sv)", argv[1], g_variant_new_string (argv[2])),
                    NULL, &error);
      if (reply == NULL)
        return report_error (error);
      return EXIT_OK;
    }
  if (argc == 2 && g_str_equal (argv[0], "get"))
    {
      g_autoptr(GVariant) value = NULL;

      reply = call ("GetMetadata", g_variant_new ("(ss)", opt_node ? opt_node : "", argv[1]),
                    G_VARIANT_TYPE ("(v)"), &error);
      if (reply == NULL)
        return report_error (error);
      g_variant_get (reply, "(v)", &value);
      if (opt_json)
        {
          g_autoptr(JsonNode) node = json_gvariant_serialize (value);
          print_json (node);
        }
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
        g_print ("%s\n", g_variant_get_string (value, NULL));
      else
        {
          g_autofree char *text = g_variant_print (value, FALSE);
          g_print ("%s\n", text);
        }
      return EXIT_OK;
    }
  g_printerr (_("Usage: gossip-glib meta set KEY VALUE | meta get [--node ID] KEY\n"));
  return EXIT_FAILED;
}

/* ---- monitor ---- */

static void
on_signal (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *iface,
           const char      *signal,
           GVariant        *params,
           gpointer         user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  if (g_str_equal (signal, "NodeStateChanged"))
    {
      const char *id, *address, *old_state, *new_state;

      g_variant_get (params, "(&s&s&s&s)", &id, &address, &old_state, &new_state);
      if (!opt_json)
        g_print ("state %s %s %s -> %s\n", id, address, old_state, new_state);
      json_builder_set_member_name (b, "event");
      json_builder_add_string_value (b, "state");
      json_builder_set_member_name (b, "node");
      json_builder_add_string_value (b, id);
      json_builder_set_member_name (b, "address");
      json_builder_add_string_value (b, address);
      json_builder_set_member_name (b, "old");
      json_builder_add_string_value (b, old_state);
      json_builder_set_member_name (b, "new");
      json_builder_add_string_value (b, new_state);
    }
  else if (g_str_equal (signal, "NodeMetadataChanged"))
    {
      const char *id;
      g_autoptr(GVariant) meta = NULL;

      g_variant_get (params, "(&s@a{sv})", &id, &meta);
      if (!opt_json)
        {
          g_autofree char *m = metadata_text (meta);
          g_print ("metadata %s %s\n", id, m);
        }
      json_builder_set_member_name (b, "event");
      json_builder_add_string_value (b, "metadata");
      json_builder_set_member_name (b, "node");
      json_builder_add_string_value (b, id);
      json_builder_set_member_name (b, "metadata");
      json_builder_add_value (b, json_gvariant_serialize (meta));
    }
  else if (g_str_equal (signal, "Message"))
    {
      guint16 type;
      const char *from;
      g_autoptr(GVariant) payload = NULL;
      g_autofree char *text = NULL;

      g_variant_get (params, "(q&s@ay)", &type, &from, &payload);
      text = payload_text (payload);
      if (!opt_json)
        g_print ("message %u %s %s\n", type, from, text);
      json_builder_set_member_name (b, "event");
      json_builder_add_string_value (b, "message");
      json_builder_set_member_name (b, "type");
      json_builder_add_int_value (b, type);
      json_builder_set_member_name (b, "sender");
      json_builder_add_string_value (b, from);
      json_builder_set_member_name (b, "payload");
      json_builder_add_string_value (b, text);
    }
  else
    return;
  json_builder_end_object (b);
  if (opt_json)
    {
      g_autoptr(JsonNode) node = json_builder_get_root (b);
      print_json (node);
    }
  fflush (stdout);
}

static void
agent_vanished (GDBusConnection *connection,
                const char      *name,
                gpointer         user_data)
{
  int *status = user_data;

  g_printerr (_("The agent stopped\n"));
  *status = EXIT_NO_AGENT;
  g_main_loop_quit (monitor_loop);
}

static int
cmd_monitor (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) owner = NULL;
  const char *unique;
  int status = EXIT_OK;

  /* Subscribe by the agent's unique name so that its unicast Message
   * signals match, and so that a new agent on the name is not mixed in. */
  owner = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "GetNameOwner",
                                       g_variant_new ("(s)", bus_name), G_VARIANT_TYPE ("(s)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  if (owner == NULL)
    return report_error (error);
  g_variant_get (owner, "(&s)", &unique);
  g_dbus_connection_signal_subscribe (bus, unique, INTERFACE, NULL, OBJECT_PATH, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, on_signal, NULL, NULL);
  g_bus_watch_name_on_connection (bus, unique, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                  NULL, agent_vanished, &status, NULL);

  for (guint i = 0; opt_type_strings != NULL && opt_type_strings[i] != NULL; i++)
    {
      guint16 type;
      g_autoptr(GVariant) reply = NULL;

      if (!parse_type (opt_type_strings[i], &type))
        return EXIT_FAILED;
      reply = call ("Subscribe", g_variant_new ("(q)", type), NULL, &error);
      if (reply == NULL)
        return report_error (error);
    }
  g_printerr (_("Monitoring %s; press Ctrl+C to stop\n"), bus_name);
  monitor_loop = g_main_loop_new (NULL, FALSE);
  g_main_loop_run (monitor_loop);
  g_clear_pointer (&monitor_loop, g_main_loop_unref);
  return status;
}

typedef struct {
  const char *name;
  int (* func) (int argc, char **argv);
} Command;

static const Command commands[] = {
  { "members", cmd_members },
  { "join", cmd_join },
  { "leave", cmd_leave },
  { "send", cmd_send },
  { "monitor", cmd_monitor },
  { "meta", cmd_meta },
};

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &opt_session, N_("Talk to the agent on the session bus (default)"), NULL },
    { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system, N_("Talk to the agent on the system bus"), NULL },
    { "name", 'n', 0, G_OPTION_ARG_STRING, &opt_name, N_("Agent bus name suffix: org.gnome.GossipGlib1.NAME"), N_("NAME") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, N_("Print JSON"), NULL },
    { "node", 0, 0, G_OPTION_ARG_STRING, &opt_node, N_("send, meta get: this node instead of all / the local one"), N_("ID") },
    { "type", 't', 0, G_OPTION_ARG_STRING_ARRAY, &opt_type_strings, N_("monitor: also show messages of this type (repeatable)"), N_("TYPE") },
    { NULL }
  };

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, GOSSIP_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  context = g_option_context_new (_("COMMAND [ARGUMENTS…]"));
  g_option_context_set_summary (context,
    _("Commands:\n"
      "  members              list the cluster's nodes\n"
      "  join PEER...         join the cluster through peers (host:port)\n"
      "  leave                leave the cluster and stop the agent\n"
      "  send TYPE PAYLOAD    send a message (type 64 or more) to all, or --node\n"
      "  monitor              follow state changes, metadata and --type messages\n"
      "  meta set KEY VALUE   set a metadata key of the local node\n"
      "  meta get KEY         print a metadata key (of --node)"));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILED;
    }
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("%s", help);
      return EXIT_FAILED;
    }

  bus_name = opt_name != NULL && opt_name[0] != '\0'
             ? g_strdup_printf ("org.gnome.GossipGlib1.%s", opt_name)
             : g_strdup ("org.gnome.GossipGlib1");
  bus = g_bus_get_sync (opt_system ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    {
      g_printerr (_("Cannot connect to the message bus: %s\n"), error->message);
      return EXIT_NO_AGENT;
    }

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      {
        int status = commands[i].func (argc - 2, argv + 2);
        g_dbus_connection_flush_sync (bus, NULL, NULL);
        return status;
      }
  g_printerr (_("Unknown command “%s”\n"), argv[1]);
  return EXIT_FAILED;
}
