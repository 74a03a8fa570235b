package flows

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClockSkewBetweenDirections: real captures whose responder-side
// packets are timestamped early (files from two capture points whose
// clocks differ, merged, so that every response comes before its own
// request), by 5 ms and by 1.5 s. Each request is analysed with its
// response: one SA, in the state of the whole capture, and one
// out_of_order warning saying the capture's times are off (before: two
// SAs, one incomplete, and message_id_desync errors naming responses as
// "a different request"). ikev2-cert-fragmentation has IKE_AUTH in IKEv2
// fragments (RFC 7383), each a request of its own.
func TestClockSkewBetweenDirections(t *testing.T) {
	for _, sc := range []string{"ikev2-psk-success", "ikev2-cert-fragmentation", "openiked-ikev2-success"} {
		pk := corpusPackets(t, sc)
		whole := analyze(pk, Options{}).SAs[0]
		for _, skew := range []time.Duration{-5 * time.Millisecond, -1500 * time.Millisecond} {
			sk := skewed(pk, skew)
			r := analyze(sk, Options{})
			if len(r.SAs) != 1 || r.SAs[0].State != whole.State {
				t.Errorf("%s, skew %v: %d SAs, first %s, want 1 %s", sc, skew, len(r.SAs), r.SAs[0].State, whole.State)
				continue
			}
			sa := r.SAs[0]
			if f := finding(sa, KindMIDDesync); f != nil {
				t.Errorf("%s, skew %v: %s", sc, skew, f.Message)
			}
			if f := finding(sa, KindCaptureGap); f != nil {
				t.Errorf("%s, skew %v: %s", sc, skew, f.Message)
			}
			f := finding(sa, KindOutOfOrder)
			if f == nil || f.Severity != SeverityWarning || !strings.Contains(f.Message, "timestamped after their own responses") {
				t.Errorf("%s, skew %v: out_of_order %+v", sc, skew, f)
			}
		}
	}
}

// TestRetryAfterAloneRefusal: ikev2-invalid-ke-retry without its first
// IKE_SA_INIT request: the INVALID_KE_PAYLOAD answer comes alone, and the
// IKE_SA_INIT that follows (message ID 0 again, the other group) is the
// initiator's retry, not the answered request timestamped late.
func TestRetryAfterAloneRefusal(t *testing.T) {
	pk := corpusPackets(t, "ikev2-invalid-ke-retry")
	i := byFrame(t, pk, 1)
	sa := analyze(slices.Delete(clonePackets(pk), i, i+1), Options{}).SAs[0]
	if f := finding(sa, KindOutOfOrder); f != nil {
		t.Errorf("%s", f.Message)
	}
	if sa.State != StateDeleted && sa.State != StateEstablished {
		t.Errorf("state %s", sa.State)
	}
}

// TestClockSkewMainModeLabels: IKEv1 has no response flag and pairs its
// messages by order, so with the responder's packets timestamped early
// (merged captures whose clocks differ) every main-mode answer comes
// before its request. The numbers follow the content and the sender
// (mmStep: SA, key exchange, encrypted; odd from the initiator): MM1-MM6
// each once, from the right side (before: MM2, MM3, MM5, MM6, MM8, MM9),
// and the SA's state is the whole capture's.
func TestClockSkewMainModeLabels(t *testing.T) {
	for _, sc := range []string{"ikev1-main-quick", "libreswan-ikev1-main-quick"} {
		pk := corpusPackets(t, sc)
		whole := analyze(pk, Options{}).SAs[0]
		for _, skew := range []time.Duration{-5 * time.Millisecond, -1500 * time.Millisecond} {
			sk := skewed(pk, skew)
			sa := analyze(sk, Options{}).SAs[0]
			if sa.State != whole.State {
				t.Errorf("%s, skew %v: %s, want %s", sc, skew, sa.State, whole.State)
			}
			var got []string
			for _, m := range sa.Exchanges[0].Messages {
				got = append(got, m.From+" "+m.Label)
			}
			slices.Sort(got)
			want := []string{"initiator MM1", "initiator MM3", "initiator MM5", "responder MM2", "responder MM4", "responder MM6"}
			if !slices.Equal(got, want) {
				t.Errorf("%s, skew %v: phase 1 %v, want %v", sc, skew, got, want)
			}
		}
	}
}

// TestClockSkewQuickModeRefusal: the three corpus captures whose quick
// mode is refused with an encrypted informational, with the responder's
// packets 5 ms or 1.5 s early: the refusal is timestamped before the QM1
// it answers, by about the offset main mode showed (v1Odd.skew), and is
// still taken for the refusal (child_sa_refused, as in the whole capture),
// not "QM1 got no reply".
func TestClockSkewQuickModeRefusal(t *testing.T) {
	for _, sc := range []string{"libreswan-ikev1-quick-refused", "libreswan-ikev1-quick-pfs-mismatch", "ikev1-quick-id-mismatch"} {
		pk := corpusPackets(t, sc)
		if finding(analyze(pk, Options{}).SAs[0], KindChildRefused) == nil {
			t.Fatalf("%s: no child_sa_refused in the whole capture", sc)
		}
		for _, skew := range []time.Duration{-5 * time.Millisecond, -1500 * time.Millisecond} {
			sk := skewed(pk, skew)
			sa := analyze(sk, Options{}).SAs[0]
			if finding(sa, KindChildRefused) == nil || finding(sa, KindUnanswered) != nil {
				t.Errorf("%s, skew %v: %+v", sc, skew, sa.Findings)
			}
		}
	}
}

// TestClockSkewMainModeWithKeys: the main-mode captures with keys and the
// responder's packets early (merged captures whose clocks differ). A late
// MM1 is read as MM1, its offer not taken for the accepted proposal (the
// review found it so); and ESP counted one way because the other way is
// timestamped before the negotiation of its SPIs is no one_way_esp
// warning, but an info that says the times are off.
func TestClockSkewMainModeWithKeys(t *testing.T) {
	for _, sc := range []string{"ikev1-main-quick", "libreswan-ikev1-main-quick"} {
		dir := filepath.Join(corpusDir, sc)
		pk := corpusPackets(t, sc)
		whole := analyze(pk, Options{Decryptor: corpusKeys(t, dir)}).SAs[0]
		for _, skew := range []time.Duration{-5 * time.Millisecond, -1500 * time.Millisecond} {
			sk := skewed(pk, skew)
			sa := analyze(sk, Options{Decryptor: corpusKeys(t, dir)}).SAs[0]
			if sa.Proposal != whole.Proposal {
				t.Errorf("%s, skew %v: proposal %q, want %q", sc, skew, sa.Proposal, whole.Proposal)
			}
			for _, f := range sa.Findings {
				if f.Kind == KindOneWayESP && f.Severity != SeverityInfo {
					t.Errorf("%s, skew %v: %s", sc, skew, f.Message)
				}
			}
		}
	}
}

// skewed returns a copy of pk with the packets of the peer that did not
// send the first one timestamped d later (d < 0: earlier), in time order:
// a capture merged from two capture points whose clocks differ by d.
func skewed(pk []Packet, d time.Duration) []Packet {
	sk := clonePackets(pk)
	for i := range sk {
		if sk[i].Src.Addr() != pk[0].Src.Addr() {
			sk[i].Time = sk[i].Time.Add(d)
		}
	}
	slices.SortStableFunc(sk, func(x, y Packet) int { return x.Time.Compare(y.Time) })
	return sk
}

// TestClockSkewChildSAsWithKeys: IKEv2 captures with the keys, the
// responder's packets timestamped early (merged captures whose clocks
// differ), so that a response is analysed before its own request. The
// child SAs are those of the whole capture: both SPIs (the requester's is
// only in the request: before, 00000000, and the ESP to the requester
// went uncounted), the child SA a rekey replaced (before: "deleted", not
// "rekeyed"), the IKE SA rekey (its new SPIs are half in the request),
// states and frames. ESP counts are left out: the ESP timestamped before
// its negotiation is not counted (one_way_esp says so).
func TestClockSkewChildSAsWithKeys(t *testing.T) {
	type childKey struct {
		spiI, spiR, rekeyOf ESPSPI
		state               ChildState
		deleted             int
	}
	view := func(r *Report) (out []string) {
		for _, sa := range r.SAs {
			s := sa.Name() + " " + string(sa.State) + " from " + sa.RekeyedFrom + " to " + sa.RekeyedTo + ":"
			for _, c := range sa.ChildSAs {
				s += " " + fmt.Sprint(childKey{c.SPIi, c.SPIr, c.RekeyOf, c.State, c.DeletedFrame})
			}
			out = append(out, s)
		}
		return out
	}
	for _, sc := range []string{"ikev2-psk-success", "ikev2-rekey", "ikev2-rekey-ike-first", "ikev2-ts-unacceptable",
		"libreswan-ikev2-success", "libreswan-ikev2-rekey-ike", "openiked-ikev2-success"} {
		dir := filepath.Join(corpusDir, sc)
		pk := corpusPackets(t, sc)
		want := view(analyze(pk, Options{Decryptor: corpusKeys(t, dir)}))
		for _, skew := range []time.Duration{-5 * time.Millisecond, -1500 * time.Millisecond} {
			got := view(analyze(skewed(pk, skew), Options{Decryptor: corpusKeys(t, dir)}))
			if !slices.Equal(got, want) {
				t.Errorf("%s, skew %v:\n%s\nwant\n%s", sc, skew, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}
