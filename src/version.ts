import { readFileSync } from 'node:fs';

/** gomirror's own version, from package.json (works from src/ and dist/). */
export const TOOL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
