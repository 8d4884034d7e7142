/** What `npm start` prints before its ready line: where everything is and calls to try. */
import type { LocalStack } from './stack';

export const exampleCalls = (
  stack: LocalStack,
  info: { stateDir: string; persistDir?: string | undefined },
): string =>
  [
    '',
    `  API        ${stack.url}   (routes of shared/routes.ts)`,
    `  console    ${stack.consoleUrl}`,
    stack.emulatorUrl
      ? `  mesibo     emulator at ${stack.emulatorUrl}   (${stack.emulatorUrl}/_emulator/state)`
      : `  mesibo     ${stack.mesiboUrl}`,
    `  dynamodb   ${stack.dynamoEndpoint}   (${info.persistDir ? `data in ${info.persistDir}` : 'in memory'})`,
    `  state      ${info.stateDir}   (dev keys, credentials, secrets; never printed)`,
    `  functions  ${stack.wired.join(', ')}`,
    '',
    '  try:',
    `    curl ${stack.url}/v1/health`,
    `    curl -X POST ${stack.url}/v1/users/me/token -H "authorization: Bearer $(npm run -s dev:token -- alice)"`,
    '    npm run dev:call -- POST /v1/users/bob/token',
    '    npm run dev:call -- POST /v1/system-messages local/dev/examples/system-message.json',
    '    npm run sign-webhook -- local/dev/examples/group-webhook.json',
    `    curl -X POST ${stack.url}/_local/schedules/<name>/fire`,
    '',
  ].join('\n');
