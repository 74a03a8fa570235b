package flows

import "testing"

// BenchmarkPairHistory records the finished SAs of 2^19 distinct pairs of
// IPv4 peers, one SA each, through the history at its bound of 2^17 pairs
// (the million-SA capture's pattern: the history fills, then every new
// pair drops the oldest): the cost of observePair per SA.
func BenchmarkPairHistory(b *testing.B) {
	sts := singleSAPairs(1 << 19)
	b.ReportAllocs()
	for b.Loop() {
		a := NewAnalyzer(Options{})
		for i := range sts {
			a.observePair(&sts[i])
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(sts)), "ns/SA")
}
