/**
 * The template language of custom cases: literal text with `{{ expression }}` holes, where an
 * expression is one of a closed set — `vu`, `iteration`, `uuid`, `random.int(a, b)`, `env.NAME`
 * (resolved on the coordinator before dispatch) or the name of a value captured by an earlier
 * step. A small tokenizer and parser of its own: nothing is evaluated as code, names are looked up
 * in maps, and every length is bounded.
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../model/testCase.js';
import { CUSTOM_LIMITS } from './limits.js';

export type Expr =
  | { kind: 'vu' }
  | { kind: 'iteration' }
  | { kind: 'uuid' }
  | { kind: 'randomInt'; min: number; max: number }
  | { kind: 'env'; name: string }
  | { kind: 'var'; name: string };

export type Part = string | { expr: Expr; source: string };

export interface Template {
  parts: readonly Part[];
  /** Captured values the template reads. */
  vars: readonly string[];
  /** Environment variables it reads (only before the coordinator resolves them). */
  env: readonly string[];
}

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** Names an expression may not use for a captured value. */
export const RESERVED_NAMES = new Set(['vu', 'iteration', 'uuid', 'random', 'env']);
export const CLOSED_SET_TEXT =
  'a template may use vu, iteration, uuid, random.int(a,b), env.NAME or a value captured by an earlier step';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_RANDOM = 1e12;

type Token = { t: 'ident'; v: string } | { t: 'int'; v: number } | { t: '.' | '(' | ')' | ',' };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t') {
      i += 1;
    } else if (c === '.' || c === '(' || c === ')' || c === ',') {
      tokens.push({ t: c });
      i += 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < source.length && /[A-Za-z0-9_]/.test(source[i])) i += 1;
      tokens.push({ t: 'ident', v: source.slice(start, i) });
    } else if (/[-0-9]/.test(c)) {
      const start = i;
      i += 1;
      while (i < source.length && /[0-9]/.test(source[i])) i += 1;
      const text = source.slice(start, i);
      if (!/^-?\d{1,13}$/.test(text)) throw new TemplateError(`"${text}" is not a whole number`);
      tokens.push({ t: 'int', v: Number(text) });
    } else {
      throw new TemplateError(`unexpected character ${JSON.stringify(c)} in {{${source}}}`);
    }
  }
  return tokens;
}

function parseExpression(source: string): Expr {
  const tokens = tokenize(source);
  let k = 0;
  const take = (t: Token['t']) => (tokens[k]?.t === t ? tokens[k++] : undefined);
  const names: string[] = [];
  do {
    const ident = take('ident');
    if (ident?.t !== 'ident') throw new TemplateError(`expected a name in {{${source}}}`);
    names.push(ident.v);
  } while (take('.') && names.length < 4);
  let args: number[] | undefined;
  if (take('(')) {
    args = [];
    while (!take(')')) {
      if (args.length > 0 && !take(',')) throw new TemplateError(`expected "," or ")" in {{${source}}}`);
      const n = take('int');
      if (n?.t !== 'int') throw new TemplateError(`expected a whole number in {{${source}}}`);
      args.push(n.v);
    }
  }
  if (k !== tokens.length) throw new TemplateError(`unexpected text after the expression in {{${source}}}`);
  return resolveNames(names, args, source);
}

function resolveNames(names: string[], args: number[] | undefined, source: string): Expr {
  const dotted = names.join('.');
  const noArgs = args === undefined;
  if (names.length === 1 && noArgs) {
    const [n] = names;
    if (n === 'vu' || n === 'iteration' || n === 'uuid') return { kind: n };
    if (!RESERVED_NAMES.has(n)) return { kind: 'var', name: n };
  }
  if (dotted === 'random.int' && args) {
    const [min, max] = args;
    if (args.length !== 2 || min > max || Math.abs(min) > MAX_RANDOM || Math.abs(max) > MAX_RANDOM)
      throw new TemplateError(
        `random.int(a, b) takes two whole numbers a <= b within ±1e12 in {{${source}}}`,
      );
    return { kind: 'randomInt', min, max };
  }
  if (names.length === 2 && names[0] === 'env' && noArgs && ENV_NAME.test(names[1]))
    return { kind: 'env', name: names[1] };
  throw new TemplateError(`{{${source.trim()}}} names ${dotted}${noArgs ? '' : '(...)'}: ${CLOSED_SET_TEXT}`);
}

/** Parses a template; throws TemplateError saying what is wrong. */
export function parseTemplate(text: string, maxChars: number = CUSTOM_LIMITS.templateChars): Template {
  if (text.length > maxChars) throw new TemplateError(`longer than ${maxChars} characters`);
  const parts: Part[] = [];
  const vars = new Set<string>();
  const env = new Set<string>();
  let expressions = 0;
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf('{{', at);
    if (open === -1) {
      parts.push(text.slice(at));
      break;
    }
    if (open > at) parts.push(text.slice(at, open));
    const close = text.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateError(`"{{" at character ${open + 1} is never closed with "}}"`);
    const source = text.slice(open + 2, close);
    if (source.length > CUSTOM_LIMITS.expressionChars)
      throw new TemplateError(`an expression longer than ${CUSTOM_LIMITS.expressionChars} characters`);
    const expr = parseExpression(source);
    if (expr.kind === 'var') vars.add(expr.name);
    if (expr.kind === 'env') env.add(expr.name);
    parts.push({ expr, source });
    expressions += 1;
    if (expressions > CUSTOM_LIMITS.expressions)
      throw new TemplateError(`more than ${CUSTOM_LIMITS.expressions} expressions`);
    at = close + 2;
  }
  return { parts, vars: [...vars], env: [...env] };
}

/** The template text with `env.NAME` replaced by the coordinator's value of NAME. */
export function substituteEnv(template: Template, env: Readonly<Record<string, string | undefined>>): string {
  return template.parts
    .map((p) => {
      if (typeof p === 'string') return p;
      if (p.expr.kind !== 'env') return `{{${p.source}}}`;
      const value = env[p.expr.name];
      if (value === undefined)
        throw new TemplateError(`env.${p.expr.name} is not set in the coordinator's environment`);
      if (value.length > CUSTOM_LIMITS.envValueChars)
        throw new TemplateError(
          `env.${p.expr.name} is longer than ${CUSTOM_LIMITS.envValueChars} characters`,
        );
      // A value that read as a template on the agent would smuggle in expressions.
      if (value.includes('{{')) throw new TemplateError(`env.${p.expr.name} contains "{{"`);
      return value;
    })
    .join('');
}

export interface RenderScope {
  vu: number;
  iteration: number;
  vars: ReadonlyMap<string, JsonValue>;
}

export class RenderError extends Error {
  override name = 'RenderError';
}

function evaluate(expr: Expr, scope: RenderScope): JsonValue {
  switch (expr.kind) {
    case 'vu':
      return scope.vu;
    case 'iteration':
      return scope.iteration;
    case 'uuid':
      return randomUUID();
    case 'randomInt':
      return expr.min + Math.floor(Math.random() * (expr.max - expr.min + 1));
    case 'var': {
      const v = scope.vars.get(expr.name);
      if (v === undefined) throw new RenderError(`no captured value "${expr.name}"`);
      return v;
    }
    case 'env':
      throw new RenderError(`env.${expr.name} was not resolved by the coordinator`);
  }
}

const asText = (v: JsonValue) => (typeof v === 'string' ? v : JSON.stringify(v));

export function renderTemplate(template: Template, scope: RenderScope): string {
  let out = '';
  for (const p of template.parts) out += typeof p === 'string' ? p : asText(evaluate(p.expr, scope));
  return out;
}

/** Like renderTemplate, but a template that is exactly one expression keeps its value's type. */
export function renderValue(template: Template, scope: RenderScope): JsonValue {
  const [only] = template.parts;
  if (template.parts.length === 1 && typeof only !== 'string') return evaluate(only.expr, scope);
  return renderTemplate(template, scope);
}
