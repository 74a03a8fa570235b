package flows

import (
	"reflect"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestPredecodeSameMessage checks that a message decoded ahead
// (Predecode, then DecodeBuf.message and DecodeBuf.facts) is what
// DecodeFromBytes and facts.collect make of it, field by field, for every
// IKE message of the corpus and damaged copies of them: cut short at
// several points (truncated, or too short for a header), a payload length
// raised, the version changed, the length field cut below the header's.
// Many messages share one DecodeBuf, as in the read-ahead's blocks, so
// that the arrays grow while earlier messages are in them.
func TestPredecodeSameMessage(t *testing.T) {
	var msgs [][]byte
	for _, c := range corpusCaptures(t) {
		for _, p := range loadPackets(t, c) {
			if p.Kind != KindIKE {
				continue
			}
			d := p.Data
			msgs = append(msgs, d)
			for _, n := range []int{0, 10, dissect.HeaderLen, dissect.HeaderLen + 3, len(d) / 2, len(d) - 1} {
				if n >= 0 && n < len(d) {
					msgs = append(msgs, d[:n])
				}
			}
			if len(d) > dissect.HeaderLen+4 {
				e := append([]byte(nil), d...)
				e[dissect.HeaderLen+2] ^= 0x40 // the first payload's length
				msgs = append(msgs, e)
				v := append([]byte(nil), d...)
				v[17] = 0x30 // version 3
				msgs = append(msgs, v)
				l := append([]byte(nil), d...)
				l[24], l[25], l[26], l[27] = 0, 0, 0, 10 // length below the header's
				msgs = append(msgs, l)
			}
		}
	}
	a := NewAnalyzer(Options{})
	sq := a.Sequencer()
	var b DecodeBuf
	os := make([]Sequenced, len(msgs))
	for i, d := range msgs {
		if i%300 == 0 {
			b.Reset()
		}
		o := &os[i]
		o.p, o.by = Packet{Kind: KindIKE, Data: d}, sq
		sq.Predecode(o, &b)
		if o.dec != &b || o.di != int32(len(b.msgs)-1) {
			t.Fatalf("message %d: not decoded ahead", i)
		}
		if i%300 != 299 && i != len(msgs)-1 {
			continue
		}
		// Every message of this DecodeBuf, now that its arrays have grown.
		for j := i - i%300; j <= i; j++ {
			var want, got dissect.Message
			errW := want.DecodeFromBytes(msgs[j])
			errG := b.message(os[j].di, msgs[j], &got)
			if len(want.Payloads) == 0 && len(got.Payloads) == 0 {
				want.Payloads, got.Payloads = nil, nil // nil or empty: both "none"
			}
			if !reflect.DeepEqual(want, got) || (errW == nil) != (errG == nil) || errW != nil && errW.Error() != errG.Error() {
				t.Fatalf("message %d (%d octets): decoded ahead\n%+v, %v\nwant\n%+v, %v", j, len(msgs[j]), got, errG, want, errW)
			}
			var fw, fg facts
			fw.reset()
			ok := b.facts(os[j].di, &fg)
			if want.Header.MajorVersion != 2 {
				if ok {
					t.Fatalf("message %d: facts of an IKEv%d message", j, want.Header.MajorVersion)
				}
				continue
			}
			fw.collect(2, want.Payloads)
			if !ok || !sameFacts(&fw, &fg) {
				t.Fatalf("message %d: facts collected ahead\n%+v\nwant\n%+v", j, fg, fw)
			}
		}
	}
	if len(msgs) < 1000 {
		t.Fatalf("only %d messages", len(msgs))
	}
}

// sameFacts compares what collect sets of two facts (not the name cache),
// nil and empty slices alike.
func sameFacts(x, y *facts) bool {
	eq := func(a, b []dissect.Payload) bool { return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b)) }
	xl, yl := x.lists(), y.lists()
	for i := range xl {
		if !eq(*xl[i], *yl[i]) {
			return false
		}
	}
	return string(x.summary) == string(y.summary) &&
		len(x.notifies) == len(y.notifies) && (len(x.notifies) == 0 || reflect.DeepEqual(x.notifies, y.notifies)) &&
		x.others == y.others && x.sk == y.sk && x.decrypted == y.decrypted && x.malformed == y.malformed &&
		x.fragNum == y.fragNum && x.fragTotal == y.fragTotal && x.fragDone == y.fragDone
}
