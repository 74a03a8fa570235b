#!/usr/bin/env bash
# interop.sh: regenerate a few scenarios live (into a temp dir) and check that
# their shape matches the committed corpus, so a daemon/version change that
# alters behaviour is noticed. Also checks every committed scenario's
# expected.json for internal consistency. Needs root (like corpus.sh).
#
#   bash testdata/gen/interop.sh [scenario...]
# Default scenarios: ikev2-psk-success ikev2-auth-child-no-proposal ikev1-main-quick
# Then ikeflow analyses the fresh captures with the fresh keys and its
# verdict is compared with their expected.json (flows' TestCorpus pointed at
# the temporary corpus), end to end.
set -euo pipefail
GEN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$GEN_DIR/../.." && pwd)
CORPUS=$REPO_DIR/testdata/corpus
SC=("$@")
[ ${#SC[@]} -gt 0 ] || SC=(ikev2-psk-success ikev2-auth-child-no-proposal ikev1-main-quick)

echo "== consistency of the committed corpus"
python3 "$GEN_DIR/shape.py" --check "$CORPUS"/*/

TMP=$(mktemp -d /tmp/ikf-interop.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
echo "== regenerating ${SC[*]} into $TMP"
bash "$GEN_DIR/corpus.sh" -o "$TMP" "${SC[@]}"

rc=0
for s in "${SC[@]}"; do
	if diff -u <(python3 "$GEN_DIR/shape.py" "$CORPUS/$s/expected.json") \
		<(python3 "$GEN_DIR/shape.py" "$TMP/$s/expected.json") >"$TMP/$s.diff"; then
		echo "ok    $s: same shape as committed"
	else
		echo "DIFF  $s: shape differs from the committed corpus:"; cat "$TMP/$s.diff"; rc=1
	fi
done
echo "== ikeflow on the fresh captures vs their expected.json"
if (cd "$REPO_DIR" && IKEFLOW_CORPUS="$TMP" go test -count=1 -run 'TestCorpus' ./flows ./decrypt); then
	echo "ok    ikeflow agrees with the daemons on ${SC[*]}"
else
	echo "FAIL  ikeflow disagrees with the daemons' logs on a fresh run"; rc=1
fi
exit $rc
