/* The seccomp filter written directly (backends/linux/seccomp.c) against
 * the one libseccomp builds from the same rules: both programs are run by
 * a small classic-BPF interpreter on every syscall number of the native
 * architecture, the x32 range, other architectures, and many arguments
 * for the numbers that have compares, and must give the same answer
 * everywhere. Plans of every built-in policy, in every run environment
 * (mount namespace, network namespace, gate, each on or off). Skips (77)
 * where the direct build does not apply (another architecture). */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>

#include "filter_plans.h"
#include "harness.h"

/* What the kernel would answer: runs |f| on |d|; 0xdeadbeef on anything
 * the filters here never contain (so that it cannot pass as an answer). */
static uint32_t run_bpf(const struct sock_filter *f, unsigned len, const struct seccomp_data *d)
{
    uint32_t a = 0;
    unsigned pc = 0, steps = 0;
    const unsigned char *raw = (const unsigned char *)d;
    while (pc < len && steps++ < 10000) {
        const struct sock_filter *i = &f[pc];
        switch (i->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            if (i->k > sizeof *d - 4 || (i->k & 3))
                return 0xdeadbeef;
            memcpy(&a, raw + i->k, 4);
            pc++;
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            a &= i->k;
            pc++;
            break;
        case BPF_JMP | BPF_JA:
            pc += 1 + i->k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += 1 + (a == i->k ? i->jt : i->jf);
            break;
        case BPF_JMP | BPF_JGE | BPF_K:
            pc += 1 + (a >= i->k ? i->jt : i->jf);
            break;
        case BPF_JMP | BPF_JGT | BPF_K:
            pc += 1 + (a > i->k ? i->jt : i->jf);
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += 1 + ((a & i->k) ? i->jt : i->jf);
            break;
        case BPF_RET | BPF_K:
            return i->k;
        case BPF_RET | BPF_A:
            return a;
        case BPF_MISC | BPF_TAX:
        case BPF_MISC | BPF_TXA:
        default:
            return 0xdeadbeef;
        }
    }
    return 0xdeadbeef;
}

static uint64_t arg_values[64];
static size_t n_arg_values;

static void add_value(uint64_t v)
{
    size_t i;
    for (i = 0; i < n_arg_values; i++)
        if (arg_values[i] == v)
            return;
    if (n_arg_values < sizeof arg_values / sizeof arg_values[0])
        arg_values[n_arg_values++] = v;
}

/* Compares both programs on |d| with arguments 0 and 1 drawn from the
 * interesting values (rule values, their neighbours, high garbage). */
static long compare_on(const struct cordon__bpf *a, const struct cordon__bpf *b,
                       struct seccomp_data *d, int with_args, const char *what)
{
    size_t i, k;
    long differ = 0;
    for (i = 0; i < (with_args ? n_arg_values : 1); i++) {
        for (k = 0; k < (with_args ? n_arg_values : 1); k++) {
            uint32_t ra, rb;
            d->args[0] = with_args ? arg_values[i] : 0;
            d->args[1] = with_args ? arg_values[k] : 0;
            ra = run_bpf(a->filter, a->len, d);
            rb = run_bpf(b->filter, b->len, d);
            if (ra == 0xdeadbeef || ra != rb) {
                if (differ++ < 5)
                    fprintf(stderr,
                            "%s: arch %#x nr %d a0 %#llx a1 %#llx: direct %#x, libseccomp %#x\n",
                            what, d->arch, d->nr, (unsigned long long)d->args[0],
                            (unsigned long long)d->args[1], ra, rb);
            }
        }
    }
    return differ;
}

static void compare_policy(const char *name)
{
    struct cordon__plan plan;
    const struct cordon__plan_linux *lp = &plan.linux_plan;
    int env_bits;
    size_t i;

    if (filter_plan(name, &plan) != CORDON_OK) {
        CHECK_MSG(0, "%s: %s", name, cordon_last_error());
        return;
    }
    n_arg_values = 0;
    add_value(0);
    add_value(1);
    add_value(0xffffffffull);
    add_value(0x100000000ull);
    add_value(0xffffffff00000002ull);
    add_value(0x8000000000000001ull);
    for (i = 0; i < lp->n_seccomp; i++) {
        const struct cordon__seccomp_rule *r = &lp->seccomp[i];
        if (r->has_arg) {
            add_value(r->value);
            add_value(r->value + 1);
            add_value(r->value | 0xdead00000000ull);
            add_value(r->value | ~r->mask);
        }
        if (r->has_arg2) {
            add_value(r->value2);
            add_value(r->value2 | 1);
            add_value(r->value2 | 0x80000);
        }
    }
    for (env_bits = 0; env_bits < FILTER_ENVS; env_bits++) {
        struct cordon__seccomp_env env;
        struct cordon__bpf native, lib;
        struct seccomp_data d;
        char what[128];
        long differ = 0;
        int nr;
        cordon_error e;

        filter_env(env_bits, &env);
        snprintf(what, sizeof what, "%s userns=%d netns=%d gate=%d", name, env.userns, env.netns,
                 env.gate);
        e = cordon__seccomp_build_native(lp, &env, &native);
        if (e == CORDON_ERR_UNSUPPORTED && !lp->n_seccomp)
            continue;
        CHECK_MSG(e == CORDON_OK, "%s: %s", what, cordon_last_error());
        CHECK_MSG(cordon__seccomp_build_libseccomp(lp, &env, &lib) == CORDON_OK, "%s: %s", what,
                  cordon_last_error());
        if (e != CORDON_OK || !lib.filter) {
            cordon__bpf_free(&native);
            cordon__bpf_free(&lib);
            continue;
        }
        /* cordon__seccomp_build takes the direct program. */
        {
            struct cordon__bpf used;
            CHECK(cordon__seccomp_build(lp, &env, &used) == CORDON_OK);
            CHECK(used.len == native.len &&
                  memcmp(used.filter, native.filter, native.len * sizeof(struct sock_filter)) == 0);
            cordon__bpf_free(&used);
        }
        memset(&d, 0, sizeof d);
        d.instruction_pointer = 0x401000;
        {
            static const uint32_t arches[] = {
#if defined(__x86_64__)
                AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64,
#else
                AUDIT_ARCH_AARCH64, AUDIT_ARCH_X86_64, AUDIT_ARCH_ARM,
#endif
                0,
            };
            size_t a;
            for (a = 0; a < sizeof arches / sizeof arches[0]; a++) {
                d.arch = arches[a];
                for (nr = -1; nr < 1100; nr++) {
                    /* Arguments only matter where a rule compares them:
                     * the numbers of the rules get them all. */
                    int ruled = 0;
                    for (i = 0; a == 0 && i < lp->n_seccomp && !ruled; i++)
                        ruled = seccomp_syscall_resolve_name(lp->seccomp[i].syscall) == nr;
                    d.nr = nr;
                    differ += compare_on(&native, &lib, &d, ruled, what);
                }
                for (nr = 0x40000000; nr < 0x40000000 + 600; nr += 7) {
                    d.nr = nr;
                    differ += compare_on(&native, &lib, &d, 0, what);
                }
                /* The x32 number of every call a rule names. */
                for (i = 0; i < lp->n_seccomp; i++) {
                    int r = seccomp_syscall_resolve_name(lp->seccomp[i].syscall);
                    if (r < 0)
                        continue;
                    d.nr = r | 0x40000000;
                    differ += compare_on(&native, &lib, &d, a == 0, what);
                }
                d.nr = 0x7fffffff;
                differ += compare_on(&native, &lib, &d, 0, what);
                d.nr = (int)0x80000000u;
                differ += compare_on(&native, &lib, &d, 0, what);
            }
        }
        CHECK_MSG(differ == 0, "%s: %ld inputs answered differently", what, differ);
        /* The search keeps the program small. */
        CHECK_MSG(native.len <= lib.len + 32, "%s: %u instructions against libseccomp's %u", what,
                  native.len, lib.len);
        cordon__bpf_free(&native);
        cordon__bpf_free(&lib);
    }
    cordon__plan_free(&plan);
}

/* Rules the direct build must leave to libseccomp: two answers for one
 * number that the same arguments could both reach. */
static void ambiguous_left_to_libseccomp(void)
{
    struct cordon__plan_linux lp;
    struct cordon__seccomp_rule rules[2];
    struct cordon__seccomp_env env = {1, 1, 1};
    struct cordon__bpf out;

    memset(&lp, 0, sizeof lp);
    memset(rules, 0, sizeof rules);
    rules[0] = (struct cordon__seccomp_rule){
        .syscall = "socket", .err = 13, .has_arg = 1, .arg = 0, .mask = 0xffffffffull, .value = 1};
    rules[1] = (struct cordon__seccomp_rule){
        .syscall = "socket", .err = 97, .has_arg = 1, .arg = 1, .mask = 0xffffffffull, .value = 2};
    lp.seccomp = rules;
    lp.n_seccomp = 2;
    CHECK(cordon__seccomp_build_native(&lp, &env, &out) == CORDON_ERR_UNSUPPORTED);
    /* Disjoint on a shared argument: the direct build takes it. */
    rules[1].arg = 0;
    CHECK(cordon__seccomp_build_native(&lp, &env, &out) == CORDON_OK);
    cordon__bpf_free(&out);
    /* A rule for every argument beside one with a compare and another
     * answer: ambiguous. */
    rules[1].has_arg = 0;
    CHECK(cordon__seccomp_build_native(&lp, &env, &out) == CORDON_ERR_UNSUPPORTED);
    /* The same answer: nothing to decide. */
    rules[1].err = 13;
    CHECK(cordon__seccomp_build_native(&lp, &env, &out) == CORDON_OK);
    cordon__bpf_free(&out);
}

int main(void)
{
#if !(defined(__x86_64__) && !defined(__ILP32__)) && !(defined(__aarch64__) && !defined(__ILP32__))
    fprintf(stderr, "skip: the filter is built by libseccomp alone on this architecture\n");
    return CORDON_TEST_SKIP;
#endif
    for (size_t k = 0; filter_policies[k]; k++)
        compare_policy(filter_policies[k]);
    ambiguous_left_to_libseccomp();
    TEST_MAIN_END();
}
