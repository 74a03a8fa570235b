# shellcheck shell=bash
# More captures with two IKE SAs between the same two hosts and the same UDP
# ports (different identities, one connection each), for corpus.sh: the
# story of ikev2-two-ike-sas-same-hosts with libreswan 4.10 pluto and with
# OpenIKED 7.2 iked as the initiator, and both IKE SAs still alive under DPD
# at the end of the capture (strongSwan both sides). Helpers of
# scenarios_samepeers.sh (two_ids_addrs, two_ids_sw) and of
# scenarios_interop.sh (lsw_conf, start_pluto, iked_conf, go_iked_a, shims,
# conventions); only called at run time, so the order in which corpus.sh
# sources scenarios_*.sh does not matter.
#
#   IKF_NS_PREFIX=ikf9 bash testdata/gen/corpus.sh libreswan-ikev2-two-ike-sas-same-hosts

SCENARIOS+=(
	libreswan-ikev2-two-ike-sas-same-hosts
	openiked-ikev2-two-ike-sas-same-hosts
	ikev2-two-ike-sas-both-alive
)

# lsw_add_conn DIR NAME key=value...: a second connection NAME in DIR's
# ipsec.conf (after lsw_conf wrote connection c): lsw_conf's connection
# written with the arguments in a scratch directory, renamed, appended;
# its PSK line added to DIR's ipsec.secrets
lsw_add_conn() {
	local dir=$1 name=$2 tmp; shift 2
	tmp=$(mktemp -d "$W/conn.XXXXXX")
	lsw_conf "$tmp" "$@"
	{ echo; sed -n '/^conn c$/,$p' "$tmp/ipsec.conf" | sed "1s/^conn c$/conn $name/"; } >>"$dir/ipsec.conf"
	cat "$tmp/ipsec.secrets" >>"$dir/ipsec.secrets"
	rm -rf "$tmp"
}

# iked_add_policy DIR NAME key=value...: a second policy NAME in DIR's
# iked.conf (after iked_conf wrote policy c), written by iked_conf with the
# arguments in a scratch directory, renamed, appended
iked_add_policy() {
	local dir=$1 name=$2 tmp; shift 2
	tmp=$(mktemp -d "$W/policy.XXXXXX")
	iked_conf "$tmp" "$@"
	sed -n '/^ikev2 "c"/,$p' "$tmp/etc/iked/iked.conf" | sed "1s/^ikev2 \"c\"/ikev2 \"$name\"/" >>"$dir/etc/iked/iked.conf"
	rm -rf "$tmp"
}

# pings_from_b COUNT: B pings A COUNT times through each child SA in turn
# (net: 10.2.0.1 -> 10.1.0.1, net2: 10.2.0.129 -> 10.1.0.129), one ping each
# time; with pluto or iked in A only B's ESP exists (A has no ESP, its SAs
# are acknowledged by the shim only)
pings_from_b() {
	local i
	for i in $(seq 1 "$1"); do
		pings $NS_B $HOST_B $HOST_A 1
		pings $NS_B 10.2.0.129 10.1.0.129 1
	done
}

SP2_FACT_ONEWAY="the pings are sent by strongSwan (B, 10.2.0.1 -> 10.1.0.1 through net, 10.2.0.129 -> 10.1.0.129 through net2, one at a time, each waiting 1 s for a reply that never comes): its kernel-libipsec encrypts them and sends ESP-in-UDP to A's port 4500, where A's kernel (no ESP, no SA: the shim only acknowledged the installs) cannot take them and answers each with ICMP port unreachable (seen in a trial run); an iptables rule in A drops those ICMP messages (quiet_esp_drop_a), so the capture holds the ESP only, as from a peer that takes ESP without answering; each child SA carries ESP from the responder only, no echo reply and no ESP from A (child_sas[].esp_sent_by = responder)"

# quiet_esp_drop_a: A sends no ICMP port unreachable (its kernel's answer
# to ESP-in-UDP it cannot decapsulate)
quiet_esp_drop_a() {
	nsx $NS_A iptables -A OUTPUT -p icmp --icmp-type port-unreachable -j DROP
}

# two_ids_interop_meta DAEMON FACT...: interop_meta for DAEMON, the
# initiator in A, with esp_sent_by responder (postprocess_interop.py)
two_ids_interop_meta() {
	local d=$1; shift
	FACTS=("$@" "$SP2_FACT_ONEWAY")
	interop_meta "$d" a initiator "$([ "$d" = libreswan ] && echo pluto.log || echo iked.log)" no
	META_EXTRA=$(python3 -c 'import json, sys; m = json.loads(sys.argv[1]); m["esp_sent_by"] = "responder"; print(json.dumps(m))' "$META_EXTRA")
}

sc_libreswan_ikev2_two_ike_sas_same_hosts() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, two connections: c as moon.ikeflow.test with child 10.1.0.0/25 === 10.2.0.0/25, c2 as moon2.ikeflow.test with its own PSK and child 10.1.0.128/25 === 10.2.0.128/25) <-> strongSwan 5.9.8 responder (one connection per identity): both IKE SAs between the same two hosts and, after IKE_SA_INIT, the same ports 4500/4500; strongSwan pings through both child SAs (ESP from strongSwan only: pluto cannot carry ESP here), strongSwan deletes c2's IKE SA, more pings through net, then pluto deletes c's IKE SA"
	two_ids_interop_meta libreswan "$LSW_FACT_SHIM" "$LSW_FACT_4500" "pluto's ipsec.conf holds conn c and conn c2 (lsw_conf's connection twice: different leftid, leftsubnet, rightsubnet and PSK line; same left and right); strongSwan (B) picks the peer config by IDi in IKE_AUTH" "c2's IKE SA is deleted by strongSwan (swanctl --terminate --ike c2, an INFORMATIONAL Delete from the responder), c's by pluto (whack --terminate)"
	peers
	two_ids_addrs
	quiet_esp_drop_a
	two_ids_sw "$B" b
	lsw_conf_a leftsubnet=10.1.0.0/25 rightsubnet=10.2.0.0/25 extra_conn=keyingtries=1
	lsw_add_conn "$A" c2 left=$IP_A right=$IP_B leftid=@moon2.ikeflow.test psk=ikeflow-psk-moon2 \
		leftsubnet=10.1.0.128/25 rightsubnet=10.2.0.128/25 extra_conn=keyingtries=1
	go_lsw_a shim
	lsw_initiate $NS_A "$A" 10 c
	lsw_initiate $NS_A "$A" 10 c2
	settle
	pings_from_b 2
	terminate "$B" c2; settle
	pings $NS_B $HOST_B $HOST_A 3
	lsw_terminate_a c
	wait_log "$B/charon.log" 'received DELETE for IKE_SA c\[' 5 || log "no delete of c seen by strongSwan"
	settle
}

sc_openiked_ikev2_two_ike_sas_same_hosts() {
	DESC="OpenIKED 7.2 initiator (iked with the PF_KEY shim, two active policies: c as moon.ikeflow.test with flow 10.1.0.0/25 === 10.2.0.0/25, c2 as moon2.ikeflow.test with its own PSK and flow 10.1.0.128/25 === 10.2.0.128/25) <-> strongSwan 5.9.8 responder (one connection per identity, ESP AES-CBC-128 + HMAC-SHA2-512-256): both IKE SAs between the same two hosts and, after IKE_SA_INIT, the same ports 4500/4500; strongSwan pings through both child SAs (ESP from strongSwan only), strongSwan deletes c2's IKE SA, more pings through net, then iked deletes its remaining IKE SA (ikectl reset sa)"
	two_ids_interop_meta openiked "$IKED_FACT_SHIM" "$IKED_FACT_4500" "iked.conf holds policies c and c2 (iked_conf's policy twice: different srcid, flow and PSK; same local and peer), both active: iked initiates both at its start; strongSwan (B) picks the peer config by IDi in IKE_AUTH" "c2's IKE SA is deleted by strongSwan (swanctl --terminate --ike c2, an INFORMATIONAL Delete from the responder), c's by iked (ikectl reset sa)"
	peers
	two_ids_addrs
	quiet_esp_drop_a
	two_ids_sw "$B" b esp=aes128-sha512
	iked_conf "$A" local=$IP_A peer=$IP_B from=10.1.0.0/25 to=10.2.0.0/25
	iked_add_policy "$A" c2 local=$IP_A peer=$IP_B from=10.1.0.128/25 to=10.2.0.128/25 \
		srcid=moon2.ikeflow.test psk=ikeflow-psk-moon2
	go_iked_a
	wait_count "$A/iked.log" 'established peer' 2 15 || log "iked: not both IKE SAs established"
	settle
	pings_from_b 2
	terminate "$B" c2; settle
	pings $NS_B $HOST_B $HOST_A 3
	iked_reset_sa
}

sc_ikev2_two_ike_sas_both_alive() {
	DESC="IKEv2 two IKE SAs between the same two hosts and ports (the connections of ikev2-two-ike-sas-same-hosts: c as moon.ikeflow.test, c2 as moon2.ikeflow.test), DPD on both sides (dpd_delay 2 s): both up, pings through both child SAs interleaved, then no traffic while DPD runs: three rounds of the responder's on each IKE SA (empty INFORMATIONAL requests, answered), and the initiator's own where its 2 s timer ran out before the responder's request came (which side probes which SA when is timing: the logs say); the capture ends with both IKE SAs and child SAs still up (no Delete)"
	peers
	two_ids_addrs
	two_ids_sw "$A" a dpd_delay=2s
	two_ids_sw "$B" b dpd_delay=2s
	go ra
	initiate "$A" net
	initiate "$A" net2
	local i
	for i in 1 2 3; do
		pings $NS_A $HOST_A $HOST_B 1
		pings $NS_A 10.1.0.129 10.2.0.129 1
	done
	# three DPD rounds of the responder's on each IKE SA after the last
	# ping (the initiator's own only where its timer runs out first), then both charons killed between two rounds; the capture runs on 1.5 s
	# (tcpdump delivers packets in blocks: a packet less than a second before
	# it stops can be lost)
	wait_count "$B/charon.log" 'sending DPD request' 6 15 || log "both-alive: fewer DPD rounds than wanted"
	settle 0.3
	kill_charon "$A"; kill_charon "$B"
	wait "$(cat "$A/charon.pid")" "$(cat "$B/charon.pid")" 2>/dev/null || true
	settle 1.5
	NOTES+=("one strongswan.conf per host, two swanctl connections per host (as in ikev2-two-ike-sas-same-hosts), dpd_delay = 2s on every connection of both hosts: each charon sends an empty INFORMATIONAL on an IKE SA when it has received nothing on it for 2 s" "after the last ping the run waits until the responder has sent 6 DPD requests (3 per IKE SA, about 6 s), then both charons are killed (SIGKILL) 0.3 s later and the capture stops 1.5 s after that, so nothing is deleted: both IKE SAs and both child SAs are up at the end of the capture and in the logs (ended null)" "extra addresses 10.1.0.129 (A) and 10.2.0.129 (B) on lo for net2's pings" "captured on the initiator side (ra)")
}
