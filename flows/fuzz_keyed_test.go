package flows

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/decrypt"
)

// keyedScenarios are corpus scenarios fuzzed with their real keys: both
// daemons' logs, so every direction decrypts (also the wrong-PSK case,
// where each peer derived its own key).
var keyedScenarios = []string{"ikev1-wrong-psk", "ikev1-main-quick", "ikev1-quick-id-mismatch", "ikev2-psk-success", "ikev2-rekey", "ikev2-cert-fragmentation",
	"ikev1-cert-rsa", "ikev2-cert-expired", "ikev2-cert-missing-intermediate", "ikev2-cert-unknown-ca", "ikev1-cert-fragmentation"}

// FuzzAnalyzerKeyed mutates real captures (flip an octet, drop, duplicate
// or swap packets, as told by the fuzz input) and analyses them with the
// scenario's real keys, so the paths that read decrypted contents see
// garbage too: IKEv1 has no ICV, so a flipped ciphertext octet decrypts
// into a damaged payload chain. Same invariants as FuzzAnalyzer.
func FuzzAnalyzerKeyed(f *testing.F) {
	type scen struct {
		pk []Packet
		kr *decrypt.Keyring
	}
	var scens []scen
	for _, name := range keyedScenarios {
		pk := corpusPacketsOrNil(name)
		if pk == nil {
			continue
		}
		kr := decrypt.NewKeyring()
		for _, log := range []string{"charon-initiator.log", "charon-responder.log"} {
			fh, err := os.Open(filepath.Join(corpusDir, name, log))
			if err != nil {
				continue
			}
			keys, err := decrypt.ParseKeyFile(log, fh)
			fh.Close()
			if err == nil {
				kr.Add(keys...)
			}
		}
		scens = append(scens, scen{pk, kr})
	}
	if len(scens) == 0 {
		f.Skip("no corpus")
	}
	for i := range scens {
		f.Add(uint8(i), []byte{})                       // unchanged: everything decrypts
		f.Add(uint8(i), []byte{0, 4, 40, 0x5a})         // flip an octet of frame 5 (IKEv1 MM5)
		f.Add(uint8(i), []byte{1, 3, 0, 0, 2, 5, 0, 0}) // drop one, duplicate another
	}
	f.Fuzz(func(t *testing.T, which uint8, script []byte) {
		s := scens[int(which)%len(scens)]
		pk := make([]Packet, len(s.pk))
		for i, p := range s.pk {
			p.Data = slices.Clone(p.Data)
			pk[i] = p
		}
		for len(script) >= 4 && len(pk) > 0 {
			op, idx, off, val := script[0]%4, int(script[1])%len(pk), int(script[2]), script[3]
			script = script[4:]
			switch op {
			case 0: // flip an octet
				if d := pk[idx].Data; len(d) > 0 {
					d[(off*7)%len(d)] ^= val | 1
				}
			case 1: // drop
				if len(pk) > 1 {
					pk = slices.Delete(pk, idx, idx+1)
				}
			case 2: // duplicate (a retransmission a little later)
				if len(pk) < 512 {
					p := pk[idx]
					p.Data = slices.Clone(p.Data)
					p.Time = p.Time.Add(time.Duration(val) * 10 * time.Millisecond)
					pk = slices.Insert(pk, idx+1, p)
				}
			case 3: // swap with the next packet
				if idx+1 < len(pk) {
					pk[idx], pk[idx+1] = pk[idx+1], pk[idx]
				}
			}
		}
		for i := range pk {
			pk[i].Frame = i + 1
		}
		checkBounded(t, pk, func() Decryptor { return NewDecryptor(s.kr) })
	})
}
