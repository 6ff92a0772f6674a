#!/usr/bin/python3
# The D-Bus API of gossip-glib-agent through Gio.DBusProxy: properties,
# Join, Members, SetMetadata/GetMetadata, Subscribe and the Message signal,
# SendTo; bad input (wrong types, unknown node, oversized payload, reserved
# type) gets a D-Bus error and the agent keeps running.

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentharness import Bus, wait_until  # noqa: E402

from gi.repository import Gio, GLib  # noqa: E402

IFACE = 'org.gnome.GossipGlib1.Agent'
PATH = '/org/gnome/GossipGlib1/Agent'


def proxy(conn, name):
    return Gio.DBusProxy.new_sync(conn, Gio.DBusProxyFlags.NONE, None,
                                  'org.gnome.GossipGlib1.' + name, PATH, IFACE, None)


def prop(p, name):
    # Read through Properties.Get rather than the proxy's cache, which only
    # changes when the main loop runs.
    v = p.call_sync('org.freedesktop.DBus.Properties.Get', GLib.Variant('(ss)', (IFACE, name)),
                    Gio.DBusCallFlags.NONE, -1, None)
    return v.unpack()[0]


def pump(ctx=None):
    ctx = ctx or GLib.MainContext.default()
    while ctx.iteration(False):
        pass


def expect_error(p, method, args, remote_name):
    try:
        p.call_sync(method, args, Gio.DBusCallFlags.NONE, 30000, None)
    except GLib.Error as e:
        got = Gio.DBusError.get_remote_error(e)
        assert got == remote_name, (method, got, e.message)
        return e
    raise AssertionError(method + ' succeeded; expected ' + remote_name)


class AgentDBusTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.bus = Bus()
        cls.pa = cls.bus.agent('pa')
        cls.bus.agent('pb')
        cls.conn = cls.bus.connection()
        cls.a = a = proxy(cls.conn, 'pa')
        cls.b = b = proxy(cls.conn, 'pb')
        cls.a_id, cls.b_id = prop(a, 'NodeId'), prop(b, 'NodeId')
        cls.a_addr = prop(a, 'Address')
        assert prop(a, 'Total') == 1
        # Join through the proxy
        n = b.call_sync('Join', GLib.Variant('(as)', ([cls.a_addr],)), Gio.DBusCallFlags.NONE,
                        30000, None).unpack()[0]
        assert n == 1, n
        wait_until(lambda: prop(a, 'Alive') == 2 and prop(b, 'Alive') == 2, what='two alive')

    @classmethod
    def tearDownClass(cls):
        try:
            # whatever the tests sent, the agent keeps running and answering
            assert cls.pa.poll() is None, 'agent pa died'
            ms = cls.a.call_sync('Members', None, Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
            assert sorted(m[0] for m in ms) == sorted([cls.a_id, cls.b_id]), ms
            assert prop(cls.a, 'Alive') == 2
        finally:
            cls.bus.close()

    def test_properties(self):
        a, a_id, a_addr = self.a, self.a_id, self.a_addr
        self.assertEqual(len(a_id), 36)
        self.assertTrue(a_addr.startswith('127.0.0.1:'), a_addr)
        self.assertEqual(a.get_cached_property('NodeId').unpack(), a_id)
        self.assertEqual(prop(a, 'Total'), 2)
        self.assertEqual(prop(a, 'Dead'), 0)
        self.assertEqual(prop(a, 'Suspect'), 0)

    def test_metadata(self):
        a, b, a_id, a_addr = self.a, self.b, self.a_id, self.a_addr
        a.call_sync('SetMetadata', GLib.Variant('(sv)', ('cores', GLib.Variant('i', 8))),
                    Gio.DBusCallFlags.NONE, -1, None)
        a.call_sync('SetMetadata', GLib.Variant('(sv)', ('name', GLib.Variant('s', 'alpha'))),
                    Gio.DBusCallFlags.NONE, -1, None)

        def b_sees_meta():
            ms = b.call_sync('Members', None, Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
            for (nid, addr, state, meta) in ms:
                if nid == a_id:
                    return meta.get('cores') == 8 and meta.get('name') == 'alpha' \
                        and addr == a_addr and state == 'alive'
            return False
        wait_until(b_sees_meta, what='b sees a\'s metadata')
        v = b.call_sync('GetMetadata', GLib.Variant('(ss)', (a_id, 'cores')),
                        Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        self.assertEqual(v, 8)

    def test_messages(self):
        a, b, a_id, b_id = self.a, self.b, self.a_id, self.b_id
        got = []

        def on_signal(proxy_, sender, signal, params):
            if signal == 'Message':
                t, s, p = params.unpack()
                got.append((t, s, bytes(p)))
        handler = b.connect('g-signal', on_signal)
        b.call_sync('Subscribe', GLib.Variant('(q)', (300,)), Gio.DBusCallFlags.NONE, -1, None)
        a.call_sync('Send', GLib.Variant('(qay)', (300, b'\x00\x01binary\xff')),
                    Gio.DBusCallFlags.NONE, -1, None)
        wait_until(lambda: (pump(), got)[1], what='Message signal')
        self.assertEqual(got[0], (300, a_id, b'\x00\x01binary\xff'))
        a.call_sync('SendTo', GLib.Variant('(sqay)', (b_id, 300, b'to b')),
                    Gio.DBusCallFlags.NONE, -1, None)
        wait_until(lambda: (pump(), len(got) == 2)[1], what='second Message')
        self.assertEqual(got[1], (300, a_id, b'to b'))
        b.call_sync('Unsubscribe', GLib.Variant('(q)', (300,)), Gio.DBusCallFlags.NONE, -1, None)
        b.disconnect(handler)

    def test_subscriber_vanishes(self):
        # a subscriber's subscriptions end when its name leaves the bus
        b = self.b
        n0 = prop(b, 'Subscribers')
        mon = self.bus.cli_background('--name', 'pb', 'monitor', '--type', '301')
        wait_until(lambda: prop(b, 'Subscribers') == n0 + 1, what='monitor subscribed')
        mon.kill()
        mon.wait()
        wait_until(lambda: prop(b, 'Subscribers') == n0, what='dead monitor unsubscribed')

    def test_bad_input(self):
        # each gets a D-Bus error; tearDownClass checks that the agent runs on
        a = self.a
        expect_error(a, 'Join', GLib.Variant('(s)', ('127.0.0.1:1',)),
                     'org.freedesktop.DBus.Error.InvalidArgs')
        expect_error(a, 'Send', GLib.Variant('(sq)', ('x', 1)),
                     'org.freedesktop.DBus.Error.InvalidArgs')
        expect_error(a, 'Join', GLib.Variant('(as)', ([],)),
                     'org.freedesktop.DBus.Error.InvalidArgs')
        expect_error(a, 'SendTo', GLib.Variant('(sqay)', ('no-such-node', 300, b'x')),
                     'org.gnome.GossipGlib1.Error.NotFound')
        expect_error(a, 'SendTo', GLib.Variant('(sqay)', ('01a236ba-0000-0000-0000-000000000000',
                                                          300, b'x')),
                     'org.gnome.GossipGlib1.Error.NotFound')
        expect_error(a, 'GetMetadata', GLib.Variant('(ss)', ('', 'missing')),
                     'org.gnome.GossipGlib1.Error.NotFound')
        expect_error(a, 'Send', GLib.Variant('(qay)', (300, b'x' * (2 * 1024 * 1024))),
                     'org.freedesktop.DBus.Error.LimitsExceeded')
        expect_error(a, 'Send', GLib.Variant('(qay)', (5, b'x')),
                     'org.freedesktop.DBus.Error.InvalidArgs')
        expect_error(a, 'Subscribe', GLib.Variant('(q)', (1,)),
                     'org.freedesktop.DBus.Error.InvalidArgs')
        expect_error(a, 'SetMetadata', GLib.Variant('(sv)', ('', GLib.Variant('s', 'x'))),
                     'org.freedesktop.DBus.Error.InvalidArgs')
        expect_error(a, 'SetMetadata', GLib.Variant('(sv)', ('t', GLib.Variant('(ii)', (1, 2)))),
                     'org.freedesktop.DBus.Error.InvalidArgs')
        expect_error(a, 'SetMetadata', GLib.Variant('(sv)', ('m', GLib.Variant('a{ii}', {1: 2}))),
                     'org.freedesktop.DBus.Error.InvalidArgs')
        expect_error(a, 'Join', GLib.Variant('(as)', (['127.0.0.1:1'] * 1000,)),
                     'org.freedesktop.DBus.Error.LimitsExceeded')
        expect_error(a, 'Join', GLib.Variant('(as)', (['not an address:::'],)),
                     'org.gnome.GossipGlib1.Error.Failed')
        expect_error(a, 'NoSuchMethod', None, 'org.freedesktop.DBus.Error.UnknownMethod')
        e = expect_error(a, 'Join', GLib.Variant('(as)', (['127.0.0.1:1'],)),
                         'org.gnome.GossipGlib1.Error.Failed')
        assert e.message, e

        self.assertIsNone(self.pa.poll(), 'agent pa died')

    def test_json_codec(self):
        # the JSON codec carries a byte string as numbers; the payload comes back whole
        bus, conn = self.bus, self.conn
        bus.agent('pj1', '--codec', 'json')
        bus.agent('pj2', '--codec', 'json')
        j1, j2 = proxy(conn, 'pj1'), proxy(conn, 'pj2')
        j2.call_sync('Join', GLib.Variant('(as)', ([prop(j1, 'Address')],)),
                     Gio.DBusCallFlags.NONE, 30000, None)
        wait_until(lambda: prop(j1, 'Alive') == 2, what='json agents joined')
        jgot = []
        j2.connect('g-signal', lambda p_, s_, name, params:
                   jgot.append(bytes(params.unpack()[2])) if name == 'Message' else None)
        j2.call_sync('Subscribe', GLib.Variant('(q)', (300,)), Gio.DBusCallFlags.NONE, -1, None)
        j1.call_sync('Send', GLib.Variant('(qay)', (300, b'\x00\xffjson')),
                     Gio.DBusCallFlags.NONE, -1, None)
        wait_until(lambda: (pump(), jgot)[1], what='Message under the JSON codec')
        assert jgot[0] == b'\x00\xffjson', jgot


if __name__ == '__main__':
    unittest.main(verbosity=2)
