package main

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// liveRun runs the live event stream and report ring over a capture as
// runLive does, with the analyzer options wire returns, and returns the
// events printed, the names of the SAs in the ring and the stream.
func liveRun(t *testing.T, path string, spis []string, wire func(flows.Options, *liveStream, *saRing) flows.Options) ([]byte, []string, *liveStream) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := capture.NewReader(bytes.NewReader(data), capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	f, err := lookupFormat(useLiveEvents, "json")
	if err != nil {
		t.Fatal(err)
	}
	stream := newLiveStream(w, f, spis)
	ring := newSARing(100)
	an := flows.NewAnalyzer(wire(flows.Options{SPIs: spis, ReorderWindow: -1}, stream, ring))
	feedLive(r, an, stream, math.MaxInt)
	stream.global(an.Finish().Findings)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sa := range ring.sas {
		names = append(names, sa.Name())
	}
	return out.Bytes(), names, stream
}

// TestLiveSPIFilterReleasesTracks checks that "ikeflow live --spi" does
// not keep the stream's track of every SA the filter leaves out (until
// cfbf754..b668f3f the analyzer dropped those SAs without handing them to
// OnSA, so the stream never saw them end): on every corpus capture with
// more than one IKE SA, filtered to the first SA's initiator SPI, no track
// is left after the capture, while the events and the ring's SAs are those
// of the analyzer filtering itself (the former wiring).
func TestLiveSPIFilterReleasesTracks(t *testing.T) {
	former := func(fopt flows.Options, stream *liveStream, ring *saRing) flows.Options {
		fopt.OnSA = func(sa *flows.SA) {
			stream.closed(sa)
			ring.add(sa)
		}
		return fopt
	}
	paths, _ := filepath.Glob("../../testdata/corpus/*/capture.pcap")
	leaked := 0
	for _, path := range paths {
		_, all, _ := liveRun(t, path, nil, liveOnSA)
		if len(all) < 2 {
			continue
		}
		spi := []string{all[0][:16]}
		wantEv, wantSAs, old := liveRun(t, path, spi, former)
		gotEv, gotSAs, s := liveRun(t, path, spi, liveOnSA)
		leaked += len(old.tracks)
		if len(s.tracks) != 0 {
			t.Errorf("%s: %d SA tracks left after the capture", path, len(s.tracks))
		}
		if !bytes.Equal(gotEv, wantEv) {
			t.Errorf("%s: events differ from the analyzer's own filtering:\n got %s\nwant %s", path, gotEv, wantEv)
		}
		if len(gotSAs) == 0 || !slices.Equal(gotSAs, wantSAs) {
			t.Errorf("%s: ring holds %v, want %v", path, gotSAs, wantSAs)
		}
	}
	if leaked == 0 {
		t.Fatal("the former wiring left no track on any capture: the test proves nothing")
	}
}
