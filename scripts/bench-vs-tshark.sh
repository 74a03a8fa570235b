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
# but a burst of load can still lengthen it; 3 gives a median).
#
# The commands run round robin, one run of each per round (tshark in the
# first TSHARK_REPEAT rounds only; in reverse order every other round),
# not one command's series after the other: a virtual machine's speed drifts by 20-40% over minutes, and
# series run one after the other put the drift into the ratios (the same
# command took 0.13 s in one minute and 0.25 s in another).
#
# BASE=path/to/ikeflow also times that binary's analyze (table, JSON and
# CSV) in the same rounds and prints how much faster this tree's is: the
# before/after of a change, free of the drift. Needs tshark (apt-get
# install tshark).
set -euo pipefail
cd "$(dirname "$0")/.."
sas=${1:-10000}
repeat=${REPEAT:-3}
trepeat=${TSHARK_REPEAT:-1}
base=${BASE:-}
idle=()
if [ -n "${2:-}" ]; then idle=(--idle-timeout "$2"); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

command -v tshark >/dev/null || { echo "bench-vs-tshark: tshark is not installed" >&2; exit 2; }
if [ -n "$base" ] && [ ! -x "$base" ]; then echo "bench-vs-tshark: BASE=$base is not an executable" >&2; exit 2; fi
# Built as `make build` builds it: without cgo, a static binary. (With a C
# compiler present, plain `go build` links the C resolver of package net
# dynamically, and every run then starts the dynamic loader and libc
# first: about 2 ms more per run, 22.5 against 25 ms for --version.)
CGO_ENABLED=${CGO_ENABLED:-0} go build -o "$tmp/ikeflow" ./cmd/ikeflow
go run ./internal/bigcap -sas "$sas" -o "$tmp/big.pcap"
size=$(stat -c %s "$tmp/big.pcap")
echo "capture: $(( size / 1000000 )) MB, about $sas IKE SAs"

# The commands, by name: names[i] runs cmds[i] (a command line, words
# separated by the unit separator) reps[i] times.
names=() cmds=() reps=()
add() { # NAME REPS CMD...
	local name=$1 n=$2
	shift 2
	names+=("$name") reps+=("$n")
	local IFS=$'\x1f'
	cmds+=("$*")
}
ik=$tmp/ikeflow
add "ikeflow dissect (text)" "$repeat" "$ik" dissect -q "$tmp/big.pcap"
add "ikeflow dissect --format json" "$repeat" "$ik" dissect -q --format json "$tmp/big.pcap"
add "ikeflow analyze (table)" "$repeat" "$ik" analyze -q "${idle[@]}" "$tmp/big.pcap"
add "ikeflow analyze --format json" "$repeat" "$ik" analyze -q "${idle[@]}" --format json "$tmp/big.pcap"
add "ikeflow analyze --format csv" "$repeat" "$ik" analyze -q "${idle[@]}" --format csv "$tmp/big.pcap"
if [ -n "$base" ]; then
	add "BASE analyze (table)" "$repeat" "$base" analyze -q "${idle[@]}" "$tmp/big.pcap"
	add "BASE analyze --format json" "$repeat" "$base" analyze -q "${idle[@]}" --format json "$tmp/big.pcap"
	add "BASE analyze --format csv" "$repeat" "$base" analyze -q "${idle[@]}" --format csv "$tmp/big.pcap"
fi
add "tshark -V -Y isakmp" "$trepeat" tshark -n -r "$tmp/big.pcap" -Y isakmp -V
add "tshark -T json -Y isakmp" "$trepeat" tshark -n -r "$tmp/big.pcap" -Y isakmp -T json

# run1 I: one run of command I, appended to its runs file as "cpu wall
# maxrss". Times come from bash's time, to the millisecond (GNU time's
# are in hundredths: ±5 ms of a 0.16 s run is ±3% on a ratio); the RSS
# from GNU time.
run1() {
	local i=$1 w u s m
	local IFS=$'\x1f'
	local -a cmd
	read -r -a cmd <<< "${cmds[$i]}"
	IFS=$' \t\n'
	local TIMEFORMAT='%3R %3U %3S'
	{ time /usr/bin/time -o "$tmp/m" -f "%M" "${cmd[@]}" > /dev/null 2>"$tmp/err"; } 2>"$tmp/t" || { cat "$tmp/err" >&2; exit 1; }
	read -r w u s < "$tmp/t"
	read -r m < "$tmp/m"
	echo "$(echo "$u + $s" | bc) $w $m" >> "$tmp/runs.$i"
}
# Every other round runs the commands in reverse order: a command's place
# in the round (after tshark's seconds of work, or after another ikeflow)
# moved its time by 10-40% on the machine of issue 13.
rounds=$(( repeat > trepeat ? repeat : trepeat ))
for ((r = 0; r < rounds; r++)); do
	order=("${!names[@]}")
	if (( r % 2 == 1 )); then
		order=()
		for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("$i"); done
	fi
	for i in "${order[@]}"; do
		if (( r < reps[i] )); then run1 "$i"; fi
	done
done

# The median wall and the median cpu seconds of each command (each the
# median of its own series) and the largest max RSS.
declare -A wall cpu
for i in "${!names[@]}"; do
	name=${names[$i]} n=${reps[$i]}
	mid=$(( (n + 1) / 2 ))
	c=$(cut -d' ' -f1 "$tmp/runs.$i" | sort -n | sed -n "${mid}p")
	w=$(cut -d' ' -f2 "$tmp/runs.$i" | sort -n | sed -n "${mid}p")
	m=$(cut -d' ' -f3 "$tmp/runs.$i" | sort -n | tail -1)
	wall[$name]=$w
	cpu[$name]=$c
	printf "%-30s %8.3f s wall %8.3f s cpu %8d KB max RSS%s\n" "$name" "$w" "$c" "$m" "$([ "$n" -gt 1 ] && echo " (median of $n)")"
done

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
if [ -n "$base" ]; then
	echo
	echo "this tree against BASE ($base), same rounds (BASE / this; above 1: faster now):"
	for f in "analyze (table)" "analyze --format json" "analyze --format csv"; do
		printf "  %-24s %5.2fx wall %5.2fx cpu\n" "$f" \
			"$(echo "scale=2; ${wall[BASE $f]} / ${wall[ikeflow $f]}" | bc)" "$(echo "scale=2; ${cpu[BASE $f]} / ${cpu[ikeflow $f]}" | bc)"
	done
fi
