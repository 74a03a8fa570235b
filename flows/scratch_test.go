package flows

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestScratchDump(t *testing.T) {
	name := os.Getenv("CAP")
	if name == "" {
		t.Skip()
	}
	r := analyze(loadPackets(t, capturePath(t, name)), Options{})
	for _, sa := range r.SAs {
		fmt.Print(Ladder(sa))
	}
	if os.Getenv("JSON") != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Println(string(b))
	}
}
