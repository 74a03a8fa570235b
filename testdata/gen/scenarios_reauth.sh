# shellcheck shell=bash
# IKEv2 re-authentication, COOKIE, a child SA deleted by the IKE responder and
# DPD restart, for corpus.sh (sourced after scenarios.sh). Same topology and
# helpers as scenarios.sh (terminate_child from scenarios_eap.sh).

SCENARIOS+=(
	ikev2-reauth
	ikev2-reauth-make-before-break
	ikev2-cookie
	ikev2-child-delete-by-responder
	ikev2-dpd-restart
)

# sw_ike_set DIR key=value...: replace (or add after rekey_time) IKE-level
# settings of DIR's swanctl connection "c"
sw_ike_set() {
	local dir=$1 kv k v f; shift
	f=$dir/swanctl/conf.d/c.conf
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		if grep -q "^  $k = " "$f"; then
			sed -i "s/^  $k = .*$/  $k = $v/" "$f"
		else
			sed -i "s/^  rekey_time = \(.*\)$/  rekey_time = \1\n  $k = $v/" "$f"
		fi
	done
}

# add_net2 DIR LOCAL REMOTE: a copy of child "net" named net2 with other TS
add_net2() {
	python3 - "$1/swanctl/conf.d/c.conf" "$2" "$3" <<'PY'
import re, sys
f, l, r = sys.argv[1:]
s = open(f).read()
m = re.search(r"(   net \{\n.*?\n   \}\n)", s, re.S)
net2 = m.group(1).replace("   net {", "   net2 {", 1)
net2 = re.sub(r"local_ts = \S+", "local_ts = " + l, net2)
net2 = re.sub(r"remote_ts = \S+", "remote_ts = " + r, net2)
open(f, "w").write(s.replace(m.group(1), m.group(1) + net2, 1))
PY
}

# net2_peers: peers with two children per side: net on the /25 halves of
# NET_A/NET_B, net2 (add_net2) on the other halves with 10.1.0.129 (A) and
# 10.2.0.129 (B) on lo for its pings; A reuses its IKE SA for net2
net2_peers() {
	EXTRA_A=("reuse_ikesa = yes")
	peers
	nsx $NS_A ip addr add 10.1.0.129/32 dev lo
	nsx $NS_B ip addr add 10.2.0.129/32 dev lo
	IA=(lts=10.1.0.0/25 rts=10.2.0.0/25) IB=(lts=10.2.0.0/25 rts=10.1.0.0/25)
	conf_pair
	add_net2 "$A" 10.1.0.128/25 10.2.0.128/25
	add_net2 "$B" 10.2.0.128/25 10.1.0.128/25
}

# charon_log_append DIR: DIR's charon appends to charon.log (for a restart)
charon_log_append() { sed -i 's/append = no/append = yes/' "$1/strongswan.conf"; }

# restart_charon NS DIR ROLE: SIGKILL DIR's charon and start it again 1 s
# later with no state (ROLE names it in charon.stdout's restart line)
restart_charon() {
	kill_charon "$2"
	sleep 1
	echo "--- $3 restarted ---" >>"$2/charon.stdout"
	start_charon "$1" "$2"; load_conf "$2"
}

reauth_run() {
	peers; conf_pair
	sw_ike_set "$A" reauth_time=12s rekey_time=0 over_time=3s rand_time=0
	go
	initiate "$A" net
	local i
	for i in $(seq 1 11); do pings $NS_A $HOST_A $HOST_B 1; sleep 1.5; done
	terminate "$A" c; settle
}

sc_ikev2_reauth() {
	DESC="IKEv2 IKE SA re-authentication instead of a rekey (initiator reauth_time 12 s, rekey_time 0, over_time 3 s, rand_time 0), break-before-make (strongSwan's default): the initiator deletes the old IKE SA (and with it the child SA), then sets up a new IKE SA with IKE_SA_INIT + IKE_AUTH that re-creates the child SA; pings every 1.5 s, the initiator deletes the new IKE SA at about 16.5 s"
	reauth_run
	NOTES+=("only the initiator has reauth_time (12 s) and no IKE rekey; over_time 3 s and rand_time 0 set explicitly (hard lifetime 15 s)" "break-before-make: make_before_break = no (strongSwan 5.9.8 default)")
}

sc_ikev2_reauth_make_before_break() {
	DESC="IKEv2 IKE SA re-authentication with make-before-break (charon.make_before_break = yes on the initiator; reauth_time 12 s, rekey_time 0, over_time 3 s, rand_time 0): the initiator sets up a new IKE SA (IKE_SA_INIT + IKE_AUTH with the child SA) before it deletes the old IKE SA and its child; pings every 1.5 s, the initiator deletes the new IKE SA at about 16.5 s"
	EXTRA_A=("make_before_break = yes")
	reauth_run
	NOTES+=("only the initiator has reauth_time (12 s) and no IKE rekey; over_time 3 s and rand_time 0 set explicitly (hard lifetime 15 s)" "make_before_break = yes on the initiator only (the responder needs nothing)")
}

sc_ikev2_cookie() {
	DESC="IKEv2 COOKIE (RFC 7296 2.6): the responder has cookie_threshold = 1 (block_threshold 100) and one half-open IKE SA (a second initiator, 198.51.100.20, whose IKE_AUTH the router drops), so it answers moon's IKE_SA_INIT with N(COOKIE) only; moon repeats IKE_SA_INIT with the COOKIE notify first (same SPIi), then IKE_AUTH, pings, delete; capture on the responder side"
	EXTRA_B=("cookie_threshold = 1" "block_threshold = 100")
	two_initiators
	go rb
	# mars's IKE_AUTH never reaches sun: its IKE SA stays half-open on sun
	nsx $NS_R iptables -I FORWARD -s $IP_C -p udp --dport 4500 -j DROP
	initiate "$C" net 3 &
	local p=$!
	wait_log "$B/charon.log" 'c2\|[0-9]+>? sending packet|<[0-9]+> sending packet' 5 || log "cookie: mars's IKE_SA_INIT not answered"
	sleep 0.5
	up_ping_down 3
	wait $p || true
	terminate "$C" c
	NOTES+=("responder: cookie_threshold = 1, block_threshold = 100; cookies are required while at least one responder IKE SA is half-open" "the half-open IKE SA is mars's (198.51.100.20): the router drops its UDP 4500 packets (IKE_AUTH and retransmits), which therefore are not in the capture (taken on the responder side, rb); sun keeps that IKE SA half-open (half_open_timeout 30 s, beyond the end of the run)" "mars's IKE SA is listed in expected.json (failed, never established); it is an unrelated peer")
}

sc_ikev2_child_delete_by_responder() {
	DESC="IKEv2 one IKE SA with two child SAs: net (10.1.0.0/25 === 10.2.0.0/25) in IKE_AUTH, net2 (10.1.0.128/25 === 10.2.0.128/25) by CREATE_CHILD_SA from the initiator; pings through both, then the RESPONDER deletes net2 (INFORMATIONAL Delete of its ESP SA sent by the IKE responder, Initiator flag clear, its own MID 0), pings through net, then the initiator deletes the IKE SA"
	second_child_run "$B"
	NOTES+=("reuse_ikesa = yes on the initiator so that net2 is created on the existing IKE SA" "extra addresses 10.1.0.129 (initiator) and 10.2.0.129 (responder) on lo for net2's pings" "net2 is deleted by the responder (swanctl --terminate --child net2 on sun)")
}

sc_ikev2_dpd_restart() {
	DESC="IKEv2 DPD with dpd_action = restart on the initiator (dpd_delay 2 s, retransmit_tries 2): SA up, pings, the responder daemon is killed (SIGKILL) and started again 1 s later with no state; the initiator's DPD INFORMATIONAL goes unanswered, it gives up, and restarts: a fresh IKE SA (IKE_SA_INIT + IKE_AUTH with INITIAL_CONTACT) with the child SA; pings, the initiator deletes"
	EXTRA_A=("retransmit_tries = 2")
	IA=(dpd_delay=2s dpd_action=restart)
	peers; conf_pair
	charon_log_append "$B"
	go
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 2
	restart_charon $NS_B "$B" responder
	wait_log "$A/charon.log" 'IKE_SA c\[2\] established' 30 || log "dpd-restart: no new IKE SA seen"
	sleep 1
	pings $NS_A $HOST_A $HOST_B 2
	terminate "$A" c; settle
	NOTES+=("responder killed without sending anything, restarted 1 s later (its charon.log continues, filelog append = yes)" "retransmit_tries = 2 on the initiator; dpd_action = restart on the initiator's child SA")
}
