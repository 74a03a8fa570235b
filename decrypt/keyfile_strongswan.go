package decrypt

import (
	"regexp"
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
	reSSHead = regexp.MustCompile(`(Sk_(?:d|ai|ar|ei|er|pi|pr) secret|encryption key Ka) => (\d+) bytes @ (?:0x)?[0-9a-fA-F]+`)
	reSSRow  = regexp.MustCompile(`(?:^|\s)(\d+): ((?:[0-9A-F]{2} ){0,15}[0-9A-F]{2})(?:\s|$)`)
	reSSTag  = regexp.MustCompile(`<(?:[^|<>\s]*\|)?(\d+)>`)
	reSSThr  = regexp.MustCompile(`\b(\d+)\[[A-Z]{2,4}\]`)
	reSSProp = regexp.MustCompile(`selected proposal: IKE:(\S+)`)
	reSSSPIs = regexp.MustCompile(`\b([0-9a-f]{16})_i\*?\s+([0-9a-f]{16})_r\*?`)
	reSSVer  = regexp.MustCompile(`\bIKEv([12])\b`)
)

// ssGroup is the key material of one derivation in the log.
type ssGroup struct {
	tag     string
	thread  string
	idx     int // index into lines of the first dump
	line    int // line of the first dump
	suite   Suite
	version uint8
	secrets map[string][]byte
}

type ssSPIs struct {
	tag     string
	thread  string
	idx     int // index into lines
	version uint8
	i, r    [8]byte
}

func (p *parser) strongswan(lines []line) ([]Key, error) {
	var groups []*ssGroup
	var spis []ssSPIs
	last := map[string]*ssGroup{}  // current group per tag
	proposal := map[string]Suite{} // last selected IKE proposal per tag
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		tag, thread := "", ""
		if m := reSSTag.FindStringSubmatch(l.text); m != nil {
			tag = m[1]
		}
		if m := reSSThr.FindStringSubmatch(l.text); m != nil {
			thread = m[1]
		}
		if m := reSSProp.FindStringSubmatch(l.text); m != nil {
			proposal[tag] = strongswanProposal(m[1])
			continue
		}
		if m := reSSSPIs.FindStringSubmatch(l.text); m != nil {
			s := ssSPIs{tag: tag, thread: thread, idx: i}
			s.i, _ = parseSPI(m[1])
			s.r, _ = parseSPI(m[2])
			if v := reSSVer.FindStringSubmatch(l.text); v != nil {
				s.version = v[1][0] - '0'
			}
			spis = append(spis, s)
			continue
		}
		m := reSSHead.FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		name := strings.Fields(m[1])[0] // Sk_ei, encryption
		if name == "encryption" {
			name = "Ka"
		}
		want, err := strconv.Atoi(m[2])
		if err != nil || want > 1024 {
			return nil, p.errf(l.n, "bad dump length "+strconv.Quote(m[2]))
		}
		// Read the dump rows that follow.
		data := make([]byte, 0, want)
		for len(data) < want {
			if i+1 >= len(lines) {
				return nil, p.errf(l.n, name+": dump ends after "+strconv.Itoa(len(data))+" of "+strconv.Itoa(want)+" octets")
			}
			row := reSSRow.FindStringSubmatch(lines[i+1].text)
			if row == nil {
				return nil, p.errf(lines[i+1].n, name+": expected hex dump row at offset "+strconv.Itoa(len(data))+" of "+strconv.Itoa(want))
			}
			off, _ := strconv.Atoi(row[1])
			if off != len(data) {
				return nil, p.errf(lines[i+1].n, name+": dump row offset "+row[1]+", want "+strconv.Itoa(len(data)))
			}
			b, _ := parseHex(strings.ReplaceAll(row[2], " ", ""))
			data = append(data, b...)
			i++
		}
		if len(data) != want {
			return nil, p.errf(l.n, name+": dump has "+strconv.Itoa(len(data))+" octets, header says "+strconv.Itoa(want))
		}
		g := last[tag]
		startNew := g == nil || name == "Sk_d" || name == "Ka" || g.secrets[name] != nil ||
			(g.version == 1) != (name == "Ka")
		if startNew {
			g = &ssGroup{tag: tag, thread: thread, idx: i, line: l.n, suite: proposal[tag], version: 2, secrets: map[string][]byte{}}
			if name == "Ka" {
				g.version = 1
			}
			groups = append(groups, g)
			last[tag] = g
		}
		g.secrets[name] = data
	}
	var keys []Key
	for _, g := range groups {
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
			k.EncrI, k.EncrR = NewSecret(g.secrets["Sk_ei"]), NewSecret(g.secrets["Sk_er"])
			k.IntegI, k.IntegR = NewSecret(g.secrets["Sk_ai"]), NewSecret(g.secrets["Sk_ar"])
		}
		if s, ok := threadSPIs(spis, g); ok {
			k.SPIi, k.SPIr = s.i, s.r
		} else if s, ok := nearestSPIs(lines, spis, g); ok {
			k.SPIi, k.SPIr = s.i, s.r
		}
		if err := k.checkLengths(); err != nil {
			// The proposal line may belong to another SA: keep the keys,
			// let the capture name the algorithms.
			k.Suite = Suite{}
			if err := k.checkLengths(); err != nil {
				return nil, p.errf(g.line, err.Error())
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// threadSPIs picks the first line after the key dump, written by the same
// charon thread within the next lines, that names both SPIs: the thread
// that derived the keys checks the IKE SA in right after, and for a rekeyed
// SA that line names the new SA even though the dump carries the old SA's
// log prefix.
func threadSPIs(spis []ssSPIs, g *ssGroup) (ssSPIs, bool) {
	if g.thread == "" {
		return ssSPIs{}, false
	}
	for _, s := range spis {
		if s.idx <= g.idx || s.thread != g.thread || s.r == [8]byte{} || (s.version != 0 && s.version != g.version) {
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
