/**
 * The defect matrix covers every non-thermal case once, with a switch the reference target really
 * has and a cause the failure analysis really names; and each case declares the target
 * capabilities it needs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CATALOGUE, caseId } from '../../shared/model/catalogue.js';
import { isTargetCapability } from '../../shared/model/capabilities.js';
import { USAGE } from '../../target/cliArgs.js';
import { MATRIX, matrixTable } from './defectMatrix.js';

const CAUSE_SOURCES = ['analysis.js', 'defectCauses.js'].map((f) =>
  readFileSync(fileURLToPath(new URL(`../../coordinator/results/${f}`, import.meta.url)), 'utf8'),
);

test('every non-thermal case has one matrix row: a real switch and a named cause', () => {
  const cases = CATALOGUE.filter((c) => c.suite !== 'thermal').map(caseId);
  assert.equal(cases.length, 17);
  assert.deepEqual(
    MATRIX.map((r) => r.id),
    cases,
  );
  for (const row of MATRIX) {
    assert.match(
      USAGE,
      new RegExp(`^  ${row.breaksWith[0]}\\b`, 'm'),
      `${row.id}: ${row.breaksWith[0]} is a target flag`,
    );
    assert.ok(
      CAUSE_SOURCES.some((s) => s.includes(`cause: '${row.cause}'`)),
      `${row.id}: cause "${row.cause}" exists`,
    );
  }
  assert.equal(matrixTable().split('\n').length, 2 + 17);
});

test('every case declares the target capabilities it needs, all known ones', () => {
  for (const c of CATALOGUE) {
    assert.ok(Array.isArray(c.targetNeeds), `${caseId(c)} declares its needs`);
    for (const need of c.targetNeeds ?? []) assert.ok(isTargetCapability(need), `${caseId(c)}: ${need}`);
  }
});
