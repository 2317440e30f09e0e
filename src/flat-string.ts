/**
 * A copy of `s` that V8 holds flat and that shares no memory with the string
 * it came from. A slice or a concatenation of 13 characters or more keeps its
 * parts alive (a whole go.mod, go.sum piece or index line behind one short
 * key); shorter ones V8 copies already. Decoding makes a fresh flat copy.
 */
export function flatString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}
