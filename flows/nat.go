package flows

import (
	"bytes"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"

	"github.com/ikeflow/ikeflow/dissect"
)

// natHash computes the NAT detection hash of RFC 7296 §2.23:
// SHA-1(SPIi | SPIr | IP | port).
func natHash(spii, spir dissect.SPI, ap netip.AddrPort) [sha1.Size]byte {
	var buf [8 + 8 + 16 + 2]byte
	n := copy(buf[:], spii[:])
	n += copy(buf[n:], spir[:])
	ip := ap.Addr().Unmap()
	n += copy(buf[n:], ip.AsSlice())
	binary.BigEndian.PutUint16(buf[n:], ap.Port())
	return sha1.Sum(buf[:n+2])
}

// natCheck compares the NAT_DETECTION notifies of an IKE_SA_INIT message
// with the addresses the packet really carries at the capture point. A
// source hash that does not match means the sender's address was rewritten
// before the capture point; a destination hash that does not match means
// the sender addressed the receiver under another address, or (in the
// response) saw the initiator under another address — a NAT between the
// capture point and that peer.
func (a *Analyzer) natCheck(st *saState, p *Packet, f *facts, resp bool) {
	h := &a.msg.Header
	spir := h.SPIr
	if !resp {
		spir = dissect.SPI{}
	}
	var srcSeen, srcMatch, dstSeen, dstMatch bool
	for _, n := range f.notifies {
		switch dissect.NotifyType(n.typ) {
		case dissect.NotifyNATDetectionSourceIP:
			srcSeen = true
			hs := a.natHashOf(h.SPIi, spir, p.Src, false)
			srcMatch = srcMatch || bytes.Equal(n.data, hs[:])
		case dissect.NotifyNATDetectionDestinationIP:
			dstSeen = true
			hs := a.natHashOf(h.SPIi, spir, p.Dst, true)
			dstMatch = dstMatch || bytes.Equal(n.data, hs[:])
		}
	}
	if !srcSeen && !dstSeen {
		// No NAT detection payloads: a source port other than 500/4500
		// on the initiator's first request still betrays a NAPT. Not over
		// TCP (RFC 8229), whose client port is any ephemeral one
		// (libreswan-ikev2-tcp at -s 128, its NAT detection cut off: "the
		// initiator is probably behind a NAPT" from port 37124).
		if !resp && !p.TCP && p.Src.Port() != 500 && p.Src.Port() != 4500 && p.Src.Port() != 0 {
			st.out.set(outNATKnown)
			st.out.set(natSeen(sideI))
			st.addNATFrame(p.Frame)
			st.out.set(outNATByPort)
			if f.malformed {
				st.out.set(outNATDUnread) // they may be in what was not read
			}
		}
		return
	}
	st.out.set(outNATKnown)
	sender, receiver := sideI, sideR
	if resp {
		sender, receiver = sideR, sideI
	}
	if srcSeen && !srcMatch {
		st.out.set(natSeen(sender))
		st.addNATFrame(p.Frame)
	}
	if dstSeen && !dstMatch {
		st.out.set(natSeen(receiver))
		st.addNATFrame(p.Frame)
	}
}

// natCheckV1 does the same for IKEv1 NAT-D payloads (RFC 3947 §3.2): the
// first NAT-D hashes the receiver's address, the following ones the
// sender's, with the negotiated hash (tried as MD5, SHA-1 and SHA-256).
func (a *Analyzer) natCheckV1(st *saState, p *Packet, f *facts, fromInitiator bool) {
	if len(f.natd) < 2 {
		return
	}
	h := &a.msg.Header
	st.out.set(outNATKnown)
	sender, receiver := sideI, sideR
	if !fromInitiator {
		sender, receiver = sideR, sideI
	}
	if !natV1Match(h.SPIi, h.SPIr, p.Dst, f.natd[0].Body) {
		st.out.set(natSeen(receiver))
		st.addNATFrame(p.Frame)
	}
	ok := false
	for _, d := range f.natd[1:] {
		ok = ok || natV1Match(h.SPIi, h.SPIr, p.Src, d.Body)
	}
	if !ok {
		st.out.set(natSeen(sender))
		st.addNATFrame(p.Frame)
	}
}

// natV1Match reports whether got is HASH(CKY-I | CKY-R | IP | port) for
// one of the usual hash functions.
func natV1Match(ckyi, ckyr dissect.SPI, ap netip.AddrPort, got []byte) bool {
	var buf [8 + 8 + 16 + 2]byte
	n := copy(buf[:], ckyi[:])
	n += copy(buf[n:], ckyr[:])
	n += copy(buf[n:], ap.Addr().Unmap().AsSlice())
	binary.BigEndian.PutUint16(buf[n:], ap.Port())
	in := buf[:n+2]
	switch len(got) {
	case md5.Size:
		s := md5.Sum(in)
		return bytes.Equal(got, s[:])
	case sha1.Size:
		s := sha1.Sum(in)
		return bytes.Equal(got, s[:])
	case sha256.Size:
		s := sha256.Sum256(in)
		return bytes.Equal(got, s[:])
	}
	return true // unknown hash: do not claim a NAT
}
