package decrypt

import (
	"encoding/binary"

	"github.com/ikeflow/ikeflow/dissect"
)

// Limits applied by a zero-value [Reassembler].
const (
	DefaultMaxFragments = 128      // fragments per message
	DefaultMaxBytes     = 64 << 10 // reassembled plaintext per message
	DefaultMaxPending   = 32       // messages being reassembled at once
)

// Reassembler puts IKEv2 messages fragmented per [RFC 7383] back together
// from their decrypted (and so verified) SKF fragments. It keeps state per
// IKE SA, message ID and direction, bounded by MaxFragments, MaxBytes and
// MaxPending; the zero value uses the Default limits. It is not safe for
// concurrent use.
//
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383#section-2.6
type Reassembler struct {
	MaxFragments int
	MaxBytes     int
	MaxPending   int

	pending map[fragKey]*fragMsg
	order   []fragKey // oldest first, for eviction
}

type fragKey struct {
	spiI, spiR dissect.SPI
	msgID      uint32
	flags      uint8 // I and R flags
}

type fragMsg struct {
	total uint16
	first dissect.PayloadType
	frags map[uint16][]byte
	bytes int
}

// Fragment is the result of adding one fragment.
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
}

// Add records the decrypted content plain of the SKF payload p of msg (the
// output of [V2.Open]; it is copied). It validates the fragment numbers
// ([RFC 7383] §2.5: 1 ≤ Number ≤ Total, Total constant per message, a
// larger Total restarts reassembly, a smaller one is ignored) and the
// limits, returning an error wrapping ErrMalformed when they are broken.
func (r *Reassembler) Add(msg []byte, p dissect.Payload, plain []byte) (Fragment, error) {
	if p.Type != dissect.PayloadSKF || len(p.Body) < 4 || len(msg) < dissect.HeaderLen {
		return Fragment{}, malformed("not an SKF payload")
	}
	f := Fragment{Number: binary.BigEndian.Uint16(p.Body[0:2]), Total: binary.BigEndian.Uint16(p.Body[2:4])}
	if f.Number == 0 || f.Total == 0 || f.Number > f.Total {
		return f, malformed("fragment number out of range")
	}
	maxFrags, maxBytes, maxPending := r.limits()
	if int(f.Total) > maxFrags {
		return f, malformed("too many fragments")
	}
	var k fragKey
	copy(k.spiI[:], msg[0:8])
	copy(k.spiR[:], msg[8:16])
	k.msgID = binary.BigEndian.Uint32(msg[20:24])
	k.flags = msg[19] & (dissect.FlagInitiator | dissect.FlagResponse)
	if r.pending == nil {
		r.pending = map[fragKey]*fragMsg{}
	}
	m := r.pending[k]
	switch {
	case m != nil && f.Total < m.total:
		f.Duplicate = true // stale fragmentation, RFC 7383 §2.6
		return f, nil
	case m != nil && f.Total > m.total:
		r.drop(k)
		m = nil
	}
	if m == nil {
		if len(r.order) >= maxPending {
			r.drop(r.order[0])
		}
		m = &fragMsg{total: f.Total, frags: map[uint16][]byte{}}
		r.pending[k] = m
		r.order = append(r.order, k)
	}
	if _, dup := m.frags[f.Number]; dup {
		f.Duplicate = true
		return f, nil
	}
	if m.bytes+len(plain) > maxBytes {
		r.drop(k)
		return f, malformed("reassembled message too large")
	}
	m.frags[f.Number] = append([]byte(nil), plain...)
	m.bytes += len(plain)
	if f.Number == 1 {
		m.first = p.Next
	}
	if len(m.frags) < int(m.total) {
		return f, nil
	}
	whole := make([]byte, 0, m.bytes)
	for i := uint16(1); i <= m.total; i++ {
		whole = append(whole, m.frags[i]...)
	}
	first := m.first
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

func (r *Reassembler) limits() (int, int, int) {
	f, b, p := r.MaxFragments, r.MaxBytes, r.MaxPending
	if f <= 0 {
		f = DefaultMaxFragments
	}
	if b <= 0 {
		b = DefaultMaxBytes
	}
	if p <= 0 {
		p = DefaultMaxPending
	}
	return f, b, p
}

func (r *Reassembler) drop(k fragKey) {
	delete(r.pending, k)
	for i, o := range r.order {
		if o == k {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}
