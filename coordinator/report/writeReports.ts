/** Writes the text and JSON reports under their timestamped names (and a copy with --save-report). */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderTextReport } from './textReport.js';
import type { RunReport } from './types.js';

export interface WrittenReports {
  text: string;
  json: string;
  saved?: string;
}

function stamp(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function writeReports(report: RunReport, dir: string, saveAs?: string): WrittenReports {
  mkdirSync(dir, { recursive: true });
  const at = stamp(report.startedAt);
  const text = path.join(dir, `stress_test_report_${at}.txt`);
  const json = path.join(dir, `stress_test_results_${at}.json`);
  writeFileSync(text, renderTextReport(report));
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  if (saveAs) {
    mkdirSync(path.dirname(path.resolve(saveAs)), { recursive: true });
    copyFileSync(text, saveAs);
  }
  return { text, json, saved: saveAs };
}
