package main

import (
	"path/filepath"
	"strings"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// noteCaptureLoss hands the analyzer the packets each capture file records
// as dropped while it was taken (capture.Reader.Dropped: pcapng interface
// statistics), once the files are read: the report then says which of its
// findings those losses may explain (flows' loss.go).
func noteCaptureLoss(an *flows.Analyzer, paths []string, readers []*capture.Reader) {
	for i, r := range readers {
		n, ifaces := r.Dropped()
		if n <= 0 {
			continue
		}
		src := "interface " + strings.Join(ifaces, ", ")
		if len(ifaces) > 1 {
			src = "interfaces " + strings.Join(ifaces, ", ")
		}
		name := filepath.Base(paths[i])
		if paths[i] == "-" {
			name = "standard input"
		}
		src += " of " + name + ", as the capture records"
		an.NoteCaptureLoss(src, n)
	}
}
