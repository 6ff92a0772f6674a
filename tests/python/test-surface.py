#!/usr/bin/python3
# test-surface.py: the cluster's outside as Python sees it.
#
# The configuration is a snapshot taken at construction; get_nodes() and
# the `nodes` property are a read-only Gio.ListModel (no remove_all() to
# corrupt the membership table); the node counts are properties whose
# notify:: signals fire when they change; a node says why its state changed.

import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Gossip', '1.0')
from gi.repository import Gio, GLib, Gossip  # noqa: E402
from gossiptest import wait_for  # noqa: E402

WAIT_SECONDS = 15.0



def new_config():
    config = Gossip.Config()
    config.set_bind_address('127.0.0.1:0')
    config.scale_intervals(0.05)
    return config


def join(joiner, seed):
    done = []
    joiner.join_async([seed.get_advertise_address()], None,
                      lambda c, r: done.append(c.join_finish(r)))
    assert wait_for(lambda: done), 'join did not finish'
    return done[0]


class SurfaceTest(unittest.TestCase):
    def setUp(self):
        self.clusters = []

    def tearDown(self):
        for c in self.clusters:
            c.stop()

    def start(self, config):
        c = Gossip.Cluster.new(config, None)
        c.start()
        self.clusters.append(c)
        return c

    def test_config_snapshot(self):
        config = new_config()
        config.props.application_version = 'one'
        a = self.start(config)
        config.props.application_version = 'two'
        config.set_codec(Gossip.JsonCodec.new())
        snap = a.props.config
        self.assertIsNot(snap, config)
        self.assertEqual(snap.props.application_version, 'one')
        self.assertEqual(a.get_local_node().get_application_version(), 'one')
        self.assertIsInstance(snap.get_codec(), Gossip.MsgpackCodec)
        # The snapshot refuses changes (a warning, no effect).
        snap.props.application_version = 'three'
        self.assertEqual(snap.props.application_version, 'one')

    def test_nodes_model_is_read_only(self):
        a = self.start(new_config())
        b = self.start(new_config())
        nodes = a.get_nodes()
        self.assertIsInstance(nodes, Gio.ListModel)
        self.assertNotIsInstance(nodes, Gio.ListStore)
        self.assertFalse(hasattr(nodes, 'remove_all'))
        self.assertIs(a.props.nodes, nodes)
        changes = []
        nodes.connect('items-changed', lambda m, pos, rem, add: changes.append((rem, add)))
        self.assertEqual(join(b, a), 1)
        self.assertTrue(wait_for(lambda: changes))
        self.assertEqual(nodes.get_n_items(), 2)
        self.assertEqual(changes, [(0, 1)])
        ids = sorted(n.get_id() for n in nodes)
        self.assertEqual(ids, sorted([a.get_local_node().get_id(), b.get_local_node().get_id()]))

    def test_counts_notify(self):
        config = new_config()
        config.props.suspect_retention_period = 300
        config.props.dead_node_retention_period = 300
        a = self.start(config)
        b = self.start(new_config())
        seen = {}
        for name in ('n-nodes', 'n-alive', 'n-suspect', 'n-dead', 'n-leaving'):
            a.connect('notify::' + name,
                      lambda obj, pspec: seen.__setitem__(pspec.name, seen.get(pspec.name, 0) + 1))
        self.assertEqual(join(b, a), 1)
        # Notifications follow the change, after the dispatch that made it.
        self.assertTrue(wait_for(lambda: seen.get('n-nodes') and seen.get('n-alive')))
        self.assertEqual(a.props.n_nodes, 2)
        self.assertEqual(a.props.n_alive, 2)
        self.assertEqual(seen.get('n-nodes'), 1)
        self.assertEqual(seen.get('n-alive'), 1)
        b.stop()
        self.assertTrue(wait_for(lambda: seen.get('n-leaving', 0) >= 1))
        self.assertEqual(a.props.n_alive, 1)
        self.assertEqual(seen.get('n-alive'), 2)
        self.assertIsNone(seen.get('n-suspect'))

    def test_state_reasons(self):
        a = self.start(new_config())
        b = self.start(new_config())
        seen = []

        def changed(cluster, node, old, new):
            # Current inside the handler, as a property and from the getters.
            seen.append((new, node.props.state_reason, node.props.state_reason_detail))
            self.assertEqual(node.props.state_reason, node.get_state_reason())
            self.assertEqual(node.props.state_reason_detail, node.get_state_reason_detail())
        a.connect('node-state-changed', changed)
        self.assertEqual(join(b, a), 1)
        self.assertTrue(wait_for(lambda: seen))
        self.assertEqual(seen[0], (Gossip.NodeState.ALIVE, Gossip.StateReason.JOINED,
                                   'joined (it joined us)'))
        b.leave()
        self.assertTrue(wait_for(lambda: len(seen) >= 2))
        self.assertEqual(seen[1][0], Gossip.NodeState.LEAVING)
        self.assertEqual(seen[1][1], Gossip.StateReason.LEFT)
        self.assertEqual(b.get_local_node().props.state_reason, Gossip.StateReason.LEFT)
        self.assertEqual(Gossip.state_reason_to_string(Gossip.StateReason.LEFT), 'left')
        self.assertEqual(a.get_local_node().props.state_reason, Gossip.StateReason.UNKNOWN)
        self.assertIsNone(a.get_local_node().props.state_reason_detail)


if __name__ == '__main__':
    unittest.main(verbosity=2)
