import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { renderReadme, safeHref } from '../../../src/catalog/index.js';

describe('renderReadme', () => {
  test('renders Markdown', () => {
    const html = renderReadme('# Title\n\nSome *emphasis* and `code`.\n\n- one\n- two\n\n```go\nfmt.Println("<hi>")\n```\n');
    assert.match(html, /<h1[^>]*>Title<\/h1>/);
    assert.match(html, /<em>emphasis<\/em>/);
    assert.match(html, /<li>one<\/li>/);
    assert.match(html, /&lt;hi&gt;/);
  });

  test('raw HTML is shown as text, never passed through', () => {
    const html = renderReadme('<script>alert(1)</script>\n\nHello <img src=x onerror="alert(2)"> <b onclick=x>bold</b>\n\n<div>\n<iframe src="https://evil.example"></iframe>\n</div>\n');
    for (const tag of ['<script', '<img', '<b ', '<iframe', '<div']) assert.equal(html.includes(tag), false, `${tag} in ${html}`);
    assert.match(html, /&#60;script&#62;alert\(1\)&#60;\/script&#62;/);
  });

  test('links keep only http, https, mailto and anchors; images become their alt text', () => {
    const html = renderReadme(
      '[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](data:text/html,x) [d](https://go.dev "T\\"itle") [e](mailto:x@y.z) [f](#usage) [g](docs/x.md) ![logo "x"](https://x/y.png)\n',
    );
    assert.equal(/javascript|data:/i.test(html.replace(/>[^<]*</g, '><')), false, html);
    assert.match(html, /<a href="https:\/\/go.dev" title="T&#34;itle" rel="nofollow noopener noreferrer">d<\/a>/);
    assert.match(html, /<a href="mailto:x@y.z"/);
    assert.match(html, /<a href="#usage"/);
    assert.equal(html.includes('href="docs'), false, 'a relative link is plain text');
    assert.match(html, / g /);
    assert.equal(html.includes('<img'), false);
    assert.match(html, /\[logo &#34;x&#34;\]/);
  });

  test('safeHref sees through white space and control characters in the scheme', () => {
    assert.equal(safeHref('java\tscript:alert(1)'), undefined);
    assert.equal(safeHref(' https://go.dev'), 'https://go.dev');
    assert.equal(safeHref('vbscript:x'), undefined);
  });
});
