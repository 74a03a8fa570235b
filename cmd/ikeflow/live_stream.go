package main

import (
	"bufio"
	"fmt"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/flows"
)

// liveEvent is one line of the live stream (docs/live.md): a field set per
// event kind, empty fields left out of the JSON.
type liveEvent struct {
	Time      time.Time `json:"time"`
	Event     string    `json:"event"`
	SA        string    `json:"sa,omitempty"`
	Version   int       `json:"version,omitempty"`
	Initiator string    `json:"initiator,omitempty"`
	Responder string    `json:"responder,omitempty"`
	Exchange  string    `json:"exchange,omitempty"`
	MID       *uint32   `json:"mid,omitempty"`
	From      string    `json:"from,omitempty"`
	Frame     int       `json:"frame,omitempty"`
	RTT       *float64  `json:"rtt_ms,omitempty"`
	Error     string    `json:"error,omitempty"`
	Proposal  string    `json:"proposal,omitempty"`
	// child_sa
	Protocol string   `json:"protocol,omitempty"`
	ChildSPI string   `json:"child_spis,omitempty"`
	TSi      []string `json:"ts_i,omitempty"`
	TSr      []string `json:"ts_r,omitempty"`
	// finding
	Kind     string `json:"kind,omitempty"`
	Severity string `json:"severity,omitempty"`
	Frames   []int  `json:"frames,omitempty"`
	Message  string `json:"message,omitempty"`
	// sa_end, failed
	State     string `json:"state,omitempty"`
	Exchanges *int   `json:"exchanges,omitempty"`
	ChildSAs  *int   `json:"child_sas,omitempty"`
	Findings  *int   `json:"findings,omitempty"`
	// capture_end
	Interface string   `json:"interface,omitempty"`
	Received  *uint64  `json:"received,omitempty"`
	Dropped   *uint64  `json:"dropped,omitempty"`
	IKESAs    *int     `json:"ike_sas,omitempty"`
	Seconds   *float64 `json:"seconds,omitempty"`
}

// saTrack is what the stream has already said about one open IKE SA.
type saTrack struct {
	announced   int               // exchanges announced
	pending     []*flows.Exchange // announced and not yet answered (bounded)
	errors      int               // exchanges whose error notify was announced
	established bool
	children    int
}

// maxPending bounds the unanswered exchanges watched per SA.
const maxPending = 32

// liveStream turns what the analyzer learns into one line per event, as
// text or NDJSON. It keeps state only for open SAs.
type liveStream struct {
	write  func(liveEvent) error // the format's event writer; nil: none
	spis   map[string]bool
	tracks map[*flows.SA]*saTrack
	err    error
}

func newLiveStream(w *bufio.Writer, f *outputFormat, spis []string) *liveStream {
	s := &liveStream{tracks: map[*flows.SA]*saTrack{}}
	if f.event != nil {
		s.write = f.event(w)
	}
	if len(spis) > 0 {
		s.spis = map[string]bool{}
		for _, x := range spis {
			s.spis[strings.TrimPrefix(strings.ToLower(x), "0x")] = true
		}
	}
	return s
}

// afterIKE is called after the analyzer took an IKE message (data from its
// header): it reports what changed in the message's SA.
func (s *liveStream) afterIKE(an *flows.Analyzer, data []byte) {
	if s.write == nil || len(data) < dissect.HeaderLen {
		return
	}
	var spii, spir dissect.SPI
	copy(spii[:], data[0:8])
	copy(spir[:], data[8:16])
	sa := an.Lookup(data[17]>>4, spii, spir)
	if sa == nil {
		return
	}
	s.update(sa)
}

// closed is called for every finalised SA (flows.Options.OnSA): remaining
// changes, the findings, then the end of the SA.
func (s *liveStream) closed(sa *flows.SA) {
	if s.write == nil {
		return
	}
	s.update(sa)
	delete(s.tracks, sa)
	if !s.matches(sa) {
		return
	}
	name := sa.Name()
	for _, f := range sa.Findings {
		s.emit(liveEvent{Time: f.Time, Event: "finding", SA: name, Version: sa.Version, Kind: string(f.Kind),
			Severity: f.Severity.String(), Frames: f.Frames, Message: f.Message})
	}
	ev := s.base(sa, sa.End, "sa_end")
	if sa.State == flows.StateFailed {
		ev.Event = "failed"
	}
	nx, nc, nf := len(sa.Exchanges)+sa.ExchangesOmitted, len(sa.ChildSAs), len(sa.Findings)
	ev.State, ev.Exchanges, ev.ChildSAs, ev.Findings, ev.Frame = sa.State.String(), &nx, &nc, &nf, sa.LastFrame
	ev.Proposal = sa.Proposal
	s.emit(ev)
}

// global reports the capture-wide findings known at the end.
func (s *liveStream) global(fs []flows.Finding) {
	if s.write == nil {
		return
	}
	for _, f := range fs {
		s.emit(liveEvent{Time: f.Time, Event: "finding", SA: f.SA, Kind: string(f.Kind), Severity: f.Severity.String(),
			Frames: f.Frames, Message: f.Message})
	}
}

// matches applies --spi to the stream (the analyzer applies it to the
// report only when the SA is finalised).
func (s *liveStream) matches(sa *flows.SA) bool {
	if s.spis == nil {
		return true
	}
	if s.spis[sa.SPIi.String()] || s.spis[sa.SPIr.String()] {
		return true
	}
	for _, c := range sa.ChildSAs {
		if s.spis[c.SPIi.String()] || s.spis[c.SPIr.String()] {
			return true
		}
	}
	return false
}

// update reports the exchanges, answers, error notifies, establishment and
// child SAs of sa not reported yet.
func (s *liveStream) update(sa *flows.SA) {
	t := s.tracks[sa]
	if t == nil {
		t = &saTrack{}
		s.tracks[sa] = t
	}
	show := s.matches(sa)
	// Answers to exchanges announced earlier.
	keep := t.pending[:0]
	for _, ex := range t.pending {
		if ex.Answered {
			if show {
				s.answered(sa, ex)
			}
		} else {
			keep = append(keep, ex)
		}
	}
	clear(t.pending[len(keep):])
	t.pending = keep
	for ; t.announced < len(sa.Exchanges); t.announced++ {
		ex := sa.Exchanges[t.announced]
		if show {
			ev := s.exchangeEvent(sa, ex, "exchange", ex.Start)
			if len(ex.Messages) > 0 {
				ev.Frame = ex.Messages[0].Frame
			}
			s.emit(ev)
		}
		if ex.Answered {
			if show {
				s.answered(sa, ex)
			}
		} else if len(t.pending) < maxPending {
			t.pending = append(t.pending, ex)
		}
	}
	if !t.established && (!sa.Established.IsZero() || v1Phase1Done(sa)) {
		t.established = true
		if show {
			at := sa.Established
			if at.IsZero() {
				at = sa.End
			}
			ev := s.base(sa, at, "established")
			ev.Proposal = sa.Proposal
			s.emit(ev)
		}
	}
	for ; t.children < len(sa.ChildSAs); t.children++ {
		c := sa.ChildSAs[t.children]
		if show {
			ev := s.base(sa, c.Created, "child_sa")
			ev.Protocol, ev.ChildSPI, ev.Proposal, ev.TSi, ev.TSr, ev.State, ev.Frame =
				c.Protocol, c.SPIi.String()+"/"+c.SPIr.String(), c.Proposal, c.TSi, c.TSr, string(c.State), c.CreatedFrame
			s.emit(ev)
		}
	}
}

// v1Phase1Done tells whether an IKEv1 SA completed main or aggressive mode
// without an error.
func v1Phase1Done(sa *flows.SA) bool {
	if sa.Version != 1 {
		return false
	}
	for _, ex := range sa.Exchanges {
		if (ex.Type == dissect.ExchangeIdentityProtect || ex.Type == dissect.ExchangeAggressive) && ex.Answered && ex.Error == "" {
			return true
		}
	}
	return false
}

// answered reports the answer to an exchange, with its error notify.
func (s *liveStream) answered(sa *flows.SA, ex *flows.Exchange) {
	at := ex.Start
	frame := 0
	if n := len(ex.Messages); n > 0 {
		at, frame = ex.Messages[n-1].Time, ex.Messages[n-1].Frame
	}
	ev := s.exchangeEvent(sa, ex, "response", at)
	ev.Frame = frame
	rtt := ex.RTT
	ev.RTT = &rtt
	ev.Error = ex.Error
	s.emit(ev)
}

// base fills the fields every SA event has.
func (s *liveStream) base(sa *flows.SA, at time.Time, event string) liveEvent {
	return liveEvent{Time: at, Event: event, SA: sa.Name(), Version: sa.Version,
		Initiator: sa.Initiator.String(), Responder: sa.Responder.String()}
}

func (s *liveStream) exchangeEvent(sa *flows.SA, ex *flows.Exchange, event string, at time.Time) liveEvent {
	ev := s.base(sa, at, event)
	mid := ex.MID
	ev.Exchange, ev.MID, ev.From = ex.Type.String(), &mid, ex.From
	return ev
}

// emit writes one event (nothing with --format none).
func (s *liveStream) emit(ev liveEvent) {
	if s.err != nil || s.write == nil {
		return
	}
	s.err = s.write(ev)
}

// textEvents writes each event as one line of text (eventText).
func textEvents(w *bufio.Writer) func(liveEvent) error {
	return func(ev liveEvent) error {
		_, err := w.WriteString(eventText(ev))
		return err
	}
}

// jsonEvents writes each event as one JSON object and a newline (NDJSON).
func jsonEvents(w *bufio.Writer) func(liveEvent) error {
	return func(ev liveEvent) error {
		b, err := marshalNoEscape(ev)
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	}
}

// eventText renders an event as one line of text.
func eventText(ev liveEvent) string {
	var b strings.Builder
	b.WriteString(ev.Time.Local().Format("15:04:05.000000"))
	fmt.Fprintf(&b, " %-11s", ev.Event)
	if ev.SA != "" {
		fmt.Fprintf(&b, " v%d %s", ev.Version, ev.SA)
	}
	switch ev.Event {
	case "exchange":
		if *ev.MID == 0 || ev.Exchange == "IKE_SA_INIT" {
			fmt.Fprintf(&b, " %s → %s ", ev.Initiator, ev.Responder)
		}
		fmt.Fprintf(&b, " %s MID %d from %s (frame %d)", ev.Exchange, *ev.MID, ev.From, ev.Frame)
	case "response":
		fmt.Fprintf(&b, " %s MID %d answered", ev.Exchange, *ev.MID)
		if *ev.RTT > 0 {
			fmt.Fprintf(&b, " in %.1f ms", *ev.RTT)
		}
		if ev.Error != "" {
			fmt.Fprintf(&b, " with %s", ev.Error)
		}
		fmt.Fprintf(&b, " (frame %d)", ev.Frame)
	case "established":
		fmt.Fprintf(&b, " %s ⇄ %s  %s", ev.Initiator, ev.Responder, ev.Proposal)
	case "child_sa":
		fmt.Fprintf(&b, " %s %s %s  %s  %s ⇄ %s", ev.Protocol, ev.ChildSPI, ev.State, ev.Proposal,
			strings.Join(ev.TSi, ","), strings.Join(ev.TSr, ","))
	case "finding":
		fmt.Fprintf(&b, " %s %s (frames %s): %s", ev.Severity, ev.Kind, frameList(ev.Frames), ev.Message)
	case "sa_end", "failed":
		fmt.Fprintf(&b, " %s ⇄ %s  %s: %d exchanges, %d child SAs, %d findings", ev.Initiator, ev.Responder,
			ev.State, *ev.Exchanges, *ev.ChildSAs, *ev.Findings)
	case "capture_end":
		fmt.Fprintf(&b, " %s: %d frames in %.1f s, %d dropped by the kernel, %d IKE SAs", ev.Interface,
			*ev.Received, *ev.Seconds, *ev.Dropped, *ev.IKESAs)
	}
	b.WriteByte('\n')
	return b.String()
}
