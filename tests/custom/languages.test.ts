/**
 * The template and JSON path languages of custom cases: what they accept, what they refuse (anything
 * outside the closed set, unbounded input) and what they produce.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsonPathError, jsonEqual, lookup, parseJsonPath } from '../../shared/custom/jsonPath.js';
import {
  parseTemplate,
  renderTemplate,
  renderValue,
  substituteEnv,
  TemplateError,
} from '../../shared/custom/template.js';

const scope = {
  vu: 3,
  iteration: 7,
  vars: new Map<string, unknown>([
    ['token', 'abc'],
    ['n', 42],
  ]),
} as never;

test('templates render the closed set and captured values', () => {
  assert.equal(
    renderTemplate(parseTemplate('/u/{{vu}}/i/{{ iteration }}?t={{token}}'), scope),
    '/u/3/i/7?t=abc',
  );
  for (let i = 0; i < 50; i++) {
    const n = Number(renderTemplate(parseTemplate('{{random.int(5, 8)}}'), scope));
    assert.ok(Number.isInteger(n) && n >= 5 && n <= 8, String(n));
  }
  assert.match(renderTemplate(parseTemplate('{{uuid}}'), scope), /^[0-9a-f-]{36}$/);
  assert.equal(renderValue(parseTemplate('{{n}}'), scope), 42, 'a lone expression keeps its type');
  assert.equal(renderValue(parseTemplate('n={{n}}'), scope), 'n=42');
  assert.equal(renderTemplate(parseTemplate('no holes } { here'), scope), 'no holes } { here');
});

test('templates naming anything outside the closed set are refused', () => {
  for (const bad of [
    '{{process.env.HOME}}',
    '{{constructor.name}}',
    '{{random}}',
    '{{env}}',
    '{{random.int(9, 1)}}',
    '{{random.int(1)}}',
    '{{uuid()}}',
    '{{vu + 1}}',
    '{{ require("fs") }}',
    '{{`x`}}',
    'open {{vu',
    `{{${'a'.repeat(200)}}}`,
  ])
    assert.throws(() => parseTemplate(bad), TemplateError, bad);
  assert.throws(() => parseTemplate('x'.repeat(9000)), /longer than 8192/);
  assert.throws(() => parseTemplate('{{vu}}'.repeat(40)), /more than 32 expressions/);
  assert.throws(
    () => parseTemplate('{{process.env.HOME}}'),
    /names process\.env\.HOME: a template may use vu/,
  );
});

test('env values are substituted on the coordinator, and cannot smuggle expressions', () => {
  const t = parseTemplate('Bearer {{env.TOKEN}} for {{vu}}');
  assert.deepEqual(t.env, ['TOKEN']);
  assert.equal(substituteEnv(t, { TOKEN: 's3cr3t' }), 'Bearer s3cr3t for {{vu}}');
  assert.throws(() => substituteEnv(t, {}), /env\.TOKEN is not set/);
  assert.throws(() => substituteEnv(t, { TOKEN: '{{uuid}}' }), /contains "\{\{"/);
  assert.throws(() => renderTemplate(t, scope), /not resolved by the coordinator/);
});

test('JSON paths name one place and read own properties only', () => {
  const doc = { a: { b: [10, 20, { 'c d': true }] }, list: [1, 2, 3] } as never;
  assert.equal(lookup(doc, parseJsonPath('$.a.b[1]')), 20);
  assert.equal(lookup(doc, parseJsonPath("$.a.b[2]['c d']")), true);
  assert.equal(lookup(doc, parseJsonPath('$.list[-1]')), 3);
  assert.equal(lookup(doc, parseJsonPath('$.a.missing')), undefined);
  assert.equal(lookup(doc, parseJsonPath('$.a.constructor')), undefined);
  assert.equal(lookup(doc, parseJsonPath('$.__proto__')), undefined);
  assert.deepEqual(lookup(doc, parseJsonPath('$')), doc);
  for (const bad of ['a.b', '$..a', '$.a[*]', '$[?(@.x)]', '$.a[', "$['x]", `$${'.a'.repeat(40)}`])
    assert.throws(() => parseJsonPath(bad), JsonPathError, bad);
  assert.ok(jsonEqual({ x: [1, { y: null }] } as never, { x: [1, { y: null }] } as never));
  assert.ok(!jsonEqual({ x: 1 } as never, { x: 1, y: 2 } as never));
});
