package flows

import (
	"crypto/sha1"
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// analyzePrepared runs packets through a new Analyzer as the CLI's
// read-ahead does: every packet prepared first (by the Analyzer's
// Preparer, another goroutine in the CLI), then edit applied (nil: none),
// then each added with its Prepared.
func analyzePrepared(pkts []Packet, opt Options, edit func([]Packet)) *Report {
	a := NewAnalyzer(opt)
	pr := a.Preparer()
	pre := make([]Prepared, len(pkts))
	for i := range pkts {
		pr.Prepare(&pkts[i], &pre[i])
	}
	if edit != nil {
		edit(pkts)
	}
	for i := range pkts {
		a.AddPrepared(&pkts[i], &pre[i])
	}
	return a.Finish()
}

// reportJSON encodes a report for comparison.
func reportJSON(t *testing.T, r *Report) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAddPreparedSameReport checks that packets prepared ahead (Preparer,
// AddPrepared) give the report Add gives, on every corpus capture, with
// and without its keys.
func TestAddPreparedSameReport(t *testing.T) {
	for _, c := range corpusCaptures(t) {
		dir := filepath.Dir(c)
		name := filepath.Base(dir)
		base := loadPackets(t, c)
		for _, keyed := range []bool{false, true} {
			opt := Options{}
			if keyed {
				if opt.Decryptor = corpusKeys(t, dir); opt.Decryptor == nil {
					continue
				}
			}
			want := reportJSON(t, analyze(clonePackets(base), opt))
			if keyed {
				opt.Decryptor = corpusKeys(t, dir) // a fresh one: it keeps state
			}
			if got := reportJSON(t, analyzePrepared(clonePackets(base), opt, nil)); got != want {
				t.Errorf("%s (keys %v): the report differs with prepared packets", name, keyed)
			}
		}
	}
}

// TestAddPreparedNAT checks the NAT detection hashes taken ahead, on
// ikev2-psk-success with NAT_DETECTION notifies that match the addresses
// (no NAT), edited as a NAT edits it: the initiator's source port
// rewritten between the initiator and the capture point, so that its
// NAT_DETECTION_SOURCE_IP no longer hashes the address seen. Rewritten
// after the packets were prepared, the prepared hashes are those of the
// old address: they must not be used (the report must be Add's).
func TestAddPreparedNAT(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	// The lab's strongSwan fakes NAT detection (both hashes wrong): put
	// the true hashes in, as peers without NAT between them send them.
	trueNATD(t, base)
	nat := func(r *Report) bool {
		return slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Kind == KindNATDetected })
	}
	if nat(analyzePrepared(clonePackets(base), Options{}, nil)) {
		t.Fatal("ikev2-psk-success: NAT detected without NAT")
	}
	// Every packet from the initiator's address and port gets another
	// port, and every packet to it: the responder answers the NAT.
	from := base[0].Src
	rewritten := netip.AddrPortFrom(from.Addr(), from.Port()+1000)
	edit := func(pk []Packet) {
		for i := range pk {
			if pk[i].Src == from {
				pk[i].Src = rewritten
			}
			if pk[i].Dst == from {
				pk[i].Dst = rewritten
			}
		}
	}
	edited := clonePackets(base)
	edit(edited)
	want := analyze(edited, Options{})
	if !nat(want) {
		t.Fatal("source port rewritten: Add detects no NAT")
	}
	if got := analyzePrepared(clonePackets(base), Options{}, edit); reportJSON(t, got) != reportJSON(t, want) {
		t.Errorf("addresses changed after Prepare: the report differs from Add's (NAT detected: %v)", nat(got))
	}
	// Prepared with the edit: the same report.
	if got := analyzePrepared(clonePackets(edited), Options{}, nil); reportJSON(t, got) != reportJSON(t, want) {
		t.Errorf("prepared after the edit: the report differs from Add's (NAT detected: %v)", nat(got))
	}
}

// TestAddPreparedForeign checks that Prepared values from another
// Analyzer's Preparer (another hash seed) are not used. The capture is
// ikev2-psk-success with its IKE_AUTH request (frame 3) resent 500 ms
// later with 4 octets after the message (a damaged trailer): the resend
// is recognised by the hash of the message (without the trailer, taken
// with the Analyzer's seed) matching the first copy's fingerprint (all of
// its octets, its Prepared sum): with a foreign seed they would differ.
func TestAddPreparedForeign(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	base = resent(t, base, 3, 500*time.Millisecond, 500*time.Millisecond)
	c := &base[byFrame(t, base, 4)]
	c.Data = append(c.Data, 0, 0, 0, 0)
	want := analyze(clonePackets(base), Options{})
	if !slices.Contains(sortedKinds(want), "retransmit:info") {
		t.Fatalf("Add: the resend is not a retransmit: %v", sortedKinds(want))
	}
	pkts := clonePackets(base)
	other := NewAnalyzer(Options{}).Preparer()
	a := NewAnalyzer(Options{})
	a.Preparer()
	for i := range pkts {
		var pre Prepared
		other.Prepare(&pkts[i], &pre)
		a.AddPrepared(&pkts[i], &pre)
	}
	if got := a.Finish(); reportJSON(t, got) != reportJSON(t, want) {
		t.Errorf("with another Analyzer's Prepared values the report differs from Add's: %v", sortedKinds(got))
	}
}

// trueNATD writes into the NAT_DETECTION_SOURCE_IP and _DESTINATION_IP
// notifies of the IKEv2 IKE_SA_INIT messages of pk the hashes of RFC 7296
// §2.23 of the addresses they travel between: SHA-1(SPIi | SPIr | IP |
// port), SPIr zero in the request.
func trueNATD(t *testing.T, pk []Packet) {
	t.Helper()
	n := 0
	for i := range pk {
		p := &pk[i]
		var m dissect.Message
		if p.Kind != KindIKE || m.DecodeFromBytes(p.Data) != nil || m.Header.MajorVersion != 2 || m.Header.Exchange != dissect.ExchangeIKESAInit {
			continue
		}
		var in []byte
		in = append(in, p.Data[0:8]...)
		if m.Header.IsResponse() {
			in = append(in, p.Data[8:16]...)
		} else {
			in = append(in, make([]byte, 8)...)
		}
		for _, pl := range m.Payloads {
			if pl.Type != dissect.PayloadNotify || len(pl.Body) < 4+sha1.Size {
				continue
			}
			ap := p.Src
			switch dissect.NotifyType(binary.BigEndian.Uint16(pl.Body[2:4])) {
			case dissect.NotifyNATDetectionSourceIP:
			case dissect.NotifyNATDetectionDestinationIP:
				ap = p.Dst
			default:
				continue
			}
			h := sha1.Sum(binary.BigEndian.AppendUint16(append(slices.Clone(in), ap.Addr().Unmap().AsSlice()...), ap.Port()))
			copy(pl.Body[len(pl.Body)-sha1.Size:], h[:]) // Body aliases p.Data
			n++
		}
	}
	if n < 4 {
		t.Fatalf("%d NAT detection notifies rewritten, want 4 (request and response, source and destination)", n)
	}
}

// FuzzAddPrepared feeds arbitrary packet sequences both ways, Add and
// Preparer then AddPrepared: the reports must be the same.
func FuzzAddPrepared(f *testing.F) {
	for _, sc := range []string{"ikev2-psk-success", "ikev2-nat-t", "ikev1-main-quick", "ikev2-invalid-ke-retry"} {
		pk := corpusPacketsOrNil(sc)
		f.Add(encodeFuzz(pk[:min(len(pk), 4)]))
	}
	f.Add([]byte{0, 28, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		want, errW := json.Marshal(analyze(fuzzPackets(data), Options{}))
		got, errG := json.Marshal(analyzePrepared(fuzzPackets(data), Options{}, nil))
		if string(got) != string(want) || (errW == nil) != (errG == nil) {
			t.Fatalf("Add and AddPrepared differ:\n%s\n%s", want, got)
		}
	})
}
