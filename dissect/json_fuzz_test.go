package dissect

import (
	"bytes"
	"encoding/json"
	"testing"
)

// Fuzz targets for the JSON of the payload bodies. Invariant: no panic,
// AppendBodyJSON writes exactly json.Marshal's bytes (where json.Marshal
// fails, on a certificate date, AppendBodyJSON still writes valid JSON:
// the date null), and the result is valid JSON. Run e.g.
// `go test ./dissect -run='^$' -fuzz='^FuzzAppendJSONMessage$' -fuzztime=60s`.

// fuzzBodyJSON checks the invariant on one decoded body.
func fuzzBodyJSON(t *testing.T, body Body) {
	want, werr := json.Marshal(body)
	got, gerr := AppendBodyJSON([]byte("x"), body)
	if gerr != nil {
		t.Fatalf("%T: AppendBodyJSON error %v (json.Marshal error %v)", body, gerr, werr)
	}
	if werr == nil && !bytes.Equal(got[1:], want) {
		t.Fatalf("%T: AppendBodyJSON differs from json.Marshal:\n got  %s\n want %s", body, got[1:], want)
	}
	if !json.Valid(got[1:]) {
		t.Fatalf("%T: invalid JSON %s", body, got[1:])
	}
}

// FuzzAppendJSONMessage decodes a whole message (real IKEv1 and IKEv2
// messages as seeds) and checks the JSON of every payload body.
func FuzzAppendJSONMessage(f *testing.F) {
	for _, s := range v2Samples(f) {
		f.Add(s.msg)
	}
	for _, name := range v1WellFormed {
		for _, m := range loadV1Hex(f, name) {
			f.Add(m.raw)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		_ = m.DecodeFromBytes(data)
		for _, p := range m.Payloads {
			body, _ := DecodePayload(m.Version(), p)
			fuzzBodyJSON(t, body)
		}
	})
}

// FuzzAppendJSONPayload decodes one payload body: the first byte chooses
// the version (odd: IKEv1), the second the payload type, the rest is the
// body. Seeds are the real payloads, decrypted inner ones included.
func FuzzAppendJSONPayload(f *testing.F) {
	for _, s := range v2Samples(f) {
		for _, p := range v2AllPayloads(f, s) {
			f.Add(byte(2), byte(p.Type), bytes.Clone(p.Body))
		}
	}
	v1Seeds(f, func(t PayloadType, b []byte) { f.Add(byte(1), byte(t), bytes.Clone(b)) })
	f.Fuzz(func(t *testing.T, version, typ byte, data []byte) {
		v := uint8(2)
		if version%2 == 1 {
			v = 1
		}
		body, _ := DecodePayload(v, Payload{Type: PayloadType(typ), Offset: 28, Length: 4 + len(data), Body: data})
		fuzzBodyJSON(t, body)
	})
}
