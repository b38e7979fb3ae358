// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/kfunccheck/kfunccheck/hooks/bot"
	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/checkrun"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The bot configuration file (--bot-config FILE, TOML) holds the lists to
// follow and the settings that are otherwise flags. A flag given on the
// command line overrides the file's value; --inbox, --mbox and --maildir
// given on the command line are followed after the file's lists.

// Kinds of values of the file's top-level keys.
const (
	kString = iota
	kPath   // a path, relative to the file's directory
	kDuration
	kInt
	kBool
	kStrings
	kPaths
)

// botKey is a top-level key: the flag it stands for ("" when it has none
// of its own) and the kind of its value.
type botKey struct {
	flag string
	kind int
}

var botKeys = map[string]botKey{
	"state":                {"state", kPath},
	"from":                 {"from", kString},
	"operator":             {"operator", kString},
	"reply_level":          {"reply-level", kString},
	"outbox":               {"outbox", kPath},
	"send":                 {"send", kBool},
	"smtp_server":          {"", kString},
	"smtp_port":            {"", kInt},
	"smtp_security":        {"smtp-security", kString},
	"smtp_user":            {"", kString},
	"smtp_password_file":   {"", kPath},
	"smtp_password_env":    {"", kString},
	"patchwork_url":        {"patchwork", kString},
	"patchwork_target":     {"patchwork-target", kString},
	"patchwork_token_file": {"patchwork-token-file", kPath},
	"patchwork_allow_http": {"patchwork-allow-http", kBool},
	"per_hour":             {"per-hour", kInt},
	"per_day":              {"per-day", kInt},
	"max_recipients":       {"max-recipients", kInt},
	"cc_allow":             {"cc-allow", kStrings},
	"cc_deny":              {"cc-deny", kStrings},
	"grace":                {"grace", kDuration},
	"interval":             {"interval", kDuration},
	"resend_after":         {"resend-after", kDuration},
	"since":                {"since", kString},
	"stable_lists":         {"stable-list", kPaths},
	"policy":               {"config", kPath},
	"repo":                 {"repo", kPath},
	"btf":                  {"btf", kPath},
}

// Keys of a [[list]] entry; inbox, mbox and maildir are its source, of
// which it has exactly one.
// policy and stable_lists are the list's own (see botListChecks).
var botListKeys = map[string]bool{"name": true, "inbox": true, "mbox": true, "maildir": true, "fetch": true, "address": true,
	"policy": true, "stable_lists": true}

// botFileList is one [[list]] of the file.
type botFileList struct {
	Name    string
	List    bot.List // its path made absolute
	Address string
	Line    int
	// Policy and StableLists, when set, replace the global policy and
	// stable lists for this list's series (absolute paths; StableLists
	// is nil when the list has none of its own, empty when it has
	// none at all).
	Policy      string
	StableLists []string
}

// botSetting is one top-level key of the file with its value(s), in the
// form its flag reads.
type botSetting struct {
	Key    string
	Flag   string
	Values []string
	Line   int
}

// botFile is a read bot configuration file.
type botFile struct {
	Path     string
	Lists    []botFileList
	Settings []botSetting
}

// setting returns the values of key and whether the file has it.
func (f *botFile) setting(key string) ([]string, bool) {
	for _, s := range f.Settings {
		if s.Key == key {
			return s.Values, true
		}
	}
	return nil, false
}

func (f *botFile) value(key string) string {
	v, _ := f.setting(key)
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// botKeyLines holds the line of every key of the file: top-level keys
// and table headers under their name, the keys of the i-th [[list]] in
// lists[i]. BurntSushi/toml keeps key positions to itself (its MetaData
// has none to give), so scanKeyLines reads the TOML itself, as far as
// places need: strings of every kind, arrays and inline tables are
// skipped whole, so that text inside them that looks like a key or a
// table is not taken for one. A key it cannot place gets line 0.
type botKeyLines struct {
	top     map[string]int
	lists   []map[string]int
	listHdr []int
}

// keyScanner walks a TOML document, counting lines.
type keyScanner struct {
	s    string
	i    int
	line int
}

func (sc *keyScanner) eof() bool { return sc.i >= len(sc.s) }

func (sc *keyScanner) peek() byte {
	if sc.eof() {
		return 0
	}
	return sc.s[sc.i]
}

func (sc *keyScanner) next() {
	if sc.peek() == '\n' {
		sc.line++
	}
	sc.i++
}

// blank skips spaces and tabs, and newlines and comments too when lines
// is set (inside arrays and between statements).
func (sc *keyScanner) blank(lines bool) {
	for !sc.eof() {
		switch c := sc.peek(); {
		case c == ' ' || c == '\t' || c == '\r':
			sc.next()
		case lines && c == '\n':
			sc.next()
		case c == '#':
			for !sc.eof() && sc.peek() != '\n' {
				sc.next()
			}
		default:
			return
		}
	}
}

// toEOL skips the rest of a line, and its newline.
func (sc *keyScanner) toEOL() {
	for !sc.eof() && sc.peek() != '\n' {
		sc.next()
	}
	sc.next()
}

// str reads a string of any of TOML's four kinds at the cursor and
// returns its text (escapes in a basic string are kept as written: keys
// that need them are not bot keys).
func (sc *keyScanner) str() string {
	q := sc.peek()
	if strings.HasPrefix(sc.s[sc.i:], strings.Repeat(string(q), 3)) {
		delim := strings.Repeat(string(q), 3)
		for range 3 {
			sc.next()
		}
		start := sc.i
		for !sc.eof() && !strings.HasPrefix(sc.s[sc.i:], delim) {
			if q == '"' && sc.peek() == '\\' {
				sc.next()
			}
			sc.next()
		}
		end := sc.i
		for range 3 {
			sc.next()
		}
		// Up to two quotes before the closing three belong to the string.
		for k := 0; k < 2 && sc.peek() == q; k++ {
			sc.next()
			end++
		}
		return sc.s[start:min(end, len(sc.s))]
	}
	sc.next()
	start := sc.i
	for !sc.eof() && sc.peek() != q && sc.peek() != '\n' {
		if q == '"' && sc.peek() == '\\' {
			sc.next()
		}
		sc.next()
	}
	end := sc.i
	sc.next()
	return sc.s[start:min(end, len(sc.s))]
}

// key reads a key, dotted or not, with its parts bare or quoted.
func (sc *keyScanner) key() []string {
	var parts []string
	for {
		sc.blank(false)
		switch c := sc.peek(); {
		case c == '"' || c == '\'':
			parts = append(parts, sc.str())
		case isBareKeyChar(c):
			start := sc.i
			for isBareKeyChar(sc.peek()) {
				sc.next()
			}
			parts = append(parts, sc.s[start:sc.i])
		default:
			return parts
		}
		sc.blank(false)
		if sc.peek() != '.' {
			return parts
		}
		sc.next()
	}
}

func isBareKeyChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// value skips a value: a string, an array or inline table (whole, over
// lines), or a scalar.
func (sc *keyScanner) value() {
	sc.blank(false)
	switch c := sc.peek(); c {
	case '"', '\'':
		sc.str()
	case '[', '{':
		end := byte(']')
		if c == '{' {
			end = '}'
		}
		sc.next()
		for {
			sc.blank(true)
			switch sc.peek() {
			case 0:
				return
			case end:
				sc.next()
				return
			case ',':
				sc.next()
				continue
			}
			if c == '{' {
				// key = value
				sc.key()
				sc.blank(false)
				if sc.peek() == '=' {
					sc.next()
				}
			}
			before := sc.i
			sc.value()
			if sc.i == before {
				sc.next() // never stall on what is not TOML
			}
		}
	default:
		for !sc.eof() && !strings.ContainsRune(" \t\r\n,]}#", rune(sc.peek())) {
			sc.next()
		}
	}
}

func scanKeyLines(data string) botKeyLines {
	kl := botKeyLines{top: map[string]int{}}
	cur := kl.top // the keys of the table being read
	prefix := ""
	put := func(m map[string]int, k string, line int) {
		if _, ok := m[k]; !ok {
			m[k] = line
		}
	}
	sc := &keyScanner{s: data, line: 1}
	for {
		sc.blank(true)
		if sc.eof() {
			return kl
		}
		start, n := sc.i, sc.line
		if sc.peek() == '[' {
			sc.next()
			array := sc.peek() == '['
			if array {
				sc.next()
			}
			name := strings.Join(sc.key(), ".")
			sc.toEOL()
			if array && name == "list" {
				cur, prefix = map[string]int{}, ""
				kl.lists = append(kl.lists, cur)
				kl.listHdr = append(kl.listHdr, n)
				continue
			}
			first, _, _ := strings.Cut(name, ".")
			put(kl.top, first, n)
			put(kl.top, name, n)
			cur, prefix = kl.top, name+"."
			continue
		}
		parts := sc.key()
		sc.blank(false)
		if len(parts) == 0 || sc.peek() != '=' {
			// Not TOML (the file was decoded before, so this is only
			// for callers that did not): the line is passed.
			if sc.i == start {
				sc.toEOL()
			}
			continue
		}
		sc.next()
		// A dotted key (smtp.server = ...) makes a table: its first part
		// is a key of its own.
		full := prefix + strings.Join(parts, ".")
		first, _, _ := strings.Cut(full, ".")
		if prefix == "" {
			first = parts[0]
		}
		put(cur, full, n)
		put(cur, first, n)
		sc.value()
		sc.blank(false)
		if sc.peek() == '\n' {
			sc.next()
		}
	}
}

// botProblem is one thing wrong with the file, at a line (0: none known).
type botProblem struct {
	line int
	msg  string
}

// isSecretKey reports whether a key names a secret value itself rather
// than where to find it.
func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	if strings.HasSuffix(k, "_file") || strings.HasSuffix(k, "_env") {
		return false
	}
	for _, w := range []string{"password", "passwd", "token", "secret", "credentials"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func secretProblem(key string) string {
	if key == "patchwork_token" {
		return "patchwork_token: a secret does not belong in the configuration file; name a file holding it (patchwork_token_file) or set KFUNCCHECK_PATCHWORK_TOKEN in the environment instead"
	}
	if key == "smtp_password" {
		return "smtp_password: a secret does not belong in the configuration file; name a file holding it (smtp_password_file) or an environment variable (smtp_password_env) instead"
	}
	return fmt.Sprintf("%s: a secret does not belong in the configuration file; name where it is instead (smtp_password_file or smtp_password_env, patchwork_token_file)", key)
}

// loadBotConfig reads and checks the bot configuration file at path. It
// returns the file and every problem found, each as "FILE:LINE: message",
// in line order; with problems, the file must not be used.
func loadBotConfig(path string) (*botFile, []string) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []string{fmt.Sprintf("%s: %v", path, err)}
	}
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, []string{fmt.Sprintf("%s:%d: %s", path, pe.Position.Line, pe.Message)}
		}
		return nil, []string{fmt.Sprintf("%s: %v", path, err)}
	}
	dir := filepath.Dir(path)
	abs := func(p string) string {
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return filepath.Clean(p)
	}
	kl := scanKeyLines(string(data))
	f := &botFile{Path: path}
	var probs []botProblem
	add := func(line int, format string, a ...any) {
		probs = append(probs, botProblem{line, fmt.Sprintf(format, a...)})
	}
	mustExist := func(line int, key, p string) {
		if _, err := os.Stat(p); err != nil {
			add(line, "%s: %s does not exist", key, p)
		}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		v := raw[key]
		line := kl.top[key]
		if key == "list" {
			continue
		}
		bk, ok := botKeys[key]
		switch {
		case isSecretKey(key):
			add(line, "%s", secretProblem(key))
			continue
		case !ok:
			add(line, "unknown key %q", key)
			continue
		}
		s := botSetting{Key: key, Flag: bk.flag, Line: line}
		switch bk.kind {
		case kString, kPath, kDuration:
			str, ok := v.(string)
			if !ok {
				add(line, "%s: want a string, got %s", key, tomlType(v))
				continue
			}
			switch bk.kind {
			case kPath:
				str = abs(str)
				switch key {
				case "state", "outbox":
					// Created by the bot; their directory must exist.
					mustExist(line, key, filepath.Dir(str))
				default:
					mustExist(line, key, str)
				}
			case kDuration:
				if _, err := time.ParseDuration(str); err != nil {
					add(line, "%s: %q is not a duration (e.g. 90s, 5m, 6h)", key, str)
					continue
				}
			}
			if msg := checkBotValue(key, str); msg != "" {
				add(line, "%s: %s", key, msg)
				continue
			}
			s.Values = []string{str}
		case kInt:
			n, ok := v.(int64)
			if !ok {
				add(line, "%s: want an integer, got %s", key, tomlType(v))
				continue
			}
			s.Values = []string{strconv.FormatInt(n, 10)}
		case kBool:
			b, ok := v.(bool)
			if !ok {
				add(line, "%s: want true or false, got %s", key, tomlType(v))
				continue
			}
			s.Values = []string{strconv.FormatBool(b)}
		case kStrings, kPaths:
			arr, ok := v.([]any)
			if !ok {
				add(line, "%s: want an array of strings, got %s", key, tomlType(v))
				continue
			}
			good := true
			for _, e := range arr {
				str, ok := e.(string)
				if !ok {
					add(line, "%s: want an array of strings, got an element of type %s", key, tomlType(e))
					good = false
					break
				}
				if bk.kind == kPaths {
					str = abs(str)
					mustExist(line, key, str)
				}
				s.Values = append(s.Values, str)
			}
			if !good {
				continue
			}
		}
		f.Settings = append(f.Settings, s)
	}
	if _, ok := raw["smtp_password_file"]; ok {
		if _, ok := raw["smtp_password_env"]; ok {
			add(kl.top["smtp_password_env"], "smtp_password_file and smtp_password_env: give one of them")
		}
	}
	if _, ok := raw["smtp_port"]; ok {
		if _, ok := raw["smtp_server"]; !ok {
			add(kl.top["smtp_port"], "smtp_port without smtp_server")
		}
	}
	if lv, ok := raw["list"]; ok {
		lists, ok := lv.([]map[string]any)
		if !ok {
			add(kl.top["list"], "list: want [[list]] tables, got %s", tomlType(lv))
		}
		names, paths := map[string]int{}, map[string]int{}
		for i, l := range lists {
			hdr := 0
			lines := map[string]int{}
			if i < len(kl.lists) {
				hdr, lines = kl.listHdr[i], kl.lists[i]
			}
			at := func(key string) int {
				if n, ok := lines[key]; ok {
					return n
				}
				return hdr
			}
			fl := botFileList{Line: hdr}
			lkeys := make([]string, 0, len(l))
			for k := range l {
				lkeys = append(lkeys, k)
			}
			sort.Strings(lkeys)
			var sources []string
			good := true
			for _, k := range lkeys {
				str, isStr := l[k].(string)
				switch {
				case isSecretKey(k):
					add(at(k), "list: %s", secretProblem(k))
					good = false
					continue
				case !botListKeys[k]:
					add(at(k), "list: unknown key %q", k)
					good = false
					continue
				case k == "stable_lists":
					arr, ok := l[k].([]any)
					if !ok {
						add(at(k), "list: stable_lists: want an array of strings, got %s", tomlType(l[k]))
						good = false
						continue
					}
					fl.StableLists = []string{}
					for _, e := range arr {
						str, ok := e.(string)
						if !ok {
							add(at(k), "list: stable_lists: want an array of strings, got an element of type %s", tomlType(e))
							good = false
							break
						}
						if _, err := os.Stat(abs(str)); err != nil {
							add(at(k), "list: stable_lists: %s does not exist", abs(str))
							good = false
						}
						fl.StableLists = append(fl.StableLists, abs(str))
					}
					continue
				case k == "fetch":
					b, ok := l[k].(bool)
					if !ok {
						add(at(k), "list: fetch: want true or false, got %s", tomlType(l[k]))
						good = false
					}
					if b && l["inbox"] == nil {
						add(at(k), "list: fetch is for a public-inbox (inbox) only")
						good = false
					}
					fl.List.Fetch = b
					continue
				case !isStr:
					add(at(k), "list: %s: want a string, got %s", k, tomlType(l[k]))
					good = false
					continue
				}
				switch k {
				case "name":
					fl.Name = str
				case "policy":
					fl.Policy = abs(str)
					if _, err := os.Stat(fl.Policy); err != nil {
						add(at(k), "list: policy: %s does not exist", fl.Policy)
						good = false
					}
				case "address":
					if !strings.Contains(str, "@") {
						add(at(k), "list: address %q is not a mail address", str)
						good = false
					}
					fl.Address = str
				default:
					sources = append(sources, k)
					fl.List.Kind, fl.List.Path = k, abs(str)
				}
			}
			label := "list"
			if fl.Name != "" {
				label = "list " + fl.Name
			}
			switch len(sources) {
			case 0:
				add(hdr, "%s: no source: give one of inbox, mbox or maildir", label)
				good = false
			case 1:
				if _, err := os.Stat(fl.List.Path); err != nil {
					add(at(fl.List.Kind), "%s: %s %s does not exist", label, fl.List.Kind, fl.List.Path)
					good = false
				}
			default:
				last := 0
				for _, k := range sources {
					last = max(last, at(k))
				}
				add(last, "%s: %s sources (%s): give exactly one of inbox, mbox or maildir", label, strconv.Itoa(len(sources)), strings.Join(sources, ", "))
				good = false
			}
			if fl.Name == "" {
				if _, ok := l["name"]; !ok {
					add(hdr, "list: no name")
					good = false
				}
			} else if prev, dup := names[fl.Name]; dup {
				add(at("name"), "list %s: the name is already used by the list of line %d", fl.Name, prev)
				good = false
			} else {
				names[fl.Name] = hdr
			}
			if len(sources) == 1 {
				if prev, dup := paths[fl.List.Path]; dup {
					add(at(fl.List.Kind), "%s: %s is already followed by the list of line %d", label, fl.List.Path, prev)
					good = false
				} else {
					paths[fl.List.Path] = hdr
				}
			}
			if good {
				f.Lists = append(f.Lists, fl)
			}
		}
	}
	sort.SliceStable(probs, func(i, j int) bool { return probs[i].line < probs[j].line })
	var out []string
	for _, p := range probs {
		if p.line > 0 {
			out = append(out, fmt.Sprintf("%s:%d: %s", path, p.line, p.msg))
		} else {
			out = append(out, fmt.Sprintf("%s: %s", path, p.msg))
		}
	}
	return f, out
}

var sinceCommit = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)

// checkBotValue checks the string value of a key as its flag would,
// where that can be done without the archive: "" when it is good.
func checkBotValue(key, v string) string {
	switch key {
	case "reply_level":
		if _, err := model.ParseSeverity(v); err != nil {
			return err.Error()
		}
	case "smtp_security":
		if v != "starttls" && v != "tls" && v != "none" {
			return fmt.Sprintf("%q: want starttls, tls or none", v)
		}
	case "since":
		if _, ok := sinceDate(v); !ok && !sinceCommit.MatchString(v) {
			return fmt.Sprintf("%q is neither a date (2006-01-02 or RFC 3339) nor a commit id", v)
		}
	case "patchwork_url":
		if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
			return fmt.Sprintf("%q is not an http(s) URL", v)
		}
	}
	return ""
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	}
	return fmt.Sprintf("%T", v)
}

// botSMTPAuth says where the SMTP login comes from when the file gives
// it (and --smtp-credentials does not).
type botSMTPAuth struct {
	User         string
	PasswordFile string
	PasswordEnv  string
}

// mergeBotConfig applies the file to the bot's flags: every setting whose
// flag was not given on the command line takes the file's value, and the
// file's lists come first, before those of --inbox/--mbox/--maildir. It
// returns the SMTP login the file names, if --smtp-credentials was not
// given.
func mergeBotConfig(fs *pflag.FlagSet, f *botFile, lists *[]bot.List) (*botSMTPAuth, error) {
	set := map[string]bool{}
	fs.Visit(func(fl *pflag.Flag) { set[fl.Name] = true })
	for _, s := range f.Settings {
		if s.Flag == "" || set[s.Flag] {
			continue
		}
		for _, v := range s.Values {
			if err := fs.Set(s.Flag, v); err != nil {
				return nil, fmt.Errorf("%s:%d: %s: %v", f.Path, s.Line, s.Key, err)
			}
		}
	}
	if host := f.value("smtp_server"); host != "" && !set["smtp"] {
		port := f.value("smtp_port")
		if port == "" {
			port = "587"
		}
		if err := fs.Set("smtp", net.JoinHostPort(host, port)); err != nil {
			return nil, err
		}
	}
	var fileLists []bot.List
	for _, l := range f.Lists {
		fileLists = append(fileLists, l.List)
	}
	*lists = append(fileLists, *lists...)
	auth := &botSMTPAuth{User: f.value("smtp_user"), PasswordFile: f.value("smtp_password_file"), PasswordEnv: f.value("smtp_password_env")}
	if set["smtp-credentials"] || *auth == (botSMTPAuth{}) {
		return nil, nil
	}
	return auth, nil
}

// botListChecks builds the check options of the file's lists that have
// their own policy or stable lists (what they do not give is the global
// one: conf, stable and btf as the flags and the file's top level left
// them). Lists with the same policy and stable lists share one options
// value, so that a series sent to both is judged once by it. The
// repository of --repo (sess, nil without one) serves every list: its
// baseline and tree index, and history rules that judge by the list's
// own policy.
func botListChecks(f *botFile, conf string, stable []string, btf, repo string, sess *checkrun.Session, stderr io.Writer) (map[string]*patchcheck.Options, error) {
	if f == nil {
		return nil, nil
	}
	out := map[string]*patchcheck.Options{}
	shared := map[string]*patchcheck.Options{}
	for _, l := range f.Lists {
		if l.Policy == "" && l.StableLists == nil {
			continue
		}
		lconf, lstable := conf, stable
		if l.Policy != "" {
			lconf = l.Policy
		}
		if l.StableLists != nil {
			lstable = l.StableLists
		}
		if lconf == conf && slices.Equal(lstable, stable) {
			continue // the global options, as they are
		}
		key := lconf + "\x00" + strings.Join(lstable, "\x00")
		if o := shared[key]; o != nil {
			out[l.List.ID()] = o
			continue
		}
		o, err := policyOptions(botPolicy(lconf, lstable, repo), nil, btf, stderr)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: list %s: %w", f.Path, l.Line, l.Name, err)
		}
		if sess != nil {
			// The repository serves this list as it serves the others,
			// and its history rules judge by this list's policy.
			o = sess.Options(o)
		}
		shared[key] = &o
		out[l.List.ID()] = &o
	}
	return out, nil
}

// credentials returns the SMTP login the file names.
func (a *botSMTPAuth) credentials() (user, password string, err error) {
	switch {
	case a.PasswordFile != "":
		data, err := os.ReadFile(a.PasswordFile)
		if err != nil {
			return "", "", fmt.Errorf("smtp_password_file: %w", err)
		}
		password = strings.TrimSpace(string(data))
	case a.PasswordEnv != "":
		var ok bool
		if password, ok = os.LookupEnv(a.PasswordEnv); !ok {
			return "", "", fmt.Errorf("smtp_password_env: %s is not set", a.PasswordEnv)
		}
	}
	return a.User, password, nil
}

func (c *cli) newBotCheckConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config FILE",
		Short: "check a bot configuration file, line by line, and say what it sets up",
		Args:  cobra.ExactArgs(1),
		Run: func(_ *cobra.Command, args []string) {
			c.code = runBotCheckConfig(args, c.stdout)
		},
	}
}

// runBotCheckConfig is "bot check-config FILE".
func runBotCheckConfig(args []string, stdout io.Writer) int {
	f, probs := loadBotConfig(args[0])
	for _, p := range probs {
		fmt.Fprintln(stdout, p)
	}
	if len(probs) > 0 {
		return 1
	}
	if len(f.Lists) == 0 {
		fmt.Fprintf(stdout, "%s: no [[list]]: the lists must then come from --inbox, --mbox or --maildir\n", args[0])
	}
	for _, l := range f.Lists {
		line := fmt.Sprintf("list %s: %s %s", l.Name, l.List.Kind, l.List.Path)
		if l.List.Fetch {
			line += ", fetched"
		}
		if l.Policy != "" {
			line += ", policy " + l.Policy
		}
		if l.StableLists != nil {
			line += ", stable lists [" + strings.Join(l.StableLists, " ") + "]"
		}
		if l.Address != "" {
			line += " (address " + l.Address + ")"
		}
		fmt.Fprintln(stdout, line)
	}
	return 0
}
