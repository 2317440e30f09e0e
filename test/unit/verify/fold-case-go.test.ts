/**
 * foldCase against the go command's own case folding, over every code point:
 * two names collide in a module zip (golang.org/x/mod/zip strToFold) exactly
 * when Go's unicode.SimpleFold puts their characters in the same class. The
 * classes come from test/fixtures/simplefold built with Go 1.22 (Unicode
 * 15.0 tables, as in every go command since 1.21).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { foldCase } from '../../../src/modzip/fold-case.js';
import { GO_1_22, goTool } from '../../helpers/go-tools.js';

describe('foldCase and Go unicode.SimpleFold', () => {
  it('puts every code point in the same class as Go does', async () => {
    const bin = await goTool('simplefold', GO_1_22);
    const { stdout } = await promisify(execFile)(bin, [], { maxBuffer: 1 << 24 });
    const [version, ...lines] = stdout.trim().split('\n');
    assert.equal(version, '15.0.0');
    const smallest = new Map<number, number>();
    for (const line of lines) {
      const [cp, min] = line.split(' ').map((h) => parseInt(h, 16)) as [number, number];
      smallest.set(cp, min);
    }
    assert.ok(smallest.size > 2800, `only ${smallest.size} folding code points`);
    const classOfKey = new Map<string, number>();
    const wrong: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const cls = smallest.get(cp) ?? cp;
      const key = foldCase(String.fromCodePoint(cp));
      const other = classOfKey.get(key);
      if (other === undefined) classOfKey.set(key, cls);
      else if (other !== cls) wrong.push(`U+${cp.toString(16)} (Go class U+${cls.toString(16)}) folds with class U+${other.toString(16)}`);
      if (key !== foldCase(String.fromCodePoint(cls))) wrong.push(`U+${cp.toString(16)} does not fold with U+${cls.toString(16)}`);
    }
    assert.deepEqual(wrong.slice(0, 20), [], `${wrong.length} code points differ`);
  });
});
