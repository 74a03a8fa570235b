package flows

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestExListKept checks the SA's list of exchange records (exlist.go:
// first, ex3, exMore) against the exchanges of the same capture analysed
// in full: with Options.MaxExchanges set to 1 to 5, every SA of every
// corpus capture (keyless and keyed) keeps the first MaxExchanges of its
// exchanges, each exactly as the full analysis gives it (so later messages
// found their record through the ring), and counts the rest in
// ExchangesOmitted.
func TestExListKept(t *testing.T) {
	checked := 0
	for _, path := range corpusCaptures(t) {
		dir := filepath.Dir(path)
		name := filepath.Base(dir)
		pkts := loadPackets(t, path)
		for _, keyed := range []bool{false, true} {
			opt := func(max int) Options {
				o := Options{MaxExchanges: max}
				if keyed {
					if d := corpusKeys(t, dir); d != nil {
						o.Decryptor = d // a fresh one per run: decryptors keep state
					}
				}
				return o
			}
			full := analyze(pkts, opt(0))
			for max := 1; max <= 5; max++ {
				r := analyze(pkts, opt(max))
				if len(r.SAs) != len(full.SAs) {
					t.Fatalf("%s keys=%v max %d: %d SAs, want %d", name, keyed, max, len(r.SAs), len(full.SAs))
				}
				for i, sa := range r.SAs {
					f := full.SAs[i]
					want := min(len(f.Exchanges), max)
					if len(sa.Exchanges) != want || sa.ExchangesOmitted != len(f.Exchanges)-want {
						t.Errorf("%s keys=%v max %d: SA %s keeps %d exchanges, omits %d; want %d and %d", name, keyed, max,
							sa.Name(), len(sa.Exchanges), sa.ExchangesOmitted, want, len(f.Exchanges)-want)
						continue
					}
					for j, ex := range sa.Exchanges {
						got, _ := ex.AppendJSON(nil)
						exp, _ := f.Exchanges[j].AppendJSON(nil)
						if !bytes.Equal(got, exp) {
							t.Errorf("%s keys=%v max %d: SA %s exchange %d:\n got %s\nwant %s", name, keyed, max, sa.Name(), j, got, exp)
						}
						checked++
					}
				}
			}
		}
	}
	if checked < 500 {
		t.Errorf("only %d exchanges compared", checked)
	}
}
