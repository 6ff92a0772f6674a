// exampleCommon.js: what the GJS examples share with the C, Python and Go
// ones: flags --port, --web-port, --peers, --node-id; msgpack, snappy,
// AES-GCM with the examples' key, application version 0.0.1; the commands
// peers, whoami, set-meta, get-meta, show-meta, help and quit from stdin.
imports.gi.versions.Gossip = '1.0';
const { GLib, Gio, Gossip } = imports.gi;

var EXAMPLE_KEY = '1234567890123456';

function say(text) {
    print(text);
}

var Example = class Example {
    constructor(name, argv) {
        this.name = name;
        this.args = { port: 8000, webPort: 0, peers: '', nodeId: null, scale: 1.0 };
        for (let i = 0; i < argv.length; i++) {
            const [flag, inline] = argv[i].split('=', 2);
            const value = () => inline !== undefined ? inline : argv[++i];
            if (flag === '--port') this.args.port = parseInt(value());
            else if (flag === '--peers') this.args.peers = value();
            else if (flag === '--node-id') this.args.nodeId = value();
            else if (flag === '--interval-scale') this.args.scale = parseFloat(value());
            else if (flag === '--web-port') this.args.webPort = parseInt(value());
            else throw new Error(`unknown option ${argv[i]}`);
        }
        if (!(this.args.port > 0 && this.args.port < 65536))
            throw new Error('--port must be 1-65535');
        this.commands = new Map();
        this.loop = new GLib.MainLoop(null, false);

        const config = new Gossip.Config();
        if (this.args.webPort) {
            // The Go examples' WebSocket mode: handler at /, ws:// allowed.
            const ws = new Gossip.WebsocketTransport({
                bind_address: Gio.InetSocketAddress.new_from_string('127.0.0.1', this.args.webPort),
                allow_insecure_websockets: true,
            });
            ws.init(null);
            config.set_transport(ws);
        } else {
            const address = `127.0.0.1:${this.args.port}`;
            config.set_bind_address(address);
            config.set_advertise_address(address);
        }
        if (this.args.nodeId)
            config.set_node_id(this.args.nodeId);
        config.set_codec(Gossip.MsgpackCodec.new());
        config.set_compressor(Gossip.SnappyCompressor.new());
        config.set_cipher(Gossip.AesGcmCipher.new());
        config.set_encryption_key(new GLib.Bytes(new TextEncoder().encode(EXAMPLE_KEY)));
        config.application_version = '0.0.1';
        if (this.args.scale !== 1.0)
            config.scale_intervals(this.args.scale);
        this.cluster = Gossip.Cluster.new(config, null);

        this.addCommand('peers', 'peers', 'list the nodes of the cluster', () => this.peers());
        this.addCommand('whoami', 'whoami', "this node's ID and address", () =>
            say(`I am ${this.cluster.get_local_node().get_id()} at ${this.cluster.get_advertise_address()}`));
        this.addCommand('set-meta', 'set-meta <key> <value>', 'set a metadata string', args => {
            if (args.length !== 2)
                return say('usage: set-meta <key> <value>');
            this.cluster.get_local_metadata().set_string(args[0], args[1]);
            this.cluster.update_metadata();
            say(`metadata ${args[0]}=${args[1]} set`);
        });
        this.addCommand('get-meta', 'get-meta <node-id> <key>', 'read one metadata value', args => {
            if (args.length !== 2)
                return say('usage: get-meta <node-id> <key>');
            const node = this.findNode(args[0]);
            if (!node)
                return;
            const md = node.get_metadata();
            if (!md.contains(args[1]))
                return say(`${args[0]} has no metadata key ${args[1]}`);
            say(`${args[0]}: ${args[1]}=${md.get_string(args[1])}`);
        });
        this.addCommand('show-meta', 'show-meta <node-id>', 'all metadata of a node', args => {
            if (args.length !== 1)
                return say('usage: show-meta <node-id>');
            const node = this.findNode(args[0]);
            if (!node)
                return;
            const md = node.get_metadata();
            const keys = md.get_keys() || [];
            say(`metadata of ${args[0]} (${keys.length} keys):`);
            for (const k of keys)
                say(`  ${k} = ${md.get_string(k)}`);
        });
        this.addCommand('help', 'help', 'this list', () => {
            say('commands:');
            for (const [usage, help] of this.commands.values())
                say(`  ${usage.padEnd(28)} ${help}`);
        });
        this.addCommand('quit', 'quit', 'leave the cluster and exit', () => this.loop.quit());
    }

    addCommand(name, usage, help, func) {
        this.commands.set(name, [usage, help, func]);
    }

    findNode(id) {
        const node = this.cluster.get_node(id);
        if (!node)
            say(`unknown node ${id}`);
        return node;
    }

    static metadataText(node) {
        const md = node.get_metadata();
        return (md.get_keys() || []).map(k => `${k}=${md.get_string(k)}`).join(' ');
    }

    peers() {
        const nodes = this.cluster.get_nodes();
        say(`${'ID'.padEnd(36)}  ${'ADDRESS'.padEnd(21)}  ${'STATE'.padEnd(8)}  METADATA`);
        for (let i = 0; i < nodes.get_n_items(); i++) {
            const node = nodes.get_item(i);
            say(`${node.get_id().padEnd(36)}  ${node.get_address().padEnd(21)}  ` +
                `${Gossip.node_state_to_string(node.get_state()).padEnd(8)}  ` +
                `${Example.metadataText(node)}${node.is_local() ? '  (this node)' : ''}`);
        }
        say(`${nodes.get_n_items()} nodes, ${this.cluster.get_n_alive()} alive`);
    }

    _readLine() {
        this.input.read_line_async(GLib.PRIORITY_DEFAULT, null, (stream, result) => {
            const [line] = stream.read_line_finish_utf8(result);
            if (line === null) {
                this.loop.quit();
                return;
            }
            const words = line.trim().split(/\s+/).filter(w => w.length > 0);
            if (words.length > 0) {
                const command = this.commands.get(words[0]);
                if (command)
                    command[2](words.slice(1));
                else
                    say(`unknown command ${words[0]} (try help)`);
            }
            this._readLine();
        });
    }

    run() {
        this.cluster.start();
        say(`${this.name}: node ${this.cluster.get_local_node().get_id()} listening on ` +
            `${this.cluster.get_advertise_address()} (type help)`);
        const peers = this.args.peers.split(',').filter(p => p.length > 0);
        if (peers.length > 0) {
            this.cluster.join_async(peers, null, (cluster, result) => {
                try {
                    say(`joined the cluster through ${cluster.join_finish(result)} peer(s)`);
                } catch (e) {
                    say(`join failed: ${e.message}`);
                }
            });
        }
        this.input = new Gio.DataInputStream({
            base_stream: new Gio.UnixInputStream({ fd: 0, close_fd: false }),
        });
        this._readLine();
        this.loop.run();
        this.cluster.leave();
        // Give the leave a moment to go out before the sockets close.
        GLib.timeout_add(GLib.PRIORITY_DEFAULT, 200, () => { this.loop.quit(); return GLib.SOURCE_REMOVE; });
        this.loop.run();
        this.cluster.stop();
        say(`${this.name}: left the cluster`);
        return 0;
    }
};
