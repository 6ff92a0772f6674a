/* basic: create a node and join a cluster (the Go example examples/basic).
 *
 *   gossip-example-basic --port 8001
 *   gossip-example-basic --port 8002 --peers 127.0.0.1:8001
 */
#include "example-common.h"

int
main (int argc, char **argv)
{
  Example *ex = example_new ("basic", "A gossip-glib node that joins a cluster.", NULL, &argc, &argv);
  int status = example_create (ex) ? example_run (ex) : 1;

  example_free (ex);
  return status;
}
