package dissect

// AppendJSON methods of the IKEv2 payload bodies (see json_append.go):
// each appends the value as a JSON object to b, exactly as json.Marshal
// writes it. Only a certificate's dates can make one fail, as they make
// json.Marshal fail. The receiver must not be nil: AppendBodyJSON writes
// a nil body "null".

// AppendJSON appends the SA payload as json.Marshal writes it.
func (s *SA) AppendJSON(b []byte) ([]byte, error) {
	b = appendList(append(b, `{"proposals":`...), s.Proposals)
	return append(b, '}'), nil
}

// AppendJSON appends the proposal as json.Marshal writes it.
func (p *Proposal) AppendJSON(b []byte) []byte {
	b = appendUintField(b, `{"number":`, uint64(p.Num))
	b = AppendJSONString(append(b, `,"protocol":`...), p.Protocol.String())
	b = appendHexField(b, `,"spi":`, p.SPI)
	b = appendUintField(b, `,"num_transforms":`, uint64(p.NumTransforms))
	b = appendList(append(b, `,"transforms":`...), p.Transforms)
	b = appendBoolField(b, `,"last":`, p.Last)
	return append(b, '}')
}

// AppendJSON appends the transform as its MarshalJSON writes it (the
// fields, then the resolved "name").
func (t *Transform) AppendJSON(b []byte) []byte {
	b = AppendJSONString(append(b, `{"type":`...), t.Type.String())
	b = appendUintField(b, `,"id":`, uint64(t.ID))
	b = appendUintOmit(b, `,"key_length":`, uint64(t.KeyLength))
	if len(t.Attributes) > 0 {
		b = appendList(append(b, `,"attributes":`...), t.Attributes)
	}
	b = AppendJSONString(append(b, `,"name":`...), t.Name())
	return append(b, '}')
}

// AppendJSON appends the transform attribute as json.Marshal writes it.
func (a *Attribute) AppendJSON(b []byte) []byte {
	b = appendUintField(b, `{"type":`, uint64(a.Type))
	b = appendBoolField(b, `,"tv":`, a.TV)
	b = appendUintField(b, `,"value":`, uint64(a.Value))
	b = appendHexField(b, `,"data":`, a.Data)
	return append(b, '}')
}

// AppendJSON appends the KE payload as json.Marshal writes it.
func (k *KE) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"group":`...), k.Group.String())
	b = appendUintOmit(b, `,"reserved":`, uint64(k.Reserved))
	b = appendHexJSON(append(b, `,"data":`...), k.Data)
	return append(b, '}'), nil
}

// AppendJSON appends the ID payload as json.Marshal writes it.
func (id *Identification) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"id_type":`...), id.Type.String())
	b = appendHexJSON(append(b, `,"data":`...), id.Data)
	b = appendTextField(b, `,"addr":`, id.Addr)
	b = appendStringField(b, `,"text":`, id.Text)
	return append(b, '}'), nil
}

// AppendJSON appends the CERT payload as json.Marshal writes it.
func (c *Cert) AppendJSON(b []byte) ([]byte, error) {
	b, err := appendCertStart(b, c.Encoding.String(), c.Data, c.Certificate)
	if err != nil {
		return nil, err
	}
	if c.HashURL != nil {
		b = c.HashURL.AppendJSON(append(b, `,"hash_url":`...))
	}
	b = appendStringField(b, `,"note":`, c.Note)
	return append(b, '}'), nil
}

// AppendJSON appends the CERTREQ payload as json.Marshal writes it.
func (c *CertReq) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"encoding":`...), c.Encoding.String())
	b = appendHexJSON(append(b, `,"data":`...), c.Data)
	if len(c.Authorities) > 0 {
		b = appendHexList(append(b, `,"authorities":`...), c.Authorities)
	}
	return append(b, '}'), nil
}

// AppendJSON appends the AUTH payload as json.Marshal writes it.
func (a *Auth) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"method":`...), a.Method.String())
	b = appendHexJSON(append(b, `,"data":`...), a.Data)
	b = appendHexField(b, `,"sig_algorithm":`, a.SigAlgorithm)
	b = appendHexField(b, `,"signature":`, a.Signature)
	return append(b, '}'), nil
}

// AppendJSON appends the Nonce payload as json.Marshal writes it.
func (n *Nonce) AppendJSON(b []byte) ([]byte, error) {
	b = appendHexJSON(append(b, `{"data":`...), n.Data)
	return append(b, '}'), nil
}

// AppendJSON appends the Vendor ID payload as json.Marshal writes it.
func (v *VendorID) AppendJSON(b []byte) ([]byte, error) {
	b = appendHexJSON(append(b, `{"data":`...), v.Data)
	b = appendStringField(b, `,"vendor":`, v.Vendor)
	return append(b, '}'), nil
}

// AppendJSON appends the SK payload as json.Marshal writes it (the length
// of the data, not the data).
func (e *Encrypted) AppendJSON(b []byte) ([]byte, error) {
	b = appendIntField(b, `{"data_length":`, e.Len)
	b = AppendJSONString(append(b, `,"next":`...), e.Next.Short())
	return append(b, '}'), nil
}

// AppendJSON appends the SKF payload as json.Marshal writes it.
func (e *EncryptedFragment) AppendJSON(b []byte) ([]byte, error) {
	b = appendUintField(b, `{"number":`, uint64(e.Number))
	b = appendUintField(b, `,"total":`, uint64(e.Total))
	b = appendIntField(b, `,"data_length":`, e.Len)
	b = AppendJSONString(append(b, `,"next":`...), e.Next.Short())
	return append(b, '}'), nil
}

// AppendJSON appends the EAP payload as json.Marshal writes it.
func (e *EAP) AppendJSON(b []byte) ([]byte, error) {
	b = appendUintField(b, `{"code":`, uint64(e.Code))
	b = appendUintField(b, `,"identifier":`, uint64(e.Identifier))
	b = appendUintField(b, `,"eap_length":`, uint64(e.Length))
	b = appendUintOmit(b, `,"eap_type":`, uint64(e.Type))
	b = appendHexField(b, `,"data":`, e.Data)
	return append(b, '}'), nil
}

// AppendJSON appends the Notify payload as json.Marshal writes it.
func (n *Notify) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"protocol":`...), n.Protocol.String())
	b = appendUintField(b, `,"spi_size":`, uint64(n.SPISize))
	b = appendHexField(b, `,"spi":`, n.SPI)
	b = AppendJSONString(append(b, `,"notify":`...), n.Type.String())
	b = appendHexField(b, `,"data":`, n.Data)
	if n.Group != 0 {
		b = AppendJSONString(append(b, `,"group":`...), n.Group.String())
	}
	b = appendHexField(b, `,"hash":`, n.Hash)
	if len(n.HashAlgs) > 0 {
		b = appendEach(append(b, `,"hash_algorithms":`...), n.HashAlgs,
			func(b []byte, h *HashAlgorithm) []byte { return AppendJSONString(b, h.String()) })
	}
	if s := n.MessageIDSync; s != nil {
		b = appendUintField(b, `,"message_id_sync":{"nonce":`, uint64(s.Nonce))
		b = appendUintField(b, `,"expected_send_req_mid":`, uint64(s.ExpectedSendReqMID))
		b = appendUintField(b, `,"expected_recv_req_mid":`, uint64(s.ExpectedRecvReqMID))
		b = append(b, '}')
	}
	if r := n.Redirect; r != nil {
		b = AppendJSONString(append(b, `,"redirect":{"type":`...), r.Type.String())
		b = appendHexJSON(append(b, `,"data":`...), r.Data)
		b = appendTextField(b, `,"addr":`, r.Addr)
		b = appendHexField(b, `,"nonce":`, r.Nonce)
		b = append(b, '}')
	}
	b = appendTextField(b, `,"addr":`, n.Addr)
	b = appendUintOmit(b, `,"value":`, uint64(n.Value))
	b = appendUintOmit(b, `,"cpi":`, uint64(n.CPI))
	b = appendUintOmit(b, `,"ipcomp_transform":`, uint64(n.IPCompTransform))
	return append(b, '}'), nil
}

// AppendJSON appends the Delete payload as json.Marshal writes it.
func (d *Delete) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"protocol":`...), d.Protocol.String())
	b = appendUintField(b, `,"spi_size":`, uint64(d.SPISize))
	b = appendUintField(b, `,"num_spis":`, uint64(d.NumSPIs))
	if len(d.SPIs) > 0 {
		b = appendHexList(append(b, `,"spis":`...), d.SPIs)
	}
	return append(b, '}'), nil
}

// AppendJSON appends the TSi/TSr payload as json.Marshal writes it.
func (ts *TrafficSelectors) AppendJSON(b []byte) ([]byte, error) {
	b = appendUintField(b, `{"num_ts":`, uint64(ts.NumTS))
	b = appendList(append(b, `,"selectors":`...), ts.Selectors)
	return append(b, '}'), nil
}

// AppendJSON appends the traffic selector as json.Marshal writes it.
func (s *TrafficSelector) AppendJSON(b []byte) []byte {
	b = AppendJSONString(append(b, `{"type":`...), s.Type.String())
	b = appendUintField(b, `,"ip_protocol":`, uint64(s.IPProtocol))
	b = appendUintField(b, `,"start_port":`, uint64(s.StartPort))
	b = appendUintField(b, `,"end_port":`, uint64(s.EndPort))
	b = appendTextField(b, `,"start":`, s.Start)
	b = appendTextField(b, `,"end":`, s.End)
	b = appendHexField(b, `,"data":`, s.Data)
	return append(b, '}')
}

// AppendJSON appends the CP payload as json.Marshal writes it.
func (c *Config) AppendJSON(b []byte) ([]byte, error) {
	b = AppendJSONString(append(b, `{"cp_type":`...), c.Type.String())
	b = appendList(append(b, `,"attributes":`...), c.Attributes)
	return append(b, '}'), nil
}

// AppendJSON appends the configuration attribute as json.Marshal writes it.
func (a *CPAttribute) AppendJSON(b []byte) []byte {
	b = AppendJSONString(append(b, `{"type":`...), a.Type.String())
	b = appendHexField(b, `,"value":`, a.Value)
	b = appendTextField(b, `,"addr":`, a.Addr)
	b = appendTextField(b, `,"prefix":`, a.Prefix)
	b = appendStringField(b, `,"text":`, a.Text)
	return append(b, '}')
}

// AppendJSON appends the undecoded payload as json.Marshal writes it (its
// length only).
func (o *Opaque) AppendJSON(b []byte) ([]byte, error) {
	b = appendIntField(b, `{"data_length":`, o.Len)
	return append(b, '}'), nil
}
