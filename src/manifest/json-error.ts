/**
 * Finds where JSON text first goes wrong, as a 0-based offset, for messages
 * that name a line and column (V8's JSON.parse does not always say). Returns
 * undefined for valid JSON. A small recursive-descent scanner: it checks the
 * grammar only, building nothing.
 */
export function findJsonErrorOffset(text: string): number | undefined {
  let i = 0;
  /** Unwinds the scanner to the offset where the grammar broke. */
  class Stop extends Error {
    constructor(readonly at: number) {
      super('JSON syntax error');
    }
  }
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
  };
  const fail = (): never => {
    throw new Stop(i);
  };
  const expect = (word: string): void => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = (): void => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    expect('"');
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (c === '"') return string();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m && m[0] !== '' && m[0] !== '-') return void (i += m[0].length);
    for (const w of ['true', 'false', 'null']) if (text.startsWith(w, i)) return void (i += w.length);
    fail();
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (err) {
    // Anything else (a RangeError from very deep nesting) leaves the place unknown.
    return err instanceof Stop ? err.at : undefined;
  }
}
