package flows

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestLookupLeavesReport checks that a live display's Lookups change
// nothing in the analysis: every corpus capture (with its keys, when it has
// them), also edited as the field damages captures (every packet seen again
// 3 s later; every IKE message's initiator SPI made the same, so that SAs
// collide in the index), with the default idle timeout, 2 s and 1 ms
// (finalised while packets still come). The report with a Lookup after
// every Add (by the message's SPIs, and by its initiator SPI alone, as
// cmd/ikeflow live_stream.go and a half-open lookup do) must be byte for
// byte the report without: Lookup builds snapshots of open SAs (sawork.go)
// that finalize later completes, and must not alter the working state.
func TestLookupLeavesReport(t *testing.T) {
	edits := []struct {
		name string
		edit func([]Packet) []Packet
	}{
		{"as captured", func(pk []Packet) []Packet { return pk }},
		{"replayed", func(pk []Packet) []Packet {
			out := clonePackets(pk)
			for _, p := range clonePackets(pk) {
				p.Time = p.Time.Add(3 * time.Second)
				p.Frame += len(pk)
				out = append(out, p)
			}
			return out
		}},
		{"one initiator SPI", func(pk []Packet) []Packet {
			out := clonePackets(pk)
			var spii []byte
			for i := range out {
				if out[i].Kind != KindIKE || len(out[i].Data) < dissect.HeaderLen {
					continue
				}
				if spii == nil {
					spii = append(spii, out[i].Data[:8]...)
				}
				copy(out[i].Data[:8], spii)
			}
			return out
		}},
	}
	looked := 0
	for _, path := range corpusCaptures(t) {
		dir := filepath.Dir(path)
		base := loadPackets(t, path)
		for _, e := range edits {
			pk := e.edit(base)
			for _, idle := range []time.Duration{0, 2 * time.Second, time.Millisecond} {
				for _, keyed := range []bool{false, true} {
					opt := Options{IdleTimeout: idle}
					if keyed {
						if opt.Decryptor = corpusKeys(t, dir); opt.Decryptor == nil {
							continue
						}
					}
					want := reportWithLookups(clonePackets(pk), opt, nil)
					if keyed { // the decryptor remembers what it verified
						opt.Decryptor = corpusKeys(t, dir)
					}
					got := reportWithLookups(clonePackets(pk), opt, &looked)
					if got != want {
						t.Errorf("%s, %s, idle %v, keys %v: Lookup changed the report:\n%s",
							filepath.Base(dir), e.name, idle, keyed, firstLineDiff(got, want))
					}
				}
			}
		}
	}
	if looked == 0 {
		t.Fatal("no Lookup found an SA: the test proves nothing")
	}
}

// reportWithLookups analyses pk and returns the report as JSON lines: the
// SAs handed to OnSA, those Finish returns, the findings and the counts.
// With looked, it calls Lookup after every Add of an IKE message and
// counts the SAs found.
func reportWithLookups(pk []Packet, opt Options, looked *int) string {
	var sas []*SA
	opt.OnSA = func(sa *SA) { sas = append(sas, sa) }
	a := NewAnalyzer(opt)
	for i := range pk {
		a.Add(&pk[i])
		if d := pk[i].Data; looked != nil && pk[i].Kind == KindIKE && len(d) >= dissect.HeaderLen {
			var spii, spir dissect.SPI
			copy(spii[:], d[0:8])
			copy(spir[:], d[8:16])
			for _, r := range []dissect.SPI{spir, {}} {
				if sa := a.Lookup(d[17]>>4, spii, r); sa != nil {
					*looked++
					_, _ = sa.AppendJSON(nil) // read it all, as a display would
				}
			}
		}
	}
	r := a.Finish()
	var b bytes.Buffer
	for _, sa := range append(sas, r.SAs...) {
		j, err := sa.AppendJSON(nil)
		if err != nil {
			return err.Error()
		}
		b.Write(append(j, '\n'))
	}
	for i := range r.Findings {
		j, err := r.Findings[i].AppendJSON(nil)
		if err != nil {
			return err.Error()
		}
		b.Write(append(j, '\n'))
	}
	b.Write(r.Stats.AppendJSON(nil))
	return b.String()
}

// firstLineDiff returns the first line where got and want differ.
func firstLineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "got  " + g[i] + "\nwant " + w[i]
		}
	}
	return "got " + strconv.Itoa(len(g)) + " lines, want " + strconv.Itoa(len(w))
}
