#!/usr/bin/python3
# The gossip-glib CLI drives three gossip-glib-agent processes on a private
# dbus-daemon: join, members, meta, send, monitor (a message and a state
# change), leave; no agent; a caller the agent does not allow.

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from agentharness import AGENT, Bus, Lines, log, wait_until  # noqa: E402


def members(bus, name):
    r = bus.cli('--name', name, '--json', 'members')
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def address_of(bus, name):
    for m in members(bus, name):
        if m['state'] == 'alive' and len(members(bus, name)) == 1:
            return m['address'], m['id']
    raise AssertionError('agent %s does not list itself alone' % name)


class AgentCliTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.bus = Bus()

    @classmethod
    def tearDownClass(cls):
        cls.bus.close()

    def test_three_agents(self):
        """join, members, meta, send, monitor (a message, a state change), leave"""
        bus = self.bus
        bus.agent('a', '--meta', 'role=seed')
        bus.agent('b')
        bus.agent('c')
        a_addr, a_id = address_of(bus, 'a')
        b_addr, b_id = address_of(bus, 'b')
        c_addr, c_id = address_of(bus, 'c')

        # join
        for name in ('b', 'c'):
            r = bus.cli('--name', name, 'join', a_addr)
            assert r.returncode == 0, r.stderr
            assert 'through 1 peer' in r.stdout, r.stdout

        # members: every agent sees the three alive, and a's metadata
        for name in ('a', 'b', 'c'):
            wait_until(lambda: sorted(m['id'] for m in members(bus, name)
                                      if m['state'] == 'alive') == sorted([a_id, b_id, c_id]),
                       what=name + ' sees three alive nodes')
        seen = {m['id']: m for m in members(bus, 'c')}
        assert seen[a_id]['metadata'] == {'role': 'seed'}, seen[a_id]
        assert seen[a_id]['address'] == a_addr
        r = bus.cli('--name', 'c', 'members')
        assert r.returncode == 0 and len(r.stdout.strip().splitlines()) == 3, r.stdout
        assert a_id in r.stdout and 'alive' in r.stdout and 'role=seed' in r.stdout

        # monitor on c follows messages of type 200 and state changes
        mon = bus.cli_background('--name', 'c', '--json', 'monitor', '--type', '200')
        out = Lines(mon.stdout)
        err = Lines(mon.stderr)
        err.wait(lambda l: 'Monitoring' in l, what='monitor ready')

        # meta set on b reaches a and the monitor on c
        r = bus.cli('--name', 'b', 'meta', 'set', 'zone', 'eu-1')
        assert r.returncode == 0, r.stderr
        r = bus.cli('--name', 'b', 'meta', 'get', 'zone')
        assert r.returncode == 0 and r.stdout.strip() == 'eu-1', r.stdout
        wait_until(lambda: bus.cli('--name', 'a', '--node', b_id, 'meta', 'get', 'zone')
                   .stdout.strip() == 'eu-1', what='a learns b\'s zone')
        out.wait(lambda l: json.loads(l).get('event') == 'metadata'
                 and json.loads(l)['node'] == b_id
                 and json.loads(l)['metadata'].get('zone') == 'eu-1',
                 what='monitor sees b\'s metadata')

        # send from a: the monitor on c gets the message with a as sender
        r = bus.cli('--name', 'a', 'send', '200', 'hello cluster')
        assert r.returncode == 0, r.stderr
        line = out.wait(lambda l: json.loads(l).get('event') == 'message', what='message')
        msg = json.loads(line)
        assert msg == {'event': 'message', 'type': 200, 'sender': a_id,
                       'payload': 'hello cluster'}, msg
        # a type the monitor did not ask for does not reach it; a later one does
        assert bus.cli('--name', 'a', 'send', '201', 'not for c').returncode == 0
        assert bus.cli('--name', 'a', '--node', c_id, 'send', '200', 'direct').returncode == 0
        out.wait(lambda l: json.loads(l).get('payload') == 'direct', what='direct message')
        assert out.find(lambda l: 'not for c' in l) is None

        # bad CLI input: a reserved type, an unknown node, a bad number
        assert bus.cli('--name', 'a', 'send', '10', 'x').returncode == 1
        r = bus.cli('--name', 'a', '--node', 'no-such-node', 'send', '200', 'x')
        assert r.returncode == 1 and 'No such node' in r.stderr, r.stderr
        assert bus.cli('--name', 'a', 'send', 'abc', 'x').returncode == 1

        # leave: b leaves, its agent ends, the monitor on c sees the change
        r = bus.cli('--name', 'b', 'leave')
        assert r.returncode == 0, r.stderr
        line = out.wait(lambda l: json.loads(l).get('event') == 'state'
                        and json.loads(l)['node'] == b_id
                        and json.loads(l)['new'] in ('leaving', 'dead'),
                        what='monitor sees b leave')
        log('state change seen:', line)
        wait_until(lambda: not bus.has_owner('org.gnome.GossipGlib1.b'), what='b agent ends')
        wait_until(lambda: all(m['state'] != 'alive' for m in members(bus, 'a')
                               if m['id'] == b_id), what='a no longer sees b alive')

        # the agent that left is gone for the CLI too
        r = bus.cli('--name', 'b', 'members')
        assert r.returncode == 2 and 'No gossip-glib agent is running' in r.stderr, r
        mon.terminate()
        mon.wait(timeout=10)

    def test_no_agent(self):
        """a clear message and exit status 2"""
        bus = self.bus
        r = bus.cli('--name', 'never-started', 'members')
        assert r.returncode == 2 and 'No gossip-glib agent is running' in r.stderr, r
        r = bus.cli('--name', 'nobody-here', 'monitor')
        assert r.returncode == 2, r


    def test_callers_rights(self):
        """an agent that allows only uid 4242 refuses changes (3) but answers reads"""
        bus = self.bus
        bus.agent('a2')
        a_addr, a_id = address_of(bus, 'a2')
        conf = bus.write('d.conf', '[node]\ncodec=msgpack\n[metadata]\nfrom=file\n'
                                   '[dbus]\nallow-users=4242\n')
        bus.agent('d', '--config', conf)
        r = bus.cli('--name', 'd', 'join', a_addr)
        assert r.returncode == 3 and 'refused' in r.stderr, r
        r = bus.cli('--name', 'd', 'meta', 'set', 'k', 'v')
        assert r.returncode == 3, r
        r = bus.cli('--name', 'd', 'meta', 'get', 'from')
        assert r.returncode == 0 and r.stdout.strip() == 'file', r


    def test_cipher_and_compression(self):
        """agents with one key file and Snappy form a cluster; a wrong key cannot join"""
        bus = self.bus
        key = os.path.join(bus.tmp.name, 'cluster.key')
        with open(key, 'wb') as f:
            f.write(bytes(range(32)))
        other = os.path.join(bus.tmp.name, 'other.key')
        with open(other, 'wb') as f:
            f.write(bytes(range(1, 33)))
        conf = bus.write('e.conf', '[node]\ncipher=aes-gcm\nkey-file=%s\ncompress=true\n' % key)
        bus.agent('e1', '--config', conf)
        bus.agent('e2', '--cipher', 'xchacha', '--key-file', key, '--compress')
        bus.agent('e3', '--config', conf)
        bus.agent('e4', '--config', conf, '--key-file', other)
        e1_addr, e1_id = address_of(bus, 'e1')
        assert bus.cli('--name', 'e3', 'join', e1_addr).returncode == 0
        wait_until(lambda: sum(m['state'] == 'alive' for m in members(bus, 'e1')) == 2,
                   what='encrypted agents joined')
        # a different cipher or key: the join fails, the agent says why
        for name in ('e2', 'e4'):
            r = bus.cli('--name', name, 'join', e1_addr)
            assert r.returncode == 1 and r.stderr.startswith('Error:'), r
        assert len(members(bus, 'e1')) == 2
        # a cipher without a key file is refused at start
        r = subprocess.run([AGENT, '--cipher', 'aes-gcm', '--bind', '127.0.0.1:0'], env=bus.env,
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 1 and 'key file' in r.stderr, r

    def test_websocket_refused(self):
        """WebSocket mode is refused clearly for now"""
        bus = self.bus
        w = subprocess.run([AGENT, '--websocket', '--bind', '127.0.0.1:0'], env=bus.env,
                           capture_output=True, text=True, timeout=30)
        assert w.returncode == 1 and 'WebSocket' in w.stderr, w


    def test_activation(self):
        """a service file like data/org.gnome.GossipGlib1.service starts an agent on the first call"""
        bus = self.bus
        with open(os.path.join(bus.services, 'org.gnome.GossipGlib1.act.service'), 'w') as f:
            f.write('[D-BUS Service]\nName=org.gnome.GossipGlib1.act\n'
                    'Exec=%s --session --name act --bind 127.0.0.1:0 --scale-intervals 0.05\n'
                    % AGENT)
        r = bus.cli('--name', 'act', '--json', 'members')
        assert r.returncode == 0 and len(json.loads(r.stdout)) == 1, r
        from gi.repository import GLib, Gio
        conn = bus.connection()
        pid = conn.call_sync('org.freedesktop.DBus', '/org/freedesktop/DBus',
                             'org.freedesktop.DBus', 'GetConnectionUnixProcessID',
                             GLib.Variant('(s)', ('org.gnome.GossipGlib1.act',)), None,
                             Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        os.kill(pid, 15)
        wait_until(lambda: not bus.has_owner('org.gnome.GossipGlib1.act'),
                   what='activated agent stops')



if __name__ == '__main__':
    unittest.main(verbosity=2)
