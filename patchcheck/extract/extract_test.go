// SPDX-License-Identifier: GPL-2.0-only

package extract

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/baseline"
	"github.com/kfunccheck/kfunccheck/patchcheck/mail"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

// file is a small kfunc source whose definition is far from its entry.
var file = func() string {
	var b strings.Builder
	b.WriteString("__bpf_kfunc int bpf_thing(struct task_struct *p, u32 len__sz)\n{\n\treturn 0;\n}\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "static int filler%d(void) { return %d; }\n", i, i)
	}
	b.WriteString("BTF_KFUNCS_START(s)\nBTF_ID_FLAGS(func, bpf_other)\nBTF_ID_FLAGS(func, bpf_thing, KF_RCU | KF_STABLE)\nBTF_KFUNCS_END(s)\n")
	return b.String()
}()

const sigPatch = `From: Dev <dev@example.org>
Subject: [PATCH] bpf: widen

Widen it.
---
diff --git a/kernel/bpf/x.c b/kernel/bpf/x.c
index 1234567..89abcde 100644
--- a/kernel/bpf/x.c
+++ b/kernel/bpf/x.c
@@ -1,4 +1,4 @@
-__bpf_kfunc int bpf_thing(struct task_struct *p, u32 len__sz)
+__bpf_kfunc int bpf_thing(struct task_struct *p, u64 len__sz)
 {
 	return 0;
 }
`

type fullBaseline struct{ content string }

func (b fullBaseline) PreImage(path, blob string) ([]byte, error) {
	if path == "kernel/bpf/x.c" && blob == "1234567" {
		return []byte(b.content), nil
	}
	return nil, fmt.Errorf("%s: %w", path, baseline.ErrUnavailable)
}
func (fullBaseline) Stable(string) (string, bool) { return "", false }
func (fullBaseline) Describe() string             { return "test" }

func parse(t *testing.T, s string) *model.Patch {
	t.Helper()
	raw, err := mail.NewSplitter(strings.NewReader(s), 0).Next()
	if err != nil {
		t.Fatal(err)
	}
	p := mail.Parse(raw, "t", 1)
	if len(p.Errors) > 0 {
		t.Fatal(p.Errors)
	}
	return p
}

// TestFullPreImage checks the baseline interface the git adapter plugs
// into: with the whole file, a signature change far from the entry is
// judged against the entry's flags.
func TestFullPreImage(t *testing.T) {
	p := parse(t, sigPatch)
	cfg := policy.Default()
	hunks := Patch(p, Options{Policy: cfg, Baseline: baseline.HunksOnly{}})
	if len(hunks.Changes) != 1 || hunks.Changes[0].EntryVisible {
		t.Fatalf("hunk-only: %+v", hunks.Changes)
	}
	full := Patch(p, Options{Policy: cfg, Baseline: fullBaseline{file}})
	if len(full.Errors) > 0 || len(full.FullFiles) != 1 {
		t.Fatalf("full: errors %v files %v", full.Errors, full.FullFiles)
	}
	if len(full.Changes) != 1 {
		t.Fatalf("full: changes %+v", full.Changes)
	}
	c := full.Changes[0]
	if c.Kind != model.KindSignature || !c.EntryVisible || !c.Before.HasFlag("KF_STABLE") || !c.Breaking() {
		t.Errorf("full: %+v", c)
	}
	if c.Pos.Line != 1 || c.Pos.PatchLine != 12 {
		t.Errorf("position %+v", c.Pos)
	}
	// A pre-image that does not match the hunks falls back to the hunks
	// and says why on the change.
	bad := Patch(p, Options{Policy: cfg, Baseline: fullBaseline{"something else\n"}})
	if len(bad.Errors) != 0 || len(bad.FullFiles) != 0 || len(bad.Changes) != 1 || !strings.Contains(bad.Changes[0].BaselineNote, "does not apply") {
		t.Errorf("mismatching pre-image: errors %v changes %+v", bad.Errors, bad.Changes)
	}
}

func entryPatch(before, after string) string {
	return "Subject: x\n\n---\ndiff --git a/k.c b/k.c\n--- a/k.c\n+++ b/k.c\n@@ -1,3 +1,3 @@ BTF_KFUNCS_START(set_a)\n BTF_ID_FLAGS(func, bpf_a)\n" +
		"-" + before + "\n+" + after + "\n BTF_ID_FLAGS(func, bpf_c)\n"
}

func TestEntryChanges(t *testing.T) {
	tests := []struct {
		name, before, after string
		kinds               []model.ChangeKind
	}{
		{"reorder and spacing", "BTF_ID_FLAGS(func, bpf_b, KF_A | KF_B)", "BTF_ID_FLAGS(func, bpf_b,KF_B|KF_A)", nil},
		{"promoted", "BTF_ID_FLAGS(func, bpf_b, KF_RCU)", "BTF_ID_FLAGS(func, bpf_b, KF_RCU | KF_STABLE)", []model.ChangeKind{model.KindPromoted}},
		{"demoted and flag", "BTF_ID_FLAGS(func, bpf_b, KF_STABLE)", "BTF_ID_FLAGS(func, bpf_b, KF_RCU)", []model.ChangeKind{model.KindDemoted, model.KindFlags}},
		{"deprecated", "BTF_ID_FLAGS(func, bpf_b, KF_STABLE)", "BTF_ID_FLAGS(func, bpf_b, KF_STABLE | KF_DEPRECATED)", []model.ChangeKind{model.KindDeprecated}},
		{"undeprecated", "BTF_ID_FLAGS(func, bpf_b, KF_DEPRECATED)", "BTF_ID_FLAGS(func, bpf_b)", []model.ChangeKind{model.KindUndeprecated}},
		{"renamed", "BTF_ID_FLAGS(func, bpf_b)", "BTF_ID_FLAGS(func, bpf_b2)", []model.ChangeKind{model.KindRemoved, model.KindAdded}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parse(t, entryPatch(tt.before, tt.after))
			res := Patch(p, Options{Policy: policy.Default()})
			var kinds []model.ChangeKind
			for _, c := range res.Changes {
				kinds = append(kinds, c.Kind)
				if c.Before != nil && len(c.Before.Entries) > 0 && c.Before.Entries[0].Set != "set_a" {
					t.Errorf("set from the hunk section not used: %+v", c.Before.Entries[0])
				}
			}
			if fmt.Sprint(kinds) != fmt.Sprint(tt.kinds) {
				t.Errorf("kinds %v, want %v", kinds, tt.kinds)
			}
		})
	}
}

func TestMovedBetweenFiles(t *testing.T) {
	p := parse(t, `Subject: move

---
diff --git a/a.c b/a.c
--- a/a.c
+++ b/a.c
@@ -1,3 +1,2 @@
 BTF_KFUNCS_START(one)
-BTF_ID_FLAGS(func, bpf_m, KF_RCU | KF_STABLE)
 BTF_KFUNCS_END(one)
diff --git a/b.c b/b.c
--- a/b.c
+++ b/b.c
@@ -1,2 +1,3 @@
 BTF_KFUNCS_START(two)
+BTF_ID_FLAGS(func, bpf_m, KF_STABLE | KF_RCU)
 BTF_KFUNCS_END(two)
`)
	res := Patch(p, Options{Policy: policy.Default()})
	if len(res.Changes) != 1 || res.Changes[0].Kind != model.KindMoved || res.Changes[0].Pos.File != "b.c" {
		t.Fatalf("changes %+v", res.Changes)
	}
}
