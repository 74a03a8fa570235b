package dissect_test

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/ikeflow/ikeflow/dissect"
)

// Decode a real IKE_SA_INIT request (frame 1 of the Wireshark wiki capture
// ikev2-esp-gcm-ctr-cbc): walk the payloads, then decode each one.
func Example_ikev2SAInit() {
	msg, _ := hex.DecodeString("" +
		"89922c915f35570e000000000000000021202208000000000000012c22000028" +
		"00000024010100030300000c01000014800e0100030000080200000500000008" +
		"040000132800004800130000db253178440ce776a794133cb8b69e5eb0747335" +
		"36570c64d7b630549c899c0712d828b37168500885e051024578afc75c101f73" +
		"b8943cad62d74a30f2be1fca2b00002c09cb538b2c3dbd4d0bb0eec8d318cb80" +
		"1a9b4715b207828d9b5ff1f4ec64ed58863707bcf14ccf052b000014eb4c1b78" +
		"8afd4a9cb7730a68d56c53212b000014c61baca1f1a60cc10800000000000000" +
		"2b0000184048b7d56ebce88525e7de7f00d6c2d3c0000000290000144048b7d5" +
		"6ebce88525e7de7f00d6c2d3290000080000402e290000080000401600000010" +
		"0000402f0001000200030004")

	var m dissect.Message
	if err := m.DecodeFromBytes(msg); err != nil {
		fmt.Println("error:", err)
		return
	}
	h := m.Header
	fmt.Printf("IKEv%d %s spi_i=%s msgid=%d initiator=%v response=%v\n",
		h.MajorVersion, h.Exchange, h.SPIi, h.MessageID, h.IsInitiator(), h.IsResponse())
	for _, p := range m.Payloads {
		body, err := dissect.DecodePayload(m.Version(), p)
		if err != nil {
			fmt.Println("error:", err)
		}
		fmt.Printf("  %-5s %s\n", p.Type.Short(), strings.ReplaceAll(body.String(), "\n", "\n        "))
	}

	// Typed access: the proposal's transforms and the signature hash algorithms.
	sa, _ := dissect.DecodePayload(2, m.Payloads[0])
	for _, t := range sa.(*dissect.SA).Proposals[0].Transforms {
		fmt.Println(" ", t.Type, t.Name(), t.KeyLength)
	}
	// Output:
	// IKEv2 IKE_SA_INIT spi_i=89922c915f35570e msgid=0 initiator=true response=false
	//   SA    #1 IKE: ENCR_AES_GCM_16/256 PRF_HMAC_SHA2_256 ECP_256
	//   KE    ECP_256 64 octets
	//   Nonce 40 octets
	//   V     eb4c1b788afd4a9c…(16 octets)
	//   V     c61baca1f1a60cc1…(16 octets)
	//   V     IKE fragmentation (4048b7d56ebce885…(20 octets))
	//   V     IKE fragmentation (4048b7d56ebce885…(16 octets))
	//   N     IKEV2_FRAGMENTATION_SUPPORTED
	//   N     REDIRECT_SUPPORTED
	//   N     SIGNATURE_HASH_ALGORITHMS SHA1,SHA2_256,SHA2_384,SHA2_512
	//   ENCR ENCR_AES_GCM_16 256
	//   PRF PRF_HMAC_SHA2_256 0
	//   KE ECP_256 0
}
