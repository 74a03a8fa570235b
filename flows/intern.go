package flows

// internTab shares strings that recur from SA to SA between the open SAs
// that hold them: a concentrator's peers ask for the same few CAs on
// thousands of SAs (certificate requests: IKEv2 CA key hashes, IKEv1 CA
// names), and the same failure gives the same finding text on every SA
// that meets it. A copy for each was most of what an SA with a lone
// CERTREQ kept of it (a 24-octet slice header, a 24-octet copy of each
// 20-octet hash; big100k: 22,730 such SAs), and a finding's text (250-390
// octets) most of what an open SA with one finding kept of it (big100k:
// 9,091 SAs, 4 distinct texts).
//
// A capture is attacker data, so the table is bounded: at most
// internMax strings of at most internKeyMax octets; longer ones are not
// shared, and when the table is full it starts again empty (the strings
// handed out stay valid, being immutable; only later SAs stop sharing
// them). It belongs to one Analyzer's goroutine.
type internTab struct {
	m map[string]string
	// refs holds the CA key hash lists that firstReq points at (8
	// octets in saRare instead of a 16-octet string), under the same
	// bounds.
	refs map[string]*caKeys
}

// Bounds of an internTab: under 1 MB of text (the CERTREQ contents kept
// per peer are at most maxPeerCertReqs hashes of 20 octets, a CA name at
// most 1024 octets; most finding texts are shorter than 1024).
const (
	internMax    = 1024
	internKeyMax = 1024
)

// text returns b as a string, the one already in the table when there is
// one.
func (t *internTab) text(b []byte) string {
	if len(b) > internKeyMax {
		return string(b)
	}
	if s, ok := t.m[string(b)]; ok { // the conversion in a map index does not allocate
		return s
	}
	return t.str(string(b))
}

// keys returns b, CA key hashes, as a shared caKeys: the one already in
// the table when there is one.
func (t *internTab) keys(b []byte) *caKeys {
	if k, ok := t.refs[string(b)]; ok {
		return k
	}
	k := new(caKeys)
	*k = caKeys(t.text(b))
	if len(b) > internKeyMax {
		return k
	}
	if t.refs == nil {
		t.refs = make(map[string]*caKeys)
	}
	if len(t.refs) >= internMax {
		clear(t.refs)
	}
	t.refs[string(*k)] = k
	return k
}

// str returns s, or the equal string already in the table.
func (t *internTab) str(s string) string {
	if len(s) > internKeyMax {
		return s
	}
	if x, ok := t.m[s]; ok {
		return x
	}
	if t.m == nil {
		t.m = make(map[string]string)
	}
	if len(t.m) >= internMax {
		clear(t.m)
	}
	t.m[s] = s
	return s
}

// caKeys holds IKEv2 CERTREQ CA key hashes (SHA-1 of a CA's public key,
// [RFC 7296] §3.7) back to back, 20 octets each: one string (shared
// through an internTab) instead of a slice of copies.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.7
type caKeys string

// caKeyLen is the length of a CA key hash.
const caKeyLen = 20

// n returns the number of hashes in k.
func (k caKeys) n() int { return len(k) / caKeyLen }

// at returns the i-th hash of k.
func (k caKeys) at(i int) string { return string(k[i*caKeyLen : (i+1)*caKeyLen]) }

// has reports whether k holds the hash h.
func (k caKeys) has(h string) bool {
	for i := range k.n() {
		if k.at(i) == h {
			return true
		}
	}
	return false
}

// hexIs reports whether s is hex.EncodeToString(b) (lower-case hex),
// without building the latter.
func hexIs(s, b string) bool {
	const digits = "0123456789abcdef"
	if len(s) != 2*len(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if s[2*i] != digits[b[i]>>4] || s[2*i+1] != digits[b[i]&15] {
			return false
		}
	}
	return true
}

// shareFindings replaces the texts of st's findings from the from-th on
// (those a message added) with the equal ones other SAs hold, if any
// (internTab): v1 and v2 call it when done with a message.
func (a *Analyzer) shareFindings(st *saState, from int) {
	fs := st.findings()
	for i := from; i < len(fs); i++ {
		fs[i].Message = a.shared.str(fs[i].Message)
	}
}
