package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
)

const dissectHelp = `
Decode every IKE message (IKEv1 and IKEv2) in the captures, one record per
message, in capture order. Frame numbers are Wireshark's.

--format text prints a compact tree per message; --format json prints one
JSON object per line (documented in docs/json.md). Malformed or truncated
messages are decoded as far as possible and carry an "errors" list naming
the field and the offset; decoding goes on with the next packet. Problems
below IKE (a truncated IP header, a lost fragment, a damaged record of the
capture file) are reported on stderr: the first 5 of each kind, then one
line counting the rest. A damaged capture is read past the damage.

Examples:
  ikeflow dissect capture.pcap
  ikeflow dissect --format json capture.pcapng.gz | jq 'select(.exchange=="IKE_AUTH")'
  tcpdump -i eth0 -w - 'port 500 or port 4500 or esp or (ip[6:2] & 0x1fff != 0)' | ikeflow dissect -
`

func runDissect(e *env, args []string) error {
	fs := newFlags(e, "dissect", "[flags] FILE...", dissectHelp)
	format := fs.StringP("format", "f", "text", "output `format`: text or json")
	var in inputFlags
	in.register(fs)
	quiet := fs.BoolP("quiet", "q", false, "do not report packet-level problems on stderr")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usagef("--format must be text or json, not %q", *format)
	}
	if fs.NArg() == 0 {
		return usagef("no capture file given (use - for standard input)")
	}
	opt, err := in.options()
	if err != nil {
		return err
	}
	kr, err := loadKeys(e, in.keys)
	if err != nil {
		return err
	}
	if inputBytes(fs.Args()) >= dissectHugeMinInput {
		adviseHugePages(dissectHeapBytes)
	}
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	defer w.Flush()
	d := &dissector{format: *format, w: w, stderr: e.stderr, quiet: *quiet, keys: kr}
	d.warn = newWarner(e.stderr, "ikeflow dissect", *quiet)
	d.warn.before = func() { w.Flush() }
	defer d.warn.finish()
	names := newFrameRefs(fs.Args()) // several files: each record names its file
	for i, path := range fs.Args() {
		d.name = ""
		if names.multi() {
			d.name = names.names[i]
		}
		if err := d.file(e, path, opt); err != nil {
			return err
		}
	}
	return w.Flush()
}

// dissectHeapBytes is the heap block dissect asks huge pages for
// (hugepages_linux.go): its heap stays under 8 MB between collections
// (GOGC=100, about 1 MB live). On big10k the page faults went from 4,400
// to 1,900 and the wall time from 0.18 to 0.16 s, text and JSON alike
// (medians of 9 runs, twice, alternating).
const dissectHeapBytes = 12 << 20

// dissectHugeMinInput is the input size from which dissect asks for huge
// pages: below it the advice costs more than it saves (a 1 MB capture:
// 0.03 -> 0.04 s; 3.4 MB: 0.08 -> 0.07 s; medians of 9 runs).
const dissectHugeMinInput = 2 << 20

// dissector prints the IKE messages of captures.
type dissector struct {
	format string
	w      *bufio.Writer
	stderr io.Writer
	quiet  bool
	warn   *warner // packet-level warnings, bounded
	keys   *decrypt.Keyring
	msg    dissect.Message // reused
	trk    *decrypt.Tracker
	jbuf   []byte // reused JSON line
	ebuf   []byte // reused for the time, addresses and SPIs of a record
	rec    record // reused
	name   string // file name printed with each frame when several files are given
	// whole is the decryption Result (its Fragment.Whole the message) of
	// the IKEv1 message the fragment being recorded completed, shown as
	// one more record (reassembled); wres holds it.
	whole *decrypt.Result
	wres  decrypt.Result
}

func (d *dissector) file(e *env, path string, opt capture.Options) error {
	r, err := openCapture(e, path, opt)
	if err != nil {
		return err
	}
	defer r.Close()
	d.trk = decrypt.NewTracker(d.keys) // SAs do not span files
	for {
		ev, err := r.Next()
		if err == io.EOF {
			if st := r.Stats(); st.IKE == 0 && !d.quiet {
				fmt.Fprint(d.stderr, noIKEHint("dissect", path, st, opt))
			}
			if n, ifaces := r.Dropped(); n > 0 && !d.quiet {
				fmt.Fprintf(d.stderr, "ikeflow dissect: %s: the capture dropped %d packets while it was taken (interface %s, as the capture records): they are not in it, and which they were is not known\n",
					path, n, strings.Join(ifaces, ", "))
			}
			return nil
		}
		if err != nil {
			// What was printed stays; say where reading stopped and go on.
			d.warn.warn(path, fmt.Errorf("%w; the messages above were read before the error", err))
			return nil
		}
		switch ev.Kind {
		case capture.KindError:
			d.warn.warn(path, ev.Err)
			continue
		case capture.KindIKE:
		default:
			continue
		}
		rec := d.record(ev)
		for ; rec != nil; rec = d.reassembled(ev) {
			if err := d.write(rec); err != nil {
				return err
			}
		}
	}
}

// write prints one record.
func (d *dissector) write(rec *record) error {
	if d.format == "json" {
		var err error
		if d.jbuf, err = rec.appendJSON(d.jbuf[:0]); err != nil {
			return err
		}
	} else {
		d.jbuf = appendText(d.jbuf[:0], rec)
	}
	_, err := d.w.Write(d.jbuf)
	return err
}

// record decodes one IKE event into its output record. The record and
// its payload list are reused by the next call.
func (d *dissector) record(ev *capture.Event) *record {
	m := &d.msg
	decErr := m.DecodeFromBytes(ev.Data)
	// Without keys there is nothing to learn or open: every encrypted
	// part is "no key".
	// An IKEv1 fragment goes to the Tracker with or without keys: it
	// reassembles the message (and decrypts it when it can).
	dec := decrypt.Result{State: decrypt.StateNoKey}
	v1frag := decrypt.IsFragmentV1(m.Raw)
	if v1frag || d.keys.Len() > 0 && (decErr == nil || m.Ciphertext != nil || hasEncrypted(m)) {
		dec = d.trk.Message(m.Raw, m, ev.Src.Addr())
	}
	d.whole = nil
	if v1frag && dec.Fragment.Complete && dec.Fragment.Whole != nil {
		d.wres = dec
		d.whole = &d.wres
	}
	return d.build(ev, m, decErr, dec)
}

// build makes the record of message m (decoded with decErr) of event ev,
// with dec the decryption of its encrypted part.
func (d *dissector) build(ev *capture.Event, m *dissect.Message, decErr error, dec decrypt.Result) *record {
	h := &m.Header
	rec := &d.rec
	clear(rec.Payloads) // the previous message's bodies
	*rec = record{
		File:      d.name,
		Frame:     ev.Frame,
		Transport: ev.Transport.String(),
		Version:   int(h.MajorVersion),
		Exchange:  h.Exchange.String(),
		MessageID: h.MessageID,
		Flags:     flagNames(h),
		Response:  h.IsResponse(),
		Initiator: h.IsInitiator(),
		Length:    h.Length,
		Payloads:  rec.Payloads[:0],
		Errors:    rec.Errors[:0],
	}
	d.ebuf, rec.Time, rec.Src, rec.Dst, rec.SPIi, rec.SPIr = envelopeText(d.ebuf, ev, h)
	if ev.Truncated {
		rec.Errors = append(rec.Errors, "packet truncated by the capture's snap length")
	}
	if decErr != nil {
		rec.Errors = append(rec.Errors, decErr.Error())
	}
	version := h.MajorVersion
	rec.Payloads = appendDecoded(rec.Payloads, version, m.Payloads, &rec.Errors, "")
	for i := range rec.Payloads {
		if t := rec.Payloads[i].Type; t == dissect.PayloadSK || t == dissect.PayloadSKF {
			attachDecrypted(&rec.Payloads[i], version, dec, &rec.Errors)
		}
	}
	if m.Ciphertext != nil {
		pr := payloadRecord{
			Label:  "encrypted",
			Length: len(m.Ciphertext),
			Body:   &dissect.Opaque{Data: m.Ciphertext, Len: len(m.Ciphertext)},
		}
		attachDecrypted(&pr, version, dec, &rec.Errors)
		rec.Payloads = append(rec.Payloads, pr)
	}
	return rec
}

func hasEncrypted(m *dissect.Message) bool {
	for _, p := range m.Payloads {
		if p.Type == dissect.PayloadSK || p.Type == dissect.PayloadSKF {
			return true
		}
	}
	return false
}

// decodePayloads decodes the typed body of each payload, collecting errors
// (prefixed with where, for decrypted payloads).
func decodePayloads(version uint8, ps []dissect.Payload, errs *[]string, where string) []payloadRecord {
	return appendDecoded(make([]payloadRecord, 0, len(ps)), version, ps, errs, where)
}

// appendDecoded is decodePayloads appending to out.
func appendDecoded(out []payloadRecord, version uint8, ps []dissect.Payload, errs *[]string, where string) []payloadRecord {
	for _, p := range ps {
		pr := payloadRecord{Type: p.Type, Critical: p.Critical, Length: p.Length}
		body, err := dissect.DecodePayload(version, p)
		pr.Body = body
		if err != nil {
			*errs = append(*errs, where+err.Error())
		}
		out = append(out, pr)
	}
	return out
}

// attachDecrypted records the decryption outcome on an encrypted payload
// and, when it decrypted, its inner payloads.
func attachDecrypted(pr *payloadRecord, version uint8, dec decrypt.Result, errs *[]string) {
	pr.Decryption = dec.State.String()
	if dec.State != decrypt.StateDecrypted {
		if dec.Err != nil && dec.State != decrypt.StateNoKey {
			*errs = append(*errs, "decryption: "+dec.Err.Error())
		}
		return
	}
	if f := dec.Fragment; f.Total > 0 {
		pr.Fragment = fmt.Sprintf("%d/%d", f.Number, f.Total)
		if !f.Complete {
			return
		}
	}
	pr.Inner = decodePayloads(version, dec.Payloads, errs, "decrypted ")
	if dec.Walk != nil {
		*errs = append(*errs, "decrypted "+dec.Walk.Error())
	}
}

// ports formats a port list for messages: "500" or "500, 4501".
func ports(ps []uint16) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ", ")
}

// reassembled returns the record of the IKEv1 message the last fragment
// recorded completed (with its frame), or nil.
func (d *dissector) reassembled(ev *capture.Event) *record {
	dec := d.whole
	if dec == nil {
		return nil
	}
	d.whole = nil
	m := &d.msg
	decErr := m.DecodeFromBytes(dec.Fragment.Whole)
	n := dec.Fragment.Total
	dec.Fragment = decrypt.Fragment{} // the message is whole: no "fragment n/total" on it
	rec := d.build(ev, m, decErr, *dec)
	rec.Reassembled = int(n)
	return rec
}
