/**
 * License files of a module zip: which names count as one, and which
 * well-known license a text is (pure). The matcher keys on phrases that only
 * that license's text holds, after normalising case, punctuation and line
 * breaks; a text it does not recognise is reported without a kind, never
 * guessed at.
 */

/** SPDX identifiers the matcher knows. */
export type LicenseKind =
  | 'MIT'
  | 'BSD-2-Clause'
  | 'BSD-3-Clause'
  | 'BSD-4-Clause'
  | 'Apache-2.0'
  | 'MPL-2.0'
  | 'ISC'
  | '0BSD'
  | 'GPL-2.0'
  | 'GPL-3.0'
  | 'LGPL-2.0'
  | 'LGPL-2.1'
  | 'LGPL-3.0'
  | 'AGPL-3.0'
  | 'Unlicense';

// pkgsite's list of license file names, with any extension (LICENSE.md, COPYING.txt, LICENSE-MIT).
const LICENSE_NAME = /^(?:licen[cs]e|copying|unlicense|copyright|mit-licen[cs]e)(?:[-._][\w.-]*)?$/i;

// license.go and the like are code about licenses, not license texts.
const SOURCE_FILE = /\.(?:go|s|c|h|py|js|ts|json|ya?ml|mod|sum|sh)$/i;

/** Whether a file (slash path inside the module) is a license file. */
export function isLicenseFile(name: string): boolean {
  const base = name.slice(name.lastIndexOf('/') + 1);
  return LICENSE_NAME.test(base) && !SOURCE_FILE.test(base);
}

/** Lower case, every run of punctuation and white space one space: "and/or" reads "and or". */
function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, ' ')
    .replace(/\.(?=\s|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const MIT = ['permission is hereby granted free of charge to any person obtaining a copy', 'the above copyright notice and this permission notice shall be included'];
const BSD = 'redistribution and use in source and binary forms with or without modification are permitted provided that';
const BSD_ENDORSE = /neither the name|names of its contributors may not be used to endorse|name of the copyright holder nor the names|may not be used to endorse or promote/;
const BSD_ADVERTISING = 'all advertising materials mentioning features or use of this software';
const ISC = /permission to use copy modify and or distribute this software for any purpose with or without fee is hereby granted|permission to use copy modify and distribute this software for any purpose with or without fee is hereby granted/;
const ISC_NOTICE = 'provided that the above copyright notice and this permission notice appear in all copies';
const UNLICENSE = 'this is free and unencumbered software released into the public domain';
const APACHE = /apache license version 2 0|apache license 2 0|apache license v2 0/;
const MPL = /mozilla public license version 2 0|mozilla public license v 2 0/;
// The first GNU title in the text names the license: the GPL-3.0 text itself
// mentions the LGPL ("use the GNU Lesser General Public License instead"), and
// the LGPL texts mention the GPL.
const GNU_TITLE = /gnu (lesser |library |affero )?general public license (?:version|v) (\d)(?: (\d)\b)?/;
const GNU_NOTICE =
  /under the terms of the gnu (lesser |library |affero )?general public license as published by the free software foundation (?:either )?version (\d)(?: (\d)\b)?/;

/**
 * The well-known licenses a text is (usually one; two for a file that holds,
 * say, both an Apache and an MIT text). Empty when none is recognised.
 */
export function detectLicenses(text: string): LicenseKind[] {
  // Version numbers like "2.0" lose their dot to normalisation only at the end of
  // a sentence; make the remaining ones plain words too so patterns stay simple.
  const t = normalize(text).replace(/(\d)\.(\d)/g, '$1 $2');
  const found: LicenseKind[] = [];
  if (APACHE.test(t)) found.push('Apache-2.0');
  if (MPL.test(t)) found.push('MPL-2.0');
  const gnu = GNU_TITLE.exec(t) ?? GNU_NOTICE.exec(t);
  if (gnu) {
    const kind = gnuKind(gnu[1]?.trim(), gnu[2] as string, gnu[3]);
    if (kind) found.push(kind);
  }
  if (MIT.every((p) => t.includes(p))) found.push('MIT');
  if (t.includes(BSD)) {
    if (t.includes(BSD_ADVERTISING)) found.push('BSD-4-Clause');
    else if (BSD_ENDORSE.test(t)) found.push('BSD-3-Clause');
    else found.push('BSD-2-Clause');
  }
  if (ISC.test(t)) found.push(t.includes(ISC_NOTICE) ? 'ISC' : '0BSD');
  if (t.includes(UNLICENSE)) found.push('Unlicense');
  return found;
}

function gnuKind(variant: string | undefined, major: string, minor: string | undefined): LicenseKind | undefined {
  if (variant === 'affero') return major === '3' ? 'AGPL-3.0' : undefined;
  if (variant === 'lesser' || variant === 'library') {
    if (major === '3') return 'LGPL-3.0';
    if (major === '2') return minor === '1' ? 'LGPL-2.1' : 'LGPL-2.0';
    return undefined;
  }
  if (major === '3') return 'GPL-3.0';
  if (major === '2') return 'GPL-2.0';
  return undefined;
}
