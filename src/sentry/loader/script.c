// SPDX-License-Identifier: Apache-2.0
/* The "#!" line of interpreter scripts, parsed as Linux's fs/binfmt_script.c does. */
#include <errno.h>
#include <string.h>

#include "sentry/loader/elf.h"

static bool is_spacetab(char c)
{
    return c == ' ' || c == '\t';
}

/* First byte of [@p, @end) that is not a space or tab, or NULL. */
static const char *skip_spacetab(const char *p, const char *end)
{
    for (; p < end; p++)
        if (!is_spacetab(*p))
            return p;
    return NULL;
}

/* True if [@p, @end) holds a space, tab or NUL (the end of a name). */
static bool has_terminator(const char *p, const char *end)
{
    for (; p < end; p++)
        if (is_spacetab(*p) || *p == '\0')
            return true;
    return false;
}

int script_parse(const char *buf, size_t size, struct script_hdr *out)
{
    /* Work on a zero-filled copy of LOADER_BUF_SIZE bytes, as Linux's bprm->buf. */
    char line[LOADER_BUF_SIZE + 1];
    memset(line, 0, sizeof(line));
    memcpy(line, buf, size < LOADER_BUF_SIZE ? size : LOADER_BUF_SIZE);
    if (line[0] != '#' || line[1] != '!')
        return -ENOEXEC;

    const char *buf_end = line + LOADER_BUF_SIZE - 1;
    char *end = memchr(line, '\n', LOADER_BUF_SIZE);
    if (!end) {
        /* No newline: fine only if the interpreter name ends before the buffer does. */
        const char *name = skip_spacetab(line + 2, buf_end);
        if (!name || !has_terminator(name, buf_end))
            return -ENOEXEC;
        end = (char *)buf_end;
    }
    while (end > line + 2 && is_spacetab(end[-1]))
        end--;
    *end = '\0';

    const char *name = skip_spacetab(line + 2, end);
    if (!name || name == end)
        return -ENOEXEC;
    /* A NUL right after "#! " gives an empty name, which then fails to open (ENOENT), as in
     * Linux. */
    const char *name_end = name;
    while (*name_end && !is_spacetab(*name_end))
        name_end++;
    const char *arg = name_end;
    while (is_spacetab(*arg))
        arg++;

    memset(out, 0, sizeof(*out));
    memcpy(out->interp, name, name_end - name);
    if (*arg) {
        out->has_arg = true;
        strcpy(out->arg, arg); /* shorter than LOADER_BUF_SIZE by construction */
    }
    return 0;
}
