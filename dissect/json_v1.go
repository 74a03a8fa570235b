package dissect

// AppendJSON methods of the IKEv1 payload bodies (see json_append.go):
// each appends the value as a JSON object to b, exactly as json.Marshal
// writes it (through the MarshalJSON methods where the type has one). The
// receiver must not be nil: AppendBodyJSON writes a nil body "null".

// AppendJSON appends the SA payload as json.Marshal writes it.
func (s *SAV1) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"doi":`...), s.DOI.String())
	b = AppendJSONString(append(b, `,"situation":`...), s.Situation.String())
	b = appendList(append(b, `,"proposals":`...), s.Proposals)
	return append(b, '}'), nil
}

// AppendJSON appends the proposal as json.Marshal writes it.
func (p *ProposalV1) AppendJSON(b []byte) []byte {
	b = appendUintField(b, `{"number":`, uint64(p.Num))
	b = AppendJSONString(append(b, `,"protocol":`...), p.Protocol.String())
	b = appendHexJSON(append(b, `,"spi":`...), p.SPI)
	b = appendUintField(b, `,"num_transforms":`, uint64(p.NumTransforms))
	b = appendList(append(b, `,"transforms":`...), p.Transforms)
	return append(b, '}')
}

// AppendJSON appends the transform as its MarshalJSON writes it (the
// fields, then the name of its ID for the proposal's protocol).
func (t *TransformV1) AppendJSON(b []byte) []byte {
	b = appendUintField(b, `{"number":`, uint64(t.Num))
	b = appendUintField(b, `,"id":`, uint64(t.ID))
	b = appendUintOmit(b, `,"reserved":`, uint64(t.Reserved))
	b = appendList(append(b, `,"attributes":`...), t.Attributes)
	b = AppendJSONString(append(b, `,"name":`...), t.Name())
	return append(b, '}')
}

// AppendJSON appends the attribute as its MarshalJSON writes it: class
// name and number, format, the value when it fits in 32 bits, its
// rendering, and the hex data of a TLV value (not of a hidden Mode Config
// secret).
func (a *AttributeV1) AppendJSON(b []byte) []byte {
	b = AppendJSONString(append(b, `{"type":`...), a.Name())
	b = appendUintField(b, `,"type_id":`, uint64(a.Type))
	if a.TV {
		b = append(b, `,"format":"TV"`...)
	} else {
		b = append(b, `,"format":"TLV"`...)
	}
	if !a.Long() {
		b = appendUintField(b, `,"value":`, uint64(a.Value))
	}
	b = AppendJSONString(append(b, `,"value_name":`...), a.ValueName())
	if !a.TV && !(a.Space == AttrSpaceModeCfg && a.hidden()) {
		b = appendHexField(b, `,"data":`, a.Data)
	}
	return append(b, '}')
}

// AppendJSON appends the KE payload as json.Marshal writes it.
func (k *KEV1) AppendJSON(b []byte) ([]byte, error) {
	return append(appendHexJSON(append(b, `{"data":`...), k.Data), '}'), nil
}

// AppendJSON appends the Hash payload as json.Marshal writes it.
func (h *HashV1) AppendJSON(b []byte) ([]byte, error) {
	return append(appendHexJSON(append(b, `{"data":`...), h.Data), '}'), nil
}

// AppendJSON appends the Signature payload as json.Marshal writes it.
func (s *SigV1) AppendJSON(b []byte) ([]byte, error) {
	return append(appendHexJSON(append(b, `{"data":`...), s.Data), '}'), nil
}

// AppendJSON appends the Nonce payload as json.Marshal writes it.
func (n *NonceV1) AppendJSON(b []byte) ([]byte, error) {
	return append(appendHexJSON(append(b, `{"data":`...), n.Data), '}'), nil
}

// AppendJSON appends the NAT-D payload as json.Marshal writes it.
func (n *NATD) AppendJSON(b []byte) ([]byte, error) {
	return append(appendHexJSON(append(b, `{"hash":`...), n.Hash), '}'), nil
}

// AppendJSON appends the NAT-OA payload as json.Marshal writes it.
func (n *NATOA) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"id_type":`...), n.IDType.String())
	b = appendTextField(b, `,"addr":`, n.Addr)
	return append(b, '}'), nil
}

// AppendJSON appends the ID payload as json.Marshal writes it.
func (id *IDV1) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"id_type":`...), id.Type.String())
	b = appendUintField(b, `,"protocol":`, uint64(id.ProtocolID))
	b = appendUintField(b, `,"port":`, uint64(id.Port))
	b = appendHexJSON(append(b, `,"data":`...), id.Data)
	b = appendTextField(b, `,"addr":`, id.Addr)
	b = appendTextField(b, `,"addr_end":`, id.AddrEnd)
	b = appendTextField(b, `,"mask":`, id.Mask)
	b = appendTextField(b, `,"prefix":`, id.Prefix)
	b = appendStringField(b, `,"text":`, id.Text)
	return append(b, '}'), nil
}

// AppendJSON appends the CERT payload as json.Marshal writes it.
func (c *CertV1) AppendJSON(b []byte) ([]byte, error) {
	b, err := appendCertStart(b, c.Encoding.String(), c.Data, c.Certificate)
	if err != nil {
		return nil, err
	}
	b = appendStringField(b, `,"note":`, c.Note)
	return append(b, '}'), nil
}

// AppendJSON appends the CR payload as json.Marshal writes it.
func (c *CertReqV1) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"encoding":`...), c.Encoding.String())
	b = appendHexJSON(append(b, `,"authority":`...), c.Authority)
	b = appendStringField(b, `,"authority_dn":`, c.AuthorityDN)
	return append(b, '}'), nil
}

// AppendJSON appends the Notification payload as json.Marshal writes it.
func (n *NotifyV1) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"doi":`...), n.DOI.String())
	b = AppendJSONString(append(b, `,"protocol":`...), n.Protocol.String())
	b = appendHexField(b, `,"spi":`, n.SPI)
	b = AppendJSONString(append(b, `,"notify":`...), n.Type.String())
	b = appendHexField(b, `,"data":`, n.Data)
	b = appendUintOmit(b, `,"seq":`, uint64(n.Seq))
	b = appendUintOmit(b, `,"status":`, uint64(n.Status))
	if len(n.Attributes) > 0 {
		b = appendList(append(b, `,"attributes":`...), n.Attributes)
	}
	b = appendTextField(b, `,"addr":`, n.Addr)
	return append(b, '}'), nil
}

// AppendJSON appends the Delete payload as json.Marshal writes it.
func (d *DeleteV1) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"doi":`...), d.DOI.String())
	b = AppendJSONString(append(b, `,"protocol":`...), d.Protocol.String())
	b = appendUintField(b, `,"spi_size":`, uint64(d.SPISize))
	b = appendUintField(b, `,"num_spis":`, uint64(d.NumSPIs))
	b = appendHexList(append(b, `,"spis":`...), d.SPIs)
	return append(b, '}'), nil
}

// AppendJSON appends the Attribute (Mode Config) payload as json.Marshal
// writes it.
func (m *ModeCfgV1) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"attr_type":`...), m.Type.String())
	b = appendUintField(b, `,"identifier":`, uint64(m.Identifier))
	b = appendList(append(b, `,"attributes":`...), m.Attributes)
	return append(b, '}'), nil
}

// AppendJSON appends the IKE fragment payload as json.Marshal writes it
// (the length of the data, not the data).
func (f *FragmentV1) AppendJSON(b []byte) ([]byte, error) {
	b = appendUintField(b, `{"id":`, uint64(f.ID))
	b = appendUintField(b, `,"number":`, uint64(f.Number))
	b = appendUintField(b, `,"flags":`, uint64(f.Flags))
	b = appendBoolField(b, `,"last":`, f.Last)
	b = appendIntField(b, `,"data_length":`, f.Len)
	return append(b, '}'), nil
}
