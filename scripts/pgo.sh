#!/usr/bin/env bash
# pgo.sh [SAS]: regenerate cmd/ikeflow/default.pgo, the CPU profile the Go
# toolchain optimizes ikeflow with (profile-guided optimization: go build
# and go test use the default.pgo of the main package unless given
# -pgo=off). It runs ikeflow's own benchmarks (analyze as a table, JSON and
# CSV; dissect as text) on a capture that internal/bigcap builds from the
# test corpus (SAS IKE SAs, 10000 by default) and keeps the profile they
# record. Regenerate it when the hot paths change; keep the new profile
# only if it is at least as fast (scripts/bench-vs-tshark.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
sas=${1:-10000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./internal/bigcap -sas "$sas" -o "$tmp/big.pcap" >/dev/null
IKEFLOW_BENCH_CAPTURE="$tmp/big.pcap" go test -run '^$' \
	-bench 'BenchmarkAnalyze$|BenchmarkAnalyzeJSON$|BenchmarkAnalyzeCSV$|BenchmarkDissectText$' \
	-benchtime 20x -cpuprofile "$tmp/cpu.prof" -o "$tmp/ikeflow.test" ./cmd/ikeflow >/dev/null
mv "$tmp/cpu.prof" cmd/ikeflow/default.pgo
echo "pgo: wrote cmd/ikeflow/default.pgo ($(stat -c %s cmd/ikeflow/default.pgo) octets)"
