# shellcheck shell=bash
# Interop scenarios for corpus.sh: libreswan 4.10 (pluto) and OpenIKED 7.2
# (iked) against strongSwan 5.9.8, same topology and conventions as
# scenarios.sh. The non-strongSwan daemons conflict with the strongSwan
# packages, so their Debian packages are unpacked (dpkg-deb -x) into
# $IKF_INTEROP_ROOT and each instance runs in its own mount namespace
# (lab facts: ../shared/LAB.md "Other IKE implementations").
#
# This kernel has NETLINK_XFRM but no ESP and no PF_KEY: pluto's ESP SA
# installs fail unless shim/xfrm_ack.c (LD_PRELOAD) acknowledges them; iked
# needs shim/pfkey_ack.c for PF_KEY. The shims are built with gcc at
# generation time. With a shim the daemon finishes its exchanges normally,
# but no ESP can flow through it (the "installed" SAs exist only in the
# daemon's memory): expected.json says so (traffic.pings = 0, notes).
#
# After the common postprocess.py (which reads the strongSwan side's
# charon.log), postprocess_interop.py adds the other daemon's log, its facts
# and the raw log to the scenario directory.

IKF_INTEROP_ROOT=${IKF_INTEROP_ROOT:-/opt/ikeflow-interop}
LSW=$IKF_INTEROP_ROOT/libreswan
IKED_ROOT=$IKF_INTEROP_ROOT/openiked
SHIM_DIR=$IKF_INTEROP_ROOT/shim

SCENARIOS+=(
	libreswan-ikev2-success
	libreswan-ikev2-xfrm-fail
	libreswan-ikev2-child-no-proposal
	libreswan-ikev2-ts-unacceptable
	libreswan-ikev1-main-quick
	libreswan-ikev1-quick-refused
	libreswan-ikev1-quick-pfs-mismatch
	libreswan-ikev1-cert-fragmentation
	libreswan-ikev2-responder
	libreswan-ikev2-retransmit
	libreswan-ikev2-tcp
	libreswan-ikev2-rekey-ike
	openiked-ikev2-success
	openiked-ikev2-child-no-proposal
	openiked-ikev2-init-no-proposal
)

# ensure_interop: unpack libreswan (and openiked) and build the shims, once.
ensure_interop() {
	local pkg dir tmp
	for pkg in gcc libc6-dev libldns3 libevent-pthreads-2.1-7 libevent-core-2.1-7 libevent-2.1-7 \
		libnss3-tools libnss3 libnspr4 libunbound8 libcap-ng0 libcurl3-nss libldap-2.5-0 \
		libaudit1 dns-root-data; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" >/dev/null
	done
	for pkg in libreswan openiked; do
		dir=$IKF_INTEROP_ROOT/$pkg
		[ "$pkg" = openiked ] && dir=$IKED_ROOT
		[ -d "$dir/usr" ] && continue
		tmp=$(mktemp -d /tmp/ikf-deb.XXXXXX)
		(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
		mkdir -p "$dir"
		dpkg-deb -x "$tmp"/"$pkg"_*.deb "$dir"
		rm -rf "$tmp"
	done
	mkdir -p "$SHIM_DIR"
	local s
	for s in "$GEN_DIR"/shim/*.c; do
		local so=$SHIM_DIR/$(basename "$s" .c).so
		[ "$so" -nt "$s" ] && continue
		gcc -shared -fPIC -O2 -Wall -o "$so" "$s" -ldl || die "building $s failed"
	done
	"$LSW/usr/libexec/ipsec/pluto" --version >/dev/null 2>&1 || die "pluto does not run (missing libraries?)"
}

# --- libreswan ---------------------------------------------------------------

# lsw_conf DIR key=value...: DIR/ipsec.conf + ipsec.secrets + an NSS db for one
# connection "c". keys: left right leftid rightid leftsubnet rightsubnet ike esp
# ikev2 (insist|no) psk auto rekey retransmit_timeout extra_setup extra_conn
# authby (secret|rsasig) leftcert (NSS nickname) frag (yes|force|no)
# tcp (no|yes|fallback: enable-tcp, tcp-remoteport=4500 and listen-tcp=yes)
# ikelifetime salifetime rekeymargin rekeyfuzz (written only when given)
# dpddelay dpdtimeout dpdaction (written only when given, after extra_conn)
lsw_conf() {
	ensure_interop # certutil (libnss3-tools) below: a scenario's config is written before its daemons start
	local dir=$1; shift
	local -A k=([ikev2]=insist [ike]=aes128-sha2_256-modp2048 [esp]=aes128-sha2_256
		[leftid]=@moon.ikeflow.test [rightid]=@sun.ikeflow.test [psk]=ikeflow-psk-0123
		[auto]=add [rekey]=no [retransmit_timeout]=60s [extra_setup]= [extra_conn]=
		[authby]=secret [leftcert]= [frag]=yes [tcp]=no [ikelifetime]= [salifetime]=
		[rekeymargin]= [rekeyfuzz]= [dpddelay]= [dpdtimeout]= [dpdaction]=)
	local kv
	for kv in "$@"; do k[${kv%%=*}]=${kv#*=}; done
	mkdir -p "$dir/nss" "$dir/run"
	{
		echo "config setup"
		echo "	plutodebug=\"all private\""
		echo "	logtime=yes"
		echo "	logappend=no"
		echo "	dumpdir=$dir/run"
		echo "	uniqueids=no"
		[ "${k[ikev2]}" = no ] && echo "	ikev1-policy=accept"
		[ "${k[tcp]}" != no ] && echo "	listen-tcp=yes"
		[ -n "${k[extra_setup]}" ] && printf '\t%s\n' "${k[extra_setup]}"
		echo
		echo "conn c"
		echo "	left=${k[left]}"
		echo "	leftid=${k[leftid]}"
		echo "	leftsubnet=${k[leftsubnet]}"
		echo "	right=${k[right]}"
		echo "	rightid=${k[rightid]}"
		echo "	rightsubnet=${k[rightsubnet]}"
		echo "	authby=${k[authby]}"
		[ -n "${k[leftcert]}" ] && echo "	leftcert=${k[leftcert]}"
		echo "	ikev2=${k[ikev2]}"
		echo "	ike=${k[ike]}"
		echo "	esp=${k[esp]}"
		echo "	mobike=no"
		echo "	fragmentation=${k[frag]}"
		echo "	rekey=${k[rekey]}"
		echo "	retransmit-timeout=${k[retransmit_timeout]}"
		local lt
		for lt in ikelifetime salifetime rekeymargin rekeyfuzz; do
			[ -n "${k[$lt]}" ] && echo "	$lt=${k[$lt]}"
		done
		echo "	leftupdown=%disabled"
		echo "	auto=${k[auto]}"
		if [ "${k[tcp]}" != no ]; then
			echo "	enable-tcp=${k[tcp]}"
			echo "	tcp-remoteport=4500"
		fi
		[ -n "${k[extra_conn]}" ] && printf '\t%s\n' "${k[extra_conn]}"
		for lt in dpddelay dpdtimeout dpdaction; do
			[ -n "${k[$lt]}" ] && echo "	$lt=${k[$lt]}"
		done
	} > "$dir/ipsec.conf"
	echo "${k[leftid]} ${k[rightid]} : PSK \"${k[psk]}\"" > "$dir/ipsec.secrets"
	chmod 600 "$dir/ipsec.secrets"
	[ -f "$dir/nss/cert9.db" ] ||
		certutil -N -d "sql:$dir/nss" --empty-password
}

# start_pluto NS DIR [shim|shim-tcp]: pluto in NS, private mount namespace with
# the unpacked libexec over /usr/libexec; "shim" preloads xfrm_ack.so,
# "shim-tcp" xfrm_ack.so and espintcp.so (RFC 8229 framing without the
# kernel's espintcp)
start_pluto() {
	local ns=$1 dir=$2 shim=${3:-} pre="" i
	[ "$shim" = shim ] && pre="LD_PRELOAD=$SHIM_DIR/xfrm_ack.so IKF_SHIM_LOG=$dir/shim.log"
	[ "$shim" = shim-tcp ] && pre="LD_PRELOAD=$SHIM_DIR/xfrm_ack.so:$SHIM_DIR/espintcp.so IKF_SHIM_LOG=$dir/shim.log"
	rm -f "$dir/run/pluto.ctl"
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		mount --bind "$1/usr/libexec" /usr/libexec && mount -t tmpfs tmpfs /run &&
		exec env '"$pre"' "$1/usr/libexec/ipsec/pluto" --nofork --config "$2/ipsec.conf" \
			--secretsfile "$2/ipsec.secrets" --ipsecdir "$2" --nssdir "$2/nss" \
			--rundir "$2/run" --logfile "$2/pluto.log" --no-dnssec --use-xfrm' \
		sh "$LSW" "$dir" >"$dir/pluto.stdout" 2>&1 &
	local pid=$!
	STARTED_PIDS+=("$pid")
	echo "$pid" > "$dir/pluto.pid"
	for i in $(seq 1 100); do
		[ -S "$dir/run/pluto.ctl" ] && break
		kill -0 "$pid" 2>/dev/null || die "pluto in $ns died: $(tail -5 "$dir/pluto.stdout" "$dir/pluto.log" 2>/dev/null)"
		sleep 0.1
	done
	[ -S "$dir/run/pluto.ctl" ] || die "pluto in $ns: no ctl socket after 10s"
	# pluto loads auto=add/start conns itself (via addconn); wait until "c" is there
	for i in $(seq 1 50); do
		whack "$ns" "$dir" --status 2>/dev/null | grep -q '"c"' && return 0
		sleep 0.1
	done
	die "pluto in $ns: connection c not loaded"
}

# lsw_nss_cert DIR NAME: NAME's certificate and key (from the certificate
# scenarios' $PKI) into DIR's NSS db with nickname NAME, and the CA trusted
lsw_nss_cert() {
	local dir=$1 n=$2
	openssl pkcs12 -export -in "$PKI/$n.crt" -inkey "$PKI/$n.key" -name "$n" -passout pass: \
		-out "$W/$n.p12" 2>>"$PKI/pki.err"
	pk12util -i "$W/$n.p12" -d "sql:$dir/nss" -W "" >/dev/null
	certutil -A -d "sql:$dir/nss" -n ca -t "CT,," -i "$PKI/ca.crt"
	rm -f "$W/$n.p12"
}

# lsw_conf_a key=value...: lsw_conf for pluto in A, left A and NET_A, right B
# and NET_B
lsw_conf_a() {
	lsw_conf "$A" left=$IP_A right=$IP_B leftsubnet=$NET_A rightsubnet=$NET_B "$@"
}

# lsw_terminate_a [CONN]: pluto in A terminates connection CONN (default c;
# failure tolerated)
lsw_terminate_a() {
	whack $NS_A "$A" --name "${1:-c}" --terminate >>"$A/terminate.out" 2>&1 || true
}

whack() {  # whack NS DIR args...
	local ns=$1 dir=$2; shift 2
	ip netns exec "$ns" "$LSW/usr/libexec/ipsec/whack" --ctlsocket "$dir/run/pluto.ctl" "$@"
}

lsw_initiate() {  # lsw_initiate NS DIR [timeout] [conn]: initiate CONN (default c), bounded wait
	local ns=$1 dir=$2 t=${3:-15} conn=${4:-c}
	timeout "$t" "$LSW/usr/libexec/ipsec/whack" --ctlsocket "$dir/run/pluto.ctl" --name "$conn" --initiate \
		>>"$dir/initiate.out" 2>&1 || true
}

# go_lsw_b [shim]: strongSwan in A (initiator), libreswan in B (responder), capture on ra
go_lsw_b() {
	ensure_interop
	start_pluto $NS_B "$B" "${1:-}"
	start_charon $NS_A "$A"; load_conf "$A"
	start_capture $NS_R ra "$W/capture.pcap"
}

# lsw_shim_initiate TIMEOUT [key=value...]: pluto in A, configured by
# lsw_conf_a with the arguments and run with the XFRM ACK shim, initiates
# connection c (bounded by TIMEOUT s)
lsw_shim_initiate() {
	local t=$1; shift
	lsw_conf_a "$@"
	go_lsw_a shim
	lsw_initiate $NS_A "$A" "$t"
}

# lsw_end WAIT [SETTLE]: after WAIT s pluto in A terminates c; the daemons
# settle (SETTLE s, default 1)
lsw_end() {
	settle "$1"
	lsw_terminate_a
	settle ${2:+"$2"}
}

# go_lsw_a [shim]: libreswan in A (initiator side), strongSwan in B, capture on ra
go_lsw_a() {
	ensure_interop
	start_charon $NS_B "$B"; load_conf "$B"
	start_capture $NS_R ra "$W/capture.pcap"   # before pluto: auto=start initiates at once
	start_pluto $NS_A "$A" "${1:-}"
}

# interop_meta DAEMON KEY ROLE LOG ESP_POSSIBLE: META_EXTRA for postprocess_interop.py;
# FACTS (lines about the lab) is an array set by the scenario. The known_wrong
# lists come from testdata/gen/known_wrong.json (not from the run).
interop_meta() {
	META_EXTRA=$(python3 - "$@" "${FACTS[@]}" <<'PY'
import json, sys
daemon, key, role, log, esp, *facts = sys.argv[1:]
print(json.dumps({"peer": {"daemon": daemon, "key": key, "role": role, "log": log},
                  "esp_possible": esp == "yes", "facts": facts}))
PY
)
	PP=postprocess_interop.py
}

LSW_FACT_SHIM="pluto ran with the LD_PRELOAD shim testdata/gen/shim/xfrm_ack.c: its ESP XFRM_MSG_NEWSA/UPDSA/DELSA were acknowledged without the kernel (shim.log lists each), so pluto finished its exchanges normally but carried no ESP; pluto's later XFRM_MSG_GETSA (traffic counters) fails with ESRCH and it logs that"
LSW_FACT_NOESP="no pings: pluto could not carry ESP on this kernel (no kernel ESP, SAs acknowledged by the shim only); the child SAs in this capture never carry ESP in either direction, so child_sas[].esp_flows is false"
SW_FACT_STOP="strongSwan's INFORMATIONAL Delete requests for IKE SAs still open when its daemon is stopped at the end of the run are sent after the capture ended: they are in messages[] (answered false) but not in capture.pcap"
LSW_FACT_4500="strongSwan (kernel-libipsec) fakes a NAT in IKE_SA_INIT; pluto therefore also moves to UDP 4500 and would use ESP-in-UDP (its log says ESPinUDP)"

sc_libreswan_ikev2_success() {
	DESC="libreswan 4.10 initiator (pluto, IKEv2, PSK) <-> strongSwan 5.9.8 responder: IKE_SA_INIT + IKE_AUTH with one child SA (pluto with the XFRM ACK shim, so it finishes normally), no ESP (pluto cannot carry it here), pluto deletes the IKE SA with an INFORMATIONAL Delete"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500")
	interop_meta libreswan a initiator pluto.log no
	peers; conf_pair
	lsw_shim_initiate 20
	settle 2
	lsw_terminate_a
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
}

sc_libreswan_ikev2_xfrm_fail() {
	DESC="libreswan 4.10 initiator <-> strongSwan 5.9.8 responder without the XFRM shim: every IKE_AUTH succeeds on the wire, then pluto's XFRM_MSG_NEWSA for the ESP SA fails (no kernel ESP), pluto deletes its IKE SA without sending a Delete and re-initiates ("revives" the connection: auto=start, rekey=yes, keyingtries=3) with a fresh IKE_SA_INIT"
	FACTS=("pluto ran without the shim: the kernel answers its ESP XFRM_MSG_NEWSA with EPROTONOSUPPORT ('Protocol not supported (errno 93)')" "$LSW_FACT_4500" "strongSwan keeps every abandoned IKE SA (it never hears of the failure): from its log they are all established and never deleted" "$SW_FACT_STOP")
	interop_meta libreswan a initiator pluto.log no
	peers; conf_pair
	lsw_conf_a extra_conn=keyingtries=3 auto=start rekey=yes
	go_lsw_a
	local i
	for i in $(seq 1 60); do
		[ "$(grep -c 'initiating IKEv2' "$A/pluto.log" || true)" -ge 3 ] && break
		sleep 0.5
	done
	lsw_end 3
}

sc_libreswan_ikev2_child_no_proposal() {
	DESC="libreswan 4.10 initiator <-> strongSwan 5.9.8 responder: IKE SA authenticated but the child SA is refused in IKE_AUTH with N(NO_PROPOSAL_CHOSEN) (pluto ESP AES-GCM-128, strongSwan only AES-CBC-128/HMAC-SHA2-256); no ESP"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_4500")
	interop_meta libreswan a initiator pluto.log no
	peers; conf_pair
	lsw_shim_initiate 10 esp=aes_gcm128 extra_conn=keyingtries=1
	lsw_end 3
}

sc_libreswan_ikev2_ts_unacceptable() {
	DESC="libreswan 4.10 initiator <-> strongSwan 5.9.8 responder: child SA refused with N(TS_UNACCEPTABLE) (pluto asks 10.1.0.0/24 === 10.2.0.0/24, strongSwan's policy is 10.20.0.0/24); no ESP"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_4500")
	interop_meta libreswan a initiator pluto.log no
	IB=(lts=10.20.0.0/24)
	peers; conf_pair
	lsw_shim_initiate 10 extra_conn=keyingtries=1
	lsw_end 3
}

sc_libreswan_ikev1_main_quick() {
	DESC="libreswan 4.10 initiator (IKEv1, ikev1-policy=accept, PSK) <-> strongSwan 5.9.8 (version 1): main mode + quick mode (pluto with the XFRM ACK shim), no ESP, pluto deletes"
	CHECK=ikev1
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)")
	interop_meta libreswan a initiator pluto.log no
	IB=(esp=aes128-sha256-modp2048)   # pluto's quick mode asks for PFS with its IKE group
	peers; conf_pair version=1
	lsw_shim_initiate 15 ikev2=no ike=aes128-sha2_256-modp2048 extra_conn=keyingtries=1
	lsw_end 2 2
}

sc_libreswan_ikev1_cert_fragmentation() {
	DESC="libreswan 4.10 initiator (IKEv1, RSA certificates, fragmentation=force) <-> strongSwan 5.9.8 (version 1, RSA certificates, fragmentation = force, fragment_size 500): MM5 and MM6 in IKEv1 fragments, quick mode (pluto with the XFRM ACK shim), no ESP, pluto deletes"
	CHECK=ikev1
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)")
	interop_meta libreswan a initiator pluto.log no
	EXTRA_B=("fragment_size = 500")
	IB=(esp=aes128-sha256-modp2048 cert=sun.crt)
	peers; conf_pair version=1 auth=pubkey frag=force
	cert_pair rsa 2048 2048
	lsw_conf_a ikev2=no ike=aes128-sha2_256-modp2048 authby=rsasig leftcert=moon frag=force extra_conn=keyingtries=1
	lsw_nss_cert "$A" moon
	go_lsw_a shim
	lsw_initiate $NS_A "$A" 15
	lsw_end 2 2
	cert_facts
}

sc_libreswan_ikev1_quick_refused() {
	DESC="libreswan 4.10 initiator (IKEv1) <-> strongSwan 5.9.8 (version 1): main mode up, quick mode refused with INVALID-ID-INFORMATION (strongSwan's policy is 10.20.0.0/24); pluto ignores the notify and retransmits quick mode until its retransmit-timeout (10 s)"
	CHECK=ikev1
	FACTS=("$SW_FACT_STOP" "$LSW_FACT_SHIM" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)" "pluto logs 'ignoring informational payload INVALID_ID_INFORMATION' and keeps retransmitting quick mode message 1 (0.5 s doubling) until its retransmit-timeout (set to 10 s here; default 60 s)")
	interop_meta libreswan a initiator pluto.log no
	IB=(lts=10.20.0.0/24)
	peers; conf_pair version=1
	lsw_shim_initiate 5 ikev2=no ike=aes128-sha2_256-modp2048 extra_conn=keyingtries=1 retransmit_timeout=10s
	wait_log "$A/pluto.log" 'deleting state \(STATE_QUICK_I1\)' 20 || log "pluto did not give up"
	settle 2
}

sc_libreswan_ikev1_quick_pfs_mismatch() {
	DESC="libreswan 4.10 initiator (IKEv1) <-> strongSwan 5.9.8 (version 1): main mode up, quick mode refused with NO-PROPOSAL-CHOSEN because pluto asks for PFS (KE, MODP-2048) and strongSwan's ESP proposal has no DH group; pluto ignores the notify and retransmits quick mode until its retransmit-timeout (10 s)"
	CHECK=ikev1
	FACTS=("$SW_FACT_STOP" "$LSW_FACT_SHIM" "pluto never logs IKEv1 keys; the key table comes from strongSwan's log (encryption key Ka)" "pluto logs 'ignoring informational payload NO_PROPOSAL_CHOSEN' and keeps retransmitting quick mode message 1 (0.5 s doubling) until its retransmit-timeout (set to 10 s here; default 60 s)")
	interop_meta libreswan a initiator pluto.log no
	peers; conf_pair version=1
	lsw_shim_initiate 5 ikev2=no ike=aes128-sha2_256-modp2048 extra_conn=keyingtries=1 retransmit_timeout=10s
	wait_log "$A/pluto.log" 'deleting state \(STATE_QUICK_I1\)' 20 || log "pluto did not give up"
	settle 2
}

# --- OpenIKED ----------------------------------------------------------------

# iked_conf DIR key=value...: DIR/etc/iked.conf (one policy "c", PSK) plus the
# /etc/iked tree iked insists on (private/local.key even for PSK). keys: local
# peer from to srcid dstid ike esp psk mode (active|passive)
iked_conf() {
	local dir=$1; shift
	local -A k=([ike]="enc aes-128 prf hmac-sha2-256 auth hmac-sha2-256 group modp2048"
		[esp]="enc aes-128 auth hmac-sha2-512" [srcid]=moon.ikeflow.test [dstid]=sun.ikeflow.test
		[psk]=ikeflow-psk-0123 [mode]=active)
	local kv
	for kv in "$@"; do k[${kv%%=*}]=${kv#*=}; done
	mkdir -p "$dir/etc/iked"/{ca,certs,crls,private,pubkeys} "$dir/run"
	[ -f "$dir/etc/iked/private/local.key" ] || {
		openssl genrsa -out "$dir/etc/iked/private/local.key" 2048 2>/dev/null
		openssl rsa -in "$dir/etc/iked/private/local.key" -pubout -out "$dir/etc/iked/local.pub" 2>/dev/null
	}
	chmod 600 "$dir/etc/iked/private/local.key"
	cat > "$dir/etc/iked/iked.conf" <<CONF
set nomobike
ikev2 "c" ${k[mode]} esp from ${k[from]} to ${k[to]} \\
	local ${k[local]} peer ${k[peer]} \\
	ikesa ${k[ike]} \\
	childsa ${k[esp]} \\
	srcid "${k[srcid]}" dstid "${k[dstid]}" \\
	psk "${k[psk]}"
CONF
	chmod 600 "$dir/etc/iked/iked.conf"
}

# iked_log_reader DIR MODE: a new fifo DIR/iked.fifo and a reader that
# writes each line from it to DIR/iked.log with the time it was written
# before it (iked -d prints no times); MODE (python's open mode) w starts
# the log, a appends to it
iked_log_reader() {
	rm -f "$1/iked.fifo"; mkfifo "$1/iked.fifo"
	python3 -u -c 'import sys, datetime
out = open(sys.argv[1], "'"$2"'", buffering=1)
for line in open(sys.argv[2], errors="replace"):
    out.write(datetime.datetime.now().strftime("%H:%M:%S.%f ") + line)' "$1/iked.log" "$1/iked.fifo" &
	STARTED_PIDS+=("$!")
}

# iked_spawn NS DIR: iked -dvvv in NS writing to DIR/iked.fifo (after
# iked_log_reader), private mount namespace with DIR/etc/iked over
# /etc/iked, PF_KEY shim preloaded (this kernel has no PF_KEY); its pid in
# IKED_PID and DIR/iked.pid
iked_spawn() {
	local ns=$1 dir=$2
	ip netns exec "$ns" unshare -m --propagation private sh -c '
		mkdir -p /etc/iked && mount --bind "$2/etc/iked" /etc/iked && mount -t tmpfs tmpfs /run &&
		exec env LD_PRELOAD="$3/pfkey_ack.so" IKF_SHIM_LOG="$2/shim.log" \
			"$1/usr/sbin/iked" -dvvv -f /etc/iked/iked.conf -s "$2/run/iked.sock"' \
		sh "$IKED_ROOT" "$dir" "$SHIM_DIR" >"$dir/iked.fifo" 2>&1 &
	IKED_PID=$!
	# iked first, then its log reader (STARTED_PIDS is killed in order)
	STARTED_PIDS=("${STARTED_PIDS[@]:0:${#STARTED_PIDS[@]}-1}" "$IKED_PID" "${STARTED_PIDS[-1]}")
	echo "$IKED_PID" > "$dir/iked.pid"
}

# start_iked NS DIR: iked (iked_spawn) in NS with a new iked.log, waits
# (bounded) until it logs its start
start_iked() {
	local ns=$1 dir=$2 i
	id _iked >/dev/null 2>&1 || useradd -r -s /usr/sbin/nologin -d /var/lib/openiked/empty -M _iked
	mkdir -p /var/lib/openiked/empty
	iked_log_reader "$dir" w
	iked_spawn "$ns" "$dir"
	for i in $(seq 1 50); do
		grep -q 'ikev2_init_ike_sa\|config_getpolicy\|ikev2_dispatch_parent' "$dir/iked.log" 2>/dev/null && return 0
		kill -0 "$IKED_PID" 2>/dev/null || die "iked in $ns died: $(tail -5 "$dir/iked.log")"
		sleep 0.1
	done
	return 0
}

# go_iked_a: OpenIKED in A (initiator side), strongSwan in B, capture on ra
go_iked_a() {
	ensure_interop
	start_charon $NS_B "$B"; load_conf "$B"
	start_capture $NS_R ra "$W/capture.pcap"   # before iked: "active" policies start at once
	start_iked $NS_A "$A"
}

ikectl() {  # ikectl NS DIR args...
	local ns=$1 dir=$2; shift 2
	ip netns exec "$ns" "$IKED_ROOT/usr/sbin/ikectl" -s "$dir/run/iked.sock" "$@"
}

# iked_peers [key=value...]: peers, conf_pair and iked_conf for iked in A
# (local A, peer B, NET_A === NET_B, more keys from the arguments)
iked_peers() {
	peers; conf_pair
	iked_conf "$A" local=$IP_A peer=$IP_B from=$NET_A to=$NET_B "$@"
}

# iked_established TIMEOUT: wait (bounded, TIMEOUT s) until iked in A logs
# an IKE SA established
iked_established() {
	wait_log "$A/iked.log" 'established peer' "$1" || log "iked: no IKE SA established"
}

# iked_reset_sa: iked in A deletes its SAs (ikectl reset sa); wait (bounded)
# until strongSwan in B logs the delete, then settle
iked_reset_sa() {
	ikectl $NS_A "$A" reset sa >>"$A/terminate.out" 2>&1 || true
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
}

IKED_FACT_SHIM="iked ran with the LD_PRELOAD shim testdata/gen/shim/pfkey_ack.c: this kernel has no PF_KEY, so the shim gives iked an AF_UNIX socket and answers each PF_KEY request as the kernel would (GETSPI with a fresh SPI, errno 0 otherwise; shim.log lists each) and reports its IP_IPSEC_POLICY bypass on the IKE sockets as set; iked finished its exchanges normally but carried no ESP"
IKED_FACT_NOESP="no pings: iked could not carry ESP here (no kernel IPsec, SAs acknowledged by the shim only); the child SAs never carry ESP, so child_sas[].esp_flows is false"
IKED_FACT_4500="strongSwan (kernel-libipsec) fakes a NAT in IKE_SA_INIT; iked therefore moves to UDP 4500 (its log says NAT-T)"

sc_openiked_ikev2_success() {
	DESC="OpenIKED 7.2 initiator (iked, IKEv2, PSK) <-> strongSwan 5.9.8 responder: IKE_SA_INIT + IKE_AUTH with one child SA (ESP AES-CBC-128 + HMAC-SHA2-512-256; OpenIKED on Linux cannot use HMAC-SHA2-256 for ESP), no ESP (iked cannot carry it here), iked deletes the IKE SA (ikectl reset sa)"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_NOESP" "$IKED_FACT_4500")
	interop_meta openiked a initiator iked.log no
	IB=(esp=aes128-sha512)
	iked_peers
	go_iked_a
	iked_established 15
	settle 2
	iked_reset_sa
}

# iked_refused_by REGEX SETTLE [key=value...]: iked in A initiates with
# iked_peers configured by the arguments; wait (bounded) until strongSwan's
# log matches REGEX (its refusal), then SETTLE s
iked_refused_by() {
	local re=$1 s=$2; shift 2
	iked_peers "$@"
	go_iked_a
	wait_log "$B/charon.log" "$re" 15 || log "strongSwan refused nothing?"
	settle "$s"
}

# iked_refused SETTLE [key=value...]: iked_refused_by a refused proposal
iked_refused() {
	local s=$1; shift
	iked_refused_by 'NO_PROPOSAL_CHOSEN|no acceptable proposal' "$s" "$@"
}

sc_openiked_ikev2_child_no_proposal() {
	DESC="OpenIKED 7.2 initiator <-> strongSwan 5.9.8 responder: IKE SA authenticated, child SA refused in IKE_AUTH with N(NO_PROPOSAL_CHOSEN) (iked ESP AES-CBC-256 + HMAC-SHA2-512, strongSwan only AES-CBC-128 + HMAC-SHA2-512); no ESP"
	FACTS=("$IKED_FACT_SHIM" "$IKED_FACT_4500" "$SW_FACT_STOP" "the peers disagree: strongSwan logs the IKE SA established (only the child refused), iked logs 'ikev2_init_recv: failed to negotiate IKE SA' and 'sa_free: no proposal chosen (IKE SA)': it treats the child's NO_PROPOSAL_CHOSEN as the failure of the whole IKE SA and drops it without a Delete (ike_sas[].ended = abandoned, peer_view)")
	interop_meta openiked a initiator iked.log no
	IB=(esp=aes128-sha512)
	iked_refused 4 esp="enc aes-256 auth hmac-sha2-512"
}

sc_openiked_ikev2_init_no_proposal() {
	DESC="OpenIKED 7.2 initiator <-> strongSwan 5.9.8 responder: IKE_SA_INIT answered with N(NO_PROPOSAL_CHOSEN) (iked offers AES-256/HMAC-SHA2-512/ECP-384, strongSwan only AES-128/SHA-256/MODP-2048); what iked does next is in its log"
	CHECK="skip:nothing encrypted (IKE_SA_INIT only)"
	FACTS=("$IKED_FACT_SHIM")
	interop_meta openiked a initiator iked.log no
	iked_refused 8 ike="enc aes-256 prf hmac-sha2-512 auth hmac-sha2-512 group ecp384"
}

sc_libreswan_ikev2_responder() {
	DESC="strongSwan 5.9.8 initiator <-> libreswan 4.10 responder (pluto with the XFRM ACK shim), IKEv2 PSK: IKE_SA_INIT + IKE_AUTH with one child SA, no ESP, strongSwan deletes the IKE SA"
	FACTS=("$LSW_FACT_SHIM" "no pings: pluto could not carry ESP here; strongSwan's ESP to pluto would not be answered, so none was sent (child_sas[].esp_flows is false)" "strongSwan (kernel-libipsec, initiator) fakes a NAT in IKE_SA_INIT; both move to UDP 4500")
	interop_meta libreswan b responder pluto.log no
	peers; conf_pair
	lsw_conf "$B" left=$IP_B right=$IP_A leftid=@sun.ikeflow.test rightid=@moon.ikeflow.test leftsubnet=$NET_B rightsubnet=$NET_A
	go_lsw_b shim
	initiate "$A" net
	settle 2
	terminate "$A" c; settle
}

sc_libreswan_ikev2_retransmit() {
	DESC="libreswan 4.10 initiator <-> strongSwan 5.9.8 responder: the router drops everything strongSwan sends for 2.2 s, pluto retransmits IKE_SA_INIT on its back-off schedule (0.5 s doubling), then the path heals and the SA comes up (XFRM ACK shim), pluto deletes"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500" "responses dropped by the router before the capture point (capture on the initiator side): the retransmitted requests and strongSwan's re-sent responses are on the wire only up to the router")
	interop_meta libreswan a initiator pluto.log no
	peers; conf_pair
	lsw_conf_a
	go_lsw_a shim
	nsx $NS_R iptables -I FORWARD -s $IP_B -j DROP
	lsw_initiate $NS_A "$A" 20 &
	local ipid=$!
	sleep 2.2
	nsx $NS_R iptables -D FORWARD -s $IP_B -j DROP
	wait $ipid || true
	settle 2
	lsw_terminate_a
	wait_log "$B/charon.log" 'deleting IKE_SA' 5 || log "no delete seen by strongSwan"
	settle
}

LSW_FACT_TCP_SHIM="both plutos ran with the LD_PRELOAD shims testdata/gen/shim/xfrm_ack.c (ESP SA installs acknowledged without the kernel) and testdata/gen/shim/espintcp.c: this kernel has no espintcp TCP ULP, so setsockopt(TCP_ULP, \"espintcp\") fails (ENOENT); the shim reports success and does the RFC 8229 framing espintcp would do (each pluto write leaves as one frame with a 2-octet length counting itself; each read returns one frame without its length, non-ESP marker kept); shim-initiator.log / shim-responder.log list each fake setsockopt and every frame (with the xfrm_ack lines)"

sc_libreswan_ikev2_tcp() {
	DESC="libreswan 4.10 initiator <-> libreswan 4.10 responder, IKEv2 PSK over TCP (RFC 8229: enable-tcp=yes, tcp-remoteport=4500, listen-tcp=yes): pluto in A connects to TCP 4500, sends the IKETCP stream prefix, IKE_SA_INIT + IKE_AUTH with one child SA as length-framed messages on that stream, pluto in A deletes the IKE SA with an INFORMATIONAL Delete; no ESP"
	FACTS=("$LSW_FACT_TCP_SHIM" "no pings: pluto could not carry ESP here (no kernel ESP, SAs acknowledged by the shim only); ESP would travel in the same TCP stream (non-zero marker), none did, so child_sas[].esp_flows is false" "both peers are pluto: expected.json comes from the two pluto logs only (pluto-initiator.log, pluto-responder.log; no strongSwan log); exchange, message ID and payloads of each message are from the sending pluto's emit lines" "tshark 4.0 has no RFC 8229 dissector (its tcpencap is Check Point's encapsulation): check_decrypt.sh re-frames the TCP stream into UDP 4500 datagrams with testdata/gen/tcp2udp.py before decrypting")
	interop_meta libreswan both both pluto.log no
	topo_up
	lsw_conf "$A" left=$IP_A right=$IP_B leftsubnet=$NET_A rightsubnet=$NET_B tcp=yes extra_conn=keyingtries=1
	lsw_conf "$B" left=$IP_B right=$IP_A leftid=@sun.ikeflow.test rightid=@moon.ikeflow.test \
		leftsubnet=$NET_B rightsubnet=$NET_A tcp=yes
	ensure_interop
	start_pluto $NS_B "$B" shim-tcp
	start_capture $NS_R ra "$W/capture.pcap"
	start_pluto $NS_A "$A" shim-tcp
	lsw_initiate $NS_A "$A" 20
	settle 2
	lsw_terminate_a
	wait_log "$B/pluto.log" 'deleting state \(STATE_V2_ESTABLISHED_IKE_SA\)' 5 || log "no delete seen by pluto in B"
	settle
}

sc_libreswan_ikev2_rekey_ike() {
	DESC="libreswan 4.10 initiator (pluto with the XFRM ACK shim, IKEv2 PSK, rekey=yes, ikelifetime 12 s, salifetime 15 s, rekeymargin 5 s, rekeyfuzz 0%) <-> strongSwan 5.9.8 responder: pluto rekeys the IKE SA first (CREATE_CHILD_SA with new SPIs, the child SA moves to the new IKE SA), then the moved child SA on the new IKE SA (N(REKEY_SA)), then deletes; no ESP"
	FACTS=("$LSW_FACT_SHIM" "$LSW_FACT_NOESP" "$LSW_FACT_4500" "pluto schedules a rekey at lifetime - rekeymargin (rekeyfuzz 0%: no random part): IKE SA at 7 s, child SA at 10 s after IKE_AUTH; the new IKE SA would rekey 7 s after its creation, after pluto terminates")
	interop_meta libreswan a initiator pluto.log no
	IB=(esp=aes128-sha256-modp2048)   # pluto's child rekey asks for PFS (KE) with its IKE group
	peers; conf_pair
	lsw_shim_initiate 20 rekey=yes ikelifetime=12s salifetime=15s rekeymargin=5s rekeyfuzz=0% extra_conn=keyingtries=1
	lsw_end 12
}
