#!/usr/bin/env bash
# check_decrypt.sh SCENARIO_DIR: assert that tshark 4.0, given the scenario's
# UAT key table, decrypts the encrypted IKE payloads (IDi/IDr, AUTH, TS).
# The check to run is in expected.json "decrypt_check": ikev2 | ikev1 | skip:<why>.
set -euo pipefail
dir=$1
check=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["decrypt_check"])' "$dir/expected.json")
case $check in
skip:*) echo "decrypt check skipped: ${check#skip:}" >&2; exit 0;;
esac
cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
mkdir -p "$cfg/wireshark"
table=${check}_decryption_table
[ -s "$dir/$table" ] || { echo "decrypt check FAILED: $dir/$table missing or empty" >&2; exit 1; }
cp "$dir/$table" "$cfg/wireshark/$table"
# IKE over TCP (RFC 8229, transport.tcp): tshark 4.0 has no dissector for it;
# tcp2udp.py re-frames the stream into UDP 4500 datagrams for the check
pcap=$dir/capture.pcap
if python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["transport"].get("tcp") else 1)' "$dir/expected.json"; then
	python3 "$(dirname "${BASH_SOURCE[0]}")/tcp2udp.py" "$dir/capture.pcap" "$cfg/capture-udp.pcap"
	pcap=$cfg/capture-udp.pcap
fi
# tshark reads the UAT file from its personal configuration directory
out=$(XDG_CONFIG_HOME=$cfg HOME=$cfg tshark -n -r "$pcap" -Y isakmp \
	-T fields -E separator=';' \
	-e frame.number -e isakmp.id.type -e isakmp.auth.method -e isakmp.ts.type \
	-e isakmp.notify.msgtype 2>&1)
# negative control: the same fields without keys (IDs in clear, e.g. aggressive mode)
nokey=$(mktemp -d)
plain=$(XDG_CONFIG_HOME=$nokey HOME=$nokey tshark -n -r "$pcap" -Y isakmp \
	-T fields -E separator=';' -e frame.number -e isakmp.id.type 2>&1)
rm -rf "$nokey"
ids_plain=$(awk -F';' '$2 != ""' <<<"$plain" | wc -l)
ids=$(awk -F';' '$2 != ""' <<<"$out" | wc -l)
if [ "$ids" -le "$ids_plain" ]; then
	echo "decrypt check FAILED ($dir): keys add no decrypted ID payload ($ids with keys, $ids_plain without)" >&2
	exit 1
fi
auth=$(awk -F';' '$3 != ""' <<<"$out" | wc -l)
ts=$(awk -F';' '$4 != ""' <<<"$out" | wc -l)
want_ts=$(python3 - "$dir/expected.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
# IKEv2: TS payloads travel in IKE_AUTH/CREATE_CHILD_SA requests; IKEv1: IDci/IDcr in quick mode
print(1 if any("TSi" in (x["request_payloads"] or []) or "ID" in " ".join(x["request_payloads"] or [])
               and x["exchange"] == "QUICK_MODE" for x in e["exchanges"]) else 0)
PY
)
if [ "$check" = ikev1 ]; then
	[ "$ids" -gt 0 ] || { echo "decrypt check FAILED ($dir): no decrypted ID payload" >&2; echo "$out" >&2; exit 1; }
	echo "decrypt check ok: ID payloads in $ids packets with keys, $ids_plain without" >&2
else
	[ "$ids" -gt 0 ] && [ "$auth" -gt 0 ] || { echo "decrypt check FAILED ($dir): ID=$ids AUTH=$auth" >&2; echo "$out" >&2; exit 1; }
	if [ "$want_ts" = 1 ] && [ "$ts" -eq 0 ]; then
		echo "decrypt check FAILED ($dir): no decrypted TS payload" >&2; exit 1
	fi
	echo "decrypt check ok: decrypted ID in $ids, AUTH in $auth, TS in $ts packets (ID in $ids_plain without keys)" >&2
fi
