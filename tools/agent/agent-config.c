/* agent-config.c: the agent's settings, from the command line and a key file.
 *
 * The key file (see data/gossip-glib-agent.conf) has two groups: [node] for
 * the cluster node and [dbus] for the bus side. Command-line options win
 * over the file: main() loads the file first, then applies the options. */

#include "config.h"

#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "agent-config.h"

AgentConfig *
agent_config_new (void)
{
  AgentConfig *self = g_new0 (AgentConfig, 1);

  self->bind = g_strdup ("127.0.0.1:3500");
  self->codec = g_strdup ("msgpack");
  self->scale = 1.0;
  self->metadata = g_ptr_array_new_with_free_func (g_free);
  return self;
}

void
agent_config_free (AgentConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->name_suffix);
  g_free (self->bind);
  g_free (self->advertise);
  g_free (self->node_id);
  g_strfreev (self->join);
  g_free (self->codec);
  g_free (self->cipher);
  g_free (self->key_file);
  g_ptr_array_unref (self->metadata);
  g_strfreev (self->allow_users);
  g_free (self);
}

static void
take_string (GKeyFile   *kf,
             const char *group,
             const char *key,
             char      **field)
{
  char *value = g_key_file_get_string (kf, group, key, NULL);

  if (value != NULL)
    {
      g_free (*field);
      *field = value;
    }
}

gboolean
agent_config_load_key_file (AgentConfig  *self,
                            const char   *path,
                            GError      **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) meta_keys = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, error))
    return FALSE;

  take_string (kf, "node", "bind", &self->bind);
  take_string (kf, "node", "advertise", &self->advertise);
  take_string (kf, "node", "id", &self->node_id);
  take_string (kf, "node", "codec", &self->codec);
  take_string (kf, "node", "cipher", &self->cipher);
  take_string (kf, "node", "key-file", &self->key_file);

  if (g_key_file_has_key (kf, "node", "join", NULL))
    {
      g_strfreev (self->join);
      self->join = g_key_file_get_string_list (kf, "node", "join", NULL, NULL);
    }
  if (g_key_file_has_key (kf, "node", "compress", NULL))
    {
      self->compress = g_key_file_get_boolean (kf, "node", "compress", &local_error);
      if (local_error != NULL)
        goto fail;
    }
  if (g_key_file_has_key (kf, "node", "websocket", NULL))
    {
      self->websocket = g_key_file_get_boolean (kf, "node", "websocket", &local_error);
      if (local_error != NULL)
        goto fail;
    }
  if (g_key_file_has_key (kf, "node", "scale-intervals", NULL))
    {
      self->scale = g_key_file_get_double (kf, "node", "scale-intervals", &local_error);
      if (local_error != NULL)
        goto fail;
    }

  /* [metadata] key=value: string values shared with the cluster. */
  meta_keys = g_key_file_get_keys (kf, "metadata", NULL, NULL);
  for (guint i = 0; meta_keys != NULL && meta_keys[i] != NULL; i++)
    {
      g_autofree char *v = g_key_file_get_string (kf, "metadata", meta_keys[i], NULL);
      g_ptr_array_add (self->metadata, g_strdup_printf ("%s=%s", meta_keys[i], v ? v : ""));
    }

  if (g_key_file_has_key (kf, "dbus", "bus", NULL))
    {
      g_autofree char *bus = g_key_file_get_string (kf, "dbus", "bus", NULL);
      self->system_bus = g_strcmp0 (bus, "system") == 0;
    }
  take_string (kf, "dbus", "name", &self->name_suffix);
  if (g_key_file_has_key (kf, "dbus", "allow-users", NULL))
    {
      g_strfreev (self->allow_users);
      self->allow_users = g_key_file_get_string_list (kf, "dbus", "allow-users", NULL, NULL);
    }
  return TRUE;

fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", path);
  return FALSE;
}

static gboolean
apply_metadata (GossipConfig *config,
                GPtrArray    *metadata,
                GError      **error)
{
  /* Nothing to do on the config: the metadata goes on the local node after
   * the cluster is created; this only validates the "key=value" form. */
  for (guint i = 0; i < metadata->len; i++)
    {
      const char *kv = g_ptr_array_index (metadata, i);
      const char *eq = strchr (kv, '=');

      if (eq == NULL || eq == kv)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Metadata “%s” is not KEY=VALUE"), kv);
          return FALSE;
        }
    }
  return TRUE;
}

GossipConfig *
agent_config_build (AgentConfig  *self,
                    GError      **error)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();

  if (self->websocket)
    {
      /* The place for WebSocket mode: when gossip-glib gains a WebSocket
       * transport, select it on the config here. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("WebSocket mode is not available yet"));
      return NULL;
    }

  gossip_config_set_bind_address (config, self->bind);
  if (self->advertise != NULL)
    gossip_config_set_advertise_address (config, self->advertise);
  if (self->node_id != NULL)
    gossip_config_set_node_id (config, self->node_id);

  if (g_strcmp0 (self->codec, "json") == 0)
    {
      g_autoptr(GossipCodec) codec = gossip_json_codec_new ();
      gossip_config_set_codec (config, codec);
    }
  else if (g_strcmp0 (self->codec, "msgpack") == 0)
    {
      g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
      gossip_config_set_codec (config, codec);
    }
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("Unknown codec “%s” (msgpack or json)"), self->codec);
      return NULL;
    }

  if (self->compress)
    {
      g_autoptr(GossipCompressor) c = gossip_snappy_compressor_new ();
      gossip_config_set_compressor (config, c);
    }

  if (self->cipher != NULL && g_strcmp0 (self->cipher, "none") != 0)
    {
      g_autoptr(GossipCipher) cipher = NULL;
      g_autoptr(GBytes) key = NULL;
      g_autofree char *contents = NULL;
      gsize len = 0;

      if (g_strcmp0 (self->cipher, "aes-gcm") == 0)
        cipher = gossip_aes_gcm_cipher_new ();
      else if (g_strcmp0 (self->cipher, "xchacha") == 0)
        cipher = gossip_xchacha_cipher_new ();
      else
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("Unknown cipher “%s” (none, aes-gcm or xchacha)"), self->cipher);
          return NULL;
        }
      if (self->key_file == NULL)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("A cipher needs a key file (--key-file)"));
          return NULL;
        }
      if (!g_file_get_contents (self->key_file, &contents, &len, error))
        return NULL;
      key = g_bytes_new_take (g_steal_pointer (&contents), len);
      gossip_config_set_cipher (config, cipher);
      gossip_config_set_encryption_key (config, key);
    }

  if (self->scale <= 0.0 || self->scale > 100.0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("The interval scale must be in (0, 100]"));
      return NULL;
    }
  if (self->scale != 1.0)
    gossip_config_scale_intervals (config, self->scale);

  if (!apply_metadata (config, self->metadata, error))
    return NULL;

  return g_steal_pointer (&config);
}

char *
agent_config_bus_name (AgentConfig *self)
{
  if (self->name_suffix == NULL || self->name_suffix[0] == '\0')
    return g_strdup ("org.gnome.GossipGlib1");
  return g_strdup_printf ("org.gnome.GossipGlib1.%s", self->name_suffix);
}

/* The uids allowed to change the cluster: our own, or the allow list. */
gboolean
agent_config_allowed_uids (AgentConfig  *self,
                           GArray      **uids,
                           GError      **error)
{
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (self->allow_users == NULL)
    {
      guint32 uid = getuid ();
      g_array_append_val (out, uid);
    }
  for (guint i = 0; self->allow_users != NULL && self->allow_users[i] != NULL; i++)
    {
      const char *user = self->allow_users[i];
      guint64 n;
      guint32 uid;

      if (g_ascii_string_to_unsigned (user, 10, 0, G_MAXUINT32 - 1, &n, NULL))
        uid = n;
      else
        {
          struct passwd *pw = getpwnam (user);
          if (pw == NULL)
            {
              g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           _("Unknown user “%s” in allow-users"), user);
              return FALSE;
            }
          uid = pw->pw_uid;
        }
      g_array_append_val (out, uid);
    }
  *uids = g_steal_pointer (&out);
  return TRUE;
}
