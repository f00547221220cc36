// Tolerance checks for the golden cases, and a key tracker that makes any field
// the runner does not know how to check a failure instead of a silent skip.
import assert from 'node:assert/strict';
import { type Mat, toRows } from '../../web/demos/core/matrix.ts';

export interface Tol {
  rel_fro?: number;
  rel?: number;
  abs?: number;
  abs_error_floor?: number;
  rel_sv?: number;
  abs_sv_floor?: number;
  abs_lambda?: number;
}

const KNOWN_TOL = new Set(['rel_fro', 'rel', 'abs', 'abs_error_floor', 'rel_sv', 'abs_sv_floor', 'abs_lambda']);

export function parseTol(raw: unknown, where: string): Tol {
  assert.ok(raw && typeof raw === 'object' && !Array.isArray(raw), `${where}: tol must be an object`);
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    assert.ok(KNOWN_TOL.has(k), `${where}: unknown tolerance "${k}"`);
    assert.ok(typeof v === 'number' && v >= 0, `${where}: tolerance ${k} must be a non-negative number`);
  }
  return raw as Tol;
}

/** Wraps an object and records which keys were read; `finish` fails on any key never read. */
export class Fields {
  private used = new Set<string>();
  private children: Fields[] = [];
  constructor(
    readonly obj: Record<string, unknown>,
    readonly path: string,
  ) {
    assert.ok(obj && typeof obj === 'object' && !Array.isArray(obj), `${path} must be an object`);
  }
  has(key: string): boolean {
    return Object.hasOwn(this.obj, key);
  }
  keys(): string[] {
    return Object.keys(this.obj);
  }
  take(key: string): unknown {
    assert.ok(this.has(key), `${this.path}.${key} is missing`);
    this.used.add(key);
    return this.obj[key];
  }
  optional(key: string): unknown {
    if (!this.has(key)) return undefined;
    this.used.add(key);
    return this.obj[key];
  }
  sub(key: string): Fields {
    const f = new Fields(this.take(key) as Record<string, unknown>, `${this.path}.${key}`);
    this.children.push(f);
    return f;
  }
  /** A nested object, tracked like `sub`, built from an already-taken value. */
  wrap(value: unknown, path: string): Fields {
    const f = new Fields(value as Record<string, unknown>, `${this.path}${path}`);
    this.children.push(f);
    return f;
  }
  num(key: string): number {
    const v = this.take(key);
    assert.ok(typeof v === 'number' && Number.isFinite(v), `${this.path}.${key} must be a finite number`);
    return v;
  }
  finish(): void {
    const unknown = Object.keys(this.obj).filter((k) => !this.used.has(k));
    assert.deepEqual(unknown, [], `${this.path}: the runner does not know how to check ${unknown.map((k) => `"${k}"`).join(', ')}`);
    for (const c of this.children) c.finish();
  }
}

type Num = number | null;
type Arr = Num[] | Num[][];

function flat(v: Arr | Mat | number[]): Num[] {
  if (!Array.isArray(v)) return Array.from(v.data);
  return (v as unknown[]).flatMap((x) => (Array.isArray(x) ? (x as Num[]) : [x as Num]));
}

function shapeOf(v: unknown): string {
  if (!Array.isArray(v)) {
    const m = v as Mat;
    return `${m.rows}x${m.cols}`;
  }
  if (v.length && Array.isArray(v[0])) return `${v.length}x${(v[0] as unknown[]).length}`;
  return `${v.length}`;
}

function norm(v: number[]): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

/**
 * Array comparison. rel_fro: ‖got−exp‖ ≤ max(rel_fro·‖exp‖, floor); abs: max|got−exp| ≤ abs.
 * Every tolerance the case gives that applies to arrays must hold. Null entries must match null.
 */
export function closeArray(got: Arr | Mat | number[], exp: unknown, tol: Tol, label: string): void {
  assert.ok(Array.isArray(exp), `${label}: expected value is not an array`);
  const expShape = shapeOf(exp);
  const gotShape = Array.isArray(got) ? shapeOf(got) : `${(got as Mat).rows}x${(got as Mat).cols}`;
  const isVector = !(exp.length && Array.isArray(exp[0]));
  if (isVector || !Array.isArray(got)) {
    if (isVector) assert.equal(flat(got).length, exp.length, `${label}: length ${flat(got).length} vs expected ${exp.length}`);
    else assert.equal(gotShape, expShape, `${label}: shape ${gotShape} vs expected ${expShape}`);
  } else assert.equal(gotShape, expShape, `${label}: shape ${gotShape} vs expected ${expShape}`);
  const g = flat(got), e = flat(exp as Arr);
  const d: number[] = [], ev: number[] = [];
  for (let i = 0; i < e.length; i++) {
    if (e[i] === null || g[i] === null) {
      assert.equal(g[i], e[i], `${label}[${i}]: got ${g[i]} where expected ${e[i]}`);
      continue;
    }
    assert.ok(Number.isFinite(g[i]), `${label}[${i}] is not finite: ${g[i]}`);
    d.push((g[i] as number) - (e[i] as number));
    ev.push(e[i] as number);
  }
  const floor = tol.abs_error_floor ?? 1e-12;
  let checked = false;
  if (tol.rel_fro !== undefined) {
    const err = norm(d), bound = Math.max(tol.rel_fro * norm(ev), floor);
    assert.ok(err <= bound, `${label}: ‖got−exp‖ = ${err.toExponential(3)} > ${bound.toExponential(3)} (rel_fro ${tol.rel_fro})`);
    checked = true;
  }
  if (tol.abs !== undefined) {
    const err = d.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
    assert.ok(err <= tol.abs, `${label}: max|got−exp| = ${err.toExponential(3)} > abs ${tol.abs}`);
    checked = true;
  }
  assert.ok(checked, `${label}: the case gives no tolerance for arrays`);
}

/** Singular values: elementwise |got−exp| ≤ rel_sv·|exp| + abs_sv_floor when the case gives rel_sv. */
export function closeSingularValues(got: ArrayLike<number>, exp: unknown, tol: Tol, label: string): void {
  if (tol.rel_sv === undefined) return closeArray(Array.from(got), exp, tol, label);
  assert.ok(Array.isArray(exp), `${label}: expected value is not an array`);
  assert.equal(got.length, exp.length, `${label}: ${got.length} values vs expected ${exp.length}`);
  const floor = tol.abs_sv_floor ?? tol.abs_error_floor ?? 1e-12;
  for (let i = 0; i < exp.length; i++) {
    const e = exp[i] as number;
    const bound = tol.rel_sv * Math.abs(e) + floor;
    assert.ok(Math.abs(got[i] - e) <= bound, `${label}[${i}]: ${got[i]} vs ${e} (bound ${bound.toExponential(3)})`);
  }
}

/** Scalar comparison: rel (or rel_fro as a relative bound) with the absolute floor, and abs when given. */
export function closeScalar(got: number | null, exp: unknown, tol: Tol, label: string, absKey: 'abs' | 'abs_lambda' = 'abs'): void {
  if (exp === null || got === null) {
    assert.equal(got, exp, `${label}: got ${got} where expected ${exp}`);
    return;
  }
  assert.ok(typeof exp === 'number', `${label}: expected value is not a number`);
  assert.ok(Number.isFinite(got), `${label}: got non-finite ${got}`);
  const d = Math.abs(got - exp);
  const floor = tol.abs_error_floor ?? tol.abs_sv_floor ?? 1e-12;
  const rel = tol.rel ?? tol.rel_fro ?? tol.rel_sv;
  const abs = absKey === 'abs_lambda' ? (tol.abs_lambda ?? tol.abs) : tol.abs;
  let checked = false;
  if (rel !== undefined) {
    const bound = Math.max(rel * Math.abs(exp), floor);
    assert.ok(d <= bound, `${label}: ${got} vs ${exp}, |diff| ${d.toExponential(3)} > ${bound.toExponential(3)}`);
    checked = true;
  }
  if (abs !== undefined) {
    assert.ok(d <= abs, `${label}: ${got} vs ${exp}, |diff| ${d.toExponential(3)} > abs ${abs}`);
    checked = true;
  }
  assert.ok(checked, `${label}: the case gives no tolerance for scalars`);
}

export function sameIndices(got: readonly number[], exp: unknown, label: string): void {
  assert.deepEqual(got, exp, `${label}: selection ${JSON.stringify(got)} differs from expected ${JSON.stringify(exp)}`);
}

export function asMatrixRows(v: unknown, label: string): number[][] {
  assert.ok(Array.isArray(v) && v.every((r) => Array.isArray(r)), `${label} must be a nested array`);
  return v as number[][];
}

export function asVector(v: unknown, label: string): number[] {
  assert.ok(Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)), `${label} must be a list of finite numbers`);
  return v as number[];
}

export function asInt(v: unknown, label: string): number {
  assert.ok(Number.isInteger(v), `${label} must be an integer`);
  return v as number;
}

export { toRows };
