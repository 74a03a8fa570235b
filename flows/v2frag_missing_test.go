package flows

import (
	"slices"
	"strings"
	"testing"
)

// TestVariantsV2Fragments edits libreswan-ikev2-fragmentation, whose
// IKE_AUTH request and response each came in 4 RFC 7383 fragments
// (frames 3-6 and 7-10; 1/2 IKE_SA_INIT, 11/12 INFORMATIONAL 2 s later),
// as captures lose fragments.
func TestVariantsV2Fragments(t *testing.T) {
	base := corpusPackets(t, "libreswan-ikev2-fragmentation")
	drop := func(pk []Packet, frames ...int) []Packet {
		return slices.DeleteFunc(pk, func(p Packet) bool { return slices.Contains(frames, p.Frame) })
	}
	runVariants(t, base, []variant{
		{"base", func(pk []Packet) []Packet { return pk }, nil, StateEstablished},
		// The responder answered: it had the whole request.
		{"request fragment lost", func(pk []Packet) []Packet { return drop(pk, 4) }, []string{"fragments_missing:info"}, StateEstablished},
		// The initiator went on to INFORMATIONAL: it had the whole response.
		{"response fragment lost", func(pk []Packet) []Packet { return drop(pk, 7) }, []string{"fragments_missing:info"}, StateEstablished},
		// Nothing of the initiator after the response (its INFORMATIONAL
		// request dropped too), but the responder's answer to it: the
		// initiator sent that request (capture_gap), which it does only
		// with the whole IKE_AUTH response, so it had every fragment.
		// (This was a warning that the fragment may have been lost on
		// the path.)
		{"response fragment lost, request after missed", func(pk []Packet) []Packet { return drop(pk, 7, 11) },
			[]string{"capture_gap:info", "fragments_missing:info"}, StateEstablished},
		// Nothing of that exchange at all, and the capture goes on 2 s
		// (frame 12 an unrelated packet): the fragment may have been
		// lost on the path.
		{"response fragment lost, nothing after", func(pk []Packet) []Packet {
			pk = drop(pk, 7, 11)
			last := &pk[len(pk)-1] // frame 12
			last.Kind, last.Data, last.ICMP = KindICMP, nil, nil
			return pk
		}, []string{"fragments_missing:warning"}, StateEstablished},
		// The capture ends right after the response's fragments.
		{"response fragment lost, capture ends", func(pk []Packet) []Packet { return drop(pk, 7, 11, 12) },
			[]string{"fragments_missing:info"}, StateEstablished},
	})
	pk := drop(clonePackets(base), 7)
	rep := analyze(pk, Options{})
	want := "The responder's IKE_AUTH response (message ID 1) came in 4 fragments (RFC 7383), of which this capture lacks" +
		" fragment 1 (it holds the other 3, in frames 8, 9, 10). The initiator then went on to INFORMATIONAL (message ID 2, frame 11)," +
		" so it had put every fragment together"
	for _, f := range rep.Findings {
		if f.Kind == KindFragmentsMissing {
			if !strings.HasPrefix(f.Message, want) || !slices.Equal(f.Frames, []int{8, 9, 10}) {
				t.Errorf("finding %+v\nwant it to start %q", f, want)
			}
			return
		}
	}
	t.Errorf("no fragments_missing in %+v", rep.Findings)
}
