// SPDX-License-Identifier: Apache-2.0
/*
 * ELF64 file format (the subset an x86-64 program loader needs) and the pure checks and
 * mapping plans over it. Nothing here touches a file or an address space: elf.c works on
 * buffers, so it is unit-tested; loader.c does the I/O and the mappings.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "abi/linux/types.h"

/* ---- file format (ELF-64 Object File Format, System V ABI) ----------------------------- */

#define ELF_NIDENT 16

struct elf64_ehdr {
    uint8_t e_ident[ELF_NIDENT];
    uint16_t e_type;
    uint16_t e_machine;
    uint32_t e_version;
    uint64_t e_entry;
    uint64_t e_phoff;
    uint64_t e_shoff;
    uint32_t e_flags;
    uint16_t e_ehsize;
    uint16_t e_phentsize;
    uint16_t e_phnum;
    uint16_t e_shentsize;
    uint16_t e_shnum;
    uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");

struct elf64_phdr {
    uint32_t p_type;
    uint32_t p_flags;
    uint64_t p_offset;
    uint64_t p_vaddr;
    uint64_t p_paddr;
    uint64_t p_filesz;
    uint64_t p_memsz;
    uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");

#define ELF_EI_CLASS 4
#define ELF_EI_DATA 5
#define ELF_EI_VERSION 6
#define ELF_CLASS64 2
#define ELF_DATA2LSB 1
#define ELF_EV_CURRENT 1

#define ELF_ET_EXEC 2
#define ELF_ET_DYN 3
#define ELF_EM_X86_64 62

#define ELF_PT_LOAD 1
#define ELF_PT_INTERP 3
#define ELF_PT_PHDR 6
#define ELF_PT_GNU_STACK 0x6474e551

#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

/* Auxiliary vector entry types (include/uapi/linux/auxvec.h, arch/x86). */
#define LINUX_AT_NULL 0
#define LINUX_AT_PHDR 3
#define LINUX_AT_PHENT 4
#define LINUX_AT_PHNUM 5
#define LINUX_AT_PAGESZ 6
#define LINUX_AT_BASE 7
#define LINUX_AT_FLAGS 8
#define LINUX_AT_ENTRY 9
#define LINUX_AT_UID 11
#define LINUX_AT_EUID 12
#define LINUX_AT_GID 13
#define LINUX_AT_EGID 14
#define LINUX_AT_PLATFORM 15
#define LINUX_AT_HWCAP 16
#define LINUX_AT_CLKTCK 17
#define LINUX_AT_SECURE 23
#define LINUX_AT_RANDOM 25
#define LINUX_AT_HWCAP2 26
#define LINUX_AT_EXECFN 31
#define LINUX_AT_SYSINFO_EHDR 33
#define LINUX_AT_MINSIGSTKSZ 51

/* Linux reads the program headers only if they fit in one page (binfmt_elf.c). */
#define ELF_MAX_PHNUM (4096 / sizeof(struct elf64_phdr))
/* Longest PT_INTERP path, NUL included (PATH_MAX). */
#define ELF_INTERP_MAX 4096

/* ---- checks ----------------------------------------------------------------------------- */

/* What the loader keeps of the ELF header. */
struct elf_info {
    uint16_t type;  /* ELF_ET_EXEC or ELF_ET_DYN */
    uint64_t entry; /* unrelocated */
    uint64_t phoff;
    uint16_t phnum;
};

/*
 * Check the ELF header in the first @size bytes of a file (@buf) for an x86-64 program:
 * magic, 64-bit class, little-endian, ET_EXEC/ET_DYN, EM_X86_64, program headers of the
 * Elf64_Phdr size and at most ELF_MAX_PHNUM of them. Fills *@out.
 * Returns 0, or -ENOEXEC for anything else (as execve(2)).
 */
int elf_check_header(const void *buf, size_t size, struct elf_info *out);

/* What the loader needs from the program headers. Addresses are unrelocated. */
struct elf_layout {
    int nload;          /* PT_LOAD segments with p_memsz > 0 */
    uint64_t min_vaddr; /* lowest PT_LOAD p_vaddr, page-aligned down */
    uint64_t max_vaddr; /* highest PT_LOAD p_vaddr + p_memsz (not aligned) */
    uint64_t max_align; /* largest power-of-two PT_LOAD p_align, at least one page */
    bool has_interp;    /* the first PT_INTERP */
    uint64_t interp_off, interp_size;
    uint64_t phdr_vaddr; /* where the program headers are in memory (AT_PHDR) */
};

/*
 * Check the @info->phnum program headers @ph and summarise them into *@out. PT_LOAD segments
 * must have p_filesz <= p_memsz and fit below MM_TASK_SIZE; a PT_INTERP must be 2 to
 * ELF_INTERP_MAX bytes. PT_GNU_STACK is accepted and ignored (the stack is never
 * executable unless the app asks with mprotect). Returns 0, -ENOEXEC (no PT_LOAD, bad
 * PT_INTERP) or -EINVAL (a PT_LOAD out of range, as Linux).
 */
int elf_parse_phdrs(const struct elf_info *info, const struct elf64_phdr *ph,
                    struct elf_layout *out);

/* PROT_* bits of a PT_LOAD's p_flags. */
int elf_prot(uint32_t p_flags);

/*
 * How one PT_LOAD is mapped at load bias @bias (all addresses relocated, page-aligned unless
 * said otherwise). When p_offset and p_vaddr are congruent modulo the page size (every
 * linker does this) the file pages are mapped directly; otherwise (COMPAT: Linux refuses
 * such a file with EINVAL; we are lenient) the segment is anonymous memory filled by copying.
 */
struct elf_seg_plan {
    int prot;           /* final PROT_* of the segment */
    bool direct;        /* file pages mapped privately */
    gaddr_t start;      /* first page of the segment */
    gaddr_t file_end;   /* direct: end of the file-backed pages (== start if none) */
    uint64_t file_off;  /* direct: page-aligned file offset mapped at @start */
    gaddr_t zero_start; /* bytes [zero_start, zero_end) of the last file page are bss */
    gaddr_t zero_end;   /* (unaligned start; zero_end == zero_start when nothing to clear) */
    gaddr_t end;        /* end of the segment's pages; [file_end, end) is anonymous */
    gaddr_t copy_dst;   /* !direct: copy file [copy_off, +copy_size) to copy_dst */
    uint64_t copy_off;
    uint64_t copy_size;
};

/* Plan the mapping of PT_LOAD @ph at @bias (already validated by elf_parse_phdrs, with
 * p_memsz > 0). */
void elf_plan_segment(const struct elf64_phdr *ph, uint64_t bias, struct elf_seg_plan *out);

/* ---- #! scripts ------------------------------------------------------------------------- */

/* Linux reads this many bytes of a file to recognise its format (BINPRM_BUF_SIZE). */
#define LOADER_BUF_SIZE 256

struct script_hdr {
    char interp[LOADER_BUF_SIZE]; /* the interpreter path */
    char arg[LOADER_BUF_SIZE];    /* its single optional argument */
    bool has_arg;
};

/*
 * Parse the "#!" line in @buf, the first @size bytes (at most LOADER_BUF_SIZE) of a file
 * that starts with "#!", as Linux's binfmt_script: the interpreter name ends at a space, tab
 * or NUL; the rest of the line, trimmed of spaces and tabs at both ends, is one argument.
 * A line that does not end within LOADER_BUF_SIZE bytes is accepted only if the
 * interpreter name does. Returns 0, or -ENOEXEC (no interpreter, or a name cut short).
 */
int script_parse(const char *buf, size_t size, struct script_hdr *out);
