#!/bin/bash
# analyze-outputs.sh BIN OUTDIR [BIGCAP...]: writes what BIN (an ikeflow
# binary) prints for every corpus capture (with and without its keys), every
# two-sided pair and the given big captures, in table (with ladders),
# markdown, JSON and CSV, with the default idle timeout and with a short
# one. Run it with the binary before and after a change and compare the two
# directories (diff -r): an internal change must leave them identical.
set -u
bin=$1 out=$2
shift 2
cd "$(dirname "$0")/.."
mkdir -p "$out"
run() { # name args...
	local name=$1
	shift
	"$bin" analyze -q --width 0 "$@" >"$out/$name" 2>&1
	echo "exit $?" >>"$out/$name"
}
forms() { # name args...
	local name=$1
	shift
	run "$name.table" --ladder "$@"
	run "$name.md" --format markdown "$@"
	run "$name.json" --format json "$@"
	run "$name.csv" --format csv "$@"
	run "$name.idle.json" --format json --idle-timeout 2s "$@"
}
for d in testdata/corpus/*/; do
	n=$(basename "$d")
	forms "$n" "$d/capture.pcap"
	keys=()
	for k in "$d"/*_decryption_table "$d"/charon-*.log "$d"/pluto.log "$d"/iked.log; do
		[ -f "$k" ] && keys+=(--keys "$k")
	done
	[ ${#keys[@]} -gt 0 ] && forms "$n.keys" "${keys[@]}" "$d/capture.pcap"
done
for d in testdata/twoside/*/; do
	n=$(basename "$d")
	forms "$n" "$d/side-a.pcap" "$d/side-b.pcap"
	forms "$n.a" "$d/side-a.pcap"
	forms "$n.b" "$d/side-b.pcap"
done
for c in "$@"; do
	n=big.$(basename "$c")
	run "$n.table" "$c"
	run "$n.json" --format json "$c"
	run "$n.csv" --format csv "$c"
	run "$n.idle.json" --format json --idle-timeout 30s "$c"
done
