// Package dissect decodes ISAKMP/IKEv1 ([RFC 2408], [RFC 2409]) and IKEv2
// ([RFC 7296]) messages from bytes. It does no I/O and keeps no state.
//
// # Contract
//
// [Message.DecodeFromBytes] reads the fixed header and walks the generic
// payload chain without allocating (the Payloads slice is reused). Typed
// views of each payload body are produced by [DecodePayload].
//
// Values alias the input: [Payload.Body], nonces, key-exchange data and
// similar byte slices point into the buffer passed to the decoder and are
// valid only as long as that buffer is. Callers that keep them must copy.
//
// Malformed or truncated input never panics. Decoders return what they could
// decode together with a [*ParseError] that names the field and the offset
// (counted from the first octet of the IKE header, after any non-ESP marker).
// The error wraps one of [ErrTruncated], [ErrMalformed] or [ErrUnsupported],
// so callers can test it with errors.Is.
//
// Registry values (exchange types, payload types, transform IDs, notify
// types, …) are open enums: unknown and private-use values keep their
// number and print it with the range they fall in, never as an error.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296
package dissect
