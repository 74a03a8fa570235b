# shellcheck shell=bash
# Scenario definitions for corpus.sh. Each scenario is a function sc_<name with
# dashes turned into underscores>; it sets DESC (one line), optionally CHECK
# (tshark decrypt check: "ikev2", "ikev1", or "skip:<reason>"), configures the
# peers with swconf, and drives the exchange. Hosts: A = initiator (ikf-a),
# B = responder (ikf-b), C = second initiator (ikf-c, mixed scenario only).

SCENARIOS=(
	ikev2-psk-success
	ikev2-init-no-proposal
	ikev2-auth-child-no-proposal
	ikev2-ts-unacceptable
	ikev2-auth-failed
	ikev2-invalid-ke-retry
	ikev2-retransmit
	ikev2-rekey
	ikev2-rekey-ike-first
	ikev2-dpd-dead-peer
	ikev2-aes-gcm
	ikev2-chacha20poly1305
	ikev2-cert-fragmentation
	ikev2-nat-t
	ikev1-main-quick
	ikev1-main-no-proposal
	ikev1-quick-id-mismatch
	ikev1-aggressive
	ikev1-wrong-psk
	ikev2-mixed-peers
)

# --- helpers used by scenarios ------------------------------------------------

# peers [topo options]: topology + strongswan.conf for A and B (and C with peer-c)
# EXTRA_A / EXTRA_B / EXTRA_C: extra charon settings (lines)
peers() {
	topo_up "$@"
	write_strongswan_conf "$A" "${EXTRA_A[@]}"
	write_strongswan_conf "$B" "${EXTRA_B[@]}"
	HAVE_C=0
	case " $* " in *" peer-c "*) HAVE_C=1; write_strongswan_conf "$C" "${EXTRA_C[@]}";; esac
}

# default pairwise configs (A initiator <-> B responder); extra args go to both,
# IA_* / IB_* arrays add side-specific overrides
conf_pair() {
	swconf "$A" la=$IP_A ra=$IP_B lts=$NET_A rts=$NET_B lid=moon.ikeflow.test rid=sun.ikeflow.test "$@" "${IA[@]}"
	swconf "$B" la=$IP_B ra=$IP_A lts=$NET_B rts=$NET_A lid=sun.ikeflow.test rid=moon.ikeflow.test "$@" "${IB[@]}"
}

# cert_peers [conf_pair args...]: peers and their configs, moon (A) and
# sun (B) authenticating with their certificates moon.crt and sun.crt
cert_peers() {
	peers
	IA=(cert=moon.crt) IB=(cert=sun.crt)
	conf_pair auth=pubkey "$@"
}

# start daemons and capture; $1 = router interface to capture on (ra: a side, rb: b side)
go() {
	local ifc=${1:-ra}
	start_charon $NS_B "$B"; load_conf "$B"
	start_charon $NS_A "$A"; load_conf "$A"
	if [ "$HAVE_C" = 1 ]; then start_charon $NS_C "$C"; load_conf "$C"; fi
	start_capture $NS_R "$ifc" "$W/capture.pcap"
}

initiate() {  # initiate DIR CHILD [timeout]: bounded, failure tolerated
	local dir=$1 child=$2 t=${3:-15}
	sw "$dir" --initiate --child "$child" --timeout "$t" >>"$dir/initiate.out" 2>&1 || true
}

initiate_ike() {  # initiate an IKE SA only (no child), IKEv2
	local dir=$1 ike=$2 t=${3:-15}
	sw "$dir" --initiate --ike "$ike" --timeout "$t" >>"$dir/initiate.out" 2>&1 || true
}

terminate() {  # terminate DIR IKE, then wait (bounded) until the IKE SA is destroyed
	local n0 i
	n0=$(grep -c '=> DESTROYING' "$1/charon.log" || true)
	sw "$1" --terminate --ike "$2" --timeout 5 >>"$1/terminate.out" 2>&1 || true
	for i in $(seq 1 50); do
		[ "$(grep -c '=> DESTROYING' "$1/charon.log" || true)" -gt "$n0" ] && break
		sleep 0.1
	done
	sleep 0.5
}

pings() {  # pings NS SRC DST COUNT
	ip netns exec "$1" ping -n -q -c "$4" -i 0.2 -W 1 -I "$2" "$3" >>"$W/ping.out" 2>&1 || true
	PINGS=$((${PINGS:-0} + $4))
}

settle() { sleep "${1:-1}"; }

# up_ping_down COUNT: A brings up child "net", pings B COUNT times through it,
# then terminates IKE SA "c" and lets the daemons settle
up_ping_down() {
	initiate "$A" net
	ping_down "$1"
}

# ping_down COUNT: A pings B COUNT times through child "net", then
# terminates IKE SA "c" and lets the daemons settle
ping_down() {
	pings $NS_A $HOST_A $HOST_B "$1"
	terminate "$A" c; settle
}

# initiate_while_dropping SECONDS RULE...: the router drops what the
# iptables FORWARD rule RULE matches for SECONDS while A initiates child
# "net" (bounded, 20 s); returns when the initiation has ended
initiate_while_dropping() {
	local secs=$1 ipid; shift
	nsx $NS_R iptables -I "$@"
	initiate "$A" net 20 &
	ipid=$!
	sleep "$secs"
	nsx $NS_R iptables -D "$@"
	wait $ipid || true
}

# kill_charon DIR: SIGKILL the charon started for DIR (it sends nothing more)
kill_charon() { kill -KILL "$(cat "$1/charon.pid")"; }

# kill_responder_until_give_up LABEL: B's charon is killed; wait (bounded)
# until A's DPD gives up on it (else log LABEL: no give-up seen), then settle
kill_responder_until_give_up() {
	kill_charon "$B"
	wait_log "$A/charon.log" 'giving up after|peer not responding' 25 || log "$1: no give-up seen"
	settle
}

# --- runner -----------------------------------------------------------------

# run_scenario NAME WORKDIR OUTDIR (runs in a subshell)
run_scenario() {
	local name=$1
	W=$2
	local out=$3 fn="sc_${1//-/_}"
	declare -F "$fn" >/dev/null || die "unknown scenario $name"
	trap cleanup_all EXIT
	rm -rf "$W"; mkdir -p "$W"
	A=$W/a B=$W/b C=$W/c
	mkdir -p "$A" "$B"
	DESC="" CHECK=ikev2 HAVE_C=0 PINGS=0 NOTES=() PP=postprocess.py META_EXTRA=
	EXTRA_A=() EXTRA_B=() EXTRA_C=() IA=() IB=()
	"$fn"
	stop_capture
	sleep 0.3
	stop_started
	topo_down
	python3 - "$W/meta.json" "$name" "$DESC" "$CHECK" "$PINGS" "$HAVE_C" "${NOTES[@]}" <<'PY'
import json, sys
path, name, desc, check, pings, have_c, *notes = sys.argv[1:]
json.dump({"name": name, "description": desc, "check": check,
           "pings": int(pings), "have_c": have_c == "1", "notes": notes},
          open(path, "w"), indent=1)
PY
	# interop scenarios (scenarios_interop.sh) add JSON to meta.json and use their post-processor
	[ -z "$META_EXTRA" ] || python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); m.update(json.loads(sys.argv[2])); json.dump(m, open(sys.argv[1], "w"), indent=1)' "$W/meta.json" "$META_EXTRA"
	rm -rf "$out"; mkdir -p "$out"
	python3 "$GEN_DIR/$PP" "$W" "$out" || { log "postprocess failed"; return 1; }
	python3 "$GEN_DIR/shape.py" --check "$out" || { log "expected.json inconsistent"; return 1; }
	bash "$GEN_DIR/check_decrypt.sh" "$out" || return 1
	ls -la "$out" >&2
}

# --- IKEv2 scenarios ---------------------------------------------------------

sc_ikev2_psk_success() {
	DESC="IKEv2 PSK, IKE_SA_INIT + IKE_AUTH with one child SA, 4 pings through ESP-in-UDP, initiator deletes the IKE SA"
	peers; conf_pair; go
	up_ping_down 4
}

sc_ikev2_init_no_proposal() {
	DESC="IKEv2 IKE_SA_INIT answered with N(NO_PROPOSAL_CHOSEN): initiator offers AES-256/SHA-512/ECP-384, responder only AES-128/SHA-256/MODP-2048"
	CHECK="skip:nothing encrypted (IKE_SA_INIT only)"
	IA=(ike=aes256-sha512-ecp384)
	peers; conf_pair; go
	initiate "$A" net; settle
}

sc_ikev2_auth_child_no_proposal() {
	DESC="IKEv2 IKE SA established but child SA refused in IKE_AUTH with N(NO_PROPOSAL_CHOSEN): initiator ESP aes128gcm16 (ENCR_AES_GCM_16, 20), responder only aes128gmac (ENCR_NULL_AUTH_AES_GMAC, 21); initiator then deletes the IKE SA"
	IA=(esp=aes128gcm16) IB=(esp=aes128gmac)
	peers; conf_pair; go
	initiate "$A" net; settle
	terminate "$A" c; settle
}

sc_ikev2_ts_unacceptable() {
	DESC="IKEv2 child SA refused with N(TS_UNACCEPTABLE): initiator asks for 10.1.0.0/24 === 10.2.0.0/24, responder's policy is 10.20.0.0/24 === 10.1.0.0/24 (typo-style mismatch)"
	IB=(lts=10.20.0.0/24)
	peers; conf_pair; go
	initiate "$A" net; settle
	terminate "$A" c; settle
}

sc_ikev2_auth_failed() {
	DESC="IKEv2 wrong PSK: responder cannot verify AUTH and answers IKE_AUTH with N(AUTHENTICATION_FAILED)"
	IA=(psk=ikeflow-psk-WRONG)
	peers; conf_pair; go
	initiate "$A" net; settle
	NOTES+=("the initiator's keys decrypt the whole IKE_AUTH exchange; AUTH itself is computed with the wrong PSK")
}

sc_ikev2_invalid_ke_retry() {
	DESC="IKEv2 DH group mismatch: initiator sends KE for ECP-256 (proposal ecp256 then modp2048), responder only accepts MODP-2048 and answers N(INVALID_KE_PAYLOAD); initiator retries IKE_SA_INIT with MODP-2048 and succeeds"
	IA=(ike=aes128-sha256-ecp256-modp2048)
	peers; conf_pair; go
	up_ping_down 2
}

sc_ikev2_retransmit() {
	DESC="IKEv2 retransmits: the router drops everything the responder sends for 3.2 s, the initiator retransmits IKE_SA_INIT (MID 0) on its back-off schedule, then the path heals and the SA comes up"
	peers; conf_pair; go
	initiate_while_dropping 3.2 FORWARD -s $IP_B -j DROP
	ping_down 2
	NOTES+=("responses dropped by the router before the capture point (capture on the initiator side): retransmitted requests are on the wire, the dropped responses are not" "retransmit_timeout=1.0 s, retransmit_base=1.4, no jitter")
}

sc_ikev2_rekey() {
	DESC="IKEv2 rekeys with short lifetimes: child SA rekey_time 4 s and IKE SA rekey_time 9 s (CREATE_CHILD_SA with N(REKEY_SA), then IKE SA rekey with new SPIs, old SAs deleted), pings across the rekeys"
	IA=(child_rekey=4s child_life=12s ike_rekey=9s)
	peers; conf_pair; go
	initiate "$A" net
	local i
	for i in 1 2 3 4 5 6; do pings $NS_A $HOST_A $HOST_B 1; sleep 2; done
	terminate "$A" c; settle
	NOTES+=("only the initiator has short lifetimes, so it initiates every rekey")
}

sc_ikev2_rekey_ike_first() {
	DESC="IKEv2 IKE SA rekeyed first (IKE rekey_time 10 s: CREATE_CHILD_SA with new SPIs, the child SA moves to the new IKE SA, RFC 7296 2.18), then on the new IKE SA the moved child SA is rekeyed (child rekey_time 13 s: CREATE_CHILD_SA with N(REKEY_SA) naming its SPI, then INFORMATIONAL Delete of the old ESP SA), then the initiator deletes the new IKE SA; pings every 1.5 s throughout"
	IA=(ike_rekey=10s child_rekey=13s child_life=20s)
	peers; conf_pair; go
	initiate "$A" net
	local i
	for i in 1 2 3 4 5 6 7 8 9 10 11; do pings $NS_A $HOST_A $HOST_B 1; sleep 1.5; done
	terminate "$A" c; settle
	NOTES+=("only the initiator has short lifetimes, so it initiates both rekeys" "IKE rekey_time 10 s, not less: swanctl's default over_time is rekey_time/10 in whole seconds, so below 10 s the IKE SA's hard lifetime equals its rekey time and the lifetime's IKE_DELETE, delayed behind the rekey, migrates to the new IKE SA and deletes it at once (as in ikev2-rekey); rand_time defaults to over_time (1 s)" "IKE rekey at 9-10 s, child rekey at 13 s after IKE_AUTH, terminate at about 16.5 s, before the new IKE SA's own rekey (18 s at the earliest)" "the child SA created in IKE_AUTH is listed under IKE SA 0 (where it was established) although it lives on IKE SA 1 after the IKE rekey; its rekey and the Delete of its ESP SA are exchanges of IKE SA 1")
}

sc_ikev2_dpd_dead_peer() {
	DESC="IKEv2 DPD: SA up, then the responder daemon is killed (SIGKILL); the initiator's empty INFORMATIONAL liveness checks (dpd_delay 2 s) go unanswered, are retransmitted, and the initiator gives up and deletes the SA"
	EXTRA_A=("retransmit_tries = 3")
	IA=(dpd_delay=2s)
	peers; conf_pair; go
	initiate "$A" net
	pings $NS_A $HOST_A $HOST_B 1
	kill_responder_until_give_up dpd
	NOTES+=("responder killed without sending anything: its log ends abruptly; ICMP port unreachable from its host may appear in the capture" "retransmit_tries=3 on the initiator")
}

sc_ikev2_aes_gcm() {
	DESC="IKEv2 AEAD IKE SA: AES-GCM-256 (16-octet ICV) with PRF-HMAC-SHA384 and Curve25519, ESP AES-GCM-128, pings, delete"
	conf_args=(ike=aes256gcm16-prfsha384-x25519 esp=aes128gcm16)
	peers; conf_pair "${conf_args[@]}"; go
	up_ping_down 2
}

sc_ikev2_chacha20poly1305() {
	DESC="IKEv2 ChaCha20-Poly1305 IKE SA (PRF-HMAC-SHA256, Curve25519) and ESP ChaCha20-Poly1305, pings, delete"
	CHECK="skip:tshark 4.0 cannot decrypt ENCR_CHACHA20_POLY1305 and has no UAT name for it: no table row is written, the keys are in expected.json (ike_sas[].keys)"
	peers; conf_pair ike=chacha20poly1305-prfsha256-x25519 esp=chacha20poly1305; go
	up_ping_down 2
}

make_pki() {  # CA + moon/sun certificates (RSA 3072, so IKE_AUTH needs fragmenting)
	local d=$W/pki
	mkdir -p "$d"
	exec 3>&2 2>"$d/pki.err"
	pki --gen --type rsa --size 3072 --outform pem > "$d/ca.key"
	pki --self --ca --lifetime 30 --in "$d/ca.key" --type rsa --dn "C=ZZ, O=ikeflow test, CN=ikeflow test CA" --outform pem > "$d/ca.crt"
	local h
	for h in moon sun; do
		pki --gen --type rsa --size 3072 --outform pem > "$d/$h.key"
		pki --req --type priv --in "$d/$h.key" --dn "C=ZZ, O=ikeflow test, CN=$h.ikeflow.test" --san "$h.ikeflow.test" --outform pem > "$d/$h.req"
		pki --issue --cacert "$d/ca.crt" --cakey "$d/ca.key" --type pkcs10 --in "$d/$h.req" --lifetime 30 --flag serverAuth --san "$h.ikeflow.test" --outform pem > "$d/$h.crt"
	done
	exec 2>&3 3>&-
	cp "$d/ca.crt" "$A/swanctl/x509ca/"; cp "$d/ca.crt" "$B/swanctl/x509ca/"
	cp "$d/moon.crt" "$A/swanctl/x509/"; cp "$d/moon.key" "$A/swanctl/private/"
	cp "$d/sun.crt" "$B/swanctl/x509/"; cp "$d/sun.key" "$B/swanctl/private/"
}

sc_ikev2_cert_fragmentation() {
	DESC="IKEv2 certificate authentication (RSA-3072 certs from a throwaway CA, CERT + CERTREQ) with IKEv2 fragmentation (RFC 7383, fragment_size 500): IKE_AUTH request and response split into SKF fragments"
	EXTRA_A=("fragment_size = 500") EXTRA_B=("fragment_size = 500")
	cert_peers
	make_pki
	go
	up_ping_down 2
	NOTES+=("the certificates are generated at each run (30-day lifetime); their private keys are not kept")
}

sc_ikev2_nat_t() {
	DESC="IKEv2 NAT-T through a NAT: the router masquerades 198.51.100.0/24 behind 203.0.113.1; capture on the public side shows IKE from 203.0.113.1, NAT detection, move to UDP 4500 and ESP-in-UDP"
	peers nat
	IB=(ra=%any)
	conf_pair
	go rb
	up_ping_down 3
	NOTES+=("captured between the NAT router and the responder: the initiator appears as 203.0.113.1")
}

# --- IKEv1 scenarios ---------------------------------------------------------

sc_ikev1_main_quick() {
	DESC="IKEv1 main mode (PSK) + quick mode, pings through the phase-2 SA, initiator deletes (INFORMATIONAL delete for the IPsec SA and the ISAKMP SA)"
	CHECK=ikev1
	peers; conf_pair version=1 ike=aes128-sha256-modp2048; go
	up_ping_down 3
}

sc_ikev1_main_no_proposal() {
	DESC="IKEv1 phase-1 proposal mismatch: initiator offers AES-256/SHA-1/MODP-1024 in MM1, responder (AES-128/SHA-256/MODP-2048) answers with an INFORMATIONAL NO-PROPOSAL-CHOSEN"
	CHECK="skip:nothing encrypted (main mode message 1 only)"
	IA=(ike=aes256-sha1-modp1024)
	peers; conf_pair version=1; go
	initiate "$A" net 10; settle
}

sc_ikev1_quick_id_mismatch() {
	DESC="IKEv1 quick-mode proxy-ID mismatch: main mode succeeds, quick mode asks 10.1.0.0/24 === 10.2.0.0/24 and the responder (10.20.0.0/24) answers INVALID-ID-INFORMATION"
	CHECK=ikev1
	IB=(lts=10.20.0.0/24)
	peers; conf_pair version=1; go
	initiate "$A" net 10; settle
	terminate "$A" c; settle
}

sc_ikev1_aggressive() {
	DESC="IKEv1 aggressive mode (PSK, 3 messages) + quick mode, pings, delete"
	CHECK=ikev1
	EXTRA_A=("i_dont_care_about_security_and_use_aggressive_mode_psk = yes")
	EXTRA_B=("i_dont_care_about_security_and_use_aggressive_mode_psk = yes")
	peers; conf_pair version=1 aggressive=yes; go
	up_ping_down 2
	NOTES+=("charon.i_dont_care_about_security_and_use_aggressive_mode_psk = yes on the responder")
}

sc_ikev1_wrong_psk() {
	DESC="IKEv1 main mode with mismatched PSKs: the responder cannot decrypt/verify MM5 and the exchange fails (the initiator retransmits MM5 / receives an error notify)"
	CHECK=ikev1
	EXTRA_A=("retransmit_tries = 2")
	IA=(psk=ikeflow-psk-WRONG)
	peers; conf_pair version=1; go
	initiate "$A" net 12; settle
	NOTES+=("the UAT key is the initiator's (wrong-PSK) key Ka: it decrypts the initiator's MM5; the responder derived a different key")
}

# --- mixed ------------------------------------------------------------------

# two_initiators: peers A (moon) and C (mars, its own PSK) both configured
# towards the responder B (sun), which has a connection for each (c, c2)
two_initiators() {
	peers peer-c
	swconf "$A" la=$IP_A ra=$IP_B lts=$NET_A rts=$NET_B lid=moon.ikeflow.test rid=sun.ikeflow.test
	swconf "$C" la=$IP_C ra=$IP_B lts=$NET_C rts=$NET_B lid=mars.ikeflow.test rid=sun.ikeflow.test psk=ikeflow-psk-mars
	swconf "$B" conn=c la=$IP_B ra=$IP_A lts=$NET_B rts=$NET_A lid=sun.ikeflow.test rid=moon.ikeflow.test
	swconf "$B" conn=c2 child=net2 la=$IP_B ra=$IP_C lts=$NET_B rts=$NET_C lid=sun.ikeflow.test rid=mars.ikeflow.test psk=ikeflow-psk-mars
}

sc_ikev2_mixed_peers() {
	DESC="Two IKEv2 initiators (198.51.100.10 and 198.51.100.20, PSK) to one responder at the same time, each with a child SA and pings, then both delete; capture on the responder side"
	two_initiators
	go rb
	initiate "$A" net &
	local p1=$!
	initiate "$C" net &
	local p2=$!
	wait $p1 $p2 || true
	pings $NS_A $HOST_A $HOST_B 2
	pings $NS_C $HOST_C $HOST_B 2
	terminate "$A" c; terminate "$C" c; settle
}
