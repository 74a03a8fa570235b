package flows

import (
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestCaptureLoss analyses a capture that dropped the responder's ESP
// (testdata/field: dumpcap fell behind and recorded 576 drops; strongSwan's
// logs show the child SA carrying traffic both ways). one_way_esp, which
// rests on the ESP not seen, must say the capture dropped packets, once;
// findings that rest on what was seen must not; and the capture gets one
// capture_loss warning. Without the count the report is as before.
func TestCaptureLoss(t *testing.T) {
	pkts := loadPackets(t, testutil.Field("capture-drops.pcapng.gz"))
	run := func(n int64) *Report {
		a := NewAnalyzer(Options{})
		for i := range pkts {
			a.Add(&pkts[i])
		}
		a.NoteCaptureLoss("interface va of capture-drops.pcapng.gz, as the capture records", n)
		a.NoteCaptureLoss("nothing", 0)
		return a.Finish()
	}
	const note = "This capture dropped 576 packets while it was taken (see capture_loss): what is missing here may be among them."
	rep := run(576)
	var oneWay, loss int
	for _, f := range rep.Findings {
		switch {
		case f.Kind == KindOneWayESP:
			oneWay++
			if !strings.HasSuffix(f.Message, " "+note) || strings.Count(f.Message, note) != 1 {
				t.Errorf("one_way_esp does not end with the loss note once: %s", f.Message)
			}
		case f.Kind == KindCaptureLoss:
			loss++
			if f.SA != "" || f.Severity != SeverityWarning || f.Frames == nil || len(f.Frames) != 0 ||
				!strings.HasPrefix(f.Message, "The capture dropped 576 packets while it was taken (interface va of capture-drops.pcapng.gz, as the capture records)") {
				t.Errorf("capture_loss: %+v", f)
			}
		case strings.Contains(f.Message, note):
			t.Errorf("%s does not rest on packets not seen, but has the loss note: %s", f.Kind, f.Message)
		}
	}
	if oneWay != 1 || loss != 1 {
		t.Errorf("%d one_way_esp and %d capture_loss findings, want 1 and 1", oneWay, loss)
	}
	for _, f := range run(0).Findings {
		if f.Kind == KindCaptureLoss || strings.Contains(f.Message, "This capture dropped") {
			t.Errorf("no drops noted, yet: %s %s", f.Kind, f.Message)
		}
	}
}

// TestCaptureLossSources checks several sources: each count listed, not
// added up (two files may count the same drops),
// the first maxLossSources named and the rest counted, and the note on
// findings that no longer gives one capture's count.
func TestCaptureLossSources(t *testing.T) {
	a := NewAnalyzer(Options{})
	a.NoteCaptureLoss("one", 5)
	if f, _ := a.lossFinding(); !strings.HasPrefix(f.Message, "The capture dropped 5 packets while it was taken (one): ") ||
		a.loss.note != " This capture dropped 5 packets while it was taken (see capture_loss): what is missing here may be among them." {
		t.Errorf("one source: %s | %s", f.Message, a.loss.note)
	}
	for i := range maxLossSources + 1 {
		a.NoteCaptureLoss("s"+string(rune('a'+i)), int64(10+i))
	}
	f, ok := a.lossFinding()
	const want = "The captures record packets they dropped while they were taken: 5 on one; 10 on sa; 11 on sb; 12 on sc; 13 on sd; 14 on se; 15 on sf; 16 on sg; 2 more captures: each fell behind"
	if !ok || !strings.HasPrefix(f.Message, want) {
		t.Errorf("sources:\n%s\nwant prefix\n%s", f.Message, want)
	}
	if !strings.HasPrefix(a.loss.note, " The captures record packets") {
		t.Errorf("note with several sources: %s", a.loss.note)
	}
}
