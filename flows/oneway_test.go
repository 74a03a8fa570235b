package flows

import (
	"strings"
	"testing"
)

// oneWay returns the packets of pk sent from addr's side: pk[0]'s source
// when fromFirst, else every other source.
func oneWay(pk []Packet, fromFirst bool) []Packet {
	var out []Packet
	a := pk[0].Src.Addr()
	for _, p := range pk {
		if (p.Src.Addr() == a) == fromFirst {
			out = append(out, p)
		}
	}
	return out
}

// TestOneWayNoNewErrors: every corpus capture (strongSwan, libreswan,
// OpenIKED; IKEv1 and IKEv2) reduced to the packets of one peer, as a
// capture that sees one direction only is (asymmetric routing, a capture
// filter on one address), shows no error the whole capture lacks: the
// other side's messages are missing from the capture, not from the wire.
func TestOneWayNoNewErrors(t *testing.T) {
	for _, name := range corpusScenarios(t) {
		pk := corpusPackets(t, name)
		whole := errorKinds(analyze(pk, Options{}))
		for _, first := range []bool{true, false} {
			one := oneWay(pk, first)
			if len(one) == 0 {
				continue
			}
			for _, sa := range analyze(one, Options{}).SAs {
				for _, f := range sa.Findings {
					if f.Severity == SeverityError && !whole[f.Kind] {
						t.Errorf("%s, one side (first sender %v): %s: %s", name, first, f.Kind, f.Message)
					}
				}
			}
		}
	}
}

// TestOneWayTexts: what ikeflow says of real captures reduced to one
// peer's packets.
func TestOneWayTexts(t *testing.T) {
	texts := func(r *Report, k FindingKind) []Finding {
		var out []Finding
		for _, sa := range r.SAs {
			for _, f := range sa.Findings {
				if f.Kind == k {
					out = append(out, f)
				}
			}
		}
		return out
	}

	// The initiator's side of ikev2-rekey: its IKE_AUTH names the
	// responder's SPI, so IKE_SA_INIT and IKE_AUTH are one SA (they were
	// two, one of them half-open), and each request it went on from has
	// an info saying the answer was missed, not an error.
	full := analyze(corpusPackets(t, "ikev2-rekey"), Options{})
	r := analyze(oneWay(corpusPackets(t, "ikev2-rekey"), true), Options{})
	if len(r.SAs) != len(full.SAs) {
		t.Errorf("initiator's side of ikev2-rekey: %d SAs, the whole capture %d", len(r.SAs), len(full.SAs))
	}
	un := texts(r, KindUnanswered)
	if len(un) == 0 {
		t.Fatal("initiator's side of ikev2-rekey: no unanswered_request")
	}
	for _, f := range un {
		if f.Severity != SeverityInfo || !strings.Contains(f.Message, "went on to") && !strings.Contains(f.Message, "one direction only") &&
			!strings.Contains(f.Message, "a path it does not see") {
			t.Errorf("initiator's side of ikev2-rekey: %s %s", f.Severity, f.Message)
		}
	}

	// The initiator's side of libreswan's IKEv1 main and quick mode: the
	// messages are numbered by their sender's turn (MM1 MM3 MM5 QM1
	// QM3), not one after the other (MM1 MM2 MM3, an 'unanswered MM3').
	r = analyze(oneWay(corpusPackets(t, "libreswan-ikev1-main-quick"), true), Options{})
	var labels []string
	for _, ex := range r.SAs[0].Exchanges {
		for _, m := range ex.Messages {
			if m.Label != "" {
				labels = append(labels, m.Label)
			}
		}
	}
	if got := strings.Join(labels, " "); got != "MM1 MM3 MM5 QM1 QM3" {
		t.Errorf("initiator's side of libreswan-ikev1-main-quick: labels %s", got)
	}

	// The responder's side of ikev2-psk-success: ESP from the responder
	// only, and nothing at all from the initiator.
	r = analyze(oneWay(corpusPackets(t, "ikev2-psk-success"), false), Options{})
	ow := texts(r, KindOneWayESP)
	if len(ow) != 1 || ow[0].Severity != SeverityInfo || !strings.Contains(ow[0].Message, "no packet at all from the initiator") {
		t.Errorf("responder's side of ikev2-psk-success: %+v", ow)
	}

	// The responder's side of ikev2-invalid-ke-retry: the answer to the
	// retry is not a second, different answer to one request.
	r = analyze(oneWay(corpusPackets(t, "ikev2-invalid-ke-retry"), false), Options{})
	if d := texts(r, KindMIDDesync); len(d) > 0 {
		t.Errorf("responder's side of ikev2-invalid-ke-retry: %s", d[0].Message)
	}
	ike := texts(r, KindInvalidKE)
	if len(ike) != 1 || ike[0].Severity != SeverityInfo || !strings.Contains(ike[0].Message, "its requests are not in this capture") {
		t.Errorf("responder's side of ikev2-invalid-ke-retry: %+v", ike)
	}

	// The initiator's side of ikev2-retransmit: IKE_SA_INIT sent again
	// and again, then IKE_AUTH: it was answered, so the SA did not fail
	// (the review found it 'failed'), and the retransmit text says why.
	r = analyze(oneWay(corpusPackets(t, "ikev2-retransmit"), true), Options{})
	if st := r.SAs[0].State; st == StateFailed {
		t.Errorf("initiator's side of ikev2-retransmit: state %s", st)
	}
	if rt := texts(r, KindRetransmit); len(rt) == 0 || !strings.Contains(rt[0].Message, "then went on to IKE_AUTH") {
		t.Errorf("initiator's side of ikev2-retransmit: %+v", rt)
	}

	// The responder's side of ikev2-rekey: answers whose requests the
	// capture lacks, on an SA with no request of the initiator at all,
	// are noted (info, capture_gap), not a desync warning.
	r = analyze(oneWay(corpusPackets(t, "ikev2-rekey"), false), Options{})
	if d := texts(r, KindMIDDesync); len(d) > 0 {
		t.Errorf("responder's side of ikev2-rekey: %s %s", d[0].Severity, d[0].Message)
	}
	gaps := texts(r, KindCaptureGap)
	for _, f := range gaps {
		if f.Severity != SeverityInfo {
			t.Errorf("responder's side of ikev2-rekey: %s %s", f.Severity, f.Message)
		}
	}
	if len(gaps) == 0 {
		t.Error("responder's side of ikev2-rekey: no capture_gap")
	}

	// The initiator's side of libreswan-ikev2-xfrm-fail: IKE_AUTH sent
	// once and nothing from the responder: no error.
	r = analyze(oneWay(corpusPackets(t, "libreswan-ikev2-xfrm-fail"), true), Options{})
	for _, f := range texts(r, KindUnanswered) {
		if f.Severity != SeverityInfo || !strings.Contains(f.Message, "one direction only") {
			t.Errorf("initiator's side of libreswan-ikev2-xfrm-fail: %s %s", f.Severity, f.Message)
		}
	}
}
