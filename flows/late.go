package flows

import "slices"

// Findings that rest on a late frame. A frame that comes after frames
// more than the reorder window later in time is analysed where the file
// has it (out_of_order), not where its time puts it: a request then
// comes after its answer, a fragment after its message was put together,
// ESP after the exchange that ended its child SA. What is judged from the
// order of messages may then describe the file, not the peers
// (libreswan-ikev2-fragmentation with its IKE_AUTH request's first
// fragment moved to the end of the file: a message_id_desync error, "one
// side has lost track of its message IDs", from the fragment alone).

// maxLateSet bounds the late frames kept for hedgeLate (the report names
// the first few, out_of_order; a capture with more is out of order
// throughout, which that finding says).
const maxLateSet = 4096

// orderKinds are the finding kinds judged from the order and timing of
// packets: a late frame among a finding's frames may have made it.
// (Kinds read from what a message holds, such as weak_crypto or a
// notify, stand wherever the message comes.)
var orderKinds = map[FindingKind]bool{
	KindRetransmit: true, KindUnanswered: true, KindMIDDesync: true, KindHalfOpen: true, KindFlapping: true,
	KindOneWayESP: true, KindNoESP: true, KindDeadPeer: true, KindRekeyCollision: true, KindSlowResponse: true,
	KindChildRefused: true, KindEndUnknown: true, KindESPAmbiguous: true, KindAbandoned: true,
	KindDeletedAfterAuth: true, KindIgnoredRekey: true, KindFragmentsMissing: true, KindCaptureGap: true,
}

// hedgeLate marks the findings in fs, st's, judged from order that name a
// late frame, or, failing that, whose SA has an IKE message in a late
// frame (its ESP then seemed to come before the exchange that set its
// child SA up), or another SA between the same peers has (pairs, the
// first late frame of each pair of peers): an error becomes a warning, and the text says the finding
// may come from the file's order rather than from the peers. A late copy
// of a message sent again does not count: the copies are alike, and
// which of them came first changes nothing (the corpus with its frames
// shuffled in runs of four: a dead peer's fifth DPD copy, 16 s after the
// fourth, came before it). Unless it is the first copy: an answer to it
// may have come before the file shows it (libreswan-ikev1-quick-refused
// with its first QM1 at the end of the file: the INVALID-ID-INFORMATION
// that answered it came first, and QM1 "got no reply").
func hedgeLate(st *saState, fs []Finding, late map[int]struct{}, pairs map[pairKey]int, frames frameNamer) {
	var copies map[int]struct{} // st's late frames that hold a copy of a message sent again
	saLate := 0                 // st's first late frame that counts (0: none)
	for i := range st.nexs() {
		ex := st.exAt(i)
		for j := range ex.nmsgs() {
			fr := ex.frame(j)
			if _, ok := late[fr]; !ok || fr == 0 {
				continue
			}
			if ex.msg(j).retransmit() && !ex.msgTime(j).Before(ex.msgTime(0)) {
				if copies == nil {
					copies = map[int]struct{}{}
				}
				copies[fr] = struct{}{}
			} else if saLate == 0 || fr < saLate {
				saLate = fr
			}
		}
	}
	counts := func(fr int) bool {
		_, ok := late[fr]
		_, copy := copies[fr]
		return ok && !copy
	}
	for i := range fs {
		f := &fs[i]
		if f.Kind == KindKeyFailed && st.v1() != nil && saLate != 0 {
			// IKEv1 decrypts in the order of the messages, each IV
			// chained from the one before (RFC 2409 appendix B), and
			// phase 1's from both KE payloads: analysed out of order,
			// a right key fails (ikev1-dpd with MM3 at the end of the
			// file: "wrong phase-1 encryption key?").
			f.hedge("Frame " + frames.one(saLate) + " of this SA is out of time order in the file (out_of_order) and was" +
				" analysed where it stands: IKEv1 decrypts the messages in order, each one's IV following from the one before," +
				" so the key may well be right. Merge the captures by time and analyse again.")
			continue
		}
		if !orderKinds[f.Kind] {
			continue
		}
		n, whose := 0, "of this finding"
		switch k := slices.IndexFunc(f.Frames, counts); {
		case k >= 0:
			n = f.Frames[k]
		case saLate != 0:
			n, whose = saLate, "of this SA"
		default:
			// An IKE message of another SA between the same peers: its
			// child SAs and this one's share their addresses, and ESP
			// is told apart by when each SA set its child SAs up
			// (openiked-ikev2-two-ike-sas-same-hosts with the second
			// SA's IKE_AUTH answer at the end of the file: the first
			// SA's child SA read as one-way).
			if fr := pairs[st.pairKey()]; fr != 0 {
				if _, own := copies[fr]; !own {
					n, whose = fr, "of another SA between these peers"
				}
			}
		}
		if n != 0 {
			f.hedge("Frame " + frames.one(n) + " " + whose + " is out of time order in the file (out_of_order) and was" +
				" analysed where it stands, not where its time puts it: this finding may come from that order rather than" +
				" from the peers.")
		}
	}
}

// hedge ends f's text with why the capture may not bear it out, and makes
// an error a warning: the finding is then a possibility, not a fact. (A
// warning or an info keeps its severity.)
func (f *Finding) hedge(why string) {
	if f.Severity == SeverityError {
		f.Severity = SeverityWarning
	}
	f.Message += " " + why
}
