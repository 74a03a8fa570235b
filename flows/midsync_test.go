package flows

import (
	"encoding/binary"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// RFC 6311 message-ID synchronisation, on the real ikev2-psk-success
// capture (frames 1/2 IKE_SA_INIT, 3/4 IKE_AUTH whose request already
// carries N(IKEV2_MESSAGE_ID_SYNC_SUPPORTED), 5-12 ESP, 13/14 INFORMATIONAL
// deleting the IKE SA at message ID 2). The INFORMATIONAL exchange is
// re-sealed with the scenario's real SK_e/SK_a: a sync exchange at message
// ID 0 (SK{N(IKEV2_MESSAGE_ID_SYNC)}) as an HA cluster sends it after a
// failover, followed by the real exchanges at the synchronised message IDs.

// midSyncData is the Notification Data of IKEV2_MESSAGE_ID_SYNC (RFC 6311
// §4.1): nonce, EXPECTED_SEND_REQ_MESSAGE_ID, EXPECTED_RECV_REQ_MESSAGE_ID.
func midSyncData(nonce, send, recv uint32) []byte {
	b := binary.BigEndian.AppendUint32(nil, nonce)
	b = binary.BigEndian.AppendUint32(b, send)
	return binary.BigEndian.AppendUint32(b, recv)
}

// syncFixture is a real capture cut before its INFORMATIONAL exchange,
// with what is needed to append re-sealed messages to it.
type syncFixture struct {
	t        *testing.T
	key      v2Key
	head     []Packet // frames 1-12
	req      Packet   // frame 13: initiator → responder, flags I
	resp     Packet   // frame 14: responder → initiator, flags R
	delFirst dissect.PayloadType
	delReq   []byte // decrypted contents of frame 13: D(IKE)
	delResp  []byte // of frame 14: empty
	at       time.Time
}

func newSyncFixture(t *testing.T) *syncFixture { return newSyncFixtureAt(t, "ikev2-psk-success", 13) }

// newSyncFixtureAt cuts the real capture of scenario before frame, the
// request of its closing exchange (SK{D(IKE)} from the initiator, SK{}
// from the responder).
func newSyncFixtureAt(t *testing.T, scenario string, frame int) *syncFixture {
	base := corpusPackets(t, scenario)
	i := byFrame(t, base, frame)
	x := &syncFixture{t: t, key: loadV2Key(t, scenario), head: clonePackets(base[:i]),
		req: base[i], resp: base[i+1], at: base[i].Time}
	// The real messages open with the real keys: the helpers and the keys
	// agree with what strongSwan sent.
	x.delFirst, x.delReq = openSK(t, x.req.Data, x.key.ei, x.key.ai)
	first, inner := openSK(t, x.resp.Data, x.key.er, x.key.ar)
	x.delResp = inner
	if x.delFirst != dissect.PayloadDelete || len(x.delReq) != 8 || first != dissect.PayloadNone || len(inner) != 0 {
		t.Fatalf("%s frames %d/%d are not SK{D(IKE)} / SK{}: %v %x, %v %x", scenario, frame, x.resp.Frame, x.delFirst, x.delReq, first, inner)
	}
	return x
}

// msg returns a message sealed with the sender's real keys, sent fromI or
// from the responder, as a request or a response, at the fixture's clock
// (advanced by step).
func (x *syncFixture) msg(fromI, response bool, mid uint32, first dissect.PayloadType, inner []byte, step time.Duration) Packet {
	tmpl := x.req
	if !fromI {
		tmpl = x.resp
	}
	var flags byte
	if fromI {
		flags |= 0x08
	}
	if response {
		flags |= 0x20
	}
	p := tmpl
	ek, ak := x.key.keys(fromI)
	x.at = x.at.Add(step)
	p.Time = x.at
	p.Data = sealSK(x.t, tmpl.Data, flags, mid, first, inner, ek, ak, uint64(x.at.UnixNano()))
	return p
}

// sync returns the two messages of a sync exchange started by the
// initiator (fromI) or the responder.
func (x *syncFixture) sync(fromI bool, nonce, send, recv, peerSend, peerRecv uint32) []Packet {
	n := dissect.PayloadNotify
	return []Packet{
		x.msg(fromI, false, 0, n, v2NotifyPayload(dissect.PayloadNone, dissect.NotifyIKEv2MessageIDSync, midSyncData(nonce, send, recv)), 0),
		x.msg(!fromI, true, 0, n, v2NotifyPayload(dissect.PayloadNone, dissect.NotifyIKEv2MessageIDSync, midSyncData(nonce, peerSend, peerRecv)), time.Millisecond),
	}
}

// dpd returns an empty INFORMATIONAL exchange (liveness check) started by
// fromI at message ID mid.
func (x *syncFixture) dpd(fromI bool, mid uint32) []Packet {
	return []Packet{
		x.msg(fromI, false, mid, dissect.PayloadNone, nil, 500*time.Millisecond),
		x.msg(!fromI, true, mid, dissect.PayloadNone, nil, time.Millisecond),
	}
}

// deleteIKE returns the real Delete exchange of the capture (initiator's
// SK{D(IKE)}, responder's SK{}) re-sealed at message ID mid.
func (x *syncFixture) deleteIKE(mid uint32) []Packet {
	return []Packet{
		x.msg(true, false, mid, x.delFirst, x.delReq, 500*time.Millisecond),
		x.msg(false, true, mid, dissect.PayloadNone, x.delResp, time.Millisecond),
	}
}

// build appends the exchanges to frames 1-12 and numbers the frames.
func (x *syncFixture) build(parts ...[]Packet) []Packet {
	pk := clonePackets(x.head)
	for _, p := range parts {
		pk = append(pk, p...)
	}
	renumber(pk)
	return pk
}

// keyed analyses pk with the scenario's keys, as `ikeflow --keys` does.
func keyed(t *testing.T, pk []Packet) *Report {
	return analyze(pk, Options{Decryptor: keyringFor(t, filepath.Join(corpusDir, "ikev2-psk-success", "ikev2_decryption_table"))})
}

// exchangeAt returns the exchange of sa whose first message is frame f.
func exchangeAt(t *testing.T, sa *SA, f int) *Exchange {
	t.Helper()
	for _, ex := range sa.Exchanges {
		if len(ex.Messages) > 0 && ex.Messages[0].Frame == f {
			return ex
		}
	}
	t.Fatalf("no exchange starts at frame %d\n%s", f, Ladder(sa))
	return nil
}

// oneSA returns the only SA of r.
func oneSA(t *testing.T, r *Report) *SA {
	t.Helper()
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs, want 1", len(r.SAs))
	}
	return r.SAs[0]
}

// TestMIDSyncFromInitiator: the original initiator (the HA cluster in this
// story) fails over after IKE_AUTH and resynchronises: INFORMATIONAL request
// at message ID 0 (the ID of its own IKE_SA_INIT) with M1 = 5, P1 = 0; the
// responder answers at ID 0 with P2 = max(P1, 0) = 0 and M2 = max(M1, 2) =
// 5 (RFC 6311 §5.1); the initiator then deletes the SA at message ID 5.
// One message_id_sync finding on the sync request, no message_id_desync
// (neither for ID 0 reused nor for the jump from 1 to 5), both exchanges
// answered and decrypted.
func TestMIDSyncFromInitiator(t *testing.T) {
	x := newSyncFixture(t)
	pk := x.build(x.sync(true, 0x6a09e667, 5, 0, 0, 5), x.deleteIKE(5))
	// Frames: 13/14 sync at MID 0, 15/16 Delete at MID 5.
	r := keyed(t, pk)
	sa := oneSA(t, r)
	wantFindings(t, sa, "message_id_sync:info", "nat_detected:info")
	f := finding(sa, KindMIDSync)
	if f == nil || !slices.Equal(f.Frames, []int{13}) || !strings.HasPrefix(f.Message, "The initiator resynchronised") {
		t.Errorf("message_id_sync finding %+v, want frames [13] from the initiator", f)
	}
	if sa.State != StateDeleted {
		t.Errorf("state %s, want deleted (the Delete at the synchronised MID is applied)", sa.State)
	}
	if r.Stats.Decrypted != 6 || r.Stats.DecryptFailed != 0 {
		t.Errorf("decrypted %d, failed %d; want 6, 0", r.Stats.Decrypted, r.Stats.DecryptFailed)
	}
	ex := exchangeAt(t, sa, 13)
	if ex.Type != dissect.ExchangeInformational || ex.MID != 0 || !ex.Answered || ex.From != "initiator" ||
		len(ex.Messages) != 2 || ex.Messages[0].Payloads != "SK{N(IKEV2_MESSAGE_ID_SYNC)}" ||
		ex.Messages[1].Payloads != "SK{N(IKEV2_MESSAGE_ID_SYNC)}" || ex.Messages[1].Retransmit {
		t.Errorf("sync exchange %+v\n%s", ex, Ladder(sa))
	}
	if del := exchangeAt(t, sa, 15); del.MID != 5 || !del.Answered || del.Messages[0].Payloads != "SK{D(IKE)}" {
		t.Errorf("delete exchange mid %d answered %v %q", del.MID, del.Answered, del.Messages[0].Payloads)
	}
	// The IKE_SA_INIT exchange (also MID 0 from the initiator) is untouched.
	if init := exchangeAt(t, sa, 1); init.Type != dissect.ExchangeIKESAInit || len(init.Messages) != 2 || init.Retransmits != 0 {
		t.Errorf("IKE_SA_INIT exchange disturbed: %+v", init)
	}

	// Without keys: nothing is hidden that could crash the analysis, and
	// nothing is reported wrong (the notify cannot be seen, the MIDs alone
	// must not read as a desync).
	r = analyze(pk, Options{})
	sa = oneSA(t, r)
	wantFindings(t, sa, "nat_detected:info")
	if sa.State != StateEstablished || !sa.Encrypted {
		t.Errorf("keyless: state %s encrypted %v", sa.State, sa.Encrypted)
	}
	if ex := exchangeAt(t, sa, 13); ex.MID != 0 || !ex.Answered || ex.Messages[0].Payloads != "SK" {
		t.Errorf("keyless sync exchange %+v", ex)
	}
}

// TestMIDSyncFromResponder: the responder (an HA gateway pair) had probed
// the initiator with an empty INFORMATIONAL at message ID 0; after its
// failover the new active member sends the sync, again at ID 0, with M1 = 4
// (its next request, with a safety margin) and P1 = 2; the initiator
// answers P2 = max(2, 1+1) = 2, M2 = max(4, 0+1) = 4. The responder's next
// probe uses ID 4, then the initiator deletes the SA at ID 2 with the real,
// unmodified frames 13/14.
func TestMIDSyncFromResponder(t *testing.T) {
	x := newSyncFixture(t)
	del := []Packet{x.req, x.resp}
	del[0].Time, del[1].Time = x.at.Add(5*time.Second), x.at.Add(5*time.Second+time.Millisecond)
	pk := x.build(x.dpd(false, 0), x.sync(false, 0xbb67ae85, 4, 2, 2, 4), x.dpd(false, 4), del)
	// Frames: 13/14 probe at MID 0, 15/16 sync at MID 0, 17/18 probe at
	// MID 4, 19/20 the real Delete exchange at MID 2.
	for _, r := range []*Report{keyed(t, pk), analyze(pk, Options{})} {
		sa := oneSA(t, r)
		keys := r.Stats.Decrypted > 0
		if keys {
			wantFindings(t, sa, "message_id_sync:info", "nat_detected:info")
			if f := finding(sa, KindMIDSync); f == nil || !slices.Equal(f.Frames, []int{15}) ||
				!strings.HasPrefix(f.Message, "The responder resynchronised") {
				t.Errorf("message_id_sync finding %+v, want frames [15] from the responder", f)
			}
			if r.Stats.Decrypted != 10 || r.Stats.DecryptFailed != 0 {
				t.Errorf("decrypted %d, failed %d; want 10, 0", r.Stats.Decrypted, r.Stats.DecryptFailed)
			}
		} else {
			wantFindings(t, sa, "nat_detected:info")
		}
		for _, f := range []int{13, 15, 17, 19} {
			if ex := exchangeAt(t, sa, f); !ex.Answered || ex.Retransmits != 0 || len(ex.Messages) != 2 {
				t.Errorf("keys %v: exchange at frame %d: answered %v, %d retransmits, %d messages",
					keys, f, ex.Answered, ex.Retransmits, len(ex.Messages))
			}
		}
	}
}

// TestMIDZeroWithoutSync: the same responder reuses message ID 0 for a
// second empty INFORMATIONAL, without any sync notify. With the keys the
// analyzer sees there is no IKEV2_MESSAGE_ID_SYNC inside, so this is a real
// desync (message ID reused by a different request), and no
// message_id_sync is reported.
func TestMIDZeroWithoutSync(t *testing.T) {
	x := newSyncFixture(t)
	pk := x.build(x.dpd(false, 0), x.dpd(false, 0)) // a new request: new IV, other bytes
	r := keyed(t, pk)
	sa := oneSA(t, r)
	wantFindings(t, sa, "message_id_desync:error", "nat_detected:info")
	if f := finding(sa, KindMIDDesync); f == nil || !slices.Contains(f.Frames, 15) {
		t.Errorf("desync finding %+v, want frame 15", f)
	}
}

// TestMIDSyncKeepsHashAlgorithms: a sync restarts the sides' message-ID
// baselines, not what they announced in IKE_SA_INIT. On the real
// ikev2-cert-rsa capture with the responder's SIGNATURE_HASH_ALGORITHMS
// edited to SHA1 only (as in TestCertEditedCaptures), the hash-algorithm
// mismatch and both sides' announced algorithms are still reported when a
// sync exchange (frames 9/10 once renumbered) comes before the Delete
// (11/12).
func TestMIDSyncKeepsHashAlgorithms(t *testing.T) {
	const scen = "ikev2-cert-rsa"
	x := newSyncFixtureAt(t, scen, 11)
	sha1OnlyResponder(t, x.head)
	pk := x.build(x.sync(true, 0x3c6ef372, 5, 0, 0, 5), x.deleteIKE(5))
	r := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, scen))})
	sa := oneSA(t, r)
	if finding(sa, KindMIDSync) == nil || finding(sa, KindMIDDesync) != nil {
		t.Fatalf("findings %v: want message_id_sync and no desync (the sync is not read)", kinds(sa.Findings))
	}
	if f := finding(sa, KindHashAlgMismatch); f == nil || !strings.Contains(f.Message, "initiator SHA2_256, SHA2_384, SHA2_512, IDENTITY, responder SHA1.") {
		t.Errorf("hash_alg_mismatch after the sync: %+v", f)
	}
	if len(sa.Peers) != 2 || len(sa.Peers[0].HashAlgorithms) != 4 || !slices.Equal(sa.Peers[1].HashAlgorithms, []string{"SHA1"}) {
		t.Errorf("peers' hash algorithms after the sync: %+v", sa.Peers)
	}
	if del := exchangeAt(t, sa, 11); del.MID != 5 || !del.Answered || sa.State != StateDeleted {
		t.Errorf("delete at MID %d answered %v, state %s", del.MID, del.Answered, sa.State)
	}
}
