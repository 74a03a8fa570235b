package flows

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// Captures as they come from the field: the same real captures with their
// frames out of time order (pcapng with several interfaces, multi-queue
// NICs), every packet captured twice (SPAN plus mirror, "-i any"), and
// jittered timestamps. The analysis must not change, except for the one
// note on the duplicates.

// fieldInput is a real capture and how to get a fresh decryptor for it.
type fieldInput struct {
	name string
	pk   []Packet
	keys func() Decryptor
}

// fieldInputs returns every corpus scenario (with its keys) and the shared
// third-party captures.
func fieldInputs(t *testing.T) []fieldInput {
	var in []fieldInput
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "*", "capture.pcap"))
	for _, p := range dirs {
		dir := filepath.Dir(p)
		in = append(in, fieldInput{filepath.Base(dir), loadPackets(t, p), func() Decryptor { return corpusKeys(t, dir) }})
	}
	for _, c := range []struct{ file, keys string }{
		{"wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng", "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/ikev2_decryption_table"},
		{"zeek-spicy-ipsec/ikev1-certs.pcap", "zeek-spicy-ipsec/ikev1-certs.ikev1_decryption_table"},
		{"zeek-spicy-ipsec/ipsec.cap", ""},
		{"zeek-spicy-ipsec/ipsec_client.pcap", ""},
		{"wireshark-wiki/ikev1_main_mode.pcap", ""},
	} {
		p := filepath.Join(testutil.SharedDir(), c.file)
		if !testutil.Exists(p) {
			continue
		}
		keys := func() Decryptor { return nil }
		if c.keys != "" {
			kp := filepath.Join(testutil.SharedDir(), c.keys)
			keys = func() Decryptor { return keyringFor(t, kp) }
		}
		in = append(in, fieldInput{c.file, loadPackets(t, p), keys})
	}
	if len(in) == 0 {
		t.Fatal("no captures")
	}
	return in
}

// reportDigest renders what a reader of the report sees: every SA's
// state, proposal, child SAs and ESP counters, and every finding.
func reportDigest(r *Report, skipKind FindingKind) []string {
	var out []string
	for _, sa := range r.SAs {
		out = append(out, fmt.Sprintf("SA %s %s %q est=%v", sa.Name(), sa.State, sa.Proposal, !sa.Established.IsZero()))
		for _, c := range sa.ChildSAs {
			out = append(out, fmt.Sprintf("  child %s/%s %s %v %v esp %d/%d", c.SPIi, c.SPIr, c.State, c.TSi, c.TSr,
				c.ESPPackets.IToR, c.ESPPackets.RToI))
		}
		for _, ex := range sa.Exchanges {
			out = append(out, fmt.Sprintf("  ex %s %d answered=%v retransmits=%d", ex.Type, ex.MID, ex.Answered, ex.Retransmits))
		}
	}
	for _, f := range r.Findings {
		if f.Kind == skipKind {
			continue
		}
		out = append(out, fmt.Sprintf("finding %s %s %s %v %s", f.SA, f.Kind, f.Severity, f.Frames, f.Message))
	}
	return out
}

// noNegativeDurations fails on any negative time in the report.
func noNegativeDurations(t *testing.T, r *Report) {
	t.Helper()
	for _, sa := range r.SAs {
		if sa.End.Before(sa.Start) {
			t.Errorf("SA %s ends before it starts", sa.Name())
		}
		for _, ex := range sa.Exchanges {
			if ex.RTT < 0 {
				t.Errorf("SA %s %s MID %d: negative RTT %v", sa.Name(), ex.Type, ex.MID, ex.RTT)
			}
		}
	}
	for _, f := range r.Findings {
		if strings.Contains(f.Message, "-0.") || strings.Contains(f.Message, "+-") || strings.Contains(f.Message, " -") &&
			strings.Contains(f.Message, " s") && strings.Contains(f.Message, "back-off: -") {
			t.Errorf("negative duration in %q", f.Message)
		}
	}
}

// diffLines reports the first lines where two digests differ.
func diffLines(t *testing.T, what string, want, got []string) {
	t.Helper()
	if slices.Equal(want, got) {
		return
	}
	t.Errorf("%s: analysis differs from the clean capture (%d vs %d lines)", what, len(got), len(want))
	for _, m := range testutil.Mismatches(got, want, 6) {
		t.Logf("line %d\n want %s\n  got %s", m.Index, m.Want, m.Got)
	}
}

func TestFieldVariants(t *testing.T) {
	for _, in := range fieldInputs(t) {
		t.Run(in.name, func(t *testing.T) {
			clean := analyze(clonePackets(in.pk), Options{Decryptor: in.keys()})
			want := reportDigest(clean, "")
			if hasKind(clean.Findings, KindCaptureDuplicate) || hasKind(clean.Findings, KindOutOfOrder) {
				t.Fatalf("clean capture reported as duplicated or out of order: %v", kinds(clean.Findings))
			}
			rng := rand.New(rand.NewPCG(1, uint64(len(in.pk))))

			// Frames out of file order: packets of one direction written in
			// blocks per 500 ms, as a two-interface pcapng does, then
			// neighbours less than 1 s apart swapped at random. Timestamps and frame numbers
			// stay those of the clean capture.
			pk := clonePackets(in.pk)
			slices.SortStableFunc(pk, func(x, y Packet) int {
				bx, by := x.Time.UnixNano()/int64(500*time.Millisecond), y.Time.UnixNano()/int64(500*time.Millisecond)
				if bx != by {
					return int(bx - by)
				}
				return strings.Compare(x.Src.String(), y.Src.String())
			})
			for i := 0; i+1 < len(pk); i++ {
				if rng.IntN(3) == 0 && absDur(pk[i+1].Time.Sub(pk[i].Time)) < time.Second {
					pk[i], pk[i+1] = pk[i+1], pk[i]
				}
			}
			if slices.EqualFunc(pk, in.pk, func(x, y Packet) bool { return x.Frame == y.Frame }) && len(pk) > 2 {
				t.Fatal("reordering left the file order unchanged")
			}
			r := analyze(pk, Options{Decryptor: in.keys()})
			diffLines(t, "reordered", want, reportDigest(r, ""))
			noNegativeDurations(t, r)

			// Every packet captured twice, 1–40 µs apart; the copies get
			// frame numbers after the last.
			pk = pk[:0]
			last := in.pk[len(in.pk)-1].Frame
			for _, p := range clonePackets(in.pk) {
				c := p
				c.Data = slices.Clone(p.Data)
				c.Frame = last + p.Frame
				c.Time = p.Time.Add(time.Duration(1+rng.IntN(40)) * time.Microsecond)
				pk = append(pk, p, c)
			}
			r = analyze(pk, Options{Decryptor: in.keys()})
			diffLines(t, "duplicated", want, reportDigest(r, KindCaptureDuplicate))
			n := 0
			for _, f := range r.Findings {
				if f.Kind == KindCaptureDuplicate {
					n++
					if !strings.HasPrefix(f.Message, fmt.Sprint(len(in.pk))+" packets appear twice") {
						t.Errorf("duplicate note: %q", f.Message)
					}
				}
			}
			if n != 1 {
				t.Errorf("%d capture_duplicate findings, want exactly 1", n)
			}

			// Timestamps jittered by up to ±20 µs (less than a third of the
			// shortest gap between two packets, so that causality holds).
			gap := time.Hour
			for i := 1; i < len(in.pk); i++ {
				if d := in.pk[i].Time.Sub(in.pk[i-1].Time); d > 0 {
					gap = min(gap, d)
				}
			}
			j := min(20*time.Microsecond, gap/3)
			pk = clonePackets(in.pk)
			for i := range pk {
				if j > 0 {
					pk[i].Time = pk[i].Time.Add(time.Duration(rng.Int64N(int64(2*j))) - j)
				}
			}
			r = analyze(pk, Options{Decryptor: in.keys()})
			diffLines(t, "jittered", reportDigest(clean, ""), reportDigest(r, ""))
			noNegativeDurations(t, r)
		})
	}
}

// absDur returns |d|.
func absDur(d time.Duration) time.Duration { return max(d, -d) }

// TestNoZeroTimeInJSON: no JSON time field holds Go's zero time on any real
// capture (an SA that never came up has no "established").
func TestNoZeroTimeInJSON(t *testing.T) {
	sawUnestablished := false
	for _, in := range fieldInputs(t) {
		for _, keys := range []Decryptor{nil, in.keys()} {
			r := analyze(clonePackets(in.pk), Options{Decryptor: keys})
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte("0001-01-01")) {
				t.Errorf("%s: zero time in JSON", in.name)
			}
			for _, sa := range r.SAs {
				if sa.Established.IsZero() {
					sawUnestablished = true
				}
			}
		}
	}
	if !sawUnestablished {
		t.Error("no SA that never came up among the inputs: the test checks nothing")
	}
}

// TestConcatenatedCaptures: two captures appended rather than merged by
// time (the second one's frames 60 s earlier than the first's): beyond
// the reorder window, so noted once, and both SAs still analysed.
func TestConcatenatedCaptures(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	var pk []Packet
	for _, p := range clonePackets(base) {
		p.Time = p.Time.Add(time.Minute)
		pk = append(pk, p)
	}
	pk = append(pk, strayESP(pk[len(pk)-1].Time.Add(10*time.Second)))
	for _, p := range clonePackets(base) {
		if p.Kind == KindIKE {
			newSPIs(&p, 9)
		} else {
			p.ESPSPI ^= 0x09000000
		}
		pk = append(pk, p)
	}
	renumber(pk)
	r := analyze(pk, Options{})
	f := findingsOf(r, KindOutOfOrder)
	if len(f) != 1 || !strings.HasPrefix(f[0].Message, fmt.Sprint(len(base))+" frames come after frames up to") {
		logReport(t, r)
		t.Fatalf("want one out_of_order finding for the %d late frames, got %v", len(base), kinds(r.Findings))
	}
	// How far: the earliest late frame comes after the stray ESP packet,
	// the newest frame before it (it said less: how far behind the
	// packets already analysed it was, the window less).
	far := secs(pk[len(base)].Time.Sub(base[0].Time))
	if want := "up to " + far + " later in time, beyond what the reorder window (2.0 s) puts back"; !strings.Contains(f[0].Message, want) {
		t.Errorf("out_of_order: %q lacks %q", f[0].Message, want)
	}
	if len(r.SAs) != 2 || r.SAs[0].State != StateEstablished || r.SAs[1].State != StateEstablished {
		logReport(t, r)
		t.Errorf("%d SAs, want both established", len(r.SAs))
	}
	noNegativeDurations(t, r)
}
