# shellcheck shell=bash
# Certificate interop scenarios for corpus.sh: libreswan 4.10 (pluto) and
# OpenIKED 7.2 (iked) authenticating with X.509 certificates against
# strongSwan 5.9.8, IKEv2, with and without RFC 7383 fragmentation, and one
# failure (strongSwan does not trust pluto's CA). Helpers, shims and
# conventions of scenarios_interop.sh; the CA and certificates are made with
# the helpers of scenarios_cert.sh (cert_root, cert_ee, ...; cert_facts and
# cert_augment add "certificates" and strongSwan's "auth_log" to
# expected.json). Only called at run time, so the order in which corpus.sh
# sources scenarios_*.sh does not matter.
#
#   IKF_NS_PREFIX=ikfc bash testdata/gen/corpus.sh libreswan-ikev2-cert

SCENARIOS+=(
	libreswan-ikev2-cert
	libreswan-ikev2-cert-unknown-ca
	libreswan-ikev2-cert-no-certreq
	libreswan-ikev2-fragmentation
	openiked-ikev2-cert
	openiked-ikev2-cert-responder-unknown-ca
)

lsw_nss_trust() {  # lsw_nss_trust DIR NAME: NAME's CA certificate trusted in DIR's NSS db
	certutil -A -d "sql:$1/nss" -n "$2" -t "CT,," -i "$PKI/$2.crt"
}

sc_libreswan_ikev2_cert() {
	DESC="libreswan 4.10 initiator (pluto, IKEv2, authby=rsasig, RSA-2048 certificate moon.ikeflow.test in its NSS db, fragmentation=no) <-> strongSwan 5.9.8 responder (RSA-2048 certificate sun.ikeflow.test, auth = pubkey), one CA (RSA-2048) both trust: IKE_SA_INIT + IKE_AUTH with CERT/CERTREQ (with RSA-2048 each IKE_AUTH message fits one IP packet: no fragmentation of any kind), one child SA (XFRM ACK shim), no ESP, pluto deletes"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500" "fragmentation=no in pluto (it announces no IKEV2_FRAGMENTATION_SUPPORTED); its IKE_AUTH request with the RSA-2048 certificate and CERTREQ is 1486 octets on the wire (IP), under the 1500-octet MTU, so nothing is fragmented" "rightca=%same in pluto: its IKE_AUTH request carries a CERTREQ for its own CA, so strongSwan (send_cert = ifasked) sends its certificate")
	interop_meta libreswan a initiator pluto.log no
	IB=(cert=sun.crt)
	peers; conf_pair auth=pubkey
	cert_pair rsa 2048 2048
	lsw_conf_a authby=rsasig leftcert=moon frag=no "extra_conn=keyingtries=1
	rightca=%same"
	lsw_nss_cert "$A" moon
	go_lsw_a shim
	lsw_initiate $NS_A "$A" 15
	lsw_end 2
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
	cert_facts
}

sc_libreswan_ikev2_cert_unknown_ca() {
	DESC="libreswan 4.10 initiator (pluto, IKEv2, authby=rsasig, certificate moon.ikeflow.test issued by 'ikeflow other CA') <-> strongSwan 5.9.8 responder trusting only 'ikeflow test CA' (which issued its own certificate sun.ikeflow.test): strongSwan cannot build a trust chain for moon and answers IKE_AUTH with N(AUTHENTICATION_FAILED)"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_4500" "pluto's certificate comes from 'ikeflow other CA', which strongSwan does not trust (its x509ca holds only 'ikeflow test CA'); pluto trusts both CAs")
	interop_meta libreswan a initiator pluto.log no
	IB=(cert=sun.crt)
	peers; conf_pair auth=pubkey
	cert_pki_dir
	cert_root ca rsa 2048 "ikeflow test CA"
	cert_root other rsa 2048 "ikeflow other CA"
	cert_ee moon rsa 2048 moon other
	cert_ee sun rsa 2048 sun ca
	cert_install "$B" sun
	cert_trust "$B" ca
	cert_role ca ca; cert_role other_ca other; cert_role initiator moon; cert_role responder sun
	lsw_conf_a authby=rsasig leftcert=moon frag=no "extra_conn=keyingtries=1
	rightca=\"C=ZZ, O=ikeflow test, CN=ikeflow test CA\""
	lsw_nss_cert "$A" moon
	lsw_nss_trust "$A" other
	go_lsw_a shim
	lsw_initiate $NS_A "$A" 10
	wait_log "$A/pluto.log" 'AUTHENTICATION_FAILED' 10 || log "pluto: no AUTHENTICATION_FAILED seen"
	settle 3
	cert_facts
}

sc_libreswan_ikev2_cert_no_certreq() {
	DESC="libreswan 4.10 initiator (pluto, IKEv2, authby=rsasig, certificate moon.ikeflow.test, no rightca: it sends no CERTREQ) <-> strongSwan 5.9.8 responder (certificate sun.ikeflow.test, send_cert ifasked, the swanctl default): strongSwan accepts moon and answers IKE_AUTH without its certificate; pluto has no certificate for sun to verify strongSwan's AUTH, refuses it and deletes the IKE SA with an INFORMATIONAL Delete"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_4500" "pluto's connection has no rightca, so its IKE_AUTH request carries no CERTREQ; strongSwan (send_cert = ifasked) then sends no CERT; pluto has only its own certificate and the CA in its NSS db")
	interop_meta libreswan a initiator pluto.log no
	IB=(cert=sun.crt)
	peers; conf_pair auth=pubkey
	cert_pair rsa 2048 2048
	lsw_conf_a authby=rsasig leftcert=moon frag=no extra_conn=keyingtries=1
	lsw_nss_cert "$A" moon
	go_lsw_a shim
	lsw_initiate $NS_A "$A" 10
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle 2
	cert_facts
}

sc_libreswan_ikev2_fragmentation() {
	DESC="libreswan 4.10 initiator (pluto, IKEv2, authby=rsasig, RSA-3072 certificate, fragmentation=yes) <-> strongSwan 5.9.8 responder (RSA-3072 certificate, fragmentation = yes, fragment_size 600), RSA-3072 CA: both announce IKEV2_FRAGMENTATION_SUPPORTED, the IKE_AUTH request goes in pluto's SKF fragments (RFC 7383) and the response in strongSwan's; one child SA (XFRM ACK shim), no ESP, pluto deletes"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500" "strongSwan's fragment_size = 600 (charon.fragment_size); pluto fragments with its own size limit")
	interop_meta libreswan a initiator pluto.log no
	EXTRA_B=("fragment_size = 600")
	IB=(cert=sun.crt)
	peers; conf_pair auth=pubkey frag=yes
	cert_pair rsa 3072 3072
	lsw_conf_a authby=rsasig leftcert=moon frag=yes "extra_conn=keyingtries=1
	rightca=%same"
	lsw_nss_cert "$A" moon
	go_lsw_a shim
	lsw_initiate $NS_A "$A" 15
	lsw_end 2
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
	cert_facts
}

# iked_conf_cert DIR NAME key=value...: iked_conf without a PSK (public key
# authentication): NAME's certificate in /etc/iked/certs, its key as
# /etc/iked/private/local.key, the CA in /etc/iked/ca
iked_conf_cert() {
	local dir=$1 n=$2; shift 2
	iked_conf "$dir" "$@"
	sed -i '/^\tpsk "/d; s/dstid "\([^"]*\)" \\$/dstid "\1"/' "$dir/etc/iked/iked.conf"
	cp "$PKI/ca.crt" "$dir/etc/iked/ca/ca.crt"
	cp "$PKI/$n.crt" "$dir/etc/iked/certs/$n.crt"
	openssl rsa -in "$PKI/$n.key" -out "$dir/etc/iked/private/local.key" 2>/dev/null
	openssl rsa -in "$PKI/$n.key" -pubout -out "$dir/etc/iked/local.pub" 2>/dev/null
	chmod 600 "$dir/etc/iked/private/local.key"
}

sc_openiked_ikev2_cert() {
	DESC="OpenIKED 7.2 initiator (iked, IKEv2, RSA-2048 certificate moon.ikeflow.test in /etc/iked/certs, CA in /etc/iked/ca) <-> strongSwan 5.9.8 responder (RSA-2048 certificate sun.ikeflow.test, auth = pubkey), one CA both trust: IKE_SA_INIT + IKE_AUTH with CERT/CERTREQ, one child SA (ESP AES-CBC-128 + HMAC-SHA2-512-256), no ESP, iked deletes (ikectl reset sa)"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "$IKED_FACT_4500")
	interop_meta openiked a initiator iked.log no
	IB=(cert=sun.crt esp=aes128-sha512)
	peers; conf_pair auth=pubkey
	cert_pair rsa 2048 2048
	iked_conf_cert "$A" moon local=$IP_A peer=$IP_B from=$NET_A to=$NET_B
	go_iked_a
	wait_log "$A/iked.log" 'established peer' 15 || log "iked: no IKE SA established"
	settle 2
	ikectl $NS_A "$A" reset sa >>"$A/terminate.out" 2>&1 || true
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
	cert_facts
}

sc_openiked_ikev2_cert_responder_unknown_ca() {
	DESC="OpenIKED 7.2 initiator (iked, RSA-2048 certificate moon.ikeflow.test from 'ikeflow test CA', the only CA in its /etc/iked/ca) <-> strongSwan 5.9.8 responder whose certificate sun.ikeflow.test comes from 'ikeflow other CA' (strongSwan trusts 'ikeflow test CA' and accepts moon): strongSwan answers IKE_AUTH with its certificate and AUTH; iked cannot verify sun's certificate; what it does next is in its log"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_4500" "$SW_FACT_STOP" "sun's certificate comes from 'ikeflow other CA', which iked does not have in /etc/iked/ca; strongSwan trusts 'ikeflow test CA', which issued moon")
	interop_meta openiked a initiator iked.log no
	IB=(cert=sun.crt esp=aes128-sha512)
	peers; conf_pair auth=pubkey
	cert_pki_dir
	cert_root ca rsa 2048 "ikeflow test CA"
	cert_root other rsa 2048 "ikeflow other CA"
	cert_ee moon rsa 2048 moon ca
	cert_ee sun rsa 2048 sun other
	cert_install "$B" sun
	cert_trust "$B" ca
	cert_role ca ca; cert_role other_ca other; cert_role initiator moon; cert_role responder sun
	iked_conf_cert "$A" moon local=$IP_A peer=$IP_B from=$NET_A to=$NET_B
	go_iked_a
	wait_log "$B/charon.log" 'IKE_SA c\[1\] established|AUTH_FAILED|AUTHENTICATION_FAILED' 15 || log "strongSwan: no IKE_AUTH outcome"
	settle 4
	cert_facts
}
