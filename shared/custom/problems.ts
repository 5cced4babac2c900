/**
 * Problems found while validating a config file: each names where (a path such as
 * `suites.checkout.browse.params.steps[2].expectStatus`) and what was expected, with the value
 * found. A file is checked whole and every problem reported at once.
 */
import type { z } from 'zod';
import { ConfigError } from '../errors.js';

export type PathPart = string | number;

export interface Problem {
  path: string;
  message: string;
}

/** `['suites', 'a', 'steps', 2, 'path']` as `suites.a.steps[2].path`. */
export function formatPath(path: readonly PathPart[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out;
}

/** A value for a message: JSON, cut short. */
export function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PathPart[]): unknown {
  let v = root;
  for (const part of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, part)) return undefined;
    v = (v as Record<PathPart, unknown>)[part];
  }
  return v;
}

function boundText(issue: z.ZodTooSmallIssue | z.ZodTooBigIssue): string {
  const small = issue.code === 'too_small';
  const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const strict = !issue.inclusive;
  if (issue.type === 'array')
    return small ? `expected at least ${limit} item(s)` : `expected at most ${limit} item(s)`;
  if (issue.type === 'string')
    return small ? `expected at least ${limit} character(s)` : `expected at most ${limit} characters`;
  return `expected a number ${small ? (strict ? '>' : '>=') : strict ? '<' : '<='} ${limit}`;
}

function describe(issue: z.ZodIssue): string {
  if (issue.message.startsWith('expected')) return issue.message;
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field(s) ${issue.keys.join(', ')}`;
    case 'invalid_type':
      return issue.received === 'undefined'
        ? `required: expected ${issue.expected}`
        : `expected ${issue.expected}`;
    case 'invalid_enum_value':
      return `expected one of ${issue.options.join(', ')}`;
    case 'invalid_literal':
      return `expected ${shown(issue.expected)}`;
    case 'too_small':
    case 'too_big':
      return boundText(issue);
    case 'invalid_union':
      return 'expected a JSON value (string, finite number, boolean, null, array or object)';
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.multipleOf)}`;
    default:
      return `expected ${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}`;
  }
}

/** Zod issues as problems under `prefix`, each with the value found in `input`. */
export function issuesToProblems(
  prefix: readonly PathPart[],
  issues: readonly z.ZodIssue[],
  input: unknown,
): Problem[] {
  return issues.map((issue) => {
    const message = describe(issue);
    const withValue =
      issue.code === 'unrecognized_keys' || (issue.code === 'invalid_type' && issue.received === 'undefined')
        ? message
        : `${message}, got ${shown(valueAt(input, issue.path))}`;
    return { path: formatPath([...prefix, ...issue.path]), message: withValue };
  });
}

/** Every problem of one file; exits 2 like any config error. */
export class ConfigProblems extends ConfigError {
  constructor(
    file: string,
    readonly problems: readonly Problem[],
  ) {
    super(file, problems[0]?.path ?? '', problems[0]?.message ?? 'invalid');
    if (problems.length > 1)
      this.message = `${file}: ${problems.length} problems:\n${problems.map((p) => `  ${p.path || '(root)'}: ${p.message}`).join('\n')}`;
  }
}
