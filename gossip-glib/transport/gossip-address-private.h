/* gossip-address-private.h: parsing and resolving node address strings (PROTOCOL.md §14). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The socket forms of an address string. */
typedef struct {
  char    *host;       /* IP literal or host name (never empty; "" became 127.0.0.1) */
  guint16  port;
  char    *srv_name;   /* set for "srv+NAME": look up NAME's SRV records instead */
} GossipAddressSpec;

void     gossip_address_spec_clear (GossipAddressSpec *spec);

/* Host/port parsing of §14: a bare integer is a port on 127.0.0.1; no ':' gets
 * @default_port; IPv6 literals need brackets; an invalid port falls back to
 * @default_port (as Go does). URL forms (ws://, http://, srv+http://) are
 * refused with GOSSIP_ERROR_ADDRESS: they belong to the WebSocket transport. */
gboolean gossip_address_parse      (const char        *address,
                                    guint16            default_port,
                                    GossipAddressSpec *out,
                                    GError           **error);

/* Resolves @address to a list of GInetSocketAddress: IP literals at once,
 * host names through GResolver (IPv4 first, IPv6 first if @prefer_ipv6),
 * srv+NAME through g_resolver_lookup_service_async-equivalent SRV lookup of
 * NAME as given. @resolver may be NULL for the default resolver. */
void     gossip_address_resolve_async  (const char          *address,
                                        guint16              default_port,
                                        gboolean             prefer_ipv6,
                                        GResolver           *resolver,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
/* Returns: (transfer full) (element-type GInetSocketAddress): never empty on success. */
GList   *gossip_address_resolve_finish (GAsyncResult        *result,
                                        GError             **error);
/* Blocking variant, for the bind address at construction. */
GList   *gossip_address_resolve_sync   (const char          *address,
                                        guint16              default_port,
                                        gboolean             prefer_ipv6,
                                        GResolver           *resolver,
                                        GCancellable        *cancellable,
                                        GError             **error);

/* @local ("host:port", as a transport reports its bound address) with a
 * wildcard host (0.0.0.0, ::) replaced by one peers can reach: the first
 * non-loopback address of an interface that is up, of the same family, or
 * the loopback address when there is none. Other addresses come back as
 * they are. (transfer full) */
char    *gossip_address_advertisable   (const char          *local);

G_END_DECLS

G_BEGIN_DECLS

/* WebSocket forms (§14): ws://, wss://, and http(s):// rewritten to
 * ws(s)://, path kept. Returns whether @address has one of these schemes. */
gboolean gossip_address_is_websocket    (const char  *address);
/* Checks a WebSocket address and returns the URL to dial in @url_out:
 * insecure schemes only if @allow_insecure; host required; query dropped. */
gboolean gossip_address_parse_websocket (const char  *address,
                                         gboolean     allow_insecure,
                                         char       **url_out,
                                         gboolean    *secure_out,
                                         GError     **error);

G_END_DECLS
