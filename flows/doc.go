// Package flows rebuilds IKE SAs from captured packets and diagnoses them.
//
// Feed [Packet] values (IKE messages from their header, ESP SPIs) in capture
// order to an [Analyzer] and call [Analyzer.Finish] for the [Report]: every
// IKEv2 SA (keyed by SPIi/SPIr, the first IKE_SA_INIT and its COOKIE or
// INVALID_KE_PAYLOAD retries joined to it) and IKEv1 ISAKMP SA (keyed by
// the cookies), their exchanges with request/response pairing and round-trip
// times, the negotiated proposal, child SAs with SPIs both ways, traffic
// selectors and ESP counters, IKE SA rekey chains, and [Finding] values
// written for the engineer who has to fix the tunnel: retransmits,
// unanswered requests, message-ID desync, proposal and traffic-selector
// mismatches, authentication failures, DH group retries, half-open and
// flapping SAs, one-way or missing ESP, dead peers, rekey collisions, weak
// algorithms and NAT.
//
// Without keys, encrypted exchanges are analysed from what stays visible
// (sizes, order, timing, message IDs, flags) and child SAs are inferred from
// the ESP between the peers. With a [Decryptor] (see [NewDecryptor] for the
// one backed by package decrypt) the inner payloads are analysed too.
//
// Memory is bounded by the SAs open at once when [Options.IdleTimeout] and
// [Options.OnSA] are set: idle SAs are finalised, handed over and released.
// Per-packet work is O(1) amortised. [Ladder] draws an SA as a text
// sequence diagram.
//
// IKEv1 messages sent in vendor fragments (ISAKMP payload 132, as Cisco,
// strongSwan, libreswan and racoon send main mode 5 and 6 with
// certificates) are reassembled and analysed whole; their fragments are
// listed with them, and a message never reassembled is a finding.
//
// The model follows RFC 7296 (IKEv2), RFC 2408/2409 (IKEv1), RFC 3948
// (UDP encapsulation), RFC 7383 (fragmentation), RFC 6311 (message ID sync)
// and RFC 3706 (DPD).
package flows
