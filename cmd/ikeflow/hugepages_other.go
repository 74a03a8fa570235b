//go:build !linux

package main

// adviseHugePages does nothing here: transparent huge pages are Linux's
// (hugepages_linux.go).
func adviseHugePages(int) {}
