#!/usr/bin/env python3
"""Turn one scenario's raw run (charon logs, capture) into corpus files.

usage: postprocess.py WORKDIR OUTDIR

Reads WORKDIR/{a,b,c}/charon.log and WORKDIR/meta.json, writes to OUTDIR:
capture.pcap, charon-<host>.log (trimmed), ikev2_decryption_table or
ikev1_decryption_table (Wireshark UAT), expected.json. Everything in
expected.json comes from the daemons' logs; nothing is taken from ikeflow or
from the capture.
"""
import json
import os
import re
import shutil
import sys

HOSTS = [("a", "initiator"), ("b", "responder"), ("c", "initiator2")]

LINE = re.compile(r"^(\d\d:\d\d:\d\d) (\d\d)\[(\w+)\] (?:<(?:([^|>]*)\|)?(\d+)> )?(.*)$")
DUMP_HDR = re.compile(r"^(.*?) => (\d+) bytes @ 0x[0-9a-f]+$")
DUMP_ROW = re.compile(r"^\s*\d+: ((?:[0-9A-F]{2} ){1,16})")
KEEP_DUMPS = re.compile(r"^(Sk_(d|ai|ar|ei|er|pi|pr) secret|SKEYID(_d|_a|_e)?|encryption key Ka|initial IV)$")
DROP_LINE = re.compile(r"(queueing \S+ task|activating \S+ task|activating new tasks|^  ?\S+ task$|reinitiating already active tasks|nothing to initiate)")
ENDPOINT = re.compile(r"(\S+)\[(\d+)\]")

# strongSwan's short notify names in payload lists -> RFC names
NOTIFY_SHORT = {
    "NO_PROP": "NO_PROPOSAL_CHOSEN", "AUTH_FAILED": "AUTHENTICATION_FAILED",
    "TS_UNACCEPT": "TS_UNACCEPTABLE", "INVAL_KE": "INVALID_KE_PAYLOAD",
    "INVAL_SYN": "INVALID_SYNTAX", "NO_ADD_SAS": "NO_ADDITIONAL_SAS",
    "CHLD_SA_NOT_FOUND": "CHILD_SA_NOT_FOUND", "TEMP_FAIL": "TEMPORARY_FAILURE",
    "INVAL_ID": "INVALID_ID_INFORMATION", "PLD_MAL": "PAYLOAD_MALFORMED",
    "INVAL_PLD_TYPE": "INVALID_PAYLOAD_TYPE",
    "INT_ADDR_FAIL": "INTERNAL_ADDRESS_FAILURE", "FAIL_CP_REQ": "FAILED_CP_REQUIRED",
}

WS_ENCR = {
    "AES_CBC_128": "AES-CBC-128 [RFC3602]", "AES_CBC_192": "AES-CBC-192 [RFC3602]",
    "AES_CBC_256": "AES-CBC-256 [RFC3602]", "3DES_CBC": "3DES [RFC2451]",
    "AES_CTR_128": "AES-CTR-128 [RFC5930]", "AES_CTR_192": "AES-CTR-192 [RFC5930]",
    "AES_CTR_256": "AES-CTR-256 [RFC5930]",
}
for icv in (8, 12, 16):
    for bits in (128, 192, 256):
        WS_ENCR["AES_GCM_%d_%d" % (icv, bits)] = "AES-GCM-%d with %d octet ICV [RFC5282]" % (bits, icv)
        WS_ENCR["AES_CCM_%d_%d" % (icv, bits)] = "AES-CCM-%d with %d octet ICV [RFC5282]" % (bits, icv)
WS_INTEG = {
    "HMAC_MD5_96": "HMAC_MD5_96 [RFC2403]", "HMAC_SHA1_96": "HMAC_SHA1_96 [RFC2404]",
    "HMAC_SHA2_256_128": "HMAC_SHA2_256_128 [RFC4868]",
    "HMAC_SHA2_384_192": "HMAC_SHA2_384_192 [RFC4868]",
    "HMAC_SHA2_512_256": "HMAC_SHA2_512_256 [RFC4868]",
    None: "NONE [RFC4306]",
}
AEAD = ("AES_GCM", "AES_CCM", "CHACHA20_POLY1305")


def is_frag(p):
    """A fragment's payload list entry: IKEv2 SKF "EF(2/5)", IKEv1 fragment "FRAG(2)" / "FRAG(3/3)"."""
    return p.startswith("EF(") or p.startswith("FRAG(")


def is_first_frag(p):
    """The first fragment of a message ("EF(1/5)", "FRAG(1)", "FRAG(1/1)")."""
    return p.startswith("EF(1/") or p == "FRAG(1)" or p.startswith("FRAG(1/")


def split_payloads(s):
    """charon's payload list "HASH CPRQ(X_USER X_PWD)" -> ["HASH", "CPRQ(X_USER X_PWD)"]:
    split on blanks outside parentheses (configuration attribute lists)."""
    out, depth = [], 0
    for w in (s or "").split():
        if depth and out:
            out[-1] += " " + w
        else:
            out.append(w)
        depth += w.count("(") - w.count(")")
    return out


def ep(s):
    m = ENDPOINT.match(s)
    return {"addr": m.group(1), "port": int(m.group(2))}


# IKE_SA c[N] / (unnamed)[N] / CHILD_SA net{N} (not addr[port])
RESTART_IDS = re.compile(r"(^|[\s(])([A-Za-z_][\w-]*|\(unnamed\))([\[{])(\d+)([\]}])")


def parse_log(path):
    """Return (events, trimmed_lines). Events are dicts in log order."""
    events, trimmed = [], []
    dump = None  # (label, uid, hexparts, keep)
    starts = 0   # a daemon restarted into the same (appended) log numbers its SAs from 1 again
    for raw in open(path, encoding="utf-8", errors="replace"):
        raw = raw.rstrip("\n")
        m = LINE.match(raw)
        if not m:
            continue
        t, thread, grp, name, uid, msg = m.groups()
        if msg.startswith("Starting IKE charon daemon"):
            starts += 1
        if starts > 1:  # IKE_SA/CHILD_SA unique ids of the n-th run: + 1000 * (n - 1)
            off = 1000 * (starts - 1)
            uid = str(int(uid) + off) if uid else uid
            msg = RESTART_IDS.sub(lambda x: x.group(1) + x.group(2) + x.group(3) + str(int(x.group(4)) + off) + x.group(5), msg)
        row = DUMP_ROW.match(msg)
        if dump is not None and row:
            dump[2].append(row.group(1).replace(" ", ""))
            if dump[3]:
                trimmed.append(raw)
            continue
        if dump is not None:
            if dump[3]:
                events.append({"ev": "key", "t": t, "uid": dump[1], "label": dump[0],
                               "hex": "".join(dump[2]).lower()})
            dump = None
        h = DUMP_HDR.match(msg)
        if h:
            keep = bool(KEEP_DUMPS.match(h.group(1)))
            dump = (h.group(1), uid, [], keep)
            if keep:
                trimmed.append(raw)
            continue
        if DROP_LINE.search(msg):
            continue
        trimmed.append(raw)
        events.append({"ev": "line", "t": t, "thread": thread, "grp": grp,
                       "name": name, "uid": uid, "msg": msg})
    if dump is not None and dump[3]:
        events.append({"ev": "key", "t": "", "uid": dump[1], "label": dump[0],
                       "hex": "".join(dump[2]).lower()})
    return events, trimmed


GEN = re.compile(r"^generating (\S+) (request|response) (\d+) \[ ?(.*?) ?\]$")
PARSED = re.compile(r"^parsed (\S+) (request|response) (\d+) \[ ?(.*?) ?\]$")
SEND = re.compile(r"^sending packet: from (\S+) to (\S+) \((\d+) bytes\)$")
RECV = re.compile(r"^received packet: from (\S+) to (\S+) \((\d+) bytes\)$")
RETX = re.compile(r"^(?:sending )?retransmit (\d+) of request (?:with )?message ID (\d+)(?:, seq \d+)?$")
CHECKIN = re.compile(r"^checkin (?:and destroy )?IKEv([12]) SA \S*?(?:\[(\d+)\])? with SPIs ([0-9a-f]{16})_i ([0-9a-f]{16})_r$")
CHECKOUT_MSG = re.compile(r"^checkout IKEv([12]) SA by message with SPIs ([0-9a-f]{16})_i ([0-9a-f]{16})_r$")
ESTAB = re.compile(r"^IKE_SA (\S+)\[(\d+)\] established between (\S+)\[(.*?)\]\.\.\.(\S+)\[(.*?)\]$")
CHILD_EST = re.compile(r"^(?:inbound |outbound )?CHILD_SA (\S+)\{(\d+)\} established with SPIs ([0-9a-f]{8})_i(?: \([^)]*\))? ([0-9a-f]{8})_o(?: \([^)]*\))? and TS (.*?) === (.*)$")
CHILD_CLOSE = re.compile(r"^closing (?:expired )?CHILD_SA (\S+)\{(\d+)\} with SPIs ([0-9a-f]{8})_i")
SELECTED = re.compile(r"^selected proposal: (IKE|ESP):(\S+)$")
NOTIFY_ERR = re.compile(r"^received (\S+) (?:notify error|error notify)$")
NOTIFY_ANY = re.compile(r"^received (\S+) notify")
REASM = re.compile(r"^received fragment #\d+, reassembled fragmented IKE message \((\d+) bytes\)$")
INIT_V1 = re.compile(r"^initiating (?:Main|Aggressive) Mode IKE_SA \S*?\[(\d+)\]")
# IKEv2: a reauthentication (or a DPD/close restart) initiates the new IKE SA
# in the old one's log context; its IKE_SA_INIT belongs to the new SA
INIT_V2 = re.compile(r"^initiating IKE_SA \S*?\[(\d+)\] to ")
XAUTH = re.compile(r"^XAuth authentication of '(.*?)' (?:\(myself\) )?(successful|failed)$")
VIP = re.compile(r"^(?:installing new virtual IP|assigning virtual IP) (\S+)")
VERSION = re.compile(r"^IKE_SA \S+\[\d+\] state change: (\S+) => (\S+)$")


class Host:
    def __init__(self, key, role, path):
        self.key, self.role, self.path = key, role, path
        self.events, self.trimmed = parse_log(path)
        self.sends, self.recvs = [], []
        self.uid_spis, self.uid_ver = {}, {}
        self.uid_info = {}
        self.collisions = []  # "detected X_REKEY collision with Y" lines, in order
        self.walk()

    def info(self, uid):
        return self.uid_info.setdefault(uid, {
            "established": False, "peer_id": None, "local_id": None, "proposal": None,
            "errors": [], "notifies": [], "children": [], "states": [], "initiated": False,
            "keysets": [], "rekeyed_from": None, "give_up": False, "deleted": False, "rekeyed": False,
            "lines": []})

    def walk(self):
        queued = {}      # uid -> receives charon queued unparsed ("as tasks still active")
        reauth_ctx = {}  # thread -> uid of the IKEv1 SA being initiated in another SA's context
        pend = {}        # thread -> list of generated message descriptors
        retx = {}        # thread -> (retx number, mid)
        last_req = {}    # uid -> descriptor of last sent request
        last_recv = {}   # thread -> recv record waiting for its "parsed"
        last_checkout = {}  # thread -> spis from "checkout by message"
        child_prop = {}
        last_parsed_req = {}  # (uid, mid) -> parsed request fields
        last_resp = {}        # uid -> last sent response (list of fragments)
        resend = {}           # thread -> response fragments being re-sent
        last_frag = {}        # thread -> recv record of the fragment parsed last
        reasm = {}            # thread -> recv record of the fragment that completed a message
        reasm_size = {}       # (uid, bytes) -> that record, until the reassembled receive is logged
        redirect = {}         # thread -> uid of the IKE SA the next generated message is for
        last_uid = {}         # thread -> uid of the IKE SA its previous line was logged for
        for i, e in enumerate(self.events):
            if e["ev"] == "key":
                if e["uid"]:
                    ks = self.info(e["uid"])["keysets"]
                    if not ks or e["label"] in ks[-1] or e["label"] in ("Sk_d secret", "SKEYID"):
                        ks.append({})
                    ks[-1][e["label"]] = e["hex"]
                continue
            msg, uid, th = e["msg"], e["uid"], e["thread"]
            # IKEv1 reauthentication: charon initiates the new ISAKMP SA
            # c[N] in the old SA's log context (<c|old>) until it checks
            # the new one in; those lines belong to c[N]
            uid = reauth_ctx.get(th, uid)
            m = INIT_V1.match(msg)
            if m and uid and m.group(1) != uid:
                self.info(m.group(1))["reauth_of"] = uid
                reauth_ctx[th] = uid = m.group(1)
            m = INIT_V2.match(msg)
            # (an IKE rekey, "=> REKEYING", logs it too, but its CREATE_CHILD_SA
            # is the old SA's exchange)
            if m and uid and m.group(1) != uid and not next(
                    (ln for ln in reversed(self.info(uid)["lines"]) if " state change: " in ln),
                    "").endswith("=> REKEYING"):
                if "reauthenticating IKE_SA" in " ".join(self.info(uid)["lines"]):
                    self.info(m.group(1))["reauth_of"] = uid
                elif any(ln.startswith("redirected to ") for ln in self.info(uid)["lines"]):
                    # RFC 5685: the client follows a REDIRECT of an established
                    # SA with a new IKE SA to the other gateway
                    self.info(m.group(1))["redirect_of"] = uid
                reauth_ctx[th] = uid = m.group(1)
            if uid:
                self.info(uid)["lines"].append(msg)
            # a responder replacing an IKE SA on INITIAL_CONTACT logs this in
            # the old SA's context, in the thread handling the new SA's IKE_AUTH
            if uid and last_uid.get(th) not in (None, uid) and re.match(
                    r"^destroying duplicate IKE_SA for peer '.*', received INITIAL_CONTACT$", msg):
                self.info(uid)["initial_contact_by"] = last_uid[th]
            m = re.match(r"^(?:redirecting peer|redirected) to (\S+)$", msg)
            if m and uid:
                self.info(uid)["redirected_to"] = m.group(1)
            if uid:
                last_uid[th] = uid
            m = CHECKOUT_MSG.match(msg)
            if m:
                last_checkout[th] = (m.group(2), m.group(3), int(m.group(1)))
                continue
            m = CHECKIN.match(msg)
            if m and uid:
                if m.group(2) and reauth_ctx.get(th) == m.group(2):
                    del reauth_ctx[th]
                # an IKE SA created by a rekey is checked in in the old SA's
                # context (<c|1> ... c[2]): the SPIs are c[2]'s
                key = m.group(2) or uid
                self.uid_ver[key] = int(m.group(1))
                self.uid_spis[key] = (m.group(3), m.group(4))
                continue
            m = GEN.match(msg)
            if m:
                d = {"exchange": m.group(1), "type": m.group(2), "mid": int(m.group(3)),
                     "payloads": split_payloads(m.group(4)), "uid": redirect.pop(th, uid)}
                lst = pend.setdefault(th, [])
                if d["payloads"] and is_frag(d["payloads"][0]):
                    # fragment of the message generated just before
                    if lst and not lst[-1]["payloads"][:1] == [] and not is_frag(lst[-1]["payloads"][0]):
                        whole = lst.pop()
                        d["whole"] = whole["payloads"]
                    elif lst:
                        d["whole"] = lst[-1].get("whole")
                lst.append(d)
                retx.pop(th, None)
                continue
            m = RETX.match(msg)
            if m:
                retx[th] = (int(m.group(1)), int(m.group(2)))
                continue
            m = re.match(r"^received retransmit of request with ID (\d+), retransmitting response$", msg)
            if m:
                r = last_recv.pop(th, None)
                d = last_parsed_req.get((uid, int(m.group(1))))
                if r is not None and d:
                    r.update({k: v for k, v in d.items()})
                    r["retransmit_seen"] = True
                if uid in last_resp:
                    resend[th] = last_resp[uid]
                continue
            m = SEND.match(msg)
            if m and th in resend:
                s = {"t": e["t"], "src": ep(m.group(1)), "dst": ep(m.group(2)),
                     "bytes": int(m.group(3)), "uid": uid, "idx": i, "retransmit": 0,
                     "response_resend": True}
                s.update({k: v for k, v in resend[th][0].items() if k != "uid"})
                resend[th] = resend[th][1:]
                if not resend[th]:
                    del resend[th]
                self.sends.append(s)
                continue
            if m:
                s = {"t": e["t"], "src": ep(m.group(1)), "dst": ep(m.group(2)),
                     "bytes": int(m.group(3)), "uid": uid, "idx": i, "retransmit": 0}
                if th in retx and uid in last_req:
                    n, mid = retx[th]
                    s.update({k: v for k, v in last_req[uid][0].items() if k != "uid"})
                    s["retransmit"] = n
                    # fragments: cycle through the stored request's fragments
                    frags = last_req[uid]
                    k = last_req.setdefault("_k" + uid, [0])
                    s.update({kk: vv for kk, vv in frags[k[0] % len(frags)].items() if kk != "uid"})
                    k[0] += 1
                elif pend.get(th):
                    d = pend[th].pop(0)
                    s.update({k: v for k, v in d.items() if k != "uid"})
                    uid = s["uid"] = d["uid"] or uid  # redirected (Delete of a redundant IKE SA)
                    if d["type"] == "response" and uid:
                        if d["payloads"][:1] and is_frag(d["payloads"][0]) and \
                                not is_first_frag(d["payloads"][0]) and uid in last_resp:
                            last_resp[uid].append(d)
                        else:
                            last_resp[uid] = [d]
                    if d["type"] == "request" and uid:
                        if d["payloads"] and is_frag(d["payloads"][0]) and \
                                uid in last_req and last_req[uid][0]["mid"] == d["mid"] and \
                                last_req[uid][0]["exchange"] == d["exchange"] and \
                                last_req[uid][-1]["payloads"] != d["payloads"] and \
                                not is_first_frag(d["payloads"][0]):
                            last_req[uid].append(d)
                        else:
                            last_req[uid] = [d]
                            last_req["_k" + uid] = [0]
                else:
                    s.update({"exchange": None, "type": None, "mid": None, "payloads": []})
                self.sends.append(s)
                continue
            m = REASM.match(msg)
            if m and th in last_frag:
                # IKEv1: charon logs the reassembled message as one more
                # "received packet" of its length (never on the wire, maybe
                # in another thread), then parses it
                reasm_size[(uid, int(m.group(1)))] = last_frag.pop(th)
                continue
            m = RECV.match(msg)
            if m and (uid, int(m.group(3))) in reasm_size:
                reasm[th] = reasm_size.pop((uid, int(m.group(3))))
                last_recv.pop(th, None)
                continue
            if m:
                r = {"t": e["t"], "src": ep(m.group(1)), "dst": ep(m.group(2)),
                     "bytes": int(m.group(3)), "uid": uid, "idx": i, "exchange": None,
                     "type": None, "mid": None, "payloads": None,
                     "spis": last_checkout.pop(th, None)}
                self.recvs.append(r)
                last_recv[th] = r
                if r["spis"] and uid and uid not in self.uid_spis:
                    self.uid_spis[uid] = r["spis"][:2]
                    self.uid_ver[uid] = r["spis"][2]
                continue
            m = re.match(r"^queueing \S+ request as tasks still active$", msg)
            if m:
                # IKEv1: a request that arrived while the SA was busy (e.g.
                # XAUTH CFG_REQUEST overtaking MM6); another thread parses it later
                r = last_recv.pop(th, None)
                if r is not None:
                    queued.setdefault(uid, []).append(r)
                continue
            m = PARSED.match(msg)
            if m:
                r = last_recv.pop(th, None)
                if r is None and th not in reasm and queued.get(uid):
                    r = queued[uid].pop(0)
                pl = split_payloads(m.group(4))
                if r is None and th in reasm:
                    reasm.pop(th)["reassembled"] = pl
                    continue
                if r is not None and pl and is_frag(pl[0]):
                    last_frag[th] = r
                if r is not None:
                    r.update({"exchange": m.group(1), "type": m.group(2),
                              "mid": int(m.group(3)), "payloads": pl})
                    if uid and not r["uid"]:
                        r["uid"] = uid
                    if m.group(2) == "request":
                        last_parsed_req[(uid, int(m.group(3)))] = {
                            "exchange": m.group(1), "type": "request", "mid": int(m.group(3)),
                            "payloads": pl}
                elif self.recvs and pl and not is_frag(pl[0]):
                    # reassembled message from fragments
                    self.recvs[-1]["reassembled"] = pl
                continue
            if not uid:
                continue
            inf = self.info(uid)
            m = ESTAB.match(msg)
            if m:
                inf["established"] = True
                inf["local_id"], inf["peer_id"] = m.group(4), m.group(6)
                continue
            m = re.match(r"^initiating IKE_SA \S+?\[(\d+)\]", msg)
            if m:
                # an IKE rekey's new SA is initiated in the old SA's context
                self.info(m.group(1))["initiated"] = True
            elif msg.startswith("initiating Main Mode") or msg.startswith("initiating Aggressive Mode"):
                inf["initiated"] = True
            m = re.match(r"^sending DELETE for IKE_SA \S+?\[(\d+)\]$", msg)
            if m and m.group(1) != uid:
                # simultaneous IKE rekey (RFC 7296 2.8.2): the loser deletes
                # its redundant new IKE SA from the old SA's context
                redirect[th] = m.group(1)
            m = re.match(r"^IKE_SA rekey collision lost, deleting redundant IKE_SA \S+?\[(\d+)\]$", msg)
            if m and len(inf["keysets"]) > 1:
                # its keys were logged just before, in the old SA's context
                los = self.info(m.group(1))
                los["keysets"].append(inf["keysets"].pop())
                los["proposal"] = inf["proposal"]
                los["rekeyed_from"] = uid
            m = SELECTED.match(msg)
            if m:
                if m.group(1) == "IKE":
                    inf["proposal"] = m.group(2)
                else:
                    child_prop[uid] = m.group(2)
                continue
            m = CHILD_EST.match(msg)
            if m and any(c["spi_in"] == m.group(3) for c in inf["children"]):
                continue
            if m:
                inf["children"].append({
                    "name": m.group(1), "unique_id": int(m.group(2)),
                    "spi_in": m.group(3), "spi_out": m.group(4),
                    "ts_local": m.group(5).split(), "ts_remote": m.group(6).split(),
                    "proposal": child_prop.get(uid)})
                continue
            m = CHILD_CLOSE.match(msg)
            if m:
                inf.setdefault("closed_children", []).append(m.group(3))
                if re.search(r"_i \(0 bytes\) [0-9a-f]{8}_o \(0 bytes\)", msg):
                    inf.setdefault("idle_children", []).append(m.group(3))
                continue
            m = NOTIFY_ERR.match(msg)
            if m:
                inf["errors"].append(m.group(1))
                continue
            m = NOTIFY_ANY.match(msg)
            if m:
                inf["notifies"].append(m.group(1))
            m = VERSION.match(msg)
            if m:
                inf["states"].append(m.group(2))
            m = XAUTH.match(msg)
            if m:
                inf["xauth"] = {"user": m.group(1), "result": m.group(2)}
                continue
            m = VIP.match(msg)
            if m:
                inf["virtual_ip"] = m.group(1)
                continue
            if msg.startswith("giving up after") or "peer not responding" in msg or \
                    msg.startswith("DPD check timed out"):
                inf["give_up"] = True
            if "deleted" in msg and "IKE_SA" in msg or msg.startswith("received DELETE for IKE_SA"):
                inf["deleted"] = True
            # simultaneous rekeys (RFC 7296 2.8.1, 2.8.2): charon logs the
            # collision it detects in the context of the SA whose exchange
            # collided, and which side won
            m = re.match(r"^detected (IKE|CHILD)_REKEY collision with (\S+)$", msg)
            if m and uid:
                self.collisions.append({"uid": uid, "type": m.group(1), "with": m.group(2)})
                continue
            m = re.match(r"^(IKE|CHILD)_SA rekey collision (won|lost)", msg)
            if m and uid:
                for c in reversed(self.collisions):
                    if c["uid"] == uid and c["type"] == m.group(1) and "result" not in c:
                        c["result"] = m.group(2)
                        break
                continue
            m = re.match(r"^IKE_SA (\S+)\[(\d+)\] rekeyed between (\S+)\[(.*?)\]\.\.\.(\S+)\[(.*?)\]$", msg)
            if m:
                # logged in the old SA's context; the new SA's keys were logged just before
                inf["rekeyed"] = True
                new = self.info(m.group(2))
                new["established"] = True
                new["rekeyed_from"] = uid
                new["local_id"], new["peer_id"] = m.group(4), m.group(6)
                new["proposal"] = inf["proposal"]
                if len(inf["keysets"]) > 1:
                    new["keysets"].append(inf["keysets"].pop())


def norm_notify(p):
    m = re.match(r"^N\((.*)\)$", p)
    if not m:
        return None
    return NOTIFY_SHORT.get(m.group(1), m.group(1))


def load_hosts(work):
    """The strongSwan hosts of a run: one Host per WORKDIR/{a,b,c}/charon.log."""
    hosts = []
    for key, role in HOSTS:
        p = os.path.join(work, key, "charon.log")
        if os.path.exists(p):
            hosts.append(Host(key, role, p))
    return hosts


def build(work, out, hosts=None):
    """Write OUTDIR's files. hosts defaults to load_hosts(work); the interop
    post-processor passes a non-strongSwan peer as well (a Host-like object
    whose trimmed log is None: its raw log is copied by the caller)."""
    meta = json.load(open(os.path.join(work, "meta.json")))
    if hosts is None:
        hosts = load_hosts(work)
    byaddr = {}
    addr_of = {}
    for h in hosts:
        for s in h.sends:
            addr_of.setdefault(h.role, s["src"]["addr"])
        byaddr[h.role] = h

    # --- IKE SAs: union over hosts keyed by (spi_i) and spi_r when known
    sas = []

    def sa_for(h, uid):
        if uid is None or uid not in h.uid_spis:
            return None
        si, sr = h.uid_spis[uid]
        for sa in sas:
            if sa["spi_i"] == si and (sa["spi_r"] == sr or "0" * 16 in (sa["spi_r"], sr)):
                if sa["spi_r"] == "0" * 16:
                    sa["spi_r"] = sr
                lst = sa["_uids"].setdefault(h.role, [])
                if uid not in lst:
                    lst.append(uid)
                return sa
        sa = {"spi_i": si, "spi_r": sr, "version": h.uid_ver.get(uid), "_uids": {h.role: [uid]}}
        sas.append(sa)
        return sa

    # order SAs by first appearance in the initiator's log, then others
    for h in hosts:
        for e in h.events:
            if e["ev"] == "line" and e["uid"]:
                sa_for(h, e["uid"])
    # an IKE SA made by an IKE rekey whose host logged nothing in its own
    # context (all its lines, "IKE_SA c[2] rekeyed between ..." and the
    # checkin with its SPIs, are in the old SA's context: e.g. the responder
    # killed right after the rekey) is still that host's: attach it to the SA
    # with the same SPIs (never a new SA, never a change of order)
    for h in hosts:
        for uid, (si, sr) in getattr(h, "uid_spis", {}).items():
            if not getattr(h, "uid_info", {}).get(uid, {}).get("rekeyed_from") or \
                    any(uid in sa["_uids"].get(h.role, []) for sa in sas):
                continue
            if any(sa["spi_i"] == si and sa["spi_r"] == sr for sa in sas):
                sa_for(h, uid)

    def sa_index(h, uid, spis=None):
        if uid in h.uid_spis:
            sa = sa_for(h, uid)
            return sas.index(sa) if sa else None
        if spis:
            for n, sa in enumerate(sas):
                if sa["spi_i"] == spis[0]:
                    return n
        return None

    # --- wire messages: every packet a daemon sent, merged causally across logs
    for h in hosts:
        for s in h.sends:
            s["host"] = h.role
            s["sa"] = sa_index(h, s["uid"])
        for r in h.recvs:
            r["host"] = h.role
            r["sa"] = sa_index(h, r["uid"], r.get("spis"))

    def mkey(x):
        return (x["exchange"], x["type"], x["mid"], x["bytes"], tuple(x["payloads"] or []))

    # match receives to sends (FIFO per key and sender)
    pool = {}
    for h in hosts:
        for s in h.sends:
            pool.setdefault(mkey(s), []).append(s)
    for h in hosts:
        for r in h.recvs:
            cands = [s for s in pool.get(mkey(r), []) if s["host"] != h.role and not s.get("_rcv")
                     and (s["dst"]["port"] == r["dst"]["port"]
                          # sent to a NAT's public address (not the receiver's own): the
                          # NAT may have mapped it to another port (NAT rebinding)
                          or s["dst"]["addr"] != r["dst"]["addr"])]
            cands = [s for s in cands if s["dst"]["port"] == r["dst"]["port"]] or cands
            # the last send before this receive wins when several (retransmits with drops)
            same = [s for s in cands if s["src"]["addr"] == r["src"]["addr"]]
            cands = same or cands
            # the last send at or before this receive (dropped earlier copies stay unmatched)
            before = [s for s in cands if s["t"] <= r["t"]]
            cands = before[-1:] or cands[:1]
            if cands:
                s = cands[0]
                s["_rcv"] = r
                r["_snd"] = s
    # a response sent outside any IKE SA (charon's receiver answering an
    # IKE_SA_INIT with N(COOKIE) before it creates one) belongs to the IKE SA
    # the peer's log received it in
    for h in hosts:
        for s in h.sends:
            if s["sa"] is None and s.get("_rcv") is not None and s["_rcv"]["sa"] is not None:
                s["sa"] = s["_rcv"]["sa"]
    # causal merge of the per-host event streams
    streams = []
    for h in hosts:
        evs = [("send", s) for s in h.sends] + [("recv", r) for r in h.recvs]
        evs.sort(key=lambda x: x[1]["idx"])
        streams.append(evs)
    pos = [0] * len(streams)
    emitted = set()
    order = []
    guard = 0
    while any(pos[i] < len(streams[i]) for i in range(len(streams))) and guard < 100000:
        guard += 1
        best = None
        for i, st in enumerate(streams):
            if pos[i] >= len(st):
                continue
            kind, x = st[pos[i]]
            if kind == "recv" and x.get("_snd") is not None and id(x["_snd"]) not in emitted:
                continue
            if best is None or x["t"] < streams[best][pos[best]][1]["t"]:
                best = i
        if best is None:  # should not happen; break ties by taking the first stream
            best = min(i for i in range(len(streams)) if pos[i] < len(streams[i]))
        kind, x = streams[best][pos[best]]
        pos[best] += 1
        if kind == "send":
            emitted.add(id(x))
            order.append(x)

    messages = []
    for n, s in enumerate(order):
        s["n"] = n
        peer_recv = s.get("_rcv")
        messages.append({
            "n": n, "time": s["t"], "from": s["host"],
            "src": "%s:%d" % (s["src"]["addr"], s["src"]["port"]),
            "dst": "%s:%d" % (s["dst"]["addr"], s["dst"]["port"]),
            "ike_sa": s["sa"], "exchange": s["exchange"], "mid": s["mid"], "type": s["type"],
            "payloads": s["payloads"],
            **({"fragment_of": s["whole"]} if s.get("whole") else {}),
            "retransmit": s["retransmit"],
            **({"response_resend": True} if s.get("response_resend") else {}),
            "logged_bytes": s["bytes"],
            "received_by_peer": peer_recv is not None if len(hosts) > 1 else None,
        })

    # --- exchanges: group requests and responses by (sa, requester, exchange, mid)
    exchanges = []
    ex_idx = {}
    for s in order:
        if s["exchange"] is None:
            continue
        if s["type"] == "request":
            key = (s["sa"], s["host"], s["exchange"], s["mid"])
        else:
            # the requester is the other host of this SA that sent a request with this mid
            key = None
            for k in reversed(list(ex_idx)):
                if k[0] == s["sa"] and k[2] == s["exchange"] and k[3] == s["mid"] and k[1] != s["host"]:
                    key = k
                    break
            if key is None:
                key = (s["sa"], "?", s["exchange"], s["mid"])
        new = key not in ex_idx
        if not new and s["type"] == "request" and not s["retransmit"] and \
                (not s.get("whole") or is_first_frag(s["payloads"][0])):
            old = exchanges[ex_idx[key]]
            new = old["response_sends"] > 0   # same MID again after an answer: a retry (e.g. INVALID_KE)
        if new:
            ex_idx[key] = len(exchanges)
            exchanges.append({"ike_sa": key[0], "exchange": key[2], "mid": key[3],
                              "requester": key[1], "request_payloads": None,
                              "response_payloads": None, "request_sends": 0,
                              "retransmits": 0, "response_sends": 0,
                              "answered": False, "ports": [], "fragments": 0, "messages": []})
        ex = exchanges[ex_idx[key]]
        ex["messages"].append(s["n"])
        port = s["dst"]["port"] if s["type"] == "request" else s["src"]["port"]
        if port not in ex["ports"]:
            ex["ports"].append(port)
        pl = s.get("whole") or s["payloads"]
        if s.get("whole"):
            ex["fragments"] += 1
        if s["type"] == "request":
            ex["request_payloads"] = ex["request_payloads"] or pl
            if s["retransmit"]:
                ex["retransmits"] += 1
            elif not (s.get("whole") and not is_first_frag(s["payloads"][0])):
                ex["request_sends"] += 1
        else:
            ex["response_payloads"] = ex["response_payloads"] or pl
            if not (s.get("whole") and not is_first_frag(s["payloads"][0])):
                ex["response_sends"] += 1
            if s.get("_rcv") is not None:
                ex["answered"] = True
    for ex in exchanges:
        pls = list(ex["response_payloads"] or [])
        if ex["exchange"] == "INFORMATIONAL_V1":  # IKEv1 errors travel in a one-way notify
            pls += ex["request_payloads"] or []
        elif ex["exchange"] == "INFORMATIONAL" and "N(AUTH_FAILED)" in (ex["request_payloads"] or []):
            pls += ex["request_payloads"]  # IKEv2 initiator refusing the responder after IKE_AUTH (RFC 7296 2.21.2)
        notes = [norm_notify(p) for p in pls]
        errs = [x for x in notes if x in NOTIFY_SHORT.values()]
        ex["error_notify"] = errs[0] if errs else None
        if len(hosts) == 1:
            ex["answered"] = None

    # --- per-SA facts
    out_sas = []
    child_sas = []
    rekeys = []
    for n, sa in enumerate(sas):
        infos = {role: [h.uid_info.get(u, {}) for u in sa["_uids"].get(role, [])]
                 for role, h in byaddr.items()}
        init_role = None
        for role, lst in infos.items():
            if any(i.get("initiated") for i in lst):
                init_role = role
        if init_role is None:
            first = [s for s in order if s["sa"] == n and s["type"] == "request"]
            if first:
                init_role = first[0]["host"]
        flat = [(role, i) for role, lst in infos.items() for i in lst]
        established = any(i.get("established") for _, i in flat)
        if established and not any(i.get("established") for i in infos.get(init_role) or []) and any(
                ex["exchange"] == "INFORMATIONAL" and ex["error_notify"] == "AUTHENTICATION_FAILED"
                for ex in exchanges if ex["ike_sa"] == n):
            established = False  # only the responder got there: the initiator refused it
        errors = []
        for role, i in flat:
            for e in i.get("errors", []):
                if e not in errors:
                    errors.append(e)
        sa_ex = [ex for ex in exchanges if ex["ike_sa"] == n]
        for ex in sa_ex:
            if ex["error_notify"] and ex["error_notify"] not in errors:
                errors.append(ex["error_notify"])
        proposal = next((i["proposal"] for _, i in flat if i.get("proposal")), None)
        give_up = any(i.get("give_up") for _, i in flat)
        deleted = any(i.get("deleted") for _, i in flat)
        rekeyed = any(i.get("rekeyed") for _, i in flat)
        xauth = {role: i["xauth"] for role, i in flat if i.get("xauth")}
        if established:
            outcome = "established"
        elif any(x["result"] == "failed" for x in xauth.values()):
            outcome = "failed"  # IKEv1 XAUTH refused (CFG_SET status fail): no notify
        elif give_up:
            outcome = "failed_timeout"
        elif errors:
            outcome = "failed"
        else:
            outcome = "not_established"
        ids = {}
        for role, lst in infos.items():
            for i in lst:
                if i.get("local_id"):
                    ids[role] = i["local_id"]
        resp_role = None
        for role in infos:
            if role != init_role and infos[role]:
                resp_role = role
        if resp_role is None:
            for s in order:
                if s["sa"] == n and s["host"] != init_role:
                    resp_role = s["host"]
                    break
        keys = None
        rekeyed_from = None
        src = infos.get(init_role) or []
        for i in src:
            if i.get("keysets"):
                keys = i["keysets"][0]
            if i.get("rekeyed_from"):
                h = byaddr[init_role]
                rekeyed_from = sa_index(h, i["rekeyed_from"])
        if rekeyed_from is None:  # the initiator is not strongSwan (interop): the responder logged the rekey
            for role, lst in infos.items():
                for i in lst:
                    if role != init_role and i.get("rekeyed_from"):
                        rekeyed_from = sa_index(byaddr[role], i["rekeyed_from"])
        entry = {
            "index": n, "version": sa["version"], "spi_i": sa["spi_i"], "spi_r": sa["spi_r"],
            "initiator": init_role, "responder": resp_role, "ids": ids,
            "proposal": proposal, "outcome": outcome,
            "error_notify": errors[0] if errors else None, "notifies_logged": errors,
            "rekey_of": rekeyed_from,
            "ended": "rekeyed" if rekeyed else ("peer_dead" if give_up and established else
                                                ("deleted" if deleted else None)),
            "exchanges": [exchanges.index(ex) for ex in sa_ex],
        }
        # IKEv1 extras, only when logged: XAUTH result per role, the
        # virtual IP (Mode Config), the SA this one re-authenticated
        if xauth:
            entry["xauth"] = xauth
        vip = {role: i["virtual_ip"] for role, i in flat if i.get("virtual_ip")}
        if vip:
            entry["virtual_ip"] = vip
        for i in src:
            if i.get("reauth_of"):
                entry["reauth_of"] = sa_index(byaddr[init_role], i["reauth_of"])
            if i.get("redirect_of"):
                entry["redirect_of"] = sa_index(byaddr[init_role], i["redirect_of"])
        redir = next((i["redirected_to"] for _, i in flat if i.get("redirected_to")), None)
        if redir:
            entry["redirected_to"] = redir
        # destroyed by a host on another SA's INITIAL_CONTACT (RFC 7296 2.4),
        # without a Delete: the peer that sent it had dropped this SA
        ic = next(((role, i["initial_contact_by"]) for role, i in flat if i.get("initial_contact_by")), None)
        if ic and entry["ended"] is None:
            entry["ended"] = "abandoned"
            entry["replaced_by"] = sa_index(byaddr[ic[0]], ic[1])
            entry["destroyed_on_initial_contact"] = ic[0]
        if keys:
            entry["keys"] = {k.replace(" secret", "").replace(" ", "_"): v for k, v in keys.items()}
        out_sas.append(entry)
        # children from the initiator's point of view (SPIs both ways)
        for i in (infos.get(init_role) or []):
            for c in i.get("children", []):
                child = {"ike_sa": n, "name": c["name"], "proposal": c["proposal"],
                         "inbound_spi": {init_role: c["spi_in"]},
                         "ts_initiator": c["ts_local"], "ts_responder": c["ts_remote"]}
                if resp_role:
                    child["inbound_spi"][resp_role] = c["spi_out"]
                # the close may be logged under another IKE SA of this host: a
                # child moved by an IKE rekey (RFC 7296 2.18) and rekeyed there
                closed = [x for j in byaddr[init_role].uid_info.values()
                          for x in j.get("closed_children", [])]
                child["closed"] = c["spi_in"] in closed
                # closed with "(0 bytes)" both ways in the initiator's log:
                # no ESP ever used this child SA (e.g. a rekey just before the end)
                if c["spi_in"] in [x for j in byaddr[init_role].uid_info.values()
                                   for x in j.get("idle_children", [])]:
                    child["esp_flows"] = False
                child_sas.append(child)
        # children the responder initiated (rekeys by the responder) are seen the same way
        for i in (infos.get(resp_role) or [] if established else []):
            for c in i.get("children", []):
                if not any(c["spi_out"] == x["inbound_spi"].get(init_role) for x in child_sas):
                    child = {"ike_sa": n, "name": c["name"], "proposal": c["proposal"],
                             "inbound_spi": {resp_role: c["spi_in"], init_role: c["spi_out"]},
                             "ts_initiator": c["ts_remote"], "ts_responder": c["ts_local"],
                             "closed": None}
                    child_sas.append(child)

    # rekeys: child SAs created by CREATE_CHILD_SA with REKEY_SA, IKE SAs created by CREATE_CHILD_SA
    ccs = [ex for ex in exchanges if ex["exchange"] == "CREATE_CHILD_SA"]
    for ex in ccs:
        req = ex["request_payloads"] or []
        kind = "child" if "N(REKEY_SA)" in req else ("ike" if "KE" in req and "TSi" not in req else "new_child")
        rekeys.append({"kind": kind, "ike_sa": ex["ike_sa"], "exchange": exchanges.index(ex),
                       "mid": ex["mid"], "requester": ex["requester"], "answered": ex["answered"]})

    # rekey collisions, from both logs: one entry per IKE SA and type (IKE or
    # CHILD) whose rekeys collided, with what each host logged; the colliding
    # CREATE_CHILD_SA exchanges are the rekeys of that type on that SA
    collisions = []
    for h in hosts:
        for c in getattr(h, "collisions", []):
            n = sa_index(h, c["uid"])
            kind = "ike" if c["type"] == "IKE" else "child"
            e = next((x for x in collisions if x["ike_sa"] == n and x["type"] == c["type"] and
                      x["with"] == c["with"]), None)
            if e is None:
                e = {"type": c["type"], "with": c["with"], "ike_sa": n,
                     "exchanges": [r["exchange"] for r in rekeys if r["ike_sa"] == n and r["kind"] == kind]
                     if c["with"] == c["type"] + "_REKEY" else [],
                     "mids": {}, "detected_by": [], "result": {}}
                e["mids"] = {exchanges[x]["requester"]: exchanges[x]["mid"] for x in e["exchanges"]}
                collisions.append(e)
            if h.role not in e["detected_by"]:
                e["detected_by"].append(h.role)
            if c.get("result"):
                e["result"][h.role] = c["result"]

    # overall
    retx = [{"exchange": exchanges.index(ex), "name": ex["exchange"], "mid": ex["mid"],
             "requester": ex["requester"], "count": ex["retransmits"]}
            for ex in exchanges if ex["retransmits"]]
    ports = sorted({p for ex in exchanges for p in ex["ports"]})
    version = next((sa["version"] for sa in out_sas if sa["version"]), None)
    first_est = [sa for sa in out_sas if sa["outcome"] == "established"]
    if any(sa["outcome"] == "established" for sa in out_sas):
        overall = "established"
    elif out_sas:
        overall = out_sas[0]["outcome"]
    else:
        overall = "no_ike_sa"
    errors = [sa["error_notify"] for sa in out_sas if sa["error_notify"]]
    for ex in exchanges:
        if ex["error_notify"] and ex["error_notify"] not in errors:
            errors.append(ex["error_notify"])
    moved = 4500 in ports
    exp = {
        "schema_version": 1,
        "scenario": meta["name"],
        "description": meta["description"],
        "source": "derived by testdata/gen/postprocess.py from the charon logs (not from ikeflow, not from the capture)",
        "daemon": daemon_version(hosts),
        "ike_version": version,
        "hosts": {h.role: {"address": addr_of.get(h.role), "log": "charon-%s.log" % h.role} for h in hosts},
        "transport": {
            "ike_ports": ports,
            "moved_to_4500": moved,
            "esp_in_udp": moved and any(c for c in child_sas),
            "why": "strongSwan kernel-libipsec forces UDP encapsulation (both sides log a NAT that is not there, except in the NAT-T scenario where there is one); on a kernel with ESP the same run stays on UDP 500 with plain ESP",
        },
        "outcome": overall,
        "error_notifies": errors,
        "ike_sas": out_sas,
        "child_sas": child_sas,
        "exchanges": exchanges,
        "retransmits": retx,
        "rekeys": rekeys,
        **({"collisions": collisions} if collisions else {}),
        "traffic": {"pings": meta["pings"], "note": "ICMP echo requests sent through the child SA(s); 0 = no traffic"},
        "decrypt_check": meta["check"],
        "notes": meta["notes"],
        "messages": messages,
    }
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")
    for h in hosts:
        if h.trimmed is None:
            continue
        with open(os.path.join(out, "charon-%s.log" % h.role), "w") as f:
            f.write("\n".join(h.trimmed) + "\n")
    shutil.copy(os.path.join(work, "capture.pcap"), os.path.join(out, "capture.pcap"))
    write_uat(out, out_sas, version, hosts)


def daemon_version(hosts):
    for h in hosts:
        for e in h.events:
            if e["ev"] == "line":
                m = re.search(r"\((strongSwan [^,]+)", e["msg"])
                if m:
                    return m.group(1) + " (charon, kernel-libipsec)"
    return None


def write_uat(out, sas, version, hosts):
    rows1, rows2 = [], []
    for sa in sas:
        k = sa.get("keys") or {}
        if sa["version"] == 2 and "Sk_ei" in k:
            prop = (sa["proposal"] or "").split("/")
            encr = prop[0] if prop else ""
            integ = None
            if not encr.startswith(AEAD):
                integ = next((p for p in prop[1:] if p.startswith(("HMAC", "AES_XCBC", "AES_CMAC"))), None)
            ws_e = WS_ENCR.get(encr)
            ws_i = WS_INTEG.get(integ)
            if ws_e is None or ws_i is None:
                sa["uat"] = "not written: tshark 4.0 has no name for %s/%s" % (encr, integ)
                continue
            rows2.append('%s,%s,%s,%s,"%s",%s,%s,"%s"' % (
                sa["spi_i"], sa["spi_r"], k["Sk_ei"], k["Sk_er"], ws_e,
                k.get("Sk_ai", "") if integ else "", k.get("Sk_ar", "") if integ else "", ws_i))
            sa["uat"] = "ikev2_decryption_table"
        elif sa["version"] == 1 and "encryption_key_Ka" in k:
            rows1.append("%s,%s" % (sa["spi_i"], k["encryption_key_Ka"]))
            sa["uat"] = "ikev1_decryption_table"
    # rewrite expected.json with the uat notes
    p = os.path.join(out, "expected.json")
    exp = json.load(open(p))
    exp["ike_sas"] = sas
    with open(p, "w") as f:
        json.dump(exp, f, indent=1)
        f.write("\n")
    if rows2:
        with open(os.path.join(out, "ikev2_decryption_table"), "w") as f:
            f.write("\n".join(rows2) + "\n")
    if rows1:
        with open(os.path.join(out, "ikev1_decryption_table"), "w") as f:
            f.write("\n".join(rows1) + "\n")


if __name__ == "__main__":
    build(sys.argv[1], sys.argv[2])
