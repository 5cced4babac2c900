import type { Sensor } from './sensor.js';

/** From `atMs` after the sensor was created it reads `celsius`, or fails when `celsius` is 'fail'. */
export interface CurvePoint {
  atMs: number;
  celsius: number | 'fail';
}

/** A parsed `scripted:` spec: a step curve of temperature over elapsed time. */
export interface ScriptedCurve {
  /** The spec as written, for describe() and reports. */
  spec: string;
  /** Ordered by strictly increasing `atMs`; the first is at 0. */
  points: CurvePoint[];
  /** When set, the curve starts over every `repeatMs` (a heat-up / cool-down cycle). */
  repeatMs?: number;
}

const TIME_UNITS_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/**
 * Parses a scripted temperature curve.
 *
 * Grammar:
 * ```
 * SPEC  := POINT ("," POINT)*
 * POINT := VALUE "@" TIME
 * VALUE := degrees Celsius (70, 84.5, -3)  |  "fail"   (the read throws: a failed sensor)
 * TIME  := "0"  |  a number followed by "ms", "s" or "m"
 * ```
 * A last item `repeat@TIME` (later than every point) makes the curve start over every TIME, so
 * `70@0,86@4s,73@8s,repeat@12s` heats up and cools down every 12 s for as long as it runs.
 * Each value holds from its time until the next point's (a step curve, so a test knows exactly
 * what each poll reads); the last holds for ever. The first point must be at 0 and times must
 * strictly increase. Example: `70@0,85@5s,78@10s,74@15s` reads 70 °C for 5 s, then 85 °C
 * (block), 78 °C (still blocked), and from 15 s on 74 °C (resume).
 */
export function parseScriptedCurve(spec: string): ScriptedCurve {
  const text = spec.trim();
  if (text === '') throw new Error('scripted curve is empty; expected e.g. 70@0,85@5s,74@15s');
  const parts = text.split(',').map((part) => part.trim());
  let repeatMs: number | undefined;
  const last = parts.at(-1)!;
  if (last.startsWith('repeat@')) {
    repeatMs = parseTime(last.slice('repeat@'.length), last, parts.length);
    parts.pop();
  }
  if (parts.length === 0)
    throw new Error(`scripted curve "${text}": a repeat needs at least one point before it`);
  const points = parts.map((part, index) => parsePoint(part, index + 1));
  if (points[0].atMs !== 0) throw new Error(`scripted curve "${text}": the first point must be at time 0`);
  points.forEach((point, index) => {
    if (index > 0 && point.atMs <= points[index - 1].atMs) {
      throw new Error(`scripted curve "${text}": point ${index + 1} is not later than point ${index}`);
    }
  });
  if (repeatMs !== undefined && repeatMs <= points.at(-1)!.atMs) {
    throw new Error(`scripted curve "${text}": repeat@ must come after the last point`);
  }
  return { spec: text, points, repeatMs };
}

function parsePoint(part: string, position: number): CurvePoint {
  const match = /^([^@]+)@(.+)$/.exec(part);
  if (!match) throw new Error(`scripted point ${position} "${part}": expected VALUE@TIME such as 85@5s`);
  return {
    celsius: parseValue(match[1].trim(), part, position),
    atMs: parseTime(match[2].trim(), part, position),
  };
}

function parseValue(text: string, part: string, position: number): number | 'fail' {
  if (text === 'fail') return 'fail';
  if (!/^[+-]?\d+(\.\d+)?$/.test(text)) {
    throw new Error(
      `scripted point ${position} "${part}": value "${text}" is neither degrees Celsius nor "fail"`,
    );
  }
  return Number(text);
}

function parseTime(text: string, part: string, position: number): number {
  if (text === '0') return 0;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) {
    throw new Error(
      `scripted point ${position} "${part}": time "${text}" needs a unit (ms, s or m), e.g. 5s`,
    );
  }
  return Number(match[1]) * TIME_UNITS_MS[match[2] as keyof typeof TIME_UNITS_MS];
}

/** The point in force `elapsedMs` into the curve. */
function curvePointAt(curve: ScriptedCurve, elapsedMs: number): CurvePoint {
  let current = curve.points[0];
  for (const point of curve.points) {
    if (point.atMs > elapsedMs) break;
    current = point;
  }
  return current;
}

/**
 * Plays a scripted curve, timed from the sensor's creation: for tests and demos on machines with
 * no real sensor. Not a hardware reading, and reports say so. The default clock is monotonic so a
 * wall-clock correction cannot skip or replay part of the curve.
 */
export class ScriptedSensor implements Sensor {
  readonly kind = 'scripted';
  readonly real = false;
  private readonly startedAt: number;

  constructor(
    readonly curve: ScriptedCurve,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
  }

  describe(): string {
    return `scripted curve ${this.curve.spec} (simulated, not a hardware reading)`;
  }

  async read(): Promise<number> {
    const elapsedMs = this.now() - this.startedAt;
    const point = curvePointAt(this.curve, this.curve.repeatMs ? elapsedMs % this.curve.repeatMs : elapsedMs);
    if (point.celsius === 'fail') {
      throw new Error(`scripted sensor failure (curve ${this.curve.spec}, ${Math.round(elapsedMs)} ms in)`);
    }
    return point.celsius;
  }
}
