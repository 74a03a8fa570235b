// Package twoside compares two captures of the same IPsec path taken at
// different points (both gateways, or inside and outside a firewall) and says
// where packets were lost, delayed or rewritten between them.
//
// # Contract
//
// A [Side] collects the IKE messages and ESP packets of one capture
// ([Side.Add] takes [capture.Event] values and copies what it keeps: frame,
// time, addresses and a few header fields, plus a content key). [Compare]
// matches the two sides by content that NAT does not change: the bytes of the
// IKE message (header and payloads, up to the IKE length) or of the ESP
// packet (SPI, sequence number and everything after), hashed with a
// per-process random seed. Time is not used to decide whether two packets are
// the same packet; it only orders byte-identical copies (IKE retransmissions
// are byte-identical), once the clock offset is known.
//
// The clock offset between the captures is estimated NTP-style from matched
// packets of opposite directions close in time: for a packet seen at t1 in A
// and t2 in B going one way and a packet seen at t3 in B and t4 in A going the
// other way, offset = ((t2-t1)+(t3-t4))/2. The pairs with the smallest round
// trip are kept; over 10 s or more a linear drift is fitted and kept when it
// moves the offset by more than the measurement's uncertainty. When
// traffic only goes one way the offset cannot be told apart from the one-way
// delay: the report says so and delays are then relative.
//
// Which capture is upstream (nearer the sender) is derived per address pair
// from the sign of the corrected transit time, so packets seen only upstream
// are losses and packets seen only downstream are injected (or came from
// elsewhere). Packets near the edges of the other capture's time window are
// not called lost: the report says the other capture had not started or had
// already stopped.
//
// Captures that share no packet, or too few, are reported as unrelated
// ([Report.Related] false, with the reason) so callers fall back to the plain
// merged analysis.
//
// # Bounds
//
// A side keeps at most [Options.MaxPackets] packets (default 1,000,000)
// and at most [Options.MaxPerSA] per IKE SA or ESP SPI (default 200,000);
// beyond that packets are counted, not kept, and the report says so. A
// comparison costs about 550 octets per packet all told (measured: 1,000,000
// packets over both sides, 547 MB peak RSS). Matching is a hash lookup per packet; byte-identical copies of one
// message are bounded per SA, and byte-identical copies at the same instant on
// one side (capture duplicates) are dropped and counted. Sorting dominates:
// O(n log n).
package twoside
