// SPDX-License-Identifier: GPL-2.0-only

package model

import "fmt"

// Severity orders findings as checkpatch does: ERROR, WARNING, CHECK.
type Severity int

// Severities, most severe first.
const (
	SeverityError Severity = iota
	SeverityWarning
	SeverityCheck
)

// String returns the JSON name: "error", "warning" or "check".
func (s Severity) String() string {
	switch s {
	case SeverityError:
		return "error"
	case SeverityWarning:
		return "warning"
	case SeverityCheck:
		return "check"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Label returns checkpatch's upper-case label: ERROR, WARNING or CHECK.
func (s Severity) Label() string {
	switch s {
	case SeverityError:
		return "ERROR"
	case SeverityWarning:
		return "WARNING"
	}
	return "CHECK"
}

// ParseSeverity reads "error", "warning" or "check".
func ParseSeverity(s string) (Severity, error) {
	switch s {
	case "error", "ERROR":
		return SeverityError, nil
	case "warning", "WARNING", "warn":
		return SeverityWarning, nil
	case "check", "CHECK":
		return SeverityCheck, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or check)", s)
}

// AtLeast reports whether s is at least as severe as t.
func (s Severity) AtLeast(t Severity) bool { return s <= t }

// Finding is one thing a rule reports.
type Finding struct {
	Rule     string
	Severity Severity
	Kfunc    string
	Pos      Pos
	Message  string
	// Quote holds the offending lines as the patch shows them (with their
	// +/- marks), for checkpatch-style output.
	Quote []string
	// Waived is set when a Kfunc-Stability-Waiver trailer covers the
	// finding; Severity is then SeverityCheck.
	Waived       bool
	WaiverReason string
}
