package dissect

// IsError reports whether t is in one of the error ranges, 1–16383
// ([RFC 2408] §3.14.1: errors 1–8191, private-use errors 8192–16383).
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.14.1
func (t NotifyTypeV1) IsError() bool { return t >= 1 && t <= 16383 }

// IsStatus reports whether t is a status notification, 16384–65535
// ([RFC 2408] §3.14.1).
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.14.1
func (t NotifyTypeV1) IsStatus() bool { return t >= 16384 }
