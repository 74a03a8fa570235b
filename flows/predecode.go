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
// the packet's octets alone, so the analysis is the same either way. On
// big10k the analyzing goroutine's CPU time per run fell from 133-137 to
// 114-115 ms and the run from 156-160 to 149-150 ms (BenchmarkAnalyze,
// two rounds, alternating; the reading goroutine did about 20 ms more).
// Decoding ahead without collecting the facts gained nothing (141 against
// 140 ms): the decoding mostly moves the analyzing goroutine's first
// touch of the octets elsewhere.
// The CLI has since left it off: the reading goroutine became the busier
// of the two, and decoding there made the runs slower
// (cmd/ikeflow/readahead.go, predecodeOn).
//
// What is decoded ahead lives in a [DecodeBuf], which the caller keeps
// with the octets it belongs to (one per block) and resets when it
// refills them: the payloads' bodies alias the octets.

// DecodeBuf holds the IKE messages a Sequencer decoded ahead for a batch
// of Sequenced packets. The Sequenced values refer to it: it must not be
// reset (Reset) or used for another batch until the Analyzer is done
// with them, nor written (Predecode) on one goroutine while the Analyzer
// takes messages from it on another. The zero value is ready to use.
//
// A message is a preMsg of 120 octets; what it has a variable number of
// (its payload chain, its facts' payload lists, notifies and summary) is
// appended to the arrays here, which it indexes. The decoded Message and
// facts themselves took 384 octets a message, written by one goroutine
// and read by the other. analyze on big10k took 3.7 ms less at the median
// with 120 in one set of 40 runs of each, alternating (191.1 against
// 194.9 ms), and was no different in another (157.2 against 156.1 ms).
type DecodeBuf struct {
	msgs  []preMsg
	pay   []dissect.Payload // the payload chains
	lists []dissect.Payload // the facts' payload lists (preMsg.nlist)
	nots  []notifyFact
	text  []byte // the payload summaries
	// scratch and sf decode and collect one message before it is copied
	// to the arrays above.
	scratch dissect.Message
	sf      facts
}

// preMsg is one message decoded ahead: what DecodeFromBytes and, for
// IKEv2, facts.collect made of it, its variable parts in the DecodeBuf's
// arrays (at the offsets and of the lengths given here).
type preMsg struct {
	hdr            dissect.Header
	err            error // DecodeFromBytes's
	payOff, payN   int32 // the payload chain, in DecodeBuf.pay
	raw            int32 // len(Message.Raw), a prefix of the packet's octets; -1: nil
	listOff        int32 // the facts' payload lists, back to back in DecodeBuf.lists,
	nlist          [nLists]int32
	notOff, notN   int32 // in DecodeBuf.nots
	textOff, textN int32 // in DecodeBuf.text
	others         int32
	fragNum        uint16
	fragTotal      uint16
	bits           uint8 // pre* flags
	eap, eapType   uint8 // facts.eap, facts.eapType
	pad            uint8 // Message.Padding (0 to 3)
}

// preMsg.bits.
const (
	preTruncated uint8 = 1 << iota // Message.Truncated
	preCipher                      // Message.Ciphertext is Raw after the header (IKEv1 E flag)
	preFacts                       // the facts were collected (IKEv2)
	preSK                          // facts.sk
	preAuth                        // facts.auth
)

// nLists is the number of payload lists in facts (lists).
const nLists = 7

// lists returns the addresses of f's payload lists, in preMsg.nlist's
// order.
func (f *facts) lists() [nLists]*[]dissect.Payload {
	return [nLists]*[]dissect.Payload{&f.sas, &f.ke, &f.tsi, &f.tsr, &f.deletes, &f.ids, &f.natd}
}

// Reset empties b for the next batch, keeping its capacity.
func (b *DecodeBuf) Reset() {
	b.msgs = b.msgs[:0]
	b.pay = b.pay[:0]
	b.lists = b.lists[:0]
	b.nots = b.nots[:0]
	b.text = b.text[:0]
}

// Predecode decodes o's IKE message into b, for [Analyzer.AddSequenced].
// Call it after MoveData (the payloads alias o's octets where they are
// then). Packets that are not IKE, or that the Analyzer does not analyse
// (left out by the peer filter, or duplicates), are left as they are.
func (s *Sequencer) Predecode(o *Sequenced, b *DecodeBuf) {
	if o.by != s || o.filtered || o.dup || o.p.Kind != KindIKE || o.dec != nil {
		return
	}
	m := &b.scratch
	err := m.DecodeFromBytes(o.p.Data)
	b.msgs = append(b.msgs, preMsg{})
	pm := &b.msgs[len(b.msgs)-1]
	pm.hdr, pm.err = m.Header, err
	pm.payOff, pm.payN = int32(len(b.pay)), int32(len(m.Payloads))
	b.pay = append(b.pay, m.Payloads...)
	pm.raw = -1
	if m.Raw != nil {
		pm.raw = int32(len(m.Raw))
	}
	if m.Truncated {
		pm.bits |= preTruncated
	}
	if m.Ciphertext != nil {
		pm.bits |= preCipher
	}
	pm.pad = uint8(m.Padding)
	if m.Header.MajorVersion == 2 {
		f := &b.sf
		f.reset()
		f.collect(2, m.Payloads)
		pm.bits |= preFacts
		if f.sk {
			pm.bits |= preSK
		}
		if f.auth {
			pm.bits |= preAuth
		}
		pm.eap, pm.eapType = f.eap, f.eapType
		pm.others, pm.fragNum, pm.fragTotal = int32(f.others), f.fragNum, f.fragTotal
		pm.listOff = int32(len(b.lists))
		for i, l := range f.lists() {
			pm.nlist[i] = int32(len(*l))
			b.lists = append(b.lists, *l...)
		}
		pm.notOff, pm.notN = int32(len(b.nots)), int32(len(f.notifies))
		b.nots = append(b.nots, f.notifies...)
		pm.textOff, pm.textN = int32(len(b.text)), int32(len(f.summary))
		b.text = append(b.text, f.summary...)
	}
	o.dec, o.di = b, int32(len(b.msgs)-1)
}

// message sets m to what DecodeFromBytes made of data, the octets of
// message i (decoded ahead), and returns DecodeFromBytes's error. m's
// payloads are b's until m decodes another message.
func (b *DecodeBuf) message(i int32, data []byte, m *dissect.Message) error {
	pm := &b.msgs[i]
	m.Header = pm.hdr
	m.Payloads = span(b.pay, pm.payOff, pm.payN)
	m.Raw, m.Ciphertext = nil, nil
	if pm.raw >= 0 {
		m.Raw = data[:pm.raw:pm.raw]
	}
	m.Truncated = pm.bits&preTruncated != 0
	m.Padding = int(pm.pad)
	if pm.bits&preCipher != 0 {
		m.Ciphertext = m.Raw[dissect.HeaderLen:]
	}
	return pm.err
}

// facts sets f to the facts collected ahead for message i and reports
// whether there are any (IKEv2 messages only). f's slices are b's, their
// capacity their length: an append to one makes a new array.
func (b *DecodeBuf) facts(i int32, f *facts) bool {
	pm := &b.msgs[i]
	if pm.bits&preFacts == 0 {
		return false
	}
	f.summary = span(b.text, pm.textOff, pm.textN)
	f.notifies = span(b.nots, pm.notOff, pm.notN)
	off := pm.listOff
	for i, l := range f.lists() {
		*l = span(b.lists, off, pm.nlist[i])
		off += pm.nlist[i]
	}
	f.others = int(pm.others)
	f.sk, f.decrypted, f.malformed = pm.bits&preSK != 0, false, false
	f.auth, f.eap, f.eapType = pm.bits&preAuth != 0, pm.eap, pm.eapType
	f.attrs = f.attrs[:0] // IKEv1's, which are not collected ahead
	f.fragNum, f.fragTotal, f.fragDone = pm.fragNum, pm.fragTotal, false
	return true
}

// span returns s[off:off+n], its capacity its length.
func span[T any](s []T, off, n int32) []T {
	return s[off : off+n : off+n]
}
