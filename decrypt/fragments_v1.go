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

	pending map[fragKeyV1]*pendingV1
	order   []fragKeyV1 // oldest first, for eviction
}

// pendingV1 is a message with fragments missing.
type pendingV1 struct {
	frags   dissect.FragmentsV1
	mid     uint32 // its exchange's message ID
	skipped bool   // its tail was handed to Tails: the IV chain went past it
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
		r.pending = map[fragKeyV1]*pendingV1{}
	}
	p := r.pending[k]
	if p == nil {
		maxPending := r.MaxPending
		if maxPending <= 0 {
			maxPending = DefaultMaxPending
		}
		if len(r.order) >= maxPending {
			r.drop(r.order[0])
		}
		p = &pendingV1{mid: binary.BigEndian.Uint32(msg[20:24])}
		r.pending[k] = p
		r.order = append(r.order, k)
	}
	s := &p.frags
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
	if p.skipped {
		return f, errSkipped
	}
	return f, nil
}

// errSkipped: the message completed after the IV chain went past it.
var errSkipped = unsupported("this IKEv1 message's last fragments came after the messages that follow it were decrypted (its IV chain was continued from its last fragment)")

// Tails calls fn, once per message, with the exchange message ID and the
// last fragment's data of each message of the ISAKMP SA (spiI, spiR) still
// missing fragments although its last one came, in exchange mid or in
// phase 1 (message ID 0), whose chain gives every exchange's first IV: the
// messages the capture lacks whole before a message of exchange mid (see
// [V1Session.Skip]).
func (r *ReassemblerV1) Tails(spiI, spiR dissect.SPI, mid uint32, fn func(mid uint32, tail []byte)) {
	for _, k := range r.order {
		p := r.pending[k]
		if k.spiI != spiI || k.spiR != spiR || p.skipped || p.frags.Last() == 0 || p.mid != 0 && p.mid != mid {
			continue
		}
		p.skipped = true
		fn(p.mid, p.frags.Part(p.frags.Last()))
	}
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
