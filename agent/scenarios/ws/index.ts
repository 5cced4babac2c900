/**
 * The `ws` interpreter: each operation is one WebSocket connection's life — connect (timed into
 * `ws.connect`), run the script `repeat` times (each expectation's round trip timed into
 * `ws.<name>`, default `ws.rtt`), hold the connection for `holdMs`, close. `load.connections`
 * connections are held at once (closed loop) or opened at `load.rate` per second (open model);
 * nothing outlives the load phase. Close codes are counted as `ws_close_<code>`.
 */
import { performance } from 'node:perf_hooks';
import { outcomeCounter } from '../../../shared/custom/namedMetrics.js';
import {
  parseTemplate,
  renderTemplate,
  type RenderScope,
  type Template,
} from '../../../shared/custom/template.js';
import { checkWsParams, type WsParams } from '../../../shared/custom/wsSchema.js';
import { CUSTOM_LIMITS } from '../../../shared/custom/limits.js';
import type { OpOutcome, Scenario, ScenarioContext } from '../../../shared/model/scenario.js';
import { tlsOptions } from '../../http/tls.js';
import { pathOnTarget, splitTarget } from '../../http/target.js';
import { compileScript, type CompiledAction, type CompiledExpect } from './script.js';
import { HandshakeRefused, Socket, timeoutError } from './socket.js';

const CONNECT = 'ws.connect';

interface Plan {
  params: WsParams;
  path: Template;
  headers: [string, Template][];
  script: CompiledAction[];
  origin: string;
  basePath: string;
  /** performance.now() ms when the load phase ends: no connection is held past it. */
  phaseEnd: number;
}

async function connect(ctx: ScenarioContext, plan: Plan, scope: RenderScope): Promise<Socket> {
  const { params } = plan;
  const url = plan.origin + pathOnTarget(plan.basePath, renderTemplate(plan.path, scope));
  const headers = Object.fromEntries(plan.headers.map(([k, t]) => [k, renderTemplate(t, scope)]));
  const started = performance.now();
  try {
    const socket = await Socket.open(
      url,
      params.subprotocols ?? [],
      {
        headers,
        maxPayload: params.maxMessageBytes ?? CUSTOM_LIMITS.wsMaxMessageBytes,
        perMessageDeflate: false,
        followRedirects: false,
        ...tlsOptions(ctx.transport),
      },
      params.connectTimeoutMs ?? 10_000,
    );
    ctx.recordNamed?.(CONNECT, (performance.now() - started) * 1000);
    ctx.count(outcomeCounter(CONNECT, true));
    return socket;
  } catch (error) {
    ctx.count(outcomeCounter(CONNECT, false));
    throw error;
  }
}

/** The next received message that meets the expectation before its deadline, or undefined. */
async function awaitMatch(socket: Socket, expect: CompiledExpect, deadline: number, scope: RenderScope) {
  for (let m = await socket.next(deadline); m; m = await socket.next(deadline))
    if (expect.matches(m, scope)) return m;
  return undefined;
}

/** Runs the script once; false when an expectation was not met in time. */
async function runScript(
  ctx: ScenarioContext,
  plan: Plan,
  socket: Socket,
  scope: RenderScope,
): Promise<boolean> {
  let since = performance.now();
  // A message already sent has its answer awaited even past the phase end (within its timeout).
  let awaiting = false;
  for (const action of plan.script) {
    if (ctx.stopped) return true;
    if (performance.now() >= plan.phaseEnd && !(action.kind === 'expect' && awaiting)) return true;
    if (action.kind === 'send') {
      const text = renderTemplate(action.template, scope);
      await socket.send(action.binary ? Buffer.from(text, 'base64') : text, action.binary);
      since = performance.now();
      awaiting = true;
    } else if (action.kind === 'sleep') {
      if (!(await ctx.sleep(action.ms))) return true;
    } else {
      const { expect } = action;
      const deadline = Math.min(since + expect.timeoutMs, plan.phaseEnd + expect.timeoutMs);
      const matched = (await awaitMatch(socket, expect, deadline, scope)) !== undefined;
      ctx.count(matched ? expect.ok : expect.failed);
      if (!matched) return false;
      awaiting = false;
      const now = performance.now();
      ctx.recordNamed?.(expect.histogram, (now - since) * 1000);
      since = now;
    }
  }
  return true;
}

async function connectionLife(ctx: ScenarioContext, plan: Plan, vu: number): Promise<OpOutcome> {
  const scope: RenderScope = { vu, iteration: 0, vars: new Map() };
  let socket: Socket;
  try {
    socket = await connect(ctx, plan, scope);
  } catch (error) {
    if (error instanceof HandshakeRefused) return { ok: false, status: error.status };
    throw error;
  }
  const closeCode = plan.params.closeCode ?? 1000;
  let met = true;
  let code: number;
  try {
    const repeat = plan.params.repeat ?? 1;
    for (let r = 0; r < repeat && met && socket.closedWith === undefined; r++) {
      if (ctx.stopped || performance.now() >= plan.phaseEnd) break;
      scope.iteration = r;
      met = await runScript(ctx, plan, socket, scope);
    }
    const hold = Math.min(plan.params.holdMs ?? 0, plan.phaseEnd - performance.now());
    if (met && hold > 0) await holdOpen(ctx, socket, hold);
  } finally {
    code = socket.closedWith ?? (await socket.close(closeCode));
    ctx.count(`ws_close_${code}`);
    if (socket.dropped > 0) ctx.count('ws_dropped_messages', socket.dropped);
  }
  // An unmet expectation is a timeout of this operation, classified and counted like any other.
  if (!met) throw timeoutError('a WebSocket expectation');
  return { ok: code === closeCode };
}

/** Keeps the socket open for `ms`, or until the peer closes it or the shard must stop. */
async function holdOpen(ctx: ScenarioContext, socket: Socket, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (socket.closedWith === undefined && performance.now() < until) {
    if (!(await ctx.sleep(Math.min(250, until - performance.now())))) return;
  }
}

export const wsScenario: Scenario = async (ctx) => {
  const checked = checkWsParams(ctx.params, ['params'], { mode: 'agent', env: {}, problems: [] });
  if (checked.problems.length > 0)
    throw new Error(`invalid ws parameters: ${checked.problems[0].path}: ${checked.problems[0].message}`);
  const params = checked.params as unknown as WsParams;
  const { origin, basePath } = splitTarget(ctx.target);
  const plan: Plan = {
    params,
    path: parseTemplate(params.path),
    headers: Object.entries(params.headers ?? {}).map(([k, v]) => [k, parseTemplate(v)]),
    script: compileScript(params.script),
    origin: origin.replace(/^http/, 'ws'),
    basePath,
    phaseEnd: performance.now() + ctx.load.durationMs,
  };
  const { index, count } = ctx.shard;
  await ctx.runLoad((_, slot) => connectionLife(ctx, plan, slot * count + index + 1));
};
