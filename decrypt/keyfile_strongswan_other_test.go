package decrypt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStrongswanOtherDumpsQuiet reads every charon log of the corpus: charon
// also dumps chunks that are not the keys read here (IKEv1's SKEYID,
// SKEYID_d/_a/_e and initial IV), and their rows are not damage. Before
// they were skipped silently, each IKEv1 log gave five "hex dump row
// without a dump header" warnings, one per such dump.
func TestStrongswanOtherDumpsQuiet(t *testing.T) {
	logs, _ := filepath.Glob(filepath.Join(corpusDir, "*", "charon-*.log"))
	if len(logs) == 0 {
		t.Skip("no corpus in " + corpusDir)
	}
	v1 := 0
	for _, path := range logs {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "SKEYID => ") {
			v1++
		}
		kf, err := readString(t, path, string(data))
		if err != nil {
			continue // a log without keys (no SA got that far) says so as an error
		}
		for _, w := range kf.Warnings {
			t.Errorf("%v", w)
		}
	}
	if v1 == 0 {
		t.Fatal("no corpus log dumps SKEYID: the test checks nothing")
	}
}

// TestStrongswanOtherDumpInterleaved puts the rows of another thread's
// SKEYID dump between the rows of an Sk_ei dump, as charon's worker
// threads print them when two IKE SAs derive keys at once: the key is
// still read, with no warning.
func TestStrongswanOtherDumpInterleaved(t *testing.T) {
	log := strings.Join([]string{
		"10:00:00 05[IKE] <c|1> selected proposal: IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
		"10:00:00 05[IKE] <c|1> Sk_ei secret => 16 bytes @ 0x7f0000000010",
		"10:00:00 07[IKE] <d|2> SKEYID => 32 bytes @ 0x7f0000000020",
		"10:00:00 07[IKE] <d|2>    0: 20 F0 DC D2 FA 1F F6 56 3A ED B0 8B BC C2 36 18   ......V:.....6.",
		"10:00:00 05[IKE] <c|1>    0: 00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF  ..\"3DUfw........",
		"10:00:00 07[IKE] <d|2>   16: D8 C3 AC F6 74 DD 27 E5 CF DE 0F BE CD E1 99 34  ....t.'........4",
		"10:00:00 05[IKE] <c|1> Sk_er secret => 16 bytes @ 0x7f0000000030",
		"10:00:00 05[IKE] <c|1>    0: FF EE DD CC BB AA 99 88 77 66 55 44 33 22 11 00  ........wfUD3\"..",
		"10:00:00 05[IKE] <c|1> Sk_ai secret => 16 bytes @ 0x7f0000000040",
		"10:00:00 05[IKE] <c|1>    0: 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01  ................",
		"10:00:00 05[IKE] <c|1> Sk_ar secret => 16 bytes @ 0x7f0000000050",
		"10:00:00 05[IKE] <c|1>    0: 02 02 02 02 02 02 02 02 02 02 02 02 02 02 02 02  ................",
		"10:00:01 05[MGR] <c|1> checkin IKEv2 SA c[1] with SPIs 0102030405060708_i 1112131415161718_r",
		"",
	}, "\n")
	kf, err := readString(t, "charon.log", log)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range kf.Warnings {
		t.Errorf("warning: %v", w)
	}
	if len(kf.Keys) != 1 {
		t.Fatalf("got %d keys, want 1", len(kf.Keys))
	}
	if got := kf.Keys[0].EncrI.RevealHex(); got != "00112233445566778899aabbccddeeff" {
		t.Errorf("Sk_ei = %s", got)
	}
}
