//go:build !linux

package main

// adviseHugePages does nothing here: transparent huge pages are Linux's
// (hugepages_linux.go).
func adviseHugePages(int) {}

// hugeHeapBytes returns 0: no huge pages here.
func hugeHeapBytes() int { return 0 }
