// Package startheap maps the heap pages a process touches while it starts
// in one step rather than one page fault at a time. A program imports it
// for that effect alone (import _), from its main package.
//
// Every 4 KiB page a process touches for the first time costs a page
// fault, and on a virtual machine a fault is dear. ikeflow's package
// initialisers allocate about 0.8 MB before main runs (tablewriter's width
// cache alone makes a map of 8192 entries: 663 KB), and the heap they
// allocate from is fresh: `ikeflow version` took 670 page faults, against
// 174 for an empty Go program. On Linux this package's initialiser runs
// early (see below) and backs the 2 MiB of heap around its own first
// allocation, where those that follow go, with one huge page
// (MADV_COLLAPSE, Linux 6.1 and later), or, where that is refused,
// populates the rest of those 2 MiB with one call (MADV_POPULATE_WRITE,
// Linux 5.14). Elsewhere it does nothing.
//
// Measured on the machine of issue 13, the process's wall time from a
// Python parent, runs of each binary alternating, medians (first
// quartiles):
//
//	                                   before          after
//	ikeflow version (30 runs)          23.6 (21.4) ms  18.8 (17.8) ms
//	analyze, a 5 kB capture (30)       31.1 (27.2)     25.9 (22.8)
//	analyze big10k, table (25)         169.8 (153.5)   160.3 (145.0)
//	analyze big10k, JSON (20)          191.4 (181.4)   184.8 (181.9)
//
// Page faults of `ikeflow version` (perf stat): 669 -> 417. Populating
// instead of collapsing saved as many faults and less time (19.9, 26.3,
// 164.9 and 193.3 ms in the same runs). The cost is memory: the 2 MiB are
// resident from the start, most of which the start-up fills anyway (max
// RSS of `ikeflow version` 9.2-9.4 -> 10.0-10.2 MiB, big10k as a table
// 71.0 -> 71.7 MiB).
//
// Order: Go initialises packages one at a time, each time the first, by
// import path, of those whose imports are all initialised (the language
// specification since Go 1.21). This package imports only syscall and
// unsafe, and its path sorts before github.com/olekukonko's, so it runs
// before tablewriter's initialisers (TestStartHeapRunsFirst in
// cmd/ikeflow checks the order in the built program).
//
// GODEBUG=disablethp=1, the Go runtime's switch against transparent huge
// pages, leaves out the collapse (the pages are still populated).
package startheap
