package main

import (
	"strings"
	"testing"
)

// TestV1FragReassembledDecode checks that dissect and the HTML report show
// the IKEv1 messages strongSwan sent in fragments whole and decrypted, in
// the frame that completed each: MM5 with the initiator's identity, MM6
// with the responder's (charon-initiator.log: "generating ID_PROT request
// 0 [ ID CERT SIG CERTREQ N(INITIAL_CONTACT) ]", "splitting IKE message
// (1276 bytes) into 3 fragments"; charon-responder.log: "splitting IKE
// message (1180 bytes)").
func TestV1FragReassembledDecode(t *testing.T) {
	c, keys := scenario(t, "ikev1-cert-fragmentation")
	args := keyArgs([]string{"dissect"}, keys...)
	out, errb, code := ikeflow(t, append(args, c)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, want := range []string{
		"#7  2026-11-30T15:21:25.418283000Z  198.51.100.10:4500 → 203.0.113.10:4500 udp  reassembled from 3 IKEv1 fragments\n" +
			"    IKEv1 IDENTITY_PROTECT [E]  mid 0  spi 069c8df20bb118b0/f8ab537900a726b8  1276 octets\n" +
			"    encrypted 1248 octets; decrypted\n      ID     ID_FQDN \"moon.ikeflow.test\"",
		"reassembled from 3 IKEv1 fragments\n    IKEv1 IDENTITY_PROTECT [E]  mid 0  spi 069c8df20bb118b0/f8ab537900a726b8  1180 octets\n" +
			"    encrypted 1152 octets; decrypted\n      ID     ID_FQDN \"sun.ikeflow.test\"",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dissect lacks\n%s", want)
		}
	}
	if strings.Contains(out, "wrong key") {
		t.Error("dissect says a message did not decrypt with the daemons' key")
	}
	page, errb, code := ikeflow(t, withKeyArgs(c, keys, "--format", "html")...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, want := range []string{"ID_FQDN &#34;moon.ikeflow.test&#34;", "ID_FQDN &#34;sun.ikeflow.test&#34;"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML report lacks the decrypted %s", want)
		}
	}
}

// TestV1FragReassembledOtherKeys: with keys that cover another SA only
// (ikev1-main-quick's), dissect still shows the two messages the fragments
// of ikev1-cert-fragmentation complete, as it does without keys: before,
// the Tracker reassembled only for SAs it had keys for, and the dissector
// used its own reassembly only without any keys, so none was shown.
func TestV1FragReassembledOtherKeys(t *testing.T) {
	c, _ := scenario(t, "ikev1-cert-fragmentation")
	_, other := scenario(t, "ikev1-main-quick")
	bare, errb, code := ikeflow(t, "dissect", c)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	args := keyArgs([]string{"dissect"}, other...)
	out, errb, code := ikeflow(t, append(args, c)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if n := strings.Count(out, "reassembled from 3 IKEv1 fragments"); n != 2 {
		t.Errorf("%d reassembled messages with another SA's keys, want 2", n)
	}
	if out != bare {
		t.Error("dissect with another SA's keys differs from dissect without keys")
	}
}
