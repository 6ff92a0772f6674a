#!/usr/bin/python3
# test-pluggable.py: a codec, a compressor and a cipher written in Python
# carry a cluster.
#
# The three interfaces take and return GLib.Bytes in their virtual methods,
# so PyGObject can implement them (do_encode, do_compress, do_encrypt, ...).
# Three clusters on 127.0.0.1 use only the Python implementations: they
# join, converge and deliver a broadcast, and each implementation counts
# its calls so the test knows the Python code was on the path. The
# implementations also run on their own, to check round trips and errors.

import hashlib
import hmac
import os
import unittest
import zlib

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gossip', '1.0')
from gi.repository import GLib, GObject, Gossip  # noqa: E402
from gossiptest import wait_for  # noqa: E402

WAIT_SECONDS = 20.0
GOSSIP_ERROR = GLib.quark_to_string(Gossip.Error.quark())



def gossip_error(code, message):
    return GLib.Error(message, GOSSIP_ERROR, int(code))


class PrefixCodec(GObject.Object, Gossip.Codec):
    """msgpack behind a one-byte marker: peers without this codec cannot
    read it, so a working cluster proves the Python code is on the path."""

    MARK = b'P'

    def __init__(self):
        super().__init__()
        self.inner = Gossip.MsgpackCodec.new()
        self.encoded = 0
        self.decoded = 0

    def do_get_name(self):
        return 'py-prefix-msgpack'

    def do_encode(self, value):
        self.encoded += 1
        data = self.inner.encode(value).get_data()
        return GLib.Bytes.new(self.MARK + data)

    def do_decode(self, data):
        self.decoded += 1
        raw = data.get_data()
        if not raw.startswith(self.MARK):
            raise gossip_error(Gossip.Error.DECODE, 'missing marker')
        return self.inner.decode(GLib.Bytes.new(raw[1:]))


class ZlibCompressor(GObject.Object, Gossip.Compressor):
    def __init__(self):
        super().__init__()
        self.compressed = 0
        self.decompressed = 0

    def do_compress(self, data):
        self.compressed += 1
        return GLib.Bytes.new(zlib.compress(data.get_data()))

    def do_decompress(self, data, max_size):
        self.decompressed += 1
        d = zlib.decompressobj()
        try:
            out = d.decompress(data.get_data(), max_size + 1)
        except zlib.error as e:
            raise gossip_error(Gossip.Error.DECODE, str(e))
        if len(out) > max_size or d.unconsumed_tail:
            raise gossip_error(Gossip.Error.TOO_LARGE, 'too large')
        return GLib.Bytes.new(out)


class HmacStreamCipher(GObject.Object, Gossip.Cipher):
    """nonce(16) | data XOR SHA-256 keystream | HMAC-SHA-256 tag(32).
    Only for this test: it round-trips and rejects tampering."""

    NONCE = 16
    TAG = 32

    def __init__(self):
        super().__init__()
        self.sealed = 0
        self.opened = 0

    def do_get_name(self):
        return 'py-hmac-xor'

    def do_check_key(self, key_size):
        if key_size < 16:
            raise gossip_error(Gossip.Error.INVALID_CONFIG, 'key too short')
        return True

    def do_get_overhead(self):
        return self.NONCE + self.TAG

    @staticmethod
    def _stream(key, nonce, n):
        out = bytearray()
        counter = 0
        while len(out) < n:
            out += hashlib.sha256(key + nonce + counter.to_bytes(8, 'big')).digest()
            counter += 1
        return bytes(out[:n])

    def do_encrypt(self, key, plain):
        self.sealed += 1
        k = key.get_data()
        p = plain.get_data()
        nonce = os.urandom(self.NONCE)
        body = bytes(a ^ b for a, b in zip(p, self._stream(k, nonce, len(p))))
        tag = hmac.new(k, nonce + body, 'sha256').digest()
        return GLib.Bytes.new(nonce + body + tag)

    def do_decrypt(self, key, data):
        self.opened += 1
        k = key.get_data()
        d = data.get_data()
        if len(d) < self.NONCE + self.TAG:
            raise gossip_error(Gossip.Error.CRYPTO, 'too short')
        nonce, body, tag = d[:self.NONCE], d[self.NONCE:-self.TAG], d[-self.TAG:]
        if not hmac.compare_digest(tag, hmac.new(k, nonce + body, 'sha256').digest()):
            raise gossip_error(Gossip.Error.CRYPTO, 'authentication failed')
        return GLib.Bytes.new(bytes(a ^ b for a, b in zip(body, self._stream(k, nonce, len(body)))))


class PluggableImplementationsTest(unittest.TestCase):
    """The Python implementations called through the C interface wrappers."""

    def test_codec_round_trip(self):
        codec = PrefixCodec()
        value = GLib.Variant('a{sv}', {'n': GLib.Variant('x', 7), 's': GLib.Variant('s', 'hi')})
        data = Gossip.Codec.encode(codec, value)
        self.assertEqual(data.get_data()[:1], b'P')
        back = Gossip.Codec.decode(codec, data)
        self.assertEqual(back.unpack(), {'n': 7, 's': 'hi'})
        self.assertEqual(Gossip.Codec.get_name(codec), 'py-prefix-msgpack')
        with self.assertRaises(GLib.Error) as cm:
            Gossip.Codec.decode(codec, GLib.Bytes.new(b'\x80'))
        self.assertTrue(cm.exception.matches(Gossip.Error.quark(), Gossip.Error.DECODE))

    def test_compressor_round_trip_and_limit(self):
        comp = ZlibCompressor()
        data = GLib.Bytes.new(b'gossip ' * 200)
        packed = Gossip.Compressor.compress(comp, data)
        self.assertLess(packed.get_size(), data.get_size())
        self.assertEqual(Gossip.Compressor.decompress(comp, packed, 4096).get_data(), data.get_data())
        with self.assertRaises(GLib.Error) as cm:
            Gossip.Compressor.decompress(comp, packed, 100)
        self.assertTrue(cm.exception.matches(Gossip.Error.quark(), Gossip.Error.TOO_LARGE))

    def test_cipher_round_trip_and_tamper(self):
        cipher = HmacStreamCipher()
        key = GLib.Bytes.new(b'k' * 32)
        self.assertEqual(Gossip.Cipher.get_overhead(cipher), 48)
        self.assertTrue(Gossip.Cipher.check_key(cipher, 32))
        with self.assertRaises(GLib.Error):
            Gossip.Cipher.check_key(cipher, 4)
        sealed = Gossip.Cipher.encrypt(cipher, key, GLib.Bytes.new(b'hello'))
        self.assertEqual(sealed.get_size(), 5 + 48)
        self.assertEqual(Gossip.Cipher.decrypt(cipher, key, sealed).get_data(), b'hello')
        tampered = bytearray(sealed.get_data())
        tampered[20] ^= 1
        with self.assertRaises(GLib.Error) as cm:
            Gossip.Cipher.decrypt(cipher, key, GLib.Bytes.new(bytes(tampered)))
        self.assertTrue(cm.exception.matches(Gossip.Error.quark(), Gossip.Error.CRYPTO))


class PythonPipelineClusterTest(unittest.TestCase):
    """Three clusters whose whole wire pipeline is Python."""

    def new_cluster(self):
        codec, comp, cipher = PrefixCodec(), ZlibCompressor(), HmacStreamCipher()
        config = Gossip.Config()
        config.set_bind_address('127.0.0.1:0')
        config.set_codec(codec)
        config.set_compressor(comp)
        config.set_cipher(cipher)
        config.set_encryption_key(GLib.Bytes.new(b'0123456789abcdef0123456789abcdef'))
        config.props.compress_min_size = 0
        config.scale_intervals(0.1)
        cluster = Gossip.Cluster.new(config, None)
        cluster.start()
        self.parts.append((codec, comp, cipher))
        return cluster

    def setUp(self):
        self.parts = []
        self.clusters = [self.new_cluster() for _ in range(3)]

    def tearDown(self):
        for c in self.clusters:
            c.stop()

    def test_join_converge_broadcast(self):
        a, b, c = self.clusters
        done = []

        def on_joined(cluster, result):
            try:
                done.append(cluster.join_finish(result))
            except GLib.Error as e:
                done.append(e)

        seed = [a.get_advertise_address()]
        b.join_async(seed, None, on_joined)
        c.join_async(seed, None, on_joined)
        self.assertTrue(wait_for(lambda: len(done) == 2), 'joins did not finish')
        for r in done:
            self.assertNotIsInstance(r, GLib.Error)
        self.assertTrue(wait_for(lambda: all(x.get_n_alive() == 3 for x in self.clusters)),
                        'cluster did not converge: %s' % [x.get_n_alive() for x in self.clusters])

        got = {}
        for i, x in enumerate((b, c)):
            x.connect('message::300',
                      lambda cl, sender, packet, i=i: got.setdefault(i, packet.get_payload_bytes().get_data()))
        payload = GLib.Variant('a{sv}', {'text': GLib.Variant('s', 'over python ' * 20)})
        a.send(300, payload)
        self.assertTrue(wait_for(lambda: len(got) == 2), 'broadcast not delivered')
        for codec, comp, cipher in self.parts:
            self.assertGreater(codec.encoded, 0)
            self.assertGreater(codec.decoded, 0)
            self.assertGreater(comp.compressed, 0)
            self.assertGreater(cipher.sealed, 0)
            self.assertGreater(cipher.opened, 0)
        # The broadcast is large enough for zlib to shrink it, so the
        # receivers inflated it; the seed may have seen only small packets.
        for _, comp, _ in self.parts[1:]:
            self.assertGreater(comp.decompressed, 0)
        # What arrives is this codec's encoding: the marker, then msgpack.
        self.assertTrue(all(v.startswith(b'P') for v in got.values()))


if __name__ == '__main__':
    unittest.main(verbosity=2)
