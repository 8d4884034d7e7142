import { beforeEach, describe, expect, it } from 'vitest';
import { capturingLogger } from '../../../local/harness/loggers';
import { createWebhookReceiver, type WebhookRequest } from '../../../shared/group-sync/receive';
import { groupSyncMessageSchema } from '../../../shared/group-sync/schema';
import { toProblem } from '../../../shared/http/problems';
import { webhookSecretsLoader } from '../../../shared/webhook/secrets';
import { signPayload } from '../../../shared/webhook/signature';
import { CapturingQueue, fixedClock, MemoryGroupState } from './fakes';

const SECRET = 'whsec_test_current_secret';
const OLD_SECRET = 'whsec_test_previous_secret';

let store: MemoryGroupState;
let queue: CapturingQueue;
let clock: ReturnType<typeof fixedClock>;
let secretValue: string;
let receive: ReturnType<typeof createWebhookReceiver>;
let logger: ReturnType<typeof capturingLogger>;

beforeEach(() => {
  store = new MemoryGroupState();
  queue = new CapturingQueue();
  clock = fixedClock();
  secretValue = JSON.stringify({ current: SECRET, previous: OLD_SECRET });
  logger = capturingLogger();
  receive = createWebhookReceiver({
    secrets: webhookSecretsLoader(async () => secretValue, { clock }),
    store,
    queue,
    clock,
    logger,
    config: { maxMembers: 5, toleranceSeconds: 300 },
  });
});

const nowSeconds = () => Math.floor(clock.now() / 1000);
const signed = (
  body: unknown,
  options: { secret?: string; t?: number; headers?: Record<string, string> } = {},
): WebhookRequest => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    body: text,
    headers: {
      'content-type': 'application/json',
      'x-mesibo-signature': signPayload(options.secret ?? SECRET, text, options.t ?? nowSeconds()),
      ...options.headers,
    },
  };
};
const upsert = (id: string, version = 1, list = ['a', 'b']) => ({
  id,
  type: 'group.upsert',
  group: { key: 'team-1', name: 'Team', version, members: list.map((address) => ({ address })) },
});

const refusal = async (request: WebhookRequest) => {
  try {
    await receive(request);
  } catch (e) {
    const problem = toProblem(e);
    if (problem) return problem;
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('webhook receiver', () => {
  it('verifies, enqueues on the group lane with the delivery id for dedup, and acknowledges', async () => {
    expect(await receive(signed(upsert('d-1')))).toEqual({ deliveryId: 'd-1', status: 'queued' });
    expect(queue.messages).toHaveLength(1);
    const [sent] = queue.messages;
    expect(sent).toMatchObject({ groupId: 'team-1', deduplicationId: 'd-1' });
    const message = groupSyncMessageSchema(5).parse(JSON.parse(sent!.body));
    expect(message).toEqual({
      deliveryId: 'd-1',
      receivedAt: clock.now(),
      event: { type: 'group.upsert', group: upsert('d-1').group },
    });
    expect(store.deliveries.get('d-1')?.status).toBe('queued');
  });

  it('accepts a body signed with the previous secret and a base64-encoded body', async () => {
    expect(await receive(signed(upsert('d-1'), { secret: OLD_SECRET }))).toMatchObject({ status: 'queued' });
    const request = signed(upsert('d-2'));
    expect(
      await receive({
        ...request,
        body: Buffer.from(request.body!).toString('base64'),
        isBase64Encoded: true,
      }),
    ).toMatchObject({ status: 'queued' });
  });

  it('verifies the signature over the raw bytes as sent, never over a re-serialised body', async () => {
    // Spacing, key order, an escaped and a literal non-ASCII character: all as the sender signed them.
    const raw =
      '{ "type":"group.upsert",\n  "id":"d-raw",\t"group":{"version":1,"key":"team-1","name":"\\u00c9quipe 🚀",' +
      '"members":[{"address":"a"}]} }';
    const t = nowSeconds();
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(reserialised).not.toBe(raw);
    const overReserialised = {
      body: raw,
      headers: { 'x-mesibo-signature': signPayload(SECRET, reserialised, t) },
    };
    expect(await refusal(overReserialised)).toMatchObject({ status: 401 });
    const overRaw = {
      body: raw,
      headers: {
        'content-type': 'application/json',
        'x-mesibo-signature': signPayload(SECRET, Buffer.from(raw), t),
      },
    };
    expect(await receive(overRaw)).toEqual({ deliveryId: 'd-raw', status: 'queued' });
    expect(JSON.parse(queue.messages[0]!.body).event.group.name).toBe('Équipe 🚀');
  });

  it('identifies a delivery by the signed body id only: a differing X-Delivery-Id is refused', async () => {
    const original = signed(upsert('body-id'));
    // A replay under another (unsigned) id cannot take the sender's next id.
    const replay = { ...original, headers: { ...original.headers, 'x-delivery-id': 'next-id' } };
    expect(await refusal(replay)).toMatchObject({
      status: 400,
      errors: [{ field: 'X-Delivery-Id', message: expect.stringContaining('must equal the body "id"') }],
    });
    expect(queue.messages).toEqual([]);
    expect(store.deliveries.size).toBe(0);
    const same = { ...original, headers: { ...original.headers, 'x-delivery-id': 'body-id' } };
    expect(await receive(same)).toEqual({ deliveryId: 'body-id', status: 'queued' });
    expect(queue.messages[0]?.deduplicationId).toBe('body-id');
  });

  it('refuses bad signatures with 401 and enqueues nothing', async () => {
    const body = JSON.stringify(upsert('d-1'));
    const cases: [WebhookRequest, string][] = [
      [{ body, headers: {} }, 'signature-missing'],
      [{ body, headers: { 'x-mesibo-signature': 'nonsense' } }, 'signature-malformed'],
      [signed(body, { secret: 'whsec_attacker_secret_value' }), 'signature-invalid'],
      [{ ...signed(body), body: body.replace('"version":1', '"version":9') }, 'signature-invalid'],
      [signed(body, { t: nowSeconds() - 301 }), 'signature-expired'],
      [signed(body, { t: nowSeconds() + 301 }), 'signature-expired'],
    ];
    for (const [request, code] of cases) expect(await refusal(request)).toMatchObject({ status: 401, code });
    expect(queue.messages).toEqual([]);
    expect(store.deliveries.size).toBe(0);
  });

  it('refuses a signed body not labelled JSON with 415, after the signature, recording nothing', async () => {
    const body = upsert('d-1');
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
      expect(await refusal(signed(body, { headers: { 'content-type': contentType } }))).toMatchObject({
        status: 415,
        code: 'unsupported-media-type',
        errors: [{ field: '(content-type)' }],
      });
    }
    const { 'content-type': _, ...unlabelled } = signed(body).headers;
    expect(await refusal({ body: JSON.stringify(body), headers: unlabelled })).toMatchObject({
      status: 415,
    });
    // An unsigned request hears only about its signature.
    const unsigned = { body: JSON.stringify(body), headers: { 'content-type': 'text/plain' } };
    expect(await refusal(unsigned)).toMatchObject({ status: 401, code: 'signature-missing' });
    expect(queue.messages).toEqual([]);
    expect(store.deliveries.size).toBe(0);
  });

  it('picks up a rotated secret after a mismatch', async () => {
    await receive(signed(upsert('d-1')));
    secretValue = JSON.stringify({ current: 'whsec_brand_new_secret_1', previous: SECRET });
    expect(await receive(signed(upsert('d-2'), { secret: 'whsec_brand_new_secret_1' }))).toMatchObject({
      status: 'queued',
    });
  });

  it('refuses invalid payloads with 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ id: 'd', type: 'group.rename', group: { key: 'k', version: 1 } }, 'type'],
      [{ id: 'd', type: 'group.delete', group: { version: 1 } }, 'group.key'],
      [
        {
          id: 'd',
          type: 'group.upsert',
          group: { key: 'k', version: 1, members: [{ address: 'a' }, { address: 'a' }] },
        },
        'group.members.1.address',
      ],
      [
        {
          id: 'd',
          type: 'group.upsert',
          group: {
            key: 'k',
            version: 1,
            members: ['a', 'b', 'c', 'd', 'e', 'f'].map((address) => ({ address })),
          },
        },
        'group.members',
      ],
      [{ id: 'd', type: 'group.delete', group: { key: 'k', version: 1 }, extra: true }, 'extra'],
      [{ id: 'd', type: 'group.delete', group: { key: 'k', version: -1 } }, 'group.version'],
      [
        {
          id: 'd',
          type: 'group.members.add',
          group: { key: 'k', version: 1, members: [{ address: 'a,b' }] },
        },
        'group.members.0.address',
      ],
      [{ type: 'group.delete', group: { key: 'k', version: 1 } }, 'id'],
      ['{not json', '(body)'],
    ];
    for (const [body, field] of cases) {
      const problem = await refusal(signed(body));
      expect(problem, JSON.stringify(body)).toMatchObject({ status: 400, code: 'invalid-request' });
      expect(problem.errors?.[0]?.field, JSON.stringify(body)).toBe(field);
    }
    expect(queue.messages).toEqual([]);
  });

  it('refuses a body over 1 MiB with 413 before checking anything else', async () => {
    const problem = await refusal({ body: 'x'.repeat(1024 * 1024 + 1), headers: {} });
    expect(problem).toMatchObject({ status: 413, code: 'payload-too-large' });
  });

  it('acknowledges a repeated delivery with its current status and applies it once', async () => {
    await receive(signed(upsert('d-1')));
    expect(await receive(signed(upsert('d-1')))).toEqual({
      deliveryId: 'd-1',
      status: 'queued',
      duplicate: true,
    });
    store.deliveries.get('d-1')!.status = 'applied';
    expect(await receive(signed(upsert('d-1')))).toEqual({
      deliveryId: 'd-1',
      status: 'applied',
      duplicate: true,
    });
    // Queued twice (SQS drops the copy within its window; the worker skips it after), never after applied.
    expect(queue.messages.map((m) => m.deduplicationId)).toEqual(['d-1', 'd-1']);
  });

  it('refuses a delivery id reused for a different event', async () => {
    await receive(signed(upsert('d-1', 1)));
    expect(await refusal(signed(upsert('d-1', 2)))).toMatchObject({
      status: 409,
      code: 'delivery-id-conflict',
    });
  });

  it('reports an event older than the applied version as stale without enqueueing', async () => {
    store.metas.set('team-1', {
      key: 'team-1',
      gid: 7,
      versions: { upsert: 4, create: 4, name: 4 },
      memberCount: 0,
      intents: [],
    });
    expect(await receive(signed(upsert('d-1', 3)))).toEqual({ deliveryId: 'd-1', status: 'stale' });
    expect(queue.messages).toEqual([]);
    expect(store.deliveries.get('d-1')?.detail).toBe(
      "version 3 is not above the group's last upsert or delete (4)",
    );
    expect(logger.lines).toContainEqual({
      level: 'info',
      message: 'group webhook stale',
      attrs: expect.objectContaining({ deliveryId: 'd-1', key: 'team-1', version: 3, floor: 4 }),
    });
  });

  it('answers 503 when the queue refuses, and queues on the next delivery attempt', async () => {
    queue.fail = true;
    expect(await refusal(signed(upsert('d-1')))).toMatchObject({ status: 503, code: 'queue-unavailable' });
    queue.fail = false;
    expect(await receive(signed(upsert('d-1')))).toMatchObject({ status: 'queued', duplicate: true });
    expect(queue.messages).toHaveLength(1);
  });
});
