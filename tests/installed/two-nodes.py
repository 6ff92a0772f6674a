#!/usr/bin/env python3
"""two-nodes.py: run with GI_TYPELIB_PATH pointing at the INSTALLED typelib
by tests/installed/run.sh; two nodes join and exchange a message."""
import sys

import gi
gi.require_version('Gossip', '1.0')
from gi.repository import GLib, Gossip  # noqa: E402


def node():
    config = Gossip.Config()
    config.set_bind_address('127.0.0.1:0')
    config.scale_intervals(0.1)
    c = Gossip.Cluster.new(config, None)
    c.start()
    return c


loop = GLib.MainLoop()
a, b = node(), node()
got = []
a.handle(200, lambda cluster, sender, packet: (got.append(packet.get_payload().unpack()), loop.quit()))
b.join_async([a.get_advertise_address()], None, None)


def tick():
    if a.get_n_alive() < 2 or b.get_n_alive() < 2:
        return True
    b.send(200, GLib.Variant('s', 'installed'))
    return False


GLib.timeout_add(100, tick)
GLib.timeout_add_seconds(20, loop.quit)
loop.run()
b.stop()
a.stop()
ok = got == ['installed']
print('Python program against the installed typelib: %s' % ('message received' if ok else 'NO MESSAGE'))
sys.exit(0 if ok else 1)
