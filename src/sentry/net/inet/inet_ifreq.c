// SPDX-License-Identifier: Apache-2.0
/*
 * The interface ioctls of inet sockets (Linux's dev_ioctl/dev_ifconf): SIOCGIFCONF,
 * SIOCGIFNAME, SIOCGIFINDEX, SIOCGIFFLAGS, SIOCGIFADDR, SIOCGIFNETMASK, SIOCGIFMTU and
 * SIOCGIFHWADDR, over the stack's interfaces (today the loopback only).
 */
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/net/inet.h"
#include "sentry/net/inet/inet_internal.h"

#define LINUX_SIOCGIFNAME 0x8910u
#define LINUX_SIOCGIFCONF 0x8912u
#define LINUX_SIOCGIFFLAGS 0x8913u
#define LINUX_SIOCGIFADDR 0x8915u
#define LINUX_SIOCGIFNETMASK 0x891bu
#define LINUX_SIOCGIFMTU 0x8921u
#define LINUX_SIOCGIFHWADDR 0x8927u
#define LINUX_SIOCGIFINDEX 0x8933u

/* struct ifreq of x86-64: a name and a 24-byte union. */
struct linux_ifreq {
    char name[16];
    union {
        struct sockaddr addr;
        int16_t flags;
        int32_t ivalue;
        uint8_t pad[24];
    } u;
};
_Static_assert(sizeof(struct linux_ifreq) == 40, "struct ifreq is 40 bytes");

struct linux_ifconf {
    int32_t len;
    int32_t pad;
    uint64_t buf; /* guest address of struct ifreq[] */
};

/* The interfaces of the stack. */
struct inet_iface {
    const char *name;
    int index;
    int16_t flags;
    uint32_t addr, mask; /* network order */
    int mtu;
    uint16_t hwtype;
};

static const struct inet_iface g_ifaces[] = {
    {"lo", 1, IFF_UP | IFF_LOOPBACK | IFF_RUNNING, 0x0100007f, 0x000000ff, 65536, ARPHRD_LOOPBACK},
};

static const struct inet_iface *iface_by_name(const char *name)
{
    for (size_t i = 0; i < sizeof(g_ifaces) / sizeof(g_ifaces[0]); i++)
        if (strncmp(g_ifaces[i].name, name, 16) == 0)
            return &g_ifaces[i];
    return NULL;
}

static void put_in(struct sockaddr *sa, uint32_t addr)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = addr};
    memcpy(sa, &sin, sizeof(sin));
}

static long ifconf(struct task *t, gaddr_t arg)
{
    struct linux_ifconf ic;
    if (copy_in(t, arg, &ic, sizeof(ic)) < 0)
        return -EFAULT;
    int n = (int)(sizeof(g_ifaces) / sizeof(g_ifaces[0]));
    if (!ic.buf) { /* the size it would take */
        ic.len = n * (int)sizeof(struct linux_ifreq);
        return copy_out(t, arg, &ic, sizeof(ic));
    }
    int used = 0;
    for (int i = 0; i < n && ic.len - used >= (int)sizeof(struct linux_ifreq); i++) {
        struct linux_ifreq r = {0};
        strncpy(r.name, g_ifaces[i].name, sizeof(r.name) - 1);
        put_in(&r.u.addr, g_ifaces[i].addr);
        if (copy_out(t, ic.buf + (uint64_t)used, &r, sizeof(r)) < 0)
            return -EFAULT;
        used += (int)sizeof(r);
    }
    ic.len = used;
    return copy_out(t, arg, &ic, sizeof(ic));
}

long inet_ifreq_ioctl(struct task *t, unsigned int cmd, gaddr_t arg)
{
    if (cmd == LINUX_SIOCGIFCONF)
        return ifconf(t, arg);
    struct linux_ifreq r;
    if (cmd != LINUX_SIOCGIFNAME && cmd != LINUX_SIOCGIFINDEX && cmd != LINUX_SIOCGIFFLAGS &&
        cmd != LINUX_SIOCGIFADDR && cmd != LINUX_SIOCGIFNETMASK && cmd != LINUX_SIOCGIFMTU &&
        cmd != LINUX_SIOCGIFHWADDR)
        return -ENOTTY;
    if (copy_in(t, arg, &r, sizeof(r)) < 0)
        return -EFAULT;
    const struct inet_iface *ifc = NULL;
    if (cmd == LINUX_SIOCGIFNAME) {
        for (size_t i = 0; i < sizeof(g_ifaces) / sizeof(g_ifaces[0]); i++)
            if (g_ifaces[i].index == r.u.ivalue)
                ifc = &g_ifaces[i];
        if (!ifc)
            return -ENODEV;
        memset(r.name, 0, sizeof(r.name));
        strncpy(r.name, ifc->name, sizeof(r.name) - 1);
        return copy_out(t, arg, &r, sizeof(r));
    }
    r.name[sizeof(r.name) - 1] = '\0';
    if (!(ifc = iface_by_name(r.name)))
        return -ENODEV;
    memset(&r.u, 0, sizeof(r.u));
    switch (cmd) {
    case LINUX_SIOCGIFINDEX:
        r.u.ivalue = ifc->index;
        break;
    case LINUX_SIOCGIFFLAGS:
        r.u.flags = ifc->flags;
        break;
    case LINUX_SIOCGIFADDR:
        put_in(&r.u.addr, ifc->addr);
        break;
    case LINUX_SIOCGIFNETMASK:
        put_in(&r.u.addr, ifc->mask);
        break;
    case LINUX_SIOCGIFMTU:
        r.u.ivalue = ifc->mtu;
        break;
    case LINUX_SIOCGIFHWADDR:
        r.u.addr.sa_family = ifc->hwtype;
        break;
    }
    return copy_out(t, arg, &r, sizeof(r));
}
