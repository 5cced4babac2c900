/**
 * One direction of a proxied connection: copies chunks from one socket to the other, each released
 * at the time a shaper gives it (latency, bandwidth), with backpressure on both sides.
 */
import type { Socket } from 'node:net';
import type { FaultSpec } from '../../shared/model/faults.js';
import type { Random } from './random.js';

export interface Shaper {
  /** Largest slice scheduled on its own, so a low bandwidth trickles instead of arriving in bursts. */
  readonly sliceBytes: number;
  /** When a slice of `bytes` may leave. Never earlier than the previous slice, so order holds. */
  releaseAt(bytes: number, now: number): number;
}

export const UNSHAPED: Shaper = { sliceBytes: Infinity, releaseAt: (_bytes, now) => now };

/** Slices per second when trickling under a bandwidth cap. */
const BANDWIDTH_TICKS_PER_SEC = 20;

export function createShaper(spec: FaultSpec, jitter: Random): Shaper {
  const { latency, bandwidthBytesPerSec: rate } = spec;
  if (!latency && !rate) return UNSHAPED;
  let lastRelease = 0;
  return {
    sliceBytes: rate ? Math.max(1, Math.floor(rate / BANDWIDTH_TICKS_PER_SEC)) : Infinity,
    releaseAt(bytes, now) {
      const spread = latency?.jitterMs ?? 0;
      const delay = latency ? Math.max(0, latency.ms + (jitter() * 2 - 1) * spread) : 0;
      const start = Math.max(now + delay, lastRelease);
      lastRelease = start + (rate ? (bytes * 1000) / rate : 0);
      return lastRelease;
    },
  };
}

/** Bytes waiting in one relay's queue before its source is paused. */
const HIGH_WATER_BYTES = 1024 * 1024;

export interface Relay {
  /** Drops whatever is queued and detaches from the source; safe to call more than once. */
  stop(): void;
}

/**
 * `admit` sees each chunk first and may refuse it (the connection is being failed); it is also
 * where the proxy counts bytes. The destination is ended once the source ends and the queue drains.
 */
export function relay(from: Socket, to: Socket, shaper: Shaper, admit: (chunk: Buffer) => boolean): Relay {
  const queue: { at: number; chunk: Buffer }[] = [];
  let queuedBytes = 0;
  let sourceEnded = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let waitingForDrain = false;

  const onDrain = (): void => {
    waitingForDrain = false;
    pump();
  };

  const pump = (): void => {
    timer = undefined;
    if (stopped) return;
    while (queue.length > 0 && !waitingForDrain) {
      const head = queue[0];
      const wait = head.at - Date.now();
      if (wait > 0) {
        timer = setTimeout(pump, wait);
        return;
      }
      queue.shift();
      queuedBytes -= head.chunk.length;
      if (!to.write(head.chunk)) {
        waitingForDrain = true;
        to.once('drain', onDrain);
      }
    }
    if (queuedBytes < HIGH_WATER_BYTES && from.isPaused()) from.resume();
    if (queue.length === 0 && sourceEnded) to.end();
  };

  const onData = (chunk: Buffer): void => {
    if (!admit(chunk)) return;
    const now = Date.now();
    for (let offset = 0; offset < chunk.length; offset += shaper.sliceBytes) {
      const slice = chunk.subarray(offset, offset + shaper.sliceBytes);
      queue.push({ at: shaper.releaseAt(slice.length, now), chunk: slice });
      queuedBytes += slice.length;
    }
    if (queuedBytes >= HIGH_WATER_BYTES) from.pause();
    if (!timer && !waitingForDrain) pump();
  };

  const onEnd = (): void => {
    sourceEnded = true;
    if (!timer && !waitingForDrain) pump();
  };

  from.on('data', onData);
  from.on('end', onEnd);

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      queue.length = 0;
      from.off('data', onData);
      from.off('end', onEnd);
      to.off('drain', onDrain);
    },
  };
}
