package flows

import (
	"strconv"
	"time"
)

// Capture times kept to the second.
//
// Some captures carry whole seconds only: rebuilt from device logs or
// text dumps, exported by tools that drop the fraction, or a pcapng
// interface whose timestamp resolution is one second. Durations under a
// second then read as zero, and what ikeflow judges from them reads as
// certain: ikev2-eap-wrong-password with its times floored to the second
// gave "deleted_after_auth ... 0.0 ms after the IKE_AUTH answer", an
// error, where the capture itself shows an EAP authentication that
// failed. A capture whose packets all fall on whole seconds is taken to
// have that resolution (a fraction of zero by chance has a probability of
// one in a million per packet at microsecond resolution): it is told once
// for the capture, and the findings judged from short times say so and
// are at most warnings. Times floored to the millisecond change no
// verdict on the corpus, and are not flagged.

// coarseMin is how many packets, all on whole seconds, make a capture's
// times taken as kept to the second.
const coarseMin = 4

// coarseClock tallies the packets analysed and whether any had a
// fraction of a second.
type coarseClock struct {
	n    int
	fine bool
}

// see notes the time of a packet analysed.
func (c *coarseClock) see(t time.Time) {
	c.n++
	if !c.fine && t.Nanosecond() != 0 {
		c.fine = true
	}
}

// coarse reports whether the packets so far all fell on whole seconds.
func (c *coarseClock) coarse() bool { return !c.fine && c.n >= coarseMin }

// timingKinds are the finding kinds judged from times shorter than a
// second: how soon one message followed another.
var timingKinds = map[FindingKind]bool{
	KindDeletedAfterAuth: true, KindSlowResponse: true, KindRekeyCollision: true, KindAbandoned: true,
}

// hedgeCoarse marks the findings in fs judged from short times, when the
// capture keeps whole seconds only: an error becomes a warning, and the
// text says the times it rests on are not known.
func hedgeCoarse(fs []Finding) {
	for i := range fs {
		f := &fs[i]
		if timingKinds[f.Kind] {
			f.hedge("This capture keeps its times to the second only (coarse_timestamps): the times under a second that" +
				" this finding rests on are not known.")
		}
	}
}

// finding is the capture-wide note; ok is false when the capture's times
// have fractions of a second (or too few packets tell).
func (c *coarseClock) finding() (Finding, bool) {
	if !c.coarse() {
		return Finding{}, false
	}
	return Finding{Kind: KindCoarseTime, Severity: SeverityWarning,
		Message: "Every one of the " + strconv.Itoa(c.n) + " packets analysed is timed on a whole second: this capture keeps" +
			" its times to the second only (rebuilt from logs or a text dump, or a tool that dropped the fraction). Round" +
			" trips, how soon one message followed another and intervals under a second are not known here, and the" +
			" findings that rest on them say so. Capture again with tcpdump, tshark or dumpcap for times to the microsecond."}, true
}
