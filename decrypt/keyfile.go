package decrypt

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// KeyFormat names a key file format understood by [ReadKeyFile].
type KeyFormat uint8

// Key file formats, in the order detection tries them (see [KeyFormats]).
const (
	FormatUnknown     KeyFormat = iota
	FormatNative                // ikeflow's one line per SA (docs/keys.md)
	FormatWiresharkV2           // Wireshark ikev2_decryption_table UAT
	FormatWiresharkV1           // Wireshark ikev1_decryption_table UAT
	FormatStrongSwan            // charon log with ike level 4
	FormatLibreswan             // libreswan / Openswan pluto log or tcpdump -E "ikev2 I 0x… 0x…" lines
	FormatFortiGate             // FortiGate "diagnose vpn ike gateway list"
	FormatOpenIKED              // OpenIKED "iked -dvvv" output
)

// String returns the format's short name, e.g. "wireshark-ikev2".
func (f KeyFormat) String() string {
	if s := formatSpecOf(f); s != nil {
		return s.name
	}
	return "unknown"
}

// MaxKeyFileSize bounds how much of a key file is read (charon logs can be
// large, but not this large).
const MaxKeyFileSize = 256 << 20

// Limits on reading a key file.
const (
	// MaxKeyLine is the longest line read; longer lines are skipped with a
	// warning (no key format has lines near this long).
	MaxKeyLine = 64 << 10
	// sniffLines and sniffBytes bound the head of the file that decides
	// its format: a file that is not recognised there is rejected without
	// reading the rest.
	sniffLines = 4096
	sniffBytes = 1 << 20
	// MaxKeyWarnings bounds the warnings kept per file; the rest are counted.
	MaxKeyWarnings = 100
)

// KeyFileError reports a problem in a key file, with the file name and
// 1-based line number (0 when the problem is the whole file). As a warning
// (in [KeyFile.Warnings]) it names a line that was skipped; as an error it
// means the file gave no usable key.
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

// KeyFile is what [ReadKeyFile] found in one key file.
type KeyFile struct {
	Name   string    // the name given to ReadKeyFile
	Format KeyFormat // the detected format
	Keys   []Key     // usable keys, in file order
	// Warnings names the lines (or blocks) that were skipped and why, in
	// file order, at most MaxKeyWarnings of them; MoreWarnings counts the
	// rest.
	Warnings     []*KeyFileError
	MoreWarnings int
	// NoKeys, set when a daemon log (strongSwan, libreswan, OpenIKED)
	// holds no keys, says why that may be, e.g. "no keys found
	// (strongswan-log format; …)".
	NoKeys string
}

// ReadKeyFile reads key material from r, detecting the format from its
// first lines (see [KeyFormats] and docs/keys.md). name is used in
// warnings, errors and each Key.Source.
//
// A line that cannot be used becomes a warning naming the line and the
// reason; the other lines still load. The error (a *[KeyFileError]) is
// reserved for a file that gives no usable key: an unknown format, or
// every key line bad. A daemon log (strongSwan, libreswan, OpenIKED)
// without keys and without bad lines is not an error (the SA may have
// failed before keys existed, or the log level was too low): it returns no
// keys and says why in KeyFile.NoKeys.
func ReadKeyFile(name string, r io.Reader) (*KeyFile, error) {
	kf := &KeyFile{Name: name}
	lr := newLineReader(r)
	p := &parser{file: name, kf: kf}
	head, herr := lr.read(sniffLines, sniffBytes, p)
	if herr != nil {
		return kf, p.errf(lr.n+1, "read: "+readReason(herr))
	}
	spec := detectFormat(head)
	if spec == nil {
		n := 0
		if fl := firstContent(head); fl != nil {
			n = fl.n
		}
		return kf, p.errf(n, "not a known key file format (expected "+formatList()+")")
	}
	kf.Format = spec.format
	rest, rerr := lr.read(-1, MaxKeyFileSize-lr.size, p)
	if rerr != nil {
		p.warn(lr.n+1, "read: "+readReason(rerr)+": the rest of the file is not read")
	} else if lr.more() {
		p.warn(lr.n+1, "file larger than "+strconv.Itoa(MaxKeyFileSize>>20)+" MiB: the rest is not read")
	}
	lines := append(head, rest...)
	kf.Keys = spec.parse(p, lines)
	if len(kf.Keys) > 0 {
		return kf, nil
	}
	noKeys := "no keys found (" + spec.name + " format" + spec.noKeys + ")"
	if len(kf.Warnings) == 0 {
		if spec.log {
			kf.NoKeys = noKeys
			return kf, nil
		}
		return kf, p.errf(0, noKeys)
	}
	first := *kf.Warnings[0]
	first.Reason = strings.TrimSuffix(first.Reason, skipLine)
	if n := len(kf.Warnings) - 1 + kf.MoreWarnings; n > 0 {
		first.Reason += " (and " + strconv.Itoa(n) + " more bad line(s); no usable key in the file)"
	}
	return kf, &first
}

// readReason is a read error without the path an *fs.PathError repeats
// (the KeyFileError names the file already).
func readReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// ParseKeyFile is [ReadKeyFile] for callers that only want the keys: the
// warnings about skipped lines are dropped.
func ParseKeyFile(name string, r io.Reader) ([]Key, error) {
	keys, _, err := ParseKeyFileFormat(name, r)
	return keys, err
}

// ParseKeyFileFormat is [ParseKeyFile] that also reports the detected
// format.
func ParseKeyFileFormat(name string, r io.Reader) ([]Key, KeyFormat, error) {
	kf, err := ReadKeyFile(name, r)
	if err != nil {
		return nil, kf.Format, err
	}
	return kf.Keys, kf.Format, nil
}

// line is one input line with its 1-based number.
type line struct {
	n    int
	text string
}

// lineReader splits a key file into lines: CRLF and a leading UTF-8 BOM are
// removed, lines longer than MaxKeyLine are skipped with a warning.
type lineReader struct {
	br   *bufio.Reader
	n    int   // lines read so far
	size int   // octets read so far
	eof  bool  // input exhausted
	err  error // read error other than EOF
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// read returns up to maxLines lines (no limit when negative), stopping
// once maxBytes octets have been read.
func (lr *lineReader) read(maxLines, maxBytes int, p *parser) ([]line, error) {
	var out []line
	start := lr.size
	for !lr.eof && lr.err == nil && (maxLines < 0 || len(out) < maxLines) && lr.size-start < maxBytes {
		text, long := lr.next()
		if lr.eof && text == "" && !long {
			break
		}
		lr.n++
		if long {
			p.warn(lr.n, "line longer than "+strconv.Itoa(MaxKeyLine>>10)+" KiB: skipped")
			continue
		}
		if lr.n == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		out = append(out, line{lr.n, strings.TrimRight(text, "\r")})
	}
	return out, lr.err
}

// more reports whether input is left after the size limit stopped reading.
func (lr *lineReader) more() bool {
	if lr.eof || lr.err != nil {
		return false
	}
	_, err := lr.br.Peek(1)
	return err == nil
}

// next reads one line; long reports a line over MaxKeyLine (its text is
// dropped).
func (lr *lineReader) next() (text string, long bool) {
	var buf []byte
	for {
		chunk, isPrefix, err := lr.br.ReadLine()
		lr.size += len(chunk)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				lr.err = err
			}
			lr.eof = true
			return string(buf), long
		}
		if !long {
			if len(buf)+len(chunk) > MaxKeyLine {
				long, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		if !isPrefix {
			lr.size++ // the newline
			return string(buf), long
		}
	}
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

// parser carries the file name for warnings and sources, and collects the
// warnings.
type parser struct {
	file string
	kf   *KeyFile
}

func (p *parser) errf(n int, reason string) *KeyFileError { return &KeyFileError{p.file, n, reason} }

// warn records that line n (0: the whole file) was skipped for reason.
func (p *parser) warn(n int, reason string) {
	if len(p.kf.Warnings) >= MaxKeyWarnings {
		p.kf.MoreWarnings++
		return
	}
	p.kf.Warnings = append(p.kf.Warnings, p.errf(n, reason))
}

// skipLine ends the reason of a warning about a line that was not used.
const skipLine = ": line skipped"

// skip records that line n was not used for reason.
func (p *parser) skip(n int, reason string) { p.warn(n, reason+skipLine) }

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
