package decrypt

import (
	"slices"
	"sort"
	"strconv"
	"strings"
)

// strongSwan's charon logs key material at level 4 of the ike subsystem as
// chunk dumps ("%B"):
//
//	08[IKE] <conn|1> Sk_ei secret => 32 bytes @ 0x7f2c8c003a50
//	08[IKE] <conn|1>    0: 6B 2C 5E 3F 10 ...  k,^?.
//	08[IKE] <conn|1>   16: ...
//
// (keymat_v2.c: Sk_d, Sk_ai, Sk_ar, Sk_ei, Sk_er, Sk_pi, Sk_pr; keymat_v1.c:
// "encryption key Ka"). The SPIs are not in those lines; they come from
// lines of the same IKE SA (the "<name|unique-id>" prefix that ike_name=yes
// adds) that print them as "<16 hex>_i <16 hex>_r", such as the manager's
// "checkout IKEv2 SA with SPIs …_i …_r" (mgr level 2) or swanctl --list-sas
// output pasted into the log.
var (
	reSSHead = lazyRegexp(`(Sk_(?:d|ai|ar|ei|er|pi|pr) secret|encryption key Ka) => (\d+) bytes @ (?:0x)?[0-9a-fA-F]+`)
	// reSSOther is any other chunk dump charon prints at the same level
	// (IKEv1's "SKEYID => 32 bytes @ …", SKEYID_d, SKEYID_a, SKEYID_e,
	// "initial IV => 16 bytes @ …", nonces, DH secrets): its rows are
	// not key material this parser reads, and are skipped without a
	// warning.
	reSSOther = lazyRegexp(` => (\d+) bytes @ (?:0x)?[0-9a-fA-F]+`)
	reSSRow   = lazyRegexp(`(?:^|\s)(\d+): ((?:[0-9A-F]{2} ){0,15}[0-9A-F]{2})(?:\s|$)`)
	reSSTag   = lazyRegexp(`<(?:[^|<>\s]*\|)?(\d+)>`)
	reSSThr   = lazyRegexp(`\b(\d+)\[[A-Z]{2,4}\]`)
	reSSProp  = lazyRegexp(`selected proposal: IKE:(\S+)`)
	reSSSPIs  = lazyRegexp(`\b([0-9a-f]{16})_i\*?\s+([0-9a-f]{16})_r\*?`)
	reSSVer   = lazyRegexp(`\bIKEv([12])\b`)
	// reSSName is the IKE SA a manager line with SPIs names ("checkin
	// IKEv2 SA c[3] with SPIs …"): its unique id, the number of the
	// "<name|id>" prefix of its own lines.
	reSSName = lazyRegexp(`\bSA \S*?\[(\d+)\] with SPIs`)
	// reSSCreated is the manager's "created IKE_SA (unnamed)[2]": the SA
	// of that unique id begins within the log.
	reSSCreated = lazyRegexp(`\bcreated IKE_SA \S*?\[(\d+)\]`)
)

// maxOtherDumps bounds the threads whose dumps of other chunks (reSSOther)
// are being skipped at once; charon runs 16 worker threads by default.
const maxOtherDumps = 64

// ssGroup is the key material of one derivation in the log.
type ssGroup struct {
	tag     string
	thread  string
	idx     int // index into lines of the first dump
	line    int // line of the first dump
	suite   Suite
	version uint8
	secrets map[string][]byte
	damaged []string // secrets whose dump was damaged (warned about)
}

type ssSPIs struct {
	tag     string
	sa      string // the unique id of the IKE SA the line names (reSSName), "" when none
	thread  string
	idx     int // index into lines
	version uint8
	i, r    [8]byte
}

// ssDump is a key dump being read: its header was seen, its rows are
// still coming (possibly interleaved with other threads' lines).
type ssDump struct {
	name   string // Sk_ei, …, Ka
	want   int
	data   []byte
	head   line
	idx    int // index into lines of the header
	tag    string
	thread string
}

func (p *parser) strongswan(lines []line) []Key {
	var groups []*ssGroup
	var spis []ssSPIs
	created := map[string]int{}     // index of the line creating each SA id (reSSCreated)
	last := map[string]*ssGroup{}   // current group per tag
	proposal := map[string]Suite{}  // last selected IKE proposal per tag
	pending := map[string]*ssDump{} // dumps being read, per thread
	// other holds, per thread, the octets still to come of a dump this
	// parser does not read (reSSOther), whose rows are skipped; at most
	// maxOtherDumps threads at once (a thread's entry goes with its next
	// line that is not a row).
	other := map[string]int{}
	var finish func(d *ssDump)
	drop := func(d *ssDump, n int, reason string) {
		what := ": key skipped"
		if d.name == "Sk_d" || d.name == "Sk_pi" || d.name == "Sk_pr" {
			what = " (not needed to decrypt)"
		}
		p.warn(n, d.name+" dump of line "+strconv.Itoa(d.head.n)+": "+reason+what)
		d.data = nil // the group remembers the secret as damaged
		finish(d)
	}
	finish = func(d *ssDump) {
		delete(pending, d.thread)
		g := last[d.tag]
		startNew := g == nil || d.name == "Sk_d" || d.name == "Ka" || g.secrets[d.name] != nil ||
			(g.version == 1) != (d.name == "Ka")
		if startNew {
			g = &ssGroup{tag: d.tag, thread: d.thread, idx: d.idx, line: d.head.n, suite: proposal[d.tag], version: 2, secrets: map[string][]byte{}}
			if d.name == "Ka" {
				g.version = 1
			}
			groups = append(groups, g)
			last[d.tag] = g
		}
		g.secrets[d.name] = d.data
		if d.data == nil {
			g.damaged = append(g.damaged, d.name)
		}
	}
	for i, l := range lines {
		tag, thread := "", ""
		if m := reSSTag().FindStringSubmatch(l.text); m != nil {
			tag = m[1]
		}
		if m := reSSThr().FindStringSubmatch(l.text); m != nil {
			thread = m[1]
		}
		if left, ok := other[thread]; ok {
			if reSSRow().MatchString(l.text) {
				if left -= 16; left > 0 {
					other[thread] = left
				} else {
					delete(other, thread)
				}
				continue
			}
			delete(other, thread)
		}
		if len(pending) == 0 {
			if row := reSSRow().FindStringSubmatch(l.text); row != nil && row[1] == "0" && thread != "" {
				p.warn(l.n, "hex dump row without a dump header before it (damaged header line?): ignored")
			}
		} else {
			d := pending[thread]
			if d == nil && thread == "" && len(pending) == 1 {
				for _, x := range pending {
					d = x
				}
			}
			if row := reSSRow().FindStringSubmatch(l.text); row != nil {
				if d == nil {
					// A row whose dump cannot be told: without a
					// thread tag while several dumps are open.
					for _, x := range sortedDumps(pending) {
						drop(x, l.n, "rows of several dumps interleave without thread tags")
					}
					continue
				}
				off, _ := strconv.Atoi(row[1])
				if off != len(d.data) {
					drop(d, l.n, "dump row offset "+row[1]+", want "+strconv.Itoa(len(d.data)))
					continue
				}
				b, _ := parseHex(strings.ReplaceAll(row[2], " ", ""))
				// charon prints 16 octets a row, fewer only in the last:
				// a shorter row is damaged (a bad digit ends the match).
				if want := min(16, d.want-len(d.data)); len(b) != want {
					drop(d, l.n, "dump row at offset "+row[1]+" has "+strconv.Itoa(len(b))+" readable octets, want "+strconv.Itoa(want))
					continue
				}
				d.data = append(d.data, b...)
				if len(d.data) == d.want {
					finish(d)
				}
				continue
			}
			if d != nil && !reSSHead().MatchString(l.text) {
				drop(d, l.n, "expected hex dump row at offset "+strconv.Itoa(len(d.data))+" of "+strconv.Itoa(d.want))
			}
		}
		if m := reSSProp().FindStringSubmatch(l.text); m != nil {
			proposal[tag] = strongswanProposal(m[1])
			continue
		}
		if m := reSSCreated().FindStringSubmatch(l.text); m != nil {
			if _, dup := created[m[1]]; !dup {
				created[m[1]] = i
			}
		}
		if m := reSSSPIs().FindStringSubmatch(l.text); m != nil {
			s := ssSPIs{tag: tag, thread: thread, idx: i}
			if n := reSSName().FindStringSubmatch(l.text); n != nil {
				s.sa = n[1]
			}
			s.i, _ = parseSPI(m[1])
			s.r, _ = parseSPI(m[2])
			if v := reSSVer().FindStringSubmatch(l.text); v != nil {
				s.version = v[1][0] - '0'
			}
			spis = append(spis, s)
			continue
		}
		m := reSSHead().FindStringSubmatch(l.text)
		if m == nil {
			if o := reSSOther().FindStringSubmatch(l.text); o != nil && len(other) < maxOtherDumps {
				if n, err := strconv.Atoi(o[1]); err == nil && n > 0 {
					other[thread] = n
				}
			}
			continue
		}
		name := strings.Fields(m[1])[0] // Sk_ei, encryption
		if name == "encryption" {
			name = "Ka"
		}
		want, err := strconv.Atoi(m[2])
		if err != nil || want == 0 || want > 1024 {
			p.warn(l.n, name+": bad dump length "+strconv.Quote(m[2])+": key skipped")
			continue
		}
		if d := pending[thread]; d != nil {
			drop(d, l.n, "cut by the next dump header after "+strconv.Itoa(len(d.data))+" of "+strconv.Itoa(d.want)+" octets")
		}
		pending[thread] = &ssDump{name: name, want: want, data: make([]byte, 0, want), head: l, idx: i, tag: tag, thread: thread}
	}
	for _, d := range sortedDumps(pending) {
		p.warn(d.head.n, d.name+": dump ends after "+strconv.Itoa(len(d.data))+" of "+strconv.Itoa(d.want)+" octets: key skipped")
	}
	var keys []Key
	// keyed holds the unique ids of the IKE SAs whose keys an earlier
	// derivation gave: a derivation logged in the context of such an SA
	// ("<conn|1>") is a rekey's, for the new SA, which the manager line
	// checking it in names (namedSPIs, threadSPIs). Every derivation takes
	// its SA's id, the damaged ones too (they are left out below), so
	// that a rekey's keys after a damaged dump still find their SA.
	keyed := map[string]bool{}
	// firstNamed is, per SA id, the index of the first line naming it with
	// both SPIs (namedSPIs: an SA up before a derivation is not new).
	firstNamed := map[string]int{}
	for _, sp := range spis {
		if _, seen := firstNamed[sp.sa]; !seen && sp.sa != "" && sp.r != [8]byte{} {
			firstNamed[sp.sa] = sp.idx
		}
	}
	owner := make([]ssSPIs, len(groups))
	found := make([]bool, len(groups))
	for gi, g := range groups {
		if s, ok := namedSPIs(spis, g, keyed, firstNamed, created); ok {
			owner[gi], found[gi] = s, true
			keyed[s.sa] = true
		} else if s, ok := threadSPIs(spis, g, keyed); ok {
			owner[gi], found[gi] = s, true
			if s.sa != "" {
				keyed[s.sa] = true
			}
		} else if s, ok := nearestSPIs(lines, spis, g); ok {
			owner[gi], found[gi] = s, true
		}
		if g.tag != "" {
			// The first derivation logged in an SA's context is its
			// own, whichever line gave its SPIs; a later one there is
			// a rekey's (namedSPIs passes it to threadSPIs).
			keyed[g.tag] = true
		}
	}
	for gi, g := range groups {
		if len(g.damaged) > 0 {
			if used := slices.DeleteFunc(slices.Clone(g.damaged), func(n string) bool { return n == "Sk_d" || n == "Sk_pi" || n == "Sk_pr" }); len(used) > 0 {
				continue // warned when the dump was dropped
			}
		}
		k := Key{Version: g.version, Source: p.source(g.line), Suite: g.suite}
		if g.version == 2 {
			k.Suite.Hash = HashUnknown
		} else {
			k.Suite.Integ = IntegNone
		}
		if g.version == 1 {
			k.EncrI = NewSecret(g.secrets["Ka"])
		} else {
			if g.secrets["Sk_ei"] == nil && g.secrets["Sk_er"] == nil {
				continue // only Sk_d / Sk_p* (e.g. a PPK re-derivation)
			}
			for _, pair := range [][2]string{{"Sk_ei", "Sk_er"}, {"Sk_er", "Sk_ei"}} {
				if g.secrets[pair[0]] == nil {
					p.warn(g.line, "no "+pair[0]+" dump for the key derived here (only "+pair[1]+"): that direction stays encrypted")
				}
			}
			k.EncrI, k.EncrR = NewSecret(g.secrets["Sk_ei"]), NewSecret(g.secrets["Sk_er"])
			k.IntegI, k.IntegR = NewSecret(g.secrets["Sk_ai"]), NewSecret(g.secrets["Sk_ar"])
		}
		if found[gi] {
			k.SPIi, k.SPIr = owner[gi].i, owner[gi].r
		}
		if err := k.checkLengths(); err != nil {
			// The proposal line may belong to another SA: keep the keys,
			// let the capture name the algorithms.
			k.Suite = Suite{}
			if err := k.checkLengths(); err != nil {
				p.warn(g.line, err.Error()+": key skipped")
				continue
			}
		}
		keys = append(keys, k)
	}
	return keys
}

// sortedDumps returns the open dumps in file order.
func sortedDumps(m map[string]*ssDump) []*ssDump {
	out := make([]*ssDump, 0, len(m))
	for _, d := range m {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].head.n < out[j].head.n })
	return out
}

// namedSPIs picks, for a derivation logged in the context of an IKE SA
// without keys yet (not keyed: its own keys, not a rekey's), the first
// line after the key dump, within the next lines, that names that IKE SA
// by its unique id with both SPIs. When the peer rekeyed the IKE SA,
// charon derives the new SA's keys in the new SA's context ("<conn|3>")
// while other threads check other SAs in; in a simultaneous rekey (RFC
// 7296 §2.8.2) the thread's next such line named the old SA.
//
// An SA already named with both SPIs before the dump (a log that starts
// after its own keys) is not new either: the derivation is a rekey's, whose
// SA threadSPIs finds. Unless the log shows the SA created before that
// (created, reSSCreated): a responder checks the SA in with both SPIs
// after IKE_SA_INIT and derives its keys when the IKE_AUTH request comes,
// in that SA's context, on a thread that may then check another SA out
// (ikev2-initial-contact: "checkout IKEv2 SA with SPIs" of the SA that
// INITIAL_CONTACT destroys, before the new SA's checkin), so the thread's
// next line with SPIs is not the SA's.
func namedSPIs(spis []ssSPIs, g *ssGroup, keyed map[string]bool, firstNamed, created map[string]int) (ssSPIs, bool) {
	if g.tag == "" || keyed[g.tag] {
		return ssSPIs{}, false
	}
	if at, ok := firstNamed[g.tag]; ok && at < g.idx {
		if c, ok := created[g.tag]; !ok || c > at {
			return ssSPIs{}, false // up before this derivation
		}
	}
	start, _ := slices.BinarySearchFunc(spis, g.idx+1, func(s ssSPIs, idx int) int { return s.idx - idx })
	for _, s := range spis[start:] {
		if s.idx <= g.idx || s.sa != g.tag || s.r == [8]byte{} || (s.version != 0 && s.version != g.version) {
			continue
		}
		if s.idx-g.idx > 400 {
			break
		}
		return s, true
	}
	return ssSPIs{}, false
}

// threadSPIs picks the first line after the key dump, written by the same
// charon thread within the next lines, that names both SPIs: the thread
// that derived the keys checks the IKE SA in right after, and for a rekeyed
// SA that line names the new SA even though the dump carries the old SA's
// log prefix (so a line naming an SA that has its keys already, such as
// the old one, is passed over).
func threadSPIs(spis []ssSPIs, g *ssGroup, keyed map[string]bool) (ssSPIs, bool) {
	if g.thread == "" {
		return ssSPIs{}, false
	}
	for _, s := range spis {
		if s.idx <= g.idx || s.thread != g.thread || s.r == [8]byte{} || (s.version != 0 && s.version != g.version) ||
			(s.sa != "" && keyed[s.sa]) {
			continue
		}
		if s.idx-g.idx > 200 {
			break
		}
		return s, true
	}
	return ssSPIs{}, false
}

// strongswanProposal parses the IKE part of a "selected proposal:" line,
// e.g. "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" or
// "AES_GCM_16_256/PRF_HMAC_SHA2_384/CURVE_25519". Unknown names leave the
// fields zero (taken from the capture).
func strongswanProposal(p string) Suite {
	var s Suite
	for i, tok := range strings.Split(p, "/") {
		switch {
		case i == 0:
			if a, bits, ok := looseEncr(tok, 0); ok {
				s.Encr, s.KeyBits = a, bits
			}
		case strings.HasPrefix(tok, "PRF_HMAC_"):
			s.Hash, _ = looseHash(strings.TrimPrefix(tok, "PRF_HMAC_"))
		case strings.HasPrefix(tok, "PRF_"):
		default:
			if a, ok := looseInteg(tok); ok && a != IntegNone {
				s.Integ = a
			}
		}
	}
	return s
}

// nearestSPIs picks the SPI line that belongs to g's IKE SA: the same
// "<name|id>" tag, a non-zero responder SPI, the matching IKE version when
// the line names one, nearest to the key dump (ties go to the later line,
// which is written once the responder SPI is known).
func nearestSPIs(lines []line, spis []ssSPIs, g *ssGroup) (ssSPIs, bool) {
	gi := 0
	for i, l := range lines {
		if l.n == g.line {
			gi = i
			break
		}
	}
	best, bestD := -1, 0
	for i, s := range spis {
		if s.r == [8]byte{} || (s.version != 0 && s.version != g.version) {
			continue
		}
		if g.tag == "" || s.tag != g.tag {
			if g.tag != "" || s.tag != "" {
				continue
			}
		}
		d := s.idx - gi
		if d < 0 {
			d = -d + 1 // prefer later lines on ties
		}
		if best < 0 || d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		return ssSPIs{}, false
	}
	return spis[best], true
}
