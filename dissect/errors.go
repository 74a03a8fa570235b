package dissect

import (
	"errors"
	"strconv"
)

// Sentinel errors wrapped by every [ParseError].
var (
	// ErrTruncated means a length field points past the bytes available
	// (short capture, snaplen, missing IP fragment).
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means a length, count or value that can never be valid.
	ErrMalformed = errors.New("malformed")
	// ErrUnsupported means valid input that this package does not decode,
	// such as an unknown major version.
	ErrUnsupported = errors.New("unsupported")
)

// A ParseError reports where decoding stopped. Whatever was decoded before
// the error is still returned alongside it.
type ParseError struct {
	Offset int    // octet offset from the start of the IKE header
	Field  string // path of the field, e.g. "payload[3](N).length"
	Err    error  // ErrTruncated, ErrMalformed or ErrUnsupported
}

// Error implements the error interface.
func (e *ParseError) Error() string {
	return e.Field + " at offset " + strconv.Itoa(e.Offset) + ": " + e.Err.Error()
}

// Unwrap returns the sentinel error.
func (e *ParseError) Unwrap() error { return e.Err }

// errAt is shorthand for building a *ParseError.
func errAt(off int, field string, err error) *ParseError {
	return &ParseError{Offset: off, Field: field, Err: err}
}
