package main

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// TestAppendCSVMatchesEncodingCSV compares appendCSVField with
// encoding/csv's Writer on fields that need quoting for every reason it
// quotes ('"', ',', CR, LF, `\.`, a leading space character, ASCII or
// not) and on random ones, as string and as bytes.
func TestAppendCSVMatchesEncodingCSV(t *testing.T) {
	fields := []string{"", "plain", `\.`, `\.x`, `\`, ".", "a,b", `say "hi"`, `"`, `""`, "a\rb", "a\nb", "a\r\nb",
		" lead", "\tlead", "\vlead", "\u00a0nbsp", "\u2028ls", "\u3000ideo", "\x85nel", "trail ", "x y", "\xff bad", "é", "→ arrow",
		"2026-01-01 00:00:00.010", "ESP 30d8f61d/22aaa735 established 10.0.0.0/24,10.1.0.0/24 ⇄ 10.2.0.0/24 esp 1→ 1←"}
	rng := rand.New(rand.NewPCG(8, 9))
	const alphabet = "ab ,\"\r\n\\.\t"
	for range 3000 {
		var s strings.Builder
		for range rng.IntN(8) {
			if rng.IntN(10) == 0 {
				s.WriteString([]string{"\u00a0", "é", "\u2029", "\xc3"}[rng.IntN(4)])
			} else {
				s.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		}
		fields = append(fields, s.String())
	}
	for i := 0; i < len(fields); i += 3 {
		rec := fields[i:min(i+3, len(fields))]
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		if err := cw.Write(rec); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		var got, gotB, gotN []byte
		for k, f := range rec {
			if k > 0 {
				got, gotB, gotN = append(got, ','), append(gotB, ','), append(gotN, ',')
			}
			got = appendCSVField(got, f)
			gotB = appendCSVField(gotB, []byte(f))
			gotN = appendCSVField(gotN, flows.FindingKind(f)) // a named string type
		}
		got, gotB, gotN = append(got, '\n'), append(gotB, '\n'), append(gotN, '\n')
		if string(got) != want.String() || string(gotB) != want.String() || string(gotN) != want.String() {
			t.Fatalf("%q: got %q (bytes: %q, named: %q), want %q", rec, got, gotB, gotN, want.String())
		}
	}
}

// TestAppendCSVAddrPort checks that an address and port written in place
// is what appendCSVField writes of its String: IPv4, IPv6, IPv4-mapped,
// the zero value, and zones that need quoting (a comma, a quote, a leading
// space cannot lead, but a newline can follow).
func TestAppendCSVAddrPort(t *testing.T) {
	v6 := netip.MustParseAddr("2001:db8::1")
	aps := []netip.AddrPort{{}, netip.MustParseAddrPort("198.51.100.10:500"), netip.MustParseAddrPort("[2001:db8::1]:4500"),
		netip.MustParseAddrPort("[::ffff:192.0.2.1]:500"), netip.AddrPortFrom(netip.IPv6Unspecified(), 0)}
	for _, z := range []string{"eth0", "a,b", `q"z`, "x\ny", "é", "sp ace", "\n", "\r"} {
		aps = append(aps, netip.AddrPortFrom(v6.WithZone(z), 500),
			netip.AddrPortFrom(netip.MustParseAddr("::ffff:192.0.2.1").WithZone(z), 65535))
	}
	for _, ap := range aps {
		want := string(appendCSVField([]byte("x,"), ap.String()))
		if got := string(appendCSVAddrPort([]byte("x,"), ap)); got != want {
			t.Errorf("%v: %q, want %q", ap, got, want)
		}
	}
}

// refCSV is the CSV stream as encoding/csv wrote it (the writer before
// csvStream encoded rows itself), for TestCSVStreamMatchesEncodingCSV.
func refCSV(sas []*flows.SA, rep *flows.Report, refs *frameRefs) string {
	var out bytes.Buffer
	cw := csv.NewWriter(&out)
	cw.Write([]string{"sa", "version", "initiator", "responder", "spi_i", "spi_r", "state", "proposal", "child_sas", "severity", "kind", "frames", "message", "transport"})
	for n, sa := range sas {
		tr := "udp"
		if sa.Transport != "" {
			tr = sa.Transport
		}
		base := []string{strconv.Itoa(n + 1), strconv.Itoa(sa.Version), sa.Initiator.String(), sa.Responder.String(),
			sa.SPIi.String(), sa.SPIr.String(), sa.State.String(), sa.Proposal, childSummary(sa, "; ")}
		if len(sa.Findings) == 0 {
			cw.Write(append(base, "", "", "", "", tr))
		}
		for _, f := range sa.Findings {
			cw.Write(append(append([]string{}, base...), f.Severity.String(), string(f.Kind), csvFrames(f.Frames, refs), f.Message, tr))
		}
	}
	for _, f := range rep.Findings {
		if f.SA == "" {
			cw.Write([]string{"", "", "", "", "", "", "", "", "", f.Severity.String(), string(f.Kind), csvFrames(f.Frames, refs), f.Message, ""})
		}
	}
	cw.Flush()
	return out.String()
}

// TestCSVStreamMatchesEncodingCSV writes every corpus SA, with messages
// and child SAs edited to need quoting, through csvStream with one input
// and with several (file names that need quoting), and compares with what
// encoding/csv wrote.
func TestCSVStreamMatchesEncodingCSV(t *testing.T) {
	scens := corpusScenarios()
	sas := corpusSAs(t, scens...)
	edited := *sas[0]
	edited.Proposal = ` "quoted", proposal`
	edited.Transport = "tcp"
	edited.Findings = append([]flows.Finding{{Kind: "x,y", Severity: flows.SeverityWarning, Frames: []int{1, 2}, Message: "line\nbreak \"q\""}}, edited.Findings...)
	edited.ChildSAs = append([]*flows.ChildSA{{Protocol: "ESP", SPIi: 1, SPIr: 0xdeadbeef, State: flows.ChildEstablished, TSi: []string{"10.0.0.0/24", "10.1.0.0/24"}, TSr: []string{"10.2.0.0/24"}}}, edited.ChildSAs...)
	sas = append(sas, &edited)
	rep := &flows.Report{Findings: []flows.Finding{{Kind: flows.KindUnmatchedESP, Severity: flows.SeverityInfo, Frames: []int{3}, Message: "capture-wide, with a comma"}, {Kind: "sa_one", SA: "x/y", Message: "skipped"}}}
	quotes := 0
	for _, refs := range []*frameRefs{nil, testFrameRefs(t)} {
		var got bytes.Buffer
		c := newCSVStream(&got, refs)
		err := c.begin()
		for _, sa := range sas {
			if err == nil {
				err = c.add(sa)
			}
		}
		if err == nil {
			err = c.end(rep)
		}
		if err != nil {
			t.Fatal(err)
		}
		want := refCSV(sas, rep, refs)
		if got.String() != want {
			t.Fatalf("refs %v: CSV differs:\n%s\nwant\n%s", refs != nil, got.String(), want)
		}
		quotes += strings.Count(want, `"`)
	}
	if quotes < 10 {
		t.Errorf("only %d quotes in the CSV: the test proves little", quotes)
	}
}

// testFrameRefs returns frame names for two inputs whose names need
// quoting in CSV, covering the frames of the corpus SAs.
func testFrameRefs(t *testing.T) *frameRefs {
	t.Helper()
	r := newFrameRefs([]string{"dir/a, b.pcap", `"q".pcap`})
	for n := range 20000 {
		r.add(n%2, n/2+1)
	}
	return r
}

// csvRef is appendCSVField's reference: what encoding/csv's Writer writes
// for field (as the first of two fields, so that an empty one is written
// as it is).
func csvRef(t *testing.T, field string) string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write([]string{field, "x"}); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	return strings.TrimSuffix(b.String(), ",x\n")
}

// checkCSVField compares appendCSVField, as string and as bytes, with
// encoding/csv on field.
func checkCSVField(t *testing.T, field string) {
	t.Helper()
	want := csvRef(t, field)
	if got := string(appendCSVField(nil, field)); got != want {
		t.Fatalf("%q: %q, want %q", field, got, want)
	}
	if got := string(appendCSVField(nil, []byte(field))); got != want {
		t.Fatalf("%q as bytes: %q, want %q", field, got, want)
	}
}

// TestCSVNeedsQuotesEveryPosition checks the word-at-a-time scan of
// csvNeedsQuotes: each octet that forces quotes, and octets next to them
// in value (which the zero-byte test must not confuse with them), at every
// position of fields of every length up to three words and a half, in
// plain text and after other octets of every kind (high bit set, zero).
func TestCSVNeedsQuotesEveryPosition(t *testing.T) {
	fills := []byte{'a', 0x00, 0x80, 0xff, 0x7f, '0'}
	for _, c := range []byte{'\n', '\r', '"', ',', '\t', 0x0b, 0x0c, 0x0e, '!', '#', '+', '-', 0x8a, 0xac, 0xa2, 0x01} {
		for _, fill := range fills {
			for n := 1; n <= 28; n++ {
				for pos := 0; pos < n; pos++ {
					b := bytes.Repeat([]byte{fill}, n)
					b[pos] = c
					checkCSVField(t, "x"+string(b))
				}
			}
		}
	}
}

// FuzzAppendCSVField compares appendCSVField with encoding/csv.
func FuzzAppendCSVField(f *testing.F) {
	for _, s := range []string{"", "plain", "a,b", `say "hi"`, "a\rb", "x\n", " lead", `\.`, "0123456789abcdef,", "01234567\"9", "é\u00a0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkCSVField(t, s) })
}
