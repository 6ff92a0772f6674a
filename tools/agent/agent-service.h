/* agent-service.h: one cluster node exported on D-Bus as org.gnome.GossipGlib1.Agent. */
#pragma once

#include <gossip-glib.h>

G_BEGIN_DECLS

#define AGENT_OBJECT_PATH "/org/gnome/GossipGlib1/Agent"
#define AGENT_INTERFACE "org.gnome.GossipGlib1.Agent"
/* Payloads bigger than this are refused before they reach the cluster. */
#define AGENT_MAX_PAYLOAD (1024 * 1024)
/* A Join with more peers than this is refused. */
#define AGENT_MAX_JOIN_PEERS 256

#define AGENT_TYPE_SERVICE (agent_service_get_type ())
G_DECLARE_FINAL_TYPE (AgentService, agent_service, AGENT, SERVICE, GObject)

AgentService *agent_service_new    (GossipCluster    *cluster,
                                    GArray           *allowed_uids);
gboolean      agent_service_export (AgentService     *self,
                                    GDBusConnection  *connection,
                                    GError          **error);
void          agent_service_unexport (AgentService   *self);

G_END_DECLS
