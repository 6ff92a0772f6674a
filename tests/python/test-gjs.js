// test-gjs.js: gossip-glib used from JavaScript (GJS) through GObject-Introspection.
//
// Two clusters in this process on 127.0.0.1: B joins A, both see two alive
// nodes, B broadcasts a dictionary and A's handler receives it. Exits 0 on
// success and 1 on any failure or after a 60 s deadline.

imports.gi.versions.GLib = '2.0';
imports.gi.versions.Gossip = '1.0';
const {GLib, Gossip} = imports.gi;
const System = imports.system;

const DEADLINE_MS = 60000;
const loop = new GLib.MainLoop(null, false);
let failures = 0;
let passed = 0;
let received = false;

function check(condition, what) {
    if (condition) {
        passed++;
        print(`ok - ${what}`);
    } else {
        failures++;
        print(`not ok - ${what}`);
    }
}

function fail(what, error) {
    check(false, `${what}: ${error}`);
    loop.quit();
}

// Callbacks from C swallow exceptions (GJS only logs them): turn them into
// test failures so the exit status tells the truth.
function guarded(what, func) {
    return (...args) => {
        try {
            return func(...args);
        } catch (e) {
            fail(what, e);
            return undefined;
        }
    };
}

// Calls func every 20 ms until it returns true.
function poll(func) {
    GLib.timeout_add(GLib.PRIORITY_DEFAULT, 20, guarded('poll', () => {
        return func() ? GLib.SOURCE_REMOVE : GLib.SOURCE_CONTINUE;
    }));
}

function newCluster() {
    const config = new Gossip.Config();
    config.set_bind_address('127.0.0.1:0');
    config.set_codec(Gossip.MsgpackCodec.new());
    config.scale_intervals(0.1);
    const cluster = Gossip.Cluster.new(config, null);
    cluster.start();
    return cluster;
}

const a = newCluster();
const b = newCluster();
const aId = a.get_local_node().get_id();
const bId = b.get_local_node().get_id();
check(aId !== bId, 'two clusters have different node IDs');

a.handle(128, guarded('handler', (cluster, sender, packet) => {
    const payload = packet.get_payload().recursiveUnpack();
    check(packet.get_message_type() === 128, 'message type is 128');
    check(packet.get_sender_id() === bId, 'sender is B');
    check(payload.text === 'hello from gjs', `text received: ${payload.text}`);
    check(payload.n === 7, `n received: ${payload.n}`);
    received = true;
    loop.quit();
}));

b.join_async([a.get_advertise_address()], null, guarded('join', (cluster, result) => {
    const n = cluster.join_finish(result);
    check(n === 1, `join reached ${n} peer(s)`);
    poll(() => {
        if (a.get_n_alive() !== 2 || b.get_n_alive() !== 2)
            return false;
        check(true, 'both clusters see 2 alive');
        check(a.get_nodes().get_n_items() === 2, 'A lists 2 nodes');
        b.send(128, new GLib.Variant('a{sv}', {
            text: new GLib.Variant('s', 'hello from gjs'),
            n: new GLib.Variant('x', 7),
        }));
        return true;
    });
}));

// new Gossip.Cluster({config}) skips g_initable_init(): it must work too.
{
    const config = new Gossip.Config();
    config.set_bind_address('127.0.0.1:0');
    const plain = new Gossip.Cluster({config});
    plain.start();
    check(plain.is_running(), 'a cluster made with new Gossip.Cluster({config}) starts');
    check(plain.get_advertise_address().startsWith('127.0.0.1:'), 'and has an address');
    plain.stop();
}

let threw = false;
try {
    b.send(10, new GLib.Variant('s', 'reserved type'));
} catch (e) {
    threw = e instanceof GLib.Error;
}
check(threw, 'sending a protocol message type throws GLib.Error');

let deadline = GLib.timeout_add(GLib.PRIORITY_DEFAULT, DEADLINE_MS, () => {
    deadline = 0;
    fail('deadline', `nothing completed within ${DEADLINE_MS} ms`);
    return GLib.SOURCE_REMOVE;
});

loop.run();
if (deadline)
    GLib.source_remove(deadline);

b.stop();
a.stop();

check(received, 'A received the broadcast');
print(`# ${passed} passed, ${failures} failed`);
System.exit(failures > 0 ? 1 : 0);
