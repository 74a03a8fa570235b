#!/usr/bin/env python3
"""Re-frame RFC 8229 IKE-over-TCP into UDP 4500 datagrams, for tshark 4.0.

usage: tcp2udp.py IN.pcap OUT.pcap [MAP.tsv]

tshark 4.0 has no RFC 8229 dissector (its "tcpencap" is Check Point's
TCP encapsulation), so it cannot show the IKE messages of a TCP 4500 stream.
This reads every TCP stream to or from port 4500 in IN.pcap (Ethernet or raw
IPv4), reassembles each direction by sequence number, drops the initiator's
6-octet "IKETCP" stream prefix, cuts the rest into RFC 8229 frames (2-octet
length counting itself, then the 4-octet non-ESP marker 0 and an IKE message,
or an ESP packet with its SPI) and writes each frame as one UDP datagram
between the same addresses and ports (non-ESP marker kept: tshark decodes UDP
4500 with it), timestamped with the segment that completed the frame.
MAP.tsv gets one line per written datagram: its number in OUT.pcap, the frame
number in IN.pcap that completed it, and the frame length field.
Used by check_decrypt.sh for scenarios whose expected.json says
transport.tcp; a lab tool (testdata/gen), not part of ikeflow.
"""
import struct
import sys

PREFIX = b"IKETCP"


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        end, nano = "<", False
    elif magic == b"\xa1\xb2\xc3\xd4":
        end, nano = ">", False
    elif magic == b"\x4d\x3c\xb2\xa1":
        end, nano = "<", True
    elif magic == b"\xa1\xb2\x3c\x4d":
        end, nano = ">", True
    else:
        raise SystemExit("%s: not a pcap file (pcapng is not read)" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off, n = 24, 0
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        n += 1
        yield n, sec, frac * (1 if nano else 1000), linktype, data[off:off + incl]
        off += incl


def ipv4(linktype, frame):
    if linktype == 1:  # Ethernet
        if len(frame) < 14 or frame[12:14] != b"\x08\x00":
            return None
        return frame[14:]
    if linktype in (101, 228):  # raw IP
        return frame
    if linktype == 113:  # Linux cooked
        return frame[16:] if frame[14:16] == b"\x08\x00" else None
    return None


def main(src, dst, mapfile=None):
    streams = {}   # (src, sport, dst, dport) -> {"isn": seq of first payload, "buf": {off: bytes}, ...}
    out = []       # (ns time, src, sport, dst, dport, payload, in-frame, length field)
    for n, sec, ns, lt, frame in packets(src):
        ip = ipv4(lt, frame)
        if ip is None or len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack("!H", ip[2:4])[0]
        tcp = ip[ihl:tot]
        if len(tcp) < 20:
            continue
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        if 4500 not in (sport, dport):
            continue
        flags = tcp[13]
        payload = tcp[(tcp[12] >> 4) * 4:]
        key = (ip[12:16], sport, ip[16:20], dport)
        st = streams.setdefault(key, {"isn": None, "data": bytearray(), "have": 0, "pos": 0,
                                      "prefix": None, "dead": False})
        if flags & 0x02:  # SYN
            st["isn"] = (seq + 1) & 0xffffffff
            continue
        if not payload or st["dead"]:
            continue
        if st["isn"] is None:
            st["isn"] = seq  # capture began mid-stream
        rel = (seq - st["isn"]) & 0xffffffff
        if rel + len(payload) <= st["have"]:
            continue  # retransmitted segment
        if rel > st["have"]:
            sys.stderr.write("tcp2udp: frame %d: gap in stream (%d octets missing)\n" % (n, rel - st["have"]))
            continue
        st["data"] += payload[st["have"] - rel:]
        st["have"] = len(st["data"])
        d = st["data"]
        if st["prefix"] is None and len(d) >= 6 and st["pos"] == 0:
            st["prefix"] = d[:6] == PREFIX
            if st["prefix"]:
                st["pos"] = 6
        while st["pos"] + 2 <= len(d):
            flen = struct.unpack("!H", d[st["pos"]:st["pos"] + 2])[0]
            if flen < 2:
                sys.stderr.write("tcp2udp: frame %d: length field %d < 2, stream abandoned\n" % (n, flen))
                st["dead"] = True
                break
            if st["pos"] + flen > len(d):
                break
            body = bytes(d[st["pos"] + 2:st["pos"] + flen])
            st["pos"] += flen
            out.append((sec * 10**9 + ns, key[0], sport, key[2], dport, body, n, flen))
    with open(dst, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 101))
        for t, s, sp, d, dp, body, n, flen in out:
            udp = struct.pack("!HHHH", sp, dp, 8 + len(body), 0) + body
            hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, s, d)
            csum = 0
            for i in range(0, 20, 2):
                csum += struct.unpack("!H", hdr[i:i + 2])[0]
            while csum >> 16:
                csum = (csum & 0xffff) + (csum >> 16)
            hdr = hdr[:10] + struct.pack("!H", ~csum & 0xffff) + hdr[12:]
            pkt = hdr + udp
            f.write(struct.pack("<IIII", t // 10**9, t % 10**9, len(pkt), len(pkt)) + pkt)
    if mapfile:
        with open(mapfile, "w") as g:
            for i, o in enumerate(out, 1):
                g.write("%d\t%d\t%d\n" % (i, o[6], o[7]))
    return len(out)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        raise SystemExit(__doc__)
    print("tcp2udp: %d frames" % main(*sys.argv[1:]), file=sys.stderr)
