// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"bytes"
	"compress/gzip"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// This file is an independent reader of .BTF_ids and .BTF, written
// against the layouts in DOMAIN.md §5 with debug/elf and a raw walk of the
// BTF type section. It shares no code with the package, so that tests can
// hold the package's answers against it.

// refBTF is what the tests need of one BTF blob: the name of each FUNC by
// type id, and how many ids and string bytes it spans (split BTF numbers
// its types and strings after its base's).
type refBTF struct {
	funcs   map[uint32]string
	tagged  map[string]bool // FUNCs with a bpf_kfunc decl tag
	lastID  uint32
	strEnd  uint32
	strs    []byte // the string section; a split blob's follows its base's
	base    *refBTF
	byOrder binary.ByteOrder
}

// str returns the string at off, which a split blob may take from its base.
func (r *refBTF) str(off uint32) string {
	if r.base != nil && off < r.base.strEnd {
		return r.base.str(off)
	}
	if r.base != nil {
		off -= r.base.strEnd
	}
	end := bytes.IndexByte(r.strs[off:], 0)
	return string(r.strs[off : off+uint32(end)])
}

// refParseBTF walks a raw BTF blob; base is nil for a kernel, the
// kernel's blob for a module's split BTF.
func refParseBTF(t testing.TB, data []byte, base *refBTF) *refBTF {
	t.Helper()
	if len(data) < 24 {
		t.Fatalf("BTF blob of %d bytes", len(data))
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint16(data) == 0xeb9f {
		bo = binary.BigEndian
	} else if bo.Uint16(data) != 0xeb9f {
		t.Fatalf("bad BTF magic %x", data[:2])
	}
	hdrLen := bo.Uint32(data[4:])
	typeOff, typeLen := bo.Uint32(data[8:]), bo.Uint32(data[12:])
	strOff, strLen := bo.Uint32(data[16:]), bo.Uint32(data[20:])
	types := data[hdrLen+typeOff : hdrLen+typeOff+typeLen]
	strs := data[hdrLen+strOff : hdrLen+strOff+strLen]
	r := &refBTF{funcs: map[uint32]string{}, tagged: map[string]bool{}, byOrder: bo, strEnd: strLen, strs: strs, base: base}
	id := uint32(1)
	if base != nil {
		id = base.lastID + 1
		r.strEnd += base.strEnd
	}
	str := r.str
	tags := map[uint32]bool{}
	for off := 0; off < len(types); id++ {
		nameOff, info, typ := bo.Uint32(types[off:]), bo.Uint32(types[off+4:]), bo.Uint32(types[off+8:])
		kind, vlen := (info>>24)&0x1f, int(info&0xffff)
		off += 12
		switch kind {
		case 12: // FUNC
			r.funcs[id] = str(nameOff)
		case 17: // DECL_TAG: u32 component_idx follows
			if int32(bo.Uint32(types[off:])) == -1 && str(nameOff) == "bpf_kfunc" {
				tags[typ] = true
			}
		}
		switch kind {
		case 1, 14, 17: // INT, VAR, DECL_TAG
			off += 4
		case 3: // ARRAY
			off += 12
		case 4, 5, 15, 19: // STRUCT, UNION, DATASEC, ENUM64
			off += 12 * vlen
		case 6, 13: // ENUM, FUNC_PROTO
			off += 8 * vlen
		case 2, 7, 8, 9, 10, 11, 12, 16, 18: // no extra data
		default:
			t.Fatalf("unknown BTF kind %d", kind)
		}
	}
	r.lastID = id - 1
	for tid := range tags {
		if n, ok := r.funcs[tid]; ok {
			r.tagged[n] = true
		}
	}
	return r
}

// refSet is one set8 of .BTF_ids.
type refSet struct {
	name  string
	off   uint64 // of the set's header in .BTF_ids
	flags uint32
	pairs []refPair
}

// refPair is one {id, flags} pair and the name of the FUNC its id names.
type refPair struct {
	id, flags uint32
	name      string
}

// refKernel is a built kernel or module as the reference reader sees it.
type refKernel struct {
	btf  *refBTF
	sets []refSet
	// labels are the __BTF_ID__func__<name>__N labels by offset in
	// .BTF_ids, with <name> only.
	labels map[uint64]string
}

// gunzipFixture decompresses a gzipped fixture into the test's temporary
// directory and returns the new file's path.
func gunzipFixture(t testing.TB, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(path), ".gz"))
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, zr); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// refRead reads the set8 sets of an ELF file, naming each pair by its
// FUNC id; base is the kernel's BTF for a module.
func refRead(t testing.TB, path string, base *refBTF) *refKernel {
	t.Helper()
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	btfData, err := ef.Section(".BTF").Data()
	if err != nil {
		t.Fatal(err)
	}
	k := &refKernel{btf: refParseBTF(t, btfData, base), labels: map[uint64]string{}}
	idsSec := ef.Section(".BTF_ids")
	ids, err := idsSec.Data()
	if err != nil {
		t.Fatal(err)
	}
	syms, err := ef.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	bo := ef.ByteOrder
	for _, s := range syms {
		if fn, ok := strings.CutPrefix(s.Name, "__BTF_ID__func__"); ok && s.Value >= idsSec.Addr {
			k.labels[s.Value-idsSec.Addr] = fn[:strings.LastIndex(fn, "__")]
		}
		name, ok := strings.CutPrefix(s.Name, "__BTF_ID__set8__")
		if !ok {
			continue
		}
		off := s.Value - idsSec.Addr
		set := refSet{name: name, off: off, flags: bo.Uint32(ids[off+4:])}
		cnt := bo.Uint32(ids[off:])
		if uint64(cnt) != s.Size/8-1 {
			t.Fatalf("%s: set %s counts %d pairs, its symbol spans %d bytes", path, name, cnt, s.Size)
		}
		for i := range uint64(cnt) {
			p := off + 8 + 8*i
			id := bo.Uint32(ids[p:])
			fn := k.btf.funcs[id]
			if base != nil && fn == "" {
				fn = base.funcs[id]
			}
			if id != 0 && fn == "" {
				t.Fatalf("%s: set %s: id %d is no FUNC", path, name, id)
			}
			set.pairs = append(set.pairs, refPair{id: id, flags: bo.Uint32(ids[p+4:]), name: fn})
		}
		k.sets = append(k.sets, set)
	}
	return k
}

// kfuncSets returns the set8s that are kfunc sets. Since v6.9 a set8's
// own flags word marks them (bit 0, BTF_SET8_KFUNCS); before it, every
// set8 was one.
func (k *refKernel) kfuncSets() []refSet {
	marked := slices.ContainsFunc(k.sets, func(s refSet) bool { return s.flags&1 != 0 })
	var out []refSet
	for _, s := range k.sets {
		if !marked || s.flags&1 != 0 {
			out = append(out, s)
		}
	}
	return out
}

// kfuncFlags gives, for every kfunc the kfunc sets list, its flags word
// in each set.
func (k *refKernel) kfuncFlags() map[string]map[string]uint32 {
	out := map[string]map[string]uint32{}
	for _, s := range k.kfuncSets() {
		for _, p := range s.pairs {
			if p.id == 0 {
				continue
			}
			if out[p.name] == nil {
				out[p.name] = map[string]uint32{}
			}
			out[p.name][s.name] |= p.flags
		}
	}
	return out
}
