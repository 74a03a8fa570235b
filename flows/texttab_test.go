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

// TestTextRecent checks the cache in front of the table: whatever the
// order and however the summaries share slots, id returns the one textID
// of each text, the one the map holds.
func TestTextRecent(t *testing.T) {
	var texts []string
	for _, s := range []string{"SA KE NONCE", "encrypted", "N(NO-PROPOSAL-CHOSEN)", "FRAG", "FRAG{encrypted}", "D", "N", "SA", "AS", "KE NONCE NAT-D NAT-D", "KE NONCE CR NAT-D NAT-D"} {
		texts = append(texts, s, s+" VID", "VID "+s)
	}
	slots := map[int]int{}
	for _, s := range texts {
		slots[recentSlot([]byte(s))]++
	}
	if len(slots) == len(texts) {
		t.Fatal("no two texts share a slot: the test checks nothing of the collisions")
	}
	tab := newTextTab()
	ids := map[string]textID{}
	for round := range 3 {
		for i := range texts {
			s := texts[(i*7+round)%len(texts)]
			id := tab.id([]byte(s))
			if want, ok := ids[s]; ok && id != want {
				t.Fatalf("round %d: %q got id %d, first %d", round, s, id, want)
			}
			ids[s] = id
			if tab.texts[id] != s || tab.ids[s] != id {
				t.Fatalf("round %d: %q got id %d, which holds %q (map: %d)", round, s, id, tab.texts[id], tab.ids[s])
			}
		}
	}
	if len(tab.texts) != len(texts)+1 {
		t.Errorf("table holds %d texts, want %d and the empty one", len(tab.texts)-1, len(texts))
	}
}
