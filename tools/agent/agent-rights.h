/* agent-rights.h: may this D-Bus caller change the cluster? */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef void (* AgentRightsFunc) (gpointer               user_data,
                                  GDBusMethodInvocation *invocation);

void agent_rights_check (GDBusConnection       *connection,
                         GArray                *allowed_uids,
                         GDBusMethodInvocation *invocation,
                         AgentRightsFunc        func,
                         GObject               *owner);

G_END_DECLS
