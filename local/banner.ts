/** What `npm start` prints before its ready line: where everything is and calls to try. */
import type { LocalStack } from './stack';

export const exampleCalls = (
  stack: LocalStack,
  info: { stateDir: string; persistDir?: string | undefined; helperEnv?: Record<string, string> },
): string => {
  // The dev helpers find the stack by PORT and LOCAL_STATE_DIR: print the ones that differ from the
  // defaults, so the lines work when pasted into a new shell.
  const helperEnv = Object.entries(info.helperEnv ?? {})
    .map(([name, value]) => `${name}=${shellQuote(value)}`)
    .join(' ');
  return [
    '',
    `  API        ${stack.url}   (routes of shared/routes.ts)`,
    `  console    ${stack.consoleUrl}`,
    stack.emulatorUrl
      ? `  mesibo     emulator at ${stack.emulatorUrl}   (${stack.emulatorUrl}/_emulator/state)`
      : `  mesibo     ${withoutUserinfo(stack.mesiboUrl)}`,
    `  dynamodb   ${stack.dynamoEndpoint}   (${info.persistDir ? `data in ${info.persistDir}` : 'in memory'})`,
    `  state      ${info.stateDir}   (dev keys, credentials, secrets; never printed)`,
    `  functions  ${stack.wired.join(', ')}`,
    '',
    `  try (in another shell${helperEnv ? ', with the same environment' : ''}):`,
    ...(helperEnv ? [`    export ${helperEnv}`] : []),
    `    curl ${stack.url}/v1/health`,
    `    curl -X POST ${stack.url}/v1/users/me/token -H "authorization: Bearer $(npm run -s dev:token -- alice)"`,
    '    npm run dev:call -- POST /v1/users/bob/token',
    '    npm run dev:call -- POST /v1/system-messages local/dev/examples/system-message.json',
    '    npm run sign-webhook -- local/dev/examples/group-webhook.json',
    `    curl -X POST ${stack.url}/_local/schedules/<name>/fire`,
    '',
  ].join('\n');
};

const shellQuote = (value: string): string =>
  /^[\w./:@-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;

/** A URL as it can be shown: a user name or password in it is replaced, the rest kept. */
const withoutUserinfo = (text: string): string => {
  try {
    const url = new URL(text);
    if (!url.username && !url.password) return text;
    url.username = 'REDACTED';
    url.password = '';
    return url.toString();
  } catch {
    return text;
  }
};
