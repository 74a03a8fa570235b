package flows

import (
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/decrypt"
)

// sharedCaptures is where the third-party reference captures live.
const sharedCaptures = "../../shared/captures"

// capturePath returns the path of a shared capture, skipping the test when
// the folder is absent.
func capturePath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(sharedCaptures, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared capture %s not available: %v", name, err)
	}
	return p
}

// loadPackets reads a capture with package capture and converts its events
// to Packets (copying Data).
func loadPackets(t testing.TB, path string) []Packet {
	t.Helper()
	r, err := capture.Open(path, capture.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer r.Close()
	var out []Packet
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		var k PacketKind
		switch ev.Kind {
		case capture.KindIKE:
			k = KindIKE
		case capture.KindESP:
			k = KindESP
		default:
			continue
		}
		out = append(out, Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.Src, Dst: ev.Dst,
			Kind: k,
			Data: append([]byte(nil), ev.Data...), ESPSPI: ev.ESPSPI, ESPSeq: ev.ESPSeq})
	}
	return out
}

// keyringFor loads a key file into a decryptor.
func keyringFor(t testing.TB, path string) *decrypt.Tracker {
	t.Helper()
	return NewDecryptor(decrypt.NewKeyring(readKeyFile(t, path)...))
}

// readKeyFile parses a key file.
func readKeyFile(t testing.TB, path string) []decrypt.Key {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys, err := decrypt.ParseKeyFile(path, f)
	if err != nil {
		t.Fatalf("keys %s: %v", path, err)
	}
	return keys
}

// analyze runs packets through a new Analyzer.
func analyze(pkts []Packet, opt Options) *Report {
	a := NewAnalyzer(opt)
	for i := range pkts {
		a.Add(&pkts[i])
	}
	return a.Finish()
}

// kinds returns the finding kinds of a report (with severity), in order.
// end_unknown is left out: it marks every keyless IKEv2 SA that ends with
// its (encrypted) Delete, which most edited captures do; TestEndUnknown
// checks it.
func kinds(fs []Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.Kind == KindEndUnknown {
			continue
		}
		out = append(out, string(f.Kind)+":"+f.Severity.String())
	}
	return out
}

// loadPacketsQuiet reads a corpus capture without a testing.TB (fuzz seeds);
// it returns nil on any error.
func loadPacketsQuiet(scenario string) []Packet {
	r, err := capture.Open(filepath.Join(corpusDir, scenario, "capture.pcap"), capture.Options{})
	if err != nil {
		return nil
	}
	defer r.Close()
	var out []Packet
	for {
		ev, err := r.Next()
		if err != nil {
			return out
		}
		switch ev.Kind {
		case capture.KindIKE:
			out = append(out, Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.Src, Dst: ev.Dst, Kind: KindIKE,
				Data: append([]byte(nil), ev.Data...)})
		case capture.KindESP:
			out = append(out, Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.Src, Dst: ev.Dst, Kind: KindESP,
				ESPSPI: ev.ESPSPI, ESPSeq: ev.ESPSeq})
		}
	}
}

// netipAP parses an address:port for tests.
func netipAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }
