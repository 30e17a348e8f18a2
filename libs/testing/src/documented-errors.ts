import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const KINDS = new Set(['validation', 'forbidden', 'not-found', 'conflict', 'gone', 'rule-violation']);
let documented: ReadonlyMap<string, ReadonlySet<string>> | undefined;

/**
 * The error codes of docs/errors.md and the kinds each may have (the kind decides the HTTP status). Tests hold every
 * refusal to it, so a code missing from the docs, or a refusal of the wrong kind, fails.
 */
export function documentedErrorKinds(): ReadonlyMap<string, ReadonlySet<string>> {
  documented ??= parse(readFileSync(join(__dirname, '..', '..', '..', 'docs', 'errors.md'), 'utf8'));
  return documented;
}

function parse(markdown: string): Map<string, Set<string>> {
  const codes = new Map<string, Set<string>>();
  for (const line of markdown.split('\n')) {
    const [, codeCell, kindCell] = line.split('|').map((cell) => cell.trim());
    if (!codeCell?.startsWith('`') || !kindCell) continue;
    const kinds = kindCell
      .split('/')
      .map((k) => k.trim())
      .filter((k) => KINDS.has(k));
    // A code in several tables (the domain's, and the HTTP edge's with its status) has the kinds of all of them.
    for (const [, code] of codeCell.matchAll(/`([a-z0-9-]+)`/g))
      codes.set(code!, new Set([...(codes.get(code!) ?? []), ...kinds]));
  }
  return codes;
}
