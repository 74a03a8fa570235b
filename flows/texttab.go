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
	if id, ok := t.ids[string(b)]; ok { // the conversion in a map index does not allocate
		return id
	}
	s := string(b)
	id := t.add(s)
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
