#!/usr/bin/env bash
# Stubbed trace of every scenario function (sc_* of the corpus, ts_* of the
# two-sided corpus), to check a refactoring of the generator scripts without
# running any daemon:
#
#   bash testdata/gen/trace_scenarios.sh [GEN_DIR] > after.txt
#
# and the same on the previous version of the scripts (for instance a `git
# worktree` or `git archive` copy of main), then diff the two. Needs no root
# and starts nothing: every external command is a stub on PATH that records
# its arguments and standard input, and every function of lib.sh records
# its arguments instead of running. The trace holds, per scenario, those
# calls and the variables the scenario leaves (DESC, CHECK, NOTES, IA, ...),
# sorted because the stages of a pipeline run in parallel, then the files
# it wrote.
set -euo pipefail

GEN=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")}" && pwd)
TMP=$(mktemp -d /tmp/ikf-trace.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# the stub every external command resolves to
mkdir "$TMP/bin"
cat > "$TMP/bin/stub" <<'STUB'
#!/bin/bash
s=$(printf 'CALL %s' "${0##*/}"; printf ' [%s]' "$@")
if [ ! -t 0 ]; then s+=$'\n'$(/bin/cat | /usr/bin/sed 's/^/  | /'); fi
printf '%s\n' "$s" >> "$TRACE"
[ "${0##*/}" != sleep ] || /bin/sleep 0.02
exit 0
STUB
chmod +x "$TMP/bin/stub"
for c in apt-get awk base64 basename cat cc certutil chmod chown cp cut date dirname dpkg editcap \
	env find gcc grep head hexdump id ikectl iked install ip ipsec iptables kill ln ls make mkdir \
	mkfifo mount mv nc nohup od openssl pgrep ping pk12util pkill pluto python3 readlink realpath rm \
	rsync sed seq setsid sh sha1sum sleep sort ss stat swanctl sysctl tail tcpdump tcpreplay tee \
	timeout touch tr tshark unshare wc whack xargs xxd; do
	ln -s stub "$TMP/bin/$c"
done

# the two-sided scripts run when sourced: keep their functions only
# shellcheck disable=SC2016 # the patterns match a literal $
sed -e '1,/^source "\$GEN_DIR\/scenarios.sh"/d' -e '/^\[ "\$(id -u)" = 0 \]/,$d' \
	"$GEN/scenarios_twoside.sh" > "$TMP/twoside_fns.sh"

# load sources the generator's functions (the scenario files use GEN_DIR).
# shellcheck disable=SC2034
load() {
	GEN_DIR=$GEN
	# shellcheck source=/dev/null
	source "$GEN/lib.sh"
	# shellcheck source=/dev/null
	source "$GEN/scenarios.sh"
	local f
	for f in "$GEN"/scenarios_*.sh; do
		# shellcheck source=/dev/null
		[ "$f" = "$GEN/scenarios_twoside.sh" ] || source "$f"
	done
	# shellcheck source=/dev/null
	source "$TMP/twoside_fns.sh"
}

# norm FILE: FILE with the work and generator paths, and bash's line
# numbers (which move with any edit), made neutral
norm() { sed -e "s#$W#WORK#g" -e "s#$GEN#GEN#g" -e 's#\(GEN/[^:]*\): line [0-9]*:#\1: line N:#' "$1"; }

libfns=$(grep -oE '^[a-z_0-9]+\(\)' "$GEN/lib.sh" | tr -d '()')
for fn in $(load; declare -F | awk '{print $3}' | grep -E '^(sc|ts)_'); do
	W=$TMP/run
	mkdir -p "$W/a" "$W/b" "$W/c"
	export TRACE=$TMP/trace
	: > "$TRACE"
	# shellcheck disable=SC2034 # the scenario functions read these
	(
		load
		for l in $libfns; do
			eval "$l() { { printf 'LIB %s' $l; printf ' [%s]' \"\$@\"; echo; } >> \"\$TRACE\"; }"
		done
		PATH=$TMP/bin
		A=$W/a B=$W/b C=$W/c
		DESC="" CHECK=ikev2 HAVE_C=0 PINGS=0 NOTES=() PP=postprocess.py META_EXTRA="" SHIFT=""
		EXTRA_A=() EXTRA_B=() EXTRA_C=() IA=() IB=()
		set +eu
		"$fn" < /dev/null
		echo "END rc=$? DESC=$DESC CHECK=$CHECK HAVE_C=$HAVE_C PINGS=$PINGS PP=$PP SHIFT=$SHIFT META_EXTRA=$META_EXTRA"
		printf 'NOTE %s\n' "${NOTES[@]}"
		printf 'VAR IA=%s IB=%s EXTRA_A=%s EXTRA_B=%s EXTRA_C=%s\n' "${IA[*]}" "${IB[*]}" "${EXTRA_A[*]}" "${EXTRA_B[*]}" "${EXTRA_C[*]}"
	) >> "$TRACE" 2>&1
	wait
	echo "=== $fn"
	norm "$TRACE" | LC_ALL=C sort
	(cd "$W" && find . -type f | LC_ALL=C sort | while read -r f; do
		echo "FILE $f"
		case $f in *.pid) echo PID;; *) norm "$f";; esac
	done)
	rm -rf "$W"
done
