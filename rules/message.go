// SPDX-License-Identifier: GPL-2.0-only

package rules

import (
	"regexp"
	"strings"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// Message is the analysis of a commit message that every rule shares, so
// that what counts as a rationale, a production reference or a deprecation
// note is decided in one place.
//
// Prose is the message without trailers, quoted text ("> "), indented
// code or logs, and diff-like lines. The heuristics are deliberately
// conservative: they look for the presence of an argument, not its
// quality, which stays the maintainers' call. Thresholds and word lists
// come from the policy configuration.
type Message struct {
	Prose    []model.Line
	Words    int
	Trailers []model.Trailer
	URLs     []string
	Waivers  []Waiver
	text     string // lower-cased prose
	cfg      *policy.Config
	msgID    string // the mail's own Message-ID, without <>
}

// Waiver is a Kfunc-Stability-Waiver trailer: "RULE_ID kfunc: reason".
type Waiver struct {
	Rule, Kfunc, Reason string
	Line                int
	Text                string
}

var (
	urlRE      = regexp.MustCompile(`https?://[^\s>)\]]+`)
	waiverRE   = regexp.MustCompile(`^\s*([A-Z][A-Z0-9_]*)\s+([A-Za-z_*][\w*]*)\s*(?::\s*(.*))?$`)
	lifespanRE = regexp.MustCompile(`(?i)(\b(until|through|before|after|in|by|from|since|till)\s+(linux\s+|kernel\s+)?v?\d+\.\d+\b|\bv\d+\.\d+\b|\b\d+(\.\d+)?\s+(more\s+)?(kernel\s+)?(releases?|cycles?|years?|months?)\b|\b(one|two|three|four|five|six|ten|twelve|several|multiple)\s+(more\s+)?(kernel\s+)?(releases?|cycles?|years?|months?)\b|\b(19|20)\d\d-\d\d(-\d\d)?\b|\b(january|february|march|april|may|june|july|august|september|october|november|december)\s+(19|20)\d\d\b|\b(19|20)\d\d\b)`)
	sinceRE    = regexp.MustCompile(`(?i)\b(deprecated|marked)\b[^.]*?\b(since|in|as of|with)\s+(linux\s+|kernel\s+)?(v?\d+\.\d+|(19|20)\d\d(-\d\d)?)`)
)

// AnalyzeMessage analyses the commit message of p.
func AnalyzeMessage(p *model.Patch, cfg *policy.Config) *Message {
	m := &Message{Trailers: p.Trailers, cfg: cfg, msgID: strings.Trim(strings.TrimSpace(p.Header.MessageID), "<>")}
	trailerLine := map[int]bool{}
	for _, t := range p.Trailers {
		trailerLine[t.Line] = true
	}
	var b strings.Builder
	inCode := false
	for _, l := range p.Message {
		m.URLs = append(m.URLs, urlRE.FindAllString(l.Text, -1)...)
		if strings.HasPrefix(l.Text, cfg.WaiverTrailer+":") {
			m.Waivers = append(m.Waivers, parseWaiver(l))
			continue
		}
		t := l.Text
		trim := strings.TrimSpace(t)
		switch {
		case trailerLine[l.N]:
			continue
		case strings.HasPrefix(trim, "```"):
			inCode = !inCode
			continue
		case inCode, strings.HasPrefix(t, ">"), strings.HasPrefix(t, "\t"), strings.HasPrefix(t, "    "),
			strings.HasPrefix(t, "+"), strings.HasPrefix(t, "-") && !strings.HasPrefix(t, "- "), strings.HasPrefix(t, "@@"):
			continue
		}
		m.Prose = append(m.Prose, l)
		m.Words += len(strings.Fields(trim))
		b.WriteString(strings.ToLower(trim))
		b.WriteByte('\n')
	}
	m.text = b.String()
	return m
}

func parseWaiver(l model.Line) Waiver {
	v := strings.TrimSpace(l.Text[strings.IndexByte(l.Text, ':')+1:])
	w := Waiver{Line: l.N, Text: l.Text}
	if sm := waiverRE.FindStringSubmatch(v); sm != nil {
		w.Rule, w.Kfunc, w.Reason = sm[1], sm[2], strings.TrimSpace(sm[3])
	}
	return w
}

// contains reports whether the prose holds any of the phrases.
func (m *Message) contains(phrases []string) bool {
	for _, p := range phrases {
		if strings.Contains(m.text, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// Mentions reports whether the prose names the kfunc.
func (m *Message) Mentions(kfunc string) bool {
	return strings.Contains(m.text, strings.ToLower(kfunc))
}

// HasRationale reports whether the message argues for a promotion: enough
// prose (policy text.min_rationale_words) that names the kfunc or speaks
// of its stability.
func (m *Message) HasRationale(kfunc string) bool {
	if m.Words < m.cfg.Text.MinRationaleWords {
		return false
	}
	return m.Mentions(kfunc) || m.contains([]string{"stable", "stability", "promot"})
}

// HasProductionUse reports whether the message refers to existing
// production use: a URL or a Link: trailer other than one to the patch's
// own posting, or production wording.
func (m *Message) HasProductionUse() bool {
	for _, u := range m.URLs {
		if !m.ownPosting(u) {
			return true
		}
	}
	for _, t := range m.Trailers {
		if !strings.EqualFold(t.Key, "Link") {
			continue
		}
		urls := urlRE.FindAllString(t.Value, -1)
		if len(urls) == 0 && !m.ownPosting(t.Value) {
			return true
		}
		for _, u := range urls {
			if !m.ownPosting(u) {
				return true
			}
		}
	}
	return m.contains(m.cfg.Text.ProductionWords)
}

// ownPosting reports whether a link points at the patch's own posting,
// which b4 adds to every commit it applies: a message-id link service, a
// lore /r/ or /all/ link, or any link naming the mail's Message-ID.
func (m *Message) ownPosting(link string) bool {
	l := strings.ToLower(link)
	for _, p := range m.cfg.Text.PostingLinks {
		if strings.Contains(l, strings.ToLower(p)) {
			return true
		}
	}
	return m.msgID != "" && strings.Contains(link, m.msgID)
}

// HasReason reports whether the message says why (deprecation reason).
func (m *Message) HasReason() bool {
	return m.Words >= 5 && m.contains(m.cfg.Text.ReasonWords)
}

// HasLifespan reports whether text (the message when empty) states a
// remaining lifespan: a release, a number of releases, or a date.
func (m *Message) HasLifespan(extra ...string) bool {
	if lifespanRE.MatchString(m.text) {
		return true
	}
	for _, e := range extra {
		if lifespanRE.MatchString(e) {
			return true
		}
	}
	return false
}

// HasReplacement reports whether the message (or extra text) names a
// replacement or explains that there is none.
func (m *Message) HasReplacement(extra ...string) bool {
	if m.contains(m.cfg.Text.ReplacementWords) {
		return true
	}
	for _, e := range extra {
		le := strings.ToLower(e)
		for _, w := range m.cfg.Text.ReplacementWords {
			if strings.Contains(le, strings.ToLower(w)) {
				return true
			}
		}
	}
	return false
}

// HasDeprecationNotes reports whether a removal's message says since when
// the kfunc was deprecated and why it goes.
func (m *Message) HasDeprecationNotes() bool {
	return sinceRE.MatchString(m.text) && m.HasReason()
}
