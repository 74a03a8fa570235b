# shellcheck shell=bash
# A dead peer after an IKE SA rekey (the child SA moved to the new IKE SA) and
# an IKEv1 XAUTH re-authentication, for corpus.sh (sourced after scenarios.sh).
# Same topology and helpers as scenarios.sh; sw_ike_set comes from
# scenarios_reauth.sh, xauth_prepare from scenarios_ikev1more.sh (all
# scenario files are sourced before any runs).

SCENARIOS+=(
	ikev2-rekey-ike-then-dead-peer
	ikev1-xauth-reauth
)

sc_ikev2_rekey_ike_then_dead_peer() {
	DESC="IKEv2 PSK, one child SA, pings; the initiator (dpd_delay 2 s) sends empty INFORMATIONAL DPD requests every 2 s, answered; it rekeys the IKE SA once (IKE rekey_time 15 s, over_time 10 s, rand_time 0: CREATE_CHILD_SA with new SPIs, then INFORMATIONAL Delete of the old IKE SA; the child SA is not rekeyed and moves to the new IKE SA, RFC 7296 2.18); pings through the child SA after the rekey; then the responder daemon is killed (SIGKILL) and the initiator's next DPD request, MID 0 on the new IKE SA, is retransmitted 3 times unanswered (retransmit_tries 3), the initiator gives up and destroys the new IKE SA and with it the child SA, sending no Delete"
	EXTRA_A=("retransmit_tries = 3")
	IA=(dpd_delay=2s)
	peers; conf_pair
	sw_ike_set "$A" rekey_time=15s over_time=10s rand_time=0
	go
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 2
	# the IKE rekey, then the Delete of the old IKE SA, both done (bounded)
	wait_log "$A/charon.log" 'IKE_SA c\[2\] rekeyed between' 25 || log "rekey-then-dead: no IKE rekey seen"
	wait_log "$A/charon.log" '<c\|1> IKE_SA c\[1\] state change: DELETING => DESTROYING' 10 || log "rekey-then-dead: old IKE SA not destroyed"
	pings $NS_A $HOST_A $HOST_B 3
	kill_responder_until_give_up rekey-then-dead
	NOTES+=("only the initiator has an IKE rekey_time (15 s, over_time 10 s, rand_time 0): one IKE rekey 15 s after IKE_AUTH; the new IKE SA's own rekey would come 15 s after that, well after the DPD give-up (about 10 s after the rekey)" "no child rekey: the child SA created in IKE_AUTH is listed under IKE SA 0 (where it was established) although it lives on IKE SA 1 after the IKE rekey; the give-up destroys it with IKE SA 1 without a 'closing CHILD_SA' line (child_sas[].closed = false)" "DPD: strongSwan sends a DPD request after dpd_delay without inbound IKE traffic (kernel-libipsec reports no ESP use), so empty INFORMATIONAL exchanges every 2 s on IKE SA 0 while the responder is alive" "responder killed without sending anything: its log ends abruptly; ICMP port unreachable from its host may appear in the capture" "retransmit_tries = 3 on the initiator (retransmit_timeout 1.0 s, retransmit_base 1.4): give-up about 7 s after the first unanswered DPD request; the give-up destroys the IKE SA without a Delete (dpd_action clear)")
}

sc_ikev1_xauth_reauth() {
	DESC="IKEv1 main mode (PSK) + XAUTH (user alice, successful) + Mode Config (virtual IP 10.1.0.1) + quick mode, pings; the initiator re-authenticates the ISAKMP SA once (reauth_time 10 s, rekey_time 0, over_time 3 s, rand_time 0): a new main mode with new cookies (no INITIAL_CONTACT), XAUTH successful again and Mode Config again (same virtual IP) on the new ISAKMP SA; no new quick mode: the IPsec SA stays and moves to the new ISAKMP SA (the responder logs it adopting 1 child and 1 virtual IP); the old ISAKMP SA is deleted by the initiator (INFORMATIONAL_V1 Delete) when its hard lifetime ends 3 s later; pings through the same IPsec SA, then the initiator deletes the IPsec SA and the new ISAKMP SA"
	CHECK=ikev1
	xauth_prepare
	sw_ike_set "$A" reauth_time=10s rekey_time=0 over_time=3s rand_time=0
	go
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 3
	wait_log "$A/charon.log" 'IKE_SA c\[2\] established' 20 || log "xauth-reauth: no new ISAKMP SA seen"
	wait_log "$A/charon.log" '<c\|1> IKE_SA c\[1\] state change: DELETING => DESTROYING' 8 || log "xauth-reauth: old ISAKMP SA not deleted"
	ping_down 3
	NOTES+=("only the initiator has reauth_time (10 s; rekey_time 0, over_time 3 s, rand_time 0): one re-authentication 10 s after the first main mode; the terminate comes about 4 s after it, before the new ISAKMP SA's own re-authentication (10 s)" "strongSwan 5.9.8 IKEv1 re-authentication (initiator): the IPsec SA and the virtual IP are moved to the new ISAKMP SA at once, the old one is set REKEYING and left to expire: its Delete goes out when its hard lifetime (reauth_time + over_time = 13 s) ends; the responder adopts the IPsec SA and virtual IP when the new ISAKMP SA is up ('detected reauth of existing IKE_SA, adopting 1 children, 0 child tasks, and 1 virtual IPs') and keeps the old ISAKMP SA until that Delete" "the IPsec SA is listed under ISAKMP SA 0 (where its quick mode ran); its Delete at the end goes out on ISAKMP SA 1" "XAUTH: the server (responder) sends CFG_REQUEST(XAUTH type/user/password), the client answers CFG_REPLY, the server CFG_SET(status), the client CFG_ACK; then Mode Config pull; both run on each ISAKMP SA" "xauth-generic plugin (Debian libcharon-extauth-plugins) on both sides; the pool holds only 10.1.0.1, the initiator's protected address")
}
