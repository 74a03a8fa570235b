package dissect

import (
	"encoding/binary"
	"testing"
)

// TestSAV1ChainErrors damages the real SA payload of main-mode message 1
// (testdata/v1_main_mode.hex frame 1: one proposal, one transform) and
// checks the exact field path and offset of each error from the
// Proposal/Transform chain walk. Offsets count from the IKE header: the SA
// payload starts at 28, its body at 32, the proposal at 40, the transform
// at 48.
func TestSAV1ChainErrors(t *testing.T) {
	raw := frameV1(t, "main_mode", 1).raw
	var msg Message
	if err := msg.DecodeFromBytes(raw); err != nil || msg.Payloads[0].Type != PayloadSAV1 {
		t.Fatalf("frame 1: %v", err)
	}
	sa := msg.Payloads[0]
	tests := []struct {
		name   string
		damage func(b []byte) []byte
		want   string
	}{
		{"proposal length below header", func(b []byte) []byte { binary.BigEndian.PutUint16(b[10:], 4); return b },
			"SA/proposal[0].length at offset 42: malformed"},
		{"proposal length past the SA", func(b []byte) []byte { binary.BigEndian.PutUint16(b[10:], 0xff); return b },
			"SA/proposal[0].length at offset 42: truncated"},
		{"proposal header cut", func(b []byte) []byte { return b[:10] },
			"SA/proposal[0].header at offset 40: truncated"},
		{"proposal next payload not P", func(b []byte) []byte { b[8] = 5; return b },
			"SA/proposal[0].next_payload at offset 40: malformed"},
		{"transform length below header", func(b []byte) []byte { binary.BigEndian.PutUint16(b[18:], 4); return b },
			"SA/proposal[0]/transform[0].length at offset 50: malformed"},
		{"transform next payload not T", func(b []byte) []byte { b[16] = 9; return b },
			"SA/proposal[0]/transform[0].next_payload at offset 48: malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := sa
			p.Body = tt.damage(append([]byte(nil), sa.Body...))
			_, err := DecodePayload(1, p)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := DecodePayload(1, sa); err != nil {
		t.Errorf("undamaged SA: %v", err)
	}
}
