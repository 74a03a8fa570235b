package flows

import (
	"time"
)

// Severity ranks a [Finding].
type Severity uint8

// Severities, from least to most serious.
const (
	SeverityInfo Severity = iota
	SeverityWarning
	SeverityError
)

var severityNames = [...]string{"info", "warning", "error"}

// String returns "info", "warning" or "error".
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return "unknown"
}

// MarshalText encodes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity returns the severity named s ("info", "warning", "error").
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), true
		}
	}
	return 0, false
}

// Finding is one diagnosis: what went wrong (or is worth knowing), where in
// the capture, and what to check.
type Finding struct {
	Kind     FindingKind `json:"kind"`
	Severity Severity    `json:"severity"`
	// Frames are the capture frames involved, ascending.
	Frames  []int     `json:"frames"`
	Time    time.Time `json:"time,omitzero"`
	Message string    `json:"message"`
	// SA names the IKE SA ("spii/spir") in Report.Findings; empty for
	// capture-wide findings and inside SA.Findings.
	SA string `json:"sa,omitempty"`
	// Causes ranks the likely causes the message lists, most likely
	// first (authentication_failed_evidence); not part of the JSON, whose
	// message says the same.
	Causes []Cause `json:"-"`
}

// Cause is one ranked cause of a finding: how strong the evidence is
// ("strong", "possible" or "weak") and what the capture shows.
type Cause struct {
	Evidence string
	Text     string
}
