/* The cgroup CPU quota reader (src/platform/cgroup_cpus.c) on cgroup trees made in a temporary
 * folder, in the layouts Linux uses (v1 with cpu,cpuacct; v2; hybrid; a container without a
 * cgroup namespace), against limits worked out by hand: ceil(quota / period), the smallest from
 * the process's own cgroup up to the root. POSIX only (mkdir); skipped (77) elsewhere. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/threads.h"

#if defined(__unix__) || defined(__APPLE__)
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;
static char root[256];

static void check(int got, int expected, const char *what) {
    const int ok = got == expected;
    printf("%s %s: %d (expected %d)\n", ok ? "ok  " : "FAIL", what, got, expected);
    ok ? passed++ : failed++;
}

/* Writes text to root/relative, making its folders. */
static void put(const char *relative, const char *text) {
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", root, relative);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0700);
            *p = '/';
        }
    f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* The limit for a /proc/self/cgroup of `proc` over the tree under root/name. */
static int limit(const char *name, const char *proc) {
    char proc_path[1024], tree[1024], rel[300];
    snprintf(rel, sizeof rel, "%s/proc_self_cgroup", name);
    put(rel, proc);
    snprintf(proc_path, sizeof proc_path, "%s/%s", root, rel);
    snprintf(tree, sizeof tree, "%s/%s/fs", root, name);
    return wtconv_cgroup_limit_at(proc_path, tree);
}

static void cleanup(void) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
}

int main(void) {
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(root, sizeof root, "%s/wtconv-cgroup-XXXXXX", tmp);
    if (!mkdtemp(root)) {
        fprintf(stderr, "cannot make a folder under %s\n", tmp);
        return 1;
    }

    check(wtconv_cgroup_v2_limit("max 100000"), 0, "v2 'max 100000'");
    check(wtconv_cgroup_v2_limit("100000 100000"), 1, "v2 one CPU");
    check(wtconv_cgroup_v2_limit("150000 100000"), 2, "v2 1.5 CPUs round up");
    check(wtconv_cgroup_v2_limit("50000 100000"), 1, "v2 half a CPU");
    check(wtconv_cgroup_v2_limit("400000 100000"), 4, "v2 four CPUs");
    check(wtconv_cgroup_v2_limit("1000 0"), 0, "v2 zero period");
    check(wtconv_cgroup_v2_limit("abc 100000"), 0, "v2 malformed quota");
    check(wtconv_cgroup_v2_limit("100000"), 0, "v2 no period");
    check(wtconv_cgroup_v2_limit("100000 1e5"), 0, "v2 malformed period");
    check(wtconv_cgroup_v2_limit("99999999999999999999 100000"), 0, "v2 quota overflowing");

    /* cgroup v2, a systemd service: quota on the service, a looser one on its slice. */
    put("v2/fs/system.slice/cpu.max", "300000 100000\n");
    put("v2/fs/system.slice/app.service/cpu.max", "250000 100000\n");
    check(limit("v2", "0::/system.slice/app.service\n"), 3, "v2 service 2.5 CPUs");
    /* The slice tighter than the service: the smallest along the path. */
    put("v2b/fs/system.slice/cpu.max", "100000 100000\n");
    put("v2b/fs/system.slice/app.service/cpu.max", "max 100000\n");
    check(limit("v2b", "0::/system.slice/app.service\n"), 1, "v2 slice's quota applies");
    /* A container with its own cgroup namespace: "0::/", cpu.max not at the root. */
    put("v2c/fs/cgroup.controllers", "cpu memory\n");
    check(limit("v2c", "0::/\n"), 0, "v2 root, no quota");

    /* cgroup v1 (as on this project's CI guest): cpu and cpuacct mounted together. */
    put("v1/fs/cpu/docker/abc/cpu.cfs_quota_us", "200000\n");
    put("v1/fs/cpu/docker/abc/cpu.cfs_period_us", "100000\n");
    put("v1/fs/cpu/cpu.cfs_quota_us", "-1\n");
    put("v1/fs/cpu/cpu.cfs_period_us", "100000\n");
    check(limit("v1", "12:pids:/docker/abc\n4:cpu,cpuacct:/docker/abc\n1:name=systemd:/x\n"), 2,
          "v1 container 2 CPUs");
    check(limit("v1", "4:cpuacct,cpu:/\n0::/\n"), 0, "v1 root, quota -1");
    /* cpuset or cpuacct alone is not the cpu controller. */
    check(limit("v1", "4:cpuacct:/docker/abc\n3:cpuset:/docker/abc\n"), 0, "v1 no cpu controller");
    /* A container without a cgroup namespace: the host's path, the container's cgroup mounted
     * at the mount point itself. */
    put("v1n/fs/cpu/cpu.cfs_quota_us", "50000\n");
    put("v1n/fs/cpu/cpu.cfs_period_us", "100000\n");
    check(limit("v1n", "5:cpu,cpuacct:/docker/0123456789abcdef\n"), 1,
          "v1 host path, container's own mount");
    /* Hybrid: v1's cpu controller wins over the unified hierarchy's line. */
    put("hy/fs/cpu/user.slice/cpu.cfs_quota_us", "300000\n");
    put("hy/fs/cpu/user.slice/cpu.cfs_period_us", "100000\n");
    put("hy/fs/user.slice/cpu.max", "100000 100000\n");
    check(limit("hy", "0::/user.slice\n6:cpu,cpuacct:/user.slice\n"), 3, "hybrid takes v1");

    /* Missing or odd files: no limit. */
    check(wtconv_cgroup_limit_at("/nonexistent/proc_self_cgroup", root), 0, "no cgroup file");
    check(limit("odd", "garbage\n::\n7:cpu\n"), 0, "malformed /proc/self/cgroup");
    put("badq/fs/cpu/cpu.cfs_quota_us", "12x\n");
    put("badq/fs/cpu/cpu.cfs_period_us", "100000\n");
    check(limit("badq", "4:cpu:/\n"), 0, "v1 malformed quota");

    /* This machine's own reading, for the log (nothing to compare it with). */
    printf("this process's cgroup quota: %d CPU(s) (0: none), %ld online\n", wtconv_cgroup_cpus(),
           sysconf(_SC_NPROCESSORS_ONLN));

    cleanup();
    printf("cgroup: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
#else
int main(void) {
    printf("skipped: no POSIX mkdir here\n");
    return 77;
}
#endif
