#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Generate kfunccheck's patch fixtures from real kernel files.

Builds a git repository holding real files of Linux 6.12 (and 6.1 for the
pre-__bpf_kfunc era), commits a baseline in which some kfuncs carry
KF_STABLE / KF_DEPRECATED (upstream never merged KF_STABLE), then makes one
commit per scenario and exports it with git format-patch. Each case's
expected findings are written as git notes, which format-patch --notes puts
after the "---" line, where git am drops them:

    kfunccheck-want: RULE_ID kfunc [severity]
    kfunccheck-stable-list: kfunc ...      (a --stable-list for the case)

A case without want lines expects no finding at all (all severities).
Usage: gen-testdata.py KSRC_6_12 KSRC_6_1 (see gen-testdata.sh).
"""
import base64
import email.policy
import gzip
import os
import quopri
import shutil
import subprocess
import sys
import tempfile
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

K612, K61 = sys.argv[1], sys.argv[2]
ROOT = os.getcwd()
RULES = os.path.join(ROOT, "rules", "testdata")
EXAMPLES = os.path.join(ROOT, "testdata", "examples")
MAILDATA = os.path.join(ROOT, "patchcheck", "mail", "testdata")

HELPERS = "kernel/bpf/helpers.c"
CPUMASK = "kernel/bpf/cpumask.c"
DOC = "Documentation/bpf/kfuncs.rst"
CT = "net/netfilter/nf_conntrack_bpf.c"
LSM = "kernel/bpf/bpf_lsm.c"
TEST_RUN = "net/bpf/test_run.c"
TASK_ITER = "kernel/bpf/task_iter.c"
XDP_C = "net/core/xdp.c"
XDP_H = "include/net/xdp.h"
SOB = "Signed-off-by: Jane Developer <jane@example.org>"
TO_BPF = ["--to=bpf@vger.kernel.org", "--cc=Alexei Starovoitov <ast@kernel.org>"]

env = dict(os.environ, GIT_AUTHOR_NAME="Jane Developer", GIT_AUTHOR_EMAIL="jane@example.org",
           GIT_COMMITTER_NAME="Jane Developer", GIT_COMMITTER_EMAIL="jane@example.org",
           GIT_AUTHOR_DATE="2026-03-02T10:00:00+00:00", GIT_COMMITTER_DATE="2026-03-02T10:00:00+00:00",
           GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", TZ="UTC")
repo = tempfile.mkdtemp(prefix="kfc-gen-")


def git(*args, capture=False):
    r = subprocess.run(["git", "-C", repo, *args], env=env, check=True,
                       stdout=subprocess.PIPE if capture else subprocess.DEVNULL)
    return r.stdout.decode() if capture else None


def edit(path, old, new, count=1):
    p = os.path.join(repo, path)
    with open(p) as f:
        s = f.read()
    n = s.count(old)
    if n != count:
        sys.exit(f"{path}: expected {count} match(es) of {old[:60]!r}, found {n}")
    with open(p, "w") as f:
        f.write(s.replace(old, new))


def commit(msg):
    git("add", "-A")
    git("commit", "-q", "-m", msg)


def export(case_dir, notes, extra=(), n=1, name=None, cover=False):
    """format-patch the last n commits into case_dir (a file when n == 1)."""
    if notes:
        git("notes", "add", "-f", "-m", "\n".join(notes), "HEAD")
    out = tempfile.mkdtemp()
    args = ["format-patch", "-q", "--notes", "--signature=kfunccheck-testdata",
            "--subject-prefix=PATCH bpf-next", "-o", out, *extra]
    if cover:
        args.append("--cover-letter")
    git(*args, f"-{n}")
    files = sorted(os.listdir(out))
    if n == 1 and not cover:
        dst = os.path.join(case_dir, (name or files[0]))
        os.makedirs(case_dir, exist_ok=True)
        shutil.copy(os.path.join(out, files[0]), dst)
        return dst
    dst = os.path.join(case_dir, name)
    shutil.rmtree(dst, ignore_errors=True)
    os.makedirs(dst)
    for f in files:
        shutil.copy(os.path.join(out, f), dst)
    return dst


def branch(name):
    git("checkout", "-q", "-B", name, "baseline")


def want(*items):
    return ["kfunccheck-want: " + i for i in items]


def want_repo(*items):
    """Findings expected with the whole tree in view (-g, --repo) where
    they differ from the patch-only ones; "none" for none."""
    return ["kfunccheck-want-repo: " + i for i in items]


shutil.rmtree(RULES, ignore_errors=True)
# --- the tree --------------------------------------------------------------
git("init", "-q", "-b", "main")
for src, rel in ((K612, HELPERS), (K612, CPUMASK), (K612, DOC), (K61, CT), (K612, LSM), (K612, TEST_RUN),
                 (K612, TASK_ITER), (K612, XDP_C), (K612, XDP_H)):
    os.makedirs(os.path.join(repo, os.path.dirname(rel)), exist_ok=True)
    shutil.copy(os.path.join(src, rel), os.path.join(repo, rel))
commit("Linux 6.12 kfunc files (and 6.1 nf_conntrack_bpf.c)")
# The stable baseline: what a tree with the stable-kfunc process would hold.
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)",
     "BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_STABLE)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE)",
     "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_cgroup_ancestor, KF_ACQUIRE | KF_RCU | KF_RET_NULL)",
     "BTF_ID_FLAGS(func, bpf_cgroup_ancestor, KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_STABLE | KF_DEPRECATED)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_rbtree_first, KF_RET_NULL)",
     "BTF_ID_FLAGS(func, bpf_rbtree_first, KF_RET_NULL | KF_DEPRECATED)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_rdonly_cast)\n", "BTF_ID_FLAGS(func, bpf_rdonly_cast, KF_STABLE)\n")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_dynptr_slice, KF_RET_NULL)",
     "BTF_ID_FLAGS(func, bpf_dynptr_slice, KF_RET_NULL | KF_STABLE)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_dynptr_adjust)\n", "BTF_ID_FLAGS(func, bpf_dynptr_adjust, KF_STABLE)\n")
edit(CPUMASK, "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU)", "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)")
# A kfunc whose entry (helpers.c) is in another file than its definition
# (task_iter.c).
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_iter_task_new, KF_ITER_NEW | KF_TRUSTED_ARGS | KF_RCU_PROTECTED)",
     "BTF_ID_FLAGS(func, bpf_iter_task_new, KF_ITER_NEW | KF_TRUSTED_ARGS | KF_RCU_PROTECTED | KF_STABLE)")
commit("bpf: stable kfunc baseline for kfunccheck fixtures")
git("branch", "-f", "baseline")
# The baseline tree itself, so that tests can rebuild the repository and
# apply the fixtures with git am (git and -g checks need the whole files).
TREE = os.path.join(ROOT, "testdata", "tree")
shutil.rmtree(TREE, ignore_errors=True)
for rel in (HELPERS, CPUMASK, DOC, CT, LSM, TEST_RUN, TASK_ITER, XDP_C, XDP_H):
    os.makedirs(os.path.join(TREE, os.path.dirname(rel)), exist_ok=True)
    shutil.copy(os.path.join(repo, rel), os.path.join(TREE, rel))

GOOD_RATIONALE = """bpf: Mark bpf_cgroup_acquire() as a stable kfunc

bpf_cgroup_acquire() has been used in production for more than two years
by the cgroup-aware schedulers of the sched_ext project and by our fleet's
resource accounting agent. Its API has not needed any extension since it
was added, and KF_RCU | KF_RET_NULL cover every caller we know of, so we
ask for it to be promoted to a stable kfunc.

Link: https://github.com/sched-ext/scx
""" + SOB

cases = []  # (rule dir, name, notes, stable list)


def case(rule, name, notes=(), extra=TO_BPF, stable=()):
    n = list(notes)
    if stable:
        n.append("kfunccheck-stable-list: " + " ".join(stable))
    return export(os.path.join(RULES, rule), n, extra=extra, name=name + ".patch")


ACQ = "BTF_ID_FLAGS(func, bpf_cgroup_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL)"

# Promotions ---------------------------------------------------------------
branch("promote-no-rationale")
edit(HELPERS, ACQ, ACQ[:-1] + " | KF_STABLE)")
commit("bpf: Mark bpf_cgroup_acquire() stable\n\n" + SOB)
p = case("STABLE_PROMOTION_RATIONALE", "promote-no-rationale", want("STABLE_PROMOTION_RATIONALE bpf_cgroup_acquire"))
shutil.copy(p, os.path.join(EXAMPLES, "0001-bpf-Mark-bpf_cgroup_acquire-stable.patch")) if os.path.isdir(EXAMPLES) else None

branch("promote-good")
edit(HELPERS, ACQ, ACQ[:-1] + " | KF_STABLE)")
commit(GOOD_RATIONALE)
case("clean", "promote-good")
# A commit of a repository has no recipients: only the mail is judged.
good_promotion = case("STABLE_PROMOTION_LIST", "promote-not-to-list", want("STABLE_PROMOTION_LIST bpf_cgroup_acquire") + want_repo("none"),
                      extra=["--to=Alexei Starovoitov <ast@kernel.org>"])

branch("promote-no-production")
edit(HELPERS, ACQ, ACQ[:-1] + " | KF_STABLE)")
commit("""bpf: Mark bpf_cgroup_acquire() stable

bpf_cgroup_acquire() is a small and well understood kfunc whose API looks
complete to us, so we think it is ready to become a stable kfunc that BPF
programs can count on.

""" + SOB)
case("STABLE_PROMOTION_PRODUCTION_USE", "promote-no-production", want("STABLE_PROMOTION_PRODUCTION_USE bpf_cgroup_acquire"))

branch("promote-new-kfunc")
edit(HELPERS, "__bpf_kfunc void bpf_task_release_dtor(void *p)\n",
     """/**
 * bpf_task_get_nice - Return the nice value of a task.
 * @p: The task whose nice value is read.
 */
__bpf_kfunc int bpf_task_get_nice(struct task_struct *p)
{
	return task_nice(p);
}

__bpf_kfunc void bpf_task_release_dtor(void *p)
""")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)\n",
     "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)\nBTF_ID_FLAGS(func, bpf_task_get_nice, KF_RCU | KF_STABLE)\n")
commit("""bpf: Add bpf_task_get_nice() kfunc

Schedulers written in BPF need the nice value of a task. It is used in
production by the sched_ext scheduler of our fleet, which reads the nice
value of every runnable task; mark it stable from the start so that they can
rely on it.

""" + SOB)
case("STABLE_PROMOTION_NEW_KFUNC", "promote-new-kfunc", want("STABLE_PROMOTION_NEW_KFUNC bpf_task_get_nice"))

branch("promote-deprecated")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_rbtree_first, KF_RET_NULL | KF_DEPRECATED)",
     "BTF_ID_FLAGS(func, bpf_rbtree_first, KF_RET_NULL | KF_DEPRECATED | KF_STABLE)")
commit("""bpf: Mark bpf_rbtree_first() stable

bpf_rbtree_first() is used in production by the packet scheduler of our
fleet since 2024 and its API never needed a change: promote it to stable.

""" + SOB)
case("STABLE_PROMOTION_DEPRECATED", "promote-deprecated", want("STABLE_PROMOTION_DEPRECATED bpf_rbtree_first"))

# Removals -----------------------------------------------------------------
branch("remove-stable")
edit(HELPERS, """__bpf_kfunc void *bpf_rdonly_cast(const void *obj__ign, u32 btf_id__k)
{
	return (void *)obj__ign;
}

""", "")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_rdonly_cast, KF_STABLE)\n", "")
commit("""bpf: Remove bpf_rdonly_cast()

Nobody should need a read-only cast any more since the verifier tracks
untrusted pointers itself.

""" + SOB)
p = case("STABLE_REMOVAL", "remove-stable", want('STABLE_REMOVAL bpf_rdonly_cast ~"without being KF_DEPRECATED first" @"-BTF_ID_FLAGS(func, bpf_rdonly_cast, KF_STABLE)"'))
shutil.copy(p, os.path.join(EXAMPLES, "0002-bpf-Remove-bpf_rdonly_cast.patch"))

branch("rename-stable")
edit(HELPERS, "__bpf_kfunc int bpf_dynptr_adjust(const struct bpf_dynptr *p, u32 start, u32 end)",
     "__bpf_kfunc int bpf_dynptr_resize(const struct bpf_dynptr *p, u32 start, u32 end)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_dynptr_adjust, KF_STABLE)\n", "BTF_ID_FLAGS(func, bpf_dynptr_resize, KF_STABLE)\n")
commit("bpf: Rename bpf_dynptr_adjust() to bpf_dynptr_resize()\n\nThe new name says what it does.\n\n" + SOB)
case("STABLE_REMOVAL", "rename-stable", want("STABLE_REMOVAL bpf_dynptr_adjust",
                                               "STABLE_PROMOTION_NEW_KFUNC bpf_dynptr_resize",
                                               "STABLE_PROMOTION_RATIONALE bpf_dynptr_resize"))

branch("demote-stable")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)",
     "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE)")
commit("bpf: Drop KF_STABLE from bpf_task_release()\n\nWe may want to change it later.\n\n" + SOB)
case("STABLE_REMOVAL", "demote-stable", want("STABLE_REMOVAL bpf_task_release"))

ANC_DEF_START = "__bpf_kfunc struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level)\n"


def remove_ancestor():
    p = os.path.join(repo, HELPERS)
    s = open(p).read()
    a = s.index("/**\n * bpf_cgroup_ancestor - ")
    b = s.index("/**\n * bpf_cgroup_from_id - ")
    s = s[:a] + s[b:]
    s = s.replace("BTF_ID_FLAGS(func, bpf_cgroup_ancestor, KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_STABLE | KF_DEPRECATED)\n", "")
    open(p, "w").write(s)


branch("remove-deprecated-ok")
remove_ancestor()
commit("""bpf: Remove bpf_cgroup_ancestor()

bpf_cgroup_ancestor() was deprecated since v6.14 because it returned
ancestors without an RCU guarantee; programs use bpf_cgroup_from_id()
instead. The deprecation period agreed on the list has passed.

""" + SOB)
case("clean", "remove-deprecated-ok")

branch("remove-deprecated-no-notes")
remove_ancestor()
commit("bpf: Remove bpf_cgroup_ancestor()\n\nRemove it.\n\n" + SOB)
case("STABLE_REMOVAL_NOTES", "remove-deprecated-no-notes", want("STABLE_REMOVAL_NOTES bpf_cgroup_ancestor"))

# A series: deprecation in 1/2, removal in 2/2: not deprecated before the series.
branch("series-deprecate-remove")
edit(HELPERS, " * bpf_task_release - Release the reference acquired on a task.\n",
     " * bpf_task_release - Release the reference acquired on a task.\n"
     " * Deprecated: use bpf_put_task() instead; removed after v6.20.\n")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)",
     "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE | KF_DEPRECATED)")
commit("""bpf: Deprecate bpf_task_release()

bpf_task_release() is superseded by bpf_put_task(), which also drops
references taken by bpf_task_from_pid(). It will be removed after v6.20.

""" + SOB)
git("notes", "add", "-f", "-m", "kfunccheck-series: deprecation first", "HEAD")
p = os.path.join(repo, HELPERS)
s = open(p).read()
a = s.index("/**\n * bpf_task_release - ")
b = s.index("__bpf_kfunc void bpf_task_release_dtor(void *p)")
open(p, "w").write(s[:a] + s[b:])
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE | KF_DEPRECATED)\n", "")
commit("""bpf: Remove bpf_task_release()

bpf_task_release() was deprecated since v6.14 because bpf_put_task()
replaced it.

""" + SOB)
export(os.path.join(RULES, "STABLE_REMOVAL"), want("STABLE_REMOVAL bpf_task_release"), extra=TO_BPF, n=2,
       name="series-deprecate-then-remove", cover=True)
shutil.rmtree(os.path.join(EXAMPLES, "series-deprecate-then-remove"), ignore_errors=True)
shutil.copytree(os.path.join(RULES, "STABLE_REMOVAL", "series-deprecate-then-remove"),
                os.path.join(EXAMPLES, "series-deprecate-then-remove"))

# Signatures ---------------------------------------------------------------
SLICE = """__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u32 offset,
				   void *buffer__opt, u32 buffer__szk)"""
branch("signature-breaking")
edit(HELPERS, SLICE, """__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u64 offset,
				   void *buffer, u64 buffer__szk)""")
commit("""bpf: Widen bpf_dynptr_slice() offsets to 64 bits

Dynptrs can now be larger than 4 GiB, so take a u64 offset and size. The
buffer is always required now.

""" + SOB)
case("STABLE_SIGNATURE", "signature-breaking-stable-list", want("STABLE_SIGNATURE bpf_dynptr_slice"), stable=["bpf_dynptr_slice"])
case("STABILITY_UNKNOWN", "signature-no-entry", want("STABILITY_UNKNOWN bpf_dynptr_slice check")
     + want_repo("STABLE_SIGNATURE bpf_dynptr_slice"))

branch("signature-and-flags")
edit(HELPERS, "__bpf_kfunc int bpf_dynptr_adjust(const struct bpf_dynptr *p, u32 start, u32 end)",
     "__bpf_kfunc int bpf_dynptr_adjust(const struct bpf_dynptr *p, u64 start, u64 end)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_dynptr_adjust, KF_STABLE)\n", "BTF_ID_FLAGS(func, bpf_dynptr_adjust, KF_STABLE | KF_TRUSTED_ARGS)\n")
commit("""bpf: Make bpf_dynptr_adjust() take 64-bit bounds

Large dynptrs need 64-bit bounds; also require trusted arguments.

""" + SOB)
case("STABLE_SIGNATURE", "signature-breaking-entry-visible", want("STABLE_SIGNATURE bpf_dynptr_adjust", "STABLE_FLAGS_BREAKING bpf_dynptr_adjust"))

branch("signature-compat")
edit(HELPERS, SLICE, """__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *dptr, __u32 offset,
				   void *buffer__nullable, const u32 buffer__szk)""")
commit("""bpf: Use __nullable in bpf_dynptr_slice()

Replace the __opt annotation with __nullable, which means the same to the
verifier, and name the dynptr argument like the other dynptr kfuncs.

""" + SOB)
case("STABLE_SIGNATURE_COMPAT", "signature-compat", want("STABLE_SIGNATURE_COMPAT bpf_dynptr_slice check"), stable=["bpf_dynptr_slice"])

branch("waiver-no-reason")
edit(HELPERS, SLICE, """__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u64 offset,
				   void *buffer__opt, u64 buffer__szk)""")
commit("""bpf: Widen bpf_dynptr_slice() offsets to 64 bits

Dynptrs can now be larger than 4 GiB, so take a u64 offset and size.

Kfunc-Stability-Waiver: STABLE_SIGNATURE bpf_dynptr_slice
""" + SOB)
case("WAIVER_WITHOUT_REASON", "waiver-no-reason", want("STABLE_SIGNATURE bpf_dynptr_slice", "WAIVER_WITHOUT_REASON bpf_dynptr_slice"), stable=["bpf_dynptr_slice"])

branch("waiver-ok")
edit(HELPERS, SLICE, """__bpf_kfunc void *bpf_dynptr_slice(const struct bpf_dynptr *p, u64 offset,
				   void *buffer__opt, u64 buffer__szk)""")
commit("""bpf: Widen bpf_dynptr_slice() offsets to 64 bits

Dynptrs can now be larger than 4 GiB, so take a u64 offset and size.

Kfunc-Stability-Waiver: STABLE_SIGNATURE bpf_dynptr_slice: u32 arguments are zero-extended by the BPF calling convention, callers are unaffected
""" + SOB)
case("clean", "waiver-ok", want("STABLE_SIGNATURE bpf_dynptr_slice check"), stable=["bpf_dynptr_slice"])

# 6.1 era: no __bpf_kfunc, BTF_SET8, __diag_push; stable through a list.
branch("old-era-signature")
edit(CT, """bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *bpf_tuple,
		  u32 tuple__sz, struct bpf_ct_opts *opts, u32 opts__sz)""",
     """bpf_xdp_ct_lookup(struct xdp_md *xdp_ctx, struct bpf_sock_tuple *bpf_tuple,
		  u32 tuple__sz, struct bpf_ct_opts *opts, u32 opts_len)""")
edit(CT, "caller_net = dev_net(ctx->rxq->dev);\n\tnfct = __bpf_nf_ct_lookup(caller_net, bpf_tuple, tuple__sz, opts, opts__sz);\n\treturn bpf_ct_opts_result(opts, opts__sz, nfct);",
     "caller_net = dev_net(ctx->rxq->dev);\n\tnfct = __bpf_nf_ct_lookup(caller_net, bpf_tuple, tuple__sz, opts, opts_len);\n\treturn bpf_ct_opts_result(opts, opts_len, nfct);")
commit("netfilter: bpf: Rename the options length argument\n\nopts_len reads better than opts__sz.\n\n" + SOB)
case("STABLE_SIGNATURE", "old-era-suffix-dropped", want("STABLE_SIGNATURE bpf_xdp_ct_lookup"), stable=["bpf_xdp_ct_lookup"])

# Flags --------------------------------------------------------------------
TA = "BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_STABLE)"
branch("flags-breaking")
edit(HELPERS, TA, "BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_STABLE | KF_SLEEPABLE)")
commit("bpf: Make bpf_task_acquire() sleepable\n\nIt may now wait for the task's users count.\n\n" + SOB)
p = case("STABLE_FLAGS_BREAKING", "flags-breaking", want('STABLE_FLAGS_BREAKING bpf_task_acquire error ~"KF_SLEEPABLE added" @"+BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_RET_NULL | KF_STABLE | KF_SLEEPABLE)"'))
shutil.copy(p, os.path.join(EXAMPLES, "0003-bpf-Make-bpf_task_acquire-sleepable.patch"))

branch("flags-compatible")
edit(HELPERS, TA, "BTF_ID_FLAGS(func, bpf_task_acquire, KF_ACQUIRE | KF_RCU | KF_STABLE)")
commit("bpf: bpf_task_acquire() never returns NULL for RCU tasks\n\nDrop KF_RET_NULL.\n\n" + SOB)
case("STABLE_FLAGS", "flags-compatible", want("STABLE_FLAGS bpf_task_acquire"))

branch("unknown-flag")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_cgroup_from_id, KF_ACQUIRE | KF_RET_NULL)",
     "BTF_ID_FLAGS(func, bpf_cgroup_from_id, KF_AQUIRE | KF_RET_NULL)")
commit("bpf: Tidy the cgroup kfunc entries\n\n" + SOB)
case("UNKNOWN_KF_FLAG", "unknown-flag", want("UNKNOWN_KF_FLAG bpf_cgroup_from_id"))

# Deprecations -------------------------------------------------------------
branch("deprecate-bare")
edit(CPUMASK, "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)",
     "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE | KF_DEPRECATED)")
commit("bpf: Deprecate bpf_cpumask_first()\n\n" + SOB)
p = case("DEPRECATION_REASON", "deprecate-bare", want("DEPRECATION_REASON bpf_cpumask_first", "DEPRECATION_LIFESPAN bpf_cpumask_first",
                                                      "DEPRECATION_REPLACEMENT bpf_cpumask_first", "DEPRECATION_DOCS bpf_cpumask_first"))
for r in ("DEPRECATION_LIFESPAN", "DEPRECATION_REPLACEMENT", "DEPRECATION_DOCS"):
    shutil.rmtree(os.path.join(RULES, r), ignore_errors=True)

branch("deprecate-reason-only")
edit(CPUMASK, "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)",
     "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE | KF_DEPRECATED)")
commit("""bpf: Deprecate bpf_cpumask_first()

bpf_cpumask_first() is redundant because bpf_cpumask_first_and() with a
full mask gives the same answer.

""" + SOB)
case("DEPRECATION_LIFESPAN", "deprecate-no-lifespan", want("DEPRECATION_LIFESPAN bpf_cpumask_first", "DEPRECATION_DOCS bpf_cpumask_first"))

branch("deprecate-no-replacement")
edit(CPUMASK, " * bpf_cpumask_first() - Get the index of the first nonzero bit in the cpumask.\n",
     " * bpf_cpumask_first() - Get the index of the first nonzero bit in the cpumask.\n"
     " * Deprecated: to be removed after v6.20.\n")
edit(CPUMASK, "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)",
     "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE | KF_DEPRECATED)")
commit("""bpf: Deprecate bpf_cpumask_first()

bpf_cpumask_first() is broken on systems with sparse CPU numbering,
it will be removed after v6.20.

""" + SOB)
case("DEPRECATION_REPLACEMENT", "deprecate-no-replacement", want("DEPRECATION_REPLACEMENT bpf_cpumask_first"))

branch("deprecate-no-docs")
edit(CPUMASK, "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)",
     "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE | KF_DEPRECATED)")
commit("""bpf: Deprecate bpf_cpumask_first()

bpf_cpumask_first() is redundant because bpf_cpumask_first_and() with a
full mask gives the same answer; use bpf_cpumask_first_and() instead. It
will be removed after v6.20.

""" + SOB)
case("DEPRECATION_DOCS", "deprecate-no-docs", want("DEPRECATION_DOCS bpf_cpumask_first"))

branch("deprecate-good")
edit(CPUMASK, " * bpf_cpumask_first() - Get the index of the first nonzero bit in the cpumask.\n",
     " * bpf_cpumask_first() - Get the index of the first nonzero bit in the cpumask.\n"
     " * Deprecated: use bpf_cpumask_first_and() instead; removed after v6.20.\n")
edit(CPUMASK, "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)",
     "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE | KF_DEPRECATED)")
edit(DOC, "2.4.8 KF_DEPRECATED flag\n------------------------\n",
     "2.4.8 KF_DEPRECATED flag\n------------------------\n\n"
     "bpf_cpumask_first() is deprecated since v6.15 and will be removed after\n"
     "v6.20; use bpf_cpumask_first_and() instead.\n")
commit("""bpf: Deprecate bpf_cpumask_first()

bpf_cpumask_first() is redundant because bpf_cpumask_first_and() with a
full mask gives the same answer; use bpf_cpumask_first_and() instead. It
will be removed after v6.20, which leaves users four releases to move.

""" + SOB)
p = case("clean", "deprecate-good")
shutil.copy(p, os.path.join(EXAMPLES, "0004-bpf-Deprecate-bpf_cpumask_first.patch"))

# Clean: moves, reformatting, non-stable changes ----------------------------
branch("move-set")
edit(HELPERS, TA + "\n", "")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_rcu_read_lock)\n", "BTF_ID_FLAGS(func, bpf_rcu_read_lock)\n" + TA + "\n")
commit("bpf: Move bpf_task_acquire() to the common kfunc set\n\n" + SOB)
case("clean", "move-set")

branch("reformat")
edit(HELPERS, TA + "\n", "BTF_ID_FLAGS(func, bpf_task_acquire,\n\t     KF_STABLE | KF_RET_NULL |   KF_RCU | KF_ACQUIRE)\n")
edit(HELPERS, "__bpf_kfunc int bpf_dynptr_adjust(const struct bpf_dynptr *p, u32 start, u32 end)",
     "__bpf_kfunc int bpf_dynptr_adjust(const struct bpf_dynptr *p,\n\t\t\t\t  u32 start, u32 end)")
commit("bpf: Reformat two kfunc declarations\n\nNo functional change.\n\n" + SOB)
case("clean", "reformat")

branch("non-stable")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_cgroup_from_id, KF_ACQUIRE | KF_RET_NULL)",
     "BTF_ID_FLAGS(func, bpf_cgroup_from_id, KF_ACQUIRE | KF_RET_NULL | KF_SLEEPABLE)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_throw)\n", "")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_from_pid, KF_ACQUIRE | KF_RET_NULL)\n",
     "BTF_ID_FLAGS(func, bpf_task_from_pid, KF_ACQUIRE | KF_RET_NULL)\nBTF_ID_FLAGS(func, bpf_throw, KF_DESTRUCTIVE)\n")
commit("bpf: Adjust flags of unstable kfuncs\n\n" + SOB)
case("clean", "non-stable")


# Availability -------------------------------------------------------------
FIRST = "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)\n"
branch("availability-new-if")
edit(CPUMASK, FIRST, "#ifdef CONFIG_BPF_CPUMASK_FIRST\n" + FIRST + "#endif\n")
commit("bpf: Build bpf_cpumask_first() only when asked to\n\nMost users do not need it.\n\n" + SOB)
case("STABLE_AVAILABILITY", "entry-under-new-if", want('STABLE_AVAILABILITY bpf_cpumask_first ~`only when defined\\(CONFIG_BPF_CPUMASK_FIRST\\)` @"+BTF_ID_FLAGS(func, bpf_cpumask_first"'))

REG_TRACING = "\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &cpumask_kfunc_set);\n"
branch("availability-registration-removed")
edit(CPUMASK, REG_TRACING, "")
commit("bpf: Stop offering cpumask kfuncs to tracing programs\n\nOnly schedulers use them.\n\n" + SOB)
case("STABLE_AVAILABILITY", "registration-removed",
     want('STABILITY_UNKNOWN - check ~"registration of cpumask_kfunc_set for BPF_PROG_TYPE_TRACING removed"')
     + want_repo('STABLE_AVAILABILITY bpf_cpumask_first ~"no longer callable from BPF_PROG_TYPE_TRACING"'))

branch("availability-filter-added")
edit(CPUMASK, "static const struct btf_kfunc_id_set cpumask_kfunc_set = {\n\t.owner = THIS_MODULE,\n\t.set   = &cpumask_kfunc_btf_ids,\n};\n",
     "static int cpumask_kfunc_filter(const struct bpf_prog *prog, u32 kfunc_id)\n{\n"
     "\tif (prog->type == BPF_PROG_TYPE_TRACING && !prog->aux->sleepable)\n\t\treturn -EACCES;\n\treturn 0;\n}\n\n"
     "static const struct btf_kfunc_id_set cpumask_kfunc_set = {\n\t.owner = THIS_MODULE,\n\t.set   = &cpumask_kfunc_btf_ids,\n"
     "\t.filter = cpumask_kfunc_filter,\n};\n")
commit("bpf: Filter cpumask kfuncs for non-sleepable tracing programs\n\n" + SOB)
case("STABLE_AVAILABILITY", "filter-added",
     want('STABILITY_UNKNOWN - check ~"filter cpumask_kfunc_filter set on cpumask_kfunc_set"')
     + want_repo('STABLE_AVAILABILITY bpf_cpumask_first ~"only through the filter cpumask_kfunc_filter"'))

branch("availability-gained")
edit(CPUMASK, REG_TRACING, REG_TRACING + "\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_LSM, &cpumask_kfunc_set);\n")
commit("bpf: Offer cpumask kfuncs to LSM programs\n\nLSM programs want to inspect task affinities.\n\n" + SOB)
case("clean", "availability-gained")

branch("availability-moved-same-types")
edit(CPUMASK, FIRST, "")
edit(CPUMASK, "BTF_ID_LIST(cpumask_dtor_ids)\n",
     "BTF_KFUNCS_START(cpumask_query_btf_ids)\n" + FIRST + "BTF_KFUNCS_END(cpumask_query_btf_ids)\n\n"
     "static const struct btf_kfunc_id_set cpumask_query_kfunc_set = {\n\t.owner = THIS_MODULE,\n\t.set   = &cpumask_query_btf_ids,\n};\n\n"
     "BTF_ID_LIST(cpumask_dtor_ids)\n")
edit(CPUMASK, "\treturn  ret ?: register_btf_id_dtor_kfuncs(",
     "\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_TRACING, &cpumask_query_kfunc_set);\n"
     "\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_STRUCT_OPS, &cpumask_query_kfunc_set);\n"
     "\tret = ret ?: register_btf_kfunc_id_set(BPF_PROG_TYPE_SYSCALL, &cpumask_query_kfunc_set);\n"
     "\treturn  ret ?: register_btf_id_dtor_kfuncs(")
commit("bpf: Move bpf_cpumask_first() to a set of its own\n\nIt is registered for the same program types as before.\n\n" + SOB)
case("clean", "availability-moved-same-types")

# Lists that are not kfunc sets --------------------------------------------
branch("lsm-hook-list")
edit(LSM, "BTF_ID(func, bpf_lsm_bpf_token_cmd)\n", "")
commit("bpf: lsm: bpf_token_cmd is not sleepable\n\n" + SOB)
case("clean", "lsm-hook-list-entry-removed", stable=["bpf_lsm_bpf_token_cmd"])

branch("fmodret-list")
edit(TEST_RUN, "BTF_ID_FLAGS(func, bpf_fentry_test1, KF_SLEEPABLE)\n", "BTF_ID_FLAGS(func, bpf_fentry_test1)\n")
commit("bpf: test_run: bpf_fentry_test1 need not be sleepable\n\n" + SOB)
case("clean", "fmodret-set-flags", stable=["bpf_fentry_test1"])

# What the verifier accepts -------------------------------------------------
branch("nullable-added")
edit(HELPERS, "__bpf_kfunc void bpf_task_release(struct task_struct *p)\n{\n\tput_task_struct_rcu_user(p);\n}",
     "__bpf_kfunc void bpf_task_release(struct task_struct *p__nullable)\n{\n\tif (p__nullable)\n\t\tput_task_struct_rcu_user(p__nullable);\n}")
commit("bpf: Let bpf_task_release() take NULL\n\nCallers no longer need to check before releasing.\n\n" + SOB)
case("STABLE_SIGNATURE_COMPAT", "nullable-added", want('STABLE_SIGNATURE_COMPAT bpf_task_release check ~"suffix __nullable added" @"p__nullable"'), stable=["bpf_task_release"])

branch("rcu-on-trusted")
edit(CPUMASK, "BTF_ID_FLAGS(func, bpf_cpumask_acquire, KF_ACQUIRE | KF_TRUSTED_ARGS)",
     "BTF_ID_FLAGS(func, bpf_cpumask_acquire, KF_ACQUIRE | KF_TRUSTED_ARGS | KF_RCU)")
commit("bpf: Let bpf_cpumask_acquire() take RCU-protected cpumasks\n\n" + SOB)
case("STABLE_FLAGS", "rcu-added-to-trusted-args", want('STABLE_FLAGS bpf_cpumask_acquire ~"KF_RCU added" @"+BTF_ID_FLAGS(func, bpf_cpumask_acquire"'), stable=["bpf_cpumask_acquire"])

branch("implicit-args")
edit(HELPERS, "__bpf_kfunc void *bpf_rdonly_cast(const void *obj__ign, u32 btf_id__k)",
     "__bpf_kfunc void *bpf_rdonly_cast(const void *obj__ign, u32 btf_id__k, struct bpf_prog_aux *aux)")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_rdonly_cast, KF_STABLE)\n", "BTF_ID_FLAGS(func, bpf_rdonly_cast, KF_STABLE | KF_IMPLICIT_ARGS)\n")
commit("bpf: Pass the program to bpf_rdonly_cast()\n\nThe verifier supplies it as an implicit argument; BPF programs call it as\nbefore.\n\n" + SOB)
case("clean", "implicit-args-added")

# Series: the earlier patches are the baseline of the later ones ------------
branch("series-new-then-changed")
edit(HELPERS, "__bpf_kfunc void bpf_task_release_dtor(void *p)\n",
     "__bpf_kfunc int bpf_task_get_nice(struct task_struct *p)\n{\n\treturn task_nice(p);\n}\n\n"
     "__bpf_kfunc void bpf_task_release_dtor(void *p)\n")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)\n",
     "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)\nBTF_ID_FLAGS(func, bpf_task_get_nice, KF_RCU)\n")
commit("bpf: Add bpf_task_get_nice()\n\nSchedulers need the nice value of a task.\n\n" + SOB)
edit(HELPERS, "__bpf_kfunc int bpf_task_get_nice(struct task_struct *p)\n{\n\treturn task_nice(p);\n}",
     "__bpf_kfunc int bpf_task_get_nice(struct task_struct *p, u64 flags)\n{\n\treturn flags ? 0 : task_nice(p);\n}")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_get_nice, KF_RCU)\n", "BTF_ID_FLAGS(func, bpf_task_get_nice, KF_RCU | KF_SLEEPABLE)\n")
commit("bpf: Give bpf_task_get_nice() a flags argument\n\nRoom for later extensions.\n\n" + SOB)
export(os.path.join(RULES, "clean"), ["kfunccheck-stable-list: bpf_task_get_nice"], extra=TO_BPF, n=2,
       name="series-new-kfunc-then-changed")

branch("series-promote-then-break")
edit(HELPERS, ACQ, ACQ[:-1] + " | KF_STABLE)")
commit(GOOD_RATIONALE.replace("so we\nask for it", "so we\nnow ask for it"))
edit(HELPERS, ACQ[:-1] + " | KF_STABLE)", ACQ[:-1] + " | KF_STABLE | KF_SLEEPABLE)")
commit("bpf: Make bpf_cgroup_acquire() sleepable\n\n" + SOB)
export(os.path.join(RULES, "STABLE_FLAGS_BREAKING"), want('STABLE_FLAGS_BREAKING bpf_cgroup_acquire ~"KF_SLEEPABLE added"'), extra=TO_BPF, n=2,
       name="series-promote-then-break")

branch("series-removal-two-steps")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_rdonly_cast, KF_STABLE)\n", "")
commit("bpf: Unregister bpf_rdonly_cast()\n\nIt is no longer needed.\n\n" + SOB)
git("notes", "add", "-f", "-m", 'kfunccheck-want: STABLE_REMOVAL bpf_rdonly_cast @"-BTF_ID_FLAGS(func, bpf_rdonly_cast, KF_STABLE)"', "HEAD")
edit(HELPERS, """__bpf_kfunc void *bpf_rdonly_cast(const void *obj__ign, u32 btf_id__k)
{
	return (void *)obj__ign;
}

""", "")
commit("bpf: Remove bpf_rdonly_cast()\n\nIts registration is gone since the previous patch.\n\n" + SOB)
export(os.path.join(RULES, "STABLE_REMOVAL"), [], extra=TO_BPF, n=2, name="series-removal-in-two-steps")

# Commit messages ----------------------------------------------------------
branch("promote-own-link")
edit(HELPERS, ACQ, ACQ[:-1] + " | KF_STABLE)")
commit("""bpf: Mark bpf_cgroup_acquire() as a stable kfunc

bpf_cgroup_acquire() has a small, well understood API that has not needed
any extension since it was added, so we ask for it to become stable.

Link: https://patch.msgid.link/20260302100000.1234-1-jane@example.org
""" + SOB)
case("STABLE_PROMOTION_PRODUCTION_USE", "promote-own-posting-link", want('STABLE_PROMOTION_PRODUCTION_USE bpf_cgroup_acquire ~"production"'))

branch("deprecate-doc-at-end")
edit(CPUMASK, """ * Find the index of the first nonzero bit of the cpumask. A struct bpf_cpumask
 * pointer may be safely passed to this function.
 */
__bpf_kfunc u32 bpf_cpumask_first(""", """ * Find the index of the first nonzero bit of the cpumask. A struct bpf_cpumask
 * pointer may be safely passed to this function.
 *
 * Deprecated: use bpf_cpumask_first_and() instead; removed after v6.20.
 */
__bpf_kfunc u32 bpf_cpumask_first(""")
edit(CPUMASK, "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE)",
     "BTF_ID_FLAGS(func, bpf_cpumask_first, KF_RCU | KF_STABLE | KF_DEPRECATED)")
commit("""bpf: Deprecate bpf_cpumask_first()

bpf_cpumask_first() is redundant because bpf_cpumask_first_and() with a
full mask gives the same answer; use bpf_cpumask_first_and() instead. It
will be removed after v6.20.

""" + SOB)
case("clean", "deprecate-note-at-end-of-kernel-doc")


# The whole tree: entries in other files, X-macro lists -------------------
branch("entry-in-another-file")
edit(TASK_ITER, "__bpf_kfunc int bpf_iter_task_new(struct bpf_iter_task *it,\n\t\tstruct task_struct *task__nullable, unsigned int flags)",
     "__bpf_kfunc int bpf_iter_task_new(struct bpf_iter_task *it,\n\t\tstruct task_struct *task__nullable, u64 flags)")
commit("bpf: Widen the flags of bpf_iter_task_new()\n\nMore iteration modes are coming.\n\n" + SOB)
case("STABLE_SIGNATURE", "entry-in-another-file",
     want("STABILITY_UNKNOWN bpf_iter_task_new check")
     + want_repo('STABLE_SIGNATURE bpf_iter_task_new ~`parameter 3 \\(flags\\) type changed from \'unsigned int\' to \'u64\'`'))

branch("xmacro-entry")
edit(XDP_C, "__bpf_kfunc int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, u32 *hash,\n\t\t\t\t\t enum xdp_rss_hash_type *rss_type)",
     "__bpf_kfunc int bpf_xdp_metadata_rx_hash(const struct xdp_md *ctx, u32 *hash,\n\t\t\t\t\t enum xdp_rss_hash_type *rss_type, u32 *queue)")
commit("xdp: Report the RX queue with the RX hash\n\n" + SOB)
case("STABILITY_UNKNOWN", "xmacro-entry",
     want("STABILITY_UNKNOWN bpf_xdp_metadata_rx_hash check") + want_repo("none"))

# History: cases that declare the release history and target they are
# judged against (rules/rulestest's kfunccheck-release and -target lines).
# With the whole tree in view the fixture repository has no release tag,
# so the history rules have no history there.


def releases(*rels):
    return ["kfunccheck-release: " + r for r in rels]


branch("history-removed-too-soon")
remove_ancestor()
commit("""bpf: Remove bpf_cgroup_ancestor()

bpf_cgroup_ancestor() was deprecated since v6.14 because it returned
ancestors without an RCU guarantee; programs use bpf_cgroup_from_id()
instead. The deprecation period agreed on the list has passed.

""" + SOB)
case("HISTORY_DEPRECATION_PERIOD", "removed-one-release-after-deprecation",
     releases("v6.13 bpf_cgroup_ancestor=stable", "v6.14 bpf_cgroup_ancestor=stable,deprecated")
     + want('HISTORY_DEPRECATION_PERIOD bpf_cgroup_ancestor ~`1 release\\(s\\) after it was deprecated in v6.14; the policy asks for at least 10`')
     + want_repo("none"))
case("clean", "removed-after-a-long-deprecation",
     releases(*(["v6.3 bpf_cgroup_ancestor=stable"] + ["v6.%d bpf_cgroup_ancestor=stable,deprecated" % n for n in range(4, 15)])))
case("HISTORY_DEPRECATION_CLAIM", "deprecated-since-contradicted",
     releases("v6.14 bpf_cgroup_ancestor=stable", "v6.15 bpf_cgroup_ancestor=stable",
              "v6.16 bpf_cgroup_ancestor=stable,deprecated")
     + want('HISTORY_DEPRECATION_CLAIM bpf_cgroup_ancestor ~"says deprecated since v6.14, but v6.14 does not carry it deprecated"',
            'HISTORY_DEPRECATION_PERIOD bpf_cgroup_ancestor')
     + want_repo("none"))

branch("history-name-reused")
edit(HELPERS, "__bpf_kfunc void bpf_task_release_dtor(void *p)\n",
     """/**
 * bpf_task_get_nice - Return the nice value of a task.
 * @p: The task whose nice value is read.
 */
__bpf_kfunc int bpf_task_get_nice(struct task_struct *p)
{
	return task_nice(p);
}

__bpf_kfunc void bpf_task_release_dtor(void *p)
""")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)\n",
     "BTF_ID_FLAGS(func, bpf_task_release, KF_RELEASE | KF_STABLE)\nBTF_ID_FLAGS(func, bpf_task_get_nice, KF_RCU)\n")
commit("bpf: Add bpf_task_get_nice() kfunc\n\nSchedulers written in BPF need the nice value of a task.\n\n" + SOB)
case("HISTORY_NAME_REUSED", "removed-name-added-again",
     releases("v6.10 bpf_task_get_nice", "v6.11", "v6.12")
     + want('HISTORY_NAME_REUSED bpf_task_get_nice ~"removed after v6.10"') + want_repo("none"))
case("clean", "new-name", releases("v6.11", "v6.12"))

branch("history-stable-series")
edit(HELPERS, "BTF_ID_FLAGS(func, bpf_cgroup_from_id, KF_ACQUIRE | KF_RET_NULL)",
     "BTF_ID_FLAGS(func, bpf_cgroup_from_id, KF_ACQUIRE | KF_RET_NULL | KF_SLEEPABLE)")
commit("bpf: Make bpf_cgroup_from_id() sleepable\n\nIt may now sleep.\n\n" + SOB)
case("HISTORY_STABLE_SERIES", "flags-changed-on-a-stable-branch",
     ["kfunccheck-target: linux-6.12.y linux-*.y"]
     + want('HISTORY_STABLE_SERIES bpf_cgroup_from_id ~`flags in linux-6.12.y, within the stable series linux-\\*.y`')
     + want_repo("none"))
case("clean", "flags-changed-on-a-development-branch", ["kfunccheck-target: bpf-next"])


# The tree's own policy file: a patch that changes it changes what is checked.
branch("policy-file-changed")
with open(os.path.join(repo, ".kfunccheck.toml"), "w") as f:
    f.write('# kfunccheck policy of this tree\nignore = ["STABLE_REMOVAL"]\n')
commit("kfunccheck: Stop reporting removals\n\nThey are reviewed by hand anyway.\n\n" + SOB)
case("POLICY_FILE_CHANGED", "policy-added",
     want('POLICY_FILE_CHANGED - ~`policy file .kfunccheck.toml \\(2 line\\(s\\) added, 0 removed\\)` @`+ignore = ["STABLE_REMOVAL"]`'))


# --- mail encodings of one promotion (mail package tests) ------------------
with open(os.path.join(RULES, "STABLE_PROMOTION_RATIONALE", "promote-no-rationale.patch")) as f:
    plain = f.read()
head, body = plain.split("\n\n", 1)
os.makedirs(MAILDATA, exist_ok=True)
hdr = [l for l in head.split("\n")[1:]]  # drop the From_ line
hdr_text = "\n".join(l for l in hdr if not l.startswith(("MIME-Version", "Content-Type", "Content-Transfer-Encoding")))


def write_mail(name, data):
    with open(os.path.join(MAILDATA, name), "wb") as f:
        f.write(data)


qp = quopri.encodestring(body.encode(), quotetabs=False).decode()
write_mail("promotion-qp.eml", (hdr_text + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
                                "Content-Transfer-Encoding: quoted-printable\n\n" + qp).encode())
b64 = base64.encodebytes(body.encode()).decode()
write_mail("promotion-base64.eml", (hdr_text + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                                    "Content-Transfer-Encoding: base64\n\n" + b64).encode())
write_mail("promotion-crlf.eml", (hdr_text + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n" + body).replace("\n", "\r\n").encode())
latin = hdr_text.replace("Subject: ", "Subject: =?ISO-8859-1?Q?Ren=E9_says=3A?= ", 1)
write_mail("promotion-latin1.eml", (latin + "\nMIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-1\n"
                                    "Content-Transfer-Encoding: 8bit\n\n" + body.replace("Jane Developer", "Ren\u00e9 D\u00e9veloppeur")).encode("latin-1"))
msg_body, diff = body.split("\ndiff --git", 1)
mp = MIMEMultipart(boundary="kfunccheck-testdata-boundary")
for l in hdr:
    if ":" in l and not l.startswith((" ", "\t")):
        k, v = l.split(":", 1)
        if k not in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding"):
            mp[k] = v.strip()
mp.attach(MIMEText(msg_body.split("\n---\n")[0] + "\n", "plain", "utf-8"))
att = MIMEText("diff --git" + diff.split("\n-- \n")[0] + "\n", "x-patch", "utf-8")
att.add_header("Content-Disposition", "attachment", filename="0001-bpf.patch")
mp.attach(att)
write_mail("promotion-attachment.eml", mp.as_bytes(policy=email.policy.SMTP.clone(linesep="\n")))

# An mbox of a thread: two versions of a series with review replies between.
series_dir = os.path.join(RULES, "STABLE_REMOVAL", "series-deprecate-then-remove")
parts = [open(os.path.join(series_dir, f)).read() for f in sorted(os.listdir(series_dir))]
reply = ("From reviewer@example.org Mon Mar  2 11:00:00 2026\nFrom: Rev Iewer <reviewer@example.org>\n"
         "To: bpf@vger.kernel.org\nSubject: Re: [PATCH bpf-next 1/2] bpf: Deprecate bpf_task_release()\n"
         "Message-ID: <reply-1@example.org>\n\n> Please quote:\n>From here on it is mboxrd-quoted.\n>>From twice.\nLooks fine.\n\n")


def as_v2(text):
    return text.replace("[PATCH bpf-next ", "[PATCH bpf-next v2 ")


def mboxrd_quote(text):
    out = []
    for l in text.split("\n"):
        s = l.lstrip(">")
        out.append(">" + l if s.startswith("From ") and out else l)
    return "\n".join(out)


mbox = "".join(mboxrd_quote(p) + "\n" for p in parts[:2]) + reply + "".join(mboxrd_quote(p) + "\n" for p in parts[2:])
mbox += "".join(as_v2(mboxrd_quote(p)) + "\n" for p in parts)
with open(os.path.join(EXAMPLES, "thread-v1-v2.mbox"), "w") as f:
    f.write(mbox)
with gzip.GzipFile(os.path.join(EXAMPLES, "thread-v1-v2.mbox.gz"), "wb", mtime=0) as f:
    f.write(mbox.encode())

# Quilt style: a plain unified diff without git headers.
git("checkout", "-q", "flags-breaking")
d = git("diff", "--no-prefix", "baseline", "HEAD", capture=True)
quilt = "Make bpf_task_acquire sleepable.\n\nIndex: linux/kernel/bpf/helpers.c\n" + "=" * 67 + "\n"
quilt += "\n".join(l.replace("--- kernel/", "--- linux.orig/kernel/").replace("+++ kernel/", "+++ linux/kernel/")
                   for l in d.split("\n")[2:] if not l.startswith("index "))
with open(os.path.join(EXAMPLES, "quilt-flags-breaking.diff"), "w") as f:
    f.write(quilt)
shutil.rmtree(repo)
print("fixtures written")

# An mbox of list traffic for the bot example: a threaded series that
# deprecates and removes in one go, a review, a good promotion and a bad one.
def list_mail(path, msgid, root=None):
    s = open(path).read()
    first, rest = s.split("\n", 1)
    hdr = "Message-ID: <%s>\n" % msgid
    if root:
        hdr += "In-Reply-To: <%s>\nReferences: <%s>\n" % (root, root)
    return first + "\n" + hdr + rest + "\n"


sd = os.path.join(RULES, "STABLE_REMOVAL", "series-deprecate-then-remove")
parts = sorted(os.listdir(sd))
listbox = list_mail(os.path.join(sd, parts[0]), "20260302100000.0@example.org")
listbox += list_mail(os.path.join(sd, parts[1]), "20260302100000.1@example.org", "20260302100000.0@example.org")
listbox += ("From rev@example.org Mon Mar  2 11:00:00 2026\nFrom: Rev Iewer <rev@example.org>\nTo: bpf@vger.kernel.org\n"
            "Date: Mon, 2 Mar 2026 11:00:00 +0000\nSubject: Re: [PATCH bpf-next 1/2] bpf: Deprecate bpf_task_release()\n"
            "Message-ID: <review.1@example.org>\nIn-Reply-To: <20260302100000.1@example.org>\n"
            "References: <20260302100000.0@example.org> <20260302100000.1@example.org>\n\nLooks good to me.\n\n")
listbox += list_mail(os.path.join(sd, parts[2]), "20260302100000.2@example.org", "20260302100000.0@example.org")
listbox += list_mail(os.path.join(RULES, "clean", "promote-good.patch"), "20260302120000.0@example.org")
listbox += list_mail(os.path.join(RULES, "STABLE_PROMOTION_RATIONALE", "promote-no-rationale.patch"), "20260302130000.0@example.org")
with open(os.path.join(EXAMPLES, "bpf-list.mbox"), "w") as f:
    f.write(listbox)
print("list mbox written")
