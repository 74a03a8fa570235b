package flows

import "github.com/ikeflow/ikeflow/dissect"

// Decoding ahead: a caller that runs the Sequencer on a goroutine of its
// own (the CLI's read-ahead) can also have it decode each IKE message
// there, with [Sequencer.Predecode], right after moving the packet's
// octets to its block ([Sequencer.MoveData]), while they are in that
// core's cache. [Analyzer.AddSequenced] then takes the decoded header and
// payload chain, and for IKEv2 the message's facts (facts.collect: the
// payload summary, the notifies, the payloads the analysis reasons
// about), instead of working them out on the analyzing goroutine, the one
// that bounds the wall time. Everything decoded ahead is a function of
// the packet's octets alone, so the analysis is the same either way.
//
// What is decoded ahead lives in a [DecodeBuf], which the caller keeps
// with the octets it belongs to (one per block) and resets when it
// refills them: the payloads' bodies alias the octets.

// DecodeBuf holds the IKE messages a Sequencer decoded ahead for a batch
// of Sequenced packets. The Sequenced values refer to it: it must not be
// reset (Reset) or used for another batch until the Analyzer is done
// with them. The zero value is ready to use.
type DecodeBuf struct {
	msgs []preMsg
	pay  []dissect.Payload // the payload chains, and facts' payload lists
	nots []notifyFact
	text []byte // the payload summaries
	// scratch and sf decode and collect one message before it is copied
	// to the arrays above.
	scratch dissect.Message
	sf      facts
}

// preMsg is one message decoded ahead.
type preMsg struct {
	msg      dissect.Message // Payloads in DecodeBuf.pay
	err      error           // DecodeFromBytes's
	f        facts           // facts.collect's, for IKEv2 (hasFacts); slices in the DecodeBuf
	hasFacts bool
}

// Reset empties b for the next batch, keeping its capacity.
func (b *DecodeBuf) Reset() {
	b.msgs = b.msgs[:0] // what they point to is reused with b (the caller's octets)
	b.pay = b.pay[:0]
	b.nots = b.nots[:0]
	b.text = b.text[:0]
}

// Predecode decodes o's IKE message into b, for [Analyzer.AddSequenced].
// Call it after MoveData (the payloads alias o's octets where they are
// then). Packets that are not IKE, or that the Analyzer does not analyse
// (left out by the peer filter), are left as they are.
func (s *Sequencer) Predecode(o *Sequenced, b *DecodeBuf) {
	if o.by != s || o.filtered || o.p.Kind != KindIKE || o.pre != nil {
		return
	}
	m := &b.scratch
	err := m.DecodeFromBytes(o.p.Data)
	if len(b.msgs) == cap(b.msgs) {
		// A new array: the preMsgs handed out stay where they are (the
		// Sequenced values point to them), and are not written again.
		b.msgs = append(make([]preMsg, 0, max(64, 2*cap(b.msgs))), b.msgs...)
	}
	b.msgs = b.msgs[:len(b.msgs)+1]
	pm := &b.msgs[len(b.msgs)-1]
	// Field by field: a composite literal would be built and copied.
	pm.msg = *m
	pm.msg.Payloads = b.keepPay(m.Payloads)
	pm.err = err
	pm.hasFacts = false
	if m.Header.MajorVersion == 2 {
		f := &b.sf
		f.reset()
		f.collect(2, pm.msg.Payloads)
		pm.f = *f
		pm.f.summary = keep(&b.text, f.summary)
		pm.f.notifies = keep(&b.nots, f.notifies)
		pm.f.sas = b.keepPay(f.sas)
		pm.f.ke = b.keepPay(f.ke)
		pm.f.tsi = b.keepPay(f.tsi)
		pm.f.tsr = b.keepPay(f.tsr)
		pm.f.deletes = b.keepPay(f.deletes)
		pm.f.ids = b.keepPay(f.ids)
		pm.f.natd = b.keepPay(f.natd)
		pm.f.names = nil // the analyzing goroutine's own cache, if it needs one
		pm.hasFacts = true
	}
	o.pre = pm
}

// keepPay copies ps to b.pay and returns the copy, its capacity its length
// (an append to it makes a new array, never writes into b.pay).
func (b *DecodeBuf) keepPay(ps []dissect.Payload) []dissect.Payload {
	return keep(&b.pay, ps)
}

// keep appends s to *arr and returns the copy, its capacity its length
// (nil for an empty s). Should *arr grow, the copies handed out before stay
// in the array they were made in.
func keep[T any](arr *[]T, s []T) []T {
	if len(s) == 0 {
		return nil
	}
	lo := len(*arr)
	*arr = append(*arr, s...)
	return (*arr)[lo:len(*arr):len(*arr)]
}
