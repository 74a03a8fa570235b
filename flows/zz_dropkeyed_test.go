package flows

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
)

func TestZZDropKeyed(t *testing.T) {
	for _, name := range corpusScenarios(t) {
		dir := filepath.Join(corpusDir, name)
		if corpusKeys(t, dir) == nil {
			continue
		}
		pk := corpusPackets(t, name)
		whole := errorKinds(analyze(pk, Options{Decryptor: corpusKeys(t, dir)}))
		for i := range pk {
			r := analyze(slices.Delete(slices.Clone(pk), i, i+1), Options{Decryptor: corpusKeys(t, dir)})
			for _, sa := range r.SAs {
				for _, f := range sa.Findings {
					if f.Kind == KindMIDDesync || (f.Severity >= SeverityWarning && !whole[f.Kind]) {
						m := f.Message
						if len(m) > 260 {
							m = m[:260]
						}
						fmt.Printf("%s -%d: %s %s: %s\n", name, pk[i].Frame, f.Severity, f.Kind, m)
					}
				}
			}
		}
	}
}
