# shellcheck shell=bash
# IKEv2 situations seen in the field, for corpus.sh (sourced after
# scenarios.sh): a gateway redirecting an established IKE SA to another
# gateway (RFC 5685), a virtual IP pool too small for its clients, a peer that
# restarts and comes back with INITIAL_CONTACT, and an extra CREATE_CHILD_SA
# refused while the responder rekeys its IKE SA. Same topology and helpers as
# scenarios.sh; conn_add_to, add_vpool and wait_vip come from
# scenarios_eap.sh, net2_peers, charon_log_append and restart_charon from
# scenarios_reauth.sh (all scenario files are sourced before any runs).
#
# Run with your own prefix when another generator runs:
#   IKF_NS_PREFIX=ikff bash testdata/gen/corpus.sh ikev2-redirect

SCENARIOS+=(
	ikev2-redirect
	ikev2-vip-pool-exhausted
	ikev2-initial-contact
	ikev2-child-temporary-failure
)

FIELD_POOL=10.4.0.1-10.4.0.1   # one address (the pool of scenarios_eap.sh, narrowed)

# second_gateway_c: C is a second gateway of B's site for A (B's identity,
# PSK and protected net, HOST_B on its lo: kernel-libipsec routes its child
# SA from an address in local_ts)
second_gateway_c() {
	swconf "$C" la=$IP_C ra=$IP_A lts=$NET_B rts=$NET_A lid=sun.ikeflow.test rid=moon.ikeflow.test
	nsx $NS_C ip addr add $HOST_B/32 dev lo
}

# redirect_to_c: B redirects its IKE SA c to the second gateway C (RFC 5685)
redirect_to_c() {
	sw "$B" --redirect --ike c --gateway $IP_C >"$B/redirect.out" 2>&1 || log "redirect: swanctl --redirect failed: $(cat "$B/redirect.out")"
}

sc_ikev2_redirect() {
	DESC="IKEv2 redirect of an established IKE SA (RFC 5685): moon (A) announces N(REDIRECT_SUPPORTED) in IKE_SA_INIT, SA up with sun (B), pings; sun redirects it to a second gateway 198.51.100.20 (swanctl --redirect, INFORMATIONAL with N(REDIRECT)); moon sets up a new IKE SA with that gateway (IKE_SA_INIT with N(REDIRECTED_FROM) 203.0.113.10, IKE_AUTH with the same child SA) and deletes the one with sun; pings through the new gateway, moon deletes"
	peers peer-c
	conf_pair
	second_gateway_c
	go ra
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 2
	settle
	redirect_to_c
	wait_log "$A/charon.log" 'CHILD_SA net\{2\} established' 15 || log "redirect: no child SA with the new gateway"
	wait_log "$A/charon.log" '<c\|1> IKE_SA c\[1\] state change: .* => DESTROYING' 10 || log "redirect: old IKE SA not destroyed"
	sleep 0.5
	ping_down 3
	NOTES+=("the second gateway (198.51.100.20, charon in the third namespace) has the responder's identity sun.ikeflow.test, the same PSK and the protected address 10.2.0.1 on its lo: pings after the redirect reach it, not the first gateway" "charon.follow_redirects is yes by default: the initiator sends N(REDIRECT_SUPPORTED) in IKE_SA_INIT, which the gateway needs before it redirects an established SA" "captured on the initiator side (ra): both gateways' traffic with moon is there" "the second gateway runs on host c, whose log post-processing names charon-initiator2.log and whose role in expected.json is initiator2 (the role names are per host, not per function)")
}

sc_ikev2_vip_pool_exhausted() {
	DESC="IKEv2 virtual IP pool exhausted: the responder's pool holds one address ($FIELD_POOL); moon (A, 198.51.100.10) asks for a virtual IP (CP(CFG_REQUEST) in IKE_AUTH) and gets 10.4.0.1, its child SA comes up and it pings from it; then mars (C, 198.51.100.20) asks too: the pool is full, the responder answers IKE_AUTH with N(INTERNAL_ADDRESS_FAILURE) and builds no child SA (the IKE SA itself is established); both initiators delete; capture on the responder side"
	EXTRA_A=("install_virtual_ip = yes") EXTRA_C=("install_virtual_ip = yes")
	peers peer-c
	swconf "$A" la=$IP_A ra=$IP_B lts=dynamic rts=$NET_B lid=moon.ikeflow.test rid=sun.ikeflow.test
	swconf "$C" la=$IP_C ra=$IP_B lts=dynamic rts=$NET_B lid=mars.ikeflow.test rid=sun.ikeflow.test psk=ikeflow-psk-mars
	swconf "$B" conn=c la=$IP_B ra=$IP_A lts=$NET_B rts=dynamic lid=sun.ikeflow.test rid=moon.ikeflow.test
	swconf "$B" conn=c2 child=net2 la=$IP_B ra=$IP_C lts=$NET_B rts=dynamic lid=sun.ikeflow.test rid=mars.ikeflow.test psk=ikeflow-psk-mars
	conn_add_to "$A" c "vips = 0.0.0.0"
	conn_add_to "$C" c "vips = 0.0.0.0"
	conn_add_to "$B" c "pools = vpool"
	conn_add_to "$B" c2 "pools = vpool"
	add_vpool "$B" "$FIELD_POOL"
	go rb
	initiate "$A" net
	wait_vip "vip-pool-exhausted: no virtual IP installed on moon"
	pings $NS_A "$VIP" $HOST_B 2
	initiate "$C" net 8
	settle
	pings $NS_A "$VIP" $HOST_B 1
	terminate "$C" c
	terminate "$A" c; settle
	NOTES+=("one pool vpool ($FIELD_POOL) shared by the responder's two connections (c for moon, c2 for mars); install_virtual_ip = yes on both initiators" "10.4.0.1 is also the first address of ikev2-virtual-ip's pool (another run); nothing else in the lab uses it")
}

sc_ikev2_initial_contact() {
	DESC="IKEv2 INITIAL_CONTACT after an initiator restart: SA up, pings; the initiator's charon is killed (SIGKILL, no Delete) and started again 1 s later with no state; it initiates again: a new IKE SA whose IKE_AUTH request carries N(INITIAL_CONTACT); the responder destroys its old IKE SA with moon (and its child SA) without a Delete ('destroying duplicate IKE_SA ... received INITIAL_CONTACT') and brings up the new child SA; pings through it, the initiator deletes"
	peers; conf_pair
	charon_log_append "$A"
	go
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 2
	restart_charon $NS_A "$A" initiator
	initiate "$A" net
	wait_log "$B/charon.log" 'destroying duplicate IKE_SA' 5 || log "initial-contact: responder did not log the duplicate"
	ping_down 3
	NOTES+=("initiator killed without sending anything, restarted 1 s later (its charon.log continues, filelog append = yes; IKE_SA/CHILD_SA ids of the second run are shifted by 1000 in expected.json)" "unique = no on both sides: the responder replaces the old IKE SA only because of INITIAL_CONTACT (check_uniqueness with force_replace)" "expected.json: the first IKE SA has ended = abandoned (no Delete on the wire from either side), replaced_by = 1 and destroyed_on_initial_contact = responder")
}

sc_ikev2_child_temporary_failure() {
	DESC="IKEv2 extra CREATE_CHILD_SA refused with N(TEMPORARY_FAILURE) while the responder rekeys its IKE SA: one IKE SA, child net (10.1.0.0/25 === 10.2.0.0/25) in IKE_AUTH, pings; sun (responder) starts an IKE rekey (swanctl --rekey --ike: CREATE_CHILD_SA request SA No KE, its MID 0; the router drops it while it is 400 octets or longer, about 1 s) and moon asks for a second child net2 (10.1.0.128/25 === 10.2.0.128/25, its MID 2): sun logs 'unable to create CHILD_SA while rekeying IKE_SA' and answers N(TEMPORARY_FAILURE), moon schedules a retry; sun's retransmitted rekey gets through, moon answers it, the IKE SA is rekeyed (the child net moves to the new IKE SA, sun deletes the old one) and moon moves its pending child creation to the new IKE SA ('migrating CHILD_CREATE task') and sends it there at once (MID 0 of the new SA); net2 comes up; pings through both, moon deletes"
	net2_peers
	go rb
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 2
	local rule=(FORWARD -p udp -s $IP_B -m length --length 400:65535 -j DROP)
	nsx $NS_R iptables -I "${rule[@]}"
	sw "$B" --rekey --ike c >"$B/rekey.out" 2>&1 || log "temporary-failure: swanctl --rekey failed: $(cat "$B/rekey.out")"
	wait_log "$B/charon.log" 'generating CREATE_CHILD_SA request 0' 5 || log "temporary-failure: no IKE rekey from sun"
	initiate "$A" net2 3
	wait_log "$A/charon.log" 'received TEMPORARY_FAILURE notify' 3 || log "temporary-failure: no TEMPORARY_FAILURE seen"
	nsx $NS_R iptables -D "${rule[@]}"
	wait_log "$A/charon.log" 'CHILD_SA net2\{[0-9]+\} established' 20 || log "temporary-failure: net2 not created by the retry"
	sleep 0.5
	pings $NS_A 10.1.0.129 10.2.0.129 2
	ping_down 1
	NOTES+=("moon sends its request on the new IKE SA together with the CREATE_CHILD_SA response that completes the rekey (in either order on the wire); it reaches sun before sun has taken the new IKE SA into use: sun logs 'IKE_SA checkout not successful' for the new SPIs and drops it, moon retransmits it 1 s later (timing of the run)" "strongSwan 5.9.8 never sends NO_ADDITIONAL_SAS: a responder asked for a CHILD_SA while its IKE SA is rekeying or being deleted answers TEMPORARY_FAILURE (RFC 7296 2.25), and it has no limit on the number of CHILD_SAs per IKE SA" "the router drops UDP from the responder of 400 octets and more (its IKE rekey request with a MODP-2048 KE; its TEMPORARY_FAILURE response and the ESP replies are shorter) for about 1 s: captured on the responder side (rb), so the dropped copy is in the capture" "reuse_ikesa = yes on the initiator so that net2 is asked for on the existing IKE SA; extra addresses 10.1.0.129 (initiator) and 10.2.0.129 (responder) on lo for net2's pings")
}
