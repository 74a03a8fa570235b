// Command ikeflow reads IKE (IKEv1/IKEv2) traffic from packet captures and
// explains what the peers said to each other and what went wrong.
//
// Run "ikeflow help" for the list of commands.
package main

import (
	"os"

	// Maps the heap pages the start-up touches in one step (Linux); it
	// must initialise before tablewriter (internal/startheap's doc).
	_ "github.com/ikeflow/ikeflow/internal/startheap"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
