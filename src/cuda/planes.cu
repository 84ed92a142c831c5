/* The CUDA backend's whole-plane path (planes.h): one block runs the whole layer on one plane
 * or a few small ones, in shared memory; docs/cuda-backend.md has the design and the numbers. */
#include "cuda/planes.h"

#include <stdint.h>
#include <string.h>

#include "cuda/launch.h"

namespace wtconv_cuda {
namespace {

/* Whole planes in one block up to this much shared memory (at least three blocks an SM). */
constexpr size_t kPlaneSmemMax = 64 * 1024;

/* Copies a plane (h x w) with a zero border of `pad` to shared memory: `rows` rows of `cols`
 * columns at row pitch `pitch`, element (r, q) = plane (r - pad, q - pad); thread t of nt. Every
 * copy is asynchronous (cp.async; zero-filled outside the plane), so all of a plane's loads are
 * in flight at once instead of a few per thread between waits; the caller waits for them
 * (cp.async.wait_all) and synchronises.
 * Copies take two elements where both places pair them on 8-byte bounds (even pad, width,
 * columns and pitch, x 8-byte aligned: the 56x56 planes at k = 5), else one. */
__device__ __forceinline__ void load_plane(float *dst, int rows, int cols, int pitch,
                                           const float *src, int h, int w, int pad, int t, int nt) {
    const unsigned base = (unsigned)__cvta_generic_to_shared(dst);
    const bool pairs = ((pad | w | cols | pitch) & 1) == 0 && ((uintptr_t)src & 7) == 0;
    const int g = pairs ? 2 : 1, per_row = cols / g, n = rows * per_row;
    const float inv = small_inv(per_row);
    for (int i = t; i < n; i += nt) {
        const int r = small_div(i, inv), q = (i - r * per_row) * g, gy = r - pad, gx = q - pad;
        const bool in = (unsigned)gy < (unsigned)h && (unsigned)gx < (unsigned)w;
        const float *from = in ? src + (ptrdiff_t)gy * w + gx : src;
        const unsigned to = base + 4u * (unsigned)(r * pitch + q);
        if (pairs)
            asm volatile("cp.async.ca.shared.global [%0], [%1], 8, %2;" ::"r"(to), "l"(from),
                         "r"(in ? 8 : 0)
                         : "memory");
        else
            asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;" ::"r"(to), "l"(from),
                         "r"(in ? 4 : 0)
                         : "memory");
    }
}

/* load_plane with a thread per column (or column pair, G = 2) stepping down the rows: thread t
 * of nt takes copy column c = t % per_row and rows g, g + G', ... (g = t / per_row, G' = nt /
 * per_row row groups; the last nt - G' * per_row threads only wait). The column's bounds are
 * tested once and the addresses step by additions, so a copy costs about ten instructions
 * against load_plane's 46 (its index division, bounds and addresses per copy: 11% of the
 * instructions of 64/96/56/5/5, twelfth round). Same copies, same places. */
template <int G>
__device__ __forceinline__ void load_plane_columns(float *dst, int rows, int cols, int pitch,
                                                   const float *src, int h, int w, int pad, int t,
                                                   int nt) {
    const int per_row = cols / G, groups = nt / per_row, g = t / per_row;
    const int q = (t - g * per_row) * G, gx = q - pad;
    /* G = 2: pad and w are even, so a pair lies wholly inside or outside the plane's columns */
    const bool column_in = g < groups && (unsigned)gx < (unsigned)w;
    unsigned to = (unsigned)__cvta_generic_to_shared(dst) + 4u * (unsigned)(g * pitch + q);
    const unsigned to_step = 4u * (unsigned)(groups * pitch);
    int gy = g - pad;
    const float *from = src + (ptrdiff_t)gy * w + gx;
    const ptrdiff_t step = (ptrdiff_t)groups * w;
    for (int r = g; g < groups && r < rows; r += groups) {
        const bool in = column_in && (unsigned)gy < (unsigned)h;
        asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;" ::"r"(to),
                     "l"(in ? from : src), "n"(4 * G), "r"(in ? 4 * G : 0)
                     : "memory");
        to += to_step;
        from += step;
        gy += groups;
    }
}

/* The plain NP = 4 kernel's plane load (B4): load_plane's copies by columns, pairs where
 * load_plane pairs them, where the block has a thread for every copy of a row. */
__device__ __forceinline__ void load_plane_b4(float *dst, int rows, int cols, int pitch,
                                              const float *src, int h, int w, int pad, int t,
                                              int nt) {
    const bool pairs = ((pad | w | cols | pitch) & 1) == 0 && ((uintptr_t)src & 7) == 0;
    if (pairs && cols / 2 <= nt)
        load_plane_columns<2>(dst, rows, cols, pitch, src, h, w, pad, t, nt);
    else if (!pairs && cols <= nt)
        load_plane_columns<1>(dst, rows, cols, pitch, src, h, w, pad, t, nt);
    else
        load_plane(dst, rows, cols, pitch, src, h, w, pad, t, nt);
}

/* Deep levels of at most this many jobs run on quads (plane_deep_quads), where that at least
 * halves a level's warp steps (4 x 4 bands: 2 warps of one band each instead of 1 warp of four;
 * 2 x 2: 1 instead of 1 of four): 64/96/56/5/5 0.1981 -> 0.1905 ms, 64/96/56/7/4 0.3166 ->
 * 0.3068, the rest unchanged (H100, 2026-12-05). Quads on every deep level were 1-3% slower on
 * 64/96/56/5/3, 5/2 and 7/3 (7 x 7 bands: 7 warps instead of 2 of four). */
constexpr int kQuadJobsMax = 16;

/* y stored as float4s where its rows are 16-byte aligned (stride 1, NP = 4). */
constexpr bool kVecStore = true;

/* Which shared-memory rows the plain NP = 4 kernel (no deep warp) reads as float4s: the input's
 * in the base branch (B4), and on k = 5 also level 0's in the band filters (V4). The kernel and
 * planes_plan, which makes those pitches multiples of 4, both ask here. */
__host__ __device__ constexpr bool plane_b4(int np, bool split) { return np == 4 && !split; }
__host__ __device__ constexpr bool plane_v4(int k, bool b4) { return b4 && k == 5; }
/* Which kernels take the W4 weight layout (plane_band) and read it through tap_stream: every
 * NP = 4 kernel (measured in planes_plan). */
__host__ __device__ constexpr bool plane_w4(int np) { return np == 4; }

/* Coefficient positions per job of level l: NP on level 0 and on deep levels of kWideCols
 * columns or more, 1 on narrower ones (more threads at work). */
constexpr int kWideCols = 12;
template <int NP> __device__ __forceinline__ bool plane_wide(const plane_args &a, int l) {
    return NP > 1 && (l == 0 || a.wc[l] >= kWideCols);
}
/* Jobs of a deep level of hc x wc coefficients, as plane_level makes them (planes_plan). */
__host__ __device__ constexpr int plane_deep_jobs(int np, int hc, int wc) {
    return hc * (np > 1 && wc >= kWideCols ? (wc + np - 1) / np : wc);
}

/* The four filtered subbands of NP coefficient positions (u, v0 ..) of level l through the
 * inverse Haar, without R of the level below and the factor 1/2: p[dy][2m+dx] belongs to the
 * level input's pixel (2u+dy, 2(v0+m)+dx). The inverse Haar is applied band by band (one
 * band's 25-49 weights live at a time). */
/* acc[m] = the K x K filter w (taps by tap_stream) over the window whose top-left is at[m]: NP
 * outputs side by side in a row of a shared-memory plane whose rows are pitch apart. V4: the
 * window's rows read as float4s (at and pitch 16-byte aligned: plane_v4, planes_plan). */
template <int K, int NP, bool W4, bool V4 = false>
__device__ __forceinline__ void filter_window(const float *at, int pitch, const float *w,
                                              float (&acc)[NP]) {
#pragma unroll
    for (int m = 0; m < NP; m++)
        acc[m] = 0.0f;
    tap_stream<W4> taps(w);
#pragma unroll
    for (int i = 0; i < K; i++) {
        float loaded[round4(NP + K - 1)];
        if constexpr (V4)
            load_row<round4(NP + K - 1)>(loaded, at + i * pitch);
        const float *row = V4 ? loaded : at + i * pitch;
#pragma unroll
        for (int j = 0; j < K; j++) {
            const float wt = taps.next(i * K + j);
#pragma unroll
            for (int m = 0; m < NP; m++)
                acc[m] = fmaf(wt, row[j + m], acc[m]);
        }
    }
}

template <int K, int NP, bool W4, bool V4 = false>
__device__ __forceinline__ void plane_wavelet(const plane_args &a, const float *sm, const float *ws,
                                              int l, int u, int v0, float (&p)[2][2 * NP]) {
    constexpr int kb = plane_bias(K, W4);
    const int cp = a.cp[l], bs = a.band[l];
    const float *cf = sm + a.coef[l];
    const float *wl = ws + plane_band(K, W4, l, 0);
#pragma unroll
    for (int q = 0; q < 2 * NP; q++)
        p[0][q] = p[1][q] = 0.0f;
#pragma unroll 1
    for (int s = 0; s < 4; s++) {
        float acc[NP];
        filter_window<K, NP, W4, V4>(cf + s * bs + u * cp + v0, cp, wl + s * kb, acc);
        /* Signs of band s in the four pixels: s1 flips the lower row, s2 the right column, s3
         * both. */
        const float right = (s & 2) ? -1.0f : 1.0f, lower = (s & 1) ? -1.0f : 1.0f;
#pragma unroll
        for (int m = 0; m < NP; m++) {
            p[0][2 * m] += acc[m];
            p[0][2 * m + 1] = fmaf(right, acc[m], p[0][2 * m + 1]);
            p[1][2 * m] = fmaf(lower, acc[m], p[1][2 * m]);
            p[1][2 * m + 1] = fmaf(right * lower, acc[m], p[1][2 * m + 1]);
        }
    }
}

/* Level l >= 1 of the inverse cascade: R_l = (inverse Haar + R_{l+1}) / 2; jobs first, first +
 * step, ... */
template <int K, int NP, bool W4>
__device__ __forceinline__ void plane_deep(const plane_args &a, float *sm, const float *ws, int l,
                                           int first, int jobs, int step) {
    const int per_row = (a.wc[l] + NP - 1) / NP, h = a.h[l], w = a.w[l], wc = a.wc[l];
    const float *rn = l + 1 < a.levels ? sm + a.r_off[(l + 1) & 1] : nullptr;
    float *rout = sm + a.r_off[l & 1];
    const float inv_row = small_inv(per_row);
    for (int job = first; job < jobs; job += step) {
        const int u = small_div(job, inv_row), v0 = (job - u * per_row) * NP;
        float p[2][2 * NP];
        plane_wavelet<K, NP, W4>(a, sm, ws, l, u, v0, p);
#pragma unroll
        for (int m = 0; m < NP; m++) {
            const float r = rn && v0 + m < wc ? rn[u * wc + v0 + m] : 0.0f;
#pragma unroll
            for (int d = 0; d < 4; d++)
                p[d >> 1][2 * m + (d & 1)] = (p[d >> 1][2 * m + (d & 1)] + r) * 0.5f;
        }
#pragma unroll
        for (int dy = 0; dy < 2; dy++)
#pragma unroll
            for (int q = 0; q < 2 * NP; q++) {
                const int gy = 2 * u + dy, gx = 2 * v0 + q;
                if (gy < h && gx < w)
                    rout[gy * w + gx] = p[dy][q];
            }
    }
}

/* Adds the base branch (without bias) of pixels (2u+dy, 2v0+q), dy < 2, q < 2NP, to b: both
 * rows from the K+1 input rows they share. */
template <int K, int NP, bool W4, bool B4>
__device__ __forceinline__ void plane_base(const plane_args &a, const float *sm, const float *ws,
                                           int u, int v0, float (&b)[2][2 * NP]) {
    /* B4: rows as float4s (the input pitch is a multiple of 4, planes_plan). */
    constexpr int n = B4 ? round4(2 * NP + K - 1) : 2 * NP + K - 1;
    tap_stream<W4> taps(ws);
    /* The upper pixel row takes filter row i, the lower one row i - 1: each tap is read once (the
     * stream goes forward only) and kept a row for the lower pixels. */
    float taps_now[K], taps_before[K];
#pragma unroll
    for (int i = 0; i <= K; i++) {
        const float *src = sm + (2 * u + i) * a.xp + 2 * v0;
        float row[n];
        if constexpr (B4)
            load_row<n>(row, src);
        else
#pragma unroll
            for (int j = 0; j < n; j++)
                row[j] = src[j];
        if (i < K)
#pragma unroll
            for (int j = 0; j < K; j++) {
                const float wt = taps.next(i * K + j);
                taps_now[j] = wt;
#pragma unroll
                for (int q = 0; q < 2 * NP; q++)
                    b[0][q] = fmaf(wt, row[j + q], b[0][q]);
            }
        if (i > 0)
#pragma unroll
            for (int j = 0; j < K; j++) {
#pragma unroll
                for (int q = 0; q < 2 * NP; q++)
                    b[1][q] = fmaf(taps_before[j], row[j + q], b[1][q]);
            }
        if (i < K)
#pragma unroll
            for (int j = 0; j < K; j++)
                taps_before[j] = taps_now[j];
    }
}

/* Level 0 of job (u, v0) without R_1: the wavelet part halved plus the base branch. */
template <int K, int NP, bool W4, bool B4>
__device__ __forceinline__ void plane_top_part(const plane_args &a, const float *sm,
                                               const float *ws, int u, int v0,
                                               float (&p)[2][2 * NP]) {
    plane_wavelet<K, NP, W4, plane_v4(K, B4)>(a, sm, ws, 0, u, v0, p);
#pragma unroll
    for (int q = 0; q < 2 * NP; q++) {
        p[0][q] *= 0.5f;
        p[1][q] *= 0.5f;
    }
    plane_base<K, NP, W4, B4>(a, sm, ws, u, v0, p);
}

/* Adds R_1 / 2 and the bias to the pixels of job (u, v0) and writes them to y with the stride. */
template <int K, int NP, bool W4>
__device__ __forceinline__ void plane_top_store(const plane_args &a, const float *sm,
                                                const float *ws, long long plane, int u, int v0,
                                                float (&p)[2][2 * NP]) {
    const int H = a.h[0], W = a.w[0], wc = a.wc[0];
    const float *rn = a.levels > 1 ? sm + a.r_off[1] : nullptr;
    const float bias = ws[plane_bias(K, W4)];
#pragma unroll
    for (int m = 0; m < NP; m++) {
        const float r = rn && v0 + m < wc ? rn[u * wc + v0 + m] * 0.5f + bias : bias;
#pragma unroll
        for (int d = 0; d < 4; d++)
            p[d >> 1][2 * m + (d & 1)] += r;
    }
    float *y = a.y + (size_t)plane * (size_t)a.out_h * (size_t)a.out_w;
    if (a.stride == 1) {                                          /* no index division per pixel */
        if (kVecStore && NP == 4 && a.vec_y && 2 * v0 + 8 <= W) { /* 16-byte stores */
#pragma unroll
            for (int dy = 0; dy < 2; dy++) {
                const int gy = 2 * u + dy;
                if (gy >= H)
                    break;
                float4 *row = reinterpret_cast<float4 *>(y + (size_t)gy * a.out_w + 2 * v0);
                row[0] = make_float4(p[dy][0], p[dy][1], p[dy][2], p[dy][3]);
                row[1] = make_float4(p[dy][4], p[dy][5], p[dy][6], p[dy][7]);
            }
            return;
        }
#pragma unroll
        for (int dy = 0; dy < 2; dy++) {
            const int gy = 2 * u + dy;
            if (gy >= H)
                break;
#pragma unroll
            for (int q = 0; q < 2 * NP; q++) {
                const int gx = 2 * v0 + q;
                if (gx < W)
                    y[(size_t)gy * a.out_w + gx] = p[dy][q];
            }
        }
        return;
    }
#pragma unroll
    for (int dy = 0; dy < 2; dy++) {
        const int gy = 2 * u + dy;
        if (gy >= H || gy % a.stride)
            continue;
#pragma unroll
        for (int q = 0; q < 2 * NP; q++) {
            const int gx = 2 * v0 + q;
            if (gx < W && gx % a.stride == 0)
                y[(size_t)(gy / a.stride) * a.out_w + gx / a.stride] = p[dy][q];
        }
    }
}

/* Haar coefficients of level l of one plane, from the level input (x, then the LL band before).
 * bands: 0 all four, 1 the LL band alone, 2 the other three. Thread t of nt takes positions t,
 * t + nt, ... of the level's hc x wc coefficients; the bands' zero borders are zero_bands'.
 * WHOLE (the BP kernel: plane_kernel without ZERO): every element of the rows x pitch
 * bands instead, the borders' zeros included. The level input has a zero border of at least one
 * element (x's padding; the LL band's border), so a 2x2 block at an odd-sized input's edge is read
 * without bounds checks. */
template <int K, bool WHOLE = false>
__device__ __forceinline__ void plane_haar(const plane_args &a, float *sm, int l, int t, int nt,
                                           int bands = 0) {
    constexpr int pb = (K - 1) / 2;
    static_assert(pb >= 1, "the reads past an odd edge need a zero border");
    const float *in = l == 0 ? sm + pb * a.xp + pb : sm + a.coef[l - 1] + pb * a.cp[l - 1] + pb;
    const int ip = l == 0 ? a.xp : a.cp[l - 1];
    const int hc = a.hc[l], wc = a.wc[l], cp = a.cp[l];
    const int bs = a.band[l];
    const int cols = WHOLE ? cp : wc, n = WHOLE ? (hc + K - 1) * cp : hc * wc;
    if (t >= n) /* no position for this thread: leave before the reciprocal */
        return;
    const float inv_cols = small_inv(cols);
    float *out = sm + a.coef[l];
    for (int i = t; i < n; i += nt) {
        int u = small_div(i, inv_cols), v = i - u * cols;
        float A = 0.0f, B = 0.0f, C = 0.0f, D = 0.0f;
        if (WHOLE) {
            u -= pb;
            v -= pb;
        }
        if (!WHOLE || ((unsigned)u < (unsigned)hc && (unsigned)v < (unsigned)wc)) {
            const float *p = in + 2 * u * ip + 2 * v;
            A = p[0];
            B = p[1];
            C = p[ip];
            D = p[ip + 1];
        }
        float *o = out + (u + pb) * cp + v + pb;
        if (bands != 2) /* the LL band */
            o[0] = (A + B + C + D) * 0.5f;
        if (bands != 1) { /* the other three */
            o[bs] = (A + B - C - D) * 0.5f;
            o[2 * bs] = (A - B + C - D) * 0.5f;
            o[3 * bs] = (A - B - C + D) * 0.5f;
        }
    }
}

/* Zeroes the bands of every level of one plane (coef[0] up to R_1), the borders that plane_haar
 * leaves alone included; thread t of nt, the caller's barrier follows. */
__device__ __forceinline__ void zero_bands(const plane_args &a, float *sm, int t, int nt) {
    const int from = a.coef[0], to = a.r_off[1];
    const int head = (from + 3) & ~3, tail = to & ~3; /* float4s in between */
    if (tail <= head) {
        for (int i = from + t; i < to; i += nt)
            sm[i] = 0.0f;
        return;
    }
    for (int i = from + t; i < head; i += nt)
        sm[i] = 0.0f;
    for (int i = tail + t; i < to; i += nt)
        sm[i] = 0.0f;
    float4 *q = reinterpret_cast<float4 *>(sm + head);
    for (int i = t; i < (tail - head) / 4; i += nt)
        q[i] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
}

/* Level l >= 1 of the inverse cascade with the four subbands on the four lanes of a quad: lane
 * 4i + s filters band s of job i (NP positions, as plane_deep), and two butterflies through the
 * quad's shuffles leave pixel (dy, dx) = (s & 1, s >> 1) of the inverse Haar on lane s, which
 * adds R_{l+1} and halves as plane_deep. Four times the threads of plane_deep at a quarter of the
 * work each, without plane_deep_bands' scratch and barrier: shorter serial phases on the
 * smallest levels (kQuadJobsMax). Threads t come in whole quads of one plane (threads a plane a
 * multiple of 4). */
template <int K, int NP, bool W4>
__device__ __forceinline__ void plane_deep_quads(const plane_args &a, float *sm, const float *ws,
                                                 int l, int t, int nt) {
    const int per_row = (a.wc[l] + NP - 1) / NP, h = a.h[l], w = a.w[l], wc = a.wc[l];
    const int jobs = a.hc[l] * per_row, cp = a.cp[l];
    const float *rn = l + 1 < a.levels ? sm + a.r_off[(l + 1) & 1] : nullptr;
    float *rout = sm + a.r_off[l & 1];
    const int s = t & 3, dy = s & 1, dx = s >> 1;
    const float *cf = sm + a.coef[l] + s * a.band[l];
    const float *wl = ws + plane_band(K, W4, l, s);
    const unsigned quad = 0xfu << (threadIdx.x & 28);
    const float inv_row = small_inv(per_row);
    for (int job = t >> 2; job < jobs; job += nt >> 2) {
        const int u = small_div(job, inv_row), v0 = (job - u * per_row) * NP;
        float acc[NP];
        filter_window<K, NP, W4>(cf + u * cp + v0, cp, wl, acc);
#pragma unroll
        for (int m = 0; m < NP; m++) {
            /* bands s and s ^ 1: the pixel row dy; then s and s ^ 2: the column dx */
            const float o1 = __shfl_xor_sync(quad, acc[m], 1);
            const float e = dy ? o1 - acc[m] : acc[m] + o1;
            const float o2 = __shfl_xor_sync(quad, e, 2);
            acc[m] = dx ? o2 - e : e + o2;
        }
        const int gy = 2 * u + dy;
#pragma unroll
        for (int m = 0; m < NP; m++) {
            const int gx = 2 * (v0 + m) + dx;
            if (v0 + m < wc && gy < h && gx < w) {
                const float r = rn ? rn[u * wc + v0 + m] : 0.0f;
                rout[gy * w + gx] = (acc[m] + r) * 0.5f;
            }
        }
    }
}

/* Which deep levels plane_level runs on quads (plane_deep_quads; t and nt come in whole quads):
 * none, those of at most kQuadJobsMax jobs, or all (the SPLIT kernel's deep warp, whose 32
 * threads take ceil(4 jobs / 32) band steps on quads against 4 ceil(jobs / 32) without). */
enum { kQuadsNone, kQuadsSmall, kQuadsAll };

/* Which deep levels the SPLIT kernel's deep warp runs on quads. H100, 2026-12-05, 64 x 192
 * planes of 28x28 (levels of 49, 16 and 4 jobs): k = 7 on all levels L = 4 / 3 / 2 -11.6% /
 * -9.1% / -8.3% (on the small ones only -7.6% / -4.1% / 0); k = 5 on the small ones L = 4 -3.1%,
 * L = 3 0, L = 2 +1.3% (on all +1.8% and +2.0% for L = 3, 2); k = 3 slower either way (small
 * ones: L = 3 +4%, L = 4 +2.5%; all: L = 4 +12%). */
__host__ __device__ constexpr int split_quads(int k) {
    return k >= 7 ? kQuadsAll : k == 5 ? kQuadsSmall : kQuadsNone;
}

/* Level l >= 1 of one plane, all its jobs, thread t of nt. */
template <int K, int NP, bool W4, int QUADS = kQuadsNone>
__device__ __forceinline__ void plane_level(const plane_args &a, float *sm, const float *ws, int l,
                                            int t, int nt) {
    const bool wide = plane_wide<NP>(a, l);
    const int jobs = plane_deep_jobs(NP, a.hc[l], a.wc[l]);
    const bool quads = QUADS == kQuadsAll || (QUADS == kQuadsSmall && jobs <= kQuadJobsMax);
    /* Most of a block's threads have no job on a deep level: they leave before its prologue
     * (whole quads, as 4 * jobs is a multiple of 4). */
    if (t >= (quads ? 4 * jobs : jobs))
        return;
    if (quads && wide)
        plane_deep_quads<K, NP, W4>(a, sm, ws, l, t, nt);
    else if (quads)
        plane_deep_quads<K, 1, W4>(a, sm, ws, l, t, nt);
    else if (wide)
        plane_deep<K, NP, W4>(a, sm, ws, l, t, jobs, nt);
    else
        plane_deep<K, 1, W4>(a, sm, ws, l, t, jobs, nt);
}

/* Level l >= 1 with the four subbands filtered by separate threads (7x7 planes): band jobs
 * (s, u, v0) write their NP sums to `scratch` (band s at s * hc * wp, wp = NP * jobs a row), then,
 * after a barrier, one thread a position group adds the four bands through the inverse Haar and
 * R_{l+1}, as plane_deep. Four times the threads of plane_deep in the filter phase, so the deep
 * levels' serial phases are shorter (most of the block waited at the barrier). */
template <int K, int NP, bool W4>
__device__ __forceinline__ void plane_deep_bands(const plane_args &a, float *sm, const float *ws,
                                                 float *scratch, int l, int t, int nt) {
    constexpr int kb = plane_bias(K, W4);
    const int per_row = (a.wc[l] + NP - 1) / NP, hc = a.hc[l], wc = a.wc[l], wp = per_row * NP;
    const int jobs = hc * per_row, cp = a.cp[l], bs = a.band[l];
    const float *cf = sm + a.coef[l];
    const float inv_jobs = small_inv(jobs), inv_row = small_inv(per_row);
    for (int job = t; job < 4 * jobs; job += nt) {
        const int sb = small_div(job, inv_jobs), rest = job - sb * jobs;
        const int u = small_div(rest, inv_row), v0 = (rest - u * per_row) * NP;
        const float *wl = ws + plane_band(K, W4, l, 0) + sb * kb;
        float acc[NP];
        filter_window<K, NP, W4>(cf + sb * bs + u * cp + v0, cp, wl, acc);
        float *o = scratch + (sb * hc + u) * wp + v0;
#pragma unroll
        for (int m = 0; m < NP; m++)
            o[m] = acc[m];
    }
    __syncthreads();
    const int h = a.h[l], w = a.w[l];
    const float *rn = l + 1 < a.levels ? sm + a.r_off[(l + 1) & 1] : nullptr;
    float *rout = sm + a.r_off[l & 1];
    for (int job = t; job < jobs; job += nt) {
        const int u = small_div(job, inv_row), v0 = (job - u * per_row) * NP;
        const float *f = scratch + u * wp + v0;
#pragma unroll
        for (int m = 0; m < NP; m++) {
            if (v0 + m >= wc)
                break;
            const float s0 = f[m], s1 = f[hc * wp + m], s2 = f[2 * hc * wp + m],
                        s3 = f[3 * hc * wp + m];
            const float r = rn ? rn[u * wc + v0 + m] : 0.0f;
            const float px[4] = {(s0 + s1 + s2 + s3 + r) * 0.5f, (s0 + s1 - s2 - s3 + r) * 0.5f,
                                 (s0 - s1 + s2 - s3 + r) * 0.5f, (s0 - s1 - s2 + s3 + r) * 0.5f};
#pragma unroll
            for (int d = 0; d < 4; d++) {
                const int gy = 2 * u + (d >> 1), gx = 2 * (v0 + m) + (d & 1);
                if (gy < h && gx < w)
                    rout[gy * w + gx] = px[d];
            }
        }
    }
}

/* Whole planes: `per_block` planes a block, `threads` threads each (the block's threads beyond
 * per_block * threads only meet the barriers). SPLIT: the block's last warp (kDeepThreads)
 * makes the Haar levels 1.. and runs the inverse cascade down to R_1 for all its planes,
 * synchronising by __syncwarp, while the other threads, one level-0 job each, filter level 0
 * and add the base branch; R_1 is added after one block barrier. Not a named barrier for the
 * deep warp: with `bar.sync 1, 32` racecheck reported its stores of R_1 racing the jobs' loads
 * after the block barrier (docs/cuda-backend.md, twentieth round). Without SPLIT every level is
 * a block-wide phase (most warps wait at the deep levels). */
template <int K, int NP, bool SPLIT, bool QUADS = false>
__global__ void __launch_bounds__(256, K == 7 ? 3 : 4) plane_kernel(plane_args a) {
    extern __shared__ float4 smem4[];
    constexpr int pb = (K - 1) / 2;
    /* Measured (docs/cuda-backend.md): the base branch's rows as float4s made 56x56 planes
     * faster and, with scalar taps, 14x14 / 28x28 slower (with W4's float4 taps 14x14 planes
     * gained, seventeenth round); the band-parallel deep levels made 7x7 planes faster and
     * 56x56 / 14x14 slower. planes_plan chooses the input pitch to match B4. */
    constexpr bool B4 = plane_b4(NP, SPLIT);
    constexpr bool W4 = plane_w4(NP);
    /* BP: the band-parallel deep levels of 7x7 planes, unless they run on quads (the plain
     * kernel's path with NP = 1). */
    constexpr bool BP = NP == 1 && !QUADS;
    /* The bands zeroed at the start and the Haar passes on their interiors: 64/96/56/5/5 -2.9%,
     * 64/384/14/5/3 -7.1% (H100, 2026-12-05); with SPLIT 64/192/28/5/4 -5.8%, 28/7/3 -2.5%,
     * 28/3/2 -6.8% (H100, 2026-12-06, once the deep warp synchronised by __syncwarp). Not with
     * BP (level 0's bands are scratch before they are made). */
    constexpr bool ZERO = !BP;
    const int nthreads = a.threads;
    /* a.deep is kDeepThreads; read at run time: the constant in its place cost the SPLIT kernel
     * 1-2.7% (H100, 2026-12-06; other code, not understood). */
    const bool deep = SPLIT && (int)threadIdx.x >= (int)blockDim.x - a.deep;
    const int z = deep ? 0 : fast_div((int)threadIdx.x, a.per_slice),
              tid = threadIdx.x - z * nthreads;
    const long long plane = (long long)blockIdx.x * a.per_block + z;
    const bool active = !deep && z < a.per_block && plane < a.planes;
    float *const sm = reinterpret_cast<float *>(smem4) + (active ? z * a.slice : 0);
    /* plane < 2^31: whole planes are taken for at most 2^31 - 1 planes (cuda_create) */
    const int c = channel_of_plane(a, active ? (int)plane : 0);
    const int H = a.h[0], W = a.w[0], L = a.levels;
    const float *x = a.x + (size_t)plane * (size_t)H * (size_t)W;

    if (active) {
        /* The channel's packed weights (base, bias, each level's four bands) as float4s, the
         * first two per thread loaded before the input so that both are in flight together. */
        const float4 *wsrc = a.weights + (size_t)c * a.nw4;
        float4 *wdst = reinterpret_cast<float4 *>(sm + a.w_off);
        float4 wv[2];
#pragma unroll
        for (int j = 0; j < 2; j++)
            if (tid + j * nthreads < a.nw4)
                wv[j] = __ldg(wsrc + tid + j * nthreads);
        /* x with a zero border: element (gy, gx) at (gy + pb, gx + pb). */
        if constexpr (B4)
            load_plane_b4(sm, a.xr, W + K - 1, a.xp, x, H, W, pb, tid, nthreads);
        else
            load_plane(sm, a.xr, W + K - 1, a.xp, x, H, W, pb, tid, nthreads);
        if constexpr (ZERO) /* while the copies are in flight */
            zero_bands(a, sm, tid, nthreads);
        asm volatile("cp.async.wait_all;" ::: "memory");
#pragma unroll
        for (int j = 0; j < 2; j++)
            if (tid + j * nthreads < a.nw4)
                wdst[tid + j * nthreads] = wv[j];
        for (int i = tid + 2 * nthreads; i < a.nw4; i += nthreads)
            wdst[i] = __ldg(wsrc + i);
    }
    const float *ws = sm + a.w_off;
    __syncthreads();

    if constexpr (SPLIT) {
        if (active)
            plane_haar<K, !ZERO>(a, sm, 0, tid, nthreads);
        __syncthreads();
        const int per_row = (a.wc[0] + NP - 1) / NP;
        const int u = small_div(tid, small_inv(per_row)), v0 = (tid - u * per_row) * NP;
        const bool job = active && tid < a.hc[0] * per_row; /* one level-0 job a thread */
        float p[2][2 * NP];
        if (job) {
            plane_top_part<K, NP, W4, B4>(a, sm, ws, u, v0, p);
        } else if (deep) {
            const int t = threadIdx.x - (blockDim.x - a.deep), nt = a.deep;
            const long long first = (long long)blockIdx.x * a.per_block;
            const int planes =
                (int)(a.planes - first < a.per_block ? a.planes - first : a.per_block);
            for (int l = 1; l < L; l++) {
                for (int zz = 0; zz < planes; zz++)
                    plane_haar<K, !ZERO>(a, reinterpret_cast<float *>(smem4) + zz * a.slice, l, t,
                                         nt);
                __syncwarp();
            }
            for (int l = L - 1; l >= 1; l--) {
                for (int zz = 0; zz < planes; zz++) {
                    float *s = reinterpret_cast<float *>(smem4) + zz * a.slice;
                    plane_level<K, NP, W4, split_quads(K)>(a, s, s + a.w_off, l, t, nt);
                }
                if (l > 1)
                    __syncwarp();
            }
        }
        __syncthreads();
        if (job)
            plane_top_store<K, NP, W4>(a, sm, ws, plane, u, v0, p);
        return;
    } else {
        if constexpr (BP) {
            /* Level 0's LL band first: bands 1..3 of level 0 hold the deep levels' band sums, and
             * are made just before level 0. */
            for (int l = 0; l < L; l++) {
                if (active)
                    plane_haar<K, true>(a, sm, l, tid, nthreads, l == 0 && L > 1 ? 1 : 0);
                __syncthreads();
            }
            float *scratch = sm + a.coef[0] + a.band[0];
            /* The inverse cascade, deepest level first (two barriers a level, whole block). */
            for (int l = L - 1; l >= 1; l--) {
                if (plane_wide<NP>(a, l))
                    plane_deep_bands<K, NP, W4>(a, sm, ws, scratch, l, active ? tid : 1 << 30,
                                                nthreads);
                else
                    plane_deep_bands<K, 1, W4>(a, sm, ws, scratch, l, active ? tid : 1 << 30,
                                               nthreads);
                __syncthreads();
            }
            if (L > 1) {
                if (active)
                    plane_haar<K, true>(a, sm, 0, tid, nthreads, 2);
                __syncthreads();
            }
        } else {
            for (int l = 0; l < L; l++) {
                if (active)
                    plane_haar<K>(a, sm, l, tid, nthreads);
                __syncthreads();
            }
            /* The inverse cascade, deepest level first; level 0 adds the base branch and writes y.
             */
            for (int l = L - 1; l >= 1; l--) {
                if (active)
                    plane_level<K, NP, W4, QUADS ? kQuadsSmall : kQuadsNone>(a, sm, ws, l, tid,
                                                                             nthreads);
                __syncthreads();
            }
        }
        if (active) {
            /* B4: a.jobs_row0 may exceed the jobs of a row (idle lanes, planes_plan) */
            const int per_row = B4 ? a.jobs_row0 : (a.wc[0] + NP - 1) / NP,
                      jobs = a.hc[0] * per_row;
            const float inv_row = small_inv(per_row);
            for (int job = tid; job < jobs; job += nthreads) {
                const int u = small_div(job, inv_row), v0 = (job - u * per_row) * NP;
                if (B4 && v0 >= a.wc[0])
                    continue;
                float p[2][2 * NP];
                plane_top_part<K, NP, W4, B4>(a, sm, ws, u, v0, p);
                plane_top_store<K, NP, W4>(a, sm, ws, plane, u, v0, p);
            }
        }
    }
}

/* The instances in use: NP = 1 (planes of fewer than 6 coefficient columns) with scalar weights,
 * plain or with quads; NP = 4 with W4 weights, with the deep warp (SPLIT), plain, or with quads. */
template <int K> plane_fn pick_plane_k(int np, bool split, bool quads) {
    if (np == 1)
        return quads ? plane_kernel<K, 1, false, true> : plane_kernel<K, 1, false>;
    if (split)
        return plane_kernel<K, 4, true>;
    return quads ? plane_kernel<K, 4, false, true> : plane_kernel<K, 4, false>;
}

plane_fn pick_plane_kernel(int k, int np, bool split, bool quads) {
    switch (k) {
    case 3:
        return pick_plane_k<3>(np, split, quads);
    case 5:
        return pick_plane_k<5>(np, split, quads);
    case 7:
        return pick_plane_k<7>(np, split, quads);
    default:
        return nullptr;
    }
}

/* The deep warp (plane_kernel's SPLIT) where the cascade has deep levels and each plane's
 * level-0 jobs fit in the block beside it. */
constexpr bool kPlaneSplit = true;

} // namespace

bool planes_plan(const wtconv_plan &p, plane_launch *out) {
    plane_args *a = &out->args;
    const int k = p.kernel, L = p.levels;
    if ((k != 3 && k != 5 && k != 7) || L > kPlaneMaxLevels)
        return false;
    /* A plane larger than the shared memory cannot be one (its input tile alone is larger); and
     * the int arithmetic below, which a plane of gigabytes would overflow, is never reached. */
    if ((size_t)p.height * (size_t)p.width * sizeof(float) > kPlaneSmemMax)
        return false;
    memset(a, 0, sizeof *a);
    /* Four positions a job on level 0 from 6 coefficient columns (14x14 planes: 2 jobs a row,
     * 0.180 -> 0.154 ms; 7x7 planes, 4 columns, are faster with one). Deep levels take four
     * from 12 columns (plane_wide; from 6 made 28x28 slower). */
    const int NP = p.level[0].half_width >= 6 ? 4 : 1;
    const int per_row0 = (p.level[0].half_width + NP - 1) / NP; /* level-0 jobs a row */
    const int jobs = p.level[0].half_height * per_row0;
    const int top_max = kMaxThreads - kDeepThreads; /* threads beside the deep warp */
    /* Measured: the deep warp made 28x28 planes 6% faster, 56x56 14% slower (one warp's cascade
     * outlasts the level-0 jobs), 14x14 9% and 7x7 50% slower. */
    const bool split =
        kPlaneSplit && L >= 2 && NP == 4 && p.level[0].half_height >= 12 && 2 * jobs <= top_max;
    /* W4 weights (tap_stream: one float4 load for four taps) wherever NP = 4: 64/96/56/5/5
     * 0.1902 -> 0.1757 ms, 64/96/56/7/4 0.3065 -> 0.2754, 64/384/14/7/3 0.2853 -> 0.1942,
     * 64/192/28/5/4 (SPLIT) 0.1521 -> 0.1444; 64/384/14/3/3 0.0680 -> 0.0706 (H100, 2026-12-05,
     * docs/cuda-backend.md's seventeenth round). NP = 1 jobs read a filter's taps once per
     * position, where the float4 broadcast saves nothing. */
    const bool w4 = plane_w4(NP);
    out->fn = nullptr; /* chosen below, once the threads a plane are known (quads) */
    a->channels = p.channels;
    a->levels = L;
    a->stride = p.stride;
    a->out_h = p.out_height;
    a->out_w = p.out_width;
    size_t at = 0;
    a->xr = p.height + k;
    a->xp = (p.width + k - 1 + 2 * NP) | 1; /* odd, as cp below */
    const bool b4 = plane_b4(NP, split);
    /* B4 with 5..7 level-0 jobs a coefficient row (56x56 planes: 7): 8 lanes a row, the last
     * idle, so that a quarter warp's float4 loads (the base branch's input rows, the band filters'
     * window rows) lie in one row instead of two whose banks overlap. 64/96/56/5/5 0.2255 ->
     * 0.2088 ms, 64/96/56/5/1 0.1435 -> 0.1257, 64/96/56/3/5 0.1574 -> 0.1540 (H200); on an H100
     * 0.2257 -> 0.2057, 0.1440 -> 0.1239, 0.1578 -> 0.1510 (2026-12-05). */
    a->jobs_row0 = b4 && per_row0 > 4 && per_row0 < 8 ? 8 : per_row0;
    if (b4)                                                      /* plane_base reads float4s (B4) */
        a->xp = (round4(p.width + k - 1 + 2 * NP + 3) & ~7) + 4; /* 4 mod 8 */
    at += (size_t)a->xr * a->xp;
    for (int i = 0; i < L; i++) {
        a->h[i] = p.level[i].height;
        a->w[i] = p.level[i].width;
        a->hc[i] = p.level[i].half_height;
        a->wc[i] = p.level[i].half_width;
        a->cp[i] = (a->wc[i] + k - 1 + NP) | 1; /* odd: rows of a warp start on other banks */
        /* Level 0 of k = 5 with B4: the band filters read float4 rows (filter_window's V4), so the
         * pitch is a multiple of 4, and 4 mod 8 as the input's. 64/96/56/5/5 0.2328 -> 0.2252 ms,
         * 64/96/56/5/1 0.1486 -> 0.1433 (H200, 2026-12-05); k = 3 was 1.3% slower, and k = 7's
         * planes then outgrew kPlaneSmemMax. */
        if (i == 0 && plane_v4(k, b4)) {
            const int pitch = round4(a->wc[i] + k - 1 + NP);
            a->cp[i] = pitch % 8 ? pitch : pitch + 4;
        }
        a->band[i] = (a->hc[i] + k - 1) * a->cp[i];
        a->coef[i] = (int)at;
        at += 4 * (size_t)a->band[i];
    }
    a->r_off[1] = (int)at;
    at += L >= 2 ? (size_t)p.level[1].height * p.level[1].width : 0;
    a->r_off[0] = (int)at;
    at += L >= 3 ? (size_t)p.level[2].height * p.level[2].width : 0;
    at = (size_t)round4((int)at);
    a->w_off = (int)at;
    a->nw4 = round4(plane_band(k, w4, L, 0)) / 4;
    a->w4 = w4;
    at += 4 * (size_t)a->nw4;
    if (at * sizeof(float) > kPlaneSmemMax)
        return false;
    a->slice = (int)at;
    /* Threads per plane: one per level-0 job. Planes per block: as many as keep the most planes
     * on an SM (by its 2048 threads, 64 registers a thread, 32 blocks and 227 KiB of shared
     * memory, 1 KiB of it reserved per block), at most 256 threads (the deep warp included)
     * and 64 KiB a block. */
    const int cap = split ? top_max : kMaxThreads;
    const int jobs0 = p.level[0].half_height * a->jobs_row0;
    a->threads = jobs0 < cap ? jobs0 : cap;
    a->deep = split ? kDeepThreads : 0;
    int best = 0;
    a->per_block = 1;
    for (int per = 1; per * a->threads <= cap; per++) {
        const size_t bytes = (size_t)per * at * sizeof(float);
        if (bytes > kPlaneSmemMax)
            break;
        const int threads = (per * a->threads + 31) / 32 * 32 + a->deep;
        const int regs = k == 7 ? 80 : 64;
        int blocks = 65536 / (threads * regs);
        if (blocks > 2048 / threads)
            blocks = 2048 / threads;
        if (blocks > 32)
            blocks = 32;
        const int by_smem = (int)((227 * 1024) / (bytes + 1024));
        if (blocks > by_smem)
            blocks = by_smem;
        if (blocks * per > best) {
            best = blocks * per;
            a->per_block = per;
        }
    }
    /* The deep levels of at most kQuadJobsMax jobs on quads (plane_deep_quads) where a plane's
     * threads come in quads, on the plain NP = 4 kernel and in place of BP (NP = 1; no scratch,
     * one barrier a level instead of two, bands zeroed once: 64/768/7/5/2 0.0805 -> 0.0735 ms,
     * 64/768/7/5/3 0.1073 -> 0.0928, 64/768/7/3/2 0.0464 -> 0.0396, 64/768/7/7/2 0.1895 ->
     * 0.1747; H100, 2026-12-05). BP stays where a plane's threads are not (9x9 planes: 25). */
    bool quads = false;
    if (!split && a->threads % 4 == 0)
        for (int i = 1; i < L; i++)
            quads = quads || plane_deep_jobs(NP, a->hc[i], a->wc[i]) <= kQuadJobsMax;
    out->fn = pick_plane_kernel(k, NP, split, quads);
    a->per_slice = make_fast_divisor(a->threads);
    a->per_image = make_fast_divisor(a->channels);
    out->smem = (size_t)a->per_block * at * sizeof(float);
    out->block = dim3((unsigned)((a->per_block * a->threads + 31) / 32 * 32 + a->deep));
    return true;
}

bool planes_prepare(const plane_launch &L) {
    /* All of L1 as shared memory: 4 blocks of ~54 KiB an SM instead of 3. */
    (void)cudaFuncSetAttribute(L.fn, cudaFuncAttributePreferredSharedMemoryCarveout,
                               cudaSharedmemCarveoutMaxShared);
    (void)cudaGetLastError();
    if (allow_dynamic_smem(L.fn, L.smem) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
    }
    return true;
}

cudaError_t planes_load(const plane_launch &L) { return load_kernel(L.fn); }

cudaError_t planes_enqueue(const plane_launch &L, const plane_args &a, cudaStream_t stream) {
    const long long blocks = (a.planes + a.per_block - 1) / a.per_block;
    plane_args b = a;
    b.channel0 = (int)(a.plane_base % a.channels);
    return launch(L.fn, (unsigned)blocks, L.block, L.smem, false, stream, b);
}

} // namespace wtconv_cuda
