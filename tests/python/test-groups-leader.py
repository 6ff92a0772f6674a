#!/usr/bin/python3
# test-groups-leader.py: Gossip.NodeGroup and Gossip.LeaderElection from
# Python through GObject-Introspection.
#
# Three clusters in this process on 127.0.0.1, intervals scaled down, once
# with msgpack and once with JSON (the heartbeat's time travels as a msgpack
# timestamp or an RFC 3339 string). Every wait has a deadline.

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
    end = time.monotonic() + seconds
    wait_for(lambda: time.monotonic() > end, seconds + 1)


class TrioMixin:
    """Three clusters joined to the first; node 0 and 2 have role=db."""

    def new_codec(self):
        raise NotImplementedError

    def new_cluster(self, role):
        config = Gossip.Config()
        config.set_bind_address('127.0.0.1:0')
        config.set_codec(self.new_codec())
        config.scale_intervals(0.1)
        cluster = Gossip.Cluster.new(config, None)
        cluster.get_local_metadata().set_string('role', role)
        cluster.start()
        return cluster

    def setUp(self):
        self.c = [self.new_cluster(r) for r in ('db', 'web', 'db')]
        self.ids = [c.get_local_node().get_id() for c in self.c]
        seed = [self.c[0].get_advertise_address()]
        for c in self.c[1:]:
            c.join_async(seed, None, None)
        self.assertTrue(wait_for(lambda: all(c.get_n_alive() == 3 for c in self.c)))

    def tearDown(self):
        for c in reversed(self.c):
            c.stop()
        drain()
        self.c = None

    def test_group(self):
        self.assertTrue(Gossip.NodeGroup.__gtype__.is_a(Gio.ListModel.__gtype__))
        group = Gossip.NodeGroup.new_from_strv(self.c[1], ['role'], ['db'])
        added = []
        group.connect('node-added', lambda g, node: added.append(node.get_id()))
        want = {self.ids[0], self.ids[2]}

        def members():
            return {group.get_item(i).get_id() for i in range(group.get_n_items())}

        # Metadata may still be travelling when the group is made.
        self.assertTrue(wait_for(lambda: members() == want), members())
        self.assertEqual(group.get_count(), 2)
        self.assertTrue(group.contains(self.ids[0]))
        self.assertFalse(group.contains(self.ids[1]))
        # node-added fired once per node that arrived after construction.
        self.assertEqual(len(set(added)), len(added))
        self.assertTrue(set(added) <= want)

        # Application data: an object held while the node is a member.
        payload = Gio.SimpleAction.new('payload', None)
        self.assertTrue(group.set_object(self.ids[2], payload))
        self.assertIs(group.get_object(self.ids[2]), payload)
        self.assertFalse(group.set_object(self.ids[1], payload))

        removed = []
        group.connect('node-removed', lambda g, node: removed.append(node.get_id()))
        self.c[2].get_local_metadata().set_string('role', 'web')
        self.c[2].update_metadata()
        self.assertTrue(wait_for(lambda: members() == {self.ids[0]}), members())
        self.assertEqual(removed, [self.ids[2]])
        self.assertIsNone(group.get_object(self.ids[2]))

        # Bad criteria are GLib.Error, not a crash.
        with self.assertRaises(GLib.Error):
            Gossip.NodeGroup.new_from_strv(self.c[0], ['role'], [''])
        with self.assertRaises(GLib.Error):
            Gossip.NodeGroup.new_from_strv(self.c[0], ['role', 'x'], ['db'])
        group.close()
        self.assertEqual(group.get_n_items(), 0)

    def elections(self, groups=None):
        out = []
        for i, c in enumerate(self.c):
            e = Gossip.LeaderElection.new(c, groups[i] if groups else None)
            e.set_property('heartbeat-interval', 100)
            e.props.leader_timeout = 300
            e.start()
            out.append(e)
        return out

    def agree(self, elections, expect):
        return (all(e.get_leader_id() == expect for e in elections) and
                sum(1 for e in elections if e.props.is_leader) == 1)

    def test_leader(self):
        elections = self.elections()
        terms = [[] for _ in elections]
        for i, e in enumerate(elections):
            e.connect('notify::term', lambda e, p, i=i: terms[i].append(e.props.term))
        lowest = min(self.ids)
        self.assertTrue(wait_for(lambda: self.agree(elections, lowest)),
                        [e.get_leader_id() for e in elections])
        leader = elections[self.ids.index(lowest)]
        self.assertTrue(leader.get_is_leader())
        self.assertEqual(elections[0].props.leader.get_id(), lowest)
        self.assertEqual(elections[0].props.leader_id, lowest)
        self.assertTrue(elections[0].has_quorum())
        self.assertEqual(elections[0].get_quorum(), 2)
        drain(0.5)
        self.assertTrue(self.agree(elections, lowest))
        for t in terms:
            self.assertEqual(t, sorted(t))

        # The leader steps down; the others take the next lowest ID.
        stepped = []
        leader.connect('stepped-down', lambda e: stepped.append(True))
        leader.stop()
        self.assertEqual(stepped, [True])
        rest = [e for e in elections if e is not leader]
        # Its node is still alive: the others wait for the timeout and then
        # keep it as the candidate, so stop its cluster for real.
        self.c[self.ids.index(lowest)].stop()
        nxt = min(i for i in self.ids if i != lowest)
        self.assertTrue(wait_for(lambda: self.agree(rest, nxt)),
                        [e.get_leader_id() for e in rest])
        for e in rest:
            e.stop()

    def test_leader_in_group(self):
        groups = [Gossip.NodeGroup.new_from_strv(c, ['role'], ['db']) for c in self.c]
        self.assertTrue(wait_for(lambda: all(g.get_count() == 2 for g in groups)))
        elections = self.elections(groups)
        lowest_db = min(self.ids[0], self.ids[2])
        self.assertTrue(wait_for(lambda: self.agree(elections, lowest_db)),
                        [e.get_leader_id() for e in elections])
        self.assertFalse(elections[1].get_is_leader())
        self.assertIs(elections[0].get_group(), groups[0])
        for e in elections:
            e.stop()


class MsgpackTest(TrioMixin, unittest.TestCase):
    def new_codec(self):
        return Gossip.MsgpackCodec.new()


class JsonTest(TrioMixin, unittest.TestCase):
    def new_codec(self):
        return Gossip.JsonCodec.new()


if __name__ == '__main__':
    unittest.main(verbosity=2)
