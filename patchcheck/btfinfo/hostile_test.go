// SPDX-License-Identifier: GPL-2.0-only

package btfinfo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
)

// rawType is one BTF type record as the format lays it out
// (include/uapi/linux/btf.h): name offset, info (kind in bits 24-28, vlen
// in 0-15), size or type, then the kind's own data.
type rawType struct {
	name, kind, vlen, typ uint32
	extra                 []uint32
}

// BTF kinds, from include/uapi/linux/btf.h.
const (
	kindInt       = 1
	kindPtr       = 2
	kindVolatile  = 9
	kindConst     = 10
	kindFunc      = 12
	kindFuncProto = 13
	kindDeclTag   = 17
)

// rawBTF lays out a raw BTF blob by hand, so that shapes no BTF writer
// would produce (loops) can be tried. strs starts with the empty string.
func rawBTF(types []rawType, strs string) []byte {
	le := binary.LittleEndian
	var tb []byte
	for _, t := range types {
		tb = le.AppendUint32(tb, t.name)
		tb = le.AppendUint32(tb, t.kind<<24|t.vlen)
		tb = le.AppendUint32(tb, t.typ)
		for _, x := range t.extra {
			tb = le.AppendUint32(tb, x)
		}
	}
	h := le.AppendUint16(nil, 0xeB9F)
	h = append(h, 1, 0)
	h = le.AppendUint32(h, 24)
	h = le.AppendUint32(h, 0)
	h = le.AppendUint32(h, uint32(len(tb)))
	h = le.AppendUint32(h, uint32(len(tb)))
	h = le.AppendUint32(h, uint32(len(strs)))
	return append(append(h, tb...), strs...)
}

// loopShapes are BTF blobs whose kfunc's type never ends: every path that
// writes or compares a prototype must refuse them with the type's name,
// never overflow the stack (issue 17: a 233-byte BTF crashed every BTF
// path in btfinfo.declare).
func loopShapes() map[string][]byte {
	const strs = "\x00f\x00bpf_kfunc\x00x\x00"
	tag := rawType{name: 3, kind: kindDeclTag, typ: 4, extra: []uint32{0xffffffff}}
	return map[string][]byte{
		// [1] CONST -> [2] VOLATILE -> [1]; the prototype returns it.
		"const-volatile loop": rawBTF([]rawType{
			{kind: kindConst, typ: 2}, {kind: kindVolatile, typ: 1},
			{kind: kindFuncProto, typ: 1}, {name: 1, kind: kindFunc, typ: 3}, tag,
		}, strs),
		// [1] PTR -> [2] FUNC_PROTO whose parameter is [1].
		"func_proto-ptr loop": rawBTF([]rawType{
			{kind: kindPtr, typ: 2}, {kind: kindFuncProto, vlen: 1, typ: 0, extra: []uint32{13, 1}},
			{kind: kindFuncProto, vlen: 1, typ: 0, extra: []uint32{13, 1}}, {name: 1, kind: kindFunc, typ: 3}, tag,
		}, strs),
		// [1] PTR -> [1].
		"pointer to itself": rawBTF([]rawType{
			{kind: kindPtr, typ: 1}, {kind: kindFuncProto, typ: 1}, {kind: kindFunc, name: 1, typ: 2},
			{name: 3, kind: kindDeclTag, typ: 3, extra: []uint32{0xffffffff}},
		}, strs),
	}
}

func TestLoopingBTF(t *testing.T) {
	for name, raw := range loopShapes() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "loop.btf")
			if err := os.WriteFile(path, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			k, err := Load(path, "")
			if err == nil {
				t.Fatalf("loaded %d kfuncs from a looping type", len(k.Kfuncs))
			}
			if !strings.Contains(err.Error(), "loop.btf") || !strings.Contains(err.Error(), "f: type") {
				t.Errorf("error does not name the file, the kfunc and the type: %v", err)
			}
			// The program side reads the same types: a use whose
			// prototype loops is the object's error.
			var fn *btf.Func
			spec, err := btf.LoadSpecFromReader(bytes.NewReader(raw))
			if err != nil {
				t.Skipf("cilium/ebpf refuses it itself: %v", err)
			}
			if err := spec.TypeByName("f", &fn); err != nil {
				t.Fatal(err)
			}
			if _, err := newUse(fn, false, "prog.o"); err == nil {
				t.Error("a use with a looping prototype was read")
			}
			if _, err := shapeOfFunc(fn); err == nil {
				t.Error("the compat rule read a looping prototype")
			}
		})
	}
}

// TestDeepButFiniteTypes: a chain of 10,000 pointers and one of 10,000
// modifiers end, but no kernel writes them; they are refused as too deep,
// in bounded time.
func TestDeepButFiniteTypes(t *testing.T) {
	for _, kind := range []uint32{kindPtr, kindConst} {
		const n = 10000
		var types []rawType
		types = append(types, rawType{kind: kindInt, typ: 4, extra: []uint32{32}})
		for i := 2; i <= n; i++ {
			types = append(types, rawType{kind: kind, typ: uint32(i - 1)})
		}
		types = append(types, rawType{kind: kindFuncProto, typ: n},
			rawType{name: 1, kind: kindFunc, typ: n + 1},
			rawType{name: 3, kind: kindDeclTag, typ: n + 2, extra: []uint32{0xffffffff}})
		path := filepath.Join(t.TempDir(), "deep.btf")
		if err := os.WriteFile(path, rawBTF(types, "\x00f\x00bpf_kfunc\x00"), 0o644); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := Load(path, "")
		if err == nil || !strings.Contains(err.Error(), "nests deeper") {
			t.Errorf("kind %d: %v", kind, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("kind %d: %v", kind, d)
		}
	}
}

// manyKfuncs builds a raw BTF of n kfuncs sharing one prototype: 200,000
// make 8.7 MB, the shape issue 17 measured at 1.3 GB.
func manyKfuncs(t testing.TB, n int) []byte {
	b, err := btf.NewBuilder(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	u64 := &btf.Typedef{Name: "u64", Type: &btf.Int{Name: "long long unsigned int", Size: 8}}
	task := &btf.Pointer{Target: &btf.Struct{Name: "task_struct", Size: 8}}
	proto := &btf.FuncProto{Return: task, Params: []btf.FuncParam{{Name: "p", Type: task}, {Name: "flags", Type: u64}}}
	for i := range n {
		if _, err := b.Add(&btf.Func{Name: fmt.Sprintf("bpf_kfunc_number_%d", i), Type: proto, Linkage: btf.GlobalFunc, Tags: []string{"bpf_kfunc"}}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// peakHeap runs f and returns the most heap it had in use, sampled.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var m runtime.MemStats
		var top uint64
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapInuse)
			select {
			case <-done:
				peak <- top
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	f()
	close(done)
	top := <-peak
	if top < base.HeapInuse {
		return 0
	}
	return top - base.HeapInuse
}

func TestManyKfuncs(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	raw := manyKfuncs(t, 200000)
	path := filepath.Join(t.TempDir(), "many.btf")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var k *Kernel
	var err error
	start := time.Now()
	heap := peakHeap(func() { k, err = Load(path, "") })
	elapsed := time.Since(start)
	if err != nil || len(k.Kfuncs) != 200000 {
		t.Fatalf("%v, %d kfuncs", err, len(k.Kfuncs))
	}
	t.Logf("200,000 kfuncs, %d bytes of BTF: %v, %d MB of heap at the peak", len(raw), elapsed.Round(time.Millisecond), heap>>20)
	if heap > 600<<20 || elapsed > 20*time.Second {
		t.Errorf("200,000 kfuncs: %v and %d MB", elapsed, heap>>20)
	}
}
