# shellcheck shell=bash
# Several IKE SAs between the same addresses, for corpus.sh (sourced after
# scenarios.sh): two IKE SAs with different identities between the same two
# hosts, and two initiators behind one masquerading NAT (same public address,
# different ports), one of which restarts. Same topology and helpers as
# scenarios.sh; charon_log_append and restart_charon come from
# scenarios_reauth.sh (all scenario files are sourced before any runs).
#
# Run with your own prefix when another generator runs:
#   IKF_NS_PREFIX=ikf7 bash testdata/gen/corpus.sh ikev2-two-ike-sas-same-hosts

SCENARIOS+=(
	ikev2-two-ike-sas-same-hosts
	ikev2-two-clients-behind-one-nat
)

# two_ids_addrs: 10.1.0.129 (A) and 10.2.0.129 (B) on lo, for pings through
# the second connection's child SA (10.1.0.128/25 === 10.2.0.128/25)
two_ids_addrs() {
	nsx $NS_A ip addr add 10.1.0.129/32 dev lo
	nsx $NS_B ip addr add 10.2.0.129/32 dev lo
}

# two_ids_sw DIR a|b [key=value...]: two swanctl connections of host A (or
# B) with its peer: c (moon.ikeflow.test <-> sun.ikeflow.test, child net on
# the /25 halves 10.1.0.0/25 === 10.2.0.0/25) and c2 (moon2.ikeflow.test,
# PSK ikeflow-psk-moon2, child net2 10.1.0.128/25 === 10.2.0.128/25); the
# arguments go to both, the array C2 (key=value...) to c2 only
two_ids_sw() {
	local dir=$1 l=moon r=sun la=$IP_A ra=$IP_B ln=10.1 rn=10.2 l2=moon2 r2=sun
	[ "$2" = b ] && { l=sun r=moon la=$IP_B ra=$IP_A ln=10.2 rn=10.1 l2=sun r2=moon2; }
	shift 2
	swconf "$dir" conn=c child=net la=$la ra=$ra lts=$ln.0.0/25 rts=$rn.0.0/25 lid=$l.ikeflow.test rid=$r.ikeflow.test "$@"
	swconf "$dir" conn=c2 child=net2 la=$la ra=$ra lts=$ln.0.128/25 rts=$rn.0.128/25 lid=$l2.ikeflow.test rid=$r2.ikeflow.test psk=ikeflow-psk-moon2 "$@" "${C2[@]}"
}

sc_ikev2_two_ike_sas_same_hosts() {
	DESC="IKEv2 two IKE SAs between the same two hosts (198.51.100.10 and 203.0.113.10, both on UDP 4500 after IKE_SA_INIT): A's connection c (IDi moon.ikeflow.test, child net 10.1.0.0/25 === 10.2.0.0/25) and its connection c2 (IDi moon2.ikeflow.test, own PSK, child net2 10.1.0.128/25 === 10.2.0.128/25), B has one connection per identity; both IKE SAs up at the same time, pings through both child SAs; A deletes IKE SA c2 (with net2), more pings through net on the remaining IKE SA c, then A deletes c"
	peers
	two_ids_addrs
	two_ids_sw "$A" a
	two_ids_sw "$B" b
	go ra
	initiate "$A" net
	initiate "$A" net2
	pings $NS_A $HOST_A $HOST_B 2
	pings $NS_A 10.1.0.129 10.2.0.129 2
	terminate "$A" c2; settle
	pings $NS_A $HOST_A $HOST_B 3
	terminate "$A" c; settle
	NOTES+=("one strongswan.conf per host, two swanctl connections per host: c (moon.ikeflow.test <-> sun.ikeflow.test, PSK ikeflow-psk-0123) and c2 (moon2.ikeflow.test <-> sun.ikeflow.test, PSK ikeflow-psk-moon2); B picks the peer config by IDi in IKE_AUTH" "both IKE SAs use the same address pair and, after IKE_SA_INIT, the same ports 4500/4500: only the SPIs tell them (and their ESP SAs) apart" "extra addresses 10.1.0.129 (A) and 10.2.0.129 (B) on lo for net2's pings" "captured on the initiator side (ra)")
}

sc_ikev2_two_clients_behind_one_nat() {
	DESC="IKEv2 two initiators behind one masquerading NAT: moon (A, 198.51.100.10, child 10.1.0.0/24 === 10.2.0.0/24) and mars (C, 198.51.100.20, own PSK, child 10.3.0.0/24 === 10.2.0.0/24) both appear as 203.0.113.1 to sun (B), on different source ports; both IKE SAs up, pings from both; mars's charon is killed (SIGKILL, no Delete) and started again 1 s later with no state; it initiates again (IKE_AUTH with N(INITIAL_CONTACT)), sun destroys its old IKE SA with mars without a Delete, the new child SA comes up; moon's IKE SA stays up and pings throughout; pings from both, both delete; capture on the public side (rb)"
	peers nat peer-c
	swconf "$A" la=$IP_A ra=$IP_B lts=$NET_A rts=$NET_B lid=moon.ikeflow.test rid=sun.ikeflow.test
	swconf "$C" la=$IP_C ra=$IP_B lts=$NET_C rts=$NET_B lid=mars.ikeflow.test rid=sun.ikeflow.test psk=ikeflow-psk-mars
	swconf "$B" conn=c la=$IP_B ra=%any lts=$NET_B rts=$NET_A lid=sun.ikeflow.test rid=moon.ikeflow.test
	swconf "$B" conn=c2 child=net2 la=$IP_B ra=%any lts=$NET_B rts=$NET_C lid=sun.ikeflow.test rid=mars.ikeflow.test psk=ikeflow-psk-mars
	charon_log_append "$C"
	go rb
	initiate "$A" net
	initiate "$C" net
	pings $NS_A $HOST_A $HOST_B 2
	pings $NS_C $HOST_C $HOST_B 2
	restart_charon $NS_C "$C" initiator2
	pings $NS_A $HOST_A $HOST_B 2
	initiate "$C" net
	wait_log "$B/charon.log" 'destroying duplicate IKE_SA' 5 || log "two-clients-behind-one-nat: responder did not log the duplicate"
	pings $NS_A $HOST_A $HOST_B 2
	pings $NS_C $HOST_C $HOST_B 2
	terminate "$C" c
	terminate "$A" c; settle
	NOTES+=("captured between the NAT router and the responder: both initiators appear as 203.0.113.1; the router's MASQUERADE keeps the first initiator's source ports and gives the second another port" "mars (host c) killed without sending anything, restarted 1 s later (its charon.log continues, filelog append = yes; its IKE_SA/CHILD_SA ids of the second run are shifted by 1000 in expected.json)" "unique = no on all sides: sun replaces mars's old IKE SA only because of INITIAL_CONTACT; moon's IKE SA (other identity, other NAT port) is untouched" "host c's log is charon-initiator2.log and its role in expected.json is initiator2")
}
