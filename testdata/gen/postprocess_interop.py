#!/usr/bin/env python3
"""Post-process an interop run: strongSwan plus libreswan's pluto or OpenIKED's iked.

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

Cases first met in scenarios_interop5.sh (none of them changes the earlier
scenarios' expected.json): a pluto restarted into the same log (its second
run's state numbers + 1000); several strongSwan hosts (a peer redirected to
a second gateway, StrongSwanHosts; pairs must then match addresses too); a
strongSwan copy the peer never received (its daemon was down: lost_copy);
iked requests to a strongSwan that was killed (from iked's own wire lines
and the payloads it logged parsing them).
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
PL_CHILD_REKEY = re.compile(r"rekeyed Child SA #(\d+) using #(\d+); IPsec tunnel \[(\S+) (\d+)\] -> \[(\S+) (\d+)\] \{(\S+)=>0x([0-9a-f]{8}) <0x([0-9a-f]{8}) xfrm=(\S+)")
PL_REKEY = re.compile(r"^(?:initiating rekey to replace|(?:initiator|responder) rekeyed) (IKE|Child) SA #(\d+)")
PL_CHILD_DELETE = re.compile(r"^deleting established Child SA using IKE SA #(\d+)")
PL_CHILD_V1 = re.compile(r"IPsec SA established .*\{(\S+)=>0x([0-9a-f]{8}) <0x([0-9a-f]{8}) xfrm=(\S+)")
PL_DELETE = re.compile(r"^deleting state \((\S+)\) aged \S+ and (NOT )?sending notification")
PL_NOTE = re.compile(r"^\S+ \d+ (?:sent|received)")
PL_STATE_NUM = re.compile(r"#(\d+)\b")


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


def pluto_lines(path):
    """Yields (index, time, microseconds, message) for each line of a pluto
    log written with logtime=yes (other lines are skipped)."""
    for i, raw in enumerate(open(path, encoding="utf-8", errors="replace")):
        m = PL_LINE.match(raw.rstrip("\n"))
        if m:
            yield i, m.group(1), m.group(2), m.group(3)


def pluto_version(msg):
    """"libreswan VERSION" when msg is pluto's start line, else None."""
    v = re.search(r"Starting Pluto \(Libreswan Version (\S+)", msg)
    return "libreswan " + v.group(1) if v else None


class PlutoLog:
    """Packets, state events and key lines from one pluto log. strict: also
    read the headers and payload chains of the IKEv1 messages pluto emits
    (see PLUTO_STRICT)."""

    def __init__(self, path, strict=False):
        self.path = path
        self.strict = strict
        self.sends, self.recvs, self.keys, self.events = [], [], [], []
        self.version = None
        pending_retx = {}  # pluto state -> its next send is a retransmission
        emit = None  # IKE header pluto emitted last (for a send strongSwan never logged)
        runs = 0  # pluto restarted into the same (appended) log numbers its states from #1 again
        for i, t, us, msg in pluto_lines(path):
            if pluto_version(msg):
                runs += 1
            if self.version is None:
                self.version = pluto_version(msg)
            if runs > 1:  # state numbers of the n-th run: + 1000 * (n - 1), as postprocess.py does for charon
                msg = PL_STATE_NUM.sub(lambda x: "#%d" % (int(x.group(1)) + 1000 * (runs - 1)), msg)
            if PL_EMIT_HDR.match(msg):
                emit = {"exchange": None, "flags": "", "mid": None, "payloads": [], "notify": None}
                continue
            if emit is not None and emit["mid"] is None:
                x = PL_HDR_EXCH.match(msg) or PL_HDR_FLAGS.match(msg) or PL_HDR_MID.match(msg) or \
                    PL_HDR_EXCH_V1.match(msg)
                if x and x.re is PL_HDR_EXCH and emit["exchange"] is None:
                    emit["exchange"] = x.group(1)
                elif x and x.re is PL_HDR_EXCH_V1 and strict and emit["exchange"] is None:
                    # IKEv1: strongSwan's exchange names (all IKEv1 messages are "requests" there)
                    emit["exchange"] = PL_EXCH_V1.get(x.group(1), x.group(1))
                elif x and x.re is PL_HDR_FLAGS and not emit["flags"]:
                    emit["flags"] = x.group(1)
                elif x and x.re is PL_HDR_MID:
                    emit["mid"] = int(x.group(1))
            elif emit is not None:
                x = PL_NOTIFY_TYPE.match(msg)
                if x:
                    emit["notify"] = x.group(1)
                x = PL_NOTIFY_TYPE_V1.match(msg) if strict else None
                if x:
                    emit["notify"] = PL_NOTIFY_V1.get(x.group(1), x.group(1))
                x = PL_CHAIN.match(msg) or (PL_CHAIN_V1.match(msg) if strict else None)
                if x and x.re is PL_CHAIN_V1:
                    emit["payloads"].append("N(%s)" % emit["notify"] if x.group(1) == "N"
                                            else PL_PAYLOAD_V1.get(x.group(1), x.group(1)))
                elif x and x.group(1) == "N":
                    emit["payloads"].append("N(%s)" % PL_NOTIFY.get(emit["notify"], emit["notify"]))
                elif x and x.group(1) != "SK":
                    emit["payloads"].append(PL_PAYLOAD.get(x.group(1), x.group(1)))
            s = PL_SEND.match(msg)
            if s:
                n, port = int(s.group(1)), int(s.group(3))
                if port == 4500 and s.group(6) == "UDP":
                    n -= 4  # pluto counts the non-ESP marker; strongSwan does not
                st = int(s.group(7)) if s.group(7) else None
                self.sends.append({"t": t, "us": us, "idx": i, "bytes": n, "state": st,
                                   "retransmission": st is not None and pending_retx.pop(st, False),
                                   "src": {"addr": s.group(2), "port": port},
                                   "dst": {"addr": s.group(4), "port": int(s.group(5))},
                                   "emit": emit if emit is not None and emit["exchange"] else None})
                emit = None
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
        redirected = None  # state pluto logged an active session redirect for (RFC 5685)
        for e in self.events:
            s = out.setdefault(e["state"], {"state": e["state"], "kind": None, "of": None,
                                            "initiated": False, "established": False,
                                            "child": None, "errors": [], "ended": None,
                                            "delete_notification_sent": None})
            txt = e["text"]
            if txt.startswith("initiating active session redirect to new gateway"):
                redirected = e["state"]
            if txt.startswith("initiating IKEv2") or txt.startswith("initiating IKEv1"):
                s["kind"], s["initiated"] = "ike", True
                if redirected is not None and redirected != e["state"]:
                    # the IKE SA pluto starts with the gateway it was redirected to
                    s["redirect_of"], redirected = redirected, None
            if "established IKE SA" in txt or "ISAKMP SA established" in txt:
                s["kind"], s["established"] = "ike", True
            if self.strict and txt.startswith("IKE SA established {"):
                # pluto 4.10's IKEv1 phase 1 (main mode; again after XAUTH / Mode Config)
                s["kind"], s["established"] = "ike", True
            c = re.match(r"initiating Quick Mode .*\{using isakmp#(\d+) ", txt) if self.strict else None
            if c:
                s["kind"], s["of"] = "child", int(c.group(1))
            if txt.startswith("sent IKE_SA_INIT reply"):
                # a responder's IKE SA that never got established (e.g. AUTHENTICATION_FAILED)
                s["kind"] = "ike"
            c = PL_CHILD.search(txt)
            if c:
                s["kind"], s["established"], s["of"] = "child", True, int(c.group(1))
                s["child"] = {"ts_local": c.group(2), "ts_remote": c.group(4), "encap": c.group(6),
                              "spi_out": c.group(7), "spi_in": c.group(8), "xfrm": c.group(9)}
            # IKEv2 rekeys (RFC 7296 1.3.2, 1.3.3): the new state names the one it replaces
            c = PL_REKEY.match(txt)
            if c:
                s["kind"] = "ike" if c.group(1) == "IKE" else "child"
                s["rekey_of"] = int(c.group(2))
                s["initiated"] = s["initiated"] or txt.startswith("initiating") or txt.startswith("initiator")
                s["established"] = s["established"] or "rekeyed" in txt
            c = PL_CHILD_REKEY.search(txt)
            if c:
                s["kind"], s["established"], s["of"], s["rekey_of"] = "child", True, int(c.group(2)), int(c.group(1))
                s["child"] = {"ts_local": c.group(3), "ts_remote": c.group(5), "encap": c.group(7),
                              "spi_out": c.group(8), "spi_in": c.group(9), "xfrm": c.group(10)}
            c = PL_CHILD_DELETE.match(txt)
            if c:
                # a child SA the IKE SA rekey moved (RFC 7296 2.18) is deleted on the new IKE SA
                s["ended"] = "deleted using IKE SA #" + c.group(1)
            c = PL_CHILD_V1.search(txt)
            if c and not s["child"]:
                s["kind"], s["established"] = "child", True
                s["child"] = {"encap": c.group(1), "spi_out": c.group(2), "spi_in": c.group(3), "xfrm": c.group(4)}
            if e["error"] or "fatal error" in txt or "failed" in txt or "does not match" in txt or \
                    txt.startswith("sending notification "):
                s["errors"].append(txt)
            if "second timeout exceeded after" in txt:
                # pluto gave up resending ("STATE_V2_PARENT_I2: 8 second timeout
                # exceeded after 4 retransmits")
                s["gave_up"] = True
            d = PL_DELETE.match(txt)
            if d:
                s["ended"] = "deleted in " + d.group(1)
                s["delete_notification_sent"] = d.group(2) is None
            if txt.startswith("intiating delete") or txt.startswith("initiating delete"):
                s["delete_exchange_started"] = True
            if "connection is supposed to remain up; schedule EVENT_REVIVE_CONNS" in txt:
                s["revival_scheduled"] = True
            if txt.startswith("liveness action"):
                # IKEv2 liveness (DPD) probe unanswered until retransmit-timeout: pluto gives up on the peer
                s["peer_dead"] = True
            if txt.startswith("DPD action"):
                # IKEv1 DPD: no R_U_THERE_ACK within dpdtimeout, pluto declares the peer dead
                s["peer_dead"] = True
        return [out[k] for k in sorted(out)]


IK_LINE = re.compile(r"^(\d\d:\d\d:\d\d)\.(\d{6}) (.*)$")
IK_WIRE = re.compile(r"^spi=0x([0-9a-f]{16}): (send|recv) (\S+) (req|res) (\d+) peer (\S+):(\d+) local (\S+):(\d+), (\d+) bytes")
IK_RETX = re.compile(r"^spi=0x([0-9a-f]{16}): retransmit (\d+) (\S+) req (\d+) peer (\S+):(\d+) local (\S+):(\d+)")
IK_KEY = re.compile(r"^ikev2_sa_keys: (SK_\w+) with (\d+) bytes$")
IK_HEX = re.compile(r"^(?:[0-9a-f]{2,8} ?)+$")
IK_RECV_SPIS = re.compile(r"^ikev2_recv: ispi 0x([0-9a-f]{16}) rspi 0x([0-9a-f]{16})")
IK_SPI_LINE = re.compile(r"^spi=0x([0-9a-f]{16}): (.*)$")
IK_PARSE_HDR = re.compile(r"^ikev2_pld_parse: header ispi 0x[0-9a-f]{16} rspi 0x[0-9a-f]{16} nextpayload \S+ version \S+ exchange (\S+) ")
IK_PAYLOAD = re.compile(r"^ikev2_pld_payloads: (?:decrypted )?payload (\w+) nextpayload ")
IK_NOTIFY_TYPE = re.compile(r"^ikev2_pld_notify: protoid \S+ spisize \d+ type (\w+)")
# iked's payload names -> the strongSwan short names expected.json uses (NOTIFY: N(type) from the next line)
IK_PAYLOAD_NAMES = {"NONCE": "No", "DELETE": "D", "VENDOR": "V", "NOTIFY": "N", "SKF": "EF"}
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
        first_key = 0     # index in self.keys of the key set derived last
        parsed = None     # [exchange, payloads] of the message iked parsed last (it parses each it sends)
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
            x = IK_PARSE_HDR.match(msg)
            if x:
                parsed = [x.group(1), []]
            x = IK_PAYLOAD.match(msg)
            if x and parsed is not None and x.group(1) != "SK":
                parsed[1].append(IK_PAYLOAD_NAMES.get(x.group(1), x.group(1)))
            x = IK_NOTIFY_TYPE.match(msg)
            if x and parsed is not None and parsed[1][-1:] == ["N"]:
                parsed[1][-1] = "N(%s)" % PL_NOTIFY.get(x.group(1), x.group(1))
            w = IK_WIRE.match(msg)
            if w:
                d = {"t": t, "us": us, "idx": i, "bytes": int(w.group(10)), "ispi": w.group(1),
                     "exchange": w.group(3), "type": "request" if w.group(4) == "req" else "response",
                     "mid": int(w.group(5)), "state": w.group(1), "retransmission": False}
                if w.group(2) == "send" and parsed is not None and parsed[0] == w.group(3):
                    # the payloads iked logged parsing the message it was about to send
                    # (used only when strongSwan never logged the message)
                    d["emit_payloads"] = parsed[1]
                parsed = None
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
            if msg.startswith("ikev2_sa_keys: SKEYSEED"):
                first_key = len(self.keys)
            rk = re.match(r"^ikev2_ikesa_enable: .* replaced by SA \S+ ispi 0x([0-9a-f]{16}) rspi 0x([0-9a-f]{16})", msg)
            if rk:
                # an IKE rekey: the keys just derived (logged while the old SA's
                # SPIs were current) are the new IKE SA's
                for kk in self.keys[first_key:]:
                    kk["spi_i"], kk["spi_r"] = rk.group(1), rk.group(2)
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
            if txt.startswith("established peer") or re.search(r"sa_state: \S+ -> ESTABLISHED", txt):
                # an IKE SA made by a rekey logs no "established peer" line
                s["established"] = True
            m = re.search(r"rekeyed as new IKESA 0x([0-9a-f]{16})", txt)
            if m:
                out.setdefault(m.group(1), {"state": m.group(1), "kind": "ike", "of": None, "initiated": False,
                                            "established": False, "child": None, "errors": [], "ended": None,
                                            "delete_notification_sent": None})["rekey_of"] = sid
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
            m = re.match(r"sa_free: (rekey timeout|retransmit limit reached)", txt)
            if m:
                # iked gave up on an unanswered request (an IKE SA rekey: its 120 s rekey
                # timeout; any request: 5 retransmits) and freed the SA without a Delete
                s["ended"], s["peer_dead"] = "freed: " + m.group(1), True
                s["delete_notification_sent"] = False
                s["gave_up"] = True
            if txt.startswith("ikev2_ikesa_recv_delete: received delete"):
                # iked closed the IKE SA because strongSwan deleted it (e.g. when
                # strongSwan is stopped at the end of the run): not abandoned by iked
                s["closed_by_peer_delete"] = True
        return [out[k] for k in out]


def day_seconds(t):
    """'HH:MM:SS' -> seconds since midnight."""
    h, m, sec = t.split(":")
    return int(h) * 3600 + int(m) * 60 + int(sec)


def lost_copy(sw_send, peer_recv):
    """True when strongSwan's send (logged in whole seconds) cannot be the
    packet the peer logged receiving: it would have taken 0.5 s or more on
    the namespaces' links. Such a copy was lost (e.g. the peer's daemon was
    down and its host answered with ICMP) and a later identical copy (a
    retransmission) is the one received; without this check every later
    receive of the same size would be paired one copy too early."""
    s = day_seconds(sw_send["t"])
    r = day_seconds(peer_recv["t"]) + int(peer_recv.get("us") or 0) / 1e6
    return r >= s + 1.5


class StrongSwanHosts:
    """Several strongSwan hosts seen as one by PeerHost (a peer redirected
    from one strongSwan gateway to another: scenarios_interop5.sh). Their
    send and receive records are the hosts' own (in time order); the uid of
    each record is prefixed with its host's key ("b:1", "c:1"), since every
    charon numbers its IKE SAs from 1."""

    def __init__(self, hosts):
        self.hosts = hosts
        self.uid_spis, self.uid_ver, self.uid_info = {}, {}, {}
        self._uid = {}
        self.sends, self.recvs = [], []
        for h in hosts:
            for u, v in h.uid_spis.items():
                self.uid_spis["%s:%s" % (h.key, u)] = v
            for u, v in h.uid_ver.items():
                self.uid_ver["%s:%s" % (h.key, u)] = v
            for u, v in h.uid_info.items():
                self.uid_info["%s:%s" % (h.key, u)] = v
            for rec in h.sends + h.recvs:
                self._uid[id(rec)] = "%s:%s" % (h.key, rec["uid"]) if rec.get("uid") else None
            self.sends += h.sends
            self.recvs += h.recvs
        self.sends.sort(key=lambda r: r["t"])
        self.recvs.sort(key=lambda r: r["t"])

    def uid_of(self, rec):
        return self._uid.get(id(rec))


class PeerHost:
    """A postprocess.Host look-alike for the non-strongSwan peer. strict: a
    pluto peer's packets keep the order of its log (see PLUTO_STRICT)."""

    def __init__(self, key, role, sw, pl, strict=False):
        self.key, self.role = key, role
        self.events, self.trimmed = [], None
        self.uid_spis, self.uid_ver = dict(sw.uid_spis), dict(sw.uid_ver)
        # several strongSwan hosts (StrongSwanHosts): their records' uids are
        # made unique per host, and a pair must also have the same addresses
        uid_of = getattr(sw, "uid_of", lambda c: c["uid"])
        addrs = isinstance(sw, StrongSwanHosts)
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
                if not src_is_peer and lost_copy(c, p):
                    continue
                if addrs and (c["src"]["addr"] != p["src"]["addr"] or c["dst"]["addr"] != p["dst"]["addr"]):
                    continue
                used.add(id(c))
                return c
            return None

        last_of_state = {}
        for n, p in enumerate(pl.sends):
            c = pair(p, sw.recvs, True)
            s = dict(p)
            # iked: its log's line order (sends and receives as they happened; it also
            # answers requests, e.g. strongSwan's child rekeys); pluto: as before, or
            # its log's line order too with PLUTO_STRICT
            s["idx"] = p["idx"] if isinstance(pl, IkedLog) or strict else n * 2
            s["retransmit"] = 0
            s["paired"] = c is not None
            prev = last_of_state.get(p["state"])
            if p["retransmission"] and prev is not None and prev["exchange"] and c is not None and not c.get("exchange"):
                # pluto logged a retransmission and strongSwan "received retransmit of request":
                # the same request again (strongSwan logs no "parsed" line for it)
                c.update({"exchange": prev["exchange"], "type": prev["type"], "mid": prev["mid"],
                          "payloads": prev["payloads"]})
                if not c.get("uid") and not addrs:
                    c["uid"] = prev["uid"]
            if p["retransmission"] and prev is not None and prev["exchange"] and c is None:
                # pluto retransmitted, strongSwan never logged it (lost): same request
                s.update({"exchange": prev["exchange"], "type": prev["type"], "mid": prev["mid"],
                          "payloads": prev["payloads"], "uid": prev["uid"]})
            elif c is not None and c.get("exchange"):
                s.update({"exchange": c["exchange"], "type": c["type"], "mid": c["mid"],
                          "payloads": c["payloads"], "uid": uid_of(c)})
                if c.get("reassembled"):
                    s["whole"] = c["reassembled"]
            elif c is None and isinstance(pl, IkedLog) and not p["retransmission"] and p["type"] == "request":
                # a request strongSwan never logged (its daemon was killed): iked's own wire line
                # (exchange, request/response, MID, initiator SPI) and the payloads it
                # logged parsing the message before sending it
                uid = next((u for u, sp in self.uid_spis.items() if sp[0] == p["ispi"]), None)
                s.update({"exchange": p["exchange"], "type": p["type"], "mid": p["mid"],
                          "payloads": list(p.get("emit_payloads") or []), "uid": uid})
            elif c is None and not p["retransmission"] and p.get("emit") and prev is not None and prev["uid"]:
                # strongSwan never logged it (e.g. its daemon was killed): pluto's own
                # emitted IKEv2 header, on the IKE SA of the state's previous message
                e = p["emit"]
                s.update({"exchange": e["exchange"], "mid": e["mid"], "payloads": list(e["payloads"]),
                          "type": "response" if "MSG_RESPONSE" in e["flags"] else "request", "uid": prev["uid"]})
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
            r["idx"] = p["idx"] if isinstance(pl, IkedLog) or strict else n * 2 + 1
            if c is not None:
                r.update({"exchange": c["exchange"], "type": c["type"], "mid": c["mid"],
                          "payloads": c["payloads"], "uid": uid_of(c)})
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
            if info.get("rekeyed_from") and not info.get("initiated"):
                # an IKE SA made by a rekey strongSwan answered: the peer initiated it
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


# --- two plutos (no strongSwan side) ------------------------------------------

PL_EMIT_HDR = re.compile(r"^\| \*\*emit ISAKMP Message:$")
PL_PARSE_HDR = re.compile(r"^\| \*\*parse ISAKMP Message:$")
PL_HDR_SPI = re.compile(r"^\|    (initiator|responder) SPI: ((?:[0-9a-f]{2} ? ?){8})$")
PL_HDR_EXCH = re.compile(r"^\|    exchange type: ISAKMP_v2_(\w+) ")
PL_HDR_FLAGS = re.compile(r"^\|    flags: (\S+)")
PL_HDR_MID = re.compile(r"^\|    Message ID: (\d+) ")
PL_CHAIN = re.compile(r"^\| next payload chain: setting previous .* to current .* \(\d+:ISAKMP_NEXT_v2(\w+)\)$")
PL_NOTIFY_TYPE = re.compile(r"^\|    Notify Message Type: v2N_(\w+) ")
# IKEv1 headers and payload chains as pluto emits them, with strongSwan's names
PL_HDR_EXCH_V1 = re.compile(r"^\|    exchange type: ISAKMP_XCHG_(\w+) ")
PL_CHAIN_V1 = re.compile(r"^\| next payload chain: setting previous .* to current .* \(\d+:ISAKMP_NEXT_(?!v2)(\w+)\)$")
PL_NOTIFY_TYPE_V1 = re.compile(r"^\|    Notify Message Type: v1N_(\w+) ")
PL_EXCH_V1 = {"IDPROT": "ID_PROT", "AGGR": "AGGRESSIVE", "INFO": "INFORMATIONAL_V1", "QUICK": "QUICK_MODE",
              "MODE_CFG": "TRANSACTION"}
PL_PAYLOAD_V1 = {"HASH": "HASH", "SA": "SA", "KE": "KE", "NONCE": "No", "ID": "ID", "D": "D", "VID": "V",
                 "NATD_RFC": "NAT-D", "SIG": "SIG", "CERT": "CERT", "CR": "CERTREQ"}
PL_NOTIFY_V1 = {"R_U_THERE": "DPD", "R_U_THERE_ACK": "DPD_ACK"}
PL_PROPS = re.compile(r"\{cipher=(\S+) integ=(\S+) prf=(\S+) group=(\S+)\}")
PL_OUR_ID = re.compile(r"^\|\] \"[^\"]+\":   our idtype: \S+ our id=@?(\S+?);")
PL_PEER_ID = re.compile(r"established IKE SA; authenticated peer using authby=\S+ and \S+ '@?([^']*)'")

# pluto's payload and notify names -> the strongSwan short names expected.json uses
PL_PAYLOAD = {"SA": "SA", "KE": "KE", "Ni": "No", "Nr": "No", "IDi": "IDi", "IDr": "IDr", "AUTH": "AUTH",
              "TSi": "TSi", "TSr": "TSr", "D": "D", "V": "V", "CERT": "CERT", "CERTREQ": "CERTREQ",
              "CP": "CP", "SKF": "EF"}
PL_NOTIFY = {"NAT_DETECTION_SOURCE_IP": "NATD_S_IP", "NAT_DETECTION_DESTINATION_IP": "NATD_D_IP",
             "IKEV2_FRAGMENTATION_SUPPORTED": "FRAG_SUP", "SIGNATURE_HASH_ALGORITHMS": "HASH_ALG",
             "REDIRECT_SUPPORTED": "REDIR_SUP", "INITIAL_CONTACT": "INIT_CONTACT",
             "ESP_TFC_PADDING_NOT_SUPPORTED": "ESP_TFC_PAD_N", "NON_FIRST_FRAGMENTS_ALSO": "NON_FIRST_FRAG",
             "USE_TRANSPORT_MODE": "USE_TRANSP", "CHILDLESS_IKEV2_SUPPORTED": "CHDLESS_SUP",
             "MOBIKE_SUPPORTED": "MOBIKE_SUP", "EAP_ONLY_AUTHENTICATION": "EAP_ONLY",
             "IKEV2_MESSAGE_ID_SYNC_SUPPORTED": "MSG_ID_SYN_SUP", "COOKIE": "COOKIE",
             "REKEY_SA": "REKEY_SA", "USE_PPK": "USE_PPK", "INTERMEDIATE_EXCHANGE_SUPPORTED": "INT_EX_SUP"}
PL_NOTIFY.update({v: k for k, v in postprocess.NOTIFY_SHORT.items()})  # error notifies: strongSwan's short names


def pl_group(g):
    """pluto's DH group name -> strongSwan's (MODP2048 -> MODP_2048)."""
    m = re.match(r"^(MODP|ECP|CURVE)(\d+)$", g)
    return "%s_%s" % (m.group(1), m.group(2)) if m else g


def pl_range_to_cidr(r):
    """pluto's traffic selector '10.1.0.0-10.1.0.255:0-65535' -> ['10.1.0.0/24']."""
    import ipaddress
    addrs = r.split(":")[0]
    lo, _, hi = addrs.partition("-")
    nets = ipaddress.summarize_address_range(ipaddress.ip_address(lo), ipaddress.ip_address(hi or lo))
    return [str(n) for n in nets]


class PlutoHost:
    """A postprocess.Host look-alike built from a pluto log alone (both peers
    are pluto). pluto logs every message it emits (header: SPIs, exchange,
    flags, message ID; the payload chain, notify types, inner payloads of SK)
    before its "sending N bytes" line, and the header of every message it
    parses after its "*received N bytes" line. The payloads of a received
    message are the sender's (pair_pluto_hosts)."""

    def __init__(self, key, role, path):
        self.key, self.role, self.path = key, role, path
        self.trimmed = None
        self.events, self.sends, self.recvs = [], [], []
        self.uid_spis, self.uid_ver, self.uid_info = {}, {}, {}
        self.version = None
        self.local_id = None
        self.state_uid = {}          # pluto state number -> uid (initiator SPI)
        self.child_spi_in = {}       # child state number -> its inbound SPI
        emit = None                  # message being emitted
        mode = None                  # "emit" or "parse": which kind of struct pluto is logging
        cur_recv = None              # last received packet, until its header is parsed
        parse_hdr = None
        last_send_of_state = {}
        child_prop = {}
        for i, t, us, msg in pluto_lines(path):
            if self.version is None:
                self.version = pluto_version(msg)
            o = PL_OUR_ID.match(msg)
            if o and self.local_id is None:
                self.local_id = o.group(1)
            if PL_EMIT_HDR.match(msg):
                emit = {"spi": {}, "exchange": None, "flags": "", "mid": None, "payloads": []}
                mode, pending_notify = "emit", None
                continue
            if PL_PARSE_HDR.match(msg):
                parse_hdr = {"spi": {}, "exchange": None, "flags": "", "mid": None}
                mode = "parse"
                continue
            if re.match(r"^\| \*+emit ", msg):
                mode = "emit"
            elif re.match(r"^\| \*+parse ", msg):
                mode = "parse"
            hdr = emit if mode == "emit" else parse_hdr
            if hdr is not None:
                sp = PL_HDR_SPI.match(msg)
                if sp and sp.group(1) not in hdr["spi"]:
                    hdr["spi"][sp.group(1)] = re.sub(r"\s", "", sp.group(2))
                    continue
                x = PL_HDR_EXCH.match(msg)
                if x and hdr["exchange"] is None:
                    hdr["exchange"] = x.group(1)
                    continue
                x = PL_HDR_FLAGS.match(msg)
                if x and hdr["mid"] is None and not hdr["flags"]:
                    hdr["flags"] = x.group(1)
                    continue
                x = PL_HDR_MID.match(msg)
                if x and hdr["mid"] is None:
                    hdr["mid"] = int(x.group(1))
                    if hdr is parse_hdr and cur_recv is not None:
                        self._fill(cur_recv, parse_hdr)
                        cur_recv = None
                    continue
            if emit is not None and mode == "emit":
                x = PL_NOTIFY_TYPE.match(msg)
                if x:
                    pending_notify = x.group(1)
                    continue
                x = PL_CHAIN.match(msg)
                if x:
                    name = x.group(1)
                    if name == "N":
                        emit["payloads"].append("N(%s)" % PL_NOTIFY.get(pending_notify, pending_notify))
                        pending_notify = None
                    elif name != "SK":
                        emit["payloads"].append(PL_PAYLOAD.get(name, name))
                    continue
            s = PL_SEND.match(msg)
            if s:
                n, port = int(s.group(1)), int(s.group(3))
                if s.group(6) == "TCP" or (port == 4500 or int(s.group(5)) == 4500):
                    n -= 4  # pluto counts the non-ESP marker (UDP 4500 and TCP)
                st = int(s.group(7)) if s.group(7) else None
                d = {"t": t, "us": us, "idx": i, "bytes": n, "state": st, "retransmit": 0,
                     "transport": s.group(6),
                     "src": {"addr": s.group(2), "port": port},
                     "dst": {"addr": s.group(4), "port": int(s.group(5))}}
                if emit is not None and emit["mid"] is not None:
                    self._fill(d, emit)
                    d["payloads"] = list(emit["payloads"])
                elif st in last_send_of_state:
                    prev = last_send_of_state[st]  # resent without a new emit: a retransmission
                    d.update({k: prev[k] for k in ("exchange", "type", "mid", "payloads", "uid")})
                    d["retransmit"] = prev["retransmit"] + 1
                else:
                    d.update({"exchange": None, "type": None, "mid": None, "payloads": [], "uid": None})
                emit, mode = None, None
                if st is not None:
                    last_send_of_state[st] = d
                    if d["uid"]:
                        self.state_uid.setdefault(st, d["uid"])
                self.sends.append(d)
                self.events.append({"ev": "line", "uid": d["uid"], "msg": msg})
                continue
            r = PL_RECV.match(msg)
            if r:
                d = {"t": t, "us": us, "idx": i, "bytes": int(r.group(1)), "transport": r.group(6),
                     "src": {"addr": r.group(2), "port": int(r.group(3))},
                     "dst": {"addr": r.group(4), "port": int(r.group(5))},
                     "exchange": None, "type": None, "mid": None, "payloads": None, "uid": None, "spis": None}
                self.recvs.append(d)
                cur_recv, parse_hdr = d, None
                continue
            k = PL_KEY.match(msg)
            if k:
                uid = k.group(2)
                inf = self.info(uid)
                if not inf["keysets"] or ("Sk_e%s secret" % k.group(1).lower()) in inf["keysets"][-1]:
                    inf["keysets"].append({})
                d = k.group(1).lower()
                inf["keysets"][-1]["Sk_a%s secret" % d] = k.group(5)
                inf["keysets"][-1]["Sk_e%s secret" % d] = k.group(7)
                continue
            if msg.startswith("|"):
                continue
            st = PL_STATE.match(msg)
            if not st:
                continue
            num, txt = int(st.group(1)), st.group(2)
            uid = self.state_uid.get(num)
            c = PL_CHILD.search(txt)
            if c:
                parent = self.state_uid.get(int(c.group(1)))
                if parent:
                    self.state_uid[num] = parent
                    xf = c.group(9)
                    esn = "EXT_SEQ" if "/ESN" in c.group(6) else "NO_EXT_SEQ"
                    self.info(parent)["children"].append({
                        "name": "c", "unique_id": num, "spi_in": c.group(8), "spi_out": c.group(7),
                        "ts_local": pl_range_to_cidr(c.group(2)), "ts_remote": pl_range_to_cidr(c.group(4)),
                        "proposal": "/".join(xf.split("-") + [esn])})
                    self.child_spi_in[num] = c.group(8)
                continue
            if txt.startswith("ESP traffic information") and num in self.child_spi_in:
                # logged when pluto deletes the child SA
                self.info(self.state_uid[num]).setdefault("closed_children", []).append(self.child_spi_in[num])
            # a state logged before its first send has no SPIs yet: bound after the loop
            self.events.append({"ev": "line", "uid": uid, "msg": txt, "state": num})
            if uid is None:
                continue
            inf = self.info(uid)
            inf["states"].append(txt)
            pr = PL_PROPS.search(txt)
            if pr and not inf["proposal"]:
                inf["proposal"] = "/".join([pr.group(1)] + ([pr.group(2)] if pr.group(2) not in ("n/a", "none") else [])
                                           + ["PRF_" + pr.group(3), pl_group(pr.group(4))])
            pe = PL_PEER_ID.search(txt)
            if pe:
                inf["established"] = True
                inf["peer_id"] = pe.group(1)
                inf["local_id"] = self.local_id
            d = PL_DELETE.match(txt)
            if d and "CHILD" not in d.group(1):
                inf["deleted"] = True
        # pluto logs "initiating IKEv2 connection" before its SPIs are on a send line: go back
        for e in self.events:
            if e["uid"] is None and "state" in e:
                e["uid"] = self.state_uid.get(e["state"])
                if e["uid"] and e["msg"].startswith("initiating IKEv2"):
                    self.info(e["uid"])["initiated"] = True
        for e in self.events:
            if e["uid"] and "state" in e:
                inf = self.info(e["uid"])
                if e["msg"] not in inf["states"]:
                    inf["states"].append(e["msg"])
                pr = PL_PROPS.search(e["msg"])
                if pr and not inf["proposal"]:
                    inf["proposal"] = "/".join([pr.group(1)] + ([pr.group(2)] if pr.group(2) not in ("n/a", "none") else [])
                                               + ["PRF_" + pr.group(3), pl_group(pr.group(4))])

    info = postprocess.Host.info  # the same per-IKE-SA record as a charon host's

    def _fill(self, d, hdr):
        si, sr = hdr["spi"].get("initiator", ""), hdr["spi"].get("responder", "")
        d["exchange"] = hdr["exchange"]
        d["type"] = "response" if "MSG_RESPONSE" in hdr["flags"] else "request"
        d["mid"] = hdr["mid"]
        d["uid"] = si
        d["spis"] = (si, sr, 2)
        old = self.uid_spis.get(si)
        if old is None or old[1] == "0" * 16:
            self.uid_spis[si] = (si, sr)
        self.uid_ver[si] = 2


def pair_pluto_hosts(a, b):
    """Each host's receives get exchange, MID and payloads of the other host's
    matching send (same direction, ports, IKE length, SPIs, exchange and MID as
    the receiver parsed them, in order); the state a host bound to an SPI by
    its first send also names the receives."""
    for rcv_host, snd_host in ((a, b), (b, a)):
        used = set()
        for r in rcv_host.recvs:
            for s in snd_host.sends:
                if id(s) in used or s["bytes"] != r["bytes"]:
                    continue
                if s["src"]["port"] != r["src"]["port"] or s["dst"]["port"] != r["dst"]["port"]:
                    continue
                if r["mid"] is not None and (s["mid"] != r["mid"] or s["exchange"] != r["exchange"]):
                    continue
                used.add(id(s))
                s["paired"] = True
                r["payloads"] = list(s["payloads"])
                if r["exchange"] is None:
                    r.update({"exchange": s["exchange"], "type": s["type"], "mid": s["mid"], "uid": s["uid"]})
                break
            if r["uid"] and r["uid"] not in rcv_host.uid_spis and r.get("spis"):
                rcv_host.uid_spis[r["uid"]] = r["spis"][:2]
                rcv_host.uid_ver[r["uid"]] = 2
            rcv_host.events.append({"ev": "line", "uid": r["uid"], "msg": "received"})


def main_two_pluto(work, out, meta):
    hosts = []
    for key, role in (("a", "initiator"), ("b", "responder")):
        hosts.append(PlutoHost(key, role, os.path.join(work, key, "pluto.log")))
    pair_pluto_hosts(*hosts)
    for h in hosts:
        for s in h.sends:
            s.setdefault("paired", False)
    postprocess.build(work, out, hosts)
    p = os.path.join(out, "expected.json")
    exp = json.load(open(p))
    exp["schema_version"] = 2
    exp["source"] = ("derived by testdata/gen/postprocess_interop.py from the two pluto logs (plutodebug=\"all "
                     "private\"): every message from the sender's emit lines (header, payload chain, notify "
                     "types, payloads inside SK), paired with the receiver's \"*received\" line and parsed "
                     "header; state lines; key lines. Not from ikeflow, not from the capture")
    ver = hosts[0].version or "libreswan"
    exp["daemon"] = "%s (initiator) <-> %s (responder)" % (ver, hosts[1].version or "libreswan")
    for h in hosts:
        exp["hosts"][h.role]["log"] = "pluto-%s.log" % h.role
        exp["hosts"][h.role]["daemon"] = h.version
    tcp = all(s.get("transport") == "TCP" for h in hosts for s in h.sends)
    exp["transport"] = {
        "ike_ports": exp["transport"]["ike_ports"],
        "tcp": tcp,
        "moved_to_4500": False,
        "esp_in_udp": False,
        "why": "RFC 8229 TCP encapsulation from the first message: enable-tcp=yes (initiator connects to the "
               "responder's TCP 4500, sends the 'IKETCP' stream prefix, then every IKE message as a frame "
               "of 2-octet length + 4-octet non-ESP marker + IKE message); no UDP at all. pluto logs "
               "'sending N bytes' with the 4-octet marker and '*received N bytes' without it; "
               "messages[].logged_bytes is the IKE message length",
    }
    pls = [PlutoLog(os.path.join(work, h.key, "pluto.log")) for h in hosts]
    keylines = []
    for h, pl, other in ((hosts[0], pls[0], pls[1]), (hosts[1], pls[1], pls[0])):
        for k in pl.keys:
            same = [o for o in other.keys if (o["spi_i"], o["spi_r"], o["dir"]) == (k["spi_i"], k["spi_r"], k["dir"])]
            keylines.append({"host": h.role, "line": k["line"], "spi_i": k["spi_i"], "spi_r": k["spi_r"],
                             "direction": k["dir"],
                             "matches_peer": (same[0]["integ_key"] == k["integ_key"] and
                                              same[0]["encr_key"] == k["encr_key"]) if same else None})
    exp["interop"] = {
        "peers": {h.role: {"daemon": h.version, "log": "pluto-%s.log" % h.role,
                           "states": pl.states(),
                           "log_excerpt": ["%s #%s: %s%s" % (e["time"], e["state"], "ERROR: " if e["error"] else "",
                                                             e["text"]) for e in pl.events],
                           "packets": {"sent": len(pl.sends), "received": len(pl.recvs),
                                       "sent_not_received_by_peer": sum(1 for s in h.sends if not s["paired"])}}
                  for h, pl in zip(hosts, pls)},
        "key_lines": keylines,
        "esp_possible": meta.get("esp_possible", False),
        "facts": meta.get("facts", []),
    }
    for c in exp["child_sas"]:
        c["esp_flows"] = bool(meta.get("esp_possible", False))
    exp["known_wrong"] = known_wrong(meta["name"])
    for h in hosts:
        kept, dropped = trim_pluto_log(h.path, os.path.join(out, "pluto-%s.log" % h.role))
        exp["interop"]["peers"][h.role]["log_trimmed"] = (
            "%d lines kept, %d dropped: NSS key reference counting (newref/delref/addref) and hex dumps "
            "other than key material" % (kept, dropped))
        shim = os.path.join(work, h.key, "shim.log")
        if os.path.exists(shim):
            shutil.copy(shim, os.path.join(out, "shim-%s.log" % h.role))
    with open(p, "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")


# meta.json "pluto_strict" (set by scenarios_interop4.sh; recorded as
# expected.json interop.pluto_strict): read a pluto log more closely. (1) Its
# sends and receives keep the order of pluto's log; without it they alternate
# (send n, receive n, send n+1, ...), which misorders exchanges pluto answers
# (IKEv1 XAUTH: strongSwan's CFG_REQUEST is received before pluto's CFG_REPLY
# is sent). (2) An IKEv1 message strongSwan never logged (its daemon was
# killed) gets exchange, message ID and payloads from pluto's emit lines, as
# IKEv2 ones always do. (3) pluto 4.10's IKEv1 "IKE SA established {...}"
# counts as established and each quick mode ("initiating Quick Mode ...
# {using isakmp#N") is a child of its ISAKMP SA in peer_view. Off for the
# scenarios generated before it: their expected.json was made without it and
# stays as committed.
PLUTO_STRICT = "pluto_strict"

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
    if peer["key"] == "both":
        return main_two_pluto(work, out, meta)
    sw_hosts = postprocess.load_hosts(work)
    if not sw_hosts:
        raise SystemExit("interop: no strongSwan log")
    # one strongSwan peer, or several (a peer redirected to another strongSwan gateway)
    sw = sw_hosts[0] if len(sw_hosts) == 1 else StrongSwanHosts(sw_hosts)
    path = os.path.join(work, peer["key"], peer["log"])
    strict = bool(meta.get(PLUTO_STRICT))
    pl = IkedLog(path) if peer["daemon"] == "openiked" else PlutoLog(path, strict)
    ph = PeerHost(peer["key"], peer["role"], sw, pl, strict)
    # an IKE SA a strongSwan host made by answering the peer's IKE rekey and logged
    # nothing about in its own context (all in the old SA's: the daemon was killed
    # right after), on which the peer sent requests strongSwan never logged: one
    # line event at the end of that host's events, so that postprocess.build
    # finds the SA (after the ones it logged) and attaches the host's view of it
    used_uids = {s["uid"] for s in ph.sends if s["uid"]}
    for h in sw_hosts:
        own = {e["uid"] for e in h.events if e["ev"] == "line" and e["uid"]}
        for uid, info in h.uid_info.items():
            key = uid if len(sw_hosts) == 1 else "%s:%s" % (h.key, uid)
            if info.get("rekeyed_from") and uid not in own and key in used_uids and uid in h.uid_spis:
                h.events.append({"ev": "line", "t": None, "thread": None, "grp": None, "name": None,
                                 "uid": uid, "msg": ""})
    hosts = sorted(sw_hosts + [ph], key=lambda h: h.key)
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
    for h in sw_hosts:
        exp["hosts"][h.role]["daemon"] = sw_version
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
        **({PLUTO_STRICT: True} if strict else {}),
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
                  "gave_up": bool(st.get("gave_up")),
                  "child": st.get("child"),
                  "errors": st["errors"],
                  "children": [{"state": c["state"], "established": c["established"], "child": c["child"],
                                "errors": c["errors"], "ended": c["ended"],
                                **({"rekey_of": c["rekey_of"]} if c.get("rekey_of") else {})}
                               for c in kids if c["of"] == st["state"]]}
            if st.get("rekey_of"):
                pv["rekey_of"] = st["rekey_of"]
            if st.get("closed_by_peer_delete"):
                pv["closed_by_peer_delete"] = True
            if st.get("redirect_of"):
                # pluto followed a REDIRECT of the IKE SA of its state redirect_of (RFC 5685)
                pv["redirect_of"] = st["redirect_of"]
                old = [o["index"] for o in exp["ike_sas"] if (o.get("peer_view") or {}).get("state") == st["redirect_of"]]
                if old and sa.get("redirect_of") is None:
                    sa["redirect_of"] = old[0]
        sa["peer_view"] = pv
        # abandoned: the peer dropped an IKE SA that strongSwan considers established without
        # sending a Delete (and the strongSwan side logged none); replaced_by: the next IKE SA the peer initiated, when
        # pluto logged that it would revive the connection
        # (postprocess.py's replaced_by, for an SA a strongSwan host destroyed on INITIAL_CONTACT, is kept)
        sa["replaced_by"] = sa.get("replaced_by")
        if pv and st.get("peer_dead") and sa["outcome"] == "established" and sa["ended"] is None:
            pv["peer_dead"] = True
            sa["ended"] = "peer_dead"
        if pv and pv["ended"] and not pv["delete_notification_sent"] and sa["outcome"] == "established" and \
                sa["ended"] is None and not pv.get("closed_by_peer_delete") and \
                not any(x["exchange"] == "INFORMATIONAL" and x["requester"] == peer["role"]
                        and "D" in (x["request_payloads"] or []) for x in exp["exchanges"]
                        if x["ike_sa"] == sa["index"]):
            sa["ended"] = "abandoned"
            if pv["revival_scheduled"]:
                later = [o["index"] for o in exp["ike_sas"] if o["index"] > sa["index"] and o["initiator"] == peer["role"]]
                sa["replaced_by"] = later[0] if later else None
    # An IKE SA the peer (pluto) initiated and gave up after resending its request
    # into silence, which the strongSwan responder never saw established: failed by
    # timeout, as postprocess.py says of a strongSwan initiator that gives up
    for sa in exp["ike_sas"]:
        pv = sa.get("peer_view")
        if pv and pv.get("gave_up") and not pv["established"] and sa["outcome"] == "not_established":
            sa["outcome"] = "failed_timeout"
            if exp["outcome"] == "not_established":
                exp["outcome"] = "failed_timeout"
    # IKEv1 phase 1 the peer refused with a notify it logged sending (pluto: "received Hash
    # Payload does not match computed value", "sending notification INVALID_HASH_INFORMATION"),
    # while strongSwan, which ignores such unprotected notifies, logs no failure of its own
    for sa in exp["ike_sas"]:
        pv = sa.get("peer_view")
        sent = [e[len("sending notification "):].split()[0] for e in (pv or {}).get("errors", [])
                if e.startswith("sending notification ")]
        if sent and sa["outcome"] == "not_established" and not pv["established"]:
            sa["outcome"], sa["error_notify"] = "failed", sent[0]
            if sent[0] not in exp["error_notifies"]:
                exp["error_notifies"].append(sent[0])
            if exp["outcome"] == "not_established":
                exp["outcome"] = "failed"
    # strongSwan resending a response (IKEv1: its last phase-1 message, until the
    # initiator's next one arrives): "sending retransmit N of response message ID M"
    n_resp = {}
    for line in (ln for h in sw_hosts for ln in open(h.path, encoding="utf-8", errors="replace")):
        m = re.search(r"<(?:[^|>]*\|)?(\d+)> sending retransmit (\d+) of response message ID (\d+)", line)
        if m:
            n_resp[(int(m.group(1)), int(m.group(3)))] = int(m.group(2))
    for (uid, mid), n in sorted(n_resp.items()):
        for i, x in enumerate(exp["exchanges"]):
            if x["mid"] == mid and x["requester"] == peer["role"] and x["response_sends"] <= 1 and \
                    len(exp["ike_sas"]) == 1 and not any(r["exchange"] == i for r in exp["retransmits"]):
                exp["retransmits"].append({"exchange": i, "name": x["exchange"], "mid": mid,
                                           "requester": x["requester"], "count": n,
                                           "retransmitted": "response"})
                x["response_sends"] = 1 + n
                break
    # the peer could not carry ESP (no kernel ESP; shim only acknowledges): say so per child;
    # esp_sent_by (scenarios_samepeers2.sh): the one host whose ESP the capture holds
    for c in exp["child_sas"]:
        c["esp_flows"] = bool(meta.get("esp_possible", False))
        if meta.get("esp_sent_by"):
            c["esp_sent_by"] = meta["esp_sent_by"]
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
