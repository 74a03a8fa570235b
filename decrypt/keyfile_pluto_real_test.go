package decrypt

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// readGz reads a gzipped key file.
func readGz(t *testing.T, path string) (*KeyFile, error) {
	t.Helper()
	return ReadKeyFile(filepath.Base(filepath.Dir(path))+"/pluto.log", bytes.NewReader(testutil.ReadGzip(t, path)))
}

// TestRealPlutoLogs: real libreswan 4.10 logs (testdata/pluto) give exactly
// the keys the strongSwan peer of the same SAs logged (its
// ikev2_decryption_table), and those keys verify both directions of every
// SA on the run's capture. The IKEv1 log holds no keys and says why.
func TestRealPlutoLogs(t *testing.T) {
	for _, sc := range []string{"ikev2-success", "ikev2-xfrm-fail"} {
		dir := filepath.Join("testdata/pluto", sc)
		kf, err := readGz(t, filepath.Join(dir, "pluto.log.gz"))
		if err != nil || kf.Format != FormatLibreswan || len(kf.Warnings) != 0 {
			t.Fatalf("%s: %v %v %v", sc, err, kf.Format, kf.Warnings)
		}
		peer := loadKeys(t, filepath.Join(dir, "ikev2_decryption_table"))
		if got, want := strings.Join(keyIDs(kf.Keys), "\n"), strings.Join(keyIDs(peer), "\n"); got != want {
			t.Errorf("%s: pluto keys\n%s\nstrongSwan's\n%s", sc, got, want)
		}
		for _, k := range kf.Keys {
			if k.Suite != (Suite{Encr: EncrAESCBC, KeyBits: 128, Integ: IntegHMACSHA256128}) {
				t.Errorf("%s: suite %v", sc, k.Suite)
			}
		}
		kr := NewKeyring(kf.Keys...)
		n := trackAll(t, kr, readIKEPcap(t, filepath.Join(dir, "capture.pcap")))
		if n[StateDecrypted] == 0 {
			t.Errorf("%s: nothing decrypted", sc)
		}
		for _, u := range kr.Uses() {
			if len(u.Checks) != 1 || u.Checks[0].FromInitiator.Check() != KeyVerified || u.Checks[0].FromResponder.Check() != KeyVerified {
				t.Errorf("%s: key %v checks %+v", sc, u.Key, u.Checks)
			}
		}
		t.Logf("%s: %d keys, %v", sc, len(kf.Keys), n)
	}
	// Like a charon log of an SA that failed early, a daemon log without
	// keys is no error: it loads no keys and says why.
	kf, err := readGz(t, "testdata/pluto/ikev1-main-quick/pluto.log.gz")
	if err != nil || kf.Format != FormatLibreswan || len(kf.Keys) != 0 || !strings.Contains(kf.NoKeys, "no keys found (libreswan format") || !strings.Contains(kf.NoKeys, "no IKEv1 keys") {
		t.Errorf("IKEv1 pluto log: %v %q", err, kf.NoKeys)
	}
	// A bad secrets line in a log is a warning; with no other key, the
	// file is an error.
	_, err = readString(t, "bad.log", "Nov 30 03:16:01.545577: | "+strings.Replace(plutoI, "aes256", "rot13", 1)+"\n")
	var ke *KeyFileError
	if !errors.As(err, &ke) || ke.Line != 1 || !strings.Contains(ke.Reason, `unknown encryption algorithm "rot13"`) {
		t.Errorf("bad line: %v", err)
	}
}
