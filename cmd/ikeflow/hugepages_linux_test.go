package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestWholeHugePages(t *testing.T) {
	const M = 1 << 20
	for _, c := range []struct{ start, n, beg, end uintptr }{
		{0, 4 * M, 0, 4 * M},
		{1, 4 * M, 2 * M, 4 * M},
		{2*M - 1, 2*M + 1, 2 * M, 4 * M},
		{2*M + 1, 3 * M, 4 * M, 4 * M}, // none whole
		{3 * M, M, 4 * M, 4 * M},       // inside one page: none
	} {
		beg, end := wholeHugePages(c.start, c.n)
		switch {
		case c.beg >= c.end && beg < end:
			t.Errorf("wholeHugePages(%#x, %#x) = [%#x, %#x), want none", c.start, c.n, beg, end)
		case c.beg < c.end && (beg != c.beg || end != c.end):
			t.Errorf("wholeHugePages(%#x, %#x) = [%#x, %#x), want [%#x, %#x)", c.start, c.n, beg, end, c.beg, c.end)
		}
	}
}

func TestHugePagesAround(t *testing.T) {
	const M = 1 << 20
	for _, c := range []struct {
		start, n uintptr
		want     []uintptr
	}{
		{0, 0, nil},
		{0, 2 * M, []uintptr{0}},
		{1, 2 * M, []uintptr{0, 2 * M}},
		{3 * M, M, []uintptr{2 * M}}, // inside one page
		{2*M - 1, 2*M + 2, []uintptr{0, 2 * M, 4 * M}},
		{0x1019e20, 5 << 20, []uintptr{16 * M, 18 * M, 20 * M}}, // the tables in one build
	} {
		var got []uintptr
		beg, end := hugePagesAround(c.start, c.n)
		for p := beg; p < end; p += hugePage {
			got = append(got, p)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("hugePagesAround(%#x, %#x) = %#x, want %#x", c.start, c.n, got, c.want)
		}
	}
}

// TestHugeHeapStartAdvises checks, in /proc/self/smaps, that the heap
// block hugeHeapStart frees is still marked for huge pages ("hg" in
// VmFlags) afterwards: the runtime must not have remapped it, or the
// advice would be lost for the allocations that reuse it.
func TestHugeHeapStartAdvises(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("no transparent huge pages here:", err)
	}
	beg, end := hugeHeapStart(12 << 20)
	if beg >= end {
		t.Fatalf("no whole huge page in a 12 MiB block: [%#x, %#x)", beg, end)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var in bool
	var seen int
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 {
			in = lo < end && hi > beg
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			seen++
			if !strings.Contains(line, " hg") {
				t.Errorf("a mapping within the block [%#x, %#x) lost the advice: %s", beg, end, line)
			}
		}
	}
	if seen == 0 {
		t.Errorf("no mapping covers the block [%#x, %#x)", beg, end)
	}
}

// TestTHPGrants reads the mode files the kernel writes: only "always" and
// "madvise" grant MADV_HUGEPAGE; "never" and no file do not.
func TestTHPGrants(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		text string
		want bool
	}{
		{"always [madvise] never\n", true},
		{"[always] madvise never\n", true},
		{"always madvise [never]\n", false},
		{"", false},
	} {
		p := dir + "/enabled"
		if err := os.WriteFile(p, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := thpGrants(p); got != c.want {
			t.Errorf("thpGrants(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	if thpGrants(dir + "/none") {
		t.Error("thpGrants of a missing file: true, want false")
	}
}
