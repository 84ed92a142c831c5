/* The CPUs a Linux cgroup's CPU quota allows the process (a container's `--cpus`, systemd's
 * CPUQuota=): a quota of 1.5 CPUs' time a period lets two threads run, not one per online core.
 * cgroup v2 (`cpu.max`: "QUOTA PERIOD" or "max PERIOD") and v1 (`cpu.cfs_quota_us`, -1 for none,
 * and `cpu.cfs_period_us`), the smallest limit from the process's own cgroup up to the root. */
#include <stdio.h>
#include <string.h>

#include "platform/threads.h"

/* Paths longer than this are not followed (then: no limit known). */
#define PATH_MAX_CHARS 4096

/* Close-on-exec on Linux (glibc's and musl's "e"), so that a fork and exec on another thread
 * inherits no descriptor; other C libraries may reject the flag. */
#if defined(__linux__)
#define READ_MODE "re"
#else
#define READ_MODE "r"
#endif

/* The first line of file `path` into buf (NUL-terminated, newline removed); 0 if unreadable. */
static int read_line(const char *path, char *buf, size_t size) {
    FILE *f = fopen(path, READ_MODE);
    int ok = 0;
    if (!f)
        return 0;
    if (fgets(buf, (int)size, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        ok = 1;
    }
    fclose(f);
    return ok;
}

/* A decimal integer that is all of s (optionally negative), into *value; 0 if s is not one. */
static int parse_integer(const char *s, long long *value) {
    long long v = 0;
    int negative = 0, digits = 0;
    if (*s == '-') {
        negative = 1;
        s++;
    }
    for (; *s >= '0' && *s <= '9'; s++, digits++) {
        if (v > (9223372036854775807LL - 9) / 10)
            return 0;
        v = v * 10 + (*s - '0');
    }
    if (!digits || *s)
        return 0;
    *value = negative ? -v : v;
    return 1;
}

/* CPUs a quota of `quota` per `period` allows, rounded up (at least 1); 0: no limit. */
static int quota_cpus(long long quota, long long period) {
    long long cpus;
    if (quota <= 0 || period <= 0)
        return 0;
    cpus = quota / period + (quota % period != 0);
    return cpus > 1024 ? 1024 : (int)cpus;
}

int wtconv_cgroup_v2_limit(const char *cpu_max) {
    char quota[32];
    long long q, period;
    const char *space = strchr(cpu_max, ' ');
    if (!space || (size_t)(space - cpu_max) >= sizeof quota || !parse_integer(space + 1, &period))
        return 0;
    memcpy(quota, cpu_max, (size_t)(space - cpu_max));
    quota[space - cpu_max] = '\0';
    if (strcmp(quota, "max") == 0 || !parse_integer(quota, &q))
        return 0;
    return quota_cpus(q, period);
}

/* The limit in cgroup directory dir (v2: cpu.max; v1: cpu.cfs_quota_us and cpu.cfs_period_us),
 * 0 if none or unreadable. */
static int limit_in(const char *dir, int v2) {
    char path[PATH_MAX_CHARS + 32], line[64], period_line[64];
    long long quota, period;
    if (v2) {
        snprintf(path, sizeof path, "%s/cpu.max", dir);
        return read_line(path, line, sizeof line) ? wtconv_cgroup_v2_limit(line) : 0;
    }
    snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", dir);
    if (!read_line(path, line, sizeof line) || !parse_integer(line, &quota))
        return 0;
    snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir);
    if (!read_line(path, period_line, sizeof period_line) || !parse_integer(period_line, &period))
        return 0;
    return quota_cpus(quota, period);
}

/* The smallest limit in mount/group and each of its parents up to mount itself. Directories
 * that do not exist are skipped: in a container without a cgroup namespace, /proc/self/cgroup
 * names the host's path while the container's own cgroup is mounted at the mount point. */
static int smallest_limit(const char *mount, const char *group, int v2) {
    char dir[PATH_MAX_CHARS];
    int best = 0;
    const int n = snprintf(dir, sizeof dir, "%s%s", mount, group);
    const size_t mount_len = strlen(mount);
    if (n < 0 || (size_t)n >= sizeof dir)
        return 0;
    for (;;) {
        const int limit = limit_in(dir, v2);
        char *slash;
        if (limit > 0 && (best == 0 || limit < best))
            best = limit;
        if (strlen(dir) <= mount_len)
            break;
        slash = strrchr(dir + mount_len, '/');
        if (!slash)
            break;
        *slash = '\0';
    }
    return best;
}

/* Whether the comma-separated list `controllers` (length len) names "cpu". */
static int names_cpu(const char *controllers, size_t len) {
    size_t start = 0;
    for (size_t i = 0; i <= len; i++)
        if (i == len || controllers[i] == ',') {
            if (i - start == 3 && memcmp(controllers + start, "cpu", 3) == 0)
                return 1;
            start = i + 1;
        }
    return 0;
}

int wtconv_cgroup_limit_at(const char *proc_self_cgroup, const char *cgroup_root) {
    char line[PATH_MAX_CHARS + 256], v1_group[PATH_MAX_CHARS] = "", v2_group[PATH_MAX_CHARS] = "";
    char mount[PATH_MAX_CHARS];
    int have_v1 = 0, have_v2 = 0;
    FILE *f = fopen(proc_self_cgroup, READ_MODE);
    if (!f)
        return 0;
    /* Lines "ID:CONTROLLERS:PATH"; v2's is "0::PATH". A line too long to take is skipped. */
    while (fgets(line, sizeof line, f)) {
        const char *first = strchr(line, ':'), *second = first ? strchr(first + 1, ':') : NULL;
        const size_t len = strcspn(line, "\n");
        if (len + 1 >= sizeof line && line[len] != '\n') {
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        line[len] = '\0';
        if (!second || second[1] != '/')
            continue;
        if (second == first + 1 && strncmp(line, "0:", 2) == 0) {
            snprintf(v2_group, sizeof v2_group, "%s", second + 1);
            have_v2 = 1;
        } else if (names_cpu(first + 1, (size_t)(second - first - 1))) {
            snprintf(v1_group, sizeof v1_group, "%s", second + 1);
            have_v1 = 1;
        }
    }
    fclose(f);
    /* A v1 cpu controller wins: on a hybrid system v2's hierarchy has no CPU controller. */
    if (have_v1) {
        snprintf(mount, sizeof mount, "%s/cpu", cgroup_root);
        return smallest_limit(mount, strcmp(v1_group, "/") == 0 ? "" : v1_group, 0);
    }
    if (have_v2)
        return smallest_limit(cgroup_root, strcmp(v2_group, "/") == 0 ? "" : v2_group, 1);
    return 0;
}

int wtconv_cgroup_cpus(void) {
#if defined(__linux__)
    return wtconv_cgroup_limit_at("/proc/self/cgroup", "/sys/fs/cgroup");
#else
    return 0;
#endif
}
