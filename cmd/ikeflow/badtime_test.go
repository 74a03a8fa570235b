package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestAnalyzeImpossibleTimestamp: real captures rewritten as pcapng (one
// microsecond interface, plus a second interface only the damaged frame
// names) with one frame's stamp damaged as the field and hostile files
// do. analyze --format json exits 0 with a complete, valid document, the
// warning names the frame and its file offset, the document equals that
// of the capture with the frame stamped at the previous frame's time, and
// every SA's JSON equals the undamaged capture's apart from times (which
// the damaged frame's lost stamp moves).
func TestAnalyzeImpossibleTimestamp(t *testing.T) {
	type source struct {
		name, capture string
		keys          []string
		k             int // damaged frame, 1-based
	}
	rekey, rekeyKeys := scenario(t, "ikev2-rekey")
	sources := []source{{"ikev2-rekey", rekey, rekeyKeys, 3}}
	wiki := filepath.Join(testutil.SharedDir(), "wireshark-wiki/ikev2-esp-gcm-ctr-cbc")
	if _, err := os.Stat(filepath.Join(wiki, "capture.pcapng")); err == nil {
		// Frame 3 carries the initiator's certificate: a time past its
		// validity gave a false certificate_expired finding.
		sources = append(sources, source{"wiki", filepath.Join(wiki, "capture.pcapng"), []string{filepath.Join(wiki, "ikev2_decryption_table")}, 3})
	}
	y20000 := uint64(time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro())
	damages := []struct {
		name  string
		extra testpcap.NgInterface // interface 1
		ts    func(t time.Time) uint64
	}{
		{"year 20000", testpcap.NgInterface{TSResol: 6}, func(time.Time) uint64 { return y20000 }},
		{"past 2262 in ns", testpcap.NgInterface{TSResol: 9}, func(time.Time) uint64 { return math.MaxUint64 }},
		{"negative if_tsoffset", testpcap.NgInterface{TSResol: 6, TSOffset: -2e9}, func(t time.Time) uint64 { return uint64(t.UnixMicro()) }},
	}
	dir := t.TempDir()
	for _, src := range sources {
		lt, recs := testpcap.Records(t, src.capture)
		// write stamps frame i (0-based) as stamp says, on interfaces 0
		// (microseconds) and extra.
		write := func(name string, extra testpcap.NgInterface, stamp func(i int, tm time.Time) (uint32, uint64)) (string, []int) {
			extra.LinkType = lt
			w := testpcap.NewNgWriter(testpcap.NgInterface{LinkType: lt, TSResol: 6}, extra)
			for i, r := range recs {
				id, ts := stamp(i, r.CI.Timestamp)
				w.Add(id, ts, r.Data)
			}
			p := filepath.Join(dir, src.name+"-"+name+".pcapng")
			if err := os.WriteFile(p, w.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return p, w.Offsets
		}
		asRecorded := func(i int, tm time.Time) (uint32, uint64) { return 0, uint64(tm.UnixMicro()) }
		analyze := func(p string) (string, string, int) {
			return ikeflow(t, withKeyArgs(p, src.keys, "--format", "json")...)
		}
		undamaged, _ := write("undamaged", testpcap.NgInterface{TSResol: 6}, asRecorded)
		whole, _, code := analyze(undamaged)
		if code != exitOK {
			t.Fatalf("%s undamaged: exit %d", src.name, code)
		}
		moved, _ := write("moved", testpcap.NgInterface{TSResol: 6}, func(i int, tm time.Time) (uint32, uint64) {
			if i == src.k-1 {
				return asRecorded(i-1, recs[i-1].CI.Timestamp)
			}
			return asRecorded(i, tm)
		})
		want, _, code := analyze(moved)
		if code != exitOK {
			t.Fatalf("%s moved: exit %d", src.name, code)
		}
		for _, d := range damages {
			t.Run(src.name+"/"+d.name, func(t *testing.T) {
				p, offs := write(strings.ReplaceAll(d.name, " ", "-"), d.extra, func(i int, tm time.Time) (uint32, uint64) {
					if i == src.k-1 {
						return 1, d.ts(tm)
					}
					return asRecorded(i, tm)
				})
				out, errs, code := analyze(p)
				if code != exitOK {
					t.Fatalf("exit %d, stderr %s", code, errs)
				}
				if !json.Valid([]byte(out)) {
					t.Fatalf("invalid JSON: ...%s", out[max(0, len(out)-200):])
				}
				note := "frame " + strconv.Itoa(src.k) + ": file: capture damaged: packet block at file offset " + strconv.Itoa(offs[src.k-1]) + ": the timestamp"
				if strings.Count(errs, note) != 1 {
					t.Errorf("warnings do not name frame %d at file offset %d once:\n%s", src.k, offs[src.k-1], errs)
				}
				// The report names the damage too (capture_notes), which
				// the capture with the frame moved has none of.
				notes := regexp.MustCompile(`(?m)^"capture_notes": \[.*\],\n`)
				if n := notes.FindString(out); !strings.Contains(n, "frame "+strconv.Itoa(src.k)+": file: capture damaged") {
					t.Errorf("capture_notes do not name frame %d: %q", src.k, n)
				}
				if notes.ReplaceAllString(out, "") != want {
					t.Errorf("JSON differs from the capture with frame %d at frame %d's time", src.k, src.k-1)
				}
				if g, w := sasWithoutTimes(t, out), sasWithoutTimes(t, whole); !reflect.DeepEqual(g, w) {
					t.Errorf("SAs differ from the undamaged capture's beyond times:\n got  %v\n want %v", g, w)
				}
			})
		}
	}
}

// sasWithoutTimes decodes the "sas" of an analyze JSON document with
// every member that holds a time or a time difference removed.
func sasWithoutTimes(t *testing.T, doc string) any {
	t.Helper()
	var v struct{ SAs []any }
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	var strip func(x any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, e := range x {
				switch k {
				case "time", "start", "end", "established", "created", "rtt_ms":
					delete(x, k)
				default:
					strip(e)
				}
			}
		case []any:
			for _, e := range x {
				strip(e)
			}
		}
	}
	if len(v.SAs) == 0 {
		t.Fatal("no SAs in the document")
	}
	strip(v.SAs)
	return v.SAs
}

// TestAnalyzePcapLargestStamp: a classic pcap record's largest stamp
// (2106-02-07T06:28:15.999999999Z, nanosecond pcap) is a real time to
// every stage: analyze --format json exits 0, writes it, warns nothing.
func TestAnalyzePcapLargestStamp(t *testing.T) {
	capture, keys := scenario(t, "ikev2-rekey")
	lt, recs := testpcap.Records(t, capture)
	w := testpcap.NewWriter(lt)
	for i, r := range recs {
		ts := r.CI.Timestamp
		if i == 27 { // frame 28, the last IKE message (INFORMATIONAL response)
			ts = time.Unix(math.MaxUint32, 999999999)
		}
		w.Add(ts, r.Data)
	}
	p, err := w.WriteFile(t.TempDir(), "late.pcap")
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := ikeflow(t, withKeyArgs(p, keys, "--format", "json")...)
	if code != exitOK || errs != "" || !json.Valid([]byte(out)) {
		t.Fatalf("exit %d, stderr %q, valid JSON %v", code, errs, json.Valid([]byte(out)))
	}
	if !strings.Contains(out, `"2106-02-07T06:28:15.999999999Z"`) {
		t.Errorf("the last frame's time is not in the document")
	}
}
