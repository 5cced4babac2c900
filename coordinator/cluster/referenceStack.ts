/**
 * The bundled reference service as the embedded default runs it: stand-in LLM providers behind the
 * upstream fault proxy (`stampede-upstream --proxy`), and the reference target under its supervisor
 * with every provider pointed at the proxy. Network cases then put their faults on the target's
 * own provider path through the proxy's control URL, and a restart case restarts a real process.
 */
import path from 'node:path';
import { ClusterError } from '../../shared/errors.js';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';
import { startChild, waitForLine, type ManagedChild } from './childProcess.js';

const DIST = path.join(PACKAGE_ROOT, 'dist');
const START_TIMEOUT_MS = 15_000;

export interface ReferenceStack {
  targetUrl: string;
  /** The upstream fault proxy's control API. */
  upstreamControl: string;
  children: ManagedChild[];
  stop(): Promise<void>;
}

interface ReadyLine {
  proxy: { control: string; urls: Record<string, string> };
}

async function ready(child: ManagedChild, pattern: RegExp): Promise<RegExpMatchArray> {
  return waitForLine(child, pattern, START_TIMEOUT_MS).catch(async (error) => {
    await child.stop();
    throw new ClusterError((error as Error).message, 'E_TARGET_START');
  });
}

/** Starts the upstreams and proxy, then the supervised target; `targetArgs` adds target flags (defect switches). */
export async function startReferenceStack(
  options: { debug?: boolean; targetArgs?: readonly string[] } = {},
): Promise<ReferenceStack> {
  const children: ManagedChild[] = [];
  const stop = async () => {
    // The target first: its in-flight provider calls end before the upstreams go away.
    for (const child of [...children].reverse()) await child.stop();
  };
  try {
    const upstream = startChild(
      'upstream proxy',
      [path.join(DIST, 'target', 'upstream', 'cli.js'), '--proxy'],
      {
        echo: options.debug,
      },
    );
    children.push(upstream);
    const line = JSON.parse((await ready(upstream, /^stampede-upstream ready (\{.*\})$/m))[1]) as ReadyLine;
    const providers = Object.entries(line.proxy.urls).flatMap(([name, url]) => [
      '--provider',
      `${name}=${url}`,
    ]);
    const target = startChild(
      'reference target',
      [
        path.join(DIST, 'target', 'cli.js'),
        '--port',
        '0',
        '--supervised',
        ...providers,
        ...(options.targetArgs ?? []),
      ],
      { echo: options.debug },
    );
    children.push(target);
    const url = (await ready(target, /listening on (http:\/\/\S+)/))[1];
    return { targetUrl: url, upstreamControl: line.proxy.control, children, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
