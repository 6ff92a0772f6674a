#!/usr/bin/env python3
"""basic: a gossip-glib node that joins a cluster (Go: examples/basic)."""
import sys

from example_common import Example

if __name__ == '__main__':
    sys.exit(Example('basic', 'A gossip-glib node that joins a cluster.').run())
