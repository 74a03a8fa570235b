#!/bin/bash
# make-capture-drops.sh OUT.pcapng: record capture-drops.pcapng again (see
# README.md). Needs root, iproute2, dumpcap and python3; it creates the
# network namespaces dra and drb and removes them when done.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pcap=$here/../corpus/ikev2-psk-success/capture.pcap
out=$(readlink -f "$1")
err=$(mktemp)
cleanup() { ip netns del dra 2>/dev/null || true; ip netns del drb 2>/dev/null || true; rm -f "$err"; }
cleanup
trap cleanup EXIT
ip netns add dra
ip netns add drb
ip link add va netns dra type veth peer name vb netns drb
ip netns exec dra sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip netns exec drb sysctl -qw net.ipv6.conf.all.disable_ipv6=1
ip -n dra link set va up
ip -n drb link set vb up
sleep 0.5
rm -f "$out"
ip netns exec dra dumpcap -q -i va -B 1 -w "$out" 2>"$err" &
sleep 1.5
dp=$(pgrep -n -x dumpcap)
# The responder's ESP (frames 6, 8, 10, 12) is sent while dumpcap is
# stopped and its 1 MiB buffer full of other traffic: the capture drops it.
ip netns exec dra timeout 30 python3 "$here/replay-drops.py" "$pcap" "$dp" 6,8,10,12
kill -INT "$dp"
sleep 1
cat "$err"
