#include "grid_emulator.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

struct thread_id {
    uint32_t x, y, z;
};

using buffer_copies = std::vector<std::vector<float>>;

// Tracing every thread's writes costs threads x elements; beyond this, only the order check.
constexpr uint64_t kTraceBudget = uint64_t(1) << 23;

__attribute__((format(printf, 3, 4))) int fail(char *error, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(error, size, fmt, ap);
    va_end(ap);
    return -1;
}

// Every thread Metal launches for dispatchThreadgroups: whole threadgroups, so the edge
// threads overhang the data and the kernels' bounds checks are exercised.
std::vector<thread_id> launched_threads(const wtconv_mtl_dispatch &d) {
    std::vector<thread_id> threads;
    for (uint32_t gz = 0; gz < d.threadgroups[2]; gz++)
        for (uint32_t gy = 0; gy < d.threadgroups[1]; gy++)
            for (uint32_t gx = 0; gx < d.threadgroups[0]; gx++)
                for (uint32_t tz = 0; tz < d.threads_per_group[2]; tz++)
                    for (uint32_t ty = 0; ty < d.threads_per_group[1]; ty++)
                        for (uint32_t tx = 0; tx < d.threads_per_group[0]; tx++)
                            threads.push_back({gx * d.threads_per_group[0] + tx,
                                               gy * d.threads_per_group[1] + ty,
                                               gz * d.threads_per_group[2] + tz});
    return threads;
}

/* Where kernel k takes its arguments ([[buffer(i)]]: the runtime binds them with setBytes at
 * index binding_count) and their size; -1 for no kernel. The trampoline passes buffers by those
 * indices and the arguments by reference, so a plan that bound them elsewhere or gave another
 * size would run here and fail on a GPU: checked instead. */
int kernel_args_index(wtconv_mtl_kernel k, size_t *args_size) {
    switch (k) {
    case WTCONV_MTL_HAAR_FORWARD:
        *args_size = sizeof(wtconv_haar_forward_args);
        return WTCONV_HAAR_FORWARD_ARGS;
    case WTCONV_MTL_HAAR_INVERSE_ACCUMULATE:
        *args_size = sizeof(wtconv_haar_inverse_args);
        return WTCONV_HAAR_INVERSE_ARGS;
    case WTCONV_MTL_RECONSTRUCT_OUTPUT:
        *args_size = sizeof(wtconv_reconstruct_args);
        return WTCONV_RECONSTRUCT_ARGS;
    case WTCONV_MTL_KERNEL_COUNT:
        break;
    }
    *args_size = 0;
    return -1;
}

int check_dispatch_shape(const wtconv_mtl_plan &plan, const wtconv_mtl_dispatch &d,
                         uint32_t max_threads_per_group, int index, char *error, size_t size) {
    size_t args_size = 0;
    const int args_index = kernel_args_index(d.kernel, &args_size);
    if (args_index < 0 || d.binding_count != args_index || d.args_size != args_size)
        return fail(error, size,
                    "dispatch %d: %d buffers and %zu bytes of arguments, where the kernel takes "
                    "its arguments at buffer(%d), %zu bytes",
                    index, d.binding_count, d.args_size, args_index, args_size);
    uint64_t group = 1;
    for (int k = 0; k < 3; k++) {
        if (d.threads_per_group[k] == 0 || d.threadgroups[k] == 0)
            return fail(error, size, "dispatch %d: an empty grid dimension", index);
        if (uint64_t(d.threadgroups[k]) * d.threads_per_group[k] < d.grid[k])
            return fail(error, size, "dispatch %d: the threadgroups do not cover the grid", index);
        group *= d.threads_per_group[k];
    }
    if (group > max_threads_per_group)
        return fail(error, size, "dispatch %d: %llu threads per group, over the pipelines' %u",
                    index, (unsigned long long)group, (unsigned)max_threads_per_group);
    if (d.binding_count < 1 || d.binding_count > WTCONV_MTL_MAX_BINDINGS)
        return fail(error, size, "dispatch %d: %d buffer bindings", index, d.binding_count);
    for (int b = 0; b < d.binding_count; b++) {
        if (d.buffers[b] < 0 || d.buffers[b] >= plan.buffer_count)
            return fail(error, size, "dispatch %d: binding %d names no buffer", index, b);
        for (int other = 0; other < b; other++)
            if (d.buffers[other] == d.buffers[b]) // the kernels assume no aliasing
                return fail(error, size, "dispatch %d: bindings %d and %d alias", index, other, b);
    }
    return 0;
}

void run_threads(const wtconv_mtl_dispatch &d, float *const *bound,
                 const std::vector<thread_id> &threads, bool reverse) {
    const size_t n = threads.size();
    for (size_t i = 0; i < n; i++) {
        const thread_id &t = threads[reverse ? n - 1 - i : i];
        wtconv_emu_invoke(d.kernel, bound, &d.args, t.x, t.y, t.z);
    }
}

buffer_copies copy_bound(const wtconv_mtl_plan &plan, const wtconv_mtl_dispatch &d,
                         float *const *bound, float **copy_pointers) {
    buffer_copies copies(size_t(d.binding_count));
    for (int b = 0; b < d.binding_count; b++) {
        copies[size_t(b)].assign(bound[b], bound[b] + plan.buffers[d.buffers[b]].elements);
        copy_pointers[b] = copies[size_t(b)].data();
    }
    return copies;
}

// Runs each thread alone on buffers of distinct values and records which elements it changed:
// an element changed by two threads is a write race on a GPU.
int trace_writes(const wtconv_mtl_plan &plan, const wtconv_mtl_dispatch &d, float *const *bound,
                 const std::vector<thread_id> &threads, int index, char *error, size_t size) {
    float *scratch[WTCONV_MTL_MAX_BINDINGS] = {};
    buffer_copies work = copy_bound(plan, d, bound, scratch);
    buffer_copies pristine(work.size());
    std::vector<std::vector<int64_t>> owner(work.size());
    for (size_t b = 0; b < work.size(); b++) {
        for (size_t e = 0; e < work[b].size(); e++) // distinct, exactly representable values
            work[b][e] = float(int32_t((e * 2654435761u + b * 40503u) % 1000003u) - 500001);
        pristine[b] = work[b];
        owner[b].assign(work[b].size(), -1);
    }
    for (size_t t = 0; t < threads.size(); t++) {
        wtconv_emu_invoke(d.kernel, scratch, &d.args, threads[t].x, threads[t].y, threads[t].z);
        for (size_t b = 0; b < work.size(); b++)
            for (size_t e = 0; e < work[b].size(); e++) {
                if (std::memcmp(&work[b][e], &pristine[b][e], sizeof(float)) == 0)
                    continue;
                if (owner[b][e] >= 0) {
                    const thread_id &o = threads[size_t(owner[b][e])];
                    return fail(error, size,
                                "dispatch %d (%s): threads (%u,%u,%u) and (%u,%u,%u) both write "
                                "element %zu of buffer '%s'",
                                index, wtconv_mtl_kernel_name(d.kernel), o.x, o.y, o.z,
                                threads[t].x, threads[t].y, threads[t].z, e,
                                plan.buffers[d.buffers[b]].name);
                }
                owner[b][e] = int64_t(t);
                work[b][e] = pristine[b][e];
            }
    }
    return 0;
}

} // namespace

extern "C" int wtconv_emu_run(const wtconv_mtl_plan *plan, uint32_t max_threads_per_group,
                              int first, int count, float *const *buffers, int check_races,
                              char *error, size_t error_size) {
    if (first < 0 || count < 0 || first + count > plan->forward_count + plan->inverse_count)
        return fail(error, error_size, "dispatches %d..%d are not in the plan", first,
                    first + count - 1);
    for (int i = first; i < first + count; i++) {
        const wtconv_mtl_dispatch &d = plan->dispatches[i];
        float *bound[WTCONV_MTL_MAX_BINDINGS] = {};
        float *reversed[WTCONV_MTL_MAX_BINDINGS] = {};
        if (check_dispatch_shape(*plan, d, max_threads_per_group, i, error, error_size) != 0)
            return -1;
        for (int b = 0; b < d.binding_count; b++)
            bound[b] = buffers[d.buffers[b]];
        const std::vector<thread_id> threads = launched_threads(d);

        buffer_copies reverse_copies;
        if (check_races) {
            uint64_t elements = 0;
            for (int b = 0; b < d.binding_count; b++)
                elements += plan->buffers[d.buffers[b]].elements;
            if (uint64_t(threads.size()) * elements <= kTraceBudget &&
                trace_writes(*plan, d, bound, threads, i, error, error_size) != 0)
                return -1;
            reverse_copies = copy_bound(*plan, d, bound, reversed);
            run_threads(d, reversed, threads, true);
        }
        run_threads(d, bound, threads, false);
        if (check_races)
            for (int b = 0; b < d.binding_count; b++)
                if (std::memcmp(bound[b], reversed[b], plan->buffers[d.buffers[b]].bytes) != 0)
                    return fail(error, error_size,
                                "dispatch %d (%s): buffer '%s' depends on the order threads run "
                                "in",
                                i, wtconv_mtl_kernel_name(d.kernel),
                                plan->buffers[d.buffers[b]].name);
    }
    return 0;
}
