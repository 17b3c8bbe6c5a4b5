import * as tf from '@tensorflow/tfjs-core';
import {
  fusedAdamWAvailable,
  fusedAdamWMoment,
  fusedAdamWParam,
  fusedAdamWScalars,
  fusedFlatten,
  pickScalar,
} from '../ops/fusedAdamW';

/**
 * AdamW with decoupled weight decay and global-norm gradient clipping — tfjs core has neither.
 *
 * One update, for every parameter p with gradient g (after clipping), at step t (1-based):
 *   m ← β1·m + (1 − β1)·g            v ← β2·v + (1 − β2)·g²
 *   m̂ = m / (1 − β1^t)               v̂ = v / (1 − β2^t)
 *   p ← p − lr·( m̂ / (√v̂ + ε) + wd·p )      (wd only where `decay(name)`; `p` on the right is the old value)
 * which equals PyTorch's `AdamW` (decay first, `p ← p·(1 − lr·wd)`, then the Adam step).
 *
 * Clipping: `norm = √Σ‖g‖²` over all gradients; when `clipNorm > 0`, every gradient is scaled by
 * `clipNorm / max(norm, clipNorm)`. The returned norm is the one before clipping (what dashboards plot).
 *
 * Non-finite guard (on by default): when the loss or the gradient norm is NaN/±Inf, the update is skipped ON THE
 * DEVICE — parameters and moments stay bit-for-bit what they were — and a sticky `halted` flag blocks every later
 * update until `clearHalt()`. The runner learns about it at its next (asynchronous, every-N-steps) loss readback and
 * then knows the weights are still the state from before the bad step. No GPU→CPU read happens in `apply`.
 * The same mechanism gives a dry run (`dryRun: true`) that executes every kernel of a step without changing
 * anything: the compile warm-up.
 *
 * Where the backend registered the fused AdamW kernels (webgpu; `fusedAdamWAvailable()`, ops/fusedAdamW.ts) the same
 * arithmetic runs as those kernels:
 * per group one flatten of the gradients, one kernel per moment, one per parameter, and one reduction plus one tiny
 * kernel for the norm, the guard and the clip scale (~60 kernels at the reference config instead of ~360). It holds
 * every group's flat gradient from `prepare` to `update` (one gradient's worth of memory more than the composite
 * path, which flattens each group twice instead).
 */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Max global gradient norm; 0 or Infinity turns clipping off. */
  clipNorm: number;
  /** Which parameters get weight decay (by the key in the params record). Default: all. */
  decay?: (name: string) => boolean;
  /** Skip non-finite updates on the device and latch `halted` (default true). */
  guardNonFinite?: boolean;
}

/** Host copy of the optimizer state, for checkpoints. */
export interface AdamWState {
  /** Updates applied so far (t of the bias correction). */
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export interface ApplyOptions {
  /** The step's loss: a non-finite loss also blocks the update when the guard is on. */
  loss?: tf.Scalar;
  /** Execute every kernel, change nothing (compile warm-up). */
  dryRun?: boolean;
}

/** Parameters updated together as one flat vector: same decay flag, at most `maxGroupElements` values. */
interface Group {
  /** The parameters this flat vector holds, in order (each one's slice is `param.size` long). */
  members: { name: string; param: tf.Variable }[];
  size: number;
  decay: boolean;
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * Default cap on a flat group: 4M floats (16 MB), well under WebGPU's default 128 MiB storage-binding limit.
 * A single larger parameter (a BPE token table) forms a group of its own.
 */
export const MAX_GROUP_ELEMENTS = 1 << 22;

/** The scalars of one step, computed once before the groups are updated (`AdamW.prepare`): composite or fused. */
export type PreparedStep = CompositeStep | FusedStep;

/** The composite path's step: scalars as tensors, each group flattened again in `update`. */
export interface CompositeStep {
  kind: 'composite';
  /** Pre-clip global gradient norm: returned to the caller. */
  norm: tf.Scalar;
  /** 1 when the step may change the state (finite, not halted, not a dry run), else 0; and as a bool. */
  ok: tf.Scalar;
  okBool: tf.Scalar;
  /** Whether the norm (and loss) are finite; null without the guard. */
  finite: tf.Tensor | null;
  /** clipNorm / max(norm, clipNorm); null without clipping. */
  scale: tf.Scalar | null;
  c1: tf.Scalar;
  c2: tf.Scalar;
  lrEff: tf.Scalar;
  lrWd: tf.Scalar;
  dryRun: boolean;
  t: number;
  bc1: number;
  bc2: number;
}

/** The fused path's step: the scalars on the device (ops/fusedAdamW.ts) and each group's flat gradient. */
export interface FusedStep {
  kind: 'fused';
  norm: tf.Scalar;
  /** [norm, ok, clip scale, halted after this step]. */
  scalars: tf.Tensor1D;
  flats: tf.Tensor1D[];
  dryRun: boolean;
  t: number;
  lr: number;
  bc1: number;
  bc2: number;
}

/** `next`, after freeing `prev` (a step of a chain of group-sized temporaries). */
function disposing<T extends tf.Tensor>(prev: tf.Tensor, next: T): T {
  if (prev !== next) prev.dispose();
  return next;
}

/**
 * `tf.where(condition, t, e)` for `t` and `e` of one shape and a scalar condition, without `where`'s two extra
 * full-size copies (it broadcasts every operand, and broadcasting an equal shape clones it, a real copy on wasm).
 * The same Select kernel, so the same values.
 */
function select(condition: tf.Scalar, t: tf.Tensor, e: tf.Tensor): tf.Tensor {
  return tf.tidy(
    () => tf.engine().runKernel('Select', { condition: tf.broadcastTo(condition, t.shape), t, e }) as tf.Tensor,
  );
}

/** `v.assign(t)`, then frees the handle `t` (its data now belongs to `v`). */
function replace(v: tf.Variable, t: tf.Tensor): void {
  v.assign(t);
  t.dispose();
}

export class AdamW {
  /** Updates applied so far; drives the bias correction. Host-side, so no readback is needed to advance it. */
  step = 0;
  /**
   * The update runs on a few flat vectors (parameters concatenated by decay flag) instead of parameter by parameter:
   * the same arithmetic with ~4× fewer kernel launches, which is what a small model's step costs on wasm and webgpu.
   */
  private readonly groups: Group[];
  /** 1 once a non-finite step was seen (guard on), else 0. */
  private readonly halted: tf.Variable<tf.Rank.R0>;
  private disposed = false;

  constructor(
    params: Record<string, tf.Variable>,
    readonly options: AdamWOptions & { maxGroupElements?: number },
  ) {
    validateAdamW(options);
    const cap = options.maxGroupElements ?? MAX_GROUP_ELEMENTS;
    this.groups = [];
    for (const decay of [true, false]) {
      let open: Omit<Group, 'm' | 'v'> | null = null;
      const close = () => {
        const g = open;
        // Inside a tidy: tf.variable keeps the initial tensor's data, and the tidy frees the initial handle.
        if (g)
          this.groups.push(
            tf.tidy(() => ({
              ...g,
              m: tf.variable(tf.zeros([g.size]), false),
              v: tf.variable(tf.zeros([g.size]), false),
            })),
          );
        open = null;
      };
      for (const [n, p] of Object.entries(params)) {
        if (p.dtype !== 'float32')
          throw new Error(`AdamW: parameter "${n}" is ${p.dtype}; only float32 parameters can be trained`);
        if ((options.decay ? options.decay(n) : true) !== decay) continue;
        if (open && (open as Omit<Group, 'm' | 'v'>).size + p.size > cap) close();
        open ??= { members: [], size: 0, decay };
        open.members.push({ name: n, param: p });
        open.size += p.size;
      }
      close();
    }
    this.halted = tf.tidy(() => tf.variable(tf.scalar(0), false));
  }

  /** Number of tensors the optimizer owns (for leak checks). */
  get tensorCount(): number {
    return 2 * this.groups.length + 1;
  }

  /** How the parameters are grouped (names per flat vector), for tests and diagnostics. */
  get groupNames(): string[][] {
    return this.groups.map((g) => g.members.map((m) => m.name));
  }

  /**
   * Clips and applies `grads` (keyed like the params). A parameter without a gradient counts as a zero gradient
   * (its moments decay and weight decay still applies) — our GPT gives every parameter one. Returns the pre-clip
   * global norm as a scalar the caller owns. Synchronous; no readback.
   *
   * Memory: the global norm, the clip scale and the guard are computed first (one group's flat gradient at a time),
   * then each group is updated in its own `tf.tidy` that frees its temporaries before the next group starts — so
   * on top of the weights, gradients and moments the update holds a few copies of ONE group, not of the whole model
   * (one tidy around everything kept ~23× the parameter bytes alive). The arithmetic is the same either way.
   */
  apply(grads: Record<string, tf.Tensor>, lr: number, opts: ApplyOptions = {}): tf.Scalar {
    return this.update(grads, this.prepare(grads, lr, opts));
  }

  /**
   * The first half of `apply`: the global norm, the clip scale, the guard and the step's coefficients (scalars).
   * Public so the memory bench can measure the clip apart from the update; pass the result to `update` once.
   */
  prepare(grads: Record<string, tf.Tensor>, lr: number, opts: ApplyOptions = {}): PreparedStep {
    return fusedAdamWAvailable() ? this.prepareFused(grads, lr, opts) : this.prepareStep(grads, lr, opts);
  }

  /** The second half of `apply`: updates every group, frees `step`'s scalars and returns its pre-clip norm. */
  update(grads: Record<string, tf.Tensor>, step: PreparedStep): tf.Scalar {
    if (step.kind === 'fused') return this.updateFused(step);
    try {
      for (const gr of this.groups) this.updateGroup(gr, grads, step);
      if (step.finite && !step.dryRun) {
        const finite = step.finite;
        tf.tidy(() => this.halted.assign(tf.maximum(this.halted, tf.sub(1, tf.cast(finite, 'float32')))));
      }
    } catch (error) {
      step.norm.dispose();
      throw error;
    } finally {
      tf.dispose(
        [step.ok, step.okBool, step.finite, step.scale, step.c1, step.c2, step.lrEff, step.lrWd].filter(
          (x): x is tf.Tensor => x !== null,
        ),
      );
    }
    if (!step.dryRun) this.step = step.t;
    return step.norm;
  }

  /** A group's gradients as one flat vector (a zero gradient for a parameter that has none). */
  private flatGrad(gr: Group, grads: Record<string, tf.Tensor>): tf.Tensor1D {
    return tf.tidy(() => {
      const parts = gr.members.map(({ name, param }) => tf.reshape(grads[name] ?? tf.zeros(param.shape), [-1]));
      return (parts.length === 1 ? parts[0]! : tf.concat(parts)) as tf.Tensor1D;
    });
  }

  /** The step's scalars: the global norm, whether the step may change the state, the clip scale, the coefficients. */
  private prepareStep(grads: Record<string, tf.Tensor>, lr: number, opts: ApplyOptions): CompositeStep {
    const { dryRun, t } = this.begin(lr, opts);
    const o = this.options;
    const scalars = tf.tidy(() => {
      // Each group's flat copy lives only while its sum of squares is taken.
      const sq = this.groups.map((gr) => tf.tidy(() => tf.sum(tf.square(this.flatGrad(gr, grads)))));
      const norm = sq.length === 0 ? tf.scalar(0) : tf.sqrt(sq.length === 1 ? sq[0]! : tf.addN(sq));
      // ok = 1 when this step may change the state.
      let ok: tf.Scalar = tf.scalar(dryRun ? 0 : 1);
      let finite: tf.Tensor | undefined;
      if (o.guardNonFinite !== false) {
        finite = tf.isFinite(norm);
        if (opts.loss) finite = tf.logicalAnd(finite, tf.isFinite(opts.loss));
        ok = tf.mul(ok, tf.mul(tf.cast(finite, 'float32'), tf.sub(1, this.halted)));
      }
      const clip = o.clipNorm > 0 && Number.isFinite(o.clipNorm);
      const lrEff = tf.mul(ok, lr);
      return {
        norm: norm as tf.Scalar,
        ok,
        okBool: tf.cast(ok, 'bool'),
        finite,
        scale: clip ? tf.div(o.clipNorm, tf.maximum(norm, o.clipNorm)) : undefined,
        c1: tf.mul(ok, 1 - o.beta1),
        c2: tf.mul(ok, 1 - o.beta2),
        lrEff,
        lrWd: tf.mul(lrEff, o.weightDecay),
      };
    });
    return {
      kind: 'composite',
      ...scalars,
      finite: scalars.finite ?? null,
      scale: scalars.scale ?? null,
      dryRun,
      t,
      bc1: 1 - Math.pow(o.beta1, t),
      bc2: 1 - Math.pow(o.beta2, t),
    } as CompositeStep;
  }

  /** Checks the call; the step's t (a dry run reuses the current one). */
  private begin(lr: number, opts: ApplyOptions): { dryRun: boolean; t: number } {
    if (this.disposed) throw new Error('AdamW: used after dispose()');
    if (!Number.isFinite(lr) || lr < 0)
      throw new RangeError(`AdamW: learning rate must be a finite number ≥ 0, got ${lr}`);
    const dryRun = opts.dryRun === true;
    return { dryRun, t: dryRun ? Math.max(1, this.step) : this.step + 1 };
  }

  /** The fused `prepareStep`: each group's gradient flattened once, then the norm and the guard in two kernels. */
  private prepareFused(grads: Record<string, tf.Tensor>, lr: number, opts: ApplyOptions): FusedStep {
    const { dryRun, t } = this.begin(lr, opts);
    const o = this.options;
    const flats = this.groups.map((gr) =>
      tf.tidy(() => fusedFlatten(gr.members.map(({ name, param }) => grads[name] ?? tf.zeros(param.shape)))),
    );
    const scalars = fusedAdamWScalars(flats, opts.loss, this.halted, {
      clipNorm: o.clipNorm,
      guard: o.guardNonFinite !== false,
      dryRun,
    });
    return {
      kind: 'fused',
      norm: pickScalar(scalars, 'norm'),
      scalars,
      flats,
      dryRun,
      t,
      lr,
      bc1: 1 - Math.pow(o.beta1, t),
      bc2: 1 - Math.pow(o.beta2, t),
    };
  }

  /** The fused `update`: per group m and v, then each parameter from its slice of them; frees the step's tensors. */
  private updateFused(s: FusedStep): tf.Scalar {
    const o = this.options;
    try {
      this.groups.forEach((gr, k) => {
        const g = s.flats[k]!; // one flat gradient per group, in order
        replace(gr.m, fusedAdamWMoment(g, gr.m as tf.Tensor1D, s.scalars, o.beta1, false));
        replace(gr.v, fusedAdamWMoment(g, gr.v as tf.Tensor1D, s.scalars, o.beta2, true));
        const lrWd = gr.decay ? s.lr * o.weightDecay : 0;
        let offset = 0;
        for (const { param: p } of gr.members) {
          replace(
            p,
            fusedAdamWParam(p, gr.m as tf.Tensor1D, gr.v as tf.Tensor1D, s.scalars, {
              offset,
              lr: s.lr,
              bc1: s.bc1,
              bc2: s.bc2,
              eps: o.eps,
              lrWd,
            }),
          );
          offset += p.size;
        }
      });
      if (o.guardNonFinite !== false && !s.dryRun) replace(this.halted, pickScalar(s.scalars, 'halted'));
    } catch (error) {
      s.norm.dispose();
      throw error;
    } finally {
      tf.dispose([s.scalars, ...s.flats]);
    }
    if (!s.dryRun) this.step = s.t;
    return s.norm;
  }

  /**
   * One group's update. Every temporary is freed before it returns, and the nested tidies keep at most a few
   * group-sized tensors alive at once (3.25 measured with tf.profile, at the select; one tidy kept ~20).
   */
  private updateGroup(gr: Group, grads: Record<string, tf.Tensor>, s: CompositeStep): void {
    const o = this.options;
    let g: tf.Tensor = this.flatGrad(gr, grads);
    if (s.scale) g = disposing(g, tf.mul(g, s.scale));
    // A skipped step must not touch the moments even when g holds NaN (0 · NaN = NaN), hence the select.
    if (s.finite)
      g = disposing(
        g,
        tf.tidy(() => select(s.okBool, g, tf.zerosLike(g))),
      );
    // Each moment replaces its variable as soon as it exists (the old one is freed by `assign`): nothing later
    // reads the old m or v.
    replace(
      gr.m,
      tf.tidy(() =>
        tf.add(
          gr.m,
          tf.tidy(() => tf.mul(s.c1, tf.sub(g, gr.m))),
        ),
      ),
    );
    const g2 = disposing(g, tf.square(g));
    replace(
      gr.v,
      tf.tidy(() =>
        tf.add(
          gr.v,
          tf.tidy(() => tf.mul(s.c2, tf.sub(g2, gr.v))),
        ),
      ),
    );
    g2.dispose();
    const denom = tf.tidy(() =>
      tf.add(
        tf.tidy(() => tf.sqrt(tf.div(gr.v, s.bc2))),
        o.eps,
      ),
    );
    const ratio = disposing(
      denom,
      tf.tidy(() => tf.div(tf.div(gr.m, s.bc1), denom)),
    );
    const delta = disposing(ratio, tf.mul(ratio, s.lrEff));
    let offset = 0;
    for (const { param: p } of gr.members) {
      const piece = tf.tidy(() =>
        tf.reshape(gr.members.length === 1 ? delta : tf.slice(delta, offset, p.size), p.shape),
      );
      // p − lr·(m̂/(√v̂+ε)) − lr·wd·p, with p the value before this step.
      let next = disposing(piece, tf.sub(p, piece));
      if (gr.decay && o.weightDecay !== 0)
        next = disposing(
          next,
          tf.tidy(() => tf.sub(next, tf.mul(p, s.lrWd))),
        );
      replace(p, next);
      offset += p.size;
    }
    delta.dispose();
  }

  /** Zeroes the moments and the step count (a fresh optimizer, as each phase of the paper starts with). */
  reset(): void {
    tf.tidy(() => {
      for (const g of this.groups) {
        g.m.assign(tf.zerosLike(g.m));
        g.v.assign(tf.zerosLike(g.v));
      }
    });
    this.step = 0;
  }

  /** 1 when a non-finite step latched the guard; a tensor, so reading it is the caller's (async) choice. */
  haltedFlag(): tf.Scalar {
    return this.halted.clone();
  }

  clearHalt(): void {
    tf.tidy(() => this.halted.assign(tf.scalar(0)));
  }

  /**
   * The state as tensors for a checkpoint file, per parameter (so it does not depend on the grouping):
   * `m.<name>`, `v.<name>` (float32, the parameter's shape) and `step` (int32 scalar). New tensors the caller must
   * dispose; no readback here.
   */
  stateTensors(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = { step: tf.scalar(this.step, 'int32') };
    for (const g of this.groups) {
      for (const which of ['m', 'v'] as const) {
        const flat = g[which];
        const pieces =
          g.members.length === 1
            ? [flat.clone()]
            : tf.split(
                flat,
                g.members.map((m) => m.param.size),
              );
        pieces.forEach((piece, i) => {
          const { name, param } = g.members[i]!; // tf.split gives one piece per member
          out[`${which}.${name}`] = tf.tidy(() => tf.reshape(piece, param.shape));
          piece.dispose();
        });
      }
    }
    return out;
  }

  /** Restores a state from `stateTensors` (e.g. a checkpoint's optimizer tensors); reads back only `step`. */
  loadStateTensors(state: Record<string, tf.Tensor>): void {
    const step = state.step;
    if (!step || step.size !== 1) throw new Error('AdamW state has no "step" scalar');
    for (const g of this.groups) {
      for (const which of ['m', 'v'] as const) {
        const parts = g.members.map(({ name: n, param }) => {
          const src = state[`${which}.${n}`];
          if (!src) throw new Error(`AdamW state has no ${which} for parameter "${n}"`);
          if (src.shape.join(',') !== param.shape.join(',')) {
            throw new Error(`AdamW state ${which}.${n} has shape [${src.shape}], the parameter has [${param.shape}]`);
          }
          return src;
        });
        tf.tidy(() =>
          g[which].assign(
            tf.cast(
              parts.length === 1 ? tf.reshape(parts[0]!, [-1]) : tf.concat(parts.map((x) => tf.reshape(x, [-1]))),
              'float32',
            ),
          ),
        );
      }
    }
    this.step = step.dataSync()[0]!; // size 1, checked above
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const g of this.groups) {
      g.m.dispose();
      g.v.dispose();
    }
    this.halted.dispose();
  }
}

export function validateAdamW(o: AdamWOptions): void {
  const bad: string[] = [];
  if (!(o.beta1 >= 0 && o.beta1 < 1)) bad.push(`beta1 must be in [0, 1), got ${o.beta1}`);
  if (!(o.beta2 >= 0 && o.beta2 < 1)) bad.push(`beta2 must be in [0, 1), got ${o.beta2}`);
  if (!(o.eps > 0) || !Number.isFinite(o.eps)) bad.push(`eps must be > 0, got ${o.eps}`);
  if (!(o.weightDecay >= 0) || !Number.isFinite(o.weightDecay))
    bad.push(`weightDecay must be ≥ 0, got ${o.weightDecay}`);
  if (!(o.clipNorm >= 0)) bad.push(`clipNorm must be ≥ 0 (0 = off), got ${o.clipNorm}`);
  if (bad.length) throw new RangeError(`AdamW: ${bad.join('; ')}`);
}

/**
 * `tf.variableGrads` keyed by the params record's keys (tfjs keys gradients by the variables' global names, which
 * need not match). Parameters the loss does not depend on are absent.
 */
export function lossAndGrads(
  params: Record<string, tf.Variable>,
  f: () => tf.Scalar,
): { value: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const entries = Object.entries(params);
  const { value, grads } = tf.variableGrads(
    f,
    entries.map(([, p]) => p),
  );
  const out: Record<string, tf.Tensor> = {};
  for (const [k, p] of entries) {
    const g = grads[p.name];
    if (g) out[k] = g;
  }
  return { value, grads: out };
}

/**
 * Gradient accumulation over k micro-batches: `add` sums gradients (and the loss) into variables owned here;
 * `take` returns the means as fresh tensors and zeroes the sums. Call both inside a `tf.tidy`.
 */
export class GradAccumulator {
  private readonly sums: Record<string, tf.Variable>;
  private readonly lossSum: tf.Variable<tf.Rank.R0>;
  /** Keys that received a gradient since the last `take` (a parameter with no gradient stays untouched). */
  private readonly seen = new Set<string>();
  count = 0;

  constructor(params: Record<string, tf.Variable>) {
    this.sums = {};
    for (const [k, p] of Object.entries(params)) this.sums[k] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    this.lossSum = tf.tidy(() => tf.variable(tf.scalar(0), false));
  }

  get tensorCount(): number {
    return Object.keys(this.sums).length + 1;
  }

  add(grads: Record<string, tf.Tensor>, loss: tf.Scalar): void {
    for (const [k, g] of Object.entries(grads)) {
      const sum = this.sums[k];
      if (!sum)
        throw new Error(`GradAccumulator.add: gradient for "${k}", which is not one of the parameters it was made for`);
      sum.assign(tf.add(sum, g));
      this.seen.add(k);
    }
    this.lossSum.assign(tf.add(this.lossSum, loss));
    this.count++;
  }

  /** Means over the micro-batches added so far plus `last` (the final micro-batch, not stored), then resets. */
  take(last?: { grads: Record<string, tf.Tensor>; loss: tf.Scalar }): {
    grads: Record<string, tf.Tensor>;
    loss: tf.Scalar;
  } {
    const n = this.count + (last ? 1 : 0);
    if (n === 0) throw new Error('GradAccumulator.take: nothing accumulated');
    const grads: Record<string, tf.Tensor> = {};
    for (const [k, s] of Object.entries(this.sums)) {
      const lg = last?.grads[k];
      if (lg) grads[k] = tf.div(this.seen.has(k) ? tf.add(s, lg) : lg, n);
      else if (this.seen.has(k)) grads[k] = tf.div(s, n);
    }
    const loss = tf.div(last ? tf.add(this.lossSum, last.loss) : this.lossSum, n) as tf.Scalar;
    // The means above are new tensors; zeroing the sums now does not change them.
    for (const s of Object.values(this.sums)) s.assign(tf.zerosLike(s));
    this.lossSum.assign(tf.scalar(0));
    this.seen.clear();
    this.count = 0;
    return { grads, loss };
  }

  dispose(): void {
    for (const s of Object.values(this.sums)) s.dispose();
    this.lossSum.dispose();
  }
}
