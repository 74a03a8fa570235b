package twoside

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/internal/testcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// expected is testdata/twoside/<scenario>/expected.json, written by
// testdata/gen/twoside_expect.py from the pcap bytes (not by ikeflow).
type expected struct {
	PacketsA   int     `json:"packets_a"`
	PacketsB   int     `json:"packets_b"`
	Matched    int     `json:"matched"`
	Shift      float64 `json:"clock_offset_b_minus_a_s"`
	Incomplete struct {
		A []int `json:"a"`
		B []int `json:"b"`
	} `json:"incomplete_datagrams"`
	Lost map[string][]struct {
		Frame      int    `json:"frame"`
		Kind       string `json:"kind"`
		Exchange   int    `json:"exchange"`
		MID        uint32 `json:"mid"`
		Response   bool   `json:"response"`
		Seq        uint32 `json:"seq"`
		Fragmented bool   `json:"fragmented"`
	} `json:"lost"`
	OnlyDown map[string][]struct {
		Frame int `json:"frame"`
	} `json:"only_downstream"`
	Mappings []struct {
		ASrc    string `json:"a_src"`
		ADst    string `json:"a_dst"`
		BSrc    string `json:"b_src"`
		BDst    string `json:"b_dst"`
		Packets int    `json:"packets"`
	} `json:"address_mappings"`
}

func scenarios(t *testing.T) []string {
	dirs, err := filepath.Glob("../testdata/twoside/*/expected.json")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no two-sided corpus (%v)", err)
	}
	for i := range dirs {
		dirs[i] = filepath.Dir(dirs[i])
	}
	return dirs
}

func loadExpected(t *testing.T, dir string) *expected {
	var e expected
	testutil.ReadJSON(t, filepath.Join(dir, "expected.json"), &e)
	return &e
}

func load(t testing.TB, path string, s *Side) {
	t.Helper()
	testcap.Each(t, path, capture.Options{}, s.Add)
}

func loadPair(t testing.TB, dir, b string) (*Side, *Side) {
	sa, sb := NewPair("side-a.pcap", b, Options{})
	load(t, filepath.Join(dir, "side-a.pcap"), sa)
	load(t, filepath.Join(dir, b), sb)
	return sa, sb
}

// lostSet lists the lost packets as "a:frame" / "b:frame" (the upstream
// capture and its frame), with IKE exchange/MID or ESP sequence.
func lostSet(r *Report) []string {
	var out []string
	for _, f := range r.Flows {
		for _, l := range f.Lost {
			if f.Kind == "IKE" {
				out = append(out, fmt.Sprintf("%s:%d ike %s mid=%d resp=%v frag=%v", l.Side, l.Frame, l.Exchange, l.MID, l.Response, l.Reassembled))
			} else {
				out = append(out, fmt.Sprintf("%s:%d esp seq=%d frag=%v", l.Side, l.Frame, l.ESPSeq, l.Reassembled))
			}
		}
	}
	slices.Sort(out)
	return out
}

func onlySet(r *Report) []string {
	var out []string
	for _, f := range r.Flows {
		for _, l := range f.OnlyDownstream {
			out = append(out, l.Side+":"+strconv.Itoa(l.Frame))
		}
	}
	slices.Sort(out)
	return out
}

func expLost(t *testing.T, e *expected) []string {
	exNames := map[int]string{2: "IDENTITY_PROTECT", 4: "AGGRESSIVE", 5: "INFORMATIONAL_V1", 32: "QUICK_MODE", 34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"}
	var out []string
	for dir, ls := range e.Lost {
		side := map[string]string{"a_to_b": "a", "b_to_a": "b"}[dir]
		for _, l := range ls {
			if l.Kind == "ike" {
				out = append(out, fmt.Sprintf("%s:%d ike %s mid=%d resp=%v frag=%v", side, l.Frame, exNames[l.Exchange], l.MID, l.Response, l.Fragmented))
			} else {
				out = append(out, fmt.Sprintf("%s:%d esp seq=%d frag=%v", side, l.Frame, l.Seq, l.Fragmented))
			}
		}
	}
	slices.Sort(out)
	return out
}

func expOnly(e *expected) []string {
	var out []string
	for dir, ls := range e.OnlyDown {
		side := map[string]string{"a_to_b": "b", "b_to_a": "a"}[dir] // downstream capture
		for _, l := range ls {
			out = append(out, side+":"+strconv.Itoa(l.Frame))
		}
	}
	slices.Sort(out)
	return out
}

func mapSet(r *Report) []string {
	var out []string
	for _, m := range r.Mappings {
		out = append(out, fmt.Sprintf("%s>%s = %s>%s x%d", m.ASrc, m.ADst, m.BSrc, m.BDst, m.Packets))
	}
	slices.Sort(out)
	return out
}

// expMaps is mapSet of the script's address mappings.
func expMaps(e *expected) []string {
	var r Report
	for _, m := range e.Mappings {
		r.Mappings = append(r.Mappings, Mapping{ASrc: netip.MustParseAddrPort(m.ASrc), ADst: netip.MustParseAddrPort(m.ADst),
			BSrc: netip.MustParseAddrPort(m.BSrc), BDst: netip.MustParseAddrPort(m.BDst), Packets: m.Packets})
	}
	return mapSet(&r)
}

// checkAgainst compares a report with the independent script's results.
func checkAgainst(t *testing.T, r *Report, e *expected) {
	t.Helper()
	if !r.Related || !r.Unambiguous {
		t.Fatalf("related=%v unambiguous=%v (%s)", r.Related, r.Unambiguous, r.Reason)
	}
	if r.PacketsA != e.PacketsA || r.PacketsB != e.PacketsB || r.Matched != e.Matched {
		t.Errorf("packets a=%d b=%d matched=%d, script says %d %d %d", r.PacketsA, r.PacketsB, r.Matched, e.PacketsA, e.PacketsB, e.Matched)
	}
	if got, want := lostSet(r), expLost(t, e); !slices.Equal(got, want) {
		t.Errorf("lost:\n got %q\nwant %q", got, want)
	}
	if !slices.Equal(r.FragmentFramesA, e.Incomplete.A) || !slices.Equal(r.FragmentFramesB, e.Incomplete.B) {
		t.Errorf("incomplete datagrams: a %v b %v, script says a %v b %v", r.FragmentFramesA, r.FragmentFramesB, e.Incomplete.A, e.Incomplete.B)
	}
	if got, want := onlySet(r), expOnly(e); !slices.Equal(got, want) {
		t.Errorf("only downstream:\n got %q\nwant %q", got, want)
	}
	if got, want := mapSet(r), expMaps(e); !slices.Equal(got, want) {
		t.Errorf("mappings:\n got %q\nwant %q", got, want)
	}
	for _, f := range r.Flows {
		if f.Arrived > 0 && (f.DelayMin < -time.Millisecond || f.DelayMax > 50*time.Millisecond) {
			t.Errorf("%s %s→%s: delays %v..%v between two interfaces of one router", f.SA, f.From, f.To, f.DelayMin, f.DelayMax)
		}
	}
}

func TestCorpus(t *testing.T) {
	for _, dir := range scenarios(t) {
		e := loadExpected(t, dir)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			a, b := loadPair(t, dir, "side-b.pcap")
			r := Compare(a, b)
			checkAgainst(t, r, e)
			// both captures come from the router's one clock
			if off := absDur(r.Clock.Offset); off > time.Millisecond || r.Clock.OneWay {
				t.Errorf("clock offset %v (one way %v), want ~0 (one clock)", r.Clock.Offset, r.Clock.OneWay)
			}
		})
		if _, err := os.Stat(filepath.Join(dir, "side-b-shifted.pcap")); err != nil {
			continue
		}
		t.Run(filepath.Base(dir)+"/shifted", func(t *testing.T) {
			a, b := loadPair(t, dir, "side-b-shifted.pcap")
			r := Compare(a, b)
			checkAgainst(t, r, e)
			want := time.Duration(e.Shift * 1e9)
			if d := absDur(r.Clock.Offset - want); d > time.Millisecond {
				t.Errorf("clock offset %v, editcap shifted by %v", r.Clock.Offset, want)
			}
		})
	}
}

// TestNATPortChange: the script saw A's 198.51.100.10:4500 become two
// different ports on B's side; the report must name both, in order, and
// tie B's lost packets to the old one.
func TestNATPortChange(t *testing.T) {
	dir := "../testdata/twoside/twoside-nat-ports"
	e := loadExpected(t, dir)
	var ports []string
	for _, m := range e.Mappings {
		if m.ASrc == "198.51.100.10:4500" {
			ports = append(ports, m.BSrc)
		}
	}
	if len(ports) != 2 {
		t.Fatalf("corpus: want two mappings of 198.51.100.10:4500, script found %q", ports)
	}
	a, b := loadPair(t, dir, "side-b-shifted.pcap")
	r := Compare(a, b)
	all := strings.Join(r.Findings, "\n")
	for _, want := range []string{
		ports[0] + " → 203.0.113.10:4500 (6 packets, frames 3–13 in side-a.pcap), then " + ports[1],
		"the NAT mapping changed during the capture",
		"were sent to " + ports[0] + ", a NAT mapping replaced by " + ports[1],
	} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q:\n%s", want, all)
		}
	}
}

// TestDeterministic: the same two captures give the same report on every
// run (flows and NAT mappings used to come out in map order, so the ports
// shown for a flow changed from run to run on the nat-ports scenario).
func TestDeterministic(t *testing.T) {
	for _, dir := range scenarios(t) {
		var first string
		for i := 0; i < 8; i++ {
			a, b := loadPair(t, dir, "side-b.pcap")
			r := Compare(a, b)
			got, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				first = string(got)
			} else if string(got) != first {
				t.Fatalf("%s: run %d differs from run 0", dir, i)
			}
		}
	}
}
