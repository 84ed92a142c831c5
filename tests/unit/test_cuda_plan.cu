// src/cuda/planes.cu's planes_plan on the host: for every plane it accepts (heights and widths
// 1..72, k = 3, 5, 7, one to eight levels, strides 1 and 2), the shared-memory layout that the
// whole-plane kernels index must hold what they read and write, region after region without
// overlap, inside the block's shared memory. The bounds come from what the kernels touch
// (docs/cuda-backend.md, Design), not from planes_plan's arithmetic: the base branch reads input
// rows 2u .. 2u + k and up to round4(2 NP + k - 1) columns from 2 v0; a band filter reads k rows
// of up to round4(NP + k - 1) columns from v0; each level's bands hold the zero-bordered
// coefficients. Built where the CUDA backend is; needs no GPU (the plan is host code).
#include <cstdio>
#include <cstring>

#include "cuda/planes.h"
#include "cuda/tiles.h"
#include "plan/plan.h"

using wtconv_cuda::kMaxThreads;
using wtconv_cuda::plane_args;
using wtconv_cuda::plane_band;
using wtconv_cuda::plane_launch;
using wtconv_cuda::planes_plan;
using wtconv_cuda::round4;

namespace {

constexpr long long kSmemMax = 64 * 1024; // a block's shared memory for whole planes (bytes)

long long checked, accepted, failed;

void fail(const wtconv_plan &p, const char *what, long long got, long long bound) {
    if (failed++ < 20)
        std::printf("FAIL %dx%d k=%d L=%d stride %d: %s (%lld against %lld)\n", p.height, p.width,
                    p.kernel, p.levels, p.stride, what, got, bound);
}

// got <= bound, else a failure naming `what`.
void at_most(const wtconv_plan &p, const char *what, long long got, long long bound) {
    if (got > bound)
        fail(p, what, got, bound);
}

long long ceil_div(long long a, long long b) { return (a + b - 1) / b; }

void check_plan(const wtconv_plan &p, const plane_launch &launch) {
    const plane_args &a = launch.args;
    const int k = p.kernel, L = p.levels, W = p.width;
    const int hc0 = p.level[0].half_height, wc0 = p.level[0].half_width;
    /* Four positions a level-0 job from 6 coefficient columns, else one (the design). */
    const int np = wc0 >= 6 ? 4 : 1;
    const long long slice = a.slice;

    /* Threads and blocks. */
    at_most(p, "threads a plane >= 1", 1, a.threads);
    at_most(p, "planes a block >= 1", 1, a.per_block);
    at_most(p, "block threads", (long long)a.per_block * a.threads + a.deep, kMaxThreads);
    if (launch.block.x !=
        (unsigned)(ceil_div((long long)a.per_block * a.threads, 32) * 32 + a.deep))
        fail(p, "block size", launch.block.x,
             ceil_div((long long)a.per_block * a.threads, 32) * 32);
    /* One warp, not the plan's own constant: the kernel synchronises the deep group by
     * __syncwarp alone. */
    if (a.deep != 0 && a.deep != 32)
        fail(p, "deep warp", a.deep, 32);
    /* With the deep warp every level-0 job has a thread of its own (no loop over jobs). */
    if (a.deep)
        at_most(p, "level-0 jobs of the SPLIT kernel", (long long)hc0 * ceil_div(wc0, np),
                a.threads);
    at_most(p, "level-0 jobs a row cover the row", wc0, (long long)a.jobs_row0 * np);

    /* Shared memory: per_block slices of `slice` floats, float4-aligned. */
    if ((long long)launch.smem != (long long)a.per_block * slice * 4)
        fail(p, "shared memory = planes x slice", (long long)launch.smem, a.per_block * slice * 4);
    at_most(p, "shared memory a block", (long long)launch.smem, kSmemMax);
    if (slice % 4 || a.w_off % 4)
        fail(p, "slice and weights float4-aligned", slice % 4 + a.w_off % 4, 0);

    /* The regions in order: input, each level's four bands, R of odd and even levels,
     * weights. */
    const long long input_end = (long long)a.xr * a.xp;
    at_most(p, "input before level 0's bands", input_end, a.coef[0]);
    for (int i = 0; i < L; i++) {
        const long long end = a.coef[i] + 4LL * a.band[i];
        at_most(p, "level's bands before the next region", end,
                i + 1 < L ? a.coef[i + 1] : a.r_off[1]);
        /* Zero-bordered coefficients: hc + k - 1 rows of wc + k - 1 columns. */
        at_most(p, "coefficient pitch", p.level[i].half_width + k - 1, a.cp[i]);
        at_most(p, "band size", (long long)(p.level[i].half_height + k - 1) * a.cp[i], a.band[i]);
        /* A band filter's reads (NP = 4 at most, rows rounded to float4s) stay in the slice. */
        const long long v0_max = (ceil_div(p.level[i].half_width, 4) - 1) * 4;
        const long long last = a.coef[i] + 3LL * a.band[i] +
                               (long long)(p.level[i].half_height - 1 + k - 1) * a.cp[i] + v0_max +
                               round4(4 + k - 1);
        at_most(p, "band filter reads inside the slice", last, slice);
    }
    const long long r1 = L >= 2 ? (long long)p.level[1].height * p.level[1].width : 0;
    const long long r2 = L >= 3 ? (long long)p.level[2].height * p.level[2].width : 0;
    at_most(p, "R of odd levels before R of even ones", a.r_off[1] + r1, a.r_off[0]);
    at_most(p, "R of even levels before the weights", a.r_off[0] + r2, a.w_off);
    at_most(p, "weights inside the slice", a.w_off + 4LL * a.nw4, slice);
    at_most(p, "every level's filters in the weights", plane_band(k, a.w4, L, 0), 4LL * a.nw4);
    /* W4: tap_stream reads every filter (the base branch's at 0, the bands' at plane_band)
     * as float4s from its start. */
    if (a.w4)
        for (int l = 0; l < L; l++)
            for (int s = 0; s < 4; s++)
                if ((a.w_off + plane_band(k, true, l, s)) % 4)
                    fail(p, "W4: band filters float4-aligned", plane_band(k, true, l, s) % 4, 0);

    /* The input: the plane with its zero border, and the base branch's reads: input rows
     * 2u .. 2u + k of every coefficient row u, columns from 2 v0 on (float4-rounded). */
    at_most(p, "input pitch holds a bordered row", W + k - 1, a.xp);
    at_most(p, "input rows hold the base branch's", 2LL * hc0 + k - 1, a.xr);
    const long long v0_max = (ceil_div(wc0, np) - 1) * np;
    const long long base_last = (2LL * (hc0 - 1) + k) * a.xp + 2 * v0_max + round4(2 * np + k - 1);
    at_most(p, "base branch reads inside the slice", base_last, slice);

    /* The plain NP = 4 kernel (no deep warp: B4) reads float4 input rows, and at k = 5 float4
     * rows of level 0's bands. */
    if (np == 4 && !a.deep) {
        if (a.xp % 4 || a.coef[0] % 4)
            fail(p, "B4: input pitch and level 0's bands float4-aligned", a.xp % 4, 0);
        if (k == 5 && (a.cp[0] % 4 || a.band[0] % 4))
            fail(p, "V4: level 0's band rows float4-aligned", a.cp[0] % 4 + a.band[0] % 4, 0);
    }
}

void check_shape(int H, int W, int k, int L, int stride) {
    wtconv_model model;
    std::memset(&model, 0, sizeof model);
    model.channels = 3;
    model.kernel = k;
    model.levels = L;
    wtconv_plan plan;
    if (wtconv_plan_make(&model, 2, 3, H, W, stride, &plan) != WTCONV_OK) {
        fail(plan, "wtconv_plan_make", 1, 0);
        return;
    }
    plane_launch launch;
    checked++;
    if (!planes_plan(plan, &launch))
        return;
    accepted++;
    check_plan(plan, launch);
}

} // namespace

int main() {
    for (int k = 3; k <= 7; k += 2)
        for (int L = 1; L <= 8; L++)
            for (int H = 1; H <= 72; H++)
                for (int W = 1; W <= 72; W++)
                    for (int stride = 1; stride <= 2; stride++)
                        check_shape(H, W, k, L, stride);
    /* WTConvNeXt-T's four stages take whole planes (the design: every stage, 56x56 and
     * below). */
    const int stages[4][2] = {{56, 5}, {28, 4}, {14, 3}, {7, 2}};
    for (const auto &s : stages) {
        wtconv_model model;
        std::memset(&model, 0, sizeof model);
        model.channels = 96;
        model.kernel = 5;
        model.levels = s[1];
        wtconv_plan plan;
        plane_launch launch;
        if (wtconv_plan_make(&model, 64, 96, s[0], s[0], 1, &plan) != WTCONV_OK ||
            !planes_plan(plan, &launch))
            fail(plan, "a WTConvNeXt stage takes whole planes", 0, 1);
    }
    /* Planes of gigabytes are no whole planes: the layout's int sums once wrapped around and
     * accepted these with a slice of 16 and 10,248 floats (found by review, 2026-12-06). */
    const int huge[3][4] = {{1, 318145701, 3, 2}, {40318, 40320, 3, 4}, {46331, 46331, 3, 1}};
    for (const auto &h : huge) {
        wtconv_model model;
        std::memset(&model, 0, sizeof model);
        model.channels = 1;
        model.kernel = h[2];
        model.levels = h[3];
        wtconv_plan plan;
        plane_launch launch;
        if (wtconv_plan_make(&model, 1, 1, h[0], h[1], 1, &plan) != WTCONV_OK)
            fail(plan, "wtconv_plan_make of a huge plane", 1, 0);
        else if (planes_plan(plan, &launch))
            fail(plan, "a plane larger than shared memory refused", launch.args.slice, 0);
    }
    /* The tiled levels' blocks stay inside CUDA's limits where one tile is a whole plane and
     * several planes share a block: blockDim.z <= 64 (k = 1 on 1 x 1 .. 2 x 8 levels asked
     * for 128), threads <= 256. */
    for (int k = 1; k <= 7; k++)
        for (int base = 0; base < 2; base++)
            for (int hc = 1; hc <= 4; hc++)
                for (int wc = 1; wc <= 16; wc++) {
                    wtconv_cuda::level_launch L{};
                    L.args.h = 2 * hc, L.args.w = 2 * wc, L.args.hc = hc, L.args.wc = wc;
                    L.args.k = k, L.args.pb = (k - 1) / 2, L.args.channels = 512;
                    L.args.stride = 1, L.args.out_h = 2 * hc, L.args.out_w = 2 * wc;
                    L.base = base != 0;
                    wtconv_cuda::tiles_plan_level(&L, 512, true);
                    checked++;
                    if (L.direct)
                        continue;
                    wtconv_plan p;
                    std::memset(&p, 0, sizeof p);
                    p.height = 2 * hc, p.width = 2 * wc, p.kernel = k, p.levels = 1;
                    at_most(p, "tiled block's z <= 64", L.block.z, 64);
                    at_most(p, "tiled block's threads",
                            (long long)L.block.x * L.block.y * L.block.z, kMaxThreads);
                }
    std::printf("cuda plan: %lld shapes, %lld on whole planes, %lld failures\n", checked, accepted,
                failed);
    return failed ? 1 : 0;
}
