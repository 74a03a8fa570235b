package decrypt_test

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
)

// Example decrypts the IKE_AUTH request of a real capture (the Wireshark
// wiki's AES-CBC-256 SA) with keys from a Wireshark key table.
func Example() {
	f, _ := os.Open("testdata/ikev2-wiki.ikev2_decryption_table")
	defer f.Close()
	keys, err := decrypt.ParseKeyFile("ikev2_decryption_table", f)
	if err != nil {
		fmt.Println(err)
		return
	}
	kr := decrypt.NewKeyring(keys...)

	raw := frame(39) // IKE message bytes, from the IKE header
	var m dissect.Message
	if err := m.DecodeFromBytes(raw); err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range m.Payloads {
		if p.Type != dissect.PayloadSK {
			continue
		}
		// Suite{}: the key file names the algorithms; otherwise pass the
		// suite the responder chose (decrypt.ChosenSuite of its SA payload).
		plain, key, err := kr.OpenV2(nil, m.Raw, p, decrypt.Suite{})
		fmt.Println(decrypt.StateOf(err), "with", key.Suite)
		var inner []dissect.Payload
		if _, err := dissect.WalkPayloads(plain, 0, p.Next, 2, &inner); err != nil {
			fmt.Println(err)
			return
		}
		var types []string
		for _, q := range inner {
			types = append(types, q.Type.Short())
		}
		fmt.Println(strings.Join(types, " "))
	}
	// Output:
	// decrypted with AES-CBC-256/HMAC_SHA2_256_128
	// IDi CERT N N CERTREQ AUTH CP SA TSi TSr V V V N N
}

// frame returns one message from testdata/ikev2-wiki.hex.
func frame(n int) []byte {
	f, _ := os.Open("testdata/ikev2-wiki.hex")
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var fr, port int
		var h string
		if _, err := fmt.Sscan(sc.Text(), &fr, &port, &h); err == nil && fr == n {
			b, _ := hex.DecodeString(h)
			return b
		}
	}
	return nil
}
