// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox's link for `cvisor do --network=sandbox` run as root (docs/network.md): a veth
 * pair between the host and the Sentry's network namespace, as `runsc do` makes. The host end
 * `cvhN` gets the first address of a /30 (or of --subnet), the sandbox end `eth0` the second,
 * a default route via the host end and IPv6 off; the Sentry copies that configuration into
 * its stack and takes it off the namespace's kernel side. A host nftables table (`inet
 * cvisor`) lets packets that arrive on any `cvh*` interface reach only the address of that
 * interface: not the host's loopback, not its other addresses, not forwarding.
 *
 * Everything here runs in the single-threaded runtime, before the Sentry is let go.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "runtime/runtime.h"

extern char **environ;

/* The pool of automatic subnets: /30s of 10.200.0.0/16, one per host interface cvhN. */
#define POOL_BASE 0x0ac80000u /* 10.200.0.0 */
#define POOL_SLOTS 16384
#define SANDBOX_IFNAME "eth0"

/* The host's filter for every sandbox link, replaced as a whole (one nft transaction). */
static const char g_nft_rules[] =
    "add table inet cvisor\n"
    "add chain inet cvisor input { type filter hook input priority -10; policy accept; }\n"
    "add chain inet cvisor forward { type filter hook forward priority -10; policy accept; }\n"
    "flush chain inet cvisor input\n"
    "flush chain inet cvisor forward\n"
    /* Only the address of the interface the packet came in on: the veth peer address. */
    "add rule inet cvisor input iifname \"cvh*\" fib daddr . iif type != local drop\n"
    "add rule inet cvisor input iifname \"cvh*\" meta nfproto ipv6 drop\n"
    "add rule inet cvisor forward iifname \"cvh*\" drop\n"
    "add rule inet cvisor forward oifname \"cvh*\" drop\n";

/* A request: the header, its fixed part and attributes (nla_put checks nothing: the requests
 * below are far smaller than raw). */
struct nlreq {
    union {
        struct nlmsghdr h;
        char raw[1024];
    };
};

/* Append attribute @type with @len bytes of @data to @r. */
static struct rtattr *nla_put(struct nlreq *r, int type, const void *data, size_t len)
{
    struct nlmsghdr *h = &r->h;
    struct rtattr *a = (struct rtattr *)(r->raw + NLMSG_ALIGN(h->nlmsg_len));
    a->rta_type = (unsigned short)type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(a), data, len);
    h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
    return a;
}

static void nla_end(struct nlreq *r, struct rtattr *nest)
{
    nest->rta_len = (unsigned short)(r->raw + r->h.nlmsg_len - (char *)nest);
}

static void nl_init(struct nlreq *r, int type, int flags, const void *hdr, size_t hlen)
{
    memset(r, 0, sizeof(*r));
    r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hlen);
    r->h.nlmsg_type = (uint16_t)type;
    r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    memcpy(NLMSG_DATA(&r->h), hdr, hlen);
}

/* Send @r on @fd and read its acknowledgement. Returns 0 or -errno. */
static int nl_talk(int fd, struct nlreq *r)
{
    static uint32_t seq;
    r->h.nlmsg_seq = ++seq;
    if (send(fd, &r->h, r->h.nlmsg_len, 0) < 0)
        return -errno;
    char buf[4096];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0)
            return -errno;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR)
                continue;
            const struct nlmsgerr *e = NLMSG_DATA(h);
            return e->error;
        }
    }
}

/* A route netlink socket whose answers are awaited at most 10 s (a lost answer is then an
 * error, not a hung `cvisor do`). */
static int nl_open(void)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return -errno;
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Create veth @host with its peer eth0 in the network namespace of @pid. */
static int veth_create(int nl, const char *host, pid_t pid)
{
    struct nlreq r;
    struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
    nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
    nla_put(&r, IFLA_IFNAME, host, strlen(host) + 1);
    struct rtattr *info = nla_put(&r, IFLA_LINKINFO, NULL, 0);
    nla_put(&r, IFLA_INFO_KIND, "veth", 4);
    struct rtattr *data = nla_put(&r, IFLA_INFO_DATA, NULL, 0);
    struct rtattr *peer = nla_put(&r, VETH_INFO_PEER, &ifi, sizeof(ifi));
    nla_put(&r, IFLA_IFNAME, SANDBOX_IFNAME, sizeof(SANDBOX_IFNAME));
    uint32_t p = (uint32_t)pid;
    nla_put(&r, IFLA_NET_NS_PID, &p, sizeof(p));
    nla_end(&r, peer);
    nla_end(&r, data);
    nla_end(&r, info);
    return nl_talk(nl, &r);
}

static int addr_add(int nl, int ifindex, uint32_t addr, int prefix)
{
    struct nlreq r;
    struct ifaddrmsg ifa = {.ifa_family = AF_INET,
                            .ifa_prefixlen = (unsigned char)prefix,
                            .ifa_index = (unsigned)ifindex};
    nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
    uint32_t a = htonl(addr), bcast = htonl(addr | ~(~0u << (32 - prefix)));
    nla_put(&r, IFA_LOCAL, &a, 4);
    nla_put(&r, IFA_ADDRESS, &a, 4);
    if (prefix < 31)
        nla_put(&r, IFA_BROADCAST, &bcast, 4);
    return nl_talk(nl, &r);
}

static int link_up(int nl, int ifindex)
{
    struct nlreq r;
    struct ifinfomsg ifi = {
        .ifi_family = AF_UNSPEC, .ifi_index = ifindex, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
    nl_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
    return nl_talk(nl, &r);
}

static int route_default(int nl, int ifindex, uint32_t gw)
{
    struct nlreq r;
    struct rtmsg rt = {.rtm_family = AF_INET,
                       .rtm_table = RT_TABLE_MAIN,
                       .rtm_protocol = RTPROT_BOOT,
                       .rtm_scope = RT_SCOPE_UNIVERSE,
                       .rtm_type = RTN_UNICAST};
    nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
    uint32_t g = htonl(gw);
    nla_put(&r, RTA_GATEWAY, &g, 4);
    uint32_t oif = (uint32_t)ifindex;
    nla_put(&r, RTA_OIF, &oif, 4);
    return nl_talk(nl, &r);
}

/* The index of interface @name in the caller's network namespace, or -errno. */
static int ifindex_of(const char *name)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    int ret = ioctl(fd, SIOCGIFINDEX, &ifr) < 0 ? -errno : ifr.ifr_ifindex;
    close(fd);
    return ret;
}

/*
 * Have the host kernel finish its frames to the sandbox: without transmit checksum offload
 * (and so without TSO, which needs it) on the host end, every frame the Sentry reads from its
 * AF_PACKET socket carries a complete checksum and fits the MTU.
 */
static int offload_off(const char *ifname)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct ethtool_value ev = {.cmd = ETHTOOL_STXCSUM, .data = 0};
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    ifr.ifr_data = (void *)&ev;
    int ret = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
    close(fd);
    return ret;
}

/* Turn IPv6 off on @ifname of the caller's network namespace (no link-local address, so the
 * kernel neither answers nor sends on it). */
static int ipv6_off(const char *ifname)
{
    char path[96];
    snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno; /* a kernel without IPv6 */
    int ret = write(fd, "1", 1) == 1 ? 0 : -errno;
    close(fd);
    return ret;
}

/* Run `nft -f -` with the host filter. Returns 0 or -errno. */
static int nft_install(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[0], 0);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {"nft", "-f", "-", NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, "nft", &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(p[0]);
    if (err) {
        close(p[1]);
        return -err;
    }
    ssize_t n = write(p[1], g_nft_rules, sizeof(g_nft_rules) - 1);
    close(p[1]);
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    if (n != (ssize_t)sizeof(g_nft_rules) - 1 || !WIFEXITED(status) || WEXITSTATUS(status))
        return -EIO;
    return 0;
}

/* Where the runtime notes the ruleset generation its filter was installed in, and which. */
#define NFT_NOTE_DIR "/run/cvisor"
#define NFT_NOTE NFT_NOTE_DIR "/nft-filter"

/* The host's nftables ruleset generation (NFT_MSG_GETGEN), which changes with every change of
 * any table. Returns it (>= 0) or -errno. */
static int64_t nft_generation(void)
{
    _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
    if (fd < 0)
        return -errno;
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct {
        struct nlmsghdr h;
        struct nfgenmsg g;
    } req = {
        .h = {.nlmsg_len = sizeof(req),
              .nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
              .nlmsg_flags = NLM_F_REQUEST,
              .nlmsg_seq = 1},
        .g = {.nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0},
    };
    if (send(fd, &req, sizeof(req), 0) < 0)
        return -errno;
    char buf[512] __attribute__((aligned(NLMSG_ALIGNTO)));
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0)
        return -errno;
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN))
        return -EPROTO;
    int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(struct nfgenmsg));
    struct rtattr *a = (struct rtattr *)((char *)NLMSG_DATA(h) + NLMSG_ALIGN(sizeof(struct nfgenmsg)));
    for (; RTA_OK(a, len); a = RTA_NEXT(a, len))
        if (a->rta_type == NFTA_GEN_ID && RTA_PAYLOAD(a) == sizeof(uint32_t)) {
            uint32_t id;
            memcpy(&id, RTA_DATA(a), sizeof(id));
            return ntohl(id);
        }
    return -EPROTO;
}

/* A digest of the rules and of the host's boot, so that a note left by another version of the
 * rules, or before a reboot (generations start again), does not count. */
static uint32_t nft_rules_digest(void)
{
    char boot[64] = "";
    _cleanup_close_ int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && read(fd, boot, sizeof(boot) - 1) < 0)
        boot[0] = '\0';
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *c = g_nft_rules; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    for (const char *c = boot; *c; c++)
        h = (h ^ (uint8_t)*c) * 16777619u;
    return h;
}

/*
 * Install the host filter unless the note says it is there: written after an install, the
 * note holds the ruleset generation of that moment and the rules' digest, and any change to
 * the host's ruleset since (a firewall reload, a flush, another table) changes the
 * generation, so the filter is installed again. COMPAT (as with any host firewall): a reload
 * that drops the table while sandboxes run leaves them unfiltered until the next start. A start then costs one netlink round trip
 * instead of an nft run and its transaction. Returns 0 or -errno.
 */
static int nft_ensure(void)
{
    char want[64], have[64] = "";
    int64_t gen = nft_generation();
    uint32_t digest = nft_rules_digest();
    _cleanup_close_ int fd = open(NFT_NOTE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (gen >= 0 && fd >= 0) {
        ssize_t n = read(fd, have, sizeof(have) - 1);
        have[n > 0 ? n : 0] = '\0';
        snprintf(want, sizeof(want), "%lld %08x\n", (long long)gen, digest);
        if (strcmp(have, want) == 0)
            return 0;
    }
    int ret = nft_install();
    if (ret < 0 || (gen = nft_generation()) < 0)
        return ret;
    /* Best effort: without a note the next start installs the filter again. */
    snprintf(want, sizeof(want), "%lld %08x\n", (long long)gen, digest);
    mkdir(NFT_NOTE_DIR, 0700);
    char tmp[sizeof(NFT_NOTE) + 16];
    snprintf(tmp, sizeof(tmp), "%s.%d", NFT_NOTE, (int)getpid());
    _cleanup_close_ int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (out >= 0 && write(out, want, strlen(want)) == (ssize_t)strlen(want))
        rename(tmp, NFT_NOTE);
    else
        unlink(tmp);
    return 0;
}

/* Configure eth0 inside the namespace of @pid: address, up, default route, no IPv6. */
static int configure_inside(const struct rt_net *net, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
    _cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (target < 0 || self < 0)
        return -errno;
    if (setns(target, CLONE_NEWNET) < 0)
        return -errno;
    int nl = nl_open();
    int idx = ifindex_of(SANDBOX_IFNAME);
    int ret = nl < 0 ? nl : idx < 0 ? idx : ipv6_off(SANDBOX_IFNAME);
    if (setns(self, CLONE_NEWNET) < 0) /* cannot fail: we came from there */
        ret = -errno;
    if (ret == 0)
        ret = addr_add(nl, idx, net->sandbox_addr, net->prefix);
    if (ret == 0)
        ret = link_up(nl, idx);
    if (ret == 0)
        ret = route_default(nl, idx, net->host_addr);
    if (nl >= 0)
        close(nl);
    return ret;
}

/* Pick and create a free cvhN for @pid; fills net->host_if (and the addresses if automatic). */
static int create_pair(int nl, struct rt_net *net, const struct rt_opts *o, pid_t pid)
{
    unsigned start = (unsigned)pid % POOL_SLOTS;
    for (unsigned i = 0; i < POOL_SLOTS; i++) {
        unsigned slot = (start + i) % POOL_SLOTS;
        snprintf(net->host_if, sizeof(net->host_if), "cvh%u", slot);
        int ret = veth_create(nl, net->host_if, pid);
        if (ret == -EEXIST)
            continue;
        if (ret < 0)
            return ret;
        if (!o->subnet_prefix) {
            net->host_addr = POOL_BASE + 4 * slot + 1;
            net->sandbox_addr = net->host_addr + 1;
            net->prefix = 30;
        }
        return 0;
    }
    return -EADDRINUSE;
}

int rt_net_setup(const struct rt_opts *o, pid_t pid, struct rt_net *net, struct cv_error **err)
{
    *net = (struct rt_net){0};
    if (strcmp(o->network, "sandbox") != 0)
        return 0;
    if (o->subnet_prefix) {
        uint32_t mask = ~0u << (32 - o->subnet_prefix);
        net->host_addr = (o->subnet_addr & mask) + 1;
        net->sandbox_addr = net->host_addr + 1;
        net->prefix = o->subnet_prefix;
    }
    _cleanup_close_ int nl = nl_open();
    if (nl < 0)
        return cv_error_set(err, -nl, "open a netlink socket");
    int ret = create_pair(nl, net, o, pid);
    if (ret == -EPERM) {
        log_warn("network: no CAP_NET_ADMIN on the host (not root): the sandbox has loopback "
                 "only");
        net->host_if[0] = '\0';
        return 0;
    }
    if (ret < 0)
        return cv_error_set(err, -ret, "create the sandbox's veth pair");
    const char *what = "install the host filter (nft, package nftables)";
    if ((ret = nft_ensure()) < 0)
        goto fail;
    what = "configure the host end";
    int idx = ifindex_of(net->host_if);
    ret = idx < 0 ? idx : ipv6_off(net->host_if);
    if (ret == 0)
        ret = offload_off(net->host_if);
    if (ret == 0)
        ret = addr_add(nl, idx, net->host_addr, net->prefix);
    if (ret == 0)
        ret = link_up(nl, idx);
    if (ret < 0)
        goto fail;
    what = "configure the sandbox end";
    if ((ret = configure_inside(net, pid)) < 0)
        goto fail;
    log_debug("network: %s %s/%d, sandbox %s", net->host_if,
              inet_ntoa((struct in_addr){htonl(net->host_addr)}), net->prefix, SANDBOX_IFNAME);
    return 0;
fail:
    /* The pair goes with the Sentry's namespace; nothing else to undo. */
    return cv_error_set(err, -ret, "%s of %s", what, net->host_if);
}
