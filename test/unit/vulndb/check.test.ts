import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { checkDatabase, classifyVulnDbPath, isRollback, isValidVulnId, parseDbMeta, parseModulesIndex, parseOsvEntry, parseVulnsIndex, VulnSchemaError, vulnDbRank } from '../../../src/vulndb/index.js';

const schemaError = (message: string) => (err: unknown) => err instanceof VulnSchemaError && err.message === message;

describe('vulndb schema', () => {
  test('index files parse; fixed is optional', () => {
    assert.deepEqual(parseDbMeta('{"modified":"2024-05-01T10:00:00Z"}'), { modified: '2024-05-01T10:00:00Z' });
    assert.deepEqual(parseModulesIndex('[{"path":"example.com/m","vulns":[{"id":"GO-2024-0001","modified":"2024-05-01T10:00:00Z","fixed":"1.2.0"},{"id":"GO-2024-0002","modified":"2024-05-01T10:00:00.5Z"}]}]'), [
      {
        path: 'example.com/m',
        vulns: [
          { id: 'GO-2024-0001', modified: '2024-05-01T10:00:00Z', fixed: '1.2.0' },
          { id: 'GO-2024-0002', modified: '2024-05-01T10:00:00.5Z' },
        ],
      },
    ]);
    assert.deepEqual(parseVulnsIndex('[{"id":"GO-2024-0001","modified":"2024-05-01T10:00:00Z","aliases":["CVE-2024-1"]}]'), [
      { id: 'GO-2024-0001', modified: '2024-05-01T10:00:00Z', aliases: ['CVE-2024-1'] },
    ]);
  });

  test('schema violations name the file and the place', () => {
    assert.throws(() => parseDbMeta('{"modified":"yesterday"}'), schemaError('index/db.json: modified: "yesterday" is not an RFC 3339 time'));
    assert.throws(() => parseDbMeta('nope'), (e: unknown) => e instanceof VulnSchemaError && /^index\/db\.json: not JSON/.test(e.message));
    assert.throws(() => parseVulnsIndex('[{"id":"../etc/passwd","modified":"2024-05-01T10:00:00Z"}]'), schemaError('index/vulns.json: [0].id: "../etc/passwd" is not a vulnerability ID'));
    assert.throws(() => parseModulesIndex('[{"path":"x","vulns":{}}]'), schemaError('index/modules.json: [0].vulns: must be a list'));
  });

  test('an entry must carry the id its file name says', () => {
    const body = JSON.stringify({ id: 'GO-2024-0002', modified: '2024-05-01T10:00:00Z', affected: [] });
    assert.throws(() => parseOsvEntry(body, 'GO-2024-0001'), schemaError('ID/GO-2024-0001.json: its id is "GO-2024-0002", but the file is named for GO-2024-0001'));
    const e = parseOsvEntry(body, 'GO-2024-0002');
    assert.deepEqual(e, { id: 'GO-2024-0002', modified: '2024-05-01T10:00:00Z', aliases: [], summary: '', affected: [] });
  });

  test('IDs and paths', () => {
    assert.deepEqual(['GO-2024-0001', 'GHSA-abcd-1234-wxyz', '.x', 'a/b', 'a..b', ''].map(isValidVulnId), [true, true, false, false, false, false]);
    assert.deepEqual(classifyVulnDbPath('ID/GO-2024-0001.json.gz'), { part: 'entry', id: 'GO-2024-0001', gz: true });
    assert.deepEqual(classifyVulnDbPath('index/db.json'), { part: 'index', name: 'db', gz: false });
    assert.equal(classifyVulnDbPath('index/aliases.json'), undefined);
    assert.equal(classifyVulnDbPath('ID/index.json.tmp'), undefined);
    const order = ['index/db.json', 'index/modules.json', 'ID/GO-1.json', 'index/vulns.json'].sort(
      (a, b) => vulnDbRank(classifyVulnDbPath(a)!) - vulnDbRank(classifyVulnDbPath(b)!),
    );
    assert.deepEqual(order, ['ID/GO-1.json', 'index/vulns.json', 'index/modules.json', 'index/db.json']);
  });
});

describe('checkDatabase', () => {
  const db = { modified: '2024-05-01T10:00:00Z' };
  const vulns = [
    { id: 'GO-2024-0001', modified: '2024-04-01T00:00:00Z' },
    { id: 'GO-2024-0002', modified: '2024-05-01T10:00:00Z' },
  ];
  const modules = [{ path: 'example.com/m', vulns: [{ id: 'GO-2024-0001', modified: '2024-04-01T00:00:00Z' }, { id: 'GO-2024-0003', modified: '2024-04-01T00:00:00Z' }] }];
  const have: Record<string, string> = { 'GO-2024-0001': '2024-04-01T00:00:00Z', 'GO-2024-0002': '2024-05-01T10:00:00Z', 'GO-2024-0003': '2024-04-01T00:00:00Z' };

  test('a whole database has no problems', () => {
    assert.deepEqual(checkDatabase({ db, vulns, modules, entryModified: (id) => have[id] }), []);
  });

  test('every ID an index names needs its entry', () => {
    const without: Record<string, string | undefined> = { ...have, 'GO-2024-0003': undefined };
    assert.deepEqual(checkDatabase({ db, vulns, modules, entryModified: (id) => without[id] }), [
      { file: 'ID/GO-2024-0003.json', message: 'missing, but index/modules.json names GO-2024-0003' },
    ]);
  });

  test('db.json may not be older than an entry', () => {
    const newer: Record<string, string> = { ...have, 'GO-2024-0002': '2024-05-02T00:00:00Z' };
    assert.deepEqual(checkDatabase({ db, vulns, modules, entryModified: (id) => newer[id] }), [
      { file: 'index/db.json', message: 'modified 2024-05-01T10:00:00Z is older than GO-2024-0002 (modified 2024-05-02T00:00:00Z)' },
    ]);
  });

  test('isRollback compares the modified times', () => {
    assert.equal(isRollback({ modified: '2024-05-01T10:00:00Z' }, { modified: '2024-05-01T09:59:59Z' }), true);
    assert.equal(isRollback({ modified: '2024-05-01T10:00:00Z' }, { modified: '2024-05-01T10:00:00Z' }), false);
    assert.equal(isRollback({ modified: '2024-05-01T10:00:00Z' }, { modified: '2024-06-01T00:00:00Z' }), false);
  });
});
