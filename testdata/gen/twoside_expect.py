#!/usr/bin/env python3
"""Expected results of a two-sided scenario, from the pcap bytes alone.

Reads side-a.pcap (router interface towards the initiator) and side-b.pcap
(towards the responder), takes every IKE message and ESP packet (UDP 500,
UDP 4500 with or without the non-ESP marker, IP protocol 50), and matches the
two captures by content (the IKE message or ESP packet bytes, which NAT does
not touch). Both captures come from one clock (the router), so a copy in B
is matched to the latest unmatched copy in A that is not later than it
(A->B), or the other way round (B->A). Written independently of ikeflow.

    twoside_expect.py DIR [--shift SECONDS] > DIR/expected.json
"""
import hashlib, json, struct, sys

SIDE_A_HOSTS = {"198.51.100.10", "198.51.100.20"}


def ip4(b):
    return ".".join(str(x) for x in b)


INCOMPLETE = {}  # path -> frames of the last fragment of datagrams never completed


def packets(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic == 0xA1B2C3D4:
        e, scale = "<", 1e-6
    elif magic == 0xA1B23C4D:
        e, scale = "<", 1e-9
    else:
        raise SystemExit(f"{path}: not a little-endian pcap")
    link = struct.unpack(e + "I", data[20:24])[0]
    off, frame, frags = 24, 0, {}
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        frame += 1
        t = sec + frac * scale
        if link == 1:
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            ip = pkt[14:]
        elif link == 113:
            if pkt[14:16] != b"\x08\x00":
                continue
            ip = pkt[16:]
        else:
            raise SystemExit(f"link type {link}")
        if len(ip) < 20 or ip[0] >> 4 != 4:
            continue
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack(">H", ip[2:4])[0]
        ident = struct.unpack(">H", ip[4:6])[0]
        fl = struct.unpack(">H", ip[6:8])[0]
        proto, src, dst = ip[9], ip4(ip[12:16]), ip4(ip[16:20])
        body = ip[ihl:tot]
        mf, fo = fl & 0x2000, (fl & 0x1FFF) * 8
        fragmented = False
        if mf or fo:
            k = (src, dst, ident, proto)
            parts = frags.setdefault(k, {})
            parts[fo] = (body, mf, frame)
            have, total = 0, None
            buf = b""
            for o in sorted(parts):
                if o != len(buf):
                    break
                buf += parts[o][0]
                if not parts[o][1]:
                    total = len(buf)
            if total is None:
                continue
            body = buf
            del frags[k]
            fragmented = True
        sport = dport = 0
        if proto == 17:
            sport, dport = struct.unpack(">HH", body[:4])
            pl = body[8:]
            if dport == 500 or sport == 500:
                kind, d = "ike", pl
            elif dport == 4500 or sport == 4500:
                if pl == b"\xff":
                    continue
                if pl[:4] == b"\0\0\0\0":
                    kind, d = "ike", pl[4:]
                else:
                    kind, d = "esp", pl
            else:
                continue
        elif proto == 50:
            kind, d = "esp", body
        else:
            continue
        rec = {"frame": frame, "time": t, "src": f"{src}:{sport}", "dst": f"{dst}:{dport}",
               "kind": kind, "fragmented": fragmented, "size": len(d)}
        if kind == "ike":
            if len(d) < 28:
                continue
            ln = struct.unpack(">I", d[24:28])[0]
            d = d[:ln]
            rec.update(exchange=d[18], mid=struct.unpack(">I", d[20:24])[0],
                       response=bool(d[19] & 0x20), spii=d[:8].hex())
            if d[16] == 53 and len(d) >= 36:  # SKF first payload
                rec["fragment"] = struct.unpack(">H", d[32:34])[0]
        else:
            rec.update(spi="%08x" % struct.unpack(">I", d[:4])[0], seq=struct.unpack(">I", d[4:8])[0])
        rec["key"] = hashlib.sha256(d).hexdigest()
        rec["up"] = "a" if src in SIDE_A_HOSTS else "b"
        yield rec
    INCOMPLETE[path] = sorted(max(p[2] for p in parts.values()) for parts in frags.values())


def brief(r):
    out = {k: r[k] for k in ("frame", "kind") if k in r}
    for k in ("exchange", "mid", "response", "fragment", "spi", "seq", "size", "fragmented"):
        if k in r:
            out[k] = r[k]
    return out


def main():
    d = sys.argv[1]
    shift = float(sys.argv[sys.argv.index("--shift") + 1]) if "--shift" in sys.argv else 0.0
    A = list(packets(d + "/side-a.pcap"))
    B = list(packets(d + "/side-b.pcap"))
    byk = {}
    for side, recs in (("a", A), ("b", B)):
        for r in recs:
            byk.setdefault(r["key"], {"a": [], "b": []})[side].append(r)
    lost = {"a_to_b": [], "b_to_a": []}
    only_down = {"a_to_b": [], "b_to_a": []}
    nat = {}
    matched = 0
    for k, s in byk.items():
        up_side = (s["a"] or s["b"])[0]["up"]
        down_side = "b" if up_side == "a" else "a"
        direction = "a_to_b" if up_side == "a" else "b_to_a"
        ups = sorted(s[up_side], key=lambda r: r["time"])
        used = set()
        for dn in sorted(s[down_side], key=lambda r: r["time"]):
            cand = [i for i, u in enumerate(ups) if i not in used and u["time"] <= dn["time"]]
            if not cand:
                only_down[direction].append(brief(dn))
                continue
            i = cand[-1]
            used.add(i)
            matched += 1
            a, b = (ups[i], dn) if up_side == "a" else (dn, ups[i])
            m = nat.setdefault((a["src"], a["dst"], b["src"], b["dst"]), [0, a["frame"], a["frame"]])
            m[0] += 1
            m[2] = a["frame"]
        for i, u in enumerate(ups):
            if i not in used:
                lost[direction].append(brief(u))
    for v in list(lost.values()) + list(only_down.values()):
        v.sort(key=lambda r: r["frame"])
    out = {
        "packets_a": len(A), "packets_b": len(B), "matched": matched,
        "clock_offset_b_minus_a_s": shift,
        "incomplete_datagrams": {"a": INCOMPLETE[d + "/side-a.pcap"], "b": INCOMPLETE[d + "/side-b.pcap"]},
        "lost": lost, "only_downstream": only_down,
        "address_mappings": [
            {"a_src": k[0], "a_dst": k[1], "b_src": k[2], "b_dst": k[3], "packets": v[0],
             "first_frame_a": v[1], "last_frame_a": v[2]}
            for k, v in sorted(nat.items(), key=lambda kv: kv[1][1])],
    }
    json.dump(out, sys.stdout, indent=1)
    print()


main()
