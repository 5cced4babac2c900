/**
 * Checking the templates of a validated case: each must parse, name only the closed set and values
 * captured earlier, and — on the coordinator — gets its `env.NAME` expressions replaced by their
 * values. On an agent, an `env` expression left in a shard is refused: agents never read their
 * own environment on a shard's behalf.
 */
import type { JsonValue } from '../model/testCase.js';
import { CUSTOM_LIMITS } from './limits.js';
import { formatPath, type PathPart, type Problem } from './problems.js';
import { CLOSED_SET_TEXT, parseTemplate, substituteEnv, TemplateError } from './template.js';

export type CheckMode = 'coordinator' | 'agent';

export interface TemplateContext {
  mode: CheckMode;
  env: Readonly<Record<string, string | undefined>>;
  problems: Problem[];
}

/** The template with env resolved (coordinator), or as given; problems go to `tc.problems`. */
export function resolveTemplate(
  text: string,
  path: readonly PathPart[],
  available: ReadonlySet<string>,
  tc: TemplateContext,
  maxChars: number = CUSTOM_LIMITS.templateChars,
): string {
  const problem = (message: string) => tc.problems.push({ path: formatPath(path), message });
  try {
    const template = parseTemplate(text, maxChars);
    for (const name of template.vars)
      if (!available.has(name))
        problem(`{{${name}}} is not a value captured by an earlier step: ${CLOSED_SET_TEXT}`);
    if (template.env.length === 0) return text;
    if (tc.mode === 'agent') {
      problem(`env.${template.env[0]} must be resolved by the coordinator before dispatch`);
      return text;
    }
    return substituteEnv(template, tc.env);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    problem(`invalid template: ${error.message}`);
    return text;
  }
}

/** Every string leaf of a JSON body, resolved as a template. */
export function resolveJsonTemplates(
  value: JsonValue,
  path: readonly PathPart[],
  available: ReadonlySet<string>,
  tc: TemplateContext,
): JsonValue {
  if (typeof value === 'string') return resolveTemplate(value, path, available, tc);
  if (Array.isArray(value)) return value.map((v, i) => resolveJsonTemplates(v, [...path, i], available, tc));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveJsonTemplates(v, [...path, k], available, tc)]),
    );
  return value;
}
