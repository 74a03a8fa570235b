package flows

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// v1FragScenario is the corpus capture of strongSwan's IKEv1
// fragmentation: MM5 (frames 5-7) and MM6 (frames 8-10) in 3 fragments.
const v1FragScenario = "ikev1-cert-fragmentation"

// v1FragNumber reads the fragment number and last flag of an IKEv1
// fragment packet (ok false for any other packet), from the bytes.
func v1FragNumber(p *Packet) (num uint8, last, ok bool) {
	d := p.Data
	if p.Kind != KindIKE || len(d) < dissect.HeaderLen+8 || d[17]>>4 != 1 || d[16] != byte(dissect.PayloadFragmentV1) {
		return 0, false, false
	}
	_, num, last, ok = dissect.FragmentV1Header(d[dissect.HeaderLen+4:])
	return num, last, ok
}

// v1FragPackets loads the scenario's packets and the keys.
func v1FragPackets(t *testing.T) ([]Packet, Decryptor) {
	t.Helper()
	dir := filepath.Join(corpusDir, v1FragScenario)
	return loadPackets(t, filepath.Join(dir, "capture.pcap")), keyringFor(t, filepath.Join(dir, "ikev1_decryption_table"))
}

// fragIndex returns the index in pk of the fragment num sent from the
// initiator (fromI) or the responder of the first IKE SA.
func fragIndex(t *testing.T, pk []Packet, fromI bool, num uint8) int {
	t.Helper()
	var init netip4
	for i := range pk {
		if pk[i].Kind != KindIKE {
			continue
		}
		if !init.set {
			init = netip4{pk[i].Src.Addr().String(), true}
		}
		if n, _, ok := v1FragNumber(&pk[i]); ok && n == num && (pk[i].Src.Addr().String() == init.addr) == fromI {
			return i
		}
	}
	t.Fatalf("no fragment %d from initiator=%v", num, fromI)
	return -1
}

type netip4 struct {
	addr string
	set  bool
}

// strongSwanNames maps charon's payload abbreviations to ikeflow's
// summary names ("CERTREQ" → "CR", "N(INITIAL_CONTACT)" →
// "N(INITIAL-CONTACT)").
func strongSwanNames(pl []string) string {
	out := make([]string, len(pl))
	for i, p := range pl {
		switch {
		case p == "CERTREQ":
			p = "CR"
		case p == "No":
			p = "NONCE"
		case p == "V":
			p = "VID"
		case strings.HasPrefix(p, "N("):
			p = strings.ReplaceAll(p, "_", "-")
		}
		out[i] = p
	}
	return strings.Join(out, " ")
}

// v1FragExpMsg is a message of expected.json (what charon logged sending).
type v1FragExpMsg struct {
	From       string   `json:"from"`
	Exchange   *string  `json:"exchange"`
	MID        uint32   `json:"mid"`
	Payloads   []string `json:"payloads"`
	FragmentOf []string `json:"fragment_of"`
	Retransmit int      `json:"retransmit"`
	Bytes      int      `json:"logged_bytes"`
}

// TestV1FragCorpus checks the main mode of every corpus scenario whose
// daemons logged IKEv1 fragments against their logs (expected.json):
// per sender, every packet is listed once in the exchange, in order, with
// the label of the message it belongs to (MM5, MM6: never MM7 and up), its
// fragment number ("2"; "3/3" on the last, as charon logs FRAG(2) and
// FRAG(3/3)), the size charon logged, and on the fragment that completes
// it the payloads of the whole message charon generated, decrypted with
// the keys; retransmits as charon logged them.
func TestV1FragCorpus(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(corpusDir, "*", "expected.json"))
	checked := 0
	for _, ej := range paths {
		var exp struct {
			IKEVersion  int            `json:"ike_version"`
			Messages    []v1FragExpMsg `json:"messages"`
			Retransmits []struct {
				Name string `json:"name"`
			} `json:"retransmits"`
		}
		if err := json.Unmarshal(testutil.ReadFile(t, ej), &exp); err != nil {
			t.Fatal(err)
		}
		if exp.IKEVersion != 1 || !slices.ContainsFunc(exp.Messages, func(m v1FragExpMsg) bool {
			return len(m.Payloads) > 0 && strings.HasPrefix(m.Payloads[0], "FRAG(")
		}) {
			continue
		}
		dir := filepath.Dir(ej)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			checked++
			r := analyze(loadPackets(t, filepath.Join(dir, "capture.pcap")), Options{Decryptor: corpusKeys(t, dir)})
			if len(r.SAs) != 1 {
				t.Fatalf("%d IKE SAs, want 1", len(r.SAs))
			}
			var mm *Exchange
			for _, ex := range r.SAs[0].Exchanges {
				if ex.Type == dissect.ExchangeIdentityProtect {
					mm = ex
				}
			}
			if mm == nil {
				t.Fatal("no main mode exchange")
			}
			for _, from := range []string{"initiator", "responder"} {
				var want, got []string
				step := -1 // MM1, MM3, MM5 from the initiator
				if from == "responder" {
					step = 0 // MM2, MM4, MM6
				}
				for _, m := range exp.Messages {
					if m.From != from || m.Exchange == nil || *m.Exchange != "ID_PROT" {
						continue
					}
					frag, whole := "", ""
					if len(m.Payloads) > 0 && strings.HasPrefix(m.Payloads[0], "FRAG(") {
						frag = strings.TrimSuffix(strings.TrimPrefix(m.Payloads[0], "FRAG("), ")")
						if strings.Contains(frag, "/") {
							whole = "FRAG{" + strongSwanNames(m.FragmentOf) + "}"
						} else {
							whole = "FRAG"
						}
					}
					if m.Retransmit == 0 && (frag == "" || frag == "1") {
						step += 2
					}
					w := "MM" + strconv.Itoa(step) + " frag=" + frag + " size=" + strconv.Itoa(m.Bytes)
					if whole != "" {
						w += " " + whole
					}
					want = append(want, w)
				}
				for _, m := range mm.Messages {
					if m.From != from {
						continue
					}
					g := m.Label + " frag=" + m.Fragment + " size=" + strconv.Itoa(m.Size)
					if m.Fragment != "" {
						g += " " + m.Payloads
					}
					got = append(got, g)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s's main-mode messages:\n got  %q\n want %q", from, got, want)
				}
			}
			if mm.Retransmits != 0 && len(exp.Retransmits) == 0 {
				t.Errorf("main mode: %d retransmits, charon logged none", mm.Retransmits)
			}
			if r.Stats.DecryptFailed != 0 {
				t.Errorf("%d messages could not be decrypted with the daemons' keys", r.Stats.DecryptFailed)
			}
			for _, f := range r.Findings {
				if f.Kind == KindFragmentsMissing || f.Kind == KindUnanswered || f.Kind == KindRetransmit {
					t.Errorf("unexpected finding %s: %s", f.Kind, f.Message)
				}
			}
		})
	}
	if checked == 0 {
		t.Fatal("no corpus scenario with IKEv1 fragments")
	}
}

// findingText returns the message of the first finding of kind k, or "".
func findingText(r *Report, k FindingKind) string {
	for _, f := range r.Findings {
		if f.Kind == k {
			return f.Message
		}
	}
	return ""
}

// mainModeLabels returns the labels of the first SA's main-mode messages
// with their fragment numbers, in frame order ("MM5:1", "MM5:3/3").
func mainModeLabels(r *Report) []string {
	var out []string
	for _, ex := range r.SAs[0].Exchanges {
		if ex.Type != dissect.ExchangeIdentityProtect {
			continue
		}
		for _, m := range ex.Messages {
			out = append(out, m.Label+":"+m.Fragment)
		}
	}
	return out
}

// TestV1FragEdited runs copies of the real capture edited the way the
// field damages them, and checks what ikeflow says against what the
// edit did (the daemons' run itself went through: charon logged MM5 and
// MM6 received whole).
func TestV1FragEdited(t *testing.T) {
	orig, _ := v1FragPackets(t)
	run := func(t *testing.T, pk []Packet) *Report {
		t.Helper()
		_, keys := v1FragPackets(t)
		return analyze(pk, Options{Decryptor: keys})
	}
	without := func(pk []Packet, drop ...int) []Packet {
		var out []Packet
		for i := range pk {
			if !slices.Contains(drop, i) {
				out = append(out, pk[i])
			}
		}
		return out
	}
	mm5 := [3]int{fragIndex(t, orig, true, 1), fragIndex(t, orig, true, 2), fragIndex(t, orig, true, 3)}
	mm6 := [3]int{fragIndex(t, orig, false, 1), fragIndex(t, orig, false, 2), fragIndex(t, orig, false, 3)}

	t.Run("mm5-fragment-2-missed-by-the-capture", func(t *testing.T) {
		r := run(t, without(orig, mm5[1]))
		msg := findingText(r, KindFragmentsMissing)
		for _, want := range []string{"initiator's MM5 (message ID 0)", "2 fragments seen (frames " + strconv.Itoa(orig[mm5[0]].Frame) + ", " + strconv.Itoa(orig[mm5[2]].Frame) + ")",
			"fragment 2 of 3 missing", "The responder sent the next message (MM6, frame " + strconv.Itoa(orig[mm6[0]].Frame) + ")", "the capture missed the fragments",
			"The messages after it were decrypted all the same"} {
			if !strings.Contains(msg, want) {
				t.Errorf("fragments_missing finding lacks %q:\n%s", want, msg)
			}
		}
		if s := findingText(r, KindUnanswered); s != "" {
			t.Errorf("unanswered_request: %s", s)
		}
		if got, want := mainModeLabels(r), []string{"MM1:", "MM2:", "MM3:", "MM4:", "MM5:1", "MM5:3/3", "MM6:1", "MM6:2", "MM6:3/3"}; !slices.Equal(got, want) {
			t.Errorf("labels %q, want %q", got, want)
		}
		// MM5's last fragment gives the end of its ciphertext, MM6's IV:
		// everything after MM5 decrypts (charon logged MM6 "ID CERT SIG",
		// the quick mode and both Deletes).
		sa := r.SAs[0]
		if r.Stats.DecryptFailed != 0 || r.Stats.Decrypted != 6 || sa.State != StateDeleted || len(sa.ChildSAs) != 1 {
			t.Errorf("%d decrypted, %d not, state %s, %d child SAs; want 6, 0, deleted, 1", r.Stats.Decrypted, r.Stats.DecryptFailed, sa.State, len(sa.ChildSAs))
		}
		if p := sa.Exchanges[0].Messages[8].Payloads; p != "FRAG{ID CERT SIG}" {
			t.Errorf("MM6: %q", p)
		}
	})
	t.Run("mm6-never-sent-back", func(t *testing.T) {
		// Everything after MM5 is gone: the responder never answered, and
		// the initiator retransmitted MM5 whole after 4 s and 7.2 s more
		// (charon's defaults). A capture that ends right after a request
		// sent once shows no missing answer (DefaultGrace), fragmented or
		// not.
		pk := slices.Clone(orig[:mm5[2]+1])
		for k, d := range []time.Duration{4 * time.Second, 11200 * time.Millisecond} {
			for j, i := range mm5 {
				c := orig[i]
				c.Frame, c.Time = 100+3*k+j, c.Time.Add(d)
				pk = append(pk, c)
			}
		}
		r := run(t, pk)
		msg := findingText(r, KindUnanswered)
		for _, want := range []string{"initiator's MM5 (message ID 0, 1276 octets in 3 IKEv1 fragments) got no reply", "(3 transmissions)", "went in IKEv1 fragments"} {
			if !strings.Contains(msg, want) {
				t.Errorf("unanswered_request lacks %q:\n%s", want, msg)
			}
		}
		if r.SAs[0].State == StateEstablished {
			t.Errorf("state %s", r.SAs[0].State)
		}
	})
	t.Run("capture-ends-before-mm6-last-fragment", func(t *testing.T) {
		// The capture stops right after MM6's second fragment: the last
		// one may have come after it (info), not lost.
		r := run(t, orig[:mm6[2]])
		msg := findingText(r, KindFragmentsMissing)
		if !strings.Contains(msg, "the missing fragments may have come after it stopped") || strings.Contains(msg, "cannot put the message together") {
			t.Errorf("fragments_missing: %s", msg)
		}
		for _, sa := range r.SAs {
			if f := finding(sa, KindFragmentsMissing); f != nil && f.Severity != SeverityInfo {
				t.Errorf("severity %s", f.Severity)
			}
		}
	})
	t.Run("mm6-last-fragment-lost", func(t *testing.T) {
		// The same, the capture going on (an unrelated packet 3 s later).
		pk := append(slices.Clone(orig[:mm6[2]]), strayESP(orig[mm6[2]].Time.Add(3*time.Second)))
		r := run(t, pk)
		msg := findingText(r, KindFragmentsMissing)
		for _, want := range []string{"responder's MM6 (message ID 0)", "2 fragments seen", "the last one (flagged last) missing", "the receiver cannot put the message together either"} {
			if !strings.Contains(msg, want) {
				t.Errorf("fragments_missing lacks %q:\n%s", want, msg)
			}
		}
		if s := findingText(r, KindUnanswered); s != "" {
			t.Errorf("MM5 was answered (by fragments): unanswered_request %s", s)
		}
		if st := r.SAs[0].State; st == StateEstablished || st == StateDeleted {
			t.Errorf("state %s: MM6 never complete", st)
		}
	})
	t.Run("mm5-fragments-reordered", func(t *testing.T) {
		// The fragments arrive 3, 2, 1 (frames and times stay).
		pk := slices.Clone(orig)
		pk[mm5[0]].Data, pk[mm5[2]].Data = pk[mm5[2]].Data, pk[mm5[0]].Data
		r := run(t, pk)
		if got, want := mainModeLabels(r), []string{"MM1:", "MM2:", "MM3:", "MM4:", "MM5:3/3", "MM5:2", "MM5:1", "MM6:1", "MM6:2", "MM6:3/3"}; !slices.Equal(got, want) {
			t.Errorf("labels %q, want %q", got, want)
		}
		sa := r.SAs[0]
		if sa.State != StateDeleted || len(sa.ChildSAs) != 1 || r.Stats.DecryptFailed != 0 {
			t.Errorf("state %s, %d child SAs, %d not decrypted; want deleted, 1, 0", sa.State, len(sa.ChildSAs), r.Stats.DecryptFailed)
		}
		last := sa.Exchanges[0].Messages[6] // fragment 1, which completed MM5
		if last.Payloads != "FRAG{ID CERT SIG CR N(INITIAL-CONTACT)}" {
			t.Errorf("completing fragment: %q", last.Payloads)
		}
	})
	t.Run("mm5-retransmitted-whole", func(t *testing.T) {
		// The initiator sends MM5's three fragments again at the end.
		pk := slices.Clone(orig)
		end := pk[len(pk)-1].Time
		for k, i := range mm5 {
			c := pk[i]
			c.Frame, c.Time = 100+k, end.Add(time.Second+time.Duration(k)*time.Millisecond)
			pk = append(pk, c)
		}
		r := run(t, pk)
		mm := r.SAs[0].Exchanges[0]
		if mm.Retransmits != 1 {
			t.Errorf("main mode retransmits %d, want 1 (one copy of MM5, in 3 fragments)", mm.Retransmits)
		}
		msg := findingText(r, KindRetransmit)
		if !strings.Contains(msg, "MM5") || !strings.Contains(msg, "2 times") {
			t.Errorf("retransmit finding: %q", msg)
		}
		for _, m := range mm.Messages[len(mm.Messages)-3:] {
			if m.Label != "MM5" || !m.Retransmit {
				t.Errorf("copy frame %d: label %s retransmit %v", m.Frame, m.Label, m.Retransmit)
			}
		}
		if r.Stats.DecryptFailed != 0 {
			t.Errorf("%d not decrypted", r.Stats.DecryptFailed)
		}
	})
	t.Run("mm5-fragment-cut", func(t *testing.T) {
		pk := slices.Clone(orig)
		pk[mm5[1]].Data = pk[mm5[1]].Data[:200]
		r := run(t, pk)
		msg := findingText(r, KindFragmentsMissing)
		for _, want := range []string{"fragment 2 of 3 missing", "1 fragment could not be used (first: frame " + strconv.Itoa(orig[mm5[1]].Frame) + ": cut short"} {
			if !strings.Contains(msg, want) {
				t.Errorf("fragments_missing lacks %q:\n%s", want, msg)
			}
		}
		if findingText(r, KindMalformed) == "" {
			t.Error("no malformed finding for the cut fragment")
		}
		if got := mainModeLabels(r); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "MM7") }) {
			t.Errorf("labels %q", got)
		}
	})
	t.Run("many-fragment-ids", func(t *testing.T) {
		// 100 copies of MM5's first fragment, each with another fragment
		// ID: 100 messages never complete, reported within bounds.
		pk := slices.Clone(orig[:mm5[0]])
		for k := range 100 {
			c := orig[mm5[0]]
			c.Data = slices.Clone(c.Data)
			c.Data[dissect.HeaderLen+4], c.Data[dissect.HeaderLen+5] = byte(k>>8), byte(k+2)
			c.Frame, c.Time = 1000+k, c.Time.Add(time.Duration(k)*time.Microsecond)
			pk = append(pk, c)
		}
		r := run(t, pk)
		n, summary := 0, ""
		for _, f := range r.Findings {
			if f.Kind == KindFragmentsMissing {
				n++
				if strings.Contains(f.Message, "more IKEv1 messages") {
					summary = f.Message
				}
			}
		}
		if n != maxNoted+1 || !strings.HasPrefix(summary, strconv.Itoa(100-maxNoted)+" more IKEv1 messages sent in fragments were never reassembled") {
			t.Errorf("%d fragments_missing findings (want %d), summary %q", n, maxNoted+1, summary)
		}
	})
	t.Run("hostile-numbers", func(t *testing.T) {
		// Before MM5: copies of its fragment 2 numbered 0, 200 (above the
		// limit) and 9 flagged last; then the real fragments, whose last
		// (3) contradicts 9.
		pk := slices.Clone(orig[:mm5[0]])
		for _, h := range []struct {
			num  byte
			last bool
		}{{0, false}, {200, false}, {9, true}} {
			c := orig[mm5[1]]
			c.Data = slices.Clone(c.Data)
			c.Data[dissect.HeaderLen+6] = h.num
			if h.last {
				c.Data[dissect.HeaderLen+7] = 1
			}
			c.Time = c.Time.Add(-time.Millisecond)
			pk = append(pk, c)
		}
		pk = append(pk, orig[mm5[0]:]...)
		r := run(t, pk)
		msg := findingText(r, KindFragmentsMissing)
		for _, want := range []string{"initiator's MM5", "refused (first: frame"} {
			if !strings.Contains(msg, want) {
				t.Errorf("fragments_missing lacks %q:\n%s", want, msg)
			}
		}
		if got := mainModeLabels(r); slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "MM7") }) {
			t.Errorf("labels %q", got)
		}
	})
}

// FuzzV1Frag reassembles the real IKEv1 fragments of v1FragScenario after
// the fuzz input has rewritten them: each 4-octet step picks a fragment
// packet and an operation (set its fragment ID, number or flags, cut it,
// duplicate it to a later time, drop it, or move it before the packet
// ahead of it). Invariants: no panic; the Analyzer's count of held
// fragment sets and octets never goes negative nor beyond its bounds, and
// is back to zero once every SA is finalised; every fragments_missing
// finding names frames of the input.
func FuzzV1Frag(f *testing.F) {
	orig := loadPacketsQuiet(v1FragScenario)
	var frags []int
	for i := range orig {
		if _, _, ok := v1FragNumber(&orig[i]); ok {
			frags = append(frags, i)
		}
	}
	if len(frags) == 0 {
		f.Skip("no corpus")
	}
	kr := v1FragKeys(f)
	f.Add([]byte{})
	f.Add([]byte{1, 1, 0, 0})             // drop MM5 fragment 2
	f.Add([]byte{0, 2, 0, 9, 0, 3, 1, 1}) // fragment 1 renumbered 9, flagged last
	f.Add([]byte{4, 4, 0, 100})           // MM6 fragment 2 cut to 100 octets
	f.Add([]byte{2, 5, 0, 0, 1, 6, 0, 0}) // duplicate, move
	f.Add([]byte{3, 0, 0x12, 0x34})       // another fragment ID
	f.Fuzz(func(t *testing.T, script []byte) {
		pk := slices.Clone(orig)
		for i := range pk {
			pk[i].Data = slices.Clone(pk[i].Data)
		}
		idx := slices.Clone(frags)
		for len(script) >= 4 && len(idx) > 0 {
			k, op, a, b := int(script[0])%len(idx), script[1]%7, script[2], script[3]
			script = script[4:]
			i := idx[k]
			d := pk[i].Data
			if len(d) < dissect.HeaderLen+8 && op != 1 && op != 5 && op != 6 {
				continue // cut before the fragment header: nothing left to rewrite
			}
			switch op {
			case 0: // fragment ID
				d[dissect.HeaderLen+4], d[dissect.HeaderLen+5] = a, b
			case 1: // drop
				pk = slices.Delete(pk, i, i+1)
				idx = v1FragReindex(idx, k, i, -1)
			case 2: // number and flags
				d[dissect.HeaderLen+6], d[dissect.HeaderLen+7] = a, b
			case 3: // payload length
				d[dissect.HeaderLen+2], d[dissect.HeaderLen+3] = a, b
			case 4: // cut
				pk[i].Data = d[:min(len(d), int(a)<<2|int(b)&3)]
			case 5: // a copy later in the capture
				c := pk[i]
				c.Data = slices.Clone(c.Data)
				c.Frame = 1000 + len(pk)
				c.Time = pk[len(pk)-1].Time.Add(time.Duration(a) * time.Second)
				pk = append(pk, c)
				idx = append(idx, len(pk)-1)
			case 6: // swap with the packet before it (contents only)
				if i > 0 {
					pk[i].Data, pk[i-1].Data = pk[i-1].Data, pk[i].Data
				}
			}
		}
		a := NewAnalyzer(Options{Decryptor: NewDecryptor(kr)})
		frames := map[int]bool{}
		for i := range pk {
			frames[pk[i].Frame] = true
			a.Add(&pk[i])
			if h, o := a.v1f.held, a.v1f.octets; h < 0 || o < 0 || h > maxV1FragHeld+1 || o > maxV1FragOctets+dissect.MaxFragmentBytes {
				t.Fatalf("after frame %d: %d sets, %d octets held", pk[i].Frame, h, o)
			}
		}
		r := a.Finish()
		if a.v1f.held != 0 || a.v1f.octets != 0 {
			t.Fatalf("after Finish: %d sets, %d octets still counted as held", a.v1f.held, a.v1f.octets)
		}
		for _, fd := range r.Findings {
			if fd.Kind != KindFragmentsMissing {
				continue
			}
			for _, fr := range fd.Frames {
				if !frames[fr] {
					t.Fatalf("finding names frame %d, not in the input: %s", fr, fd.Message)
				}
			}
		}
	})
}

// v1FragReindex updates the fragment packet indexes after packet i (the
// k-th fragment) was removed.
func v1FragReindex(idx []int, k, i, _ int) []int {
	idx = slices.Delete(idx, k, k+1)
	for j := range idx {
		if idx[j] > i {
			idx[j]--
		}
	}
	return idx
}

// v1FragKeys loads the scenario's keys into a keyring (for fuzzing, where
// each run needs a fresh Tracker).
func v1FragKeys(tb testing.TB) *decrypt.Keyring {
	tb.Helper()
	return decrypt.NewKeyring(readKeyFile(tb, filepath.Join(corpusDir, v1FragScenario, "ikev1_decryption_table"))...)
}
