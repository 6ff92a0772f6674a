#!/usr/bin/env gjs
// events: membership and metadata events (Go: examples/events). Sets
// dc=development and intValue=int32(42) as the Go example does.
imports.searchPath.unshift(GLib_dirname());
function GLib_dirname() {
    const { GLib } = imports.gi;
    return GLib.path_get_dirname(new Error().stack.split('\n')[0].replace(/^[^@]*@/, '').replace(/:\d+:\d+$/, ''));
}
const { Example, say } = imports.exampleCommon;
const { Gossip } = imports.gi;

const ex = new Example('events', ARGV);
const md = ex.cluster.get_local_metadata();
md.set_string('dc', 'development');
md.set_int32('intValue', 42);
ex.cluster.connect('node-state-changed', (cluster, node, oldState, newState) => {
    say(`Node ${node.get_id()} state changed from ${Gossip.node_state_to_string(oldState)} ` +
        `to ${Gossip.node_state_to_string(newState)}`);
});
ex.cluster.connect('node-metadata-changed', (cluster, node) => {
    say(`Node ${node.get_id()} metadata changed (dc=${node.get_metadata().get_string('dc') || ''})`);
});
ex.run();
