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
