import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonStream } from '../../../src/vcs/go-command.js';
import { goEnv } from '../../../src/vcs/env.js';

describe('vcs: the go command driver', () => {
  it('splits go -json output (objects one after another) including braces inside strings', () => {
    const text = '{\n\t"Path": "a",\n\t"Error": "bad } { \\" brace"\n}\n{\n\t"Path": "b",\n\t"Origin": {"VCS": "git"}\n}\n';
    assert.deepEqual(parseJsonStream(text), [
      { Path: 'a', Error: 'bad } { " brace' },
      { Path: 'b', Origin: { VCS: 'git' } },
    ]);
    assert.deepEqual(parseJsonStream(''), []);
  });
  it('runs the child with GOPROXY=direct, a cache under the tree, no prompt, and nothing from the caller that steers it', () => {
    const env = goEnv(
      { PATH: '/usr/bin', GOFLAGS: '-mod=vendor', GOWORK: '/x/go.work', GOTOOLCHAIN: 'go1.99', GIT_TERMINAL_PROMPT: '1', NETRC: '/n' },
      { root: '/srv/tree', private: ['corp.example'], noproxy: ['corp.example'], nosumdb: [] },
    );
    assert.equal(env.GOPROXY, 'direct');
    assert.equal(env.GOFLAGS, '-mod=mod -modcacherw');
    assert.equal(env.GOTOOLCHAIN, 'local');
    assert.equal(env.GOWORK, 'off');
    assert.equal(env.GIT_TERMINAL_PROMPT, '0');
    assert.equal(env.GOMODCACHE, '/srv/tree/.gomirror/vcs/modcache');
    assert.equal(env.GOPATH, '/srv/tree/.gomirror/vcs/gopath');
    assert.equal(env.GOPRIVATE, 'corp.example');
    assert.equal(env.NETRC, '/n');
    assert.equal(env.PATH, '/usr/bin');
  });
});
