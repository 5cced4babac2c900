/**
 * A checked ws script compiled for the socket loop: templates and JSON paths parsed once, and
 * the matcher each expectation applies to received messages.
 */
import { parseJsonPath, jsonEqual, lookup, type Segment } from '../../../shared/custom/jsonPath.js';
import { outcomeCounter } from '../../../shared/custom/namedMetrics.js';
import {
  parseTemplate,
  renderTemplate,
  renderValue,
  type RenderScope,
  type Template,
} from '../../../shared/custom/template.js';
import { DEFAULT_EXPECT_NAME, type WsAction } from '../../../shared/custom/wsSchema.js';
import { CUSTOM_LIMITS } from '../../../shared/custom/limits.js';
import type { JsonValue } from '../../../shared/model/testCase.js';
import type { Received } from './socket.js';

export interface CompiledExpect {
  histogram: string;
  ok: string;
  failed: string;
  timeoutMs: number;
  matches(message: Received, scope: RenderScope): boolean;
}

export type CompiledAction =
  | { kind: 'send'; template: Template; binary: boolean }
  | { kind: 'expect'; expect: CompiledExpect }
  | { kind: 'sleep'; ms: number };

const DEFAULT_EXPECT_TIMEOUT_MS = 5000;

function jsonOf(message: Received): JsonValue | undefined {
  try {
    return JSON.parse(message.data.toString('utf8')) as JsonValue;
  } catch {
    return undefined;
  }
}

function matcher(e: NonNullable<WsAction['expect']>): CompiledExpect['matches'] {
  if (e.base64 !== undefined) {
    const bytes = Buffer.from(e.base64, 'base64');
    return (m) => m.data.equals(bytes);
  }
  if (e.contains !== undefined) {
    const t = parseTemplate(e.contains);
    return (m, scope) => m.data.toString('utf8').includes(renderTemplate(t, scope));
  }
  const segments: Segment[] = parseJsonPath(e.json!);
  const equals = typeof e.equals === 'string' ? parseTemplate(e.equals) : undefined;
  const exists = e.exists ?? true;
  return (m, scope) => {
    const found = lookup(jsonOf(m), segments);
    if (equals) return jsonEqual(found, renderValue(equals, scope));
    if (e.equals !== undefined) return jsonEqual(found, e.equals);
    return (found !== undefined) === exists;
  };
}

export function compileScript(script: readonly WsAction[]): CompiledAction[] {
  return script.map((a): CompiledAction => {
    if (a.send !== undefined)
      return {
        kind: 'send',
        template: parseTemplate(a.send, CUSTOM_LIMITS.bodyChars),
        binary: a.binary === true,
      };
    if (a.expect !== undefined) {
      const histogram = `ws.${a.expect.name ?? DEFAULT_EXPECT_NAME}`;
      return {
        kind: 'expect',
        expect: {
          histogram,
          ok: outcomeCounter(histogram, true),
          failed: outcomeCounter(histogram, false),
          timeoutMs: a.expect.timeoutMs ?? DEFAULT_EXPECT_TIMEOUT_MS,
          matches: matcher(a.expect),
        },
      };
    }
    return { kind: 'sleep', ms: a.sleepMs ?? 0 };
  });
}
