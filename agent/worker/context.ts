/**
 * Builds the ScenarioContext a scenario runs against, from the shard, its gate and recorder, and
 * binds the shard's outbound path (request gate, user-agent) to it for the HTTP layer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShardAssign } from '../../shared/protocol/index.js';
import { ScenarioSkipped, type ScenarioContext } from '../../shared/model/scenario.js';
import { intParam } from '../../shared/model/params.js';
import type { Gate } from './gate.js';
import type { TargetClient } from '../http/client.js';
import { bindOutbound, type Outbound } from '../http/outbound.js';
import { runCallbackLoop } from './callbackLoop.js';
import { runClosedLoop, runOpenModel, timeOperation, type LoadBounds } from './loadDriver.js';
import type { ShardRecorder } from './recorder.js';

export interface ContextParts {
  shard: ShardAssign;
  target: string;
  gate: Gate;
  outbound: Outbound;
  recorder: ShardRecorder;
  client: TargetClient;
  hardDeadline: number;
}

export function createScenarioContext({
  shard,
  target,
  gate,
  outbound,
  recorder,
  client,
  hardDeadline,
}: ContextParts): ScenarioContext {
  const bounds: LoadBounds = {
    lanes: shard.load.connections,
    requests: shard.load.requests,
    durationMs: shard.load.durationMs,
    rate: shard.load.rate,
    hardDeadline,
    endAfterHeatBlocks: intParam(shard.params, 'endAfterHeatBlocks', 0, { min: 0, max: 1000 }),
  };
  const mustStop = () => gate.stopReason() !== 0 || Date.now() >= hardDeadline;
  const context: ScenarioContext = {
    target,
    params: shard.params,
    load: shard.load,
    shard: { runId: shard.runId, caseId: shard.caseId, index: shard.index, count: shard.count },
    transport: shard.transport ?? {},
    get stopped() {
      return mustStop();
    },
    http: (request) => client.send(request),
    runLoad: (op, start) =>
      bounds.rate > 0
        ? runOpenModel(op, bounds, gate, recorder)
        : start
          ? runCallbackLoop(start, bounds, gate, recorder)
          : runClosedLoop(op, bounds, gate, recorder),
    async measure(op) {
      if (!gate.open(0, 1) && !(await gate.wait(0, 1, hardDeadline))) return false;
      if (mustStop()) return false;
      await timeOperation(recorder, op, 0, 0);
      return true;
    },
    count: (name, n = 1) => recorder.count(name, n),
    recordNamed: (name, micros) => recorder.recordNamed(name, micros),
    gauge: (name, value) => recorder.gauge(name, value),
    error: (key) => recorder.error(key),
    async sleep(ms) {
      const until = Math.min(Date.now() + ms, hardDeadline);
      while (!mustStop() && Date.now() < until) await sleep(Math.min(100, until - Date.now()));
      return !mustStop();
    },
    skip(reason): never {
      throw new ScenarioSkipped(reason);
    },
  };
  bindOutbound(context, outbound);
  return context;
}
