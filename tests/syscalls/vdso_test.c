// SPDX-License-Identifier: Apache-2.0
/* Conformance tests for the vDSO: it is announced in the auxiliary vector and listed in
 * /proc/self/maps, exports the x86-64 time functions at version LINUX_2.6, and its answers
 * agree with the system calls (a vDSO read between two syscall reads lies between them, on
 * every thread), sleeps measured with it last at least as long as asked, and its time page
 * cannot be made writable. */
#include <elf.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "tests/syscalls/harness.h"

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*gettimeofday_fn)(struct timeval *, void *);
typedef time_t (*time_fn)(time_t *);
typedef int (*getcpu_fn)(unsigned *, unsigned *, void *);

/* ---- finding a symbol in the vDSO, as a dynamic loader does ---------------------------- */

struct vdso {
    uintptr_t base;
    const Elf64_Sym *sym;
    const char *str;
    const Elf64_Versym *versym;
    const Elf64_Verdef *verdef;
    uint32_t nsyms;
};

static int vdso_open(struct vdso *v)
{
    memset(v, 0, sizeof(*v));
    v->base = getauxval(AT_SYSINFO_EHDR);
    if (!v->base)
        return -1;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)v->base;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(v->base + eh->e_phoff);
    const Elf64_Dyn *dyn = NULL;
    uintptr_t load = 0;
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type == PT_LOAD && !load)
            load = v->base + ph[i].p_offset - ph[i].p_vaddr;
        if (ph[i].p_type == PT_DYNAMIC)
            dyn = (const Elf64_Dyn *)(v->base + ph[i].p_offset);
    }
    if (!dyn)
        return -1;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        uintptr_t p = load + dyn->d_un.d_ptr;
        switch (dyn->d_tag) {
        case DT_SYMTAB: v->sym = (const Elf64_Sym *)p; break;
        case DT_STRTAB: v->str = (const char *)p; break;
        case DT_HASH: v->nsyms = ((const uint32_t *)p)[1]; break;
        case DT_VERSYM: v->versym = (const Elf64_Versym *)p; break;
        case DT_VERDEF: v->verdef = (const Elf64_Verdef *)p; break;
        }
    }
    return v->sym && v->str && v->nsyms ? 0 : -1;
}

/* The name of version index @ndx. */
static const char *vdso_version_name(const struct vdso *v, unsigned ndx)
{
    const Elf64_Verdef *d = v->verdef;
    while (d) {
        if ((d->vd_ndx & 0x7fff) == ndx) {
            const Elf64_Verdaux *a = (const Elf64_Verdaux *)((const char *)d + d->vd_aux);
            return v->str + a->vda_name;
        }
        if (!d->vd_next)
            break;
        d = (const Elf64_Verdef *)((const char *)d + d->vd_next);
    }
    return NULL;
}

/* Address of the defined function @name at version @version, or NULL. */
static void *vdso_sym(const struct vdso *v, const char *name, const char *version)
{
    uintptr_t load = v->base; /* the image starts at address 0 in both Linux's and ours */
    for (uint32_t i = 0; i < v->nsyms; i++) {
        const Elf64_Sym *s = &v->sym[i];
        if (s->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s->st_info) != STT_FUNC ||
            strcmp(v->str + s->st_name, name) != 0)
            continue;
        if (version && v->versym) {
            const char *vn = vdso_version_name(v, v->versym[i] & 0x7fff);
            if (!vn || strcmp(vn, version) != 0)
                continue;
        }
        return (void *)(load + s->st_value);
    }
    return NULL;
}

static void *need_sym(const char *name)
{
    struct vdso v;
    CHECK(vdso_open(&v));
    void *p = vdso_sym(&v, name, "LINUX_2.6");
    if (!p) {
        harness_diag("vDSO has no %s@LINUX_2.6", name);
        EXPECT_TRUE(p != NULL);
        _exit(1);
    }
    return p;
}

static uint64_t ts_ns(const struct timespec *ts)
{
    return (uint64_t)ts->tv_sec * 1000000000ULL + (uint64_t)ts->tv_nsec;
}

static uint64_t sys_now(clockid_t c)
{
    struct timespec ts;
    CHECK(syscall(SYS_clock_gettime, c, &ts));
    return ts_ns(&ts);
}

/* ---- the vDSO is there ------------------------------------------------------------------ */

TEST(auxv_points_at_an_elf_image)
{
    unsigned long base = getauxval(AT_SYSINFO_EHDR);
    EXPECT_TRUE(base != 0);
    EXPECT_EQ(base % 4096, 0);
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    EXPECT_EQ(memcmp(eh->e_ident, ELFMAG, SELFMAG), 0);
    EXPECT_EQ(eh->e_type, ET_DYN);
    EXPECT_EQ(eh->e_machine, EM_X86_64);
}

TEST(maps_list_vdso_and_vvar)
{
    FILE *f = fopen("/proc/self/maps", "r");
    CHECK(f ? 0 : -1);
    char line[512];
    unsigned long vdso_start = 0;
    int vvar = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3)
            continue;
        if (strstr(line, "[vdso]")) {
            vdso_start = s;
            EXPECT_STREQ(perms, "r-xp");
        }
        if (strstr(line, "[vvar]")) {
            vvar = 1;
            EXPECT_EQ(perms[0], 'r');
            EXPECT_EQ(perms[1], '-');
            EXPECT_EQ(perms[2], '-');
        }
    }
    fclose(f);
    EXPECT_EQ(vdso_start, getauxval(AT_SYSINFO_EHDR));
    EXPECT_EQ(vvar, 1);
}

TEST(exports_the_time_functions)
{
    const char *names[] = {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
                           "__vdso_getcpu", "__vdso_clock_getres"};
    struct vdso v;
    CHECK(vdso_open(&v));
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        void *p = vdso_sym(&v, names[i], "LINUX_2.6");
        if (!p)
            harness_diag("missing %s@LINUX_2.6", names[i]);
        EXPECT_TRUE(p != NULL);
    }
}

/* ---- it agrees with the kernel ------------------------------------------------------------ */

static void check_between(clockid_t c)
{
    gettime_fn vgt = (gettime_fn)need_sym("__vdso_clock_gettime");
    for (int i = 0; i < 2000; i++) {
        struct timespec v;
        uint64_t a = sys_now(c);
        EXPECT_EQ(vgt(c, &v), 0);
        uint64_t b = sys_now(c);
        EXPECT_TRUE(v.tv_nsec >= 0 && v.tv_nsec < 1000000000);
        if (ts_ns(&v) < a || ts_ns(&v) > b) {
            harness_diag("clock %d: syscall %llu, vdso %llu, syscall %llu", (int)c,
                         (unsigned long long)a, (unsigned long long)ts_ns(&v),
                         (unsigned long long)b);
            EXPECT_TRUE(0);
            return;
        }
    }
}

TEST(monotonic_between_syscalls) { check_between(CLOCK_MONOTONIC); }
TEST(realtime_between_syscalls) { check_between(CLOCK_REALTIME); }
TEST(boottime_between_syscalls) { check_between(CLOCK_BOOTTIME); }
TEST(tai_between_syscalls) { check_between(CLOCK_TAI); }

TEST(other_clocks_answered)
{
    /* Clocks a vDSO may pass to the kernel still give the kernel's answer. */
    gettime_fn vgt = (gettime_fn)need_sym("__vdso_clock_gettime");
    const clockid_t c[] = {CLOCK_MONOTONIC_RAW, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID,
                           CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE};
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct timespec ts = {-1, -1};
        EXPECT_EQ(vgt(c[i], &ts), 0);
        EXPECT_TRUE(ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
    }
    struct timespec ts;
    EXPECT_EQ(vgt(12345, &ts), -EINVAL); /* the raw vDSO returns -errno, like the syscall */
}

TEST(gettimeofday_and_time_agree)
{
    gettimeofday_fn vgtod = (gettimeofday_fn)need_sym("__vdso_gettimeofday");
    time_fn vtime = (time_fn)need_sym("__vdso_time");
    for (int i = 0; i < 1000; i++) {
        uint64_t a = sys_now(CLOCK_REALTIME) / 1000;
        struct timeval tv;
        EXPECT_EQ(vgtod(&tv, NULL), 0);
        uint64_t b = sys_now(CLOCK_REALTIME) / 1000 + 1;
        uint64_t us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
        EXPECT_TRUE(us >= a && us <= b);
        EXPECT_TRUE(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    }
    /* time() reads the coarse clock (Linux: the last tick's seconds), which may be a second
     * behind CLOCK_REALTIME read just before it at a second boundary. */
    time_t t0 = (time_t)(sys_now(CLOCK_REALTIME_COARSE) / 1000000000ULL);
    time_t out = 0;
    time_t t = vtime(&out);
    time_t t1 = (time_t)(sys_now(CLOCK_REALTIME) / 1000000000ULL);
    EXPECT_EQ(t, out);
    EXPECT_TRUE(t >= t0 && t <= t1);
    EXPECT_TRUE(vtime(NULL) >= t);
}

TEST(getres_of_the_fine_clocks)
{
    int (*vres)(clockid_t, struct timespec *) = need_sym("__vdso_clock_getres");
    const clockid_t c[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct timespec v = {-1, -1}, k = {-2, -2};
        EXPECT_EQ(vres(c[i], &v), 0);
        CHECK(syscall(SYS_clock_getres, c[i], &k));
        EXPECT_EQ(v.tv_sec, k.tv_sec);
        EXPECT_EQ(v.tv_nsec, k.tv_nsec);
    }
}

TEST(getcpu_is_the_cpu_we_run_on)
{
    getcpu_fn vgetcpu = (getcpu_fn)need_sym("__vdso_getcpu");
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    CHECK(n > 0 ? 0 : -1);
    for (int cpu = 0; cpu < n; cpu++) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) < 0)
            continue;
        unsigned vc = 9999, vn = 9999, kc = 8888, kn = 8888;
        EXPECT_EQ(vgetcpu(&vc, &vn, NULL), 0);
        CHECK(syscall(SYS_getcpu, &kc, &kn, NULL));
        EXPECT_EQ(vc, (unsigned)cpu);
        EXPECT_EQ(kc, (unsigned)cpu);
        EXPECT_EQ(vn, kn);
    }
}

/* ---- across threads and processes --------------------------------------------------------- */

static _Atomic uint64_t g_last;
static atomic_int g_backwards;

static void *race_clock(void *arg)
{
    (void)arg;
    for (int i = 0; i < 200000; i++) {
        uint64_t seen = atomic_load(&g_last);
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t now = ts_ns(&ts);
        if (now < seen)
            atomic_fetch_add(&g_backwards, 1);
        while (seen < now && !atomic_compare_exchange_weak(&g_last, &seen, now))
            ;
    }
    return NULL;
}

TEST(monotonic_across_threads)
{
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        CHECK(pthread_create(&th[i], NULL, race_clock, NULL) == 0 ? 0 : -1);
    race_clock(NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    EXPECT_EQ(atomic_load(&g_backwards), 0);
}

TEST(works_in_a_forked_child)
{
    unsigned long parent = getauxval(AT_SYSINFO_EHDR);
    pid_t pid = fork();
    CHECK(pid);
    if (pid == 0) {
        gettime_fn vgt = (gettime_fn)need_sym("__vdso_clock_gettime");
        struct timespec ts;
        uint64_t a = sys_now(CLOCK_MONOTONIC);
        int ok = vgt(CLOCK_MONOTONIC, &ts) == 0 && ts_ns(&ts) >= a &&
                 ts_ns(&ts) <= sys_now(CLOCK_MONOTONIC) && getauxval(AT_SYSINFO_EHDR) == parent;
        _exit(ok ? 0 : 1);
    }
    int st;
    CHECK(waitpid(pid, &st, 0));
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* ---- sleeps and timeouts, measured with the vDSO ------------------------------------------- */

static uint64_t now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts_ns(&ts);
}

TEST(absolute_sleep_ends_after_its_deadline)
{
    for (int i = 0; i < 20; i++) {
        uint64_t deadline = now_mono() + 2000000;
        struct timespec d = {(time_t)(deadline / 1000000000ULL), (long)(deadline % 1000000000ULL)};
        EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL), 0);
        EXPECT_TRUE(now_mono() >= deadline);
    }
}

TEST(relative_sleep_lasts_as_long_as_asked)
{
    for (int i = 0; i < 20; i++) {
        uint64_t a = now_mono();
        struct timespec d = {0, 1500000};
        EXPECT_EQ(nanosleep(&d, NULL), 0);
        EXPECT_TRUE(now_mono() - a >= 1500000);
    }
}

TEST(condvar_timeout_ends_after_its_deadline)
{
    pthread_condattr_t ca;
    pthread_cond_t cv;
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cv, &ca);
    pthread_mutex_lock(&mu);
    for (int i = 0; i < 20; i++) {
        uint64_t deadline = now_mono() + 1000000;
        struct timespec d = {(time_t)(deadline / 1000000000ULL), (long)(deadline % 1000000000ULL)};
        EXPECT_EQ(pthread_cond_timedwait(&cv, &mu, &d), ETIMEDOUT);
        EXPECT_TRUE(now_mono() >= deadline);
    }
    pthread_mutex_unlock(&mu);
}

/* ---- protection ------------------------------------------------------------------------------ */

static int find_map(const char *name, unsigned long *s, unsigned long *e)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int found = -1;
    while (f && fgets(line, sizeof(line), f)) {
        if (strstr(line, name) && sscanf(line, "%lx-%lx", s, e) == 2) {
            found = 0;
            break;
        }
    }
    if (f)
        fclose(f);
    return found;
}

TEST(vvar_cannot_be_made_writable)
{
    unsigned long s, e;
    CHECK(find_map("[vvar]", &s, &e));
    EXPECT_ERRNO(mprotect((void *)s, 4096, PROT_READ | PROT_WRITE), EACCES);
}
