package flows

import (
	"crypto/sha1"
	"hash/maphash"
	"net/netip"

	"github.com/ikeflow/ikeflow/dissect"
)

// Preparation: part of the work on a packet needs nothing but the packet
// (and the Analyzer's hash seed): its fingerprint (packetSum) and, for an
// IKEv2 IKE_SA_INIT message, the NAT detection hashes of its addresses
// (natCheck). A caller that reads packets on one goroutine and analyses
// them on another (the CLI's read-ahead) does that work on the reading
// goroutine, with a [Preparer], and hands each packet to
// [Analyzer.AddPrepared] with its [Prepared] value: the analyzing
// goroutine, the one that bounds the wall time, does less. The results
// are the same as with [Analyzer.Add].

// Preparer does the per-packet work that needs no analyzer state. It is
// safe for concurrent use, also while its Analyzer works.
type Preparer struct {
	seed maphash.Seed // the Analyzer's
	// noNAT leaves the NAT detection hashes to the Analyzer, which takes
	// them only for the messages whose NAT detection notifies it checks
	// (the Sequencer's Preparer: see sequence.go).
	noNAT bool
}

// Prepared is what a [Preparer] computed for one packet, for
// [Analyzer.AddPrepared]. The zero value is valid: nothing prepared.
type Prepared struct {
	by  *Preparer // nil: nothing prepared
	sum uint64    // packetSum
	nat natPre
}

// natPre holds an IKEv2 IKE_SA_INIT message's NAT detection hashes of
// RFC 7296 §2.23 (natHash) for its source and destination, taken with the
// SPIs of its header as natCheck uses them: the responder's SPI in a
// response, zero in a request. addrs fingerprints the addresses they were
// taken with (natAddrs): a packet whose addresses were changed after
// Prepare does not get them (8 octets rather than the 64 of the two
// addresses, in every packet held in the reorder window).
type natPre struct {
	ok         bool
	spii, spir dissect.SPI
	src, dst   [sha1.Size]byte
	addrs      uint64
}

// natAddrs fingerprints a packet's source and destination for natPre.
func natAddrs(p *Packet) uint64 { return addrBits(p.Src) ^ mix64(addrBits(p.Dst)) }

// Preparer returns the Preparer for a's packets. Prepared values are only
// valid with the Analyzer whose Preparer made them.
func (a *Analyzer) Preparer() *Preparer {
	if a.prep == nil {
		a.prep = &Preparer{seed: a.seed}
	}
	return a.prep
}

// Prepare computes out for p. p.Data is only read, during the call.
func (pr *Preparer) Prepare(p *Packet, out *Prepared) {
	*out = Prepared{by: pr, sum: packetSum(pr.seed, p)}
	d := p.Data
	// The header fields natCheck hashes: version 2 (octet 17), exchange
	// IKE_SA_INIT (18), the response flag (19), the SPIs (0-15).
	if pr.noNAT || p.Kind != KindIKE || len(d) < dissect.HeaderLen || d[17]>>4 != 2 || dissect.ExchangeType(d[18]) != dissect.ExchangeIKESAInit {
		return
	}
	n := &out.nat
	n.ok = true
	copy(n.spii[:], d[0:8])
	if d[19]&dissect.FlagResponse != 0 {
		copy(n.spir[:], d[8:16])
	}
	n.src = natHash(n.spii, n.spir, p.Src)
	n.dst = natHash(n.spii, n.spir, p.Dst)
	n.addrs = natAddrs(p)
}

// AddPrepared is [Analyzer.Add] for a packet that the Analyzer's
// [Preparer] has prepared into pre, as it is (the same Data: its
// fingerprint is not taken again); the analysis and its results are the
// same. A pre from another Analyzer's Preparer, or the zero Prepared, is
// ignored (the work is done here).
func (a *Analyzer) AddPrepared(p *Packet, pre *Prepared) {
	if p == nil {
		return
	}
	if outsidePeers(a.peers, p) {
		a.report.Stats.FilteredOut++
		return
	}
	var own Prepared
	if pre == nil || pre.by == nil || pre.by != a.prep {
		own.sum = packetSum(a.seed, p)
		pre = &own
	}
	a.enqueue(p, pre)
}

// natHashOf returns natHash(spii, spir, ap) for the packet being
// processed, ap being its source (or, with dst, its destination): the
// prepared hash when one was taken with the same SPIs (process hands on
// only hashes taken for the packet's own addresses), else computed.
func (a *Analyzer) natHashOf(spii, spir dissect.SPI, ap netip.AddrPort, dst bool) [sha1.Size]byte {
	if n := &a.nat; n.ok && n.spii == spii && n.spir == spir {
		if dst {
			return n.dst
		}
		return n.src
	}
	return natHash(spii, spir, ap)
}

// outsidePeers reports whether the peer filter peers (nil: none) leaves p
// out: neither its source nor its destination is one of them.
func outsidePeers(peers map[netip.Addr]bool, p *Packet) bool {
	return peers != nil && !peers[p.Src.Addr().Unmap()] && !peers[p.Dst.Addr().Unmap()]
}
