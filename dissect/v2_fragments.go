package dissect

// Limits of IKEv2 fragment reassembly ([RFC 7383]). They are the only
// ones in ikeflow: the decrypt package (dissect and live output) and the
// flows package (analyze) reassemble through [Fragments], so the two
// always agree on which messages can be put back together.
//
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383
const (
	// MaxFragments is the largest Total Fragments accepted for one
	// message; a fragment announcing more is refused.
	MaxFragments = 128
	// MaxFragmentBytes bounds the reassembled content of one message (the
	// sum of the decrypted fragment contents); the fragment that would
	// pass it is refused and the message's fragments are dropped.
	MaxFragmentBytes = 64 << 10
)

// Reasons [Fragments.Add] refuses a fragment; each wraps [ErrMalformed].
var (
	ErrFragmentNumber   = fragErr("fragment number out of range")
	ErrTooManyFragments = fragErr("too many fragments")
	ErrFragmentsTooBig  = fragErr("reassembled message too large")
)

// fragError is a reassembly refusal; errors.Is matches it and ErrMalformed.
type fragError struct{ msg string }

func fragErr(msg string) error            { return &fragError{msg} }
func (e *fragError) Error() string        { return e.msg }
func (e *fragError) Is(target error) bool { return target == ErrMalformed }

// FragmentAdded says what [Fragments.Add] did with a fragment.
type FragmentAdded uint8

// What [Fragments.Add] did with a fragment.
const (
	// FragmentHeld: stored; fragments are still missing.
	FragmentHeld FragmentAdded = iota
	// FragmentDuplicate: this number was already held (a retransmission),
	// or the fragment belongs to an older fragmentation with a smaller
	// Total Fragments ([RFC 7383] §2.6); it is ignored.
	//
	// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383#section-2.6
	FragmentDuplicate
	// FragmentComplete: the fragment completed the message.
	FragmentComplete
)

// Fragments collects the decrypted fragments of one IKEv2 message
// ([RFC 7383] §2.6) within [MaxFragments] and [MaxFragmentBytes]. The
// zero value is empty and ready to use; it is not safe for concurrent use.
//
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383#section-2.6
type Fragments struct {
	total uint16
	have  int
	bytes int
	first PayloadType
	parts [][]byte
}

// Add records fragment num of total with decrypted content plain (copied);
// next is the SKF payload's Next Payload, meaningful in fragment 1 only.
// A larger total than the one held restarts the collection, a smaller one
// is ignored. When the fragment completes the message, Add returns the
// whole content, the type of its first payload and FragmentComplete, and
// the collection is empty again. A number outside 1..total, a total above
// [MaxFragments] or content beyond [MaxFragmentBytes] (which also empties
// the collection) gives an error.
func (s *Fragments) Add(num, total uint16, next PayloadType, plain []byte) (whole []byte, first PayloadType, added FragmentAdded, err error) {
	if err := CheckFragment(num, total); err != nil {
		return nil, 0, FragmentHeld, err
	}
	switch {
	case s.total != 0 && total < s.total:
		return nil, 0, FragmentDuplicate, nil
	case total > s.total:
		s.Reset()
		s.total = total
		s.parts = make([][]byte, total)
	}
	if s.parts[num-1] != nil {
		return nil, 0, FragmentDuplicate, nil
	}
	if s.bytes+len(plain) > MaxFragmentBytes {
		s.Reset()
		return nil, 0, FragmentHeld, ErrFragmentsTooBig
	}
	// Capacity len+1 keeps an empty fragment non-nil: nil means missing.
	s.parts[num-1] = append(make([]byte, 0, len(plain)+1), plain...)
	s.bytes += len(plain)
	s.have++
	if num == 1 {
		s.first = next
	}
	if s.have < int(s.total) {
		return nil, 0, FragmentHeld, nil
	}
	whole = make([]byte, 0, s.bytes)
	for _, p := range s.parts {
		whole = append(whole, p...)
	}
	first = s.first
	s.Reset()
	return whole, first, FragmentComplete, nil
}

// FragmentNumbers reads the Fragment Number and Total Fragments that open
// the body of an SKF payload ([RFC 7383] §2.5) without allocating; ok is
// false when the body is shorter than those 4 octets.
//
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383#section-2.5
func FragmentNumbers(skfBody []byte) (num, total uint16, ok bool) {
	if len(skfBody) < 4 {
		return 0, 0, false
	}
	return be16(skfBody), be16(skfBody[2:]), true
}

// CheckFragment returns the error [Fragments.Add] gives for a Fragment
// Number num and Total Fragments total outside the limits ([RFC 7383]
// §2.5: 1 ≤ num ≤ total ≤ [MaxFragments]), or nil.
//
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383#section-2.5
func CheckFragment(num, total uint16) error {
	if num == 0 || total == 0 || num > total {
		return ErrFragmentNumber
	}
	if int(total) > MaxFragments {
		return ErrTooManyFragments
	}
	return nil
}

// Reset empties the collection.
func (s *Fragments) Reset() { *s = Fragments{} }
