package dissect

// ModeCfgV1 is the body of an IKEv1 Attributes payload, payload type 14
// (draft-dukes-ike-mode-cfg-02 §3.2), carried in Transaction exchanges for
// Mode Config and XAUTH (draft-beaulieu-ike-xauth-02): the message type, an
// identifier that pairs requests with replies, and data attributes in the
// [AttrSpaceModeCfg] space.
type ModeCfgV1 struct {
	Type       ModeCfgTypeV1 `json:"attr_type"`
	Reserved   uint8         `json:"-"`
	Identifier uint16        `json:"identifier"`
	Attributes []AttributeV1 `json:"attributes"`
}

// String renders "ISAKMP_CFG_REPLY id 4660: INTERNAL_IP4_ADDRESS = 10.0.0.2, …".
func (m *ModeCfgV1) String() string {
	return attributesLineV1(m.Type.String()+" id "+v1Utoa(m.Identifier), m.Attributes)
}

// decodeModeCfgV1 decodes the body of an IKEv1 Attributes payload. base is
// the offset of body[0] from the IKE header.
func decodeModeCfgV1(body []byte, base int) (*ModeCfgV1, error) {
	m := &ModeCfgV1{}
	if len(body) < 4 {
		return m, errAt(base, "ATTR.header", ErrTruncated)
	}
	m.Type = ModeCfgTypeV1(body[0])
	m.Reserved = body[1]
	m.Identifier = be16(body[2:])
	err := decodeAttributesV1(body[4:], base+4, AttrSpaceModeCfg, "ATTR/", &m.Attributes)
	return m, err
}
