package dissect

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// jsonBodies holds a value of every Body type the decoders return, and of
// Certificate (inside CERT bodies). TestAppendJSONCoversDecodePayload
// checks that no decoder returns a type missing here.
var jsonBodies = []any{
	// IKEv2
	&SA{}, &KE{}, &Identification{}, &Cert{}, &CertReq{}, &Auth{}, &Nonce{}, &VendorID{},
	&Encrypted{}, &EncryptedFragment{}, &EAP{}, &Notify{}, &Delete{}, &TrafficSelectors{},
	&Config{}, &Opaque{},
	// IKEv1
	&SAV1{}, &KEV1{}, &IDV1{}, &CertV1{}, &CertReqV1{}, &HashV1{}, &SigV1{}, &NonceV1{},
	&NotifyV1{}, &DeleteV1{}, &ModeCfgV1{}, &NATD{}, &NATOA{}, &FragmentV1{},
	// inside CERT
	&Certificate{},
}

// marshalStd is the reference: json.Marshal, which wrote the dissect JSON
// before AppendJSON.
func marshalStd(t testing.TB, v any) []byte {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal(%T): %v", v, err)
	}
	return j
}

// appendAny calls the AppendJSON of v, through AppendBodyJSON (which
// writes a nil body) when v is a Body.
func appendAny(t testing.TB, v any) []byte {
	t.Helper()
	a, ok := v.(bodyAppender)
	if !ok {
		t.Fatalf("%T has no AppendJSON([]byte) ([]byte, error)", v)
	}
	// Append after a prefix: the method must append, not overwrite.
	var b []byte
	var err error
	if body, ok := v.(Body); ok {
		b, err = AppendBodyJSON([]byte("prefix"), body)
	} else {
		b, err = a.AppendJSON([]byte("prefix"))
	}
	if err != nil {
		t.Fatalf("%T.AppendJSON: %v", v, err)
	}
	if !bytes.HasPrefix(b, []byte("prefix")) {
		t.Fatalf("%T.AppendJSON overwrote the buffer", v)
	}
	return b[len("prefix"):]
}

// sameBodyJSON fails unless got equals want (json.Marshal's bytes), showing where
// they part.
func sameBodyJSON(t testing.TB, what string, got, want []byte) bool {
	t.Helper()
	return testutil.SameBytes(t, what+": AppendJSON differs from json.Marshal", got, want)
}

// TestAppendJSONEveryField fills every exported field of every body type
// (by reflection, so a field added later is filled too) with values that
// stress the encoding — nil, empty and non-empty, escapes, HTML
// characters, invalid UTF-8, unknown registry values, zoned addresses and
// times — and compares AppendJSON with json.Marshal. A field the encoder
// does not write, or writes differently, makes this fail.
func TestAppendJSONEveryField(t *testing.T) {
	for _, proto := range jsonBodies {
		typ := reflect.TypeOf(proto).Elem()
		for seed := range uint64(200) {
			v := reflect.New(typ)
			newJSONFiller(t, seed).Fill(v.Elem(), 0)
			if !sameBodyJSON(t, typ.Name()+" filled", appendAny(t, v.Interface()), marshalStd(t, v.Interface())) {
				break
			}
		}
		zero := reflect.New(typ).Interface()
		sameBodyJSON(t, typ.Name()+" zero", appendAny(t, zero), marshalStd(t, zero))
		null := reflect.Zero(reflect.PointerTo(typ)).Interface() // a typed nil, as json.Marshal sees it
		sameBodyJSON(t, typ.Name()+" nil", appendAny(t, null), marshalStd(t, null))
	}
}

// TestAppendJSONNullWhereMarshalRefuses: a certificate date json.Marshal
// cannot write is written null (valid JSON, the rest of the summary kept),
// not an error that costs the whole document.
func TestAppendJSONNullWhereMarshalRefuses(t *testing.T) {
	for _, c := range []struct {
		cert  *Certificate
		field string
	}{
		{&Certificate{NotBefore: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Subject: "CN=x"}, `"not_before":null`},
		{&Certificate{NotAfter: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), Subject: "CN=x"}, `"not_after":null`},
		{&Certificate{NotAfter: time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 25*3600)), Subject: "CN=x"}, `"not_after":null`},
	} {
		body := &Cert{Certificate: c.cert}
		if _, err := json.Marshal(body); err == nil {
			t.Fatalf("json.Marshal accepts %+v", c.cert)
		}
		for _, b := range []Body{body, &CertV1{Certificate: c.cert}} {
			got, err := AppendBodyJSON(nil, b)
			if err != nil || !json.Valid(got) || !strings.Contains(string(got), c.field) || !strings.Contains(string(got), `"subject":"CN=x"`) {
				t.Errorf("%T: %s, %v; want valid JSON with %s and the subject", b, got, err, c.field)
			}
		}
	}
}

// TestAppendJSONCoversDecodePayload decodes every payload type number of
// both versions with a few bodies (empty, short, long, and the real
// payloads of testdata) and checks that each Body type returned is in
// jsonBodies (so TestAppendJSONEveryField fills it) and has AppendJSON,
// and that the real payloads encode as json.Marshal writes them.
func TestAppendJSONCoversDecodePayload(t *testing.T) {
	known := map[reflect.Type]bool{}
	for _, b := range jsonBodies {
		known[reflect.TypeOf(b)] = true
	}
	seen := map[reflect.Type]bool{}
	check := func(version uint8, p Payload) {
		body, _ := DecodePayload(version, p)
		typ := reflect.TypeOf(body)
		if !known[typ] {
			t.Fatalf("v%d payload %d decodes to %v, which jsonBodies does not list", version, p.Type, typ)
		}
		seen[typ] = true
		got, err := AppendBodyJSON(nil, body)
		if err != nil {
			t.Fatalf("v%d %s: %v", version, p.Type.Short(), err)
		}
		sameBodyJSON(t, "v"+itoa(int(version))+" "+p.Type.Short(), got, marshalStd(t, body))
	}
	long := bytes.Repeat([]byte{0, 1, 0, 8, 0x80, 4, 0, 4}, 8)
	for _, version := range []uint8{1, 2} {
		for pt := range 256 {
			for _, body := range [][]byte{nil, {1}, {0, 0, 0, 1, 2, 3, 4, 5}, long} {
				check(version, Payload{Type: PayloadType(pt), Offset: 28, Length: 4 + len(body), Body: body})
			}
		}
	}
	real := 0
	for _, s := range v2Samples(t) {
		for _, p := range v2AllPayloads(t, s) {
			check(2, p)
			real++
		}
	}
	for _, name := range append(v1WellFormed, "certs_decrypted") {
		for _, m := range loadV1Hex(t, name) {
			_, ps, _, _ := decodeAllV1(m)
			for _, p := range ps {
				check(1, p)
				real++
			}
		}
	}
	if real < 50 {
		t.Fatalf("only %d real payloads", real)
	}
	for typ := range known {
		if !seen[typ] && typ != reflect.TypeFor[*Certificate]() {
			t.Errorf("no decoder returned %v: is it still a Body type?", typ)
		}
	}
}

// TestAppendJSONString compares AppendJSONString with json.Marshal on
// every byte value in every position of a 16-byte word (the 8-byte skip
// and the byte loop) and on strings that need escaping.
func TestAppendJSONString(t *testing.T) {
	check := func(s string) {
		t.Helper()
		want, _ := json.Marshal(s)
		if got := AppendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
	for _, s := range jsonFillStrings {
		check(s)
	}
	plain := []byte("ABCDEFGHIJKLMNOP")
	for pos := range len(plain) {
		for c := range 256 {
			w := bytes.Clone(plain)
			w[pos] = byte(c)
			check(string(w))
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		w := make([]byte, rng.IntN(24))
		for i := range w {
			w[i] = byte(0x20 + rng.IntN(0x60))
			if rng.IntN(8) == 0 {
				w[i] = byte(rng.IntN(256))
			}
		}
		check(string(w))
	}
}

// TestAppendJSONAllocs: encoding the decoded payloads of every real IKEv2
// sample (outer and decrypted inner) allocates nothing once the buffer has
// grown. CP payloads are left out: their private-use attribute types are
// named by the registry's String, which builds the name. (The IKEv1
// attribute renderings, Name and ValueName, allocate too.)
func TestAppendJSONAllocs(t *testing.T) {
	var bodies []Body
	for _, s := range v2Samples(t) {
		for _, p := range v2AllPayloads(t, s) {
			if b, _ := DecodePayload(2, p); p.Type != PayloadCP {
				bodies = append(bodies, b)
			}
		}
	}
	if len(bodies) < 100 {
		t.Fatalf("only %d bodies", len(bodies))
	}
	buf := make([]byte, 0, 1<<20)
	allocs := testing.AllocsPerRun(20, func() {
		buf = buf[:0]
		for _, b := range bodies {
			buf, _ = AppendBodyJSON(buf, b)
		}
	})
	if allocs != 0 {
		t.Errorf("%.0f allocations for %d bodies, want 0", allocs, len(bodies))
	}
}

// newJSONFiller returns the filler of TestAppendJSONEveryField for seed:
// a third of the seeds fill every field.
func newJSONFiller(t *testing.T, seed uint64) *testutil.Filler {
	rng := rand.New(rand.NewPCG(seed, 29))
	f := &testutil.Filler{
		Rng: rng, T: t, Full: seed%3 == 0, NilPointer: 3,
		ByteSlice: 40, // byte strings: attribute values up to and past 4 octets
		Strings:   jsonFillStrings,
		Uint: func(_ reflect.Kind, n uint64) uint64 {
			switch rng.IntN(3) {
			case 0:
				n %= 8 // registries: mostly known values
			case 1:
				n %= 300 // around the ends of the registries
			}
			return n
		},
	}
	f.Special = map[reflect.Type]func(reflect.Value){
		reflect.TypeFor[time.Time](): func(v reflect.Value) { f.FillTime(v, 1950, 100) },
		reflect.TypeFor[netip.Addr](): func(v reflect.Value) {
			if !f.Zero() {
				v.Set(reflect.ValueOf(jsonFillAddr(rng)))
			}
		},
		reflect.TypeFor[netip.Prefix](): func(v reflect.Value) {
			if !f.Zero() {
				// Bits out of range make an invalid Prefix: MarshalText's
				// business, written the same way.
				v.Set(reflect.ValueOf(netip.PrefixFrom(jsonFillAddr(rng), rng.IntN(140)-4)))
			}
		},
	}
	return f
}

var jsonFillStrings = []string{
	"plain", "with \"quotes\" and \\backslash", "\x00\x01\x1f\b\f\n\r\t\x7f", "<html> & </html>",
	"bad utf8 \xff\xfe\xc3", "line\u2028para\u2029", "ünïcødé", "😀 emoji", "\xed\xa0\x80 surrogate",
	"CN=moon.example.com, O=Linux strongSwan", "DNS:sun.strongswan.org", "0123456789abcdef\x01tail",
	"01234567\"89abcdef", "0123456789abcde\\", "01234567\x7f\x80\x1f ~~~~~~~~ ", "~}|{zyxw\u00e9",
	"a&b<c>d", "01234567<", "",
}

// jsonFillAddr returns a random address: IPv4, IPv6, IPv4-mapped, zoned
// (with a zone to escape) or unspecified.
func jsonFillAddr(rng *rand.Rand) netip.Addr {
	switch rng.IntN(5) {
	case 0:
		return netip.AddrFrom4([4]byte{192, 0, 2, byte(rng.IntN(256))})
	case 1:
		return netip.MustParseAddr("2001:db8::1")
	case 2:
		return netip.MustParseAddr("::ffff:10.1.2.3")
	case 3:
		return netip.MustParseAddr("fe80::1").WithZone(jsonFillStrings[rng.IntN(len(jsonFillStrings)-1)])
	}
	return netip.IPv6Unspecified()
}

// BenchmarkAppendBodyJSON encodes the bodies of every real sample (IKEv2
// outer and inner payloads, IKEv1 payloads) with AppendBodyJSON and with
// json.Marshal (the writer before it).
func BenchmarkAppendBodyJSON(b *testing.B) {
	var bodies []Body
	for _, s := range v2Samples(b) {
		for _, p := range v2AllPayloads(b, s) {
			body, _ := DecodePayload(2, p)
			bodies = append(bodies, body)
		}
	}
	for _, name := range v1WellFormed {
		for _, m := range loadV1Hex(b, name) {
			_, _, bs, _ := decodeAllV1(m)
			bodies = append(bodies, bs...)
		}
	}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf = buf[:0]
			for _, body := range bodies {
				buf, _ = AppendBodyJSON(buf, body)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, body := range bodies {
				_, _ = json.Marshal(body)
			}
		}
	})
}
