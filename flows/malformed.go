package flows

import (
	"errors"
	"strconv"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// noteMalformed records that the message of frame did not decode cleanly
// (err: the dissector's error; inner: in the decrypted content of an SK
// payload, not in the message's own octets; cut: the capture cut the
// message short, Packet.Cut), keeping where the first such message of st
// stopped (malformedAt) for its finding.
func (st *saState) noteMalformed(frame int, err error, inner, cut bool) {
	if len(st.rareOrEmpty().malformed) >= maxNoted {
		return
	}
	r := st.lists()
	if len(r.malformed) == 0 {
		r.malformedWhy = malformedAt(err, inner)
	}
	r.malformed = append(r.malformed, frame)
	if cut {
		r.malformedCut++
	}
}

// malformedAt says where a message's decoding stopped, from the
// dissector's error: "at octet 90 of the IKE message (payload[1](VID).length:
// malformed)", with the field path `ikeflow dissect` prints. "" when err
// says nothing (nil).
func malformedAt(err error, inner bool) string {
	if err == nil {
		return ""
	}
	where := "the IKE message"
	if inner {
		where = "its decrypted SK content"
	}
	var pe *dissect.ParseError
	if errors.As(err, &pe) {
		return "at octet " + strconv.Itoa(pe.Offset) + " of " + where + " (" + pe.Field + ": " + pe.Err.Error() + ")"
	}
	return "in " + where + " (" + err.Error() + ")"
}

// malformedText is the finding about an SA's messages that did not decode
// cleanly (frames, the first of which stopped as why says; cut of them
// were cut short by the capture's snap length), its frames named by fn.
func malformedText(frames []int, why string, cut int, fn frameNamer) string {
	var s string
	switch {
	case cut >= len(frames):
		s = words.Count(len(frames), "message", "messages") + " of this SA " + words.Pick(len(frames), "was", "were") +
			" cut short by the capture's snap length (see the capture's snap_length finding), not malformed."
	default:
		s = words.Count(len(frames), "message", "messages") + " of this SA did not decode cleanly (truncated capture, IP fragments" +
			" missing from the capture, or a malformed message)."
		if cut > 0 {
			s += " " + words.Count(cut, "of them was", "of them were") + " cut short by the capture's snap length."
		}
	}
	if why != "" {
		if len(frames) == 1 {
			s += " Frame " + fn.one(frames[0]) + " stopped decoding " + why + "."
		} else {
			s += " The first, frame " + fn.one(frames[0]) + ", stopped decoding " + why + "."
		}
	}
	if len(frames) == 1 {
		return s + " Its content was analysed as far as it could be decoded."
	}
	return s + " Their content was analysed as far as it could be decoded."
}
