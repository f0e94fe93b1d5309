// SPDX-License-Identifier: Apache-2.0
/*
 * Sanitizer defaults of cvisor-asan, the test build of the whole cvisor binary with ASan and
 * UBSan (meson option sanitized_cvisor). They are compiled in because the runtime re-executes
 * itself for the Sentry and the gofers, and those then pivot into roots where nothing of the
 * host is reachable; ASAN_OPTIONS / UBSAN_OPTIONS in the environment still override them.
 *
 * - symbolize=0: there is no llvm-symbolizer in the Sentry's empty root (and forking one is
 *   not allowed by its seccomp filter). Reports show module+offset pairs, which
 *   `addr2line -e build/cvisor-asan OFFSET` turns into lines.
 * - log_path stays stderr: the Sentry and the gofers write to the runtime's stderr, so a
 *   report lands in the test's log; the test wrappers also scan stderr for reports.
 * - exitcode=66 (and UBSan's halt_on_error with -fno-sanitize-recover=all): a report ends the
 *   process with a status no test expects, so the sandbox run fails instead of only printing.
 * - detect_leaks=0: the Sentry and the gofer end with exit_group without freeing what they
 *   hold, and LeakSanitizer's stop-the-world tracer thread is a clone the Sentry's seccomp
 *   filter forbids.
 */

#define SAN_COMMON "symbolize=0:exitcode=66:print_summary=1:color=never:"

/* Called by the ASan runtime before it parses ASAN_OPTIONS. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return SAN_COMMON "detect_leaks=0:halt_on_error=1:abort_on_error=0";
}

/* Called by the UBSan runtime before it parses UBSAN_OPTIONS. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return SAN_COMMON "print_stacktrace=1:halt_on_error=1";
}
