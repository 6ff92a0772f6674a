#!/usr/bin/python3
# test-transport.py: a Gossip.Transport written in Python carries a cluster.
#
# An in-memory transport (packets handed between transports of this
# process on the main context) implements the interface's virtual methods;
# three clusters on it join, converge, broadcast and answer a request.
# Every wait has a deadline.

import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Gossip', '1.0')
from gi.repository import Gio, GLib, GObject, Gossip  # noqa: E402
from gossiptest import wait_for  # noqa: E402

WAIT_SECONDS = 15.0



class MemTransport(GObject.Object, Gossip.Transport):
    """Delivers between MemTransports that share one dict."""

    def __init__(self, net, address):
        super().__init__()
        self.net = net
        self.address = address
        self.requests = 0
        net[address] = self

    def do_get_local_address(self):
        return self.address

    def do_send_datagram(self, address, raw):
        peer = self.net.get(address)
        if peer is not None:
            GLib.idle_add(lambda: peer.deliver(raw, False, None) and GLib.SOURCE_REMOVE)

    def do_request_async(self, address, raw, kind, cancellable, callback, *user_data):
        # The callback PyGObject hands us is already bound to its data.
        task = Gio.Task.new(self, cancellable, lambda src, res, *a: callback(src, res), None)
        peer = self.net.get(address)
        if peer is None:
            task.return_error(GLib.Error.new_literal(Gio.io_error_quark(), 'no node at ' + address,
                                                     Gio.IOErrorEnum.HOST_NOT_FOUND))
            return
        self.requests += 1

        def done(reply, taken):
            if kind != Gossip.RequestKind.REPLY:
                return
            if reply is not None:
                task.return_value(GObject.Value(GLib.Bytes, reply))
            else:
                task.return_error(GLib.Error.new_literal(Gio.io_error_quark(), 'closed without a reply',
                                                         Gio.IOErrorEnum.CLOSED))

        def go():
            incoming = Gossip.Incoming.new(None, None, done)
            if kind == Gossip.RequestKind.NO_REPLY:
                task.return_value(GObject.Value(GLib.Bytes, GLib.Bytes.new(b'')))
            peer.deliver(raw, True, incoming)
            return GLib.SOURCE_REMOVE

        GLib.idle_add(go)

    def do_request_finish(self, result):
        ok, value = result.propagate_value()
        return value

    def do_close(self):
        self.net.pop(self.address, None)


class TestPythonTransport(unittest.TestCase):
    def setUp(self):
        self.net = {}
        self.clusters = []
        self.received = []
        for i in range(3):
            config = Gossip.Config()
            config.scale_intervals(0.05)
            config.set_transport(MemTransport(self.net, 'py-%d' % i))
            cluster = Gossip.Cluster.new(config, None)
            cluster.handle(128, lambda c, sender, packet, i=i:
                           self.received.append((i, packet.get_payload().unpack())))
            cluster.handle_with_reply(130, lambda c, sender, packet, i=i:
                                      GLib.Variant('s', '%s from %d' % (packet.get_payload().unpack(), i)))
            cluster.start()
            self.clusters.append(cluster)

    def tearDown(self):
        for cluster in self.clusters:
            cluster.stop()
        self.assertEqual(self.net, {})

    def test_cluster(self):
        self.assertIsInstance(self.clusters[0].get_config().get_transport(), Gossip.Transport)
        self.assertEqual(self.clusters[0].get_advertise_address(), 'py-0')
        for cluster in self.clusters[1:]:
            joined = []
            cluster.join_async(['py-0'], None,
                               lambda c, res: joined.append(c.join_finish(res)))
            self.assertTrue(wait_for(lambda: joined))
            self.assertEqual(joined, [1])
        self.assertTrue(wait_for(lambda: all(c.get_n_alive() == 3 for c in self.clusters)))

        self.clusters[0].send(128, GLib.Variant('s', 'hello'))
        self.assertTrue(wait_for(lambda: len(self.received) >= 2))
        self.assertEqual(sorted(self.received), [(1, 'hello'), (2, 'hello')])

        replies = []
        node = self.clusters[0].get_node(self.clusters[2].get_local_node().get_id())
        self.clusters[0].send_to_with_response_async(
            node, 130, GLib.Variant('s', 'ping'), None,
            lambda c, result: replies.append(c.send_to_with_response_finish(result)))
        self.assertTrue(wait_for(lambda: replies))
        self.assertEqual(replies[0].get_payload().unpack(), 'ping from 2')
        self.assertGreater(self.clusters[0].get_config().get_transport().requests, 0)


if __name__ == '__main__':
    unittest.main(verbosity=2)
