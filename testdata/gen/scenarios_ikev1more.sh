# shellcheck shell=bash
# More IKEv1 scenarios for corpus.sh (strongSwan 5.9.8 on both ends, same
# topology and helpers as scenarios.sh): XAUTH + Mode Config (ISAKMP
# Transaction exchanges, phase 1.5), aggressive mode + XAUTH, DPD
# (R-U-THERE / R-U-THERE-ACK), a dead peer, and quick mode / ISAKMP SA
# rekeying.

SCENARIOS+=(
	ikev1-xauth-modecfg
	ikev1-xauth-wrong-password
	ikev1-aggressive-xauth
	ikev1-dpd
	ikev1-dpd-dead-peer
	ikev1-rekey
)

XAUTH_USER=alice
XAUTH_PASS=alice-secret-1
XAUTH_POOL=10.1.0.1-10.1.0.1   # the initiator's protected address, so pings from it use the virtual IP

# ensure_xauth: the XAUTH client/server for secrets (xauth-generic) is in
# Debian's libcharon-extauth-plugins
ensure_xauth() {
	dpkg-query -W -f='${Status}' libcharon-extauth-plugins 2>/dev/null | grep -q 'install ok installed' ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libcharon-extauth-plugins >/dev/null
	[ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ] || die "xauth-generic plugin missing"
}

# add_plugins DIR name...: append plugins to the charon "load" list of DIR/strongswan.conf
add_plugins() {
	local dir=$1; shift
	sed -i "s/^\(\tload = .*\)$/\1 $*/" "$dir/strongswan.conf"
}

# xauth_conf [aggressive=yes|no] [client_pass=...]: swanctl configs for an
# IKEv1 PSK + XAUTH + Mode Config pair. A (moon) is the XAUTH client and asks
# for a virtual IP (vips = 0.0.0.0); B (sun) is the XAUTH server with the
# user's password in its secrets and a one-address pool.
xauth_conf() {
	local -A k=([aggressive]=no [client_pass]=$XAUTH_PASS)
	local kv
	for kv in "$@"; do k[${kv%%=*}]=${kv#*=}; done
	mkdir -p "$A/swanctl/conf.d"
	cat > "$A/swanctl/conf.d/c.conf" <<EOF
connections {
 c {
  version = 1
  local_addrs = $IP_A
  remote_addrs = $IP_B
  proposals = aes128-sha256-modp2048
  aggressive = ${k[aggressive]}
  mobike = no
  fragmentation = yes
  dpd_delay = 0
  rekey_time = 0
  reauth_time = 0
  vips = 0.0.0.0
  local-1 {
   auth = psk
   id = moon.ikeflow.test
  }
  local-2 {
   auth = xauth
   xauth_id = $XAUTH_USER
  }
  remote {
   auth = psk
   id = sun.ikeflow.test
  }
  children {
   net {
    remote_ts = $NET_B
    esp_proposals = aes128-sha256
    start_action = none
    rekey_time = 0
    rand_time = 0
   }
  }
 }
}
secrets {
 ike-c {
  id-1 = moon.ikeflow.test
  id-2 = sun.ikeflow.test
  secret = "ikeflow-psk-0123"
 }
 xauth-$XAUTH_USER {
  id = $XAUTH_USER
  secret = "${k[client_pass]}"
 }
}
EOF
	echo 'include conf.d/*.conf' > "$A/swanctl/swanctl.conf"
	xauth_server_conf aes128-sha256 "${k[aggressive]}"
}

# xauth_server_conf ESP [AGGRESSIVE]: swanctl config of B (sun) as the XAUTH
# server of an IKEv1 PSK + XAUTH + Mode Config pair: child ESP proposals ESP,
# the user's password in its secrets, a one-address pool, and "aggressive =
# AGGRESSIVE" when given
xauth_server_conf() {
	mkdir -p "$B/swanctl/conf.d"
	cat > "$B/swanctl/conf.d/c.conf" <<EOF
connections {
 c {
  version = 1
  local_addrs = $IP_B
  remote_addrs = $IP_A
  proposals = aes128-sha256-modp2048
  mobike = no
  fragmentation = yes
  dpd_delay = 0
  rekey_time = 0
  reauth_time = 0
  pools = vpool
  local {
   auth = psk
   id = sun.ikeflow.test
  }
  remote-1 {
   auth = psk
   id = moon.ikeflow.test
  }
  remote-2 {
   auth = xauth
  }
  children {
   net {
    local_ts = $NET_B
    esp_proposals = $1
    start_action = none
    rekey_time = 0
    rand_time = 0
   }
  }
 }
}
pools {
 vpool {
  addrs = $XAUTH_POOL
 }
}
secrets {
 ike-c {
  id-1 = sun.ikeflow.test
  id-2 = moon.ikeflow.test
  secret = "ikeflow-psk-0123"
 }
 xauth-$XAUTH_USER {
  id = $XAUTH_USER
  secret = "$XAUTH_PASS"
 }
}
EOF
	[ -z "${2:-}" ] || sed -i "s/^  proposals = .*$/&\n  aggressive = $2/" "$B/swanctl/conf.d/c.conf"
	echo 'include conf.d/*.conf' > "$B/swanctl/swanctl.conf"
}

# xauth_prepare [xauth_conf args]: peers and their xauth_conf configs, the
# xauth-generic plugin loaded on both sides (daemons not started yet)
xauth_prepare() {
	ensure_xauth
	peers
	add_plugins "$A" xauth-generic
	add_plugins "$B" xauth-generic
	xauth_conf "$@"
}

xauth_peers() {  # xauth_peers [xauth_conf args]: xauth_prepare, then go
	xauth_prepare "$@"
	go
}

slow_pings() {  # slow_pings NS SRC DST COUNT INTERVAL (blocking, bounded by ping itself)
	ip netns exec "$1" ping -n -q -c "$4" -i "$5" -W 1 -I "$2" "$3" >>"$W/ping.out" 2>&1 || true
	PINGS=$((${PINGS:-0} + $4))
}

sc_ikev1_xauth_modecfg() {
	DESC="IKEv1 main mode (PSK) + XAUTH (sun is the XAUTH server, moon the client with user alice) + Mode Config (moon asks for a virtual IP, gets 10.1.0.1 from sun's pool): ISAKMP Transaction exchanges between main mode and quick mode, then quick mode, pings, delete"
	CHECK=ikev1
	xauth_peers
	up_ping_down 3
	NOTES+=("XAUTH: the server (responder) sends CFG_REQUEST(XAUTH type/user/password), the client answers CFG_REPLY, the server sends CFG_SET(status), the client CFG_ACK; then Mode Config pull: the client sends CFG_REQUEST(INTERNAL_IP4_ADDRESS...), the server CFG_REPLY" "the pool holds only 10.1.0.1, the initiator's protected address (on lo, install_virtual_ip = no), so the child SA is 10.1.0.1/32 === 10.2.0.0/24 and pings from 10.1.0.1 use it" "xauth-generic plugin (Debian libcharon-extauth-plugins) on both sides")
}

sc_ikev1_xauth_wrong_password() {
	DESC="IKEv1 main mode (PSK) + XAUTH with a wrong password: main mode succeeds, the XAUTH server answers the client's credentials with CFG_SET status = fail, the client acknowledges, and the ISAKMP SA is torn down without quick mode"
	CHECK=ikev1
	xauth_peers client_pass=alice-WRONG
	initiate "$A" net 10; settle 2
	NOTES+=("the PSK is right; only the XAUTH password (user alice) differs" "XAUTH failure travels as CFG_SET(XAUTH_STATUS = 0) inside an encrypted Transaction exchange, not as a notify: ike_sas[].xauth has each side's logged result; neither side sends a Delete (the responder logs 'destroying IKE_SA after failed XAuth authentication', the initiator destroys its SA after acknowledging)")
}

sc_ikev1_aggressive_xauth() {
	DESC="IKEv1 aggressive mode (PSK, 3 messages) + XAUTH + Mode Config (the Cisco remote-access style): Transaction exchanges after aggressive mode, then quick mode, pings, delete"
	CHECK=ikev1
	EXTRA_A=("i_dont_care_about_security_and_use_aggressive_mode_psk = yes")
	EXTRA_B=("i_dont_care_about_security_and_use_aggressive_mode_psk = yes")
	xauth_peers aggressive=yes
	up_ping_down 3
	NOTES+=("charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes on both sides" "the pool holds only 10.1.0.1, the initiator's protected address, so pings from it use the virtual IP")
}

sc_ikev1_dpd() {
	DESC="IKEv1 main + quick mode with DPD (dpd_delay 2 s on both sides): R-U-THERE / R-U-THERE-ACK informational exchanges while ESP flows (a ping every 2.5 s), then the initiator deletes"
	CHECK=ikev1
	IA=(dpd_delay=2s) IB=(dpd_delay=2s)
	peers; conf_pair version=1; go
	initiate "$A" net
	slow_pings $NS_A $HOST_A $HOST_B 4 2.5
	terminate "$A" c; settle
	NOTES+=("both sides have dpd_delay = 2s: strongSwan sends R-U-THERE after 2 s without inbound IKE (kernel-libipsec reports no ESP use times)")
}

sc_ikev1_dpd_dead_peer() {
	DESC="IKEv1 DPD with a dead peer: SA up, one ping, then the responder daemon is killed (SIGKILL); the initiator's R-U-THERE notifies (dpd_delay 2 s) go unanswered until it gives up and deletes the ISAKMP SA"
	CHECK=ikev1
	IA=(dpd_delay=2s)
	peers; conf_pair version=1; go
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 1
	kill -KILL "$(cat "$B/charon.pid")"
	wait_log "$A/charon.log" 'giving up after|peer not responding|DPD check timed out' 30 || log "dpd: no give-up seen"
	settle
	NOTES+=("responder killed without sending anything: its log ends abruptly; ICMP port unreachable from its host may appear in the capture" "IKEv1 R-U-THERE are not retransmitted: each is a new INFORMATIONAL_V1 (new message ID, DPD sequence number) every dpd_delay; the initiator logs 'DPD check timed out, enforcing DPD action' and (dpd_action = clear) destroys the ISAKMP SA without sending a Delete" "dpd_timeout is not set: for IKEv1 strongSwan then derives the DPD timeout from the retransmission settings (retransmit_tries 5, retransmit_timeout 1.0 s, retransmit_base 1.4: about 16 s), so 8 R-U-THERE go out before the give-up")
}

sc_ikev1_rekey() {
	DESC="IKEv1 rekeys with short lifetimes on the initiator: IPsec SA rekey_time 4 s (a new quick mode, the old IPsec SA deleted) and ISAKMP SA rekey_time 10 s (a new main mode), pings every 2 s across the rekeys, then the initiator deletes"
	CHECK=ikev1
	IA=(child_rekey=4s child_life=12s ike_rekey=10s)
	peers; conf_pair version=1; go
	initiate "$A" net
	local i
	for i in 1 2 3 4 5 6 7 8; do pings $NS_A $HOST_A $HOST_B 1; sleep 2; done
	terminate "$A" c; settle
	NOTES+=("only the initiator has short lifetimes, so it initiates every rekey" "IKEv1 has no rekey exchange: each IPsec SA rekey is a new quick mode on the same ISAKMP SA; strongSwan keeps the old IPsec SA until its life_time (12 s) expires ('closing expired CHILD_SA') and only then sends its Delete" "the ISAKMP SA 'rekey' is a reauthentication: a new main mode (new cookies, straight on UDP 4500, no INITIAL_CONTACT), the responder logs 'detected reauth of existing IKE_SA, adopting N children', the initiator deletes the old ISAKMP SA 1 s later; the adopted IPsec SAs (child_sas[].ike_sa = where they were established) are deleted on the new ISAKMP SA; ike_sas[].reauth_of names the replaced SA" "a child SA rekeyed just before the terminate carries no ESP (its close line logs 0 bytes both ways): child_sas[].esp_flows = false")
}

# --- libreswan 4.10 (pluto, IKEv1) initiator against strongSwan; helpers and
# conventions of scenarios_interop.sh (XFRM ACK shim: no ESP can flow)

SCENARIOS+=(
	libreswan-ikev1-rekey
	libreswan-ikev1-dpd
)

sc_libreswan_ikev1_rekey() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv1 PSK, rekey=yes, ikelifetime 12 s, salifetime 15 s, rekeymargin 5 s, rekeyfuzz 0%) <-> strongSwan 5.9.8 (version 1): pluto replaces the ISAKMP SA with a new main mode (7 s) and rekeys the IPsec SA with a new quick mode (10 s), deletes the old SAs, then pluto deletes; no ESP"
	CHECK=ikev1
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)" "pluto schedules a rekey at lifetime - rekeymargin (rekeyfuzz 0%: no random part): ISAKMP SA at 7 s, IPsec SA at 10 s after it was established")
	interop_meta libreswan a initiator pluto.log no
	IB=(esp=aes128-sha256-modp2048)   # pluto's quick mode asks for PFS with its IKE group
	peers; conf_pair version=1
	lsw_shim_initiate 15 ikev2=no ike=aes128-sha2_256-modp2048 rekey=yes ikelifetime=12s salifetime=15s rekeymargin=5s rekeyfuzz=0% extra_conn=keyingtries=1
	lsw_end 13 2
}

sc_libreswan_ikev1_dpd() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv1 PSK, dpddelay 2 s, dpdtimeout 30 s) <-> strongSwan 5.9.8 (version 1, no DPD of its own): pluto sends R-U-THERE every 2 s, strongSwan answers R-U-THERE-ACK, then pluto deletes; no ESP"
	CHECK=ikev1
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)" "pluto's IKEv1 DPD event runs on its IPsec SA every dpddelay and sends R-U-THERE on the ISAKMP SA when nothing was heard from the peer for dpddelay")
	interop_meta libreswan a initiator pluto.log no
	IB=(esp=aes128-sha256-modp2048)   # no strongSwan DPD: pluto counts a received R-U-THERE as liveness and would not send its own
	peers; conf_pair version=1
	lsw_shim_initiate 15 ikev2=no ike=aes128-sha2_256-modp2048 extra_conn=keyingtries=1 dpddelay=2 dpdtimeout=30 dpdaction=clear
	lsw_end 7 2
}
