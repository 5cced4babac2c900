import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The package root, found from this module's place in `dist/shared/config/` (or `shared/` under tsx). */
export const PACKAGE_ROOT = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.resolve(here, '..', '..');
  return path.basename(up) === 'dist' ? path.resolve(up, '..') : up;
})();

export const DEFAULT_CONFIG_FILE = path.join(PACKAGE_ROOT, 'config', 'stress_test_config.json');
