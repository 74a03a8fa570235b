# shellcheck shell=bash
# More IKEv2 rekey scenarios for corpus.sh (sourced after scenarios.sh and
# scenarios_interop.sh): rekeys initiated by the responder, simultaneous
# rekeys (RFC 7296 2.8.2) and rekeys with OpenIKED and libreswan as the
# rekeying peer. Same topology and helpers as scenarios.sh; the interop ones
# use the helpers of scenarios_interop.sh.

SCENARIOS+=(
	ikev2-rekey-by-responder
	ikev2-rekey-collision
	openiked-ikev2-rekey
	libreswan-ikev2-rekey-by-responder
)

# sw_ike_times DIR key=value...: add IKE-level lifetime settings (rand_time,
# over_time) to DIR's swanctl connection "c" (swconf writes only rekey_time
# there; swanctl's defaults are over_time = rekey_time/10, rand_time =
# over_time)
sw_ike_times() {
	local dir=$1 kv; shift
	for kv in "$@"; do
		sed -i "s/^  rekey_time = \(.*\)$/  rekey_time = \1\n  ${kv%%=*} = ${kv#*=}/" "$dir/swanctl/conf.d/c.conf"
	done
}

sc_ikev2_rekey_by_responder() {
	DESC="IKEv2 rekeys initiated by the responder: only the responder has short lifetimes (IKE rekey_time 10 s, child rekey_time 13 s), so it rekeys the IKE SA (CREATE_CHILD_SA with new SPIs; the old responder is the new IKE SA's initiator, RFC 7296 2.18; the child moves to the new IKE SA), then on the new IKE SA the moved child SA (N(REKEY_SA), Delete of the old ESP SA), then the original initiator deletes the new IKE SA; pings every 1.5 s throughout"
	IB=(ike_rekey=10s child_rekey=13s child_life=20s)
	peers; conf_pair; go
	initiate "$A" net
	local i
	for i in 1 2 3 4 5 6 7 8 9 10 11; do pings $NS_A $HOST_A $HOST_B 1; sleep 1.5; done
	terminate "$A" c; settle
	NOTES+=("only the responder has short lifetimes, so it initiates both rekeys; the initiator has no rekey or lifetime limits" "IKE rekey at 9-10 s after IKE_AUTH (rand_time defaults to over_time, 1 s), child rekey at 13 s, terminate by the original initiator at about 16.5 s, before the new IKE SA's own rekey" "after the IKE rekey the original responder is the initiator of the new IKE SA: its SPI is the new SPIi, and the original initiator's requests on it (the final Delete) carry the Initiator flag clear")
}

sc_ikev2_rekey_collision() {
	DESC="IKEv2 simultaneous rekeys (RFC 7296 2.8.2): both peers have the same IKE rekey_time 10 s with rand_time 0 and the same child rekey_time 13 s with rand_time 0, so both start the IKE SA rekey (and later the child SA rekey) at almost the same moment; strongSwan detects the collision, the side whose nonce lost deletes its redundant SA; pings every 1.5 s, the initiator deletes at about 16.5 s"
	IA=(ike_rekey=10s child_rekey=13s child_life=20s ike=aes128-sha256-modp4096)
	IB=(ike_rekey=10s child_rekey=13s child_life=20s ike=aes128-sha256-modp4096)
	peers; conf_pair
	sw_ike_times "$A" rand_time=0 over_time=5s
	sw_ike_times "$B" rand_time=0 over_time=5s
	go
	initiate "$A" net
	local i
	for i in 1 2 3 4 5 6 7 8 9 10 11; do pings $NS_A $HOST_A $HOST_B 1; sleep 1.5; done
	terminate "$A" c; settle
	NOTES+=("equal lifetimes on both sides, no random jitter (IKE and child rand_time = 0, over_time 5 s): each side's timers run from its own IKE_AUTH, the responder's a few ms earlier; MODP-4096 makes building a CREATE_CHILD_SA request slow enough for the two requests to cross" "whether a collision happened, and who won, is in the charon logs ('collision') and in expected.json")
}

# --- OpenIKED rekeys ------------------------------------------------------------

# iked_lifetimes DIR IKELIFETIME LIFETIME: add ikelifetime/lifetime (seconds)
# to the policy iked_conf wrote (before "psk")
iked_lifetimes() {
	sed -i "s/^\tpsk /\tikelifetime $2 lifetime $3 \\\\\n\tpsk /" "$1/etc/iked/iked.conf"
}

sc_openiked_ikev2_rekey() {
	DESC="OpenIKED 7.2 initiator (iked with the PF_KEY shim, ikelifetime 10 s) <-> strongSwan 5.9.8 responder (child rekey_time 14 s): iked rekeys the IKE SA 8 s after IKE_AUTH (CREATE_CHILD_SA with new SPIs, old IKE SA deleted, the child moves to the new IKE SA), strongSwan rekeys the moved child SA on that IKE SA at 14 s (N(REKEY_SA), Delete of the old ESP SA), iked rekeys the IKE SA again at 16 s (the new child moves on to the third IKE SA), then iked deletes the third IKE SA (ikectl reset sa, 17 s); no ESP"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "$IKED_FACT_4500" "iked's child SA lifetime is enforced by the kernel's soft/hard expiry (PF_KEY SADB_EXPIRE), which the shim never sends: iked does not rekey child SAs here; its IKE SA rekeys are its own timer: with ikelifetime 10 it rekeyed each IKE SA 8 s after it was established (its log: 'rekeyed as new IKESA 0x…', then 'ikev2_ikesa_delete: sent delete, closing SA' for the old one)" "strongSwan (responder) has child rekey_time 14 s (life_time 25 s, rand_time 0) and no IKE rekey: it initiates the child rekey, as the responder of the IKE SA it runs on" "iked logs the keys of each IKE SA made by a rekey (ikev2_sa_keys) before 'ikev2_ikesa_enable: … replaced by SA … ispi … rspi …' names its SPIs; key_lines attributes them to the new SA")
	interop_meta openiked a initiator iked.log no
	IB=(esp=aes128-sha512 child_rekey=14s child_life=25s)
	peers; conf_pair
	iked_conf "$A" local=$IP_A peer=$IP_B from=$NET_A to=$NET_B
	iked_lifetimes "$A" 10 60
	go_iked_a
	wait_log "$A/iked.log" 'established peer' 15 || log "iked: no IKE SA established"
	settle 17
	ikectl $NS_A "$A" reset sa >>"$A/terminate.out" 2>&1 || true
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
}

# --- libreswan responder rekeys -------------------------------------------------

sc_libreswan_ikev2_rekey_by_responder() {
	DESC="strongSwan 5.9.8 initiator <-> libreswan 4.10 responder (pluto with the XFRM ACK shim, rekey=yes, ikelifetime 12 s, salifetime 15 s, rekeymargin 5 s, rekeyfuzz 0%): the responder pluto rekeys the IKE SA (CREATE_CHILD_SA with new SPIs; pluto is the new IKE SA's initiator, the child moves to it) and deletes the old one, then rekeys the moved child SA on the new IKE SA (N(REKEY_SA) with PFS KE); strongSwan has no short lifetimes and deletes the new IKE SA at the end; no ESP"
	FACTS=("$LSW_FACT_SHIM" "no pings: pluto could not carry ESP here; strongSwan's ESP to pluto would not be answered, so none was sent (child_sas[].esp_flows is false)" "strongSwan (kernel-libipsec, initiator) fakes a NAT in IKE_SA_INIT; both move to UDP 4500" "pluto (the responder) rekeyed the IKE SA 10 s and the child SA 13 s after IKE_AUTH (its log: 'initiating rekey to replace IKE SA #1', 'initiating rekey to replace Child SA #2'); strongSwan deletes at about 15 s")
	interop_meta libreswan b responder pluto.log no
	IA=(esp=aes128-sha256-modp2048)   # pluto's child rekey asks for PFS (KE) with its IKE group
	peers; conf_pair
	lsw_conf "$B" left=$IP_B right=$IP_A leftid=@sun.ikeflow.test rightid=@moon.ikeflow.test leftsubnet=$NET_B rightsubnet=$NET_A \
		rekey=yes ikelifetime=12s salifetime=15s rekeymargin=5s rekeyfuzz=0%
	go_lsw_b shim
	initiate "$A" net
	settle 15
	terminate "$A" c; settle
}
