package flows

import (
	"math"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestExRecRTTExact checks that an exchange's RTT, kept as the wait it is
// computed from in 4 octets (nanoseconds, else microseconds, else in its
// exRare), renders exactly as millis of that wait for waits on either side
// of each limit, negative ones included, and that a later setRTT replaces
// an earlier one whatever form each took.
func TestExRecRTTExact(t *testing.T) {
	waits := []time.Duration{0, -time.Second, 1, 1234567, math.MaxUint32, math.MaxUint32 + 1,
		(math.MaxUint32 + 1) * time.Microsecond / 1000 * 1000, 90 * time.Minute, 90*time.Minute + 1,
		math.MaxUint32 * time.Microsecond, (math.MaxUint32 + 1) * time.Microsecond, 400 * 24 * time.Hour, math.MaxInt64}
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, d := range waits {
		for _, before := range []time.Duration{0, 90*time.Minute + 1, 90 * time.Minute} {
			ex := newExchange(dissect.ExchangeIKEAuth, 1, sideI, at)
			ex.setRTT(before)
			ex.setRTT(d)
			if got, want := ex.rttMs(), millis(d); got != want {
				t.Errorf("wait %v after %v: RTT %v ms, want %v", d, before, got, want)
			}
			if got := ex.sync(nil, &noTexts).RTT; got != millis(d) {
				t.Errorf("wait %v: Exchange.RTT %v, want %v", d, got, millis(d))
			}
		}
	}
}

// TestExRecRetransmitsWiden checks that Retransmits counts on exactly past
// what the record's octet holds.
func TestExRecRetransmitsWiden(t *testing.T) {
	ex := newExchange(dissect.ExchangeIKEAuth, 1, sideI, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	for i := 1; i <= 1000; i++ {
		ex.addRetransmit()
		if got := ex.retransmits(); got != i {
			t.Fatalf("after %d retransmits: %d", i, got)
		}
	}
	if got := ex.sync(nil, &noTexts).Retransmits; got != 1000 {
		t.Errorf("Exchange.Retransmits %d, want 1000", got)
	}
}
