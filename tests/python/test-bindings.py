#!/usr/bin/python3
# test-bindings.py: gossip-glib used from Python through GObject-Introspection.
#
# Two clusters run in this process on 127.0.0.1 with ephemeral ports and
# intervals scaled down, once with the msgpack codec and once with JSON.
# The tests exercise what a Python application does: join, broadcast
# dictionaries and strings, read remote metadata, ask for a reply, list the
# nodes and get GLib.Error for bad calls. Every wait has a deadline.

import time
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Gossip', '1.0')
from gi.repository import Gio, GLib, Gossip  # noqa: E402
from gossiptest import wait_for  # noqa: E402

WAIT_SECONDS = 15.0



def drain(seconds=0.1):
    """Lets pending events run for a short while (used after stop)."""
    end = time.monotonic() + seconds
    wait_for(lambda: time.monotonic() > end, seconds + 1)


class ClusterPairMixin:
    """Cluster A, and cluster B joined to A. Subclasses pick the codec."""

    def new_codec(self):
        raise NotImplementedError

    def new_cluster(self):
        config = Gossip.Config()
        config.set_bind_address('127.0.0.1:0')
        config.set_codec(self.new_codec())
        config.scale_intervals(0.1)
        cluster = Gossip.Cluster.new(config, None)
        cluster.start()
        return cluster

    def setUp(self):
        self.a = self.new_cluster()
        self.b = self.new_cluster()
        self.a_id = self.a.get_local_node().get_id()
        self.b_id = self.b.get_local_node().get_id()
        self.assertNotEqual(self.a_id, self.b_id)

        joined = []

        def on_joined(cluster, result):
            try:
                joined.append(cluster.join_finish(result))
            except GLib.Error as e:
                joined.append(e)

        self.b.join_async([self.a.get_advertise_address()], None, on_joined)
        self.assertTrue(wait_for(lambda: joined), 'join did not finish')
        self.assertNotIsInstance(joined[0], GLib.Error)
        self.assertEqual(joined[0], 1)
        self.assertTrue(
            wait_for(lambda: self.a.get_n_alive() == 2 and self.b.get_n_alive() == 2),
            'A sees %d alive, B sees %d' % (self.a.get_n_alive(), self.b.get_n_alive()))

    def tearDown(self):
        for cluster in (self.b, self.a):
            cluster.stop()
        drain()
        self.a = self.b = None

    def test_nodes(self):
        self.assertTrue(self.a.is_running())
        self.assertEqual(self.a.get_n_nodes(), 2)
        model = self.a.get_nodes()
        self.assertIsInstance(model, Gio.ListModel)
        self.assertEqual(model.get_n_items(), 2)
        ids = sorted(model.get_item(i).get_id() for i in range(model.get_n_items()))
        self.assertEqual(ids, sorted([self.a_id, self.b_id]))

        node = self.a.get_node(self.b_id)
        self.assertIsNotNone(node)
        self.assertEqual(node.get_id(), self.b_id)
        self.assertEqual(node.get_state(), Gossip.NodeState.ALIVE)
        self.assertFalse(node.is_local())
        self.assertEqual(node.get_address(), self.b.get_advertise_address())
        self.assertTrue(self.a.get_local_node().is_local())
        self.assertEqual(Gossip.node_state_to_string(Gossip.NodeState.ALIVE).lower(), 'alive')

    def test_broadcast_dict_and_string(self):
        received = {}

        def on_message(cluster, sender, packet, *user_data):
            received.setdefault(packet.get_message_type(), []).append(
                (packet.get_sender_id(), packet.get_payload().unpack()))

        self.a.handle(128, on_message)
        self.a.handle(129, on_message)

        self.b.send(128, GLib.Variant('a{sv}', {
            'k': GLib.Variant('s', 'v'),
            'n': GLib.Variant('x', 5),
        }))
        self.assertTrue(wait_for(lambda: 128 in received), 'type 128 not received')
        self.assertEqual(received[128], [(self.b_id, {'k': 'v', 'n': 5})])

        self.b.send(129, GLib.Variant('s', 'hello'))
        self.assertTrue(wait_for(lambda: 129 in received), 'type 129 not received')
        self.assertEqual(received[129], [(self.b_id, 'hello')])

    def test_message_signal(self):
        # "message::TYPE" (the type in decimal) sees one type, "message" all.
        detailed = []
        every = []
        self.a.connect('message::131',
                       lambda cluster, sender, packet: detailed.append(
                           (sender.get_id(), packet.get_payload().unpack())))
        self.a.connect('message', lambda cluster, sender, packet: every.append(
            packet.get_message_type()))
        self.b.send(132, GLib.Variant('s', 'not for 131'))
        self.b.send(131, GLib.Variant('s', 'for 131'))
        self.assertTrue(wait_for(lambda: detailed and len(every) == 2), 'message signal not seen')
        self.assertEqual(detailed, [(self.b_id, 'for 131')])
        self.assertEqual(sorted(every), [131, 132])

    def test_metadata(self):
        self.a.get_local_metadata().set_string('dc', 'eu')
        self.a.update_metadata()

        def remote_dc():
            node = self.b.get_node(self.a_id)
            return node is not None and node.get_metadata().get_string('dc') == 'eu'

        self.assertTrue(wait_for(remote_dc), 'B never saw dc=eu on A')
        metadata = self.b.get_node(self.a_id).get_metadata()
        self.assertTrue(metadata.contains('dc'))
        self.assertTrue(metadata.is_read_only())
        self.assertEqual(metadata.get_value('dc').unpack(), 'eu')

    def test_reply(self):
        requests = []

        def on_request(cluster, sender, packet, *user_data):
            text = packet.get_payload().unpack()
            requests.append(text)
            return GLib.Variant('s', 'pong: ' + text)

        self.a.handle_with_reply(130, on_request)

        replies = []

        def on_reply(cluster, result):
            try:
                replies.append(cluster.send_to_with_response_finish(result))
            except GLib.Error as e:
                replies.append(e)

        node = self.b.get_node(self.a_id)
        self.b.send_to_with_response_async(node, 130, GLib.Variant('s', 'ping'),
                                           None, on_reply)
        self.assertTrue(wait_for(lambda: replies), 'no reply')
        self.assertNotIsInstance(replies[0], GLib.Error)
        self.assertEqual(requests, ['ping'])
        self.assertEqual(replies[0].get_payload().unpack(), 'pong: ping')

    def test_errors(self):
        domain = GLib.quark_to_string(Gossip.error_quark())

        # Types below 64 belong to the protocol.
        with self.assertRaises(GLib.Error) as ctx:
            self.b.send(10, GLib.Variant('s', 'x'))
        self.assertEqual(ctx.exception.domain, domain)
        self.assertEqual(ctx.exception.code, Gossip.Error.INVALID_ARGUMENT)

        with self.assertRaises(GLib.Error) as ctx:
            self.a.handle(10, lambda *args: None)
        self.assertEqual(ctx.exception.domain, domain)

        # One handler per type.
        self.a.handle(140, lambda *args: None)
        with self.assertRaises(GLib.Error) as ctx:
            self.a.handle(140, lambda *args: None)
        self.assertEqual(ctx.exception.domain, domain)
        self.assertTrue(self.a.unregister(140))
        self.assertFalse(self.a.unregister(140))


class PlainConstructorTest(unittest.TestCase):
    """Gossip.Cluster(config=...) skips g_initable_init(): it must still
    give a working node, or one that refuses to start, never a crash."""

    def test_plain_constructor_works(self):
        def make():
            config = Gossip.Config()
            config.set_bind_address('127.0.0.1:0')
            config.scale_intervals(0.1)
            cluster = Gossip.Cluster(config=config)
            cluster.start()
            return cluster
        a, b = make(), make()
        self.assertTrue(a.is_running())
        self.assertTrue(a.get_advertise_address().startswith('127.0.0.1:'))
        b.join_async([a.get_advertise_address()], None, None)
        self.assertTrue(wait_for(lambda: a.get_n_alive() == 2 and b.get_n_alive() == 2))
        b.stop()
        a.stop()
        drain()

    def test_plain_constructor_without_config(self):
        cluster = Gossip.Cluster()
        self.assertIsNotNone(cluster.get_local_node())
        self.assertIsNotNone(cluster.get_config())
        cluster.stop()

    def test_plain_constructor_bad_config_refuses_to_start(self):
        config = Gossip.Config()
        config.set_bind_address('127.0.0.1:0')
        config.set_node_id('not-a-uuid')
        cluster = Gossip.Cluster(config=config)
        # start() warns (a GLib warning, not a crash) and stays stopped.
        old = GLib.log_set_always_fatal(GLib.LogLevelFlags.LEVEL_ERROR)
        try:
            cluster.start()
        finally:
            GLib.log_set_always_fatal(old)
        self.assertFalse(cluster.is_running())
        # The initable path reports the same problem as a GError.
        with self.assertRaises(GLib.Error):
            Gossip.Cluster.new(config, None)


class MsgpackTest(ClusterPairMixin, unittest.TestCase):
    def new_codec(self):
        return Gossip.MsgpackCodec.new()

    def test_codec_name(self):
        self.assertEqual(self.a.get_config().get_codec().get_name(), 'msgpack')


class JsonTest(ClusterPairMixin, unittest.TestCase):
    def new_codec(self):
        return Gossip.JsonCodec.new()

    def test_codec_name(self):
        self.assertEqual(self.a.get_config().get_codec().get_name(), 'json')


if __name__ == '__main__':
    unittest.main(verbosity=2)
