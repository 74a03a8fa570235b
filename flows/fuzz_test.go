package flows

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

// fuzzAddrs are the endpoints fuzzed packets travel between.
var fuzzAddrs = [4]netip.AddrPort{
	netip.MustParseAddrPort("198.51.100.10:500"),
	netip.MustParseAddrPort("203.0.113.10:500"),
	netip.MustParseAddrPort("198.51.100.10:4500"),
	netip.MustParseAddrPort("[2001:db8::1]:4500"),
}

// fuzzPackets turns fuzz input into packets: each record is a control
// octet (bit 0 ESP, bits 1–2 source, bits 3–4 destination, bit 5 an ICMP
// error quoting the octets, sent by the destination, bits 6–7 its code), a
// length octet, a time step in units of 37 ms, then that many octets of
// IKE message (or the ESP SPI and sequence number, or the quoted octets).
func fuzzPackets(data []byte) []Packet {
	var out []Packet
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for len(data) >= 3 && len(out) < 256 {
		ctl, n, step := data[0], int(data[1]), data[2]
		data = data[3:]
		n = min(n, len(data))
		body := data[:n]
		data = data[n:]
		at = at.Add(time.Duration(step) * 37 * time.Millisecond)
		p := Packet{Frame: len(out) + 1, Time: at, Src: fuzzAddrs[ctl>>1&3], Dst: fuzzAddrs[ctl>>3&3]}
		if ctl&1 == 1 {
			p.Kind = KindESP
			for _, b := range body {
				p.ESPSPI = p.ESPSPI<<8 | uint32(b)
				p.ESPSeq++
			}
		} else if ctl&0x20 != 0 {
			// An ICMP error quoting body (after its UDP header), from one
			// of the addresses, with one of four codes.
			p.Kind = KindICMP
			p.Data = body
			p.ICMP = &ICMPInfo{From: fuzzAddrs[ctl>>3&3].Addr(), Code: [4]uint8{3, 13, 1, 4}[ctl>>6]}
		} else {
			p.Kind = KindIKE
			p.Data = body
		}
		out = append(out, p)
	}
	return out
}

// encodeFuzz is the inverse of fuzzPackets for seeding with real packets.
func encodeFuzz(pk []Packet) []byte {
	var out []byte
	for i, p := range pk {
		var ctl byte
		for j, a := range fuzzAddrs {
			if a.Addr() == p.Src.Addr() {
				ctl |= byte(j) << 1
			}
			if a.Addr() == p.Dst.Addr() {
				ctl |= byte(j) << 3
			}
		}
		body := p.Data
		if p.Kind == KindICMP && p.ICMP != nil {
			ctl |= 0x20
			for j, c := range [4]uint8{3, 13, 1, 4} {
				if c == p.ICMP.Code {
					ctl |= byte(j) << 6
				}
			}
		}
		if p.Kind == KindESP {
			ctl |= 1
			body = []byte{byte(p.ESPSPI >> 24), byte(p.ESPSPI >> 16), byte(p.ESPSPI >> 8), byte(p.ESPSPI)}
		}
		step := byte(0)
		if i > 0 {
			step = byte(min(255, p.Time.Sub(pk[i-1].Time)/(37*time.Millisecond)))
		}
		if len(body) > 255 {
			body = body[:255]
		}
		out = append(out, ctl, byte(len(body)), step)
		out = append(out, body...)
	}
	return out
}

// FuzzAnalyzer feeds arbitrary packet sequences: the analyzer must not
// panic, must stay bounded (no more SAs than packets) and must only cite
// frames it was given.
func FuzzAnalyzer(f *testing.F) {
	// Seeds are the first packets of real exchanges, kept small (a few
	// hundred octets each) so the fuzzer executes rather than minimises.
	for _, sc := range []string{"ikev2-psk-success", "ikev2-rekey", "ikev1-main-quick", "ikev2-invalid-ke-retry"} {
		pk := corpusPacketsOrNil(sc)
		f.Add(encodeFuzz(pk[:min(len(pk), 4)]))
	}
	if pk := corpusPacketsOrNil("ikev1-dpd-dead-peer"); len(pk) >= 14 {
		f.Add(encodeFuzz(append(slices.Clone(pk[:6]), pk[11:14]...))) // main mode, an R-U-THERE and its ICMP error
	}
	f.Add([]byte{0, 28, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		pk := fuzzPackets(data)
		checkBounded(t, pk, nil)
	})
}

// checkBounded analyses pk in one go, streamed (idle timeout, every SA
// drawn as it is handed over) and with IKE messages marked cut, with a fresh decryptor from dec each time
// when dec is not nil, and fails if that yields more SAs than packets or a
// finding cites a frame outside pk.
func checkBounded(t *testing.T, pk []Packet, dec func() Decryptor) {
	t.Helper()
	// Once more with every other IKE message marked cut short by the
	// capture's snap length (Packet.Cut), as the capture reader marks them,
	// and TTLs that place the capture on one side (ttl.go).
	cut := clonePackets(pk)
	for i := range cut {
		cut[i].Cut = cut[i].Kind == KindIKE && i%2 == 0
		cut[i].TTL = uint8(64 - i%2)
	}
	for run, idle := range []time.Duration{0, time.Second, 0} {
		if run == 2 {
			pk = cut
		}
		streamed := 0
		opt := Options{IdleTimeout: idle}
		if dec != nil {
			opt.Decryptor = dec()
		}
		if idle > 0 {
			opt.OnSA = func(sa *SA) { streamed++; _ = Ladder(sa) }
		}
		r := analyze(pk, opt)
		if len(r.SAs)+streamed > len(pk) {
			t.Fatalf("%d SAs from %d packets", len(r.SAs)+streamed, len(pk))
		}
		for _, sa := range r.SAs {
			_ = Ladder(sa)
		}
		for _, fd := range r.Findings {
			for _, fr := range fd.Frames {
				if fr < 1 || fr > len(pk) {
					t.Fatalf("finding %s cites frame %d of %d", fd.Kind, fr, len(pk))
				}
			}
		}
	}
}

// corpusPacketsOrNil loads a corpus capture for seeding, or nil.
func corpusPacketsOrNil(scenario string) []Packet {
	defer func() { _ = recover() }()
	return loadPacketsQuiet(scenario)
}
