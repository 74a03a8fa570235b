package startheap

import (
	"syscall"
	"testing"
	"unsafe"
)

func TestDisablesTHP(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"", false},
		{"disablethp=1", true},
		{"disablethp=0", false},
		{"gctrace=1,disablethp=1", true},
		{"disablethp=1,gctrace=1", true},
		{"disablethp=1,disablethp=0", false},
		{"xdisablethp=1", false},
		{"disablethp=10", false},
		{",,disablethp=1,", true},
	} {
		if got := disablesTHP(c.in); got != c.want {
			t.Errorf("disablesTHP(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestAround(t *testing.T) {
	for _, c := range []struct{ p, beg, from uintptr }{
		{0xc000000000, 0xc000000000, 0xc000000000},
		{0xc0001fffff, 0xc000000000, 0xc0001ff000},
		{0xc000200000, 0xc000200000, 0xc000200000},
		{0xa33bc0c4123, 0xa33bc000000, 0xa33bc0c4000},
	} {
		beg, from, end := around(c.p)
		if beg != c.beg || from != c.from || end != c.beg+hugePage {
			t.Errorf("around(%#x) = %#x, %#x, %#x; want %#x, %#x, %#x", c.p, beg, from, end, c.beg, c.from, c.beg+hugePage)
		}
	}
}

// TestInitMapped checks, in this test process, that init found the heap
// and that every page from its probe to the end of the huge page is
// resident (mincore): collapsed into one huge page, or populated. Pages
// above the heap's frontier are not, unless init's advice was taken.
func TestInitMapped(t *testing.T) {
	if done.beg == 0 {
		t.Skip("init did nothing (base pages are not 4 KiB)")
	}
	if done.probe < done.beg || done.probe >= done.beg+hugePage {
		t.Fatalf("probe %#x outside its huge page %#x", done.probe, done.beg)
	}
	n := int(done.beg+hugePage-done.probe) / 4096
	vec := make([]byte, n)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, done.probe, uintptr(n)*4096, uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatalf("mincore: %v", e)
	}
	missing := 0
	for _, v := range vec {
		if v&1 == 0 {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of the %d pages from the probe to the huge page's end are not resident (collapsed %v)", missing, n, done.collapsed)
	}
}
