// Package ikelayer plugs the IKE dissector into gopacket.
//
// It registers two layer types and binds them to UDP ports with
// layers.RegisterUDPPortLayerType when the package is imported:
//
//   - [LayerTypeISAKMP] (number 1500, "ISAKMP") on UDP 500: the UDP payload
//     is an IKE message (IKEv1 or IKEv2), decoded by [dissect.Message].
//   - [LayerTypeUDPEncap] (number 1501, "UDPEncap") on UDP 4500: RFC 3948
//     UDP encapsulation. A layer on this port cannot be ISAKMP directly,
//     because the payload may be IKE behind the four-octet zero non-ESP
//     marker, ESP (whose SPI is never zero), or a one-octet 0xFF
//     NAT-keepalive. [UDPEncap] tells them apart and names the next layer:
//     [LayerTypeISAKMP] after the marker, layers.LayerTypeIPSecESP for ESP,
//     nothing for a keepalive. So an IKE packet on 4500 decodes as
//     [Ethernet IPv4 UDP UDPEncap ISAKMP].
//
// UDP tries the destination port first, then the source port, so one
// registration per port covers both directions.
//
// Both types implement gopacket.DecodingLayer. With a reused
// gopacket.DecodingLayerParser the per-packet path does not allocate:
// [ISAKMP.DecodeFromBytes] reuses the payload slice of its Message.
// Slices in the layers alias the packet data.
//
// This package is an adapter for gopacket users; ikeflow's own packet input
// (package capture) parses L2-L4 by hand and calls package dissect directly.
package ikelayer
