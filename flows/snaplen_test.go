package flows

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// snapCapture returns pk as a capture taken with snap length snap over
// Ethernet and IPv4 would hold it: each IKE message cut after snap-42
// octets of UDP payload (14 Ethernet, 20 IPv4, 8 UDP; on port 4500 the
// non-ESP marker takes 4 of them), marked Cut as the capture reader marks
// it. ESP packets keep their SPI and sequence number (the first 8 octets).
func snapCapture(pk []Packet, snap int) []Packet {
	out := clonePackets(pk)
	for i := range out {
		p := &out[i]
		if p.Kind != KindIKE {
			continue
		}
		keep := snap - 42
		if p.Src.Port() == 4500 || p.Dst.Port() == 4500 {
			keep -= 4
		}
		if keep = max(keep, 0); len(p.Data) > keep {
			p.Data, p.Cut = p.Data[:keep], true
		}
	}
	return out
}

// globalFinding returns the capture-wide finding of kind k, nil when none.
func globalFinding(r *Report, k FindingKind) *Finding { return findingIn(r.Findings, k) }

// TestSnapLength: ikev2-rekey as tcpdump -s 96 and -s 200 keep it. The
// IKE_AUTH answer cut inside its SK payload's header read as not
// encrypted, so the child SA it set up was not inferred from the ESP that
// followed: "4 ESP packets on 2 SPIs belong to no IKE SA in this
// capture: ... negotiated before the capture started", false (10 at 96).
// Each SA also had a malformed warning, as if the peers sent damaged
// messages. Now the ESP is the child SAs', one capture-wide snap_length
// warning says what was cut, and each SA's malformed note is info.
func TestSnapLength(t *testing.T) {
	whole := analyze(corpusPackets(t, "ikev2-rekey"), Options{})
	for _, snap := range []int{96, 200} {
		r := analyze(snapCapture(corpusPackets(t, "ikev2-rekey"), snap), Options{})
		if r.Stats.UnmatchedESP != 0 || len(r.SAs) != len(whole.SAs) {
			t.Errorf("-s %d: %d ESP packets without IKE SA, %d SAs (whole capture: 0, %d)", snap, r.Stats.UnmatchedESP, len(r.SAs), len(whole.SAs))
		}
		for i, sa := range r.SAs {
			if i < len(whole.SAs) && (sa.State != whole.SAs[i].State || len(sa.ChildSAs) != len(whole.SAs[i].ChildSAs)) {
				t.Errorf("-s %d: SA %s %s with %d child SAs, whole capture %s with %d", snap, sa.Name(), sa.State, len(sa.ChildSAs),
					whole.SAs[i].State, len(whole.SAs[i].ChildSAs))
			}
			for _, f := range sa.Findings {
				if f.Kind == KindMalformed && (f.Severity != SeverityInfo || !strings.Contains(f.Message, "cut short by the capture's snap length")) {
					t.Errorf("-s %d: %s %s: %s", snap, sa.Name(), f.Severity, f.Message)
				}
			}
		}
		f := globalFinding(r, KindSnapLength)
		if f == nil || f.Severity != SeverityWarning || !strings.Contains(f.Message, "of the 18 in this capture") ||
			!strings.Contains(f.Message, "the IKE header was read") {
			t.Errorf("-s %d: snap_length %+v", snap, f)
		}
	}
}

// TestSnapLengthWithinHeader: at -s 64 ikev1-aggressive's IKE messages
// keep 18 or 22 octets, less than their header. AM3 and QM1, 0.8 ms
// apart, then hold the same octets, and were taken for one packet captured
// twice (capture_duplicate); the unreadable ones were "damaged (or not
// IKE)". Now snap_length alone says they could not be analysed.
func TestSnapLengthWithinHeader(t *testing.T) {
	r := analyze(snapCapture(corpusPackets(t, "ikev1-aggressive"), 64), Options{})
	if f := globalFinding(r, KindCaptureDuplicate); f != nil {
		t.Errorf("capture_duplicate: %s", f.Message)
	}
	if f := globalFinding(r, KindMalformed); f != nil {
		t.Errorf("malformed: %s", f.Message)
	}
	f := globalFinding(r, KindSnapLength)
	if f == nil || !strings.Contains(f.Message, "less than the 28-octet IKE header: they could not be analysed at all") {
		t.Errorf("snap_length %+v", f)
	}
}

// TestSnapLengthTwoIKESAs: two IKE SAs between the same hosts, with their
// keys, at -s 300: both IKE_AUTH requests are cut (not decrypted), their
// answers read, so each child SA is known by one SPI. The ESP to the
// initiator went to the other IKE SA's half-known child SA, or the child
// SA's way back could not be counted, and each read "carries ESP one way
// only" (a warning) where the whole capture shows ESP both ways. Now ESP
// another IKE SA between the peers may own is not given to a half-known
// child SA, and a child SA whose SPI for the way back is not known says
// that ESP back cannot be counted (info). A one_way_esp warning is left
// only for ESP the whole capture shows one way (libreswan's, the
// responder's pings, unanswered), named by the same SPI.
func TestSnapLengthTwoIKESAs(t *testing.T) {
	for _, sc := range []string{"ikev2-two-ike-sas-both-alive", "libreswan-ikev2-two-ike-sas-same-hosts", "openiked-ikev2-two-ike-sas-same-hosts"} {
		keys := corpusKeys(t, corpusDir+"/"+sc)
		var oneWay []string // the whole capture's one_way_esp warnings
		pairs := map[[2]ESPSPI]bool{}
		for _, sa := range analyze(corpusPackets(t, sc), Options{Decryptor: keys}).SAs {
			for _, c := range sa.ChildSAs {
				pairs[[2]ESPSPI{c.SPIi, c.SPIr}] = true
			}
			for _, f := range sa.Findings {
				if f.Kind == KindOneWayESP && f.Severity == SeverityWarning {
					oneWay = append(oneWay, f.Message)
				}
			}
		}
		r := analyze(snapCapture(corpusPackets(t, sc), 300), Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
		for _, sa := range r.SAs {
			for _, c := range sa.ChildSAs {
				if !c.Inferred && c.SPIi != 0 && c.SPIr != 0 && !pairs[[2]ESPSPI{c.SPIi, c.SPIr}] {
					// (libreswan's: bd14bb32, the other IKE SA's, "read from
					// the ESP sent to" the initiator for a6ffaa82.)
					t.Errorf("%s: %s: child SA %s/%s, not a pair of the whole capture", sc, sa.Name(), c.SPIi, c.SPIr)
				}
				f := childFinding(sa, c, KindOneWayESP)
				if f == nil || f.Severity != SeverityWarning {
					continue
				}
				spi := c.SPIi.String()
				if c.SPIi == 0 {
					spi = c.SPIr.String()
				}
				if !slices.ContainsFunc(oneWay, func(m string) bool { return strings.Contains(m, spi) }) {
					t.Errorf("%s: %s: %s", sc, sa.Name(), f.Message)
				}
			}
		}
	}
}

// childFinding returns sa's finding of kind k about child SA c (its text
// names c's SPIs), nil when none.
func childFinding(sa *SA, c *ChildSA, k FindingKind) *Finding {
	name := "Child SA " + c.SPIi.String() + "/" + c.SPIr.String() + " "
	for i := range sa.Findings {
		if f := &sa.Findings[i]; f.Kind == k && strings.Contains(f.Message, name) {
			return f
		}
	}
	return nil
}

// TestSnapLengthRefusal: a refusal is a Notify alone, and a snap length
// can cut its payload after the notify type. ikev1-main-no-proposal at
// -s 96 (its notify carries the 16-octet ISAKMP SPI) read "incomplete"
// with no finding; the type is now read from the cut payload's fixed
// fields and the refusal reported, its offer "not seen" (IKEv2's
// NO_PROPOSAL_CHOSEN, 36 octets, fits: a control). ikev2-invalid-ke-retry
// at -s 78 keeps INVALID_KE_PAYLOAD's type but not the group it asks for:
// the finding must not name one ("NONE"), and at -s 96, where the
// initiator's requests are in the capture but cut before their KE
// payloads, it read "its requests are not in this capture".
func TestSnapLengthRefusal(t *testing.T) {
	for _, sc := range []string{"ikev2-init-no-proposal", "ikev1-main-no-proposal"} {
		sa := analyze(snapCapture(corpusPackets(t, sc), 96), Options{}).SAs[0]
		f := finding(sa, KindNoProposalChosen)
		if sa.State != StateFailed || f == nil || f.Severity != SeverityError {
			t.Errorf("%s at -s 96: state %s, no_proposal_chosen %+v", sc, sa.State, f)
		}
	}
	for _, c := range []struct {
		snap int
		want string
	}{{78, "asking for the group it names (past what the capture kept of its notify)"}, {96, "the KE groups of its requests are past what the capture kept"}} {
		sa := analyze(snapCapture(corpusPackets(t, "ikev2-invalid-ke-retry"), c.snap), Options{}).SAs[0]
		f := finding(sa, KindInvalidKE)
		if f == nil || !strings.Contains(f.Message, c.want) || strings.Contains(f.Message, "NONE") || strings.Contains(f.Message, "not in this capture") {
			t.Errorf("ikev2-invalid-ke-retry at -s %d: %+v", c.snap, f)
		}
	}
}

// TestSnapLengthDecryptCount: the Wireshark wiki sample with its keys at
// -s 128. Its 6 IKE_AUTH messages are cut inside their SK payloads, so
// they cannot be decrypted; the counts read "18 decrypted, 0 could not be
// decrypted" for 24 encrypted messages. They are counted as not decrypted
// now (without a verdict on the key: no key_does_not_verify).
func TestSnapLengthDecryptCount(t *testing.T) {
	dir := filepath.Dir(testutil.SharedCapture(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng"))
	pk := snapCapture(loadPackets(t, filepath.Join(dir, "capture.pcapng")), 128)
	r := analyze(pk, Options{Decryptor: corpusKeys(t, dir)})
	if r.Stats.Decrypted != 18 || r.Stats.DecryptFailed != 6 {
		t.Errorf("%d decrypted, %d could not be decrypted; want 18 and 6", r.Stats.Decrypted, r.Stats.DecryptFailed)
	}
	for _, sa := range r.SAs {
		if f := finding(sa, KindKeyFailed); f != nil {
			t.Errorf("%s: %s", sa.Name(), f.Message)
		}
	}
}
