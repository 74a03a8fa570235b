package decrypt

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// KeyFormat names a key file format understood by [ParseKeyFile].
type KeyFormat uint8

// Key file formats.
const (
	FormatUnknown     KeyFormat = iota
	FormatNative                // ikeflow's one line per SA (docs/keys.md)
	FormatWiresharkV2           // Wireshark ikev2_decryption_table UAT
	FormatWiresharkV1           // Wireshark ikev1_decryption_table UAT
	FormatStrongSwan            // charon log with ike level 4
	FormatLibreswan             // libreswan plutodebug / tcpdump -E "ikev2 I 0x… 0x…" lines
	FormatFortiGate             // FortiGate "diagnose vpn ike gateway list"
)

var formatNames = [...]string{"unknown", "ikeflow", "wireshark-ikev2", "wireshark-ikev1", "strongswan-log", "libreswan", "fortigate"}

// String returns the format's short name, e.g. "wireshark-ikev2".
func (f KeyFormat) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "unknown"
}

// MaxKeyFileSize bounds how much of a key file is read (charon logs can be
// large, but not this large).
const MaxKeyFileSize = 256 << 20

// KeyFileError reports why a key file could not be parsed, with the file
// name and 1-based line number (0 when the problem is the whole file).
type KeyFileError struct {
	File   string
	Line   int
	Reason string
}

// Error formats the error as "file:line: reason".
func (e *KeyFileError) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Reason
	}
	return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Reason
}

// line is one input line with its 1-based number.
type line struct {
	n    int
	text string
}

// ParseKeyFile reads key material from r, detecting the format (see
// [KeyFormat] and docs/keys.md). name is used in errors and in each
// Key.Source. Anything that cannot be parsed is an error of type
// *[KeyFileError] naming file, line and reason; no partial result is
// returned then.
func ParseKeyFile(name string, r io.Reader) ([]Key, error) {
	keys, _, err := ParseKeyFileFormat(name, r)
	return keys, err
}

// ParseKeyFileFormat is [ParseKeyFile] that also reports the detected
// format.
func ParseKeyFileFormat(name string, r io.Reader) ([]Key, KeyFormat, error) {
	lines, err := readLines(name, r)
	if err != nil {
		return nil, FormatUnknown, err
	}
	f := detectFormat(lines)
	p := &parser{file: name}
	var keys []Key
	switch f {
	case FormatNative:
		keys, err = p.native(lines)
	case FormatWiresharkV2:
		keys, err = p.wiresharkV2(lines)
	case FormatWiresharkV1:
		keys, err = p.wiresharkV1(lines)
	case FormatStrongSwan:
		keys, err = p.strongswan(lines)
	case FormatLibreswan:
		keys, err = p.libreswan(lines)
	case FormatFortiGate:
		keys, err = p.fortigate(lines)
	default:
		n := 0
		if fl := firstContent(lines); fl != nil {
			n = fl.n
		}
		return nil, f, &KeyFileError{name, n, "not a known key file format (expected Wireshark ikev1/ikev2_decryption_table, strongSwan charon log, libreswan/tcpdump secrets, FortiGate gateway list or ikeflow key lines)"}
	}
	if err != nil {
		return nil, f, err
	}
	// A strongSwan log of an SA that failed before keys were derived (or
	// logged below ike level 4) is a valid input that holds no keys; the
	// caller decides whether to warn. In every other format an empty
	// result means the file is not what it seems.
	if len(keys) == 0 && f != FormatStrongSwan {
		return nil, f, &KeyFileError{name, 0, "no keys found (" + f.String() + " format)"}
	}
	return keys, f, nil
}

func readLines(name string, r io.Reader) ([]line, error) {
	sc := bufio.NewScanner(io.LimitReader(r, MaxKeyFileSize))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	var out []line
	n := 0
	for sc.Scan() {
		n++
		out = append(out, line{n, strings.TrimRight(sc.Text(), "\r")})
	}
	if err := sc.Err(); err != nil {
		return nil, &KeyFileError{name, n + 1, "read: " + err.Error()}
	}
	return out, nil
}

// firstContent returns the first line that is neither blank nor a comment.
func firstContent(lines []line) *line {
	for i := range lines {
		t := strings.TrimSpace(lines[i].text)
		if t != "" && !strings.HasPrefix(t, "#") {
			return &lines[i]
		}
	}
	return nil
}

var (
	reSSDump    = regexp.MustCompile(`(?:Sk_[a-z]+ secret|encryption key Ka|SKEYID_e|SKEYID_a|SKEYID_d) => \d+ bytes @`)
	reLibreswan = regexp.MustCompile(`^\s*ikev2\s+[IR]\s+0x[0-9a-fA-F]{16}\s+0x[0-9a-fA-F]{16}\s`)
	reNative    = regexp.MustCompile(`^\s*ikev[12]\s+[a-z_]+=`)
	reForti     = regexp.MustCompile(`^\s*(?:id/spi:|SK_e[ir]:)`)
)

// reCharonLine matches the thread/subsystem tag of a charon log line, e.g. "05[IKE]".
var reCharonLine = regexp.MustCompile(`\b\d{2}\[(DMN|MGR|IKE|CHD|JOB|CFG|KNL|NET|ASN|ENC|TNC|IMC|IMV|PTS|TLS|APP|ESP|LIB)\] `)

func detectFormat(lines []line) KeyFormat {
	fl := firstContent(lines)
	if fl == nil {
		return FormatUnknown
	}
	if reNative.MatchString(fl.text) {
		return FormatNative
	}
	if reLibreswan.MatchString(fl.text) {
		return FormatLibreswan
	}
	for _, l := range lines {
		switch {
		case reSSDump.MatchString(l.text):
			return FormatStrongSwan
		case reForti.MatchString(l.text):
			return FormatFortiGate
		}
	}
	// A charon log without key dumps (the SA failed before keys existed,
	// or ike log level below 4) is still a strongSwan log: it holds no keys.
	for _, l := range lines {
		if reCharonLine.MatchString(l.text) {
			return FormatStrongSwan
		}
	}
	if strings.Contains(fl.text, ",") {
		f := splitCSV(fl.text)
		_, spiOK := parseSPI(f[0])
		switch n := len(f); {
		case n == 8 || spiOK && n > 2:
			return FormatWiresharkV2
		case n == 2:
			return FormatWiresharkV1
		}
	}
	for _, l := range lines {
		if reLibreswan.MatchString(l.text) {
			return FormatLibreswan
		}
	}
	return FormatUnknown
}

// parser carries the file name for errors and sources.
type parser struct {
	file string
}

func (p *parser) errf(n int, reason string) error { return &KeyFileError{p.file, n, reason} }

func (p *parser) source(n int) string { return p.file + ":" + strconv.Itoa(n) }

// parseHex decodes hex with optional 0x prefix and optional ':', '-' or
// ' ' separators between octets.
func parseHex(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if strings.ContainsAny(s, ":- ") {
		s = strings.NewReplacer(":", "", "-", "", " ", "").Replace(s)
	}
	if len(s)%2 != 0 {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, false
	}
	return b, true
}

// parseSPI decodes exactly 8 octets of hex.
func parseSPI(s string) ([8]byte, bool) {
	var spi [8]byte
	b, ok := parseHex(s)
	if !ok || len(b) != 8 {
		return spi, false
	}
	copy(spi[:], b)
	return spi, true
}

// splitCSV splits a Wireshark UAT line: comma-separated fields, each either
// bare or double-quoted with \xNN and \" escapes.
func splitCSV(s string) []string {
	var out []string
	var cur bytes.Buffer
	inQ := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ && c == '\\' && i+1 < len(s):
			if s[i+1] == 'x' && i+3 < len(s) {
				if b, err := hex.DecodeString(s[i+2 : i+4]); err == nil {
					cur.WriteByte(b[0])
					i += 3
					continue
				}
			}
			cur.WriteByte(s[i+1])
			i++
		case c == '"':
			inQ = !inQ
		case c == ',' && !inQ:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}
