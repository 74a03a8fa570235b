package flows

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestNoExchanges analyses every corpus capture (with its keys, when it
// has any, and without) twice, with and without Options.NoExchanges: with
// it every SA's Exchanges must be nil, and everything else the SA and the
// report say (state, findings, child SAs, ExchangesOmitted, counts) must
// be what the run that builds the exchanges says, compared on their JSON
// encoding with that run's Exchanges taken out.
func TestNoExchanges(t *testing.T) {
	dirs := corpusCaptures(t)
	built := 0
	for _, path := range dirs {
		dir := filepath.Dir(path)
		pkts := loadPackets(t, path)
		for _, keyed := range []bool{false, true} {
			opt := func(noEx bool) Options {
				o := Options{NoExchanges: noEx, IdleTimeout: 0}
				if keyed {
					if d := corpusKeys(t, dir); d != nil {
						o.Decryptor = d // a fresh one per run: decryptors keep state
					}
				}
				return o
			}
			full, lazy := analyze(pkts, opt(false)), analyze(pkts, opt(true))
			name := filepath.Base(dir)
			if len(full.SAs) != len(lazy.SAs) {
				t.Fatalf("%s keys=%v: %d SAs with exchanges, %d without", name, keyed, len(full.SAs), len(lazy.SAs))
			}
			for i, sa := range lazy.SAs {
				if sa.Exchanges != nil {
					t.Errorf("%s keys=%v: SA %s has %d exchanges with NoExchanges", name, keyed, sa.Name(), len(sa.Exchanges))
				}
				f := *full.SAs[i]
				if len(f.Exchanges) > 0 {
					built++
				}
				f.Exchanges = nil
				want, err := f.AppendJSON(nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := sa.AppendJSON(nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s keys=%v: SA %s differs with NoExchanges:\n got %s\nwant %s", name, keyed, sa.Name(), got, want)
				}
			}
			if len(full.Findings) != len(lazy.Findings) {
				t.Fatalf("%s keys=%v: %d findings with exchanges, %d without", name, keyed, len(full.Findings), len(lazy.Findings))
			}
			for i := range lazy.Findings {
				want, _ := full.Findings[i].AppendJSON(nil)
				got, _ := lazy.Findings[i].AppendJSON(nil)
				if !bytes.Equal(got, want) {
					t.Errorf("%s keys=%v: finding %d differs:\n got %s\nwant %s", name, keyed, i, got, want)
				}
			}
			if g, w := string(lazy.Stats.AppendJSON(nil)), string(full.Stats.AppendJSON(nil)); g != w {
				t.Errorf("%s keys=%v: stats differ:\n got %s\nwant %s", name, keyed, g, w)
			}
		}
	}
	if built == 0 {
		t.Fatal("no SA had exchanges without NoExchanges: the comparison proved nothing")
	}
}

// TestNoExchangesAfterLookup checks that an SA a live display looked up
// while it was open (Lookup builds its exchanges) is still handed on
// without them under NoExchanges.
func TestNoExchangesAfterLookup(t *testing.T) {
	pkts := loadPackets(t, filepath.Join(corpusDir, "ikev2-psk-success", "capture.pcap"))
	a := NewAnalyzer(Options{NoExchanges: true, ReorderWindow: -1})
	looked := 0
	for i := range pkts {
		a.Add(&pkts[i])
		if len(pkts[i].Data) >= 16 {
			var spii, spir [8]byte
			copy(spii[:], pkts[i].Data[:8])
			copy(spir[:], pkts[i].Data[8:16])
			if sa := a.Lookup(2, spii, spir); sa != nil && len(sa.Exchanges) > 0 {
				looked++
			}
		}
	}
	if looked == 0 {
		t.Fatal("Lookup never showed an exchange: the test proves nothing")
	}
	r := a.Finish()
	if len(r.SAs) == 0 {
		t.Fatal("no SAs")
	}
	for _, sa := range r.SAs {
		if sa.Exchanges != nil {
			t.Errorf("SA %s: %d exchanges after Finish with NoExchanges", sa.Name(), len(sa.Exchanges))
		}
	}
}

// FuzzNoExchanges feeds arbitrary packet sequences (FuzzAnalyzer's
// encoding and seeds) twice, with and without Options.NoExchanges: the
// findings and every SA's JSON (its Exchanges taken out) must not change.
func FuzzNoExchanges(f *testing.F) {
	for _, sc := range []string{"ikev2-retransmit", "ikev2-rekey", "ikev1-main-quick", "ikev2-dpd-dead-peer"} {
		pk := corpusPacketsOrNil(sc)
		f.Add(encodeFuzz(pk[:min(len(pk), 4)]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pk := fuzzPackets(data)
		full, lazy := analyze(pk, Options{}), analyze(pk, Options{NoExchanges: true})
		if len(full.SAs) != len(lazy.SAs) || len(full.Findings) != len(lazy.Findings) {
			t.Fatalf("%d SAs, %d findings with exchanges; %d, %d without",
				len(full.SAs), len(full.Findings), len(lazy.SAs), len(lazy.Findings))
		}
		for i, sa := range lazy.SAs {
			f := *full.SAs[i]
			f.Exchanges = nil
			want, _ := f.AppendJSON(nil)
			got, _ := sa.AppendJSON(nil)
			if sa.Exchanges != nil || !bytes.Equal(got, want) {
				t.Fatalf("SA %d differs with NoExchanges:\n got %s\nwant %s", i, got, want)
			}
		}
	})
}
