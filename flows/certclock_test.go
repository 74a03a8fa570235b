package flows

import (
	"strings"
	"testing"
	"time"
)

// TestCertificateCaptureClock: ikev2-cert-rsa with its keys, both
// certificates valid and accepted (the SA comes up), under two wrong
// capture clocks. Timestamps counted from the capture's start (1970, as
// some converters of vendors' packet dumps write them) read "was not valid
// yet ... 20787 days after it was sent" as an error, and a clock 30 years
// fast "had expired" as an error: the capture's clock is only a witness,
// and the peers, which accepted the certificates, contradict it. Both are
// info now, saying so. The real time stays without such a finding.
func TestCertificateCaptureClock(t *testing.T) {
	const sc = "ikev2-cert-rsa"
	keys := func() Options { return Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)} }
	shifted := func(to func(time.Time) time.Time) []Packet {
		pk := corpusPackets(t, sc)
		for i := range pk {
			pk[i].Time = to(pk[i].Time)
		}
		return pk
	}
	if sa := analyze(corpusPackets(t, sc), keys()).SAs[0]; finding(sa, KindCertNotYetValid) != nil || finding(sa, KindCertExpired) != nil {
		t.Fatalf("real clock: %+v", sa.Findings)
	}
	start := corpusPackets(t, sc)[0].Time
	for _, c := range []struct {
		name string
		to   func(time.Time) time.Time
		kind FindingKind
		want string
	}{
		{"relative", func(x time.Time) time.Time { return time.Unix(3, 0).Add(x.Sub(start)) }, KindCertNotYetValid, "before IKE existed"},
		{"30 years fast", func(x time.Time) time.Time { return x.AddDate(30, 0, 0) }, KindCertExpired, "accepted it all the same"},
	} {
		sa := analyze(shifted(c.to), keys()).SAs[0]
		f := finding(sa, c.kind)
		if f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, c.want) {
			t.Errorf("%s: %s %+v", c.name, c.kind, f)
		}
		for _, f := range sa.Findings {
			if f.Severity == SeverityError {
				t.Errorf("%s: %s %s", c.name, f.Kind, f.Message)
			}
		}
	}
}
