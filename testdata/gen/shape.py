#!/usr/bin/env python3
"""Print the shape of a scenario's expected.json: the parts that must not change
between two runs of the same scenario (no SPIs, keys, times or sizes).

usage: shape.py expected.json          print the shape
       shape.py --check DIR            check a scenario dir's internal consistency
"""
import json
import os
import sys


def shape(e):
    lines = ["ike_version=%s outcome=%s errors=%s ports=%s" % (
        e["ike_version"], e["outcome"], ",".join(e["error_notifies"]) or "-",
        e["transport"]["ike_ports"])]
    for sa in e["ike_sas"]:
        lines.append("ike_sa %d: %s -> %s %s %s error=%s ended=%s" % (
            sa["index"], sa["initiator"], sa["responder"], sa["proposal"], sa["outcome"],
            sa["error_notify"], sa["ended"]))
    for c in e["child_sas"]:
        lines.append("child ike_sa=%d %s %s %s === %s closed=%s" % (
            c["ike_sa"], c["name"], c["proposal"], " ".join(c["ts_initiator"]),
            " ".join(c["ts_responder"]), c["closed"]))
    # Per SA in log order; the SAs' exchanges interleave as the daemons'
    # timing has it (two Deletes crossing), which is not a change of shape.
    for x in sorted(e["exchanges"], key=lambda x: x["ike_sa"]):
        # IKEv1 quick mode / informational message IDs are random
        mid = "*" if e["ike_version"] == 1 and x["mid"] else x["mid"]
        lines.append("exchange sa=%s %s mid=%s by %s [%s] -> [%s] retransmits=%s answered=%s error=%s" % (
            x["ike_sa"], x["exchange"], mid, x["requester"],
            " ".join(x["request_payloads"] or []), " ".join(x["response_payloads"] or []),
            "yes" if x["retransmits"] else "no", x["answered"], x["error_notify"]))
    for r in e["rekeys"]:
        lines.append("rekey %s by %s answered=%s" % (r["kind"], r["requester"], r["answered"]))
    return lines


def check(d):
    """Internal consistency of one scenario directory; returns a list of problems."""
    errs = []
    p = os.path.join(d, "expected.json")
    try:
        e = json.load(open(p))
    except Exception as x:  # noqa: BLE001
        return ["%s: %s" % (p, x)]
    for k in ("schema_version", "scenario", "ike_version", "outcome", "ike_sas", "exchanges",
              "child_sas", "messages", "transport", "decrypt_check"):
        if k not in e:
            errs.append("missing key %s" % k)
    if errs:
        return errs
    if e["scenario"] != os.path.basename(os.path.normpath(d)):
        errs.append("scenario name %s != dir" % e["scenario"])
    for f in ["capture.pcap"] + [h["log"] for h in e["hosts"].values()]:
        if not os.path.exists(os.path.join(d, f)):
            errs.append("missing file %s" % f)
    n = len(e["messages"])
    # Per SA in log order; the SAs' exchanges interleave as the daemons'
    # timing has it (two Deletes crossing), which is not a change of shape.
    for x in sorted(e["exchanges"], key=lambda x: x["ike_sa"]):
        for m in x["messages"]:
            if not 0 <= m < n:
                errs.append("exchange refers to message %d of %d" % (m, n))
        if x["ike_sa"] is not None and not 0 <= x["ike_sa"] < len(e["ike_sas"]):
            errs.append("exchange refers to ike_sa %s" % x["ike_sa"])
    for sa in e["ike_sas"]:
        if len(sa["spi_i"]) != 16 or len(sa["spi_r"]) != 16:
            errs.append("bad SPI length in ike_sa %d" % sa["index"])
        if sa.get("uat"):
            t = os.path.join(d, sa["uat"])
            if sa["uat"].endswith("table"):
                if not os.path.exists(t) or sa["spi_i"] not in open(t).read():
                    errs.append("ike_sa %d not in %s" % (sa["index"], sa["uat"]))
    if e["outcome"] == "established" and not any(s["outcome"] == "established" for s in e["ike_sas"]):
        errs.append("outcome established but no established ike_sa")
    for c in e["child_sas"]:
        for spi in c["inbound_spi"].values():
            if len(spi) != 8:
                errs.append("bad child SPI %s" % spi)
    return errs


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        bad = 0
        for d in sys.argv[2:]:
            errs = check(d)
            for x in errs:
                print("%s: %s" % (d, x))
            bad += len(errs)
        sys.exit(1 if bad else 0)
    print("\n".join(shape(json.load(open(sys.argv[1])))))
