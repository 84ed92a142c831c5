/* The CUDA backend: WTConv2d on an NVIDIA GPU in 1 + ceil((L-1)/5) + (L-1) kernel launches.
 *
 *   down:  one pass over x writes the raw LL bands LL_1 .. LL_{L-1} that the deeper levels take
 *          as their inputs (a 32x32 tile of the level input gives up to five levels at once).
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
#include <cuda_runtime.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <unistd.h>
#endif

#include "base/error.h"
#include "cuda/cuda_backend.h"

namespace {

/* Coefficient positions per thread along a row (the register tile). */
constexpr int kPerThread = 4;
/* Threads per block at most. */
constexpr int kMaxThreads = 256;
/* Shared memory a tiled block may take; larger tiles (huge kernels) use the direct kernel. */
constexpr size_t kTileSmemTarget = 48 * 1024;
constexpr size_t kTileSmemMax = 160 * 1024;
/* Whole planes in one block up to this much shared memory (at least three blocks an SM). */
constexpr size_t kPlaneSmemMax = 64 * 1024;
/* Levels the down kernel makes from one 64x32 tile. */
constexpr int kDownLevels = 5;

/* Coefficient positions a thread of load_haar loads at once (3: no spills at 48 registers). */
constexpr int kHaarBatch = 3;
/* The tiled kernels (k = 3, 5, 7) store input columns 32.. of their window 4 floats further
 * right: the base branch's lanes read row segments 32 bytes apart, and lanes tx and tx + 4 of a
 * quarter warp then hit other banks (2-way conflicts otherwise; 8/64/255/5/3 0.316 -> 0.304 ms
 * on the H200). */
constexpr int kTileGap = 32;

struct down_args {
    const float *src;
    int h, w; /* the source level's size */
    int tiles_x, tiles_y;
    int count; /* levels made, 1..kDownLevels */
    float *dst[kDownLevels];
    int dh[kDownLevels], dw[kDownLevels];
};

/* LL bands of the next `count` levels from 64 x 32 tiles of the source level (256-byte row
 * segments). The LL of level i+j is the 2^j x 2^j block sum of level i / 2^j with the same zero
 * padding, so one tile gives each deeper level's tile without another pass. LL_1 comes straight
 * from registers: warp w takes the row pairs w/2, w/2 + 4, ... of the tile's left (even w) or
 * right half, one column a lane, eight loads in flight a thread; a lane adds its two rows, its
 * right neighbour's sum comes by a shuffle. Deeper levels from LL_1 in shared memory. */
__global__ void __launch_bounds__(256) down_kernel(down_args a) {
    __shared__ float t[16][33];
    const int tiles = a.tiles_x * a.tiles_y;
    const long long plane = blockIdx.x / tiles;
    const int tile = (int)(blockIdx.x - plane * tiles);
    const int y0 = (tile / a.tiles_x) * 32, x0 = (tile % a.tiles_x) * 64;
    const float *src = a.src + (size_t)plane * (size_t)a.h * (size_t)a.w;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, half = warp & 1;
    const int gx = x0 + 32 * half + lane;
    const bool xin = gx < a.w;
    float v[4][2];
#pragma unroll
    for (int j = 0; j < 4; j++) {
        const int gy = y0 + 2 * ((warp >> 1) + 4 * j);
        v[j][0] = xin && gy < a.h ? __ldg(src + (size_t)gy * a.w + gx) : 0.0f;
        v[j][1] = xin && gy + 1 < a.h ? __ldg(src + (size_t)(gy + 1) * a.w + gx) : 0.0f;
    }
    const int ox = (x0 >> 1) + 16 * half + (lane >> 1);
#pragma unroll
    for (int j = 0; j < 4; j++) {
        const float s = v[j][0] + v[j][1];
        const float ll = (s + __shfl_down_sync(0xffffffffu, s, 1)) * 0.5f;
        const int r = (warp >> 1) + 4 * j, oy = (y0 >> 1) + r;
        if (!(lane & 1)) {
            t[r][16 * half + (lane >> 1)] = ll;
            if (oy < a.dh[0] && ox < a.dw[0])
                a.dst[0][(size_t)plane * (size_t)a.dh[0] * (size_t)a.dw[0] + (size_t)oy * a.dw[0] +
                         ox] = ll;
        }
    }
#pragma unroll
    for (int j = 1; j < kDownLevels; j++) {
        if (j >= a.count) /* the same for the whole block */
            break;
        __syncthreads();
        const int nc = 32 >> j, nr = 16 >> j;
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

struct level_args {
    const float *src;             /* the level's input planes, h x w (x for level 0) */
    const float *rnext;           /* R_{i+1}, hc x wc planes; NULL at the deepest level */
    float *dst;                   /* level 0: y (out_h x out_w planes); else R_i (h x w planes) */
    const float *wl;              /* [C][4][k][k] level filters, scale folded in */
    const float *wb;              /* level 0: [C][k][k] base filters, scale folded in */
    const float *bb;              /* level 0: [C] scaled bias */
    long long planes, plane_base; /* planes of this launch; the first one's index */
    int h, w, hc, wc;             /* level input size, coefficient grid size */
    int k, pb;                    /* kernel size, 'same' padding before */
    int channels, stride, out_h, out_w;
    int tiles_u, tiles_v; /* tiles per plane */
    /* Shared-memory geometry of one plane's slice (floats). */
    int xr, xp; /* input tile rows and row pitch */
    int cr, cp; /* coefficient tile rows and row pitch */
    int slice;  /* floats per plane slice: xr*xp + 4*cr*cp + weights */
};

/* Tap t of a filter in shared memory. W4: the filter starts 16-byte aligned and is read as
 * float4s (with t known at compile time, one broadcast load serves four taps; faster where a
 * warp holds several planes' jobs, slower elsewhere). */
template <bool W4> __device__ __forceinline__ float wtap(const float *w, int t) {
    if (!W4)
        return w[t];
    const float4 q = reinterpret_cast<const float4 *>(w)[t >> 2];
    return (t & 3) == 0 ? q.x : (t & 3) == 1 ? q.y : (t & 3) == 2 ? q.z : q.w;
}

/* Loads N floats (N a multiple of 4) from 16-byte aligned shared memory. */
template <int N> __device__ __forceinline__ void load_row(float (&r)[N], const float *p) {
    const float4 *q = reinterpret_cast<const float4 *>(p);
#pragma unroll
    for (int i = 0; i < N / 4; i++) {
        const float4 t = q[i];
        r[4 * i] = t.x;
        r[4 * i + 1] = t.y;
        r[4 * i + 2] = t.z;
        r[4 * i + 3] = t.w;
    }
}

__host__ __device__ constexpr int round4(int n) { return (n + 3) / 4 * 4; }

/* floor(n / d) without an integer division (about 20 instructions), from d's reciprocal: exact
 * for 0 <= n < 2^22 and 1 <= d < 2^23, since (n + 0.5) / d lies at least 0.5 / d from an integer
 * and the correctly rounded reciprocal and product err by less than (n + 0.5) / d * 2^-23. */
__device__ __forceinline__ float small_inv(int d) { return __frcp_rn((float)d); }
__device__ __forceinline__ int small_div(int n, float inv_d) {
    return (int)(((float)n + 0.5f) * inv_d);
}

/* Copies a plane (h x w) with a zero border of `pad` to shared memory: `rows` rows of `cols`
 * columns at row pitch `pitch`, element (r, q) = plane (r - pad, q - pad); thread t of nt. Every
 * copy is asynchronous (cp.async; zero-filled outside the plane), so all of a plane's loads are
 * in flight at once instead of a few per thread between waits; the caller's barrier follows.
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
    asm volatile("cp.async.wait_all;" ::: "memory");
}

/* The input tile and its Haar coefficients in one pass: coefficient position (r, q) of the
 * cr x cw tile takes plane elements (y0 + 2r + dy, x0 + 2q + dx) (zero outside the plane), which
 * go to xs[(2r + dy) * xp + 2q + dx], and its subband s goes to cs[s * csize + r * cp + q]. Thread
 * t of nt; kHaarBatch positions (4 loads each) in flight per thread. x0 is even and xp too, so
 * each row pair is one 8-byte store. Input columns from `gap` on (even) are stored 4 floats
 * further right (kTileGap). */
__device__ __forceinline__ void load_haar(float *xs, float *cs, int xp, int cp, int csize, int cr,
                                          int cw, const float *src, int h, int w, int y0, int x0,
                                          int t, int nt, int gap) {
    int r = t / cw, q = t - r * cw;
    const int dr = nt / cw, dq = nt - dr * cw;
    while (r < cr) {
        float v[kHaarBatch][4];
        int rr[kHaarBatch], qq[kHaarBatch];
#pragma unroll
        for (int i = 0; i < kHaarBatch; i++) {
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
        for (int i = 0; i < kHaarBatch; i++) {
            if (rr[i] >= cr)
                break;
            const float A = v[i][0], B = v[i][1], C = v[i][2], D = v[i][3];
            const int col = 2 * qq[i];
            float2 *x2 =
                reinterpret_cast<float2 *>(xs + 2 * rr[i] * xp + col + (col >= gap ? 4 : 0));
            x2[0] = make_float2(A, B);
            x2[xp / 2] = make_float2(C, D);
            float *o = cs + rr[i] * cp + qq[i];
            o[0] = (A + B + C + D) * 0.5f;
            o[csize] = (A + B - C - D) * 0.5f;
            o[2 * csize] = (A - B + C - D) * 0.5f;
            o[3 * csize] = (A - B - C + D) * 0.5f;
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
        load_haar(slice, slice + xsize, a.xp, a.cp, csize, a.cr, cw,
                  a.src + (size_t)zplane * (size_t)a.h * (size_t)a.w, a.h, a.w, gy0, gx0, zt, nz,
                  K > 0 ? kTileGap : 1 << 30);
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

/* Any level, straight from global memory: one thread per coefficient position. For kernels
 * whose tiles do not fit in shared memory (k in the dozens); slow but exact. */
__global__ void __launch_bounds__(256) level_direct_kernel(level_args a, int base) {
    const long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long per_plane = (long long)a.hc * a.wc;
    if (idx >= a.planes * per_plane)
        return;
    const long long plane = idx / per_plane;
    const int rem = (int)(idx - plane * per_plane);
    const int u = rem / a.wc, v = rem - u * a.wc;
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

typedef void (*level_fn)(level_args);

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

/* ---- Whole planes in shared memory ------------------------------------------------------ */
/* For planes small enough (WTConvNeXt's 56x56 and below), one block runs the whole layer on
 * one plane: x is read once into shared memory, every level's Haar coefficients are kept
 * there with a zero border of the convolution's padding, the inverse cascade runs from the
 * deepest level up through two reconstruction buffers, and level 0 adds the base branch and
 * writes y. One launch; x read once, y written once. */
constexpr int kPlaneMaxLevels = 8;

struct plane_args {
    const float *x;
    float *y;
    const float4 *weights; /* per channel: nw4 float4s; plane_band() says where what is */
    long long planes, plane_base;
    int channels, levels, stride, out_h, out_w, nw4;
    int h[kPlaneMaxLevels], w[kPlaneMaxLevels];   /* level inputs */
    int hc[kPlaneMaxLevels], wc[kPlaneMaxLevels]; /* coefficient grids */
    int cp[kPlaneMaxLevels];                      /* coefficient row pitch (border included) */
    int coef[kPlaneMaxLevels];                    /* offset of level i's four bands */
    int band[kPlaneMaxLevels];                    /* floats per band */
    int xr, xp;                                   /* input rows and pitch (border included) */
    int r_off[2];                                 /* R_i of even / odd i */
    int w_off;                                    /* the weights (16-byte aligned) */
    int per_block, threads;                       /* planes per block, threads per plane */
    int deep;                                     /* SPLIT: threads of the deep warp */
    bool w4;                                      /* the W4 weight layout (plane_band) */
    bool vec_y; /* y's planes and rows 16-byte aligned (set per run) */
    int nbp;    /* > 0: narrow deep levels (2..) band-parallel, scratch at r_off[1] + nbp */
    int slice;  /* floats of shared memory per plane (a multiple of 4) */
};

/* y stored as float4s where its rows are 16-byte aligned (stride 1, NP = 4). */
constexpr bool kVecStore = true;

/* The packed weights of a channel, in floats: the base filter at 0, the bias at kb, level l's
 * band s at kb + g + (4l + s) kb. W4: kb = round4(k*k), g = 4 (every filter 16-byte aligned);
 * else kb = k*k, g = 1 (the aligned layout was 1-2% slower with scalar loads). */
__host__ __device__ constexpr int plane_bias(int k, bool w4) { return w4 ? round4(k * k) : k * k; }
__host__ __device__ constexpr int plane_band(int k, bool w4, int l, int s) {
    return plane_bias(k, w4) * (1 + 4 * l + s) + (w4 ? 4 : 1);
}

/* Coefficient positions per job of level l: NP on level 0 and on deep levels of 12 columns or
 * more, 1 on narrower ones (more threads at work). */
template <int NP> __device__ __forceinline__ bool plane_wide(const plane_args &a, int l) {
    return NP > 1 && (l == 0 || a.wc[l] >= 12);
}

/* The four filtered subbands of NP coefficient positions (u, v0 ..) of level l through the
 * inverse Haar, without R of the level below and the factor 1/2: p[dy][2m+dx] belongs to the
 * level input's pixel (2u+dy, 2(v0+m)+dx). The inverse Haar is applied band by band (one
 * band's 25-49 weights live at a time). */
/* acc[m] = the K x K filter w (taps by wtap) over the window whose top-left is at[m]: NP
 * outputs side by side in a row of a shared-memory plane whose rows are pitch apart. */
template <int K, int NP, bool W4>
__device__ __forceinline__ void filter_window(const float *at, int pitch, const float *w,
                                              float (&acc)[NP]) {
#pragma unroll
    for (int m = 0; m < NP; m++)
        acc[m] = 0.0f;
#pragma unroll
    for (int i = 0; i < K; i++) {
        const float *row = at + i * pitch;
#pragma unroll
        for (int j = 0; j < K; j++) {
            const float wt = wtap<W4>(w, i * K + j);
#pragma unroll
            for (int m = 0; m < NP; m++)
                acc[m] = fmaf(wt, row[j + m], acc[m]);
        }
    }
}

template <int K, int NP, bool W4>
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
        filter_window<K, NP, W4>(cf + s * bs + u * cp + v0, cp, wl + s * kb, acc);
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
    for (int job = first; job < jobs; job += step) {
        const int u = small_div(job, small_inv(per_row)), v0 = (job - u * per_row) * NP;
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
    /* B4: rows as float4s (the input pitch is a multiple of 4, plan_planes). */
    constexpr int n = B4 ? round4(2 * NP + K - 1) : 2 * NP + K - 1;
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
                const float wt = wtap<W4>(ws, i * K + j);
#pragma unroll
                for (int q = 0; q < 2 * NP; q++)
                    b[0][q] = fmaf(wt, row[j + q], b[0][q]);
            }
        if (i > 0)
#pragma unroll
            for (int j = 0; j < K; j++) {
                const float wt = wtap<W4>(ws, (i - 1) * K + j);
#pragma unroll
                for (int q = 0; q < 2 * NP; q++)
                    b[1][q] = fmaf(wt, row[j + q], b[1][q]);
            }
    }
}

/* Level 0 of job (u, v0) without R_1: the wavelet part halved plus the base branch. */
template <int K, int NP, bool W4, bool B4>
__device__ __forceinline__ void plane_top_part(const plane_args &a, const float *sm,
                                               const float *ws, int u, int v0,
                                               float (&p)[2][2 * NP]) {
    plane_wavelet<K, NP, W4>(a, sm, ws, 0, u, v0, p);
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

/* Haar coefficients of level l of one plane, from the level input (x, then the LL band before),
 * the bands' zero borders included. bands: 0 all four, 1 the LL band alone, 2 the other three.
 * Thread t of nt takes elements t, t + nt, ... of the rows x pitch bands. The level input has a
 * zero border of at least one element (x's padding; the LL band's border, written here for the
 * level before), so a 2x2 block at an odd-sized input's edge is read without bounds checks. */
template <int K>
__device__ __forceinline__ void plane_haar(const plane_args &a, float *sm, int l, int t, int nt,
                                           int bands = 0) {
    constexpr int pb = (K - 1) / 2;
    static_assert(pb >= 1, "the reads past an odd edge need a zero border");
    const float *in = l == 0 ? sm + pb * a.xp + pb : sm + a.coef[l - 1] + pb * a.cp[l - 1] + pb;
    const int ip = l == 0 ? a.xp : a.cp[l - 1];
    const int hc = a.hc[l], wc = a.wc[l], cp = a.cp[l];
    const int bs = a.band[l], rows = hc + K - 1;
    const float inv_cp = small_inv(cp);
    float *out = sm + a.coef[l];
    for (int i = t; i < rows * cp; i += nt) {
        const int r = small_div(i, inv_cp), q = i - r * cp, u = r - pb, v = q - pb;
        float A = 0.0f, B = 0.0f, C = 0.0f, D = 0.0f;
        if ((unsigned)u < (unsigned)hc && (unsigned)v < (unsigned)wc) {
            const float *p = in + 2 * u * ip + 2 * v;
            A = p[0];
            B = p[1];
            C = p[ip];
            D = p[ip + 1];
        }
        float *o = out + i;
        if (bands != 2) /* the LL band */
            o[0] = (A + B + C + D) * 0.5f;
        if (bands != 1) { /* the other three */
            o[bs] = (A + B - C - D) * 0.5f;
            o[2 * bs] = (A - B + C - D) * 0.5f;
            o[3 * bs] = (A - B - C + D) * 0.5f;
        }
    }
}

/* Level l >= 1 of one plane, all its jobs, thread t of nt. */
template <int K, int NP, bool W4>
__device__ __forceinline__ void plane_level(const plane_args &a, float *sm, const float *ws, int l,
                                            int t, int nt) {
    const bool wide = plane_wide<NP>(a, l);
    const int jobs = a.hc[l] * (wide ? (a.wc[l] + NP - 1) / NP : a.wc[l]);
    if (wide)
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
    for (int job = t; job < 4 * jobs; job += nt) {
        const int sb = small_div(job, small_inv(jobs)), rest = job - sb * jobs;
        const int u = small_div(rest, small_inv(per_row)), v0 = (rest - u * per_row) * NP;
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
        const int u = small_div(job, small_inv(per_row)), v0 = (job - u * per_row) * NP;
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
 * per_block * threads only meet the barriers). SPLIT: the block's last `deep` threads (whole
 * warps) make the Haar levels 1.. and run the inverse cascade down to R_1 for all its planes,
 * synchronising among themselves (named barrier 1), while the other threads, one level-0 job
 * each, filter level 0 and add the base branch; R_1 is added after one block barrier. Without
 * SPLIT every level is a block-wide phase (most warps wait at the deep levels). */
template <int K, int NP, bool SPLIT, bool W4>
__global__ void __launch_bounds__(256, K == 7 ? 3 : 4) plane_kernel(plane_args a) {
    extern __shared__ float4 smem4[];
    constexpr int pb = (K - 1) / 2;
    /* Measured (docs/cuda-backend.md): the base branch's rows as float4s made 56x56 planes
     * faster and 14x14 / 28x28 slower; the band-parallel deep levels made 7x7 planes faster and
     * 56x56 / 14x14 slower. plan_planes chooses the input pitch to match B4. */
    constexpr bool B4 = NP == 4 && !SPLIT && !W4;
    constexpr bool BP = NP == 1;
    const int nthreads = a.threads;
    const bool deep = SPLIT && (int)threadIdx.x >= (int)blockDim.x - a.deep;
    const int z = deep ? 0 : threadIdx.x / nthreads, tid = threadIdx.x - z * nthreads;
    const long long plane = (long long)blockIdx.x * a.per_block + z;
    const bool active = !deep && z < a.per_block && plane < a.planes;
    float *const sm = reinterpret_cast<float *>(smem4) + (active ? z * a.slice : 0);
    const int c = (int)((a.plane_base + (active ? plane : 0)) % a.channels);
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
        load_plane(sm, a.xr, W + K - 1, a.xp, x, H, W, pb, tid, nthreads);
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
            plane_haar<K>(a, sm, 0, tid, nthreads);
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
                    plane_haar<K>(a, reinterpret_cast<float *>(smem4) + zz * a.slice, l, t, nt);
                asm volatile("bar.sync 1, %0;" ::"r"(nt) : "memory");
            }
            for (int l = L - 1; l >= 1; l--) {
                for (int zz = 0; zz < planes; zz++) {
                    float *s = reinterpret_cast<float *>(smem4) + zz * a.slice;
                    plane_level<K, NP, W4>(a, s, s + a.w_off, l, t, nt);
                }
                if (l > 1)
                    asm volatile("bar.sync 1, %0;" ::"r"(nt) : "memory");
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
                    plane_haar<K>(a, sm, l, tid, nthreads, l == 0 && L > 1 ? 1 : 0);
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
                    plane_haar<K>(a, sm, 0, tid, nthreads, 2);
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
                    plane_level<K, NP, W4>(a, sm, ws, l, tid, nthreads);
                __syncthreads();
            }
        }
        if (active) {
            const int per_row = (a.wc[0] + NP - 1) / NP, jobs = a.hc[0] * per_row;
            for (int job = tid; job < jobs; job += nthreads) {
                const int u = small_div(job, small_inv(per_row)), v0 = (job - u * per_row) * NP;
                float p[2][2 * NP];
                plane_top_part<K, NP, W4, B4>(a, sm, ws, u, v0, p);
                plane_top_store<K, NP, W4>(a, sm, ws, plane, u, v0, p);
            }
        }
    }
}

typedef void (*plane_fn)(plane_args);

/* The instances in use: NP = 1 (7x7 planes) with scalar weights, NP = 4 with either. */
template <int K> plane_fn pick_plane_k(int np, bool split, bool w4) {
    if (np == 1)
        return split ? plane_kernel<K, 1, true, false> : plane_kernel<K, 1, false, false>;
    if (w4)
        return split ? plane_kernel<K, 4, true, true> : plane_kernel<K, 4, false, true>;
    return split ? plane_kernel<K, 4, true, false> : plane_kernel<K, 4, false, false>;
}

plane_fn pick_plane_kernel(int k, int np, bool split, bool w4) {
    switch (k) {
    case 3:
        return pick_plane_k<3>(np, split, w4);
    case 5:
        return pick_plane_k<5>(np, split, w4);
    case 7:
        return pick_plane_k<7>(np, split, w4);
    default:
        return nullptr;
    }
}

/* The deep warp (plane_kernel's SPLIT) where the cascade has deep levels and each plane's
 * level-0 jobs fit in the block beside it. */
constexpr bool kPlaneSplit = true;

/* The whole-plane launch for this plan, or false when the planes are too large (or k not 3, 5
 * or 7, or the cascade too deep). */
bool plan_planes(const wtconv_plan &p, plane_args *a, dim3 *block, size_t *smem, plane_fn *fn) {
    const int k = p.kernel, L = p.levels;
    if ((k != 3 && k != 5 && k != 7) || L > kPlaneMaxLevels)
        return false;
    memset(a, 0, sizeof *a);
    /* Four positions a job on level 0 from 6 coefficient columns (14x14 planes: 2 jobs a row,
     * 0.180 -> 0.154 ms; 7x7 planes, 4 columns, are faster with one). Deep levels take four
     * from 12 columns (plane_wide; from 6 made 28x28 slower). */
    const int NP = p.level[0].half_width >= 6 ? 4 : 1;
    const int jobs = p.level[0].half_height * ((p.level[0].half_width + NP - 1) / NP);
    const int top_max = kMaxThreads - 32; /* threads beside the deep warp */
    /* Measured: the deep warp made 28x28 planes 6% faster, 56x56 14% slower (one warp's cascade
     * outlasts the level-0 jobs), 14x14 9% and 7x7 50% slower. */
    const bool split =
        kPlaneSplit && L >= 2 && NP == 4 && p.level[0].half_height >= 12 && 2 * jobs <= top_max;
    /* float4 weight loads where a warp holds several planes' jobs of 14x14 planes (0.141 ->
     * 0.124 ms; 1-2% slower on 56x56, 28x28 and 7x7 planes). */
    const bool w4 = NP == 4 && p.level[0].half_height <= 7;
    *fn = pick_plane_kernel(k, NP, split, w4);
    a->channels = p.channels;
    a->levels = L;
    a->stride = p.stride;
    a->out_h = p.out_height;
    a->out_w = p.out_width;
    size_t at = 0;
    a->xr = p.height + k;
    a->xp = (p.width + k - 1 + 2 * NP) | 1;                      /* odd, as cp below */
    if (NP == 4 && !split && !w4)                                /* plane_base reads float4s (B4) */
        a->xp = (round4(p.width + k - 1 + 2 * NP + 3) & ~7) + 4; /* 4 mod 8 */
    at += (size_t)a->xr * a->xp;
    for (int i = 0; i < L; i++) {
        a->h[i] = p.level[i].height;
        a->w[i] = p.level[i].width;
        a->hc[i] = p.level[i].half_height;
        a->wc[i] = p.level[i].half_width;
        a->cp[i] = (a->wc[i] + k - 1 + NP) | 1; /* odd: rows of a warp start on other banks */
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
    a->threads = jobs < cap ? jobs : cap;
    a->deep = split ? 32 : 0;
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
    *smem = (size_t)a->per_block * at * sizeof(float);
    *block = dim3((unsigned)((a->per_block * a->threads + 31) / 32 * 32 + a->deep));
    return true;
}

/* How one level is launched. */
struct level_launch {
    level_args args; /* everything but the pointers and the plane count */
    bool base, direct;
    dim3 block;
    size_t smem;
    long long groups_per_item; /* blocks (tiled) or threads (direct) per batch item */
    level_fn fn;
};

struct cuda_state {
    wtconv_plan plan;
    int device;
    float *weights; /* device: base weights, bias, then each level's filters */
    const float *wb, *bb, *wl[WTCONV_MAX_LEVELS];
    float *ll[WTCONV_MAX_LEVELS]; /* ll[i]: LL_i, i = 1 .. L-1 */
    float *r[2];                  /* R_i of even and odd i */
    float *stage_in, *stage_out;  /* host runs: `chunk` planes of input and output */
    long long chunk;
    level_launch level[WTCONV_MAX_LEVELS];
    /* Whole planes in one block (plan_planes), when they fit: no scratch, one launch. */
    bool whole_planes;
    plane_args plane;
    plane_fn plane_kernel;
    dim3 plane_block;
    size_t plane_smem;
    cudaStream_t stream; /* host runs */
    cudaEvent_t done;    /* the end of the last run, whatever its stream */
    bool ran;
    void *memory; /* the one device allocation behind the scratch and staging buffers */
    size_t workspace_bytes;
};

wtconv_status cuda_fail(cudaError_t e, const char *what) {
    (void)cudaGetLastError(); /* clear a non-sticky error */
    return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE, "CUDA backend: %s failed: %s (%s)", what,
                       cudaGetErrorName(e), cudaGetErrorString(e));
}

/* Why the backend cannot run here, or NULL when it can. */
const char *why_unavailable(void) {
#if defined(__linux__)
    /* Without the driver's device node, skip the runtime (which would look for libcuda). */
    if (access("/dev/nvidiactl", F_OK) != 0 && access("/dev/dxg", F_OK) != 0)
        return "no NVIDIA driver (/dev/nvidiactl is missing)";
#endif
    int count = 0;
    const cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice
                   ? "no usable NVIDIA driver or device (cudaGetDeviceCount failed)"
                   : "the CUDA runtime could not start (cudaGetDeviceCount failed)";
    }
    return count > 0 ? NULL : "no CUDA device is visible";
}

int cuda_available(void) { return why_unavailable() == NULL; }
const char *cuda_unavailable_reason(void) { return why_unavailable(); }

void cuda_destroy(void *opaque) {
    cuda_state *s = static_cast<cuda_state *>(opaque);
    if (!s)
        return;
    int current = -1;
    const bool switched = cudaGetDevice(&current) == cudaSuccess && current != s->device &&
                          cudaSetDevice(s->device) == cudaSuccess;
    if (s->done) {
        cudaEventSynchronize(s->done); /* no kernel may still use the scratch */
        cudaEventDestroy(s->done);
    }
    if (s->stream)
        cudaStreamDestroy(s->stream);
    cudaFree(s->memory);
    cudaFree(s->weights);
    if (switched)
        cudaSetDevice(current);
    (void)cudaGetLastError();
    free(s);
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
        /* The input tile's rows hold the base branch's reads too (up to 2*tv + k - 1 + pb
         * columns, read four at a time, so rounded up). */
        a.cr = ty + k - 1;
        a.cp = round4(tv + k - 1 + 3);
        a.xr = 2 * a.cr;
        a.xp = round4(2 * (tv + k - 1) + 4);
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
                while (tz * 2 * tx * ty <= kMaxThreads &&
                       (size_t)(tz * 2) * bytes <= kTileSmemTarget && tz * 2 <= planes_per_item)
                    tz *= 2;
            L->block = dim3((unsigned)tx, (unsigned)ty, (unsigned)tz);
            L->smem = (size_t)tz * bytes;
            L->groups_per_item = 0; /* set by the caller, per plane count */
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

/* Enqueues the whole layer for `planes` planes from plane `first` on (x and y point at that
 * plane's data) on `stream`. */
wtconv_status enqueue(cuda_state *s, const float *x, float *y, long long first, long long planes,
                      cudaStream_t stream) {
    const wtconv_plan &p = s->plan;
    const int L = p.levels;
    if (s->whole_planes) {
        plane_args a = s->plane;
        a.x = x;
        a.y = y;
        a.vec_y = ((uintptr_t)y & 15) == 0 && a.out_w % 4 == 0;
        a.weights = reinterpret_cast<const float4 *>(s->weights);
        a.planes = planes;
        a.plane_base = first;
        const long long blocks = (planes + a.per_block - 1) / a.per_block;
        s->plane_kernel<<<(unsigned)blocks, s->plane_block, s->plane_smem, stream>>>(a);
        const cudaError_t e = cudaGetLastError();
        return e == cudaSuccess ? WTCONV_OK : cuda_fail(e, "a kernel launch");
    }
    /* Down pass: LL_1 .. LL_{L-1}. */
    for (int from = 0; from < L - 1;) {
        down_args d;
        memset(&d, 0, sizeof d);
        d.src = from == 0 ? x : s->ll[from];
        d.h = from == 0 ? p.height : p.level[from].height;
        d.w = from == 0 ? p.width : p.level[from].width;
        d.tiles_x = (d.w + 63) / 64;
        d.tiles_y = (d.h + 31) / 32;
        d.count = L - 1 - from < kDownLevels ? L - 1 - from : kDownLevels;
        for (int j = 0; j < d.count; j++) {
            d.dst[j] = s->ll[from + 1 + j];
            d.dh[j] = p.level[from + 1 + j].height;
            d.dw[j] = p.level[from + 1 + j].width;
        }
        const long long blocks = planes * d.tiles_x * d.tiles_y;
        down_kernel<<<(unsigned)blocks, 256, 0, stream>>>(d);
        from += d.count;
    }
    /* Levels L-1 .. 0. */
    for (int i = L - 1; i >= 0; i--) {
        level_launch &ll = s->level[i];
        level_args a = ll.args;
        a.planes = planes;
        a.plane_base = first;
        a.src = i == 0 ? x : s->ll[i];
        a.rnext = i + 1 < L ? s->r[(i + 1) & 1] : NULL;
        a.dst = i == 0 ? y : s->r[i & 1];
        a.wl = s->wl[i];
        a.wb = s->wb;
        a.bb = s->bb;
        if (ll.direct) {
            const long long threads = planes * a.hc * a.wc;
            level_direct_kernel<<<(unsigned)((threads + 255) / 256), 256, 0, stream>>>(a, ll.base);
        } else {
            const long long groups = (planes + ll.block.z - 1) / ll.block.z;
            const long long blocks = groups * a.tiles_u * a.tiles_v;
            ll.fn<<<(unsigned)blocks, ll.block, ll.smem, stream>>>(a);
        }
    }
    const cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? WTCONV_OK : cuda_fail(e, "a kernel launch");
}

/* Makes the context's device current; *previous is what to restore (-1: nothing). */
wtconv_status enter_device(const cuda_state *s, int *previous) {
    int current = 0;
    cudaError_t e;
    *previous = -1;
    if ((e = cudaGetDevice(&current)) != cudaSuccess)
        return cuda_fail(e, "cudaGetDevice");
    if (current == s->device)
        return WTCONV_OK;
    if ((e = cudaSetDevice(s->device)) != cudaSuccess)
        return cuda_fail(e, "cudaSetDevice");
    *previous = current;
    return WTCONV_OK;
}

void leave_device(int previous) {
    if (previous >= 0)
        cudaSetDevice(previous);
}

wtconv_status cuda_create(const wtconv_model *m, const wtconv_plan *plan,
                          const wtconv_backend_config *config, void **out) {
    (void)config;
    cuda_state *s = static_cast<cuda_state *>(calloc(1, sizeof(cuda_state)));
    cudaError_t e;
    wtconv_status st = WTCONV_OK;
    *out = NULL;
    if (!s)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory creating a CUDA context");
    s->plan = *plan;
    const wtconv_plan &p = *plan; /* the caller's: still valid after s is freed on failure */
    const int C = p.channels, k = p.kernel, L = p.levels;
    const size_t kk = (size_t)k * k;
    const long long planes_per_item = C;
    if ((e = cudaGetDevice(&s->device)) != cudaSuccess) {
        free(s);
        return cuda_fail(e, "cudaGetDevice");
    }
    /* Launch geometry for each level. */
    for (int i = 0; i < L; i++) {
        level_launch &ll = s->level[i];
        level_args &a = ll.args;
        memset(&a, 0, sizeof a);
        a.h = i == 0 ? p.height : p.level[i].height;
        a.w = i == 0 ? p.width : p.level[i].width;
        a.hc = p.level[i].half_height;
        a.wc = p.level[i].half_width;
        a.k = k;
        a.pb = (k - 1) / 2;
        a.channels = C;
        a.stride = p.stride;
        a.out_h = p.out_height;
        a.out_w = p.out_width;
        ll.base = i == 0;
        ll.fn = pick_level_kernel(k, ll.base);
        ll.direct = !plan_tiles(&ll, planes_per_item);
    }
    /* Every launch must fit in a grid of 2^31-1 blocks, for the whole batch. */
    const long long planes = (long long)p.batch * C;
    for (int i = 0; i < L; i++) {
        const level_launch &ll = s->level[i];
        const long long blocks =
            ll.direct ? (planes * ll.args.hc * ll.args.wc + 255) / 256
                      : (planes + ll.block.z - 1) / ll.block.z * ll.args.tiles_u * ll.args.tiles_v;
        const long long down = L >= 2 ? planes * ((p.height + 31) / 32) * ((p.width + 31) / 32) : 0;
        if (blocks > 0x7fffffffLL || down > 0x7fffffffLL) {
            free(s);
            return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                               "CUDA backend: %d x %d x %d x %d is too large for one launch",
                               p.batch, C, p.height, p.width);
        }
    }
    /* Kernels usable on this device, and their shared-memory limits. */
    cudaFuncAttributes attr;
    if ((e = cudaFuncGetAttributes(&attr, down_kernel)) != cudaSuccess) {
        const int device = s->device;
        free(s);
        (void)cudaGetLastError();
        return wtconv_fail(WTCONV_ERR_BACKEND_UNAVAILABLE,
                           "CUDA backend: this build's GPU code does not run on device %d "
                           "(%s; it is built for compute capability 9.0 and later)",
                           device, cudaGetErrorString(e));
    }
    /* Whole planes where they fit, unless WTCONV_CUDA_TILES is set (the tests use it to run
     * the tiled kernels on the same shapes). */
    const char *tiles = getenv("WTCONV_CUDA_TILES");
    s->whole_planes =
        !(tiles && *tiles && strcmp(tiles, "0")) &&
        plan_planes(p, &s->plane, &s->plane_block, &s->plane_smem, &s->plane_kernel) &&
        (long long)p.batch * C <= 0x7fffffffLL;
    if (s->whole_planes) {
        /* All of L1 as shared memory: 4 blocks of ~54 KiB an SM instead of 3. */
        (void)cudaFuncSetAttribute(s->plane_kernel, cudaFuncAttributePreferredSharedMemoryCarveout,
                                   cudaSharedmemCarveoutMaxShared);
        (void)cudaGetLastError();
        if (s->plane_smem > 48 * 1024 &&
            cudaFuncSetAttribute(s->plane_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 (int)s->plane_smem) != cudaSuccess) {
            s->whole_planes = false;
            (void)cudaGetLastError();
        }
    }
    for (int i = 0; i < L; i++) {
        level_launch &ll = s->level[i];
        if (!ll.direct && ll.smem > 48 * 1024 &&
            (e = cudaFuncSetAttribute(ll.fn, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                      (int)ll.smem)) != cudaSuccess) {
            ll.direct = true; /* this device has less shared memory: go direct */
            (void)cudaGetLastError();
        }
    }

    /* Weights, folded: scale*(conv(x, w) + b) = conv(x, scale*w) + scale*b. The tiled kernels
     * take [C][k][k] base weights, [C] biases, then each level's [C][4][k][k]; the whole-plane
     * kernel one packed run per channel (plane_band: base, bias, each level's four bands),
     * padded to a multiple of four floats, loaded by a block as float4s. */

    const size_t per_channel = s->whole_planes ? 4 * (size_t)s->plane.nw4 : 0;
    const size_t nweights = s->whole_planes ? C * per_channel : C * kk + C + (size_t)L * 4 * C * kk;
    float *host = static_cast<float *>(calloc(nweights, sizeof(float)));
    if (!host) {
        free(s);
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY, "out of memory for the CUDA weights");
    }
    for (int c = 0; c < C; c++) {
        float *base = s->whole_planes ? host + c * per_channel : host + c * kk;
        const bool w4 = s->plane.w4;
        float *bias = s->whole_planes ? base + plane_bias(k, w4) : host + C * kk + c;
        for (size_t t = 0; t < kk; t++)
            base[t] = m->base_scale[c] * m->base_weight[c * kk + t];
        *bias = m->base_scale[c] * m->base_bias[c];
        for (int i = 0; i < L; i++) {
            float *w = s->whole_planes ? base + plane_band(k, w4, i, 0)
                                       : host + C * kk + C + ((size_t)i * C + c) * 4 * kk;
            const size_t band = s->whole_planes ? (size_t)plane_bias(k, w4) : kk; /* band stride */
            for (size_t t = 0; t < 4 * kk; t++)
                w[t / kk * band + t % kk] =
                    m->wavelet_scale[i][4 * c + t / kk] * m->wavelet_weight[i][4 * c * kk + t];
        }
    }
    if ((e = cudaMalloc(&s->weights, nweights * sizeof(float))) != cudaSuccess ||
        (e = cudaMemcpy(s->weights, host, nweights * sizeof(float), cudaMemcpyHostToDevice)) !=
            cudaSuccess) {
        free(host);
        st = e == cudaErrorMemoryAllocation
                 ? wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                               "CUDA backend: out of device memory for the weights (%zu bytes)",
                               nweights * sizeof(float))
                 : cuda_fail(e, "uploading the weights");
        cuda_destroy(s);
        return st;
    }
    free(host);
    s->wb = s->weights;
    s->bb = s->weights + C * kk;
    for (int i = 0; i < L; i++)
        s->wl[i] = s->weights + C * kk + C + (size_t)i * 4 * C * kk;

    /* Scratch (LL_1 .. LL_{L-1}, R of odd and even levels) and the host runs' staging: an
     * eighth of the planes (at least one), so that the whole stays under the input's size.
     * Offsets are kept 256-byte aligned. */
    s->chunk = planes / 8 > 1 ? planes / 8 : 1;
    size_t offsets[WTCONV_MAX_LEVELS + 4], total = 0;
    auto take = [&](size_t floats) {
        const size_t at = total;
        total += (floats * sizeof(float) + 255) / 256 * 256;
        return at;
    };
    const int deep = s->whole_planes ? 1 : L; /* whole planes keep every level on chip */
    for (int i = 1; i < deep; i++)
        offsets[i] = take((size_t)planes * p.level[i].height * p.level[i].width);
    const size_t r1 = deep >= 2 ? take((size_t)planes * p.level[1].height * p.level[1].width) : 0;
    const size_t r0 = deep >= 3 ? take((size_t)planes * p.level[2].height * p.level[2].width) : 0;
    const size_t si = take((size_t)s->chunk * p.plane);
    const size_t so = take((size_t)s->chunk * p.out_plane);
    if ((e = cudaMalloc(&s->memory, total ? total : 256)) != cudaSuccess) {
        st = e == cudaErrorMemoryAllocation
                 ? wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                               "CUDA backend: out of device memory for %zu bytes of scratch", total)
                 : cuda_fail(e, "cudaMalloc");
        cuda_destroy(s);
        return st;
    }
    char *base = static_cast<char *>(s->memory);
    for (int i = 1; i < deep; i++)
        s->ll[i] = reinterpret_cast<float *>(base + offsets[i]);
    s->r[1] = deep >= 2 ? reinterpret_cast<float *>(base + r1) : NULL;
    s->r[0] = deep >= 3 ? reinterpret_cast<float *>(base + r0) : NULL;
    s->stage_in = reinterpret_cast<float *>(base + si);
    s->stage_out = reinterpret_cast<float *>(base + so);
    s->workspace_bytes = total;
    if ((e = cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking)) != cudaSuccess ||
        (e = cudaEventCreateWithFlags(&s->done, cudaEventDisableTiming)) != cudaSuccess) {
        st = cuda_fail(e, "creating a stream and an event");
        cuda_destroy(s);
        return st;
    }
    *out = s;
    return WTCONV_OK;
}

wtconv_status cuda_run(void *opaque, const float *input, float *output) {
    cuda_state *s = static_cast<cuda_state *>(opaque);
    const wtconv_plan &p = s->plan;
    int previous;
    wtconv_status st = enter_device(s, &previous);
    if (st != WTCONV_OK)
        return st;
    cudaError_t e = cudaSuccess;
    const long long planes = (long long)p.batch * p.channels;
    if (s->ran)
        e = cudaStreamWaitEvent(s->stream, s->done, 0);
    for (long long n = 0; n < planes && e == cudaSuccess && st == WTCONV_OK; n += s->chunk) {
        const long long count = planes - n < s->chunk ? planes - n : s->chunk;
        e = cudaMemcpyAsync(s->stage_in, input + (size_t)n * p.plane,
                            (size_t)count * p.plane * sizeof(float), cudaMemcpyHostToDevice,
                            s->stream);
        if (e == cudaSuccess)
            st = enqueue(s, s->stage_in, s->stage_out, n, count, s->stream);
        /* Nothing reaches the caller's buffer unless the kernels finished cleanly. */
        if (e == cudaSuccess && st == WTCONV_OK)
            e = cudaStreamSynchronize(s->stream);
        if (e == cudaSuccess && st == WTCONV_OK)
            e = cudaMemcpyAsync(output + (size_t)n * p.out_plane, s->stage_out,
                                (size_t)count * p.out_plane * sizeof(float), cudaMemcpyDeviceToHost,
                                s->stream);
    }
    if (e == cudaSuccess && st == WTCONV_OK)
        e = cudaEventRecord(s->done, s->stream);
    if (e == cudaSuccess && st == WTCONV_OK)
        e = cudaStreamSynchronize(s->stream);
    s->ran = true;
    leave_device(previous);
    if (st != WTCONV_OK)
        return st;
    return e == cudaSuccess ? WTCONV_OK : cuda_fail(e, "a host-pointer run");
}

/* Is `ptr` device (or managed) memory that the context's device can use? */
wtconv_status check_device_pointer(const cuda_state *s, const void *ptr, const char *name) {
    cudaPointerAttributes attr;
    const cudaError_t e = cudaPointerGetAttributes(&attr, ptr);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "%s is not a CUDA pointer (cudaPointerGetAttributes: %s)", name,
                           cudaGetErrorString(e));
    }
    if (attr.type == cudaMemoryTypeManaged)
        return WTCONV_OK;
    if (attr.type != cudaMemoryTypeDevice)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "%s is not CUDA device memory (it is %s memory); wtconv_run_device "
                           "takes device pointers, wtconv_run host pointers",
                           name, attr.type == cudaMemoryTypeHost ? "pinned host" : "host");
    if (attr.device != s->device)
        return wtconv_fail(WTCONV_ERR_INVALID_ARGUMENT,
                           "%s is memory of CUDA device %d; this context runs on device %d", name,
                           attr.device, s->device);
    return WTCONV_OK;
}

wtconv_status cuda_run_device(void *opaque, const float *input, float *output, void *stream) {
    cuda_state *s = static_cast<cuda_state *>(opaque);
    cudaStream_t st_ = static_cast<cudaStream_t>(stream);
    int previous;
    wtconv_status st = enter_device(s, &previous);
    if (st != WTCONV_OK)
        return st;
    if ((st = check_device_pointer(s, input, "input")) != WTCONV_OK ||
        (st = check_device_pointer(s, output, "output")) != WTCONV_OK) {
        leave_device(previous);
        return st;
    }
    cudaError_t e = cudaSuccess;
    /* The scratch is the context's: a run on another stream waits for the one before. */
    if (s->ran)
        e = cudaStreamWaitEvent(st_, s->done, 0);
    if (e == cudaSuccess)
        st = enqueue(s, input, output, 0, (long long)s->plan.batch * s->plan.channels, st_);
    if (e == cudaSuccess && st == WTCONV_OK)
        e = cudaEventRecord(s->done, st_);
    if (e == cudaSuccess && st == WTCONV_OK)
        s->ran = true;
    leave_device(previous);
    if (st != WTCONV_OK)
        return st;
    return e == cudaSuccess ? WTCONV_OK : cuda_fail(e, "enqueueing a device run");
}

size_t cuda_workspace_size(const void *opaque) {
    return static_cast<const cuda_state *>(opaque)->workspace_bytes;
}

/* Read once by create (wtconv_backend_detail): the device and which kernels run the layer. */
void cuda_describe(const void *opaque, int *threads, char *detail, size_t size) {
    const cuda_state *s = static_cast<const cuda_state *>(opaque);
    cudaDeviceProp prop;
    const bool named = cudaGetDeviceProperties(&prop, s->device) == cudaSuccess;
    bool direct = false;
    for (int i = 0; i < s->plan.levels; i++)
        direct = direct || s->level[i].direct;
    *threads = 1; /* the calling thread, which enqueues */
    snprintf(detail, size, "CUDA device %d (%s): %s", s->device, named ? prop.name : "?",
             s->whole_planes ? "whole planes, one launch"
             : direct        ? "tiles, one kernel per level, direct convolution"
                             : "tiles, one kernel per level");
}

} // namespace

/* In the order of wtconv_backend_ops' members (C++17 has no designated initialisers). */
extern "C" const wtconv_backend_ops wtconv_cuda_backend = {"cuda",
                                                           WTCONV_BACKEND_CUDA,
                                                           WTCONV_MODEL_SAFETENSORS,
                                                           cuda_available,
                                                           cuda_unavailable_reason,
                                                           cuda_create,
                                                           NULL,
                                                           cuda_run,
                                                           cuda_workspace_size,
                                                           cuda_destroy,
                                                           cuda_describe,
                                                           cuda_run_device};
