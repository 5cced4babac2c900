/**
 * What both HTML pages (the saved report and the live dashboard) are made of: escaping, data
 * embedded as JSON, inline scripts and styles read from files at render time (uPlot from
 * node_modules, our page scripts from coordinator/.../assets), and a Content-Security-Policy
 * that allows exactly those inline scripts by hash. The pages load nothing from the network.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';

const require = createRequire(import.meta.url);
const cache = new Map<string, string>();

function cachedRead(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    text = readFileSync(file, 'utf8');
    cache.set(file, text);
  }
  return text;
}

/** uPlot's browser build and stylesheet, as installed. */
export const uplotScript = () => cachedRead(require.resolve('uplot/dist/uPlot.iife.min.js'));
export const uplotCss = () => cachedRead(require.resolve('uplot/dist/uPlot.min.css'));

/** A page asset under coordinator/, e.g. `report/assets/charts.js`. */
export const asset = (relative: string) => cachedRead(path.join(PACKAGE_ROOT, 'coordinator', relative));

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and quoted attribute values. */
export function esc(value: string | number | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` are written as \u escapes,
 * so no string inside can close the element or open a comment, and JSON.parse gives the same value.
 */
export function jsonBlock(id: string, value: unknown): string {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  return `<script type="application/json" id="${esc(id)}">${json}</script>`;
}

/** Inline scripts of a page, each allowed by its hash in the page's CSP. */
export class PageScripts {
  private readonly bodies: string[] = [];

  add(code: string): this {
    // Our own sources never contain it, but a closing tag inside a script would end it early.
    this.bodies.push(code.replace(/<\/(script)/gi, '<\\/$1'));
    return this;
  }

  tags(): string {
    return this.bodies.map((b) => `<script>${b}</script>`).join('\n');
  }

  /** `connect` adds a connect-src (the dashboard's WebSocket); the report connects nowhere. */
  csp(connect?: string): string {
    const hashes = this.bodies
      .map((b) => `'sha256-${createHash('sha256').update(b, 'utf8').digest('base64')}'`)
      .join(' ');
    const policy = [
      "default-src 'none'",
      `script-src ${hashes}`,
      "style-src 'unsafe-inline'",
      'img-src data:',
      `connect-src ${connect ?? "'none'"}`,
      "base-uri 'none'",
      "form-action 'none'",
    ].join('; ');
    return `<meta http-equiv="Content-Security-Policy" content="${esc(policy)}">`;
  }
}

/** The skeleton both pages share: charset, CSP, the stylesheets, body, then the scripts. */
export function page(title: string, body: string, scripts: PageScripts, connect?: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${scripts.csp(connect)}
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${uplotCss()}</style>
<style>${asset('report/assets/page.css')}</style>
</head>
<body>
${body}
${scripts.tags()}
</body>
</html>
`;
}
