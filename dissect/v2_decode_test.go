package dissect

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// v2Payload returns a copy of the first payload of type pt in the real
// sample (searching SK plaintexts too), with its Offset kept.
func v2Payload(t *testing.T, sample string, pt PayloadType) Payload {
	t.Helper()
	for _, s := range v2Samples(t) {
		if s.name != sample {
			continue
		}
		ps := v2AllPayloads(t, s)
		for _, p := range ps {
			if p.Type == pt {
				p.Body = append([]byte(nil), p.Body...)
				return p
			}
		}
	}
	t.Fatalf("%s has no %s payload", sample, pt.Short())
	return Payload{}
}

func v2WantErr(t *testing.T, err error, sentinel error, off int, field string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want %v", err, sentinel)
	}
	if pe.Offset != off || pe.Field != field {
		t.Errorf("error at %d %q, want %d %q", pe.Offset, pe.Field, off, field)
	}
}

// TestDecodeSAEdges rewrites the SA of a real IKE_SA_INIT (one proposal,
// transforms ENCR/256, PRF, KE).
func TestDecodeSAEdges(t *testing.T) {
	base := v2Payload(t, "v2_wsgcm_f1", PayloadSA)
	o := base.Offset + 4 // body origin in message offsets

	t.Run("real", func(t *testing.T) {
		b, err := DecodePayload(2, base)
		if err != nil {
			t.Fatal(err)
		}
		sa := b.(*SA)
		if len(sa.Proposals) != 1 || !sa.Proposals[0].Last || sa.Proposals[0].NumTransforms != 3 {
			t.Fatalf("%+v", sa)
		}
		tr := sa.Proposals[0].Transforms
		if tr[0].Name() != "ENCR_AES_GCM_16" || tr[0].KeyLength != 256 || len(tr[0].Attributes) != 1 || !tr[0].Attributes[0].TV {
			t.Errorf("transform 0 = %+v", tr[0])
		}
		if e, ok := tr[0].Encr(); !ok || e != EncrAESGCM16 {
			t.Error("Encr()")
		}
		if g, ok := tr[2].Group(); !ok || g != DHECP256 {
			t.Error("Group()")
		}
		if !tr[2].Last || tr[0].Last {
			t.Error("Last flags")
		}
	})
	mut := func(f func(b []byte) []byte) Payload {
		p := base
		p.Body = f(append([]byte(nil), base.Body...))
		return p
	}
	t.Run("proposal length past body", func(t *testing.T) {
		p := mut(func(b []byte) []byte { binary.BigEndian.PutUint16(b[2:], uint16(len(b)+1)); return b })
		_, err := DecodePayload(2, p)
		v2WantErr(t, err, ErrMalformed, o+2, "SA/proposal[0].length")
	})
	t.Run("proposal length < 8", func(t *testing.T) {
		p := mut(func(b []byte) []byte { binary.BigEndian.PutUint16(b[2:], 7); return b })
		_, err := DecodePayload(2, p)
		v2WantErr(t, err, ErrMalformed, o+2, "SA/proposal[0].length")
	})
	t.Run("spi size past proposal", func(t *testing.T) {
		p := mut(func(b []byte) []byte { b[6] = 200; return b })
		_, err := DecodePayload(2, p)
		v2WantErr(t, err, ErrMalformed, o+6, "SA/proposal[0].spi_size")
	})
	t.Run("transform length < 8", func(t *testing.T) {
		p := mut(func(b []byte) []byte { binary.BigEndian.PutUint16(b[8+2:], 4); return b })
		_, err := DecodePayload(2, p)
		v2WantErr(t, err, ErrMalformed, o+8+2, "SA/proposal[0]/transform[0].length")
	})
	t.Run("TLV attribute past transform", func(t *testing.T) {
		// transform 0 attribute at body offset 16: clear the AF bit, length 9
		p := mut(func(b []byte) []byte { b[16] &^= 0x80; binary.BigEndian.PutUint16(b[18:], 9); return b })
		b, err := DecodePayload(2, p)
		v2WantErr(t, err, ErrMalformed, o+18, "SA/proposal[0]/transform[0]/attribute[0].length")
		if sa := b.(*SA); len(sa.Proposals) != 1 || len(sa.Proposals[0].Transforms) != 1 {
			t.Errorf("partial result lost: %+v", sa)
		}
	})
	t.Run("count mismatch is recorded, not an error", func(t *testing.T) {
		p := mut(func(b []byte) []byte { b[7] = 5; return b })
		b, err := DecodePayload(2, p)
		if err != nil {
			t.Fatal(err)
		}
		pr := b.(*SA).Proposals[0]
		if pr.NumTransforms != 5 || len(pr.Transforms) != 3 {
			t.Errorf("NumTransforms=%d transforms=%d", pr.NumTransforms, len(pr.Transforms))
		}
		if !strings.Contains(b.String(), "[3/5 transforms]") {
			t.Errorf("String() = %q", b.String())
		}
	})
	t.Run("trailing short garbage", func(t *testing.T) {
		p := mut(func(b []byte) []byte { return append(b, 0, 0, 0) })
		_, err := DecodePayload(2, p)
		v2WantErr(t, err, ErrMalformed, o+len(base.Body), "SA/proposal[1].header")
	})
	t.Run("empty", func(t *testing.T) {
		b, err := DecodePayload(2, Payload{Type: PayloadSA})
		if err != nil || len(b.(*SA).Proposals) != 0 || b.String() != "no proposals" {
			t.Errorf("%v %v", b, err)
		}
	})
}

// TestDecodeNotifyData rewrites a real Notify (SIGNATURE_HASH_ALGORITHMS,
// no SPI) into the other types whose data we decode.
func TestDecodeNotifyData(t *testing.T) {
	base := v2Payload(t, "v2_wsgcm_f1", PayloadNotify)
	mk := func(proto, spiSize byte, typ NotifyType, rest ...byte) Payload {
		p := base
		p.Body = append([]byte{proto, spiSize, byte(typ >> 8), byte(typ)}, rest...)
		return p
	}
	tests := []struct {
		name  string
		p     Payload
		check func(n *Notify) bool
		str   string
	}{
		{"INVALID_KE_PAYLOAD", mk(0, 0, NotifyInvalidKEPayload, 0, 14),
			func(n *Notify) bool { return n.Group == DHModp2048 }, "INVALID_KE_PAYLOAD group=MODP_2048"},
		{"REKEY_SA", mk(3, 4, NotifyRekeySA, 0xc0, 0xff, 0xee, 0x01),
			func(n *Notify) bool { return n.Protocol == ProtocolESP && len(n.SPI) == 4 && n.Data == nil }, "REKEY_SA ESP spi=c0ffee01"},
		{"COOKIE", mk(0, 0, NotifyCookie, 1, 2, 3, 4),
			func(n *Notify) bool { return len(n.Hash) == 4 }, "COOKIE 01020304"},
		{"MESSAGE_ID_SYNC", mk(0, 0, NotifyIKEv2MessageIDSync, 0, 0, 0, 7, 0, 0, 0, 5, 0, 0, 0, 9),
			func(n *Notify) bool {
				return n.MessageIDSync != nil && *n.MessageIDSync == MessageIDSync{7, 5, 9}
			}, "IKEV2_MESSAGE_ID_SYNC nonce=7 send_req_mid=5 recv_req_mid=9"},
		{"REDIRECT IPv4 with nonce", mk(0, 0, NotifyRedirect, 1, 4, 192, 0, 2, 7, 0xaa, 0xbb),
			func(n *Notify) bool {
				return n.Redirect != nil && n.Redirect.Addr == netip.MustParseAddr("192.0.2.7") && len(n.Redirect.Nonce) == 2
			}, "REDIRECT 192.0.2.7"},
		{"REDIRECT FQDN", mk(0, 0, NotifyRedirect, 3, 6, 'g', 'w', '.', 'e', 'x', 'a'),
			func(n *Notify) bool { return n.Redirect != nil && string(n.Redirect.Data) == "gw.exa" }, `REDIRECT FQDN "gw.exa"`},
		{"ADDITIONAL_IP6_ADDRESS", mk(0, 0, NotifyAdditionalIP6Address, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
			func(n *Notify) bool { return n.Addr == netip.MustParseAddr("2001:db8::1") }, "ADDITIONAL_IP6_ADDRESS 2001:db8::1"},
		{"SET_WINDOW_SIZE", mk(0, 0, NotifySetWindowSize, 0, 0, 0, 10),
			func(n *Notify) bool { return n.Value == 10 }, "SET_WINDOW_SIZE 10"},
		{"IPCOMP_SUPPORTED", mk(0, 0, NotifyIPCompSupported, 0x12, 0x34, 2),
			func(n *Notify) bool { return n.CPI == 0x1234 && n.IPCompTransform == 2 }, "IPCOMP_SUPPORTED cpi=4660 transform=2"},
		{"private error with data", mk(0, 0, 9000, 1, 2),
			func(n *Notify) bool { return n.Type.IsError() && n.Type.IsPrivateUse() }, "private use error 9000 0102"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := DecodePayload(2, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			n := b.(*Notify)
			if !tt.check(n) {
				t.Errorf("decoded %+v", n)
			}
			if b.String() != tt.str {
				t.Errorf("String() = %q, want %q", b.String(), tt.str)
			}
		})
	}
	t.Run("spi size past body", func(t *testing.T) {
		_, err := DecodePayload(2, mk(3, 8, NotifyRekeySA, 1, 2, 3, 4))
		v2WantErr(t, err, ErrMalformed, base.Offset+4+1, "N.spi_size")
	})
	t.Run("odd hash algorithms", func(t *testing.T) {
		b, err := DecodePayload(2, mk(0, 0, NotifySignatureHashAlgorithms, 0, 2, 0))
		v2WantErr(t, err, ErrMalformed, base.Offset+4+6, "N.hash_algorithms")
		if got := b.(*Notify).HashAlgs; len(got) != 1 || got[0] != HashSHA2_256 {
			t.Errorf("HashAlgs = %v", got)
		}
	})
	t.Run("redirect length past data", func(t *testing.T) {
		_, err := DecodePayload(2, mk(0, 0, NotifyRedirect, 1, 9, 1, 2))
		v2WantErr(t, err, ErrMalformed, base.Offset+4+5, "N.gateway_length")
	})
}

func TestDecodeDeleteCounts(t *testing.T) {
	base := v2Payload(t, "v2_wsgcm_f13", PayloadDelete)
	b, err := DecodePayload(2, base)
	if err != nil || b.String() != "ESP spi=c1a9656b" {
		t.Fatalf("%v %v", b, err)
	}
	p := base
	p.Body = append([]byte(nil), base.Body...)
	binary.BigEndian.PutUint16(p.Body[2:], 3) // claims 3 SPIs, 1 present
	b, err = DecodePayload(2, p)
	if err != nil {
		t.Fatal(err)
	}
	d := b.(*Delete)
	if d.NumSPIs != 3 || len(d.SPIs) != 1 || b.String() != "ESP spi=c1a9656b [1/3 SPIs]" {
		t.Errorf("%+v %q", d, b.String())
	}
	b, _ = DecodePayload(2, v2Payload(t, "v2_wsgcm_f17", PayloadDelete))
	if b.String() != "IKE SA" {
		t.Errorf("IKE delete: %q", b.String())
	}
}

func TestTrafficSelectorString(t *testing.T) {
	a := netip.MustParseAddr
	tests := []struct {
		ts   TrafficSelector
		want string
	}{
		{TrafficSelector{Type: 7, Start: a("10.1.0.0"), End: a("10.1.0.255"), EndPort: 65535}, "10.1.0.0/24 proto any ports any"},
		{TrafficSelector{Type: 7, Start: a("0.0.0.0"), End: a("255.255.255.255"), EndPort: 65535}, "0.0.0.0/0 proto any ports any"},
		{TrafficSelector{Type: 7, Start: a("10.1.0.5"), End: a("10.1.0.9"), IPProtocol: 6, StartPort: 1024, EndPort: 65535}, "10.1.0.5-10.1.0.9 proto tcp ports 1024-65535"},
		{TrafficSelector{Type: 7, Start: a("10.1.0.1"), End: a("10.1.0.255"), EndPort: 65535}, "10.1.0.1-10.1.0.255 proto any ports any"},
		{TrafficSelector{Type: 7, Start: a("10.1.0.0"), End: a("10.1.1.127"), EndPort: 65535}, "10.1.0.0-10.1.1.127 proto any ports any"},
		{TrafficSelector{Type: 7, Start: a("192.0.2.1"), End: a("192.0.2.1"), IPProtocol: 17, StartPort: 500, EndPort: 500}, "192.0.2.1 proto udp ports 500"},
		{TrafficSelector{Type: 7, Start: a("10.0.0.0"), End: a("10.255.255.255"), IPProtocol: 99, StartPort: 65535, EndPort: 0}, "10.0.0.0/8 proto 99 ports opaque"},
		{TrafficSelector{Type: 8, Start: a("::"), End: a("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), EndPort: 65535}, "::/0 proto any ports any"},
		{TrafficSelector{Type: 8, Start: a("2001:db8::"), End: a("2001:db8::ffff:ffff:ffff:ffff"), IPProtocol: 58, EndPort: 65535}, "2001:db8::/64 proto icmpv6 ports any"},
		{TrafficSelector{Type: 10, Data: []byte{1, 2}}, "TS_SECLABEL 0102"},
	}
	for _, tt := range tests {
		if got := tt.ts.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestDecodeTSEdges(t *testing.T) {
	base := v2Payload(t, "v2_wsgcm_f3", PayloadTSr) // 1 selector 192.168.225.0/24
	b, err := DecodePayload(2, base)
	if err != nil || b.String() != "192.168.225.0/24 proto any ports any" {
		t.Fatalf("%v %v", b, err)
	}
	p := base
	p.Body = append([]byte(nil), base.Body...)
	p.Body[4] = byte(TSIPv6AddrRange) // IPv6 type with an IPv4-sized selector
	_, err = DecodePayload(2, p)
	v2WantErr(t, err, ErrMalformed, base.Offset+4+6, "TSr/ts[0].length")
	p.Body = append([]byte(nil), base.Body...)
	binary.BigEndian.PutUint16(p.Body[6:], 40) // selector length past the payload
	_, err = DecodePayload(2, p)
	v2WantErr(t, err, ErrMalformed, base.Offset+4+6, "TSr/ts[0].length")
}

func TestDecodeCPReal(t *testing.T) {
	b, err := DecodePayload(2, v2Payload(t, "v2_wsgcm_f4", PayloadCP))
	if err != nil {
		t.Fatal(err)
	}
	c := b.(*Config)
	if c.Type != CPReply || c.Attributes[0].Addr != netip.MustParseAddr("192.168.225.10") ||
		c.Attributes[1].Addr != netip.MustParseAddr("255.255.255.0") {
		t.Errorf("%s", c)
	}
	if !strings.HasPrefix(c.String(), "CFG_REPLY INTERNAL_IP4_ADDRESS=192.168.225.10 INTERNAL_IP4_NETMASK=255.255.255.0") {
		t.Errorf("String() = %q", c.String())
	}
	// A CP with an INTERNAL_IP4_SUBNET and an INTERNAL_IP6_ADDRESS.
	p := Payload{Type: PayloadCP, Body: []byte{2, 0, 0, 0,
		0, 13, 0, 8, 10, 1, 0, 0, 255, 255, 255, 0,
		0, 8, 0, 17, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 64}}
	b, err = DecodePayload(2, p)
	if err != nil || b.String() != "CFG_REPLY INTERNAL_IP4_SUBNET=10.1.0.0/24 INTERNAL_IP6_ADDRESS=2001:db8::5/64" {
		t.Errorf("%v %v", b, err)
	}
	p.Body[19] = 18 // attribute length past the payload
	_, err = DecodePayload(2, p)
	v2WantErr(t, err, ErrMalformed, 4+18, "CP/attribute[1].length")
}

// TestDecodeListEnds grows the entry lists of a real TSr and a real CP: a
// stub of an entry (shorter than its 4-octet header) after the last one,
// and one entry more than the cap, each give ErrMalformed naming the entry.
func TestDecodeListEnds(t *testing.T) {
	for _, tt := range []struct {
		sample string
		pt     PayloadType
		max    int
		name   string
	}{
		{"v2_wsgcm_f3", PayloadTSr, maxTS, "TSr/ts"},
		{"v2_wsgcm_f4", PayloadCP, maxCPAttributes, "CP/attribute"},
	} {
		real := v2Payload(t, tt.sample, tt.pt)
		b, err := DecodePayload(2, real)
		if err != nil {
			t.Fatal(err)
		}
		n := len(real.Body) - 4 // octets of the entries
		var entries int
		switch b := b.(type) {
		case *TrafficSelectors:
			entries = len(b.Selectors)
		case *Config:
			entries = len(b.Attributes)
		}
		p := real
		p.Body = append(append([]byte(nil), real.Body...), 0, 0)
		_, err = DecodePayload(2, p)
		v2WantErr(t, err, ErrMalformed, real.Offset+4+4+n, tt.name+"["+itoa(entries)+"].header")

		// The first entry max+1 times: its length is at octets 2–3 of its
		// header (a CP attribute's excludes the header).
		first := int(binary.BigEndian.Uint16(real.Body[6:]))
		if tt.pt == PayloadCP {
			first += 4
		}
		p.Body = append([]byte(nil), real.Body[:4]...)
		for range tt.max + 1 {
			p.Body = append(p.Body, real.Body[4:4+first]...)
		}
		_, err = DecodePayload(2, p)
		v2WantErr(t, err, ErrMalformed, real.Offset+4+4+tt.max*first, tt.name+"["+itoa(tt.max)+"]")
	}
}

func TestDecodeSmallPayloads(t *testing.T) {
	for _, pt := range []PayloadType{PayloadKE, PayloadIDi, PayloadIDr, PayloadAuth, PayloadNotify,
		PayloadDelete, PayloadTSi, PayloadTSr, PayloadCP, PayloadEAP, PayloadSKF} {
		for n := 0; n < 4; n++ {
			b, err := DecodePayload(2, Payload{Type: pt, Offset: 40, Body: make([]byte, n)})
			if b == nil {
				t.Fatalf("%s: nil body", pt.Short())
			}
			v2WantErr(t, err, ErrMalformed, 44, pt.Short()+".header")
		}
	}
	for _, pt := range []PayloadType{PayloadCert, PayloadCertReq} {
		_, err := DecodePayload(2, Payload{Type: pt, Offset: 40})
		v2WantErr(t, err, ErrMalformed, 44, pt.Short()+".encoding")
	}
	// Types that take any body.
	for _, pt := range []PayloadType{PayloadSA, PayloadNonce, PayloadVendorID, PayloadSK, PayloadGSPM, PayloadPS, 200} {
		if _, err := DecodePayload(2, Payload{Type: pt}); err != nil {
			t.Errorf("%s: %v", pt.Short(), err)
		}
	}
}

func TestDecodeMisc(t *testing.T) {
	b, _ := DecodePayload(2, Payload{Type: PayloadIDi, Body: []byte{1, 0, 0, 0, 192, 0, 2, 1}})
	if b.String() != "ID_IPV4_ADDR 192.0.2.1" {
		t.Errorf("%q", b.String())
	}
	b, _ = DecodePayload(2, Payload{Type: PayloadIDi, Body: []byte{2, 0, 0, 0, 'v', 'p', 'n'}})
	if id := b.(*Identification); id.Text != "vpn" || b.String() != `ID_FQDN "vpn"` {
		t.Errorf("%q", b.String())
	}
	b, _ = DecodePayload(2, Payload{Type: PayloadSKF, Next: PayloadIDi, Body: []byte{0, 1, 0, 3, 9, 9}})
	if f := b.(*EncryptedFragment); f.Number != 1 || f.Total != 3 || b.String() != "fragment 1/3, inner IDi, 2 octets" {
		t.Errorf("%q", b.String())
	}
	b, _ = DecodePayload(2, Payload{Type: PayloadEAP, Body: []byte{1, 7, 0, 9, 1, 'u', 's', 'e', 'r'}})
	if e := b.(*EAP); e.Type != 1 || string(e.Data) != "user" || b.String() != "Request id=7 Identity 4 octets" {
		t.Errorf("%q", b.String())
	}
	b, _ = DecodePayload(2, Payload{Type: PayloadEAP, Body: []byte{3, 7, 0, 4}})
	if b.String() != "Success id=7" {
		t.Errorf("%q", b.String())
	}
	_, err := DecodePayload(2, Payload{Type: PayloadAuth, Body: []byte{14, 0, 0, 0, 9, 1}})
	v2WantErr(t, err, ErrMalformed, 8, "AUTH.asn1_length")
	b, _ = DecodePayload(2, v2Payload(t, "v2_wsgcm_f3", PayloadAuth))
	if a := b.(*Auth); a.Method != AuthDigitalSig || len(a.SigAlgorithm) == 0 || len(a.Signature) == 0 {
		t.Errorf("%+v", a)
	}
	b, _ = DecodePayload(2, v2Payload(t, "v2_wsgcm_f3", PayloadCertReq))
	if c := b.(*CertReq); len(c.Authorities) != 3 {
		t.Errorf("%+v", c)
	}
}

func TestV2JSON(t *testing.T) {
	b, err := DecodePayload(2, v2Payload(t, "v2_wsgcm_f1", PayloadSA))
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"proposals":[{"number":1,"protocol":"IKE","num_transforms":3,"transforms":[` +
		`{"type":"ENCR","id":20,"key_length":256,"attributes":[{"type":14,"tv":true,"value":256}],"name":"ENCR_AES_GCM_16"},` +
		`{"type":"PRF","id":5,"name":"PRF_HMAC_SHA2_256"},{"type":"KE","id":19,"name":"ECP_256"}],"last":true}]}`
	if string(j) != want {
		t.Errorf("got  %s\nwant %s", j, want)
	}
	b, _ = DecodePayload(2, v2Payload(t, "v2_client_f1", PayloadNotify))
	j, _ = json.Marshal(b)
	if want := `{"protocol":"NONE","spi_size":0,"notify":"NAT_DETECTION_SOURCE_IP","data":"ed0f45d615ee1cc7f636df4ee075fd9d18791bb1","hash":"ed0f45d615ee1cc7f636df4ee075fd9d18791bb1"}`; string(j) != want {
		t.Errorf("got  %s\nwant %s", j, want)
	}
}

// TestV2JSONKeys: the CLI splices a body's JSON fields into the payload
// object, so no body may use its reserved keys.
func TestV2JSONKeys(t *testing.T) {
	reserved := []string{"type", "length", "critical", "payloads", "decryption", "fragment"}
	for _, s := range v2Samples(t) {
		ps := v2AllPayloads(t, s)
		ps = append(ps, Payload{Type: PayloadEAP, Body: []byte{1, 7, 0, 9, 1, 'u', 's', 'e', 'r'}})
		for _, p := range ps {
			b, _ := DecodePayload(2, p)
			j, err := json.Marshal(b)
			if err != nil {
				t.Fatalf("%s %s: %v", s.name, p.Type.Short(), err)
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(j, &obj); err != nil {
				t.Fatal(err)
			}
			for _, k := range reserved {
				if _, ok := obj[k]; ok {
					t.Errorf("%s %s: body JSON uses reserved key %q", s.name, p.Type.Short(), k)
				}
			}
		}
	}
}
