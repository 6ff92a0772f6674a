#!/usr/bin/env python3
"""gen-corpus.py: writes the seed corpora of the fuzz targets.

Run from anywhere: ./fuzz/gen-corpus.py [SPEC_DIR]. The output under
fuzz/corpus/<target>/ is committed; re-run only when the seeds should
change. Seeds come from the golden vectors of PROTOCOL.md section 15 and
from the packets of real Go v0.6.0 nodes in spec/captures. The msgpack,
JSON and Snappy writers below are tiny and only need to produce valid
input; AES-GCM uses python3-cryptography with fixed nonces, so the output
is reproducible.
"""

import json
import os
import re
import shutil
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'tests', 'data')
KEY = b'1234567890123456'
A = bytes.fromhex('0196042b1caa7ad99ea3c57b2e189b23')
B = bytes.fromhex('01960421c1c47a0687a0970cf4c4dbd3')
MI = 0x0070000012345400


# ---- msgpack (shamaton's forms) ----

class Bin(bytes):
    pass


class Ext:
    def __init__(self, code, data):
        self.code, self.data = code, data


def mp(v):
    if v is None:
        return b'\xc0'
    if v is True:
        return b'\xc3'
    if v is False:
        return b'\xc2'
    if isinstance(v, Ext):
        n = len(v.data)
        fixed = {1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8}
        if n in fixed:
            return bytes([fixed[n], v.code & 0xff]) + v.data
        return bytes([0xc7, n, v.code & 0xff]) + v.data
    if isinstance(v, int):
        if 0 <= v < 128:
            return bytes([v])
        if -32 <= v < 0:
            return struct.pack('b', v)
        if v >= 0:
            for tag, fmt, lim in ((0xcc, '>B', 1 << 8), (0xcd, '>H', 1 << 16),
                                  (0xce, '>I', 1 << 32), (0xcf, '>Q', 1 << 64)):
                if v < lim:
                    return bytes([tag]) + struct.pack(fmt, v)
        for tag, fmt, lim in ((0xd0, '>b', 1 << 7), (0xd1, '>h', 1 << 15),
                              (0xd2, '>i', 1 << 31), (0xd3, '>q', 1 << 63)):
            if -lim <= v:
                return bytes([tag]) + struct.pack(fmt, v)
    if isinstance(v, float):
        return b'\xcb' + struct.pack('>d', v)
    if isinstance(v, Bin):
        n = len(v)
        if n < 256:
            return bytes([0xc4, n]) + v
        return b'\xc5' + struct.pack('>H', n) + v
    if isinstance(v, str):
        b = v.encode()
        n = len(b)
        if n < 32:
            return bytes([0xa0 | n]) + b
        if n < 256:
            return bytes([0xd9, n]) + b
        return b'\xda' + struct.pack('>H', n) + b
    if isinstance(v, (list, tuple)):
        n = len(v)
        head = bytes([0x90 | n]) if n < 16 else b'\xdc' + struct.pack('>H', n)
        return head + b''.join(mp(x) for x in v)
    if isinstance(v, dict):
        n = len(v)
        head = bytes([0x80 | n]) if n < 16 else b'\xde' + struct.pack('>H', n)
        return head + b''.join(mp(k) + mp(x) for k, x in v.items())
    raise TypeError(v)


# ---- JSON (Go encoding/json forms: [16]byte as an array of numbers) ----

def js(v):
    def conv(x):
        if isinstance(x, Bin):
            return list(x)
        if isinstance(x, dict):
            return {k: conv(y) for k, y in x.items()}
        if isinstance(x, (list, tuple)):
            return [conv(y) for y in x]
        return x
    return json.dumps(conv(v), separators=(',', ':')).encode()


# ---- Snappy block format: literals and 2-byte-offset copies ----

def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7f) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def snappy(data):
    out = bytearray(uvarint(len(data)))
    lit = bytearray()

    def flush():
        while lit:
            chunk = lit[:60]
            del lit[:60]
            out.append((len(chunk) - 1) << 2)
            out.extend(chunk)

    i = 0
    while i < len(data):
        best_len, best_off = 0, 0
        for j in range(max(0, i - 65535), i):
            n = 0
            while i + n < len(data) and data[j + n] == data[i + n] and n < 64:
                n += 1
            if n > best_len:
                best_len, best_off = n, i - j
        if best_len >= 4:
            flush()
            out.append(((best_len - 1) << 2) | 2)
            out.extend(struct.pack('<H', best_off))
            i += best_len
        else:
            lit.append(data[i])
            i += 1
    flush()
    return bytes(out)


# ---- packets ----

def envelope(mt, si=A, mi=MI, ttl=1):
    return {'mt': mt, 'si': Bin(si), 'mi': mi, 'ttl': ttl}


def raw_packet(header, payload, compress=False, cipher_nonce=None):
    hs = len(header)
    if compress:
        payload = snappy(payload)
        hs |= 0x8000
    body = header + payload
    if cipher_nonce is not None:
        body = cipher_nonce + AESGCM(KEY).encrypt(cipher_nonce, body, None)
    return struct.pack('>H', hs) + body


metadata = {'dc': 'development', 'zone': 'eu-west-1a', 'weight': 42, 'ratio': 1.5,
            'enabled': True, 'big': 1 << 63, 'neg': -5, 'nil': None,
            'when': Ext(-1, struct.pack('>I', 1700000000))}
big_metadata = dict(metadata, blob='x' * 300, notes='gossip ' * 40)

messages = [
    ('reply-nil', 0, None),
    ('ping', 1, {'ti': Bin(B), 'seq': 7, 'addr': '127.0.0.1:8000'}),
    ('ping-ack', 2, {'ti': Bin(B), 'seq': 300, 'addr': '127.0.0.1:8000'}),
    ('indirect-ping', 3, {'ti': Bin(B), 'seq': 9, 'addr': '[::1]:8001'}),
    ('indirect-ping-ack', 4, {'ti': Bin(B), 'seq': 9, 'addr': '', 'ok': True}),
    ('join', 5, {'id': Bin(A), 'addr': '127.0.0.1:8000', 'pv': 1, 'av': '0.0.1', 'mdts': 0, 'md': {}}),
    ('join-reply', 0, {'acc': False, 'rr': 'unable to join self', 'id': Bin(A), 'addr': '127.0.0.1:8001',
                       'pv': 1, 'av': '', 'mdts': 0, 'md': {}}),
    ('join-metadata', 5, {'id': Bin(A), 'addr': 'node-a.example:3500', 'pv': 1, 'av': '1.2.3', 'mdts': MI,
                          'md': big_metadata}),
    ('push-pull', 6, [{'id': Bin(B), 'addr': '127.0.0.1:8001', 's': 1, 'sct': 1 << 40, 'mdts': 0, 'md': {'dc': 'dev'}},
                      {'id': Bin(A), 'addr': '127.0.0.1:8000', 's': 3, 'sct': MI, 'mdts': MI, 'md': big_metadata}]),
    ('push-pull-nil', 6, None),
    ('alive', 7, {'ni': Bin(A), 'addr': '127.0.0.1:8000'}),
    ('suspicion', 8, {'ni': Bin(B)}),
    ('leaving', 9, {'ni': Bin(B)}),
    ('metadata', 10, {'mdts': MI, 'md': {'dc': 'development'}}),
    ('metadata-big', 10, {'mdts': MI, 'md': big_metadata}),
    ('stream-open-ack', 11, None),
    ('unknown-50', 50, {'x': 1, 'unknown': [1, 2, 3]}),
    ('user-128', 128, {'content': 'hello-from-B'}),
    ('user-string', 129, 'just a string'),
    ('user-stream-64', 64, Bin(b'\x00\x01\x02open')),
]


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


# ---- captures: tcpdump -X dumps of real Go nodes ----

def read_capture(path):
    """Returns [(is_tcp, (src, dst), payload)] for every segment with data."""
    out = []
    pkt = None
    with open(path) as f:
        for line in f:
            if re.match(r'^\d\d:\d\d:\d\d', line):
                if pkt:
                    out.append(pkt)
                m = re.search(r'IP (\S+) > (\S+?):', line)
                pkt = [' UDP' not in line, (m.group(1), m.group(2)), bytearray()]
            elif line.startswith('\t0x') and pkt is not None:
                hexpart = line.split(':', 1)[1][:41]
                pkt[2].extend(bytes.fromhex(hexpart.replace(' ', '')))
    if pkt:
        out.append(pkt)
    result = []
    for is_tcp, flow, ip in out:
        ihl = (ip[0] & 15) * 4
        if is_tcp:
            data = bytes(ip[ihl + (ip[ihl + 12] >> 4) * 4:])
        else:
            data = bytes(ip[ihl + 8:])
        if data:
            result.append((is_tcp, flow, data))
    return result


def capture_packets(prefix):
    """Every RAW_PACKET of the captures whose name starts with prefix."""
    packets = []
    for fname in sorted(os.listdir(os.path.join(SPEC, 'captures'))):
        if not fname.startswith(prefix) or not fname.endswith('.hex.txt'):
            continue
        stem = fname[:-len('.hex.txt')]
        streams = {}
        for i, (is_tcp, flow, data) in enumerate(read_capture(os.path.join(SPEC, 'captures', fname))):
            if is_tcp:
                streams.setdefault(flow, bytearray()).extend(data)
            else:
                packets.append(('%s-%d' % (stem, i), data))
        for n, (flow, data) in enumerate(streams.items()):
            k = 0
            while len(data) >= 4:
                (length,) = struct.unpack('>I', data[:4])
                packets.append(('%s-%d-%d' % (stem, n, k), bytes(data[4:4 + length])))
                data = data[4 + length:]
                k += 1
    return packets


def main():
    shutil.rmtree(os.path.join(HERE, 'corpus'), ignore_errors=True)

    plain = capture_packets('plain-')
    enc = capture_packets('enc-')

    # fuzz-packet-msgpack
    for name, data in plain:
        write('fuzz-packet-msgpack', 'capture-' + name, data)
    write('fuzz-packet-msgpack', 'golden-ping', bytes.fromhex(
        '002b84a26d7401a27369c4100196042b1caa7ad99ea3c57b2e189b23a26d69cf0070000012345400a374746c01'
        '83a27469c41001960421c1c47a0687a0970cf4c4dbd3a373657107a461646472ae3132372e302e302e313a38303030'))
    for name, mt, payload in messages:
        hdr, body = mp(envelope(mt)), mp(payload)
        write('fuzz-packet-msgpack', name, raw_packet(hdr, body))
        if len(body) >= 256:
            write('fuzz-packet-msgpack', name + '-snappy', raw_packet(hdr, body, compress=True))
    # vmihailenco's fixed-width envelope
    vm = b'\x84\xa2mt\xcd\x00\x80\xa2si\xc4\x10' + A + b'\xa2mi\xcf' + struct.pack('>Q', MI) + b'\xa3ttl\xcc\x03'
    write('fuzz-packet-msgpack', 'vmihailenco-user', raw_packet(vm, mp({'content': 'x'})))

    # fuzz-packet-json
    write('fuzz-packet-json', 'golden-ping', b'\x00\x65' + js(envelope(1)) +
          b'{"ti":[1,150,4,33,193,196,122,6,135,160,151,12,244,196,219,211],"seq":7,"addr":"127.0.0.1:8000"}')
    for name, mt, payload in messages:
        if name == 'push-pull-nil':
            payload = None
        hdr, body = js(envelope(mt, mi=0xda08772d956800)), js(strip_ext(payload))
        write('fuzz-packet-json', name, raw_packet(hdr, body))
        if len(body) >= 256:
            write('fuzz-packet-json', name + '-snappy', raw_packet(hdr, body, compress=True))

    # fuzz-packet-aes: valid encrypted packets only (anything else fails the tag)
    for name, data in enc:
        write('fuzz-packet-aes', 'capture-' + name, data)
    write('fuzz-packet-aes', 'golden-ping', bytes.fromhex(
        '002b000102030405060708090a0b1a3d43817729c75eee240c8a1f7cbb6b41d1a6aa16ec057283640d3f5d1f'
        '3688b3f91ab7070fadc18a2b37ea5e0b00e3bac071b839776e98a0a769fc59e609e0d5c32255b1be67974'
        '4d2843a4552ce8008b68f1884dea0509624dbe7b5d814d768e45463399991dd1cbb'))
    for i, (name, mt, payload) in enumerate(messages):
        hdr, body = mp(envelope(mt)), mp(payload)
        nonce = struct.pack('>4xQ', i + 1)
        write('fuzz-packet-aes', name, raw_packet(hdr, body, cipher_nonce=nonce))
        if len(body) >= 256:
            write('fuzz-packet-aes', name + '-snappy', raw_packet(hdr, body, compress=True, cipher_nonce=nonce))

    # fuzz-msgpack: envelopes, payloads and a tour of the format
    write('fuzz-msgpack', 'envelope-shamaton', mp(envelope(1)))
    write('fuzz-msgpack', 'envelope-vmihailenco', vm)
    for name, mt, payload in messages:
        write('fuzz-msgpack', name, mp(payload))
    write('fuzz-msgpack', 'golden-metadata-types', bytes.fromhex('85a36933322aa169fba175ccc8a166cb3ff8000000000000a162c3'))
    write('fuzz-msgpack', 'golden-heartbeat-ns', bytes.fromhex('82a27473d7ff1d6f3454689c6220a47465726d03'))
    write('fuzz-msgpack', 'golden-heartbeat-s', bytes.fromhex('82a27473d6ff689c6220a47465726d03'))
    write('fuzz-msgpack', 'timestamp96', b'\xc7\x0c\xff' + struct.pack('>Iq', 123456789, -1))
    write('fuzz-msgpack', 'ints', mp([0, 127, 128, 255, 256, 65535, 65536, (1 << 32) - 1, 1 << 32, (1 << 64) - 1,
                                      -1, -32, -33, -128, -129, -32768, -32769, -(1 << 31), -(1 << 31) - 1, -(1 << 63)]))
    write('fuzz-msgpack', 'vmihailenco-ints', b'\x96\xcc\x01\xcd\x00\x01\xce\x00\x00\x00\x01\xd0\xff\xd1\xff\xff\xd3' + b'\xff' * 8)
    write('fuzz-msgpack', 'floats', b'\x94\xca\x3f\xc0\x00\x00\xcb' + struct.pack('>d', -0.0) +
          b'\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00\xca\x7f\x80\x00\x00')
    write('fuzz-msgpack', 'strings', mp(['', 'a' * 31, 'b' * 32, 'c' * 300, 'h\u00e9llo \u2603', Bin(b'\xff\xfe'), Bin(b'z' * 300)]))
    write('fuzz-msgpack', 'str-invalid-utf8', b'\x92\xa2\xc3\x28\xa3a\x00b')
    write('fuzz-msgpack', 'int-keys', b'\x83\x01\xa1a\xff\xa1b\xcd\x01\x00\xc0')
    write('fuzz-msgpack', 'nested', mp([[[[{'a': [{'b': [1, None, True]}]}]]]]))
    write('fuzz-msgpack', 'array16-map16', b'\x92\xdc\x00\x02\x01\x02\xde\x00\x01\xa1k\xa1v')
    write('fuzz-msgpack', 'array32-map32', b'\x92\xdd\x00\x00\x00\x01\xc0\xdf\x00\x00\x00\x01\xa1k\xc2')
    write('fuzz-msgpack', 'str16-str32-bin32', b'\x93\xda\x00\x01x\xdb\x00\x00\x00\x01y\xc6\x00\x00\x00\x01z')

    # fuzz-json
    for name, mt, payload in messages:
        write('fuzz-json', name, js(strip_ext(payload)))
    write('fuzz-json', 'envelope', js(envelope(1)))
    write('fuzz-json', 'numbers', b'[0,-0,1,-1,9223372036854775807,-9223372036854775808,18446744073709551615,'
          b'18446744073709551616,1.5,-2.25e-10,1e308,1E+2,0.1,3.0]')
    write('fuzz-json', 'strings', '["", "\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/", "\u2603"]'.encode())
    write('fuzz-json', 'string-nul', b'["\\u0000x"]')
    write('fuzz-json', 'nested', b'{"a":{"b":[{"c":null},true,false,[[]],{}]},"a2":"x"}')
    write('fuzz-json', 'duplicate-keys', b'{"a2":"dup","a2":"dup2"}')
    write('fuzz-json', 'whitespace', b' \t\n{ "k" : [ 1 , 2 ] }\r\n')

    # fuzz-snappy
    for name, mt, payload in messages:
        body = mp(payload)
        write('fuzz-snappy', name, snappy(body))
    write('fuzz-snappy', 'empty', b'\x00')
    write('fuzz-snappy', 'rle', snappy(b'a' * 5000))
    write('fuzz-snappy', 'copy1', b'\x0a\x08abcd\x19\x04')   # literal "abcd" + copy-1 len 6 off 4... (len 10)
    write('fuzz-snappy', 'copy4', b'\x08\x0cabcd\x0f\x04\x00\x00\x00')
    write('fuzz-snappy', 'long-literal', uvarint(100) + bytes([60 << 2, 99]) + bytes(range(100)))
    for name, data in plain:
        if len(data) > 2 and data[0] & 0x80:
            hs = ((data[0] << 8) | data[1]) & 0x7fff
            write('fuzz-snappy', 'capture-' + name, data[2 + hs:])

    # fuzz-address
    for i, a in enumerate(['127.0.0.1:8000', '8000', ':8000', 'localhost', 'node-a.example:3500', '[::1]:8001',
                           '[fe80::1%eth0]:80', '::1', '0.0.0.0:0', 'host:99999', 'host:-1', 'host:abc',
                           'srv+_gossip._tcp.example.com', 'srv+http://h:1/p', 'ws://h:1/', 'https://x/',
                           '[::ffff:127.0.0.1]:65535', '', ':', '[]:1', '1.2.3.4:', 'a:b:c']):
        write('fuzz-address', 'addr-%02d' % i, a.encode())

    # fuzz-metadata
    write('fuzz-metadata', 'golden-metadata-types', bytes.fromhex('85a36933322aa169fba175ccc8a166cb3ff8000000000000a162c3'))
    write('fuzz-metadata', 'metadata', mp(metadata))
    write('fuzz-metadata', 'metadata-update', mp({'mdts': MI, 'md': big_metadata}))
    write('fuzz-metadata', 'golden-metadata-update', bytes.fromhex('82a46d647473cf0070000012345400a26d6481a26463ab646576656c6f706d656e74'))
    write('fuzz-metadata', 'typed', mp({'s': '42', 'sb': 'true', 'f': 2.5, 'i': -(1 << 40), 'u': (1 << 64) - 1,
                                        'ts': Ext(-1, struct.pack('>Q', (5 << 34) | 1700000000)),
                                        'arr': [1, 2], 'map': {'x': 1}, 'bin': Bin(b'\x01\x02'), 'n': None}))


def strip_ext(v):
    """JSON has no extension values; Go sends a time as an RFC 3339 string."""
    if isinstance(v, Ext):
        return '2023-11-14T22:13:20Z'
    if isinstance(v, dict):
        return {k: strip_ext(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [strip_ext(x) for x in v]
    if isinstance(v, float) and v != v:
        return None
    return v


if __name__ == '__main__':
    main()
