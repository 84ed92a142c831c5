#include "apple/dispatch_plan.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "base/checked_size.h"
#include "base/error.h"

const char *wtconv_mtl_kernel_name(wtconv_mtl_kernel kernel) {
    switch (kernel) {
    case WTCONV_MTL_HAAR_FORWARD:
        return "wtconv_haar_forward";
    case WTCONV_MTL_HAAR_INVERSE_ACCUMULATE:
        return "wtconv_haar_inverse_accumulate";
    case WTCONV_MTL_RECONSTRUCT_OUTPUT:
        return "wtconv_reconstruct_output";
    default:
        return "";
    }
}

void wtconv_mtl_buffer_name(wtconv_mtl_buffer_role role, int level,
                            char name[WTCONV_MTL_NAME_MAX]) {
    switch (role) {
    case WTCONV_MTL_INPUT:
        snprintf(name, WTCONV_MTL_NAME_MAX, "x");
        break;
    case WTCONV_MTL_COEFFS:
        snprintf(name, WTCONV_MTL_NAME_MAX, "coeffs_%d", level);
        break;
    case WTCONV_MTL_BASE:
        snprintf(name, WTCONV_MTL_NAME_MAX, "base");
        break;
    case WTCONV_MTL_FILTERED:
        snprintf(name, WTCONV_MTL_NAME_MAX, "filtered_%d", level);
        break;
    case WTCONV_MTL_OUTPUT:
        snprintf(name, WTCONV_MTL_NAME_MAX, "y");
        break;
    }
}

static size_t round_up_pow2(size_t v) {
    size_t p = 1;
    while (p < v)
        p <<= 1;
    return p;
}

static uint32_t largest_pow2_at_most(uint32_t v) {
    uint32_t p = 1;
    while (p <= v / 2)
        p <<= 1;
    return p;
}

/* Threadgroups as wide as the rows allow (adjacent threads read adjacent floats), then as tall,
 * then deep over planes; a power of two in each direction, within the pipelines' limit. */
static void choose_grid(wtconv_mtl_dispatch *d, uint32_t width, uint32_t height, uint32_t planes,
                        uint32_t max_threads) {
    const uint32_t budget = largest_pow2_at_most(max_threads < 256 ? max_threads : 256);
    uint32_t tx = (uint32_t)round_up_pow2(width), ty, tz;
    if (tx > 32)
        tx = 32;
    if (tx > budget)
        tx = budget;
    ty = (uint32_t)round_up_pow2(height);
    if (ty > budget / tx)
        ty = budget / tx;
    tz = (uint32_t)round_up_pow2(planes);
    if (tz > budget / (tx * ty))
        tz = budget / (tx * ty);
    d->grid[0] = width, d->grid[1] = height, d->grid[2] = planes;
    d->threads_per_group[0] = tx, d->threads_per_group[1] = ty, d->threads_per_group[2] = tz;
    d->threadgroups[0] = width / tx + (width % tx != 0);
    d->threadgroups[1] = height / ty + (height % ty != 0);
    d->threadgroups[2] = planes / tz + (planes % tz != 0);
}

static int add_buffer(wtconv_mtl_plan *p, wtconv_mtl_buffer_role role, int level, int n, int c,
                      int h, int w) {
    wtconv_mtl_buffer *b = &p->buffers[p->buffer_count];
    b->role = role;
    b->level = level;
    b->shape[0] = n, b->shape[1] = c, b->shape[2] = h, b->shape[3] = w;
    /* check_limits bounded the bytes of all buffers together, so these cannot overflow. */
    b->elements = (size_t)n * (size_t)c * (size_t)h * (size_t)w;
    b->bytes = b->elements * sizeof(float);
    b->is_coreml_input = role == WTCONV_MTL_INPUT || role == WTCONV_MTL_COEFFS;
    b->is_coreml_output = role == WTCONV_MTL_BASE || role == WTCONV_MTL_FILTERED;
    wtconv_mtl_buffer_name(role, level, b->name);
    p->total_bytes += b->bytes;
    return p->buffer_count++;
}

/* Checks that everything the kernels index with 32 bits fits, and that the bytes of all the
 * plan's buffers (x, base, y, and each level's coeffs and filtered) fit the address range, so
 * that the sizes add_buffer computes cannot overflow. */
static wtconv_status check_limits(const wtconv_plan *plan) {
    const size_t planes = (size_t)plan->batch * (size_t)plan->channels;
    const size_t plane0 = plan->level[0].half_plane;
    int overflow = 0;
    size_t total;
    /* The coefficients have 4C channels (an int in the buffers' shapes, and 4*N*C planes
     * counted in 32 bits by the kernels), and level 0's four bands of one plane are the largest
     * per-plane stride a kernel takes. */
    if (planes > INT_MAX / 4 || plane0 > UINT32_MAX / 4)
        return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                           "the Metal backend indexes planes and pixels with 32 bits: N*C=%zu "
                           "(at most %d) and ceil(H/2)*ceil(W/2)=%zu (at most %u)",
                           planes, INT_MAX / 4, plane0, (unsigned)(UINT32_MAX / 4));
    total = wtconv_mul_size(2, plan->input_elements, &overflow); /* x and base */
    total = wtconv_add_size(total, plan->output_elements, &overflow);
    for (int i = 0; i < plan->levels; i++) /* coeffs_i and filtered_i */
        total = wtconv_add_size(total,
                                wtconv_mul_size(wtconv_mul_size(8, planes, &overflow),
                                                plan->level[i].half_plane, &overflow),
                                &overflow);
    if (overflow || total > SIZE_MAX / sizeof(float))
        return wtconv_fail(WTCONV_ERR_SHAPE_MISMATCH,
                           "the Metal backend's buffers for N=%d C=%d H=%d W=%d overflow the "
                           "address range",
                           plan->batch, plan->channels, plan->height, plan->width);
    return WTCONV_OK;
}

wtconv_status wtconv_mtl_plan_make(const wtconv_plan *plan, uint32_t max_threads_per_group,
                                   wtconv_mtl_plan *out) {
    const int n = plan->batch, c = plan->channels, levels = plan->levels;
    const uint32_t planes = (uint32_t)n * (uint32_t)c;
    int coeffs[WTCONV_MAX_LEVELS], filtered[WTCONV_MAX_LEVELS], base;
    wtconv_status status;

    memset(out, 0, sizeof *out);
    if (max_threads_per_group < 1)
        return wtconv_fail(WTCONV_ERR_BACKEND_FAILURE,
                           "the Metal pipelines allow no threads per threadgroup");
    if ((status = check_limits(plan)) != WTCONV_OK)
        return status;

    out->input_buffer = add_buffer(out, WTCONV_MTL_INPUT, -1, n, c, plan->height, plan->width);
    for (int i = 0; i < levels; i++) {
        const wtconv_level_plan *lv = &plan->level[i];
        coeffs[i] =
            add_buffer(out, WTCONV_MTL_COEFFS, i, n, 4 * c, lv->half_height, lv->half_width);
    }
    base = add_buffer(out, WTCONV_MTL_BASE, -1, n, c, plan->height, plan->width);
    for (int i = 0; i < levels; i++) {
        const wtconv_level_plan *lv = &plan->level[i];
        filtered[i] =
            add_buffer(out, WTCONV_MTL_FILTERED, i, n, 4 * c, lv->half_height, lv->half_width);
    }
    out->output_buffer =
        add_buffer(out, WTCONV_MTL_OUTPUT, -1, n, c, plan->out_height, plan->out_width);

    /* Forward: level 0 reads x; level i reads the raw LL band (plane 4p) of level i-1. */
    for (int i = 0; i < levels; i++) {
        const wtconv_level_plan *lv = &plan->level[i];
        wtconv_mtl_dispatch *d = &out->dispatches[out->forward_count++];
        wtconv_haar_forward_args *a = &d->args.haar_forward;
        d->kernel = WTCONV_MTL_HAAR_FORWARD;
        d->binding_count = 2;
        d->buffers[WTCONV_HAAR_FORWARD_SRC] = i == 0 ? out->input_buffer : coeffs[i - 1];
        d->buffers[WTCONV_HAAR_FORWARD_DST] = coeffs[i];
        d->args_size = sizeof *a;
        a->src_height = (uint32_t)lv->height;
        a->src_width = (uint32_t)lv->width;
        a->src_plane_stride =
            i == 0 ? (uint32_t)plan->plane : (uint32_t)(4 * plan->level[i - 1].half_plane);
        a->dst_height = (uint32_t)lv->half_height;
        a->dst_width = (uint32_t)lv->half_width;
        a->planes = planes;
        choose_grid(d, a->dst_width, a->dst_height, planes, max_threads_per_group);
    }

    /* Inverse, deepest first: level i adds its reconstruction into level i-1's filtered LL. */
    for (int i = levels - 1; i >= 1; i--) {
        const wtconv_level_plan *lv = &plan->level[i];
        wtconv_mtl_dispatch *d = &out->dispatches[out->forward_count + out->inverse_count++];
        wtconv_haar_inverse_args *a = &d->args.haar_inverse;
        d->kernel = WTCONV_MTL_HAAR_INVERSE_ACCUMULATE;
        d->binding_count = 2;
        d->buffers[WTCONV_HAAR_INVERSE_SRC] = filtered[i];
        d->buffers[WTCONV_HAAR_INVERSE_DST] = filtered[i - 1];
        d->args_size = sizeof *a;
        a->src_height = (uint32_t)lv->half_height;
        a->src_width = (uint32_t)lv->half_width;
        a->dst_height = (uint32_t)lv->height;
        a->dst_width = (uint32_t)lv->width;
        a->dst_plane_stride = (uint32_t)(4 * plan->level[i - 1].half_plane);
        a->planes = planes;
        choose_grid(d, a->src_width, a->src_height, planes, max_threads_per_group);
    }
    {
        wtconv_mtl_dispatch *d = &out->dispatches[out->forward_count + out->inverse_count++];
        wtconv_reconstruct_args *a = &d->args.reconstruct;
        d->kernel = WTCONV_MTL_RECONSTRUCT_OUTPUT;
        d->binding_count = 3;
        d->buffers[WTCONV_RECONSTRUCT_COEFFS] = filtered[0];
        d->buffers[WTCONV_RECONSTRUCT_BASE] = base;
        d->buffers[WTCONV_RECONSTRUCT_OUTPUT] = out->output_buffer;
        d->args_size = sizeof *a;
        a->height = (uint32_t)plan->height;
        a->width = (uint32_t)plan->width;
        a->coeff_height = (uint32_t)plan->level[0].half_height;
        a->coeff_width = (uint32_t)plan->level[0].half_width;
        a->out_height = (uint32_t)plan->out_height;
        a->out_width = (uint32_t)plan->out_width;
        a->stride = (uint32_t)plan->stride;
        a->planes = planes;
        choose_grid(d, a->out_width, a->out_height, planes, max_threads_per_group);
    }
    return WTCONV_OK;
}
