/**
 * The SDK-only floor of a function: a bundle that imports and constructs only the AWS SDK clients the
 * function used, and makes the same calls it made (replayed from what the recording proxies saw, in
 * the same order, concurrent where they were concurrent), plus the same mesibo calls over plain
 * node:https. It is bundled with the function's esbuild options, over the SDK as shipped or over the
 * SDK as the functions' bundles tune it (`FloorSdk`).
 */
import { build } from 'esbuild';
import { ALIASES, bundleOptions } from '../../infra/bundling';
import type { RecordedCall } from './recording-proxy';

/** AWS JSON-protocol target prefixes, and the SDK package and client that speak them. */
const SERVICES: Record<string, { pkg: string; client: string }> = {
  DynamoDB_20120810: { pkg: '@aws-sdk/client-dynamodb', client: 'DynamoDBClient' },
  secretsmanager: { pkg: '@aws-sdk/client-secrets-manager', client: 'SecretsManagerClient' },
  AmazonSQS: { pkg: '@aws-sdk/client-sqs', client: 'SQSClient' },
};

export interface FloorCall {
  /** `<prefix>.<Operation>` for an AWS call; absent for a mesibo call. */
  target?: string;
  method: string;
  path: string;
  contentType?: string;
  body: string;
}

/** Calls grouped in waves: a wave starts when every call of the previous one had ended. */
export type FloorPlan = FloorCall[][];

export const planOf = (calls: readonly RecordedCall[]): FloorPlan => {
  const sorted = [...calls].sort((a, b) => a.startedAt - b.startedAt);
  const waves: FloorPlan = [];
  let waveEnd = Number.NEGATIVE_INFINITY;
  for (const c of sorted) {
    if (c.upstream !== 'mesibo' && !c.target) {
      throw new Error(`the floor cannot replay ${c.method} ${c.path} (${c.upstream}): not an AWS JSON call`);
    }
    if (waves.length === 0 || c.startedAt >= waveEnd) {
      waves.push([]);
      waveEnd = c.endedAt;
    }
    waveEnd = Math.max(waveEnd, c.endedAt);
    waves.at(-1)!.push({
      ...(c.target ? { target: c.target } : {}),
      method: c.method,
      path: c.path,
      ...(c.contentType ? { contentType: c.contentType } : {}),
      body: c.body,
    });
  }
  return waves;
};

/** The floor's entry source for calls of these targets (every invocation replays its own plan). */
const floorSource = (targets: readonly string[], mesibo: boolean): string => {
  const byPrefix = new Map<string, Set<string>>();
  for (const t of targets) {
    const [prefix, op] = t.split('.');
    if (!prefix || !op || !SERVICES[prefix]) throw new Error(`the floor does not know AWS target ${t}`);
    const ops = byPrefix.get(prefix) ?? new Set<string>();
    ops.add(op);
    byPrefix.set(prefix, ops);
  }
  const lines = ["import { readFileSync } from 'node:fs';"];
  if (mesibo) lines.push("import { Agent, request } from 'node:https';");
  const clients: string[] = [];
  const commands: string[] = [];
  for (const [prefix, ops] of byPrefix) {
    const { pkg, client } = SERVICES[prefix]!;
    const names = [...ops].map((op) => `${op}Command`);
    lines.push(`import { ${client}, ${names.join(', ')} } from '${pkg}';`);
    clients.push(`  ${prefix}: new ${client}({}),`);
    for (const op of ops) commands.push(`  '${prefix}.${op}': ${op}Command,`);
  }
  lines.push(
    'const clients = {',
    ...clients,
    '};',
    'const commands = {',
    ...commands,
    '};',
    mesibo
      ? `const agent = new Agent({ keepAlive: true });
const http = (c) => new Promise((resolve, reject) => {
  const req = request(new URL(c.path, process.env.BENCH_FLOOR_MESIBO_URL), { method: c.method, agent, headers: c.contentType ? { 'content-type': c.contentType } : {} }, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', reject);
  req.end(c.body);
});`
      : 'const http = () => { throw new Error("no mesibo call planned"); };',
    `const plans = JSON.parse(readFileSync(process.env.BENCH_FLOOR_PLAN, 'utf8'));
const send = async (c) => {
  if (!c.target) return http(c);
  try {
    await clients[c.target.split('.')[0]].send(new commands[c.target](JSON.parse(c.body)));
  } catch (e) {
    // A replayed conditional write may be refused; it still made its round trip.
    if (e?.$metadata === undefined) throw e;
  }
};
let invocation = 0;
export const handler = async () => {
  for (const wave of plans[invocation++] ?? []) await Promise.all(wave.map(send));
  return { statusCode: 200 };
};`,
  );
  return lines.join('\n');
};

/**
 * The SDK a floor is bundled with: `as-shipped` is the SDK as its packages come (the default credential
 * chain and all), the floor a function's goal is held to; `tuned` swaps in what the functions' bundles
 * swap in (infra/bundling.ts), so the product's ratio to it is what its own code costs.
 */
export type FloorSdk = 'as-shipped' | 'tuned';

/** Bundles the floor for the calls of these plans into `outdir` (its entry is `index.mjs`). */
export const bundleFloor = async (
  plans: readonly FloorPlan[],
  outdir: string,
  root: string,
  sdk: FloorSdk,
): Promise<void> => {
  const calls = plans.flat(2);
  const targets = [...new Set(calls.flatMap((c) => (c.target ? [c.target] : [])))];
  const mesibo = calls.some((c) => !c.target);
  await build({
    ...bundleOptions({
      entry: { contents: floorSource(targets, mesibo), sourcefile: 'floor.mjs' },
      outdir,
      root,
    }),
    alias: sdk === 'tuned' ? ALIASES : {},
  });
};
