/* fuzz-address.c: fuzz target for gossip_address_parse, the host/port
 * parsing of PROTOCOL.md §14 that every "addr" field from the wire goes
 * through. The input is copied to a NUL-terminated string (an embedded
 * NUL just ends it early, as it would for a string from a decoder).
 */
#include "config.h"

#include "fuzz-common.h"
#include "gossip-address-private.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  GossipAddressSpec spec = { 0, };

  fuzz_init ();
  text = g_strndup ((const char *) data, size);

  if (gossip_address_parse (text, 3500, &spec, &error))
    {
      g_assert_no_error (error);
      g_assert_true (spec.srv_name != NULL || (spec.host != NULL && spec.host[0] != '\0'));
      gossip_address_spec_clear (&spec);
    }
  else
    {
      g_assert_nonnull (error);
    }
  return 0;
}
