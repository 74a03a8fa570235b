package flows

import (
	"bytes"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/internal/testcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// loadPackets reads a capture with package capture and converts its IKE
// and ESP events to Packets (copying Data).
func loadPackets(t testing.TB, path string) []Packet {
	t.Helper()
	var out []Packet
	testcap.Each(t, path, capture.Options{}, func(ev *capture.Event) {
		out = appendPacket(out, ev)
	})
	return out
}

// corpusCaptures returns the paths of every corpus capture
// (corpusDir/*/capture.pcap), failing t when there is none.
func corpusCaptures(t testing.TB) []string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(corpusDir, "*", "capture.pcap"))
	if len(paths) == 0 {
		t.Fatal("no corpus captures in " + corpusDir)
	}
	return paths
}

// appendPacket appends ev as a Packet when it is IKE (with a copy of its
// Data) or ESP (SPI and sequence number: Packet.Data is for IKE only).
func appendPacket(pk []Packet, ev *capture.Event) []Packet {
	p, ok := packetOf(ev)
	if !ok {
		return pk
	}
	if p.Kind == KindIKE || p.Kind == KindICMP {
		p.Data = append([]byte(nil), ev.Data...)
	}
	return append(pk, p)
}

// packetOf converts an IKE, ESP or ICMP event to a Packet as "ikeflow
// analyze" does: an IKE message's Data aliases ev's, an ESP packet has
// none. ok is false for other events.
func packetOf(ev *capture.Event) (p Packet, ok bool) {
	switch ev.Kind {
	case capture.KindIKE:
		return Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.Src, Dst: ev.Dst, Kind: KindIKE, Data: ev.Data,
			TCP: ev.Transport == capture.TransportTCP, TTL: ev.TTL}, true
	case capture.KindESP:
		return Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.Src, Dst: ev.Dst, Kind: KindESP,
			ESPSPI: ev.ESPSPI, ESPSeq: ev.ESPSeq}, true
	case capture.KindICMPUnreachable:
		return Packet{Frame: ev.Frame, Time: ev.Time, Src: ev.QuotedSrc, Dst: ev.QuotedDst, Kind: KindICMP, Data: ev.Data,
			ICMP: &ICMPInfo{From: ev.Src.Addr(), Code: ev.ICMPCode, V6: !ev.Src.Addr().Is4()}}, true
	}
	return Packet{}, false
}

// feedCapture adds every IKE and ESP packet of the capture at path to a,
// as "ikeflow analyze" hands them over (packetOf), failing b on a read
// error.
func feedCapture(b *testing.B, path string, a *Analyzer) {
	r, err := capture.Open(path, capture.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		if p, ok := packetOf(ev); ok {
			a.Add(&p)
		}
	}
}

// liveGrowth returns the growth of the live heap (after a collection)
// that fn leaves, divided by n: the octets each of the n things fn keeps
// costs. What fn keeps must be reachable from the caller until after the
// call (runtime.KeepAlive).
func liveGrowth(n int, fn func()) int64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / int64(n)
}

// benchCapture returns the capture named by IKEFLOW_BENCH_CAPTURE (a big
// capture made with go run ./internal/bigcap) or skips b when it is unset.
func benchCapture(b *testing.B) string {
	path := os.Getenv("IKEFLOW_BENCH_CAPTURE")
	if path == "" {
		b.Skip("IKEFLOW_BENCH_CAPTURE not set")
	}
	return path
}

// keyringFor loads a key file into a decryptor.
func keyringFor(t testing.TB, path string) *decrypt.Tracker {
	t.Helper()
	return NewDecryptor(decrypt.NewKeyring(readKeyFile(t, path)...))
}

// readKeyFile parses a key file.
func readKeyFile(t testing.TB, path string) []decrypt.Key {
	t.Helper()
	keys, err := decrypt.ParseKeyFile(path, bytes.NewReader(testutil.ReadFile(t, path)))
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
// on an error it returns the packets read before it.
func loadPacketsQuiet(scenario string) []Packet {
	var out []Packet
	testcap.Read(filepath.Join(corpusDir, scenario, "capture.pcap"), capture.Options{}, func(ev *capture.Event) {
		out = appendPacket(out, ev)
	})
	return out
}

// netipAP parses an address:port for tests.
func netipAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// sharedCapture returns the path of a third-party capture under
// ../shared/captures (rel: its path there), skipping the test when that
// folder is not beside the repository (a user's clone; CI has it).
func sharedCapture(t testing.TB, rel string) string {
	p := filepath.Join("../../shared/captures", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("third-party capture absent (%v): ../shared/captures is beside the repository on CI", err)
	}
	return p
}
