# shellcheck shell=bash
# More interop scenarios for corpus.sh (libreswan 4.10 pluto, OpenIKED 7.2
# iked against strongSwan 5.9.8): an initiator killed and restarted that
# comes back with a new IKE SA (with and without INITIAL_CONTACT), strongSwan
# redirecting pluto's established IKE SA to a second gateway (RFC 5685), and
# iked rekeying its IKE SA before its peer dies. Helpers, shims and
# conventions of scenarios_interop.sh (iked_lifetimes from
# scenarios_rekeymore.sh, pluto_strict_meta and iked_killed_under_dpd from
# scenarios_interop4.sh, second_gateway_c and redirect_to_c from
# scenarios_field.sh); only called at run time, so the order in which
# corpus.sh sources scenarios_*.sh does not matter.
#
#   IKF_NS_PREFIX=ikf6 bash testdata/gen/corpus.sh libreswan-ikev2-initial-contact

SCENARIOS+=(
	libreswan-ikev2-initial-contact
	openiked-ikev2-initial-contact
	libreswan-ikev2-redirect
	openiked-ikev2-rekey-ike-then-dead-peer
)

# restart_pluto_a: start pluto in A again after it was killed, as after a
# reboot of its host: its stale lock file removed, the XFRM policies the
# first pluto left in A's kernel flushed (no SAs there: the shim kept them
# out of the kernel), its log appended to (logappend=yes: the second run's
# lines follow the first's in pluto.log)
restart_pluto_a() {
	rm -f "$A/run/pluto.pid"
	sed -i 's/^\tlogappend=no$/\tlogappend=yes/' "$A/ipsec.conf"
	nsx $NS_A ip xfrm policy flush
	nsx $NS_A ip xfrm state flush
	start_pluto $NS_A "$A" shim
}

# restart_iked_a: start iked in A again after it was killed; like
# start_iked, but its log reader appends to iked.log (the second run's lines
# follow the first's) and it waits for iked's control socket
restart_iked_a() {
	local i
	echo "$(date +%H:%M:%S.%6N) --- iked restarted ---" >>"$A/iked.log"
	iked_log_reader "$A" a
	rm -f "$A/run/iked.sock"
	iked_spawn $NS_A "$A"
	for i in $(seq 1 50); do
		[ -S "$A/run/iked.sock" ] && return 0
		kill -0 "$IKED_PID" 2>/dev/null || die "iked in $NS_A died after its restart"
		sleep 0.1
	done
	return 0
}

# wait_count FILE REGEX N TIMEOUT_S: wait (bounded) until N lines match
wait_count() {
	local f=$1 re=$2 n=$3 t=$4 i
	for i in $(seq 1 $((t * 10))); do
		[ "$(grep -cE "$re" "$f" 2>/dev/null || true)" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

LSW_FACT_RESTART="pluto (initiator) was killed with SIGKILL after its first IKE SA and child SA were up (it sent nothing more, its log section ends abruptly) and started again 1 s later with no state, as after a reboot of its host (stale lock file removed, the XFRM policies the first pluto had installed in A's kernel flushed); pluto.log holds both runs (logappend=yes for the second); the second run numbers its states from #1 again: expected.json shifts them by 1000 (#1 of the second run is #1001)"

sc_libreswan_ikev2_initial_contact() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv2 PSK, initial-contact=yes) <-> strongSwan 5.9.8 responder (unique = no): IKE SA and child SA up, then pluto is killed (SIGKILL, no Delete) and started again 1 s later with no state; it initiates again: a new IKE SA whose IKE_AUTH request carries N(INITIAL_CONTACT), as the first one did; strongSwan destroys its old IKE SA with moon and its child SA without a Delete ('destroying duplicate IKE_SA for peer ..., received INITIAL_CONTACT') and brings up the new child SA; pluto deletes the new IKE SA; no ESP"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500" "$LSW_FACT_RESTART" "initial-contact=yes is set in pluto's connection: libreswan 4.10's ipsec.conf(5) calls yes the default, but without the option its connections load with 'initial-contact:no' and it logs 'not sending INITIAL_CONTACT' (libreswan-ikev2-success's pluto.log); pluto sends the notify when it has no IPsec SA up with the peer, so in both IKE_AUTH requests here" "unique = no in strongSwan: it replaces the old IKE SA only because of INITIAL_CONTACT (check_uniqueness with force_replace), without sending anything to the peer")
	pluto_strict_meta
	peers; conf_pair
	lsw_shim_initiate 10 extra_conn=initial-contact=yes
	settle 2
	kill_comm $NS_A pluto
	sleep 1
	restart_pluto_a
	lsw_initiate $NS_A "$A" 10
	wait_log "$B/charon.log" 'destroying duplicate IKE_SA' 5 || log "strongSwan: no duplicate destroyed on INITIAL_CONTACT"
	settle 2
	lsw_terminate_a
	wait_log "$B/charon.log" 'received DELETE for IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
}

IKED_FACT_RESTART="iked (initiator) was killed with SIGKILL (every iked process in its namespace) after its first IKE SA was up (it sent nothing more, its log section ends abruptly) and started again 1 s later with no state ('--- iked restarted ---' in iked.log, which holds both runs); its active policy initiates again at once with new SPIs"

sc_openiked_ikev2_initial_contact() {
	DESC="OpenIKED 7.2 initiator (iked with the PF_KEY shim, IKEv2 PSK) <-> strongSwan 5.9.8 responder (unique = no, DPD dpd_delay 2 s, retransmit_tries 3): IKE SA up, strongSwan's liveness check answered, then iked is killed (SIGKILL, no Delete) and started again 1 s later with no state; it initiates a new IKE SA about 2 s after its start, whose IKE_AUTH request carries no N(INITIAL_CONTACT) (iked 7.2 never sends one); strongSwan keeps the old IKE SA next to the new one and probes it: its first check on the old SA meets the dead iked (ICMP port unreachable), its retransmits reach the restarted iked, which drops them ('ikev2_init_recv: unknown SA') without an answer; strongSwan gives up on the old SA after 3 retransmits and destroys it without a Delete, while the new IKE SA's liveness checks are answered; iked deletes the new IKE SA (ikectl reset sa); no ESP"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "$IKED_FACT_4500" "$IKED_FACT_RESTART" "iked 7.2 builds its IKE_AUTH request without an INITIAL_CONTACT notify in any case (OpenIKED's ikev2_init_ike_auth has none; it only acts on one it receives as responder): neither IKE_AUTH request here carries one (strongSwan: 'parsed IKE_AUTH request 1 [ IDi IDr AUTH SA TSi TSr ]' both times)" "the restarted iked logs each strongSwan liveness check on the old SPIs as 'recv INFORMATIONAL req 1 ...' then 'ikev2_init_recv: unknown SA' and sends nothing back (no INVALID_IKE_SPI): in expected.json those copies are received_by_peer true and unanswered; the copy sent while no iked ran is received_by_peer false" "unique = no in strongSwan: without INITIAL_CONTACT it keeps both IKE SAs with moon.ikeflow.test; its DPD (dpd_delay 2 s, retransmit_tries 3, retransmit_timeout 1.0 s, retransmit_base 1.4) ends the old one" "$SW_FACT_STOP")
	interop_meta openiked a initiator iked.log no
	iked_killed_under_dpd
	sleep 1
	restart_iked_a
	wait_count "$A/iked.log" 'established peer' 2 15 || log "iked: no second IKE SA established"
	wait_log "$B/charon.log" 'giving up after' 25 || log "strongSwan: no DPD give-up on the old IKE SA seen"
	settle 3
	ikectl $NS_A "$A" reset sa >>"$A/terminate.out" 2>&1 || true
	wait_count "$B/charon.log" 'received DELETE for IKE_SA' 1 5 || log "no delete seen by strongSwan"
	settle
}

sc_libreswan_ikev2_redirect() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv2 PSK, accept-redirect=yes) <-> strongSwan 5.9.8 responder sun (203.0.113.10): pluto announces N(REDIRECT_SUPPORTED) in IKE_SA_INIT, IKE SA and child SA up; 2 s later sun redirects the established IKE SA to a second strongSwan gateway 198.51.100.20 with the same identity (swanctl --redirect: INFORMATIONAL request with N(REDIRECT)); pluto answers it ('initiating active session redirect to new gateway'), deletes the old IKE SA at once with a Delete, before it has a new one ('IKE SA expired (--dontrekey)', 'deleting state ... and sending notification'; sun answers), and sets up a new IKE SA with the second gateway (IKE_SA_INIT with N(REDIRECTED_FROM) 203.0.113.10, IKE_AUTH with a child SA for the same subnets); pluto deletes the new IKE SA 3 s later; no ESP"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500" "accept-redirect=yes in pluto (accept-redirect-to unset: any gateway); strongSwan redirects an established IKE SA only when the peer announced REDIRECT_SUPPORTED" "the second gateway (198.51.100.20, charon on host c on the initiator's LAN, captured on the same link) has the responder's identity sun.ikeflow.test, the same PSK and proposals and 10.2.0.1 on its lo (kernel-libipsec installs its child SA's route from an address inside local_ts; without it the second gateway refuses the child SA with TS_UNACCEPTABLE: 'error installing route with policy'); its log is charon-initiator2.log and its role in expected.json is initiator2 (the role names are per host, not per function)" "expected.json: the first IKE SA has redirected_to 198.51.100.20 (sun's 'redirecting peer to'), the second redirect_of 0 (pluto's state #3 follows its redirect of #1: peer_view.redirect_of)")
	pluto_strict_meta
	peers peer-c
	conf_pair
	second_gateway_c
	lsw_conf_a "extra_conn=keyingtries=1
	accept-redirect=yes"
	ensure_interop
	start_charon $NS_B "$B"; load_conf "$B"
	start_charon $NS_C "$C"; load_conf "$C"
	start_capture $NS_R ra "$W/capture.pcap"
	start_pluto $NS_A "$A" shim
	lsw_initiate $NS_A "$A" 10
	settle 2
	redirect_to_c
	wait_log "$C/charon.log" 'CHILD_SA net\{1\} established' 15 || log "redirect: no child SA with the second gateway"
	settle 3
	lsw_terminate_a
	wait_log "$C/charon.log" 'received DELETE for IKE_SA' 5 || log "no delete seen by the second gateway"
	settle
}

sc_openiked_ikev2_rekey_ike_then_dead_peer() {
	DESC="OpenIKED 7.2 initiator (iked with the PF_KEY shim, IKEv2 PSK, ikelifetime 10 s) <-> strongSwan 5.9.8 responder: iked rekeys the IKE SA 8 s after IKE_AUTH (CREATE_CHILD_SA with new SPIs, the child SA moves to the new IKE SA, old IKE SA deleted), then strongSwan is killed (SIGKILL); iked's next IKE SA rekey 8 s later (CREATE_CHILD_SA, MID 0 of the new IKE SA) goes unanswered (ICMP port unreachable) and is retransmitted 5 times (2 s doubling: +2, +6, +14, +30, +62 s); 120 s after the first copy iked's rekey timeout frees the IKE SA without a Delete ('ikev2_ike_sa_rekey_timeout: closing SA', 'sa_free: rekey timeout'; no packet, 58 s after the last one); no ESP"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "$IKED_FACT_4500" "$SW_FACT_KILLED" "iked 7.2 has no liveness check that can fire here: it probes only when a child SA's outbound ESP is used without inbound ESP (PF_KEY SA usage, which the shim cannot report) or after 300 s without an IKE message (IKED_IKE_SA_LAST_RECVD_TIMEOUT); the only request it sends to the dead peer is its next IKE SA rekey (ikelifetime 10: 8 s after the rekeyed SA was established)" "iked retransmits a request 5 times (IKED_RETRANSMIT_TRIES) at 2, 4, 8, 16 and 32 s intervals and would give up 64 s after the 5th; an IKE SA rekey has its own 120 s timeout (IKED_IKE_SA_REKEY_TIMEOUT), which ends it first here: the run lasts until iked's log shows that, about 2 minutes after the dead peer's first unanswered request (longer than the other interop runs; the capture holds 20 frames)" "strongSwan was killed right after the rekey: its log has the new IKE SA only in the old one's context ('IKE_SA c[2] rekeyed between ...', its keys and SPIs); the unanswered CREATE_CHILD_SA copies are described from iked's wire lines ('send CREATE_CHILD_SA req 0', 'retransmit N CREATE_CHILD_SA req 0') and the payloads it logged parsing the request before sending it")
	interop_meta openiked a initiator iked.log no
	IB=(esp=aes128-sha512)
	iked_peers
	iked_lifetimes "$A" 10 60
	go_iked_a
	iked_established 15
	wait_log "$A/iked.log" 'rekeyed as new IKESA' 15 || log "iked: no IKE SA rekey seen"
	wait_log "$B/charon.log" 'received DELETE for IKE_SA' 5 || log "strongSwan: old IKE SA not deleted"
	settle 1
	kill_charon "$B"
	wait_log "$A/iked.log" 'retransmit limit|rekey timeout|sa_free: .*(retransmit|timeout)' 170 || log "iked: no give-up seen"
	settle 2
}
