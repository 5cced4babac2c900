/**
 * The live dashboard in a real browser, fed by a real run: `coordinator run --suite thermal
 * --dashboard` on the embedded cluster (nats-server, agents, the thermal agent with its scripted
 * sensor, the reference target). The page's numbers must appear and move, the thermal chart must
 * show the agent's blocks with both limits drawn, a page on another origin must be refused the
 * socket even with the token, and after Ctrl-C the page must show the final state.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { COORDINATOR_CLI, processesMarked, startProcess } from '../helpers/processes.js';
import { launchChromium, NO_CHROMIUM, screenshot, watchPage } from './browser.js';

/** Polls the page until `read` gives a value `accept` takes, for at most `timeoutMs`. */
async function until<T>(
  page: Page,
  read: () => Promise<T>,
  accept: (v: T) => boolean,
  what: string,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(value)}`);
    await page.waitForTimeout(250);
    value = await read();
  }
  return value;
}

/** A page on another origin that tries the dashboard's socket (with the token) and reports what happened. */
async function foreignOrigin(wsUrl: string): Promise<{ url: string; close: () => void }> {
  const html = `<!DOCTYPE html><title>waiting</title><script>
const ws = new WebSocket(${JSON.stringify(wsUrl)});
ws.onopen = () => { document.title = 'opened'; };
ws.onerror = () => { document.title = 'refused'; };
</script>`;
  const server = createServer((_req, res) => res.end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

test('live dashboard of a real thermal run: numbers move, blocks and limits drawn, foreign origin refused, final state', {
  skip: NO_CHROMIUM,
  timeout: 300_000,
}, async () => {
  const marker = `stampede-dashboard-${process.pid}-${Date.now()}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'stampede-dashboard-'));
  const run = startProcess(
    COORDINATOR_CLI,
    ['run', '--suite', 'thermal', '--dashboard', '--reports-dir', dir],
    {
      STAMPEDE_TEST_MARK: marker,
    },
  );
  const browser = await launchChromium();
  try {
    await run.waitFor(/dashboard: http:\/\/\S+/, 30_000);
    const url = /dashboard: (http:\/\/\S+)/.exec(run.output())![1];
    const page = await browser.newPage({ viewport: { width: 1280, height: 1500 } });
    const seen = watchPage(page, new URL(url).origin);
    await page.goto(url);
    const number = (id: string) => async () => Number(await page.locator(`#${id}`).textContent());

    const first = await until(
      page,
      number('total-requests'),
      (n) => n > 0,
      'operations on the page',
      120_000,
    );
    await until(page, number('total-requests'), (n) => n > first, 'the operation count to move', 60_000);
    assert.match((await page.locator('#status').textContent())!, /RUNNING/);

    const chart = page.locator('[data-thermal-agent="local-thermal"]');
    const blocks = await until(
      page,
      async () => Number((await chart.getAttribute('data-blocked').catch(() => null)) ?? 0),
      (n) => n >= 1,
      'a thermal block on the chart',
      180_000,
    );
    assert.ok(blocks >= 1);
    assert.equal(await chart.getAttribute('data-limits'), '82/75', 'block and resume limits drawn');
    const legend = (await chart.locator('.u-legend').textContent())!;
    assert.match(legend, /block limit/);
    assert.match(legend, /resume limit/);
    assert.equal(await page.locator('#agents tr[data-agent-id="local-thermal"]').count(), 1);
    assert.match(
      (await page.locator('#cases tr[data-case-id="thermal.thermal_limit_stress"]').textContent())!,
      /PASSED|FAILED/,
    );
    // The picture is better with a case under way; the next one starts within seconds.
    await page.waitForSelector('#cases .v-running', { timeout: 30_000 }).catch(() => undefined);
    await screenshot(page, 'dashboard.png');

    const evil = await foreignOrigin(url.replace('http://', 'ws://').replace('/?', '/ws?'));
    try {
      const other = await browser.newPage();
      await other.goto(evil.url);
      const title = await until(
        other,
        () => other.title(),
        (t) => t !== 'waiting',
        'the foreign page to try',
        15_000,
      );
      assert.equal(title, 'refused', 'a page on another origin cannot open the socket, token or not');
    } finally {
      evil.close();
    }
    const noToken = await fetch(url.replace(/\?token=.*/, ''));
    assert.equal(noToken.status, 401);

    run.child.kill('SIGINT');
    const banner = await until(
      page,
      async () =>
        (await page
          .locator('#finished-banner')
          .textContent()
          .catch(() => null)) ?? '',
      (t) => t.length > 0,
      'the final state',
      60_000,
    );
    assert.match(banner, /Run finished \(interrupted/);
    assert.equal(await run.exited, 130, run.output());
    assert.deepEqual(
      seen.problems.filter((p) => !/WebSocket|ERR_CONNECTION_REFUSED/.test(p)),
      [],
    );

    // The HTML report the interrupted run wrote draws the same blocks from the shard's result.
    const html = readdirSync(dir).find((f) => f.endsWith('.html'))!;
    await page.goto(`file://${path.join(dir, html)}`);
    const thermal = page.locator('[id^="thermal-"]').first();
    await thermal.locator('canvas').first().waitFor({ timeout: 15_000 });
    assert.ok(Number(await thermal.getAttribute('data-blocked')) >= 1);
    assert.equal(await thermal.getAttribute('data-limits'), '82/75');
    if (process.env.STAMPEDE_SCREENSHOTS)
      await thermal.locator('xpath=..').screenshot({
        path: path.join(process.env.STAMPEDE_SCREENSHOTS, 'report-html-thermal.png'),
      });
  } finally {
    await browser.close();
    await run.stop('SIGKILL');
  }
  // Non-TTY stderr: one plain line per state change.
  const output = run.output();
  assert.match(output, /case thermal\.thermal_limit_stress: running/);
  assert.match(output, /thermal local-thermal: \d+ °C, blocked \(block ≥ 82, resume ≤ 75 °C\)/);
  await sleep(500);
  assert.deepEqual(processesMarked(marker), [], 'the embedded cluster was stopped');
});
