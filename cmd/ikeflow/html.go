package main

import (
	"io"

	"github.com/ikeflow/ikeflow/flows"
)

func renderHTML(w io.Writer, rep *flows.Report, col *collector, o renderOpts) error { return nil }
