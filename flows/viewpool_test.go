package flows

import (
	"bytes"
	"testing"
)

// TestRecycleKeepsOutput runs every field input (the corpus with its keys
// and the third-party captures) twice, encoding each SA as OnSA gets it:
// once keeping every SA, once recycling each SA's storage as soon as it
// is encoded, so that the SAs after it, of the same capture and of the
// next, are built in blocks earlier SAs held. The encodings must be the
// same bytes, and blocks must have been reused, or the test proves
// nothing.
func TestRecycleKeepsOutput(t *testing.T) {
	in := fieldInputs(t)
	run := func(recycle bool, seen, recycled map[*viewBlock]bool) [][]byte {
		var out [][]byte
		for _, f := range in {
			a := NewAnalyzer(Options{Decryptor: f.keys(), OnSA: func(sa *SA) {
				if b := sa.view; b != nil && recycled[b] {
					seen[b] = true
				}
				enc, err := sa.AppendJSON(nil)
				if err != nil {
					t.Fatalf("%s: %v", f.name, err)
				}
				out = append(out, enc)
				if recycle {
					if sa.view != nil {
						recycled[sa.view] = true
					}
					Recycle(sa)
					if sa.Exchanges != nil || sa.view != nil {
						t.Fatalf("%s: SA %s keeps its exchanges after Recycle", f.name, sa.Name())
					}
				}
			}})
			for i := range f.pk {
				a.Add(&f.pk[i])
			}
			a.Finish()
		}
		return out
	}
	seen, recycled := map[*viewBlock]bool{}, map[*viewBlock]bool{}
	kept := run(false, seen, recycled)
	got := run(true, seen, recycled)
	if len(kept) != len(got) {
		t.Fatalf("%d SAs recycling, %d keeping them", len(got), len(kept))
	}
	for i := range kept {
		if !bytes.Equal(kept[i], got[i]) {
			t.Fatalf("SA %d differs when recycling:\n%s\nkeeping:\n%s", i, got[i], kept[i])
		}
	}
	// sync.Pool may drop blocks (at collections; randomly under -race),
	// but not most of them.
	if len(seen) < len(recycled)/4 {
		t.Fatalf("%d of %d recycled blocks were reused", len(seen), len(recycled))
	}
	t.Logf("%d SAs; %d of %d recycled blocks reused", len(got), len(seen), len(recycled))
}

// TestViewClass checks the block sizes: the smallest that holds n, none
// past the largest.
func TestViewClass(t *testing.T) {
	for _, c := range []struct{ n, want int }{
		{0, 0}, {1, 0}, {2, 0}, {3, 1}, {5, 3}, {6, 3}, {7, 4}, {128, len(viewSizes) - 1}, {129, len(viewSizes)},
	} {
		if got := viewClass(c.n); got != c.want {
			t.Errorf("viewClass(%d) = %d, want %d", c.n, got, c.want)
		}
	}
	for i := 1; i < len(viewSizes); i++ {
		if viewSizes[i] > viewSizes[i-1]*3/2+1 {
			t.Errorf("viewSizes: %d after %d wastes more than a half", viewSizes[i], viewSizes[i-1])
		}
	}
}
