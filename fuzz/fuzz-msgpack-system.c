/* fuzz-msgpack-system.c: fuzz target for the msgpack fast path of system
 * messages (wire/gossip-msgpack-system.c) against the general path. The
 * first byte picks the message kind; the rest is its payload. Whenever the
 * fast path answers, the general path must succeed with the same struct.
 */
#include "config.h"

#include "fuzz-common.h"
#include "gossip-msgpack-system-private.h"

#define AGREE(cond) do { if (!(cond)) { g_printerr ("fast and general paths disagree: %s\n", #cond); abort (); } } while (0)

static gboolean
same_md (GVariant *a,
         GVariant *b)
{
  return a != NULL && b != NULL && g_variant_equal (a, b);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GVariant) v = NULL;
  const guint8 *p;
  gsize n;

  if (size < 1)
    return 0;
  fuzz_init ();
  p = data + 1;
  n = size - 1;
  v = gossip_msgpack_codec_decode_bounded (p, n, FUZZ_MAX_DECODE_ELEMENTS, NULL);
  if (v != NULL)
    g_variant_ref_sink (v);

  switch (data[0] % 4)
    {
    case 0:
      {
        GossipJoinMsg f, g;

        if (gossip_msgpack_read_join (p, n, &f))
          {
            AGREE (v != NULL && gossip_join_msg_parse (v, &g));
            AGREE (f.accepted == g.accepted && g_str_equal (f.reason, g.reason) &&
                   gossip_node_id_equal (&f.id, &g.id) && g_str_equal (f.addr, g.addr) &&
                   f.protocol_version == g.protocol_version && g_str_equal (f.app_version, g.app_version) &&
                   f.metadata_ts == g.metadata_ts && same_md (f.metadata, g.metadata));
            gossip_join_msg_clear (&f);
            gossip_join_msg_clear (&g);
          }
        break;
      }
    case 1:
      {
        GArray *f = NULL, *g;

        if (gossip_msgpack_read_state_list (p, n, 65536, &f))
          {
            AGREE (v != NULL && (g = gossip_node_state_list_parse (v, 65536)) != NULL);
            AGREE (f->len == g->len);
            for (guint i = 0; i < f->len; i++)
              {
                GossipNodeStateMsg *a = &g_array_index (f, GossipNodeStateMsg, i);
                GossipNodeStateMsg *b = &g_array_index (g, GossipNodeStateMsg, i);

                AGREE (gossip_node_id_equal (&a->id, &b->id) && g_str_equal (a->addr, b->addr) &&
                       a->state == b->state && a->state_ts == b->state_ts &&
                       a->metadata_ts == b->metadata_ts && same_md (a->metadata, b->metadata));
              }
            g_array_unref (f);
            g_array_unref (g);
          }
        break;
      }
    case 2:
      {
        GossipNodeMsg f, g;

        if (gossip_msgpack_read_node_msg (p, n, &f))
          {
            AGREE (v != NULL && gossip_node_msg_parse (v, &g));
            AGREE (gossip_node_id_equal (&f.node, &g.node) && g_str_equal (f.addr, g.addr));
            gossip_node_msg_clear (&f);
            gossip_node_msg_clear (&g);
          }
        break;
      }
    default:
      {
        GossipMetadataMsg f, g;

        if (gossip_msgpack_read_metadata_msg (p, n, &f))
          {
            AGREE (v != NULL && gossip_metadata_msg_parse (v, &g));
            AGREE (f.metadata_ts == g.metadata_ts && same_md (f.metadata, g.metadata));
            gossip_metadata_msg_clear (&f);
            gossip_metadata_msg_clear (&g);
          }
        break;
      }
    }
  return 0;
}
