package dissect

// FragmentV1 is the body of a vendor IKEv1 fragment payload, payload type
// 132, as sent by Cisco, strongSwan, libreswan and racoon when IKE
// fragmentation was announced with the FRAGMENTATION vendor ID: a 16-bit
// fragment (message) ID, the 1-based fragment number, flags (bit 0 set on
// the last fragment) and the fragment data, which aliases the input.
// Reassembled fragments form a complete IKE message, header included.
type FragmentV1 struct {
	ID     uint16   `json:"id"`
	Number uint8    `json:"number"`
	Flags  uint8    `json:"flags"`
	Last   bool     `json:"last"`
	Data   HexBytes `json:"-"`
	Len    int      `json:"data_length"`
}

// FragmentLastV1 is the flag bit that marks the last fragment.
const FragmentLastV1 uint8 = 0x01

// String renders "fragment 2 of message 1 (last), 512 octets".
func (f *FragmentV1) String() string {
	s := "fragment " + v1Utoa(f.Number) + " of message " + v1Utoa(f.ID)
	if f.Last {
		s += " (last)"
	}
	return s + ", " + itoa(f.Len) + " octets"
}

// decodeFragmentV1 decodes the body of an IKEv1 fragment payload. base is
// the offset of body[0] from the IKE header.
func decodeFragmentV1(body []byte, base int) (*FragmentV1, error) {
	f := &FragmentV1{}
	if len(body) < 4 {
		return f, errAt(base, "FRAG.header", ErrTruncated)
	}
	f.ID = be16(body)
	f.Number = body[2]
	f.Flags = body[3]
	f.Last = f.Flags&FragmentLastV1 != 0
	f.Data = body[4:]
	f.Len = len(f.Data)
	return f, nil
}

// FragmentsV1 collects the fragments of one IKEv1 message ([FragmentV1],
// the vendor fragmentation payload) within the limits of IKEv2 reassembly,
// [MaxFragments] and [MaxFragmentBytes]. IKEv1 fragments carry no total:
// the fragment flagged last gives it. The zero value is empty and ready to
// use; it is not safe for concurrent use.
type FragmentsV1 struct {
	last  uint8 // number of the fragment flagged last (0: not seen)
	high  uint8 // highest fragment number held
	have  int
	bytes int
	parts [][]byte // parts[n-1] holds fragment n; nil: missing
}

// Add records fragment num (1-based), flagged last or not, with its data
// (copied). When it completes the message, Add returns the reassembled
// message (its IKE header included) and FragmentComplete, and the
// collection is empty again. A number already held is a retransmitted
// copy: FragmentDuplicate, ignored. Refused with an error, the collection
// unchanged: a number of 0 or above [MaxFragments]
// ([ErrFragmentNumber], [ErrTooManyFragments]), a number beyond the one
// flagged last, or a last flag that contradicts the fragments held
// ([ErrFragmentNumber]). Data that would take the message beyond
// [MaxFragmentBytes] gives [ErrFragmentsTooBig] and empties the collection.
func (s *FragmentsV1) Add(num uint8, last bool, data []byte) (whole []byte, added FragmentAdded, err error) {
	switch {
	case num == 0:
		return nil, FragmentHeld, ErrFragmentNumber
	case int(num) > MaxFragments:
		return nil, FragmentHeld, ErrTooManyFragments
	case s.last != 0 && num > s.last:
		return nil, FragmentHeld, ErrFragmentNumber
	case last && (s.last != 0 && num != s.last || num < s.high):
		return nil, FragmentHeld, ErrFragmentNumber
	}
	if int(num) <= len(s.parts) && s.parts[num-1] != nil {
		return nil, FragmentDuplicate, nil
	}
	if s.bytes+len(data) > MaxFragmentBytes {
		s.Reset()
		return nil, FragmentHeld, ErrFragmentsTooBig
	}
	for len(s.parts) < int(num) {
		s.parts = append(s.parts, nil)
	}
	// Capacity len+1 keeps an empty fragment non-nil: nil means missing.
	s.parts[num-1] = append(make([]byte, 0, len(data)+1), data...)
	s.bytes += len(data)
	s.have++
	s.high = max(s.high, num)
	if last {
		s.last = num
	}
	if s.last == 0 || s.have < int(s.last) {
		return nil, FragmentHeld, nil
	}
	whole = make([]byte, 0, s.bytes)
	for _, p := range s.parts {
		whole = append(whole, p...)
	}
	s.Reset()
	return whole, FragmentComplete, nil
}

// Part returns the data of fragment num held (nil when it is not held).
// It aliases the collection's copy.
func (s *FragmentsV1) Part(num uint8) []byte {
	if num == 0 || int(num) > len(s.parts) {
		return nil
	}
	return s.parts[num-1]
}

// Last returns the number of the fragment flagged last, 0 until it came.
func (s *FragmentsV1) Last() uint8 { return s.last }

// Held returns the number of fragments held and their octets.
func (s *FragmentsV1) Held() (n, octets int) { return s.have, s.bytes }

// Missing appends to dst the numbers of the fragments not held, from 1 to
// the last one (when it came) or to the highest one held, and returns it.
func (s *FragmentsV1) Missing(dst []uint8) []uint8 {
	end := s.high
	if s.last != 0 {
		end = s.last
	}
	for n := uint8(1); n <= end && n != 0; n++ {
		if int(n) > len(s.parts) || s.parts[n-1] == nil {
			dst = append(dst, n)
		}
	}
	return dst
}

// Reset empties the collection.
func (s *FragmentsV1) Reset() { *s = FragmentsV1{} }

// FragmentV1Header reads the fragment ID, number and last flag that open
// the body of an IKEv1 fragment payload without allocating; ok is false
// when the body is shorter than those 4 octets.
func FragmentV1Header(body []byte) (id uint16, num uint8, last, ok bool) {
	if len(body) < 4 {
		return 0, 0, false, false
	}
	return be16(body), body[2], body[3]&FragmentLastV1 != 0, true
}
