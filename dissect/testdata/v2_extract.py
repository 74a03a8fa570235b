#!/usr/bin/env python3
"""Regenerate the v2_*.hex and v2_tshark_*.tsv test fixtures from the
third-party captures in ../shared/captures (see that folder's README).

Run from the repository root:  python3 dissect/testdata/v2_extract.py

It needs tshark. IKE message bytes come from `udp.payload` (the 4-byte
non-ESP marker is stripped on port 4500). SK plaintexts come from tshark's
own decryption ("Decrypted Data" in `-x` output) using the key table that
ships with the Wireshark wiki capture; they are the inner payload chain
followed by padding and the Pad Length octet (RFC 7296 §3.14). The .tsv
files hold tshark's view of the same frames, used by v2_tshark_test.go.
"""
import os, re, subprocess, sys, tempfile, shutil

CAPS = "../shared/captures"
OUT = "dissect/testdata"
SOURCES = [
    ("wsgcm", "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng",
     "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/ikev2_decryption_table"),
    ("client", "zeek-spicy-ipsec/ipsec_client.pcap", None),
]
FIELDS = [
    "frame.number", "isakmp.exchangetype", "isakmp.typepayload",
    "isakmp.prop.number", "isakmp.prop.protoid", "isakmp.prop.transforms",
    "isakmp.tf.type", "isakmp.tf.id.encr", "isakmp.tf.id.prf",
    "isakmp.tf.id.integ", "isakmp.tf.id.dh", "isakmp.tf.id.esn",
    "isakmp.ike2.attr.key_length",
    "isakmp.key_exchange.dh_group", "isakmp.notify.msgtype",
    "isakmp.notify.protoid", "isakmp.notify.data.signature_hash_algorithms",
    "isakmp.vid_bytes", "isakmp.vid_string", "isakmp.id.type", "isakmp.auth.method",
    "isakmp.cert.encoding", "isakmp.certreq.type", "isakmp.ts.number",
    "isakmp.ts.type", "isakmp.ts.protoid", "isakmp.ts.start_port",
    "isakmp.ts.end_port", "isakmp.ts.start_ipv4", "isakmp.ts.end_ipv4",
    "isakmp.cfg.type", "isakmp.cfg.attr.type", "isakmp.delete.protoid",
    "isakmp.spinum", "isakmp.delete.spi", "isakmp.frag.number",
    "isakmp.frag.total", "isakmp.nonce",
]


def tshark(home, args):
    env = dict(os.environ)
    if home:
        env["HOME"] = home
    return subprocess.run(["tshark"] + args, env=env, capture_output=True,
                          text=True, check=True).stdout


def wireshark_home(keys):
    """A temporary HOME whose Wireshark profile holds the IKEv2 key table
    keys (relative to CAPS), or None when there are no keys."""
    if not keys:
        return None
    home = tempfile.mkdtemp()
    os.makedirs(os.path.join(home, ".config", "wireshark"))
    shutil.copy(os.path.join(CAPS, keys),
                os.path.join(home, ".config", "wireshark", "ikev2_decryption_table"))
    return home


def main():
    for name, cap, keys in SOURCES:
        path = os.path.join(CAPS, cap)
        home = wireshark_home(keys)
        rows = tshark(home, ["-r", path, "-Y", "isakmp", "-T", "fields",
                             "-e", "frame.number", "-e", "udp.dstport", "-e", "udp.payload"])
        for line in rows.splitlines():
            frame, port, payload = line.split("\t")
            if port == "4500" or payload.startswith("00000000"):
                if payload.startswith("00000000"):
                    payload = payload[8:]
            with open(os.path.join(OUT, "v2_%s_f%s.hex" % (name, frame)), "w") as f:
                f.write("# source: ../shared/captures/%s frame %s (IKE message, non-ESP marker stripped)\n" % (cap, frame))
                for i in range(0, len(payload), 64):
                    f.write(payload[i:i + 64] + "\n")
        if home:
            dump = tshark(home, ["-r", path, "-Y", "isakmp", "-x"])
            frames = tshark(home, ["-r", path, "-Y", "isakmp", "-T", "fields", "-e", "frame.number"]).split()
            # -x output: one block per packet, separated by a blank line.
            blocks = [b for b in dump.split("\n\n") if b.strip()]
            assert len(blocks) == len(frames), (len(blocks), len(frames))
            for frame, block in zip(frames, blocks):
                m = re.search(r"Decrypted Data \((\d+) bytes\):\n((?:[0-9a-f]{4}  .*\n?)+)", block)
                if not m:
                    continue
                hexs = ""
                for l in m.group(2).splitlines():
                    hexs += "".join(l[6:6 + 48].split())
                assert len(hexs) == 2 * int(m.group(1)), (frame, len(hexs))
                with open(os.path.join(OUT, "v2_%s_f%s_sk.hex" % (name, frame)), "w") as f:
                    f.write("# source: ../shared/captures/%s frame %s: SK plaintext decrypted by tshark with %s\n" % (cap, frame, keys))
                    for i in range(0, len(hexs), 64):
                        f.write(hexs[i:i + 64] + "\n")
        args = ["-r", path, "-Y", "isakmp", "-T", "fields", "-E", "occurrence=a",
                "-E", "aggregator=|", "-E", "header=y"]
        for fl in FIELDS:
            args += ["-e", fl]
        with open(os.path.join(OUT, "v2_tshark_%s.tsv" % name), "w") as f:
            f.write(tshark(home, args))
        if home:
            shutil.rmtree(home)


if __name__ == "__main__":
    main()
