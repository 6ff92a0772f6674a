/* stream: node-to-node streams (the Go example examples/stream). Every node
 * accepts streams of type 128 and answers each string message of type 129
 * on them with "Pong: <message>"; `stream <nodeid> <message>` opens a
 * stream to a node, writes the message, reads the answer and closes. */
#include "example-common.h"

#define STREAM_OPEN 128
#define STREAM_DATA 129

/* The accepting side: read a message, answer it, until the opener closes. */
static void pong_read_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
pong_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GossipStream *stream = GOSSIP_STREAM (source);
  g_autoptr(GError) error = NULL;

  if (!gossip_stream_write_message_finish (stream, result, &error))
    {
      example_print ("Stream reply failed: %s", error->message);
      g_object_unref (stream);
      return;
    }
  gossip_stream_read_message_async (stream, STREAM_DATA, NULL, pong_read_cb, NULL);
}

static void
pong_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GossipStream *stream = GOSSIP_STREAM (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) msg = gossip_stream_read_message_finish (stream, result, NULL, &error);
  g_autofree char *reply = NULL;

  if (msg == NULL)
    {
      /* The opener closed: the end of this stream. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        example_print ("Stream closed: %s", error->message);
      g_object_unref (stream);  /* the reference taken in stream_cb */
      return;
    }
  if (!g_variant_is_of_type (msg, G_VARIANT_TYPE_STRING))
    {
      example_print ("Ignored a stream message that is not a string");
      g_object_unref (stream);
      return;
    }
  example_print ("Stream message: %s", g_variant_get_string (msg, NULL));
  reply = g_strdup_printf ("Pong: %s", g_variant_get_string (msg, NULL));
  gossip_stream_write_message_async (stream, STREAM_DATA, g_variant_new_string (reply), NULL,
                                     pong_written_cb, NULL);
}

static void
stream_cb (GossipCluster *cluster,
           GossipNode    *sender,
           GossipPacket  *packet,
           GossipStream  *stream,
           gpointer       user_data)
{
  example_print ("Stream opened by %s", sender ? gossip_node_get_id (sender) : "an unknown node");
  gossip_stream_read_message_async (g_object_ref (stream), STREAM_DATA, NULL, pong_read_cb, NULL);
}

/* The opening side: open, write, read the answer, close. */
typedef struct {
  char         *message;
  GossipStream *stream;
} Ping;

static void
ping_free (Ping *ping)
{
  if (ping->stream != NULL)
    g_io_stream_close_async (G_IO_STREAM (ping->stream), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&ping->stream);
  g_free (ping->message);
  g_free (ping);
}

static void
ping_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ping *ping = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = gossip_stream_read_message_finish (GOSSIP_STREAM (source), result, NULL, &error);

  if (reply == NULL)
    example_print ("Stream read failed: %s", error->message);
  else if (g_variant_is_of_type (reply, G_VARIANT_TYPE_STRING))
    example_print ("Stream reply: %s", g_variant_get_string (reply, NULL));
  ping_free (ping);
}

static void
ping_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ping *ping = user_data;
  g_autoptr(GError) error = NULL;

  if (!gossip_stream_write_message_finish (GOSSIP_STREAM (source), result, &error))
    {
      example_print ("Stream write failed: %s", error->message);
      ping_free (ping);
      return;
    }
  gossip_stream_read_message_async (ping->stream, STREAM_DATA, NULL, ping_read_cb, ping);
}

static void
ping_opened_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ping *ping = user_data;
  g_autoptr(GError) error = NULL;

  ping->stream = gossip_cluster_open_stream_finish (GOSSIP_CLUSTER (source), result, &error);
  if (ping->stream == NULL)
    {
      example_print ("Stream open failed: %s", error->message);
      ping_free (ping);
      return;
    }
  gossip_stream_write_message_async (ping->stream, STREAM_DATA, g_variant_new_string (ping->message), NULL,
                                     ping_written_cb, ping);
}

static void
cmd_stream (Example *ex, char **argv, gpointer user_data)
{
  GossipNode *node;
  Ping *ping;

  if (argv[0] == NULL || argv[1] == NULL)
    {
      example_print ("usage: stream <nodeid> <message>");
      return;
    }
  node = example_find_node (ex, argv[0]);
  if (node == NULL)
    return;
  ping = g_new0 (Ping, 1);
  ping->message = g_strjoinv (" ", argv + 1);
  gossip_cluster_open_stream_async (ex->cluster, node, STREAM_OPEN, NULL, NULL, ping_opened_cb, ping);
}

int
main (int argc, char **argv)
{
  Example *ex = example_new ("stream", "A node that answers stream messages (stream type 128, data type 129).",
                             NULL, &argc, &argv);
  g_autoptr(GError) error = NULL;
  int status = 1;

  if (example_create (ex))
    {
      if (!gossip_cluster_handle_stream (ex->cluster, STREAM_OPEN, stream_cb, NULL, NULL, &error))
        g_printerr ("stream: %s\n", error->message);
      else
        {
          example_add_command (ex, "stream", "stream <nodeid> <message>",
                               "open a stream to a node, send a message and print its reply", cmd_stream, NULL);
          status = example_run (ex);
        }
    }
  example_free (ex);
  return status;
}
