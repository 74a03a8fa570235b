package testutil

import (
	"fmt"
	"testing"
)

// TestSameBytes: equal bytes pass; unequal ones fail the test, naming the
// first byte that differs.
func TestSameBytes(t *testing.T) {
	if !SameBytes(t, "equal", []byte("abc"), []byte("abc")) {
		t.Error("equal bytes reported different")
	}
	var rec recorder
	if SameBytes(&rec, "x", []byte("abcd"), []byte("abXd")) {
		t.Error("different bytes reported equal")
	}
	if want := "x at byte 2:\n got  …abcd\n want …abXd"; rec.msg != want {
		t.Errorf("message %q, want %q", rec.msg, want)
	}
}

// recorder is a testing.TB that keeps the last Errorf message.
type recorder struct {
	testing.TB
	msg string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) { r.msg = fmt.Sprintf(format, args...) }
