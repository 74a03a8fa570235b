package dissect

import "testing"

// v2Seeds adds the payloads of the real samples (outer and decrypted inner)
// as (type, body) seeds.
func v2Seeds(f *testing.F, only PayloadType) {
	for _, s := range v2Samples(f) {
		var m Message
		if err := m.DecodeFromBytes(s.msg); err != nil {
			f.Fatal(err)
		}
		ps := m.Payloads
		for _, p := range m.Payloads {
			if p.Type == PayloadSK && s.plain != nil {
				ps = append(ps, v2InnerPayloads(f, s, p.Next)...)
			}
		}
		for _, p := range ps {
			if only == PayloadNone || p.Type == only {
				f.Add(byte(p.Type), append([]byte(nil), p.Body...))
			}
		}
	}
}

// v2FuzzBody decodes data as the body of a payload of type pt and checks
// the contract: no panic, a non-nil Body, every slice inside the input, and
// errors are *ParseError with an offset inside the payload.
func v2FuzzBody(t *testing.T, pt PayloadType, data []byte) {
	p := Payload{Type: pt, Offset: 100, Length: 4 + len(data), Body: data}
	body, err := DecodePayload(2, p)
	if body == nil {
		t.Fatal("nil body")
	}
	if err != nil {
		pe, ok := err.(*ParseError)
		if !ok {
			t.Fatalf("error %T is not *ParseError", err)
		}
		if pe.Offset < p.Offset+4 || pe.Offset > p.Offset+4+len(data) {
			t.Fatalf("error offset %d outside payload body [%d,%d]", pe.Offset, p.Offset+4, p.Offset+4+len(data))
		}
	}
	_ = body.String()
	checkAliases(t, body, data)
}

// FuzzDecodeV2Payload: the first byte chooses the payload type (the
// ipsec-parser trick), the rest is the body.
func FuzzDecodeV2Payload(f *testing.F) {
	v2Seeds(f, PayloadNone)
	f.Fuzz(func(t *testing.T, first byte, data []byte) {
		v2FuzzBody(t, PayloadType(first), data)
	})
}

func FuzzSA(f *testing.F) {
	v2Seeds(f, PayloadSA)
	f.Fuzz(func(t *testing.T, _ byte, data []byte) { v2FuzzBody(t, PayloadSA, data) })
}

func FuzzNotify(f *testing.F) {
	v2Seeds(f, PayloadNotify)
	f.Fuzz(func(t *testing.T, _ byte, data []byte) { v2FuzzBody(t, PayloadNotify, data) })
}

func FuzzTS(f *testing.F) {
	v2Seeds(f, PayloadTSi)
	v2Seeds(f, PayloadTSr)
	f.Fuzz(func(t *testing.T, _ byte, data []byte) { v2FuzzBody(t, PayloadTSi, data) })
}

// FuzzMessage decodes a whole message and every payload in it.
func FuzzMessage(f *testing.F) {
	for _, s := range v2Samples(f) {
		f.Add(s.msg)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		err := m.DecodeFromBytes(data)
		for _, p := range m.Payloads {
			if !inside(p.Body, data) {
				t.Fatal("payload body outside input")
			}
			body, perr := DecodePayload(m.Version(), p)
			if body == nil {
				t.Fatal("nil body")
			}
			_ = body.String()
			if perr == nil && err == nil {
				checkAliases(t, body, data)
			}
		}
	})
}
