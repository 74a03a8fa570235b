package dissect

import (
	"encoding/binary"
	"slices"
)

// MaxPayloads bounds the number of payloads walked in one message; a message
// with more is treated as hostile.
const MaxPayloads = 128

// Payload is one entry of the generic payload chain ([RFC 7296] §3.2,
// [RFC 2408] §3.2). Body aliases the decoded buffer.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.2
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.2
type Payload struct {
	Type     PayloadType // this payload's type (from the previous Next Payload field)
	Next     PayloadType // Next Payload field; for SK/SKF the first inner payload
	Critical bool        // IKEv2 critical bit
	Offset   int         // offset of the generic payload header from the IKE header
	Length   int         // Payload Length field (header included)
	Body     []byte      // payload content after the 4-octet generic header
}

// Message is a decoded IKE message: the header and the payload chain.
type Message struct {
	Header   Header
	Payloads []Payload // in wire order; reused by DecodeFromBytes
	// Raw is the message as decoded: up to Header.Length octets, or what was
	// available when Truncated.
	Raw []byte
	// Truncated is set when fewer octets were available than Header.Length.
	Truncated bool
	// Ciphertext is the encrypted body of an IKEv1 message with the E flag
	// set (everything after the header); Payloads is empty then.
	Ciphertext []byte
	// Padding is the number of zero octets after the last payload of an
	// unencrypted IKEv1 message that pad it to a multiple of four octets
	// (counted in Header.Length): libreswan pads so ("padding IKEv1
	// message with 3 bytes"), and peers accept it.
	Padding int
}

// Version returns the major version (1 or 2).
func (m *Message) Version() uint8 { return m.Header.MajorVersion }

// DecodeFromBytes decodes the header and walks the payload chain of b. It
// resets m and reuses its Payloads capacity, so a reused Message decodes
// without allocating. On error, m holds everything decoded before it.
//
// The walk stops after an SK or SKF payload (its Next field names the first
// encrypted payload) and, for IKEv1 messages with the encryption flag, right
// after the header.
func (m *Message) DecodeFromBytes(b []byte) error {
	m.Payloads = m.Payloads[:0]
	m.Raw, m.Ciphertext, m.Truncated, m.Padding = nil, nil, false, 0
	m.Header = Header{}
	if len(b) < HeaderLen {
		return errAt(0, "header", ErrTruncated)
	}
	decodeHeader(&m.Header, b)
	h := &m.Header
	if h.MajorVersion != 1 && h.MajorVersion != 2 {
		m.Raw = b
		return errAt(17, "header.version", ErrUnsupported)
	}
	if h.Length < HeaderLen {
		m.Raw = b
		return errAt(24, "header.length", ErrMalformed)
	}
	body := b
	if uint64(h.Length) <= uint64(len(b)) {
		body = b[:h.Length]
	} else {
		m.Truncated = true
	}
	m.Raw = body
	if h.IsEncrypted() {
		m.Ciphertext = body[HeaderLen:]
		if m.Truncated {
			return errAt(len(body), "encrypted body", ErrTruncated)
		}
		return nil
	}
	end, err := WalkPayloads(body, HeaderLen, h.NextPayload, h.MajorVersion, &m.Payloads)
	switch {
	case err != nil:
		return err
	case m.Truncated:
		return errAt(len(body), "message", ErrTruncated)
	case end != len(body) && h.MajorVersion == 1 && len(body)%4 == 0 && len(body)-end < 4 && allZero(body[end:]):
		m.Padding = len(body) - end
	case end != len(body):
		return errAt(end, "trailing octets after last payload", ErrMalformed)
	}
	return nil
}

// allZero reports whether every octet of b is zero.
func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// WalkPayloads walks a generic payload chain in b starting at off with the
// first payload of type next, appending to *out. It is used for the message
// body and for decrypted SK contents (where b is the plaintext and offsets
// are relative to it). version selects IKEv1 or IKEv2 rules. It returns the
// offset just past the last payload; octets after it (such as IKEv1 CBC
// padding in decrypted data) are left to the caller to judge.
func WalkPayloads(b []byte, off int, next PayloadType, version uint8, out *[]Payload) (end int, err error) {
	// Each payload's fields are stored straight into its slot of a local
	// copy of *out (stored back on return): a Payload built on the stack
	// and appended was copied with 16-octet loads of fields just written
	// with 8-octet stores, which the CPU cannot forward (a stall per
	// load), and through out the slice header was reloaded and stored for
	// every payload. That copy was most of the walk's time.
	ps := *out
	defer func() { *out = ps }()
	for n := 0; next != PayloadNone; n++ {
		if n == MaxPayloads {
			return off, errAt(off, "payloads", ErrMalformed)
		}
		if len(b)-off < 4 {
			return off, errAt(off, "payload["+itoa(n)+"]("+next.Short()+").header", ErrTruncated)
		}
		plen := int(binary.BigEndian.Uint16(b[off+2:]))
		if plen < 4 {
			return off, errAt(off+2, "payload["+itoa(n)+"]("+next.Short()+").length", ErrMalformed)
		}
		if plen > len(b)-off {
			return off, errAt(off+2, "payload["+itoa(n)+"]("+next.Short()+").length", ErrTruncated)
		}
		ps = slices.Grow(ps, 1)
		ps = ps[:len(ps)+1]
		p := &ps[len(ps)-1]
		p.Type = next
		p.Next = PayloadType(b[off])
		p.Critical = version == 2 && b[off+1]&0x80 != 0
		p.Offset = off
		p.Length = plen
		p.Body = b[off+4 : off+plen]
		off += plen
		if next == PayloadSK || next == PayloadSKF {
			// The SK payload must be last; its Next names the inner payload.
			if off != len(b) {
				return off, errAt(off, "payload["+itoa(n)+"]("+next.Short()+")", ErrMalformed)
			}
			return off, nil
		}
		next = p.Next
	}
	return off, nil
}

// itoa formats small non-negative integers without strconv allocation on the
// happy path (it is only called when building errors).
func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}
