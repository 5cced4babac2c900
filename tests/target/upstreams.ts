/**
 * The embedded layout the issue asks for, in process: stand-in upstreams, each its own HTTP
 * server, the fault proxy in front of them, and a target whose provider base URLs are the proxy's.
 */
import { startUpstreamProxy, type RunningUpstreamProxy } from '../../target/proxy/server.js';
import { startTarget, type RunningTarget, type TargetOptions } from '../../target/server.js';
import { startUpstreams, type RunningUpstreams } from '../../target/upstream/server.js';
import { TargetClient } from './http.js';

export const PROVIDERS = ['primary', 'secondary', 'local'] as const;

export interface UpstreamRig {
  upstreams: RunningUpstreams;
  proxy: RunningUpstreamProxy;
  /** The proxy's control API. */
  control: TargetClient;
  target: RunningTarget;
  api: TargetClient;
}

export async function withUpstreamRig(
  options: Partial<TargetOptions>,
  body: (rig: UpstreamRig) => Promise<void>,
): Promise<void> {
  const quiet = () => undefined;
  const upstreams = await startUpstreams(PROVIDERS, { log: quiet });
  const proxy = await startUpstreamProxy({ upstreams: upstreams.urls, log: quiet });
  const target = await startTarget({ providerUrls: proxy.urls, log: quiet, ...options });
  const control = new TargetClient(proxy.controlUrl);
  const api = new TargetClient(target.url);
  try {
    await body({ upstreams, proxy, control, target, api });
  } finally {
    await Promise.all([api.close(), control.close()]);
    await target.close();
    await proxy.close();
    await upstreams.close();
  }
}

/** Sends `count` prompts, `concurrency` at a time; resolves with how many were answered 200. */
export async function promptsAnswered(
  api: TargetClient,
  count: number,
  concurrency: number,
): Promise<number> {
  let started = 0;
  let answered = 0;
  const lane = async (): Promise<void> => {
    while (started < count) {
      started++;
      if ((await api.post('/process', { prompt: `prompt ${started}` })).status === 200) answered++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return answered;
}
