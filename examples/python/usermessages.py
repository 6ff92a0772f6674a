#!/usr/bin/env python3
"""usermessages: type 128 {content: string} messages (Go: examples/usermessages).

`gossip <message>` broadcasts; every node prints what it receives.
"""
import sys

from example_common import Example, say
from gi.repository import GLib

GOSSIP_MSG = 128


def main():
    ex = Example('usermessages', 'A node that gossips text messages (type 128).')

    def on_message(cluster, sender, packet):
        payload = packet.get_payload()
        content = payload.unpack().get('content') if payload is not None else None
        who = sender.get_id() if sender else 'an unknown node'
        if not isinstance(content, str):
            return say('Ignored a malformed message from %s' % who)
        say('Received message from %s: %s' % (who, content))

    def cmd_gossip(args):
        text = ' '.join(args)
        if not text:
            return say('usage: gossip <message>')
        ex.cluster.send(GOSSIP_MSG, GLib.Variant('a{sv}', {'content': GLib.Variant('s', text)}))
        say('Sent: %s' % text)

    ex.cluster.handle(GOSSIP_MSG, on_message)
    ex.add_command('gossip', 'gossip <message>', 'broadcast a message to the cluster', cmd_gossip)
    return ex.run()


if __name__ == '__main__':
    sys.exit(main())
