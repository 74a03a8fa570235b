package decrypt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// trackAll feeds every message of a capture to a Tracker and counts states.
func trackAll(t *testing.T, kr *Keyring, msgs []udpMsg) map[State]int {
	t.Helper()
	trk := NewTracker(kr)
	n := map[State]int{}
	var m dissect.Message
	for _, cm := range msgs {
		_ = m.DecodeFromBytes(cm.ike)
		r := trk.Message(m.Raw, &m, cm.src.Addr())
		n[r.State]++
		if r.State != StateDecrypted && r.State != StateNotEncrypted {
			t.Errorf("frame %d: %v: %v", cm.frame, r.State, r.Err)
		}
		if r.State == StateDecrypted && r.Walk != nil {
			t.Errorf("frame %d: walk %v", cm.frame, r.Walk)
		}
	}
	return n
}

// TestTrackerAlgorithmsFromCapture: keys whose files do not name the
// algorithms decrypt with the suites the Tracker learns from IKE_SA_INIT
// and from IKE SA rekeys (CREATE_CHILD_SA), on the strongSwan corpus.
func TestTrackerAlgorithmsFromCapture(t *testing.T) {
	for _, sc := range []string{"ikev2-rekey", "ikev2-aes-gcm", "ikev2-cert-fragmentation", "ikev2-psk-success"} {
		dir := filepath.Join(corpusDir, sc)
		f, err := os.Open(filepath.Join(dir, "ikev2_decryption_table"))
		if err != nil {
			t.Skip("corpus not present: " + err.Error())
		}
		keys, err := ParseKeyFile("t", f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, k := range keys {
			k.Suite = Suite{}
			lines = append(lines, k.Reveal()) // native lines without encr=
		}
		bare, err := ParseKeyFile("bare", strings.NewReader(strings.Join(lines, "\n")))
		if err != nil {
			t.Fatal(err)
		}
		kr := NewKeyring(bare...)
		n := trackAll(t, kr, readIKEPcap(t, filepath.Join(dir, "capture.pcap")))
		if n[StateDecrypted] == 0 {
			t.Errorf("%s: nothing decrypted", sc)
		}
		for _, u := range kr.Uses() {
			if len(u.Matched) == 0 || u.Suite.IsZero() {
				t.Errorf("%s: key %v unused", sc, u.Key)
			}
		}
		t.Logf("%s: %v", sc, n)
	}
}

// TestTrackerRealCaptures: the Tracker decrypts every encrypted message of
// the Wireshark wiki and zeek captures.
func TestTrackerRealCaptures(t *testing.T) {
	kr := NewKeyring(append(loadKeys(t, "testdata/ikev2-wiki.ikev2_decryption_table"),
		loadKeys(t, "testdata/ikev1-certs.ikev1_decryption_table")...)...)
	var msgs []udpMsg
	for i, cm := range loadHexMessages(t, "ikev2-wiki.hex") {
		src := "192.168.245.131"
		if cm.srcPort == 4500 {
			src = "172.16.15.92"
		}
		msgs = append(msgs, udpMsg{frame: i, ike: cm.raw, src: mustAddrPort(src)})
	}
	n := trackAll(t, kr, msgs)
	if n[StateDecrypted] != 24 {
		t.Errorf("IKEv2: %v", n)
	}
	msgs = nil
	for _, cm := range loadHexMessages(t, "ikev1-certs.hex") {
		src := map[bool]string{true: "192.168.12.118", false: "172.16.1.103"}[map[int]bool{1: true, 3: true, 5: true, 7: true, 8: true, 10: true}[cm.frame]]
		msgs = append(msgs, udpMsg{frame: cm.frame, ike: cm.raw, src: mustAddrPort(src)})
	}
	if n := trackAll(t, kr, msgs); n[StateDecrypted] != 6 {
		t.Errorf("IKEv1: %v", n)
	}
}
