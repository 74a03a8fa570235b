#!/usr/bin/env bash
# bench-vs-tshark.sh [SAS [IDLE]]: build a big capture from the real corpus
# (internal/bigcap: every copy gets its own SPIs and addresses), then time
# ikeflow and tshark on the same file and print the ratios (issue 13 targets:
# analyze table >= 50x and analyze JSON >= 30x tshark -V). IDLE, when given,
# is passed to analyze as --idle-timeout (e.g. 30s: SAs are finalised and
# released as they go idle, so max RSS shows what stays per finished SA).
#
# Both wall-clock and CPU time (user+sys) are printed: on a busy machine the
# CPU time is the fairer number. Each ikeflow command runs REPEAT times
# (default 3; use 7 or more for the ratios) and the median of its wall
# times and the median of its CPU times are shown, each of its own series
# (single runs of a 0.15 s command vary by 10-20% on a shared machine, and
# the wall time of the run with the median CPU time, shown before, was one
# such single run); tshark, 20-60 times slower, runs TSHARK_REPEAT times
# (default 1: one run averages the machine's ups and downs over seconds,
# but a burst of load can still lengthen it; 3 gives a median). Needs
# tshark (apt-get install tshark).
set -euo pipefail
cd "$(dirname "$0")/.."
sas=${1:-10000}
repeat=${REPEAT:-3}
trepeat=${TSHARK_REPEAT:-1}
idle=()
if [ -n "${2:-}" ]; then idle=(--idle-timeout "$2"); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v tshark >/dev/null || { echo "bench-vs-tshark: tshark is not installed" >&2; exit 2; }
go build -o "$tmp/ikeflow" ./cmd/ikeflow
go run ./internal/bigcap -sas "$sas" -o "$tmp/big.pcap"
size=$(stat -c %s "$tmp/big.pcap")
echo "capture: $(( size / 1000000 )) MB, about $sas IKE SAs"

# measure NAME CMD...: run CMD with stdout to /dev/null, record the median
# wall and the median cpu seconds (of REPEAT runs for ikeflow,
# TSHARK_REPEAT for tshark: each the median of its own series) and the
# largest max RSS.
# Times come from bash's time, to the millisecond (GNU time's are in
# hundredths: ±5 ms of a 0.16 s run is ±3% on a ratio); the RSS from GNU
# time.
declare -A wall cpu
measure() {
	local name=$1; shift
	local n=$trepeat w u s m c
	if [[ $1 == "$tmp/ikeflow" ]]; then n=$repeat; fi
	: > "$tmp/runs"
	local TIMEFORMAT='%3R %3U %3S'
	for ((i = 0; i < n; i++)); do
		{ time /usr/bin/time -o "$tmp/m" -f "%M" "$@" > /dev/null 2>"$tmp/err"; } 2>"$tmp/t" || { cat "$tmp/err" >&2; exit 1; }
		read -r w u s < "$tmp/t"
		read -r m < "$tmp/m"
		echo "$(echo "$u + $s" | bc) $w $m" >> "$tmp/runs"
	done
	local mid=$(( (n + 1) / 2 ))
	c=$(cut -d' ' -f1 "$tmp/runs" | sort -n | sed -n "${mid}p")
	w=$(cut -d' ' -f2 "$tmp/runs" | sort -n | sed -n "${mid}p")
	m=$(cut -d' ' -f3 "$tmp/runs" | sort -n | tail -1)
	wall[$name]=$w
	cpu[$name]=$c
	printf "%-28s %8.3f s wall %8.3f s cpu %8d KB max RSS%s\n" "$name" "$w" "$c" "$m" "$([ "$n" -gt 1 ] && echo " (median of $n)")"
}

measure "ikeflow dissect (text)" "$tmp/ikeflow" dissect -q "$tmp/big.pcap"
measure "ikeflow dissect --format json" "$tmp/ikeflow" dissect -q --format json "$tmp/big.pcap"
measure "ikeflow analyze (table)" "$tmp/ikeflow" analyze -q "${idle[@]}" "$tmp/big.pcap"
measure "ikeflow analyze --format json" "$tmp/ikeflow" analyze -q "${idle[@]}" --format json "$tmp/big.pcap"
measure "ikeflow analyze --format csv" "$tmp/ikeflow" analyze -q "${idle[@]}" --format csv "$tmp/big.pcap"
measure "tshark -V -Y isakmp" tshark -n -r "$tmp/big.pcap" -Y isakmp -V
measure "tshark -T json -Y isakmp" tshark -n -r "$tmp/big.pcap" -Y isakmp -T json

ratio() { echo "scale=1; $1 / $2" | bc; }
echo
echo "ratios (tshark / ikeflow; higher is better for ikeflow):"
printf "  dissect text vs tshark -V:        %5sx wall %5sx cpu\n" \
	"$(ratio "${wall[tshark -V -Y isakmp]}" "${wall[ikeflow dissect (text)]}")" "$(ratio "${cpu[tshark -V -Y isakmp]}" "${cpu[ikeflow dissect (text)]}")"
printf "  dissect json vs tshark -T json:   %5sx wall %5sx cpu\n" \
	"$(ratio "${wall[tshark -T json -Y isakmp]}" "${wall[ikeflow dissect --format json]}")" "$(ratio "${cpu[tshark -T json -Y isakmp]}" "${cpu[ikeflow dissect --format json]}")"
printf "  analyze table vs tshark -V:       %5sx wall %5sx cpu   (target 50x, goal 100x)\n" \
	"$(ratio "${wall[tshark -V -Y isakmp]}" "${wall[ikeflow analyze (table)]}")" "$(ratio "${cpu[tshark -V -Y isakmp]}" "${cpu[ikeflow analyze (table)]}")"
printf "  analyze json vs tshark -V:        %5sx wall %5sx cpu   (target 30x, goal 50x)\n" \
	"$(ratio "${wall[tshark -V -Y isakmp]}" "${wall[ikeflow analyze --format json]}")" "$(ratio "${cpu[tshark -V -Y isakmp]}" "${cpu[ikeflow analyze --format json]}")"
printf "  analyze json vs tshark -T json:   %5sx wall %5sx cpu\n" \
	"$(ratio "${wall[tshark -T json -Y isakmp]}" "${wall[ikeflow analyze --format json]}")" "$(ratio "${cpu[tshark -T json -Y isakmp]}" "${cpu[ikeflow analyze --format json]}")"
