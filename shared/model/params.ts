/**
 * Reading scenario parameters. Parameters arrive as JSON from the config, so each one is checked
 * here and a bad value stops the shard with an error naming the parameter and what was expected,
 * instead of running a load nobody asked for.
 */
type Params = Readonly<Record<string, unknown>>;

export class ScenarioParamError extends Error {
  constructor(name: string, expected: string, got: unknown) {
    super(`param "${name}": expected ${expected}, got ${JSON.stringify(got)?.slice(0, 80) ?? String(got)}`);
    this.name = 'ScenarioParamError';
  }
}

interface Range {
  min?: number;
  max?: number;
}

function rangeText(kind: string, { min, max }: Range): string {
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  if (min !== undefined) return `${kind} >= ${min}`;
  if (max !== undefined) return `${kind} <= ${max}`;
  return kind;
}

function inRange(value: number, { min = -Infinity, max = Infinity }: Range): boolean {
  return value >= min && value <= max;
}

export function intParam(params: Params, name: string, fallback: number, range: Range = {}): number {
  const v = params[name] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || !inRange(v, range))
    throw new ScenarioParamError(name, rangeText('an integer', range), v);
  return v;
}

export function stringParam(params: Params, name: string, fallback: string): string {
  const v = params[name] ?? fallback;
  if (typeof v !== 'string' || v === '') throw new ScenarioParamError(name, 'a non-empty string', v);
  return v;
}

/** A path on the target: starts with "/". */
export function pathParam(params: Params, name: string, fallback: string): string {
  const v = stringParam(params, name, fallback);
  if (!v.startsWith('/')) throw new ScenarioParamError(name, 'a path starting with "/"', v);
  return v;
}

/** A non-empty list of finite numbers in `range`; whole numbers only for `intListParam`. */
function listParam(
  params: Params,
  name: string,
  fallback: readonly number[],
  range: Range,
  integers: boolean,
): number[] {
  const v = params[name] ?? fallback;
  const expected = `a non-empty list of ${rangeText(integers ? 'integers' : 'numbers', range)}`;
  const fits = (x: unknown) =>
    typeof x === 'number' && (integers ? Number.isInteger(x) : Number.isFinite(x)) && inRange(x, range);
  if (!Array.isArray(v) || v.length === 0 || !v.every(fits)) throw new ScenarioParamError(name, expected, v);
  return v as number[];
}

export const intListParam = (params: Params, name: string, fallback: readonly number[], range: Range = {}) =>
  listParam(params, name, fallback, range, true);
export const numberListParam = (
  params: Params,
  name: string,
  fallback: readonly number[],
  range: Range = {},
) => listParam(params, name, fallback, range, false);

/** A non-empty subset of `allowed`; defaults to all of them. */
export function choiceListParam<T extends string>(params: Params, name: string, allowed: readonly T[]): T[] {
  const v = params[name] ?? allowed;
  const expected = `a non-empty list drawn from ${allowed.join(', ')}`;
  if (!Array.isArray(v) || v.length === 0 || v.some((x) => !(allowed as readonly unknown[]).includes(x)))
    throw new ScenarioParamError(name, expected, v);
  return [...new Set(v as T[])];
}
