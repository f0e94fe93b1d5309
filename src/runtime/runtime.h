// SPDX-License-Identifier: Apache-2.0
/*
 * The cvisor command line (runsc-like): options shared by the commands, the `do` command and
 * the sandbox launcher that starts the gofer and the Sentry (`boot`) as child processes.
 * main() and the command table live in cvisor_main.c; the rest is in this library.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <termios.h>

#include "runtime/error.h"

/* Exit code of the runtime for its own failures (usage errors included), as env(1),
 * timeout(1) and docker use 125: a command's own codes are 0..124 and 128+N for signals. */
#define RT_EXIT_FAILURE 125

/* Most --volume flags of one `do`. */
#define RT_VOLUMES_MAX 16

/* Most --publish flags of one `do`. */
#define RT_PUBLISH_MAX 16

/* A host TCP port forwarded into the sandbox by `do --publish [ADDR:]HOST:SANDBOX`. */
struct rt_publish {
    uint32_t addr; /* host order; default 0.0.0.0 */
    uint16_t host_port;
    uint16_t sandbox_port;
};

/* A host directory bind-mounted into the sandbox by `do --volume SRC:DST[:ro]`. */
struct rt_volume {
    char src[4096]; /* host path as given */
    char dst[4096]; /* absolute path in the sandbox */
    bool ro;
};

/* Options of `cvisor [global flags] CMD [flags]`; the global flags fill the same struct. */
struct rt_opts {
    const char *platform;      /* --platform, default "systrap" */
    bool no_patching;          /* --systrap-patching=false */
    const char *network;       /* --network, default "sandbox" (or "none") */
    const char *root;          /* do --root, default "/" */
    const char *cwd;           /* do --cwd, NULL: derived from the current directory */
    bool overlay;              /* do --overlay=memory (default) or none */
    uint32_t subnet_addr; /* do --subnet A.B.C.D/N (host order), with subnet_prefix */
    int subnet_prefix;    /* 0: a /30 of 10.200.0.0/16 chosen by net.c */
    struct rt_publish publish[RT_PUBLISH_MAX]; /* do --publish */
    int npublish;
    struct rt_volume *volumes; /* do --volume, malloc'ed array of nvolumes (owned) */
    int nvolumes;
    bool strace;          /* --strace */
    bool debug;           /* --debug */
    int log_fd;           /* --log-fd N, -1 if none */
    const char *log_path; /* --log FILE, NULL if none */
    bool help;            /* --help / -h was given */
    bool version;         /* global --version was given */
    char **cmd;           /* do: the command and its arguments (borrowed, NULL-terminated) */
    int cmd_argc;
};

/* Parse `A.B.C.D/N` (N 8..30, a unicast network) into @addr (the network, host order) and
 * @prefix. Returns 0 or a negative errno with *@err set. */
int rt_parse_subnet(const char *arg, uint32_t *addr, int *prefix, struct cv_error **err);

/* Defaults for all options. */
void rt_opts_init(struct rt_opts *o);

/*
 * Parse the global flags of `cvisor [flags] CMD ...` from @argv[1..] into @o, stopping at the
 * first non-option (the command name). Returns the index of the command name in @argv
 * (== @argc if none), or a negative errno with *@err set.
 */
int rt_parse_global(int argc, char **argv, struct rt_opts *o, struct cv_error **err);

/*
 * Parse `do [flags] [--] CMD [ARGS...]` (@argv[0] is "do") into @o, which holds the global
 * flags already. Sets o->cmd/o->cmd_argc to the command (pointers into @argv). Validates
 * the values that need no system call (platform name, cwd form, --log/--log-fd).
 * Returns 0, or a negative errno with *@err set. With --help, returns 0 and sets o->help.
 */
int rt_do_parse(int argc, char **argv, struct rt_opts *o, struct cv_error **err);

/* True if @name is a platform this build has. */
bool rt_platform_known(const char *name);

/*
 * The working directory for the command: @o->cwd if given, else the caller's current
 * directory if the same path is a directory under the root @root_real (an absolute,
 * resolved path), else "/". Writes it into @buf. Returns 0 or a negative errno with *@err.
 */
int rt_choose_cwd(const struct rt_opts *o, const char *root_real, char *buf, size_t size,
                  struct cv_error **err);

/* A started sandbox: the gofers (root and volumes) and boot (Sentry) processes. */
/* The sandbox's link (net.c): a veth pair, host end host_if, the other end eth0 inside. */
struct rt_net {
    char host_if[16];      /* "cvhN"; empty: no link (loopback only) */
    uint32_t host_addr;    /* host order */
    uint32_t sandbox_addr; /* host order */
    int prefix;
};

/*
 * For --network=sandbox as root: create the veth pair of the Sentry @pid (whose network
 * namespace exists and which has not looked at it yet), configure both ends and the host's
 * filter. Without CAP_NET_ADMIN it logs one line and leaves net->host_if empty. The pair is
 * destroyed with the Sentry's namespace. Returns 0 or a negative errno with *@err set.
 */
int rt_net_setup(const struct rt_opts *o, pid_t pid, struct rt_net *net, struct cv_error **err);

/* Parse `[ADDR:]HOST:SANDBOX` into @p. Returns 0 or a negative errno with *@err set. */
int rt_parse_publish(const char *arg, struct rt_publish *p, struct cv_error **err);

/* Bind and listen on the host ports of @o's --publish flags (@fds: one per flag, close-on-
 * exec, owned by the caller). Returns 0 or a negative errno with *@err set. */
int rt_publish_listen(const struct rt_opts *o, int *fds, struct cv_error **err);

/* Start the relay process that accepts on @fds and connects each connection to the sandbox
 * port over the link @net (which must exist). Returns its pid or a negative errno with *@err
 * set. The relay dies with the caller (PR_SET_PDEATHSIG). */
pid_t rt_publish_start(const struct rt_opts *o, const int *fds, const struct rt_net *net,
                       struct cv_error **err);

struct rt_sandbox {
    struct rt_net net;
    pid_t relay_pid;                   /* the --publish relay, 0 if none or reaped */
    pid_t gofer_pid;                   /* the root's gofer; 0 once reaped */
    pid_t volume_pids[RT_VOLUMES_MAX]; /* a gofer per volume; 0 once reaped */
    int nvolumes;
    pid_t boot_pid;  /* 0 once reaped */
    int boot_status; /* wait status of boot once reaped */
    bool tty_saved;  /* fd 0 is a terminal: its mode before the sandbox, in tty */
    struct termios tty;
};

/*
 * Start the gofer (`cvisor gofer --root ROOT --sock FD --ro ...`) and the Sentry (`cvisor boot
 * --gofer-fd FD ... -- CMD...`) as children of the calling process, connected by a
 * SOCK_SEQPACKET socketpair; both die with the caller (PR_SET_PDEATHSIG). The signals that
 * rt_sandbox_wait() handles must already be blocked (rt_sandbox_block_signals()); the
 * children get @child_mask instead. Returns 0, or a negative errno with *@err set (nothing
 * left running).
 */
int rt_sandbox_start(const struct rt_opts *o, const char *root, const char *cwd, int log_fd,
                     const sigset_t *child_mask, struct rt_sandbox *sb, struct cv_error **err);

/* Block SIGCHLD and the forwarded signals; the previous mask goes to *@old. */
int rt_sandbox_block_signals(sigset_t *old);

/*
 * Wait for the Sentry to exit while forwarding SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
 * SIGUSR2, SIGWINCH and SIGCONT sent to the runtime, then kill and reap the gofer.
 * Returns the exit code of `cvisor do`: the Sentry's exit code, or 128+N if it died of
 * signal N.
 */
int rt_sandbox_wait(struct rt_sandbox *sb);

/* The commands (argv[0] is the command name). Each returns the process exit code. */
int rt_cmd_do(int argc, char **argv, struct rt_opts *global);
int rt_cmd_syscalls(int argc, char **argv, struct rt_opts *global);
int rt_cmd_version(int argc, char **argv, struct rt_opts *global);
int rt_cmd_help(int argc, char **argv, struct rt_opts *global);

/* Print the version line ("cvisor version X") on stdout. */
void rt_print_version(void);
/* Print the general usage on @fd. */
void rt_print_usage(int fd);
