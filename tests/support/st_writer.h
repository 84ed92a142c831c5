/*
 * st_writer - a small writer of safetensors files for tests.
 *
 * File layout: 8-byte little-endian u64 N, N bytes of JSON header (padded with spaces to a
 * multiple of 8), then the data buffer. Tensors are packed in the order they were added; their
 * data_offsets are relative to the start of the data buffer. Bytes are little-endian whatever
 * the host.
 *
 *     st_writer *w = st_writer_new();
 *     long long shape[4] = {C, 1, k, k};
 *     if (st_writer_add(w, "base_conv.weight", "BF16", 4, shape, values) != 0)
 *         fprintf(stderr, "%s\n", st_writer_error(w));
 *     st_writer_add_metadata(w, "stride", "2");
 *     st_writer_save(w, path);
 *     st_writer_free(w);
 */
#ifndef WTCONV_TEST_ST_WRITER_H
#define WTCONV_TEST_ST_WRITER_H

#include <stddef.h>

#define ST_MAX_DIMS 8

typedef struct st_writer st_writer;

/* A new, empty writer; NULL if out of memory. */
st_writer *st_writer_new(void);
void st_writer_free(st_writer *w); /* NULL is fine */

/*
 * Adds a tensor of ndim (0..ST_MAX_DIMS) dimensions holding prod(shape) values from `data`,
 * stored as `dtype`: "F32", "F16" or "BF16". Each value is encoded now (data is not kept).
 * Fails (returns -1, see st_writer_error) if dtype is unknown, a dimension is negative, the name
 * is already used or is "__metadata__", memory runs out, or a value is not exactly representable
 * in the dtype (F16/BF16; so the stored value is always exactly the float given).
 */
int st_writer_add(st_writer *w, const char *name, const char *dtype, int ndim,
                  const long long *shape, const float *data);

/* Adds a tensor from raw, already encoded bytes with any dtype string (e.g. "F64", "I8", or a
 * bogus one), for tests of malformed files; nbytes need not match the shape. */
int st_writer_add_raw(st_writer *w, const char *name, const char *dtype, int ndim,
                      const long long *shape, const void *bytes, size_t nbytes);

/* Adds one WTConv2d layer's F32 tensors under the reference module's names, without a prefix:
 * base_conv.weight [C,1,k,k] from `base`, base_conv.bias [C] from `bias` (NULL: no bias),
 * base_scale.weight [1,C,1,1] from `scale`, and for every level i < levels
 * wavelet_convs.i.weight [4C,1,k,k] from `wave` and wavelet_scale.i.weight [1,4C,1,1] from
 * `wave_scale` (the same values at every level). Returns 0, or -1 (see st_writer_error). */
int st_writer_add_layer(st_writer *w, int c, int k, int levels, const float *base,
                        const float *bias, const float *scale, const float *wave,
                        const float *wave_scale);

/* Adds a "__metadata__" string pair (both strings are JSON-escaped). */
int st_writer_add_metadata(st_writer *w, const char *key, const char *value);

/* Writes the file. Returns 0, or -1 (see st_writer_error). */
int st_writer_save(st_writer *w, const char *path);

/* Builds the whole file in memory: *out_bytes (malloc'd, caller frees) and *out_size. */
int st_writer_serialize(st_writer *w, unsigned char **out_bytes, size_t *out_size);

/* Message of the last failure on this writer ("" if none). Never NULL (even for w == NULL). */
const char *st_writer_error(const st_writer *w);

/* Encodings, exposed for tests. Return 0 and set *bits if `value` is exactly representable,
 * else -1. NaN encodes to a quiet NaN; infinities are exact. */
int st_encode_f16(float value, unsigned short *bits);
int st_encode_bf16(float value, unsigned short *bits);

#endif /* WTCONV_TEST_ST_WRITER_H */
