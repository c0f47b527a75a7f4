/* The spool: batches the collector did not acknowledge, kept on disk as
 * [u32 length, big-endian][packed Request] records. A file is written as
 * NAME.spool.tmp and renamed to NAME.spool once synced, so a crash never
 * leaves a half file that looks complete. The next push (or `flush`) sends
 * every *.spool file first and deletes it once all of it is acknowledged
 * or spooled again. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sluice/clock.h"
#include "sluice/log.h"

#define SPOOL_RECORD_MAX SL_WIRE_MAX_MSG

static int
mkdirs(const char *path)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s", path);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        return SL_EINVAL;
    }
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
                return SL_EIO;
            }
            *p = '/';
        }
    }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? SL_EIO : SL_OK;
}

static int
spool_open(agent_sender_t *s)
{
    const char *dir = s->cfg->spool;
    if (mkdirs(dir) != SL_OK) {
        SL_ERROR("agent", "spool %s: %s", dir, strerror(errno));
        return SL_EIO;
    }
    int n = snprintf(s->spool_path, sizeof s->spool_path, "%s/%lld-%ld.spool",
                     dir, (long long)sl_now_us(), (long)getpid());
    int m = snprintf(s->spool_tmp, sizeof s->spool_tmp, "%s.tmp",
                     s->spool_path);
    if (n < 0 || m < 0 || (size_t)m >= sizeof s->spool_tmp) {
        return SL_EINVAL;
    }
    s->spool = fopen(s->spool_tmp, "wb");
    if (s->spool == NULL) {
        SL_ERROR("agent", "spool %s: %s", s->spool_tmp, strerror(errno));
        return SL_EIO;
    }
    return SL_OK;
}

int
agent_spool_write(agent_sender_t *s, zframe_t *frame)
{
    if (s->spool == NULL && spool_open(s) != SL_OK) {
        return SL_EIO;
    }
    size_t len = zframe_size(frame);
    uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16),
                      (uint8_t)(len >> 8), (uint8_t)len};
    if (fwrite(hdr, 1, 4, s->spool) != 4 ||
        fwrite(zframe_data(frame), 1, len, s->spool) != len) {
        SL_ERROR("agent", "spool %s: write failed", s->spool_tmp);
        return SL_EIO;
    }
    return SL_OK;
}

/* Sends one spooled request again. */
static int
resend_record(agent_sender_t *s, const uint8_t *buf, size_t len)
{
    sl_pb_request_t *req = NULL;
    int rc = sl_wire_unpack(&sluice__v1__request__descriptor, buf, len,
                            (void **)&req, NULL);
    if (rc != SL_OK || req->kind_case != SLUICE__V1__REQUEST__KIND_BATCH ||
        req->batch->n_events == 0) {
        sl_wire_free(&req);
        return SL_EINPUT;
    }
    const sl_pb_batch_t *b = req->batch;
    zframe_t *f = zframe_new(buf, len);
    rc = f == NULL ? SL_ENOMEM
                   : agent_sender_send(s, &f, b->run_id, b->stream,
                                       b->first_seq + b->n_events - 1,
                                       req->id);
    sl_wire_free(&req);
    return rc;
}

static int
flush_file(agent_sender_t *s, const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t hdr[4], *buf = NULL;
    int rc = f == NULL ? SL_EIO : SL_OK;
    while (rc == SL_OK && fread(hdr, 1, 4, f) == 4) {
        size_t len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
                     (size_t)hdr[2] << 8 | hdr[3];
        uint8_t *nb = len <= SPOOL_RECORD_MAX ? realloc(buf, len + 1) : NULL;
        if (nb == NULL || fread(nb, 1, len, f) != len) {
            free(nb);
            buf = NULL;
            rc = SL_EINPUT;
            break;
        }
        buf = nb;
        rc = resend_record(s, buf, len);
    }
    free(buf);
    if (f != NULL) {
        (void)fclose(f);
    }
    return rc;
}

static int
is_spool_name(const char *name)
{
    size_t n = strlen(name);
    return n > 6 && strcmp(name + n - 6, ".spool") == 0;
}

int
agent_spool_flush(agent_sender_t *s, char ***taken, size_t *ntaken,
                  sl_err_t *err)
{
    *taken = NULL;
    *ntaken = 0;
    DIR *d = opendir(s->cfg->spool);
    if (d == NULL) {
        return SL_OK; /* no spool yet */
    }
    int rc = SL_OK;
    struct dirent *de;
    while (rc == SL_OK && (de = readdir(d)) != NULL) {
        if (!is_spool_name(de->d_name)) {
            continue;
        }
        char **nt = realloc(*taken, (*ntaken + 1) * sizeof *nt);
        *taken = nt != NULL ? nt : *taken;
        char *path = nt ? zsys_sprintf("%s/%s", s->cfg->spool, de->d_name)
                        : NULL;
        if (path == NULL) {
            rc = sl_err_set(err, SL_ENOMEM, "spool: out of memory");
            break;
        }
        (*taken)[(*ntaken)++] = path;
        SL_INFO("agent", "sending spooled batches from %s", path);
        rc = flush_file(s, path);
        if (rc == SL_EINPUT) {
            SL_ERROR("agent", "%s: damaged spool file left in place", path);
            (*ntaken)--;
            zstr_free(&path);
            rc = SL_OK;
        }
    }
    (void)closedir(d);
    return rc;
}

void
agent_spool_done(char ***taken, size_t ntaken, int remove)
{
    for (size_t i = 0; i < ntaken; i++) {
        if (remove && unlink((*taken)[i]) != 0) {
            SL_WARN("agent", "cannot remove %s", (*taken)[i]);
        }
        zstr_free(&(*taken)[i]);
    }
    free(*taken);
    *taken = NULL;
}
