/* example-common.h: what every gossip-glib example shares, as in the Go
 * examples: the flags (--port, --web-port, --peers, --node-id), the cluster
 * configuration (shamaton-compatible msgpack, snappy, AES-GCM with the
 * examples' key, application version 0.0.1) and the interactive commands
 * peers, whoami, set-meta, get-meta, show-meta, help and quit, read from
 * standard input one line at a time on the main loop.
 *
 * Only the public API of gossip-glib is used. */
#pragma once

#include <gossip-glib.h>

G_BEGIN_DECLS

typedef struct _Example Example;

/* Runs one command; @argv holds the words after the command's name. */
typedef void (* ExampleCommandFunc) (Example     *example,
                                     char       **argv,
                                     gpointer     user_data);

struct _Example
{
  const char    *name;
  GossipConfig  *config;
  GossipCluster *cluster;
  GMainLoop     *loop;
  char         **peers;
  GPtrArray     *commands;
  GDataInputStream *input;
  GCancellable  *cancellable;
  int            status;
};

/* Parses the common flags (and @extra, nullable) from @argc/@argv and builds
 * the configuration; exits with a message on bad flags. */
Example *example_new        (const char          *name,
                             const char          *summary,
                             const GOptionEntry  *extra,
                             int                 *argc,
                             char              ***argv);
/* Creates the cluster from the configuration; call before adding handlers. */
gboolean example_create     (Example             *example);
void     example_add_command (Example            *example,
                              const char         *name,
                              const char         *usage,
                              const char         *help,
                              ExampleCommandFunc  func,
                              gpointer            user_data);
/* Starts the node, joins the peers, reads commands until end of input or
 * `quit`, leaves and returns the exit status. */
int      example_run        (Example             *example);
void     example_free       (Example             *example);

/* Prints a line and flushes it, so a program reading our output sees it. */
void     example_print      (const char          *format,
                             ...) G_GNUC_PRINTF (1, 2);
/* A node by ID, or NULL with a message printed. */
GossipNode *example_find_node (Example           *example,
                               const char        *id);

G_END_DECLS
