// SPDX-License-Identifier: GPL-2.0-only
/*
 * libbpf-verdicts asks libbpf itself how it would resolve kfunc externs,
 * for the tests of package btfinfo (libbpf_test.go builds it against the
 * system's static libbpf.a and compares). It calls the two functions
 * libbpf's bpf_object__resolve_ksym_func_btf_id() decides with, which
 * libbpf.a holds as hidden globals: bpf_core_essential_name_len() and
 * bpf_core_types_are_compat(), and looks names up the way find_ksym_btf_id()
 * does, with btf__find_by_name_kind().
 *
 * usage:
 *   libbpf-verdicts objects KERNEL OBJ...  one line per FUNC extern of each
 *       object's .ksyms: OBJ NAME ESSENTIAL FOUND COMPAT
 *   libbpf-verdicts pair LOCAL KERNEL NAME...  one line per NAME: the FUNC
 *       NAME of LOCAL against the kernel's: NAME ESSENTIAL FOUND COMPAT
 *   libbpf-verdicts names NAME...  one line per NAME: NAME ESSENTIAL
 * FOUND is 1 when the kernel has a FUNC of the essential name; COMPAT is
 * bpf_core_types_are_compat()'s result (1 compatible, 0 not, <0 error),
 * or - when not found.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>

size_t bpf_core_essential_name_len(const char *name);
int bpf_core_types_are_compat(const struct btf *local_btf, __u32 local_id,
			      const struct btf *targ_btf, __u32 targ_id);

static void judge(const char *prefix, const struct btf *local, const struct btf_type *fn,
		  const struct btf *kern)
{
	const char *name = btf__name_by_offset(local, fn->name_off);
	char ess[512];
	size_t n = bpf_core_essential_name_len(name);
	int id;

	if (n >= sizeof(ess))
		n = sizeof(ess) - 1;
	memcpy(ess, name, n);
	ess[n] = 0;
	id = btf__find_by_name_kind(kern, ess, BTF_KIND_FUNC);
	if (id <= 0) {
		printf("%s%s %s 0 -\n", prefix, name, ess);
		return;
	}
	printf("%s%s %s 1 %d\n", prefix, name, ess,
	       bpf_core_types_are_compat(local, fn->type, kern, btf__type_by_id(kern, id)->type));
}

static int objects(int argc, char **argv)
{
	struct btf *kern = btf__parse(argv[0], NULL);
	int i;

	if (!kern) {
		fprintf(stderr, "%s: cannot read BTF\n", argv[0]);
		return 1;
	}
	for (i = 1; i < argc; i++) {
		struct btf *obj = btf__parse_elf(argv[i], NULL);
		const struct btf_var_secinfo *v;
		const struct btf_type *sec;
		char prefix[4096];
		int id, j;

		if (!obj) {
			printf("%s error\n", argv[i]);
			continue;
		}
		snprintf(prefix, sizeof(prefix), "%s ", argv[i]);
		id = btf__find_by_name_kind(obj, ".ksyms", BTF_KIND_DATASEC);
		if (id > 0) {
			sec = btf__type_by_id(obj, id);
			v = btf_var_secinfos(sec);
			for (j = 0; j < btf_vlen(sec); j++, v++) {
				const struct btf_type *t = btf__type_by_id(obj, v->type);

				if (btf_is_func(t))
					judge(prefix, obj, t, kern);
			}
		}
		btf__free(obj);
	}
	btf__free(kern);
	return 0;
}

static int pair(int argc, char **argv)
{
	struct btf *local = btf__parse(argv[0], NULL);
	struct btf *kern = btf__parse(argv[1], NULL);
	int i;

	if (!local || !kern) {
		fprintf(stderr, "cannot read BTF\n");
		return 1;
	}
	for (i = 2; i < argc; i++) {
		int id = btf__find_by_name_kind(local, argv[i], BTF_KIND_FUNC);

		if (id <= 0) {
			fprintf(stderr, "%s: no FUNC in %s\n", argv[i], argv[0]);
			return 1;
		}
		judge("", local, btf__type_by_id(local, id), kern);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int i;

	if (argc >= 3 && !strcmp(argv[1], "objects"))
		return objects(argc - 2, argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "pair"))
		return pair(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "names")) {
		for (i = 2; i < argc; i++)
			printf("%s %.*s\n", argv[i], (int)bpf_core_essential_name_len(argv[i]), argv[i]);
		return 0;
	}
	fprintf(stderr, "usage: libbpf-verdicts objects KERNEL OBJ... | pair LOCAL KERNEL NAME... | names NAME...\n");
	return 2;
}
