#!/usr/bin/env python3
"""demo-examples: the second half of scripts/demo. The examples (C, Python,
GJS) as separate processes in one cluster: messages between languages, a kv
store replicated across them, a leader elected again after its node is
killed, and a stream round trip. Each step prints what the nodes printed."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'examples'))
from example_driver import GJS, Node  # noqa: E402

PAUSE = float(os.environ.get('GOSSIP_DEMO_PAUSE', '0.6'))
nodes = []


def start(lang, example, peers=(), extra=()):
    n = Node(lang, example, peers=peers, extra=extra)
    nodes.append(n)
    print('   started %-22s id %s' % (n.name, n.id))
    return n


def show(node, line):
    print('   [%s] %s' % (node.name, line))


def step(title):
    time.sleep(PAUSE)
    print('\n== ' + title)


def converge(group):
    for n in group:
        show(n, n.ask_until('peers', r'^%d nodes, %d alive' % (len(group), len(group))))


def quit_all(group):
    for n in reversed(group):
        n.quit()


def main():
    step('usermessages: a C node, a Python node%s join one cluster' % (' and a GJS node' if GJS else ''))
    a = start('c', 'usermessages')
    b = start('py', 'usermessages', peers=[a])
    group = [a, b] + ([start('gjs', 'usermessages', peers=[a])] if GJS else [])
    converge(group)
    for sender in group:
        text = 'hello from %s' % sender.name.split(':')[0]
        sender.send('gossip ' + text)
        for other in group:
            if other is not sender:
                show(other, other.expect(r'Received message from .*: ' + re.escape(text)))
    quit_all(group)

    step('kv: a replicated store across C and Python nodes')
    k1 = start('c', 'kv')
    k2 = start('py', 'kv', peers=[k1])
    k3 = start('c', 'kv', peers=[k1])
    converge([k1, k2, k3])
    k1.send('set colour blue')
    show(k1, k1.expect(r'set colour=blue'))
    show(k2, k2.ask_until('get colour', r'^colour=blue$'))
    show(k3, k3.ask_until('get colour', r'^colour=blue$'))
    k2.send('delete colour')
    show(k2, k2.expect(r'deleted colour'))
    show(k1, k1.ask_until('get colour', r'^colour not found$'))
    k2.send('set size large')
    k4 = start('py', 'kv', peers=[k3])
    show(k4, k4.expect(r'full sync: \d+ entries merged'))
    show(k4, k4.ask_until('get size', r'^size=large$'))
    quit_all([k1, k2, k3, k4])

    step('leader: three nodes elect one leader; its process is killed; the others elect again')
    extra = ['--heartbeat-scale', '0.1']
    l1 = start('c', 'leader', extra=extra)
    l2 = start('c', 'leader', peers=[l1], extra=extra)
    l3 = start('c', 'leader', peers=[l1], extra=extra)
    group = [l1, l2, l3]
    converge(group)

    def agreed(members):
        lines = [n.ask_until('leader', r'^leader: [0-9a-f-]{36}, term') for n in members]
        return lines, {re.search(r'leader: (\S+),', line).group(1) for line in lines}

    deadline = time.monotonic() + 30
    while True:
        lines, ids = agreed(group)
        if len(ids) == 1:
            break
        if time.monotonic() > deadline:
            raise SystemExit('no leader agreed')
    for n, line in zip(group, lines):
        show(n, line)
    leader = next(n for n in group if n.id in ids)
    print('   kill -9 %s (the leader)' % leader.name)
    killed = time.monotonic()
    leader.kill()
    rest = [n for n in group if n is not leader]
    while True:
        lines, new_ids = agreed(rest)
        if len(new_ids) == 1 and leader.id not in new_ids:
            break
        if time.monotonic() > killed + 30:
            raise SystemExit('no new leader')
    for n, line in zip(rest, lines):
        show(n, line)
    print('   new leader agreed %.1f s after the kill' % (time.monotonic() - killed))
    quit_all(rest)

    step('stream: a node opens a stream to another, writes a message and reads the reply')
    s1 = start('c', 'stream')
    s2 = start('c', 'stream', peers=[s1])
    converge([s1, s2])
    s2.send('stream %s hello over a stream' % s1.id)
    show(s1, s1.expect(r'Stream message: hello over a stream'))
    show(s2, s2.expect(r'Stream reply: Pong: hello over a stream'))
    quit_all([s1, s2])
    print('\nexamples demo done')


if __name__ == '__main__':
    try:
        main()
    finally:
        for n in nodes:
            if n.proc.poll() is None:
                n.proc.kill()
