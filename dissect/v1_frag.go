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
