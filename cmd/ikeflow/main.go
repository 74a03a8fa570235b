// Command ikeflow explains what IKE peers said to each other in a capture.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "ikeflow: under construction")
	os.Exit(2)
}
