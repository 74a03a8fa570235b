#!/bin/sh
# Regenerates the tshark reference files the decrypt tests compare against:
# tshark decrypts the same captures with the same key tables, in a throwaway
# Wireshark profile. Fields: frame, payload types (isakmp.typepayload, all
# levels), ID type, TS start/end (IPv4), notify types, AUTH method.
# Usage: sh gen-tshark-golden.sh   (needs tshark; tested with 4.0.17)
set -eu
S=${SHARED:-../../../shared/captures}
P=$(mktemp -d)
trap 'rm -rf "$P"' EXIT
cp "$S/wireshark-wiki/ikev2-esp-gcm-ctr-cbc/ikev2_decryption_table" "$P/ikev2_decryption_table"
cp "$S/zeek-spicy-ipsec/ikev1-certs.ikev1_decryption_table" "$P/ikev1_decryption_table"
F="-e frame.number -e isakmp.typepayload -e isakmp.id.type -e isakmp.ts.start_ipv4 -e isakmp.ts.end_ipv4 -e isakmp.notify.msgtype -e isakmp.auth.method"
WIRESHARK_CONFIG_DIR=$P tshark -r "$S/wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng" -Y isakmp -T fields $F > ikev2-wiki.tshark
WIRESHARK_CONFIG_DIR=$P tshark -r "$S/zeek-spicy-ipsec/ikev1-certs.pcap" -Y isakmp -T fields $F > ikev1-certs.tshark
