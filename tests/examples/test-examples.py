#!/usr/bin/env python3
"""test-examples: drives the examples (C, Python, GJS) through their stdin
commands in small mixed clusters on 127.0.0.1 and checks what they print, so
the examples cannot rot.

Environment (set by meson): GOSSIP_EXAMPLES_BUILD (the built C examples),
GOSSIP_EXAMPLES_SRC (examples/), GI_TYPELIB_PATH and LD_LIBRARY_PATH for the
built library.
"""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from example_driver import DEADLINE, GJS, Node  # noqa: E402


class ExampleTest(unittest.TestCase):
    def setUp(self):
        self.nodes = []

    def tearDown(self):
        for n in self.nodes:
            if n.proc.poll() is None:
                n.proc.kill()
                n.proc.wait()
            n.proc.stdout.close()
            if not n.proc.stdin.closed:
                try:
                    n.proc.stdin.close()
                except BrokenPipeError:
                    pass

    def start(self, *args, **kwargs):
        node = Node(*args, **kwargs)
        self.nodes.append(node)
        return node

    def converge(self, n):
        for node in self.nodes:
            if node.proc.poll() is None:
                node.ask_until('peers', r'^%d nodes, %d alive' % (n, n))

    def test_basic(self):
        a = self.start('c', 'basic')
        b = self.start('py', 'basic', peers=[a])
        b.expect(r'joined the cluster through 1 peer')
        self.converge(2)
        a.send('whoami')
        a.expect(r'I am %s at 127\.0\.0\.1:%d' % (a.id, a.port))
        b.send('set-meta zone eu-1')
        b.expect(r'metadata zone=eu-1 set')
        a.ask_until('get-meta %s zone' % b.id, r'%s: zone=eu-1' % b.id)
        a.send('show-meta %s' % b.id)
        a.expect(r'metadata of %s \(1 keys\)' % b.id)
        a.expect(r'zone = eu-1')
        a.send('get-meta no-such-node zone')
        a.expect(r'unknown node no-such-node')
        a.send('frobnicate')
        a.expect(r'unknown command frobnicate')
        b.quit()
        a.quit()

    def test_usermessages_c_python_gjs(self):
        a = self.start('c', 'usermessages')
        b = self.start('py', 'usermessages', peers=[a])
        nodes = [a, b]
        if GJS:
            nodes.append(self.start('gjs', 'usermessages', peers=[a]))
        self.converge(len(nodes))
        for sender in nodes:
            text = 'hello from %s' % sender.name
            sender.send('gossip %s' % text)
            sender.expect(r'Sent: ' + re.escape(text))
            for other in nodes:
                if other is not sender:
                    other.expect(r'Received message from %s: %s' % (sender.id, re.escape(text)))
        for n in reversed(nodes):
            n.quit()

    def test_usermessages_over_websockets(self):
        """--web-port: the Go examples' WebSocket-only mode, C, Python and GJS."""
        a = self.start('c', 'usermessages', websocket=True)
        b = self.start('py', 'usermessages', peers=[a], websocket=True)
        c = self.start('gjs' if GJS else 'c', 'usermessages', peers=[a], websocket=True)
        self.assertTrue(a.address.startswith('ws://127.0.0.1:'), a.address)
        self.converge(3)
        b.send('gossip over websockets')
        a.expect(r'Received message from %s: over websockets' % b.id)
        c.expect(r'Received message from %s: over websockets' % b.id)
        for n in (c, b, a):
            n.quit()

    def test_stream(self):
        a = self.start('c', 'stream')
        b = self.start('c', 'stream', peers=[a])
        c = self.start('c', 'stream', peers=[a])
        self.converge(3)
        b.send('stream %s hello over a stream' % a.id)
        a.expect(r'Stream opened by %s' % b.id)
        a.expect(r'Stream message: hello over a stream')
        b.expect(r'Stream reply: Pong: hello over a stream')
        c.send('stream %s second' % b.id)
        c.expect(r'Stream reply: Pong: second')
        c.send('stream no-such-node x')
        c.expect(r'unknown node no-such-node')
        for n in (c, b, a):
            n.quit()

    def test_events(self):
        a = self.start('c', 'events')
        b = self.start('gjs' if GJS else 'py', 'events' if GJS else 'basic', peers=[a])
        a.expect(r'Node %s state changed from \S+ to alive' % b.id)
        b.send('set-meta zone eu-2')
        a.expect(r'Node %s metadata changed' % b.id)
        b.quit()
        a.expect(r'Node %s state changed from alive to leaving' % b.id)
        a.quit()

    def test_kv_c_python(self):
        a = self.start('c', 'kv')
        b = self.start('py', 'kv', peers=[a])
        c = self.start('c', 'kv', peers=[a])
        self.converge(3)
        a.send('set colour blue')
        a.expect(r'set colour=blue')
        b.ask_until('get colour', r'^colour=blue$')
        c.ask_until('get colour', r'^colour=blue$')
        b.send('set size large')
        a.ask_until('get size', r'^size=large$')
        b.send('delete colour')
        b.expect(r'deleted colour')
        a.ask_until('get colour', r'^colour not found$')
        c.ask_until('get colour', r'^colour not found$')
        # A node joining later gets everything by full sync.
        d = self.start('py', 'kv', peers=[c])
        d.expect(r'full sync: \d+ entries merged')
        d.ask_until('get size', r'^size=large$')
        d.send('keys')
        d.expect(r'^1 keys:$')
        d.expect(r'^  size$')
        for n in (d, c, b, a):
            n.quit()

    def test_leader_reelected_after_kill(self):
        extra = ['--heartbeat-scale', '0.1']
        a = self.start('c', 'leader', extra=extra)
        b = self.start('c', 'leader', peers=[a], extra=extra)
        c = self.start('c', 'leader', peers=[a], extra=extra)
        self.converge(3)
        nodes = [a, b, c]

        def agreed(group):
            ids = set()
            for n in group:
                line = n.ask_until('leader', r'^leader: [0-9a-f-]{36}, term')
                ids.add(re.search(r'leader: (\S+),', line).group(1))
            return ids

        end = time.monotonic() + DEADLINE
        while len(agreed(nodes)) != 1:
            self.assertLess(time.monotonic(), end, 'no agreement on a leader')
        leader_id = agreed(nodes).pop()
        leader = next(n for n in nodes if n.id == leader_id)
        start = time.monotonic()
        leader.kill()
        rest = [n for n in nodes if n is not leader]
        while True:
            ids = agreed(rest)
            if len(ids) == 1 and leader_id not in ids:
                break
            self.assertLess(time.monotonic(), start + DEADLINE, 'no new leader after the kill')
        print('# new leader agreed %.2f s after kill -9 of the old one' % (time.monotonic() - start))
        for n in rest:
            n.quit()


if __name__ == '__main__':
    unittest.main(verbosity=2)
