package startheap

import (
	"syscall"
	"unsafe"
)

// Advice values of madvise(2) (not in package syscall).
const (
	madvPopulateWrite = 23 // MADV_POPULATE_WRITE (Linux 5.14)
	madvCollapse      = 25 // MADV_COLLAPSE (Linux 6.1)
)

// hugePage is the size of a transparent huge page where base pages are
// 4 KiB (amd64, arm64 with 4 KiB pages); with other base pages this
// package does nothing.
const hugePage = 2 << 20

// probeSize is the size of the allocation whose address tells where the
// heap's next pages are: above 32 KiB an object gets pages of its own,
// the lowest free ones, as the allocations after it do.
const probeSize = 64 << 10

// done records what init did, for tests: the huge page around the heap's
// next pages ([beg, beg+2 MiB), 0 when nothing was done), and whether it
// was collapsed (else populated from probe on).
var done struct {
	beg, probe uintptr
	collapsed  bool
}

func init() {
	if syscall.Getpagesize() != 4096 {
		return
	}
	sink = make([]byte, probeSize) // stored where the compiler must put it on the heap
	p := uintptr(unsafe.Pointer(unsafe.SliceData(sink)))
	beg, from, end := around(p)
	done.beg, done.probe = beg, from
	if !disablesTHP(env("GODEBUG")) && madvise(beg, end-beg, madvCollapse) == nil {
		done.collapsed = true
	} else {
		_ = madvise(from, end-from, madvPopulateWrite)
	}
	// The probe is garbage from here: its pages go back to the heap at
	// the first collection, inside the huge page. (It was kept for good
	// before: a slice of it stayed in sink.)
	sink = nil
}

// sink holds the probe while init reads its address: assigned to a
// package variable, it is allocated on the heap (a local 64 KiB slice
// that does not escape may be put on the stack, and its address would
// say nothing of the heap).
var sink []byte

// around returns the huge page that holds address p, [beg, end), and p
// rounded down to its 4 KiB page (from).
func around(p uintptr) (beg, from, end uintptr) {
	beg = p &^ (hugePage - 1)
	return beg, p &^ 4095, beg + hugePage
}

// madvise gives advice about [start, start+n).
func madvise(start, n uintptr, advice int) error {
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, start, n, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}

// env returns the value of environment variable k ("" when unset),
// without package os (which would initialise later than this package).
func env(k string) string {
	v, _ := syscall.Getenv(k)
	return v
}

// disablesTHP reports whether a GODEBUG value turns the runtime's
// transparent huge pages off (disablethp=1; the last setting counts).
func disablesTHP(godebug string) bool {
	off := false
	for start, i := 0, 0; i <= len(godebug); i++ {
		if i < len(godebug) && godebug[i] != ',' {
			continue
		}
		switch godebug[start:i] {
		case "disablethp=1":
			off = true
		case "disablethp=0":
			off = false
		}
		start = i + 1
	}
	return off
}
