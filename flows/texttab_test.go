package flows

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
)

// noTexts is an empty table of summaries for tests that render exchanges
// whose messages have none.
var noTexts = newTextTab()

// TestTextSpill checks the messages whose payload summary the table of
// summaries has no room for (a capture with more distinct summaries than
// maxTexts; here the table is cut to a few): analysing every corpus
// capture, keyless and with its keys, gives the same report as with a
// table that holds all of them, and the summaries are spilled (and, in
// the captures with retransmits, copied to a retransmit from a spilled
// first transmission) for the check to mean something.
func TestTextSpill(t *testing.T) {
	spilled, copied := 0, 0
	for _, path := range corpusCaptures(t) {
		pk := loadPackets(t, path)
		for _, dec := range []Decryptor{nil, corpusKeys(t, filepath.Dir(path))} {
			run := func(limit int) []byte {
				a := NewAnalyzer(Options{Decryptor: dec})
				if limit > 0 {
					a.texts.limit = limit
				}
				for i := range pk {
					a.Add(&pk[i])
				}
				r := a.Finish()
				b, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				if limit > 0 {
					for _, sa := range r.SAs {
						for _, ex := range sa.Exchanges {
							for _, m := range ex.Messages {
								if m.Payloads != "" && !slices.Contains(a.texts.texts, m.Payloads) {
									spilled++
									if m.Retransmit {
										copied++
									}
								}
							}
						}
					}
				}
				return b
			}
			want := run(0)
			for _, limit := range []int{1, 2, 4} {
				if got := run(limit); !bytes.Equal(got, want) {
					t.Errorf("%s (keys %v), table of %d: report differs", filepath.Base(filepath.Dir(path)), dec != nil, limit)
				}
			}
		}
	}
	if spilled == 0 || copied == 0 {
		t.Errorf("%d summaries spilled, %d of them copied to retransmits", spilled, copied)
	}
}
