/** Reads the reports a coordinator run wrote into a directory. */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { RunReport } from '../../coordinator/report/types.js';

function reportFile(dir: string, prefix: string, extension: string): string {
  // The text and HTML reports share their prefix.
  const file = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith(extension));
  assert.ok(file, `no ${prefix}*${extension} in ${dir}`);
  return path.join(dir, file);
}

export function readJsonReport(dir: string): RunReport {
  return JSON.parse(readFileSync(reportFile(dir, 'stress_test_results_', '.json'), 'utf8')) as RunReport;
}

export function readTextReport(dir: string): string {
  return readFileSync(reportFile(dir, 'stress_test_report_', '.txt'), 'utf8');
}
