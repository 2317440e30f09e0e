// gomirror catalog: search as you type over _catalog/modules.json, and the
// mirror's own URL in the client setup. No framework, no network beyond this mirror.
'use strict';
(function () {
  var MAX_HITS = 200;

  // Go's module path case escaping (!x for X), as the tree stores modules.
  function escapePath(p) {
    return p.replace(/[A-Z]/g, function (c) { return '!' + c.toLowerCase(); });
  }

  // The base URL of the mirror: the directory the front page is served from.
  function fillClientConfig() {
    var el = document.getElementById('client-config');
    if (!el || (location.protocol !== 'http:' && location.protocol !== 'https:')) return;
    var here = new URL('.', location.href).href.replace(/\/$/, '');
    el.textContent = el.textContent.split(el.getAttribute('data-placeholder')).join(here);
  }

  // Exact path first, then a match at the start of the last element, then at the start of the path, then anywhere.
  function rank(p, q) {
    if (p === q) return 0;
    var last = p.slice(p.lastIndexOf('/') + 1);
    if (last.indexOf(q) === 0) return 1;
    if (p.indexOf(q) === 0) return 2;
    return 3;
  }

  function setupSearch() {
    var input = document.getElementById('search');
    var list = document.getElementById('module-list');
    var status = document.getElementById('search-status');
    if (!input || !list || !status) return;
    var initialList = list.innerHTML;
    var initialStatus = status.innerHTML;
    var base = input.getAttribute('data-base') || '';
    var modules = null;
    var loading = null;
    var timer = 0;

    function load() {
      if (!loading) {
        loading = fetch(input.getAttribute('data-index'), { credentials: 'same-origin' })
          .then(function (r) {
            if (!r.ok) throw new Error('HTTP ' + r.status);
            return r.json();
          })
          .then(function (j) {
            modules = j.modules.map(function (m) { return { path: m[0], lower: m[0].toLowerCase(), latest: m[1], deprecated: m[3] === 1 }; });
            return modules;
          });
      }
      return loading;
    }

    function show(hits, total, q) {
      var frag = document.createDocumentFragment();
      hits.forEach(function (m) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = base + '_catalog/m/' + escapePath(m.path) + '/@index.html';
        a.textContent = m.path;
        li.appendChild(a);
        var v = document.createElement('span');
        v.className = 'ver';
        v.textContent = ' ' + m.latest;
        li.appendChild(v);
        if (m.deprecated) {
          var t = document.createElement('span');
          t.className = 'tag deprecated';
          t.textContent = 'deprecated';
          li.appendChild(document.createTextNode(' '));
          li.appendChild(t);
        }
        frag.appendChild(li);
      });
      list.textContent = '';
      list.appendChild(frag);
      status.textContent = total === 0
        ? 'No module matches "' + q + '".'
        : total + (total === 1 ? ' module matches' : ' modules match') + ' "' + q + '"' + (total > hits.length ? ', showing the first ' + hits.length : '') + '.';
    }

    function run() {
      var q = input.value.trim().toLowerCase();
      if (q === '') {
        list.innerHTML = initialList;
        status.innerHTML = initialStatus;
        return;
      }
      load().then(function (all) {
        if (input.value.trim().toLowerCase() !== q) return; // typed on meanwhile
        var terms = q.split(/\s+/);
        var hits = [];
        for (var i = 0; i < all.length; i++) {
          var m = all[i];
          var ok = true;
          for (var j = 0; j < terms.length && ok; j++) ok = m.lower.indexOf(terms[j]) >= 0;
          if (ok) hits.push(m);
        }
        hits.sort(function (a, b) { return rank(a.lower, terms[0]) - rank(b.lower, terms[0]) || (a.lower < b.lower ? -1 : 1); });
        show(hits.slice(0, MAX_HITS), hits.length, input.value.trim());
      }, function (err) {
        status.textContent = 'Search is unavailable: ' + err.message;
      });
    }

    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(run, 80);
    });
    // The first keystroke should not wait for the index.
    input.addEventListener('focus', function () { load().catch(function () {}); }, { once: true });
    if (input.value) run();
  }

  function setup() {
    fillClientConfig();
    setupSearch();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', setup);
  else setup();
})();
