// SPDX-License-Identifier: GPL-2.0-only

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// evolutionFixture is the real history of every kfunc file from Debian's
// linux-source-6.1 (6.1.192, tag v6.1) to linux-source-6.12 (6.12.117,
// tag v6.12); scripts/gen-evolution.sh regenerates it.
const evolutionFixture = "../../testdata/evolution/kfunc-evolution.fast-export.gz"

// evoMode is one way of giving kfunccheck the 6.1 -> 6.12 evolution.
type evoMode struct {
	name string
	// full is true when kfunccheck has the repository, so every file's
	// whole pre-image: nothing needs guessing.
	full bool
	args func(patch, repo, stable string) []string
}

var evoModes = []evoMode{
	{"patch", false, func(patch, _, stable string) []string {
		return []string{"check", "--strict", "--format", "json", "--stable-list", stable, patch}
	}},
	{"repo", true, func(patch, repo, stable string) []string {
		return []string{"check", "--strict", "--format", "json", "--stable-list", stable, "--repo", repo, patch}
	}},
	{"git", true, func(_, repo, stable string) []string {
		return []string{"check", "--strict", "--format", "json", "--stable-list", stable, "--repo", repo, "-g", "v6.1..v6.12"}
	}},
}

// evoDisagreement is one place where kfunccheck and the reader differ.
type evoDisagreement struct {
	modes string // the modes it happens in, comma-separated: patch, repo, git
	kfunc string
	says  string // what kfunccheck reports
	truth string // what the independent reader finds in the two trees
}

// evolutionDiscrepancies are the known disagreements between kfunccheck
// and the independent reader on the real 6.1 -> 6.12 evolution. The test
// fails when one disappears (update the table: kfunccheck got better) or a
// new one appears. The comment above each group says why it happens.
var evolutionDiscrepancies = []evoDisagreement{
	// None known. Fixed since the reader was written: a helper whose name
	// starts with __bpf_kfunc counted as tagged; destructors, an fmod_ret
	// target and a test function tagged __bpf_kfunc reported as added
	// kfuncs with the repository (the tree-wide index now shows no set
	// holds them); the X-macro kfuncs of net/core/xdp.c reported as
	// guesses (their list in include/net/xdp.h is now expanded).
}

// evoPatchOnlyGuesses are the changes the patch-only mode legitimately
// reports as guesses: the hunks do not show what decides. With the
// repository (the other modes) each must be reported without a guess, or
// not at all for a non-kfunc.
var evoPatchOnlyGuesses = map[string]string{
	// Real changes whose set start or registration is outside the hunks:
	// tcp_bbr.c and bpf_trace.c went from BTF_SET8_START to
	// BTF_KFUNCS_START, and the registrations are far below the sets.
	"bbr_main":                   "signature change; the set's registration is not in the hunks",
	"bpf_verify_pkcs7_signature": "signature change; the set's registration is not in the hunks",
	// __bpf_kfunc definitions in no kfunc set: destructors (registered
	// with register_btf_id_dtor_kfuncs), an fmod_ret target and a test
	// function. An entry may sit in a file or hunk the patch does not
	// show, so only a guess is possible without the tree.
	"bpf_cgroup_release_dtor":          "__bpf_kfunc destructor, in no kfunc set",
	"bpf_cpumask_release_dtor":         "__bpf_kfunc destructor, in no kfunc set",
	"bpf_crypto_ctx_release_dtor":      "__bpf_kfunc destructor, in no kfunc set",
	"bpf_task_release_dtor":            "__bpf_kfunc destructor, in no kfunc set",
	"bpf_kfunc_call_memb_release_dtor": "__bpf_kfunc destructor, in no kfunc set",
	"bpf_kfunc_call_test_release_dtor": "__bpf_kfunc destructor, in no kfunc set",
	"bpf_modify_return_test2":          "__bpf_kfunc fmod_ret target, in an fmod_ret set only",
	"bpf_fentry_test9":                 "__bpf_kfunc test function, in no set",
}

func evoGit(t *testing.T, dir string, stdin []byte, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	// Isolated from the user's configuration (diff.noprefix, renames,
	// signing...), which would change the patch.
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// evoJSON is the part of kfunccheck's JSON document (DESIGN.md §4) the
// test reads.
type evoJSON struct {
	Patches []struct {
		Changes  []evoChangeJSON  `json:"changes"`
		Findings []evoFindingJSON `json:"findings"`
		Errors   []string         `json:"errors"`
	} `json:"patches"`
	Summary struct {
		InputErrors []string `json:"input_errors"`
	} `json:"summary"`
}

type evoChangeJSON struct {
	Kfunc        string   `json:"kfunc"`
	Kind         string   `json:"kind"`
	File         string   `json:"file"`
	FlagsAdded   []string `json:"flags_added"`
	FlagsRemoved []string `json:"flags_removed"`
	Diffs        []string `json:"signature_diffs"`
	Lost         []string `json:"availability_lost"`
	Gained       []string `json:"availability_gained"`
	Guess        string   `json:"guess"`
	Detail       string   `json:"detail"`
	Before       string   `json:"before"`
	After        string   `json:"after"`
}

type evoFindingJSON struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Kfunc    string `json:"kfunc"`
	Message  string `json:"message"`
}

// TestEvolution checks kfunccheck on the real evolution of every kfunc set
// from Linux 6.1 to 6.12, as one patch, against an independent reader of
// both trees (evolution_reader_test.go): every real added, removed, flags,
// signature and availability change must be reported with its kind, and
// nothing about functions that are not kfuncs. All 6.1 kfuncs are in the
// stable list, so the findings are those the real changes justify.
func TestEvolution(t *testing.T) {
	needGit(t)
	start := time.Now()
	gz, err := os.ReadFile(evolutionFixture)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	if _, err := stream.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	repo := filepath.Join(tmp, "linux.git")
	evoGit(t, tmp, nil, "init", "-q", "--bare", repo)
	evoGit(t, repo, stream.Bytes(), "fast-import", "--quiet")
	// The patch applies to 6.1: HEAD is there, as in the tree of a
	// developer about to apply it, so --repo judges the patch files
	// against the 6.1 tree.
	evoGit(t, repo, nil, "update-ref", "refs/heads/linux-6.1", "v6.1")
	evoGit(t, repo, nil, "symbolic-ref", "HEAD", "refs/heads/linux-6.1")

	oldRel, err := readEvoRelease(evoGit(t, repo, nil, "archive", "--format=tar", "v6.1"))
	if err != nil {
		t.Fatal(err)
	}
	newRel, err := readEvoRelease(evoGit(t, repo, nil, "archive", "--format=tar", "v6.12"))
	if err != nil {
		t.Fatal(err)
	}
	evoReaderSanity(t, oldRel, newRel)
	want := evolve(oldRel, newRel)

	var stable []string
	for n := range oldRel.Kfuncs {
		stable = append(stable, n)
	}
	sort.Strings(stable)
	stableFile := filepath.Join(tmp, "stable-6.1.txt")
	if err := os.WriteFile(stableFile, []byte(strings.Join(stable, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	patch := filepath.Join(tmp, "v6.1..v6.12.patch")
	if err := os.WriteFile(patch, evoGit(t, repo, nil, "format-patch", "--stdout", "v6.1..v6.12"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("fixture restored, both trees read and the patch written in %v", time.Since(start).Round(time.Millisecond))
	t.Logf("reader: %d kfuncs in 6.1, %d in 6.12; %s", len(oldRel.Kfuncs), len(newRel.Kfuncs), want.counts())

	var got []evoDisagreement
	for _, m := range evoModes {
		began := time.Now()
		out, stderr, code := runCLI(t, "", m.args(patch, repo, stableFile)...)
		took := time.Since(began)
		if code == 2 || stderr != "" {
			t.Fatalf("%s: exit %d\n%s", m.name, code, stderr)
		}
		var doc evoJSON
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if len(doc.Patches) != 1 || len(doc.Patches[0].Errors) > 0 || len(doc.Summary.InputErrors) > 0 {
			t.Fatalf("%s: want one patch without errors, got %d patches: %s", m.name, len(doc.Patches), out[:min(len(out), 2000)])
		}
		d, counts := compareEvolution(t, m, want, stable, &doc)
		t.Logf("%-5s mode: %v; %s", m.name, took.Round(time.Millisecond), counts)
		got = append(got, d...)
		if m.name == "repo" {
			evoMutants(t, m, want, stable, out)
		}
	}
	checkDiscrepancies(t, got)
}

// evoMutants shows the comparison can fail: each mutant is kfunccheck's
// real report with one mistake put in, which must come out as a new
// disagreement about the kfunc concerned.
func evoMutants(t *testing.T, m evoMode, w *evoWant, stable []string, out string) {
	t.Helper()
	edit := func(doc *evoJSON, kfunc string, f func(c *evoChangeJSON) bool) {
		cs := doc.Patches[0].Changes
		doc.Patches[0].Changes = cs[:0]
		for i := range cs {
			if cs[i].Kfunc != kfunc || f(&cs[i]) {
				doc.Patches[0].Changes = append(doc.Patches[0].Changes, cs[i])
			}
		}
	}
	mutants := []struct {
		name, kfunc, says string
		mutate            func(doc *evoJSON)
	}{
		{"a removal missed", "bpf_kfunc_call_test1", "nothing", func(doc *evoJSON) {
			edit(doc, "bpf_kfunc_call_test1", func(*evoChangeJSON) bool { return false })
		}},
		{"wrong flags on an added kfunc", "bpf_task_acquire", "added with entry flags", func(doc *evoJSON) {
			edit(doc, "bpf_task_acquire", func(c *evoChangeJSON) bool {
				c.After = "BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RET_NULL)"
				return true
			})
		}},
		{"a verifier deny list taken for kfuncs", "migrate_disable", "change added", func(doc *evoJSON) {
			doc.Patches[0].Changes = append(doc.Patches[0].Changes, evoChangeJSON{Kfunc: "migrate_disable", Kind: "added", File: "kernel/bpf/verifier.c"})
		}},
		{"a flags change that did not happen", "bpf_ct_release", "kinds flags", func(doc *evoJSON) {
			doc.Patches[0].Changes = append(doc.Patches[0].Changes, evoChangeJSON{Kfunc: "bpf_ct_release", Kind: "flags", FlagsAdded: []string{"KF_RCU"}})
		}},
		{"a program type lost that was not", "cgroup_rstat_flush", "kinds availability", func(doc *evoJSON) {
			doc.Patches[0].Changes = append(doc.Patches[0].Changes, evoChangeJSON{Kfunc: "cgroup_rstat_flush", Kind: "availability",
				Lost: []string{"no longer callable from BPF_PROG_TYPE_TRACING"}})
		}},
		{"a wrong prototype", "bbr_main", "prototype", func(doc *evoJSON) {
			edit(doc, "bbr_main", func(c *evoChangeJSON) bool {
				c.After = "void bbr_main(struct sock *sk, u32 ack, const struct rate_sample *rs)"
				return true
			})
		}},
		{"a breaking signature change not reported", "bbr_main", "no STABLE_SIGNATURE finding", func(doc *evoJSON) {
			fs := doc.Patches[0].Findings
			doc.Patches[0].Findings = slices.DeleteFunc(fs, func(f evoFindingJSON) bool { return f.Rule == "STABLE_SIGNATURE" })
		}},
	}
	for _, mu := range mutants {
		var doc evoJSON
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		mu.mutate(&doc)
		d, _ := compareEvolution(t, m, w, stable, &doc)
		if !slices.ContainsFunc(d, func(x evoDisagreement) bool { return x.kfunc == mu.kfunc && strings.HasPrefix(x.says, mu.says) }) {
			t.Errorf("mutant %q (%s: %s...) not caught; disagreements: %v", mu.name, mu.kfunc, mu.says, d)
		}
	}
}

// evoReaderSanity makes sure the reader sees what is known of the two
// trees, so that it cannot pass by finding nothing.
func evoReaderSanity(t *testing.T, oldRel, newRel *evoRelease) {
	t.Helper()
	check := func(ok bool, format string, args ...any) {
		t.Helper()
		if !ok {
			t.Errorf("reader: "+format, args...)
		}
	}
	ck := oldRel.Kfuncs["crash_kexec"]
	check(ck != nil && len(ck.Entries) == 1 && ck.Entries[0].Set == "tracing_btf_ids" &&
		slices.Equal(ck.Entries[0].Flags, []string{"KF_DESTRUCTIVE"}), "6.1 crash_kexec: %+v", ck)
	check(ck != nil && ck.Proto != nil && ck.Proto.File == "kernel/kexec_core.c", "6.1 crash_kexec definition: %+v", ck)
	ta := newRel.Kfuncs["bpf_task_acquire"]
	check(ta != nil && slices.Equal(ta.Entries[0].Flags, []string{"KF_ACQUIRE", "KF_RCU", "KF_RET_NULL"}), "6.12 bpf_task_acquire: %+v", ta)
	for _, n := range []string{"bpf_xdp_metadata_rx_timestamp", "bpf_xdp_metadata_rx_hash", "bpf_xdp_metadata_rx_vlan_tag"} {
		k := newRel.Kfuncs[n]
		check(k != nil && newRel.Expanded[n] == "XDP_METADATA_KFUNC_xxx" && len(k.Routes) == 1 && k.Routes[0].ProgType == "BPF_PROG_TYPE_XDP" &&
			slices.Equal(k.Entries[0].Flags, []string{"KF_TRUSTED_ARGS"}), "6.12 %s (X-macro): %+v", n, k)
	}
	for _, n := range []string{"bpf_cpumask_release_dtor", "bpf_fentry_test9"} {
		check(strings.HasPrefix(newRel.NotKfunc[n], "tagged __bpf_kfunc"), "6.12 %s: %q", n, newRel.NotKfunc[n])
	}
	check(strings.Contains(newRel.NotKfunc["bpf_fentry_test1"], "register_btf_fmodret_id_set"), "6.12 bpf_fentry_test1: %q", newRel.NotKfunc["bpf_fentry_test1"])
	check(strings.Contains(oldRel.NotKfunc["btf_id_deny"]+oldRel.NotKfunc["migrate_disable"], "BTF_SET_START(btf_id_deny)"), "6.1 verifier deny list: %q", oldRel.NotKfunc["migrate_disable"])
	for _, rel := range []*evoRelease{oldRel, newRel} {
		for n, k := range rel.Kfuncs {
			check(k.Proto != nil, "no definition found for kfunc %s", n)
		}
	}
}

// evoFlagDelta is a flag change of one kfunc.
type evoFlagDelta struct{ added, removed []string }

// evoSig is a prototype change.
type evoSig struct {
	before, after *evoProto
	breaking      bool
	why           []string
}

// evoAvail is an availability change.
type evoAvail struct {
	lost, gained            []string
	condChanged, filterDiff bool
	// condRelaxed: only build conditions were dropped, which widens the
	// access and is no change to report.
	condRelaxed bool
}

// reportable says whether kfunccheck must report the change.
func (a *evoAvail) reportable() bool {
	return a != nil && (len(a.lost)+len(a.gained) > 0 || a.condChanged || a.filterDiff)
}

// evoWant is the evolution as the reader derives it.
type evoWant struct {
	old, new  *evoRelease
	added     map[string]bool
	removed   map[string]bool
	flags     map[string]evoFlagDelta
	sigs      map[string]*evoSig
	moved     map[string]bool // an entry left a set while the kfunc stayed
	alsoAdded map[string]bool // an entry joined another set
	avail     map[string]*evoAvail
	relaxed   map[string]bool // only build conditions dropped
	nonKfunc  map[string]string
}

func (w *evoWant) counts() string {
	nb := 0
	for _, s := range w.sigs {
		if s.breaking {
			nb++
		}
	}
	na := 0
	for _, a := range w.avail {
		if len(a.lost) > 0 {
			na++
		}
	}
	return fmt.Sprintf("added %d, removed %d, flags %d, signature %d (%d breaking), moved %d, also-added %d, availability %d (lost a program type: %d; and %d only lost build conditions), non-kfunc names %d",
		len(w.added), len(w.removed), len(w.flags), len(w.sigs), nb, len(w.moved), len(w.alsoAdded), len(w.avail), na, len(w.relaxed), len(w.nonKfunc))
}

// evolve derives the changes from the two releases.
func evolve(o, n *evoRelease) *evoWant {
	w := &evoWant{old: o, new: n, added: map[string]bool{}, removed: map[string]bool{}, flags: map[string]evoFlagDelta{},
		sigs: map[string]*evoSig{}, moved: map[string]bool{}, alsoAdded: map[string]bool{}, avail: map[string]*evoAvail{},
		nonKfunc: map[string]string{}, relaxed: map[string]bool{}}
	for name := range n.Kfuncs {
		if o.Kfuncs[name] == nil {
			w.added[name] = true
		}
	}
	for name, ok := range o.Kfuncs {
		nk := n.Kfuncs[name]
		if nk == nil {
			w.removed[name] = true
			continue
		}
		evoEntriesDiff(w, name, ok.Entries, nk.Entries)
		// evoReaderSanity requires a definition for every kfunc.
		if ok.Proto != nil && nk.Proto != nil {
			if s := evoCompareProto(ok.Proto, nk.Proto); s != nil {
				w.sigs[name] = s
			}
		}
		if a := evoAvailDiff(ok.Routes, nk.Routes); a != nil {
			if a.reportable() {
				w.avail[name] = a
			} else {
				w.relaxed[name] = true
			}
		}
	}
	for _, rel := range []*evoRelease{o, n} {
		for name, why := range rel.NotKfunc {
			if o.Kfuncs[name] == nil && n.Kfuncs[name] == nil {
				w.nonKfunc[name] = why
			}
		}
	}
	return w
}

// evoEntriesDiff pairs the entries by file and set; flags are compared per
// pair, and entries left over on both sides (the kfunc moved to another
// set) are paired in their order.
func evoEntriesDiff(w *evoWant, name string, b, a []evoEntry) {
	used := make([]bool, len(a))
	var restB []evoEntry
	var pairs [][2]evoEntry
	for _, e := range b {
		j := slices.IndexFunc(a, func(x evoEntry) bool { return x.File == e.File && x.Set == e.Set })
		for j >= 0 && used[j] {
			k := slices.IndexFunc(a[j+1:], func(x evoEntry) bool { return x.File == e.File && x.Set == e.Set })
			if k < 0 {
				j = -1
			} else {
				j += 1 + k
			}
		}
		if j < 0 {
			restB = append(restB, e)
			continue
		}
		used[j] = true
		pairs = append(pairs, [2]evoEntry{e, a[j]})
	}
	var restA []evoEntry
	for j, e := range a {
		if !used[j] {
			restA = append(restA, e)
		}
	}
	for i := 0; i < len(restB) && i < len(restA); i++ {
		pairs = append(pairs, [2]evoEntry{restB[i], restA[i]})
	}
	if len(restB) > 0 {
		w.moved[name] = true
	}
	if len(restA) > len(restB) {
		w.alsoAdded[name] = true
	}
	var d evoFlagDelta
	for _, p := range pairs {
		for _, f := range p[1].Flags {
			if !slices.Contains(p[0].Flags, f) && !slices.Contains(d.added, f) {
				d.added = append(d.added, f)
			}
		}
		for _, f := range p[0].Flags {
			if !slices.Contains(p[1].Flags, f) && !slices.Contains(d.removed, f) {
				d.removed = append(d.removed, f)
			}
		}
	}
	if len(d.added)+len(d.removed) > 0 {
		slices.Sort(d.added)
		slices.Sort(d.removed)
		w.flags[name] = d
	}
}

// evoAliases are kernel types the verifier treats as their BPF-facing
// counterparts (DOMAIN.md §4.5): changing one for the other is invisible
// to BPF programs.
var evoAliases = map[string]string{"bpf_dynptr_kern": "bpf_dynptr", "sk_buff": "__sk_buff", "xdp_buff": "xdp_md"}

// evoSuffix is the verifier-read suffix of a parameter name ("__sz").
func evoSuffix(name string) string {
	if i := strings.LastIndex(name, "__"); i > 0 {
		return name[i:]
	}
	return ""
}

// evoCanonType is a type as BPF programs see it: without const, with the
// verifier's aliases resolved.
func evoCanonType(t string) string {
	var out []string
	for _, w := range strings.Fields(t) {
		if w == "const" {
			continue
		}
		if to, ok := evoAliases[w]; ok {
			w = to
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// evoCompareProto compares two prototypes: any difference of the return
// type or of a parameter's type or name is a change; it breaks callers
// (DOMAIN.md §3.6) when the count, a type beyond const and the aliases,
// or a name suffix differs.
func evoCompareProto(b, a *evoProto) *evoSig {
	if b.Ret == a.Ret && slices.Equal(b.Params, a.Params) {
		return nil
	}
	s := &evoSig{before: b, after: a}
	if evoCanonType(b.Ret) != evoCanonType(a.Ret) {
		s.breaking = true
		s.why = append(s.why, "return type")
	}
	if len(b.Params) != len(a.Params) {
		s.breaking = true
		s.why = append(s.why, "parameter count")
	}
	for i := 0; i < len(b.Params) && i < len(a.Params); i++ {
		if evoCanonType(b.Params[i].Type) != evoCanonType(a.Params[i].Type) {
			s.breaking = true
			s.why = append(s.why, fmt.Sprintf("parameter %d type", i+1))
		}
		if evoSuffix(b.Params[i].Name) != evoSuffix(a.Params[i].Name) {
			s.breaking = true
			s.why = append(s.why, fmt.Sprintf("parameter %d suffix", i+1))
		}
	}
	return s
}

// evoAvailDiff compares where a kfunc is callable from: program types
// lost and gained (BPF_PROG_TYPE_UNSPEC is every type), the conditions
// and filters of the routes.
func evoAvailDiff(b, a []evoRoute) *evoAvail {
	types := func(rs []evoRoute) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			m[r.ProgType] = true
		}
		return m
	}
	bt, at := types(b), types(a)
	av := &evoAvail{}
	for pt := range bt {
		if !at[pt] && !at["BPF_PROG_TYPE_UNSPEC"] {
			av.lost = append(av.lost, pt)
		}
	}
	for pt := range at {
		if !bt[pt] && !bt["BPF_PROG_TYPE_UNSPEC"] {
			av.gained = append(av.gained, pt)
		}
	}
	sort.Strings(av.lost)
	sort.Strings(av.gained)
	// Conditions and filters of the program types callable on both sides.
	set := func(rs []evoRoute, f func(evoRoute) string) map[string]bool {
		m := map[string]bool{}
		for _, r := range rs {
			if bt[r.ProgType] && at[r.ProgType] {
				m[r.ProgType+"|"+f(r)] = true
			}
		}
		return m
	}
	filter := func(r evoRoute) string { return r.Filter }
	av.filterDiff = !mapsEqual(set(b, filter), set(a, filter))
	// A build condition narrows a program type's access when some route
	// of 6.12 needs a condition no route of 6.1 needed; dropping
	// conditions (6.12 registers the TCP congestion kfuncs without 6.1's
	// CONFIG_X86 && CONFIG_DYNAMIC_FTRACE) only widens it.
	for _, r := range a {
		if !bt[r.ProgType] {
			continue
		}
		covered := slices.ContainsFunc(b, func(x evoRoute) bool {
			return x.ProgType == r.ProgType && evoSubset(evoConjuncts(r.Cond), evoConjuncts(x.Cond))
		})
		if !covered {
			av.condChanged = true
		}
	}
	for _, r := range b {
		if at[r.ProgType] && !slices.ContainsFunc(a, func(x evoRoute) bool { return x.ProgType == r.ProgType && x.Cond == r.Cond }) {
			av.condRelaxed = true
		}
	}
	if len(av.lost)+len(av.gained) == 0 && !av.condChanged && !av.filterDiff {
		if av.condRelaxed {
			return &evoAvail{condRelaxed: true}
		}
		return nil
	}
	return av
}

func evoConjuncts(c string) []string {
	if c == "" {
		return nil
	}
	return strings.Split(c, " && ")
}

func evoSubset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// compareEvolution compares kfunccheck's report in one mode with the
// reader's evolution and returns the disagreements and the tool's counts.
func compareEvolution(t *testing.T, m evoMode, w *evoWant, stable []string, doc *evoJSON) ([]evoDisagreement, string) {
	t.Helper()
	var out []evoDisagreement
	dis := func(kfunc, says, truth string) {
		out = append(out, evoDisagreement{m.name, kfunc, says, truth})
	}
	p := doc.Patches[0]
	type change = struct {
		kind, file, guess string
		added, removed    []string
		diffs, lost, gain []string
		before, after     string
	}
	byKfunc := map[string][]change{}
	kinds := map[string]int{}
	notKfunc := map[string]int{} // of kinds, those about functions that are no kfuncs
	guessed := 0
	for _, c := range p.Changes {
		kinds[c.Kind]++
		if w.old.Kfuncs[c.Kfunc] == nil && w.new.Kfuncs[c.Kfunc] == nil {
			notKfunc[c.Kind]++
		}
		if c.Guess != "" {
			guessed++
		}
		if c.Kfunc == "" {
			dis("", "change "+c.Kind+": "+c.Detail, "every change of the evolution names its kfunc")
			continue
		}
		byKfunc[c.Kfunc] = append(byKfunc[c.Kfunc], change{c.Kind, c.File, c.Guess, c.FlagsAdded, c.FlagsRemoved, c.Diffs, c.Lost, c.Gained, c.Before, c.After})
	}
	describe := func(c change) string {
		s := "change " + c.kind
		if c.guess != "" {
			s += " (guess: " + c.guess + ")"
		}
		return s
	}
	// guessOK says whether a guess is legitimate here: only in the
	// patch-only mode and only where listed.
	guessUsed := map[string]bool{}
	guessOK := func(kfunc string, c change) bool {
		_, listed := evoPatchOnlyGuesses[kfunc]
		if c.guess != "" && !m.full && listed {
			guessUsed[kfunc] = true
			return true
		}
		return c.guess == ""
	}
	names := make([]string, 0, len(byKfunc))
	for n := range byKfunc {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		cs := byKfunc[name]
		ok, nk := w.old.Kfuncs[name], w.new.Kfuncs[name]
		if ok == nil && nk == nil {
			why, known := w.nonKfunc[name]
			if !known {
				why = "in no set of either tree"
			}
			for _, c := range cs {
				if !m.full && c.guess != "" {
					if _, listed := evoPatchOnlyGuesses[name]; listed {
						guessUsed[name] = true
						continue
					}
				}
				dis(name, describe(c), "not a kfunc: "+why)
			}
			continue
		}
		for _, c := range cs {
			if !guessOK(name, c) {
				dis(name, describe(c), "certain from the trees: "+evoTruth(w, name))
			}
		}
		kindsOf := map[string]bool{}
		for _, c := range cs {
			kindsOf[c.kind] = true
		}
		var wantKinds []string
		switch {
		case w.added[name]:
			wantKinds = []string{"added"}
		case w.removed[name]:
			wantKinds = []string{"removed"}
		default:
			if w.flags[name].added != nil || w.flags[name].removed != nil {
				wantKinds = append(wantKinds, "flags")
			}
			if w.sigs[name] != nil {
				wantKinds = append(wantKinds, "signature")
			}
			if w.moved[name] {
				wantKinds = append(wantKinds, "moved")
			}
			if w.alsoAdded[name] {
				wantKinds = append(wantKinds, "added")
			}
			if w.avail[name] != nil {
				wantKinds = append(wantKinds, "availability")
			}
		}
		var gotKinds []string
		for k := range kindsOf {
			gotKinds = append(gotKinds, k)
		}
		sort.Strings(gotKinds)
		sort.Strings(wantKinds)
		if !slices.Equal(gotKinds, wantKinds) {
			dis(name, "kinds "+strings.Join(gotKinds, ","), "kinds "+strings.Join(wantKinds, ",")+": "+evoTruth(w, name))
		}
		for _, c := range cs {
			switch c.kind {
			case "flags":
				d := w.flags[name]
				ga, gr := slices.Sorted(slices.Values(c.added)), slices.Sorted(slices.Values(c.removed))
				if !slices.Equal(ga, d.added) || !slices.Equal(gr, d.removed) {
					dis(name, fmt.Sprintf("flags +%v -%v", ga, gr), fmt.Sprintf("flags +%v -%v", d.added, d.removed))
				}
			case "availability":
				evoCheckAvail(name, c.lost, c.gain, w.avail[name], dis)
			case "signature":
				// The prototypes kfunccheck read must be the real ones.
				for _, side := range []struct {
					text string
					k    *evoKfunc
				}{{c.before, ok}, {c.after, nk}} {
					got := evoDefinitions("", side.text+" {")
					if side.k == nil || side.k.Proto == nil {
						continue
					}
					if len(got) != 1 || got[0].proto.Ret != side.k.Proto.Ret || !slices.Equal(got[0].proto.Params, side.k.Proto.Params) {
						dis(name, "prototype "+side.text, "prototype "+side.k.Proto.String())
					}
				}
			case "added", "removed":
				if w.added[name] || w.removed[name] {
					k, text := nk, c.after
					if k == nil {
						k, text = ok, c.before
					}
					// The entries kfunccheck shows (their flags, one per
					// set) must be the real ones; a guessed change is
					// accounted for above.
					if c.guess == "" {
						var gotFlags, wantFlags []string
						for _, e := range strings.Split(text, "; ") {
							m := evoFlagsRE.FindStringSubmatch(e)
							if m == nil || m[1] != name {
								gotFlags = append(gotFlags, "not an entry: "+e)
								continue
							}
							gotFlags = append(gotFlags, strings.Join(evoFlags(m[2]), "|"))
						}
						for _, e := range k.Entries {
							wantFlags = append(wantFlags, strings.Join(e.Flags, "|"))
						}
						slices.Sort(gotFlags)
						slices.Sort(wantFlags)
						if !slices.Equal(gotFlags, wantFlags) {
							dis(name, fmt.Sprintf("%s with entry flags %q", c.kind, gotFlags), fmt.Sprintf("entry flags %q", wantFlags))
						}
					}
					files := []string{}
					for _, e := range k.Entries {
						files = append(files, e.File)
					}
					if k.Proto != nil {
						files = append(files, k.Proto.File)
					}
					if !slices.Contains(files, c.file) {
						dis(name, c.kind+" in "+c.file, "its entries and definition are in "+strings.Join(slices.Compact(slices.Sorted(slices.Values(files))), ", "))
					}
				}
			}
		}
	}
	// What the reader finds and kfunccheck does not report at all.
	for _, set := range []map[string]bool{w.added, w.removed} {
		for name := range set {
			if byKfunc[name] == nil {
				dis(name, "nothing", evoTruth(w, name))
			}
		}
	}
	for name := range w.old.Kfuncs {
		if w.removed[name] || byKfunc[name] != nil {
			continue
		}
		if _, f := w.flags[name]; f || w.sigs[name] != nil || w.moved[name] || w.alsoAdded[name] || w.avail[name] != nil {
			dis(name, "nothing", evoTruth(w, name))
		}
	}
	if !m.full {
		for name, why := range evoPatchOnlyGuesses {
			if !guessUsed[name] {
				dis(name, "no guess", "evoPatchOnlyGuesses expects one: "+why)
			}
		}
	}
	out = append(out, evoCheckFindings(w, stable, doc, m.name)...)
	var ks []string
	for k, n := range kinds {
		if notKfunc[k] > 0 {
			ks = append(ks, fmt.Sprintf("%s %d (%d about non-kfuncs)", k, n, notKfunc[k]))
		} else {
			ks = append(ks, fmt.Sprintf("%s %d", k, n))
		}
	}
	sort.Strings(ks)
	rules := map[string]int{}
	for _, f := range p.Findings {
		rules[f.Rule]++
	}
	var rs []string
	for r, n := range rules {
		rs = append(rs, fmt.Sprintf("%s %d", r, n))
	}
	sort.Strings(rs)
	return out, fmt.Sprintf("kfunccheck: %d changes (%s; %d guessed), findings: %s", len(p.Changes), strings.Join(ks, ", "), guessed, strings.Join(rs, ", "))
}

// evoCheckAvail compares one availability change with the reader's.
func evoCheckAvail(name string, lost, gained []string, a *evoAvail, dis func(kfunc, says, truth string)) {
	if a == nil {
		dis(name, "availability "+strings.Join(append(lost, gained...), "; "), "the same program types, conditions and filters")
		return
	}
	var gotLost, gotGained []string
	cond, filter := false, false
	for _, l := range lost {
		switch {
		case strings.HasPrefix(l, "no longer callable from "):
			pt, _, _ := strings.Cut(strings.TrimPrefix(l, "no longer callable from "), " ")
			gotLost = append(gotLost, pt)
		case strings.HasPrefix(l, "build condition for "), strings.Contains(l, " only when "):
			cond = true
		case strings.Contains(l, " only through the filter "):
			filter = true
		default:
			dis(name, "availability "+l, "an access change the test does not know")
		}
	}
	for _, g := range gained {
		gotGained = append(gotGained, strings.TrimPrefix(g, "now callable from "))
	}
	sort.Strings(gotLost)
	sort.Strings(gotGained)
	if !slices.Equal(gotLost, a.lost) {
		dis(name, fmt.Sprintf("lost %v", gotLost), fmt.Sprintf("lost %v", a.lost))
	}
	if !slices.Equal(gotGained, a.gained) {
		dis(name, fmt.Sprintf("gained %v", gotGained), fmt.Sprintf("gained %v", a.gained))
	}
	if cond != a.condChanged {
		dis(name, fmt.Sprintf("condition changed: %v", cond), fmt.Sprintf("condition changed: %v", a.condChanged))
	}
	if filter != a.filterDiff {
		dis(name, fmt.Sprintf("filter changed: %v", filter), fmt.Sprintf("filter changed: %v", a.filterDiff))
	}
}

// evoCheckFindings checks the findings against what the real changes
// justify with every 6.1 kfunc stable: STABLE_REMOVAL for each removal,
// STABLE_SIGNATURE for each breaking prototype change and
// STABLE_SIGNATURE_COMPAT for the others, a flags rule for each flag
// change and STABLE_AVAILABILITY for each lost program type; nothing else.
func evoCheckFindings(w *evoWant, stable []string, doc *evoJSON, mode string) []evoDisagreement {
	var out []evoDisagreement
	justified := map[[2]string]bool{}
	for _, n := range stable {
		switch {
		case w.removed[n]:
			justified[[2]string{"STABLE_REMOVAL", n}] = true
		case w.sigs[n] != nil && w.sigs[n].breaking:
			justified[[2]string{"STABLE_SIGNATURE", n}] = true
		case w.sigs[n] != nil:
			justified[[2]string{"STABLE_SIGNATURE_COMPAT", n}] = true
		}
		if _, ok := w.flags[n]; ok {
			justified[[2]string{"STABLE_FLAGS*", n}] = true
		}
		if a := w.avail[n]; a != nil && len(a.lost) > 0 {
			justified[[2]string{"STABLE_AVAILABILITY", n}] = true
		}
	}
	seen := map[[2]string]bool{}
	for _, f := range doc.Patches[0].Findings {
		k := [2]string{f.Rule, f.Kfunc}
		if f.Rule == "STABLE_FLAGS" || f.Rule == "STABLE_FLAGS_BREAKING" {
			k[0] = "STABLE_FLAGS*"
		}
		seen[k] = true
		if !justified[k] {
			out = append(out, evoDisagreement{mode, f.Kfunc, "finding " + f.Rule, evoTruthFinding(w, f.Kfunc)})
		}
	}
	for k := range justified {
		if !seen[k] {
			out = append(out, evoDisagreement{mode, k[1], "no " + k[0] + " finding", "justified: " + evoTruth(w, k[1])})
		}
	}
	return out
}

func evoTruthFinding(w *evoWant, name string) string {
	if w.old.Kfuncs[name] == nil && w.new.Kfuncs[name] == nil {
		if why, ok := w.nonKfunc[name]; ok {
			return "not a kfunc: " + why
		}
		return "not a kfunc: in no set of either tree"
	}
	return "not justified: " + evoTruth(w, name)
}

// evoTruth says in a line what the reader knows of a kfunc's evolution.
func evoTruth(w *evoWant, name string) string {
	o, n := w.old.Kfuncs[name], w.new.Kfuncs[name]
	ent := func(k *evoKfunc) string {
		var s []string
		for _, e := range k.Entries {
			x := e.Set + " (" + e.File + ")"
			if len(e.Flags) > 0 {
				x += " " + strings.Join(e.Flags, "|")
			}
			s = append(s, x)
		}
		var pts []string
		for _, r := range k.Routes {
			pts = append(pts, strings.TrimPrefix(r.ProgType, "BPF_PROG_TYPE_"))
		}
		pts = slices.Compact(slices.Sorted(slices.Values(pts)))
		return strings.Join(s, ", ") + " for " + strings.Join(pts, ",")
	}
	switch {
	case o == nil:
		s := "added kfunc in " + ent(n)
		if x := w.new.Expanded[name]; x != "" {
			s += " via the X-macro " + x
		}
		return s
	case n == nil:
		return "removed kfunc, was in " + ent(o)
	}
	var parts []string
	if d, ok := w.flags[name]; ok {
		parts = append(parts, fmt.Sprintf("flags +%v -%v", d.added, d.removed))
	}
	if s := w.sigs[name]; s != nil {
		b := "compatible"
		if s.breaking {
			b = "breaking: " + strings.Join(s.why, ", ")
		}
		parts = append(parts, "prototype "+s.before.String()+" -> "+s.after.String()+" ("+b+")")
	}
	if w.moved[name] || w.alsoAdded[name] {
		parts = append(parts, "entries "+ent(o)+" -> "+ent(n))
	}
	if a := w.avail[name]; a != nil {
		parts = append(parts, fmt.Sprintf("availability lost %v gained %v condition changed %v filter changed %v", a.lost, a.gained, a.condChanged, a.filterDiff))
	}
	if len(parts) == 0 {
		return "unchanged kfunc in " + ent(n)
	}
	return strings.Join(parts, "; ")
}

// checkDiscrepancies compares the disagreements found with the table of
// known ones, both ways.
func checkDiscrepancies(t *testing.T, got []evoDisagreement) {
	t.Helper()
	type key struct{ mode, kfunc, says string }
	known := map[key]string{}
	for _, d := range evolutionDiscrepancies {
		for _, m := range strings.Split(d.modes, ",") {
			known[key{m, d.kfunc, d.says}] = d.truth
		}
	}
	found := map[key]bool{}
	for _, d := range got {
		k := key{d.modes, d.kfunc, d.says}
		found[k] = true
		if _, ok := known[k]; !ok {
			t.Errorf("new disagreement (%s mode): %s: kfunccheck: %s; truth: %s", d.modes, d.kfunc, d.says, d.truth)
		}
	}
	for k, truth := range known {
		if !found[k] {
			t.Errorf("known discrepancy gone (%s mode): %s: %s (truth: %s); remove it from evolutionDiscrepancies", k.mode, k.kfunc, k.says, truth)
		}
	}
}
