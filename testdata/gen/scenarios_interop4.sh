# shellcheck shell=bash
# More interop scenarios for corpus.sh (libreswan 4.10 pluto, OpenIKED 7.2 iked
# against strongSwan 5.9.8): dead peers under DPD / liveness checks (an
# OpenIKED peer killed under strongSwan's DPD, pluto's IKEv2 liveness after an
# IKE SA rekey, pluto's IKEv1 R-U-THERE), OpenIKED's child SA refused with
# TS_UNACCEPTABLE, OpenIKED retransmitting IKE_SA_INIT, and pluto as IKEv1
# XAUTH + Mode Config client. Helpers, shims and conventions of
# scenarios_interop.sh (xauth helpers from scenarios_ikev1more.sh,
# kill_b_until_pluto_gives_up from scenarios_interop2.sh); only called at run
# time, so the order in which corpus.sh sources scenarios_*.sh does not
# matter.
#
#   IKF_NS_PREFIX=ikfi bash testdata/gen/corpus.sh openiked-ikev2-dpd-dead-peer

SCENARIOS+=(
	openiked-ikev2-dpd-dead-peer
	libreswan-ikev2-rekey-ike-then-dead-peer
	libreswan-ikev1-dpd-dead-peer
	openiked-ikev2-ts-unacceptable
	libreswan-ikev1-xauth
	openiked-ikev2-retransmit
)

IKED_FACT_KILLED="iked (initiator) was killed with SIGKILL (every iked process in its namespace: parent and privilege-separated children) after the SA was up: it sent nothing more, its log ends abruptly; its host answers later IKE packets with ICMP port unreachable (UDP 4500 no longer bound)"

# pluto_strict_meta: interop_meta for pluto, the initiator in A, with
# "pluto_strict": postprocess_interop.py reads pluto's log more closely (its
# packets in log order; IKEv1 messages strongSwan never logged described
# from pluto's emit lines: PLUTO_STRICT there)
pluto_strict_meta() {
	interop_meta libreswan a initiator pluto.log no
	META_EXTRA=$(python3 -c 'import json, sys; m = json.loads(sys.argv[1]); m["pluto_strict"] = True; print(json.dumps(m))' "$META_EXTRA")
}

# iked_killed_under_dpd: iked in A, strongSwan in B with DPD (dpd_delay 2 s,
# retransmit_tries 3); iked's IKE SA up, 3 s later every iked process in A is
# killed (SIGKILL)
iked_killed_under_dpd() {
	EXTRA_B=("retransmit_tries = 3")
	IB=(esp=aes128-sha512 dpd_delay=2s)
	iked_peers
	go_iked_a
	iked_established 15
	settle 3
	kill_comm $NS_A iked
}

sc_openiked_ikev2_dpd_dead_peer() {
	DESC="OpenIKED 7.2 initiator (iked with the PF_KEY shim, IKEv2 PSK) <-> strongSwan 5.9.8 responder with DPD (dpd_delay 2 s, retransmit_tries 3, dpd_action clear): strongSwan's empty INFORMATIONAL liveness checks are answered by iked, then iked is killed (SIGKILL) 3 s after IKE_AUTH; strongSwan's next check is retransmitted unanswered until strongSwan gives up and destroys the IKE SA without a Delete; no ESP"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "$IKED_FACT_4500" "$IKED_FACT_KILLED" "the DPD checks are strongSwan's (the IKE responder; dpd_delay 2 s: it sends one after 2 s without inbound IKE traffic, kernel-libipsec reports no ESP use): iked 7.2 only probes when a child SA's outbound ESP is used without inbound ESP (PF_KEY SA usage, which the shim cannot report) or after 300 s without an IKE message, so it sends no liveness check of its own here" "retransmit_tries = 3 on strongSwan (retransmit_timeout 1.0 s, retransmit_base 1.4): give-up about 7 s after the first unanswered DPD request")
	interop_meta openiked a initiator iked.log no
	iked_killed_under_dpd
	wait_log "$B/charon.log" 'giving up after|peer not responding' 25 || log "strongSwan: no DPD give-up seen"
	settle
}

sc_libreswan_ikev2_rekey_ike_then_dead_peer() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv2 PSK, rekey=no, dpddelay 2 s, dpdtimeout 5 s, dpdaction=clear, retransmit-timeout 5 s) <-> strongSwan 5.9.8 responder: pluto's liveness checks (empty INFORMATIONAL) are answered; 5 s after IKE_AUTH pluto rekeys the IKE SA once (whack --rekey-ike: CREATE_CHILD_SA with new SPIs; the child SA is not rekeyed and moves to the new IKE SA, RFC 7296 2.18), deletes the old IKE SA 1 s later; then strongSwan is killed (SIGKILL); pluto's next liveness check on the new IKE SA is retransmitted unanswered until its retransmit-timeout, pluto gives up and clears the connection without a Delete; no ESP"
	FACTS=("$LSW_FACT_SHIM" "no pings: pluto could not carry ESP on this kernel (no kernel ESP, SAs acknowledged by the shim only), neither before nor after the rekey; the child SA never carries ESP, so child_sas[].esp_flows is false" "$LSW_FACT_4500" "$SW_FACT_KILLED" "the IKE SA rekey is asked for with 'whack --rekey-ike' (rekey=no: no lifetime-driven rekeys; with rekey=yes pluto would also revive the connection with a fresh IKE_SA_INIT to the dead peer right after the liveness give-up); the child SA is never rekeyed" "pluto's IKEv2 liveness check is an empty INFORMATIONAL request sent when nothing was received for dpddelay; unanswered, it is retransmitted (0.5 s doubling) and pluto checks retransmit-timeout (5 s) when each retransmission is due, so it gives up at the 4th (8 s after the first send): 'liveness action - clearing connection'")
	pluto_strict_meta
	peers; conf_pair
	lsw_shim_initiate 10 retransmit_timeout=5s extra_conn=keyingtries=1 dpddelay=2 dpdtimeout=5 dpdaction=clear
	settle 5
	whack $NS_A "$A" --name c --rekey-ike >>"$A/rekey.out" 2>&1 || true
	wait_log "$A/pluto.log" '"c" #3: initiator rekeyed IKE SA #1' 10 || log "pluto: no IKE rekey seen"
	wait_log "$B/charon.log" 'IKE_SA c\[1\] state change: \w+ => DESTROYING' 5 || log "strongSwan: old IKE SA not destroyed"
	settle 1
	kill_b_until_pluto_gives_up 'liveness action|timeout exceeded' 20 liveness
}

sc_libreswan_ikev1_dpd_dead_peer() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv1 main mode PSK + quick mode with PFS, dpddelay 2 s, dpdtimeout 8 s, dpdaction=clear) <-> strongSwan 5.9.8 (version 1, no DPD of its own), killed (SIGKILL) 3 s after quick mode: pluto's R-U-THERE notifies (every 2 s) go unanswered (ICMP port unreachable) until dpdtimeout, then pluto declares the peer dead ('DPD action - clearing connection') and deletes the IPsec SA and the ISAKMP SA, sending an INFORMATIONAL_V1 Delete for each to the dead peer; no ESP"
	CHECK=ikev1
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)" "$SW_FACT_KILLED" "pluto's IKEv1 DPD event runs every dpddelay and sends an R-U-THERE (new message ID, next sequence number) on the ISAKMP SA when nothing was heard from the peer for dpddelay; without an R-U-THERE-ACK for dpdtimeout it declares the peer dead")
	pluto_strict_meta
	IB=(esp=aes128-sha256-modp2048)   # pluto's quick mode asks for PFS with its IKE group
	peers; conf_pair version=1
	lsw_shim_initiate 15 ikev2=no ike=aes128-sha2_256-modp2048 extra_conn=keyingtries=1 dpddelay=2 dpdtimeout=8 dpdaction=clear
	settle 3
	kill_b_until_pluto_gives_up 'declaring peer dead|DPD action|peer dead' 20 DPD
}

sc_openiked_ikev2_ts_unacceptable() {
	DESC="OpenIKED 7.2 initiator <-> strongSwan 5.9.8 responder: IKE SA authenticated, child SA refused in IKE_AUTH with N(TS_UNACCEPTABLE) (iked asks 10.1.0.0/24 === 10.2.0.0/24, strongSwan's policy is 10.20.0.0/24 === 10.1.0.0/24); iked verifies strongSwan's AUTH but, without a child SA, never moves its IKE SA past AUTH_SUCCESS and sends nothing more; no ESP"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_4500" "$SW_FACT_STOP" "the peers disagree: strongSwan logs the IKE SA established (only the child refused); iked logs 'authentication successful', then 'sa_state: cannot switch: AUTH_SUCCESS -> VALID' (its VALID state requires a child SA), never 'established peer', sends nothing more and keeps the IKE SA in AUTH_SUCCESS until strongSwan's Delete (sent when strongSwan is stopped, after the capture) arrives: 'ikev2_ikesa_recv_delete: received delete', CLOSED (peer_view.closed_by_peer_delete; not abandoned by iked)")
	interop_meta openiked a initiator iked.log no
	IB=(esp=aes128-sha512 lts=10.20.0.0/24)
	iked_refused_by 'TS_UNACCEPTABLE|TS_UNACCEPT|no acceptable traffic selectors' 4
}

sc_libreswan_ikev1_xauth() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv1 main mode PSK, XAUTH client with user alice (leftxauthclient=yes, password in ipsec.secrets), Mode Config client pulling its address (leftmodecfgclient=yes, modecfgpull=yes)) <-> strongSwan 5.9.8 (version 1, XAUTH server with xauth-generic, pool 10.1.0.1): main mode, XAUTH (Transaction exchanges: CFG_REQUEST/CFG_REPLY, CFG_SET/CFG_ACK), Mode Config (CFG_REQUEST/CFG_REPLY, virtual IP 10.1.0.1), quick mode 10.1.0.1/32 === 10.2.0.0/24 with PFS, pluto deletes; no ESP"
	CHECK=ikev1
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)" "xauth-generic plugin (Debian libcharon-extauth-plugins) in strongSwan; its pool holds only 10.1.0.1 (pluto's protected address); pluto's leftsubnet is 10.1.0.1/32")
	pluto_strict_meta
	ensure_xauth
	peers
	add_plugins "$B" xauth-generic
	xauth_server_conf aes128-sha256-modp2048   # pluto's quick mode asks for PFS with its IKE group
	lsw_conf_a ikev2=no ike=aes128-sha2_256-modp2048 leftsubnet=$HOST_A/32 "extra_conn=keyingtries=1
	leftxauthclient=yes
	leftusername=$XAUTH_USER
	leftmodecfgclient=yes
	rightxauthserver=yes
	rightmodecfgserver=yes
	modecfgpull=yes"
	echo "@$XAUTH_USER : XAUTH \"$XAUTH_PASS\"" >> "$A/ipsec.secrets"
	go_lsw_a shim
	lsw_initiate $NS_A "$A" 15
	lsw_end 2 2
}

sc_openiked_ikev2_retransmit() {
	DESC="OpenIKED 7.2 initiator (iked with the PF_KEY shim) <-> strongSwan 5.9.8 responder: the router drops everything strongSwan sends for 7 s from iked's start, iked retransmits IKE_SA_INIT on its back-off schedule (2 s, then 4 s, 8 s ...), strongSwan re-sends its response for each retransmit; after the path heals the next retransmit is answered and the SA comes up; iked deletes (ikectl reset sa); no ESP"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "$IKED_FACT_4500" "responses dropped by the router before the capture point (capture on the initiator side): the retransmitted requests are on the wire, strongSwan's dropped responses are not")
	interop_meta openiked a initiator iked.log no
	IB=(esp=aes128-sha512)
	iked_peers
	nsx $NS_R iptables -I FORWARD -s $IP_B -j DROP
	go_iked_a
	sleep 7
	nsx $NS_R iptables -D FORWARD -s $IP_B -j DROP
	iked_established 20
	settle 2
	iked_reset_sa
}
