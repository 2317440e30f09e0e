/**
 * A small Nginx config reader for tests: tokens (quotes, comments, `{`, `}`,
 * `;`) into a tree of directives, so tests can assert "this location has that
 * directive" instead of comparing whole files.
 */

/** One directive; `block` holds the children of `name args { ... }`. */
export interface Directive {
  name: string;
  args: string[];
  block?: Directive[];
}

/** Parses config text; throws on unbalanced braces or a missing `;`. */
export function parseNginxConf(text: string): Directive[] {
  const tokens = tokenize(text);
  let i = 0;
  const parseBlock = (top: boolean): Directive[] => {
    const out: Directive[] = [];
    let words: string[] = [];
    while (i < tokens.length) {
      const t = tokens[i++] as string;
      if (t === ';') {
        const [name, ...args] = words;
        if (name === undefined) throw new Error('empty directive');
        out.push({ name, args });
        words = [];
      } else if (t === '{') {
        const [name, ...args] = words;
        if (name === undefined) throw new Error('block without a name');
        out.push({ name, args, block: parseBlock(false) });
        words = [];
      } else if (t === '}') {
        if (top || words.length > 0) throw new Error('unexpected }');
        return out;
      } else {
        words.push(t);
      }
    }
    if (!top || words.length > 0) throw new Error('unexpected end of config');
    return out;
  };
  return parseBlock(true);
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push(c);
      i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let word = '';
      while (j < text.length && text[j] !== c) {
        // Nginx unescapes \" \' \\ inside quotes and keeps other backslashes.
        if (text[j] === '\\' && (text[j + 1] === c || text[j + 1] === '\\')) j++;
        word += text[j];
        j++;
      }
      if (j >= text.length) throw new Error('unterminated string');
      tokens.push(word);
      i = j + 1;
    } else {
      let j = i;
      while (j < text.length && !/[\s;{}]/.test(text[j] as string)) j++;
      tokens.push(text.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

/** The children of the first block found by following `names` (e.g. `['http', 'server']`). */
export function findBlock(tree: Directive[], ...names: string[]): Directive[] {
  let level = tree;
  for (const name of names) {
    const next = level.find((d) => d.name === name && d.block);
    if (!next?.block) throw new Error(`no ${name} { } block`);
    level = next.block;
  }
  return level;
}

/** The children of `location <modifier> <arg>` in `block`. */
export function findLocation(block: Directive[], arg: string): Directive[] {
  const loc = block.find((d) => d.name === 'location' && d.args.at(-1) === arg);
  if (!loc?.block) throw new Error(`no location ${arg}; have: ${locations(block).join(', ')}`);
  return loc.block;
}

/** The last arguments of every location in `block`, in order. */
export function locations(block: Directive[]): string[] {
  return block.filter((d) => d.name === 'location').map((d) => d.args.join(' '));
}

/** The arguments of every `name` directive in `block`, joined by spaces. */
export function values(block: Directive[], name: string): string[] {
  return block.filter((d) => d.name === name && !d.block).map((d) => d.args.join(' '));
}

/**
 * The locations Nginx picks for a (percent-decoded) URI, outermost first, with
 * its rules: the longest matching prefix location; then, unless that is `=`
 * or `^~`, the first matching regex location in file order wins; then the
 * same again among the chosen location's nested locations.
 */
export function routeUri(block: Directive[], uri: string): Directive[] {
  const locs = block.filter((d) => d.name === 'location' && d.block && !d.args[0]?.startsWith('@'));
  let prefix: Directive | undefined;
  for (const d of locs) {
    const [mod, arg] = d.args.length === 2 ? d.args : ['', d.args[0]];
    if (mod === '~' || mod === '~*' || arg === undefined) continue;
    if (mod === '=' ? uri === arg : uri.startsWith(arg)) {
      if (mod === '=') return [d];
      if (!prefix || arg.length > (prefix.args.at(-1) ?? '').length) prefix = d;
    }
  }
  if (prefix?.args[0] !== '^~') {
    for (const d of locs) {
      const [mod, arg] = d.args;
      if ((mod === '~' || mod === '~*') && arg !== undefined && new RegExp(arg, mod === '~*' ? 'i' : '').test(uri)) {
        return [d, ...routeUri(d.block ?? [], uri)];
      }
    }
  }
  return prefix ? [prefix, ...routeUri(prefix.block ?? [], uri)] : [];
}

/** The value of directive `name` that applies after routing: the innermost location that sets it, else `fallback`. */
export function effective(chain: Directive[], name: string, fallback: Directive[] = []): string[] {
  for (const level of [...chain.map((d) => d.block ?? []).reverse(), fallback]) {
    const found = values(level, name);
    if (found.length > 0) return found;
  }
  return [];
}
