/* Durable files: results must survive a crash or a kill at any moment. */
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int xb_mkdirs(const char *path)
{
    XB_ASSERT_ARG(path != NULL && path[0] != '\0');
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf) {
        return xb__error_set(XB_EINVAL, "path too long: '%s'", path);
    }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                return xb__error_set(XB_EIO, "%s: cannot create directory: %s", buf,
                                     strerror(errno));
            }
            buf[i] = c;
        }
    }
    return XB_OK;
}

static int fsync_dir_of(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    int fd = open(dir[0] ? dir : "/", O_RDONLY);
    if (fd < 0) {
        return XB_OK; /* best effort: some filesystems refuse directory fds */
    }
    fsync(fd);
    close(fd);
    return XB_OK;
}

int xb_file_write_atomic(const char *path, const void *data, size_t len)
{
    XB_ASSERT_ARG(path != NULL);
    XB_ASSERT_ARG(data != NULL || len == 0);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        return xb__error_set(XB_EIO, "%s: cannot open for writing: %s", tmp, strerror(errno));
    }
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            close(fd);
            unlink(tmp);
            return xb__error_set(XB_EIO, "%s: write failed: %s", tmp, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return xb__error_set(XB_EIO, "%s: fsync failed: %s", tmp, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return xb__error_set(XB_EIO, "%s: rename failed: %s", path, strerror(e));
    }
    return fsync_dir_of(path);
}

int xb_file_read(const char *path, char **data_out, size_t *len_out)
{
    XB_ASSERT_ARG(path != NULL && data_out != NULL);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        return xb__error_set(XB_EIO, "%s: cannot open: %s", path, strerror(errno));
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(fp);
        return xb__error_set(XB_ENOMEM, "out of memory");
    }
    for (;;) {
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(fp);
                return xb__error_set(XB_ENOMEM, "out of memory");
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, fp);
        len += r;
        if (r == 0) {
            break;
        }
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(buf);
        return xb__error_set(XB_EIO, "%s: read error", path);
    }
    buf[len] = '\0';
    *data_out = buf;
    if (len_out) {
        *len_out = len;
    }
    return XB_OK;
}

int xb_file_exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0;
}

void xb_csv_field(FILE *fp, const char *s)
{
    if (!s) {
        return;
    }
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (const char *c = s; *c; c++) {
        if (*c == '"') {
            fputc('"', fp);
        }
        fputc(*c, fp);
    }
    fputc('"', fp);
}

void xb_csv_double(FILE *fp, double v)
{
    if (isnan(v)) {
        fputs("nan", fp);
    } else {
        fprintf(fp, "%.17g", v);
    }
}

double xb_time_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double xb_angle_deg(const double *a, const double *b, size_t n)
{
    double ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    if (aa == 0 || bb == 0) {
        return 0.0;
    }
    double c = ab / sqrt(aa * bb);
    c = c > 1 ? 1 : (c < -1 ? -1 : c);
    return acos(c) * (180.0 / 3.14159265358979323846);
}
