#!/usr/bin/env bash
# Build the ikeflow real-peer capture corpus (testdata/corpus/<scenario>/).
#
#   bash testdata/gen/corpus.sh [-o OUTDIR] [scenario...]
#
# Needs root. Installs strongSwan, tshark etc. with apt-get when missing, creates
# network namespaces (prefix "ikf"), runs one charon per namespace, captures on
# the router namespace and writes per scenario: capture.pcap, the daemons' logs,
# Wireshark UAT key tables and expected.json (derived from the daemons' logs by
# postprocess.py). Everything it starts is torn down on exit, also on failure.
set -euo pipefail

GEN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$GEN_DIR/../.." && pwd)
OUT_DIR=$REPO_DIR/testdata/corpus
# shellcheck source=lib.sh
source "$GEN_DIR/lib.sh"
# shellcheck source=scenarios.sh
source "$GEN_DIR/scenarios.sh"
# more scenario files (scenarios_cert.sh, …) add to SCENARIOS
# (scenarios_twoside.sh is a script of its own: sourcing it would run it)
for f in "$GEN_DIR"/scenarios_*.sh; do
	[ "$f" = "$GEN_DIR/scenarios_twoside.sh" ] && continue
	# shellcheck source=/dev/null
	[ -e "$f" ] && source "$f"
done

while [ $# -gt 0 ]; do
	case $1 in
	-o) OUT_DIR=$2; shift 2;;
	-l) printf '%s\n' "${SCENARIOS[@]}"; exit 0;;
	-h|--help) sed -n '2,10p' "$0"; exit 0;;
	*) break;;
	esac
done
SELECTED=("$@")
[ ${#SELECTED[@]} -eq 0 ] && SELECTED=("${SCENARIOS[@]}")

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, daemons)"
ensure_packages

WORK_ROOT=$(mktemp -d /tmp/ikf-corpus.XXXXXX)
on_exit() {
	local rc=$?
	cleanup_all
	rm -rf "$WORK_ROOT"
	[ $rc = 0 ] || log "corpus.sh failed (rc=$rc); namespaces and daemons removed"
	exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT_DIR"
T0=$(date +%s)
FAILED=()
for sc in "${SELECTED[@]}"; do
	t1=$(date +%s)
	log "=== scenario $sc"
	if ( run_scenario "$sc" "$WORK_ROOT/$sc" "$OUT_DIR/$sc" ); then
		log "=== $sc ok ($(( $(date +%s) - t1 ))s)"
	else
		log "=== $sc FAILED"
		FAILED+=("$sc")
	fi
	cleanup_all
done
log "corpus done in $(( $(date +%s) - T0 ))s: ${#SELECTED[@]} scenarios, ${#FAILED[@]} failed ${FAILED[*]:-}"
[ ${#FAILED[@]} -eq 0 ]
