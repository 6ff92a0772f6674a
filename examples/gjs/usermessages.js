#!/usr/bin/env gjs
// usermessages: type 128 {content: string} messages (Go: examples/usermessages).
imports.searchPath.unshift(GLib_dirname());
function GLib_dirname() {
    const { GLib } = imports.gi;
    return GLib.path_get_dirname(new Error().stack.split('\n')[0].replace(/^[^@]*@/, '').replace(/:\d+:\d+$/, ''));
}
const { Example, say } = imports.exampleCommon;
const { GLib } = imports.gi;

const GOSSIP_MSG = 128;
const ex = new Example('usermessages', ARGV);
ex.cluster.handle(GOSSIP_MSG, (cluster, sender, packet) => {
    const payload = packet.get_payload();
    const content = payload ? payload.recursiveUnpack().content : undefined;
    const who = sender ? sender.get_id() : 'an unknown node';
    if (typeof content !== 'string')
        return say(`Ignored a malformed message from ${who}`);
    say(`Received message from ${who}: ${content}`);
});
ex.addCommand('gossip', 'gossip <message>', 'broadcast a message to the cluster', args => {
    const text = args.join(' ');
    if (!text)
        return say('usage: gossip <message>');
    ex.cluster.send(GOSSIP_MSG, new GLib.Variant('a{sv}', { content: new GLib.Variant('s', text) }));
    say(`Sent: ${text}`);
});
ex.run();
