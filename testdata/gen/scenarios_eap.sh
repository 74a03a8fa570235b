# shellcheck shell=bash
# Remote-access style IKEv2 scenarios for corpus.sh: EAP authentication of the
# initiator (several IKE_AUTH round trips), virtual IPs from a pool (CP
# payloads), childless IKE SA initiation (RFC 6023) and a second child SA on
# one IKE SA. strongSwan 5.9.8 on both sides.
#
# Debian 12 ships no eap-mschapv2 plugin (libcharon-extra-plugins has eap-md5,
# eap-gtc, eap-identity, eap-tls, eap-ttls, eap-aka, eap-radius, eap-tnc), so
# the EAP scenarios use EAP-MD5 after an EAP-Identity round. The responder
# authenticates with an ECDSA P-256 certificate (small enough for one
# datagram) made at run time by scenarios_cert.sh's helpers. net2_peers
# (a second child SA) comes from scenarios_reauth.sh.
#
# Run with your own prefix when another generator runs:
#   IKF_NS_PREFIX=ikfe bash testdata/gen/corpus.sh ikev2-eap-md5

SCENARIOS+=(
	ikev2-eap-md5
	ikev2-eap-wrong-password
	ikev2-virtual-ip
	ikev2-childless
	ikev2-second-child
)

# plugins of lib.sh's write_strongswan_conf plus EAP (a later "load" wins)
EAP_LOAD="load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints revocation aes sha1 sha2 md5 hmac kdf gcm chapoly curve25519 gmp eap-identity eap-md5 kernel-libipsec kernel-netlink socket-default vici"
EAP_POOL=10.4.0.0/28   # virtual IP pool of the responder (no other use in the lab)

# conn_add_to DIR CONN LINE...: add connection-level lines to connection
# CONN of DIR (after swconf, which has no key for them)
conn_add_to() {
	local f=$1/swanctl/conf.d/$2.conf l; shift 2
	for l in "$@"; do sed -i "s|^  encap = .*$|&\n  $l|" "$f"; done
}

# conn_add DIR LINE...: conn_add_to connection "c"
conn_add() { conn_add_to "$1" c "${@:2}"; }

# add_vpool DIR ADDRS: a pool "vpool" of ADDRS in DIR's c.conf
add_vpool() {
	printf 'pools {\n vpool {\n  addrs = %s\n }\n}\n' "$2" >> "$1/swanctl/conf.d/c.conf"
}

# wait_vip MESSAGE: wait (bounded) until A has installed its virtual IP (in
# VIP); die with MESSAGE if it has none
wait_vip() {
	local i
	for i in $(seq 1 30); do
		VIP=$(grep -oE 'installing new virtual IP [0-9.]+' "$A/charon.log" | head -1 | awk '{print $5}')
		[ -n "$VIP" ] && nsx $NS_A ip -4 addr show | grep -q "inet $VIP/" && break
		sleep 0.1
	done
	[ -n "$VIP" ] || die "$1"
}

# eap_conf PASSWORD_A PASSWORD_B: moon (A) authenticates with EAP-MD5 as
# EAP identity "moon" (the responder asks for it with EAP-Identity), sun (B)
# with its certificate; B also has PASSWORD_B for "moon"
eap_conf() {
	local pa=$1 pb=$2 d side
	for side in A B; do
		if [ $side = A ]; then d=$A; else d=$B; fi
		mkdir -p "$d/swanctl"/{conf.d,x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
		{
			echo "connections {"
			echo " c {"
			echo "  version = 2"
			if [ $side = A ]; then
				echo "  local_addrs = $IP_A"; echo "  remote_addrs = $IP_B"
			else
				echo "  local_addrs = $IP_B"; echo "  remote_addrs = $IP_A"
			fi
			echo "  proposals = aes128-sha256-modp2048"
			echo "  mobike = no"
			echo "  fragmentation = yes"
			echo "  dpd_delay = 0"
			echo "  rekey_time = 0"
			echo "  reauth_time = 0"
			echo "  unique = no"
			if [ $side = A ]; then
				printf '  local {\n   auth = eap-md5\n   id = moon.ikeflow.test\n   eap_id = moon\n  }\n'
				printf '  remote {\n   auth = pubkey\n   id = sun.ikeflow.test\n  }\n'
				eap_child $NET_A $NET_B
			else
				printf '  local {\n   auth = pubkey\n   id = sun.ikeflow.test\n   certs = sun.crt\n  }\n'
				printf '  remote {\n   auth = eap-md5\n   id = moon.ikeflow.test\n   eap_id = %%any\n  }\n'
				eap_child $NET_B $NET_A
			fi
			echo " }"
			echo "}"
			echo "secrets {"
			echo " eap-moon {"
			echo "  id = moon"
			if [ $side = A ]; then echo "  secret = \"$pa\""; else echo "  secret = \"$pb\""; fi
			echo " }"
			echo "}"
		} > "$d/swanctl/conf.d/c.conf"
		echo 'include conf.d/*.conf' > "$d/swanctl/swanctl.conf"
	done
	cert_pki_dir
	cert_root ca ecdsa 256 "ikeflow test CA"
	cert_ee sun ecdsa 256 sun ca
	cert_install "$B" sun
	cert_trust "$A" ca
	cert_role ca ca; cert_role responder sun
}

eap_child() {  # eap_child LTS RTS: the children section of eap_conf
	printf '  children {\n   net {\n    local_ts = %s\n    remote_ts = %s\n' "$1" "$2"
	printf '    esp_proposals = aes128-sha256\n    rekey_time = 0\n    rand_time = 0\n   }\n  }\n'
}

terminate_child() {  # terminate_child DIR CHILD: close one child SA (bounded)
	local n0 i
	n0=$(grep -c 'closing CHILD_SA' "$1/charon.log" || true)
	sw "$1" --terminate --child "$2" --timeout 5 >>"$1/terminate.out" 2>&1 || true
	for i in $(seq 1 50); do
		[ "$(grep -c 'closing CHILD_SA' "$1/charon.log" || true)" -gt "$n0" ] && break
		sleep 0.1
	done
	sleep 0.5
}

# --- scenarios ----------------------------------------------------------------

sc_ikev2_eap_md5() {
	DESC="IKEv2 remote access with EAP: the initiator (moon) authenticates with EAP-Identity + EAP-MD5, the responder (sun) with an ECDSA P-256 certificate; IKE_AUTH takes 4 round trips (MIDs 1-4: IDi without AUTH / IDr CERT AUTH EAP-Identity request, EAP-Identity response / EAP-MD5 challenge, EAP-MD5 response / EAP-Success, AUTH / AUTH SA TS); child SA up, pings, initiator deletes"
	EXTRA_A=("$EAP_LOAD") EXTRA_B=("$EAP_LOAD")
	peers
	eap_conf ikeflow-eap-pass0 ikeflow-eap-pass0
	go
	up_ping_down 3
	cert_facts
	NOTES+=("Debian 12 has no eap-mschapv2 plugin: EAP-MD5 (no MSK, so the final AUTH payloads are computed without one)" "only the responder has a certificate; the initiator trusts its CA")
}

sc_ikev2_eap_wrong_password() {
	DESC="IKEv2 EAP-MD5 with a wrong password: the responder's certificate AUTH is accepted, EAP-Identity succeeds, the initiator's EAP-MD5 response does not verify and the responder answers with EAP-Failure; no IKE SA, no child SA"
	EXTRA_A=("$EAP_LOAD") EXTRA_B=("$EAP_LOAD")
	peers
	eap_conf ikeflow-eap-WRONG ikeflow-eap-pass0
	go
	initiate "$A" net; settle
	cert_facts
	NOTES+=("Debian 12 has no eap-mschapv2 plugin: EAP-MD5")
}

sc_ikev2_virtual_ip() {
	DESC="IKEv2 PSK with a virtual IP: the initiator asks for one (vips = 0.0.0.0, CFG_REQUEST in IKE_AUTH), the responder assigns the first address of its pool $EAP_POOL (CFG_REPLY) and narrows the child SA's initiator traffic selector to it; pings from the virtual IP, initiator deletes"
	EXTRA_A=("install_virtual_ip = yes")
	peers
	IA=(lts=dynamic) IB=(rts=dynamic)
	conf_pair
	conn_add "$A" "vips = 0.0.0.0"
	conn_add "$B" "pools = vpool"
	add_vpool "$B" "$EAP_POOL"
	go
	initiate "$A" net
	wait_vip "virtual-ip: no virtual IP installed"
	pings $NS_A "$VIP" $HOST_B 3
	terminate "$A" c; settle
	NOTES+=("install_virtual_ip = yes on the initiator: the virtual IP is installed in its namespace and the pings come from it" "the pool $EAP_POOL is used nowhere else in the lab")
}

sc_ikev2_childless() {
	DESC="IKEv2 childless IKE SA initiation (RFC 6023): the responder announces support with N(CHILDLESS_IKEV2_SUPPORTED) in its IKE_SA_INIT response, the initiator (childless = force) then sends IKE_AUTH without SA/TSi/TSr and the IKE SA comes up without a child SA; then the child SA is created with CREATE_CHILD_SA (swanctl --initiate --child), pings, initiator deletes"
	EXTRA_A=("reuse_ikesa = yes")
	peers
	conf_pair
	conn_add "$A" "childless = force"
	go
	initiate_ike "$A" c
	settle
	initiate "$A" net
	ping_down 3
	NOTES+=("reuse_ikesa = yes on the initiator so that the child is created on the existing IKE SA")
}

# second_child_run DIR: net up in IKE_AUTH, net2 by CREATE_CHILD_SA, pings
# through both, DIR's peer deletes net2, pings through net, the initiator
# deletes the IKE SA
second_child_run() {
	net2_peers
	go
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 2
	initiate "$A" net2
	pings $NS_A 10.1.0.129 10.2.0.129 2
	pings $NS_A $HOST_A $HOST_B 1
	terminate_child "$1" net2
	pings $NS_A $HOST_A $HOST_B 2
	terminate "$A" c; settle
}

sc_ikev2_second_child() {
	DESC="IKEv2 one IKE SA with two child SAs: net (10.1.0.0/25 === 10.2.0.0/25) in IKE_AUTH, net2 (10.1.0.128/25 === 10.2.0.128/25) with CREATE_CHILD_SA; pings through both, then net2 is deleted (INFORMATIONAL Delete of its ESP SA), pings through net, then the IKE SA is deleted"
	second_child_run "$A"
	NOTES+=("reuse_ikesa = yes on the initiator so that net2 is created on the existing IKE SA" "extra addresses 10.1.0.129 (initiator) and 10.2.0.129 (responder) on lo for net2's pings")
}
