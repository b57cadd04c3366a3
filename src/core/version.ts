import { readFileSync } from 'node:fs';
import { PACKAGE_ROOT } from './package-root.js';

export const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
