// SPDX-License-Identifier: Apache-2.0
/* Unit tests for loader/elf.c and loader/script.c: ELF header and program-header checks,
 * segment mapping plans, AT_PHDR, and "#!" line parsing. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "sentry/loader/elf.h"
#include "sentry/mm/mm_internal.h"

static struct elf64_ehdr good_ehdr(void)
{
    struct elf64_ehdr e = {0};
    memcpy(e.e_ident, "\177ELF", 4);
    e.e_ident[ELF_EI_CLASS] = ELF_CLASS64;
    e.e_ident[ELF_EI_DATA] = ELF_DATA2LSB;
    e.e_ident[ELF_EI_VERSION] = ELF_EV_CURRENT;
    e.e_type = ELF_ET_DYN;
    e.e_machine = ELF_EM_X86_64;
    e.e_version = 1;
    e.e_entry = 0x1040;
    e.e_phoff = 64;
    e.e_ehsize = 64;
    e.e_phentsize = sizeof(struct elf64_phdr);
    e.e_phnum = 3;
    return e;
}

static void test_header_accepts_x86_64(void **state)
{
    struct elf64_ehdr e = good_ehdr();
    struct elf_info info;
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), 0);
    assert_int_equal(info.type, ELF_ET_DYN);
    assert_int_equal(info.entry, 0x1040);
    assert_int_equal(info.phoff, 64);
    assert_int_equal(info.phnum, 3);
    e.e_type = ELF_ET_EXEC;
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), 0);
}

static void test_header_rejects_bad_files(void **state)
{
    struct elf_info info;
    struct elf64_ehdr e = good_ehdr();
    assert_int_equal(elf_check_header(&e, 63, &info), -ENOEXEC); /* truncated */

    e.e_ident[1] = 'X';
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e = good_ehdr();
    e.e_ident[ELF_EI_CLASS] = 1; /* ELFCLASS32 */
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e = good_ehdr();
    e.e_ident[ELF_EI_DATA] = 2; /* big endian */
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e = good_ehdr();
    e.e_machine = 183; /* aarch64 */
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e = good_ehdr();
    e.e_type = 1; /* ET_REL */
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e.e_type = 4; /* ET_CORE */
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e = good_ehdr();
    e.e_phentsize = 32;
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e = good_ehdr();
    e.e_phnum = 0;
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e.e_phnum = ELF_MAX_PHNUM + 1;
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
    e.e_phnum = ELF_MAX_PHNUM;
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), 0);
    e.e_phoff = UINT64_MAX - 10;
    assert_int_equal(elf_check_header(&e, sizeof(e), &info), -ENOEXEC);
}

/* A typical PIE: PHDR, INTERP, text, data+bss, GNU_STACK. */
static void pie_phdrs(struct elf64_phdr *ph, struct elf_info *info)
{
    memset(ph, 0, 5 * sizeof(*ph));
    ph[0] = (struct elf64_phdr){ELF_PT_PHDR, ELF_PF_R, 64, 64, 64, 5 * 56, 5 * 56, 8};
    ph[1] = (struct elf64_phdr){ELF_PT_INTERP, ELF_PF_R, 0x318, 0x318, 0x318, 28, 28, 1};
    ph[2] = (struct elf64_phdr){ELF_PT_LOAD, ELF_PF_R | ELF_PF_X, 0, 0, 0, 0x1234, 0x1234, 0x1000};
    ph[3] = (struct elf64_phdr){
        ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x2df0, 0x3df0, 0x3df0, 0x220, 0x1228, 0x1000};
    ph[4] =
        (struct elf64_phdr){ELF_PT_GNU_STACK, ELF_PF_R | ELF_PF_W | ELF_PF_X, 0, 0, 0, 0, 0, 16};
    *info = (struct elf_info){.type = ELF_ET_DYN, .entry = 0x1040, .phoff = 64, .phnum = 5};
}

static void test_phdrs_summary(void **state)
{
    struct elf64_phdr ph[5];
    struct elf_info info;
    struct elf_layout l;
    pie_phdrs(ph, &info);
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), 0);
    assert_int_equal(l.nload, 2);
    assert_int_equal(l.min_vaddr, 0);
    assert_int_equal(l.max_vaddr, 0x3df0 + 0x1228);
    assert_int_equal(l.max_align, 0x1000);
    assert_true(l.has_interp);
    assert_int_equal(l.interp_off, 0x318);
    assert_int_equal(l.interp_size, 28);
    assert_int_equal(l.phdr_vaddr, 64); /* from PT_PHDR */
}

static void test_phdr_address_without_pt_phdr(void **state)
{
    struct elf64_phdr ph[5];
    struct elf_info info;
    struct elf_layout l;
    pie_phdrs(ph, &info);
    ph[0].p_type = 0x6474e550; /* PT_GNU_EH_FRAME: no PT_PHDR any more */
    /* A static binary linked at 0x400000 with headers inside the first PT_LOAD. */
    ph[2].p_vaddr = 0x400000;
    ph[3].p_vaddr = 0x403df0;
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), 0);
    assert_int_equal(l.phdr_vaddr, 0x400040);
    /* Headers outside every PT_LOAD's file range: old Linux's formula. */
    info.phoff = 0x10000;
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), 0);
    assert_int_equal(l.phdr_vaddr, 0x400000 + 0x10000);
}

static void test_phdrs_reject_bad_segments(void **state)
{
    struct elf64_phdr ph[5];
    struct elf_info info;
    struct elf_layout l;

    pie_phdrs(ph, &info);
    ph[3].p_filesz = ph[3].p_memsz + 1; /* more file than memory */
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), -EINVAL);

    pie_phdrs(ph, &info);
    ph[3].p_vaddr = MM_TASK_SIZE - 0x100; /* past the top of the address space */
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), -EINVAL);

    pie_phdrs(ph, &info);
    ph[3].p_memsz = UINT64_MAX;
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), -EINVAL);

    pie_phdrs(ph, &info);
    ph[3].p_offset = UINT64_MAX - 0x10;
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), -EINVAL);

    pie_phdrs(ph, &info);
    ph[1].p_filesz = 1; /* PT_INTERP too short */
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), -ENOEXEC);
    ph[1].p_filesz = ELF_INTERP_MAX + 1;
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), -ENOEXEC);

    pie_phdrs(ph, &info);
    ph[2].p_type = ph[3].p_type = 4; /* PT_NOTE: nothing to load */
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), -ENOEXEC);
}

static void test_phdrs_alignment_and_empty_loads(void **state)
{
    struct elf64_phdr ph[5];
    struct elf_info info;
    struct elf_layout l;
    pie_phdrs(ph, &info);
    ph[2].p_align = 0x200000;
    ph[3].p_align = 0x3000; /* not a power of two: ignored */
    ph[1] = (struct elf64_phdr){ELF_PT_LOAD, ELF_PF_R, 0, 0x900000, 0, 0, 0, 0x1000}; /* empty */
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), 0);
    assert_int_equal(l.max_align, 0x200000);
    assert_int_equal(l.nload, 2);
    assert_false(l.has_interp);
    assert_int_equal(l.max_vaddr, 0x3df0 + 0x1228); /* the empty PT_LOAD does not count */
}

static void test_prot_from_flags(void **state)
{
    assert_int_equal(elf_prot(0), PROT_NONE);
    assert_int_equal(elf_prot(ELF_PF_R), PROT_READ);
    assert_int_equal(elf_prot(ELF_PF_R | ELF_PF_X), PROT_READ | PROT_EXEC);
    assert_int_equal(elf_prot(ELF_PF_R | ELF_PF_W | ELF_PF_X), PROT_READ | PROT_WRITE | PROT_EXEC);
}

static void test_plan_text_segment(void **state)
{
    struct elf64_phdr ph[5];
    struct elf_info info;
    struct elf_seg_plan p;
    pie_phdrs(ph, &info);
    elf_plan_segment(&ph[2], 0x555555554000, &p);
    assert_true(p.direct);
    assert_int_equal(p.prot, PROT_READ | PROT_EXEC);
    assert_int_equal(p.start, 0x555555554000);
    assert_int_equal(p.file_off, 0);
    assert_int_equal(p.file_end, 0x555555556000);
    assert_int_equal(p.end, 0x555555556000);    /* no bss */
    assert_int_equal(p.zero_end, p.zero_start); /* p_memsz == p_filesz: nothing cleared */
}

static void test_plan_data_with_bss(void **state)
{
    struct elf64_phdr ph[5];
    struct elf_info info;
    struct elf_seg_plan p;
    pie_phdrs(ph, &info);
    /* data: vaddr 0x3df0, file 0x2df0 (+0x220), memory +0x1228 */
    elf_plan_segment(&ph[3], 0x1000000, &p);
    assert_true(p.direct);
    assert_int_equal(p.prot, PROT_READ | PROT_WRITE);
    assert_int_equal(p.start, 0x1003000);
    assert_int_equal(p.file_off, 0x2000);
    assert_int_equal(p.file_end, 0x1005000); /* 0x1003df0 + 0x220 = 0x1004010 -> up */
    assert_int_equal(p.zero_start, 0x1004010);
    assert_int_equal(p.zero_end, 0x1005000);
    assert_int_equal(p.end, 0x1006000); /* 0x1003df0 + 0x1228 = 0x1005018 -> up */
}

static void test_plan_bss_inside_last_file_page(void **state)
{
    struct elf64_phdr ph = {
        ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0x1000, 0x401000, 0x401000, 0x100, 0x200, 0x1000};
    struct elf_seg_plan p;
    elf_plan_segment(&ph, 0, &p);
    assert_int_equal(p.file_end, 0x402000);
    assert_int_equal(p.zero_start, 0x401100);
    /* Linux clears to the end of the last file page (padzero), past p_memsz too: ld.so's
     * early allocator uses that memory. */
    assert_int_equal(p.zero_end, 0x402000);
    assert_int_equal(p.end, 0x402000);
}

static void test_plan_bss_only_segment(void **state)
{
    struct elf64_phdr ph = {ELF_PT_LOAD, ELF_PF_R | ELF_PF_W, 0, 0x600000, 0x600000, 0, 0x3000,
                            0x1000};
    struct elf_seg_plan p;
    elf_plan_segment(&ph, 0, &p);
    assert_int_equal(p.file_end, p.start); /* no file pages */
    assert_int_equal(p.zero_end, p.zero_start);
    assert_int_equal(p.start, 0x600000);
    assert_int_equal(p.end, 0x603000);
}

static void test_plan_incongruent_offset_copies(void **state)
{
    struct elf64_phdr ph = {ELF_PT_LOAD, ELF_PF_R, 0x1234, 0x400100, 0x400100, 0x50, 0x80, 0x10};
    struct elf_seg_plan p;
    elf_plan_segment(&ph, 0, &p);
    assert_false(p.direct);
    assert_int_equal(p.start, 0x400000);
    assert_int_equal(p.file_end, 0x400000); /* all anonymous */
    assert_int_equal(p.end, 0x401000);
    assert_int_equal(p.copy_dst, 0x400100);
    assert_int_equal(p.copy_off, 0x1234);
    assert_int_equal(p.copy_size, 0x50);
    assert_int_equal(p.zero_end, p.zero_start);
}

/* The host's own /bin/sh (dynamic PIE or not) parses, and its PT_INTERP is a path. */
static void test_parse_host_binary(void **state)
{
    int fd = open("/bin/sh", O_RDONLY);
    if (fd < 0) {
        skip();
        return;
    }
    char head[LOADER_BUF_SIZE] = {0};
    assert_true(pread(fd, head, sizeof(head), 0) >= 64);
    struct elf_info info;
    assert_int_equal(elf_check_header(head, sizeof(head), &info), 0);
    struct elf64_phdr ph[ELF_MAX_PHNUM];
    size_t size = info.phnum * sizeof(ph[0]);
    assert_int_equal(pread(fd, ph, size, (off_t)info.phoff), (ssize_t)size);
    struct elf_layout l;
    assert_int_equal(elf_parse_phdrs(&info, ph, &l), 0);
    assert_true(l.nload >= 1);
    if (l.has_interp) {
        char interp[ELF_INTERP_MAX];
        assert_int_equal(pread(fd, interp, l.interp_size, (off_t)l.interp_off),
                         (ssize_t)l.interp_size);
        assert_int_equal(interp[l.interp_size - 1], '\0');
        assert_int_equal(interp[0], '/');
    }
    close(fd);
}

/* ---- #! ---------------------------------------------------------------------------------- */

static void test_script_simple(void **state)
{
    struct script_hdr h;
    const char *s = "#!/bin/sh\necho hi\n";
    assert_int_equal(script_parse(s, strlen(s), &h), 0);
    assert_string_equal(h.interp, "/bin/sh");
    assert_false(h.has_arg);
}

static void test_script_one_argument_with_spaces(void **state)
{
    struct script_hdr h;
    const char *s = "#!  /usr/bin/env \t python3 -u -X dev \t \nprint(1)\n";
    assert_int_equal(script_parse(s, strlen(s), &h), 0);
    assert_string_equal(h.interp, "/usr/bin/env");
    assert_true(h.has_arg);
    assert_string_equal(h.arg, "python3 -u -X dev"); /* one argument, trimmed */
}

static void test_script_without_newline(void **state)
{
    struct script_hdr h;
    const char *s = "#!/bin/true";
    assert_int_equal(script_parse(s, strlen(s), &h), 0); /* ends at EOF (zero fill) */
    assert_string_equal(h.interp, "/bin/true");
    assert_false(h.has_arg);
}

static void test_script_crlf_keeps_cr(void **state)
{
    struct script_hdr h;
    const char *s = "#!/bin/sh\r\n";
    assert_int_equal(script_parse(s, strlen(s), &h), 0);
    assert_string_equal(h.interp, "/bin/sh\r"); /* as Linux: "bad interpreter" later */
}

static void test_script_no_interpreter(void **state)
{
    struct script_hdr h;
    assert_int_equal(script_parse("#!\n", 3, &h), -ENOEXEC);
    assert_int_equal(script_parse("#!   \t \nfoo", 11, &h), -ENOEXEC);
    assert_int_equal(script_parse("#?/bin/sh\n", 10, &h), -ENOEXEC);
    /* A file that is just "#!": the name is empty (Linux then fails to open it, ENOENT). */
    assert_int_equal(script_parse("#!", 2, &h), 0);
    assert_string_equal(h.interp, "");
}

static void test_script_long_lines(void **state)
{
    struct script_hdr h;
    char buf[400];
    /* An interpreter name longer than the buffer: refused rather than truncated. */
    memset(buf, 'a', sizeof(buf));
    buf[0] = '#';
    buf[1] = '!';
    buf[2] = '/';
    assert_int_equal(script_parse(buf, sizeof(buf), &h), -ENOEXEC);
    /* A short name with a long argument: the argument is cut at the buffer's end. */
    memcpy(buf, "#!/bin/sh ", 10);
    assert_int_equal(script_parse(buf, sizeof(buf), &h), 0);
    assert_string_equal(h.interp, "/bin/sh");
    assert_true(h.has_arg);
    assert_int_equal(strlen(h.arg), LOADER_BUF_SIZE - 1 - 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_accepts_x86_64),
        cmocka_unit_test(test_header_rejects_bad_files),
        cmocka_unit_test(test_phdrs_summary),
        cmocka_unit_test(test_phdr_address_without_pt_phdr),
        cmocka_unit_test(test_phdrs_reject_bad_segments),
        cmocka_unit_test(test_phdrs_alignment_and_empty_loads),
        cmocka_unit_test(test_prot_from_flags),
        cmocka_unit_test(test_plan_text_segment),
        cmocka_unit_test(test_plan_data_with_bss),
        cmocka_unit_test(test_plan_bss_inside_last_file_page),
        cmocka_unit_test(test_plan_bss_only_segment),
        cmocka_unit_test(test_plan_incongruent_offset_copies),
        cmocka_unit_test(test_parse_host_binary),
        cmocka_unit_test(test_script_simple),
        cmocka_unit_test(test_script_one_argument_with_spaces),
        cmocka_unit_test(test_script_without_newline),
        cmocka_unit_test(test_script_crlf_keeps_cr),
        cmocka_unit_test(test_script_no_interpreter),
        cmocka_unit_test(test_script_long_lines),
    };
    return cmocka_run_group_tests_name("loader_elf", tests, NULL, NULL);
}
