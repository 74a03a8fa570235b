# shellcheck shell=bash
# Library for the ikeflow capture corpus: namespaces, charon instances, captures.
# Sourced by corpus.sh and interop.sh. Everything created here is named with the
# prefix "ikf" and removed by cleanup_all (installed as an EXIT trap by callers).

# IKF_NS_PREFIX lets two generators run side by side (default "ikf").
P_=${IKF_NS_PREFIX:-ikf}
NS_A=$P_-a        # initiator gateway 198.51.100.10, protected 10.1.0.1
NS_C=$P_-c        # second initiator 198.51.100.20, protected 10.3.0.1 (mixed scenario)
NS_R=$P_-rt      # router 198.51.100.1 / 203.0.113.1
NS_B=$P_-b        # responder gateway 203.0.113.10, protected 10.2.0.1
ALL_NS="$NS_A $NS_C $NS_B $NS_R"

IP_A=198.51.100.10
IP_C=198.51.100.20
IP_B=203.0.113.10
IP_RA=198.51.100.1
IP_RB=203.0.113.1
NET_A=10.1.0.0/24; HOST_A=10.1.0.1
NET_C=10.3.0.0/24; HOST_C=10.3.0.1
NET_B=10.2.0.0/24; HOST_B=10.2.0.1

CHARON=/usr/lib/ipsec/charon
STARTED_PIDS=()   # pids of charon/tcpdump we started (killed individually)

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

ensure_packages() {
	local need=() p
	for p in strongswan-charon strongswan-swanctl libcharon-extra-plugins \
		libstrongswan-extra-plugins strongswan-pki tshark tcpdump iptables \
		nftables iproute2 util-linux iputils-ping python3; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
	done
	if [ ${#need[@]} -gt 0 ]; then
		log "installing: ${need[*]}"
		export DEBIAN_FRONTEND=noninteractive
		echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
		apt-get update -q >/dev/null
		apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
	fi
	command -v python3 >/dev/null || die "python3 missing"
}

kill_pid() {  # kill one pid we started, wait bounded
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# kill_comm NS COMM: SIGKILL every process in namespace NS whose command is
# COMM (a daemon we started there, with all its processes)
kill_comm() {
	local pid
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && kill -KILL "$pid" 2>/dev/null
	done
	return 0
}

stop_started() {
	local pid
	for pid in "${STARTED_PIDS[@]}"; do kill_pid "$pid" || true; done
	STARTED_PIDS=()
}

topo_down() {
	local ns pid
	for ns in $ALL_NS; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	return 0
}

cleanup_all() {
	stop_started
	topo_down
}

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# topo_up [nat] [peer-c]: a -- rt -- b, optionally c on the a-side LAN (bridge
# in the router namespace) and masquerading of 198.51.100.0/24 towards b.
topo_up() {
	local nat=0 peerc=0 o
	for o in "$@"; do case $o in nat) nat=1;; peer-c) peerc=1;; esac; done
	topo_down
	ip netns add $NS_A; ip netns add $NS_R; ip netns add $NS_B
	[ $peerc = 1 ] && ip netns add $NS_C
	local ns
	for ns in $NS_A $NS_R $NS_B $([ $peerc = 1 ] && echo $NS_C); do
		nsx "$ns" ip link set lo up
		nsx "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	# router: bridge "lan" for the 198.51.100.0/24 side (a and maybe c), "rb" towards b
	nsx $NS_R ip link add lan type bridge
	nsx $NS_R ip link set lan up
	nsx $NS_R ip addr add $IP_RA/24 dev lan
	ip link add a0 netns $NS_A type veth peer name ra netns $NS_R
	nsx $NS_R ip link set ra master lan
	nsx $NS_R ip link set ra up
	ip link add b0 netns $NS_B type veth peer name rb netns $NS_R
	nsx $NS_R ip addr add $IP_RB/24 dev rb
	nsx $NS_R ip link set rb up
	nsx $NS_R sysctl -qw net.ipv4.ip_forward=1
	nsx $NS_A ip addr add $IP_A/24 dev a0; nsx $NS_A ip link set a0 up
	nsx $NS_A ip route add default via $IP_RA
	nsx $NS_A ip addr add $HOST_A/32 dev lo
	nsx $NS_B ip addr add $IP_B/24 dev b0; nsx $NS_B ip link set b0 up
	nsx $NS_B ip route add default via $IP_RB
	nsx $NS_B ip addr add $HOST_B/32 dev lo
	if [ $peerc = 1 ]; then
		ip link add c0 netns $NS_C type veth peer name rc netns $NS_R
		nsx $NS_R ip link set rc master lan
		nsx $NS_R ip link set rc up
		nsx $NS_C ip addr add $IP_C/24 dev c0; nsx $NS_C ip link set c0 up
		nsx $NS_C ip route add default via $IP_RA
		nsx $NS_C ip addr add $HOST_C/32 dev lo
	fi
	if [ $nat = 1 ]; then
		nsx $NS_R iptables -t nat -A POSTROUTING -s 198.51.100.0/24 -o rb -j MASQUERADE
	fi
	# never route anything else anywhere: the namespaces have no other links
}

# write_strongswan_conf DIR [extra charon settings...]
write_strongswan_conf() {
	local dir=$1; shift
	mkdir -p "$dir/swanctl/conf.d" "$dir/swanctl/x509" "$dir/swanctl/x509ca" "$dir/swanctl/private"
	cat > "$dir/strongswan.conf" <<CONF
charon {
	load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints revocation aes sha1 sha2 hmac kdf gcm chapoly curve25519 gmp kernel-libipsec kernel-netlink socket-default vici
	install_virtual_ip = no
	retransmit_tries = 5
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	retransmit_jitter = 0
	reuse_ikesa = no
	make_before_break = no
	filelog {
		f {
			path = $dir/charon.log
			time_format = %H:%M:%S
			default = 1
			ike = 4
			mgr = 2
			net = 1
			enc = 1
			cfg = 1
			knl = 1
			flush_line = yes
			append = no
			ike_name = yes
		}
	}
	syslog {
		daemon {
			default = -1
		}
	}
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
		kernel-libipsec {
			load = yes
		}
	}
$(printf '\t%s\n' "$@")
}
CONF
}

# start_charon NS DIR: run charon in NS with a private /run
start_charon() {
	local ns=$1 dir=$2 i
	rm -f "$dir/charon.vici"
	ip netns exec "$ns" unshare -m --propagation private \
		sh -c 'mount -t tmpfs tmpfs /run && exec env STRONGSWAN_CONF="$1/strongswan.conf" '"$CHARON" \
		sh "$dir" >"$dir/charon.stdout" 2>&1 &
	local pid=$!
	STARTED_PIDS+=("$pid")
	echo "$pid" > "$dir/charon.pid"
	for i in $(seq 1 50); do
		[ -S "$dir/charon.vici" ] && return 0
		kill -0 "$pid" 2>/dev/null || die "charon in $ns died: $(tail -5 "$dir/charon.stdout")"
		sleep 0.1
	done
	die "charon in $ns: no vici socket after 5s"
}

sw() {  # sw DIR swanctl-args...
	local dir=$1 cmd=$2; shift 2
	SWANCTL_DIR="$dir/swanctl" swanctl "$cmd" --uri "unix://$dir/charon.vici" "$@"
}

load_conf() {  # load_conf DIR
	sw "$1" --load-all --noprompt --file "$1/swanctl/swanctl.conf" >"$1/load.out" 2>&1 || { cat "$1/load.out" >&2; die "swanctl load failed ($1)"; }
}

# start_capture NS IFACE FILE
start_capture() {
	local ns=$1 ifc=$2 file=$3 i
	ip netns exec "$ns" tcpdump -i "$ifc" -U -n -s 0 -w "$file" 'udp or esp or icmp or tcp port 4500' >"$file.tcpdump.log" 2>&1 &
	CAPTURE_PID=$!
	STARTED_PIDS+=("$CAPTURE_PID")
	for i in $(seq 1 50); do
		grep -q 'listening on' "$file.tcpdump.log" 2>/dev/null && return 0
		sleep 0.1
	done
	die "tcpdump did not start"
}

stop_capture() {
	sleep 0.5
	kill_pid "$CAPTURE_PID"
}

# wait_log FILE REGEX TIMEOUT_S: wait (bounded) until a log line matches
wait_log() {
	local f=$1 re=$2 t=$3 i
	for i in $(seq 1 $((t * 10))); do
		grep -qE "$re" "$f" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# swconf DIR key=value...: write DIR/swanctl/swanctl.conf for one connection "c"
# keys: la ra version ike esp lts rts lid rid psk auth aggressive dpd_delay
#       dpd_action ike_rekey child_rekey child_life frag cert key cacert
#       start_action conn child proposals_extra
swconf() {
	local dir=$1; shift
	local -A k=([version]=2 [ike]=aes128-sha256-modp2048 [esp]=aes128-sha256
		[lid]=moon.ikeflow.test [rid]=sun.ikeflow.test [psk]=ikeflow-psk-0123
		[auth]=psk [aggressive]=no [frag]=yes [conn]=c [child]=net
		[start_action]=none [dpd_delay]=0 [dpd_action]=clear [ike_rekey]=0
		[child_rekey]=0 [child_life]=0 [cert]= [cacert]= [key]= [encap]=no
		[unique]=no)
	local kv
	for kv in "$@"; do k[${kv%%=*}]=${kv#*=}; done
	mkdir -p "$dir/swanctl"/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	{
		echo "connections {"
		echo " ${k[conn]} {"
		echo "  version = ${k[version]}"
		echo "  local_addrs = ${k[la]}"
		echo "  remote_addrs = ${k[ra]}"
		echo "  proposals = ${k[ike]}"
		echo "  mobike = no"
		echo "  aggressive = ${k[aggressive]}"
		echo "  fragmentation = ${k[frag]}"
		echo "  dpd_delay = ${k[dpd_delay]}"
		echo "  rekey_time = ${k[ike_rekey]}"
		echo "  reauth_time = 0"
		echo "  unique = ${k[unique]}"
		echo "  encap = ${k[encap]}"
		echo "  local {"
		echo "   auth = ${k[auth]}"
		echo "   id = ${k[lid]}"
		[ -n "${k[cert]}" ] && echo "   certs = ${k[cert]}"
		echo "  }"
		echo "  remote {"
		echo "   auth = ${k[auth]}"
		echo "   id = ${k[rid]}"
		echo "  }"
		echo "  children {"
		echo "   ${k[child]} {"
		echo "    local_ts = ${k[lts]}"
		echo "    remote_ts = ${k[rts]}"
		echo "    esp_proposals = ${k[esp]}"
		echo "    start_action = ${k[start_action]}"
		echo "    dpd_action = ${k[dpd_action]}"
		echo "    rekey_time = ${k[child_rekey]}"
		[ "${k[child_life]}" != 0 ] && echo "    life_time = ${k[child_life]}"
		echo "    rand_time = 0"
		echo "   }"
		echo "  }"
		echo " }"
		echo "}"
		if [ "${k[auth]}" = psk ]; then
			echo "secrets {"
			echo " ike-${k[conn]} {"
			echo "  id-1 = ${k[lid]}"
			echo "  id-2 = ${k[rid]}"
			echo "  secret = \"${k[psk]}\""
			echo " }"
			echo "}"
		fi
	} > "$dir/swanctl/conf.d/${k[conn]}.conf"
	echo 'include conf.d/*.conf' > "$dir/swanctl/swanctl.conf"
}
