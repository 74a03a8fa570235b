#!/usr/bin/env bash
# Two-sided corpus for `ikeflow analyze A.pcap B.pcap` (testdata/twoside/<scenario>/).
#
#   IKF_NS_PREFIX=ikft bash testdata/gen/scenarios_twoside.sh [scenario...]
#
# Real charon daemons in namespaces a -- rt -- b (lib.sh). The router captures
# on both of its interfaces at once: side-a.pcap on "ra" (the initiator's side),
# side-b.pcap on "rb" (the responder's side). Between the two capture points the
# router drops (iptables, time- or count-limited) or NATs (SNAT with a port
# range, mapping flushed mid-run so the port changes). Some scenarios also get
# side-b-shifted.pcap: side-b.pcap with every timestamp moved by a known offset
# (editcap -t). expected.json is written by twoside_expect.py from the pcap
# bytes (matching by content), never from ikeflow.
set -euo pipefail

GEN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$GEN_DIR/../.." && pwd)
OUT_ROOT=$REPO_DIR/testdata/twoside
export IKF_NS_PREFIX=${IKF_NS_PREFIX:-ikft}
# shellcheck source=lib.sh
source "$GEN_DIR/lib.sh"
# shellcheck source=scenarios.sh
source "$GEN_DIR/scenarios.sh"

TWOSIDE=(twoside-healthy twoside-drop-auth twoside-nat-ports twoside-cert-ipfrag twoside-skf-nth twoside-ikev1-resp)

# capture_both: tcpdump on ra and rb of the router at the same time
capture_both() {
	start_capture $NS_R ra "$W/side-a.pcap"; CAP_A=$CAPTURE_PID
	start_capture $NS_R rb "$W/side-b.pcap"; CAP_B=$CAPTURE_PID
}
stop_both() { sleep 0.5; kill_pid "$CAP_A"; kill_pid "$CAP_B"; }

daemons() {
	start_charon $NS_B "$B"; load_conf "$B"
	start_charon $NS_A "$A"; load_conf "$A"
}

ts_healthy() {
	DESC="IKEv2 PSK through the router, nothing dropped or rewritten: 6 pings, initiator deletes; both router interfaces captured"
	SHIFT=""
	peers; conf_pair; daemons; capture_both
	up_ping_down 6
}

ts_drop_auth() {
	DESC="IKEv2 PSK: the router drops everything A sends to UDP 4500 for 2.2 s (the first IKE_AUTH transmissions), then drops every 3rd ESP packet from A to B for 10 pings; side-b also shifted by +3725.25 s"
	SHIFT=3725.25
	peers; conf_pair frag=no; daemons; capture_both
	initiate_while_dropping 2.2 FORWARD -s $IP_A -p udp --dport 4500 -j DROP
	nsx $NS_R iptables -I FORWARD -s $IP_A -p udp --dport 4500 -m statistic --mode nth --every 3 --packet 0 -j DROP
	pings $NS_A $HOST_A $HOST_B 10
	nsx $NS_R iptables -D FORWARD -s $IP_A -p udp --dport 4500 -m statistic --mode nth --every 3 --packet 0 -j DROP
	terminate "$A" c; settle
}

ts_nat_ports() {
	DESC="IKEv2 NAT-T through SNAT to 203.0.113.1 ports 40000-40999 (random): the router's mapping expires mid-run (conntrack UDP timeouts 1 s, 2.5 s without traffic), so A's port 4500 appears as a new port on the B side; B's replies to the old port may die in the router; side-b also shifted by -7200.5 s"
	SHIFT=-7200.5
	topo_up
	nsx $NS_R iptables -t nat -A POSTROUTING -s 198.51.100.0/24 -o rb -p udp -j SNAT --to-source $IP_RB:40000-40999 --random
	write_strongswan_conf "$A"; write_strongswan_conf "$B"; HAVE_C=0
	IB=(ra=%any)
	conf_pair
	daemons; capture_both
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 4
	# let the mapping expire: 1 s UDP timeouts, one ping to arm them, 2.5 s quiet
	nsx $NS_R sysctl -qw net.netfilter.nf_conntrack_udp_timeout=1 net.netfilter.nf_conntrack_udp_timeout_stream=1
	pings $NS_A $HOST_A $HOST_B 1
	sleep 2.5
	nsx $NS_R sysctl -qw net.netfilter.nf_conntrack_udp_timeout=30 net.netfilter.nf_conntrack_udp_timeout_stream=120
	ping_down 4
}

ts_cert_ipfrag() {
	DESC="IKEv2 certificate authentication (RSA-3072, no IKEv2 fragmentation): IKE_AUTH is IP-fragmented; the router drops the non-first IP fragments A sends for 2.2 s, so the first IKE_AUTH transmissions never arrive whole at B; 4 pings; side-b also shifted by +0.75 s"
	SHIFT=0.75
	cert_peers frag=no
	make_pki
	daemons; capture_both
	initiate_while_dropping 2.2 FORWARD -s $IP_A -f -j DROP
	ping_down 4
}

ts_skf_nth() {
	DESC="IKEv2 certificate authentication with IKEv2 fragmentation (RFC 7383, fragment_size 500): for 2.2 s the router drops every 2nd UDP 4500 packet of 400 octets or more that A sends, so some SKF fragments of the first IKE_AUTH transmissions are lost; 3 pings"
	SHIFT=""
	EXTRA_A=("fragment_size = 500") EXTRA_B=("fragment_size = 500")
	cert_peers
	make_pki
	daemons; capture_both
	local rule=(FORWARD -s $IP_A -p udp --dport 4500 -m length --length 400:65535 -m statistic --mode nth --every 2 --packet 1 -j DROP)
	initiate_while_dropping 2.2 "${rule[@]}"
	ping_down 3
}

ts_ikev1_resp() {
	DESC="IKEv1 main mode + quick mode (PSK): the router drops everything B sends for 2.5 s (the responder's first main-mode answers), then the exchange completes; 3 pings; side-b also shifted by +12.5 s"
	SHIFT=12.5
	peers; conf_pair version=1 ike=aes128-sha256-modp2048; daemons; capture_both
	initiate_while_dropping 2.5 FORWARD -s $IP_B -j DROP
	ping_down 3
}

run_twoside() {
	local name=$1 out=$OUT_ROOT/$1 fn="ts_${1#twoside-}"
	fn=${fn//-/_}
	W=$WORK_ROOT/$name
	trap cleanup_all EXIT
	rm -rf "$W"; mkdir -p "$W"
	A=$W/a B=$W/b C=$W/c
	mkdir -p "$A" "$B"
	DESC="" HAVE_C=0 PINGS=0 EXTRA_A=() EXTRA_B=() EXTRA_C=() IA=() IB=() SHIFT=""
	"$fn"
	stop_both
	sleep 0.3
	stop_started
	topo_down
	rm -rf "$out"; mkdir -p "$out"
	cp "$W/side-a.pcap" "$W/side-b.pcap" "$out/"
	cp "$A/charon.log" "$out/charon-initiator.log"
	cp "$B/charon.log" "$out/charon-responder.log"
	printf '%s\n' "$DESC" > "$out/README"
	if [ -n "$SHIFT" ]; then
		editcap -t "$SHIFT" "$out/side-b.pcap" "$out/side-b-shifted.pcap"
		echo "side-b-shifted.pcap = editcap -t $SHIFT side-b.pcap" >> "$out/README"
	fi
	python3 "$GEN_DIR/twoside_expect.py" "$out" ${SHIFT:+--shift "$SHIFT"} > "$out/expected.json"
	ls -la "$out" >&2
}

[ "$(id -u)" = 0 ] || die "must run as root"
SELECTED=("$@"); [ ${#SELECTED[@]} -eq 0 ] && SELECTED=("${TWOSIDE[@]}")
ensure_packages
WORK_ROOT=$(mktemp -d /tmp/ikft-twoside.XXXXXX)
on_exit() { local rc=$?; cleanup_all; rm -rf "$WORK_ROOT"; exit $rc; }
trap on_exit EXIT
trap 'exit 130' INT TERM
for sc in "${SELECTED[@]}"; do
	log "=== $sc"
	( run_twoside "$sc" ) || die "$sc failed"
	cleanup_all
done
