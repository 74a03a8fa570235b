package dissect

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func v1hex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// realPayloadV1 returns the body of payload #idx of frame in a testdata file.
func realPayloadV1(t *testing.T, file string, frame, idx int) Payload {
	t.Helper()
	_, ps, _, err := decodeAllV1(frameV1(t, file, frame))
	if err != nil {
		t.Fatal(err)
	}
	return ps[idx]
}

// wantBodyV1 decodes the payload body in (hex, at offset 0) with decode and
// checks the error against wantErr and String() against want.
func wantBodyV1[T fmt.Stringer](t *testing.T, decode func([]byte, int) (T, error), in, want string, wantErr error) T {
	t.Helper()
	body, err := decode(v1hex(t, in), 0)
	if !errors.Is(err, wantErr) {
		t.Errorf("%s: err %v, want %v", in, err, wantErr)
	}
	if got := body.String(); got != want {
		t.Errorf("%s: %q, want %q", in, got, want)
	}
	return body
}

// TestSAV1Real pins the decode of real SAs: phase 1 (main mode, ikev1-certs
// quick mode decrypted by tshark).
func TestSAV1Real(t *testing.T) {
	p := realPayloadV1(t, "main_mode", 1, 0)
	b, err := DecodePayload(1, p)
	if err != nil {
		t.Fatal(err)
	}
	want := "DOI IPSEC, situation SIT_IDENTITY_ONLY\n" +
		"proposal #1 PROTO_ISAKMP, 1 transforms\n" +
		"  #1 KEY_IKE: Encryption Algorithm = AES-CBC, Key Length = 128, Hash Algorithm = SHA, " +
		"Group Description = MODP_1024, Authentication Method = Pre-shared key, Life Type = seconds, Life Duration = 86400"
	if got := b.String(); got != want {
		t.Errorf("SA:\n%s\nwant\n%s", got, want)
	}
	sa := b.(*SAV1)
	a, ok := sa.Proposals[0].Transforms[0].Attr(uint16(IKEAttrLifeDuration))
	if !ok || a.TV || a.Value != 86400 || len(a.Data) != 4 {
		t.Errorf("Life Duration = %+v", a)
	}
	if v, ok := sa.Proposals[0].Transforms[0].AttrValue(uint16(IKEAttrEncryption)); !ok || EncrAlgV1(v) != EncrV1AES {
		t.Errorf("AttrValue(Encryption) = %d, %v", v, ok)
	}

	qm := realPayloadV1(t, "certs_decrypted", 7, 1) // quick mode SA
	b, err = DecodePayload(1, qm)
	if err != nil {
		t.Fatal(err)
	}
	want = "DOI IPSEC, situation SIT_IDENTITY_ONLY\n" +
		"proposal #0 PROTO_IPSEC_ESP SPI 95f9fa06, 1 transforms\n" +
		"  #0 ESP_3DES: Group Description = MODP_1024, Encapsulation Mode = Tunnel, SA Life Type = seconds, " +
		"SA Life Duration = 3600, Authentication Algorithm = HMAC-MD5"
	if got := b.String(); got != want {
		t.Errorf("SA:\n%s\nwant\n%s", got, want)
	}
	j, err := json.Marshal(b)
	if err != nil || !strings.Contains(string(j), `"spi":"95f9fa06"`) || !strings.Contains(string(j), `"name":"ESP_3DES"`) ||
		!strings.Contains(string(j), `{"type":"Encapsulation Mode","type_id":4,"format":"TV","value":1,"value_name":"Tunnel"}`) {
		t.Errorf("JSON %s, %v", j, err)
	}
	sa = b.(*SAV1)
	if wantInside(t, "SPI", qm.Body, sa.Proposals[0].SPI); sa.Proposals[0].Transforms[0].Name() != "ESP_3DES" {
		t.Errorf("transform name %q", sa.Proposals[0].Transforms[0].Name())
	}
}

// TestSAV1Errors mutates the real main-mode SA (payload at offset 28, body
// at 32: DOI, situation, proposal at 40, transform at 48, attributes at 56).
func TestSAV1Errors(t *testing.T) {
	orig := realPayloadV1(t, "main_mode", 1, 0)
	if orig.Offset != 28 {
		t.Fatalf("SA at offset %d", orig.Offset)
	}
	tests := []struct {
		name    string
		mutate  func(b []byte) []byte
		wantErr error
		wantOff int
		check   func(t *testing.T, sa *SAV1)
	}{
		{"ok", func(b []byte) []byte { return b }, nil, 0, nil},
		{"proposal length 7", func(b []byte) []byte { b[8+3] = 7; b[8+2] = 0; return b }, ErrMalformed, 42, nil},
		{"proposal length past SA", func(b []byte) []byte { b[8+2] = 1; return b }, ErrTruncated, 42, nil},
		{"spi size past proposal", func(b []byte) []byte { b[8+6] = 200; return b }, ErrTruncated, 46, nil},
		{"transform length 4", func(b []byte) []byte { b[16+2], b[16+3] = 0, 4; return b }, ErrMalformed, 50, nil},
		{"TLV past transform", func(b []byte) []byte {
			// the last attribute is Life Duration, TLV length 4: make it 5
			b[len(b)-5] = 5
			return b
		}, ErrTruncated, 32 + len(orig.Body) - 6, nil},
		{"more transforms claimed", func(b []byte) []byte { b[8+7] = 5; return b }, nil, 0, func(t *testing.T, sa *SAV1) {
			if p := sa.Proposals[0]; p.NumTransforms != 5 || len(p.Transforms) != 1 {
				t.Errorf("NumTransforms %d, %d transforms", p.NumTransforms, len(p.Transforms))
			}
		}},
		{"bad proposal next", func(b []byte) []byte { b[8] = 9; return append(b, 0, 0, 0, 8, 2, 1, 0, 0) }, ErrMalformed, 40, nil},
		{"trailing octets", func(b []byte) []byte { return append(b, 0xff) }, ErrMalformed, 32 + len(orig.Body), nil},
		{"GDOI", func(b []byte) []byte { b[3] = 2; return b }, ErrUnsupported, 32, nil},
		{"labeled situation", func(b []byte) []byte { b[7] = 3; return b }, ErrUnsupported, 36, nil},
		{"short", func(b []byte) []byte { return b[:6] }, ErrTruncated, 36, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := orig
			p.Body = tt.mutate(append([]byte(nil), orig.Body...))
			b, err := DecodePayload(1, p)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				pe, _ := errors.AsType[*ParseError](err)
				if pe.Offset != tt.wantOff {
					t.Errorf("offset %d (%v), want %d", pe.Offset, err, tt.wantOff)
				}
			}
			if tt.check != nil {
				tt.check(t, b.(*SAV1))
			}
		})
	}
}

func TestAttributeV1Values(t *testing.T) {
	tests := []struct {
		space AttrSpaceV1
		in    string
		want  string
	}{
		{AttrSpaceIKE, "8001 0007", "Encryption Algorithm = AES-CBC"},
		{AttrSpaceIKE, "800e 0100", "Key Length = 256"},
		{AttrSpaceIKE, "8003 fde9", "Authentication Method = XAUTHInitPreShared"},
		{AttrSpaceIKE, "8004 000e", "Group Description = MODP_2048"},
		{AttrSpaceIKE, "000c 0004 00007080", "Life Duration = 28800"},
		{AttrSpaceIKE, "000c 0008 0000000100000000", "Life Duration = 0x0000000100000000"},
		{AttrSpaceIKE, "800b 0002", "Life Type = kilobytes"},
		{AttrSpaceIKE, "c001 0001", "private use 16385 = 1"},
		{AttrSpaceIPsec, "8004 f003", "Encapsulation Mode = UDP-Encapsulated-Tunnel (draft)"},
		{AttrSpaceIPsec, "8004 0003", "Encapsulation Mode = UDP-Encapsulated-Tunnel"},
		{AttrSpaceIPsec, "8005 0005", "Authentication Algorithm = HMAC-SHA2-256"},
		{AttrSpaceIPsec, "8003 0013", "Group Description = ECP_256"},
		{AttrSpaceIPsec, "800a 0001", "ECN Tunnel = Allowed"},
		{AttrSpaceIPsec, "800b 0001", "Extended (64-bit) Sequence Number = 64-bit Sequence Number"},
		{AttrSpaceModeCfg, "0001 0004 0a000002", "INTERNAL_IP4_ADDRESS = 10.0.0.2"},
		{AttrSpaceModeCfg, "0001 0000", "INTERNAL_IP4_ADDRESS = (empty)"},
		{AttrSpaceModeCfg, "c08f 0001", "XAUTH-STATUS = OK"},
		{AttrSpaceModeCfg, "c088 0000", "XAUTH-TYPE = Generic"},
		{AttrSpaceModeCfg, "4089 0003 626f62", `XAUTH-USER-NAME = "bob"`},
		{AttrSpaceModeCfg, "408a 0006 736563726574", "XAUTH-USER-PASSWORD = (hidden, 6 octets)"},
		{AttrSpaceModeCfg, "000d 0008 0a000000ffffff00", "INTERNAL_IP4_SUBNET = 10.0.0.0/255.255.255.0"},
	}
	for _, tt := range tests {
		var as []AttributeV1
		if err := decodeAttributesV1(v1hex(t, tt.in), 0, tt.space, "", &as); err != nil || len(as) != 1 {
			t.Errorf("%s: %v, %d attributes", tt.in, err, len(as))
			continue
		}
		if got := as[0].String(); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.in, got, tt.want)
		}
	}
	var as []AttributeV1
	err := decodeAttributesV1(v1hex(t, "8001 0007 000c 0004 0000"), 100, AttrSpaceIKE, "T/", &as)
	if pe, ok := errors.AsType[*ParseError](err); !ok || !errors.Is(err, ErrTruncated) || pe.Offset != 106 || len(as) != 1 {
		t.Errorf("TLV overflow: %v, %d attributes", err, len(as))
	}
	as = nil
	err = decodeAttributesV1(v1hex(t, "8001 0007 80"), 100, AttrSpaceIKE, "T/", &as)
	if pe, ok := errors.AsType[*ParseError](err); !ok || !errors.Is(err, ErrTruncated) || pe.Offset != 104 {
		t.Errorf("short attribute: %v", err)
	}
	if j, _ := (&AttributeV1{Type: 16522, Data: []byte("secret"), Space: AttrSpaceModeCfg}).MarshalJSON(); strings.Contains(string(j), hex.EncodeToString([]byte("secret"))) {
		t.Errorf("password in JSON: %s", j)
	}
}

func TestIDV1(t *testing.T) {
	dn, err := asn1.Marshal(pkix.Name{CommonName: "moon.strongswan.org", Organization: []string{"Linux strongSwan"}, Country: []string{"CH"}}.ToRDNSequence())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      []byte
		want    string
		wantErr error
	}{
		{v1hex(t, "01 00 0000 c0a80c76"), "ID_IPV4_ADDR 192.168.12.118", nil}, // from ikev1-certs frame 5
		{v1hex(t, "04 11 01f4 0a000000 ffffff00"), "ID_IPV4_ADDR_SUBNET 10.0.0.0/24 proto 17 port 500", nil},
		{v1hex(t, "04 00 0000 0a000001 ffffff00"), "ID_IPV4_ADDR_SUBNET 10.0.0.1/24", nil},
		{v1hex(t, "04 00 0000 0a000000 ff00ff00"), "ID_IPV4_ADDR_SUBNET 10.0.0.0/255.0.255.0", nil},
		{v1hex(t, "07 00 0000 0a000001 0a0000fe"), "ID_IPV4_ADDR_RANGE 10.0.0.1-10.0.0.254", nil},
		{v1hex(t, "06 00 0000 20010db8000000000000000000000000 ffffffffffffffff0000000000000000"), "ID_IPV6_ADDR_SUBNET 2001:db8::/64", nil},
		{v1hex(t, "08 00 0000 20010db8000000000000000000000001 20010db8000000000000000000000009"), "ID_IPV6_ADDR_RANGE 2001:db8::1-2001:db8::9", nil},
		{append(v1hex(t, "02 00 0000"), "vpn.example.com"...), `ID_FQDN "vpn.example.com"`, nil},
		{append(v1hex(t, "03 00 0000"), "carol@example.com"...), `ID_USER_FQDN "carol@example.com"`, nil},
		{append(v1hex(t, "0b 00 0000"), "group1"...), `ID_KEY_ID "group1"`, nil},
		{v1hex(t, "0b 00 0000 00ff"), "ID_KEY_ID 00ff", nil},
		{append(v1hex(t, "09 00 0000"), dn...), "ID_DER_ASN1_DN CN=moon.strongswan.org,O=Linux strongSwan,C=CH", nil},
		{v1hex(t, "01 00 0000 c0a80c"), "ID_IPV4_ADDR c0a80c", ErrMalformed},
		{v1hex(t, "05 00 0000 c0a80c76"), "ID_IPV6_ADDR c0a80c76", ErrMalformed},
		{v1hex(t, "01 00 00"), "RESERVED ", ErrTruncated},
	}
	for _, tt := range tests {
		id, err := decodeIDV1(tt.in, 0)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%x: err %v, want %v", tt.in, err, tt.wantErr)
		}
		if got := id.String(); got != tt.want {
			t.Errorf("%x: %q, want %q", tt.in, got, tt.want)
		}
	}
	id, _ := decodeIDV1(v1hex(t, "04 00 0000 0a000000 ffffff00"), 0)
	if id.Prefix != netip.MustParsePrefix("10.0.0.0/24") {
		t.Errorf("Prefix %v", id.Prefix)
	}
}

func TestNotifyV1(t *testing.T) {
	// The cookie pair of ikev1-certs.pcap as the DPD SPI (RFC 3706 §5).
	cookies := "fafaeb49382a763c 36e65ad2f66f4403"
	tests := []struct {
		in      string
		want    string
		wantErr error
	}{
		{"00000001 01 00 000e", "NO-PROPOSAL-CHOSEN", nil}, // ipsec.cap frame 3
		{"00000001 01 10 8d28" + cookies + "00000457", "R-U-THERE seq 1111", nil},
		{"00000001 01 10 8d29" + cookies + "00000457", "R-U-THERE-ACK seq 1111", nil},
		{"00000001 01 10 8d28" + cookies + "000457", "R-U-THERE data 000457", ErrMalformed},
		{"00000001 01 10 6002" + cookies, "INITIAL-CONTACT", nil},
		{"00000001 03 04 6000 95f9fa06 80010001 00020004 00000e10", "RESPONDER-LIFETIME SA Life Type = seconds, SA Life Duration = 3600", nil},
		{"00000001 03 04 6001 95f9fa06 00000001", "REPLAY-STATUS enabled", nil},
		{"00000001 01 10 9e35" + cookies + "c0a80001", "UNITY-LOAD-BALANCE 192.168.0.1", nil},
		{"00000001 03 ff 000e 95f9fa06", "NO-PROPOSAL-CHOSEN", ErrTruncated},
		{"00000001 03 04", "RESERVED", ErrTruncated},
	}
	for _, tt := range tests {
		wantBodyV1(t, decodeNotifyV1, tt.in, tt.want, tt.wantErr)
	}
}

func TestDeleteV1(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		spis    int
		wantErr error
	}{
		{"00000001 03 04 0002 95f9fa06 cd876adf", "PROTO_IPSEC_ESP 2 SPIs 95f9fa06, cd876adf", 2, nil},
		{"00000001 01 10 0001 fafaeb49382a763c36e65ad2f66f4403", "PROTO_ISAKMP SPI fafaeb49382a763c36e65ad2f66f4403", 1, nil},
		{"00000001 03 04 0003 95f9fa06 cd876adf", "PROTO_IPSEC_ESP 3 SPIs 95f9fa06, cd876adf", 2, ErrMalformed},
		{"00000001 03 04 0001 95f9fa06 cd876adf", "PROTO_IPSEC_ESP SPI 95f9fa06", 1, ErrMalformed},
		{"00000001 03 00 ffff", "PROTO_IPSEC_ESP 65535 SPIs ", 0, nil},
		{"00000001 03 04", "RESERVED 0 SPIs ", 0, ErrTruncated},
	}
	for _, tt := range tests {
		if d := wantBodyV1(t, decodeDeleteV1, tt.in, tt.want, tt.wantErr); len(d.SPIs) != tt.spis {
			t.Errorf("%s: %d SPIs, want %d", tt.in, len(d.SPIs), tt.spis)
		}
	}
}

func TestSmallPayloadsV1(t *testing.T) {
	tests := []struct {
		typ     PayloadType
		in      string
		want    string
		wantErr error
	}{
		{PayloadNATOAV1, "01 000000 c0000201", "ID_IPV4_ADDR 192.0.2.1", nil},
		{PayloadNATOADraftV1, "05 000000 20010db8000000000000000000000001", "ID_IPV6_ADDR 2001:db8::1", nil},
		{PayloadNATOAV1, "01 000000 c00002", "ID_IPV4_ADDR", ErrMalformed}, // error at the address, 36
		{PayloadNATDDraftV1, "1574d64c0165bad16a023f038d45a07498d8d051", "1574d64c0165bad1…(20 octets)", nil},
		{PayloadFragmentV1, "0001 02 01 deadbeef", "fragment 2 of message 1 (last), 4 octets", nil},
		{PayloadFragmentV1, "0001 01 00 deadbeef", "fragment 1 of message 1, 4 octets", nil},
		{PayloadFragmentV1, "0001 01", "fragment 0 of message 0, 0 octets", ErrTruncated},
		{PayloadAttrV1, "02 00 1234 0001 0004 0a000002 c08f 0001", "ISAKMP_CFG_REPLY id 4660: INTERNAL_IP4_ADDRESS = 10.0.0.2, XAUTH-STATUS = OK", nil},
		{PayloadAttrV1, "01 00 0001 4089 0000 408a 0000", "ISAKMP_CFG_REQUEST id 1: XAUTH-USER-NAME = (empty), XAUTH-USER-PASSWORD = (empty)", nil},
		{PayloadCertV1, "04 3082", "X.509 Certificate - Signature, 2 octets\ncertificate not decoded: truncated: DER length field cut short", ErrTruncated},
		{PayloadCertV1, "02 3082", "PGP Certificate, 2 octets", nil}, // not X.509: not decoded
		{PayloadCertV1, "", "NONE, 0 octets", ErrTruncated},
		{PayloadCertReqV1, "04", "X.509 Certificate - Signature, any CA", nil},
		{PayloadKEV1, "0102", "2 octets", nil},
		{PayloadSAKV1, "0102", "2 octets", nil}, // GDOI: opaque
	}
	for _, tt := range tests {
		p := Payload{Type: tt.typ, Offset: 28, Body: v1hex(t, tt.in)}
		b, err := DecodePayload(1, p)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%v %s: err %v, want %v", tt.typ, tt.in, err, tt.wantErr)
		}
		if got := b.String(); got != tt.want {
			t.Errorf("%v %s: %q, want %q", tt.typ, tt.in, got, tt.want)
		}
		wantOff := 32
		switch tt.typ {
		case PayloadNATOAV1:
			wantOff = 36
		case PayloadCertV1:
			if len(p.Body) > 0 {
				wantOff = 33 // the certificate, after the encoding octet
			}
		}
		if pe, ok := errors.AsType[*ParseError](err); ok && pe.Offset != wantOff {
			t.Errorf("%v %s: offset %d, want %d", tt.typ, tt.in, pe.Offset, wantOff)
		}
	}
}

// TestCertReqV1Real checks the CR payload of ikev1-certs frame 4, whose
// authority is a DER distinguished name.
func TestCertReqV1Real(t *testing.T) {
	p := realPayloadV1(t, "certs", 4, 2)
	b, err := DecodePayload(1, p)
	if err != nil {
		t.Fatal(err)
	}
	cr := b.(*CertReqV1)
	if cr.Encoding != CertV1X509Sig || cr.AuthorityDN == "" {
		t.Errorf("CR = %s", cr)
	}
	t.Log(cr)
}

// BenchmarkV1MainMode1 decodes a real main-mode message 1 (SA + 4 VIDs,
// 168 octets): "walk" is header + payload walk, "typed" adds the typed
// decode of every payload.
func BenchmarkV1MainMode1(b *testing.B) {
	raw := frameV1(b, "main_mode", 1).raw
	var msg Message
	b.Run("walk", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if err := msg.DecodeFromBytes(raw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("typed", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			if err := msg.DecodeFromBytes(raw); err != nil {
				b.Fatal(err)
			}
			for _, p := range msg.Payloads {
				if _, err := DecodePayload(1, p); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
