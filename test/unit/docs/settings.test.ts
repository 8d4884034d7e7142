/**
 * Each capability's configuration table against the settings its functions declare: every variable a
 * stage may set is documented with its default (or as required), and the table names nothing the
 * functions do not read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../../infra/paths';
import { STACK_OWNED_ENV } from '../../../infra/settings';
import { type FunctionName, functionSpec } from '../../../shared/functions';
import { isPlatformVariable } from '../../../shared/settings';

const tables: { doc: string; functions: FunctionName[] }[] = [
  { doc: 'docs/user-tokens.md', functions: ['issue-user-token'] },
  { doc: 'docs/group-sync.md', functions: ['sync-group', 'sync-group-worker'] },
  { doc: 'docs/system-messages.md', functions: ['send-system-message', 'send-system-message-worker'] },
];

/** The rows of the tables headed `Variable`, by the variables their first cell names. */
const variableRows = (markdown: string): Map<string, string> => {
  const rows = new Map<string, string>();
  let inVariableTable = false;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      inVariableTable = false;
      continue;
    }
    const first = line.split('|')[1] ?? '';
    if (first.trim() === 'Variable') inVariableTable = true;
    if (!inVariableTable) continue;
    for (const [, name] of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) rows.set(name!, line);
  }
  return rows;
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.each(tables)('$doc configuration table', ({ doc, functions }) => {
  const rows = variableRows(readFileSync(fromRoot(doc), 'utf8'));
  const settings = functions.flatMap((fn) => functionSpec(fn).settings);

  it('documents every setting a stage may set, with its default or as required', () => {
    for (const s of settings.filter((x) => !STACK_OWNED_ENV.has(x.name))) {
      const row = rows.get(s.name);
      expect(row, `${s.name} is missing from ${doc}`).toBeDefined();
      if (s.required) expect(row, s.name).toMatch(/required/);
      else if (s.default) expect(row, s.name).toMatch(new RegExp(`\\b${escapeRegExp(s.default)}\\b`));
    }
  });

  it('names only variables its functions read', () => {
    const declared = new Set(settings.map((s) => s.name));
    const stray = [...rows.keys()].filter((n) => !declared.has(n) && !isPlatformVariable(n));
    expect(stray).toEqual([]);
  });
});
