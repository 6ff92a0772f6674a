/* test-address.c: parsing and resolving address strings (PROTOCOL.md §14). */
#include "config.h"

#include <string.h>

#include "test-utils.h"
#include "gossip-address-private.h"

/* ---- a resolver that answers from tables, so no test touches real DNS ---- */

#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GResolver)

struct _TestResolver
{
  GResolver   parent_instance;
  GHashTable *hosts;        /* name -> NULL-terminated strv of IPs */
  GHashTable *srv;          /* name -> GPtrArray of GVariant (qqqs) */
  GPtrArray  *queried;      /* every name asked for, in order */
};

G_DEFINE_FINAL_TYPE (TestResolver, test_resolver, G_TYPE_RESOLVER)

static GList *
test_resolver_answer_name (TestResolver  *self,
                           const char    *name,
                           GError       **error)
{
  const char * const *ips = g_hash_table_lookup (self->hosts, name);
  GList *out = NULL;

  g_ptr_array_add (self->queried, g_strdup (name));
  if (ips == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No host %s", name);
      return NULL;
    }
  for (guint i = 0; ips[i] != NULL; i++)
    out = g_list_append (out, g_inet_address_new_from_string (ips[i]));
  return out;
}

static GList *
test_resolver_answer_records (TestResolver         *self,
                              const char           *name,
                              GResolverRecordType   type,
                              GError              **error)
{
  GPtrArray *records = g_hash_table_lookup (self->srv, name);
  GList *out = NULL;

  g_ptr_array_add (self->queried, g_strdup_printf ("SRV %s", name));
  if (type != G_RESOLVER_RECORD_SRV || records == NULL)
    {
      g_set_error (error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "No records for %s", name);
      return NULL;
    }
  for (guint i = 0; i < records->len; i++)
    out = g_list_append (out, g_variant_ref (records->pdata[i]));
  return out;
}

static GList *
test_resolver_lookup_by_name (GResolver     *resolver,
                              const char    *hostname,
                              GCancellable  *cancellable,
                              GError       **error)
{
  return test_resolver_answer_name (TEST_RESOLVER (resolver), hostname, error);
}

static void
test_resolver_lookup_by_name_async (GResolver           *resolver,
                                    const char          *hostname,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *out = test_resolver_answer_name (TEST_RESOLVER (resolver), hostname, &error);

  if (out == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, out, (GDestroyNotify) g_resolver_free_addresses);
}

static GList *
test_resolver_lookup_by_name_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static GList *
test_resolver_lookup_records (GResolver            *resolver,
                              const char           *rrname,
                              GResolverRecordType   record_type,
                              GCancellable         *cancellable,
                              GError              **error)
{
  return test_resolver_answer_records (TEST_RESOLVER (resolver), rrname, record_type, error);
}

static void
free_records (GList *records)
{
  g_list_free_full (records, (GDestroyNotify) g_variant_unref);
}

static void
test_resolver_lookup_records_async (GResolver           *resolver,
                                    const char          *rrname,
                                    GResolverRecordType  record_type,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  GList *out = test_resolver_answer_records (TEST_RESOLVER (resolver), rrname, record_type, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, out, (GDestroyNotify) free_records);
}

static GList *
test_resolver_lookup_records_finish (GResolver     *resolver,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_finalize (GObject *object)
{
  TestResolver *self = TEST_RESOLVER (object);

  g_hash_table_unref (self->hosts);
  g_hash_table_unref (self->srv);
  g_ptr_array_unref (self->queried);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GResolverClass *resolver_class = G_RESOLVER_CLASS (klass);

  object_class->finalize = test_resolver_finalize;
  resolver_class->lookup_by_name = test_resolver_lookup_by_name;
  resolver_class->lookup_by_name_async = test_resolver_lookup_by_name_async;
  resolver_class->lookup_by_name_finish = test_resolver_lookup_by_name_finish;
  resolver_class->lookup_records = test_resolver_lookup_records;
  resolver_class->lookup_records_async = test_resolver_lookup_records_async;
  resolver_class->lookup_records_finish = test_resolver_lookup_records_finish;
}

static void
test_resolver_init (TestResolver *self)
{
  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_strfreev);
  self->srv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->queried = g_ptr_array_new_with_free_func (g_free);
}

static void
test_resolver_add_host (TestResolver *self,
                        const char   *name,
                        ...)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  va_list args;
  const char *ip;

  va_start (args, name);
  while ((ip = va_arg (args, const char *)) != NULL)
    g_strv_builder_add (builder, ip);
  va_end (args);
  g_hash_table_insert (self->hosts, g_strdup (name), g_strv_builder_end (builder));
  g_strv_builder_unref (builder);
}

static void
test_resolver_add_srv (TestResolver *self,
                       const char   *name,
                       guint16       priority,
                       guint16       weight,
                       guint16       port,
                       const char   *target)
{
  GPtrArray *records = g_hash_table_lookup (self->srv, name);

  if (records == NULL)
    {
      records = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_hash_table_insert (self->srv, g_strdup (name), records);
    }
  g_ptr_array_add (records, g_variant_ref_sink (g_variant_new ("(qqqs)", priority, weight, port, target)));
}

/* ---- helpers ---- */

static void
assert_parse (const char *address,
              const char *want_host,
              guint16     want_port)
{
  GossipAddressSpec spec;
  g_autoptr(GError) error = NULL;

  g_test_message ("parse %s", address);
  g_assert_true (gossip_address_parse (address, 3500, &spec, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (spec.host, ==, want_host);
  g_assert_cmpuint (spec.port, ==, want_port);
  g_assert_null (spec.srv_name);
  gossip_address_spec_clear (&spec);
}

static void
assert_parse_fails (const char *address)
{
  GossipAddressSpec spec;
  g_autoptr(GError) error = NULL;

  g_test_message ("parse %s (must fail)", address);
  g_assert_false (gossip_address_parse (address, 3500, &spec, &error));
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS);
  g_assert_null (spec.host);
  g_assert_null (spec.srv_name);
}

/* Renders a resolution as "ip:port ip:port ..." for one-line comparisons. */
static char *
addresses_to_string (GList *list)
{
  GString *s = g_string_new (NULL);

  for (GList *l = list; l != NULL; l = l->next)
    {
      g_autofree char *str = g_socket_connectable_to_string (l->data);

      g_assert_true (G_IS_INET_SOCKET_ADDRESS (l->data));
      if (s->len > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, str);
    }
  return g_string_free (s, FALSE);
}

typedef struct {
  gboolean  done;
  GList    *addresses;
  GError   *error;
} ResolveResult;

static void
resolve_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ResolveResult *r = user_data;

  g_assert_null (source);
  r->addresses = gossip_address_resolve_finish (result, &r->error);
  r->done = TRUE;
}

static gboolean
resolve_done (gpointer user_data)
{
  return ((ResolveResult *) user_data)->done;
}

/* Resolves both ways and checks they agree. Returns the async answer's
 * string, or NULL with @error. */
static char *
resolve (const char  *address,
         gboolean     prefer_ipv6,
         GResolver   *resolver,
         GError     **error)
{
  ResolveResult r = { 0, };
  g_autoptr(GError) sync_error = NULL;
  GList *sync_list;
  g_autofree char *sync_str = NULL;
  char *async_str;

  gossip_address_resolve_async (address, 3500, prefer_ipv6, resolver, NULL, resolve_cb, &r);
  /* The callback never runs before the call returns. */
  g_assert_false (r.done);
  g_assert_true (test_wait_for (resolve_done, &r, 5000));

  sync_list = gossip_address_resolve_sync (address, 3500, prefer_ipv6, resolver, NULL, &sync_error);

  if (r.addresses == NULL)
    {
      g_assert_nonnull (r.error);
      g_assert_null (sync_list);
      g_assert_nonnull (sync_error);
      g_assert_cmpint (sync_error->domain, ==, r.error->domain);
      g_assert_cmpint (sync_error->code, ==, r.error->code);
      g_propagate_error (error, r.error);
      return NULL;
    }

  g_assert_no_error (r.error);
  g_assert_no_error (sync_error);
  async_str = addresses_to_string (r.addresses);
  sync_str = addresses_to_string (sync_list);
  g_assert_cmpstr (async_str, ==, sync_str);
  g_list_free_full (r.addresses, g_object_unref);
  g_list_free_full (sync_list, g_object_unref);
  return async_str;
}

/* ---- tests ---- */

static void
test_parse_host_port (void)
{
  /* §14 rule 1: a bare integer is a port on loopback */
  assert_parse ("8000", "127.0.0.1", 8000);
  /* rule 2: no colon → default port */
  assert_parse ("host", "host", 3500);
  assert_parse ("10.1.2.3", "10.1.2.3", 3500);
  assert_parse ("node.example.com", "node.example.com", 3500);
  /* rule 3 */
  assert_parse ("10.1.2.3:7946", "10.1.2.3", 7946);
  assert_parse ("host:1", "host", 1);
  assert_parse ("[::1]:8000", "::1", 8000);
  assert_parse ("[fe80::1%eth0]:80", "fe80::1%eth0", 80);
  /* rule 4: empty host is loopback, not all interfaces */
  assert_parse (":8000", "127.0.0.1", 8000);
  assert_parse ("[]:8000", "127.0.0.1", 8000);
  /* rule 5 differs on purpose: Go falls back to the default port, which
   * turns a typo into the wrong port; gossip-glib refuses it. */
  assert_parse_fails ("host:notaport");
  assert_parse_fails ("host:70000");
  assert_parse_fails ("host:-1");
  assert_parse_fails ("host:");
  assert_parse_fails ("99999");
  assert_parse_fails ("-5");
  assert_parse_fails ("127.0.0.1:99999");
  assert_parse ("host:65535", "host", 65535);
  assert_parse ("host:0", "host", 0);
}

static void
test_parse_failures (void)
{
  /* IPv6 literals need brackets */
  assert_parse_fails ("::1");
  assert_parse_fails ("fe80::1:80");
  /* brackets without a port */
  assert_parse_fails ("[::1]");
  assert_parse_fails ("[::1]x:80");
  assert_parse_fails ("[::1:80");
  assert_parse_fails ("a]b:80");
  assert_parse_fails ("");
}

static void
test_parse_urls (void)
{
  const char *urls[] = {
    "ws://host:80/", "wss://host/", "http://host:8080/gossip", "https://host/",
    "srv+http://_g._tcp.example.com/", "srv+wss://x/",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      GossipAddressSpec spec;
      g_autoptr(GError) error = NULL;

      g_assert_false (gossip_address_parse (urls[i], 3500, &spec, &error));
      g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS);
      g_assert_nonnull (strstr (error->message, "WebSocket"));
    }
}

static void
test_parse_srv (void)
{
  GossipAddressSpec spec;
  g_autoptr(GError) error = NULL;

  g_assert_true (gossip_address_parse ("srv+_gossip._tcp.example.com", 3500, &spec, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (spec.srv_name, ==, "_gossip._tcp.example.com");
  g_assert_nonnull (spec.host);
  gossip_address_spec_clear (&spec);

  assert_parse_fails ("srv+");
}

static void
test_resolve_literals (void)
{
  g_autofree char *v4 = resolve ("192.0.2.7:99", FALSE, NULL, NULL);
  g_autofree char *v6 = resolve ("[2001:db8::5]:99", FALSE, NULL, NULL);
  g_autofree char *port_only = resolve ("8000", FALSE, NULL, NULL);
  g_autoptr(TestResolver) resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_autofree char *via_fake = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *bad = NULL;

  g_assert_cmpstr (v4, ==, "192.0.2.7:99");
  g_assert_cmpstr (v6, ==, "[2001:db8::5]:99");
  g_assert_cmpstr (port_only, ==, "127.0.0.1:8000");

  /* A literal never reaches the resolver. */
  via_fake = resolve ("192.0.2.8", FALSE, G_RESOLVER (resolver), NULL);
  g_assert_cmpstr (via_fake, ==, "192.0.2.8:3500");
  g_assert_cmpuint (resolver->queried->len, ==, 0);

  bad = resolve ("ws://host/", FALSE, NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_ADDRESS);
}

static void
test_resolve_localhost (void)
{
  ResolveResult r = { 0, };

  /* GLib answers "localhost" itself, without asking DNS. */
  gossip_address_resolve_async ("localhost:9", 3500, FALSE, NULL, NULL, resolve_cb, &r);
  g_assert_true (test_wait_for (resolve_done, &r, 5000));
  g_assert_no_error (r.error);
  g_assert_nonnull (r.addresses);
  for (GList *l = r.addresses; l != NULL; l = l->next)
    {
      GInetSocketAddress *sa = l->data;

      g_assert_true (g_inet_address_get_is_loopback (g_inet_socket_address_get_address (sa)));
      g_assert_cmpuint (g_inet_socket_address_get_port (sa), ==, 9);
    }
  /* IPv4 first when both families are present */
  if (r.addresses->next != NULL)
    g_assert_cmpint (g_inet_address_get_family (g_inet_socket_address_get_address (r.addresses->data)),
                     ==, G_SOCKET_FAMILY_IPV4);
  g_list_free_full (r.addresses, g_object_unref);
}

static void
test_resolve_order (void)
{
  g_autoptr(TestResolver) resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_autofree char *v4_first = NULL;
  g_autofree char *v6_first = NULL;
  g_autofree char *missing = NULL;
  g_autoptr(GError) error = NULL;

  test_resolver_add_host (resolver, "mixed.test",
                          "2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2", NULL);

  v4_first = resolve ("mixed.test:4000", FALSE, G_RESOLVER (resolver), NULL);
  g_assert_cmpstr (v4_first, ==,
                   "192.0.2.1:4000 192.0.2.2:4000 [2001:db8::1]:4000 [2001:db8::2]:4000");
  v6_first = resolve ("mixed.test", TRUE, G_RESOLVER (resolver), NULL);
  g_assert_cmpstr (v6_first, ==,
                   "[2001:db8::1]:3500 [2001:db8::2]:3500 192.0.2.1:3500 192.0.2.2:3500");

  missing = resolve ("nowhere.test:1", FALSE, G_RESOLVER (resolver), &error);
  g_assert_null (missing);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_UNRESOLVABLE);
}

static void
test_resolve_srv (void)
{
  g_autoptr(TestResolver) resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_autofree char *got = NULL;
  g_autofree char *got_v6 = NULL;

  test_resolver_add_srv (resolver, "_gossip._tcp.example.test", 10, 0, 7001, "a.example.test");
  test_resolver_add_srv (resolver, "_gossip._tcp.example.test", 10, 0, 0, "b.example.test");
  test_resolver_add_srv (resolver, "_gossip._tcp.example.test", 10, 0, 7003, ".");
  test_resolver_add_srv (resolver, "_gossip._tcp.example.test", 20, 0, 7004, "c.example.test");
  test_resolver_add_srv (resolver, "_gossip._tcp.example.test", 30, 0, 7005, "gone.example.test");
  test_resolver_add_host (resolver, "a.example.test", "2001:db8::10", "192.0.2.10", NULL);
  test_resolver_add_host (resolver, "b.example.test", "192.0.2.20", NULL);
  test_resolver_add_host (resolver, "c.example.test", "192.0.2.30", NULL);

  got = resolve ("srv+_gossip._tcp.example.test", FALSE, G_RESOLVER (resolver), NULL);
  /* IPv4 of every target first, each with its record's port; the port-0
   * and "." records are skipped; a target that does not resolve is too. */
  g_assert_cmpstr (got, ==, "192.0.2.10:7001 192.0.2.30:7004 [2001:db8::10]:7001");

  got_v6 = resolve ("srv+_gossip._tcp.example.test", TRUE, G_RESOLVER (resolver), NULL);
  g_assert_cmpstr (got_v6, ==, "[2001:db8::10]:7001 192.0.2.10:7001 192.0.2.30:7004");

  /* The name is queried exactly as given; skipped records are never resolved. */
  g_assert_cmpstr (resolver->queried->pdata[0], ==, "SRV _gossip._tcp.example.test");
  for (guint i = 0; i < resolver->queried->len; i++)
    {
      g_assert_cmpstr (resolver->queried->pdata[i], !=, "b.example.test");
      g_assert_cmpstr (resolver->queried->pdata[i], !=, ".");
    }
}

static void
test_resolve_srv_unusable (void)
{
  g_autoptr(TestResolver) resolver = g_object_new (TEST_TYPE_RESOLVER, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autofree char *got = NULL;
  g_autofree char *got2 = NULL;

  test_resolver_add_srv (resolver, "_only._tcp.skipped.test", 10, 0, 0, "a.example.test");
  test_resolver_add_srv (resolver, "_only._tcp.skipped.test", 10, 0, 5000, ".");
  test_resolver_add_host (resolver, "a.example.test", "192.0.2.10", NULL);

  got = resolve ("srv+_only._tcp.skipped.test", FALSE, G_RESOLVER (resolver), &error);
  g_assert_null (got);
  g_assert_error (error, GOSSIP_ERROR, GOSSIP_ERROR_UNRESOLVABLE);

  got2 = resolve ("srv+_none._tcp.missing.test", FALSE, G_RESOLVER (resolver), &error2);
  g_assert_null (got2);
  g_assert_error (error2, GOSSIP_ERROR, GOSSIP_ERROR_UNRESOLVABLE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/address/parse/host-port", test_parse_host_port);
  g_test_add_func ("/address/parse/failures", test_parse_failures);
  g_test_add_func ("/address/parse/urls", test_parse_urls);
  g_test_add_func ("/address/parse/srv", test_parse_srv);
  g_test_add_func ("/address/resolve/literals", test_resolve_literals);
  g_test_add_func ("/address/resolve/localhost", test_resolve_localhost);
  g_test_add_func ("/address/resolve/order", test_resolve_order);
  g_test_add_func ("/address/resolve/srv", test_resolve_srv);
  g_test_add_func ("/address/resolve/srv-unusable", test_resolve_srv_unusable);

  return g_test_run ();
}
