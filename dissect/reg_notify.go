package dissect

// IsError reports whether t is in the error range 1–16383 ([RFC 7296]
// §3.10.1). An unknown error type received in a response means the request
// failed.
func (t NotifyType) IsError() bool { return t >= 1 && t <= 16383 }

// IsStatus reports whether t is in the status range 16384–65535.
func (t NotifyType) IsStatus() bool { return t >= 16384 }

// IsPrivateUse reports whether t is in either private-use range
// (8192–16383 errors, 40960–65535 status).
func (t NotifyType) IsPrivateUse() bool {
	return (t >= 8192 && t <= 16383) || t >= 40960
}
