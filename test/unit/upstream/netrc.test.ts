import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuthFor, parseNetrc } from '../../../src/upstream/netrc.js';

// The go command's own test vector (cmd/go/internal/auth/netrc_test.go), by
// which entries count, and where default stops the parse.
const GO_VECTOR = `
machine incomplete
password none

machine api.github.com
  login user
  password pwd

machine incomlete.host
  login justlogin

machine test.host
login user2
password pwd2

machine oneline login user3 password pwd3

machine ignore.host macdef ignore
  login nobody
  password nothing

machine hasmacro.too macdef ignore-next-lines login user4 password pwd4
  login nobody
  password nothing

default
login anonymous
password gopher@golang.org

machine after.default
login oops
password too-late-in-file
`;

const entries = (text: string): [string, string, string][] => [...parseNetrc(text)].map(([m, e]) => [m, e.login, e.password]);
const basic = (login: string, password: string): string => 'Basic ' + Buffer.from(`${login}:${password}`).toString('base64');

describe('netrc, as the go command reads it', () => {
  it('parses the go command test vector to the same entries', () => {
    assert.deepEqual(entries(GO_VECTOR), [
      ['api.github.com', 'user', 'pwd'],
      ['test.host', 'user2', 'pwd2'],
      ['oneline', 'user3', 'pwd3'],
      ['hasmacro.too', 'user4', 'pwd4'],
    ]);
  });

  it('never sends default credentials, to proxy.golang.org or anyone', () => {
    const netrc = parseNetrc('machine proxy.corp login alice password s3cret\ndefault login anon password guest\n');
    assert.equal(basicAuthFor(netrc, 'proxy.golang.org'), undefined);
    assert.equal(basicAuthFor(netrc, 'sum.golang.org'), undefined);
    assert.equal(basicAuthFor(netrc, 'proxy.corp'), basic('alice', 's3cret'));
  });

  it('stops at a line ending in default: later machines get nothing', () => {
    assert.deepEqual(entries('machine a login x password y\ndefault\nmachine b login u password v\n'), [['a', 'x', 'y']]);
  });

  it('needs both login and password; the first complete entry for a machine wins', () => {
    const netrc = parseNetrc('machine a login onlylogin\nmachine b password onlypw\nmachine c login 1 password 2\nmachine c login 3 password 4\n');
    assert.equal(basicAuthFor(netrc, 'a'), undefined);
    assert.equal(basicAuthFor(netrc, 'b'), undefined);
    assert.equal(basicAuthFor(netrc, 'c'), basic('1', '2'));
  });

  it('ends a macro only at an empty line, and keeps quotes as Go does', () => {
    assert.deepEqual(entries('macdef m\n  machine evil login x password y\n\nmachine ok login "q" password p\n'), [['ok', '"q"', 'p']]);
  });
});
