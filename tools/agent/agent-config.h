/* agent-config.h: the agent's settings, from the command line and a key file. */
#pragma once

#include <gossip-glib.h>

G_BEGIN_DECLS

typedef struct {
  gboolean  system_bus;       /* --system; the session bus otherwise */
  char     *name_suffix;      /* --name: org.gnome.GossipGlib1.SUFFIX */
  char     *bind;             /* host:port */
  char     *advertise;        /* host:port, or NULL */
  char     *node_id;          /* or NULL for a fresh one */
  char    **join;             /* peers to join at start */
  char     *codec;            /* "msgpack" (default) or "json" */
  char     *cipher;           /* NULL/"none", "aes-gcm" or "xchacha" */
  char     *key_file;         /* file holding the raw key (16/24/32 bytes) */
  gboolean  compress;         /* snappy */
  gboolean  websocket;        /* not available yet: refused */
  double    scale;            /* interval scale, 1.0 normally (tests: 0.05) */
  GPtrArray *metadata;        /* "key=value" strings */
  char    **allow_users;      /* user names or uids allowed to change the cluster; NULL: our own */
} AgentConfig;

AgentConfig  *agent_config_new          (void);
void          agent_config_free         (AgentConfig  *self);
gboolean      agent_config_load_key_file (AgentConfig *self,
                                         const char   *path,
                                         GError      **error);
GossipConfig *agent_config_build        (AgentConfig  *self,
                                         GError      **error);
char         *agent_config_bus_name     (AgentConfig  *self);
gboolean      agent_config_allowed_uids (AgentConfig  *self,
                                         GArray      **uids,
                                         GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (AgentConfig, agent_config_free)

G_END_DECLS
