package flows

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// stdJSON is the reference: encoding/json without HTML escaping and
// without the trailing newline (what the CLI wrote before AppendJSON).
func stdJSON(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// sameJSON fails unless got equals want (encoding/json's bytes), showing where
// they part.
func sameJSON(t testing.TB, what string, got, want []byte) bool {
	t.Helper()
	return testutil.SameBytes(t, what+": AppendJSON differs from encoding/json", got, want)
}

// checkReportJSON compares AppendJSON with encoding/json on every SA, every
// finding and the stats of r.
func checkReportJSON(t testing.TB, name string, r *Report) {
	t.Helper()
	var buf []byte
	for i, sa := range r.SAs {
		var err error
		buf, err = sa.AppendJSON(buf[:0])
		if err != nil {
			t.Fatalf("%s SA %d: %v", name, i, err)
		}
		if !sameJSON(t, name+" SA "+sa.Name(), buf, stdJSON(t, sa)) {
			return
		}
		checkSpans(t, name, sa, buf)
	}
	for i := range r.Findings {
		var err error
		buf, err = r.Findings[i].AppendJSON(buf[:0])
		if err != nil {
			t.Fatalf("%s finding %d: %v", name, i, err)
		}
		if !sameJSON(t, name+" finding "+string(r.Findings[i].Kind), buf, stdJSON(t, &r.Findings[i])) {
			return
		}
	}
	sameJSON(t, name+" stats", r.Stats.AppendJSON(nil), stdJSON(t, r.Stats))
}

// checkSpans checks AppendJSONSpans against enc (sa's AppendJSON): the
// same bytes, one span per finding holding that finding's encoding, and
// AppendJSONTagged of each span giving the finding tagged with an SA as
// encoding/json writes it.
func checkSpans(t testing.TB, name string, sa *SA, enc []byte) {
	t.Helper()
	got, spans, err := sa.AppendJSONSpans([]byte("prefix"), nil)
	if err != nil || !bytes.Equal(got[len("prefix"):], enc) {
		t.Fatalf("%s SA %s: AppendJSONSpans differs from AppendJSON (%v)", name, sa.Name(), err)
	}
	if len(spans) != len(sa.Findings) {
		t.Fatalf("%s SA %s: %d spans for %d findings", name, sa.Name(), len(spans), len(sa.Findings))
	}
	for i, sp := range spans {
		f := sa.Findings[i]
		sameJSON(t, name+" span of finding "+string(f.Kind), got[sp.Start:sp.End], stdJSON(t, &f))
		f.SA = "0102030405060708/\"<tag>"
		sameJSON(t, name+" tagged finding "+string(f.Kind), AppendJSONTagged(nil, got[sp.Start:sp.End], f.SA), stdJSON(t, &f))
	}
}

// TestAppendJSONMatchesEncodingJSON checks that the hand-written encoder
// writes exactly encoding/json's bytes for every SA of every corpus
// capture, with and without the keys, and of the captures damaged the way
// the field damages them (responses lost, bytes flipped, messages cut).
func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	dirs := corpusCaptures(t)
	sas := 0
	for _, capPath := range dirs {
		dir := filepath.Dir(capPath)
		name := filepath.Base(dir)
		pk := loadPackets(t, capPath)
		r := analyze(clonePackets(pk), Options{})
		sas += len(r.SAs)
		checkReportJSON(t, name, r)
		if d := corpusKeys(t, dir); d != nil {
			r = analyze(clonePackets(pk), Options{Decryptor: d})
			checkReportJSON(t, name+" (keys)", r)
		}
		rng := rand.New(rand.NewPCG(uint64(len(pk)), 7))
		for v := range 6 {
			m := clonePackets(pk)
			var kept []Packet
			for i := range m {
				p := &m[i]
				switch {
				case v%3 == 0 && i%3 == 2: // every third packet lost
					continue
				case v%3 == 1 && len(p.Data) > 28: // bytes flipped
					for range 3 {
						p.Data[rng.IntN(len(p.Data))] ^= byte(1 + rng.IntN(255))
					}
				case v%3 == 2 && len(p.Data) > 28: // message cut short
					p.Data = p.Data[:28+rng.IntN(len(p.Data)-28)]
				}
				kept = append(kept, *p)
			}
			opt := Options{}
			if v >= 3 {
				opt.Decryptor = corpusKeys(t, dir)
			}
			checkReportJSON(t, name+" (damaged)", analyze(kept, opt))
		}
	}
	if sas == 0 {
		t.Fatal("the corpus gave no SAs")
	}
}

// TestAppendJSONEveryField fills every exported field of the report types
// (by reflection, so a field added later is filled too) with values that
// stress the encoding — empty and non-empty, escapes, invalid UTF-8, tiny
// and huge floats, zones — and compares AppendJSON with encoding/json. A
// field the encoder does not write makes this fail.
func TestAppendJSONEveryField(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 13))
		f := newFiller(t, rng, seed%3 == 0)
		var sa SA
		f.Fill(reflect.ValueOf(&sa).Elem(), 0)
		var r Report
		f.Fill(reflect.ValueOf(&r).Elem(), 1) // findings and stats (its SAs are tested above)
		b, err := sa.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, "filled SA", b, stdJSON(t, &sa)) {
			return
		}
		checkReportJSON(t, "filled report", &Report{Findings: r.Findings, Stats: r.Stats})
	}
	var zero SA
	b, _ := zero.AppendJSON(nil)
	sameJSON(t, "zero SA", b, stdJSON(t, &zero))
}

// TestAppendJSONRefusesWhatEncodingJSONRefuses checks that the floats
// encoding/json cannot write are errors, not invalid JSON, and that the
// times it cannot write are null (dissect.AppendJSONTime): one such time
// does not cost the document.
func TestAppendJSONRefusesWhatEncodingJSONRefuses(t *testing.T) {
	for _, sa := range []*SA{
		{Exchanges: []*Exchange{{RTT: math.NaN()}}},
		{Exchanges: []*Exchange{{RTT: math.Inf(1)}}},
	} {
		if _, err := json.Marshal(sa); err == nil {
			t.Fatalf("encoding/json accepts %+v", sa)
		}
		if _, err := sa.AppendJSON(nil); err == nil {
			t.Errorf("AppendJSON accepts what encoding/json refuses: %+v", sa)
		}
	}
	for _, c := range []struct {
		sa    *SA
		field string
	}{
		{&SA{Start: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, `"start":null`},
		{&SA{End: time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("x", 25*3600))}, `"end":null`},
	} {
		if _, err := json.Marshal(c.sa); err == nil {
			t.Fatalf("encoding/json accepts %+v", c.sa)
		}
		b, err := c.sa.AppendJSON(nil)
		if err != nil || !json.Valid(b) || !strings.Contains(string(b), c.field) {
			t.Errorf("AppendJSON: %s, %v; want valid JSON with %s", b, err, c.field)
		}
	}
}

// newFiller returns the filler of TestAppendJSONEveryField on rng: full
// fills every field.
func newFiller(t *testing.T, rng *rand.Rand, full bool) *testutil.Filler {
	f := &testutil.Filler{
		Rng: rng, T: t, Full: full, NilPointer: 5, Strings: fillStrings, Floats: fillFloats,
		Uint: func(k reflect.Kind, n uint64) uint64 {
			if k == reflect.Uint8 && rng.IntN(2) == 0 {
				n %= 8 // named enums (State, Severity, ExchangeType): mostly known values
			}
			return n
		},
	}
	f.Special = map[reflect.Type]func(reflect.Value){
		reflect.TypeFor[time.Time](): func(v reflect.Value) { f.FillTime(v, 1990, 60) },
		reflect.TypeFor[netip.AddrPort](): func(v reflect.Value) {
			if f.Zero() {
				return
			}
			a := netip.AddrFrom4([4]byte{byte(rng.IntN(256)), 2, 3, 4})
			if rng.IntN(2) == 0 {
				a = netip.MustParseAddr("2001:db8::1")
			}
			v.Set(reflect.ValueOf(netip.AddrPortFrom(a, uint16(rng.IntN(65536)))))
		},
	}
	return f
}

var fillStrings = []string{
	"plain", "with \"quotes\" and \\backslash", "\x00\x01\x1f\b\f\n\r\t\x7f", "<html> & </html>",
	"bad utf8 \xff\xfe\xc3", "line\u2028para\u2029", "ünïcødé", "😀 emoji", "\xed\xa0\x80 surrogate",
	"FQDN moon.example.com", "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
	"0123456789abcdef\x01tail", "01234567\"89abcdef", "0123456789abcde\\", "01234567\x7f\x80\x1f ~~~~~~~~ ", "~}|{zyxw\u00e9",
}

var fillFloats = []float64{1, 0.5, 12.345678, 1e-7, 1.5e-9, 123456789012, 1e21, 3.2e22, -4.5, 1e20, 0.000001, 5e-324}

// BenchmarkAppendJSON encodes every SA of a corpus capture with AppendJSON
// and with encoding/json (the writer before it).
func BenchmarkAppendJSON(b *testing.B) {
	dir := filepath.Join(corpusDir, "ikev2-rekey")
	if _, err := os.Stat(dir); err != nil {
		b.Skip(err)
	}
	r := analyze(loadPackets(b, filepath.Join(dir, "capture.pcap")), Options{})
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		// SetBytes counts the encodings of all the SAs, what one iteration
		// writes (it counted the last SA's alone, a fraction of it).
		var buf []byte
		total := 0
		for b.Loop() {
			total = 0
			for _, sa := range r.SAs {
				buf, _ = sa.AppendJSON(buf[:0])
				total += len(buf)
			}
		}
		b.SetBytes(int64(total))
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var out bytes.Buffer
		for b.Loop() {
			for _, sa := range r.SAs {
				out.Reset()
				enc := json.NewEncoder(&out)
				enc.SetEscapeHTML(false)
				_ = enc.Encode(sa)
			}
		}
	})
}
