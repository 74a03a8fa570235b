package main

import (
	"slices"
	"strconv"

	"github.com/ikeflow/ikeflow/flows"
)

// Geometry of the sequence diagram (SVG user units; the image scales to
// the page width).
const (
	seqWidth   = 760 // viewBox width
	seqLeft    = 230 // x of the initiator's lifeline
	seqRight   = 700 // x of the responder's lifeline
	seqTop     = 44  // y of the first arrow
	seqRow     = 34  // vertical distance between arrows
	seqMaxRows = 400 // arrows drawn at most (the rest is counted)
)

// seqArrow is one IKE message drawn as an arrow between the lifelines.
type seqArrow struct {
	Y          int
	X1, X2     int    // from, to
	TextX      int    // middle of the arrow, for the label
	Frame      string // frame reference ("#12", "b.pcap#12")
	Time       string // offset from the SA's start ("+1.234")
	Label      string // exchange, message ID, retransmit, fragment
	Note       string // under the arrow: RTT and error
	Class      string // "req", "resp", "retx", "err": colour and dash
	ErrorNotif string // error notify of the exchange on its first response
}

// seqDiagram is the data of one SA's sequence diagram.
type seqDiagram struct {
	Width, Height int
	Left, Right   int
	LeftLabel     string
	RightLabel    string
	Arrows        []seqArrow
	Omitted       int // messages not drawn (seqMaxRows, or exchanges the analyzer did not keep)
	BottomY       int
}

// buildSeq lays out the messages of sa in frame order.
func buildSeq(sa *flows.SA, refs *frameRefs) *seqDiagram {
	type row struct {
		m  *flows.Message
		ex *flows.Exchange
	}
	var rows []row
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			rows = append(rows, row{m, ex})
		}
	}
	slices.SortStableFunc(rows, func(x, y row) int { return x.m.Frame - y.m.Frame })
	d := &seqDiagram{Width: seqWidth, Left: seqLeft, Right: seqRight,
		LeftLabel: "Initiator " + sa.Initiator.String(), RightLabel: "Responder " + sa.Responder.String()}
	if len(rows) > seqMaxRows {
		d.Omitted = len(rows) - seqMaxRows
		rows = rows[:seqMaxRows]
	}
	d.Omitted += sa.ExchangesOmitted
	lastReq := map[*flows.Exchange]int{} // last transmission of each request
	for i, r := range rows {
		if !r.m.Response {
			lastReq[r.ex] = i
		}
	}
	for i, r := range rows {
		m, ex := r.m, r.ex
		a := seqArrow{Y: seqTop + i*seqRow, TextX: (seqLeft + seqRight) / 2}
		if m.From == "initiator" {
			a.X1, a.X2 = seqLeft, seqRight
		} else {
			a.X1, a.X2 = seqRight, seqLeft
		}
		a.Frame = frameLabel(refs, m.Frame)
		a.Time = "+" + strconv.FormatFloat(m.Time.Sub(sa.Start).Seconds(), 'f', 3, 64) + " s"
		a.Label = ex.Type.String() + " mid " + strconv.FormatUint(uint64(ex.MID), 10)
		if m.Label != "" {
			a.Label = m.Label + " " + a.Label
		}
		if m.Fragment != "" {
			a.Label += " frag " + m.Fragment
		}
		a.Class = "req"
		if m.Response {
			a.Class = "resp"
		}
		first := firstResponse(ex) == m
		switch {
		case m.Retransmit:
			a.Class = "retx"
			a.Label += " (retransmit)"
		case first && ex.Error != "":
			a.Class = "err"
			a.ErrorNotif = ex.Error
		}
		if first && ex.RTT > 0 {
			a.Note = "rtt " + strconv.FormatFloat(ex.RTT, 'f', 1, 64) + " ms"
		}
		if !ex.Answered && !m.Response && lastReq[ex] == i {
			a.Note = "no answer seen"
			a.Class = "err"
		}
		d.Arrows = append(d.Arrows, a)
	}
	d.BottomY = seqTop + len(rows)*seqRow
	d.Height = d.BottomY + 16
	return d
}

// firstResponse returns the first response of ex, or nil.
func firstResponse(ex *flows.Exchange) *flows.Message {
	for _, m := range ex.Messages {
		if m.Response {
			return m
		}
	}
	return nil
}
