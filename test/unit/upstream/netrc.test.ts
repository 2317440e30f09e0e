import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuthFor, parseNetrc } from '../../../src/upstream/netrc.js';

describe('netrc', () => {
  const text = `
machine proxy.corp login alice password s3cret
machine other.corp
  login bob
  password "pw"
macdef init
  machine evil.example login x password y

machine proxy.corp login second password ignored
default login anon password guest
`;
  const netrc = parseNetrc(text);
  it('reads machines across lines, first entry wins', () => {
    assert.deepEqual(netrc.get('proxy.corp'), { login: 'alice', password: 's3cret' });
    assert.deepEqual(netrc.get('other.corp'), { login: 'bob', password: '"pw"' });
  });
  it('skips macdef bodies', () => assert.equal(netrc.has('evil.example'), false));
  it('falls back to default', () => {
    assert.equal(basicAuthFor(netrc, 'unknown.example'), 'Basic ' + Buffer.from('anon:guest').toString('base64'));
    assert.equal(basicAuthFor(netrc, 'proxy.corp'), 'Basic ' + Buffer.from('alice:s3cret').toString('base64'));
  });
  it('gives nothing without an entry', () => assert.equal(basicAuthFor(parseNetrc('machine a login b password c'), 'x'), undefined));
});
