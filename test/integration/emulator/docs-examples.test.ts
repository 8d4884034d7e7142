/**
 * Replays every example of mesibo's public documents and samples (test/fixtures/mesibo-docs-examples.json)
 * against the emulator: the JSON form as a POST to /backend/, the flat form as a GET to /backend/
 * (the legacy-form page) and to /api.php. Each must be answered as the source shows.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Envelope, useEmulator } from './helpers';

interface Step {
  op: string;
  json: Record<string, unknown>;
}

interface Example extends Step {
  name: string;
  source: string;
  setup?: Step[];
  flat: Record<string, string>;
  expect: Record<string, unknown>;
}

const { examples } = JSON.parse(
  readFileSync(new URL('../../fixtures/mesibo-docs-examples.json', import.meta.url), 'utf8'),
) as { examples: Example[] };

const h = useEmulator();

/** Values filled in from the setup steps' answers. */
type Refs = Record<string, string | number>;

const fill = (value: unknown, refs: Record<string, unknown>): unknown => {
  if (typeof value === 'string' && value in refs) return refs[value];
  if (Array.isArray(value)) return value.map((v) => fill(v, refs));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, refs)]));
  }
  return value;
};

const MATCHERS: Record<string, unknown> = {
  '<number>': expect.any(Number),
  '<string>': expect.any(String),
  '<digits>': expect.stringMatching(/^\d+$/),
};

const runSetup = async (steps: Step[] = []): Promise<Refs> => {
  const refs: Refs = {};
  for (const step of steps) {
    const res = (await h.json(step.op, step.json)) as Envelope & {
      user?: { uid: number };
      group?: { gid: number };
      otp?: string;
    };
    expect(res.result, `setup ${step.op}: ${JSON.stringify(res)}`).toBe(true);
    if (res.user) refs['<uid>'] = res.user.uid;
    if (res.group) refs['<gid>'] = res.group.gid;
    if (res.otp) refs['<otp>'] = res.otp;
  }
  return refs;
};

const flatQuery = (example: Example, refs: Refs) =>
  new URLSearchParams({
    op: example.op,
    token: h.emulator.appToken,
    ...Object.fromEntries(Object.entries(example.flat).map(([k, v]) => [k, String(fill(v, refs))])),
  });

const transports: [string, (example: Example, refs: Refs) => Promise<Envelope>][] = [
  [
    'JSON POST /backend/',
    (example, refs) => h.json(example.op, fill(example.json, refs) as Record<string, unknown>),
  ],
  [
    'flat GET /backend/',
    async (example, refs) =>
      (await (await fetch(`${h.emulator.backendUrl}?${flatQuery(example, refs)}`)).json()) as Envelope,
  ],
  [
    'flat GET /api.php',
    async (example, refs) =>
      (await (await fetch(`${h.emulator.legacyUrl}?${flatQuery(example, refs)}`)).json()) as Envelope,
  ],
];

describe.each(transports)('mesibo documents examples over %s', (_, send) => {
  it.each(examples.map((e) => [e.name, e] as const))('%s', async (_name, example) => {
    const refs = await runSetup(example.setup);
    const res = await send(example, refs);
    expect(res, example.source).toMatchObject({
      op: example.op,
      ...(fill(example.expect, MATCHERS) as object),
    });
  });
});

describe('what the examples leave in the emulator state', () => {
  it('the messaging example keeps to, gid, flags: null and forced', async () => {
    const example = examples.find((e) => e.op === 'message' && e.name.startsWith('send a message'))!;
    const refs = await runSetup(example.setup);
    await h.json('message', fill(example.json, refs) as Record<string, unknown>);
    expect((await h.control.state()).messages).toEqual([
      expect.objectContaining({
        from: 'me',
        to: ['you', 'she', 'he'],
        gid: refs['<gid>'],
        flags: null,
        forced: true,
        expiry: 3600,
        message: 'hello',
      }),
    ]);
  });
});
