import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { detectLicenses, isLicenseFile } from '../../../src/catalog/index.js';

const MIT = `MIT License

Copyright (c) 2024 Example Authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY.
`;

const BSD_PREAMBLE = `Copyright (c) 2009 The Go Authors. All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are
met:

   * Redistributions of source code must retain the above copyright
notice, this list of conditions and the following disclaimer.
   * Redistributions in binary form must reproduce the above
copyright notice, this list of conditions and the following disclaimer
in the documentation and/or other materials provided with the
distribution.
`;
const BSD3 = `${BSD_PREAMBLE}   * Neither the name of Google Inc. nor the names of its
contributors may be used to endorse or promote products derived from
this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
"AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES...
`;
const BSD2 = `${BSD_PREAMBLE}
THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"...
`;
const BSD4 = `${BSD_PREAMBLE}3. All advertising materials mentioning features or use of this software
   must display the following acknowledgement: This product includes software
   developed by the University of California, Berkeley and its contributors.
4. Neither the name of the University nor the names of its contributors
   may be used to endorse or promote products derived from this software.
`;

const APACHE = `
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.
`;
const APACHE_NOTICE = `Copyright 2020 Example
Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.`;

const MPL = `Mozilla Public License Version 2.0
==================================

1. Definitions
--------------
`;
const ISC = `ISC License

Copyright (c) 2004-2010 by Internet Systems Consortium, Inc. ("ISC")

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.
`;
const ZERO_BSD = `Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES`;
const GPL3 = `                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 ...
library.  If this is what you want to do, use the GNU Lesser General
Public License instead of this License.  But first, please read
<https://www.gnu.org/licenses/why-not-lgpl.html>.
`;
const GPL2 = `		    GNU GENERAL PUBLIC LICENSE
		       Version 2, June 1991

 Copyright (C) 1989, 1991 Free Software Foundation, Inc.,`;
const LGPL21 = `                  GNU LESSER GENERAL PUBLIC LICENSE
                       Version 2.1, February 1999

 [This is the first released version of the Lesser GPL.  It also counts
 as the successor of the GNU Library Public License, version 2, hence
 the version number 2.1.]

  This license, the Lesser General Public License, applies to some ... GNU General Public License`;
const LGPL3 = `                   GNU LESSER GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

  This version of the GNU Lesser General Public License incorporates
the terms and conditions of version 3 of the GNU General Public
License, supplemented by the additional permissions listed below.`;
const LGPL2 = `		  GNU LIBRARY GENERAL PUBLIC LICENSE
		       Version 2, June 1991`;
const AGPL = `                    GNU AFFERO GENERAL PUBLIC LICENSE
                       Version 3, 19 November 2007`;
const GPL_NOTICE = `This program is free software: you can redistribute it and/or modify
it under the terms of the GNU General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.`;
const UNLICENSE = `This is free and unencumbered software released into the public domain.

Anyone is free to copy, modify, publish, use, compile, sell, or
distribute this software, either in source code form or as a compiled
binary, for any purpose, commercial or non-commercial, and by any
means.`;

describe('detectLicenses', () => {
  const cases: [name: string, text: string, kinds: string[]][] = [
    ['MIT', MIT, ['MIT']],
    ['MIT with CRLF and markdown emphasis', `**${MIT.replace(/\n/g, '\r\n')}**`, ['MIT']],
    ['BSD-3-Clause (Go)', BSD3, ['BSD-3-Clause']],
    ['BSD-2-Clause', BSD2, ['BSD-2-Clause']],
    ['BSD-4-Clause', BSD4, ['BSD-4-Clause']],
    ['Apache-2.0 text', APACHE, ['Apache-2.0']],
    ['Apache-2.0 notice', APACHE_NOTICE, ['Apache-2.0']],
    ['MPL-2.0', MPL, ['MPL-2.0']],
    ['ISC', ISC, ['ISC']],
    ['0BSD', ZERO_BSD, ['0BSD']],
    ['GPL-3.0 (mentions the LGPL)', GPL3, ['GPL-3.0']],
    ['GPL-2.0', GPL2, ['GPL-2.0']],
    ['LGPL-2.1 (mentions the GPL)', LGPL21, ['LGPL-2.1']],
    ['LGPL-3.0', LGPL3, ['LGPL-3.0']],
    ['LGPL-2.0 (Library GPL)', LGPL2, ['LGPL-2.0']],
    ['AGPL-3.0', AGPL, ['AGPL-3.0']],
    ['GPL notice in a source header', GPL_NOTICE, ['GPL-3.0']],
    ['Unlicense', UNLICENSE, ['Unlicense']],
    ['Apache and MIT in one file', `${APACHE}\n\n---\n\n${MIT}`, ['Apache-2.0', 'MIT']],
    ['an unknown text', 'Fixture license: do what you like.\n', []],
    ['MIT with its key sentence missing', MIT.replace('shall be included', 'may be dropped'), []],
    ['empty', '', []],
  ];
  for (const [name, text, kinds] of cases) {
    test(name, () => assert.deepEqual(detectLicenses(text), kinds));
  }
});

describe('isLicenseFile', () => {
  for (const name of ['LICENSE', 'LICENSE.md', 'LICENCE', 'license.txt', 'COPYING', 'COPYING.LESSER', 'LICENSE-MIT', 'UNLICENSE', 'third_party/x/LICENSE']) {
    test(`${name} is one`, () => assert.equal(isLicenseFile(name), true));
  }
  for (const name of ['README.md', 'license.go', 'licenses/', 'mylicense', 'LICENSES/x.go.txt', 'go.mod']) {
    test(`${name} is not`, () => assert.equal(isLicenseFile(name), false));
  }
});
