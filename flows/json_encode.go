package flows

import (
	"errors"
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// The JSON of the report types is written here by hand, append-style into
// the caller's buffer: no reflection, no intermediate values. The bytes
// are those of encoding/json (Encoder.SetEscapeHTML(false), without the
// trailing newline), field for field; TestAppendJSONMatchesEncodingJSON
// compares the two on every SA of the corpus, on damaged captures and on
// values with every field set, so a field added to a type without being
// added here fails that test.

// errJSONFloat is returned for a NaN or infinite float.
var errJSONFloat = errors.New("flows: unsupported float value")

// AppendJSON appends the SA as a JSON object to b, exactly as
// encoding/json marshals it without HTML escaping.
func (s *SA) AppendJSON(b []byte) ([]byte, error) { return s.appendJSON(b, nil) }

// FindingSpan is where one finding's object lies in an encoded SA: the
// bytes [Start, End) of the buffer AppendJSONSpans returned.
type FindingSpan struct{ Start, End int }

// AppendJSONSpans is AppendJSON that also appends to spans where each of
// the SA's findings was written (one span per s.Findings element, in
// order): a caller that writes the findings again elsewhere can copy
// those bytes (AppendJSONTagged) instead of encoding them a second time.
func (s *SA) AppendJSONSpans(b []byte, spans []FindingSpan) ([]byte, []FindingSpan, error) {
	b, err := s.appendJSON(b, &spans)
	return b, spans, err
}

// appendJSON is AppendJSON, appending to *spans where each finding lies
// when spans is not nil.
func (s *SA) appendJSON(b []byte, spans *[]FindingSpan) ([]byte, error) {
	if s == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, `{"version":`...)
	b = strconv.AppendInt(b, int64(s.Version), 10)
	b = append(b, `,"initiator":`...)
	b = appendAddrPort(b, s.Initiator)
	b = append(b, `,"responder":`...)
	b = appendAddrPort(b, s.Responder)
	b = append(b, `,"spi_i":"`...)
	b = appendHex(b, s.SPIi[:])
	b = append(b, `","spi_r":"`...)
	b = appendHex(b, s.SPIr[:])
	b = append(b, `","state":`...)
	b = appendJSONString(b, s.State.String())
	if s.Mode != "" {
		b = append(b, `,"mode":`...)
		b = appendJSONString(b, s.Mode)
	}
	b = append(b, `,"proposal":`...)
	b = appendJSONString(b, s.Proposal)
	if len(s.Offered) > 0 {
		b = append(b, `,"offered":`...)
		b = appendStrings(b, s.Offered)
	}
	if b, err = appendTimeField(b, `,"start":`, s.Start); err != nil {
		return nil, err
	}
	if b, err = appendTimeField(b, `,"end":`, s.End); err != nil {
		return nil, err
	}
	if b, err = appendTimeField(b, `,"established":`, s.Established); err != nil {
		return nil, err
	}
	b = append(b, `,"first_frame":`...)
	b = strconv.AppendInt(b, int64(s.FirstFrame), 10)
	b = append(b, `,"last_frame":`...)
	b = strconv.AppendInt(b, int64(s.LastFrame), 10)
	b = append(b, `,"encrypted":`...)
	b = strconv.AppendBool(b, s.Encrypted)
	if s.Keys != nil {
		b = append(b, `,"keys":{"initiator":`...)
		b = appendJSONString(b, s.Keys.Initiator.String())
		b = append(b, `,"responder":`...)
		b = appendJSONString(b, s.Keys.Responder.String())
		b = append(b, '}')
	}
	if s.NAT != "" {
		b = append(b, `,"nat":`...)
		b = appendJSONString(b, s.NAT)
	}
	if s.Transport != "" {
		b = append(b, `,"transport":`...)
		b = appendJSONString(b, s.Transport)
	}
	if s.RekeyedFrom != "" {
		b = append(b, `,"rekeyed_from":`...)
		b = appendJSONString(b, s.RekeyedFrom)
	}
	if s.RekeyedTo != "" {
		b = append(b, `,"rekeyed_to":`...)
		b = appendJSONString(b, s.RekeyedTo)
	}
	b = append(b, `,"exchanges":`...)
	if s.Exchanges == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, ex := range s.Exchanges {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = ex.AppendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if s.ExchangesOmitted != 0 {
		b = append(b, `,"exchanges_omitted":`...)
		b = strconv.AppendInt(b, int64(s.ExchangesOmitted), 10)
	}
	b = append(b, `,"child_sas":`...)
	if s.ChildSAs == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, c := range s.ChildSAs {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = c.AppendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if s.UnreadQuickModes != 0 {
		b = append(b, `,"unread_quick_modes":`...)
		b = strconv.AppendInt(b, int64(s.UnreadQuickModes), 10)
	}
	b = append(b, `,"findings":`...)
	if b, err = appendFindings(b, s.Findings, spans); err != nil {
		return nil, err
	}
	if len(s.Peers) > 0 {
		b = append(b, `,"peers":[`...)
		for i := range s.Peers {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = s.Peers[i].AppendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// AppendJSON appends the exchange as a JSON object to b, as encoding/json
// marshals it without HTML escaping.
func (e *Exchange) AppendJSON(b []byte) ([]byte, error) {
	if e == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, `{"type":`...)
	b = append(b, exchangeTypeJSON[e.Type]...)
	b = append(b, `,"mid":`...)
	b = strconv.AppendUint(b, uint64(e.MID), 10)
	b = appendFrom(b, e.From)
	if b, err = appendTimeField(b, `,"start":`, e.Start); err != nil {
		return nil, err
	}
	b = append(b, `,"answered":`...)
	b = strconv.AppendBool(b, e.Answered)
	b = append(b, `,"rtt_ms":`...)
	if b, err = appendFloat(b, e.RTT); err != nil {
		return nil, err
	}
	b = append(b, `,"retransmits":`...)
	b = strconv.AppendInt(b, int64(e.Retransmits), 10)
	if e.Error != "" {
		b = append(b, `,"error":`...)
		b = appendJSONString(b, e.Error)
	}
	b = append(b, `,"messages":`...)
	if e.Messages == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, m := range e.Messages {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = m.AppendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if e.MessagesOmitted != 0 {
		b = append(b, `,"messages_omitted":`...)
		b = strconv.AppendInt(b, int64(e.MessagesOmitted), 10)
	}
	return append(b, '}'), nil
}

// AppendJSON appends the message as a JSON object to b, as encoding/json
// marshals it without HTML escaping.
func (m *Message) AppendJSON(b []byte) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, `{"frame":`...)
	b = strconv.AppendInt(b, int64(m.Frame), 10)
	if b, err = appendTimeField(b, `,"time":`, m.Time); err != nil {
		return nil, err
	}
	b = appendFrom(b, m.From)
	b = append(b, `,"response":`...)
	b = strconv.AppendBool(b, m.Response)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(m.Size), 10)
	b = appendPayloadsMember(b, m.Payloads)
	if m.Fragment != "" {
		b = append(b, `,"fragment":`...)
		b = appendJSONString(b, m.Fragment)
	}
	if m.Retransmit {
		b = append(b, `,"retransmit":true`...)
	}
	if m.Label != "" {
		b = append(b, `,"label":`...)
		b = appendJSONString(b, m.Label)
	}
	return append(b, '}'), nil
}

// AppendJSON appends the child SA as a JSON object to b, as encoding/json
// marshals it without HTML escaping.
func (c *ChildSA) AppendJSON(b []byte) ([]byte, error) {
	if c == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = append(b, `{"protocol":`...)
	b = appendJSONString(b, c.Protocol)
	b = append(b, `,"spi_i":"`...)
	b = appendESPSPI(b, c.SPIi)
	b = append(b, `","spi_r":"`...)
	b = appendESPSPI(b, c.SPIr)
	b = append(b, `","proposal":`...)
	b = appendJSONString(b, c.Proposal)
	b = append(b, `,"ts_i":`...)
	b = appendStrings(b, c.TSi)
	b = append(b, `,"ts_r":`...)
	b = appendStrings(b, c.TSr)
	if len(c.TSiOffered) > 0 {
		b = append(b, `,"ts_i_offered":`...)
		b = appendStrings(b, c.TSiOffered)
	}
	if len(c.TSrOffered) > 0 {
		b = append(b, `,"ts_r_offered":`...)
		b = appendStrings(b, c.TSrOffered)
	}
	b = append(b, `,"state":`...)
	b = appendJSONString(b, string(c.State))
	if c.RekeyOf != 0 {
		b = append(b, `,"rekey_of":"`...)
		b = appendESPSPI(b, c.RekeyOf)
		b = append(b, '"')
	}
	if b, err = appendTimeField(b, `,"created":`, c.Created); err != nil {
		return nil, err
	}
	b = append(b, `,"created_frame":`...)
	b = strconv.AppendInt(b, int64(c.CreatedFrame), 10)
	if c.DeletedFrame != 0 {
		b = append(b, `,"deleted_frame":`...)
		b = strconv.AppendInt(b, int64(c.DeletedFrame), 10)
	}
	b = append(b, `,"esp_packets":{"i_to_r":`...)
	b = strconv.AppendUint(b, c.ESPPackets.IToR, 10)
	b = append(b, `,"r_to_i":`...)
	b = strconv.AppendUint(b, c.ESPPackets.RToI, 10)
	b = append(b, '}')
	if c.Inferred {
		b = append(b, `,"inferred":true`...)
	}
	return append(b, '}'), nil
}

// AppendJSON appends the finding as a JSON object to b, as encoding/json
// marshals it without HTML escaping.
func (f *Finding) AppendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"kind":`...)
	b = appendJSONString(b, string(f.Kind))
	b = append(b, `,"severity":`...)
	b = appendJSONString(b, f.Severity.String())
	b = append(b, `,"frames":`...)
	if f.Frames == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, fr := range f.Frames {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(fr), 10)
		}
		b = append(b, ']')
	}
	if b, err = appendTimeField(b, `,"time":`, f.Time); err != nil {
		return nil, err
	}
	b = append(b, `,"message":`...)
	b = appendJSONString(b, f.Message)
	if f.SA != "" {
		b = append(b, `,"sa":`...)
		b = appendJSONString(b, f.SA)
	}
	return append(b, '}'), nil
}

// AppendJSONTagged appends the finding whose encoding without an SA is enc
// (what Finding.AppendJSON writes when f.SA is "", such as a span of
// AppendJSONSpans) as AppendJSON writes it with f.SA set to sa: "sa" is
// its last member, so the bytes are enc's with that member added before
// the closing brace.
func AppendJSONTagged(b, enc []byte, sa string) []byte {
	if len(enc) == 0 || enc[len(enc)-1] != '}' || sa == "" {
		return append(b, enc...)
	}
	b = append(b, enc[:len(enc)-1]...)
	b = append(b, `,"sa":`...)
	b = appendJSONString(b, sa)
	return append(b, '}')
}

// appendFindings appends fs as a JSON array ("null" when nil), and where
// each finding lies to *spans when spans is not nil.
func appendFindings(b []byte, fs []Finding, spans *[]FindingSpan) ([]byte, error) {
	if fs == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		start := len(b)
		var err error
		if b, err = fs[i].AppendJSON(b); err != nil {
			return nil, err
		}
		if spans != nil {
			*spans = append(*spans, FindingSpan{start, len(b)})
		}
	}
	return append(b, ']'), nil
}

// AppendJSON appends what the peer showed as a JSON object to b, as
// encoding/json marshals it without HTML escaping.
func (p *PeerAuth) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"role":`...)
	b = appendJSONString(b, p.Role)
	if p.ID != "" {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, p.ID)
	}
	if p.WantedPeerID != "" {
		b = append(b, `,"wanted_peer_id":`...)
		b = appendJSONString(b, p.WantedPeerID)
	}
	if p.Auth != "" {
		b = append(b, `,"auth":`...)
		b = appendJSONString(b, p.Auth)
	}
	if len(p.Certificates) > 0 {
		b = append(b, `,"certificates":[`...)
		for i := range p.Certificates {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = p.Certificates[i].AppendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if len(p.CertRequests) > 0 {
		b = append(b, `,"cert_requests":`...)
		b = appendStrings(b, p.CertRequests)
	}
	if len(p.HashAlgorithms) > 0 {
		b = append(b, `,"hash_algorithms":`...)
		b = appendStrings(b, p.HashAlgorithms)
	}
	return append(b, '}'), nil
}

// AppendJSON appends the certificate summary as a JSON object to b, as
// encoding/json marshals it without HTML escaping.
func (c *CertSummary) AppendJSON(b []byte) ([]byte, error) {
	var err error
	b = append(b, `{"frame":`...)
	b = strconv.AppendInt(b, int64(c.Frame), 10)
	b = append(b, `,"subject":`...)
	b = appendJSONString(b, c.Subject)
	b = append(b, `,"issuer":`...)
	b = appendJSONString(b, c.Issuer)
	if len(c.SANs) > 0 {
		b = append(b, `,"sans":`...)
		b = appendStrings(b, c.SANs)
	}
	b = append(b, `,"not_before":`...)
	if b, err = appendTime(b, c.NotBefore); err != nil {
		return nil, err
	}
	b = append(b, `,"not_after":`...)
	if b, err = appendTime(b, c.NotAfter); err != nil {
		return nil, err
	}
	b = append(b, `,"key":`...)
	b = appendJSONString(b, c.Key)
	b = append(b, `,"signature_algorithm":`...)
	b = appendJSONString(b, c.SignatureAlgorithm)
	b = append(b, `,"spki_sha1":`...)
	b = appendJSONString(b, c.SPKISHA1)
	if c.CA {
		b = append(b, `,"ca":true`...)
	}
	return append(b, '}'), nil
}

// AppendJSON appends the statistics as a JSON object to b, as
// encoding/json marshals them.
func (s *Stats) AppendJSON(b []byte) []byte {
	for _, f := range [...]struct {
		k string
		v int
	}{
		{`{"ike_packets":`, s.IKEPackets}, {`,"esp_packets":`, s.ESPPackets},
		{`,"malformed":`, s.Malformed}, {`,"ike_sas":`, s.IKESAs},
		{`,"unmatched_esp":`, s.UnmatchedESP}, {`,"decrypted":`, s.Decrypted},
		{`,"decrypt_failed":`, s.DecryptFailed}, {`,"filtered_out":`, s.FilteredOut},
		{`,"finalized_early":`, s.FinalizedEarly},
	} {
		b = append(b, f.k...)
		b = strconv.AppendInt(b, int64(f.v), 10)
	}
	return append(b, '}')
}

// exchangeTypeJSON holds the name of every exchange type as a JSON string
// (appendJSONString of its String), made once: an SA has several
// exchanges, and looking the name up in the registry's map took as long
// as writing the rest of the exchange's members.
var exchangeTypeJSON = func() (names [256]string) {
	for t := range names {
		names[t] = string(appendJSONString(nil, dissect.ExchangeType(t).String()))
	}
	return names
}()

// appendFrom appends the "from" member of an exchange or a message. Its
// value is nearly always "initiator" or "responder" (one per message of
// every SA), written as a constant without the escaping scan.
func appendFrom(b []byte, from string) []byte {
	switch from {
	case "initiator":
		return append(b, `,"from":"initiator"`...)
	case "responder":
		return append(b, `,"from":"responder"`...)
	}
	return appendJSONString(append(b, `,"from":`...), from)
}

// appendPayloadsMember appends the "payloads" member of a message. Half
// the messages of a capture are an IKEv2 "SK" or "SKF" message or an
// encrypted IKEv1 one ("encrypted"): those texts are written as constants,
// without the escaping scan, which costs more for a short text than
// copying it.
func appendPayloadsMember(b []byte, p string) []byte {
	switch p {
	case "SK":
		return append(b, `,"payloads":"SK"`...)
	case "SKF":
		return append(b, `,"payloads":"SKF"`...)
	case "encrypted":
		return append(b, `,"payloads":"encrypted"`...)
	}
	return appendJSONString(append(b, `,"payloads":`...), p)
}

// appendStrings appends ss as a JSON array of strings ("null" when nil).
func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendAddrPort appends p as a JSON string the way its MarshalText does
// ("" for the zero value).
func appendAddrPort(b []byte, p netip.AddrPort) []byte {
	var tmp [64]byte
	t, _ := p.AppendText(tmp[:0])
	return appendJSONString(b, string(t))
}

const hexDigits = "0123456789abcdef"

// appendHex appends the lower-case hex digits of v.
func appendHex(b []byte, v []byte) []byte {
	for _, c := range v {
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

// appendESPSPI appends the SPI's 8 hex digits.
func appendESPSPI(b []byte, s ESPSPI) []byte {
	for sh := 28; sh >= 0; sh -= 4 {
		b = append(b, hexDigits[(s>>sh)&0xf])
	}
	return b
}

// appendTimeField appends the member name and t, or nothing when t is
// the zero time (the fields tagged omitzero).
func appendTimeField(b []byte, name string, t time.Time) ([]byte, error) {
	if t.IsZero() {
		return b, nil
	}
	return appendTime(append(b, name...), t)
}

// appendTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, quoted), or null for a time it refuses (a year outside 0 to
// 9999): see dissect.AppendJSONTime.
func appendTime(b []byte, t time.Time) ([]byte, error) { return dissect.AppendJSONTime(b, t) }

// appendFloat appends f as encoding/json writes a float64: shortest
// representation, exponent form only below 1e-6 or from 1e21 on, with a
// two-digit exponent shortened ("1e-07" becomes "1e-7").
func appendFloat(b []byte, f float64) ([]byte, error) {
	if f >= 0 && f < 1<<31 && !math.Signbit(f) {
		// The round-trip times are durations in milliseconds, whole
		// microseconds or nanoseconds: f is then the double nearest to
		// k/1e6 for an integer k, and the shortest decimal that reads back
		// as f is k/1e6 itself, trailing zeros dropped. (Below 2^31 the
		// spacing of doubles is under 2.5e-7, so no other decimal of six
		// fraction digits or fewer, 1e-6 or more away, rounds to f.) That
		// is written directly: strconv's shortest formatting took a tenth
		// of an exchange's encoding. TestAppendFloatMatchesEncodingJSON
		// and FuzzAppendFloat compare the two.
		if k := uint64(f*1e6 + 0.5); float64(k)/1e6 == f {
			return appendMicros(b, k), nil
		}
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, errJSONFloat
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b) - start; n >= 4 && b[len(b)-4] == 'e' && b[len(b)-3] == '-' && b[len(b)-2] == '0' {
			b[len(b)-2] = b[len(b)-1]
			b = b[:len(b)-1]
		}
	}
	return b, nil
}

// appendMicros appends k/1e6 in decimal: the integer part, then when not
// zero the six fraction digits without their trailing zeros.
func appendMicros(b []byte, k uint64) []byte {
	b = strconv.AppendUint(b, k/1e6, 10)
	frac := k % 1e6
	if frac == 0 {
		return b
	}
	var d [7]byte
	d[0] = '.'
	for i := 6; i >= 1; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 7
	for d[n-1] == '0' {
		n--
	}
	return append(b, d[:n]...)
}

// appendJSONString appends s as a JSON string, escaped as encoding/json
// does with HTML escaping off (dissect.AppendJSONText).
func appendJSONString(b []byte, s string) []byte { return dissect.AppendJSONText(b, s) }
