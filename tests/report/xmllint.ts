/** xmllint (Debian libxml2-utils) for the JUnit tests: schema validation and XPath reads. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../shared/config/paths.js';

export const JUNIT_XSD = path.join(PACKAGE_ROOT, 'tests', 'report', 'fixtures', 'junit.xsd');

export const NO_XMLLINT =
  spawnSync('xmllint', ['--version']).status === 0
    ? false
    : 'xmllint not installed (Debian package libxml2-utils)';

/** Validates against the JUnit schema; returns xmllint's messages when it fails. */
export function validateJunit(file: string): { valid: boolean; messages: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
  return { valid: r.status === 0, messages: r.stderr };
}

/** The string value of an XPath expression over the file (count(), string(), …). */
export function xpath(file: string, expression: string): string {
  const r = spawnSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `xmllint --xpath ${expression}: ${r.stderr}`);
  return r.stdout.trim();
}
