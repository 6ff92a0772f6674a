/* agent-rights.c: may this D-Bus caller change the cluster?
 *
 * The bus daemon knows each caller's Unix user: GetConnectionUnixUser,
 * asked asynchronously so that the agent's main loop never waits on the
 * bus. A caller whose uid is in the allowed list (by default the agent's
 * own uid, else the config's allow-users) gets @func run; any other, or one
 * the daemon cannot vouch for, gets org.freedesktop.DBus.Error.AccessDenied. */

#include "config.h"

#include <glib/gi18n.h>

#include "agent-rights.h"

typedef struct {
  GObject               *owner;
  GArray                *allowed_uids;
  GDBusMethodInvocation *invocation;
  AgentRightsFunc        func;
} RightsCheck;

static void
rights_check_free (RightsCheck *check)
{
  g_object_unref (check->owner);
  g_array_unref (check->allowed_uids);
  g_free (check);
}

static void
got_unix_user (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  RightsCheck *check = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid;
  gboolean allowed = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_dbus_method_invocation_return_dbus_error (check->invocation,
                                                  "org.freedesktop.DBus.Error.AccessDenied",
                                                  error->message);
      rights_check_free (check);
      return;
    }
  g_variant_get (reply, "(u)", &uid);
  for (guint i = 0; i < check->allowed_uids->len; i++)
    if (g_array_index (check->allowed_uids, guint32, i) == uid)
      allowed = TRUE;

  if (allowed)
    check->func (check->owner, check->invocation);
  else
    {
      g_debug ("refused %s from uid %u",
               g_dbus_method_invocation_get_method_name (check->invocation), uid);
      g_dbus_method_invocation_return_dbus_error (check->invocation,
                                                  "org.freedesktop.DBus.Error.AccessDenied",
                                                  _("This user may not change the cluster"));
    }
  rights_check_free (check);
}

/* Runs @func (@owner, @invocation) if the caller may change the cluster;
 * answers AccessDenied otherwise. @owner is kept alive until then. */
void
agent_rights_check (GDBusConnection       *connection,
                    GArray                *allowed_uids,
                    GDBusMethodInvocation *invocation,
                    AgentRightsFunc        func,
                    GObject               *owner)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  RightsCheck *check;

  if (sender == NULL)
    {
      /* A peer-to-peer connection has no bus daemon to ask: only our own
       * process could have made it. */
      func (owner, invocation);
      return;
    }
  check = g_new0 (RightsCheck, 1);
  check->owner = g_object_ref (owner);
  check->allowed_uids = g_array_ref (allowed_uids);
  check->invocation = invocation;
  check->func = func;
  g_dbus_connection_call (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "GetConnectionUnixUser",
                          g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, got_unix_user, check);
}
