/* The workspace of cpu/workspace.h: its sizes, and one walk over its regions that sizes it and
 * carves it. */
#include "cpu/workspace.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/checked_size.h"
#include "base/error.h"
#include "cpu/state.h"

/* With L >= 2, a worker taking whole planes keeps a plane's level-0 Haar rows from part 1 to
 * part 2, where they would be computed again (a Haar pass over the input plane saved), if
 * the buffers (one per thread, about a plane each) stay within this share of the input. */
#define BANDS_SHARE_OF_INPUT 8

static int keep_bands(const wtconv_cpu_state *s, size_t bands_floats) {
    const wtconv_plan *plan = &s->plan;
    const size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    int overflow = 0;
    const size_t kept = wtconv_mul_size(bands_floats, (size_t)s->threads, &overflow);
    const size_t input = wtconv_mul_size(plan->plane, planes, &overflow);
    return s->whole_planes && plan->levels >= 2 && !overflow &&
           kept <= input / BANDS_SHARE_OF_INPUT;
}

/* Where a walk over the regions is: the bytes taken so far from `base` (NULL while sizing). */
typedef struct cursor {
    unsigned char *base;
    size_t offset;
    int overflow;
} cursor;

/* The next region, `count` items of `size` bytes: its address (NULL while sizing). */
static void *take(cursor *c, size_t count, size_t size) {
    void *p = c->base ? c->base + c->offset : NULL;
    c->offset =
        wtconv_add_size(c->offset, wtconv_mul_size(count, size, &c->overflow), &c->overflow);
    return p;
}

/* In a paged layout, the next region starts on a page (the allocation starts on one). */
static void to_page(cursor *c, int paged) {
    if (paged)
        (void)take(c,
                   (WTCONV_CPU_WORKER_PAGE - c->offset % WTCONV_CPU_WORKER_PAGE) %
                       WTCONV_CPU_WORKER_PAGE,
                   1);
}

/* `floats` rounded up to whole pages (a worker's buffer, so that the next worker's starts on a
 * page). */
static size_t page_floats(size_t floats, int *overflow) {
    const size_t page = WTCONV_CPU_WORKER_PAGE / sizeof(float);
    return wtconv_mul_size(wtconv_add_size(floats, page - 1, overflow) / page, page, overflow);
}

/* The allocation's alignment: a page in a paged layout, else a line. */
static size_t base_alignment(const wtconv_cpu_state *s) {
    return s->ws.paged ? WTCONV_CPU_WORKER_PAGE : 64;
}

/* The regions in workspace.h's order, from the sizes in s->ws: sized (base NULL), or carved out
 * of base (the allocation, aligned to base_alignment). Every region is a whole number of lines;
 * in a paged layout each worker's scratch, level-1 buffer and kept rows start on a page (the
 * channel-block grids stay back to back: on a page each, they were 5-9% slower). While sizing,
 * decides the block workers from the room that the regions before their grids leave in half
 * the input. Sets s->ws.bytes; 0 on overflow (then s->ws.bytes is 0). */
static int lay_out(wtconv_cpu_state *s, unsigned char *base) {
    const wtconv_plan *plan = &s->plan;
    wtconv_cpu_workspace *ws = &s->ws;
    const size_t threads = (size_t)s->threads;
    const size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    const size_t level1_buffers = s->whole_planes ? threads : planes;
    cursor c = {.base = base, .offset = 0, .overflow = 0};
    float *level1, *bands;
    ws->workers = take(&c, threads, sizeof(wtconv_cpu_worker));
    ws->shares = take(&c, threads, sizeof(wtconv_cpu_share));
    /* Each worker's scratch is a whole number of pages where paged (size_regions), so with the
     * first on a page every one starts on a page. */
    if (ws->scratch_floats)
        to_page(&c, ws->paged);
    for (size_t t = 0; t < threads; t++) {
        const float **pointers = take(&c, ws->pointers, sizeof(const float *));
        float *floats = take(&c, ws->scratch_floats, sizeof(float));
        if (base && ws->scratch_floats)
            wtconv_cpu_scratch_init(&ws->workers[t].scratch, plan, floats, pointers);
    }
    if (ws->level1_floats)
        to_page(&c, ws->paged);
    level1 =
        take(&c, wtconv_mul_size(ws->level1_floats, level1_buffers, &c.overflow), sizeof(float));
    ws->level1 = ws->level1_floats ? level1 : NULL;
    if (ws->bands_floats)
        to_page(&c, ws->paged);
    bands = take(&c, wtconv_mul_size(ws->bands_floats, threads, &c.overflow), sizeof(float));
    ws->bands = ws->bands_floats ? bands : NULL;
    ws->block_scratch = NULL;
    if (!s->blocks) {
        ws->block_workers = 0;
    } else {
        const size_t grid_bytes = s->block_layout.floats * sizeof(float);
        if (!base) {
            /* what half the input leaves beside the regions before and the room to align */
            const size_t used = c.offset + base_alignment(s);
            const size_t half_input = wtconv_cpu_half_input_bytes(plan);
            const size_t room = half_input > used ? (half_input - used) / grid_bytes : 0;
            ws->block_workers = s->threads;
            if ((size_t)ws->block_workers > room)
                ws->block_workers = room > 0 ? (int)room : 1;
        }
        ws->block_scratch = take(&c, (size_t)ws->block_workers, grid_bytes);
    }
    /* The allocation: the regions and the room to align them, all of it counted. */
    ws->bytes = wtconv_add_size(c.offset, base_alignment(s), &c.overflow);
    if (c.overflow)
        ws->bytes = 0;
    return !c.overflow;
}

/* Whether any plane goes the plane-by-plane way (not all of them in channel blocks). */
static int plane_path(const wtconv_cpu_state *s) {
    return !s->blocks || s->plan.channels % s->layer.kernels->block_lanes != 0;
}

/* The regions' sizes, paged (see WTCONV_CPU_WORKER_PAGE) or not, and the layout: 0 on overflow. */
static int size_regions(wtconv_cpu_state *s, int paged) {
    const wtconv_plan *plan = &s->plan;
    wtconv_cpu_workspace *ws = &s->ws;
    const int planes = plane_path(s);
    int overflow = 0;
    ws->paged = paged;
    ws->pointers = planes ? (wtconv_cpu_scratch_pointers(plan) + 7) / 8 * 8 : 0; /* lines */
    ws->scratch_floats = planes ? wtconv_cpu_scratch_floats(plan, &overflow) : 0;
    ws->level1_floats = planes ? wtconv_cpu_level1_floats(plan) : 0;
    ws->bands_floats = planes ? wtconv_cpu_bands_floats(plan, &overflow) : 0;
    if (overflow || !keep_bands(s, ws->bands_floats))
        ws->bands_floats = 0;
    /* Paged: each worker's buffers a whole number of pages: its scratch (row pointers and
     * floats), and its level-1 buffer and kept rows where each worker has its own (level-1
     * buffers per plane are shared out by planes, and left as they are). */
    if (paged) {
        const size_t pointer_floats = ws->pointers * sizeof(const float *) / sizeof(float);
        if (ws->scratch_floats)
            ws->scratch_floats =
                page_floats(pointer_floats + ws->scratch_floats, &overflow) - pointer_floats;
        if (s->whole_planes && ws->level1_floats)
            ws->level1_floats = page_floats(ws->level1_floats, &overflow);
        if (ws->bands_floats)
            ws->bands_floats = page_floats(ws->bands_floats, &overflow);
    }
    return lay_out(s, NULL) && !overflow;
}

int wtconv_cpu_workspace_size(wtconv_cpu_state *s) {
    /* Paged where several workers have plane-path buffers and the pages still leave the
     * workspace within half the input; else back to back, rather than a worker fewer. */
    if (s->threads > 1 && plane_path(s) && size_regions(s, 1) &&
        s->ws.bytes <= wtconv_cpu_half_input_bytes(&s->plan))
        return 1;
    if (!size_regions(s, 0)) {
        s->ws.bytes = 0;
        return 0;
    }
    return 1;
}

wtconv_status wtconv_cpu_workspace_allocate(wtconv_cpu_state *s) {
    wtconv_cpu_workspace *ws = &s->ws;
    const size_t alignment = base_alignment(s);
    ws->memory = malloc(ws->bytes); /* with room to align it (lay_out) */
    if (!ws->memory)
        return wtconv_fail(WTCONV_ERR_OUT_OF_MEMORY,
                           "out of memory for the CPU workspace (%zu bytes for %d threads)",
                           ws->bytes, s->threads);
    lay_out(s, (unsigned char *)ws->memory +
                   (alignment - (uintptr_t)ws->memory % alignment) % alignment);
    if (ws->block_scratch)
        memset(ws->block_scratch, 0,
               s->block_layout.floats * (size_t)ws->block_workers * sizeof(float));
    return WTCONV_OK;
}
