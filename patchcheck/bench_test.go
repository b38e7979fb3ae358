// SPDX-License-Identifier: GPL-2.0-only

package patchcheck_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/kfunccheck/kfunccheck/patchcheck"
	"github.com/kfunccheck/kfunccheck/patchcheck/input"
	"github.com/kfunccheck/kfunccheck/patchcheck/model"
	"github.com/kfunccheck/kfunccheck/patchcheck/pipeline"
	"github.com/kfunccheck/kfunccheck/patchcheck/policy"
)

var benchOptions = patchcheck.Options{Policy: policy.Default()}

// checkAll reads and checks one input held in memory, the way the CLI
// does, and returns the number of patches.
func checkAll(b testing.TB, data []byte) int {
	n := 0
	err := input.Read("-", input.Options{Stdin: bytes.NewReader(data)}, func(s *model.Series) {
		n += len(patchcheck.CheckSeries(s, benchOptions))
	})
	if err != nil && !strings.Contains(err.Error(), "no patch found") && !strings.Contains(err.Error(), "@@ counts") {
		b.Fatal(err)
	}
	return n
}

func loadFiles(b testing.TB, root string) ([][]byte, int64) {
	var out [][]byte
	var size int64
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".tsv") || strings.HasSuffix(path, "README.md") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, data)
		size += int64(len(data))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out, size
}

func benchFiles(b *testing.B, files [][]byte, size int64) {
	b.SetBytes(size)
	b.ReportAllocs()
	patches := 0
	for b.Loop() {
		patches = 0
		for _, f := range files {
			patches += checkAll(b, f)
		}
	}
	b.ReportMetric(float64(patches)*float64(b.N)/b.Elapsed().Seconds(), "patches/s")
}

// BenchmarkTestdata checks every shipped fixture: realistic patches to
// kfunc files, where extraction and every rule run.
func BenchmarkTestdata(b *testing.B) {
	files, size := loadFiles(b, "../rules/testdata")
	benchFiles(b, files, size)
}

// BenchmarkCorpus checks the 1,844 real kernel patches of ../shared when
// present (none touch kfunc sets: parsing dominates).
func BenchmarkCorpus(b *testing.B) {
	root := "../../shared/corpus/real-patches"
	if _, err := os.Stat(root); err != nil {
		b.Skipf("corpus not present (%v): it lives in ../shared beside the repository", err)
	}
	files, size := loadFiles(b, root)
	benchFiles(b, files, size)
}

// BenchmarkCorpusPipeline checks the corpus files the way the CLI does:
// on every core, messages without a kfunc marker read lightly. Compare
// with BenchmarkCorpus, the serial full reading.
func BenchmarkCorpusPipeline(b *testing.B) {
	root := "../../shared/corpus/real-patches"
	if _, err := os.Stat(root); err != nil {
		b.Skipf("corpus not present (%v): it lives in ../shared beside the repository", err)
	}
	var paths []string
	var size int64
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".tsv") || strings.HasSuffix(path, "README.md") {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		paths = append(paths, path)
		size += info.Size()
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	patches := 0
	for b.Loop() {
		patches = 0
		err := pipeline.Run(paths, pipeline.Options{Check: benchOptions, Light: true}, func(ev pipeline.Event) error {
			patches += len(ev.Results)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(patches)*float64(b.N)/b.Elapsed().Seconds(), "patches/s")
}

// largePatch builds a format-patch of about size bytes whose hunks are all
// kfunc code: set entries and __bpf_kfunc definitions, the worst case.
func largePatch(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From 0123456789012345678901234567890123456789 Mon Sep 17 00:00:00 2001\nFrom: Dev <dev@example.org>\n" +
		"Subject: [PATCH] bpf: big\n\nBig change.\n---\ndiff --git a/kernel/bpf/helpers.c b/kernel/bpf/helpers.c\n--- a/kernel/bpf/helpers.c\n+++ b/kernel/bpf/helpers.c\n")
	line := 1
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "@@ -%d,7 +%d,7 @@ BTF_KFUNCS_START(set_%d)\n", line, line, i%50)
		fmt.Fprintf(&b, " BTF_ID_FLAGS(func, bpf_k%d_a, KF_ACQUIRE | KF_RET_NULL)\n", i)
		fmt.Fprintf(&b, "-BTF_ID_FLAGS(func, bpf_k%d_b, KF_RCU)\n+BTF_ID_FLAGS(func, bpf_k%d_b, KF_RCU | KF_TRUSTED_ARGS)\n", i, i)
		fmt.Fprintf(&b, " \n-__bpf_kfunc int bpf_k%d_b(struct task_struct *p, u32 n__k)\n+__bpf_kfunc int bpf_k%d_b(struct task_struct *p, u64 n__k)\n", i, i)
		b.WriteString(" {\n \treturn 0;\n }\n")
		line += 100
	}
	b.WriteString("-- \n2.39.5\n")
	return b.Bytes()
}

// BenchmarkLargePatch shows time linear in the size of one patch.
func BenchmarkLargePatch(b *testing.B) {
	for _, mb := range []int{1, 4, 12} {
		data := largePatch(mb << 20)
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if checkAll(b, data) != 1 {
					b.Fatal("want one patch")
				}
			}
		})
	}
}

// TestStreamingMemory streams a 100 MB mbox through the reader and the
// engine: the heap must stay bounded by a message, not the input.
func TestStreamingMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 100 MB")
	}
	msg := largePatch(256 << 10)
	const count = 400 // ~100 MB
	pr, pw := io.Pipe()
	go func() {
		for i := 0; i < count; i++ {
			pw.Write(msg)
			pw.Write([]byte("\n"))
		}
		pw.Close()
	}()
	var peak uint64
	var ms runtime.MemStats
	patches := 0
	err := input.Read("-", input.Options{Stdin: pr}, func(s *model.Series) {
		patches += len(patchcheck.CheckSeries(s, patchcheck.Options{}))
		if patches%50 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if patches != count {
		t.Fatalf("%d patches, want %d", patches, count)
	}
	if peak > 64<<20 {
		t.Errorf("heap reached %d MiB while streaming 100 MB", peak>>20)
	}
}

// BenchmarkCorpusLargest checks the 50 largest real patches of the
// corpus: the set checkpatch.pl needs 224 s for.
func BenchmarkCorpusLargest(b *testing.B) {
	root := "../../shared/corpus/real-patches"
	if _, err := os.Stat(root); err != nil {
		b.Skipf("corpus not present (%v): it lives in ../shared beside the repository", err)
	}
	files, _ := loadFiles(b, root)
	slices.SortFunc(files, func(x, y []byte) int { return len(y) - len(x) })
	files = files[:50]
	var size int64
	for _, f := range files {
		size += int64(len(f))
	}
	benchFiles(b, files, size)
}
