package flows

import (
	"fmt"
	"sort"
	"testing"
	"time"
)

// BenchmarkOpenCensus reads IKEFLOW_BENCH_CAPTURE as BenchmarkAnalyzeCapture
// does (10-minute idle timeout) and, after the last packet, prints for each
// optional field of saState how many open SAs hold it, and how many of
// those have no saAux ("noaux") or no saRare ("norare"): what moving the
// field to either would cost (an allocation for each SA without one), as
// "census NAME COUNT" lines. Run it before choosing where a field goes:
//
//	IKEFLOW_BENCH_CAPTURE=/tmp/big100k.pcap go test ./flows -run X -bench OpenCensus -benchtime 1x
func BenchmarkOpenCensus(b *testing.B) {
	path := benchCapture(b)
	for b.Loop() {
		a := NewAnalyzer(Options{IdleTimeout: 10 * time.Minute, OnSA: func(*SA) {}})
		feedCapture(b, path, a)
		printCensus(openCensus(a))
		a.Finish()
	}
}

// openCensus counts the fields of a's open SAs (BenchmarkOpenCensus).
func openCensus(a *Analyzer) map[string]int {
	c := map[string]int{}
	for st := a.lruHead; st != nil; st = st.next {
		c["open"]++
		hasAux := st.aux != nil
		hasRare := st.saRare != nil && st.saRare != &noRare
		if hasAux {
			c["aux"]++
		}
		if hasRare {
			c["rare"]++
		}
		if hasAux || hasRare {
			c["aux|rare"]++
		}
		// What one pointer to the optional parts would cost: the SAs that
		// would need it allocated.
		if hasAux || hasRare || st.fin != nil {
			c["aux|rare|fin"]++
		}
		if hasAux || hasRare || st.fin != nil || st.lastInf != 0 {
			c["aux|rare|fin|lastInf"]++
		}
		count := func(name string, held bool) {
			if !held {
				return
			}
			c[name]++
			if !hasAux {
				c[name+" noaux"]++
			}
			if !hasRare {
				c[name+" norare"]++
			}
		}
		x := st.auxOrEmpty()
		count("model", st.model() != nil)
		count("findings", st.findings() != nil)
		count("fin", st.fin != nil)
		count("v1", st.v1() != nil)
		count("lastInf", st.lastInf != 0)
		count("estNs", st.estNs != 0)
		count("ex3", st.ex3 != nil)
		count("natFrames", st.natFrames != frameList{})
		count("keGroups", st.keGroups != dhList{})
		count("mids", st.mids != [2]uint32{} || st.seen(sideI) || st.seen(sideR))
		count("hashAlgs", st.hashAlgs != [2]uint8{})
		count("aux.exMore", x.exMore != nil)
		count("aux.kids", x.kids != nil)
		count("aux.ext", x.ext != nil)
	}
	return c
}

// printCensus prints c, sorted by name.
func printCensus(c map[string]int) {
	names := make([]string, 0, len(c))
	for n := range c {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("census %-18s %d\n", n, c[n])
	}
}
