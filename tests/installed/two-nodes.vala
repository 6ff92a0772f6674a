// two-nodes.vala: built with valac --pkg gossip-glib-1 against the INSTALLED
// VAPI by tests/installed/run.sh; two nodes join and exchange a message.
Gossip.Cluster make () throws Error {
    var config = new Gossip.Config ();
    config.set_bind_address ("127.0.0.1:0");
    config.scale_intervals (0.1);
    var c = new Gossip.Cluster (config, null);
    c.start ();
    return c;
}

int main () {
    var loop = new MainLoop ();
    bool got_it = false;
    try {
        var a = make ();
        var b = make ();
        a.handle (200, (cluster, sender, packet) => {
            try {
                got_it = packet.get_payload ().get_string () == "installed";
            } catch (Error e) {}
            loop.quit ();
        });
        string[] seed = { a.get_advertise_address () };
        b.join_async.begin (seed, null);
        Timeout.add (100, () => {
            if (a.get_n_alive () < 2 || b.get_n_alive () < 2)
                return Source.CONTINUE;
            try {
                b.send (200, new Variant.string ("installed"));
            } catch (Error e) {
                loop.quit ();
            }
            return Source.REMOVE;
        });
        Timeout.add_seconds (20, () => { loop.quit (); return Source.REMOVE; });
        loop.run ();
        b.stop ();
        a.stop ();
    } catch (Error e) {
        stderr.printf ("%s\n", e.message);
        return 1;
    }
    print ("Vala program against the installed VAPI: %s\n", got_it ? "message received" : "NO MESSAGE");
    return got_it ? 0 : 1;
}
