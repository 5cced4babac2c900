/**
 * Writes the reports under their timestamped names: JSON first (the data), then the text, HTML
 * and JUnit renderings of it (and a copy of the text with --save-report). A rendering that fails
 * is reported, never allowed to cost the files already written.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderTextReport } from './textReport.js';
import type { RunReport } from './types.js';

export const REPORT_FORMATS = ['json', 'text', 'html', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const FORMATS: Record<ReportFormat, { file: (at: string) => string; render: (r: RunReport) => string }> = {
  json: { file: (at) => `stress_test_results_${at}.json`, render: (r) => JSON.stringify(r, null, 2) + '\n' },
  text: { file: (at) => `stress_test_report_${at}.txt`, render: renderTextReport },
  html: { file: (at) => `stress_test_report_${at}.html`, render: renderHtml },
  junit: { file: (at) => `junit_${at}.xml`, render: renderJunit },
};

export interface WrittenReports {
  text: string;
  json: string;
  html?: string;
  junit?: string;
  saved?: string;
  /** Renderings that could not be written, with why. */
  failed: { format: ReportFormat; message: string }[];
}

function stamp(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Writes the chosen formats (in REPORT_FORMATS order); only JSON and text failures throw. */
export function writeReportFiles(
  report: RunReport,
  dir: string,
  formats: readonly ReportFormat[],
): { written: Partial<Record<ReportFormat, string>>; failed: WrittenReports['failed'] } {
  mkdirSync(dir, { recursive: true });
  const at = stamp(report.startedAt);
  const written: Partial<Record<ReportFormat, string>> = {};
  const failed: WrittenReports['failed'] = [];
  for (const format of REPORT_FORMATS.filter((f) => formats.includes(f))) {
    const file = path.join(dir, FORMATS[format].file(at));
    try {
      writeFileSync(file, FORMATS[format].render(report));
      written[format] = file;
    } catch (error) {
      if (format === 'json' || format === 'text') throw error;
      failed.push({ format, message: (error as Error).message });
    }
  }
  return { written, failed };
}

export function writeReports(report: RunReport, dir: string, saveAs?: string): WrittenReports {
  const { written, failed } = writeReportFiles(report, dir, REPORT_FORMATS);
  const text = written.text!;
  if (saveAs) {
    mkdirSync(path.dirname(path.resolve(saveAs)), { recursive: true });
    copyFileSync(text, saveAs);
  }
  return { text, json: written.json!, html: written.html, junit: written.junit, saved: saveAs, failed };
}
