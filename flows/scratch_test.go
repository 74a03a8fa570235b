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
	var opt Options
	if k := os.Getenv("KEYS"); k != "" {
		opt.Decryptor = keyringFor(t, capturePath(t, k))
	}
	r := analyze(loadPackets(t, capturePath(t, name)), opt)
	for _, sa := range r.SAs {
		fmt.Print(Ladder(sa))
	}
	if os.Getenv("JSON") != "" {
		b, _ := json.MarshalIndent(r, "", "  ")
		fmt.Println(string(b))
	}
}
