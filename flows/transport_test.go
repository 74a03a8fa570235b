package flows

import (
	"bytes"
	"testing"
)

// TestTransportTCP: an SA whose IKE messages came over TCP (RFC 8229)
// says so (SA.Transport, "transport" in JSON); one whose messages all
// came over UDP does not, and its JSON has no such field. The real
// libreswan-ikev2-tcp capture, read as analyze reads it, is "tcp".
func TestTransportTCP(t *testing.T) {
	if sa := analyze(corpusPackets(t, "libreswan-ikev2-tcp"), Options{}).SAs[0]; sa.Transport != "tcp" {
		t.Errorf("libreswan-ikev2-tcp: transport %q", sa.Transport)
	}
	pk := clonePackets(corpusPackets(t, "ikev2-psk-success"))
	udp := analyze(pk, Options{}).SAs[0]
	if udp.Transport != "" {
		t.Errorf("UDP: transport %q", udp.Transport)
	}
	for i := range pk {
		if pk[i].Kind == KindIKE {
			pk[i].TCP = true
		}
	}
	tcp := analyze(pk, Options{}).SAs[0]
	if tcp.Transport != "tcp" {
		t.Errorf("TCP: transport %q", tcp.Transport)
	}
	var ub, tb []byte
	var err error
	if ub, err = udp.AppendJSON(nil); err != nil {
		t.Fatal(err)
	}
	if tb, err = tcp.AppendJSON(nil); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ub, []byte(`"transport"`)) || !bytes.Contains(tb, []byte(`,"transport":"tcp",`)) {
		t.Errorf("JSON: UDP %s\nTCP %s", ub[:200], tb[:300])
	}
}
