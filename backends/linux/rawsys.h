/* System calls that leave errno alone, for code that runs while another
 * process shares our memory (process.h's alongside hook): errno lives in
 * thread-local storage, and a child cloned with CLONE_VM (without
 * CLONE_SETTLS) shares that too, so a failing libc call on one side would
 * change what the other reads. These return the kernel's answer as is:
 * >= 0, or -errno. CORDON__RAW_SYSCALLS is 0 on architectures not listed
 * here (libc's syscall() then stands in), and callers then keep the two
 * processes' memory apart. */
#ifndef CORDON_LINUX_RAWSYS_H
#define CORDON_LINUX_RAWSYS_H

#if defined(__x86_64__)
#define CORDON__RAW_SYSCALLS 1
static inline long cordon__raw_syscall(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
#define CORDON__RAW_SYSCALLS 1
static inline long cordon__raw_syscall(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}
#else
/* No raw system calls here: libc's, with the same answers. Callers that
 * run beside another process keep their memory apart on such
 * architectures (CORDON__RAW_SYSCALLS 0), so errno is their own. */
#include <errno.h>
#include <unistd.h>
#define CORDON__RAW_SYSCALLS 0
static inline long cordon__raw_syscall(long n, long a, long b, long c, long d, long e, long f)
{
    long r = syscall(n, a, b, c, d, e, f);
    return r < 0 ? -(long)errno : r;
}
#endif

#define CORDON__RAW0(n) cordon__raw_syscall((n), 0, 0, 0, 0, 0, 0)
#define CORDON__RAW1(n, a) cordon__raw_syscall((n), (long)(a), 0, 0, 0, 0, 0)
#define CORDON__RAW2(n, a, b) cordon__raw_syscall((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define CORDON__RAW3(n, a, b, c) cordon__raw_syscall((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define CORDON__RAW4(n, a, b, c, d) \
    cordon__raw_syscall((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

#endif
