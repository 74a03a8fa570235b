package dissect

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// v1FragStep is one FragmentsV1.Add call and what it must give.
type v1FragStep struct {
	num   uint8
	last  bool
	data  string
	added FragmentAdded
	err   error
	whole string // on FragmentComplete
}

func TestFragmentsV1(t *testing.T) {
	tests := []struct {
		name    string
		steps   []v1FragStep
		missing []uint8 // Missing after the steps
	}{
		{"in order", []v1FragStep{{1, false, "ab", FragmentHeld, nil, ""}, {2, false, "cd", FragmentHeld, nil, ""}, {3, true, "e", FragmentComplete, nil, "abcde"}}, nil},
		{"last first", []v1FragStep{{3, true, "e", FragmentHeld, nil, ""}, {1, false, "ab", FragmentHeld, nil, ""}, {2, false, "cd", FragmentComplete, nil, "abcde"}}, nil},
		{"duplicate", []v1FragStep{{1, false, "ab", FragmentHeld, nil, ""}, {1, false, "xx", FragmentDuplicate, nil, ""}, {2, true, "c", FragmentComplete, nil, "abc"}}, nil},
		{"single", []v1FragStep{{1, true, "abc", FragmentComplete, nil, "abc"}}, nil},
		{"empty fragment", []v1FragStep{{1, false, "", FragmentHeld, nil, ""}, {2, true, "z", FragmentComplete, nil, "z"}}, nil},
		{"number 0", []v1FragStep{{0, false, "ab", FragmentHeld, ErrFragmentNumber, ""}}, nil},
		{"above the limit", []v1FragStep{{MaxFragments + 1, true, "ab", FragmentHeld, ErrTooManyFragments, ""}}, nil},
		{"beyond the last", []v1FragStep{{2, true, "b", FragmentHeld, nil, ""}, {3, false, "c", FragmentHeld, ErrFragmentNumber, ""}}, []uint8{1}},
		{"second last flag", []v1FragStep{{2, true, "b", FragmentHeld, nil, ""}, {4, true, "d", FragmentHeld, ErrFragmentNumber, ""}}, []uint8{1}},
		{"last below a held number", []v1FragStep{{5, false, "e", FragmentHeld, nil, ""}, {3, true, "c", FragmentHeld, ErrFragmentNumber, ""}}, []uint8{1, 2, 3, 4}},
		{"missing middle", []v1FragStep{{1, false, "a", FragmentHeld, nil, ""}, {4, true, "d", FragmentHeld, nil, ""}}, []uint8{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s FragmentsV1
			for i, st := range tt.steps {
				whole, added, err := s.Add(st.num, st.last, []byte(st.data))
				if added != st.added || !errors.Is(err, st.err) || string(whole) != st.whole {
					t.Fatalf("step %d: Add(%d, %v) = %q, %d, %v; want %q, %d, %v", i, st.num, st.last, whole, added, err, st.whole, st.added, st.err)
				}
				if err != nil && !errors.Is(err, ErrMalformed) {
					t.Errorf("step %d: %v does not wrap ErrMalformed", i, err)
				}
			}
			if got := s.Missing(nil); !slices.Equal(got, tt.missing) {
				t.Errorf("Missing = %v, want %v", got, tt.missing)
			}
		})
	}
}

// TestFragmentsV1TooBig checks MaxFragmentBytes: the fragment that passes
// it is refused and the collection emptied.
func TestFragmentsV1TooBig(t *testing.T) {
	var s FragmentsV1
	chunk := bytes.Repeat([]byte{7}, 1024)
	n := uint8(MaxFragmentBytes / len(chunk))
	for i := uint8(1); i <= n; i++ {
		if _, added, err := s.Add(i, false, chunk); added != FragmentHeld || err != nil {
			t.Fatalf("fragment %d: %d, %v", i, added, err)
		}
	}
	if _, _, err := s.Add(n+1, true, []byte{1}); !errors.Is(err, ErrFragmentsTooBig) {
		t.Fatalf("fragment past %d octets: %v, want ErrFragmentsTooBig", MaxFragmentBytes, err)
	}
	if held, octets := s.Held(); held != 0 || octets != 0 {
		t.Errorf("after refusal: %d fragments, %d octets held", held, octets)
	}
}

// FuzzFragmentsV1 adds fragments as the input says (3 octets each:
// number, last flag, length) and checks the bounds and the reassembled
// length: the sum of the first copy of each number held.
func FuzzFragmentsV1(f *testing.F) {
	f.Add([]byte{1, 0, 10, 2, 1, 5})
	f.Add([]byte{3, 1, 1, 1, 0, 1, 1, 0, 2, 2, 0, 3})
	f.Add([]byte{0, 0, 0, 200, 1, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		var s FragmentsV1
		lens := map[uint8]int{}
		for len(ops) >= 3 {
			num, last, n := ops[0], ops[1]&1 != 0, int(ops[2])*300
			ops = ops[3:]
			whole, added, err := s.Add(num, last, make([]byte, n))
			held, octets := s.Held()
			if held > MaxFragments || octets > MaxFragmentBytes || held < 0 || octets < 0 {
				t.Fatalf("held %d fragments, %d octets", held, octets)
			}
			switch {
			case errors.Is(err, ErrFragmentsTooBig):
				clear(lens)
			case err != nil, added == FragmentDuplicate:
			case added == FragmentHeld:
				lens[num] = n
			case added == FragmentComplete:
				lens[num] = n
				sum := 0
				for _, l := range lens {
					sum += l
				}
				if len(whole) != sum {
					t.Fatalf("reassembled %d octets, the fragments held %d", len(whole), sum)
				}
				clear(lens)
			}
		}
	})
}
