// SPDX-License-Identifier: Apache-2.0
/*
 * Pure ELF checks for the loader: the ELF header, the program headers, the mapping plan of a
 * PT_LOAD segment, and the "#!" line of scripts. No I/O; loader.c applies the results.
 */
#include "sentry/loader/elf.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "sentry/mm/mm_internal.h"

int elf_check_header(const void *buf, size_t size, struct elf_info *out)
{
    struct elf64_ehdr eh;
    if (size < sizeof(eh))
        return -ENOEXEC;
    memcpy(&eh, buf, sizeof(eh));
    if (memcmp(eh.e_ident, "\177ELF", 4) != 0)
        return -ENOEXEC;
    if (eh.e_ident[ELF_EI_CLASS] != ELF_CLASS64 || eh.e_ident[ELF_EI_DATA] != ELF_DATA2LSB)
        return -ENOEXEC;
    if (eh.e_type != ELF_ET_EXEC && eh.e_type != ELF_ET_DYN)
        return -ENOEXEC;
    if (eh.e_machine != ELF_EM_X86_64)
        return -ENOEXEC;
    if (eh.e_phentsize != sizeof(struct elf64_phdr))
        return -ENOEXEC;
    if (eh.e_phnum == 0 || eh.e_phnum > ELF_MAX_PHNUM)
        return -ENOEXEC;
    if (eh.e_phoff > UINT64_MAX - (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr))
        return -ENOEXEC;
    *out = (struct elf_info){
        .type = eh.e_type,
        .entry = eh.e_entry,
        .phoff = eh.e_phoff,
        .phnum = eh.e_phnum,
    };
    return 0;
}

/* Check one PT_LOAD and fold it into @l. Returns 0 or -EINVAL. */
static int add_load(const struct elf64_phdr *p, struct elf_layout *l)
{
    if (p->p_filesz > p->p_memsz)
        return -EINVAL;
    if (p->p_memsz > MM_TASK_SIZE || p->p_vaddr > MM_TASK_SIZE - p->p_memsz)
        return -EINVAL;
    if (p->p_offset > UINT64_MAX - p->p_filesz)
        return -EINVAL;
    if (p->p_memsz == 0)
        return 0; /* maps nothing */
    uint64_t start = PAGE_ALIGN_DOWN(p->p_vaddr);
    if (l->nload == 0 || start < l->min_vaddr)
        l->min_vaddr = start;
    if (l->nload == 0 || p->p_vaddr + p->p_memsz > l->max_vaddr)
        l->max_vaddr = p->p_vaddr + p->p_memsz;
    /* Only sane alignments count (a power of two below 1 GiB); others are ignored. */
    uint64_t a = p->p_align;
    if (a > l->max_align && (a & (a - 1)) == 0 && a <= (1ULL << 30))
        l->max_align = a;
    l->nload++;
    return 0;
}

/* The in-memory address of the program headers when there is no PT_PHDR: inside the
 * PT_LOAD whose file range holds them, else as old Linux computed it (first PT_LOAD). */
static uint64_t phdr_from_loads(const struct elf_info *info, const struct elf64_phdr *ph)
{
    uint64_t size = (uint64_t)info->phnum * sizeof(struct elf64_phdr);
    const struct elf64_phdr *first = NULL;
    for (int i = 0; i < info->phnum; i++) {
        const struct elf64_phdr *p = &ph[i];
        if (p->p_type != ELF_PT_LOAD || p->p_memsz == 0)
            continue;
        if (!first)
            first = p;
        if (info->phoff >= p->p_offset && info->phoff - p->p_offset <= p->p_filesz &&
            size <= p->p_filesz - (info->phoff - p->p_offset))
            return p->p_vaddr + (info->phoff - p->p_offset);
    }
    return first ? first->p_vaddr - first->p_offset + info->phoff : 0;
}

int elf_parse_phdrs(const struct elf_info *info, const struct elf64_phdr *ph,
                    struct elf_layout *out)
{
    struct elf_layout l = {.max_align = LINUX_PAGE_SIZE};
    bool has_phdr = false;
    for (int i = 0; i < info->phnum; i++) {
        const struct elf64_phdr *p = &ph[i];
        int ret;
        switch (p->p_type) {
        case ELF_PT_LOAD:
            ret = add_load(p, &l);
            if (ret < 0)
                return ret;
            break;
        case ELF_PT_INTERP:
            if (l.has_interp)
                break; /* Linux uses the first one */
            if (p->p_filesz < 2 || p->p_filesz > ELF_INTERP_MAX ||
                p->p_offset > UINT64_MAX - p->p_filesz)
                return -ENOEXEC;
            l.has_interp = true;
            l.interp_off = p->p_offset;
            l.interp_size = p->p_filesz;
            break;
        case ELF_PT_PHDR:
            if (!has_phdr) {
                has_phdr = true;
                l.phdr_vaddr = p->p_vaddr;
            }
            break;
        default: /* PT_GNU_STACK, PT_DYNAMIC, PT_NOTE, PT_TLS...: not the loader's business */
            break;
        }
    }
    if (l.nload == 0)
        return -ENOEXEC;
    if (!has_phdr)
        l.phdr_vaddr = phdr_from_loads(info, ph);
    *out = l;
    return 0;
}

int elf_prot(uint32_t p_flags)
{
    int prot = 0;
    if (p_flags & ELF_PF_R)
        prot |= PROT_READ;
    if (p_flags & ELF_PF_W)
        prot |= PROT_WRITE;
    if (p_flags & ELF_PF_X)
        prot |= PROT_EXEC;
    return prot;
}

void elf_plan_segment(const struct elf64_phdr *ph, uint64_t bias, struct elf_seg_plan *out)
{
    gaddr_t vaddr = bias + ph->p_vaddr;
    gaddr_t file_end_addr = vaddr + ph->p_filesz; /* first byte not from the file */
    struct elf_seg_plan p = {
        .prot = elf_prot(ph->p_flags),
        .start = PAGE_ALIGN_DOWN(vaddr),
        .end = PAGE_ALIGN_UP(vaddr + ph->p_memsz),
    };
    uint64_t in_page = vaddr - p.start;
    p.direct = (ph->p_offset % LINUX_PAGE_SIZE) == in_page;
    if (p.direct) {
        p.file_off = ph->p_offset - in_page;
        p.file_end = ph->p_filesz ? PAGE_ALIGN_UP(file_end_addr) : p.start;
    } else {
        p.file_end = p.start; /* all anonymous */
        p.copy_dst = vaddr;
        p.copy_off = ph->p_offset;
        p.copy_size = ph->p_filesz;
    }
    /* With bss (p_memsz > p_filesz), Linux clears the rest of the last file page up to the
     * page end (padzero), not only up to p_memsz: ld.so's early allocator uses that memory
     * and expects zeros. Without bss, whatever follows in the file stays visible. */
    p.zero_start = p.zero_end = file_end_addr;
    if (p.direct && ph->p_memsz > ph->p_filesz && ph->p_filesz > 0)
        p.zero_end = p.file_end;
    *out = p;
}
