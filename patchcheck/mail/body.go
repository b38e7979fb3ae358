// SPDX-License-Identifier: GPL-2.0-only

package mail

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/patchdiff"
)

var trailerRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$`)

// splitBody splits a decoded body into commit message, notes and diff:
// the message ends at the first "---" line or at the diff, the notes run
// from "---" to the diff, and the diff ends at the "-- " signature, which
// the diff reader finds by following the hunks' counts.
func splitBody(p *model.Patch, lines []model.Line, unterminated bool) {
	lines = inBodyHeaders(p, lines)
	diffStart := patchdiff.FindStart(lines)
	pre := lines
	if diffStart >= 0 {
		pre = lines[:diffStart]
	}
	splitMessage(p, pre)
	if diffStart < 0 {
		return
	}
	files, _, errs := patchdiff.ParseInput(lines[diffStart:], unterminated)
	p.Files = files
	for _, e := range errs {
		line := 0
		if pe, ok := e.(*patchdiff.Error); ok {
			line = pe.Line
			e = pe.Err
		}
		p.Errors = append(p.Errors, &Error{Source: p.Source, Line: line, Err: e})
	}
}

// inBodyHeaders applies the "From:", "Subject:" and "Date:" lines git am
// accepts at the top of a body, and returns the rest.
func inBodyHeaders(p *model.Patch, lines []model.Line) []model.Line {
	for len(lines) > 0 && strings.TrimSpace(lines[0].Text) == "" {
		lines = lines[1:]
	}
	i := 0
	seen := false
	for i < len(lines) {
		t := lines[i].Text
		switch {
		case strings.HasPrefix(t, "From: "):
			p.Header.From = decodeHeader(t[6:])
		case strings.HasPrefix(t, "Subject: "):
			p.Header.Subject = decodeHeader(t[9:])
			p.SubjectLine = lines[i].N
			// A continuation line belongs to the subject.
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1].Text, " ") {
				i++
				p.Header.Subject += " " + strings.TrimSpace(lines[i].Text)
			}
			p.Subject = ParseSubject(p.Header.Subject)
		case strings.HasPrefix(t, "Date: "):
			p.Header.Date = t[6:]
		default:
			if seen && strings.TrimSpace(t) == "" {
				return lines[i+1:]
			}
			return lines[i:]
		}
		seen = true
		i++
	}
	return lines[i:]
}

func trimBlank(ls []model.Line) []model.Line {
	for len(ls) > 0 && strings.TrimSpace(ls[0].Text) == "" {
		ls = ls[1:]
	}
	for len(ls) > 0 && strings.TrimSpace(ls[len(ls)-1].Text) == "" {
		ls = ls[:len(ls)-1]
	}
	return ls
}

// trailers reads the "Key: value" lines of the message's last paragraph.
func trailers(msg []model.Line) []model.Trailer {
	start := len(msg)
	for start > 0 && strings.TrimSpace(msg[start-1].Text) != "" {
		start--
	}
	var out []model.Trailer
	for _, l := range msg[start:] {
		if m := trailerRE.FindStringSubmatch(l.Text); m != nil {
			out = append(out, model.Trailer{Key: m[1], Value: strings.TrimSpace(m[2]), Line: l.N})
		}
	}
	return out
}

var (
	replyRE   = regexp.MustCompile(`(?i)^\s*(re|aw|sv|antw|fwd?)\s*:\s*`)
	bracketRE = regexp.MustCompile(`^\s*\[([^\]]*)\]\s*`)
	versionRE = regexp.MustCompile(`(?i)^v(\d+)$`)
	counterRE = regexp.MustCompile(`^(\d+)/(\d+)$`)
)

// ParseSubject reads a patch subject: "Re:" markers, bracketed prefixes
// ("[RFC PATCH bpf-next v3 2/5]", also several bracket groups), the
// version and the m/N counter.
func ParseSubject(raw string) model.Subject {
	s := model.Subject{Raw: raw, Version: 1}
	rest := raw
	for {
		if m := replyRE.FindStringIndex(rest); m != nil {
			s.Reply = true
			rest = rest[m[1]:]
			continue
		}
		m := bracketRE.FindStringSubmatchIndex(rest)
		if m == nil {
			break
		}
		for _, w := range strings.Fields(rest[m[2]:m[3]]) {
			switch {
			case versionRE.MatchString(w):
				s.Version, _ = strconv.Atoi(w[1:])
			case counterRE.MatchString(w):
				c := counterRE.FindStringSubmatch(w)
				s.Number, _ = strconv.Atoi(c[1])
				s.Total, _ = strconv.Atoi(c[2])
			default:
				if strings.EqualFold(w, "RFC") {
					s.RFC = true
				}
				s.Prefixes = append(s.Prefixes, w)
			}
		}
		rest = rest[m[1]:]
	}
	s.Title = strings.TrimSpace(rest)
	return s
}

// splitMessage divides the text before the diff at its first "---" line:
// the commit message above it, with its trailers, and the notes below
// (what git am drops).
func splitMessage(p *model.Patch, pre []model.Line) {
	cut := len(pre)
	for i, l := range pre {
		if strings.TrimRight(l.Text, " \t") == "---" {
			cut = i
			break
		}
	}
	p.Message = trimBlank(pre[:cut])
	if cut < len(pre) {
		p.Notes = trimBlank(pre[cut+1:])
	}
	p.Trailers = trailers(p.Message)
}
