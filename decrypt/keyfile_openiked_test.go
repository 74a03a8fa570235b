package decrypt

import (
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestRealOpenIKEDLog: a real `iked -dvvv` log gives exactly the key the
// strongSwan peer of the same SA logged (its ikev2_decryption_table),
// SPIs from the S dump and algorithms from the negotiation lines, and it
// verifies both directions on the run's capture; the same log without the
// recorder's time stamps (as iked prints it) gives the same key. A bad hex
// digit in the SK_ai dump is a warning naming that dump, and as the file's
// only key that makes the file an error.
func TestRealOpenIKEDLog(t *testing.T) {
	dir := "testdata/openiked/ikev2-success"
	data := testutil.ReadFile(t, filepath.Join(dir, "iked.log"))
	peer := loadKeys(t, filepath.Join(dir, "ikev2_decryption_table"))
	bare := regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{6} `).ReplaceAllString(string(data), "")
	for name, text := range map[string]string{"recorded": string(data), "bare": bare} {
		kf, err := readString(t, "iked.log", text)
		if err != nil || kf.Format != FormatOpenIKED || len(kf.Warnings) != 0 || len(kf.Keys) != 1 {
			t.Fatalf("%s: %v %v %v %d keys", name, err, kf.Format, kf.Warnings, len(kf.Keys))
		}
		if got, want := strings.Join(keyIDs(kf.Keys), "\n"), strings.Join(keyIDs(peer), "\n"); got != want {
			t.Errorf("%s: iked keys\n%s\nstrongSwan's\n%s", name, got, want)
		}
		if s := kf.Keys[0].Suite; s != (Suite{Encr: EncrAESCBC, KeyBits: 128, Integ: IntegHMACSHA256128}) {
			t.Errorf("%s: suite %v", name, s)
		}
		kr := NewKeyring(kf.Keys...)
		n := trackAll(t, kr, readIKEPcap(t, filepath.Join(dir, "capture.pcap")))
		c := kr.Uses()[0].Checks
		if n[StateDecrypted] == 0 || len(c) != 1 || c[0].FromInitiator.Check() != KeyVerified || c[0].FromResponder.Check() != KeyVerified {
			t.Errorf("%s: %v %+v", name, n, c)
		}
	}
	lines := strings.Split(bare, "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "SK_ai with 32 bytes") {
			lines[i+1] = "g" + lines[i+1][1:]
			_, err := readString(t, "bad.log", strings.Join(lines, "\n"))
			var ke *KeyFileError
			if !errors.As(err, &ke) || ke.Line != i+1 || !strings.Contains(ke.Reason, "SK_ai dump") {
				t.Errorf("bad SK_ai digit: %v, want a warning on line %d", err, i+1)
			}
			return
		}
	}
	t.Fatal("no SK_ai dump in the log")
}
