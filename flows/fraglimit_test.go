package flows

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
)

// openSKF verifies and decrypts one real SKF fragment (AES-CBC, HMAC-SHA2-
// 256-128, the only outer payload) and returns its Next Payload and its
// content without padding.
func openSKF(t testing.TB, raw, ek, ak []byte) (dissect.PayloadType, []byte) {
	t.Helper()
	const iv = 28 + 8
	if len(raw) < iv+2*cbcBlock+v2ICVLen || raw[16] != byte(dissect.PayloadSKF) {
		t.Fatalf("not a single-SKF IKEv2 message (%d octets)", len(raw))
	}
	return dissect.PayloadType(raw[28]), openAt(t, raw, iv, ek, ak)
}

// sealSKF returns a copy of the real message tmpl carrying one SKF payload
// (RFC 7383 §2.5): fragment num of total with content part, next set in
// fragment 1 only, a derived IV, RFC 7296 padding and the ICV.
func sealSKF(t testing.TB, tmpl []byte, num, total uint16, next dissect.PayloadType, part, ek, ak []byte) []byte {
	t.Helper()
	pad := (cbcBlock - (len(part)+1)%cbcBlock) % cbcBlock
	pt := append(append(bytes.Clone(part), make([]byte, pad)...), byte(pad))
	sum := sha256.Sum256(append(binary.BigEndian.AppendUint32(nil, uint32(num)<<16|uint32(total)), pt...))
	iv := sum[:cbcBlock]
	plen := 8 + cbcBlock + len(pt) + v2ICVLen
	msg := bytes.Clone(tmpl[:28])
	msg[16] = byte(dissect.PayloadSKF)
	binary.BigEndian.PutUint32(msg[24:28], uint32(28+plen))
	if num != 1 {
		next = dissect.PayloadNone
	}
	msg = append(msg, byte(next), 0)
	msg = binary.BigEndian.AppendUint16(msg, uint16(plen))
	msg = binary.BigEndian.AppendUint16(msg, num)
	msg = binary.BigEndian.AppendUint16(msg, total)
	return sealTail(t, msg, iv, pt, ek, ak)
}

// TestFragmentLimitDissectAndAnalyzeAgree re-fragments the real IKE_AUTH
// request of ikev2-cert-fragmentation (strongSwan sent it as 5 fragments)
// into 5 (as sent), 65, MaxFragments and MaxFragments+1 fragments sealed with the
// scenario's keys, the way a peer with a tiny fragment size would. The
// dissect path (decrypt.Tracker) and the analyze path (flows) must agree
// on whether the message reassembles: both up to the limit, neither
// beyond it. (Before one reassembler served both, analyze stopped at 64
// fragments and dissect at 128.)
func TestFragmentLimitDissectAndAnalyzeAgree(t *testing.T) {
	const scen = "ikev2-cert-fragmentation"
	orig := loadPackets(t, filepath.Join(corpusDir, scen, "capture.pcap"))
	k := loadV2Key(t, scen)
	ek, ak := k.keys(true)
	var inner []byte
	var first dissect.PayloadType
	var tmpl []byte
	lo, hi := -1, -1
	for i, p := range orig {
		d := p.Data
		if p.Kind != KindIKE || len(d) < 28 || dissect.ExchangeType(d[18]) != dissect.ExchangeIKEAuth ||
			d[19]&dissect.FlagResponse != 0 || d[16] != byte(dissect.PayloadSKF) {
			continue
		}
		if lo < 0 {
			lo, tmpl = i, d
		}
		hi = i
		next, part := openSKF(t, d, ek, ak)
		if len(inner) == 0 {
			first = next
		}
		inner = append(inner, part...)
	}
	if lo < 0 || hi-lo != 4 || first != dissect.PayloadIDi {
		t.Fatalf("want the 5 fragments of an IKE_AUTH request starting with IDi, got frames %d..%d, first %v", lo, hi, first)
	}
	for _, n := range []int{5, 65, dissect.MaxFragments, dissect.MaxFragments + 1} {
		var pk []Packet
		pk = append(pk, orig[:lo]...)
		for j := range n {
			a, b := len(inner)*j/n, len(inner)*(j+1)/n
			p := orig[lo]
			p.Data = sealSKF(t, tmpl, uint16(j+1), uint16(n), first, inner[a:b], ek, ak)
			pk = append(pk, p)
		}
		pk = append(pk, orig[hi+1:]...)
		for i := range pk {
			pk[i].Frame = i + 1
		}
		want := n <= dissect.MaxFragments

		tr := keyringFor(t, filepath.Join(corpusDir, scen, "ikev2_decryption_table"))
		dissected := false
		for i := range pk {
			var m dissect.Message
			if pk[i].Kind != KindIKE || m.DecodeFromBytes(pk[i].Data) != nil {
				continue
			}
			r := tr.Message(pk[i].Data, &m, pk[i].Src.Addr())
			if r.Fragment.Complete && r.State == decrypt.StateDecrypted && len(r.Payloads) > 0 && r.Payloads[0].Type == dissect.PayloadIDi {
				dissected = true
			}
		}

		rep := analyze(pk, Options{Decryptor: keyringFor(t, filepath.Join(corpusDir, scen, "ikev2_decryption_table"))})
		analyzed := false
		for _, sa := range rep.SAs {
			for _, ex := range sa.Exchanges {
				for _, m := range ex.Messages {
					if strings.Contains(m.Payloads, "{IDi") {
						analyzed = true
					}
				}
			}
		}
		if dissected != want || analyzed != want {
			t.Errorf("%d fragments: dissect reassembled %v, analyze %v; want both %v", n, dissected, analyzed, want)
		}
	}
}
