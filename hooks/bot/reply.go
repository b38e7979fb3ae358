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
// process asks for and how to reproduce, and a short footer. Every value
// taken from the answered mail is cleaned first (see headers.go); it
// returns nil and why when no reply may be sent.
func (b *Bot) compose(s ReadySeries, root *model.Patch, rootRaw []byte, series *model.Series, reported []*patchcheck.Result, missing []int, checks []*patchcheck.Options) (*Reply, string) {
	env := readEnvelope(rootRaw)
	if env.Auto != "" {
		return nil, "the answered mail is " + env.Auto
	}
	if env.Bot {
		return nil, "the answered mail is the bot's own (loop guard)"
	}
	domain := b.addr[strings.LastIndexByte(b.addr, '@')+1:]
	id := ReplyID(s.Key, domain)
	// The list of each policy the series was judged by, and every list
	// the bot follows that the series was sent to, always receive the
	// reply (--cc-allow does not apply to them).
	var lists []string
	for _, o := range checks {
		if o.Policy != nil && o.Policy.List != "" {
			lists = append(lists, strings.ToLower(o.Policy.List))
		}
	}
	for _, a := range b.cfg.ListAddresses {
		lists = append(lists, strings.ToLower(a))
	}
	maxRcpt := b.cfg.MaxRecipients
	if maxRcpt <= 0 {
		maxRcpt = DefaultMaxRecipients
	}
	var rcpt []string
	var dropped []string
	// allowed applies --cc-allow and --cc-deny to every recipient but
	// the list, and the recipient cap.
	allowed := func(a string) bool {
		switch {
		case a == "" || a == b.addr || slices.Contains(rcpt, a):
			return false
		case slices.Contains(lists, a):
			return true
		case slices.Contains(b.cfg.CcDeny, a), len(b.cfg.CcAllow) > 0 && !slices.Contains(b.cfg.CcAllow, a):
			return false
		case len(rcpt) >= maxRcpt:
			dropped = append(dropped, a)
			return false
		}
		return true
	}
	// To is the sender of the mail, from its parsed From field only.
	var to *netmail.Address
	if env.From != nil && allowed(cleanAddress(env.From.Address)) {
		to = env.From
		rcpt = append(rcpt, cleanAddress(to.Address))
	}
	var cc []string
	addCc := func(a *netmail.Address) {
		addr := cleanAddress(a.Address)
		if !allowed(addr) {
			return
		}
		rcpt = append(rcpt, addr)
		cc = append(cc, addr)
	}
	origRcpt := append(slices.Clone(env.To), env.Cc...)
	for _, a := range origRcpt {
		if slices.Contains(lists, cleanAddress(a.Address)) {
			addCc(a)
		}
	}
	// The author named by an in-body From: line (git am's) is not the
	// sender; it is Cc'd only as --cc-allow/--cc-deny allow.
	if a, err := netmail.ParseAddress(root.Header.From); err == nil && (env.From == nil || !strings.EqualFold(a.Address, env.From.Address)) {
		addCc(a)
	}
	for _, a := range origRcpt {
		addCc(a)
	}
	if len(dropped) > 0 {
		b.logf("reply to %s: %d recipients over the cap of %d left out", env.MessageID, len(dropped), maxRcpt)
	}
	if len(rcpt) == 0 {
		return nil, "no recipient left (the sender's address does not parse, or --cc-allow/--cc-deny exclude everyone)"
	}
	var body strings.Builder
	name := ""
	if env.From != nil {
		if f := strings.Fields(cleanText(env.From.Name, 100)); len(f) > 0 {
			name = f[0]
		}
	}
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
		plural(count, "problem", "problems"), s.Version, plural(patches, "patch", "patches"))
	if len(missing) > 0 {
		what += fmt.Sprintf(" Patch(es) %s of %d had not arrived after %s; the check covers what did.", joinInts(missing), s.Total, b.cfg.Grace)
	}
	body.WriteString(wrap(what, ""))
	explained := map[string]bool{}
	for _, r := range reported {
		fmt.Fprintf(&body, "%s\n\n", cleanText(r.Patch.Subject.Raw, maxSubject))
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
	if env.MessageID != "" {
		fmt.Fprintf(&body, "  b4 am -o - %s > series.mbox\n", env.MessageID)
	}
	body.WriteString("  kfunccheck check --show-types series.mbox\n\n")
	body.WriteString(wrap("Each rule is explained by \"kfunccheck explain RULE_ID\". A finding that is deliberate can be waived with a \"Kfunc-Stability-Waiver: RULE_ID kfunc: reason\" trailer.", ""))
	body.WriteString("-- \n")
	body.WriteString("kfunccheck bot: automated stable-kfunc process checks\n")
	if b.cfg.Operator != "" {
		fmt.Fprintf(&body, "Questions or false positives: %s\n", cleanText(b.cfg.Operator, 200))
	}
	subject := env.Subject
	if !strings.HasPrefix(strings.ToLower(subject), "re:") {
		subject = "Re: " + subject
	}
	// References: the thread root and the last ones before the answered
	// mail, then the answered mail: bounded, whatever the thread's depth.
	refs := env.Refs
	if len(refs) > maxReferences-1 {
		refs = append([]string{refs[0]}, refs[len(refs)-(maxReferences-2):]...)
	}
	refs = slices.Clone(refs)
	if env.MessageID != "" {
		refs = append(refs, env.MessageID)
	}
	for i := range refs {
		refs[i] = "<" + refs[i] + ">"
	}
	var h strings.Builder
	headerField(&h, "From", b.cfg.From)
	if to != nil {
		headerField(&h, "To", formatAddress(to))
	}
	if len(cc) > 0 {
		headerField(&h, "Cc", strings.Join(cc, ", "))
	}
	headerField(&h, "Subject", encodeText(subject))
	headerField(&h, "Date", b.cfg.Now().UTC().Format(time.RFC1123Z))
	headerField(&h, "Message-ID", "<"+id+">")
	// A Message-ID that is not a valid msg-id is not copied: the reply
	// then threads by the references that are.
	if env.MessageID != "" {
		headerField(&h, "In-Reply-To", "<"+env.MessageID+">")
	}
	if len(refs) > 0 {
		headerField(&h, "References", strings.Join(refs, " "))
	}
	headerField(&h, Header, loopValue(s.Key))
	// RFC 3834: an automatic answer; auto-responders do not answer it.
	headerField(&h, "Auto-Submitted", "auto-replied")
	h.WriteString("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
	raw := strings.ReplaceAll(h.String()+cleanBody(body.String()), "\n", "\r\n")
	return &Reply{MessageID: id, Recipients: rcpt, Raw: []byte(raw)}, ""
}

// loopValue is the bot header's value: the series key when it is a clean
// msg-id with its version, a digest otherwise.
func loopValue(key string) string {
	if i := strings.LastIndex(key, "#v"); i > 0 && validMsgID(key[:i]) {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12])
}

// joinInts lists part numbers for the reply, at most maxMissingListed.
func joinInts(ns []int) string {
	var s []string
	for i, n := range ns {
		if i == maxMissingListed {
			s = append(s, fmt.Sprintf("and %d more", len(ns)-i))
			break
		}
		s = append(s, fmt.Sprint(n))
	}
	return strings.Join(s, ", ")
}
