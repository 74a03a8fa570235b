# shellcheck shell=bash
# IKEv2 child SA rekey refused for a PFS mismatch (sourced by corpus.sh
# after scenarios.sh): the classic "tunnel drops after an hour". IKE_AUTH
# carries no KE payload, so the first child SA comes up whatever the two
# sides' DH groups for ESP; the first rekey (CREATE_CHILD_SA with a KE
# payload) is where a PFS mismatch shows.

SCENARIOS+=(
	ikev2-child-rekey-pfs-mismatch
)

sc_ikev2_child_rekey_pfs_mismatch() {
	DESC="IKEv2 child SA rekey refused for a PFS mismatch: the initiator's ESP proposal has MODP-2048 (PFS), the responder's none; the child SA comes up in IKE_AUTH (no KE there), its rekey at 6 s (CREATE_CHILD_SA with N(REKEY_SA), SA with a DH group, KE) is answered with N(NO_PROPOSAL_CHOSEN); the initiator retries until the child's hard lifetime (14 s) and then deletes it; pings every 1.5 s throughout, then the initiator deletes the IKE SA"
	IA=(esp=aes128-sha256-modp2048 child_rekey=6s child_life=14s)
	IB=(esp=aes128-sha256)
	peers; conf_pair; go
	initiate "$A" net
	local i
	for i in 1 2 3 4 5 6 7 8 9 10 11 12; do pings $NS_A $HOST_A $HOST_B 1; sleep 1.5; done
	terminate "$A" c; settle
	NOTES+=("only the initiator has short child lifetimes (rekey_time 6 s, life_time 14 s, rand_time 0), so it initiates every rekey attempt" "the responder's configured ESP proposal has no DH group: it refuses a CREATE_CHILD_SA that carries one (strongSwan logs 'no acceptable proposal found')")
}

# The same mismatch with libreswan and OpenIKED answering strongSwan's
# rekey: what each daemon answers a CREATE_CHILD_SA with a KE payload it
# did not configure (refusal or not, and its size) is in their logs.
SCENARIOS+=(
	libreswan-ikev2-child-rekey-pfs-mismatch
	openiked-ikev2-child-rekey-pfs-mismatch
)

sc_libreswan_ikev2_child_rekey_pfs_mismatch() {
	DESC="strongSwan 5.9.8 initiator (ESP proposal with MODP-2048, child rekey_time 6 s, life_time 14 s) <-> libreswan 4.10 responder (pluto with the XFRM ACK shim, esp=aes128-sha2_256, pfs=no): the child SA comes up in IKE_AUTH; strongSwan's rekeys carry a KE payload that pluto's pfs=no does not ask for; what pluto answers is in its log; strongSwan deletes the IKE SA at about 18 s; no ESP"
	FACTS=("$LSW_FACT_SHIM" "no pings: pluto could not carry ESP here" "strongSwan (kernel-libipsec, initiator) fakes a NAT in IKE_SA_INIT; both move to UDP 4500")
	interop_meta libreswan b responder pluto.log no
	IA=(esp=aes128-sha256-modp2048 child_rekey=6s child_life=14s)
	peers; conf_pair
	lsw_conf "$B" left=$IP_B right=$IP_A leftid=@sun.ikeflow.test rightid=@moon.ikeflow.test leftsubnet=$NET_B rightsubnet=$NET_A "extra_conn=pfs=no"
	go_lsw_b shim
	initiate "$A" net
	settle 18
	terminate "$A" c; settle
}

sc_openiked_ikev2_child_rekey_pfs_mismatch() {
	DESC="OpenIKED 7.2 initiator (iked with the PF_KEY shim, childsa without a DH group) <-> strongSwan 5.9.8 responder (ESP proposal with MODP-2048, child rekey_time 6 s, life_time 14 s): the child SA comes up in IKE_AUTH; strongSwan, the IKE SA's responder, rekeys it with a KE payload iked did not configure; what iked answers is in its log; iked deletes at about 18 s; no ESP"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "$IKED_FACT_4500" "strongSwan (responder) initiates the child rekeys: iked does not rekey child SAs here (the shim sends no SADB_EXPIRE)")
	interop_meta openiked a initiator iked.log no
	IB=(esp=aes128-sha512-modp2048 child_rekey=6s child_life=14s)
	peers; conf_pair
	iked_conf "$A" local=$IP_A peer=$IP_B from=$NET_A to=$NET_B
	go_iked_a
	wait_log "$A/iked.log" 'established peer' 15 || log "iked: no IKE SA established"
	settle 18
	ikectl $NS_A "$A" reset sa >>"$A/terminate.out" 2>&1 || true
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
}

# A PFS group mismatch that the peers settle: the initiator's ESP proposal
# lists two DH groups, ECP-256 first, the responder's only MODP-2048.
SCENARIOS+=(
	ikev2-child-rekey-invalid-ke
	libreswan-ikev2-child-rekey-pfs-refused
)

sc_ikev2_child_rekey_invalid_ke() {
	DESC="IKEv2 child SA rekey with a KE payload for the wrong group: the initiator's ESP proposal has ECP-256 and MODP-2048 (in that order), the responder's MODP-2048 only; the rekey at 6 s guesses ECP-256 (CREATE_CHILD_SA with a 64-octet KE), the responder answers N(INVALID_KE_PAYLOAD) naming MODP-2048, the initiator retries at once with a MODP-2048 KE and the rekey succeeds; pings every 1.5 s, the second rekey at 12 s sends a MODP-2048 KE at once and is accepted; the initiator deletes at about 16.5 s"
	IA=(esp=aes128-sha256-ecp256-modp2048 child_rekey=6s child_life=20s)
	IB=(esp=aes128-sha256-modp2048)
	peers; conf_pair; go
	initiate "$A" net
	local i
	for i in 1 2 3 4 5 6 7 8 9 10 11; do pings $NS_A $HOST_A $HOST_B 1; sleep 1.5; done
	terminate "$A" c; settle
	NOTES+=("only the initiator has a short child rekey_time (6 s, rand_time 0), so it initiates the rekey")
}

# libreswan as the rekeying side: pluto's child rekey asks for PFS with its
# IKE group (pfs=yes, its default), strongSwan's ESP proposal has no DH group.
sc_libreswan_ikev2_child_rekey_pfs_refused() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, rekey=yes, salifetime 15 s, rekeymargin 5 s, rekeyfuzz 0%, pfs=yes) <-> strongSwan 5.9.8 responder whose ESP proposal has no DH group: the child SA comes up in IKE_AUTH; pluto's child rekey at 10 s carries a KE payload, which strongSwan refuses; what pluto does next is in its log; pluto deletes at about 14 s; no ESP"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500" "pluto schedules the child rekey at salifetime - rekeymargin (10 s after IKE_AUTH, rekeyfuzz 0%)")
	interop_meta libreswan a initiator pluto.log no
	IB=(esp=aes128-sha256)
	peers; conf_pair
	lsw_shim_initiate 20 rekey=yes salifetime=15s rekeymargin=5s rekeyfuzz=0% extra_conn=keyingtries=1
	lsw_end 12
}
