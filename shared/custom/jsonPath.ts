/**
 * The JSON path subset custom cases use to capture and check values: `$` followed by `.name`,
 * `['name']` / `["name"]` and `[index]` (negative counts from the end). No wildcards, filters or
 * expressions: a path names exactly one place. Parsed once by a small tokenizer; lookups read own
 * properties only.
 */
import type { JsonValue } from '../model/testCase.js';
import { CUSTOM_LIMITS } from './limits.js';

export type Segment = string | number;

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

const IDENT_START = /[A-Za-z_$]/;
const IDENT_PART = /[A-Za-z0-9_$-]/;

function quoted(path: string, at: number): { value: string; end: number } {
  const quote = path[at];
  let value = '';
  let i = at + 1;
  while (i < path.length && path[i] !== quote) {
    if (path[i] === '\\' && i + 1 < path.length) i += 1;
    value += path[i];
    i += 1;
  }
  if (i >= path.length) throw new JsonPathError(`unclosed quote at character ${at + 1}`);
  return { value, end: i + 1 };
}

function bracket(path: string, at: number): { segment: Segment; end: number } {
  const c = path[at + 1];
  let segment: Segment;
  let i: number;
  if (c === "'" || c === '"') {
    const q = quoted(path, at + 1);
    [segment, i] = [q.value, q.end];
  } else {
    const m = /^-?\d{1,9}/.exec(path.slice(at + 1));
    if (!m) throw new JsonPathError(`expected an index or a quoted name after "[" at character ${at + 1}`);
    [segment, i] = [Number(m[0]), at + 1 + m[0].length];
  }
  if (path[i] !== ']') throw new JsonPathError(`expected "]" at character ${i + 1}`);
  return { segment, end: i + 1 };
}

/** Parses `$.a.b[0]['c d']`; throws JsonPathError saying what is wrong. */
export function parseJsonPath(path: string): Segment[] {
  if (path.length > CUSTOM_LIMITS.jsonPathChars)
    throw new JsonPathError(`a JSON path longer than ${CUSTOM_LIMITS.jsonPathChars} characters`);
  if (path[0] !== '$') throw new JsonPathError('it must start with "$"');
  const segments: Segment[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === '.') {
      const start = i + 1;
      if (!IDENT_START.test(path[start] ?? ''))
        throw new JsonPathError(`expected a name after "." at character ${i + 1}`);
      i = start + 1;
      while (i < path.length && IDENT_PART.test(path[i])) i += 1;
      segments.push(path.slice(start, i));
    } else if (path[i] === '[') {
      const b = bracket(path, i);
      segments.push(b.segment);
      i = b.end;
    } else {
      throw new JsonPathError(`unexpected ${JSON.stringify(path[i])} at character ${i + 1}`);
    }
    if (segments.length > CUSTOM_LIMITS.jsonPathSegments)
      throw new JsonPathError(`more than ${CUSTOM_LIMITS.jsonPathSegments} segments`);
  }
  return segments;
}

/** The value at `segments`, or undefined when the document has nothing there. */
export function lookup(document: JsonValue | undefined, segments: readonly Segment[]): JsonValue | undefined {
  let v: JsonValue | undefined = document;
  for (const s of segments) {
    if (Array.isArray(v)) {
      if (typeof s !== 'number') return undefined;
      v = v[s < 0 ? v.length + s : s];
    } else if (v !== null && typeof v === 'object' && typeof s === 'string' && Object.hasOwn(v, s)) {
      v = v[s];
    } else {
      return undefined;
    }
    if (v === undefined) return undefined;
  }
  return v;
}

/** Structural equality of two JSON values. */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  const bo = b as Record<string, JsonValue>;
  return (
    ka.length === kb.length &&
    ka.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as Record<string, JsonValue>)[k], bo[k]))
  );
}
