import { GomirrorError } from '../errors.js';

/** The fields of a `.info` / `@latest` answer that gomirror uses. */
export interface VersionInfo {
  Version: string;
  Time?: string;
}

/**
 * Parses a `.info` or `@latest` body (protocol doc §3.2). When `wanted` is
 * given, Version must equal it exactly, as the go command demands for a
 * canonical request. Throws E_BAD_RESPONSE naming `where`.
 */
export function parseInfo(data: Buffer | string, where: string, wanted?: string): VersionInfo {
  let obj: unknown;
  try {
    obj = JSON.parse(data.toString());
  } catch {
    throw new GomirrorError('E_BAD_RESPONSE', `${where}: not valid JSON`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new GomirrorError('E_BAD_RESPONSE', `${where}: not a JSON object`);
  }
  const rec = obj as Record<string, unknown>;
  if (typeof rec.Version !== 'string' || rec.Version === '') {
    throw new GomirrorError('E_BAD_RESPONSE', `${where}: no "Version" field`);
  }
  if (wanted !== undefined && rec.Version !== wanted) {
    throw new GomirrorError('E_BAD_RESPONSE', `${where}: proxy returned info for version ${rec.Version} instead of requested version ${wanted}`);
  }
  if (rec.Time !== undefined && (typeof rec.Time !== 'string' || Number.isNaN(Date.parse(rec.Time)))) {
    throw new GomirrorError('E_BAD_RESPONSE', `${where}: "Time" is not an RFC 3339 time`);
  }
  if (rec.Origin !== undefined && (typeof rec.Origin !== 'object' || rec.Origin === null || Array.isArray(rec.Origin))) {
    throw new GomirrorError('E_BAD_RESPONSE', `${where}: "Origin" is not an object`);
  }
  return { Version: rec.Version, ...(typeof rec.Time === 'string' ? { Time: rec.Time } : {}) };
}
