/**
 * Config file text to a value: JSON, or YAML for `.yaml` / `.yml` files (YAML 1.2 core schema;
 * custom tags, duplicate keys and alias bombs are refused, and every syntax error is reported).
 */
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { ConfigProblems } from './problems.js';

export const isYamlFile = (file: string) => /\.ya?ml$/i.test(file);

function parseYaml(file: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  // An unknown tag is only a warning to the parser; here it is a mistake.
  const issues = [...doc.errors, ...doc.warnings].map((e) => ({
    path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
    message: `not valid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
  }));
  if (issues.length > 0) throw new ConfigProblems(file, issues);
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(file, '', `not valid YAML (${(error as Error).message})`);
  }
}

export function parseConfigText(file: string, text: string): unknown {
  if (isYamlFile(file)) return parseYaml(file, text);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, '', `not valid JSON (${(error as Error).message})`);
  }
}
