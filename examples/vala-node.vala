/* vala-node.vala: two gossip-glib nodes in Vala, through the generated VAPI.
 *
 * Node b joins node a, sends it a dictionary, and exits once a got it.
 * Built (and run by the test suite) when introspection and valac are there.
 */
int main () {
  var loop = new MainLoop ();
  int status = 1;

  try {
    var config_a = new Gossip.Config ();
    config_a.set_bind_address ("127.0.0.1:0");
    config_a.scale_intervals (0.1);
    var a = new Gossip.Cluster (config_a, null);

    var config_b = new Gossip.Config ();
    config_b.set_bind_address ("127.0.0.1:0");
    config_b.scale_intervals (0.1);
    var b = new Gossip.Cluster (config_b, null);

    a.start ();
    b.start ();
    a.handle (128, (cluster, sender, packet) => {
      try {
        var payload = packet.get_payload ();
        string text;
        if (payload.lookup ("text", "s", out text) && text == "hello from Vala") {
          print ("a got: %s from %s\n", text, packet.get_sender_id ());
          status = 0;
          loop.quit ();
        }
      } catch (Error e) {
        printerr ("decode: %s\n", e.message);
      }
    });

    string[] peers = { a.get_advertise_address () };
    b.join_async.begin (peers, null, (obj, res) => {
      try {
        var joined = b.join_async.end (res);
        print ("b joined %u peer(s)\n", joined);
        var builder = new VariantBuilder (new VariantType ("a{sv}"));
        builder.add ("{sv}", "text", new Variant.string ("hello from Vala"));
        b.send (128, builder.end ());
      } catch (Error e) {
        printerr ("join: %s\n", e.message);
        loop.quit ();
      }
    });

    Timeout.add_seconds (20, () => { printerr ("timed out\n"); loop.quit (); return false; });
    loop.run ();
    a.stop ();
    b.stop ();
  } catch (Error e) {
    printerr ("%s\n", e.message);
  }
  return status;
}
