package decrypt

import (
	"encoding/binary"
	"strconv"

	"github.com/ikeflow/ikeflow/dissect"
)

// ReassemblerV1 puts IKEv1 messages sent in vendor fragments (the
// fragment payload, ISAKMP payload 132, [dissect.FragmentV1]) back
// together. It keeps one [dissect.FragmentsV1] per ISAKMP SA, sender and
// fragment ID, so it applies the limits of IKEv2 reassembly
// ([dissect.MaxFragments], [dissect.MaxFragmentBytes]); MaxPending bounds
// the messages held at once (DefaultMaxPending when zero), the oldest
// making room. It is not safe for concurrent use.
type ReassemblerV1 struct {
	MaxPending int

	pending map[fragKeyV1]*dissect.FragmentsV1
	order   []fragKeyV1 // oldest first, for eviction
}

type fragKeyV1 struct {
	spiI, spiR    dissect.SPI
	fromInitiator bool
	id            uint16
}

// IsFragmentV1 reports whether msg (from its IKE header) is an IKEv1
// fragment: a clear IKEv1 message whose first payload is a fragment
// payload.
func IsFragmentV1(msg []byte) bool {
	return len(msg) >= dissect.HeaderLen+8 && msg[17]>>4 == 1 && msg[19]&dissect.FlagEncryption == 0 &&
		dissect.PayloadType(msg[16]) == dissect.PayloadFragmentV1
}

// Add records the IKEv1 fragment msg (from its IKE header; see
// [IsFragmentV1]) sent by the initiator or not. Number is the fragment's
// number and Total, for the fragment flagged last, its number. When the
// fragment completes its message, Complete is set and Whole holds the
// reassembled message, its header included (valid until the next call).
// A fragment already held is Duplicate. A fragment cut short, a number of
// 0, beyond the last one or the limits gives an error wrapping
// ErrMalformed.
func (r *ReassemblerV1) Add(msg []byte, fromInitiator bool) (Fragment, error) {
	if !IsFragmentV1(msg) {
		return Fragment{}, malformed("not an IKEv1 fragment")
	}
	plen := int(binary.BigEndian.Uint16(msg[dissect.HeaderLen+2:]))
	if plen < 8 || plen > len(msg)-dissect.HeaderLen {
		return Fragment{}, malformed("IKEv1 fragment payload length " + strconv.Itoa(plen) + " outside the message")
	}
	body := msg[dissect.HeaderLen+4 : dissect.HeaderLen+plen]
	id, num, last, _ := dissect.FragmentV1Header(body)
	f := Fragment{Number: uint16(num)}
	if last {
		f.Total = uint16(num)
	}
	var k fragKeyV1
	copy(k.spiI[:], msg[0:8])
	copy(k.spiR[:], msg[8:16])
	k.fromInitiator, k.id = fromInitiator, id
	if r.pending == nil {
		r.pending = map[fragKeyV1]*dissect.FragmentsV1{}
	}
	s := r.pending[k]
	if s == nil {
		maxPending := r.MaxPending
		if maxPending <= 0 {
			maxPending = DefaultMaxPending
		}
		if len(r.order) >= maxPending {
			r.drop(r.order[0])
		}
		s = &dissect.FragmentsV1{}
		r.pending[k] = s
		r.order = append(r.order, k)
	}
	lastBefore := s.Last()
	whole, added, err := s.Add(num, last, body[4:])
	switch {
	case err != nil:
		if held, _ := s.Held(); held == 0 {
			r.drop(k)
		}
		return f, malformed(err.Error())
	case added == dissect.FragmentDuplicate:
		f.Duplicate = true
		return f, nil
	case added != dissect.FragmentComplete:
		return f, nil
	}
	r.drop(k)
	if !last {
		f.Total = uint16(lastBefore)
	}
	f.Complete, f.Whole = true, whole
	return f, nil
}

// Pending returns the number of messages with fragments still missing.
func (r *ReassemblerV1) Pending() int { return len(r.pending) }

func (r *ReassemblerV1) drop(k fragKeyV1) {
	delete(r.pending, k)
	for i, o := range r.order {
		if o == k {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}
