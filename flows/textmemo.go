package flows

import "encoding/hex"

// textMemo remembers the texts of byte strings that recur from SA to SA:
// the CAs peers request (IKEv1 distinguished names, IKEv2 key hashes) are
// the same for every SA with one gateway, and decoding a name parses ASN.1.
// It holds at most memoMax texts of keys up to memoKeyMax octets; others
// are decoded each time. Entries are never replaced. A text is the
// decoder's whichever memo gives it, or none: the goroutines that
// conclude SAs at Finish each have their own (concluder).
type textMemo struct {
	m map[string]string // kind octet + bytes → text
}

// Memo bounds and kinds. At most memoMax texts, each keyed by up to
// memoKeyMax+1 octets, its text at most twice that (hex) or dissect's
// 1024-octet bound on a name (plus "…"): under 400 KB in all. Measured:
// 177 KB for memoMax hex texts of memoKeyMax-octet keys, 215 KB for as
// many names that did not decode (hex as well).
const (
	memoMax    = 256
	memoKeyMax = 255

	memoHex = 'h' // hex.EncodeToString
	memoDN  = 'd' // dnOrHex
)

// text returns the text of b of the given kind, from the memo when it is
// there. A nil memo decodes every time.
func (t *textMemo) text(kind byte, b string) string {
	decode := func() string {
		if kind == memoDN {
			return dnOrHex(b)
		}
		return hex.EncodeToString([]byte(b))
	}
	if t == nil || len(b) > memoKeyMax {
		return decode()
	}
	var kb [memoKeyMax + 1]byte
	kb[0] = kind
	key := kb[:1+copy(kb[1:], b)]
	if s, ok := t.m[string(key)]; ok { // the conversion in a map index does not allocate
		return s
	}
	s := decode()
	if len(t.m) < memoMax {
		t.m[string(key)] = s
	}
	return s
}
