package flows

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

func TestScratchCorpus(t *testing.T) {
	name := os.Getenv("SCEN")
	if name == "" {
		t.Skip()
	}
	dir := filepath.Join("..", "testdata", "corpus", name)
	var opt Options
	for _, k := range []string{"ikev2_decryption_table", "ikev1_decryption_table"} {
		if _, err := os.Stat(filepath.Join(dir, k)); err == nil && os.Getenv("NOKEYS") == "" {
			opt.Decryptor = keyringFor(t, filepath.Join(dir, k))
		}
	}
	r := analyze(loadPackets(t, filepath.Join(dir, "capture.pcap")), opt)
	for _, sa := range r.SAs {
		fmt.Print(Ladder(sa))
	}
	for _, f := range r.Findings {
		if f.SA == "" {
			fmt.Println("GLOBAL", f.Kind, f.Severity, f.Frames, f.Message)
		}
	}
}

func TestScratchDecryptErr(t *testing.T) {
	name := os.Getenv("SCEN")
	if name == "" {
		t.Skip()
	}
	dir := filepath.Join("..", "testdata", "corpus", name)
	d := keyringFor(t, filepath.Join(dir, "ikev2_decryption_table"))
	pk := loadPackets(t, filepath.Join(dir, "capture.pcap"))
	a := NewAnalyzer(Options{Decryptor: &errLogger{d, t}})
	for i := range pk {
		a.Add(&pk[i])
	}
	a.Finish()
}

type errLogger struct {
	*KeyringDecryptor
	t *testing.T
}

func (e *errLogger) DecryptV2(msg *dissect.Message, raw []byte, sk dissect.Payload, fromInitiator bool) ([]byte, error) {
	p, err := e.KeyringDecryptor.DecryptV2(msg, raw, sk, fromInitiator)
	if err != nil {
		e.t.Log(err, e.KeyringDecryptor.suites)
	}
	return p, err
}
