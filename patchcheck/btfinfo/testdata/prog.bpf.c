// SPDX-License-Identifier: GPL-2.0-only
/*
 * A BPF program that calls kfuncs, for the btf uses/compat tests; built by
 * build-prog.sh. It declares the kernel types it needs itself, as a
 * program built against a vmlinux.h would see them.
 */
#define SEC(name) __attribute__((section(name), used))
#define __ksym __attribute__((section(".ksyms")))
#define __weak __attribute__((weak))

typedef unsigned int u32;
typedef unsigned long long u64;

struct task_struct {
	int pid;
};

struct bpf_dynptr {
	u64 __opaque[2];
} __attribute__((aligned(8)));

extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset, void *buffer__opt, u32 buffer__szk) __ksym;
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;
extern int bpf_old_thing(struct task_struct *p) __ksym __weak;
extern int bpf_gone_for_good(struct task_struct *p) __ksym;

SEC("tp_btf/task_newtask")
int on_newtask(u64 *ctx)
{
	struct task_struct *t = (struct task_struct *)ctx[0];
	struct task_struct *a = bpf_task_acquire(t);
	struct bpf_dynptr d = {};
	char buf[4];
	int ret = 0;

	if (!a)
		return 0;
	if (bpf_dynptr_slice(&d, 0, buf, sizeof(buf)))
		ret = 1;
	if (bpf_cast_to_kern_ctx(ctx))
		ret++;
	if (bpf_old_thing)
		ret += bpf_old_thing(a);
	ret += bpf_gone_for_good(a);
	bpf_task_release(a);
	return ret;
}

char _license[] SEC("license") = "GPL";
