# shellcheck shell=bash
# A firewall on the path that lets IKE through on UDP 500 but drops UDP
# 4500 (sourced by corpus.sh after scenarios.sh): IKE_SA_INIT completes,
# the peers move to 4500 for IKE_AUTH (NAT detected, or faked by
# kernel-libipsec), and nothing on 4500 gets through. A classic of
# "IKE_SA_INIT works, then nothing" on firewalls that know only port 500.

SCENARIOS+=(
	ikev2-port-4500-blocked
	ikev1-port-4500-blocked
	libreswan-ikev2-port-4500-blocked
	openiked-ikev2-port-4500-blocked
)

# blocked_4500_run: A initiates while the router drops UDP to port 4500;
# the rule goes when A has given up (retransmit settings of the scenario)
blocked_4500_run() {
	nsx $NS_R iptables -I FORWARD -p udp --dport 4500 -j DROP
	initiate "$A" net 20 || true
	settle 2
	nsx $NS_R iptables -D FORWARD -p udp --dport 4500 -j DROP
	settle
}

sc_ikev2_port_4500_blocked() {
	DESC="IKEv2 with UDP 4500 dropped by the router (iptables FORWARD -p udp --dport 4500 -j DROP, both directions, the capture on the initiator's side): IKE_SA_INIT on UDP 500 completes, the initiator moves to UDP 4500 (kernel-libipsec fakes a NAT) and sends IKE_AUTH, which never arrives; it retransmits (retransmit_tries 3) and gives up"
	EXTRA_A=("retransmit_tries = 3" "retransmit_timeout = 1.0" "retransmit_base = 1.4" "retransmit_jitter = 0")
	peers; conf_pair; go
	blocked_4500_run
	NOTES+=("the rule drops UDP to port 4500 in the router's FORWARD chain; capture on the initiator's side of the router" "retransmit_tries=3, retransmit_timeout=1.0 s, retransmit_base=1.4, no jitter on the initiator: IKE_AUTH at 0, 1.0, 2.4 and 4.4 s, given up at about 7.1 s")
}

sc_ikev1_port_4500_blocked() {
	DESC="IKEv1 main mode with UDP 4500 dropped by the router (as ikev2-port-4500-blocked): MM1-MM4 on UDP 500 complete, the initiator moves to UDP 4500 for MM5 (NAT-T, RFC 3947; kernel-libipsec fakes a NAT), which never arrives; it retransmits (retransmit_tries 3) and gives up"
	EXTRA_A=("retransmit_tries = 3" "retransmit_timeout = 1.0" "retransmit_base = 1.4" "retransmit_jitter = 0")
	CHECK=ikev1
	peers; conf_pair version=1; go
	blocked_4500_run
	NOTES+=("the rule drops UDP to port 4500 in the router's FORWARD chain; capture on the initiator's side of the router" "retransmit_tries=3, retransmit_timeout=1.0 s, retransmit_base=1.4, no jitter on the initiator")
}

sc_libreswan_ikev2_port_4500_blocked() {
	DESC="libreswan 4.10 initiator <-> strongSwan 5.9.8 responder with UDP 4500 dropped by the router: IKE_SA_INIT on UDP 500 completes, pluto moves to UDP 4500 (strongSwan, kernel-libipsec, fakes a NAT) and resends IKE_AUTH on its back-off schedule (0.5 s doubling) until retransmit-timeout (8 s); nothing comes back"
	CHECK="skip:nothing decryptable (no daemon logged keys: strongSwan never got IKE_AUTH, pluto logs none for an IKE SA it never establishes)"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "the rule drops UDP to port 4500 in the router's FORWARD chain; capture on the initiator's side of the router")
	interop_meta libreswan a initiator pluto.log no
	peers; conf_pair
	lsw_conf_a retransmit_timeout=8s extra_conn=keyingtries=1
	go_lsw_a shim
	nsx $NS_R iptables -I FORWARD -p udp --dport 4500 -j DROP
	lsw_initiate $NS_A "$A" 12
	settle 2
	nsx $NS_R iptables -D FORWARD -p udp --dport 4500 -j DROP
	lsw_terminate_a
	settle
}

sc_openiked_ikev2_port_4500_blocked() {
	DESC="OpenIKED 7.2 initiator <-> strongSwan 5.9.8 responder with UDP 4500 dropped by the router: IKE_SA_INIT on UDP 500 completes, iked moves to UDP 4500 (strongSwan, kernel-libipsec, fakes a NAT) and resends IKE_AUTH into silence until it gives up"
	CHECK="skip:nothing decryptable (no daemon logged keys: strongSwan never got IKE_AUTH, iked's keys of an SA that never authenticated are not taken)"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "the rule drops UDP to port 4500 in the router's FORWARD chain; capture on the initiator's side of the router")
	interop_meta openiked a initiator iked.log no
	peers; conf_pair
	iked_conf "$A" local=$IP_A peer=$IP_B from=$NET_A to=$NET_B
	nsx $NS_R iptables -I FORWARD -p udp --dport 4500 -j DROP
	go_iked_a
	wait_log "$A/iked.log" "retransmit limit" 150 || log "iked: no give-up seen"
	settle 2
	nsx $NS_R iptables -D FORWARD -p udp --dport 4500 -j DROP
	settle
}
