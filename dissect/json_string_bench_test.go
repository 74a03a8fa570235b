package dissect

import "testing"

// benchStrings are what a report's strings look like: a finding's long
// plain message, the short names of the exchanges and messages.
var benchStrings = []string{
	"The responder is behind a NAT, or fakes NAT detection: its NAT detection hash does not match its address and port as seen in this capture (strongSwan with kernel-libipsec fakes it on purpose to force UDP encapsulation). IKE moves to UDP 4500 and ESP is UDP-encapsulated (RFC 3948); keepalives must hold the NAT mapping open, or traffic stops after the NAT's idle timeout.",
	"initiator", "responder", "SA KE NONCE ID VID VID VID VID VID", "AM1", "encrypted", "QUICK_MODE", "established",
	"AES-CBC-128/SHA2-256/Pre-shared key/MODP_2048", "nat_detected", "info", "e65bee5f701d4fa4/2fd81561c511e5ed",
}

// BenchmarkAppendJSONText writes benchStrings as JSON strings.
func BenchmarkAppendJSONText(b *testing.B) {
	n := 0
	for _, s := range benchStrings {
		n += len(s)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	buf := make([]byte, 0, 4096)
	for b.Loop() {
		buf = buf[:0]
		for _, s := range benchStrings {
			buf = AppendJSONText(buf, s)
		}
	}
}
