#!/usr/bin/env python3
"""Write tests/data/crafted-l2l4.pcap: hand-built frames that the public captures lack
(IPv4 fragments and options, ICMP echo, ARP, VLAN with priority/DEI, SACK blocks, urgent data,
ECN flags, IPv6 extension headers, ICMPv6 echo, a bad TCP checksum, unknown EtherType and IP
protocol). Deterministic: rerunning produces the same bytes. Checked against tshark by
scripts/gen-golden.sh like the real captures."""
import struct, sys

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

MAC_A = bytes.fromhex('020000000001'); MAC_B = bytes.fromhex('020000000002')
IP_A = bytes([192,0,2,1]); IP_B = bytes([198,51,100,7])
IP6_A = bytes.fromhex('20010db8000000000000000000000001'); IP6_B = bytes.fromhex('20010db8000000000000000000000002')

def eth(payload, etype, src=MAC_A, dst=MAC_B):
    return dst + src + struct.pack('!H', etype) + payload

def ipv4(payload, proto, src=IP_A, dst=IP_B, ident=0x1234, flags_off=0x4000, opts=b'', ttl=64, fix=True, total=None):
    ihl = (20 + len(opts)) // 4
    tl = total if total is not None else 20 + len(opts) + len(payload)
    h = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0x2e, tl, ident, flags_off, ttl, proto, 0, src, dst) + opts
    c = csum(h) if fix else 0xbeef
    h = h[:10] + struct.pack('!H', c) + h[12:]
    return h + payload

def pseudo4(src, dst, proto, length):
    return src + dst + struct.pack('!BBH', 0, proto, length)

def pseudo6(src, dst, proto, length):
    return src + dst + struct.pack('!IxxxB', length, proto)

def tcp(sp, dp, seq, ack, flags, win, opts=b'', data=b'', urg=0, pseudo=None, bad=False):
    off = (20 + len(opts)) // 4
    h = struct.pack('!HHIIHHHH', sp, dp, seq, ack, (off << 12) | flags, win, 0, urg) + opts
    seg = h + data
    c = csum(pseudo(len(seg)) + seg)
    if bad: c ^= 0x5a5a
    return seg[:16] + struct.pack('!H', c) + seg[18:]

def udp(sp, dp, data, pseudo):
    l = 8 + len(data)
    u = struct.pack('!HHHH', sp, dp, l, 0) + data
    c = csum(pseudo(l) + u) or 0xffff
    return u[:6] + struct.pack('!H', c) + u[8:]

def icmp(t, code, rest, data):
    m = struct.pack('!BBH', t, code, 0) + rest + data
    c = csum(m)
    return m[:2] + struct.pack('!H', c) + m[4:]

def ipv6(payload, nxt, src=IP6_A, dst=IP6_B, hlim=64):
    return struct.pack('!IHBB', (6 << 28) | (0x2e << 20) | 0x12345, len(payload), nxt, hlim) + src + dst + payload

frames = []
p4 = lambda proto: (lambda l: pseudo4(IP_A, IP_B, proto, l))
# 1-2 ICMP echo request / reply
frames.append(eth(ipv4(icmp(8, 0, struct.pack('!HH', 0x1c2b, 1), b'ping payload 0123456789'), 1), 0x0800))
frames.append(eth(ipv4(icmp(0, 0, struct.pack('!HH', 0x1c2b, 1), b'ping payload 0123456789'), 1, src=IP_B, dst=IP_A), 0x0800, src=MAC_B, dst=MAC_A))
# 3-4 ARP request / reply (padded to 60 bytes)
arp_req = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + MAC_A + IP_A + bytes(6) + IP_B
frames.append(eth(arp_req + bytes(18), 0x0806, dst=b'\xff' * 6))
arp_rep = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 2) + MAC_B + IP_B + MAC_A + IP_A
frames.append(eth(arp_rep + bytes(18), 0x0806, src=MAC_B, dst=MAC_A))
# 5 IPv4 with Router Alert option + NOP + EOL, carrying UDP
opts = bytes([148, 4, 0, 0, 1, 0, 0, 0])
frames.append(eth(ipv4(udp(5000, 53, b'\x12\x34hello', p4(17)), 17, opts=opts), 0x0800))
# 6-7 IPv4 fragments of one UDP datagram (first with MF, then offset 1480)
big = udp(4000, 9999, bytes(range(256)) * 7, p4(17))
frames.append(eth(ipv4(big[:1480], 17, ident=0xabcd, flags_off=0x2000), 0x0800))
frames.append(eth(ipv4(big[1480:], 17, ident=0xabcd, flags_off=1480 // 8), 0x0800))
# 8 TCP with SACK blocks, ECE+CWR, URG with urgent pointer, data
sack = bytes([1, 1, 5, 18]) + struct.pack('!IIII', 1000, 2000, 3000, 4000)
frames.append(eth(ipv4(tcp(443, 50000, 77777, 88888, 0x0f8 | 0x010, 501, opts=sack, data=b'urgent!', urg=3, pseudo=p4(6)), 6), 0x0800))
# 9 VLAN (priority 5, DEI set, id 42) carrying a TCP SYN with all the usual options
syn_opts = struct.pack('!BBH', 2, 4, 1460) + bytes([4, 2]) + struct.pack('!BBII', 8, 10, 12345, 0) + bytes([1, 3, 3, 7])
tci = (5 << 13) | (1 << 12) | 42
frames.append(eth(struct.pack('!HH', tci, 0x0800) + ipv4(tcp(50001, 80, 1000, 0, 0x002, 64240, opts=syn_opts, pseudo=p4(6)), 6), 0x8100))
# 10 IPv6 hop-by-hop (router alert + PadN) -> destination options (PadN) -> UDP
p6 = lambda proto: (lambda l: pseudo6(IP6_A, IP6_B, proto, l))
u6 = udp(546, 547, b'ipv6 ext headers', p6(17))
dst_opts = bytes([17, 0, 1, 4, 0, 0, 0, 0])
hbh = bytes([60, 0, 5, 2, 0, 0, 1, 0])
frames.append(eth(ipv6(hbh + dst_opts + u6, 0), 0x86dd))
# 11 ICMPv6 echo request
e6 = struct.pack('!BBHHH', 128, 0, 0, 0x0102, 7) + b'v6 ping'
c6 = csum(pseudo6(IP6_A, IP6_B, 58, len(e6)) + e6)
e6 = e6[:2] + struct.pack('!H', c6) + e6[4:]
frames.append(eth(ipv6(e6, 58), 0x86dd))
# 12 TCP with a bad checksum between two public addresses
frames.append(eth(ipv4(tcp(1234, 80, 5, 6, 0x018, 100, data=b'GET / HTTP/1.0\r\n\r\n', pseudo=p4(6), bad=True), 6), 0x0800))
# 13 unknown EtherType (LLDP-like)
frames.append(eth(b'\x02\x07\x04' + bytes(40), 0x88cc, dst=bytes.fromhex('0180c200000e')))
# 14 IPv4 protocol 47 (GRE), not decoded
frames.append(eth(ipv4(b'\x00\x00\x08\x00' + bytes(20), 47), 0x0800))
# 15 IPv4 header checksum wrong
frames.append(eth(ipv4(udp(7, 7, b'echo', p4(17)), 17, fix=False), 0x0800))
# 16 ICMP destination unreachable (port) quoting a UDP header
quoted = ipv4(udp(5353, 33434, b'', p4(17)), 17, src=IP_B, dst=IP_A)[:28]
frames.append(eth(ipv4(icmp(3, 3, bytes(4), quoted), 1), 0x0800))

out = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/crafted-l2l4.pcap'
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack('<IIII', 1700000000 + i, 1000 * i, len(fr), len(fr)))
        f.write(fr)
print(f'wrote {len(frames)} frames to {out}')
