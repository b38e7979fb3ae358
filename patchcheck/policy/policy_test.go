// SPDX-License-Identifier: GPL-2.0-only

package policy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

func write(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDefaultCoversTheFlagTable(t *testing.T) {
	c := Default()
	for _, f := range []string{"KF_ACQUIRE", "KF_RELEASE", "KF_RET_NULL", "KF_KPTR_GET", "KF_TRUSTED_ARGS", "KF_SLEEPABLE",
		"KF_DESTRUCTIVE", "KF_RCU", "KF_ITER_NEW", "KF_ITER_NEXT", "KF_ITER_DESTROY", "KF_RCU_PROTECTED", "KF_FASTCALL",
		"KF_ARENA_RET", "KF_ARENA_ARG1", "KF_ARENA_ARG2", "KF_IMPLICIT_ARGS", "KF_SPINLOCK_SAFE", "KF_PERFMON"} {
		if _, ok := c.FlagEffect(f, true); !ok {
			t.Errorf("%s missing", f)
		}
	}
	if e, _ := c.FlagEffect("KF_RET_NULL", false); e != Compatible {
		t.Errorf("removing KF_RET_NULL: %s", e)
	}
	if e, _ := c.FlagEffect("KF_RET_NULL", true); e != Breaking {
		t.Errorf("adding KF_RET_NULL: %s", e)
	}
	if !c.IsLifecycle("KF_STABLE") || c.IsLifecycle("KF_RCU") {
		t.Error("IsLifecycle")
	}
}

func TestLoad(t *testing.T) {
	p := write(t, `stable_flag = "KF_STABLE_API"
ignore = ["STABLE_PROMOTION_LIST"]
equivalent_suffixes = ["__opt=__nullable", "__map=__const_map"]

[flags.KF_NEW_THING]
add = "breaking"
remove = "compatible"
note = "something new"

[severity]
DEPRECATION_DOCS = "check"

[type_aliases]
"struct foo_kern" = "struct foo"

[text]
min_rationale_words = 30
production_words = ["in production at"]
`)
	c, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.StableFlag != "KF_STABLE_API" || c.DeprecatedFlag != "KF_DEPRECATED" || !slices.Contains(c.Ignore, "STABLE_PROMOTION_LIST") {
		t.Errorf("scalars %+v", c)
	}
	if e, ok := c.FlagEffect("KF_NEW_THING", true); !ok || e != Breaking {
		t.Errorf("new flag: %v %v", e, ok)
	}
	if _, ok := c.FlagEffect("KF_ACQUIRE", true); !ok {
		t.Error("defaults lost when a flag is added")
	}
	if c.Severity["DEPRECATION_DOCS"] != "check" || c.TypeAliases["struct foo_kern"] != "struct foo" || c.TypeAliases["struct sk_buff"] == "" {
		t.Errorf("maps %+v %+v", c.Severity, c.TypeAliases)
	}
	if c.Text.MinRationaleWords != 30 || !slices.Equal(c.Text.ProductionWords, []string{"in production at"}) || len(c.Text.ReasonWords) == 0 {
		t.Errorf("text %+v", c.Text)
	}
}

func TestLoadErrors(t *testing.T) {
	for name, content := range map[string]string{
		"unknown key":      "stable_flagg = \"x\"\n",
		"unknown text key": "[text]\nmin_words = 3\n",
		"bad effect":       "[flags.KF_X]\nadd = \"maybe\"\nremove = \"breaking\"\n",
		"half a flag":      "[flags.KF_X]\nadd = \"breaking\"\n",
		"bad severity":     "[severity]\nSTABLE_REMOVAL = \"fatal\"\n",
		"bad words":        "[text]\nreason_words = \"because\"\n",
		"not toml":         "this is = = not toml",
	} {
		if _, err := Load(write(t, content)); err == nil || !strings.Contains(err.Error(), FileName) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := Find(sub); got != filepath.Join(dir, FileName) {
		t.Errorf("Find = %q", got)
	}
}

// FuzzParse: any configuration text is either refused with an error that
// names the file, or gives a configuration whose fail_on is a severity.
func FuzzParse(f *testing.F) {
	f.Add([]byte("stable_flag = \"KF_STABLE_API\"\n[flags.KF_X]\nadd = \"breaking\"\nremove = \"compatible\"\n"))
	f.Add([]byte("[text]\nmin_rationale_words = 30\nproduction_words = [\"in production at\"]\n"))
	f.Add([]byte("fail_on = \"warning\"\nstable_lists = [\"a.txt\", \"/b.txt\"]\n[severity]\nDEPRECATION_DOCS = \"check\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse("/etc/kfunccheck/"+FileName, data)
		if err != nil {
			if !strings.Contains(err.Error(), FileName) {
				t.Fatalf("error without the file's name: %v", err)
			}
			return
		}
		if _, err := model.ParseSeverity(c.FailOn); err != nil {
			t.Fatalf("accepted fail_on %q: %v", c.FailOn, err)
		}
		for _, l := range c.StableLists {
			if !filepath.IsAbs(l) {
				t.Fatalf("stable list %q not resolved against the file", l)
			}
		}
	})
}

func TestHistoryPolicy(t *testing.T) {
	c, err := parse("p.toml", []byte("min_deprecation_releases = 4\nmin_deprecation_days = 365\nstable_series = [\"v6.1.*\"]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.MinDeprecationReleases != 4 || c.MinDeprecationDays != 365 || len(c.StableSeries) != 1 {
		t.Errorf("%+v", c)
	}
	if Default().MinDeprecationReleases != 10 {
		t.Error("the default deprecation period is not RFC v1's 10 releases")
	}
	if _, err := parse("p.toml", []byte("min_deprecation_releases = -1\n")); err == nil {
		t.Error("a negative period accepted")
	}
}
