// SPDX-License-Identifier: GPL-2.0-only

package policy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
)

// FileName is the policy file looked up in the tree being checked.
const FileName = ".kfunccheck.toml"

// MaxFileSize bounds a policy file: a real one is a few kilobytes.
const MaxFileSize = 1 << 20

// Origin says who wrote a policy file, which decides how far it is
// believed.
type Origin int

const (
	// Operator is a file named by whoever runs kfunccheck (--config, the
	// bot's configuration): it may name files anywhere.
	Operator Origin = iota
	// Tree is the FileName found in the tree being checked: data that a
	// patch may have written. The files it names must be relative paths
	// that stay inside its directory (no "..", no symbolic link out),
	// regular files of bounded size, and its errors never quote what it
	// reads.
	Tree
)

// File is a parsed policy file: what it sets, key by key. A file changes
// only what it names; Apply and Tighten put it over a Config.
type File struct {
	Path   string
	Origin Origin
	md     toml.MetaData
	keys   map[string]toml.Primitive
}

// Read reads the policy file at path, as origin says.
func Read(path string, origin Origin) (*File, error) {
	var data []byte
	var err error
	if origin == Tree {
		data, err = ReadConfined(filepath.Dir(path), filepath.Base(path), MaxFileSize)
	} else {
		data, err = readBounded(path, MaxFileSize)
	}
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return parseFile(path, data, origin)
}

// Load reads an operator's policy file over the defaults.
func Load(path string) (*Config, error) {
	f, err := Read(path, Operator)
	if err != nil {
		return nil, err
	}
	c := Default()
	if err := f.Apply(c); err != nil {
		return nil, err
	}
	return c, nil
}

// parse reads the policy text of the operator's file at path over the
// defaults.
func parse(path string, data []byte) (*Config, error) {
	f, err := parseFile(path, data, Operator)
	if err != nil {
		return nil, err
	}
	c := Default()
	if err := f.Apply(c); err != nil {
		return nil, err
	}
	return c, nil
}

func parseFile(path string, data []byte, origin Origin) (*File, error) {
	f := &File{Path: path, Origin: origin}
	md, err := toml.Decode(string(data), &f.keys)
	if err != nil {
		var pe toml.ParseError
		if origin == Tree && errors.As(err, &pe) {
			// The parser's message quotes the text it stumbled on.
			return nil, fmt.Errorf("policy: %s:%d: not valid TOML", path, pe.Position.Line)
		}
		return nil, fmt.Errorf("policy: %s: %w", path, err)
	}
	f.md = md
	// Decode every value once, so that type errors and unknown keys are
	// found whatever the file is later used for.
	if err := f.walk(reflect.ValueOf(Default()).Elem(), f.keys, "", func(string, reflect.Value, reflect.Value, reflect.StructField) error { return nil }); err != nil {
		return nil, err
	}
	if und := f.md.Undecoded(); len(und) > 0 {
		var keys []string
		for _, k := range und {
			keys = append(keys, fmt.Sprintf("%q", k.String()))
		}
		return nil, fmt.Errorf("policy: %s: unknown keys [%s]", path, strings.Join(keys, " "))
	}
	return f, nil
}

// Names reports whether the file sets key ("ignore", "text").
func (f *File) Names(key string) bool {
	_, ok := f.keys[key]
	return ok
}

// walk decodes each key the file sets into a fresh value of its field in
// the struct cur (a Config or one of its nested tables), checks it, and
// hands it to fn with the field's current value. Config's struct tags are
// the one list of the policy's keys: toml names the key, merge says how a
// file adds to it, tighten how a tree's file may only make it stricter.
func (f *File) walk(cur reflect.Value, keys map[string]toml.Primitive, prefix string, fn func(key string, cur, val reflect.Value, sf reflect.StructField) error) error {
	t := cur.Type()
	known := map[string]bool{}
	for i := range t.NumField() {
		known[t.Field(i).Tag.Get("toml")] = true
	}
	var unknown []string
	for k := range keys {
		if !known[k] || k == "-" || k == "" {
			unknown = append(unknown, fmt.Sprintf("%q", prefix+k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("policy: %s: unknown keys [%s]", f.Path, strings.Join(unknown, " "))
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		name := sf.Tag.Get("toml")
		prim, ok := keys[name]
		if name == "" || name == "-" || !ok {
			continue
		}
		key := prefix + name
		if sf.Tag.Get("tighten") == "struct" {
			var sub map[string]toml.Primitive
			if err := f.md.PrimitiveDecode(prim, &sub); err != nil {
				return fmt.Errorf("policy: %s: %s: %w", f.Path, key, err)
			}
			if err := f.walk(cur.Field(i), sub, key+".", fn); err != nil {
				return err
			}
			continue
		}
		val := reflect.New(sf.Type)
		if err := f.md.PrimitiveDecode(prim, val.Interface()); err != nil {
			return fmt.Errorf("policy: %s: %s: %w", f.Path, key, err)
		}
		if err := f.check(key, val.Elem()); err != nil {
			return fmt.Errorf("policy: %s: %w", f.Path, err)
		}
		if err := fn(key, cur.Field(i), val.Elem(), sf); err != nil {
			return err
		}
	}
	return nil
}

// check validates one decoded value, and resolves the stable lists a file
// names against its directory.
func (f *File) check(key string, v reflect.Value) error {
	switch key {
	case "fail_on":
		if _, err := model.ParseSeverity(v.String()); err != nil {
			return fmt.Errorf("fail_on: %w", err)
		}
	case "flags":
		for _, k := range v.MapKeys() {
			fl := v.MapIndex(k).Interface().(Flag)
			if fl.Add == "" || fl.Remove == "" {
				return fmt.Errorf("flags.%s needs both add and remove", k)
			}
			for _, e := range []Effect{fl.Add, fl.Remove} {
				if _, ok := effectRank[e]; !ok {
					return fmt.Errorf("flags.%s: unknown effect %q", k, e)
				}
			}
		}
	case "severity":
		for _, k := range v.MapKeys() {
			if _, err := model.ParseSeverity(v.MapIndex(k).String()); err != nil {
				return fmt.Errorf("severity.%s: %w", k, err)
			}
		}
	case "min_deprecation_releases", "min_deprecation_days", "text.min_rationale_words":
		if v.Int() < 0 {
			return fmt.Errorf("%s cannot be negative", key)
		}
	case "stable_lists":
		for i := range v.Len() {
			p, err := f.listPath(v.Index(i).String())
			if err != nil {
				return err
			}
			v.Index(i).SetString(p)
		}
	}
	return nil
}

// listPath resolves a stable list the file names: against the file's
// directory, and for a tree's file only inside it.
func (f *File) listPath(name string) (string, error) {
	dir := filepath.Dir(f.Path)
	if f.Origin != Tree {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name)
		}
		return name, nil
	}
	real, err := confinedPath(dir, name, MaxListSize)
	if err != nil {
		return "", fmt.Errorf("stable_lists: %w", err)
	}
	return real, nil
}

// confinedName refuses a path that could leave the directory it is
// relative to: absolute, with a ".." component, or empty.
func confinedName(name string) error {
	if name == "" || filepath.IsAbs(name) || strings.HasPrefix(name, "~") {
		return fmt.Errorf("%q: a policy file in the tree may only name files inside its directory, by relative path", name)
	}
	for _, part := range strings.Split(filepath.ToSlash(name), "/") {
		if part == ".." {
			return fmt.Errorf("%q: a policy file in the tree may not name files outside its directory (\"..\")", name)
		}
	}
	return nil
}

// ReadConfined reads the regular file name, relative to root, of at most
// max bytes, refusing one that a symbolic link takes outside root.
func ReadConfined(root, name string, max int64) ([]byte, error) {
	real, err := confinedPath(root, name, max)
	if err != nil {
		return nil, err
	}
	return readRegular(real, filepath.Join(root, name), max)
}

// MaxListSize bounds a stable list a tree's policy file names.
const MaxListSize = 16 << 20

// confinedPath resolves name, relative to root, to the real path of a
// regular file of at most max bytes inside root.
func confinedPath(root, name string, max int64) (string, error) {
	if err := confinedName(name); err != nil {
		return "", err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, name)
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if rel, err := filepath.Rel(realRoot, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s: a symbolic link leads outside %s", path, root)
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > max {
		return "", fmt.Errorf("%s: %d bytes, more than the %d it may have", path, st.Size(), max)
	}
	return real, nil
}

// readRegular reads the regular file at real (named path in errors), of
// at most max bytes.
func readRegular(real, path string, max int64) ([]byte, error) {
	fh, err := os.Open(real)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d a policy input may have", path, st.Size(), max)
	}
	return readLimited(fh, path, max)
}

// readBounded reads the operator's file at path, of at most max bytes; it
// may be a pipe.
func readBounded(path string, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	if st, err := fh.Stat(); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s: %w", path, fs.ErrInvalid)
	}
	return readLimited(fh, path, max)
}

func readLimited(r io.Reader, path string, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than the %d bytes a policy input may have", path, max)
	}
	return data, nil
}

// Apply sets what the file names over c, as its author meant it: a value
// replaces the default, a table (flags, severity, type_aliases) adds or
// replaces its entries, ignore and stable_lists add to the lists.
func (f *File) Apply(c *Config) error {
	return f.walk(reflect.ValueOf(c).Elem(), f.keys, "", func(_ string, cur, val reflect.Value, sf reflect.StructField) error {
		switch sf.Tag.Get("merge") {
		case "keys":
			if cur.IsNil() {
				cur.Set(reflect.MakeMap(cur.Type()))
			}
			for _, k := range val.MapKeys() {
				cur.SetMapIndex(k, val.MapIndex(k))
			}
		case "append":
			cur.Set(reflect.AppendSlice(cur, val))
		default:
			cur.Set(val)
		}
		return nil
	})
}

// effectRank orders the effects of a flag change from the most lenient
// to the strictest.
var effectRank = map[Effect]int{Informational: 0, Compatible: 1, EraDependent: 2, Breaking: 3}

// Tighten puts over c what the file names that makes the policy stricter,
// and nothing that relaxes it: the operator's policy wins, and a tree's
// may only tighten it. It returns a note for each setting it left out.
// ruleSeverity gives a rule's default severity, which the file may raise
// and not lower.
func (f *File) Tighten(c *Config, ruleSeverity func(id string) (model.Severity, bool)) ([]string, error) {
	var notes []string
	left := func(key, why string) {
		notes = append(notes, fmt.Sprintf("%s: %s not applied: %s", f.Path, key, why))
	}
	err := f.walk(reflect.ValueOf(c).Elem(), f.keys, "", func(key string, cur, val reflect.Value, sf reflect.StructField) error {
		switch rule := sf.Tag.Get("tighten"); rule {
		case "keep":
			if !reflect.DeepEqual(cur.Interface(), val.Interface()) {
				left(key, "only the operator's policy sets it")
			}
		case "max":
			if val.Int() > cur.Int() {
				cur.SetInt(val.Int())
			} else if val.Int() < cur.Int() {
				left(key, "it may only be raised")
			}
		case "failon":
			have, _ := model.ParseSeverity(cur.String())
			want, _ := model.ParseSeverity(val.String())
			if want > have { // fails on more findings
				cur.SetString(val.String())
			} else if want < have {
				left(key, "it may only fail on more findings")
			}
		case "union":
			for i := range val.Len() {
				if !slices.Contains(cur.Interface().([]string), val.Index(i).String()) {
					cur.Set(reflect.Append(cur, val.Index(i)))
				}
			}
		case "intersect":
			have, want := cur.Interface().([]string), val.Interface().([]string)
			kept := slices.DeleteFunc(slices.Clone(have), func(s string) bool { return !slices.Contains(want, s) })
			cur.Set(reflect.ValueOf(kept))
			for _, s := range want {
				if !slices.Contains(have, s) {
					left(key, fmt.Sprintf("adding %q would relax it", s))
				}
			}
		case "flags":
			tightenFlags(c, val.Interface().(map[string]Flag), func(k, why string) { left("flags."+k, why) })
		case "severity":
			for _, k := range val.MapKeys() {
				id := k.String()
				want, _ := model.ParseSeverity(val.MapIndex(k).String())
				have, known := ruleSeverity(id)
				if s, ok := c.Severity[id]; ok {
					have, _ = model.ParseSeverity(s)
					known = true
				}
				switch {
				case !known:
					left("severity."+id, "no such rule")
				case want < have: // more severe
					if c.Severity == nil {
						c.Severity = map[string]string{}
					}
					c.Severity[id] = want.String()
				case want > have:
					left("severity."+id, "it may only be raised")
				}
			}
		default:
			return fmt.Errorf("policy: key %s has no tighten rule %q", key, rule)
		}
		return nil
	})
	return notes, err
}

// tightenFlags applies a tree's flag table over c's: an effect may only
// become stricter, and a flag the operator's table lacks is taken only
// when both its effects break callers, which reports more than an
// unknown flag does.
func tightenFlags(c *Config, flags map[string]Flag, left func(flag, why string)) {
	for name, fl := range flags {
		have, ok := c.Flags[name]
		if !ok {
			if effectRank[fl.Add] < effectRank[EraDependent] || effectRank[fl.Remove] < effectRank[EraDependent] {
				left(name, "a flag the operator's policy does not know may only be added as breaking")
				continue
			}
			fl.AddCompatibleWith = nil
			c.Flags[name] = fl
			continue
		}
		stricter := func(have, want Effect) Effect {
			if effectRank[want] > effectRank[have] {
				return want
			}
			if effectRank[want] < effectRank[have] {
				left(name, fmt.Sprintf("%s would relax %s", want, have))
			}
			return have
		}
		have.Add = stricter(have.Add, fl.Add)
		have.Remove = stricter(have.Remove, fl.Remove)
		if fl.AddCompatibleWith != nil {
			have.AddCompatibleWith = slices.DeleteFunc(slices.Clone(have.AddCompatibleWith), func(s string) bool { return !slices.Contains(fl.AddCompatibleWith, s) })
		}
		c.Flags[name] = have
	}
}

// Find looks for FileName in dir and its parents and returns its path, or
// "" when there is none.
func Find(dir string) string {
	for {
		p := filepath.Join(dir, FileName)
		if _, err := os.Lstat(p); err == nil {
			return p
		} else if !errors.Is(err, fs.ErrNotExist) {
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
