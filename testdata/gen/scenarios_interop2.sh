# shellcheck shell=bash
# More interop scenarios for corpus.sh (libreswan 4.10 pluto, OpenIKED 7.2 iked
# against strongSwan 5.9.8): authentication failures with different PSKs in
# both directions, dead peers under the other daemons' liveness checks, IKEv1
# aggressive mode from pluto. Helpers, shims and conventions of
# scenarios_interop.sh (only called at run time, so the order in which
# corpus.sh sources scenarios_*.sh does not matter).

SCENARIOS+=(
	libreswan-ikev2-wrong-psk
	libreswan-ikev2-wrong-psk-responder
	openiked-ikev2-wrong-psk
	libreswan-ikev2-dpd-dead-peer
	libreswan-ikev1-aggressive
	libreswan-ikev1-aggressive-wrong-psk
)

SW_FACT_KILLED="strongSwan (responder) was killed with SIGKILL after the SA was up: it sent nothing more, its log ends abruptly; its host answers later IKE packets with ICMP port unreachable (UDP 4500 no longer bound)"

# kill_b_until_pluto_gives_up REGEX TIMEOUT CHECK: strongSwan in B is
# killed; wait (bounded) until pluto.log in A matches REGEX (pluto gives up
# on its CHECK, "liveness" or "DPD"), then 2 s
kill_b_until_pluto_gives_up() {
	kill_charon "$B"
	wait_log "$A/pluto.log" "$1" "$2" || log "pluto: no $3 give-up seen"
	settle 2
}

sc_libreswan_ikev2_wrong_psk() {
	DESC="libreswan 4.10 initiator (pluto, IKEv2, PSK ikeflow-psk-WRONG) <-> strongSwan 5.9.8 responder (PSK ikeflow-psk-0123): strongSwan cannot verify pluto's AUTH and answers IKE_AUTH with N(AUTHENTICATION_FAILED); pluto (keyingtries=1) gives up"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_4500" "the pre-shared keys differ: pluto's ipsec.secrets has ikeflow-psk-WRONG, strongSwan's swanctl secret ikeflow-psk-0123; the IKE SA keys (from IKE_SA_INIT) are the same on both sides, so the IKE_AUTH exchange decrypts")
	interop_meta libreswan a initiator pluto.log no
	peers; conf_pair
	lsw_shim_initiate 10 psk=ikeflow-psk-WRONG extra_conn=keyingtries=1
	wait_log "$A/pluto.log" 'AUTHENTICATION_FAILED' 10 || log "pluto: no AUTHENTICATION_FAILED seen"
	settle 3
}

sc_libreswan_ikev2_wrong_psk_responder() {
	DESC="strongSwan 5.9.8 initiator (PSK ikeflow-psk-0123) <-> libreswan 4.10 responder (pluto with the XFRM ACK shim, PSK ikeflow-psk-WRONG), IKEv2: pluto cannot verify strongSwan's AUTH and answers IKE_AUTH with N(AUTHENTICATION_FAILED)"
	FACTS=("$LSW_FACT_SHIM" "strongSwan (kernel-libipsec, initiator) fakes a NAT in IKE_SA_INIT; both move to UDP 4500" "the pre-shared keys differ: pluto's ipsec.secrets has ikeflow-psk-WRONG, strongSwan's swanctl secret ikeflow-psk-0123")
	interop_meta libreswan b responder pluto.log no
	peers; conf_pair
	lsw_conf "$B" left=$IP_B right=$IP_A leftid=@sun.ikeflow.test rightid=@moon.ikeflow.test \
		leftsubnet=$NET_B rightsubnet=$NET_A psk=ikeflow-psk-WRONG
	go_lsw_b shim
	initiate "$A" net 10
	wait_log "$A/charon.log" 'AUTH_FAILED|AUTHENTICATION_FAILED' 5 || log "strongSwan: no AUTHENTICATION_FAILED seen"
	settle 2
}

sc_openiked_ikev2_wrong_psk() {
	DESC="OpenIKED 7.2 initiator (iked, IKEv2, PSK ikeflow-psk-WRONG) <-> strongSwan 5.9.8 responder (PSK ikeflow-psk-0123): strongSwan cannot verify iked's AUTH and answers IKE_AUTH with N(AUTHENTICATION_FAILED); what iked does next is in its log"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_4500" "the pre-shared keys differ: iked.conf has psk ikeflow-psk-WRONG, strongSwan's swanctl secret ikeflow-psk-0123")
	interop_meta openiked a initiator iked.log no
	IB=(esp=aes128-sha512)
	peers; conf_pair
	iked_conf "$A" local=$IP_A peer=$IP_B from=$NET_A to=$NET_B psk=ikeflow-psk-WRONG
	go_iked_a
	wait_log "$B/charon.log" 'AUTH_FAILED|AUTHENTICATION_FAILED' 15 || log "strongSwan refused nothing?"
	settle 4
}

sc_libreswan_ikev2_dpd_dead_peer() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv2 PSK, dpddelay=2, dpdtimeout=10, dpdaction=clear, retransmit-timeout=10s) <-> strongSwan 5.9.8 responder, killed (SIGKILL) 3 s after the SA is up: pluto's liveness checks (empty INFORMATIONAL requests) go unanswered and are retransmitted until pluto gives up and clears the connection; no ESP"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500" "$SW_FACT_KILLED")
	interop_meta libreswan a initiator pluto.log no
	peers; conf_pair
	lsw_shim_initiate 10 retransmit_timeout=10s extra_conn=keyingtries=1 dpddelay=2 dpdtimeout=10 dpdaction=clear
	settle 3
	kill_b_until_pluto_gives_up 'timeout exceeded|liveness action|No response' 30 liveness
}

sc_libreswan_ikev1_aggressive() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv1 aggressive mode, PSK, aggressive=yes) <-> strongSwan 5.9.8 (version 1, aggressive = yes, i_dont_care_about_security_and_use_aggressive_mode_psk on both): aggressive mode (3 messages) + quick mode with PFS, pluto deletes; no ESP"
	CHECK=ikev1
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)" "charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes in strongSwan")
	interop_meta libreswan a initiator pluto.log no
	EXTRA_B=("i_dont_care_about_security_and_use_aggressive_mode_psk = yes")
	IB=(esp=aes128-sha256-modp2048)   # pluto's quick mode asks for PFS with its IKE group
	peers; conf_pair version=1 aggressive=yes
	lsw_shim_initiate 15 ikev2=no ike=aes128-sha2_256-modp2048 "extra_conn=keyingtries=1
	aggressive=yes"
	lsw_end 2 2
}

sc_libreswan_ikev1_aggressive_wrong_psk() {
	DESC="libreswan 4.10 initiator (IKEv1 aggressive mode, PSK ikeflow-psk-WRONG) <-> strongSwan 5.9.8 (version 1, aggressive, PSK ikeflow-psk-0123): strongSwan answers AM1 with AM2 (its HASH_R uses its own PSK); what pluto does with it is in its log"
	CHECK="skip:different PSKs: with IKEv1 PSK the keys derive from the PSK, so neither side's keys decrypt the other's encrypted messages"
	FACTS=("$LSW_FACT_SHIM" "pluto never logs IKEv1 keys; strongSwan's keys (from its own PSK) are in expected.json" "charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes in strongSwan" "the pre-shared keys differ: pluto's ipsec.secrets has ikeflow-psk-WRONG, strongSwan's swanctl secret ikeflow-psk-0123; in IKEv1 PSK authentication SKEYID = prf(PSK, Ni | Nr), so the two sides' encryption keys differ too")
	interop_meta libreswan a initiator pluto.log no
	EXTRA_B=("i_dont_care_about_security_and_use_aggressive_mode_psk = yes")
	IB=(esp=aes128-sha256-modp2048)
	peers; conf_pair version=1 aggressive=yes
	lsw_shim_initiate 10 ikev2=no ike=aes128-sha2_256-modp2048 psk=ikeflow-psk-WRONG retransmit_timeout=10s "extra_conn=keyingtries=1
	aggressive=yes"
	wait_log "$A/pluto.log" 'deleting state|HASH|AUTHENTICATION_FAILED|INVALID_HASH' 12 || true
	settle 4
}

# openiked-ikev2-dpd-dead-peer was tried (set dpd_check_interval 2, strongSwan
# killed 3 s after IKE_AUTH) and dropped: in 53 s iked sent no liveness check at
# all. Its iked.log shows only "pfkey_sa_lookup: not found" twice every 2 s: the
# PF_KEY shim answers SADB_GET (SA usage) with ESRCH, so iked sees no child SA
# traffic in either direction and (as far as its log shows) never decides to
# probe. Making it probe would need a shim that fakes ESP usage, and the
# capture would then misstate the traffic, so there is no such scenario.
