// SPDX-License-Identifier: Apache-2.0
/*
 * Command-line parsing of the runtime: the global flags that precede the command and the
 * flags of `cvisor do`. Pure functions over argv (no system calls), so they are unit-tested.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime.h"

/* Long-only options; the values are the getopt return codes. */
enum {
    OPT_PLATFORM = 256,
    OPT_ROOT,
    OPT_CWD,
    OPT_STRACE,
    OPT_DEBUG,
    OPT_LOG_FD,
    OPT_LOG,
    OPT_VERSION,
    OPT_OVERLAY,
    OPT_VOLUME,
    OPT_SYSTRAP_PATCHING,
    OPT_NETWORK,
    OPT_SUBNET,
    OPT_PUBLISH,
    OPT_HELP = 'h',
};

static const char *const g_platforms[] = {"ptrace", "systrap"};

void rt_opts_init(struct rt_opts *o)
{
    *o = (struct rt_opts){
        .platform = "systrap", .network = "sandbox", .root = "/", .log_fd = -1, .overlay = true};
}

bool rt_platform_known(const char *name)
{
    for (size_t i = 0; i < sizeof(g_platforms) / sizeof(g_platforms[0]); i++)
        if (strcmp(name, g_platforms[i]) == 0)
            return true;
    return false;
}

/* Parse a descriptor number. Returns it, or -EINVAL. */
static int parse_fd(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > INT_MAX)
        return -EINVAL;
    return (int)v;
}

/* Apply one option shared by the global position and `do`. Returns 0 or -errno. */
static int apply_common(struct rt_opts *o, int c, const char *arg, struct cv_error **err)
{
    switch (c) {
    case OPT_PLATFORM:
        if (!rt_platform_known(arg))
            return cv_error_set(err, 0, "unknown platform `%s` (available: ptrace, systrap)", arg);
        o->platform = arg;
        return 0;
    case OPT_SYSTRAP_PATCHING:
        if (strcmp(arg, "true") == 0 || strcmp(arg, "1") == 0)
            o->no_patching = false;
        else if (strcmp(arg, "false") == 0 || strcmp(arg, "0") == 0)
            o->no_patching = true;
        else
            return cv_error_set(err, 0, "invalid --systrap-patching `%s` (true or false)", arg);
        return 0;
    case OPT_NETWORK:
        if (strcmp(arg, "sandbox") != 0 && strcmp(arg, "none") != 0)
            return cv_error_set(err, 0, "unknown network `%s` (available: sandbox, none)", arg);
        o->network = arg;
        return 0;
    case OPT_STRACE:
        o->strace = true;
        return 0;
    case OPT_DEBUG:
        o->debug = true;
        return 0;
    case OPT_LOG_FD:
        o->log_fd = parse_fd(arg);
        if (o->log_fd < 0)
            return cv_error_set(err, 0, "invalid --log-fd `%s`: not a descriptor number", arg);
        return 0;
    case OPT_LOG:
        if (!*arg)
            return cv_error_set(err, 0, "invalid --log: empty path");
        o->log_path = arg;
        return 0;
    case OPT_HELP:
        o->help = true;
        return 0;
    }
    return -ENOENT; /* not a common option */
}

/* Report a getopt failure for the option at @argv[@optind - 1]. */
static int bad_option(int c, char **argv, struct cv_error **err)
{
    const char *opt = argv[optind - 1];
    if (c == ':')
        return cv_error_set(err, 0, "option `%s` requires a value", opt);
    return cv_error_set(err, 0, "unknown option `%s`", opt);
}

/* Every long option; the parsers reject those that do not belong where they appear. */
static const struct option g_longopts[] = {
    {"platform", required_argument, NULL, OPT_PLATFORM},
    {"systrap-patching", required_argument, NULL, OPT_SYSTRAP_PATCHING},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"strace", no_argument, NULL, OPT_STRACE},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"log-fd", required_argument, NULL, OPT_LOG_FD},
    {"log", required_argument, NULL, OPT_LOG},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},       /* global only */
    {"root", required_argument, NULL, OPT_ROOT},       /* do only */
    {"cwd", required_argument, NULL, OPT_CWD},         /* do only */
    {"overlay", required_argument, NULL, OPT_OVERLAY}, /* do only */
    {"volume", required_argument, NULL, OPT_VOLUME},   /* do only */
    {"subnet", required_argument, NULL, OPT_SUBNET},   /* do only */
    {"publish", required_argument, NULL, OPT_PUBLISH}, /* do only */
    {NULL, 0, NULL, 0},
};

/* The platform the Sentry gets: systrap without patching is "systrap:nopatch"
 * (platform_select). */
static void finish_platform(struct rt_opts *o)
{
    if (strcmp(o->platform, "systrap") == 0 && o->no_patching)
        o->platform = "systrap:nopatch";
    else if (strcmp(o->platform, "systrap:nopatch") == 0 && !o->no_patching)
        o->platform = "systrap";
}

int rt_parse_global(int argc, char **argv, struct rt_opts *o, struct cv_error **err)
{
    optind = 0; /* GNU: full reinitialisation */
    opterr = 0;
    int c;
    /* "+": stop at the command name; ":" reports a missing value as ':'. */
    while ((c = getopt_long(argc, argv, "+:h", g_longopts, NULL)) != -1) {
        if (c == '?' || c == ':')
            return bad_option(c, argv, err);
        if (c == OPT_VERSION) {
            o->version = true;
            continue;
        }
        if (c == OPT_ROOT || c == OPT_CWD || c == OPT_OVERLAY || c == OPT_VOLUME ||
            c == OPT_SUBNET || c == OPT_PUBLISH)
            return cv_error_set(err, 0, "option `%s` belongs after `do`", argv[optind - 1]);
        int ret = apply_common(o, c, optarg, err);
        if (ret < 0)
            return ret;
    }
    finish_platform(o);
    return optind;
}

/* Parse `SRC:DST[:ro]` into a new entry of o->volumes. Returns 0 or -errno with *@err. */
static int add_volume(struct rt_opts *o, const char *arg, struct cv_error **err)
{
    if (o->nvolumes == RT_VOLUMES_MAX)
        return cv_error_set(err, 0, "too many --volume flags (at most %d)", RT_VOLUMES_MAX);
    const char *colon = strchr(arg, ':');
    if (!colon || colon == arg)
        return cv_error_set(err, 0, "invalid --volume `%s`: expected SRC:DST[:ro]", arg);
    const char *dst = colon + 1;
    size_t dst_len = strlen(dst);
    bool ro = false;
    const char *opt = strchr(dst, ':');
    if (opt) {
        if (strcmp(opt, ":ro") != 0 && strcmp(opt, ":rw") != 0)
            return cv_error_set(err, 0, "invalid --volume `%s`: unknown option `%s`", arg, opt + 1);
        ro = strcmp(opt, ":ro") == 0;
        dst_len = (size_t)(opt - dst);
    }
    if (dst_len == 0 || dst[0] != '/')
        return cv_error_set(err, 0, "invalid --volume `%s`: DST must be an absolute path", arg);
    if (dst_len == 1)
        return cv_error_set(err, 0, "invalid --volume `%s`: DST cannot be /", arg);
    size_t src_len = (size_t)(colon - arg);
    if (src_len >= sizeof(o->volumes[0].src) || dst_len >= sizeof(o->volumes[0].dst))
        return cv_error_set(err, ENAMETOOLONG, "use --volume `%s`", arg);
    struct rt_volume *nv = realloc(o->volumes, sizeof(*nv) * (size_t)(o->nvolumes + 1));
    if (!nv)
        return cv_error_set(err, ENOMEM, "use --volume `%s`", arg);
    o->volumes = nv;
    struct rt_volume *v = &nv[o->nvolumes++];
    memcpy(v->src, arg, src_len);
    v->src[src_len] = '\0';
    memcpy(v->dst, dst, dst_len);
    v->dst[dst_len] = '\0';
    v->ro = ro;
    return 0;
}

int rt_parse_subnet(const char *arg, uint32_t *addr, int *prefix, struct cv_error **err)
{
    unsigned a, b, c, d, n;
    char end;
    if (sscanf(arg, "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &n, &end) != 5 || a > 255 || b > 255 ||
        c > 255 || d > 255)
        return cv_error_set(err, 0, "invalid --subnet `%s`: expected A.B.C.D/N", arg);
    if (n < 8 || n > 30)
        return cv_error_set(err, 0, "invalid --subnet `%s`: the prefix must be 8 to 30", arg);
    uint32_t v = a << 24 | b << 16 | c << 8 | d;
    if (a == 127 || a == 0 || a >= 224)
        return cv_error_set(err, 0, "invalid --subnet `%s`: not a unicast network", arg);
    *addr = v & (~0u << (32 - n));
    *prefix = (int)n;
    return 0;
}

int rt_do_parse(int argc, char **argv, struct rt_opts *o, struct cv_error **err)
{
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:h", g_longopts, NULL)) != -1) {
        if (c == '?' || c == ':' || c == OPT_VERSION)
            return bad_option(c, argv, err);
        if (c == OPT_ROOT) {
            if (!*optarg)
                return cv_error_set(err, 0, "invalid --root: empty path");
            o->root = optarg;
            continue;
        }
        if (c == OPT_CWD) {
            /* The Sentry resolves it inside the sandbox, where there is no caller cwd. */
            if (optarg[0] != '/')
                return cv_error_set(err, 0, "invalid --cwd `%s`: not an absolute path", optarg);
            o->cwd = optarg;
            continue;
        }
        if (c == OPT_OVERLAY) {
            if (strcmp(optarg, "memory") != 0 && strcmp(optarg, "none") != 0)
                return cv_error_set(err, 0, "invalid --overlay `%s` (memory or none)", optarg);
            o->overlay = strcmp(optarg, "memory") == 0;
            continue;
        }
        if (c == OPT_SUBNET) {
            int ret = rt_parse_subnet(optarg, &o->subnet_addr, &o->subnet_prefix, err);
            if (ret < 0)
                return ret;
            continue;
        }
        if (c == OPT_PUBLISH) {
            if (o->npublish == RT_PUBLISH_MAX)
                return cv_error_set(err, 0, "too many --publish flags (at most %d)",
                                    RT_PUBLISH_MAX);
            int ret = rt_parse_publish(optarg, &o->publish[o->npublish], err);
            if (ret < 0)
                return ret;
            o->npublish++;
            continue;
        }
        if (c == OPT_VOLUME) {
            int ret = add_volume(o, optarg, err);
            if (ret < 0)
                return ret;
            continue;
        }
        int ret = apply_common(o, c, optarg, err);
        if (ret < 0)
            return ret;
    }
    finish_platform(o);
    if (o->help)
        return 0;
    if (o->npublish && strcmp(o->network, "sandbox") != 0)
        return cv_error_set(err, 0, "--publish needs --network=sandbox");
    if (o->log_path && o->log_fd >= 0)
        return cv_error_set(err, 0, "--log and --log-fd are mutually exclusive");
    if (optind >= argc)
        return cv_error_set(err, 0,
                            "do: no command given (usage: cvisor do [flags] -- CMD [ARGS...])");
    o->cmd = argv + optind;
    o->cmd_argc = argc - optind;
    return 0;
}
