package flows

import (
	"math"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestSARareSize holds the part of saRare that SAs with certificates or
// a too small IKE_AUTH response allocate to 48 octets, with the first
// CERTREQ facts (64 before those facts' flags went to saState.flags, the
// CERTREQ's frame and authTiny took 4 octets each and saWide moved to
// saMore; 144 before saLinks took the rekey and replacement links, 336
// before saOdd took the lists of errors and weak algorithms: a 352-octet
// allocation), saLinks to 104 (96 before it kept when the SA that replaced it
// came up, for sawThrough: a 112-octet allocation, for the few SAs that rekey or are
// replaced) and saMore, with the pointer to saWide, to
// 144. It also checks that authTiny reads back every frame number exactly,
// and allocates an saWide only for those that do not fit 32 bits.
func TestSARareSize(t *testing.T) {
	if size := reflect.TypeOf(saRare{}).Size(); size > 48 {
		t.Errorf("saRare is %d octets, want at most 48", size)
	}
	if size := reflect.TypeOf(saLinks{}).Size(); size > 104 {
		t.Errorf("saLinks is %d octets, want at most 104", size)
	}
	if size := reflect.TypeOf(saMore{}).Size(); size > 144 {
		t.Errorf("saMore is %d octets, want at most 144", size)
	}
	for _, f := range []int{0, 1, 77, math.MaxUint32 - 1, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt, -1} {
		var st saState
		if st.authTinyFrame() != 0 {
			t.Fatalf("authTinyFrame() = %d before setAuthTiny", st.authTinyFrame())
		}
		st.setAuthTiny(f)
		if got := st.authTinyFrame(); got != f {
			t.Errorf("setAuthTiny(%d): authTinyFrame() = %d", f, got)
		}
		if wide := st.moreOrEmpty().wide != nil; wide != (f < 0 || f >= math.MaxUint32) {
			t.Errorf("setAuthTiny(%d) allocated an saWide: %v", f, wide)
		}
	}
}

// TestV1StateSize holds what every IKEv1 SA allocates (v1State) to 24
// octets (88, the 96 class, before its lists and DPD map moved to v1Odd;
// 32 with an int doneFrame), and checks that a frame number beyond 32
// bits still reads back exactly.
func TestV1StateSize(t *testing.T) {
	if size := reflect.TypeOf(v1State{}).Size(); size > 24 {
		t.Errorf("v1State is %d octets, want at most 24", size)
	}
	for _, f := range []int{0, 1, 77, math.MaxUint32, math.MaxUint32 + 1, math.MaxInt} {
		v := newV1State()
		if v.done() != 0 {
			t.Fatalf("done() = %d before phase 1 completed", v.done())
		}
		v.setDone(f)
		if !v.phase1Done || v.done() != f {
			t.Errorf("setDone(%d): done() = %d, phase1Done %v", f, v.done(), v.phase1Done)
		}
		if (v.v1Odd != &noV1Odd) != (f > math.MaxUint32) {
			t.Errorf("setDone(%d) allocated a v1Odd: %v", f, v.v1Odd != &noV1Odd)
		}
	}
}

// TestSharedEmptyUntouched analyses every corpus capture, with its keys,
// without, with a reserved flag set in every IKE header after the first
// and with every IKE message cut short, gives an SA a weak algorithm and
// enough findings to index them, and checks that the shared empty values
// the SAs and exchanges read through (noRare, noOdd, noLists, noLinks,
// noMore, noWide, noExtra, noExOdd, noPeerCerts, noPeerCred, noV1Odd) are
// still empty: a write through a promoted field of saRare that did not go
// through odd() (or lists()) would land in noOdd (or noLists), the state
// of every SA. It also checks that the inputs reach what saOdd, saLinks,
// peerCred and v1Odd hold (INVALID_KE, malformed messages, reserved
// flags, a rekey, identities, IKEv1 error notifies), so that the check is
// not vacuous.
func TestSharedEmptyUntouched(t *testing.T) {
	seen := map[FindingKind]int{}
	rekeyed, peers, v1Errors := 0, 0, 0
	flagged, cut := 0, 0
	for _, path := range corpusCaptures(t) {
		pk := loadPackets(t, path)
		variants := [][]Packet{pk, pk, clonePackets(pk), clonePackets(pk)}
		for i := range variants[2] {
			// Not the first message: a flagged message with no SA of its
			// SPIs is noted capture-wide and not analysed.
			if p := &variants[2][i]; i > 0 && len(p.Data) >= 28 {
				p.Data[19] |= 0x80 // reserved in IKEv1 and IKEv2 headers
				flagged++
			}
		}
		for i := range variants[3] {
			if p := &variants[3][i]; len(p.Data) >= 40 {
				p.Data = p.Data[:len(p.Data)-9]
				cut++
			}
		}
		for j, v := range variants {
			var dec Decryptor
			if j == 1 {
				dec = corpusKeys(t, filepath.Dir(path))
			}
			r := analyze(v, Options{Decryptor: dec})
			for _, sa := range r.SAs {
				for _, f := range sa.Findings {
					seen[f.Kind]++
					if sa.Version == 1 && f.Severity == SeverityError {
						v1Errors++
					}
				}
				if sa.RekeyedTo != "" {
					rekeyed++
				}
				for _, pa := range sa.Peers {
					if pa.ID != "" {
						peers++
					}
				}
			}
		}
	}
	if rekeyed == 0 || peers == 0 || v1Errors == 0 {
		t.Errorf("%d SAs rekeyed, %d peers with an identity, %d IKEv1 errors: the corpus no longer reaches saLinks,"+
			" peerCred or v1Odd", rekeyed, peers, v1Errors)
	}
	for _, k := range []FindingKind{KindInvalidKE, KindMalformed} {
		if seen[k] == 0 {
			t.Errorf("no SA has a %s finding (%d headers flagged, %d messages cut)", k, flagged, cut)
		}
	}
	st := new(saState)
	st.noteWeak([]weakAlg{{name: "DES", why: "test"}}, 1, "IKE SA")
	for i := range indexFindingsFrom + 2 {
		st.addFinding(KindMalformed, SeverityWarning, time.Time{}, strconv.Itoa(i), i+1)
	}
	if o := st.rareOrEmpty().saOdd; o == &noOdd || len(o.weak) != 1 || o.fidx == nil {
		t.Errorf("the SA's saOdd holds %+v", o)
	}
	if !reflect.DeepEqual(noRare, saRare{saOdd: &noOdd, saLinks: &noLinks}) {
		t.Errorf("noRare was written: %+v", noRare)
	}
	if !reflect.DeepEqual(noOdd, saOdd{oddLists: &noLists}) {
		t.Errorf("noOdd was written: %+v", noOdd)
	}
	if !reflect.DeepEqual(noPeerCerts, peerCerts{peerCred: &noPeerCred}) {
		t.Errorf("noPeerCerts was written: %+v", noPeerCerts)
	}
	for name, v := range map[string]any{"noLists": noLists, "noLinks": noLinks, "noMore": noMore, "noWide": noWide,
		"noExtra": noExtra, "noExOdd": noExOdd, "noPeerCred": noPeerCred, "noV1Odd": noV1Odd} {
		if !reflect.ValueOf(v).IsZero() {
			t.Errorf("%s was written: %+v", name, v)
		}
	}
}

// TestRekeyLinksKeepSPIs checks that linking a rekey keeps the SAs' SPIs
// without building their names (an allocation of 48 octets for each end
// of every rekey while the SAs are open), and that the names built from
// them are the SAs' names.
func TestRekeyLinksKeepSPIs(t *testing.T) {
	old, nw := new(saState), new(saState)
	old.SPIi, old.SPIr = dissect.SPI{1, 2, 3}, dissect.SPI{4, 5, 6}
	nw.SPIi, nw.SPIr = dissect.SPI{7, 8, 9}, dissect.SPI{10, 11, 12}
	old.links()
	nw.links()
	if n := testing.AllocsPerRun(100, func() { old.setRekeyedTo(nw); nw.setRekeyedFrom(old) }); n != 0 {
		t.Errorf("%v allocations to link a rekey, want 0", n)
	}
	if from, to := old.links().rekeyNames(); from != "" || to != nw.name() {
		t.Errorf("old SA: from %q, to %q, want \"\", %q", from, to, nw.name())
	}
	if from, to := nw.links().rekeyNames(); from != old.name() || to != "" {
		t.Errorf("new SA: from %q, to %q, want %q, \"\"", from, to, old.name())
	}
}
