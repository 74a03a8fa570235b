#!/usr/bin/env python3
"""Post-process an interop run: one strongSwan peer plus libreswan's pluto.

usage: postprocess_interop.py WORKDIR OUTDIR
       postprocess_interop.py --refresh-known-wrong SCENARIO_DIR...

WORKDIR/meta.json names the peer ("peer": {"daemon", "key", "role", "log"}).
The strongSwan side is read by postprocess.Host (its charon.log); the pluto
side is read from pluto's own log (plutodebug="all private", logtime=yes):

- pluto's wire log ("| sending N bytes ... from A to B", "| *received N bytes
  from B on IF A") gives the packets it sent and received; each is paired
  with the strongSwan log line for the same packet (same direction, ports,
  length, in order) to learn exchange, MID and payloads, which strongSwan
  logs and pluto does not log in one line. A pluto packet strongSwan never
  logged keeps exchange null.
- pluto's state lines ('"c" #N: ...') give what pluto decided: IKE SAs and
  child SAs established, XFRM failures, deletes with or without a Delete
  notification, re-initiations. They are kept verbatim in
  expected.json "interop"."peer_log" and summarised per pluto state.
- pluto's IKEv2 key lines ("| ikev2 I SPIi SPIr integ:0xSK_ai encr:0xSK_ei",
  "| ikev2 R ... SK_ar ... SK_er") are compared with strongSwan's Sk_* dumps
  for the same SPIs ("interop"."key_lines").

Then postprocess.build writes the usual files (the peer's trimmed log is not
written as charon-*.log: the raw pluto.log is copied instead) and this script
adds the "interop" section and the known_wrong list from meta.json.
"""
import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import postprocess  # noqa: E402

PL_LINE = re.compile(r"^\w{3} [ \d]\d (\d\d:\d\d:\d\d)\.(\d{6}): (.*)$")
PL_SEND = re.compile(r"^\| sending (\d+) bytes for .*? through \S+ from (\S+):(\d+) to (\S+):(\d+) using (UDP|TCP)(?: \(for #(\d+)\))?")
PL_RECV = re.compile(r"^\| \*received (\d+) bytes from (\S+):(\d+) on \S+ (?:\()?(\S+?):(\d+)\)? using (UDP|TCP)")
PL_KEY = re.compile(r"^\| ikev2 ([IR]) 0x([0-9a-f]{16}) 0x([0-9a-f]{16}) (\w+):0x([0-9a-f]+) (\w+):0x([0-9a-f]+)$")
PL_STATE = re.compile(r'^(?:ERROR: )?"[^"]+"(?:\[\d+\])? #(\d+): (.*)$')
PL_CHILD = re.compile(r"established Child SA using #(\d+); IPsec tunnel \[(\S+) (\d+)\] -> \[(\S+) (\d+)\] \{(\S+)=>0x([0-9a-f]{8}) <0x([0-9a-f]{8}) xfrm=(\S+)")
PL_CHILD_V1 = re.compile(r"IPsec SA established .*\{(\S+)=>0x([0-9a-f]{8}) <0x([0-9a-f]{8}) xfrm=(\S+)")
PL_DELETE = re.compile(r"^deleting state \((\S+)\) aged \S+ and (NOT )?sending notification")
PL_NOTE = re.compile(r"^\S+ \d+ (?:sent|received)")


PL_HEX_ROW = re.compile(r"^\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{6}: \|   (?:[0-9a-f]{2} ?)+")
PL_REFCOUNT = re.compile(r"\b(?:newref|delref|addref)\b|-key@0x|PK11_|release .*key")
PL_KEY_HDR = re.compile(r"key|SKEYSEED|SK_|secret|nonce|g\^", re.I)


def trim_pluto_log(src, dst):
    """Copy pluto's log without NSS reference-count chatter and without hex
    dumps, except the dumps that follow a header naming key material (ESP
    enckey/authkey, SKEYSEED, nonces, g^x). Key lines are never dropped.
    Returns (lines kept, lines dropped)."""
    kept = dropped = 0
    hdr_is_key = False
    with open(src, encoding="utf-8", errors="replace") as f, open(dst, "w") as g:
        for raw in f:
            if PL_HEX_ROW.match(raw):
                if not hdr_is_key:
                    dropped += 1
                    continue
            else:
                hdr_is_key = bool(PL_KEY_HDR.search(raw)) and not PL_REFCOUNT.search(raw)
                if PL_REFCOUNT.search(raw) and not PL_KEY.search(raw.split(": ", 1)[-1].rstrip("\n")):
                    dropped += 1
                    continue
            g.write(raw)
            kept += 1
    return kept, dropped


class PlutoLog:
    """Packets, state events and key lines from one pluto log."""

    def __init__(self, path):
        self.path = path
        self.sends, self.recvs, self.keys, self.events = [], [], [], []
        self.version = None
        pending_retx = {}  # pluto state -> its next send is a retransmission
        for i, raw in enumerate(open(path, encoding="utf-8", errors="replace")):
            m = PL_LINE.match(raw.rstrip("\n"))
            if not m:
                continue
            t, us, msg = m.group(1), m.group(2), m.group(3)
            v = re.search(r"Starting Pluto \(Libreswan Version (\S+)", msg)
            if v:
                self.version = "libreswan " + v.group(1)
            s = PL_SEND.match(msg)
            if s:
                n, port = int(s.group(1)), int(s.group(3))
                if port == 4500 and s.group(6) == "UDP":
                    n -= 4  # pluto counts the non-ESP marker; strongSwan does not
                st = int(s.group(7)) if s.group(7) else None
                self.sends.append({"t": t, "us": us, "idx": i, "bytes": n, "state": st,
                                   "retransmission": st is not None and pending_retx.pop(st, False),
                                   "src": {"addr": s.group(2), "port": port},
                                   "dst": {"addr": s.group(4), "port": int(s.group(5))}})
                continue
            r = PL_RECV.match(msg)
            if r:
                self.recvs.append({"t": t, "us": us, "idx": i, "bytes": int(r.group(1)),
                                   "src": {"addr": r.group(2), "port": int(r.group(3))},
                                   "dst": {"addr": r.group(4), "port": int(r.group(5))}})
                continue
            k = PL_KEY.match(msg)
            if k:
                self.keys.append({"dir": k.group(1), "spi_i": k.group(2), "spi_r": k.group(3),
                                  "integ": k.group(4), "integ_key": k.group(5),
                                  "encr": k.group(6), "encr_key": k.group(7), "line": msg})
                continue
            if msg.startswith("|"):
                continue
            st = PL_STATE.match(msg)
            if st and "retransmission; will wait" in st.group(2):
                pending_retx[int(st.group(1))] = True
            if st:
                self.events.append({"time": "%s.%s" % (t, us), "state": int(st.group(1)),
                                    "error": msg.startswith("ERROR:"), "text": st.group(2)})

    def states(self):
        """Per pluto state number: what pluto logged about it."""
        out = {}
        for e in self.events:
            s = out.setdefault(e["state"], {"state": e["state"], "kind": None, "of": None,
                                            "initiated": False, "established": False,
                                            "child": None, "errors": [], "ended": None,
                                            "delete_notification_sent": None})
            txt = e["text"]
            if txt.startswith("initiating IKEv2") or txt.startswith("initiating IKEv1"):
                s["kind"], s["initiated"] = "ike", True
            if "established IKE SA" in txt or "ISAKMP SA established" in txt:
                s["kind"], s["established"] = "ike", True
            c = PL_CHILD.search(txt)
            if c:
                s["kind"], s["established"], s["of"] = "child", True, int(c.group(1))
                s["child"] = {"ts_local": c.group(2), "ts_remote": c.group(4), "encap": c.group(6),
                              "spi_out": c.group(7), "spi_in": c.group(8), "xfrm": c.group(9)}
            c = PL_CHILD_V1.search(txt)
            if c and not s["child"]:
                s["kind"], s["established"] = "child", True
                s["child"] = {"encap": c.group(1), "spi_out": c.group(2), "spi_in": c.group(3), "xfrm": c.group(4)}
            if e["error"] or "fatal error" in txt or "failed" in txt:
                s["errors"].append(txt)
            d = PL_DELETE.match(txt)
            if d:
                s["ended"] = "deleted in " + d.group(1)
                s["delete_notification_sent"] = d.group(2) is None
            if txt.startswith("intiating delete") or txt.startswith("initiating delete"):
                s["delete_exchange_started"] = True
            if "connection is supposed to remain up; schedule EVENT_REVIVE_CONNS" in txt:
                s["revival_scheduled"] = True
        return [out[k] for k in sorted(out)]


IK_LINE = re.compile(r"^(\d\d:\d\d:\d\d)\.(\d{6}) (.*)$")
IK_WIRE = re.compile(r"^spi=0x([0-9a-f]{16}): (send|recv) (\S+) (req|res) (\d+) peer (\S+):(\d+) local (\S+):(\d+), (\d+) bytes")
IK_RETX = re.compile(r"^spi=0x([0-9a-f]{16}): retransmit (\d+) (\S+) req (\d+) peer (\S+):(\d+) local (\S+):(\d+)")
IK_KEY = re.compile(r"^ikev2_sa_keys: (SK_\w+) with (\d+) bytes$")
IK_HEX = re.compile(r"^(?:[0-9a-f]{2,8} ?)+$")
IK_RECV_SPIS = re.compile(r"^ikev2_recv: ispi 0x([0-9a-f]{16}) rspi 0x([0-9a-f]{16})")
IK_SPI_LINE = re.compile(r"^spi=0x([0-9a-f]{16}): (.*)$")
IK_CHILD = re.compile(r"ikev2_childsa_enable: loaded SPIs: 0x([0-9a-f]{8}), 0x([0-9a-f]{8}) \((.*)\)")


class IkedLog:
    """Packets, state events and key dumps from an OpenIKED iked -dvvv log.

    iked -d prints no times; the generator prefixes every line with the
    wall-clock time it was written ("HH:MM:SS.ffffff "). iked logs its own
    wire lines with exchange, request/response, message ID, peer, local and
    length (without the non-ESP marker), and its IKE SA keys as
    "ikev2_sa_keys: SK_xx with N bytes" followed by hex words."""

    def __init__(self, path):
        self.path = path
        self.sends, self.recvs, self.keys, self.events = [], [], [], []
        self.version = "OpenIKED 7.2"
        cur = None        # (ispi, rspi) last seen in ikev2_recv
        key = None        # key dump being read: [label, hexparts, spis, header line]
        lines = [l.rstrip("\n") for l in open(path, encoding="utf-8", errors="replace")]
        for i, raw in enumerate(lines):
            m = IK_LINE.match(raw)
            if not m:
                continue
            t, us, msg = m.group(1), m.group(2), m.group(3)
            if key is not None:
                if IK_HEX.match(msg):
                    key[1].append(msg.replace(" ", ""))
                    continue
                self.keys.append({"label": key[0], "hex": "".join(key[1]), "spi_i": key[2][0],
                                  "spi_r": key[2][1], "line": key[3]})
                key = None
            w = IK_WIRE.match(msg)
            if w:
                d = {"t": t, "us": us, "idx": i, "bytes": int(w.group(10)), "ispi": w.group(1),
                     "exchange": w.group(3), "type": "request" if w.group(4) == "req" else "response",
                     "mid": int(w.group(5)), "state": w.group(1), "retransmission": False}
                peer = {"addr": w.group(6), "port": int(w.group(7))}
                local = {"addr": w.group(8), "port": int(w.group(9))}
                self.events.append({"time": "%s.%s" % (t, us), "state": w.group(1), "error": False,
                                    "text": msg.split(": ", 1)[1]})
                if w.group(2) == "send":
                    d.update({"src": local, "dst": peer})
                    self.sends.append(d)
                else:
                    d.update({"src": peer, "dst": local})
                    self.recvs.append(d)
                continue
            r = IK_RETX.match(msg)
            if r:
                orig = [s for s in self.sends if s["ispi"] == r.group(1) and s["exchange"] == r.group(3)
                        and s["mid"] == int(r.group(4)) and s["type"] == "request"]
                if orig:
                    d = dict(orig[-1])
                    d.update({"t": t, "us": us, "idx": i, "retransmission": True})
                    self.sends.append(d)
                continue
            k = IK_KEY.match(msg)
            if k:
                key = [k.group(1), [], cur or ("", ""), msg]
                continue
            rs = IK_RECV_SPIS.match(msg)
            if rs:
                cur = (rs.group(1), rs.group(2))
            sl = IK_SPI_LINE.match(msg)
            if sl:
                self.events.append({"time": "%s.%s" % (t, us), "state": sl.group(1), "error": False,
                                    "text": sl.group(2)})
            elif re.search(r"failed|NO_PROPOSAL|TS_UNACCEPTABLE|AUTHENTICATION_FAILED|no proposal|"
                           r"ikev2_childsa_enable: loaded|sent delete|received delete|deleted", msg):
                self.events.append({"time": "%s.%s" % (t, us), "state": None,
                                    "error": "failed" in msg, "text": msg})
        if key is not None:
            self.keys.append({"label": key[0], "hex": "".join(key[1]), "spi_i": key[2][0],
                              "spi_r": key[2][1], "line": key[3]})

    def states(self):
        """Per IKE SA (initiator SPI): what iked logged about it."""
        out = {}
        last = None
        for e in self.events:
            if e["state"] is not None:
                last = e["state"]
            sid = e["state"] or last
            if sid is None:
                continue
            s = out.setdefault(sid, {"state": sid, "kind": "ike", "of": None, "initiated": False,
                                     "established": False, "child": None, "errors": [], "ended": None,
                                     "delete_notification_sent": None})
            txt = e["text"]
            if txt.startswith("send IKE_SA_INIT req"):
                s["initiated"] = True
            if txt.startswith("established peer"):
                s["established"] = True
            c = IK_CHILD.search(txt)
            if c:
                s["child"] = {"spi_in": c.group(1), "spi_out": c.group(2), "xfrm": c.group(3)}
            if e["error"] or re.search(r"NO_PROPOSAL|TS_UNACCEPTABLE|AUTHENTICATION_FAILED|no proposal", txt):
                s["errors"].append(txt)
            m = re.search(r"sa_state: \S+ -> CLOSED", txt)
            if m:
                s["ended"] = "CLOSED"
            if "sent delete, closing SA" in txt:
                s["delete_notification_sent"] = True
        return [out[k] for k in out]


class PeerHost:
    """A postprocess.Host look-alike for the non-strongSwan peer."""

    def __init__(self, key, role, sw, pl):
        self.key, self.role = key, role
        self.events, self.trimmed = [], None
        self.uid_spis, self.uid_ver = dict(sw.uid_spis), dict(sw.uid_ver)
        self.uid_info = {}
        self.sends, self.recvs = [], []
        # pair pluto's packets with strongSwan's log lines for the same packet
        used = set()

        def pair(p, cands, src_is_peer):
            for c in cands:
                if id(c) in used or c["bytes"] != p["bytes"]:
                    continue
                if c["src"]["port"] != p["src"]["port"] or c["dst"]["port"] != p["dst"]["port"]:
                    continue
                used.add(id(c))
                return c
            return None

        last_of_state = {}
        for n, p in enumerate(pl.sends):
            c = pair(p, sw.recvs, True)
            s = dict(p)
            s["idx"] = n * 2
            s["retransmit"] = 0
            s["paired"] = c is not None
            prev = last_of_state.get(p["state"])
            if p["retransmission"] and prev is not None and prev["exchange"] and c is not None and not c.get("exchange"):
                # pluto logged a retransmission and strongSwan "received retransmit of request":
                # the same request again (strongSwan logs no "parsed" line for it)
                c.update({"exchange": prev["exchange"], "type": prev["type"], "mid": prev["mid"],
                          "payloads": prev["payloads"]})
                if not c.get("uid"):
                    c["uid"] = prev["uid"]
            if p["retransmission"] and prev is not None and prev["exchange"] and c is None:
                # pluto retransmitted, strongSwan never logged it (lost): same request
                s.update({"exchange": prev["exchange"], "type": prev["type"], "mid": prev["mid"],
                          "payloads": prev["payloads"], "uid": prev["uid"]})
            elif c is not None and c.get("exchange"):
                s.update({"exchange": c["exchange"], "type": c["type"], "mid": c["mid"],
                          "payloads": c["payloads"], "uid": c["uid"]})
                if c.get("reassembled"):
                    s["whole"] = c["reassembled"]
            else:
                s.update({"exchange": None, "type": None, "mid": None, "payloads": [], "uid": None})
            self.sends.append(s)
            if p["state"] is not None:
                last_of_state[p["state"]] = s
        # the fragments of one message all get its payloads (strongSwan logs
        # them once, on the receive of the fragment that completed it)
        group = []

        def flush():
            whole = next((g["whole"] for g in group if g.get("whole")), None)
            for g in group:
                if whole:
                    g["whole"] = whole
        for s in self.sends:
            first = (s["payloads"] or [""])[0]
            if postprocess.is_frag(first) and not postprocess.is_first_frag(first):
                group.append(s)
                continue
            flush()
            group = [s] if postprocess.is_first_frag(first) else []
        flush()
        for n, p in enumerate(pl.recvs):
            c = pair(p, sw.sends, False)
            r = dict(p)
            r["idx"] = n * 2 + 1
            if c is not None:
                r.update({"exchange": c["exchange"], "type": c["type"], "mid": c["mid"],
                          "payloads": c["payloads"], "uid": c["uid"]})
            else:
                r.update({"exchange": None, "type": None, "mid": None, "payloads": None, "uid": None})
            self.recvs.append(r)
        # a request resent with the same MID/exchange is a retransmit
        seen = {}
        for s in self.sends:
            if s["type"] != "request":
                continue
            k = (s["uid"], s["exchange"], s["mid"], tuple(s["payloads"] or []), s["bytes"])
            if k in seen:
                s["retransmit"] = seen[k]
                seen[k] += 1
            else:
                seen[k] = 1
        # per strongSwan uid: the peer initiated it if it sent its first request;
        # keys: the same values strongSwan logged (pluto's lines are compared below)
        first = {}
        for s in self.sends:
            if s["uid"] and s["uid"] not in first:
                first[s["uid"]] = s
        for uid, info in sw.uid_info.items():
            mine = {"established": False, "initiated": False, "keysets": list(info.get("keysets", [])),
                    "children": [], "errors": [], "notifies": [], "states": [],
                    # the peer's ID as strongSwan logged it ("IKE_SA ... established between ...[peer id]")
                    "local_id": info.get("peer_id")}
            f = first.get(uid)
            if f is not None and f["type"] == "request" and f["exchange"] in ("IKE_SA_INIT", "ID_PROT", "AGGRESSIVE"):
                mine["initiated"] = True
            self.uid_info[uid] = mine


def sw_keysets(sw_hosts, spi_i, spi_r):
    """strongSwan's logged key sets of the IKE SA with these SPIs, host by host."""
    for h in sw_hosts:
        for uid, spis in h.uid_spis.items():
            if spis == (spi_i, spi_r):
                yield from h.uid_info.get(uid, {}).get("keysets", [])


def key_checks(pl, sw_hosts):
    """Compare the peer's logged IKEv2 keys with strongSwan's Sk_* dumps."""
    out = []
    if isinstance(pl, IkedLog):
        for k in pl.keys:
            match = None
            for ks in sw_keysets(sw_hosts, k["spi_i"], k["spi_r"]):
                v = ks.get(k["label"].replace("SK_", "Sk_") + " secret")
                if v is not None:
                    match = v == k["hex"]
            out.append({"line": k["line"], "spi_i": k["spi_i"], "spi_r": k["spi_r"],
                        "label": k["label"], "hex": k["hex"], "matches_strongswan": match})
        return out
    for k in pl.keys:
        want_i = ("Sk_ai secret", "Sk_ei secret") if k["dir"] == "I" else ("Sk_ar secret", "Sk_er secret")
        match = None
        for ks in sw_keysets(sw_hosts, k["spi_i"], k["spi_r"]):
            a, e = ks.get(want_i[0]), ks.get(want_i[1])
            if e is None:
                continue
            match = (a or "") == k["integ_key"] and e == k["encr_key"]
        out.append({"line": k["line"], "spi_i": k["spi_i"], "spi_r": k["spi_r"],
                    "direction": k["dir"],
                    "matches_strongswan": match})
    return out


KNOWN_WRONG_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known_wrong.json")


def known_wrong(scenario):
    """The scenario's known_wrong list from testdata/gen/known_wrong.json: check
    messages of flows' TestCorpus that today's ikeflow fails (not log facts;
    see testdata/corpus/INTEROP.md)."""
    try:
        return json.load(open(KNOWN_WRONG_FILE)).get(scenario, [])
    except FileNotFoundError:
        return []


def refresh_known_wrong(dirs):
    """Rewrite known_wrong in committed expected.json files from known_wrong.json."""
    for d in dirs:
        p = os.path.join(d, "expected.json")
        exp = json.load(open(p))
        if "interop" not in exp:
            continue
        exp["known_wrong"] = known_wrong(exp["scenario"])
        with open(p, "w") as f:
            json.dump(exp, f, indent=1)
            f.write("\n")


def main(work, out):
    meta = json.load(open(os.path.join(work, "meta.json")))
    peer = meta["peer"]
    sw_hosts = postprocess.load_hosts(work)
    if len(sw_hosts) != 1:
        raise SystemExit("interop: want exactly one strongSwan log, got %d" % len(sw_hosts))
    sw = sw_hosts[0]
    path = os.path.join(work, peer["key"], peer["log"])
    pl = IkedLog(path) if peer["daemon"] == "openiked" else PlutoLog(path)
    ph = PeerHost(peer["key"], peer["role"], sw, pl)
    hosts = sorted([sw, ph], key=lambda h: h.key)
    postprocess.build(work, out, hosts)

    p = os.path.join(out, "expected.json")
    exp = json.load(open(p))
    exp["schema_version"] = 2
    exp["source"] = ("derived by testdata/gen/postprocess_interop.py from the daemons' logs: the strongSwan "
                     "charon log (as postprocess.py) and %s's %s (wire lines paired with strongSwan's, "
                     "state lines, key lines); not from ikeflow, not from the capture" % (peer["daemon"], peer["log"]))
    sw_version = exp.get("daemon")
    exp["daemon"] = "%s (%s) <-> %s" % (pl.version or peer["daemon"], peer["role"], sw_version)
    exp["hosts"][peer["role"]]["log"] = peer["log"]
    exp["hosts"][peer["role"]]["daemon"] = pl.version or peer["daemon"]
    exp["hosts"][sw.role]["daemon"] = sw_version
    states = pl.states()
    exp["interop"] = {
        "peer": peer["role"],
        "peer_daemon": pl.version or peer["daemon"],
        "peer_log": peer["log"],
        "peer_states": states,
        "peer_log_excerpt": ["%s %s: %s%s" % (e["time"], "#%s" % e["state"] if e["state"] is not None else "-",
                                                "ERROR: " if e["error"] else "", e["text"])
                             for e in pl.events],
        "key_lines": key_checks(pl, sw_hosts),
        "peer_packets": {"sent": len(pl.sends), "received": len(pl.recvs),
                         "sent_not_logged_by_strongswan": sum(1 for s in ph.sends if not s["paired"]),
                         "note": "the peer's packets are paired with strongSwan's receive lines by length and ports, "
                                 "in order; strongSwan logs whole seconds, so when it logged fewer receptions than the "
                                 "peer logged sends, which copy was lost is not determined (messages[].received_by_peer "
                                 "is then a guess for those copies)",
                         "received_not_logged_by_strongswan": sum(1 for r in ph.recvs if r["exchange"] is None)},
        "esp_possible": meta.get("esp_possible", False),
        "facts": meta.get("facts", []),
    }
    # per IKE SA: the peer's own IKE SA state (pluto state number / iked SPI), in order
    mine = [st for st in states if st["kind"] == "ike"]
    kids = [st for st in states if st["kind"] == "child"]
    k = 0
    for sa in exp["ike_sas"]:
        pv = None
        if peer["role"] in (sa["initiator"], sa["responder"]) and k < len(mine):
            st = mine[k]
            k += 1
            pv = {"state": st["state"], "established": st["established"], "ended": st["ended"],
                  "delete_notification_sent": st["delete_notification_sent"],
                  "revival_scheduled": bool(st.get("revival_scheduled")),
                  "child": st.get("child"),
                  "errors": st["errors"],
                  "children": [{"state": c["state"], "established": c["established"], "child": c["child"],
                                "errors": c["errors"], "ended": c["ended"]}
                               for c in kids if c["of"] == st["state"]]}
        sa["peer_view"] = pv
        # abandoned: the peer dropped an IKE SA that strongSwan considers established without
        # sending a Delete (and the strongSwan side logged none); replaced_by: the next IKE SA the peer initiated, when
        # pluto logged that it would revive the connection
        sa["replaced_by"] = None
        if pv and pv["ended"] and not pv["delete_notification_sent"] and sa["outcome"] == "established" and \
                sa["ended"] is None and not any(x["exchange"] == "INFORMATIONAL" and x["requester"] == peer["role"]
                                                and "D" in (x["request_payloads"] or []) for x in exp["exchanges"]
                                                if x["ike_sa"] == sa["index"]):
            sa["ended"] = "abandoned"
            if pv["revival_scheduled"]:
                later = [o["index"] for o in exp["ike_sas"] if o["index"] > sa["index"] and o["initiator"] == peer["role"]]
                sa["replaced_by"] = later[0] if later else None
    # the peer could not carry ESP (no kernel ESP; shim only acknowledges): say so per child
    for c in exp["child_sas"]:
        c["esp_flows"] = bool(meta.get("esp_possible", False))
    exp["known_wrong"] = known_wrong(meta["name"])
    with open(p, "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")
    if isinstance(pl, IkedLog):
        shutil.copy(path, os.path.join(out, peer["log"]))
        exp["interop"]["peer_log_trimmed"] = ("not trimmed; every line prefixed by the generator with the wall-clock "
                                              "time it was written (iked -d prints no times)")
    else:
        kept, dropped = trim_pluto_log(path, os.path.join(out, peer["log"]))
        exp["interop"]["peer_log_trimmed"] = ("%d lines kept, %d dropped: NSS key reference counting "
                                              "(newref/delref/addref) and hex dumps other than key material" % (kept, dropped))
    with open(p, "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")
    if os.path.exists(os.path.join(work, peer["key"], "shim.log")):
        shutil.copy(os.path.join(work, peer["key"], "shim.log"), os.path.join(out, "shim.log"))


if __name__ == "__main__":
    if sys.argv[1] == "--refresh-known-wrong":
        refresh_known_wrong(sys.argv[2:])
    else:
        main(sys.argv[1], sys.argv[2])
