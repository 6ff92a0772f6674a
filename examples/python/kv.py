#!/usr/bin/env python3
"""kv: a replicated key/value store (Go: examples/kv), wire-compatible with
the C example (examples/c/kv.c) and with Go's entries
{val, v: {ts, ver}, d}: type 129 carries {e: {key: entry}}, type 128 asks for
a full sync. Merge is last-writer-wins on (ts, ver) with the same
deterministic tie-break as the C example; tombstones are kept for
--tombstone-retention seconds and older updates for unknown keys are refused.
"""
import random
import sys
import time

from example_common import Example, say
from gi.repository import GLib, Gossip

KV_FULL_SYNC = 128
KV_SYNC = 129


def now_ns():
    return time.time_ns()


class Store:
    def __init__(self, ex, retention):
        self.ex = ex
        self.retention = retention
        self.entries = {}     # key -> dict(val=GLib.Variant|None, ts, ver, d)
        self.sync_started = False

    @staticmethod
    def _printed(entry):
        return entry['val'].print_(False) if entry['val'] is not None else ''

    def _newer(self, a, b):
        if a['ts'] != b['ts']:
            return a['ts'] > b['ts']
        if a['ver'] != b['ver']:
            return a['ver'] > b['ver']
        if a['d'] != b['d']:
            return a['d']
        return self._printed(a) > self._printed(b)

    def merge(self, key, entry):
        have = self.entries.get(key)
        horizon = now_ns() - self.retention * 10**9
        if have is None and entry['ts'] < horizon:
            return False
        if have is not None and not self._newer(entry, have):
            return False
        self.entries[key] = entry
        return True

    @staticmethod
    def entry_variant(e):
        val = e['val'] if e['val'] is not None else GLib.Variant('mv', None)
        return GLib.Variant('a{sv}', {
            'val': val,
            'v': GLib.Variant('a{sv}', {'ts': GLib.Variant('x', e['ts']),
                                        'ver': GLib.Variant('q', e['ver'])}),
            'd': GLib.Variant('b', e['d'])})

    def payload(self, keys):
        return GLib.Variant('a{sv}', {'e': GLib.Variant('a{sv}', {
            k: self.entry_variant(self.entries[k]) for k in keys if k in self.entries})})

    def merge_payload(self, variant):
        if variant is None or variant.get_type_string() != 'a{sv}':
            return 0
        entries = variant.lookup_value('e', None)
        if entries is None or entries.get_type_string() != 'a{sv}':
            return 0
        applied = 0
        for i in range(entries.n_children()):
            item = entries.get_child_value(i)
            key = item.get_child_value(0).get_string()
            value = item.get_child_value(1).get_variant()
            if value.get_type_string() != 'a{sv}':
                continue
            v = value.lookup_value('v', None)
            if v is None or v.get_type_string() != 'a{sv}':
                continue
            ts = v.lookup_value('ts', None)
            ver = v.lookup_value('ver', None)
            d = value.lookup_value('d', None)
            val = value.lookup_value('val', None)
            deleted = bool(d.unpack()) if d is not None else False
            if val is not None and val.get_type_string().startswith('m') and val.n_children() == 0:
                val = None
            entry = {'val': None if deleted else val,
                     'ts': int(ts.unpack()) if ts is not None else 0,
                     'ver': int(ver.unpack()) if ver is not None else 0,
                     'd': deleted}
            if self.merge(key, entry):
                applied += 1
        return applied

    def write(self, key, val, deleted):
        have = self.entries.get(key)
        e = {'val': val, 'ts': now_ns(), 'ver': 0, 'd': deleted}
        if have is not None and e['ts'] <= have['ts']:
            e['ts'], e['ver'] = have['ts'], have['ver'] + 1
        self.entries[key] = e
        self.ex.cluster.send(KV_SYNC, self.payload([key]))


def main():
    store = None

    def arguments(parser):
        parser.add_argument('--tombstone-retention', type=int, default=7200)

    ex = Example('kv', 'A node of a replicated key/value store.', arguments)
    store = Store(ex, ex.args.tombstone_retention)

    def on_sync(cluster, sender, packet):
        store.merge_payload(packet.get_payload())

    def on_full_sync(cluster, sender, packet):
        return store.payload(list(store.entries))

    def request_full_sync(index):
        peers = [n for n in ex.cluster.get_alive_nodes() if not n.is_local()]
        if index >= len(peers):
            return

        def done(cluster, result):
            try:
                reply = cluster.send_to_with_response_finish(result)
                say('full sync: %d entries merged' % store.merge_payload(reply.get_payload()))
            except GLib.Error:
                request_full_sync(index + 1)
        ex.cluster.send_to_with_response_async(peers[index], KV_FULL_SYNC, None, None, done)

    def on_state(cluster, node, old, new):
        if not store.sync_started and new == Gossip.NodeState.ALIVE and not node.is_local():
            store.sync_started = True
            request_full_sync(0)

    def on_gossip(cluster):
        keys = list(store.entries)
        if keys:
            n = min(len(keys), cluster.calc_payload_size(len(keys)))
            cluster.send(KV_SYNC, store.payload(random.sample(keys, n)))

    def gc():
        horizon = now_ns() - store.retention * 10**9
        for k in [k for k, e in store.entries.items() if e['d'] and e['ts'] < horizon]:
            del store.entries[k]
        return True

    def cmd_set(args):
        if len(args) < 2:
            return say('usage: set <key> <value>')
        value = ' '.join(args[1:])
        store.write(args[0], GLib.Variant('s', value), False)
        say('set %s=%s' % (args[0], value))

    def cmd_get(args):
        if len(args) != 1:
            return say('usage: get <key>')
        e = store.entries.get(args[0])
        if e is None or e['d'] or e['val'] is None:
            return say('%s not found' % args[0])
        v = e['val']
        say('%s=%s' % (args[0], v.get_string() if v.get_type_string() == 's' else v.print_(False)))

    def cmd_delete(args):
        if len(args) != 1:
            return say('usage: delete <key>')
        e = store.entries.get(args[0])
        if e is None or e['d']:
            return say('%s not found' % args[0])
        store.write(args[0], None, True)
        say('deleted %s' % args[0])

    def cmd_keys(args):
        live = sorted(k for k, e in store.entries.items() if not e['d'])
        say('%d keys:' % len(live))
        for k in live:
            say('  %s' % k)

    ex.cluster.handle(KV_SYNC, on_sync)
    ex.cluster.handle_with_reply(KV_FULL_SYNC, on_full_sync)
    ex.cluster.connect('node-state-changed', on_state)
    ex.cluster.connect('gossip', on_gossip)
    GLib.timeout_add_seconds(max(1, store.retention // 10), gc)
    ex.add_command('set', 'set <key> <value>', 'store a value on every node', cmd_set)
    ex.add_command('get', 'get <key>', 'read a value', cmd_get)
    ex.add_command('delete', 'delete <key>', 'delete a key everywhere', cmd_delete)
    ex.add_command('keys', 'keys', 'list the keys', cmd_keys)
    return ex.run()


if __name__ == '__main__':
    sys.exit(main())
