#!/usr/bin/python3
# test-stream.py: a node-to-node stream used from Python through Gio.
#
# Two clusters with AES-GCM and snappy; B registers a stream handler, A
# opens a stream to it, and both sides use the GIOStream as any Gio
# stream: write_bytes_async on one side, read_bytes on the other, then the
# typed message helpers. Every wait has a deadline.

import hashlib
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Gossip', '1.0')
from gi.repository import Gio, GLib, Gossip  # noqa: E402
from gossiptest import wait_for  # noqa: E402

WAIT_SECONDS = 15.0
STREAM_TYPE = 200



def new_cluster():
    config = Gossip.Config()
    config.set_bind_address('127.0.0.1:0')
    config.scale_intervals(0.1)
    config.set_cipher(Gossip.AesGcmCipher.new())
    config.set_encryption_key(GLib.Bytes.new(b'1234567890123456'))
    config.set_compressor(Gossip.SnappyCompressor.new())
    cluster = Gossip.Cluster.new(config, None)
    cluster.start()
    return cluster


class StreamTest(unittest.TestCase):
    def setUp(self):
        self.a = new_cluster()
        self.b = new_cluster()
        joined = []
        self.b.join_async([self.a.get_advertise_address()], None,
                          lambda c, r: joined.append(c.join_finish(r)))
        self.assertTrue(wait_for(lambda: joined))
        self.assertTrue(wait_for(lambda: self.a.get_n_alive() == 2 and self.b.get_n_alive() == 2))
        self.accepted = []

        def on_stream(cluster, sender, packet, stream):
            # Keeping a reference keeps the stream open.
            self.accepted.append((sender, packet.get_payload().unpack(), stream))

        self.b.handle_stream(STREAM_TYPE, on_stream)

    def tearDown(self):
        for cluster in (self.b, self.a):
            cluster.stop()
        self.accepted = []

    def open(self, payload):
        node = self.a.get_node(self.b.get_local_node().get_id())
        result = []

        def on_open(cluster, res):
            try:
                result.append(cluster.open_stream_finish(res))
            except GLib.Error as e:
                result.append(e)

        self.a.open_stream_async(node, STREAM_TYPE, payload, None, on_open)
        self.assertTrue(wait_for(lambda: result), 'open did not finish')
        return result[0]

    def test_read_bytes(self):
        stream = self.open(GLib.Variant('s', 'from python'))
        self.assertIsInstance(stream, Gossip.Stream)
        self.assertIsInstance(stream, Gio.IOStream)
        self.assertTrue(stream.is_framed())
        self.assertTrue(wait_for(lambda: self.accepted))
        sender, payload, peer = self.accepted[0]
        self.assertEqual(payload, 'from python')
        self.assertEqual(sender.get_id(), self.a.get_local_node().get_id())

        data = bytes(range(256)) * 4096  # 1 MiB, compressible
        written = []
        peer.get_output_stream().write_bytes_async(GLib.Bytes.new(data), GLib.PRIORITY_DEFAULT, None,
                                                   lambda s, r: written.append(s.write_bytes_finish(r)))
        self.assertTrue(wait_for(lambda: written))

        # Gio's own stream API on the receiving end, blocking reads
        # included: the frames are already in the socket.
        got = bytearray()
        inp = stream.get_input_stream()
        while len(got) < written[0]:
            chunk = inp.read_bytes(65536, None)
            self.assertGreater(chunk.get_size(), 0)
            got += chunk.get_data()
        got = bytes(got)
        # write_bytes may have written a prefix; the rest follows the same way
        self.assertEqual(got, data[:len(got)])

        # Closing one side is the end of the other's input.
        stream.close(None)
        eof = []
        peer.get_input_stream().read_bytes_async(16, GLib.PRIORITY_DEFAULT, None,
                                                 lambda s, r: eof.append(s.read_bytes_finish(r)))
        self.assertTrue(wait_for(lambda: eof))
        self.assertEqual(eof[0].get_size(), 0)

    def test_bulk_checksums(self):
        stream = self.open(None)
        self.assertTrue(wait_for(lambda: self.accepted))
        peer = self.accepted[0][2]
        data = GLib.Bytes.new(bytes(i % 251 for i in range(4 << 20)))
        done = []
        offset = [0]
        out = peer.get_output_stream()

        # write_bytes_async holds a reference on what it writes until it is
        # done (a Python buffer given to write_all_async need not live that long).
        def on_written(s, r):
            offset[0] += s.write_bytes_finish(r)
            if offset[0] < data.get_size():
                write_next()
            else:
                done.append(True)

        def write_next():
            size = min(1 << 20, data.get_size() - offset[0])
            out.write_bytes_async(GLib.Bytes.new_from_bytes(data, offset[0], size), GLib.PRIORITY_DEFAULT,
                                  None, on_written)

        write_next()
        received = hashlib.sha256()
        count = [0]
        inp = stream.get_input_stream()

        def on_read(s, r):
            chunk = s.read_bytes_finish(r)
            count[0] += chunk.get_size()
            received.update(chunk.get_data())
            if chunk.get_size() > 0 and count[0] < data.get_size():
                s.read_bytes_async(1 << 20, GLib.PRIORITY_DEFAULT, None, on_read)

        inp.read_bytes_async(1 << 20, GLib.PRIORITY_DEFAULT, None, on_read)
        self.assertTrue(wait_for(lambda: count[0] >= data.get_size() and done))
        self.assertEqual(received.hexdigest(), hashlib.sha256(data.get_data()).hexdigest())

    def test_messages(self):
        stream = self.open(None)
        self.assertTrue(wait_for(lambda: self.accepted))
        peer = self.accepted[0][2]
        got = []

        stream.write_message_async(129, GLib.Variant('s', 'ping'), None,
                                   lambda s, r: s.write_message_finish(r))
        peer.read_message_async(129, None, lambda s, r: got.append(s.read_message_finish(r)))
        self.assertTrue(wait_for(lambda: got))
        value, mtype = got[0]
        self.assertEqual(mtype, 129)
        self.assertEqual(value.unpack(), 'ping')

        # compression off on one side still reads on the other
        peer.set_compression_enabled(False)
        self.assertFalse(peer.get_compression_enabled())
        got.clear()
        peer.write_message_async(129, GLib.Variant('s', 'Pong: ' + 'x' * 1000), None,
                                 lambda s, r: s.write_message_finish(r))
        stream.read_message_async(0, None, lambda s, r: got.append(s.read_message_finish(r)))
        self.assertTrue(wait_for(lambda: got))
        self.assertEqual(got[0][0].unpack(), 'Pong: ' + 'x' * 1000)

    def test_no_handler(self):
        self.b.unregister(STREAM_TYPE)
        result = self.open(None)
        self.assertIsInstance(result, GLib.Error)
        self.assertTrue(result.matches(Gossip.error_quark(), Gossip.Error.NO_REPLY))


if __name__ == '__main__':
    unittest.main(verbosity=2)
