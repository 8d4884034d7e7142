/**
 * `npm run dev:token -- <subject> [--expires-in <seconds>] [--claim name=value ...]`: prints a JWT
 * the local stack's JWT authorizer accepts, signed with the dev key `npm start` keeps in the state
 * directory. Only the token goes to stdout, so `$(npm run -s dev:token -- alice)` works. A claim
 * given with --claim replaces the one the helper sets (aud, iss, exp, sub...).
 */
import { parseArgs } from 'node:util';
import { signDevToken } from '../auth/dev-keys';
import { stateDir } from '../state-dir';
import { runMain } from './client';

/** A value that reads as JSON (`true`, `42`, `null`, `"007"`, `["a"]`) is sent as that; anything else as text. */
const claimValue = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

runMain('dev:token', async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'expires-in': { type: 'string' },
      claim: { type: 'string', multiple: true },
    },
  });
  const subject = positionals[0];
  if (!subject || positionals.length > 1) {
    throw new Error(
      'usage: npm run dev:token -- <subject> [--expires-in <seconds>] [--claim name=value ...]',
    );
  }
  const claims: Record<string, unknown> = {};
  for (const c of values.claim ?? []) {
    const eq = c.indexOf('=');
    if (eq < 1) throw new Error(`--claim needs name=value, got "${c}"`);
    claims[c.slice(0, eq)] = claimValue(c.slice(eq + 1));
  }
  const expiresIn = values['expires-in'] === undefined ? undefined : Number(values['expires-in']);
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) {
    throw new Error('--expires-in must be a whole number of seconds');
  }
  console.log(await signDevToken(stateDir(), { subject, claims, ...(expiresIn ? { expiresIn } : {}) }));
  return 0;
});
