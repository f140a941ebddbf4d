/*
 * The simulation's per-entity rules for the JVM's fast engine (dev.wasmgrid.sim.
 * NativeNeighbourSweep), called through the JDK's foreign-function API on the partition's own Java
 * arrays: perception and steering (wg_sim_perceive, over the ready food of wg_sim_ready_food) and
 * life (wg_sim_live). They are Perception, Lifecycle and TickStepper's passes as the Vector API
 * sweep runs them, operation for operation: the same IEEE float operations in the same order (built
 * with -ffp-contract=off and without -mfma, so nothing is fused), the same fixed-point sums, the
 * same tie rules. So the world they make is the Java engines' bit for bit, which every hash test
 * checks against the reference.
 *
 * What they save over Java is the overhead around tiny loops: a query is ~7 runs of ~3 candidates,
 * and here a query's runs are copied into one list swept in full lane batches, the looker's state
 * stays in registers, and no call or bounds check sits between a batch's masks and its rules.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

/* dev.wasmgrid.sim.WorldRules: every engine must agree on them bit for bit. */
#define PREY 0
#define PREDATOR 1
#define FOOD_RADIUS 1.5f
#define SEPARATION_WEIGHT 1.5f
#define ALIGNMENT_WEIGHT 0.4f
#define COHESION_WEIGHT 0.02f
#define FOOD_WEIGHT 1.0f
#define FLEE_WEIGHT 2.0f
#define HUNT_WEIGHT 1.0f
#define JITTER 0.05f
#define MAX_FORCE 0.3f
#define FIXED_SCALE 65536.0f
/* SpatialGrid.QUERY_MARGIN and Rng.JITTER. */
#define QUERY_MARGIN 0.05f
#define RNG_JITTER 1

#define ALWAYS_INLINE static inline __attribute__((always_inline))

int wg_sim_supported(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

/* The arrays of one partition's step, as TickStepper holds them (see wg_sim_perceive). */
typedef struct {
  int columns, rows;
  float cell, width, height, half_w, half_h;
  const int32_t *start, *ready_start;
  const float *nx, *ny, *nvx, *nvy, *nsize, *nkind;
  const int64_t *nid;
  const float *rx, *ry;
  const int32_t *ready;
} world_t;

/* Perception's fields for one looker. The same-species sums are kept in int lanes (sum8, flushed
 * to the int64 totals before a lane could overflow), the rest as Perception keeps them. */
typedef struct {
  float sx, sy, svx, svy, speed, view_sq, view_cos, cone_sq, sep_sq, size, graze_sq;
  float kind;
  int self;
  __m256i sum8[6];
  int pending;
  int64_t sums[6];
  int same;
  int other;
  int64_t other_id;
  float other_d2, other_dx, other_dy;
  int food;
  float food_d2, food_dx, food_dy;
  int bite;
  int64_t bite_id;
  float bite_d2;
  int graze;
  float graze_d2;
} looker_t;

/* Indices of looker_t.sums: Perception's aliX, aliY, cohX, cohY, sepX, sepY. */
enum { ALI_X, ALI_Y, COH_X, COH_Y, SEP_X, SEP_Y };

/* A lane gains at most |fixed| <= 100 * 2^16 a batch (1 / distance with distance above 1e-2), so
 * 256 batches stay below 2^31. */
#define FLUSH_EVERY 256

/* Java's (long) of v * 2^16 for the values summed here (|v| <= 100: offsets within a view radius,
 * speeds, 1 / distance above 1e-2), where it is the truncating conversion to int. */
ALWAYS_INLINE __m256i fixed8(__m256 v) {
  return _mm256_cvttps_epi32(_mm256_mul_ps(v, _mm256_set1_ps(FIXED_SCALE)));
}

ALWAYS_INLINE float unfixed(int64_t v) { return (float)v / FIXED_SCALE; }

/* (float) Math.sqrt(x * x + y * y): the sum in float, the root in double, rounded back. */
ALWAYS_INLINE float length(float x, float y) { return (float)sqrt((double)(x * x + y * y)); }

ALWAYS_INLINE uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* Rng.bits. */
ALWAYS_INLINE uint64_t rng_bits(int64_t seed, int64_t id, int64_t tick, int stream) {
  const uint64_t golden = 0x9E3779B97F4A7C15ULL;
  uint64_t h = mix((uint64_t)seed ^ golden);
  h = mix(h ^ (uint64_t)id * golden);
  return mix(h ^ ((uint64_t)tick * 0xC2B2AE3D27D4EB4FULL + (uint64_t)(int64_t)stream));
}

/* Rng.signed24. */
ALWAYS_INLINE float signed24(uint64_t bits, int shift) {
  return (float)((bits >> shift) & 0xFFFFFF) * 0x1.0p-24f * 2.0f - 1.0f;
}

/* Torus.dx / dy. */
ALWAYS_INLINE float offset(float from, float to, float size, float half) {
  float d = to - from;
  if (d > half) return d - size;
  return d < -half ? d + size : d;
}

ALWAYS_INLINE __m256 offset8(__m256 d, __m256 size, __m256 half, __m256 neg_half) {
  __m256 r = _mm256_blendv_ps(d, _mm256_sub_ps(d, size), _mm256_cmp_ps(d, half, _CMP_GT_OQ));
  return _mm256_blendv_ps(r, _mm256_add_ps(d, size), _mm256_cmp_ps(d, neg_half, _CMP_LT_OQ));
}

/* Perception.inCone lane by lane, its two shortcuts (a still looker, d2 == 0) as d2 <= around. */
ALWAYS_INLINE __m256 cone8(const looker_t *p, __m256 dx, __m256 dy, __m256 d2, __m256 wide,
                           __m256 around) {
  __m256 dot = _mm256_add_ps(_mm256_mul_ps(dx, _mm256_set1_ps(p->svx)),
                             _mm256_mul_ps(dy, _mm256_set1_ps(p->svy)));
  __m256 dot_sq = _mm256_mul_ps(dot, dot);
  __m256 bound = _mm256_mul_ps(d2, _mm256_set1_ps(p->cone_sq));
  __m256 ahead = _mm256_cmp_ps(dot, _mm256_setzero_ps(), _CMP_GE_OQ);
  __m256 narrow = _mm256_and_ps(ahead, _mm256_cmp_ps(dot_sq, bound, _CMP_GE_OQ));
  __m256 either = _mm256_and_ps(wide, _mm256_or_ps(ahead, _mm256_cmp_ps(dot_sq, bound, _CMP_LE_OQ)));
  return _mm256_or_ps(_mm256_or_ps(narrow, either), _mm256_cmp_ps(d2, around, _CMP_LE_OQ));
}

/* Lanes k .. k + 7 that exist: before `to`. */
ALWAYS_INLINE __m256i present8(int k, int to) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(to - k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* Perception.bite/same/other/graze/food for one candidate that passed its test. */
ALWAYS_INLINE void bite(looker_t *p, const world_t *w, int j, float d2) {
  int64_t id = w->nid[j];
  if (p->bite < 0 || d2 < p->bite_d2 || (d2 == p->bite_d2 && id < p->bite_id)) {
    p->bite = j;
    p->bite_id = id;
    p->bite_d2 = d2;
  }
}

/* Adds the int lanes to the looker's int64 totals. */
ALWAYS_INLINE void flush(looker_t *p) {
  for (int q = 0; q < 6; q++) {
    __m256i v = p->sum8[q];
    __m256i wide = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)),
                                    _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)));
    __m128i h = _mm_add_epi64(_mm256_castsi256_si128(wide), _mm256_extracti128_si256(wide, 1));
    p->sums[q] += _mm_cvtsi128_si64(h) + _mm_extract_epi64(h, 1);
    p->sum8[q] = _mm256_setzero_si256();
  }
  p->pending = 0;
}

/* Flushes the int lanes at a looker's end. With at most SUM32_BATCHES batches pending, a lane holds
 * at most 32 * 100 * 2^16 < 2^31 / 8, so the eight lanes add up exactly in 32 bits, in a third of
 * flush's instructions (most lookers see a few batches). */
#define SUM32_BATCHES 32
ALWAYS_INLINE void flush_last(looker_t *p) {
  if (p->pending > SUM32_BATCHES) {
    flush(p);
    return;
  }
  __m256i ab = _mm256_hadd_epi32(p->sum8[0], p->sum8[1]);
  __m256i cd = _mm256_hadd_epi32(p->sum8[2], p->sum8[3]);
  __m256i ef = _mm256_hadd_epi32(p->sum8[4], p->sum8[5]);
  __m256i abcd = _mm256_hadd_epi32(ab, cd);
  __m256i efef = _mm256_hadd_epi32(ef, ef);
  __m128i four = _mm_add_epi32(_mm256_castsi256_si128(abcd), _mm256_extracti128_si256(abcd, 1));
  __m128i two = _mm_add_epi32(_mm256_castsi256_si128(efef), _mm256_extracti128_si256(efef, 1));
  p->sums[0] += _mm_cvtsi128_si32(four);
  p->sums[1] += _mm_extract_epi32(four, 1);
  p->sums[2] += _mm_extract_epi32(four, 2);
  p->sums[3] += _mm_extract_epi32(four, 3);
  p->sums[4] += _mm_cvtsi128_si32(two);
  p->sums[5] += _mm_extract_epi32(two, 1);
}

/* Perception.same for the lanes of `mask`, summed in lanes: alignment, cohesion, and separation
 * for those closer than the separation radius. */
ALWAYS_INLINE void same8(looker_t *p, __m256 vx, __m256 vy, __m256 mask, __m256 dx, __m256 dy,
                         __m256 d2) {
  __m256i m = _mm256_castps_si256(mask);
  p->sum8[ALI_X] = _mm256_add_epi32(p->sum8[ALI_X], _mm256_and_si256(m, fixed8(vx)));
  p->sum8[ALI_Y] = _mm256_add_epi32(p->sum8[ALI_Y], _mm256_and_si256(m, fixed8(vy)));
  p->sum8[COH_X] = _mm256_add_epi32(p->sum8[COH_X], _mm256_and_si256(m, fixed8(dx)));
  p->sum8[COH_Y] = _mm256_add_epi32(p->sum8[COH_Y], _mm256_and_si256(m, fixed8(dy)));
  __m256 sep = _mm256_and_ps(mask, _mm256_and_ps(
      _mm256_cmp_ps(d2, _mm256_set1_ps(p->sep_sq), _CMP_LT_OQ),
      _mm256_cmp_ps(d2, _mm256_set1_ps(1e-4f), _CMP_GT_OQ)));
  /* Without a branch on whether any lane is that close: it was taken at random, and the divisions
   * cost less than its mispredictions. */
  __m256 sign = _mm256_set1_ps(-0.0f);
  __m256i s = _mm256_castps_si256(sep);
  p->sum8[SEP_X] = _mm256_add_epi32(
      p->sum8[SEP_X], _mm256_and_si256(s, fixed8(_mm256_div_ps(_mm256_xor_ps(dx, sign), d2))));
  p->sum8[SEP_Y] = _mm256_add_epi32(
      p->sum8[SEP_Y], _mm256_and_si256(s, fixed8(_mm256_div_ps(_mm256_xor_ps(dy, sign), d2))));
  if (++p->pending == FLUSH_EVERY) flush(p);
}

ALWAYS_INLINE void other(looker_t *p, const world_t *w, int j, float dx, float dy, float d2) {
  int64_t id = w->nid[j];
  if (p->other < 0 || d2 < p->other_d2 || (d2 == p->other_d2 && id < p->other_id)) {
    p->other = j;
    p->other_id = id;
    p->other_d2 = d2;
    p->other_dx = dx;
    p->other_dy = dy;
  }
}

ALWAYS_INLINE void graze(looker_t *p, int f, float d2) {
  if (p->graze < 0 || d2 < p->graze_d2 || (d2 == p->graze_d2 && f < p->graze)) {
    p->graze = f;
    p->graze_d2 = d2;
  }
}

ALWAYS_INLINE void food(looker_t *p, int f, float dx, float dy, float d2) {
  if (p->food < 0 || d2 < p->food_d2 || (d2 == p->food_d2 && f < p->food)) {
    p->food = f;
    p->food_d2 = d2;
    p->food_dx = dx;
    p->food_dy = dy;
  }
}

/* The candidates of one query, copied run after run into one list so that they fill whole lane
 * batches: a query is ~3.5 runs of ~3 slots (a fifth of them empty), and a batch per run costs
 * more than the copies. Food lists use x, y and slot (the patch number) only. */
#define CAP 256
typedef struct {
  int n;
  float x[CAP + 8] __attribute__((aligned(32)));
  float y[CAP + 8] __attribute__((aligned(32)));
  float vx[CAP + 8] __attribute__((aligned(32)));
  float vy[CAP + 8] __attribute__((aligned(32)));
  float size[CAP + 8] __attribute__((aligned(32)));
  float kind[CAP + 8] __attribute__((aligned(32)));
  int32_t slot[CAP + 8] __attribute__((aligned(32)));
} cands_t;

#define IOTA _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)

/* VectorNeighbourSweep.entities over the list: 8 candidates at a time as lane masks, then the rule
 * each passing lane passed for — the same-species sums in lanes, the nearest other and the bite
 * lane by lane with the offsets the lanes computed (the values the scalar rules recompute). */
static void see_entities(looker_t *p, const world_t *w, cands_t *c) {
  const __m256 width = _mm256_set1_ps(w->width), hw = _mm256_set1_ps(w->half_w);
  const __m256 height = _mm256_set1_ps(w->height), hh = _mm256_set1_ps(w->half_h);
  const __m256 nhw = _mm256_set1_ps(-w->half_w), nhh = _mm256_set1_ps(-w->half_h);
  const __m256 wide = _mm256_castsi256_ps(_mm256_set1_epi32(p->view_cos < 0 ? -1 : 0));
  const __m256 around = _mm256_set1_ps(p->speed == 0 ? INFINITY : 0.0f);
  const int predator = p->kind == PREDATOR;
  for (int k = 0; k < c->n; k += 8) {
    __m256i present = present8(k, c->n);
    __m256i slots = _mm256_load_si256((const __m256i *)(c->slot + k));
    __m256 valid = _mm256_castsi256_ps(
        _mm256_andnot_si256(_mm256_cmpeq_epi32(slots, _mm256_set1_epi32(p->self)), present));
    __m256 dx = offset8(_mm256_sub_ps(_mm256_load_ps(c->x + k), _mm256_set1_ps(p->sx)), width, hw, nhw);
    __m256 dy = offset8(_mm256_sub_ps(_mm256_load_ps(c->y + k), _mm256_set1_ps(p->sy)), height, hh, nhh);
    __m256 d2 = _mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy));
    __m256 kinds = _mm256_load_ps(c->kind + k);
    __m256 kind_same = _mm256_cmp_ps(kinds, _mm256_set1_ps(p->kind), _CMP_EQ_OQ);
    __m256 seen = _mm256_and_ps(
        _mm256_and_ps(valid, _mm256_cmp_ps(d2, _mm256_set1_ps(p->view_sq), _CMP_LE_OQ)),
        cone8(p, dx, dy, d2, wide, around));
    __m256 same_mask = _mm256_and_ps(seen, kind_same);
    unsigned same_bits = (unsigned)_mm256_movemask_ps(same_mask);
    unsigned other_bits = (unsigned)_mm256_movemask_ps(_mm256_andnot_ps(kind_same, seen));
    unsigned bite_bits = 0;
    if (predator) {
      __m256 reach = _mm256_add_ps(_mm256_load_ps(c->size + k), _mm256_set1_ps(p->size));
      __m256 prey = _mm256_cmp_ps(kinds, _mm256_set1_ps((float)PREY), _CMP_EQ_OQ);
      bite_bits = (unsigned)_mm256_movemask_ps(_mm256_and_ps(
          _mm256_and_ps(valid, prey), _mm256_cmp_ps(d2, _mm256_mul_ps(reach, reach), _CMP_LT_OQ)));
    }
    /* Every batch, without a branch on same_bits (nearly always set, not always). */
    p->same += __builtin_popcount(same_bits);
    same8(p, _mm256_load_ps(c->vx + k), _mm256_load_ps(c->vy + k), same_mask, dx, dy, d2);
    if ((other_bits | bite_bits) == 0) continue;
    float ox[8], oy[8], od2[8];
    _mm256_storeu_ps(ox, dx);
    _mm256_storeu_ps(oy, dy);
    _mm256_storeu_ps(od2, d2);
    for (unsigned m = other_bits; m; m &= m - 1) {
      int b = __builtin_ctz(m);
      other(p, w, c->slot[k + b], ox[b], oy[b], od2[b]);
    }
    for (unsigned m = bite_bits; m; m &= m - 1) {
      int b = __builtin_ctz(m);
      bite(p, w, c->slot[k + b], od2[b]);
    }
  }
  c->n = 0;
}

/* VectorNeighbourSweep.food over a list of ready patches (prey only). */
static void see_food(looker_t *p, const world_t *w, cands_t *c) {
  const __m256 width = _mm256_set1_ps(w->width), hw = _mm256_set1_ps(w->half_w);
  const __m256 height = _mm256_set1_ps(w->height), hh = _mm256_set1_ps(w->half_h);
  const __m256 nhw = _mm256_set1_ps(-w->half_w), nhh = _mm256_set1_ps(-w->half_h);
  const __m256 wide = _mm256_castsi256_ps(_mm256_set1_epi32(p->view_cos < 0 ? -1 : 0));
  const __m256 around = _mm256_set1_ps(p->speed == 0 ? INFINITY : 0.0f);
  for (int k = 0; k < c->n; k += 8) {
    __m256 present = _mm256_castsi256_ps(present8(k, c->n));
    __m256 dx = offset8(_mm256_sub_ps(_mm256_load_ps(c->x + k), _mm256_set1_ps(p->sx)), width, hw, nhw);
    __m256 dy = offset8(_mm256_sub_ps(_mm256_load_ps(c->y + k), _mm256_set1_ps(p->sy)), height, hh, nhh);
    __m256 d2 = _mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy));
    unsigned graze_bits = (unsigned)_mm256_movemask_ps(
        _mm256_and_ps(present, _mm256_cmp_ps(d2, _mm256_set1_ps(p->graze_sq), _CMP_LT_OQ)));
    unsigned seen_bits = (unsigned)_mm256_movemask_ps(_mm256_and_ps(
        _mm256_and_ps(present, _mm256_cmp_ps(d2, _mm256_set1_ps(p->view_sq), _CMP_LE_OQ)),
        cone8(p, dx, dy, d2, wide, around)));
    if ((graze_bits | seen_bits) == 0) continue;
    float ox[8], oy[8], od2[8];
    _mm256_storeu_ps(ox, dx);
    _mm256_storeu_ps(oy, dy);
    _mm256_storeu_ps(od2, d2);
    for (unsigned m = graze_bits; m; m &= m - 1) {
      int b = __builtin_ctz(m);
      graze(p, c->slot[k + b], od2[b]);
    }
    for (unsigned m = seen_bits; m; m &= m - 1) {
      int b = __builtin_ctz(m);
      food(p, c->slot[k + b], ox[b], oy[b], od2[b]);
    }
  }
  c->n = 0;
}

/* The list's batches. */
ALWAYS_INLINE void see_list(looker_t *p, const world_t *w, cands_t *c, int food_runs) {
  if (food_runs) {
    see_food(p, w, c);
  } else {
    see_entities(p, w, c);
  }
}

/* Appends candidates [from, to) to the list, which has room: neighbour slots, or ready patches of
 * wg_sim_ready_food's list. Whole vectors are copied (the neighbour columns have 16 spare slots,
 * the ready list 8): lanes past `to` are overwritten by the next run or ignored. */
ALWAYS_INLINE void copy_run(const world_t *w, cands_t *c, int from, int to, int food_runs) {
  int len = to - from;
  for (int k = 0;; k += 8) {
    int at = c->n + k, j = from + k;
    if (food_runs) {
      _mm256_storeu_ps(c->x + at, _mm256_loadu_ps(w->rx + j));
      _mm256_storeu_ps(c->y + at, _mm256_loadu_ps(w->ry + j));
      _mm256_storeu_si256((__m256i *)(c->slot + at), _mm256_loadu_si256((const __m256i *)(w->ready + j)));
    } else {
      _mm256_storeu_ps(c->x + at, _mm256_loadu_ps(w->nx + j));
      _mm256_storeu_ps(c->y + at, _mm256_loadu_ps(w->ny + j));
      _mm256_storeu_ps(c->vx + at, _mm256_loadu_ps(w->nvx + j));
      _mm256_storeu_ps(c->vy + at, _mm256_loadu_ps(w->nvy + j));
      _mm256_storeu_ps(c->size + at, _mm256_loadu_ps(w->nsize + j));
      _mm256_storeu_ps(c->kind + at, _mm256_loadu_ps(w->nkind + j));
      _mm256_storeu_si256((__m256i *)(c->slot + at), _mm256_add_epi32(_mm256_set1_epi32(j), IOTA));
    }
    if (k + 8 >= len) break;
  }
  c->n += len;
}

/* A crowd: the list is seen whenever it is full, the run going in as many parts as it takes. */
static void take_crowd(looker_t *p, const world_t *w, cands_t *c, int from, int to, int food_runs) {
  while (c->n + (to - from) > CAP) {
    int part = CAP - c->n;
    copy_run(w, c, from, from + part, food_runs);
    see_list(p, w, c, food_runs);
    from += part;
  }
  copy_run(w, c, from, to, food_runs);
}

/* Appends candidates [from, to) to the list. */
ALWAYS_INLINE void take(looker_t *p, const world_t *w, cands_t *c, int from, int to, int food_runs) {
  if (c->n + (to - from) > CAP) {
    take_crowd(p, w, c, from, to, food_runs);
  } else {
    copy_run(w, c, from, to, food_runs);
  }
}

ALWAYS_INLINE int floor_int(float v) {
  int i = (int)v;
  return v < (float)i ? i - 1 : i;
}

ALWAYS_INLINE int wrap(int v, int n) {
  if (v >= 0 && v < n) return v;
  if (v < 0 && v >= -n) return v + n;
  int m = v % n;
  return m < 0 ? m + n : m;
}

/* SpatialGrid.window then TickStepper.sweepWindow: the runs of every cell the square of half-side
 * `radius` around (x, y) overlaps, one or two per grid row, gathered into the lists and seen: the
 * neighbours' into c, and for prey the ready food's into f in the same walk. */
ALWAYS_INLINE void sweep_window(looker_t *p, const world_t *w, cands_t *c, cands_t *f, float radius,
                                int prey) {
  float r = radius + QUERY_MARGIN;
  int c0 = floor_int((p->sx - r) / w->cell);
  int r0 = floor_int((p->sy - r) / w->cell);
  int nc = floor_int((p->sx + r) / w->cell) - c0 + 1;
  int nr = floor_int((p->sy + r) / w->cell) - r0 + 1;
  if (nc > w->columns) nc = w->columns;
  if (nr > w->rows) nr = w->rows;
  c0 = wrap(c0, w->columns);
  r0 = wrap(r0, w->rows);
  int first = nc < w->columns - c0 ? nc : w->columns - c0;
  int second = nc - first;
  for (int a = 0, row = r0; a < nr; a++, row = row + 1 == w->rows ? 0 : row + 1) {
    int base = row * w->columns;
    int lo = base + c0;
    take(p, w, c, w->start[lo], w->start[lo + first], 0);
    if (second > 0) take(p, w, c, w->start[base], w->start[base + second], 0);
    if (prey) {
      take(p, w, f, w->ready_start[lo], w->ready_start[lo + first], 1);
      if (second > 0) take(p, w, f, w->ready_start[base], w->ready_start[base + second], 1);
    }
  }
  see_entities(p, w, c);
  // A prey in sight of a predator flees and ignores the food it sees (steer), so the Java engines
  // look for food within grazing reach only; the nearest patch within that reach is the same
  // among the view's candidates.
  if (prey) see_food(p, w, f);
}

/* What Perception.steer reads of 8 lookers, lane by lane: the boids sums as floats (unfixed), the
 * target of the one rule that applies (mode: 0 none, 1 flee, 2 food, 3 hunt) with its weight and
 * its offset (negated to flee), and the jitter already drawn. */
typedef struct {
  int32_t same[8], mode[8], row[8];
  float sep_x[8], sep_y[8], ali_x[8], ali_y[8], coh_x[8], coh_y[8];
  float svx[8], svy[8], max[8], weight[8], tx[8], ty[8], jx[8], jy[8];
  int n;
} steering_t;

/* Adds looker p of row i to the lanes. */
ALWAYS_INLINE void steer_lane(steering_t *s, const looker_t *p, int i, float max,
                              float aggression, int64_t id, int64_t seed, int64_t tick) {
  int g = s->n++;
  s->row[g] = i;
  s->same[g] = p->same;
  s->sep_x[g] = unfixed(p->sums[SEP_X]);
  s->sep_y[g] = unfixed(p->sums[SEP_Y]);
  s->ali_x[g] = unfixed(p->sums[ALI_X]);
  s->ali_y[g] = unfixed(p->sums[ALI_Y]);
  s->coh_x[g] = unfixed(p->sums[COH_X]);
  s->coh_y[g] = unfixed(p->sums[COH_Y]);
  s->svx[g] = p->svx;
  s->svy[g] = p->svy;
  s->max[g] = max;
  int mode = p->kind == PREY ? (p->other >= 0 ? 1 : p->food >= 0 ? 2 : 0) : p->other >= 0 ? 3 : 0;
  s->mode[g] = mode;
  s->weight[g] = mode == 1 ? FLEE_WEIGHT * (1.5f - aggression)
                 : mode == 3 ? HUNT_WEIGHT * (0.5f + aggression)
                             : FOOD_WEIGHT;
  s->tx[g] = mode == 2 ? p->food_dx : mode == 1 ? -p->other_dx : p->other_dx;
  s->ty[g] = mode == 2 ? p->food_dy : mode == 1 ? -p->other_dy : p->other_dy;
  uint64_t jitter = rng_bits(seed, id, tick, RNG_JITTER);
  s->jx[g] = JITTER * signed24(jitter, 40);
  s->jy[g] = JITTER * signed24(jitter, 16);
}

/* length() lane by lane: the sum in float, the root in double, rounded back. */
ALWAYS_INLINE __m256 length8(__m256 x, __m256 y) {
  __m256 q = _mm256_add_ps(_mm256_mul_ps(x, x), _mm256_mul_ps(y, y));
  __m128 lo = _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(q))));
  __m128 hi = _mm256_cvtpd_ps(_mm256_sqrt_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(q, 1))));
  return _mm256_set_m128(hi, lo);
}

/* Perception.steer for the lanes gathered, written to their rows. Every lane computes every term
 * (lanes a rule does not apply to may hold infinities) and keeps what steer would have added. */
static void steer8(steering_t *s, float *out_vx, float *out_vy) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 svx = _mm256_loadu_ps(s->svx), svy = _mm256_loadu_ps(s->svy);
  __m256 max = _mm256_loadu_ps(s->max);
  __m256i same = _mm256_loadu_si256((const __m256i *)s->same);
  __m256i mode = _mm256_loadu_si256((const __m256i *)s->mode);
  __m256 n = _mm256_cvtepi32_ps(same);
  __m256 boids = _mm256_castsi256_ps(_mm256_cmpgt_epi32(same, _mm256_setzero_si256()));
  __m256 bx = _mm256_add_ps(zero, _mm256_mul_ps(_mm256_set1_ps(SEPARATION_WEIGHT), _mm256_loadu_ps(s->sep_x)));
  __m256 by = _mm256_add_ps(zero, _mm256_mul_ps(_mm256_set1_ps(SEPARATION_WEIGHT), _mm256_loadu_ps(s->sep_y)));
  bx = _mm256_add_ps(bx, _mm256_mul_ps(_mm256_set1_ps(ALIGNMENT_WEIGHT),
                                       _mm256_sub_ps(_mm256_div_ps(_mm256_loadu_ps(s->ali_x), n), svx)));
  by = _mm256_add_ps(by, _mm256_mul_ps(_mm256_set1_ps(ALIGNMENT_WEIGHT),
                                       _mm256_sub_ps(_mm256_div_ps(_mm256_loadu_ps(s->ali_y), n), svy)));
  bx = _mm256_add_ps(bx, _mm256_mul_ps(_mm256_set1_ps(COHESION_WEIGHT), _mm256_div_ps(_mm256_loadu_ps(s->coh_x), n)));
  by = _mm256_add_ps(by, _mm256_mul_ps(_mm256_set1_ps(COHESION_WEIGHT), _mm256_div_ps(_mm256_loadu_ps(s->coh_y), n)));
  __m256 ax = _mm256_blendv_ps(zero, bx, boids);
  __m256 ay = _mm256_blendv_ps(zero, by, boids);
  __m256 tx = _mm256_loadu_ps(s->tx), ty = _mm256_loadu_ps(s->ty);
  __m256 d = length8(tx, ty);
  __m256 aim = _mm256_and_ps(
      _mm256_castsi256_ps(_mm256_xor_si256(_mm256_cmpeq_epi32(mode, _mm256_setzero_si256()),
                                           _mm256_set1_epi32(-1))),
      _mm256_cmp_ps(d, zero, _CMP_GT_OQ));
  __m256 weight = _mm256_loadu_ps(s->weight);
  __m256 px = _mm256_mul_ps(weight, _mm256_sub_ps(_mm256_mul_ps(_mm256_div_ps(tx, d), max), svx));
  __m256 py = _mm256_mul_ps(weight, _mm256_sub_ps(_mm256_mul_ps(_mm256_div_ps(ty, d), max), svy));
  ax = _mm256_blendv_ps(ax, _mm256_add_ps(ax, px), aim);
  ay = _mm256_blendv_ps(ay, _mm256_add_ps(ay, py), aim);
  ax = _mm256_add_ps(ax, _mm256_loadu_ps(s->jx));
  ay = _mm256_add_ps(ay, _mm256_loadu_ps(s->jy));
  __m256 force = length8(ax, ay);
  __m256 strong = _mm256_cmp_ps(force, _mm256_set1_ps(MAX_FORCE), _CMP_GT_OQ);
  __m256 scale = _mm256_div_ps(_mm256_set1_ps(MAX_FORCE), force);
  ax = _mm256_blendv_ps(ax, _mm256_mul_ps(ax, scale), strong);
  ay = _mm256_blendv_ps(ay, _mm256_mul_ps(ay, scale), strong);
  __m256 vx = _mm256_add_ps(svx, ax), vy = _mm256_add_ps(svy, ay);
  __m256 v = length8(vx, vy);
  __m256 fast = _mm256_cmp_ps(v, max, _CMP_GT_OQ);
  __m256 slow = _mm256_div_ps(max, v);
  vx = _mm256_blendv_ps(vx, _mm256_mul_ps(vx, slow), fast);
  vy = _mm256_blendv_ps(vy, _mm256_mul_ps(vy, slow), fast);
  float rx[8], ry[8];
  _mm256_storeu_ps(rx, vx);
  _mm256_storeu_ps(ry, vy);
  for (int g = 0; g < s->n; g++) {
    out_vx[s->row[g]] = rx[g];
    out_vy[s->row[g]] = ry[g];
  }
  s->n = 0;
}

/*
 * The food patches ready to eat (timer 0), as a grid of their own for wg_sim_perceive: the ready
 * patches of cell c are ready[ready_start[c] .. ready_start[c + 1] - 1] (patch numbers, in order),
 * at (rx, ry) of the same index. Patches are numbered in cell order, those of cell c being
 * food_start[c] .. food_start[c + 1] - 1. A tick's perception reads timers as they were at its
 * start, so the list holds for the whole pass; most patches are regrowing at any time, and a
 * query then meets a fraction of the candidates. Without a branch per patch or per cell (a cell
 * holds half a patch on average): `before[f]` counts the ready patches before patch f.
 */
void wg_sim_ready_food(int cells, int foods, const int32_t *food_start, const int32_t *timer,
                       const float *fx, const float *fy, int32_t *before, int32_t *ready_start,
                       int32_t *ready, float *rx, float *ry) {
  int m = 0;
  for (int f = 0; f < foods; f++) {
    ready[m] = f;
    rx[m] = fx[f];
    ry[m] = fy[f];
    before[f] = m;
    m += timer[f] == 0;
  }
  before[foods] = m;
  for (int c = 0; c <= cells; c++) ready_start[c] = before[food_start[c]];
}

/*
 * Perceives and steers the owned rows among slots [from, to) of one partition's step, as
 * TickStepper's first pass does for them: slot k holds row items[k] (rows below `owned` are owned),
 * whose neighbour columns are nx..nid[k]; the row's genes are view..aggression[row]; start holds
 * the grid's cell starts (neighbour slots), ready_start..ry the ready food (wg_sim_ready_food).
 * Writes, by row: the new velocity, the same-species neighbours seen, the row bitten and the patch
 * grazed (-1 for none).
 *
 * ints: owned, columns, rows, from, to. floats: cell, width, height.
 */
void wg_sim_perceive(const int32_t *ints, const float *floats, int64_t seed, int64_t tick,
                     const int32_t *items, const int32_t *start, const float *nx, const float *ny,
                     const float *nvx, const float *nvy, const float *nsize, const float *nkind,
                     const int64_t *nid, const int32_t *ready_start, const int32_t *ready,
                     const float *rx, const float *ry, const float *view, const float *view_cos,
                     const float *max_speed, const float *aggression, float *out_vx,
                     float *out_vy, int32_t *out_crowd, int32_t *out_bite, int32_t *out_graze) {
  world_t w = {
      .columns = ints[1], .rows = ints[2], .cell = floats[0], .width = floats[1],
      .height = floats[2], .half_w = floats[1] / 2, .half_h = floats[2] / 2, .start = start,
      .ready_start = ready_start, .nx = nx, .ny = ny, .nvx = nvx, .nvy = nvy, .nsize = nsize,
      .nkind = nkind, .nid = nid, .rx = rx, .ry = ry, .ready = ready};
  int owned = ints[0];
  cands_t c, f;
  c.n = 0;
  f.n = 0;
  steering_t lanes = {0};
  for (int k = ints[3]; k < ints[4]; k++) {
    int i = items[k];
    if (i >= owned) continue;
    looker_t p;
    p.sx = nx[k];
    p.sy = ny[k];
    p.svx = nvx[k];
    p.svy = nvy[k];
    p.speed = length(p.svx, p.svy);
    p.view_sq = view[i] * view[i];
    p.view_cos = view_cos[i];
    p.cone_sq = p.view_cos * p.view_cos * p.speed * p.speed;
    p.kind = nkind[k];
    p.self = k;
    p.size = nsize[k];
    float sep = 2.0f * p.size + 2.0f;
    p.sep_sq = sep * sep;
    float reach = p.size + FOOD_RADIUS;
    p.graze_sq = reach * reach;
    for (int q = 0; q < 6; q++) {
      p.sum8[q] = _mm256_setzero_si256();
      p.sums[q] = 0;
    }
    p.pending = 0;
    p.same = 0;
    p.other = p.food = p.bite = p.graze = -1;
    p.other_id = p.bite_id = 0;
    p.other_d2 = p.other_dx = p.other_dy = p.food_d2 = p.food_dx = p.food_dy = 0;
    p.bite_d2 = p.graze_d2 = 0;
    sweep_window(&p, &w, &c, &f, view[i], p.kind == PREY);
    flush_last(&p);
    steer_lane(&lanes, &p, i, max_speed[i], aggression[i], nid[k], seed, tick);
    if (lanes.n == 8) steer8(&lanes, out_vx, out_vy);
    out_crowd[i] = p.same;
    out_bite[i] = p.bite < 0 ? -1 : items[p.bite];
    out_graze[i] = p.graze;
  }
  if (lanes.n > 0) steer8(&lanes, out_vx, out_vy);
}

/* dev.wasmgrid.sim.WorldRules and Lifecycle's gene ranges, for the life pass. */
#define FOOD_ENERGY 30.0f
#define PREY_BIRTH_ENERGY 90.0f
#define PREDATOR_BIRTH_ENERGY 400.0f
#define MIN_BIRTH_AGE 30
#define MAX_AGE 3000
#define CROWD_LIMIT 10
#define PREY_ENERGY_SHARE 0.3f
#define MEAL_ENERGY 10.0f
#define BASE_METABOLISM 0.04f
#define PREDATOR_METABOLISM 0.08f
#define SIZE_METABOLISM 0.02f
#define SPEED_METABOLISM 0.01f
#define VIEW_METABOLISM 0.0005f
#define MUTATION 0.05f
#define RNG_GENE 16
#define RNG_CHILD_ID 32
#define RNG_CHILD_VX 33
#define RNG_CHILD_VY 34
static const float GENE_MIN[5] = {0.5f, 10.0f, -0.8f, 1.0f, 0.0f};
static const float GENE_MAX[5] = {3.0f, 40.0f, 0.6f, 3.0f, 1.0f};

/* Java's Math.max and Math.min for floats (NaN first, +0 above -0). */
ALWAYS_INLINE float java_max(float a, float b) {
  if (a != a) return a;
  if (a == 0.0f && b == 0.0f && signbit(a)) return b;
  return a >= b ? a : b;
}

ALWAYS_INLINE float java_min(float a, float b) {
  if (a != a) return a;
  if (a == 0.0f && b == 0.0f && signbit(b)) return b;
  return a <= b ? a : b;
}

/* Rng.signed. */
ALWAYS_INLINE float rng_signed(int64_t seed, int64_t id, int64_t tick, int stream) {
  return (float)(rng_bits(seed, id, tick, stream) >> 40) * 0x1.0p-24f * 2.0f - 1.0f;
}

/* Torus.wrapX / wrapY. */
ALWAYS_INLINE float wrap_coord(float v, float size) {
  if (v < 0) {
    v += size;
    return v >= size ? 0.0f : v;
  }
  return v >= size ? v - size : v;
}

/* A table's columns (EntityTable). */
typedef struct {
  int64_t *id;
  int8_t *species;
  int32_t *age;
  float *x, *y, *vx, *vy, *energy, *max_speed, *view, *view_cos, *size, *aggression;
} table_t;

ALWAYS_INLINE void append(const table_t *t, int at, int64_t id, int8_t kind, int32_t age, float x,
                          float y, float vx, float vy, float energy, const float *genes) {
  t->id[at] = id;
  t->species[at] = kind;
  t->age[at] = age;
  t->x[at] = x;
  t->y[at] = y;
  t->vx[at] = vx;
  t->vy[at] = vy;
  t->energy[at] = energy;
  t->max_speed[at] = genes[0];
  t->view[at] = genes[1];
  t->view_cos[at] = genes[2];
  t->size[at] = genes[3];
  t->aggression[at] = genes[4];
}

/*
 * TickStepper's life pass for the owned rows among slots [from, to), in slot order: the gain each
 * row won (the patch it grazed if it was the winning grazer, the meal of the prey it bit if it was
 * the winning biter), then Lifecycle.advance — death, metabolism, movement, birth with mutation —
 * appending the successors to the next table's columns n_id .. n_aggression (a child before its
 * parent). id .. aggression are the tick-start table's columns (its velocities are not read: the
 * new ones are new_vx, new_vy).
 *
 * ints: owned, from, to, next's rows in use, next's capacity. Stops early where next has no room
 * for a row and its child: ints[1] is then the slot to resume from (after growing next) and ints[3]
 * next's rows in use. floats: world width, height.
 */
void wg_sim_live(int32_t *ints, const float *floats, int64_t seed, int64_t tick,
                 const int32_t *items, const float *new_vx, const float *new_vy,
                 const int32_t *bite, const int32_t *graze, const int32_t *killer,
                 const int32_t *eater, const int32_t *crowd, const int64_t *id,
                 const int8_t *species, const int32_t *age, const float *x, const float *y,
                 const float *energy, const float *max_speed, const float *view,
                 const float *view_cos, const float *size, const float *aggression,
                 int64_t *n_id, int8_t *n_species, int32_t *n_age, float *n_x, float *n_y,
                 float *n_vx, float *n_vy, float *n_energy, float *n_max_speed, float *n_view,
                 float *n_view_cos, float *n_size, float *n_aggression) {
  table_t next = {n_id, n_species, n_age, n_x, n_y, n_vx, n_vy, n_energy, n_max_speed, n_view,
                  n_view_cos, n_size, n_aggression};
  int owned = ints[0], to = ints[2], count = ints[3], capacity = ints[4];
  float width = floats[0], height = floats[1];
  int k = ints[1];
  for (; k < to; k++) {
    int i = items[k];
    if (i >= owned) continue;
    if (count + 2 > capacity) break;
    float gain = 0;
    if (graze[i] >= 0 && eater[graze[i]] == i) gain = FOOD_ENERGY;
    if (bite[i] >= 0 && killer[bite[i]] == i) {
      float victim = energy[bite[i]];
      gain = PREY_ENERGY_SHARE * java_max(0.0f, victim) + MEAL_ENERGY;
    }
    if (killer[i] >= 0) continue;
    float nvx = new_vx[i], nvy = new_vy[i];
    float burn = BASE_METABOLISM + SIZE_METABOLISM * size[i] +
                 SPEED_METABOLISM * (nvx * nvx + nvy * nvy) + VIEW_METABOLISM * view[i] +
                 (species[i] == PREDATOR ? PREDATOR_METABOLISM : 0.0f);
    float e = energy[i] + gain - burn;
    int a = age[i] + 1;
    if (e <= 0 || a > MAX_AGE) continue;
    float px = wrap_coord(x[i] + nvx, width);
    float py = wrap_coord(y[i] + nvy, height);
    int64_t self = id[i];
    int8_t kind = species[i];
    float birth = kind == PREY ? PREY_BIRTH_ENERGY : PREDATOR_BIRTH_ENERGY;
    float parent[5] = {max_speed[i], view[i], view_cos[i], size[i], aggression[i]};
    if (e >= birth && a >= MIN_BIRTH_AGE && crowd[i] < CROWD_LIMIT) {
      e /= 2;
      float genes[5];
      for (int g = 0; g < 5; g++) {
        float step = rng_signed(seed, self, tick, RNG_GENE + g) * MUTATION * (GENE_MAX[g] - GENE_MIN[g]);
        genes[g] = java_min(GENE_MAX[g], java_max(GENE_MIN[g], parent[g] + step));
      }
      int64_t child = (int64_t)((rng_bits(seed, self, tick, RNG_CHILD_ID) >> 2) | (1ULL << 62));
      append(&next, count++, child, kind, 0, px, py,
             rng_signed(seed, self, tick, RNG_CHILD_VX) * genes[0],
             rng_signed(seed, self, tick, RNG_CHILD_VY) * genes[0], e, genes);
    }
    append(&next, count++, self, kind, a, px, py, nvx, nvy, e, parent);
  }
  ints[1] = k;
  ints[3] = count;
}
