package flows

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ccsaRefusals returns r's child_sa_refused findings about CREATE_CHILD_SA
// answers (hiddenCCSARefusals), not those about IKE_AUTH or quick mode.
func ccsaRefusals(r *Report) []Finding {
	var out []Finding
	for _, f := range findingsOf(r, KindChildRefused) {
		if strings.Contains(f.Message, "CREATE_CHILD_SA request") {
			out = append(out, f)
		}
	}
	return out
}

// TestHiddenRekeyRefusal: strongSwan's child SA rekeys refused for a PFS
// mismatch (the logs: three CREATE_CHILD_SA requests answered with
// N(NO_PROPOSAL_CHOSEN) only, 80 octets each) read, without keys, as a
// refused CREATE_CHILD_SA, a warning; with the keys the notify itself says
// so and the size rule stays silent.
func TestHiddenRekeyRefusal(t *testing.T) {
	const sc = "ikev2-child-rekey-pfs-mismatch"
	pk := corpusPackets(t, sc)
	r := analyze(pk, Options{})
	f := ccsaRefusals(r)
	if len(f) != 1 {
		logReport(t, r)
		t.Fatalf("without keys: %d CREATE_CHILD_SA refusals, want 1", len(f))
	}
	if f[0].Severity != SeverityWarning || !slices.Equal(f[0].Frames, []int{13, 14, 23, 24, 33, 34}) ||
		!strings.Contains(f[0].Message, "3 CREATE_CHILD_SA requests") || !strings.Contains(f[0].Message, "PFS") {
		t.Errorf("without keys: %v %v\n%s", f[0].Severity, f[0].Frames, f[0].Message)
	}
	// The SA is not "no errors or warnings" any more.
	if got := sortedKinds(r); !slices.Equal(got, []string{"child_sa_refused:warning"}) {
		t.Errorf("without keys: findings %v", got)
	}

	r = analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
	if f := ccsaRefusals(r); len(f) != 0 {
		t.Errorf("with keys: %d size-based refusals beside the notify", len(f))
	}
	if len(findingsOf(r, KindNoProposalChosen)) == 0 {
		t.Errorf("with keys: no no_proposal_chosen: %v", kinds(r.Findings))
	}

	// Cut after the first refusal (frame 14): nothing of the SA follows,
	// so a retry may have succeeded after the capture stopped: an info.
	r = analyze(pk[:byFrame(t, pk, 14)+1], Options{})
	if f := ccsaRefusals(r); len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "not known") {
		logReport(t, r)
		t.Errorf("cut after the first refusal: %v", f)
	}
}

// TestHiddenRekeyRefusalCorpus: without keys, across the corpus, the size
// rule finds exactly the CREATE_CHILD_SA answers the daemons' logs show as
// error notifies (ikev2-child-rekey-pfs-mismatch, NO_PROPOSAL_CHOSEN;
// ikev2-child-temporary-failure, TEMPORARY_FAILURE, retried with success:
// an info) and none of the accepted ones (208 octets and more).
func TestHiddenRekeyRefusalCorpus(t *testing.T) {
	want := map[string]Severity{
		"ikev2-child-rekey-pfs-mismatch": SeverityWarning,
		"ikev2-child-temporary-failure":  SeverityInfo,
	}
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "*", "capture.pcap"))
	if len(dirs) == 0 {
		t.Fatal("no corpus captures")
	}
	for _, p := range dirs {
		sc := filepath.Base(filepath.Dir(p))
		if _, err := os.Stat(filepath.Join(corpusDir, sc, "expected.json")); err != nil {
			continue
		}
		r := analyze(corpusPackets(t, sc), Options{})
		f := ccsaRefusals(r)
		sev, ok := want[sc]
		switch {
		case !ok && len(f) > 0:
			t.Errorf("%s: CREATE_CHILD_SA refusal where the logs have none: %s", sc, f[0].Message)
		case ok && (len(f) != 1 || f[0].Severity != sev):
			t.Errorf("%s: refusals %v, want one %v", sc, f, sev)
		}
	}
}
