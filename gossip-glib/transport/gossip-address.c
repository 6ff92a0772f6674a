/* gossip-address.c: turns node address strings into socket addresses.
 *
 * Peers advertise themselves with free-form strings ("10.0.0.1:3500",
 * "node-a", ":8000", "srv+_gossip._tcp.example.com"); every receiver parses
 * and resolves them with the rules of PROTOCOL.md §14 so that a C node picks
 * the same IP and port a Go node would. Parsing is pure; resolution goes
 * through GResolver so tests can substitute their own. */
#include "config.h"

#include <string.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "gossip-address-private.h"

#include <glib/gi18n-lib.h>
#include "gossip-error.h"

#define SRV_PREFIX "srv+"

void
gossip_address_spec_clear (GossipAddressSpec *spec)
{
  if (spec == NULL)
    return;
  g_clear_pointer (&spec->host, g_free);
  g_clear_pointer (&spec->srv_name, g_free);
  spec->port = 0;
}

/* Go's strconv.Atoi: optional sign, then decimal digits only, within int64. */
static gboolean
is_go_integer (const char *s)
{
  const char *p = s;
  char *end = NULL;

  if (*p == '+' || *p == '-')
    p++;
  if (*p == '\0')
    return FALSE;
  for (const char *q = p; *q; q++)
    if (!g_ascii_isdigit (*q))
      return FALSE;

  errno = 0;
  (void) g_ascii_strtoll (s, &end, 10);
  return errno == 0 && end != NULL && *end == '\0';
}

/* Go's net.SplitHostPort, which the §14 rules rely on for their failures
 * (a bare IPv6 literal has "too many colons"). */
static gboolean
split_host_port (const char  *hostport,
                 char       **host_out,
                 char       **port_out,
                 GError     **error)
{
  const char *colon = strrchr (hostport, ':');
  g_autofree char *host = NULL;

  if (colon == NULL)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                   "Address “%s” has no port", hostport);
      return FALSE;
    }

  if (hostport[0] == '[')
    {
      const char *close = strchr (hostport, ']');

      if (close == NULL)
        {
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                       "Address “%s” is missing ‘]’", hostport);
          return FALSE;
        }
      if (close + 1 != colon)
        {
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                       close[1] == '\0' ? "Address “%s” has no port"
                                        : "Address “%s” has text after ‘]’",
                       hostport);
          return FALSE;
        }
      host = g_strndup (hostport + 1, close - hostport - 1);
      if (strchr (host, '[') != NULL || strchr (host, ']') != NULL)
        {
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                       "Address “%s” has unexpected brackets", hostport);
          return FALSE;
        }
    }
  else
    {
      host = g_strndup (hostport, colon - hostport);
      if (strchr (host, ':') != NULL)
        {
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                       "Address “%s” has too many colons (IPv6 addresses need brackets)",
                       hostport);
          return FALSE;
        }
      if (strchr (host, '[') != NULL || strchr (host, ']') != NULL)
        {
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                       "Address “%s” has unexpected brackets", hostport);
          return FALSE;
        }
    }

  if (strchr (colon + 1, '[') != NULL || strchr (colon + 1, ']') != NULL)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                   "Address “%s” has unexpected brackets", hostport);
      return FALSE;
    }

  *host_out = g_steal_pointer (&host);
  *port_out = g_strdup (colon + 1);
  return TRUE;
}

gboolean
gossip_address_parse (const char        *address,
                      guint16            default_port,
                      GossipAddressSpec *out,
                      GError           **error)
{
  g_autofree char *hostport = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port_str = NULL;
  guint64 port;

  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  memset (out, 0, sizeof *out);

  if (address == NULL || *address == '\0')
    {
      g_set_error_literal (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                           "Empty address");
      return FALSE;
    }

  if (strstr (address, "://") != NULL)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                   "Address “%s” needs the WebSocket transport", address);
      return FALSE;
    }

  if (g_str_has_prefix (address, SRV_PREFIX))
    {
      const char *name = address + strlen (SRV_PREFIX);

      if (*name == '\0')
        {
          g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                       "Address “%s” has no SRV name", address);
          return FALSE;
        }
      out->host = g_strdup (name);
      out->srv_name = g_strdup (name);
      out->port = 0;
      return TRUE;
    }

  if (is_go_integer (address))
    hostport = g_strconcat (":", address, NULL);
  else if (strchr (address, ':') == NULL)
    hostport = g_strdup_printf ("%s:%u", address, (guint) default_port);
  else
    hostport = g_strdup (address);

  if (!split_host_port (hostport, &host, &port_str, error))
    return FALSE;

  if (*host == '\0')
    {
      g_free (host);
      host = g_strdup ("127.0.0.1");
    }

  /* Go silently falls back to the default port here (PROTOCOL.md §14 rule
   * 5), so a typo such as 99999 joins or binds the wrong port: refuse it. */
  if (!g_ascii_string_to_unsigned (port_str, 10, 0, G_MAXUINT16, &port, NULL))
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                   _("Address “%s” has an invalid port “%s” (a number from 0 to 65535 is expected)"),
                   address, port_str);
      return FALSE;
    }

  out->host = g_steal_pointer (&host);
  out->port = (guint16) port;
  return TRUE;
}

/* Stable partition by family, so each family keeps the resolver's order. */
static GList *
order_by_family (GList    *addresses,
                 gboolean  prefer_ipv6)
{
  GList *v4 = NULL, *v6 = NULL;

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      GInetSocketAddress *sa = l->data;
      GInetAddress *ia = g_inet_socket_address_get_address (sa);

      if (g_inet_address_get_family (ia) == G_SOCKET_FAMILY_IPV6)
        v6 = g_list_prepend (v6, sa);
      else
        v4 = g_list_prepend (v4, sa);
    }
  g_list_free (addresses);

  v4 = g_list_reverse (v4);
  v6 = g_list_reverse (v6);
  return prefer_ipv6 ? g_list_concat (v6, v4) : g_list_concat (v4, v6);
}

/* Consumes @inet_addresses (a GResolver result). */
static GList *
to_socket_addresses (GList   *inet_addresses,
                     guint16  port)
{
  GList *out = NULL;

  for (GList *l = inet_addresses; l != NULL; l = l->next)
    out = g_list_prepend (out, g_inet_socket_address_new (l->data, port));
  g_resolver_free_addresses (inet_addresses);
  return g_list_reverse (out);
}

static void
free_socket_addresses (GList *list)
{
  g_list_free_full (list, g_object_unref);
}

/* RFC 2782 order (priority, then weighted random), as Go's LookupSRV
 * returns them; port-0 and "." records mean "no service here". */
static GList *
srv_targets_from_records (GList *records)
{
  GList *targets = NULL;

  for (GList *l = records; l != NULL; l = l->next)
    {
      guint16 priority, weight, port;
      const char *target;

      if (!g_variant_is_of_type (l->data, G_VARIANT_TYPE ("(qqqs)")))
        continue;
      g_variant_get (l->data, "(qqq&s)", &priority, &weight, &port, &target);
      if (port == 0 || target[0] == '\0' || g_str_equal (target, "."))
        continue;
      targets = g_list_prepend (targets,
                                g_srv_target_new (target, port, priority, weight));
    }
  targets = g_list_reverse (targets);
  if (targets == NULL)
    return NULL;
  return g_srv_target_list_sort (targets);
}

static GError *
no_srv_targets_error (const char *name)
{
  return g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_UNRESOLVABLE,
                      _("No usable SRV records for “%s”"), name);
}

static GError *
to_address_error (const char *address,
                  GError     *error)
{
  GError *out;

  if (error->domain == GOSSIP_ERROR ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  out = g_error_new (GOSSIP_ERROR, GOSSIP_ERROR_UNRESOLVABLE,
                     _("Could not resolve “%s”: %s"), address, error->message);
  g_error_free (error);
  return out;
}

/* ---- asynchronous resolution ---- */

typedef struct {
  char         *address;
  GResolver    *resolver;
  gboolean      prefer_ipv6;
  guint16       port;
  /* SRV state: targets still to resolve, and what was found so far */
  GList        *srv_targets;
  GList        *current;
  GList        *found;
  char         *srv_name;
} ResolveData;

static void
resolve_data_free (ResolveData *data)
{
  g_free (data->address);
  g_free (data->srv_name);
  g_clear_object (&data->resolver);
  g_list_free_full (data->srv_targets, (GDestroyNotify) g_srv_target_free);
  free_socket_addresses (data->found);
  g_free (data);
}

static void
return_addresses (GTask *task,
                  GList *addresses)
{
  g_task_return_pointer (task, addresses, (GDestroyNotify) free_socket_addresses);
}

static void srv_resolve_next (GTask *task);

static void
srv_target_resolved_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ResolveData *data = g_task_get_task_data (task);
  GSrvTarget *target = data->current->data;
  g_autoptr(GError) error = NULL;
  GList *ips;

  ips = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (ips == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      /* Go skips targets that do not resolve and uses the others. */
      g_debug ("SRV target %s of %s did not resolve: %s",
               g_srv_target_get_hostname (target), data->srv_name, error->message);
    }
  else
    {
      data->found = g_list_concat (data->found,
                                   to_socket_addresses (ips, g_srv_target_get_port (target)));
    }

  data->current = data->current->next;
  srv_resolve_next (g_steal_pointer (&task));
}

static void
srv_resolve_next (GTask *task)
{
  ResolveData *data = g_task_get_task_data (task);

  if (data->current == NULL)
    {
      GList *found = g_steal_pointer (&data->found);

      if (found == NULL)
        {
          g_task_return_error (task, no_srv_targets_error (data->srv_name));
          g_object_unref (task);
          return;
        }
      return_addresses (task, order_by_family (found, data->prefer_ipv6));
      g_object_unref (task);
      return;
    }

  g_resolver_lookup_by_name_async (data->resolver,
                                   g_srv_target_get_hostname (data->current->data),
                                   g_task_get_cancellable (task),
                                   srv_target_resolved_cb, task);
}

static void
srv_records_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  ResolveData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GList *records;

  records = g_resolver_lookup_records_finish (G_RESOLVER (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, to_address_error (data->address, error));
      g_object_unref (task);
      return;
    }

  data->srv_targets = srv_targets_from_records (records);
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);
  data->current = data->srv_targets;
  srv_resolve_next (task);
}

static void
host_resolved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ResolveData *data = g_task_get_task_data (task);
  GError *error = NULL;
  GList *ips;

  ips = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (ips == NULL)
    {
      g_task_return_error (task, to_address_error (data->address, error));
      return;
    }
  return_addresses (task, order_by_family (to_socket_addresses (ips, data->port),
                                           data->prefer_ipv6));
}

void
gossip_address_resolve_async (const char          *address,
                              guint16              default_port,
                              gboolean             prefer_ipv6,
                              GResolver           *resolver,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GossipAddressSpec spec = { 0, };
  g_autoptr(GInetAddress) literal = NULL;
  GError *error = NULL;
  ResolveData *data;

  g_return_if_fail (resolver == NULL || G_IS_RESOLVER (resolver));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, gossip_address_resolve_async);

  if (!gossip_address_parse (address, default_port, &spec, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  data = g_new0 (ResolveData, 1);
  data->address = g_strdup (address);
  data->resolver = resolver != NULL ? g_object_ref (resolver) : g_resolver_get_default ();
  data->prefer_ipv6 = prefer_ipv6;
  data->port = spec.port;
  g_task_set_task_data (task, data, (GDestroyNotify) resolve_data_free);

  if (spec.srv_name != NULL)
    {
      data->srv_name = g_strdup (spec.srv_name);
      g_resolver_lookup_records_async (data->resolver, spec.srv_name,
                                       G_RESOLVER_RECORD_SRV, cancellable,
                                       srv_records_cb, g_steal_pointer (&task));
      gossip_address_spec_clear (&spec);
      return;
    }

  /* The literal is answered here; g_task_return_* still defers the
   * callback to the next main-context iteration. */
  literal = g_inet_address_new_from_string (spec.host);
  if (literal != NULL)
    return_addresses (task, g_list_prepend (NULL, g_inet_socket_address_new (literal, spec.port)));
  else
    g_resolver_lookup_by_name_async (data->resolver, spec.host, cancellable,
                                     host_resolved_cb, g_steal_pointer (&task));
  gossip_address_spec_clear (&spec);
}

GList *
gossip_address_resolve_finish (GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gossip_address_resolve_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- blocking resolution ---- */

static GList *
resolve_spec_sync (const char         *address,
                   GossipAddressSpec  *spec_ptr,
                   gboolean            prefer_ipv6,
                   GResolver          *resolver,
                   GCancellable       *cancellable,
                   GError            **error)
{
  GossipAddressSpec spec = *spec_ptr;
  g_autoptr(GInetAddress) literal = NULL;
  g_autoptr(GResolver) res = NULL;
  GError *local_error = NULL;
  GList *records, *targets, *found = NULL;
  GList *ips;

  if (spec.srv_name == NULL)
    {
      literal = g_inet_address_new_from_string (spec.host);
      if (literal != NULL)
        return g_list_prepend (NULL, g_inet_socket_address_new (literal, spec.port));
    }

  res = resolver != NULL ? g_object_ref (resolver) : g_resolver_get_default ();

  if (spec.srv_name == NULL)
    {
      ips = g_resolver_lookup_by_name (res, spec.host, cancellable, &local_error);
      if (ips == NULL)
        {
          g_propagate_error (error, to_address_error (address, local_error));
          return NULL;
        }
      return order_by_family (to_socket_addresses (ips, spec.port), prefer_ipv6);
    }

  records = g_resolver_lookup_records (res, spec.srv_name, G_RESOLVER_RECORD_SRV,
                                       cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, to_address_error (address, local_error));
      return NULL;
    }
  targets = srv_targets_from_records (records);
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);

  for (GList *l = targets; l != NULL; l = l->next)
    {
      g_autoptr(GError) target_error = NULL;

      ips = g_resolver_lookup_by_name (res, g_srv_target_get_hostname (l->data),
                                       cancellable, &target_error);
      if (ips == NULL)
        {
          if (g_error_matches (target_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_list_free_full (targets, (GDestroyNotify) g_srv_target_free);
              free_socket_addresses (found);
              g_propagate_error (error, g_steal_pointer (&target_error));
              return NULL;
            }
          continue;
        }
      found = g_list_concat (found, to_socket_addresses (ips, g_srv_target_get_port (l->data)));
    }
  g_list_free_full (targets, (GDestroyNotify) g_srv_target_free);

  if (found == NULL)
    {
      g_propagate_error (error, no_srv_targets_error (spec.srv_name));
      return NULL;
    }
  return order_by_family (found, prefer_ipv6);
}

GList *
gossip_address_resolve_sync (const char    *address,
                             guint16        default_port,
                             gboolean       prefer_ipv6,
                             GResolver     *resolver,
                             GCancellable  *cancellable,
                             GError       **error)
{
  GossipAddressSpec spec = { 0, };
  GList *result;

  g_return_val_if_fail (resolver == NULL || G_IS_RESOLVER (resolver), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!gossip_address_parse (address, default_port, &spec, error))
    return NULL;
  result = resolve_spec_sync (address, &spec, prefer_ipv6, resolver, cancellable, error);
  gossip_address_spec_clear (&spec);
  return result;
}

/* ---- WebSocket forms (§14: http(s)/ws(s), path kept) ---- */

gboolean
gossip_address_is_websocket (const char *address)
{
  return address != NULL &&
         (g_ascii_strncasecmp (address, "ws://", 5) == 0 ||
          g_ascii_strncasecmp (address, "wss://", 6) == 0 ||
          g_ascii_strncasecmp (address, "http://", 7) == 0 ||
          g_ascii_strncasecmp (address, "https://", 8) == 0);
}

gboolean
gossip_address_parse_websocket (const char  *address,
                                gboolean     allow_insecure,
                                char       **url_out,
                                gboolean    *secure_out,
                                GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *scheme;
  gboolean secure;
  const char *path;

  if (!gossip_address_is_websocket (address))
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                   "“%s” is not a WebSocket address", address);
      return FALSE;
    }
  uri = g_uri_parse (address, G_URI_FLAGS_NONE, &local_error);
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                   "“%s” is not a valid WebSocket URL%s%s", address,
                   local_error != NULL ? ": " : "", local_error != NULL ? local_error->message : "");
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  secure = g_ascii_strcasecmp (scheme, "wss") == 0 || g_ascii_strcasecmp (scheme, "https") == 0;
  if (!secure && !allow_insecure)
    {
      g_set_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS,
                   "“%s” is an insecure WebSocket address and insecure WebSockets are not allowed",
                   address);
      return FALSE;
    }
  path = g_uri_get_path (uri);
  if (url_out != NULL)
    {
      g_autoptr(GUri) out = g_uri_build (G_URI_FLAGS_NONE, secure ? "wss" : "ws", NULL,
                                         g_uri_get_host (uri), g_uri_get_port (uri),
                                         path[0] != '\0' ? path : "/", NULL, NULL);
      *url_out = g_uri_to_string (out);
    }
  if (secure_out != NULL)
    *secure_out = secure;
  return TRUE;
}

/* The first usable interface address of @family, or NULL. */
static GInetAddress *
first_interface_address (GSocketFamily family)
{
  struct ifaddrs *list = NULL;
  GInetAddress *found = NULL;

  if (getifaddrs (&list) != 0)
    return NULL;
  for (struct ifaddrs *ifa = list; ifa != NULL && found == NULL; ifa = ifa->ifa_next)
    {
      g_autoptr(GSocketAddress) sa = NULL;
      GInetAddress *addr;

      if (ifa->ifa_addr == NULL || (ifa->ifa_flags & IFF_UP) == 0 || (ifa->ifa_flags & IFF_LOOPBACK) != 0)
        continue;
      if (ifa->ifa_addr->sa_family != (family == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET))
        continue;
      sa = g_socket_address_new_from_native (ifa->ifa_addr,
                                             family == G_SOCKET_FAMILY_IPV6 ? sizeof (struct sockaddr_in6)
                                                                            : sizeof (struct sockaddr_in));
      if (!G_IS_INET_SOCKET_ADDRESS (sa))
        continue;
      addr = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa));
      /* A link-local IPv6 address needs a scope that "[addr]:port" cannot carry. */
      if (g_inet_address_get_is_link_local (addr) || g_inet_address_get_is_loopback (addr))
        continue;
      found = g_object_ref (addr);
    }
  freeifaddrs (list);
  return found;
}

char *
gossip_address_advertisable (const char *local)
{
  GossipAddressSpec spec = { 0 };
  g_autoptr(GInetAddress) host = NULL;
  g_autoptr(GInetAddress) reachable = NULL;
  g_autofree char *text = NULL;
  GSocketFamily family;
  guint16 port;

  if (local == NULL || !gossip_address_parse (local, 1, &spec, NULL))
    return g_strdup (local);
  host = spec.srv_name == NULL ? g_inet_address_new_from_string (spec.host) : NULL;
  port = spec.port;
  gossip_address_spec_clear (&spec);
  if (host == NULL || !g_inet_address_get_is_any (host))
    return g_strdup (local);

  family = g_inet_address_get_family (host);
  reachable = first_interface_address (family);
  if (reachable == NULL)
    reachable = g_inet_address_new_loopback (family);
  text = g_inet_address_to_string (reachable);
  g_debug ("bound to %s: advertising %s", local, text);
  if (family == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", text, port);
  return g_strdup_printf ("%s:%u", text, port);
}
