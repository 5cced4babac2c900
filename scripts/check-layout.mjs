#!/usr/bin/env node
// Checks the one-way arrows between the top-level packages (coordinator -> shared, agent -> shared,
// target alone) and that no import cycle exists (madge). Exits 1 naming every offending import.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ALLOWED = {
  shared: ['shared'],
  agent: ['agent', 'shared'],
  coordinator: ['coordinator', 'shared'],
  target: ['target'],
};
const files = execFileSync('git', ['ls-files', '*.ts'], { encoding: 'utf8' }).split('\n').filter(Boolean);
const problems = [];
for (const file of files) {
  const from = file.split('/')[0];
  if (!(from in ALLOWED)) continue;
  const source = readFileSync(file, 'utf8');
  for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const to = path.normalize(path.join(path.dirname(file), spec)).split(path.sep)[0];
    if (!ALLOWED[from].includes(to))
      problems.push(`${file}: imports ${spec} (${from} may import only ${ALLOWED[from].join(', ')})`);
  }
}
for (const p of problems) console.error(p);
try {
  execFileSync(
    'npx',
    [
      'madge',
      '--circular',
      '--extensions',
      'ts',
      '--ts-config',
      'tsconfig.json',
      'agent',
      'coordinator',
      'shared',
      'target',
      'bench',
      'tests',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
} catch (error) {
  console.error(`import cycle(s):\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  problems.push('cycle');
}
if (problems.length > 0) process.exit(1);
console.log(`layout: ${files.length} files, arrows one way, no import cycle`);
