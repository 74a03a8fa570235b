package flows

import "testing"

// BenchmarkFinishNoExchanges is BenchmarkFinish with Options.NoExchanges,
// as analyze sets it for the table (without --ladder) and CSV: Finish
// without building the exported exchanges. (A benchmark of its own rather
// than a sub-benchmark of BenchmarkFinish, so that the latter's name and
// numbers stay comparable with earlier runs.)
func BenchmarkFinishNoExchanges(b *testing.B) { benchFinish(b, Options{NoExchanges: true}) }
