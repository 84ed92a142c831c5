/* Internal: the vector vocabulary that kernel templates are written against (kernels/stamp.h),
 * undefined: a template includes this at its end (no include guard), so that its includer can
 * define the words again for the next vector type. Each template's opening comment lists the
 * words it uses; their meanings are the same in all of them:
 *
 *   V_VEC, V_LANES         the vector type, and its floats
 *   V_MASK                 a mask of its lanes (AVX-512: __mmask16, __mmask8)
 *   V_NAME(name)           name with the vector type's suffix, for a template included twice
 *   V_LOAD(p), V_STORE(p, v)                   all lanes
 *   V_MASKZ_LOAD(mask, p), V_MASK_STORE(p, mask, v)
 *                          only the lanes in mask (the others loaded as zero, stored not at all)
 *   V_LOAD_FIRST(p, n), V_STORE_FIRST(p, n, v) only the first n lanes, the same way
 *   V_SET1(f), V_ZERO()    every lane f, every lane 0
 *   V_ADD(a, b), V_SUB(a, b), V_MUL(a, b), V_FMADD(a, b, c) (a * b + c, one rounding)
 *   V_TRANSPOSE(r)         r[i] <- column i of the V_LANES x V_LANES matrix whose rows were r[]
 *   V_HALF_VEC, V_HALF_MASK, V_HALF_MASKZ_LOAD(mask, p), V_HALF_ADD(a, b), V_HALF_SUB(a, b)
 *                          the same for vectors of half as many lanes
 *   V_INTERLEAVE(even, odd) a vector of two half ones' lanes in turn: e0 o0 e1 o1 ... */
#undef V_VEC
#undef V_LANES
#undef V_MASK
#undef V_NAME
#undef V_LOAD
#undef V_STORE
#undef V_MASKZ_LOAD
#undef V_MASK_STORE
#undef V_LOAD_FIRST
#undef V_STORE_FIRST
#undef V_SET1
#undef V_ZERO
#undef V_ADD
#undef V_SUB
#undef V_MUL
#undef V_FMADD
#undef V_TRANSPOSE
#undef V_HALF_VEC
#undef V_HALF_MASK
#undef V_HALF_MASKZ_LOAD
#undef V_HALF_ADD
#undef V_HALF_SUB
#undef V_INTERLEAVE
