package flows

// textID is a message's payload summary (Message.Payloads) as an index
// into the analyzer's textTab: 2 octets in a cmsg, where a pointer to an
// interned string took 8 (part of the difference between the 24- and the
// 32-octet cmsg, and so between the 480- and the 512-octet saAlloc).
type textID uint16

const (
	textNone    textID = 0      // ""
	textSpilled textID = 0xFFFF // the text is kept by its holder: a message's in its exchange's exOdd (exactText), an SA's proposal in saMore.proposal
	// maxTexts bounds the table: a capture with more distinct summaries
	// (a hostile one can make as many as it has messages) keeps the rest
	// with their messages, as textSpilled.
	maxTexts = int(textSpilled)
)

// textTab interns the payload summaries of the messages and the SAs'
// proposals: one string per distinct text, shared by every message or SA
// that has it, up to maxTexts (one bound for both).
type textTab struct {
	ids   map[string]textID
	texts []string // by textID; texts[0] is ""
	limit int      // maxTexts (lower in tests, to spill)
	// spill is the summary of the last textSpilled that id (or
	// Analyzer.copyText) returned, for Analyzer.appendMsg to keep with
	// its message.
	spill string
	// recent is a direct-mapped cache in front of ids, indexed by
	// recentSlot: a capture has few distinct summaries (45 on big10k, in
	// 110,000 messages), and comparing one held text costs a fraction of
	// hashing the summary for the map (the map lookup was 2.8% of
	// analyze's CPU on big10k, on the analyzing goroutine). With it,
	// big10k took 135.8 -> 130.1 ms (table, CPU 225.4 -> 217.0 ms, 30
	// runs alternating, medians) and 162.3 -> 155.2 ms (JSON, 25 runs).
	recent [recentSlots]textID
}

// recentSlots is the size of textTab.recent (a power of two).
const recentSlots = 64

// recentSlot returns the slot of textTab.recent for the summary b (not
// empty): from its length and three of its octets, which tell apart the
// usual summaries ("SA KE NONCE …", "encrypted", "N(…)").
func recentSlot(b []byte) int {
	n := len(b)
	return (n*5 + int(b[0]) + int(b[n-1])*3 + int(b[n/2])*7) & (recentSlots - 1)
}

// newTextTab returns an empty table.
func newTextTab() textTab {
	return textTab{ids: make(map[string]textID), texts: []string{""}, limit: maxTexts}
}

// id returns the textID of the summary b, adding it to the table when it
// is new and the table has room; textSpilled (with b in t.spill) when not.
func (t *textTab) id(b []byte) textID {
	if len(b) == 0 {
		return textNone
	}
	slot := recentSlot(b)
	if id := t.recent[slot]; id != textNone && t.texts[id] == string(b) { // no allocation in the comparison
		return id
	}
	if id, ok := t.ids[string(b)]; ok { // the conversion in a map index does not allocate
		t.recent[slot] = id
		return id
	}
	s := string(b)
	id := t.add(s)
	if id != textSpilled {
		t.recent[slot] = id
	}
	if id == textSpilled {
		t.spill = s
	}
	return id
}

// idString returns the textID of s, adding it to the table when it is new
// and the table has room; textSpilled when not (leaving spill alone: it
// may hold the summary of the message being analysed).
func (t *textTab) idString(s string) textID {
	if s == "" {
		return textNone
	}
	if id, ok := t.ids[s]; ok {
		return id
	}
	return t.add(s)
}

// add adds s, which the table does not hold, and returns its textID;
// textSpilled when the table is full.
func (t *textTab) add(s string) textID {
	if len(t.texts) < t.limit {
		id := textID(len(t.texts))
		t.texts = append(t.texts, s)
		t.ids[s] = id
		return id
	}
	return textSpilled
}
