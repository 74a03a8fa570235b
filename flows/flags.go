package flows

import (
	"hash/maphash"
	"strconv"

	"github.com/ikeflow/ikeflow/dissect"
)

// reservedFlags returns the header flag bits that must be zero for the
// message's version (RFC 7296 §3.1: only I, V and R exist; RFC 2408 §3.1:
// only E, C and A).
func reservedFlags(h *dissect.Header) uint8 {
	if h.MajorVersion == 2 {
		return h.Flags &^ (dissect.FlagInitiator | dissect.FlagHigherVer | dissect.FlagResponse)
	}
	return h.Flags &^ (dissect.FlagEncryption | dissect.FlagCommit | dissect.FlagAuthOnly)
}

// flagsOffset is the offset of the flags octet in the IKE header.
const flagsOffset = 19

// badHeaderFlags handles an IKE message whose header flags have reserved
// bits set: a damaged packet (or not IKE at all). It is noted on its SA
// (capture-wide when no SA has its SPIs, and then not analysed). Within a
// known SA its flags are rebuilt from what the capture shows: the sender
// from the addresses, request or response from whether the other side has
// an unanswered request with its message ID. The message is then analysed
// as usual, so that neither pairing nor message IDs suffer from the damage.
func (a *Analyzer) badHeaderFlags(p *Packet, h *dissect.Header, decodeErr error) {
	v := h.MajorVersion
	st, hs := a.ix.find(v, h.SPIi, h.SPIr)
	if st == nil {
		st = hs
	}
	if st == nil || st.done {
		a.report.Stats.Malformed++
		if len(a.badFlags) == 0 {
			a.badFlagsTime = p.Time
		}
		if len(a.badFlags) < maxNoted {
			a.badFlags = append(a.badFlags, p.Frame)
		}
		return
	}
	if r := st.lists(); len(r.badFlags) < maxNoted {
		r.badFlags = append(r.badFlags, p.Frame)
		r.badFlagVals = append(r.badFlagVals, h.Flags)
	}
	a.report.Stats.IKEPackets++
	a.fixedFlags = true
	defer func() { a.fixedFlags = false }()
	if v == 1 {
		h.Flags &^= reservedFlags(h)
		a.v1(p, decodeErr)
		return
	}
	side := sideR
	if ini := st.initiator(); p.Src.Addr() == ini.Addr() && (p.Src == ini || p.Dst.Addr() != ini.Addr()) {
		side = sideI
	}
	h.Flags = 0
	if side == sideI {
		h.Flags |= dissect.FlagInitiator
	}
	if ex := st.findEx(side.other(), h.MessageID, h.Exchange); ex != nil && !ex.hasResp && ex.reqHash() != 0 {
		h.Flags |= dissect.FlagResponse
	}
	a.v2(p, decodeErr, nil) // rare: its facts are collected again
}

// msgHash fingerprints the message in a.msg for retransmit detection; a
// message whose flags were rebuilt is hashed with the rebuilt flags, so
// that it still matches its undamaged copies. Otherwise it is a.hash of
// the raw message, which the Preparer or AddPrepared has usually taken
// already (packetSum, kept as rawSum).
func (a *Analyzer) msgHash() uint64 {
	raw := a.msg.Raw
	if !a.fixedFlags || len(raw) <= flagsOffset {
		if a.rawSumOK {
			return a.rawSum
		}
		return a.hash(raw)
	}
	var mh maphash.Hash
	mh.SetSeed(a.seed)
	_, _ = mh.Write(raw[:flagsOffset])
	_ = mh.WriteByte(a.msg.Header.Flags)
	_, _ = mh.Write(raw[flagsOffset+1:])
	return mh.Sum64()
}

// badFlagsText explains messages with invalid header flags; inSA tells
// whether they were analysed within their SA; fn names the frames.
func badFlagsText(frames []int, vals []uint8, inSA bool, fn frameNamer) string {
	list := ""
	if len(vals) == 0 {
		list = fn.join(frames)
	}
	for i, f := range frames {
		if len(vals) == 0 {
			break
		}
		if i > 0 {
			list += ", "
		}
		list += fn.one(f)
		if i < len(vals) {
			list += " (0x" + strconv.FormatUint(uint64(vals[i])|0x100, 16)[1:] + ")"
		}
	}
	if len(frames) == 1 {
		s := "The IKE header flags (octet " + strconv.Itoa(flagsOffset) + ") of frame " + list + " has reserved bits set:" +
			" the packet is damaged (or is not IKE), so its initiator and response bits cannot be trusted."
		if inSA {
			return s + " Its direction was taken from the addresses and message IDs instead, and it was analysed with its SA."
		}
		return s + " Its SPIs match no IKE SA seen before it, so it was not analysed."
	}
	s := "The IKE header flags (octet " + strconv.Itoa(flagsOffset) + ") of frames " + list + " have reserved bits set:" +
		" the packets are damaged (or are not IKE), so their initiator and response bits cannot be trusted."
	if inSA {
		return s + " Their direction was taken from the addresses and message IDs instead, and they were analysed with their SA."
	}
	return s + " Their SPIs match no IKE SA seen before them, so they were not analysed."
}
