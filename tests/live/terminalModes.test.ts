/**
 * The terminal modes as a user meets them, on real `coordinator run --suite edges` runs: --quiet
 * prints only the summary, a terminal (a pseudo-terminal from util-linux `script`) gets the live
 * area, --dashboard-keep holds the dashboard until Ctrl-C, and wrong live-view flags are usage
 * errors (exit 2) before anything starts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { COORDINATOR_CLI, runCoordinator, startProcess } from '../helpers/processes.js';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'stampede-terminal-'));
const NO_SCRIPT = spawnSync('script', ['--version']).status === 0 ? false : 'no util-linux script command';

test('--quiet: the summary and where the reports are, nothing else', async () => {
  const r = await runCoordinator(['run', '--suite', 'edges', '--quiet', '--reports-dir', tmp()]);
  assert.equal(r.code, 0, r.output);
  assert.match(r.stdout, /^3 passed, 0 failed, 0 skipped, 0 unfinished — success rate 100% \(excellent\)\n$/);
  const stderr = r.output.replace(r.stdout, '').trimEnd().split('\n');
  assert.match(stderr[0], /^reports: .*stress_test_report_\d{8}_\d{6}\.txt$/);
  assert.ok(
    stderr.slice(1).every((l) => /^ {9}\S+\.(json|html|xml)$/.test(l)),
    `only report paths on stderr:\n${stderr.join('\n')}`,
  );
});

test('on a terminal: the live area is drawn and redrawn in place', { skip: NO_SCRIPT }, () => {
  const command = [process.execPath, COORDINATOR_CLI, 'run', '--suite', 'edges', '--reports-dir', tmp()]
    .map((a) => `'${a}'`)
    .join(' ');
  // A pseudo-terminal starts with no size; a real one has one.
  const r = spawnSync('script', ['-qfec', `stty rows 40 cols 150; ${command}`, '/dev/null'], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const out = r.stdout;
  assert.match(out, /\x1b\[2K/, 'lines erased for a redraw');
  assert.match(out, /stampede run \(suite\) — \d+ s/);
  assert.match(out, /PASS edges\.malformed_input_stress\s+\d+ ops · [\d.]+ ops\/s · 0 err · p99 [\d.]+ ms/);
  assert.match(out, /RUN {2}edges\.\S+ {2}\[[█░]{20}\] +\d+%/, 'a progress bar while a case ran');
  assert.match(out, /▶ edges\.malformed_input_stress: 1 shard\(s\)/, 'the run log above the live area');
  assert.doesNotMatch(out, /… edges\./, 'no plain progress lines on a terminal');
});

test('live-view flags that cannot work are usage errors, before anything starts', async () => {
  const both = await runCoordinator([
    'run',
    '--quick',
    '--json-progress',
    '--export-json',
    '--dashboard-keep',
  ]);
  assert.equal(both.code, 2);
  assert.match(
    both.output,
    /--json-progress and --export-json both write to stdout; choose one; --dashboard-keep needs --dashboard/,
  );
  const host = await runCoordinator(['run', '--quick', '--dashboard', '--dashboard-host', 'example.com']);
  assert.equal(host.code, 2);
  assert.match(host.output, /--dashboard-host expects an IP address or localhost, got "example.com"/);
  const port = await runCoordinator(['run', '--quick', '--dashboard', '70000']);
  assert.equal(port.code, 2);
  assert.match(port.output, /--dashboard expects a whole number from 0 to 65535, got "70000"/);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  try {
    const busy = (taken.address() as { port: number }).port;
    const r = await runCoordinator(['run', '--quick', '--dashboard', String(busy)]);
    assert.equal(r.code, 2);
    assert.match(
      r.output,
      new RegExp(`--dashboard: cannot listen on 127\\.0\\.0\\.1 port ${busy} \\(EADDRINUSE\\)`),
    );
    assert.doesNotMatch(r.output, /starting the embedded cluster/);
  } finally {
    taken.close();
  }
});

test('--dashboard-keep: the page stays up after the run until Ctrl-C, and the run keeps its exit code', async () => {
  const run = startProcess(COORDINATOR_CLI, [
    'run',
    '--suite',
    'edges',
    '--dashboard',
    '--dashboard-keep',
    '--reports-dir',
    tmp(),
  ]);
  try {
    await run.waitFor(/dashboard stays at http:\/\/\S+ until Ctrl-C/, 120_000);
    const url = /dashboard: (http:\/\/\S+)/.exec(run.output())![1];
    assert.match(run.output(), /3 passed/, 'the run is over');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(run.child.exitCode, null, 'still serving');
    assert.equal((await fetch(url)).status, 200);
    run.child.kill('SIGINT');
    assert.equal(await run.exited, 0, run.output());
    await assert.rejects(fetch(url), 'the dashboard is gone with the process');
  } finally {
    await run.stop('SIGKILL');
  }
});
