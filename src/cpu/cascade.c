#include "cpu/cascade.h"

#include <stdint.h>

#include "base/checked_size.h"

#define MAX_ROWS WTCONV_CPU_MAX_ROWS

/* Floats rounded up to whole 64-byte lines, so that every buffer and row starts aligned. */
static size_t lines(size_t floats) { return (floats + 15) & ~(size_t)15; }

/* Where a level's Haar rows and filtered rows keep their four subbands: subband s of a row
 * at + s * band_pitch, rows row_pitch apart. Each band starts on a cache line of its own,
 * except that bands narrower than half a vector lie side by side (band_pitch = their width)
 * where the kernels filter the four in one call, whose chunks then run across them (7 x 7
 * bands: 2 chunks instead of 4 of 8 columns). Side by side, the bands' rows start mid-line,
 * and a kernel's loads span two of the stores just made by the one before it (Haar, then the
 * filter, then the inverse or the base kernel), which the store buffer cannot forward: for
 * 14- and 28-column bands that cost more than the idle lanes it saves (1-7% slower layers,
 * docs/cpu-kernel-bounds.md). Either way 4 * lines(half_width) floats a row at most, which
 * the sizes below assume. */
typedef struct band_layout {
    size_t band_pitch, row_pitch;
} band_layout;

static band_layout layout_of(const wtconv_cpu_layer *layer, int half_width) {
    band_layout l;
    if (layer->dwconv_subbands && half_width < 8) {
        l.band_pitch = (size_t)half_width;
        l.row_pitch = lines(4 * (size_t)half_width);
    } else {
        l.band_pitch = lines((size_t)half_width);
        l.row_pitch = 4 * l.band_pitch;
    }
    return l;
}

/* Levels 1 .. L-2 make their Haar rows all at once, with the next level's input X_{i+1} =
 * LL / 2 in the same pass (as level 0 does for X_1), where those rows take at most this many
 * floats: a separate LL pass over X_i is saved, and the level's filter reads the stored rows
 * instead of making them in its ring. 96/56/56/5/3 and 64/112/112/5/3 about 2% faster, one
 * thread (two copies of one build alternating, both orders); rows larger than this (a
 * 224 x 224 plane's level 1, 57 KiB) gained nothing. */
#define STORED_ROWS_MAX_FLOATS 4096

/* Haar rows a level's ring holds: a block's window of k - 1 + MAX_ROWS rows, or all of them. */
static int ring_capacity(int kernel, int half_height) {
    const int window = MAX_ROWS + kernel - 1;
    return window < half_height ? window : half_height;
}

/* A walk over a worker's scratch that sizes it (base NULL: nothing is written) and carves it
 * (base set), so that the two cannot disagree. Each part is a whole number of lines. */
typedef struct scratch_walk {
    float *base;
    size_t floats;
    int *overflow;
} scratch_walk;

/* The next part, `floats` floats rounded up to whole lines: its address, or NULL while
 * sizing. */
static float *take(scratch_walk *w, size_t floats) {
    float *part = w->base ? w->base + w->floats : NULL;
    if (floats > SIZE_MAX - 15)
        *w->overflow = 1;
    else
        w->floats = wtconv_add_size(w->floats, lines(floats), w->overflow);
    return part;
}

/* Floats of level lv's Haar rows stored whole (its rows take at most 4 * lines(half_width)). */
static size_t stored_rows_floats(const wtconv_level_plan *lv, int *overflow) {
    return wtconv_mul_size((size_t)lv->half_height, 4 * lines((size_t)lv->half_width), overflow);
}

/* The parts of a worker's scratch, in order, into *s. */
static void walk_scratch(scratch_walk *w, const wtconv_plan *plan, wtconv_cpu_scratch *s) {
    const wtconv_level_plan *top = &plan->level[0]; /* every deeper level is smaller */
    const size_t pitch = lines((size_t)top->half_width), row = lines((size_t)plan->width);
    const size_t ring_rows = (size_t)ring_capacity(plan->kernel, top->half_height);
    s->ring =
        take(w, wtconv_mul_size(ring_rows, wtconv_mul_size(4, pitch, w->overflow), w->overflow));
    s->filtered = take(w, wtconv_mul_size(4 * MAX_ROWS, pitch, w->overflow));
    s->wavelet_rows = take(w, wtconv_mul_size(2 * MAX_ROWS, row, w->overflow));
    s->strided_row = plan->stride > 1 ? take(w, row) : NULL;
    for (int i = 0; i < WTCONV_MAX_LEVELS; i++)
        s->deep[i] = i >= 2 && i < plan->levels
                         ? take(w, wtconv_mul_size((size_t)plan->level[i].height,
                                                   (size_t)plan->level[i].width, w->overflow))
                         : NULL;
    for (int i = 0; i < WTCONV_MAX_LEVELS; i++) {
        /* levels 1 .. L-2, where their rows are small enough to store (else a ring) */
        int too_big = 0;
        const size_t floats =
            i >= 1 && i + 1 < plan->levels ? stored_rows_floats(&plan->level[i], &too_big) : 0;
        s->haar_rows[i] =
            floats && !too_big && floats <= STORED_ROWS_MAX_FLOATS ? take(w, floats) : NULL;
    }
}

size_t wtconv_cpu_scratch_floats(const wtconv_plan *plan, int *overflow) {
    wtconv_cpu_scratch unused;
    scratch_walk w = {NULL, 0, overflow};
    walk_scratch(&w, plan, &unused);
    return *overflow ? 0 : w.floats;
}

size_t wtconv_cpu_scratch_pointers(const wtconv_plan *plan) {
    return (size_t)MAX_ROWS + (size_t)plan->kernel - 1;
}

void wtconv_cpu_scratch_init(wtconv_cpu_scratch *s, const wtconv_plan *plan, float *floats,
                             const float **pointers) {
    int overflow = 0; /* sized by wtconv_cpu_scratch_floats, which found none */
    scratch_walk w = {floats, 0, &overflow};
    walk_scratch(&w, plan, s);
    s->in_rows = pointers;
}

size_t wtconv_cpu_bands_floats(const wtconv_plan *plan, int *overflow) {
    return stored_rows_floats(&plan->level[0], overflow);
}

size_t wtconv_cpu_level1_floats(const wtconv_plan *plan) {
    if (plan->levels < 2)
        return 0;
    return lines(plan->level[1].height * (size_t)plan->level[1].width);
}

/* ---- one level's pass -------------------------------------------------------------------- */

typedef struct level_pass {
    const wtconv_cpu_layer *layer;
    wtconv_cpu_scratch *s;
    const float *src;     /* the level's input X_i, h x w */
    int h, w, hc, wc;     /* hc x wc: its subbands */
    band_layout layout;   /* of the ring's and the filtered block's rows */
    const float *weights; /* 4 x k*k: the channel's four subband kernels (layer's layout) */
    const float *below;   /* R_{i+1} (hc x wc), added to the filtered LL band; or NULL */
    float *ring;          /* the Haar rows: the worker's ring, or a plane's stored rows */
    int ring_slots;       /* Haar row j lives in ring slot j % ring_slots */
    int ring_next;        /* the first Haar row not computed yet */
} level_pass;

/* A pass over level lv's input src; stored: NULL, or all of src's Haar rows already
 * computed (ring layout, one slot per row), which the pass then reads instead of its ring. */
static void pass_begin(level_pass *p, const wtconv_cpu_layer *layer, wtconv_cpu_scratch *s,
                       const float *src, const wtconv_level_plan *lv, const float *weights,
                       const float *below, int first_row, float *stored) {
    const int before = (layer->plan->kernel - 1) / 2;
    p->layer = layer;
    p->s = s;
    p->src = src;
    p->h = lv->height;
    p->w = lv->width;
    p->hc = lv->half_height;
    p->wc = lv->half_width;
    p->layout = layout_of(layer, lv->half_width);
    p->weights = weights;
    p->below = below;
    if (stored) {
        p->ring = stored;
        p->ring_slots = lv->half_height;
        p->ring_next = lv->half_height;
    } else {
        p->ring = s->ring;
        p->ring_slots = ring_capacity(layer->plan->kernel, lv->half_height);
        p->ring_next = first_row - before > 0 ? first_row - before : 0;
    }
}

/* Haar row j: its LL subband row; the other three follow one band_pitch apart. */
static float *ring_row(const level_pass *p, int j) {
    return p->ring + (size_t)(j % p->ring_slots) * p->layout.row_pitch;
}

/* Row o of the current block's filtered subbands (LL; the others follow likewise). */
static float *filtered_row(const level_pass *p, int o) {
    return p->s->filtered + (size_t)o * p->layout.row_pitch;
}

/* Filters coefficient rows [row, row + rows) of the four subbands into s->filtered, first
 * computing the Haar rows their window needs that the ring lacks. The window never reaches
 * back further than ring_slots rows, so the rows it drops are no longer needed. */
static void pass_filter(level_pass *p, int row, int rows, wtconv_cpu_prefetch *prefetch) {
    const wtconv_cpu_layer *layer = p->layer;
    const int k = layer->plan->kernel, before = (k - 1) / 2, after = k / 2;
    const size_t kk = (size_t)k * (size_t)k;
    const int last = row + rows - 1 + after < p->hc ? row + rows - 1 + after : p->hc - 1;
    wtconv_cpu_scratch *s = p->s;
    /* The missing Haar rows, in at most two runs of consecutive slots (the ring wraps). */
    while (p->ring_next <= last) {
        const int j = p->ring_next, slot = j % p->ring_slots;
        const int run = last - j + 1 < p->ring_slots - slot ? last - j + 1 : p->ring_slots - slot;
        layer->kernels->haar(p->src + (size_t)(2 * j) * (size_t)p->w, p->w, run, p->h - 2 * j,
                             ring_row(p, j), p->layout.row_pitch, p->layout.band_pitch, NULL, 0);
        p->ring_next += run;
    }
    {
        /* Band 0's window: rows row - before + r, in ring slots that follow one another (no
         * division per row); every other band's rows lie `band` band_pitches further on. */
        int slot = (row - before > 0 ? row - before : 0) % p->ring_slots;
        for (int r = 0; r < rows + k - 1; r++) {
            const int j = row - before + r;
            s->in_rows[r] = NULL;
            if (j >= 0 && j < p->hc) {
                s->in_rows[r] = p->ring + (size_t)slot * p->layout.row_pitch;
                slot = slot + 1 < p->ring_slots ? slot + 1 : 0;
            }
        }
        for (int o = 0; o < rows; o++)
            s->out_rows[o] = filtered_row(p, o);
    }
    if (p->below)
        for (int o = 0; o < rows; o++)
            s->init_rows[o] = p->below + (size_t)(row + o) * (size_t)p->wc;
    if (layer->dwconv_subbands) {
        layer->dwconv_subbands(s->in_rows, p->below ? s->init_rows : NULL, p->weights, k, p->wc,
                               p->layout.band_pitch, s->out_rows, rows, prefetch);
        return;
    }
    for (int band = 0; band < 4; band++) {
        if (band > 0) {
            for (int r = 0; r < rows + k - 1; r++)
                if (s->in_rows[r])
                    s->in_rows[r] += p->layout.band_pitch;
            for (int o = 0; o < rows; o++)
                s->out_rows[o] += p->layout.band_pitch;
        }
        layer->dwconv(s->in_rows, band == 0 && p->below ? s->init_rows : NULL, 0.0f,
                      p->weights + (size_t)band * kk, k, p->wc, s->out_rows, rows, prefetch);
    }
}

/* The inverse Haar of the block's filtered rows (coefficient rows [row, row + rows)): output
 * rows 2*row .. of the level, at dst, dst_pitch floats apart (cropped to the level's height). */
static void pass_inverse(const level_pass *p, int row, int rows, float *dst, size_t dst_pitch) {
    p->layer->kernels->haar_inverse(p->s->filtered, p->layout.row_pitch, p->layout.band_pitch,
                                    p->wc, rows, dst, dst_pitch, p->w, p->h - 2 * row);
}

/* Blocks of MAX_ROWS rows from `first` (n rows in all), the last one shorter: the kernels run
 * fastest on whole blocks. An even split (28 rows: 7 + 7 + 7 + 7, and the base branch's 14
 * output rows of each as 8 + 6) made 56 x 56 layers 3-7% slower (wtconv-ab, 2026-12-04). */
static int block_count(int n) { return (n + MAX_ROWS - 1) / MAX_ROWS; }
static int block_start(int first, int n, int b) {
    const long long start = (long long)b * MAX_ROWS;
    return first + (start < n ? (int)start : n);
}

/* ---- part 1 ------------------------------------------------------------------------------ */

/* Rows [first, end) of the LL band of level input src into dst. */
static void ll_rows(const wtconv_cpu_kernels *kernels, const float *src,
                    const wtconv_level_plan *lv, float *dst, int first, int end) {
    kernels->haar_ll(src + (size_t)(2 * first) * (size_t)lv->width, lv->width, end - first,
                     lv->height - 2 * first, dst + (size_t)first * (size_t)lv->half_width,
                     (size_t)lv->half_width);
}

void wtconv_cpu_level1_input(const wtconv_cpu_layer *layer, const float *x, float *level1,
                             int first, int end) {
    ll_rows(layer->kernels, x, &layer->plan->level[0], level1, first, end);
}

/* All of level lv's Haar rows of its input src into rows (the band layout), and the next
 * level's input X_{i+1} = LL / 2 into next (or NULL) in the same pass. */
static void whole_haar_rows(const wtconv_cpu_layer *layer, const float *src,
                            const wtconv_level_plan *lv, float *rows, float *next) {
    const band_layout l = layout_of(layer, lv->half_width);
    layer->kernels->haar(src, lv->width, lv->half_height, lv->height, rows, l.row_pitch,
                         l.band_pitch, next, (size_t)lv->half_width);
}

void wtconv_cpu_level1_bands(const wtconv_cpu_layer *layer, const float *x, float *bands,
                             float *level1) {
    whole_haar_rows(layer, x, &layer->plan->level[0], bands, level1);
}

void wtconv_cpu_plane_deep_levels(const wtconv_cpu_layer *layer, wtconv_cpu_scratch *s, int channel,
                                  float *level1) {
    const wtconv_plan *plan = layer->plan;
    const int levels = plan->levels;
    const size_t kk = (size_t)plan->kernel * (size_t)plan->kernel;
    float *level_input[WTCONV_MAX_LEVELS]; /* X_i for i >= 1 */
    level_input[1] = level1;
    for (int i = 2; i < levels; i++)
        level_input[i] = s->deep[i];

    for (int i = 1; i + 1 < levels; i++) {
        const wtconv_level_plan *lv = &plan->level[i];
        if (s->haar_rows[i])
            whole_haar_rows(layer, level_input[i], lv, s->haar_rows[i], level_input[i + 1]);
        else
            ll_rows(layer->kernels, level_input[i], lv, level_input[i + 1], 0, lv->half_height);
    }

    /* Level i's output rows 2j, 2j+1 replace input rows whose Haar row j is already in the
     * ring (or stored): the pass reads X_i ahead of where it writes R_i. */
    for (int i = levels - 1; i >= 1; i--) {
        const wtconv_level_plan *lv = &plan->level[i];
        float *data = level_input[i];
        const int n = lv->half_height, count = block_count(n);
        level_pass p;
        pass_begin(&p, layer, s, data, lv, layer->wavelet_weight[i] + 4 * (size_t)channel * kk,
                   i + 1 < levels ? level_input[i + 1] : NULL, 0, s->haar_rows[i]);
        for (int b = 0; b < count; b++) {
            const int row = block_start(0, n, b);
            const int rows = block_start(0, n, b + 1) - row;
            pass_filter(&p, row, rows, NULL);
            pass_inverse(&p, row, rows, data + (size_t)(2 * row) * (size_t)lv->width,
                         (size_t)lv->width);
        }
    }
}

/* ---- part 2 ------------------------------------------------------------------------------ */

/* The input rows of the base convolution of output rows [row, row + rows) (stride 1), and
 * those output rows of y. */
static void base_window(const wtconv_plan *plan, wtconv_cpu_scratch *s, const float *x, float *y,
                        int row, int rows) {
    const int before = (plan->kernel - 1) / 2, height = plan->height, width = plan->width;
    for (int r = 0; r < rows + plan->kernel - 1; r++) {
        const int in_row = row - before + r;
        s->in_rows[r] = in_row >= 0 && in_row < height ? x + (size_t)in_row * (size_t)width : NULL;
    }
    for (int o = 0; o < rows; o++)
        s->out_rows[o] = y + (size_t)(row + o) * (size_t)width;
}

/* Output rows [row0, row_end) (stride 1, row0 even) = base branch of x + the inverse Haar of
 * the block's filtered subbands (from coefficient row row0 / 2 on), made by the kernel as it
 * goes, in blocks of MAX_ROWS rows from row0 (each starting at an even row). */
static void base_rows_from_bands(const wtconv_cpu_layer *layer, wtconv_cpu_scratch *s, int channel,
                                 const float *x, float *y, int row0, int row_end, band_layout l,
                                 wtconv_cpu_prefetch *prefetch) {
    const wtconv_plan *plan = layer->plan;
    const int k = plan->kernel;
    const float *weights = layer->base_weight + (size_t)channel * (size_t)k * (size_t)k;
    for (int row = row0; row < row_end; row += MAX_ROWS) {
        const int rows = row_end - row < MAX_ROWS ? row_end - row : MAX_ROWS;
        base_window(plan, s, x, y, row, rows);
        layer->dwconv_bands(s->in_rows, s->filtered + (size_t)((row - row0) / 2) * l.row_pitch,
                            l.row_pitch, l.band_pitch, layer->base_bias[channel], weights, k,
                            plan->width, s->out_rows, rows, prefetch);
    }
}

/* Output rows [row0, row_end) (stride-1 numbering) = base branch of x + the wavelet branch's
 * rows in s->wavelet_rows (from row0 on), written to the plane's output y. */
static void base_rows(const wtconv_cpu_layer *layer, wtconv_cpu_scratch *s, int channel,
                      const float *x, float *y, int row0, int row_end,
                      wtconv_cpu_prefetch *prefetch) {
    const wtconv_plan *plan = layer->plan;
    const int k = plan->kernel, before = (k - 1) / 2, stride = plan->stride;
    const int height = plan->height, width = plan->width;
    const size_t pitch = lines((size_t)width);
    const float *weights = layer->base_weight + (size_t)channel * (size_t)k * (size_t)k;
    const float bias = layer->base_bias[channel];
    if (stride == 1) {
        const int n = row_end - row0, count = block_count(n);
        for (int b = 0; b < count; b++) {
            const int row = block_start(row0, n, b);
            const int rows = block_start(row0, n, b + 1) - row;
            base_window(plan, s, x, y, row, rows);
            for (int o = 0; o < rows; o++)
                s->init_rows[o] = s->wavelet_rows + (size_t)(row - row0 + o) * pitch;
            layer->dwconv(s->in_rows, s->init_rows, bias, weights, k, width, s->out_rows, rows,
                          prefetch);
        }
        return;
    }
    /* Stride > 1: only every stride-th row, computed whole and then subsampled. */
    /* In long long: the stride may be as large as INT_MAX. */
    for (long long next = ((long long)row0 + stride - 1) / stride * stride; next < row_end;
         next += stride) {
        const int row = (int)next;
        float *dst = y + (size_t)(row / stride) * (size_t)plan->out_width;
        for (int r = 0; r < k; r++) {
            const int in_row = row - before + r;
            s->in_rows[r] =
                in_row >= 0 && in_row < height ? x + (size_t)in_row * (size_t)width : NULL;
        }
        s->init_rows[0] = s->wavelet_rows + (size_t)(row - row0) * pitch;
        s->out_rows[0] = s->strided_row;
        layer->dwconv(s->in_rows, s->init_rows, bias, weights, k, width, s->out_rows, 1, prefetch);
        for (int col = 0; col < plan->out_width; col++)
            dst[col] = s->strided_row[(size_t)col * (size_t)stride];
    }
}

/* Where output row `row` of the stride-1 result goes in the plane's output, which holds only
 * every stride-th row (rows up to H). */
static size_t output_row(const wtconv_plan *plan, int row) {
    const int r = row < plan->height ? row : plan->height;
    return (size_t)(((long long)r + plan->stride - 1) / plan->stride);
}

static size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

void wtconv_cpu_plane_output(const wtconv_cpu_layer *layer, wtconv_cpu_scratch *s, int channel,
                             const float *x, float *bands, const float *level1, float *y, int first,
                             int end, const float *next_x) {
    const wtconv_plan *plan = layer->plan;
    const wtconv_level_plan *lv = &plan->level[0];
    const size_t kk = (size_t)plan->kernel * (size_t)plan->kernel;
    const size_t pitch = lines((size_t)plan->width);
    const size_t lanes = (size_t)layer->kernels->lanes;
    const int n = end - first, count = block_count(n);
    level_pass p;
    pass_begin(&p, layer, s, x, lv, layer->wavelet_weight[0] + 4 * (size_t)channel * kk, level1,
               first, bands);
    for (int b = 0; b < count; b++) {
        const int row = block_start(first, n, b);
        const int rows = block_start(first, n, b + 1) - row;
        const int out_end = 2 * (row + rows) < plan->height ? 2 * (row + rows) : plan->height;
        /* While this block computes: the output lines of the next block, and a slice of the
         * next plane's input (whose first pass then reads it from the cache). */
        wtconv_cpu_prefetch prefetch = wtconv_cpu_prefetch_none();
        size_t steps;
        if (b + 1 < count) {
            const int next_end = block_start(first, n, b + 2);
            float *from = y + output_row(plan, 2 * (row + rows)) * (size_t)plan->out_width;
            float *to = y + output_row(plan, 2 * next_end) * (size_t)plan->out_width;
            prefetch.write = (uintptr_t)from;
            prefetch.write_end = (uintptr_t)to;
        } else if (next_x && first == 0) { /* the next plane's first block (whole planes) */
            float *from = y + plan->out_plane;
            float *to = from + output_row(plan, 2 * block_start(0, n, 1)) * (size_t)plan->out_width;
            prefetch.write = (uintptr_t)from;
            prefetch.write_end = (uintptr_t)to;
        }
        if (next_x) {
            const float *from = next_x + plan->plane * (size_t)b / (size_t)count;
            const float *to = next_x + plan->plane * (size_t)(b + 1) / (size_t)count;
            prefetch.read = (uintptr_t)from;
            prefetch.read_end = (uintptr_t)to;
        }
        /* Kernel chunks in this block: four subbands and about 2*rows base rows. */
        steps = (layer->dwconv_subbands ? ceil_div(4 * (size_t)lv->half_width, lanes)
                                        : 4 * ceil_div((size_t)lv->half_width, lanes)) +
                ceil_div(2 * (size_t)rows, MAX_ROWS) * ceil_div((size_t)plan->width, lanes);
        wtconv_cpu_prefetch_pace(&prefetch, steps);
        pass_filter(&p, row, rows, &prefetch);
        if (layer->dwconv_bands && plan->stride == 1) {
            base_rows_from_bands(layer, s, channel, x, y, 2 * row, out_end, p.layout, &prefetch);
        } else {
            pass_inverse(&p, row, rows, s->wavelet_rows, pitch);
            base_rows(layer, s, channel, x, y, 2 * row, out_end, &prefetch);
        }
    }
}
