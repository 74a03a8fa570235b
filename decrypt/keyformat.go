package decrypt

import (
	"strings"
)

// formatSpec is one key file format: how it is recognised, how it is
// parsed, and how docs and --help describe it. keyFormats is the one table
// detection, error messages, `ikeflow keys --help` and docs/keys.md come
// from.
type formatSpec struct {
	format KeyFormat
	name   string // short name, KeyFormat.String
	title  string // what users call it
	detect string // one line: how it is recognised
	noKeys string // appended to "no keys found (<name> format" when a file of this format has none
	log    bool   // a daemon log: holding no keys is not an error (KeyFile.NoKeys)
	sniff  func(head []line, first *line) bool
	parse  func(p *parser, lines []line) []Key
}

// keyFormats lists the formats in detection order: the first whose sniff
// accepts the head of the file (its first 4096 lines) parses it. Log
// formats come before the table formats because log lines may contain
// commas.
var keyFormats = []formatSpec{
	{
		format: FormatNative, name: "ikeflow", title: "ikeflow native key lines",
		detect: "first line (after comments) starts `ikev1 ` or `ikev2 ` followed by `name=value`",
		sniff:  func(_ []line, first *line) bool { return first != nil && reNative().MatchString(first.text) },
		parse:  (*parser).native,
	},
	{
		format: FormatStrongSwan, name: "strongswan-log", title: "strongSwan charon log", log: true,
		noKeys: "; either no IKE SA got as far as deriving keys, or the log level is below ike = 4, where charon prints them",
		detect: "`Sk_ei secret => N bytes @ …` / `encryption key Ka => …` dumps, or charon's `NN[IKE]` line tags",
		sniff: func(head []line, _ *line) bool {
			return anyLine(head, func(s string) bool { return reSSDump().MatchString(s) || reCharonLine().MatchString(s) })
		},
		parse: (*parser).strongswan,
	},
	{
		format: FormatFortiGate, name: "fortigate", title: "FortiGate `diagnose vpn ike gateway list`",
		detect: "`id/spi:` and `SK_ei:` lines",
		sniff:  func(head []line, _ *line) bool { return anyLine(head, reForti().MatchString) },
		parse:  (*parser).fortigate,
	},
	{
		format: FormatLibreswan, name: "libreswan", title: "libreswan / Openswan pluto log (tcpdump -E secrets)", log: true,
		detect: "`ikev2 I|R 0x<SPIi> 0x<SPIr> integ:0x… encr:0x…` lines with any prefix, or lines only pluto writes (`Nov 30 01:31:06.123456: | …`, `pluto[N]:`, `Starting Pluto`)",
		noKeys: "; pluto prints IKEv2 IKE SA keys (\"ikev2 I\" / \"ikev2 R\" lines) only when plutodebug includes private, and only for an IKE SA that IKE_AUTH established (none for one whose authentication failed); it prints no IKEv1 keys: take those from the peer",
		sniff: func(head []line, _ *line) bool {
			return anyLine(head, func(s string) bool { return reLibreswanCand().MatchString(s) || rePlutoLog().MatchString(s) })
		},
		parse: (*parser).libreswan,
	},
	{
		format: FormatOpenIKED, name: "openiked", title: "OpenIKED `iked -dvvv` output", log: true,
		detect: "iked's debug lines (`ikev2_sa_keys: SK_ei with 16 bytes`, `ikev2_pld_…:`, `proposals_negotiate:`)",
		noKeys: "; iked prints IKE SA keys (ikev2_sa_keys: SK_… with N bytes) once an SA derives them, and only with -dvvv",
		sniff:  func(head []line, _ *line) bool { return anyLine(head, reIkedSniff().MatchString) },
		parse:  (*parser).openiked,
	},
	{
		format: FormatWiresharkV2, name: "wireshark-ikev2", title: "Wireshark `ikev2_decryption_table`",
		detect: "comma-separated lines, most of them with 8 fields (or an SPI and more fields)",
		sniff:  func(head []line, first *line) bool { return csvKind(head, first) == 8 },
		parse:  (*parser).wiresharkV2,
	},
	{
		format: FormatWiresharkV1, name: "wireshark-ikev1", title: "Wireshark `ikev1_decryption_table`",
		detect: "comma-separated lines, most of them with 2 fields",
		sniff:  func(head []line, first *line) bool { return csvKind(head, first) == 2 },
		parse:  (*parser).wiresharkV1,
	},
}

var (
	reSSDump = lazyRegexp(`(?:Sk_[a-z]+ secret|encryption key Ka|SKEYID_e|SKEYID_a|SKEYID_d) => \d+ bytes @`)
	reNative = lazyRegexp(`^\s*ikev[12]\s+[a-z_]+=`)
	reForti  = lazyRegexp(`^\s*(?:id/spi:|SK_e[ir]:)`)
	// rePlutoLog matches lines only pluto writes: debug lines after its
	// logtime stamp ("Nov 30 01:31:06.123456: | "), syslog lines tagged
	// "pluto[pid]:", its start-up banner. (Bare "| " lines are not enough:
	// Markdown tables start that way.)
	rePlutoLog = lazyRegexp(`^[A-Z][a-z]{2} [ 0-3]\d \d\d:\d\d:\d\d\.\d{6}: \| |\bpluto\[\d+\]: |Starting Pluto \((?:Libreswan|Openswan)`)
)

// reCharonLine matches the thread/subsystem tag of a charon log line, e.g. "05[IKE]".
var reCharonLine = lazyRegexp(`\b\d{2}\[(DMN|MGR|IKE|CHD|JOB|CFG|KNL|NET|ASN|ENC|TNC|IMC|IMV|PTS|TLS|APP|ESP|LIB)\] `)

// csvKind tells a Wireshark table by the field count most of its head's
// content lines have: 8 (ikev2), 2 (ikev1) or 0 (neither). Damaged lines
// do not hide a table; as 2 fields are common in prose, an ikev1 table
// needs them on at least half its lines.
func csvKind(head []line, first *line) int {
	if first == nil {
		return 0
	}
	c, n8, n2 := 0, 0, 0
	for _, l := range head {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		c++
		switch f := splitCSV(t); len(f) {
		case 8:
			n8++
		case 2:
			n2++
		}
	}
	switch {
	case n8 > 0 && n8 >= n2:
		return 8
	case n2 > n8 && 2*n2 >= c:
		return 2
	}
	// A damaged table: an SPI then more fields is meant for ikev2.
	if f := splitCSV(first.text); len(f) > 2 {
		if _, ok := parseSPI(f[0]); ok {
			return 8
		}
	}
	return 0
}

func anyLine(lines []line, f func(string) bool) bool {
	for _, l := range lines {
		if f(l.text) {
			return true
		}
	}
	return false
}

// detectFormat picks the format of a file from its head.
func detectFormat(head []line) *formatSpec {
	first := firstContent(head)
	if first == nil {
		return nil
	}
	for i := range keyFormats {
		if keyFormats[i].sniff(head, first) {
			return &keyFormats[i]
		}
	}
	return nil
}

func formatSpecOf(f KeyFormat) *formatSpec {
	for i := range keyFormats {
		if keyFormats[i].format == f {
			return &keyFormats[i]
		}
	}
	return nil
}

// formatList names every format for the "not a known key file format" error.
func formatList() string {
	names := make([]string, len(keyFormats))
	for i, s := range keyFormats {
		names[i] = strings.ReplaceAll(s.title, "`", "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// KeyFormatInfo describes one key file format for help texts and docs.
type KeyFormatInfo struct {
	Format KeyFormat
	Name   string // short name, as [KeyFormat.String]
	Title  string // what users call it (Markdown: may contain `code`)
	Detect string // how it is recognised (Markdown)
}

// KeyFormats returns the key file formats in the order detection tries
// them.
func KeyFormats() []KeyFormatInfo {
	out := make([]KeyFormatInfo, len(keyFormats))
	for i, s := range keyFormats {
		out[i] = KeyFormatInfo{Format: s.format, Name: s.name, Title: s.title, Detect: s.detect}
	}
	return out
}
