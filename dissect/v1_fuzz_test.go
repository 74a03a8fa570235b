package dissect

import (
	"encoding/json"
	"testing"
)

// Fuzz targets for the IKEv1 decoders. Invariant: no panic, and on
// success every byte slice of the result lies inside the input.
// Run e.g. `go test ./dissect -run='^$' -fuzz='^FuzzDecodeV1Payload$' -fuzztime=60s`.

// v1CheckBody checks a decoded IKEv1 body: String and JSON encoding work,
// every byte slice aliases the input, a Delete holds no more SPIs than it
// announces.
func v1CheckBody(t *testing.T, in []byte, b Body) {
	_ = b.String()
	if _, err := json.Marshal(b); err != nil {
		t.Fatal(err)
	}
	checkAliases(t, b, in)
	if d, ok := b.(*DeleteV1); ok && len(d.SPIs) > int(d.NumSPIs) {
		t.Fatalf("D: %d SPIs > NumSPIs %d", len(d.SPIs), d.NumSPIs)
	}
}

// v1Seeds adds the payload bodies of the real messages, with their type.
func v1Seeds(f *testing.F, add func(PayloadType, []byte)) {
	for _, name := range append(v1WellFormed, "certs_decrypted") {
		for _, m := range loadV1Hex(f, name) {
			_, ps, _, _ := decodeAllV1(m)
			for _, p := range ps {
				add(p.Type, p.Body)
			}
		}
	}
}

func FuzzDecodeV1Payload(f *testing.F) {
	v1Seeds(f, func(t PayloadType, b []byte) { f.Add(append([]byte{byte(t)}, b...)) })
	// Payload types without real samples: Mode Config, NAT-OA, fragments, Delete.
	f.Add([]byte{14, 2, 0, 0x12, 0x34, 0x00, 0x01, 0x00, 0x04, 10, 0, 0, 2, 0xc0, 0x89, 0x00, 0x01})
	f.Add([]byte{21, 1, 0, 0, 0, 192, 0, 2, 1})
	f.Add([]byte{131, 5, 0, 0, 0, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{132, 0, 1, 2, 1, 0xde, 0xad})
	f.Add([]byte{12, 0, 0, 0, 1, 3, 4, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		p := Payload{Type: PayloadType(data[0]), Offset: 100, Length: len(data) + 3, Body: data[1:]}
		b, err := DecodePayload(1, p)
		if b == nil {
			t.Fatal("nil body")
		}
		if err != nil {
			if pe, ok := err.(*ParseError); !ok || pe.Offset < 104 || pe.Offset > 104+len(p.Body) {
				t.Fatalf("error %v: not a *ParseError inside the body", err)
			}
			_ = b.String()
			return
		}
		v1CheckBody(t, p.Body, b)
	})
}

func FuzzSAV1(f *testing.F) {
	v1Seeds(f, func(t PayloadType, b []byte) {
		if t == PayloadSAV1 {
			f.Add(b)
		}
	})
	f.Fuzz(func(t *testing.T, data []byte) {
		sa, err := decodeSAV1(data, 0)
		if sa == nil {
			t.Fatal("nil SA")
		}
		_ = sa.String()
		if err == nil {
			v1CheckBody(t, data, sa)
		}
	})
}

func FuzzAttributesV1(f *testing.F) {
	v1Seeds(f, func(t PayloadType, b []byte) {
		if t == PayloadSAV1 {
			// the attributes of the first transform: after DOI, situation,
			// proposal header (8), no SPI in phase 1, transform header (8)
			if len(b) > 24 && b[14] == 0 {
				f.Add(uint8(AttrSpaceIKE), b[24:])
			}
		}
	})
	f.Add(uint8(AttrSpaceModeCfg), []byte{0x00, 0x01, 0x00, 0x04, 10, 0, 0, 2, 0xc0, 0x89, 0x00, 0x01, 0x40, 0x89, 0, 3, 'b', 'o', 'b'})
	f.Fuzz(func(t *testing.T, space uint8, data []byte) {
		var as []AttributeV1
		err := decodeAttributesV1(data, 0, AttrSpaceV1(space%3), "", &as)
		if len(as) > len(data)/4 {
			t.Fatalf("%d attributes from %d octets", len(as), len(data))
		}
		if err == nil {
			for i := range as {
				wantInside(t, "attribute", data, as[i].Data)
				_ = as[i].String()
			}
		}
	})
}

func FuzzIDV1(f *testing.F) {
	v1Seeds(f, func(t PayloadType, b []byte) {
		if t == PayloadIDV1 {
			f.Add(b)
		}
	})
	f.Add([]byte{4, 17, 1, 244, 10, 0, 0, 0, 255, 255, 255, 0})
	f.Add([]byte{8, 0, 0, 0, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9})
	f.Add([]byte{2, 0, 0, 0, 'v', 'p', 'n', '.', 'e', 'x'})
	f.Fuzz(func(t *testing.T, data []byte) {
		id, err := decodeIDV1(data, 0)
		_ = id.String()
		if err == nil {
			v1CheckBody(t, data, id)
		}
	})
}

func FuzzNotifyDeleteV1(f *testing.F) {
	v1Seeds(f, func(t PayloadType, b []byte) {
		if t == PayloadNotifyV1 || t == PayloadDeleteV1 {
			f.Add(b)
		}
	})
	// R-U-THERE with the cookie pair as SPI (RFC 3706 §5), from the
	// header of a real message, and a RESPONDER-LIFETIME.
	f.Add([]byte{0, 0, 0, 1, 1, 16, 0x8d, 0x28, 0xfa, 0xfa, 0xeb, 0x49, 0x38, 0x2a, 0x76, 0x3c, 0x36, 0xe6, 0x5a, 0xd2, 0xf6, 0x6f, 0x44, 0x03, 0, 0, 0x12, 0x34})
	f.Add([]byte{0, 0, 0, 1, 3, 4, 0x60, 0x00, 0x95, 0xf9, 0xfa, 0x06, 0x80, 0x01, 0x00, 0x01, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x0e, 0x10})
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := decodeNotifyV1(data, 0)
		_ = n.String()
		if err == nil {
			v1CheckBody(t, data, n)
		}
		d, err := decodeDeleteV1(data, 0)
		_ = d.String()
		if err == nil {
			v1CheckBody(t, data, d)
		}
	})
}
