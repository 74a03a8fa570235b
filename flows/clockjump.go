package flows

import (
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
)

// Capture clocks that jump.
//
// The capturing host's clock can step while it captures (NTP setting it
// right after boot, a virtual machine resumed) and a capture can pause
// (a rotating capture losing a file). Packets after that point then carry
// times shifted from those before. Nothing in one packet shows it, but an
// exchange across that point does: IKE peers resend a request within
// seconds when no answer comes (RFC 7296 §2.1; strongSwan after 4 s,
// giving up after 165 s by default) and drop the SA within minutes, so an
// answer the capture times clockJumpWait or more after the request's last
// transmission was not waited for that long. Such a wait is not a slow
// peer (slow_response) but a jump in the capture's time, told once for
// the capture. IKEv1's transaction exchanges (XAUTH) are left out: they
// may wait for a person to type a password.

// clockJumpWait is the shortest wait after a request's last transmission
// that no IKE peer has: a capture showing one jumped in time.
const clockJumpWait = 5 * time.Minute

// clockJumps tallies the waits of clockJumpWait or more.
type clockJumps struct {
	n        int
	from, to int           // the frames of the first: the request and its answer
	gap      time.Duration // the first's wait
	at       time.Time     // the request's time
}

// waited notes the wait d of exchange ex from the message of frame from to
// p (answering it): as a slow answer (exRec.noteWait), or, when no peer
// waits that long after its last transmission, as a jump in the capture's
// time.
func (a *Analyzer) waited(ex *exRec, d time.Duration, from int, p *Packet) {
	if d < clockJumpWait {
		ex.noteWait(d, from, p.Frame)
		return
	}
	j := &a.jump
	if j.n == 0 {
		j.from, j.to, j.gap, j.at = from, p.Frame, d, p.Time.Add(-d)
	}
	j.n++
}

// finding is the capture-wide note on the waits; ok is false when there
// is none.
func (j *clockJumps) finding(fn frameNamer) (Finding, bool) {
	if j.n == 0 {
		return Finding{}, false
	}
	msg := "The capture times the answer in frame " + fn.one(j.to) + " " + secs(j.gap) + " after the last transmission of the" +
		" request it answers (frame " + fn.one(j.from) + "). IKE peers resend a request within seconds and give up within minutes," +
		" so no peer waited that long: the capturing host's clock jumped between the two (an NTP step, a resumed virtual" +
		" machine) or the capture paused there."
	if j.n > 1 {
		msg += " " + words.Count(j.n-1, "other exchange shows", "other exchanges show") + " the same."
	}
	msg += " Times across that point are off by about as much, and so is what ikeflow judges from them (idle SAs, rekey and" +
		" lifetime intervals, dead peers, ESP gaps); these waits are not reported as slow answers."
	return Finding{Kind: KindClockJump, Severity: SeverityWarning, Time: j.at, Frames: sortedFrames([]int{j.from, j.to}), Message: msg}, true
}
