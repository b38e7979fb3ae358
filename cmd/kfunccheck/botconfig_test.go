// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kfunccheck/kfunccheck/hooks/bot"
	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
	"github.com/spf13/pflag"
)

// botConfigDir makes a directory with an mbox, a Maildir and a policy
// file for configuration files to name.
func botConfigDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"bpf.mbox", "policy.toml", "smtp.pass", "input-policy.toml", "input-stable.txt"} {
		if err := os.WriteFile(filepath.Join(dir, p), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, sub := range []string{"new", "cur", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, "input", sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const goodBotConfig = `# the bot of two lists
state = "state.db"
outbox = "outbox"
from = "kfunccheck bot <bot@example.org>"
policy = "policy.toml"
interval = "10m"
grace = "2h"
per_hour = 10
smtp_server = "smtp.example.org"
smtp_user = "bot"
smtp_password_file = "smtp.pass"
cc_deny = ["a@example.org", "b@example.org"]

[[list]]
name = "bpf"
mbox = "bpf.mbox"
address = "bpf@vger.kernel.org"

[[list]]
name = "linux-input"
maildir = "input"
address = "linux-input@vger.kernel.org"
`

// TestBotCheckConfig: each kind of problem is reported with its line;
// a good file gets one line per list.
func TestBotCheckConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		file string
		code int
		want string
	}{
		{"good", goodBotConfig, 0, `list bpf: mbox DIR/bpf.mbox (address bpf@vger.kernel.org)
list linux-input: maildir DIR/input (address linux-input@vger.kernel.org)
`},
		{"unknown-keys", `state = "state.db"
stat = "x"

[[list]]
name = "bpf"
mbox = "bpf.mbox"
adress = "bpf@vger.kernel.org"
`, 1, `DIR/bot.toml:2: unknown key "stat"
DIR/bot.toml:7: list: unknown key "adress"
`},
		{"no-source", `[[list]]
name = "bpf"
address = "bpf@vger.kernel.org"
`, 1, `DIR/bot.toml:1: list bpf: no source: give one of inbox, mbox or maildir
`},
		{"two-sources", `[[list]]
name = "bpf"
mbox = "bpf.mbox"
maildir = "input"
`, 1, `DIR/bot.toml:4: list bpf: 2 sources (maildir, mbox): give exactly one of inbox, mbox or maildir
`},
		{"missing-paths", `policy = "nope.toml"
stable_lists = ["stable.txt"]
state = "nodir/state.db"

[[list]]
name = "bpf"
inbox = "lore/bpf"
`, 1, `DIR/bot.toml:1: policy: DIR/nope.toml does not exist
DIR/bot.toml:2: stable_lists: DIR/stable.txt does not exist
DIR/bot.toml:3: state: DIR/nodir does not exist
DIR/bot.toml:7: list bpf: inbox DIR/lore/bpf does not exist
`},
		{"bad-durations", `interval = "5 minutes"
grace = 6
resend_after = "1h"
`, 1, `DIR/bot.toml:1: interval: "5 minutes" is not a duration (e.g. 90s, 5m, 6h)
DIR/bot.toml:2: grace: want a string, got an integer
`},
		{"secrets", `smtp_user = "bot"
smtp_password = "hunter2"
patchwork_url = "https://patchwork.kernel.org"
patchwork_token = "abc123"

[[list]]
name = "bpf"
mbox = "bpf.mbox"
password = "x"
`, 1, `DIR/bot.toml:2: smtp_password: a secret does not belong in the configuration file; name a file holding it (smtp_password_file) or an environment variable (smtp_password_env) instead
DIR/bot.toml:4: patchwork_token: a secret does not belong in the configuration file; name a file holding it (patchwork_token_file) or set KFUNCCHECK_PATCHWORK_TOKEN in the environment instead
DIR/bot.toml:9: list: password: a secret does not belong in the configuration file; name where it is instead (smtp_password_file or smtp_password_env, patchwork_token_file)
`},
		{"duplicates", `[[list]]
name = "bpf"
mbox = "bpf.mbox"

[[list]]
name = "bpf"
maildir = "input"

[[list]]
name = "bpf-again"
mbox = "./bpf.mbox"
`, 1, `DIR/bot.toml:6: list bpf: the name is already used by the list of line 1
DIR/bot.toml:11: list bpf-again: DIR/bpf.mbox is already followed by the list of line 1
`},
		{"bad-values", `reply_level = "fatal"
smtp_security = "ssl"
since = "last week"
per_hour = "30"
cc_deny = "a@example.org"

[smtp]
server = "smtp.example.org"

[[list]]
name = "bpf"
mbox = "bpf.mbox"
fetch = true
`, 1, `DIR/bot.toml:1: reply_level: unknown severity "fatal" (want error, warning or check)
DIR/bot.toml:2: smtp_security: "ssl": want starttls, tls or none
DIR/bot.toml:3: since: "last week" is neither a date (2006-01-02 or RFC 3339) nor a commit id
DIR/bot.toml:4: per_hour: want an integer, got a string
DIR/bot.toml:5: cc_deny: want an array of strings, got a string
DIR/bot.toml:7: unknown key "smtp"
DIR/bot.toml:13: list: fetch is for a public-inbox (inbox) only
`},
		{"list-policies", `policy = "policy.toml"

[[list]]
name = "bpf"
mbox = "bpf.mbox"

[[list]]
name = "linux-input"
maildir = "input"
policy = "input-policy.toml"
stable_lists = ["input-stable.txt", "smtp.pass"]

[[list]]
name = "netdev"
inbox = "."
stable_lists = []
`, 0, `list bpf: mbox DIR/bpf.mbox
list linux-input: maildir DIR/input, policy DIR/input-policy.toml, stable lists [DIR/input-stable.txt DIR/smtp.pass]
list netdev: inbox DIR, stable lists []
`},
		{"bad-list-policies", `[[list]]
name = "bpf"
mbox = "bpf.mbox"
policy = "nope.toml"
stable_lists = "stable.txt"

[[list]]
name = "linux-input"
maildir = "input"
stable_lists = [
  "input-stable.txt",
  "missing.txt",
]
policy = 3

[[list]]
name = "netdev"
inbox = "policy.toml"
stable_lists = [1]
`, 1, `DIR/bot.toml:4: list: policy: DIR/nope.toml does not exist
DIR/bot.toml:5: list: stable_lists: want an array of strings, got a string
DIR/bot.toml:10: list: stable_lists: DIR/missing.txt does not exist
DIR/bot.toml:14: list: policy: want a string, got an integer
DIR/bot.toml:19: list: stable_lists: want an array of strings, got an element of type an integer
`},
		{"syntax", `state = "state.db"
interval = 5m
`, 1, `DIR/bot.toml:2: expected a top-level item to end with a newline, comment, or EOF, but got 'm' instead
`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := botConfigDir(t)
			path := filepath.Join(dir, "bot.toml")
			if err := os.WriteFile(path, []byte(tt.file), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout, stderr, code := runCLI(t, "", "bot", "check-config", path)
			got := strings.ReplaceAll(stdout, dir, "DIR")
			if code != tt.code || got != tt.want || stderr != "" {
				t.Errorf("exit %d (want %d), stderr %q, output:\n%s\nwant:\n%s", code, tt.code, stderr, got, tt.want)
			}
		})
	}
	if _, _, code := runCLI(t, "", "bot", "check-config"); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
}

// TestMergeBotConfig: the file gives what the command line does not; a
// flag on the command line overrides the file; lists on the command line
// are followed after the file's.
func TestMergeBotConfig(t *testing.T) {
	dir := botConfigDir(t)
	path := filepath.Join(dir, "bot.toml")
	if err := os.WriteFile(path, []byte(goodBotConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	f, probs := loadBotConfig(path)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	fs := pflag.NewFlagSet("once", pflag.ContinueOnError)
	o := newBotFlags(fs)
	if err := fs.Parse([]string{"--bot-config", path, "--from", "other <other@example.org>", "--grace", "30m",
		"--mbox", "/srv/extra.mbox", "--per-day", "5", "--cc-deny", "x@example.org", "--list-address", "Extra@Example.org",
		"--list-address", "bpf@vger.kernel.org"}); err != nil {
		t.Fatal(err)
	}
	auth, err := mergeBotConfig(fs, f, &o.src.Lists)
	if err != nil {
		t.Fatal(err)
	}
	// From the file.
	if *o.state != filepath.Join(dir, "state.db") || *o.outbox != filepath.Join(dir, "outbox") ||
		o.conf != filepath.Join(dir, "policy.toml") || *o.interval != 10*time.Minute || *o.perHour != 10 ||
		*o.smtpAddr != "smtp.example.org:587" {
		t.Errorf("file settings: state %q outbox %q policy %q interval %v per-hour %d smtp %q",
			*o.state, *o.outbox, o.conf, *o.interval, *o.perHour, *o.smtpAddr)
	}
	// From the command line, over the file.
	if *o.from != "other <other@example.org>" || *o.grace != 30*time.Minute || *o.perDay != 5 {
		t.Errorf("flags: from %q grace %v per-day %d", *o.from, *o.grace, *o.perDay)
	}
	// A repeatable flag on the command line replaces the file's values.
	if !slices.Equal(o.ccDeny, listFlag{"X@EXAMPLE.ORG"}) {
		t.Errorf("cc-deny %v, want the command line's only", o.ccDeny)
	}
	// Defaults where neither says.
	if *o.maxRcpt != bot.DefaultMaxRecipients || *o.level != "error" {
		t.Errorf("defaults: max-recipients %d reply-level %q", *o.maxRcpt, *o.level)
	}
	want := []bot.List{{Kind: "mbox", Path: filepath.Join(dir, "bpf.mbox")}, {Kind: "maildir", Path: filepath.Join(dir, "input")},
		{Kind: "mbox", Path: "/srv/extra.mbox"}}
	if !slices.Equal(o.src.Lists, want) {
		t.Errorf("lists %v, want %v", o.src.Lists, want)
	}
	if auth == nil || auth.User != "bot" || auth.PasswordFile != filepath.Join(dir, "smtp.pass") {
		t.Errorf("smtp login %+v", auth)
	}
	// The lists' addresses are lists for the replies, not Cc's.
	cfg, err := o.config(f, auth, patchcheck.Options{Policy: policy.Default()}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"extra@example.org", "bpf@vger.kernel.org", "linux-input@vger.kernel.org"}; !slices.Equal(cfg.ListAddresses, want) {
		t.Errorf("list addresses %v, want %v", cfg.ListAddresses, want)
	}

	// --smtp-credentials and --smtp on the command line win over the file's login and server.
	fs = pflag.NewFlagSet("once", pflag.ContinueOnError)
	o = newBotFlags(fs)
	if err := fs.Parse([]string{"--smtp-credentials", "/etc/creds", "--smtp", "mail:25"}); err != nil {
		t.Fatal(err)
	}
	auth, err = mergeBotConfig(fs, f, &o.src.Lists)
	if err != nil || auth != nil || *o.smtpAddr != "mail:25" {
		t.Errorf("with --smtp-credentials: auth %+v, smtp %q, %v", auth, *o.smtpAddr, err)
	}
}

// TestBotConfigEndToEnd runs "bot once --bot-config" on two lists named
// only in the file: the state, outbox and From of the file are used, and
// new mail on each list is answered.
func TestBotConfigEndToEnd(t *testing.T) {
	dir := botConfigDir(t)
	os.Remove(filepath.Join(dir, "policy.toml"))
	conf := `state = "state.db"
outbox = "replies"
from = "file bot <file-bot@example.org>"

[[list]]
name = "bpf"
mbox = "bpf.mbox"
address = "bpf@vger.kernel.org"

[[list]]
name = "linux-input"
maildir = "input"
address = "linux-input@vger.kernel.org"
`
	path := filepath.Join(dir, "bot.toml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, code := runCLI(t, "", "bot", "check-config", path); code != 0 {
		t.Fatalf("check-config: %d\n%s", code, out)
	}
	// Run from elsewhere: the file's paths are relative to its directory.
	args := []string{"bot", "once", "--bot-config", path}
	if _, stderr, code := runCLI(t, "", args...); code != 0 {
		t.Fatalf("first pass: %d %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "state.db")); err != nil {
		t.Fatalf("the file's state: %v", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "bpf.mbox"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(botMail(t, "STABLE_REMOVAL/demote-stable.patch", "mbox@x"))
	f.Close()
	if err := os.WriteFile(filepath.Join(dir, "input", "new", "1.eml"), []byte(botMail(t, "STABLE_FLAGS_BREAKING/flags-breaking.patch", "md@x")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, "", args...); code != 0 {
		t.Fatalf("second pass: %d %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "replies", "new", "*"))
	if len(files) != 2 {
		t.Fatalf("%d replies in the file's outbox, want 2 (one per list)", len(files))
	}
	var all string
	for _, p := range files {
		data, _ := os.ReadFile(p)
		if !strings.Contains(string(data), "From: file bot <file-bot@example.org>") {
			t.Errorf("reply without the file's From:\n%s", data)
		}
		all += string(data)
	}
	for _, id := range []string{"In-Reply-To: <mbox@x>", "In-Reply-To: <md@x>"} {
		if !strings.Contains(all, id) {
			t.Errorf("no reply with %s", id)
		}
	}
	// A flag on the command line overrides the file: this reply goes to
	// --outbox, not to the file's outbox.
	f, err = os.OpenFile(filepath.Join(dir, "bpf.mbox"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(botMail(t, "STABLE_REMOVAL/remove-stable.patch", "third@x"))
	f.Close()
	other := filepath.Join(dir, "other")
	if _, stderr, code := runCLI(t, "", append(args, "--outbox", other)...); code != 0 {
		t.Fatalf("third pass: %d %s", code, stderr)
	}
	if files, _ := filepath.Glob(filepath.Join(other, "new", "*")); len(files) != 1 {
		t.Errorf("%d replies in --outbox, want 1", len(files))
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "replies", "new", "*")); len(files) != 2 {
		t.Errorf("%d replies in the file's outbox, want still 2", len(files))
	}
	// bot status finds the state through the file and names the lists
	// as the file does.
	out, stderr, code := runCLI(t, "", "bot", "status", "--bot-config", args[3])
	if code != 0 || !strings.Contains(out, "list bpf (mbox:"+filepath.Join(dir, "bpf.mbox")+")") ||
		!strings.Contains(out, "list linux-input (maildir:"+filepath.Join(dir, "input")+")") {
		t.Errorf("bot status --bot-config: exit %d %s\n%s", code, stderr, out)
	}
	// A bad file stops the bot with its problems, exit 2.
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("smtp_password = \"x\"\n"), 0o644)
	if _, stderr, code := runCLI(t, "", "bot", "once", "--bot-config", bad); code != 2 || !strings.Contains(stderr, "bad.toml:1: smtp_password") {
		t.Errorf("bad file: exit %d, %q", code, stderr)
	}
}

// TestBotConfigListPolicies runs "bot once --bot-config" where one list,
// linux-input, has its own stable list (the real kfuncs of Linux 6.12,
// hooks/bot/testdata) and bpf has the global options (none): the same
// signature change to bpf_dynptr_slice, a 6.12 kfunc, is answered on
// linux-input only, naming the stable list by its base name.
func TestBotConfigListPolicies(t *testing.T) {
	dir := botConfigDir(t)
	os.Remove(filepath.Join(dir, "policy.toml"))
	stable, err := filepath.Abs("../../hooks/bot/testdata/linux-6.12-kfuncs.txt")
	if err != nil {
		t.Fatal(err)
	}
	conf := `state = "state.db"
outbox = "replies"
since = "2000-01-01"

[[list]]
name = "bpf"
mbox = "bpf.mbox"

[[list]]
name = "linux-input"
maildir = "input"
stable_lists = ["` + stable + `"]
`
	path := filepath.Join(dir, "bot.toml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, code := runCLI(t, "", "bot", "check-config", path); code != 0 || !strings.Contains(out, "stable lists ["+stable+"]") {
		t.Fatalf("check-config: %d\n%s", code, out)
	}
	sig := "STABLE_SIGNATURE/signature-breaking-stable-list.patch"
	if err := os.WriteFile(filepath.Join(dir, "bpf.mbox"), []byte(botMail(t, sig, "onbpf@x")), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := strings.Replace(botMail(t, sig, "oninput@x"), "To: bpf@vger.kernel.org", "To: linux-input@vger.kernel.org", 1)
	if err := os.WriteFile(filepath.Join(dir, "input", "new", "1.eml"), []byte(msg), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCLI(t, "", "bot", "once", "--bot-config", path); code != 0 {
		t.Fatalf("bot once: %d %s", code, stderr)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "replies", "new", "*"))
	if len(files) != 1 {
		t.Fatalf("%d replies, want 1 (to linux-input's mail)", len(files))
	}
	data, _ := os.ReadFile(files[0])
	reply := string(data)
	if !strings.Contains(reply, "In-Reply-To: <oninput@x>") || !strings.Contains(reply, "STABLE_SIGNATURE: bpf_dynptr_slice") ||
		!strings.Contains(reply, "linux-6.12-kfuncs.txt") || strings.Contains(reply, stable) {
		t.Errorf("reply:\n%s", reply)
	}
}
