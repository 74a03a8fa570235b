package decrypt

import (
	"encoding/binary"
	"errors"

	"github.com/ikeflow/ikeflow/dissect"
)

// DefaultMaxPending is the number of messages a zero-value [Reassembler]
// reassembles at once.
const DefaultMaxPending = 32

// Reassembler puts IKEv2 messages fragmented per [RFC 7383] back together
// from their decrypted (and so verified) SKF fragments. It keeps one
// [dissect.Fragments] per IKE SA, message ID and direction, so it applies
// the same per-message limits as analysis ([dissect.MaxFragments],
// [dissect.MaxFragmentBytes]); MaxPending bounds the messages held at
// once (DefaultMaxPending when zero). It is not safe for concurrent use.
//
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383#section-2.6
type Reassembler struct {
	MaxPending int

	pending map[fragKey]*dissect.Fragments
	order   []fragKey // oldest first, for eviction
}

type fragKey struct {
	spiI, spiR dissect.SPI
	msgID      uint32
	flags      uint8 // I and R flags
}

// Fragment is the result of adding one fragment: an RFC 7383 SKF fragment
// ([Reassembler]) or an IKEv1 fragment ([ReassemblerV1], whose Total is
// known from the fragment flagged last on).
type Fragment struct {
	Number, Total uint16
	// Duplicate is set when this fragment number was already held (a
	// retransmission); it is ignored.
	Duplicate bool
	// Complete is set when this fragment completed the message: Plain then
	// holds the whole inner payload chain, starting with a payload of type
	// First.
	Complete bool
	Plain    []byte
	First    dissect.PayloadType
	// Whole is, for an IKEv1 fragment that completed its message
	// ([ReassemblerV1]), the reassembled message from its header on.
	Whole []byte
}

// Add records the decrypted content plain of the SKF payload p of msg (the
// output of [V2.Open]; it is copied). It validates the fragment numbers
// ([RFC 7383] §2.5: 1 ≤ Number ≤ Total, Total constant per message, a
// larger Total restarts reassembly, a smaller one is ignored) and the
// limits, returning an error wrapping ErrMalformed when they are broken.
func (r *Reassembler) Add(msg []byte, p dissect.Payload, plain []byte) (Fragment, error) {
	num, total, ok := dissect.FragmentNumbers(p.Body)
	if p.Type != dissect.PayloadSKF || !ok || len(msg) < dissect.HeaderLen {
		return Fragment{}, malformed("not an SKF payload")
	}
	f := Fragment{Number: num, Total: total}
	if err := dissect.CheckFragment(f.Number, f.Total); err != nil {
		return f, malformed(err.Error())
	}
	var k fragKey
	copy(k.spiI[:], msg[0:8])
	copy(k.spiR[:], msg[8:16])
	k.msgID = binary.BigEndian.Uint32(msg[20:24])
	k.flags = msg[19] & (dissect.FlagInitiator | dissect.FlagResponse)
	if r.pending == nil {
		r.pending = map[fragKey]*dissect.Fragments{}
	}
	m := r.pending[k]
	if m == nil {
		maxPending := r.MaxPending
		if maxPending <= 0 {
			maxPending = DefaultMaxPending
		}
		if len(r.order) >= maxPending {
			r.drop(r.order[0])
		}
		m = &dissect.Fragments{}
		r.pending[k] = m
		r.order = append(r.order, k)
	}
	whole, first, added, err := m.Add(f.Number, f.Total, p.Next, plain)
	switch {
	case err != nil:
		if errors.Is(err, dissect.ErrFragmentsTooBig) {
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
	var walk []dissect.Payload
	if end, err := dissect.WalkPayloads(whole, 0, first, 2, &walk); err != nil || end != len(whole) {
		return f, errBadChain
	}
	f.Complete, f.Plain, f.First = true, whole, first
	return f, nil
}

// Pending returns the number of messages with fragments still missing.
func (r *Reassembler) Pending() int { return len(r.pending) }

func (r *Reassembler) drop(k fragKey) {
	delete(r.pending, k)
	for i, o := range r.order {
		if o == k {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}
