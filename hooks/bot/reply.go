// SPDX-License-Identifier: GPL-2.0-only

package bot

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"time"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/rules"
)

// Reply is one composed answer to a series.
type Reply struct {
	MessageID  string
	Recipients []string // envelope recipients
	Raw        []byte
}

// ReplyID is the Message-ID of the reply to a series version: derived
// from the series, so that a retried send is recognisable as the same mail.
func ReplyID(seriesKey, domain string) string {
	sum := sha256.Sum256([]byte(seriesKey))
	return "kfunccheck-" + hex.EncodeToString(sum[:12]) + "@" + domain
}

// wrap fills prose to 72 columns, keeping paragraph breaks.
func wrap(text string, indent string) string {
	var out []string
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		line := indent
		for _, w := range strings.Fields(para) {
			if len(line) > len(indent) && len(line)+1+len(w) > 72 {
				out = append(out, line)
				line = indent
			}
			if len(line) > len(indent) {
				line += " "
			}
			line += w
		}
		out = append(out, line, "")
	}
	return strings.Join(out, "\n") + "\n"
}

// plural writes "1 patch", "2 patches".
func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

func firstName(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil && a.Name != "" {
		return strings.Fields(a.Name)[0]
	}
	return ""
}

func address(s string) string {
	if a, err := netmail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// quoteHunk quotes the lines of the patch around a finding, with a marker
// on the offending ones, as the kernel test robot does.
func quoteHunk(p *model.Patch, f model.Finding) []string {
	if f.Pos.PatchLine == 0 {
		return nil
	}
	for _, fd := range p.Files {
		for _, h := range fd.Hunks {
			for i, l := range h.Lines {
				if l.PatchLine != f.Pos.PatchLine {
					continue
				}
				// Mark the finding's line, and the removed line it replaces.
				marked := map[int]bool{i: true}
				if i > 0 && h.Lines[i-1].Op == '-' && len(f.Quote) == 2 && strings.TrimPrefix(f.Quote[0], "-") == h.Lines[i-1].Text {
					marked[i-1] = true
				}
				out := []string{fmt.Sprintf("> diff --git a/%s b/%s", fd.Path(), fd.Path())}
				for j := max(0, i-3); j < min(len(h.Lines), i+4); j++ {
					q := fmt.Sprintf("> %c%s", h.Lines[j].Op, h.Lines[j].Text)
					if marked[j] {
						q += "    <-- here"
					}
					out = append(out, q)
				}
				return out
			}
		}
	}
	return nil
}

// compose writes the reply to a series: greeting, a line saying what was
// found, then per finding the rule, the kfunc, the quoted lines, what the
// process asks for and how to reproduce, and a short footer.
func (b *Bot) compose(s pendingSeries, root *model.Patch, series *model.Series, reported []*patchcheck.Result, missing []int) *Reply {
	domain := b.addr[strings.LastIndexByte(b.addr, '@')+1:]
	id := ReplyID(s.key, domain)
	author := root.Header.From
	list := strings.ToLower(b.cfg.Check.Policy.List)
	var cc []string
	addCc := func(a string) {
		a = address(a)
		if a == "" || a == address(author) || a == b.addr || slices.Contains(cc, a) || slices.Contains(b.cfg.CcDeny, a) {
			return
		}
		if len(b.cfg.CcAllow) > 0 && a != list && !slices.Contains(b.cfg.CcAllow, a) {
			return
		}
		cc = append(cc, a)
	}
	if list != "" && slices.Contains(root.Header.Recipients(), list) {
		addCc(list)
	}
	for _, a := range root.Header.Recipients() {
		addCc(a)
	}
	var body strings.Builder
	name := firstName(author)
	if name != "" {
		fmt.Fprintf(&body, "Hi %s,\n\n", name)
	} else {
		body.WriteString("Hi,\n\n")
	}
	count := 0
	for _, r := range reported {
		for _, f := range r.Findings {
			if f.Severity.AtLeast(b.cfg.ReplyLevel) {
				count++
			}
		}
	}
	patches := len(series.Patches)
	what := fmt.Sprintf("kfunccheck found %s with the stable kfunc process in this series (v%d, %s).",
		plural(count, "problem", "problems"), s.version, plural(patches, "patch", "patches"))
	if len(missing) > 0 {
		what += fmt.Sprintf(" Patch(es) %s of %d had not arrived after %s; the check covers what did.", joinInts(missing), s.total, b.cfg.Grace)
	}
	body.WriteString(wrap(what, ""))
	explained := map[string]bool{}
	for _, r := range reported {
		fmt.Fprintf(&body, "%s\n\n", r.Patch.Subject.Raw)
		for _, f := range r.Findings {
			if !f.Severity.AtLeast(b.cfg.ReplyLevel) {
				continue
			}
			fmt.Fprintf(&body, "%s %s: %s\n", f.Severity.Label(), f.Rule, f.Kfunc)
			body.WriteString(wrap(f.Message, "  "))
			if q := quoteHunk(r.Patch, f); len(q) > 0 {
				body.WriteString(strings.Join(q, "\n") + "\n\n")
			} else if len(f.Quote) > 0 {
				for _, l := range f.Quote {
					body.WriteString("> " + l + "\n")
				}
				body.WriteString("\n")
			}
			if rule := rules.ByID(f.Rule); rule != nil && !explained[f.Rule] {
				explained[f.Rule] = true
				body.WriteString(wrap("What the process asks for: "+strings.Join(strings.Fields(rule.Doc), " "), "  "))
			}
		}
	}
	body.WriteString("To reproduce locally:\n\n")
	fmt.Fprintf(&body, "  b4 am -o - %s > series.mbox\n", root.Header.MessageID)
	body.WriteString("  kfunccheck check --show-types series.mbox\n\n")
	body.WriteString(wrap("Each rule is explained by \"kfunccheck explain RULE_ID\". A finding that is deliberate can be waived with a \"Kfunc-Stability-Waiver: RULE_ID kfunc: reason\" trailer.", ""))
	body.WriteString("-- \n")
	body.WriteString("kfunccheck bot: automated stable-kfunc process checks\n")
	if b.cfg.Operator != "" {
		fmt.Fprintf(&body, "Questions or false positives: %s\n", b.cfg.Operator)
	}
	subject := root.Header.Subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	refs := append(slices.Clone(root.Header.References), root.Header.MessageID)
	for i := range refs {
		refs[i] = "<" + refs[i] + ">"
	}
	var h strings.Builder
	fmt.Fprintf(&h, "From: %s\n", b.cfg.From)
	fmt.Fprintf(&h, "To: %s\n", author)
	if len(cc) > 0 {
		fmt.Fprintf(&h, "Cc: %s\n", strings.Join(cc, ", "))
	}
	fmt.Fprintf(&h, "Subject: %s\n", subject)
	fmt.Fprintf(&h, "Date: %s\n", b.cfg.Now().UTC().Format(time.RFC1123Z))
	fmt.Fprintf(&h, "Message-ID: <%s>\n", id)
	fmt.Fprintf(&h, "In-Reply-To: <%s>\n", root.Header.MessageID)
	fmt.Fprintf(&h, "References: %s\n", strings.Join(refs, " "))
	fmt.Fprintf(&h, "%s: %s\n", Header, s.key)
	h.WriteString("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
	raw := strings.ReplaceAll(h.String()+body.String(), "\n", "\r\n")
	rcpt := append([]string{address(author)}, cc...)
	return &Reply{MessageID: id, Recipients: rcpt, Raw: []byte(raw)}
}

func joinInts(ns []int) string {
	var s []string
	for _, n := range ns {
		s = append(s, fmt.Sprint(n))
	}
	return strings.Join(s, ", ")
}
