/**
 * The target's own stand-in provider: one stampede-upstream server on a free loopback port, started
 * on first use, for every provider that has no base URL of its own. So `stampede-target` alone still
 * answers through real HTTP calls; the provider config tells the stand-in how to behave per call.
 */
import { startUpstream, type RunningUpstream } from './upstream/server.js';

export class StandInProvider {
  private started: Promise<RunningUpstream> | undefined;

  constructor(private readonly log: (line: string) => void) {}

  url(): Promise<string> {
    this.started ??= startUpstream({
      host: '127.0.0.1',
      log: (line) => this.log(`stampede-target: stand-in provider: ${line}`),
    });
    return this.started.then((upstream) => upstream.url);
  }

  async close(): Promise<void> {
    await (await this.started?.catch(() => undefined))?.close();
  }
}
