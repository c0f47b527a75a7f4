/* The libFuzzer target of the unified diff parser (lib/diff.c) and of the
 * patch over what it keeps (lib/patch.c): each input is parsed from a real
 * file descriptor (a memfd); a diff that parses has every file and run
 * read, and report lines thrown at a patch over it (the paths of its own
 * files, under a root, with ranges around their runs). */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sluice/diff.h"
#include "sluice/patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every file of d, checks its invariants, and marks lines of a
 * patch over it. */
static void
exercise(const sl_diff_t *d)
{
    sl_patch_t *p = NULL;
    if (sl_patch_new(&p, d) != SL_OK) {
        abort();
    }
    uint64_t added = 0;
    char path[SL_DIFF_PATH_MAX + 16];
    for (size_t i = 0; i < sl_diff_nfiles(d); i++) {
        const sl_diff_file_t *f = sl_diff_file(d, i);
        if (strlen(f->path) != f->path_len || f->nruns == 0) {
            abort();
        }
        uint64_t n = 0;
        for (size_t k = 0; k < f->nruns; k++) {
            const sl_diff_run_t *r = &f->runs[k];
            if (r->first == 0 || r->first > r->last ||
                (k > 0 && r->first <= f->runs[k - 1].last + 1)) {
                abort();
            }
            n += (uint64_t)r->last - r->first + 1;
        }
        if (n != f->added) {
            abort();
        }
        added += n;
        (void)snprintf(path, sizeof path, "/r/%s", f->path);
        const sl_diff_run_t *r = &f->runs[f->nruns / 2];
        if (sl_patch_line(p, path, r->first, r->last + 1, i % 2) != SL_OK ||
            sl_patch_line(p, f->path, r->first > 1 ? r->first - 1 : 1, r->first,
                          1) != SL_OK) {
            abort();
        }
    }
    Sluice__V1__PatchCoverage pc;
    if (added != sl_diff_lines_added(d) ||
        sl_patch_result(p, &pc, NULL) != SL_EINVAL) { /* no report seen */
        abort();
    }
    sl_patch_destroy(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0) {
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) {
            abort();
        }
        off += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        abort();
    }
    sl_diff_t *d = NULL;
    sl_err_t err = {0};
    int rc = sl_diff_parse_fd(fd, "fuzz", &d, &err);
    /* A failure always says why, and leaves nothing. */
    if (rc != SL_OK && (err.msg[0] == '\0' || d != NULL)) {
        abort();
    }
    if (rc == SL_OK) {
        exercise(d);
    }
    sl_diff_destroy(&d);
    (void)close(fd);
    return 0;
}
