/**
 * `stampede-upstream`: stand-in LLM providers over HTTP, one server per name, optionally with the
 * fault proxy in front of them. Stdout carries one line, `stampede-upstream ready <json>`, with
 * every URL: {"upstreams": {name: url}, "proxy"?: {"control": url, "urls": {name: url}}}.
 */
import { runMain } from '../cliSupport.js';
import { startUpstreamProxy } from '../proxy/server.js';
import { parseUpstreamArgs, UPSTREAM_USAGE, type UpstreamCommand } from './cliArgs.js';
import { startUpstreams } from './server.js';

async function start(command: UpstreamCommand) {
  const upstreams = await startUpstreams(
    command.names.map((name) => ({ name, ...(command.port !== undefined ? { port: command.port } : {}) })),
    command.shared,
  );
  const proxy = command.proxy
    ? await startUpstreamProxy({
        upstreams: upstreams.urls,
        controlPort: command.proxy.controlPort,
        ...(command.shared.host ? { host: command.shared.host } : {}),
      }).catch(async (error) => {
        await upstreams.close();
        throw error;
      })
    : undefined;
  const ready = {
    upstreams: upstreams.urls,
    ...(proxy ? { proxy: { control: proxy.controlUrl, urls: proxy.urls } } : {}),
  };
  return {
    line: `stampede-upstream ready ${JSON.stringify(ready)}`,
    close: async () => {
      await proxy?.close();
      await upstreams.close();
    },
  };
}

runMain('stampede-upstream', UPSTREAM_USAGE, parseUpstreamArgs, start);
