/* usermessages: an application message type (the Go example
 * examples/usermessages): type 128 carries {content: string}, broadcast with
 * `gossip <message>` and forwarded through the cluster. */
#include "example-common.h"

#define GOSSIP_MSG 128

static void
message_cb (GossipCluster *cluster,
            GossipNode    *sender,
            GossipPacket  *packet,
            gpointer       user_data)
{
  g_autoptr(GVariant) payload = gossip_packet_get_payload (packet, NULL);
  const char *content = NULL;

  if (payload == NULL || !g_variant_is_of_type (payload, G_VARIANT_TYPE_VARDICT) ||
      !g_variant_lookup (payload, "content", "&s", &content))
    {
      example_print ("Ignored a malformed message from %s",
                     sender ? gossip_node_get_id (sender) : "an unknown node");
      return;
    }
  example_print ("Received message from %s: %s",
                 sender ? gossip_node_get_id (sender) : "an unknown node", content);
}

static void
cmd_gossip (Example *ex, char **argv, gpointer user_data)
{
  g_autofree char *text = g_strjoinv (" ", argv);
  g_autoptr(GError) error = NULL;
  GVariantDict dict;

  if (text[0] == '\0')
    {
      example_print ("usage: gossip <message>");
      return;
    }
  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "content", "s", text);
  if (!gossip_cluster_send (ex->cluster, GOSSIP_MSG, g_variant_dict_end (&dict), &error))
    example_print ("send failed: %s", error->message);
  else
    example_print ("Sent: %s", text);
}

int
main (int argc, char **argv)
{
  Example *ex = example_new ("usermessages", "A node that gossips text messages (type 128).", NULL, &argc, &argv);
  g_autoptr(GError) error = NULL;
  int status = 1;

  if (example_create (ex))
    {
      if (!gossip_cluster_handle (ex->cluster, GOSSIP_MSG, message_cb, NULL, NULL, &error))
        g_printerr ("usermessages: %s\n", error->message);
      else
        {
          example_add_command (ex, "gossip", "gossip <message>", "broadcast a message to the cluster", cmd_gossip, NULL);
          status = example_run (ex);
        }
    }
  example_free (ex);
  return status;
}
