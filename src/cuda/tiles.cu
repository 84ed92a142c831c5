/* The CUDA backend's tiled path (tiles.h): WTConv2d in 1 + ceil((L-1)/5) + (L-1) kernel launches.
 *
 *   down:  one pass over x writes the raw LL bands LL_1 .. LL_{L-1} that the deeper levels take
 *          as their inputs (a 64x32 tile of the level input gives up to five levels at once).
 *   level: for i = L-1 .. 1, one launch per level: a tile of LL_i goes to shared memory, its
 *          Haar coefficients next to it, each thread filters four coefficient positions in all
 *          four subbands, adds R_{i+1} (the reconstruction of the level below) to the LL band
 *          and writes R_i, the inverse Haar of the result (cropped to the level's size).
 *   level 0 does the same on a tile of x and adds the base branch (the depthwise convolution
 *          of x from the same tile), so y is written once, with the stride applied.
 *
 * So x is read twice (the down pass and level 0) and y written once; the deeper levels touch
 * a third of x's size. Scratch: LL_1 .. LL_{L-1} and two reconstruction buffers (R_i of odd
 * and even i), about 0.65 of the input in all; host-pointer runs also stage a slice of the
 * batch. docs/cuda-backend.md has the numbers. */
#include "cuda/tiles.h"

#include <stdint.h>
#include <string.h>

#include "cuda/device_util.cuh"
#include "cuda/launch.h"

namespace wtconv_cuda {
namespace {

/* Coefficient positions per thread along a row (the register tile). */
constexpr int kPerThread = 4;
/* Shared memory a tiled block may take; larger tiles (huge kernels) use the direct kernel. */
constexpr size_t kTileSmemTarget = 48 * 1024;
constexpr size_t kTileSmemMax = 160 * 1024;
/* Levels the down kernel makes from one tile, and the row pairs a thread of it loads, which set
 * the tile's rows (8/64/255/5/3 on the H200: 4 pairs 0.278 ms; 8 pairs, 64 rows, 44 registers:
 * 0.283 ms). */
constexpr int kDownLevels = 5;
constexpr int kDownPairs = 4;
constexpr int kDownRows = 8 * kDownPairs;
static_assert(kDownRows % (1 << kDownLevels) == 0, "each level's tile rows must halve evenly");

/* Coefficient positions a thread of load_haar loads at once: 3 in level_kernel (no spills at 48
 * registers), 6 in level_strip_kernel (64 registers, no spills): its 36 x 36 positions at k = 5
 * then take one trip of 256 threads, not two (8/64/255/5/3 on the H200: 3 -> 5 positions 0.294
 * -> 0.291 ms; 5 -> 6 0.2777 -> 0.2765, 7 0.281). */
constexpr int kHaarBatch = 3;
constexpr int kStripHaarBatch = 6;
/* level_kernel (k = 3, 5, 7) stores input columns 32.. of its window 4 floats further
 * right: the base branch's lanes read row segments 32 bytes apart, and lanes tx and tx + 4 of a
 * quarter warp then hit other banks (2-way conflicts otherwise; 8/64/255/5/3 0.316 -> 0.304 ms
 * on the H200). */
constexpr int kTileGap = 32;
/* level_strip_kernel's and the cone's input window: window column c at c + strip_shift(k), no
 * gap. At k = 5 the base branch's four output columns read window columns 2..9 past theirs, which
 * the shift of 2 puts in two float4s instead of three; its lanes read float4s 16 bytes apart,
 * which hit all banks without kTileGap (with it, lanes 7 and 0 of a quarter warp met on a bank).
 * 8/64/255/5/3 on the H200, with level 0's R_{i+1} read as float4s too: 0.2324-0.2327 -> 0.2225-
 * 0.2227 ms (in the cone; before it, with a launch per level, such changes gained nothing). */
__host__ __device__ constexpr int strip_shift(int k) { return k == 5 ? 2 : 0; }
constexpr int kNoGap = 1 << 30;
/* The staging tile (level_strip_kernel's output before its store): columns 32.. lie 2 floats
 * further right, so that phase 1's stores (lane j of a band writes columns 8j + 2m + dx on rows
 * of pitch 4 mod 32) hit 32 banks instead of 16 (8/64/255/5/3 on the H200: 0.2225-0.2227 ->
 * 0.2200-0.2201 ms). */
constexpr int kStageGap = 2;
/* Programmatic dependent launch (sm_90): level_strip_kernel is launched while the kernel before
 * it (the down pass or a deeper level) runs its last blocks, so that its blocks start as those
 * retire instead of on a drained GPU. It calls wait_for_previous_kernels() before it reads
 * anything an earlier kernel of the run wrote: that returns once the kernel before has finished
 * and its writes are visible (that kernel, in turn, finished after its own predecessor). The
 * down pass and the deeper levels let the next kernel launch at their start; level 0, the run's
 * last kernel, does not, so the caller's next kernel starts as it would without us. level_kernel
 * is launched as before: with the same wait it lost 4.6% on 2/32/300/7/4 (H200, 2026-12-04). */
__device__ __forceinline__ void wait_for_previous_kernels() {
    asm volatile("griddepcontrol.wait;" ::: "memory");
}
__device__ __forceinline__ void let_next_kernel_launch() {
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
}

/* Row pitches (floats) of a tile of tv coefficient columns: the coefficient tile's, and the
 * input tile's, whose rows also hold the base branch's reads (up to 2*tv + k - 1 + pb columns,
 * read four at a time, so rounded up). plan_tiles sets them; level_strip_kernel (tv = 32) takes
 * them as constants. */
__host__ __device__ constexpr int tile_cp(int tv, int k) { return round4(tv + k - 1 + 3); }
__host__ __device__ constexpr int tile_xp(int tv, int k) { return round4(2 * (tv + k - 1) + 4); }
/* level_strip_kernel's shared memory after the plane's slice (at level_args::r_tile): R_{i+1}'s
 * 32 x 32 tile, then the weights, each filter from a 16-byte bound (round4(k*k) floats apart, so
 * that taps are read four a load): four bands, then the base filter and the bias. */
constexpr int kStripRTile = 32 * 32;
__host__ __device__ constexpr int strip_extra_floats(int k) {
    return kStripRTile + 5 * round4(k * k) + 4;
}

struct down_args {
    const float *src;
    int h, w; /* the source level's size */
    int tiles_x, tiles_y;
    int count; /* levels made, 1..kDownLevels */
    float *dst[kDownLevels];
    int dh[kDownLevels], dw[kDownLevels];
};

/* LL bands of the next `count` levels from 64 x kDownRows tiles of the source level (256-byte
 * row segments). The LL of level i+j is the 2^j x 2^j block sum of level i / 2^j with the same
 * zero padding, so one tile gives each deeper level's tile without another pass. LL_1 comes
 * straight from registers: warp w takes the row pairs w/2, w/2 + 4, ... of the tile's left (even
 * w) or right half, one column a lane, 2 * kDownPairs loads in flight a thread; a lane adds its
 * two rows, its right neighbour's sum comes by a shuffle. Deeper levels from LL_1 in shared
 * memory. Each thread's loads and stores step from one pointer: with an address computed per
 * row the pass issued 0.83 instructions a cycle per scheduler at 62% of DRAM bandwidth. */
__global__ void __launch_bounds__(256) down_kernel(down_args a) {
    __shared__ float t[kDownRows / 2][33];
    let_next_kernel_launch();
    const int tiles = a.tiles_x * a.tiles_y;
    const long long plane = blockIdx.x / tiles;
    const int tile = (int)(blockIdx.x - plane * tiles);
    const int tile_y = tile / a.tiles_x;
    const int y0 = tile_y * kDownRows, x0 = (tile - tile_y * a.tiles_x) * 64;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, half = warp & 1;
    const int gx = x0 + 32 * half + lane;
    const int row0 = y0 + 2 * (warp >> 1); /* pair j starts at row0 + 8j */
    const int rows_left = gx < a.w ? a.h - row0 : 0;
    const float *src = a.src + ((size_t)plane * (size_t)a.h + (size_t)row0) * (size_t)a.w + gx;
    const size_t w = (size_t)a.w;
    float v[kDownPairs][2];
#pragma unroll
    for (int j = 0; j < kDownPairs; j++) {
        v[j][0] = 8 * j < rows_left ? __ldg(src + 8 * j * w) : 0.0f;
        v[j][1] = 8 * j + 1 < rows_left ? __ldg(src + (8 * j + 1) * w) : 0.0f;
    }
    const int ox = (x0 >> 1) + 16 * half + (lane >> 1);
    const int oy0 = (y0 >> 1) + (warp >> 1); /* pair j's LL row: oy0 + 4j */
    const int out_rows = !(lane & 1) && ox < a.dw[0] ? a.dh[0] - oy0 : 0;
    float *dst = a.dst[0] + ((size_t)plane * (size_t)a.dh[0] + (size_t)oy0) * (size_t)a.dw[0] + ox;
#pragma unroll
    for (int j = 0; j < kDownPairs; j++) {
        const float s = v[j][0] + v[j][1];
        const float ll = (s + __shfl_down_sync(0xffffffffu, s, 1)) * 0.5f;
        if (!(lane & 1))
            t[(warp >> 1) + 4 * j][16 * half + (lane >> 1)] = ll;
        if (4 * j < out_rows)
            dst[4 * j * (size_t)a.dw[0]] = ll;
    }
#pragma unroll
    for (int j = 1; j < kDownLevels; j++) {
        if (j >= a.count) /* the same for the whole block */
            break;
        __syncthreads();
        const int nc = 32 >> j, nr = (kDownRows / 2) >> j;
        const bool active = (int)threadIdx.x < nr * nc;
        const int r = threadIdx.x >> (5 - j), c = threadIdx.x & (nc - 1);
        float v = 0.0f;
        if (active)
            v = (t[2 * r][2 * c] + t[2 * r][2 * c + 1] + t[2 * r + 1][2 * c] +
                 t[2 * r + 1][2 * c + 1]) *
                0.5f;
        __syncthreads();
        if (active) {
            const int oy = (y0 >> (j + 1)) + r, ox = (x0 >> (j + 1)) + c;
            t[r][c] = v;
            if (oy < a.dh[j] && ox < a.dw[j])
                a.dst[j][(size_t)plane * (size_t)a.dh[j] * (size_t)a.dw[j] + (size_t)oy * a.dw[j] +
                         ox] = v;
        }
    }
}

/* A coefficient position from its 2x2 block v = (A, B; C, D): the block to the input tile at wp
 * (its rows xp floats apart; WINDOW), the four subbands to bp, bp + csize, ... */
template <bool WINDOW>
__device__ __forceinline__ void store_haar(float *wp, float *bp, int xp, int csize,
                                           const float (&v)[4]) {
    const float A = v[0], B = v[1], C = v[2], D = v[3];
    if (WINDOW) {
        float2 *x2 = reinterpret_cast<float2 *>(wp);
        x2[0] = make_float2(A, B);
        x2[xp / 2] = make_float2(C, D);
    }
    bp[0] = (A + B + C + D) * 0.5f;
    bp[csize] = (A + B - C - D) * 0.5f;
    bp[2 * csize] = (A - B + C - D) * 0.5f;
    bp[3 * csize] = (A - B - C + D) * 0.5f;
}

/* The input tile and its Haar coefficients in one pass: coefficient position (r, q) of the
 * cr x cw tile takes plane elements (y0 + 2r + dy, x0 + 2q + dx) (zero outside the plane), which
 * go to xs[(2r + dy) * xp + 2q + dx], and its subband s goes to cs[s * csize + r * cp + q]. Thread
 * t of nt; BATCH positions (4 loads each) in flight per thread. x0 is even and xp too, so
 * each row pair is one 8-byte store. Input columns from `gap` on (even) are stored 4 floats
 * further right (kTileGap). !WINDOW: only the subbands, for levels without the base branch, which
 * never read the input tile (on the H200: 8/64/255/5/3 0.2767 -> 0.2751 ms, 8/64/255/7/3 0.4285 ->
 * 0.4251). */
template <int BATCH = kHaarBatch, bool WINDOW = true>
__device__ __forceinline__ void load_haar(float *xs, float *cs, int xp, int cp, int csize, int cr,
                                          int cw, const float *src, int h, int w, int y0, int x0,
                                          int t, int nt, int gap) {
    int r = t / cw, q = t - r * cw;
    const int dr = nt / cw, dq = nt - dr * cw;
    while (r < cr) {
        float v[BATCH][4];
        int rr[BATCH], qq[BATCH];
#pragma unroll
        for (int i = 0; i < BATCH; i++) {
            rr[i] = r;
            qq[i] = q;
            const int gy = y0 + 2 * r, gx = x0 + 2 * q;
            const bool in = r < cr;
            const bool y0in = in && (unsigned)gy < (unsigned)h,
                       y1in = in && (unsigned)(gy + 1) < (unsigned)h;
            const bool x0in = (unsigned)gx < (unsigned)w, x1in = (unsigned)(gx + 1) < (unsigned)w;
            const float *p = src + (ptrdiff_t)gy * w + gx;
            v[i][0] = y0in && x0in ? __ldg(p) : 0.0f;
            v[i][1] = y0in && x1in ? __ldg(p + 1) : 0.0f;
            v[i][2] = y1in && x0in ? __ldg(p + w) : 0.0f;
            v[i][3] = y1in && x1in ? __ldg(p + w + 1) : 0.0f;
            q += dq;
            r += dr;
            if (q >= cw) {
                q -= cw;
                r++;
            }
        }
#pragma unroll
        for (int i = 0; i < BATCH; i++) {
            if (rr[i] >= cr)
                break;
            /* store_haar's steps, written out: through the helper, level_kernel's PTX changed,
             * and such changes cost that kernel 1-3% on the H200. */
            const float A = v[i][0], B = v[i][1], C = v[i][2], D = v[i][3];
            if (WINDOW) {
                const int col = 2 * qq[i];
                float2 *x2 =
                    reinterpret_cast<float2 *>(xs + 2 * rr[i] * xp + col + (col >= gap ? 4 : 0));
                x2[0] = make_float2(A, B);
                x2[xp / 2] = make_float2(C, D);
            }
            float *o = cs + rr[i] * cp + qq[i];
            o[0] = (A + B + C + D) * 0.5f;
            o[csize] = (A + B - C - D) * 0.5f;
            o[2 * csize] = (A - B + C - D) * 0.5f;
            o[3 * csize] = (A - B - C + D) * 0.5f;
        }
    }
}

/* load_haar with a thread per column: thread t of nt takes coefficient column q = t % cw and the
 * rows g, g + G, g + 2G, ... (g = t / cw, G = nt / cw row groups; the last nt - G * cw threads
 * idle), for nt >= cw. Its column's bounds are folded into four row limits once, and its
 * pointers step down the rows, so a position costs four compares and two 64-bit adds besides
 * its loads, Haar sums and stores. 8/64/255/5/3 on the H200: load_haar 0.2746 ms; a column a
 * thread, bounds and addresses still per position, 0.2697; as here 0.2655 (with tile_store's
 * whole tiles; level 0 131.4 M -> 124.2 M instructions, the load 431 -> 317 a warp). XP and CP:
 * the tile pitches (xp, cp). Same values in the same places as load_haar. */
template <int BATCH, bool WINDOW, int XP, int CP>
__device__ __forceinline__ void load_haar_columns(float *xs, float *cs, int csize, int cr, int cw,
                                                  const float *src, int h, int w, int y0, int x0,
                                                  int t, int nt, int gap) {
    const int groups = nt / cw, g = t / cw, q = t - g * cw;
    if (g >= groups)
        return;
    const int gx = x0 + 2 * q;
    const bool x0in = (unsigned)gx < (unsigned)w, x1in = (unsigned)(gx + 1) < (unsigned)w;
    /* Plane row y is read where y < h and its position row r < cr: (unsigned)y < limit for the
     * upper row of a pair (y = y0 + 2r < y0 + 2cr), (unsigned)(y + 1) < limit for the lower. */
    const int upper = max(0, min(h, y0 + 2 * cr)), lower = max(0, min(h, y0 + 2 * cr + 1));
    const unsigned l00 = x0in ? upper : 0, l01 = x1in ? upper : 0;
    const unsigned l10 = x0in ? lower : 0, l11 = x1in ? lower : 0;
    const int col = 2 * q + (2 * q >= gap ? 4 : 0);
    int y = y0 + 2 * g;
    const float *p = src + (ptrdiff_t)y * w + gx;
    const ptrdiff_t step = (ptrdiff_t)(2 * groups) * w;
    float *wp = xs + 2 * g * XP + col, *bp = cs + g * CP + q;
    for (int r0 = g; r0 < cr; r0 += BATCH * groups) {
        float v[BATCH][4];
#pragma unroll
        for (int i = 0; i < BATCH; i++) {
            const unsigned y_up = (unsigned)y, y_lo = (unsigned)(y + 1);
            v[i][0] = y_up < l00 ? __ldg(p) : 0.0f;
            v[i][1] = y_up < l01 ? __ldg(p + 1) : 0.0f;
            v[i][2] = y_lo < l10 ? __ldg(p + w) : 0.0f;
            v[i][3] = y_lo < l11 ? __ldg(p + w + 1) : 0.0f;
            p += step;
            y += 2 * groups;
        }
#pragma unroll
        for (int i = 0; i < BATCH; i++) {
            if (r0 + i * groups >= cr)
                break;
            store_haar<WINDOW>(wp, bp, XP, csize, v[i]);
            wp += 2 * groups * XP;
            bp += groups * CP;
        }
    }
}

/* N taps from 16-byte aligned shared memory, four a load: 7 loads instead of 25 for k = 5 (each
 * scalar load of a tap costs a wavefront and an instruction; 8/64/255/5/3 on the H200 0.2663 ->
 * 0.2570 ms, 8/64/255/3/3 0.2134 -> 0.2102). */
template <int N> __device__ __forceinline__ void load_taps(float (&wt)[N], const float *w) {
    const float4 *q = reinterpret_cast<const float4 *>(w);
#pragma unroll
    for (int i = 0; i < (N + 3) / 4; i++) {
        const float4 t = q[i];
        const float v[4] = {t.x, t.y, t.z, t.w};
#pragma unroll
        for (int j = 0; j < 4; j++)
            if (4 * i + j < N)
                wt[4 * i + j] = v[j];
    }
}

/* Channel c's weights for level_strip_kernel's layout (strip_extra_floats: after R_{i+1}'s tile,
 * each filter from a 16-byte bound): four bands, then at level 0 the base filter and the bias.
 * Thread zt of nz. */
template <int K, bool BASE>
__device__ __forceinline__ void load_strip_weights(const level_args &a, float *slice, int c, int zt,
                                                   int nz) {
    constexpr int kk = K * K, KK4 = round4(kk);
    float *wsl = slice + a.r_tile + kStripRTile;
    for (int j = zt; j < 4 * kk; j += nz)
        wsl[j / kk * KK4 + j % kk] = __ldg(a.wl + (size_t)c * 4 * kk + j);
    if (BASE) {
        for (int j = zt; j < kk; j += nz)
            wsl[4 * KK4 + j] = __ldg(a.wb + (size_t)c * kk + j);
        if (zt == 0)
            wsl[5 * KK4] = __ldg(a.bb + c);
    }
}

/* level_strip_kernel's load: a plane's weights (four bands, then the base filter and the bias at
 * level 0) after R_{i+1}'s tile, then its input tile and the Haar coefficients
 * (load_haar_columns): the input tile's 2*cr x 2*cw part is all that the filters read.
 * Thread zt of nz. level_kernel keeps the same steps inline: calling these two functions from it
 * changed its instruction schedule and made it 3% slower (8/64/255/5/3 on the H200), the store
 * alone 1-1.5%; this load alone (with its batch and gap as parameters), 1.5% on 8/64/255/7/3 and
 * 8% on 8/64/255/5/3 with WTCONV_CUDA_TILES=shared (2026-12-04, same device call). */
template <int K, bool BASE>
__device__ __forceinline__ void tile_load(const level_args &a, float *slice, long long zplane,
                                          int gy0, int gx0, int cw, int xsize, int csize, int zt,
                                          int nz) {
    load_strip_weights<K, BASE>(a, slice, channel_of_plane(a, (int)zplane), zt, nz);
    const float *src = a.src + (size_t)zplane * (size_t)a.h * (size_t)a.w;
    if (nz >= cw)
        load_haar_columns<kStripHaarBatch, BASE, tile_xp(32, K), tile_cp(32, K)>(
            slice + strip_shift(K), slice + xsize, csize, a.cr, cw, src, a.h, a.w, gy0, gx0, zt, nz,
            kNoGap);
    else /* tiles of 4 rows: 32 threads */
        load_haar<kStripHaarBatch, BASE>(slice + strip_shift(K), slice + xsize, a.xp, a.cp, csize,
                                         a.cr, cw, src, a.h, a.w, gy0, gx0, zt, nz, kNoGap);
}

/* level_strip_kernel's store: a level's staged output tile (2*TU x 2*TV pixels at st, rows sp
 * apart, columns 32.. sgap floats further right; tile (u0, v0) of coefficient positions) to its
 * plane at out (rows ow apart), so that a warp stores consecutive elements of a row. */
__device__ __forceinline__ void tile_store(const level_args &a, const float *st, int sp, float *out,
                                           int ow, int u0, int v0, int TU, int TV, int zt, int nz,
                                           int sgap) {
    const int rows = min(2 * TU, a.h - 2 * u0), cols = min(2 * TV, a.w - 2 * v0);
    const int sh = 31 - __clz(2 * TV), j = zt & (2 * TV - 1), di = nz >> sh;
    if (di > 0 && (nz & (2 * TV - 1)) == 0) { /* each thread keeps its column */
        float *o = out + (size_t)(2 * u0) * ow + 2 * v0 + j;
        if (j < cols && rows == 2 * TU && 16 * di == rows) {
            /* All of the tile's rows inside the plane: 16 a thread, loaded before the first store
             * (8/64/255/5/3 on the H200: 0.2697 -> 0.2681 ms, 8/64/255/3/3 0.2172 -> 0.2147). */
            const int i0 = zt >> sh;
            const float *sc = st + j + (j >= 32 ? sgap : 0);
            float v[16];
#pragma unroll
            for (int n = 0; n < 16; n++)
                v[n] = sc[(i0 + n * di) * sp];
            float *q = o + (size_t)i0 * ow;
            const size_t step = (size_t)di * ow;
#pragma unroll
            for (int n = 0; n < 16; n++) {
                *q = v[n];
                q += step;
            }
        } else if (j < cols)
            for (int i = zt >> sh; i < rows; i += di)
                o[(size_t)i * ow] = st[i * sp + j + (j >= 32 ? sgap : 0)];
    } else {
        for (int e = zt; e < 2 * TU * 2 * TV; e += nz) {
            const int i = e >> sh, jj = e & (2 * TV - 1);
            if (i < rows && jj < cols)
                out[(size_t)(2 * u0 + i) * ow + 2 * v0 + jj] =
                    st[i * sp + jj + (jj >= 32 ? sgap : 0)];
        }
    }
}

/* One level on tiles: block (TX, TY, TZ) does a TY x 4*TX tile of coefficient positions of TZ
 * planes. K > 0: the kernel size, known at compile time (register tiling); K == 0: any k. */
template <int K, bool BASE> __global__ void __launch_bounds__(256, 5) level_kernel(level_args a) {
    extern __shared__ float4 smem4[];
    float *const smem = reinterpret_cast<float *>(smem4);
    const int k = K ? K : a.k;
    const int pb = K ? (K - 1) / 2 : a.pb;
    const int kk = k * k;
    const int TX = blockDim.x, TU = blockDim.y, TZ = blockDim.z;
    const int TV = kPerThread * TX;
    const int tiles = a.tiles_u * a.tiles_v;
    const long long group = blockIdx.x / tiles;
    const int tile = (int)(blockIdx.x - group * tiles);
    const int u0 = (tile / a.tiles_v) * TU, v0 = (tile % a.tiles_v) * TV;
    const long long plane0 = group * TZ;
    const int gy0 = 2 * (u0 - pb), gx0 = 2 * (v0 - pb);
    const int xsize = a.xr * a.xp, csize = a.cr * a.cp;

    /* Each plane's threads load its weights, then its input tile (zero outside the plane) and
     * make the Haar coefficients next to it. */
    const int zt = threadIdx.y * TX + threadIdx.x, nz = TX * TU; /* thread in slice, count */
    const long long zplane = plane0 + threadIdx.z;
    float *slice = smem + threadIdx.z * a.slice;
    const int cw = TV + k - 1;
    if (zplane < a.planes) {
        const int c = (int)((a.plane_base + zplane) % a.channels);
        float *wsl = slice + xsize + 4 * csize;
        for (int j = zt; j < 4 * kk; j += nz)
            wsl[j] = __ldg(a.wl + (size_t)c * 4 * kk + j);
        if (BASE) {
            for (int j = zt; j < kk; j += nz)
                wsl[4 * kk + j] = __ldg(a.wb + (size_t)c * kk + j);
            if (zt == 0)
                wsl[5 * kk] = __ldg(a.bb + c);
        }
        /* One pass: each thread loads the 2x2 blocks of coefficient positions zt, zt + nz, ...,
         * stores them to the input tile and their four subbands to the coefficient tile. The
         * input tile's 2*cr x 2*cw part is all that the filters read. */
        load_haar<kHaarBatch, BASE>(slice, slice + xsize, a.xp, a.cp, csize, a.cr, cw,
                                    a.src + (size_t)zplane * (size_t)a.h * (size_t)a.w, a.h, a.w,
                                    gy0, gx0, zt, nz, K > 0 ? kTileGap : kNoGap);
    }
    __syncthreads();

    const int tx = threadIdx.x, ty = threadIdx.y;
    const long long plane = plane0 + threadIdx.z;
    const int u = u0 + ty, vb = v0 + kPerThread * tx;
    const bool live = plane < a.planes && u < a.hc && vb < a.wc;
    const float *xs = smem + threadIdx.z * a.slice;
    const float *cs = xs + xsize;
    const float *ws = cs + 4 * csize;
    /* p[dy][2m+dx]: pixel (2u+dy, 2(vb+m)+dx) of the level's output (R_i, or y before the
     * stride). */
    float p[2][2 * kPerThread];
    if (live) {

        float f[4][kPerThread];
#pragma unroll
        for (int s = 0; s < 4; s++) {
#pragma unroll
            for (int m = 0; m < kPerThread; m++)
                f[s][m] = 0.0f;
            const float *cb = cs + s * csize + ty * a.cp + kPerThread * tx;
            const float *wv = ws + s * kk;
            if constexpr (K > 0) {
                constexpr int n = round4(kPerThread + K - 1);
#pragma unroll
                for (int i = 0; i < K; i++) {
                    float row[n];
                    load_row<n>(row, cb + i * a.cp);
#pragma unroll
                    for (int j = 0; j < K; j++) {
                        const float wt = wv[i * k + j];
#pragma unroll
                        for (int m = 0; m < kPerThread; m++)
                            f[s][m] = fmaf(wt, row[j + m], f[s][m]);
                    }
                }
            } else {
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++) {
                        const float wt = wv[i * k + j];
#pragma unroll
                        for (int m = 0; m < kPerThread; m++)
                            f[s][m] = fmaf(wt, cb[i * a.cp + j + m], f[s][m]);
                    }
            }
        }
        if (a.rnext) {
            const float *rn =
                a.rnext + (size_t)plane * (size_t)a.hc * (size_t)a.wc + (size_t)u * a.wc;
#pragma unroll
            for (int m = 0; m < kPerThread; m++)
                if (vb + m < a.wc)
                    f[0][m] += __ldg(rn + vb + m);
        }
        /* Inverse Haar. */
#pragma unroll
        for (int m = 0; m < kPerThread; m++) {
            const float s0 = f[0][m], s1 = f[1][m], s2 = f[2][m], s3 = f[3][m];
            p[0][2 * m] = (s0 + s1 + s2 + s3) * 0.5f;
            p[0][2 * m + 1] = (s0 + s1 - s2 - s3) * 0.5f;
            p[1][2 * m] = (s0 - s1 + s2 - s3) * 0.5f;
            p[1][2 * m + 1] = (s0 - s1 - s2 + s3) * 0.5f;
        }
        if (BASE) {
            /* Level 0: the base branch for the same pixels, from the input tile, added to p. Pixel
             * (gy, gx) needs input rows gy-pb .. gy-pb+k-1, at tile rows 2*ty+dy+pb .. (the tile
             * starts 2*pb above): both output rows from the k+1 input rows they share. */
            const float *wbs = ws + 4 * kk;
            const float *xb = xs + (2 * ty + pb) * a.xp + 2 * kPerThread * tx;
            if constexpr (K > 0) {
                constexpr int n = round4(2 * kPerThread + K - 1 + (K - 1) / 2);
                /* Where the float4s of a row segment lie (past the gap from column kTileGap). */
                int co[n / 4];
#pragma unroll
                for (int c = 0; c < n / 4; c++)
                    co[c] = 4 * c + (2 * kPerThread * tx + 4 * c >= kTileGap ? 4 : 0);
#pragma unroll
                for (int i = 0; i <= K; i++) {
                    float row[n];
#pragma unroll
                    for (int c = 0; c < n / 4; c++) {
                        const float4 t = *reinterpret_cast<const float4 *>(xb + i * a.xp + co[c]);
                        row[4 * c] = t.x;
                        row[4 * c + 1] = t.y;
                        row[4 * c + 2] = t.z;
                        row[4 * c + 3] = t.w;
                    }
                    if (i < K)
#pragma unroll
                        for (int j = 0; j < K; j++) {
                            const float wt = wbs[i * K + j];
#pragma unroll
                            for (int q = 0; q < 2 * kPerThread; q++)
                                p[0][q] = fmaf(wt, row[pb + j + q], p[0][q]);
                        }
                    if (i > 0)
#pragma unroll
                        for (int j = 0; j < K; j++) {
                            const float wt = wbs[(i - 1) * K + j];
#pragma unroll
                            for (int q = 0; q < 2 * kPerThread; q++)
                                p[1][q] = fmaf(wt, row[pb + j + q], p[1][q]);
                        }
                }
            } else {
#pragma unroll
                for (int dy = 0; dy < 2; dy++)
                    for (int i = 0; i < k; i++)
                        for (int j = 0; j < k; j++) {
                            const float wt = wbs[i * k + j];
#pragma unroll
                            for (int q = 0; q < 2 * kPerThread; q++)
                                p[dy][q] = fmaf(wt, xb[(dy + i) * a.xp + pb + j + q], p[dy][q]);
                        }
            }
            const float bias = wbs[kk];
#pragma unroll
            for (int q = 0; q < 2 * kPerThread; q++) {
                p[0][q] += bias;
                p[1][q] += bias;
            }
        } /* BASE */
    }     /* live */
    const int oh = BASE ? a.out_h : a.h, ow = BASE ? a.out_w : a.w;
    float *out = a.dst + (size_t)plane * (size_t)oh * (size_t)ow;
    if (!BASE || a.stride == 1) {
        /* Through shared memory (the coefficient tile, no longer read), so that a warp stores
         * consecutive elements of a row: a tile row's stores were 32 bytes apart per lane. */
        __syncthreads();
        float *st = smem + threadIdx.z * a.slice + xsize;
        const int sp = 2 * TV + 4;
        if (live)
#pragma unroll
            for (int dy = 0; dy < 2; dy++) {
                float4 *d =
                    reinterpret_cast<float4 *>(st + (2 * ty + dy) * sp + 2 * kPerThread * tx);
                d[0] = make_float4(p[dy][0], p[dy][1], p[dy][2], p[dy][3]);
                d[1] = make_float4(p[dy][4], p[dy][5], p[dy][6], p[dy][7]);
            }
        __syncthreads();
        const int rows = min(2 * TU, a.h - 2 * u0), cols = min(2 * TV, a.w - 2 * v0);
        const int sh = 31 - __clz(2 * TV), j = zt & (2 * TV - 1), di = nz >> sh;
        if (plane < a.planes) {
            if (di > 0 && (nz & (2 * TV - 1)) == 0) { /* each thread keeps its column */
                float *o = out + (size_t)(2 * u0) * ow + 2 * v0 + j;
                if (j < cols)
                    for (int i = zt >> sh; i < rows; i += di)
                        o[(size_t)i * ow] = st[i * sp + j];
            } else {
                for (int e = zt; e < 2 * TU * 2 * TV; e += nz) {
                    const int i = e >> sh, jj = e & (2 * TV - 1);
                    if (i < rows && jj < cols)
                        out[(size_t)(2 * u0 + i) * ow + 2 * v0 + jj] = st[i * sp + jj];
                }
            }
        }
        return;
    }
    if (!live)
        return;
#pragma unroll
    for (int dy = 0; dy < 2; dy++) {
        const int gy = 2 * u + dy;
        if (gy >= a.h)
            break;
        if (gy % a.stride == 0) {
#pragma unroll
            for (int q = 0; q < 2 * kPerThread; q++) {
                const int gx = 2 * vb + q;
                if (gx < a.w && gx % a.stride == 0)
                    out[(size_t)(gy / a.stride) * a.out_w + gx / a.stride] = p[dy][q];
            }
        }
    }
}

/* ---- Tiles with the taps in registers (level_strip_kernel). ----
 * level_kernel reads every tap from shared memory once per four products (a broadcast load
 * costs a whole wavefront) and each input row once per kernel row: level 0 of 8/64/255 ran at
 * 94% of L1 throughput. Here a lane holds one filter's K*K taps in registers and makes four rows
 * of four outputs from K + 3 input rows, each row read once (16 products per tap load). */

/* Four rows of four outputs: output (o, m) = sum over (ky, kx) of wt[ky*K + kx] * row(o + ky)[m
 * + kx + off], where load(t, row) loads input row t (NW floats). Fully unrolled: every product
 * of an input row goes to the outputs it belongs to while the row is in registers. */
template <int K, int NW, int OFF, class Load>
__device__ __forceinline__ void strip4(Load load, const float (&wt)[K * K], float (&acc)[4][4]) {
#pragma unroll
    for (int o = 0; o < 4; o++)
#pragma unroll
        for (int m = 0; m < 4; m++)
            acc[o][m] = 0.0f;
#pragma unroll
    for (int t = 0; t < 4 + K - 1; t++) {
        float row[NW];
        load(t, row);
#pragma unroll
        for (int ky = 0; ky < K; ky++) {
            const int o = t - ky;
            if (o < 0 || o >= 4)
                continue;
#pragma unroll
            for (int kx = 0; kx < K; kx++)
#pragma unroll
                for (int m = 0; m < 4; m++)
                    acc[o][m] = fmaf(wt[ky * K + kx], row[OFF + kx + m], acc[o][m]);
        }
    }
}

/* R_{i+1} at the tile's 32 x 32 positions (zero outside the plane, or everywhere without rn):
 * thread t of nt takes elements t, t + nt, t + 2nt, t + 3nt. */
__device__ __forceinline__ void load_r_tile(float (&r)[4], const float *rn, const level_args &a,
                                            int u0, int v0, int t, int nt) {
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int e = t + nt * i, u = u0 + (e >> 5), v = v0 + (e & 31);
        r[i] = rn && u < a.hc && v < a.wc ? __ldg(rn + (size_t)u * a.wc + v) : 0.0f;
    }
}

/* level_strip_kernel after its load (also the cone's level 0): R_{i+1}'s tile at rs, the input
 * tile, its coefficients and the weights in shared memory, a barrier passed. Filters, adds the
 * base branch at level 0 and stores the level's output. */
template <int K, bool BASE>
__device__ __forceinline__ void strip_filter_store(const level_args &a, float *smem,
                                                   long long plane, int u0, int v0, int TU, int t,
                                                   int nt) {
    constexpr int pb = (K - 1) / 2, kk = K * K, TV = 32;
    const int xsize = a.xr * a.xp, csize = a.cr * a.cp, w = t >> 5, lane = t & 31;
    const float *rs = smem + a.r_tile;
    constexpr int KK4 = round4(kk);
    const float *xs = smem, *ws = smem + a.r_tile + kStripRTile;
    float *st = smem + xsize; /* the staging tile, over the coefficient tile */
    constexpr int sp = 2 * TV + 4;

    /* Phase 1: the four subbands through the inverse Haar. */
    const int b = lane >> 3, j = lane & 7;
    float px[4][4];
    {
        float wt[kk];
        load_taps<kk>(wt, ws + b * KK4);
        const float *src = smem + xsize + b * csize + 4 * w * a.cp + 4 * j;
        const int cp = a.cp;
        strip4<K, round4(K + 3), 0>(
            [&](int i, float(&row)[round4(K + 3)]) { load_row<round4(K + 3)>(row, src + i * cp); },
            wt, px);
        const float sign1 = (b & 1) ? -1.0f : 1.0f, sign2 = (b & 2) ? -1.0f : 1.0f;
#pragma unroll
        for (int o = 0; o < 4; o++) {
            /* R_{i+1} joins the LL band before the inverse Haar (one float4 load, not four). */
            float rv[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            if (b == 0)
                load_row<4>(rv, rs + (4 * w + o) * TV + 4 * j);
#pragma unroll
            for (int m = 0; m < 4; m++) {
                float v = px[o][m] + rv[m];
                v = fmaf(sign1, v, __shfl_xor_sync(0xffffffffu, v, 8));
                v = fmaf(sign2, v, __shfl_xor_sync(0xffffffffu, v, 16));
                px[o][m] = 0.5f * v;
            }
        }
    }
    __syncthreads(); /* every lane is done with the coefficient tile */
    {
        /* Lane b holds pixel (dy, dx) = (b & 1, b >> 1) of each position's 2x2 block. */
        float *d = st + (8 * w + (b & 1)) * sp + 8 * j + (b >> 1) + (j >= 4 ? kStageGap : 0);
#pragma unroll
        for (int o = 0; o < 4; o++)
#pragma unroll
            for (int m = 0; m < 4; m++)
                d[2 * o * sp + 2 * m] = px[o][m];
    }
    __syncthreads();
    if (BASE) {
        const int jb = lane & 15, y0 = 4 * (2 * w + (lane >> 4));
        float wt[kk];
        load_taps<kk>(wt, ws + 4 * KK4);
        const float bias = ws[5 * KK4];
        /* Output pixel (Y, X) of the tile reads window rows Y + pb .., columns X + pb .. X + 3pb,
         * stored from X + pb + S on: the float4s from X + C0, the first at offset OFF. */
        constexpr int S = strip_shift(K), C0 = (pb + S) & ~3, OFF = (pb + S) & 3;
        constexpr int NW = round4(OFF + K + 3);
        static_assert(2 * (32 + K - 1) + S <= tile_xp(32, K), "the shifted window fits its pitch");
        /* The reads (stored columns C0 .. 4 * 15 + C0 + NW - 1) lie inside what the load wrote
         * (S .. 2 * cw + S - 1): none of them sees another plane's data. */
        static_assert(C0 >= S && 4 * 15 + C0 + NW <= 2 * (32 + K - 1) + S,
                      "the base branch reads only written window columns");
        const float *src = xs + (y0 + pb) * a.xp + 4 * jb + C0;
        const int xp = a.xp;
        float acc[4][4];
        strip4<K, NW, OFF>([&](int i, float(&row)[NW]) { load_row<NW>(row, src + i * xp); }, wt,
                           acc);
#pragma unroll
        for (int o = 0; o < 4; o++) {
            /* Two float2s: past the staging gap a row's float4s are not 16-byte aligned. */
            float2 *d =
                reinterpret_cast<float2 *>(st + (y0 + o) * sp + 4 * jb + (jb >= 8 ? kStageGap : 0));
            const float2 lo = d[0], hi = d[1];
            d[0] = make_float2(lo.x + acc[o][0] + bias, lo.y + acc[o][1] + bias);
            d[1] = make_float2(hi.x + acc[o][2] + bias, hi.y + acc[o][3] + bias);
        }
        __syncthreads();
    }
    const int oh = BASE ? a.out_h : a.h, ow = BASE ? a.out_w : a.w;
    float *out = a.dst + (size_t)plane * (size_t)oh * (size_t)ow;
    tile_store(a, st, sp, out, ow, u0, v0, TU, TV, t, nt, kStageGap);
}

/* One level on tiles of TU x 32 coefficient positions (TU = blockDim.y, a multiple of 4, at most
 * 32; 8 * TU threads), one plane a block, stride 1 at level 0, K = 3 or 5. Phase 1: warp w filters
 * coefficient rows 4w .. 4w+3 of the tile, lane (band b = lane / 8, strip j = lane % 8: a quarter
 * warp reads one band's 32 consecutive floats) four columns 4j .. of band b; the four bands of a
 * position meet by shuffles (the inverse Haar, lanes 8 and 16 apart), each lane keeping one pixel
 * of each 2x2 block. After a barrier the halved pixels go to the staging tile (over the coefficient
 * tile). Phase 2 (level 0): lane (strip j = lane % 16, rows 4s .. 4s+3 with s = 2w + lane / 16)
 * adds the base branch of four columns of y and the bias. Then the staged store. */
template <int K, bool BASE>
__global__ void __launch_bounds__(256, 4) level_strip_kernel(level_args a) {
    extern __shared__ float4 smem4[];
    float *const smem = reinterpret_cast<float *>(smem4);
    constexpr int pb = (K - 1) / 2, TV = 32;
    const int TU = blockDim.y, nt = 8 * TU;
    const int block = (int)blockIdx.x, plane_i = fast_div(block, a.per_plane);
    const int tile = block - plane_i * (a.tiles_u * a.tiles_v), tile_u = fast_div(tile, a.per_row);
    const long long plane = plane_i;
    const int u0 = tile_u * TU, v0 = (tile - tile_u * a.tiles_v) * TV;
    const int xsize = a.xr * a.xp, csize = a.cr * a.cp;
    const int t = threadIdx.y * blockDim.x + threadIdx.x;
    /* R_{i+1} of the tile's positions (zero outside the plane), to shared memory with the input
     * tile. */
    float *rs = smem + a.r_tile;
    float r[4];
    const float *rn = a.rnext ? a.rnext + (size_t)plane * (size_t)a.hc * (size_t)a.wc : nullptr;
    if (!BASE) { /* everything this level reads, the kernels before it wrote */
        let_next_kernel_launch();
        wait_for_previous_kernels();
        load_r_tile(r, rn, a, u0, v0, t, nt);
    }
    tile_load<K, BASE>(a, smem, plane, 2 * (u0 - pb), 2 * (v0 - pb), TV + K - 1, xsize, csize, t,
                       nt);
    if (BASE) { /* level 0 reads x and its weights before R_1 is ready (8/64/255/5/3: -2%) */
        wait_for_previous_kernels();
        load_r_tile(r, rn, a, u0, v0, t, nt);
    }
#pragma unroll
    for (int i = 0; i < 4; i++)
        rs[t + nt * i] = r[i];
    __syncthreads();
    strip_filter_store<K, BASE>(a, smem, plane, u0, v0, TU, t, nt);
}

/* ---- The cone: a level-0 tile with every deeper level in the same block (L = 2, 3). ----
 * R_1 on a tile's 32 x 32 level-0 coefficient positions needs level 1's filters on 16 x 16
 * positions, so level 1's subbands with a border of pb, so LL_1 with a border of 2pb; at L = 3
 * level 2's filters on 8 x 8 positions need LL_1 with a border of 4pb. A block makes that LL_1
 * region from x (zero outside the plane, which is every level's 'same' padding too: a position
 * past a level's size only takes positions past the size of the level above), the subbands of
 * levels 1 and 2, then the deeper levels deepest first into R_1's tile, then level 0 as
 * level_strip_kernel does. One launch, no down pass, no scratch in global memory; x is read by the
 * LL_1 region and again by level 0's tile (the second mostly from L2). 256 threads (TU = 32). */
template <int K, int L> struct cone_shape {
    static constexpr int pb = (K - 1) / 2;
    static constexpr int border = pb << (L - 1); /* of the LL_1 region, in LL_1 positions */
    static constexpr int n1 = 32 + 2 * border;   /* the region's side (its rows' pitch too) */
    static constexpr int nb1 = 16 + 2 * pb;      /* level 1's subbands: side, */
    static constexpr int p1 = round4(nb1 > 20 ? nb1 : 20); /* pitch (float4 rows of 8), */
    static constexpr int o1 = border - 2 * pb;             /* and their LL_1 offset */
    static constexpr int nb2 = 8 + 2 * pb;                 /* level 2's subbands (L = 3) */
    /* Band strides of 8 mod 32 floats: the four lanes of a quad read the four bands at one
     * position, and lie on other banks. */
    static constexpr int band_stride(int n) { return n + (40 - n % 32) % 32; }
    static constexpr int s1 = band_stride(nb1 * p1), s2 = band_stride(nb2 * nb2);
    /* Shared-memory layout (floats) inside the level-0 slice, which level 0 loads only after. */
    static constexpr int ll1 = 0, b1 = round4(n1 * n1), b2 = b1 + 4 * s1,
                         r2 = b2 + (L == 3 ? 4 * s2 : 0), floats = r2 + (L == 3 ? 256 : 0);
};

__device__ __forceinline__ float inverse_haar_quad(float v, int b) {
    /* Lane b of a quad holds band b at one position; returns pixel (b & 1, b >> 1) of its block. */
    v = fmaf((b & 1) ? -1.0f : 1.0f, v, __shfl_xor_sync(0xffffffffu, v, 1));
    v = fmaf((b & 2) ? -1.0f : 1.0f, v, __shfl_xor_sync(0xffffffffu, v, 2));
    return 0.5f * v;
}

template <int K, int L> __global__ void __launch_bounds__(256, 4) cone_kernel(level_args a) {
    using S = cone_shape<K, L>;
    extern __shared__ float4 smem4[];
    float *const smem = reinterpret_cast<float *>(smem4);
    constexpr int pb = S::pb, kk = K * K, KK4 = round4(kk), TV = 32, TU = 32, nt = 256;
    const int block = (int)blockIdx.x, plane_i = fast_div(block, a.per_plane);
    const int tile = block - plane_i * (a.tiles_u * a.tiles_v), tile_u = fast_div(tile, a.per_row);
    const long long plane = plane_i;
    const int u0 = tile_u * TU, v0 = (tile - tile_u * a.tiles_v) * TV;
    const int t = threadIdx.y * blockDim.x + threadIdx.x;
    const int xsize = a.xr * a.xp, csize = a.cr * a.cp;
    /* The LL_1 pass also keeps level 0's input tile (at smem, as tile_load would load it); the
     * deeper levels' scratch lies over level 0's coefficient tile, made after them. */
    float *const deep = smem + xsize;
    float *const ll1 = deep + S::ll1, *const b1 = deep + S::b1, *const b2 = deep + S::b2,
                 *const r2 = deep + S::r2, *const rs = smem + a.r_tile;
    constexpr int cw = TV + K - 1, XP = tile_xp(32, K), CP = tile_cp(32, K);
    /* The deeper levels' filters, after level 0's weights (16-byte aligned each). */
    float *const wd = smem + a.r_tile + kStripRTile + 5 * KK4 + 4;
    const int c = channel_of_plane(a, plane_i);
    for (int j = t; j < (L - 1) * 4 * kk; j += nt) {
        const int lev = j / (4 * kk), e = j - lev * 4 * kk;
        wd[lev * 4 * KK4 + e / kk * KK4 + e % kk] = __ldg(a.wdeep[lev] + (size_t)c * 4 * kk + e);
    }
    load_strip_weights<K, true>(a, smem, c, t, nt); /* level 0's, as tile_load takes them */
    /* The LL_1 region: thread t takes column q = t % n1 and rows g, g + G, .. (G = nt / n1). */
    {
        /* Each thread's rows in two batches of loads in flight. */
        constexpr int groups = nt / S::n1, batch = ((S::n1 + groups - 1) / groups + 1) / 2;
        const int g = t / S::n1, q = t - g * S::n1;
        if (g < groups) {
            const int gx = 2 * (v0 - S::border + q);
            const bool x0in = (unsigned)gx < (unsigned)a.w,
                       x1in = (unsigned)(gx + 1) < (unsigned)a.w;
            int y = 2 * (u0 - S::border + g);
            const float *src = a.src + (size_t)plane * (size_t)a.h * (size_t)a.w;
            const float *p = src + (ptrdiff_t)y * a.w + gx;
            const ptrdiff_t step = (ptrdiff_t)(2 * groups) * a.w;
            /* A pixel pair read as one float2 where it lies on 8 bytes (the step is even, so
             * each row of a thread keeps its parity; with an odd width one of the two rows
             * does): fewer L1 wavefronts for the region, which bounds the kernel. */
            const bool top2 = x1in && (reinterpret_cast<uintptr_t>(p) & 7) == 0,
                       bot2 = x1in && (reinterpret_cast<uintptr_t>(p + a.w) & 7) == 0;
            float *d = ll1 + g * S::n1 + q;
            /* Column qw of level 0's input tile, at its column colw. */
            const int qw = q - (S::border - pb);
            const bool in_window = (unsigned)qw < (unsigned)cw;
            const int colw = 2 * qw + strip_shift(K);
            for (int r0 = g; r0 < S::n1; r0 += batch * groups) {
                float v[batch][4];
#pragma unroll
                for (int i = 0; i < batch; i++) {
                    const bool in = r0 + i * groups < S::n1;
                    const bool y0in = in && (unsigned)y < (unsigned)a.h,
                               y1in = in && (unsigned)(y + 1) < (unsigned)a.h;
                    if (top2 && y0in) {
                        const float2 q = __ldg(reinterpret_cast<const float2 *>(p));
                        v[i][0] = q.x;
                        v[i][1] = q.y;
                    } else {
                        v[i][0] = y0in && x0in ? __ldg(p) : 0.0f;
                        v[i][1] = y0in && x1in ? __ldg(p + 1) : 0.0f;
                    }
                    if (bot2 && y1in) {
                        const float2 q = __ldg(reinterpret_cast<const float2 *>(p + a.w));
                        v[i][2] = q.x;
                        v[i][3] = q.y;
                    } else {
                        v[i][2] = y1in && x0in ? __ldg(p + a.w) : 0.0f;
                        v[i][3] = y1in && x1in ? __ldg(p + a.w + 1) : 0.0f;
                    }
                    p += step;
                    y += 2 * groups;
                }
#pragma unroll
                for (int i = 0; i < batch; i++) {
                    const int r = r0 + i * groups;
                    if (r < S::n1)
                        d[i * groups * S::n1] = (v[i][0] + v[i][1] + v[i][2] + v[i][3]) * 0.5f;
                    const int rw = r - (S::border - pb);
                    if (in_window && (unsigned)rw < (unsigned)cw) {
                        float2 *x2 = reinterpret_cast<float2 *>(smem + 2 * rw * XP + colw);
                        x2[0] = make_float2(v[i][0], v[i][1]);
                        x2[XP / 2] = make_float2(v[i][2], v[i][3]);
                    }
                }
                d += batch * groups * S::n1;
            }
        }
    }
    __syncthreads();
    /* The subbands of level 2 (L = 3: LL_2 from 4 x 4 blocks of LL_1, then its Haar) and of
     * level 1 (from 2 x 2 blocks), each position's four bands at s, s + stride, .. */
    {
        constexpr int n2 = L == 3 ? S::nb2 * S::nb2 : 0;
        for (int e = t; e < n2 + S::nb1 * S::nb1; e += nt) {
            float v[4], *o;
            int stride;
            if (e < n2) {
                const int r = e / S::nb2, q = e - r * S::nb2;
                const float *s = ll1 + 4 * r * S::n1 + 4 * q;
                const float4 r0 = *reinterpret_cast<const float4 *>(s),
                             r1 = *reinterpret_cast<const float4 *>(s + S::n1),
                             rr2 = *reinterpret_cast<const float4 *>(s + 2 * S::n1),
                             r3 = *reinterpret_cast<const float4 *>(s + 3 * S::n1);
                v[0] = (r0.x + r0.y + r1.x + r1.y) * 0.5f;
                v[1] = (r0.z + r0.w + r1.z + r1.w) * 0.5f;
                v[2] = (rr2.x + rr2.y + r3.x + r3.y) * 0.5f;
                v[3] = (rr2.z + rr2.w + r3.z + r3.w) * 0.5f;
                o = b2 + r * S::nb2 + q;
                stride = S::s2;
            } else {
                const int f = e - n2, r = f / S::nb1, q = f - r * S::nb1;
                const float *s = ll1 + (S::o1 + 2 * r) * S::n1 + S::o1 + 2 * q;
                const float2 top = *reinterpret_cast<const float2 *>(s),
                             bot = *reinterpret_cast<const float2 *>(s + S::n1);
                v[0] = top.x;
                v[1] = top.y;
                v[2] = bot.x;
                v[3] = bot.y;
                o = b1 + r * S::p1 + q;
                stride = S::s1;
            }
            store_haar<false>(nullptr, o, 0, stride, v);
        }
    }
    __syncthreads();
    const int b = t & 3; /* the band of this lane in the deep levels' quads */
    if (L == 3) {
        /* Level 2: lane (position t / 4 of 8 x 8, band b); R_3 = 0. */
        const int pos = t >> 2, pr = pos >> 3, pc = pos & 7;
        const float *s = b2 + b * S::s2 + pr * S::nb2 + pc;
        float wt[kk];
        load_taps<kk>(wt, wd + 4 * KK4 + b * KK4);
        float f = 0.0f;
#pragma unroll
        for (int ky = 0; ky < K; ky++)
#pragma unroll
            for (int kx = 0; kx < K; kx++)
                f = fmaf(wt[ky * K + kx], s[ky * S::nb2 + kx], f);
        r2[(2 * pr + (b & 1)) * 16 + 2 * pc + (b >> 1)] = inverse_haar_quad(f, b);
        __syncthreads();
    }
    {
        /* Level 1: lane (coefficient row r of 16, columns 4sg .. 4sg+3, band b), taps in
         * registers; R_2 joins the LL band; R_1 to its tile. */
        const int grp = t >> 2, r = grp >> 2, sg = grp & 3;
        float wt[kk];
        load_taps<kk>(wt, wd + b * KK4);
        const float *s = b1 + b * S::s1 + r * S::p1 + 4 * sg;
        float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
        for (int ky = 0; ky < K; ky++) {
            float row[8];
            load_row<8>(row, s + ky * S::p1);
#pragma unroll
            for (int kx = 0; kx < K; kx++)
#pragma unroll
                for (int m = 0; m < 4; m++)
                    acc[m] = fmaf(wt[ky * K + kx], row[kx + m], acc[m]);
        }
#pragma unroll
        for (int m = 0; m < 4; m++) {
            const float v = acc[m] + (L == 3 && b == 0 ? r2[r * 16 + 4 * sg + m] : 0.0f);
            rs[(2 * r + (b & 1)) * TV + 8 * sg + 2 * m + (b >> 1)] = inverse_haar_quad(v, b);
        }
    }
    __syncthreads(); /* the deep levels' scratch is free for level 0's tile */
    {
        /* Level 0's subbands from the kept input tile: thread t takes column q = t % cw, rows
         * g, g + G, .. */
        constexpr int groups = nt / cw;
        const int g = t / cw, q = t - g * cw;
        if (g < groups) {
            const int col = 2 * q + strip_shift(K);
            const float *xw = smem + 2 * g * XP + col;
            float *o = smem + xsize + g * CP + q;
            for (int r = g; r < cw; r += groups) {
                const float2 top = *reinterpret_cast<const float2 *>(xw),
                             bot = *reinterpret_cast<const float2 *>(xw + XP);
                const float v[4] = {top.x, top.y, bot.x, bot.y};
                store_haar<false>(nullptr, o, XP, csize, v);
                xw += 2 * groups * XP;
                o += groups * CP;
            }
        }
    }
    __syncthreads();
    strip_filter_store<K, true>(a, smem, plane, u0, v0, TU, t, nt);
}

/* Any level, straight from global memory: one thread per coefficient position. For kernels
 * whose tiles do not fit in shared memory (k in the dozens); slow but exact. */
__global__ void __launch_bounds__(256) level_direct_kernel(level_args a, int base) {
    const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long per_plane = (long long)a.hc * a.wc;
    if (idx >= a.planes * per_plane)
        return;
    const long long plane = idx / per_plane;
    /* A level may hold more than 2^31 positions (a direct level of 92682 x 92682 pixels). */
    const long long rem = idx - plane * per_plane;
    const int u = (int)(rem / a.wc), v = (int)(rem - (long long)u * a.wc);
    const int k = a.k, pb = a.pb, c = (int)((a.plane_base + plane) % a.channels);
    const size_t kk = (size_t)k * k;
    const float *src = a.src + (size_t)plane * (size_t)a.h * (size_t)a.w;
    const float *wl = a.wl + (size_t)c * 4 * kk;
    float f[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    for (int i = 0; i < k; i++) {
        const int cu = u - pb + i;
        if (cu < 0 || cu >= a.hc)
            continue;
        for (int j = 0; j < k; j++) {
            const int cv = v - pb + j;
            if (cv < 0 || cv >= a.wc)
                continue;
            float px[4];
            for (int d = 0; d < 4; d++) {
                const int gy = 2 * cu + (d >> 1), gx = 2 * cv + (d & 1);
                px[d] = (gy < a.h && gx < a.w) ? src[(size_t)gy * a.w + gx] : 0.0f;
            }
            const float A = px[0], B = px[1], C = px[2], D = px[3];
            const size_t t = (size_t)i * k + j;
            f[0] = fmaf(wl[t], (A + B + C + D) * 0.5f, f[0]);
            f[1] = fmaf(wl[kk + t], (A + B - C - D) * 0.5f, f[1]);
            f[2] = fmaf(wl[2 * kk + t], (A - B + C - D) * 0.5f, f[2]);
            f[3] = fmaf(wl[3 * kk + t], (A - B - C + D) * 0.5f, f[3]);
        }
    }
    if (a.rnext)
        f[0] += a.rnext[(size_t)plane * (size_t)per_plane + (size_t)u * a.wc + v];
    const float p[4] = {(f[0] + f[1] + f[2] + f[3]) * 0.5f, (f[0] + f[1] - f[2] - f[3]) * 0.5f,
                        (f[0] - f[1] + f[2] - f[3]) * 0.5f, (f[0] - f[1] - f[2] + f[3]) * 0.5f};
    for (int d = 0; d < 4; d++) {
        const int gy = 2 * u + (d >> 1), gx = 2 * v + (d & 1);
        if (gy >= a.h || gx >= a.w)
            continue;
        if (!base) {
            a.dst[(size_t)plane * (size_t)a.h * (size_t)a.w + (size_t)gy * a.w + gx] = p[d];
            continue;
        }
        if (gy % a.stride || gx % a.stride)
            continue;
        const float *wb = a.wb + (size_t)c * kk;
        float acc = 0.0f;
        for (int i = 0; i < k; i++) {
            const int sy = gy - pb + i;
            if (sy < 0 || sy >= a.h)
                continue;
            for (int j = 0; j < k; j++) {
                const int sx = gx - pb + j;
                if (sx >= 0 && sx < a.w)
                    acc = fmaf(wb[(size_t)i * k + j], src[(size_t)sy * a.w + sx], acc);
            }
        }
        a.dst[(size_t)plane * (size_t)a.out_h * (size_t)a.out_w +
              (size_t)(gy / a.stride) * a.out_w + gx / a.stride] = (acc + a.bb[c]) + p[d];
    }
}

/* The compiled instances: k = 3, 5, 7 with register tiles, any other k from shared memory. */
level_fn pick_level_kernel(int k, bool base) {
    switch (k) {
    case 3:
        return base ? level_kernel<3, true> : level_kernel<3, false>;
    case 5:
        return base ? level_kernel<5, true> : level_kernel<5, false>;
    case 7:
        return base ? level_kernel<7, true> : level_kernel<7, false>;
    default:
        return base ? level_kernel<0, true> : level_kernel<0, false>;
    }
}

level_fn pick_strip_kernel(int k, bool base) {
    if (k == 3)
        return base ? level_strip_kernel<3, true> : level_strip_kernel<3, false>;
    return base ? level_strip_kernel<5, true> : level_strip_kernel<5, false>;
}

level_fn pick_cone_kernel(int k, int levels) {
    if (k == 3)
        return levels == 3 ? cone_kernel<3, 3> : cone_kernel<3, 2>;
    return levels == 3 ? cone_kernel<5, 3> : cone_kernel<5, 2>;
}

int cone_floats(int k, int levels) {
    if (k == 3)
        return levels == 3 ? cone_shape<3, 3>::floats : cone_shape<3, 2>::floats;
    return levels == 3 ? cone_shape<5, 3>::floats : cone_shape<5, 2>::floats;
}

/* Tile shape for a level: 4*TX coefficient columns, TY rows, TZ planes per block. Returns
 * false when even the smallest tile does not fit in shared memory. */
bool plan_tiles(level_launch *L, long long planes_per_item) {
    level_args &a = L->args;
    const int k = a.k;
    int tx = 1;
    while (tx < 8 && kPerThread * tx < a.wc)
        tx *= 2;
    int ty = a.hc < kMaxThreads / tx ? a.hc : kMaxThreads / tx;
    if (ty > 32)
        ty = 32;
    for (;;) {
        const int tv = kPerThread * tx;
        a.cr = ty + k - 1;
        a.cp = tile_cp(tv, k);
        a.xr = 2 * a.cr;
        a.xp = tile_xp(tv, k);
        const size_t nw = L->base ? 5 * (size_t)k * k + 1 : 4 * (size_t)k * k;
        const size_t slice = (size_t)a.xr * a.xp + 4 * (size_t)a.cr * a.cp + nw;
        a.slice = (int)round4((int)slice);
        const size_t bytes = (size_t)a.slice * sizeof(float);
        if (bytes <= kTileSmemMax) {
            /* More planes per block while threads and the shared-memory target allow. */
            int tz = 1;
            a.tiles_u = (a.hc + ty - 1) / ty;
            a.tiles_v = (a.wc + tv - 1) / tv;
            /* Several planes per block where one tile is a whole plane and threads and the
             * shared-memory target allow. */
            if (a.tiles_u * a.tiles_v == 1)
                while (tz * 2 * tx * ty <= kMaxThreads && tz * 2 <= kMaxBlockZ &&
                       (size_t)(tz * 2) * bytes <= kTileSmemTarget && tz * 2 <= planes_per_item)
                    tz *= 2;
            L->block = dim3((unsigned)tx, (unsigned)ty, (unsigned)tz);
            L->smem = (size_t)tz * bytes;
            return true;
        }
        if (ty > 1)
            ty = (ty + 1) / 2;
        else if (tx > 1)
            tx /= 2;
        else
            return false;
    }
}

} // namespace

void tiles_plan_level(level_launch *L, long long planes_per_item, bool register_taps) {
    L->fn = pick_level_kernel(L->args.k, L->base);
    L->strip = false;
    L->direct = !plan_tiles(L, planes_per_item);
    level_args &a = L->args;
    /* Taps in registers on tiles of 32 coefficient columns and a multiple of 4 rows, one plane a
     * block (k = 3, 5; stride 1 at level 0): 8/64/255/5/3 0.304 -> 0.291 ms, 1/32/128/5/1
     * unchanged (docs/cuda-backend.md). */
    if (register_taps && !L->direct && (a.k == 3 || a.k == 5) && kPerThread * L->block.x == 32 &&
        L->block.y % 4 == 0 && L->block.z == 1 && (!L->base || a.stride == 1) &&
        (long long)a.tiles_u * a.tiles_v <= 0x7fffffffLL /* else create refuses the grid */) {
        L->fn = pick_strip_kernel(a.k, L->base);
        L->strip = true;
        a.per_plane = make_fast_divisor(a.tiles_u * a.tiles_v);
        a.per_row = make_fast_divisor(a.tiles_v);
        a.per_image = make_fast_divisor(a.channels);
        /* The slice's own weight floats stay unused: the weights follow R_{i+1}'s tile. */
        a.r_tile = a.slice;
        L->smem += (size_t)strip_extra_floats(a.k) * sizeof(float);
    }
}

bool tiles_plan_cone(level_launch *L0, int levels) {
    level_args &a = L0->args;
    L0->cone = false;
    if (!L0->strip || !L0->base || L0->block.y != 32 || (levels != 2 && levels != 3) ||
        cone_floats(a.k, levels) > 4 * a.cr * a.cp)
        return false;
    L0->fn = pick_cone_kernel(a.k, levels);
    L0->cone = true;
    L0->smem += (size_t)(levels - 1) * 4 * round4(a.k * a.k) * sizeof(float);
    return true;
}

cudaError_t tiles_check_device() { return load_kernel(down_kernel); }

cudaError_t tiles_load_level(const level_launch &L) {
    return L.direct ? load_kernel(level_direct_kernel) : load_kernel(L.fn);
}

void tiles_prepare_level(level_launch *L) {
    if (!L->direct && allow_dynamic_smem(L->fn, L->smem) != cudaSuccess) {
        L->direct = true; /* this device has less shared memory: go direct */
        (void)cudaGetLastError();
    }
}

cudaError_t tiles_enqueue_down(const wtconv_plan &p, const float *x, float *const *ll,
                               long long planes, cudaStream_t stream) {
    const int L = p.levels;
    for (int from = 0; from < L - 1;) {
        down_args d;
        memset(&d, 0, sizeof d);
        d.src = from == 0 ? x : ll[from];
        d.h = from == 0 ? p.height : p.level[from].height;
        d.w = from == 0 ? p.width : p.level[from].width;
        d.tiles_x = (d.w + 63) / 64;
        d.tiles_y = (d.h + kDownRows - 1) / kDownRows;
        d.count = L - 1 - from < kDownLevels ? L - 1 - from : kDownLevels;
        for (int j = 0; j < d.count; j++) {
            d.dst[j] = ll[from + 1 + j];
            d.dh[j] = p.level[from + 1 + j].height;
            d.dw[j] = p.level[from + 1 + j].width;
        }
        const long long blocks = planes * d.tiles_x * d.tiles_y;
        const cudaError_t e = launch(down_kernel, (unsigned)blocks, dim3(256), 0, false, stream, d);
        if (e != cudaSuccess)
            return e;
        from += d.count;
    }
    return cudaSuccess;
}

cudaError_t tiles_enqueue_level(const level_launch &L, const level_args &a, bool after_own_kernel,
                                cudaStream_t stream) {
    /* Only level_strip_kernel waits for the kernel before it; the run's first kernel waits for
     * the caller's work as any launch does. */
    if (L.direct) {
        const long long threads = a.planes * a.hc * a.wc;
        return launch(level_direct_kernel, (unsigned)((threads + 255) / 256), dim3(256), 0, false,
                      stream, a, (int)L.base);
    } else {
        const long long groups = (a.planes + L.block.z - 1) / L.block.z;
        const long long blocks = groups * a.tiles_u * a.tiles_v;
        level_args b = a;
        b.channel0 = (int)(a.plane_base % a.channels);
        return launch(L.fn, (unsigned)blocks, L.block, L.smem, after_own_kernel && L.strip, stream,
                      b);
    }
}

} // namespace wtconv_cuda
