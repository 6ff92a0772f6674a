/* gossip-demo.c: a tour of gossip-glib in one process.
 *
 * Five cluster nodes run on 127.0.0.1 in this process, sharing one main
 * loop: node 0 starts alone, nodes 1-4 join it, and once every node sees all
 * five alive the demo walks through a broadcast, a metadata change, a
 * graceful leave and a crash that the others detect (Suspect, then Dead). Each phase begins when the previous one is observed to be
 * complete (no fixed sleeps), and a 30 s deadline turns a stall into exit
 * status 1, so `scripts/demo` can also serve as a smoke test.
 */

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <gossip-glib.h>

#define N_NODES          5
#define DEMO_MESSAGE     128
#define BROADCASTER      2
#define METADATA_NODE    3
#define LEAVER           4
#define CRASHER          1
#define DEADLINE_SECONDS 30
#define POLL_MS          50
/* A pause between phases, so that a person can follow along. */
#define PAUSE_US         (800 * G_TIME_SPAN_MILLISECOND)

typedef enum {
  PHASE_JOINING,
  PHASE_BROADCAST,
  PHASE_METADATA,
  PHASE_LEAVING,
  PHASE_FAILURE,
  PHASE_DONE,
} DemoPhase;

static const char * const phase_names[] = {
  "joining", "broadcast", "metadata", "leaving", "failure", "done",
};

typedef struct _Demo Demo;

/* What a signal or message handler needs to know about its receiver. */
typedef struct {
  Demo *demo;
  guint index;
} DemoNode;

struct _Demo {
  GMainLoop     *loop;
  GossipCluster *clusters[N_NODES];
  DemoNode       nodes[N_NODES];
  char          *ids[N_NODES];
  char          *seed_peers[2];
  guint          deadline_id;
  gint64         start_us;
  gboolean       colour;
  DemoPhase      phase;
  gint64         phase_done_us;   /* when the current phase was seen complete, or 0 */
  int            exit_status;

  /* Progress of each phase, per observing node. */
  gboolean       got_message[N_NODES];
  gboolean       saw_role[N_NODES];
  gboolean       saw_leaving[N_NODES];
  gboolean       saw_dead[N_NODES];
};

/* One colour per node so a reader can follow who says what. */
static const char * const node_colours[N_NODES] = {
  "\033[1;36m", "\033[1;32m", "\033[1;33m", "\033[1;35m", "\033[1;34m",
};
#define COLOUR_DIM   "\033[2m"
#define COLOUR_BOLD  "\033[1m"
#define COLOUR_RED   "\033[1;31m"
#define COLOUR_GREEN "\033[1;32m"
#define COLOUR_RESET "\033[0m"

static const char *
paint (Demo       *demo,
       const char *colour)
{
  return demo->colour ? colour : "";
}

static char *
node_label (Demo  *demo,
            guint  index)
{
  return g_strdup_printf ("%snode %u%s",
                          paint (demo, node_colours[index]), index,
                          paint (demo, COLOUR_RESET));
}

/* Names a node by its demo index when it is one of ours. */
static char *
describe_node (Demo       *demo,
               GossipNode *node)
{
  const char *id = gossip_node_get_id (node);

  for (guint i = 0; i < N_NODES; i++)
    if (demo->ids[i] != NULL && g_strcmp0 (demo->ids[i], id) == 0)
      return node_label (demo, i);

  return g_strdup_printf ("node %s", id);
}

static int
node_index (Demo       *demo,
            GossipNode *node)
{
  const char *id = gossip_node_get_id (node);

  for (guint i = 0; i < N_NODES; i++)
    if (g_strcmp0 (demo->ids[i], id) == 0)
      return (int) i;

  return -1;
}

static void say (Demo       *demo,
                 int         speaker,
                 const char *format,
                 ...) G_GNUC_PRINTF (3, 4);

/* Prints one line: elapsed time, the speaking node (or "demo") and text. */
static void
say (Demo       *demo,
     int         speaker,
     const char *format,
     ...)
{
  g_autofree char *text = NULL;
  g_autofree char *who = NULL;
  double elapsed = (g_get_monotonic_time () - demo->start_us) / 1e6;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (speaker >= 0)
    who = node_label (demo, (guint) speaker);
  else
    who = g_strdup_printf ("%sdemo%s  ", paint (demo, COLOUR_BOLD),
                           paint (demo, COLOUR_RESET));

  printf ("%s[%6.3fs]%s %s | %s\n",
          paint (demo, COLOUR_DIM), elapsed, paint (demo, COLOUR_RESET),
          who, text);
  fflush (stdout);
}

static void
headline (Demo       *demo,
          const char *text)
{
  say (demo, -1, "%s== %s ==%s", paint (demo, COLOUR_BOLD), text,
       paint (demo, COLOUR_RESET));
}

static void
on_node_state_changed (GossipCluster   *cluster,
                       GossipNode      *node,
                       GossipNodeState  old_state,
                       GossipNodeState  new_state,
                       gpointer         user_data)
{
  DemoNode *self = user_data;
  Demo *demo = self->demo;
  g_autofree char *who = NULL;
  int index = node_index (demo, node);

  who = gossip_node_is_local (node) ? g_strdup ("self") : describe_node (demo, node);
  say (demo, (int) self->index, "%s @%s: %s -> %s",
       who, gossip_node_get_address (node),
       gossip_node_state_to_string (old_state),
       gossip_node_state_to_string (new_state));

  if (index == LEAVER && (guint) index != self->index &&
      new_state == GOSSIP_NODE_STATE_LEAVING)
    demo->saw_leaving[self->index] = TRUE;
  if (index == CRASHER && (guint) index != self->index &&
      new_state == GOSSIP_NODE_STATE_DEAD)
    demo->saw_dead[self->index] = TRUE;
}

static void
on_node_metadata_changed (GossipCluster *cluster,
                          GossipNode    *node,
                          gpointer       user_data)
{
  DemoNode *self = user_data;
  Demo *demo = self->demo;
  GossipMetadata *metadata = gossip_node_get_metadata (node);
  g_autofree char *who = NULL;
  g_autofree char *role = NULL;

  /* Joining nodes learn each other's (empty) metadata too; only the
   * change this demo makes is worth a line. */
  if (demo->phase < PHASE_METADATA)
    return;

  who = describe_node (demo, node);
  role = gossip_metadata_get_string (metadata, "role");
  say (demo, (int) self->index, "metadata of %s changed: role=%s",
       who, role != NULL && *role != '\0' ? role : "(unset)");

  if (node_index (demo, node) == METADATA_NODE &&
      self->index != METADATA_NODE &&
      g_strcmp0 (role, "db") == 0)
    demo->saw_role[self->index] = TRUE;
}

static void
on_demo_message (GossipCluster *cluster,
                 GossipNode    *sender,
                 GossipPacket  *packet,
                 gpointer       user_data)
{
  DemoNode *self = user_data;
  Demo *demo = self->demo;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) payload = NULL;
  g_autofree char *from = NULL;
  g_autofree char *printed = NULL;
  const char *text = NULL;
  gint64 n = 0;

  if (sender != NULL)
    from = describe_node (demo, sender);
  else
    from = g_strdup (gossip_packet_get_sender_id (packet));

  payload = gossip_packet_get_payload (packet, &error);
  if (payload == NULL)
    {
      say (demo, (int) self->index, "%scould not decode message from %s: %s%s",
           paint (demo, COLOUR_RED), from, error->message,
           paint (demo, COLOUR_RESET));
      return;
    }

  printed = g_variant_print (payload, TRUE);
  if (g_variant_is_of_type (payload, G_VARIANT_TYPE_VARDICT) &&
      g_variant_lookup (payload, "text", "&s", &text) &&
      g_variant_lookup (payload, "n", "x", &n))
    {
      say (demo, (int) self->index,
           "received type %u from %s (ttl %u): text=\"%s\" n=%" G_GINT64_FORMAT,
           gossip_packet_get_message_type (packet), from,
           gossip_packet_get_ttl (packet), text, n);
      demo->got_message[self->index] = TRUE;
    }
  else
    {
      say (demo, (int) self->index, "%sunexpected payload from %s: %s%s",
           paint (demo, COLOUR_RED), from, printed,
           paint (demo, COLOUR_RESET));
    }
}

static void
on_join_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  DemoNode *self = user_data;
  Demo *demo = self->demo;
  g_autoptr(GError) error = NULL;
  guint joined;

  joined = gossip_cluster_join_finish (GOSSIP_CLUSTER (source), result, &error);
  if (error != NULL)
    say (demo, (int) self->index, "%sjoin failed: %s%s",
         paint (demo, COLOUR_RED), error->message, paint (demo, COLOUR_RESET));
  else
    say (demo, (int) self->index, "join finished: reached %u peer%s",
         joined, joined == 1 ? "" : "s");
}

/* TRUE when flags[i] is set for every node but @skip. */
static gboolean
all_others (const gboolean *flags,
            guint           skip)
{
  for (guint i = 0; i < N_NODES; i++)
    if (i != skip && !flags[i])
      return FALSE;
  return TRUE;
}

static gboolean
all_see_everyone_alive (Demo *demo)
{
  for (guint i = 0; i < N_NODES; i++)
    if (gossip_cluster_get_n_alive (demo->clusters[i]) != N_NODES)
      return FALSE;
  return TRUE;
}

static void
fail (Demo       *demo,
      const char *what,
      GError     *error)
{
  say (demo, -1, "%s%s: %s%s", paint (demo, COLOUR_RED), what,
       error != NULL ? error->message : "failed", paint (demo, COLOUR_RESET));
  demo->exit_status = EXIT_FAILURE;
  g_main_loop_quit (demo->loop);
}

static void
start_broadcast (Demo *demo)
{
  g_autoptr(GError) error = NULL;
  g_auto(GVariantBuilder) builder = G_VARIANT_BUILDER_INIT (G_VARIANT_TYPE_VARDICT);
  g_autoptr(GVariant) payload = NULL;

  headline (demo, "node 2 broadcasts a message of type 128");
  g_variant_builder_add (&builder, "{sv}", "text",
                         g_variant_new_string ("hello from node 2"));
  g_variant_builder_add (&builder, "{sv}", "n", g_variant_new_int64 (1));
  payload = g_variant_ref_sink (g_variant_builder_end (&builder));

  {
    g_autofree char *printed = g_variant_print (payload, TRUE);
    say (demo, BROADCASTER, "sending %s", printed);
  }

  if (!gossip_cluster_send (demo->clusters[BROADCASTER], DEMO_MESSAGE,
                            payload, &error))
    fail (demo, "send failed", error);
}

static void
start_metadata (Demo *demo)
{
  GossipCluster *cluster = demo->clusters[METADATA_NODE];

  headline (demo, "node 3 sets its metadata role=db");
  gossip_metadata_set_string (gossip_cluster_get_local_metadata (cluster),
                              "role", "db");
  gossip_cluster_update_metadata (cluster);
}

static void
start_leaving (Demo *demo)
{
  headline (demo, "node 4 leaves the cluster");
  gossip_cluster_leave (demo->clusters[LEAVER]);
}

/* A crash: the process of node 1 would simply vanish. In one process we
 * close its sockets and stop its timers without the leave message, through
 * the same private hook the tests use. */
void gossip_cluster_simulate_crash (GossipCluster *self);

static void
start_failure (Demo *demo)
{
  headline (demo, "node 1 crashes silently (no leave message)");
  gossip_cluster_simulate_crash (demo->clusters[CRASHER]);
}

/* Moves to the next phase once the current one is complete. */
/* Called while the phase is complete: announces @achievement the first
 * time, and returns TRUE once it has been complete for PAUSE_US. */
static gboolean
phase_complete (Demo       *demo,
                const char *achievement)
{
  gint64 now = g_get_monotonic_time ();

  if (demo->phase_done_us == 0)
    {
      demo->phase_done_us = now;
      say (demo, -1, "%s%s%s", paint (demo, COLOUR_GREEN), achievement, paint (demo, COLOUR_RESET));
    }
  if (now - demo->phase_done_us < PAUSE_US)
    return FALSE;
  demo->phase_done_us = 0;
  return TRUE;
}

static gboolean
poll_progress (gpointer user_data)
{
  Demo *demo = user_data;

  switch (demo->phase)
    {
    case PHASE_JOINING:
      if (!all_see_everyone_alive (demo))
        break;
      if (!phase_complete (demo, "all 5 nodes see 5 alive"))
        break;
      demo->phase = PHASE_BROADCAST;
      start_broadcast (demo);
      break;

    case PHASE_BROADCAST:
      if (!all_others (demo->got_message, BROADCASTER))
        break;
      if (!phase_complete (demo, "every other node received node 2's message"))
        break;
      demo->phase = PHASE_METADATA;
      start_metadata (demo);
      break;

    case PHASE_METADATA:
      if (!all_others (demo->saw_role, METADATA_NODE))
        break;
      if (!phase_complete (demo, "every other node sees node 3 as role=db"))
        break;
      demo->phase = PHASE_LEAVING;
      start_leaving (demo);
      break;

    case PHASE_LEAVING:
      if (!all_others (demo->saw_leaving, LEAVER))
        break;
      if (!phase_complete (demo, "every other node sees node 4 leaving"))
        break;
      demo->phase = PHASE_FAILURE;
      start_failure (demo);
      break;

    case PHASE_FAILURE:
      {
        gboolean done = TRUE;

        /* The survivors: everyone but the crashed node and the one that left. */
        for (guint i = 0; i < N_NODES; i++)
          if (i != CRASHER && i != LEAVER && !demo->saw_dead[i])
            done = FALSE;
        if (!done || !phase_complete (demo, "every remaining node detected node 1's crash: suspect, then dead"))
          break;
      }
      demo->phase = PHASE_DONE;
      g_main_loop_quit (demo->loop);
      break;

    case PHASE_DONE:
    default:
      break;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  Demo *demo = user_data;

  say (demo, -1, "%sgave up after %d s in phase \"%s\"%s",
       paint (demo, COLOUR_RED), DEADLINE_SECONDS, phase_names[demo->phase],
       paint (demo, COLOUR_RESET));
  for (guint i = 0; i < N_NODES; i++)
    say (demo, (int) i, "sees %u alive, %u suspect, %u leaving, %u dead",
         gossip_cluster_get_n_alive (demo->clusters[i]),
         gossip_cluster_get_n_suspect (demo->clusters[i]),
         gossip_cluster_get_n_leaving (demo->clusters[i]),
         gossip_cluster_get_n_dead (demo->clusters[i]));

  demo->deadline_id = 0;
  demo->exit_status = EXIT_FAILURE;
  g_main_loop_quit (demo->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
want_colour (void)
{
  const char *term = g_getenv ("TERM");

  return isatty (STDOUT_FILENO) && g_getenv ("NO_COLOR") == NULL &&
         term != NULL && g_strcmp0 (term, "dumb") != 0;
}

static GossipCluster *
create_node (Demo     *demo,
             guint     index,
             GError  **error)
{
  g_autoptr(GossipConfig) config = gossip_config_new ();
  g_autoptr(GossipCodec) codec = gossip_msgpack_codec_new ();
  g_autoptr(GossipCluster) cluster = NULL;
  DemoNode *node = &demo->nodes[index];

  /* Port 0: the kernel picks a free port, the cluster advertises it. */
  gossip_config_set_bind_address (config, "127.0.0.1:0");
  gossip_config_set_codec (config, codec);
  /* Timers 10x faster than Go's defaults, so the demo takes seconds. */
  gossip_config_scale_intervals (config, 0.1);

  cluster = gossip_cluster_new (config, NULL, error);
  if (cluster == NULL)
    return NULL;

  node->demo = demo;
  node->index = index;
  demo->ids[index] = g_strdup (gossip_node_get_id (gossip_cluster_get_local_node (cluster)));

  g_signal_connect (cluster, "node-state-changed",
                    G_CALLBACK (on_node_state_changed), node);
  g_signal_connect (cluster, "node-metadata-changed",
                    G_CALLBACK (on_node_metadata_changed), node);
  if (!gossip_cluster_handle (cluster, DEMO_MESSAGE, on_demo_message,
                              node, NULL, error))
    return NULL;

  return g_steal_pointer (&cluster);
}

int
main (int   argc,
      char *argv[])
{
  Demo demo = { 0, };
  g_autoptr(GError) error = NULL;
  guint poll_id;

  setlocale (LC_ALL, "");

  demo.start_us = g_get_monotonic_time ();
  demo.colour = want_colour ();
  demo.loop = g_main_loop_new (NULL, FALSE);
  demo.exit_status = EXIT_SUCCESS;

  headline (&demo, "starting five gossip nodes on 127.0.0.1");
  for (guint i = 0; i < N_NODES; i++)
    {
      demo.clusters[i] = create_node (&demo, i, &error);
      if (demo.clusters[i] == NULL)
        {
          fail (&demo, "could not create a node", error);
          goto out;
        }
      gossip_cluster_start (demo.clusters[i]);
      say (&demo, (int) i, "id %s, listening on %s", demo.ids[i],
           gossip_cluster_get_advertise_address (demo.clusters[i]));
    }

  headline (&demo, "nodes 1-4 join node 0");
  demo.seed_peers[0] = g_strdup (gossip_cluster_get_advertise_address (demo.clusters[0]));
  demo.seed_peers[1] = NULL;
  for (guint i = 1; i < N_NODES; i++)
    gossip_cluster_join_async (demo.clusters[i],
                               (const char * const *) demo.seed_peers,
                               NULL, on_join_done, &demo.nodes[i]);

  poll_id = g_timeout_add (POLL_MS, poll_progress, &demo);
  demo.deadline_id = g_timeout_add_seconds (DEADLINE_SECONDS, on_deadline, &demo);
  g_main_loop_run (demo.loop);
  g_source_remove (poll_id);
  g_clear_handle_id (&demo.deadline_id, g_source_remove);

out:
  if (demo.exit_status == EXIT_SUCCESS)
    headline (&demo, "stopping all nodes");
  for (guint i = 0; i < N_NODES; i++)
    if (demo.clusters[i] != NULL)
      gossip_cluster_stop (demo.clusters[i]);

  if (demo.exit_status == EXIT_SUCCESS)
    headline (&demo, "done: all nodes stopped");

  for (guint i = 0; i < N_NODES; i++)
    {
      g_clear_object (&demo.clusters[i]);
      g_free (demo.ids[i]);
    }
  g_free (demo.seed_peers[0]);
  g_main_loop_unref (demo.loop);

  return demo.exit_status;
}
