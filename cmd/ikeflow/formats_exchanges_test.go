package main

import (
	"bytes"
	"testing"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
	"github.com/ikeflow/ikeflow/internal/testcap"
)

// TestFormatsNeedExchanges checks the exchanges column of outputFormats
// (needsExchanges) against what each analyze report format prints: every
// format and --ladder setting writes a few corpus captures' reports twice,
// once from SAs with their exchanges and once from SAs analysed with
// flows.Options.NoExchanges. A format said not to need them must print
// the same bytes (else analyze would print less than it should); one
// said to need them must print something else (else it builds them for
// nothing).
func TestFormatsNeedExchanges(t *testing.T) {
	scenarios := []string{"ikev2-retransmit", "ikev1-main-quick", "ikev2-rekey", "ikev2-dpd-dead-peer"}
	for _, f := range formatsFor(useAnalyze) {
		for _, ladder := range []bool{false, true} {
			need := f.needsExchanges(ladder)
			for _, name := range scenarios {
				with := renderScenario(t, f, name, ladder, false)
				without := renderScenario(t, f, name, ladder, true)
				if same := bytes.Equal(with, without); same == need {
					t.Errorf("format %s, ladder %v, %s: needsExchanges %v but the output is the same with and without exchanges: %v",
						f.name, ladder, name, need, same)
				}
			}
		}
	}
}

// renderScenario analyses a corpus capture and writes its report in the
// format f, as analyze does (collector, report writer).
func renderScenario(t *testing.T, f *outputFormat, name string, ladder, noExchanges bool) []byte {
	t.Helper()
	path, _ := scenario(t, name)
	var buf bytes.Buffer
	refs := newFrameRefs([]string{path})
	out, err := startReport(f, &buf, renderOpts{ladder: ladder, refs: refs, inputs: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	defer out.close()
	an := flows.NewAnalyzer(flows.Options{OnSA: out.col.add, NoExchanges: noExchanges})
	testcap.Each(t, path, capture.Options{}, func(ev *capture.Event) {
		var pkt flows.Packet
		if ev.Kind == capture.KindIKE || ev.Kind == capture.KindESP {
			if packetOf(ev, &pkt) {
				pkt.Frame = refs.add(0, pkt.Frame)
				an.Add(&pkt)
			}
		}
	})
	if err := out.end(out.col.report(an.Finish()), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
