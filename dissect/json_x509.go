package dissect

// AppendJSON appends the certificate summary as json.Marshal writes it.
// A date json.Marshal refuses (outside years 0–9999) is written null, see
// [AppendJSONTime].
func (c *Certificate) AppendJSON(b []byte) ([]byte, error) {
	if c == nil {
		return append(b, "null"...), nil
	}
	var err error
	b = AppendJSONString(append(b, `{"subject":`...), c.Subject)
	b = AppendJSONString(append(b, `,"issuer":`...), c.Issuer)
	b = AppendJSONString(append(b, `,"serial":`...), c.Serial)
	if len(c.SANs) > 0 {
		b = AppendJSONStrings(append(b, `,"sans":`...), c.SANs)
	}
	if b, err = AppendJSONTime(append(b, `,"not_before":`...), c.NotBefore); err != nil {
		return nil, err
	}
	if b, err = AppendJSONTime(append(b, `,"not_after":`...), c.NotAfter); err != nil {
		return nil, err
	}
	b = AppendJSONString(append(b, `,"key_type":`...), c.KeyType)
	if c.KeyBits != 0 {
		b = appendIntField(b, `,"key_bits":`, c.KeyBits)
	}
	b = appendStringField(b, `,"curve":`, c.Curve)
	b = AppendJSONString(append(b, `,"signature_algorithm":`...), c.SignatureAlgorithm)
	b = AppendJSONString(append(b, `,"spki_sha1":`...), c.SPKISHA1)
	b = appendBoolField(b, `,"basic_constraints":`, c.BasicConstraints)
	b = appendBoolField(b, `,"ca":`, c.IsCA)
	b = appendIntField(b, `,"max_path_len":`, c.MaxPathLen)
	b = appendStringField(b, `,"subject_key_id":`, c.SubjectKeyID)
	b = appendStringField(b, `,"authority_key_id":`, c.AuthorityKeyID)
	return append(b, '}'), nil
}

// AppendJSON appends the Hash and URL certificate reference as
// json.Marshal writes it.
func (h *HashURL) AppendJSON(b []byte) []byte {
	b = appendHexJSON(append(b, `{"hash":`...), h.Hash)
	b = AppendJSONString(append(b, `,"url":`...), h.URL)
	return append(b, '}')
}

// appendCertStart appends the fields the CERT payloads of both versions
// begin with: the encoding, the data and, when there is one, the
// certificate summary (a date json.Marshal refuses written null).
func appendCertStart(b []byte, encoding string, data []byte, c *Certificate) ([]byte, error) {
	b = AppendJSONString(append(b, `{"encoding":`...), encoding)
	b = appendHexJSON(append(b, `,"data":`...), data)
	if c == nil {
		return b, nil
	}
	return c.AppendJSON(append(b, `,"certificate":`...))
}
