package flows

import (
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// IKE messages cut by the capture's snap length.
//
// A capture taken with a small snap length (tcpdump -s 96, a firewall's
// packet capture that keeps the first 128 octets) holds every IKE message
// cut short. The IKE header still gives each message's exchange, message
// ID and length, so the exchanges pair as usual, and an encrypted message
// without keys loses nothing ikeflow could read. What the cut took is
// unknown: proposals, key exchange, NAT detection and notifies past the
// cut, and with keys the whole content (a cut SK payload fails its
// integrity check). The packet says it was cut (Packet.Cut, from the
// capture record's lengths), so the report says so plainly, once for the
// capture (snapCut.finding), instead of calling each message malformed.

// snapCut tallies the IKE messages the capture cut short.
type snapCut struct {
	n      int       // messages cut
	short  int       // of them, those cut within the IKE header (not analysed)
	frames []int     // the first maxNoted of them
	at     time.Time // time of the first
	held   int       // the most octets of IKE message a cut one holds
}

// note counts p, an IKE message the capture cut short.
func (s *snapCut) note(p *Packet) {
	if s.n == 0 {
		s.at = p.Time
	}
	s.n++
	s.held = max(s.held, len(p.Data))
	if len(p.Data) < dissect.HeaderLen {
		s.short++
	}
	if len(s.frames) < maxNoted {
		s.frames = append(s.frames, p.Frame)
	}
}

// cutFacts adds to f what the first payload of an IKE message of version
// tells from its fixed fields when the message did not decode (raw: its
// octets as the capture holds them, cut short or damaged), which the
// dissector, stopping at the payload, leaves out:
//   - IKEv2, an SK or SKF payload: the message is encrypted (as every
//     IKEv2 message after IKE_SA_INIT is), and an SKF's fragment numbers
//     (cutFragmentNumbers) count the fragment as held, not missing;
//   - a Notify (cutNotify): its type, what a refusal says.
func cutFacts(f *facts, version uint8, raw []byte) {
	if len(raw) < dissect.HeaderLen {
		return
	}
	switch first := dissect.PayloadType(raw[16]); {
	case version == 2 && (first == dissect.PayloadSK || first == dissect.PayloadSKF):
		f.sk = true
		if f.fragNum == 0 {
			f.fragNum, f.fragTotal = cutFragmentNumbers(raw)
		}
	case version == 2 && first == dissect.PayloadNotify, version == 1 && first == dissect.PayloadNotifyV1:
		cutNotify(f, version, raw)
	}
}

// cutNotify adds to f the notify type of an IKE message whose first
// payload is a Notify and did not decode: the type follows the payload's
// fixed fields (RFC 7296 §3.10; RFC 2408 §3.14), so a snap length that
// cuts the rest of the payload still shows what was refused. A responder's
// refusal is that payload alone: NO_PROPOSAL_CHOSEN answering IKE_SA_INIT
// or main mode's first message, which the analysis otherwise read as no
// answer at all. Nothing when f holds notifies already (the payload
// decoded) or the type is not in raw.
func cutNotify(f *facts, version uint8, raw []byte) {
	const hdr = dissect.HeaderLen
	if len(f.notifies) > 0 || len(raw) < hdr+4 {
		return
	}
	h, ok := dissect.ReadNotifyHeader(version, raw[hdr+4:])
	if !ok || h.Type == 0 {
		return
	}
	f.notifies = append(f.notifies, notifyFact{typ: h.Type, proto: h.Protocol})
	if len(f.summary) > 0 {
		f.summary = append(f.summary, ' ')
	}
	f.summary = append(f.summary, "N("...)
	f.summary = append(f.summary, f.notifyName(version, h.Type)...)
	f.summary = append(f.summary, ") (cut)"...)
}

// orCut is the other reason, when the capture cut IKE messages short, that
// ESP belongs to no IKE SA in it: ", or in IKE messages the capture cut
// short (snap_length)"; "" when it cut none.
func (s *snapCut) orCut() string {
	if s.n == 0 {
		return ""
	}
	return ", or in IKE messages this capture cut short (see snap_length)"
}

// finding is the capture-wide note on the cut messages, of total IKE
// messages analysed; ok is false when none was cut.
func (s *snapCut) finding(total int, fn frameNamer) (Finding, bool) {
	if s.n == 0 {
		return Finding{}, false
	}
	list := fn.join(s.frames[:min(len(s.frames), 8)])
	if s.n > 8 {
		list += ", …"
	}
	of := ""
	if total >= s.n {
		of = " of the " + strconv.Itoa(total)
	}
	msg := words.Count(s.n, "IKE message", "IKE messages") + of + " in this capture " + words.Pick(s.n, "was", "were") +
		" cut short by its snap length (" + words.Pick(len(s.frames), "frame ", "frames ") + list + "): the capture kept at most " +
		strconv.Itoa(s.held) + " octets of " + words.Pick(s.n, "it", "each") + " from the IKE header on, fewer than the message had."
	switch {
	case s.short == s.n:
		msg += " That is less than the 28-octet IKE header: " + words.Pick(s.n, "it", "they") + " could not be analysed at all."
	default:
		if s.short > 0 {
			msg += " " + words.Count(s.short, "of them holds", "of them hold") + " less than the 28-octet IKE header and " +
				words.Pick(s.short, "was", "were") + " not analysed; of the others"
		} else {
			msg += " Of " + words.Pick(s.n, "it", "each")
		}
		msg += " the IKE header was read (exchange, message ID, length), so the exchanges are paired and timed as usual;" +
			" what the messages held past the cut is unknown: proposals, key exchange, NAT detection and notifies there," +
			" and the contents of encrypted messages even with keys (a cut message fails its integrity check)." +
			" A verdict that needs them is missing, not negative."
	}
	msg += " Capture again keeping whole packets (tcpdump -s 0, the default since tcpdump 4.0; no snapshot length limit" +
		" in Wireshark or dumpcap)."
	return Finding{Kind: KindSnapLength, Severity: SeverityWarning, Time: s.at, Frames: sortedFrames(s.frames), Message: msg}, true
}
