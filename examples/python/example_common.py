"""example_common: what the Python examples share with the C and Go ones.

The flags (--port, --web-port, --peers, --node-id), the configuration
(msgpack, snappy, AES-GCM with the examples' key, application version 0.0.1)
and the interactive commands peers, whoami, set-meta, get-meta, show-meta,
help and quit, read from standard input on the GLib main loop.
"""
import argparse
import shlex
import sys

import gi
gi.require_version('Gossip', '1.0')
from gi.repository import Gio, GLib, Gossip  # noqa: E402

EXAMPLE_KEY = b'1234567890123456'


def say(text):
    print(text, flush=True)


class Example:
    def __init__(self, name, summary, add_arguments=None):
        parser = argparse.ArgumentParser(prog=name, description=summary)
        parser.add_argument('--port', type=int, default=8000)
        parser.add_argument('--web-port', type=int, default=0)
        parser.add_argument('--peers', default='')
        parser.add_argument('--node-id')
        parser.add_argument('--interval-scale', type=float, default=1.0,
                            help=argparse.SUPPRESS)
        if add_arguments:
            add_arguments(parser)
        self.args = parser.parse_args()
        if not 0 < self.args.port < 65536 or not 0 <= self.args.web_port < 65536:
            parser.error('--port and --web-port must be 1-65535')
        self.name = name
        self.commands = {}
        self.loop = GLib.MainLoop()

        config = Gossip.Config()
        if self.args.web_port:
            # The Go examples' WebSocket mode: handler at /, ws:// allowed,
            # no UDP/TCP transport.
            bind = Gio.InetSocketAddress.new_from_string('127.0.0.1', self.args.web_port)
            ws = Gossip.WebsocketTransport(bind_address=bind, allow_insecure_websockets=True)
            ws.init(None)
            config.set_transport(ws)
        else:
            address = '127.0.0.1:%d' % self.args.port
            config.set_bind_address(address)
            config.set_advertise_address(address)
        if self.args.node_id:
            config.set_node_id(self.args.node_id)
        config.set_codec(Gossip.MsgpackCodec.new())
        config.set_compressor(Gossip.SnappyCompressor.new())
        config.set_cipher(Gossip.AesGcmCipher.new())
        config.set_encryption_key(GLib.Bytes.new(EXAMPLE_KEY))
        config.props.application_version = '0.0.1'
        if self.args.interval_scale != 1.0:
            config.scale_intervals(self.args.interval_scale)
        self.cluster = Gossip.Cluster.new(config, None)

        self.add_command('peers', 'peers', 'list the nodes of the cluster', self.cmd_peers)
        self.add_command('whoami', 'whoami', "this node's ID and address", self.cmd_whoami)
        self.add_command('set-meta', 'set-meta <key> <value>', 'set a metadata string', self.cmd_set_meta)
        self.add_command('get-meta', 'get-meta <node-id> <key>', 'read one metadata value', self.cmd_get_meta)
        self.add_command('show-meta', 'show-meta <node-id>', 'all metadata of a node', self.cmd_show_meta)
        self.add_command('help', 'help', 'this list', self.cmd_help)
        self.add_command('quit', 'quit', 'leave the cluster and exit', lambda args: self.loop.quit())

    def add_command(self, name, usage, help_text, func):
        self.commands[name] = (usage, help_text, func)

    def find_node(self, node_id):
        node = self.cluster.get_node(node_id)
        if node is None:
            say('unknown node %s' % node_id)
        return node

    @staticmethod
    def metadata_text(node):
        md = node.get_metadata()
        return ' '.join('%s=%s' % (k, md.get_string(k)) for k in (md.get_keys() or []))

    def cmd_peers(self, args):
        nodes = self.cluster.get_nodes()
        say('%-36s  %-21s  %-8s  %s' % ('ID', 'ADDRESS', 'STATE', 'METADATA'))
        for i in range(nodes.get_n_items()):
            node = nodes.get_item(i)
            say('%-36s  %-21s  %-8s  %s%s' % (
                node.get_id(), node.get_address(),
                Gossip.node_state_to_string(node.get_state()),
                self.metadata_text(node), '  (this node)' if node.is_local() else ''))
        say('%d nodes, %d alive' % (nodes.get_n_items(), self.cluster.get_n_alive()))

    def cmd_whoami(self, args):
        say('I am %s at %s' % (self.cluster.get_local_node().get_id(),
                               self.cluster.get_advertise_address()))

    def cmd_set_meta(self, args):
        if len(args) != 2:
            return say('usage: set-meta <key> <value>')
        self.cluster.get_local_metadata().set_string(args[0], args[1])
        self.cluster.update_metadata()
        say('metadata %s=%s set' % (args[0], args[1]))

    def cmd_get_meta(self, args):
        if len(args) != 2:
            return say('usage: get-meta <node-id> <key>')
        node = self.find_node(args[0])
        if node is None:
            return
        md = node.get_metadata()
        if not md.contains(args[1]):
            return say('%s has no metadata key %s' % (args[0], args[1]))
        say('%s: %s=%s' % (args[0], args[1], md.get_string(args[1])))

    def cmd_show_meta(self, args):
        if len(args) != 1:
            return say('usage: show-meta <node-id>')
        node = self.find_node(args[0])
        if node is None:
            return
        md = node.get_metadata()
        keys = md.get_keys() or []
        say('metadata of %s (%d keys):' % (args[0], len(keys)))
        for k in keys:
            say('  %s = %s' % (k, md.get_string(k)))

    def cmd_help(self, args):
        say('commands:')
        for usage, help_text, _ in self.commands.values():
            say('  %-28s %s' % (usage, help_text))

    def _on_input(self, fd, condition):
        line = sys.stdin.readline()
        if not line:
            self.loop.quit()
            return False
        try:
            words = shlex.split(line)
        except ValueError as e:
            say('cannot read command: %s' % e)
            return True
        if words:
            command = self.commands.get(words[0])
            if command is None:
                say('unknown command %s (try help)' % words[0])
            else:
                command[2](words[1:])
        return True

    def _joined(self, cluster, result):
        try:
            n = cluster.join_finish(result)
            say('joined the cluster through %d peer(s)' % n)
        except GLib.Error as e:
            say('join failed: %s' % e.message)

    def run(self):
        self.cluster.start()
        say('%s: node %s listening on %s (type help)' % (
            self.name, self.cluster.get_local_node().get_id(),
            self.cluster.get_advertise_address()))
        peers = [p for p in self.args.peers.split(',') if p]
        if peers:
            self.cluster.join_async(peers, None, self._joined)
        GLib.io_add_watch(sys.stdin.fileno(), GLib.PRIORITY_DEFAULT,
                          GLib.IO_IN | GLib.IO_HUP, self._on_input)
        self.loop.run()
        self.cluster.leave()
        # Give the leave a moment to go out before the sockets close.
        GLib.timeout_add(200, self.loop.quit)
        self.loop.run()
        self.cluster.stop()
        say('%s: left the cluster' % self.name)
        return 0
