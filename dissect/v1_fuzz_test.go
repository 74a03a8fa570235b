package dissect

import (
	"testing"
	"unsafe"
)

// Fuzz targets for the IKEv1 decoders. Invariant: no panic, and on
// success every byte slice of the result lies inside the input.
// Run e.g. `go test ./dissect -run='^$' -fuzz='^FuzzDecodeV1Payload$' -fuzztime=60s`.

// v1Inside fails t if s (non-empty) does not lie within in.
func v1Inside(t *testing.T, what string, in, s []byte) {
	if len(s) == 0 {
		return
	}
	if len(in) == 0 {
		t.Fatalf("%s: %d octets from empty input", what, len(s))
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(in)))
	hi := lo + uintptr(len(in))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	if p < lo || p+uintptr(len(s)) > hi {
		t.Fatalf("%s: slice [%#x,+%d) outside input [%#x,%#x)", what, p, len(s), lo, hi)
	}
}

// v1CheckBody checks every aliased slice of a decoded IKEv1 body and that
// String does not panic.
func v1CheckBody(t *testing.T, in []byte, b Body) {
	_ = b.String()
	attrs := func(as []AttributeV1) {
		for i := range as {
			v1Inside(t, "attribute", in, as[i].Data)
			_ = as[i].String()
			if _, err := as[i].MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
	}
	switch x := b.(type) {
	case *SAV1:
		for _, p := range x.Proposals {
			v1Inside(t, "SPI", in, p.SPI)
			for _, tr := range p.Transforms {
				attrs(tr.Attributes)
			}
		}
	case *KEV1:
		v1Inside(t, "KE", in, x.Data)
	case *IDV1:
		v1Inside(t, "ID", in, x.Data)
	case *CertV1:
		v1Inside(t, "CERT", in, x.Data)
	case *CertReqV1:
		v1Inside(t, "CR", in, x.Authority)
	case *HashV1:
		v1Inside(t, "HASH", in, x.Data)
	case *SigV1:
		v1Inside(t, "SIG", in, x.Data)
	case *NonceV1:
		v1Inside(t, "NONCE", in, x.Data)
	case *NotifyV1:
		v1Inside(t, "N.SPI", in, x.SPI)
		v1Inside(t, "N.data", in, x.Data)
		attrs(x.Attributes)
	case *DeleteV1:
		if len(x.SPIs) > int(x.NumSPIs) {
			t.Fatalf("D: %d SPIs > NumSPIs %d", len(x.SPIs), x.NumSPIs)
		}
		for _, s := range x.SPIs {
			v1Inside(t, "D.SPI", in, s)
		}
	case *VendorID:
		v1Inside(t, "VID", in, x.Data)
	case *NATD:
		v1Inside(t, "NAT-D", in, x.Hash)
	case *FragmentV1:
		v1Inside(t, "FRAG", in, x.Data)
	case *ModeCfgV1:
		attrs(x.Attributes)
	case *Opaque:
		v1Inside(t, "opaque", in, x.Data)
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
				v1Inside(t, "attribute", data, as[i].Data)
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
