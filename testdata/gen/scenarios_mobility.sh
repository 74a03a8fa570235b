# shellcheck shell=bash
# Address and port changes of an established IKEv2 SA (NAT rebinding, MOBIKE)
# and IKEv2 over IPv6, for corpus.sh (sourced after scenarios.sh). Same
# topology and helpers as scenarios.sh (sw_ike_set from scenarios_reauth.sh).
# ikev2-nat-rebind needs the conntrack tool in the router namespace.

SCENARIOS+=(
	ikev2-nat-rebind
	ikev2-mobike
	ikev2-ipv6
)

# IPv6 addresses (documentation prefix 2001:db8::/32) for ikev2-ipv6
IP6_A=2001:db8:a::10
IP6_RA=2001:db8:a::1
IP6_RB=2001:db8:b::1
IP6_B=2001:db8:b::10
NET6_A=2001:db8:1::/64; HOST6_A=2001:db8:1::1
NET6_B=2001:db8:2::/64; HOST6_B=2001:db8:2::1

sc_ikev2_nat_rebind() {
	DESC="IKEv2 NAT rebinding: the ikev2-nat-t setup (the router masquerades 198.51.100.0/24 behind 203.0.113.1, capture on the public side), SA up, pings; then the router's NAT mapping changes (MASQUERADE rule replaced by one mapping to ports 40000-40100, conntrack entries flushed), so the initiator's next packets arrive from 203.0.113.1 on a new port: first one ping's ESP (the reply goes to the old port and is lost), then its DPD INFORMATIONAL (dpd_delay 2 s); the responder moves the IKE SA to the new port (RFC 7296 2.23) and, as kernel-libipsec cannot update the child SA's addresses, rekeys the child SA (CREATE_CHILD_SA with N(REKEY_SA) from the responder, Delete of the old ESP SA); pings through the new child SA, the initiator deletes the IKE SA"
	ensure_conntrack
	IA=(dpd_delay=2s)
	IB=(ra=%any)
	peers nat
	conf_pair
	go rb
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 3
	nsx $NS_R iptables -t nat -R POSTROUTING 1 -s 198.51.100.0/24 -o rb -p udp -j MASQUERADE --to-ports 40000-40100
	nsx $NS_R conntrack -D -p udp >/dev/null 2>&1 || true
	# one ping through the new mapping before any IKE message: ESP from the new
	# port on the old child SA; the reply goes to the old port, which the router
	# no longer maps (lost)
	pings $NS_A $HOST_A $HOST_B 1
	# idle for the initiator's DPD (dpd_delay 2 s) to travel through the new mapping
	wait_log "$B/charon.log" 'received packet: from 203\.0\.113\.1\[40[01]' 8 || log "nat-rebind: no DPD seen by the responder"
	sleep 1
	pings $NS_A $HOST_A $HOST_B 3
	terminate "$A" c; settle
	NOTES+=("captured between the NAT router and the responder: the initiator appears as 203.0.113.1, first on ports 500/4500 (masquerade keeps the source ports), after the rebinding on a port in 40000-40100" "the rebinding: iptables -t nat -R POSTROUTING 1 ... -p udp -j MASQUERADE --to-ports 40000-40100, then conntrack -D -p udp in the router namespace" "dpd_delay 2 s on the initiator: the DPD INFORMATIONAL is the first IKE message after the rebinding" "the ping right after the rebinding is lost: its ESP reaches the responder from the new port, the responder's ESP reply still goes to port 4500, which the router no longer maps")
}

ensure_conntrack() {
	command -v conntrack >/dev/null && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends conntrack >/dev/null
}

sc_ikev2_mobike() {
	DESC="IKEv2 MOBIKE (RFC 4555, mobike = yes on both sides): SA up, pings; the initiator gets a second address 198.51.100.11 and loses 198.51.100.10, so it announces the new address (INFORMATIONAL with N(ADDITIONAL_IP4_ADDRESS)), then, the old one gone, checks the new path (empty INFORMATIONAL from 198.51.100.11) and sends INFORMATIONAL with N(UPDATE_SA_ADDRESSES) from it; the responder moves the IKE SA to the new address and, as kernel-libipsec cannot update the child SA's addresses, rekeys the child SA (CREATE_CHILD_SA with N(REKEY_SA) from the responder, Delete of the old ESP SA); pings through the new child SA from the new address, the initiator deletes the IKE SA"
	IB=(ra=%any)
	peers
	conf_pair
	sw_ike_set "$A" mobike=yes
	sw_ike_set "$B" mobike=yes
	go ra
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 3
	nsx $NS_A sysctl -qw net.ipv4.conf.all.promote_secondaries=1 net.ipv4.conf.a0.promote_secondaries=1
	nsx $NS_A ip addr add 198.51.100.11/24 dev a0
	sleep 1
	nsx $NS_A ip addr del $IP_A/24 dev a0
	nsx $NS_A ip route replace default via $IP_RA
	wait_log "$A/charon.log" 'UPD_SA_ADDR' 8 || log "mobike: no UPDATE_SA_ADDRESSES seen"
	sleep 2
	pings $NS_A $HOST_A $HOST_B 3
	terminate "$A" c; settle
	NOTES+=("mobike = yes on both sides (swanctl's default; the other scenarios disable it); the responder accepts any remote address (remote_addrs = %any)" "the move: ip addr add 198.51.100.11/24 dev a0, 1 s later ip addr del 198.51.100.10/24 dev a0 (promote_secondaries = 1) in the initiator's namespace")
}

sc_ikev2_ipv6() {
	DESC="IKEv2 PSK over IPv6 (2001:db8:a::10 -> 2001:db8:b::10 through the router), IKE_SA_INIT + IKE_AUTH with one IPv6 child SA (2001:db8:1::/64 === 2001:db8:2::/64), 4 pings as ESP-in-UDP over IPv6, initiator deletes the IKE SA"
	peers
	local ns ifc
	for ns in $NS_A $NS_R $NS_B; do
		nsx $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.lo.disable_ipv6=0
		for ifc in $(nsx $ns ls /sys/class/net); do
			nsx $ns sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=0" 2>/dev/null || true
		done
	done
	nsx $NS_R sysctl -qw net.ipv6.conf.all.forwarding=1
	nsx $NS_R ip -6 addr add $IP6_RA/64 dev lan nodad
	nsx $NS_R ip -6 addr add $IP6_RB/64 dev rb nodad
	nsx $NS_A ip -6 addr add $IP6_A/64 dev a0 nodad
	nsx $NS_B ip -6 addr add $IP6_B/64 dev b0 nodad
	nsx $NS_A ip -6 route add default via $IP6_RA
	nsx $NS_B ip -6 route add default via $IP6_RB
	nsx $NS_A ip -6 addr add $HOST6_A/128 dev lo
	nsx $NS_B ip -6 addr add $HOST6_B/128 dev lo
	IA=(la=$IP6_A ra=$IP6_B lts=$NET6_A rts=$NET6_B)
	IB=(la=$IP6_B ra=$IP6_A lts=$NET6_B rts=$NET6_A)
	conf_pair
	# neighbour discovery before the capture (else the first IKE_SA_INIT can be lost)
	nsx $NS_A ping -n -q -c 1 -W 2 $IP6_B >/dev/null 2>&1 || true
	go
	initiate "$A" net
	pings $NS_A $HOST6_A $HOST6_B 4
	terminate "$A" c; settle
	NOTES+=("IPv6 only on the wire: initiator 2001:db8:a::10, router 2001:db8:a::1 / 2001:db8:b::1, responder 2001:db8:b::10 (addresses nodad; one ping from the initiator to the responder before the capture starts, for neighbour discovery); protected 2001:db8:1::1 and 2001:db8:2::1 on lo")
}
