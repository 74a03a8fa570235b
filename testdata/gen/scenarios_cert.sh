# shellcheck shell=bash
# Certificate scenarios for corpus.sh (issue 14): X.509 authentication that
# works (RSA, ECDSA, IKEv1 RSA signatures, weak-but-accepted keys) and that
# fails the ways tickets report it (expired certificate, unknown CA, missing
# intermediate, an identity the other side did not expect).
#
# Every certificate is made at run time with strongSwan's pki by a
# throwaway CA; private keys stay in the temporary work directory. After the
# usual postprocessing, cert_augment adds to expected.json what openssl says
# about the certificates (subject, issuer, SANs, validity, key, signature,
# SPKI SHA-1) and the daemons' own authentication log lines.
#
# Run with IKF_NS_PREFIX=ikfc when another generator uses the default prefix:
#   IKF_NS_PREFIX=ikfc bash testdata/gen/corpus.sh ikev2-cert-rsa

SCENARIOS+=(
	ikev2-cert-rsa
	ikev2-cert-ecdsa
	ikev2-cert-weak
	ikev2-cert-expired
	ikev2-cert-unknown-ca
	ikev2-cert-missing-intermediate
	ikev2-cert-id-mismatch
	ikev2-cert-id-not-in-cert
	ikev1-cert-rsa
	ikev1-cert-fragmentation
)

CERT_DN_BASE="C=ZZ, O=ikeflow test"
CERT_DATEFORM="%Y-%m-%d %H:%M:%S"

# cert_key NAME TYPE SIZE: a private key in $PKI/NAME.key
cert_key() {
	pki --gen --type "$2" --size "$3" --outform pem > "$PKI/$1.key" 2>>"$PKI/pki.err"
	echo "$2" > "$PKI/$1.type"
}

# cert_root NAME TYPE SIZE CN [pki --self args...]: self-signed CA
cert_root() {
	local n=$1 t=$2 s=$3 cn=$4; shift 4
	cert_key "$n" "$t" "$s"
	pki --self --ca --lifetime 30 --in "$PKI/$n.key" --type "$t" --dn "$CERT_DN_BASE, CN=$cn" \
		--outform pem "$@" > "$PKI/$n.crt" 2>>"$PKI/pki.err"
}

# cert_issue NAME TYPE SIZE CN ISSUER [pki --issue args...]: a certificate for
# a new key, signed by ISSUER (--ca among the args makes an intermediate)
cert_issue() {
	local n=$1 t=$2 s=$3 cn=$4 issuer=$5; shift 5
	cert_key "$n" "$t" "$s"
	pki --pub --in "$PKI/$n.key" --type "$t" 2>>"$PKI/pki.err" |
		pki --issue --cacert "$PKI/$issuer.crt" --cakey "$PKI/$issuer.key" --type pub \
			--dn "$CERT_DN_BASE, CN=$cn" --outform pem "$@" > "$PKI/$n.crt" 2>>"$PKI/pki.err"
}

# cert_ee NAME TYPE SIZE HOST ISSUER [args...]: end-entity certificate for
# HOST.ikeflow.test (CN and SAN), 30 days unless args say otherwise
cert_ee() {
	local n=$1 t=$2 s=$3 h=$4 issuer=$5; shift 5
	case " $* " in *" --not-after "*) ;; *) set -- --lifetime 30 "$@";; esac
	cert_issue "$n" "$t" "$s" "$h.ikeflow.test" "$issuer" --san "$h.ikeflow.test" --flag serverAuth "$@"
	[ -s "$PKI/$n.crt" ] || die "pki could not issue $n: $(tail -3 "$PKI/pki.err")"
}

# cert_install DIR NAME: NAME's certificate and key for the daemon in DIR
cert_install() {
	cp "$PKI/$2.crt" "$1/swanctl/x509/"
	case $(cat "$PKI/$2.type") in
	ecdsa) cp "$PKI/$2.key" "$1/swanctl/ecdsa/";;
	*) cp "$PKI/$2.key" "$1/swanctl/rsa/";;
	esac
}

# cert_trust DIR NAME...: CA certificates the daemon in DIR trusts
cert_trust() {
	local d=$1 n; shift
	for n in "$@"; do cp "$PKI/$n.crt" "$d/swanctl/x509ca/"; done
}

cert_pki_dir() {
	# ECDSA (pki and charon) needs strongSwan's openssl plugin, which the
	# default corpus packages lack (RSA works through gmp)
	if ! dpkg-query -W -f='${Status}' libstrongswan-standard-plugins 2>/dev/null | grep -q 'install ok installed'; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libstrongswan-standard-plugins >/dev/null
	fi
	PKI=$W/pki
	mkdir -p "$PKI"
	CERT_ROLES=()
}

# cert_role ROLE NAME: record which certificate plays which role (for
# expected.json: initiator, responder, ca, intermediate, other_ca)
cert_role() { CERT_ROLES+=("$1=$2"); }

# cert_facts: what openssl says about each recorded certificate, as JSON in
# $W/certs.json (public parts only)
cert_facts() {
	local r n f out=$W/certs.json
	{
		echo "{"
		local first=1
		for r in "${CERT_ROLES[@]}"; do
			n=${r#*=}; f=$PKI/$n.crt
			[ $first = 1 ] || echo ","
			first=0
			printf ' "%s": {' "${r%%=*}"
			printf '"file": "%s.crt",' "$n"
			printf '"subject": "%s",' "$(openssl x509 -in "$f" -noout -subject -nameopt sep_comma_plus_space,sname,utf8 | sed 's/^subject=//')"
			printf '"issuer": "%s",' "$(openssl x509 -in "$f" -noout -issuer -nameopt sep_comma_plus_space,sname,utf8 | sed 's/^issuer=//')"
			printf '"not_before": "%s",' "$(date -u -d "$(openssl x509 -in "$f" -noout -startdate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)"
			printf '"not_after": "%s",' "$(date -u -d "$(openssl x509 -in "$f" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)"
			printf '"san": "%s",' "$(openssl x509 -in "$f" -noout -ext subjectAltName 2>/dev/null | sed -n '2,$p' | tr -d ' ')"
			printf '"key": "%s",' "$(openssl x509 -in "$f" -noout -text | grep -m1 -E 'Public-Key:' | sed 's/^ *//')"
			printf '"signature_algorithm": "%s",' "$(openssl x509 -in "$f" -noout -text | grep -m1 'Signature Algorithm:' | sed 's/.*: //')"
			printf '"spki_sha1": "%s"' "$(openssl x509 -in "$f" -noout -pubkey | openssl pkey -pubin -outform DER | openssl sha1 -r | cut -d' ' -f1)"
			printf '}'
		done
		echo
		echo "}"
	} > "$out"
}

# --- scenarios ----------------------------------------------------------------

# the usual pair: one RSA or ECDSA root, moon and sun issued by it
cert_pair() {  # cert_pair TYPE CASIZE EESIZE [issue args for moon...]
	local t=$1 cs=$2 es=$3; shift 3
	cert_pki "$t" "$cs" "$es" "$es" sun "$@"
}

# cert_pki TYPE CASIZE MOONSIZE SUNSIZE SUNHOST [issue args for moon...]: the
# CA "ikeflow test CA" issues moon (moon.ikeflow.test) and sun's certificate
# (for SUNHOST.ikeflow.test); both are installed, both daemons trust the CA
cert_pki() {
	local t=$1 cs=$2 ms=$3 ss=$4 sh=$5; shift 5
	cert_pki_dir
	cert_root ca "$t" "$cs" "ikeflow test CA"
	cert_ee moon "$t" "$ms" moon ca "$@"
	cert_ee sun "$t" "$ss" "$sh" ca
	cert_install "$A" moon; cert_install "$B" sun
	cert_trust "$A" ca; cert_trust "$B" ca
	cert_role ca ca; cert_role initiator moon; cert_role responder sun
}

# cert_gw_initiate LID: sun's certificate is for gw.ikeflow.test and B's
# local identity is LID; A initiates once, the certificates are recorded
cert_gw_initiate() {
	peers
	IA=(cert=moon.crt) IB=(cert=sun.crt lid=$1)
	conf_pair auth=pubkey
	cert_pki rsa 2048 2048 2048 gw
	go
	initiate "$A" net; settle 2
	cert_facts
}

sc_ikev2_cert_rsa() {
	DESC="IKEv2 RSA certificates (RSA-3072 CA, moon and sun RSA-3072, SHA-256) without IKEv2 fragmentation: the IKE_AUTH messages exceed the MTU and travel as IP fragments; SA established, pings"
	cert_peers frag=no
	cert_pair rsa 3072 3072
	go
	up_ping_down 2
	cert_facts
}

sc_ikev2_cert_ecdsa() {
	DESC="IKEv2 ECDSA certificates (P-384 CA, moon and sun P-256), RFC 7427 digital signature AUTH; SA established, pings"
	cert_peers
	cert_pair ecdsa 384 256
	go
	up_ping_down 2
	cert_facts
}

sc_ikev2_cert_weak() {
	DESC="IKEv2 with a weak but accepted initiator certificate: moon has an RSA-1024 key, signed with SHA-1 by an RSA-2048 CA; strongSwan accepts it and the SA comes up"
	cert_peers
	cert_pki rsa 2048 1024 2048 sun --digest sha1
	go
	up_ping_down 1
	cert_facts
}

sc_ikev2_cert_expired() {
	DESC="IKEv2 with an expired initiator certificate (valid from 40 to 10 days before the run): the responder refuses it and answers IKE_AUTH with N(AUTHENTICATION_FAILED)"
	cert_peers
	cert_pair rsa 2048 2048 --dateform "$CERT_DATEFORM" \
		--not-before "$(date -u -d '-40 days' '+%Y-%m-%d %H:%M:%S')" \
		--not-after "$(date -u -d '-10 days' '+%Y-%m-%d %H:%M:%S')"
	go
	initiate "$A" net; settle
	cert_facts
	NOTES+=("moon's certificate expired 10 days before the run (see certificates.initiator.not_after)")
}

sc_ikev2_cert_unknown_ca() {
	DESC="IKEv2 with an initiator certificate from a CA the responder does not trust (moon issued by 'ikeflow other CA'; sun trusts only 'ikeflow test CA'): IKE_AUTH answered with N(AUTHENTICATION_FAILED)"
	cert_peers
	cert_pki_dir
	cert_root ca rsa 2048 "ikeflow test CA"
	cert_root other rsa 2048 "ikeflow other CA"
	cert_ee moon rsa 2048 moon other
	cert_ee sun rsa 2048 sun ca
	cert_install "$A" moon; cert_install "$B" sun
	cert_trust "$A" ca other; cert_trust "$B" ca
	cert_role ca ca; cert_role other_ca other; cert_role initiator moon; cert_role responder sun
	go
	initiate "$A" net; settle
	cert_facts
}

sc_ikev2_cert_missing_intermediate() {
	DESC="IKEv2 where the responder's certificate comes from an intermediate CA it does not send (sun issued by 'ikeflow test Intermediate CA' under 'ikeflow test CA'; sun lacks the intermediate, moon trusts only the root): the initiator cannot verify sun and gives up"
	cert_peers
	cert_pki_dir
	cert_root ca rsa 2048 "ikeflow test CA"
	cert_issue inter rsa 2048 "ikeflow test Intermediate CA" ca --ca --lifetime 30
	cert_ee moon rsa 2048 moon ca
	cert_ee sun rsa 2048 sun inter
	cert_install "$A" moon; cert_install "$B" sun
	cert_trust "$A" ca; cert_trust "$B" ca
	cert_role ca ca; cert_role intermediate inter; cert_role initiator moon; cert_role responder sun
	go
	initiate "$A" net; settle 2
	cert_facts
}

sc_ikev2_cert_id_mismatch() {
	DESC="IKEv2 where the initiator expects the responder to be sun.ikeflow.test (IDr in its request) but the responder's identity and certificate are gw.ikeflow.test"
	cert_gw_initiate gw.ikeflow.test
}

sc_ikev2_cert_id_not_in_cert() {
	DESC="IKEv2 where the responder (local id %any, certificate for gw.ikeflow.test only) answers with the IDr the initiator asked for, sun.ikeflow.test, which its certificate does not contain: the initiator refuses it (INFORMATIONAL with N(AUTH_FAILED))"
	cert_gw_initiate %any
}

sc_ikev1_cert_rsa() {
	DESC="IKEv1 main mode with RSA signatures (RSA-2048 certificates in MM5/MM6, CR in MM3/MM4; IKEv1 fragmentation off, so MM5/MM6 travel as IP fragments) + quick mode, pings, deletes"
	CHECK=ikev1
	peers
	IA=(cert=moon.crt) IB=(cert=sun.crt)
	conf_pair version=1 auth=pubkey frag=no
	cert_pair rsa 2048 2048
	go
	up_ping_down 2
	cert_facts
}

sc_ikev1_cert_fragmentation() {
	DESC="IKEv1 main mode with RSA signatures (RSA-2048 certificates in MM5/MM6) with strongSwan's IKEv1 fragmentation forced (fragmentation = force, fragment_size 500): MM5 and MM6 travel as fragment payloads (ISAKMP payload 132) + quick mode, pings, deletes"
	CHECK=ikev1
	EXTRA_A=("fragment_size = 500") EXTRA_B=("fragment_size = 500")
	peers
	IA=(cert=moon.crt) IB=(cert=sun.crt)
	conf_pair version=1 auth=pubkey frag=force
	cert_pair rsa 2048 2048
	go
	up_ping_down 2
	cert_facts
}

# --- expected.json: certificates and authentication lines ---------------------

# The authentication lines of a charon log: what each daemon said about
# certificates, identities and AUTH (the daemon's own reasons).
CERT_LOG_RE='(certificate|cert |CERT|trusted|issuer|authentication of|AUTHENTICATION_FAILED|AUTH_FAILED|constraint|peer config|identity|signature|no private key|public key)'

# cert_augment WORKDIR OUTDIR: merge certs.json and the daemons' auth lines
# into OUTDIR/expected.json (a no-op for scenarios without certs.json)
cert_augment() {
	local w=$1 out=$2
	[ -f "$w/certs.json" ] || return 0
	local r
	for r in a:initiator b:responder; do
		if [ ! -f "$w/${r%%:*}/charon.log" ]; then # the other daemon (interop): no charon log
			: > "$w/auth-${r#*:}.txt"
			continue
		fi
		grep -hE "$CERT_LOG_RE" "$w/${r%%:*}/charon.log" | grep -vE ' task$|loaded plugins' |
			sed -E 's/^[0-9:]+ [0-9]+//' > "$w/auth-${r#*:}.txt" || true
	done
	python3 - "$w" "$out/expected.json" <<'PY'
import json, sys
w, path = sys.argv[1:]
e = json.load(open(path))
e["certificates"] = json.load(open(w + "/certs.json"))
e["certificates_source"] = "openssl x509 on the certificates pki generated for this run (not from the capture, not from ikeflow)"
e["auth_log"] = {role: [l.strip() for l in open("%s/auth-%s.txt" % (w, role)) if l.strip()]
                 for role in ("initiator", "responder")}
json.dump(e, open(path, "w"), indent=1)
open(path, "a").write("\n")
PY
}

# run_scenario is wrapped so that certificate scenarios get cert_augment
# after the standard postprocessing (scenarios.sh stays untouched).
if ! declare -F _run_scenario_base >/dev/null; then
	eval "$(declare -f run_scenario | sed '1s/^run_scenario/_run_scenario_base/')"
	run_scenario() {
		_run_scenario_base "$@" || return 1
		cert_augment "$2" "$3"
	}
fi
