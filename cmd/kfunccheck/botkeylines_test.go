// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestScanKeyLines: the line finder of check-config places keys in valid
// TOML that a line-by-line reading gets wrong: text that looks like a key
// or a table inside strings (multi-line too) and arrays spread over lines,
// inline tables, dotted and quoted keys, comments. Each case is valid TOML
// (checked here), and want lists every key the finder must report with its
// line ("list[i].key" for the keys of the i-th [[list]], "list[i]" for its
// header; a dotted key's or table's first part is a key of its own, at
// its first line); keys not in want must not be reported.
func TestScanKeyLines(t *testing.T) {
	for _, tt := range []struct {
		name string
		toml string
		want map[string]int
	}{
		{"plain", `state = "s.db"
from = "bot <b@x>"

[[list]]
name = "bpf"
mbox = "bpf.mbox"
`, map[string]int{"state": 1, "from": 2, "list[0]": 4, "list[0].name": 5, "list[0].mbox": 6}},
		{"multi-line basic string", `operator = """
from = "not a key"
[[list]]
name = "not a list"
"""
from = "bot <b@x>"
`, map[string]int{"operator": 1, "from": 6}},
		{"multi-line literal string", `operator = '''
state = 'x'
[smtp]
'''
state = "s.db"
`, map[string]int{"operator": 1, "state": 5}},
		{"quotes closing a multi-line string", `operator = """a ""quoted"" word"""""
state = "s.db"
`, map[string]int{"operator": 1, "state": 2}},
		{"escaped quote", `operator = "a \" from = b"
from = "x # y = z"
state = 'C:\dir' # comment: since = 1
`, map[string]int{"operator": 1, "from": 2, "state": 3}},
		{"inline table", `smtp = { server = "mail", port = 25, tls = { on = true } }
state = "s.db"
`, map[string]int{"smtp": 1, "state": 2}},
		{"dotted keys", `smtp.server = "mail"
smtp . port = 25
"smtp".user = "bot"
`, map[string]int{"smtp": 1, "smtp.server": 1, "smtp.port": 2, "smtp.user": 3}},
		{"quoted keys", `"state" = "s.db"
'from' = "bot <b@x>"
"a.b" = 1
"" = 2
`, map[string]int{"state": 1, "from": 2, "a.b": 3, "": 4}},
		{"array over lines", `cc_deny = [
  "a@x", # from = 1
  "b = c",
  """
[[list]]
""",
]
stable_lists = [ [ "x" ], ["y]"] ]
from = "bot <b@x>"
`, map[string]int{"cc_deny": 1, "stable_lists": 8, "from": 9}},
		{"list headers", `[[ list ]] # the first
name = "bpf"
[["list"]]
"name" = "input"
stable_lists = [
  "a.txt",
]
policy = "p.toml"
[smtp]
server = "mail"
`, map[string]int{"list[0]": 1, "list[0].name": 2, "list[1]": 3, "list[1].name": 4, "list[1].stable_lists": 5, "list[1].policy": 8,
			"smtp": 9, "smtp.server": 10}},
		{"tables and CRLF", "state = \"s.db\"\r\n[a . \"b\"]\r\nc = 1\r\n", map[string]int{"state": 1, "a": 2, "a.b": 2, "a.b.c": 3}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v map[string]any
			if _, err := toml.Decode(tt.toml, &v); err != nil {
				t.Fatalf("not valid TOML: %v", err)
			}
			kl := scanKeyLines(tt.toml)
			got := map[string]int{}
			for k, n := range kl.top {
				got[k] = n
			}
			for i, keys := range kl.lists {
				got[fmt.Sprintf("list[%d]", i)] = kl.listHdr[i]
				for k, n := range keys {
					got[fmt.Sprintf("list[%d].%s", i, k)] = n
				}
			}
			var bad []string
			for k, n := range tt.want {
				if got[k] != n {
					bad = append(bad, fmt.Sprintf("%s at line %d, want %d", k, got[k], n))
				}
			}
			for k, n := range got {
				if _, ok := tt.want[k]; !ok {
					bad = append(bad, fmt.Sprintf("%s reported at line %d, not a key there", k, n))
				}
			}
			if len(bad) > 0 {
				t.Errorf("%s", strings.Join(bad, "\n"))
			}
		})
	}
}

// FuzzScanKeyLines: the line finder never stalls nor panics, and in any
// document BurntSushi/toml decodes, it places every top-level key and
// every key of every [[list]] on a line that exists.
func FuzzScanKeyLines(f *testing.F) {
	f.Add(goodBotConfig)
	f.Add("a = \"\"\"\nb = 1\n\"\"\"\n[[list]]\nname = 'x'\nc = [\n1, # ]\n]\n")
	f.Add("x = { y = [ { z = '''\n''' } ] }\n\"q.r\".s = 1\n")
	f.Fuzz(func(t *testing.T, data string) {
		kl := scanKeyLines(data)
		var v map[string]any
		if _, err := toml.Decode(data, &v); err != nil {
			return
		}
		lines := strings.Count(data, "\n") + 1
		check := func(where, k string, n int) {
			if n < 1 || n > lines {
				t.Errorf("%s key %q placed at line %d of %d", where, k, n, lines)
			}
		}
		for k := range v {
			n, ok := kl.top[k]
			if k == "list" {
				if _, tables := v[k].([]map[string]any); tables {
					continue
				}
			}
			if !ok {
				t.Errorf("top-level key %q not placed", k)
				continue
			}
			check("top-level", k, n)
		}
		if lists, ok := v["list"].([]map[string]any); ok {
			if len(kl.lists) != len(lists) {
				t.Fatalf("%d [[list]] found, the decoder has %d", len(kl.lists), len(lists))
			}
			for i, l := range lists {
				for k := range l {
					n, ok := kl.lists[i][k]
					if !ok {
						t.Errorf("key %q of list %d not placed", k, i)
						continue
					}
					check("list", k, n)
				}
			}
		}
	})
}
