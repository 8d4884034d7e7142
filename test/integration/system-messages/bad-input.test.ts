import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifyHarness, startNotifyHarness } from '../../../local/harness/system-messages/harness';

const valid = { audience: { addresses: ['a'] }, message: { text: 'hello' } };
const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

describe('send-system-message: bad input is refused, naming the field, and nothing is sent or scheduled', () => {
  let h: NotifyHarness;
  beforeAll(async () => {
    h = await startNotifyHarness({ env: { SYSTEM_SENDERS: 'system,ops-bot' } });
    await h.seedGroup('known', ['m1']);
  });
  afterAll(async () => {
    // Nothing reached mesibo (beyond seeding the group), the queue or the scheduler.
    expect(await h.control.requests({ op: 'message' })).toEqual([]);
    expect(await h.control.requests({ op: 'useradd' })).toEqual([]);
    expect(h.queued).toEqual([]);
    expect(h.schedules).toEqual([]);
    await h.close();
  });

  it.each([
    ['an unknown field', { ...valid, priority: 'high' }, 'priority'],
    ['an unknown message field', { ...valid, message: { text: 'x', colour: 'red' } }, 'message.colour'],
    ['an unknown audience kind', { ...valid, audience: { everyone: true } }, 'audience.everyone'],
    ['no text', { ...valid, message: { title: 'x' } }, 'message.text'],
    ['empty text', { ...valid, message: { text: '' } }, 'message.text'],
    ['blank text', { ...valid, message: { text: '   \n' } }, 'message.text'],
    ['no audience', { message: valid.message }, 'audience'],
    ['an empty audience', { ...valid, audience: {} }, 'audience'],
    ['two audience kinds', { ...valid, audience: { addresses: ['a'], allUsers: true } }, 'audience'],
    [
      'a group with both key and gid',
      { ...valid, audience: { group: { key: 'k', gid: 1 } } },
      'audience.group',
    ],
    ['a group with neither', { ...valid, audience: { group: {} } }, 'audience.group'],
    ['allUsers false', { ...valid, audience: { allUsers: false } }, 'audience.allUsers'],
    ['no addresses', { ...valid, audience: { addresses: [] } }, 'audience.addresses'],
    [
      'more than 10,000 addresses',
      { ...valid, audience: { addresses: Array.from({ length: 10_001 }, (_, i) => `u${i}`) } },
      'audience.addresses',
    ],
    ['an address with a comma', { ...valid, audience: { addresses: ['a', 'b,c'] } }, 'audience.addresses.1'],
    ['a malformed sendAt', { ...valid, sendAt: 'tomorrow' }, 'sendAt'],
    ['a sendAt without a zone', { ...valid, sendAt: '2031-01-01T10:00:00' }, 'sendAt'],
    ['a sendAt in the past', { ...valid, sendAt: '2020-01-01T00:00:00Z' }, 'sendAt'],
    ['an unknown delivery', { ...valid, delivery: 'exactly-once' }, 'delivery'],
    ['a bad notificationId', { ...valid, notificationId: 'has spaces' }, 'notificationId'],
    ['a negative expiry', { ...valid, message: { text: 'x', expirySeconds: -1 } }, 'message.expirySeconds'],
    ['a url that is not one', { ...valid, message: { text: 'x', url: 'nope' } }, 'message.url'],
    ['a relative url', { ...valid, message: { text: 'x', url: '/status' } }, 'message.url'],
    ['a javascript: url', { ...valid, message: { text: 'x', url: 'javascript:alert(1)' } }, 'message.url'],
    ['a data: url', { ...valid, message: { text: 'x', url: 'data:text/html,<b>hi</b>' } }, 'message.url'],
    ['an http: url', { ...valid, message: { text: 'x', url: 'http://status.example.com' } }, 'message.url'],
    ['a sender that is not a system sender', { ...valid, from: 'alice' }, 'from'],
    ['such a sender at sendAt', { ...valid, from: 'alice', sendAt: inAnHour() }, 'from'],
    ['a body that is not JSON', '{"audience":', '(body)'],
    ['a body that is not an object', '[1,2]', '(body)'],
  ])('400 for %s', async (_, body, field) => {
    const answer = await h.post(body);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400, code: 'invalid-request' });
    expect((answer.body.errors as { field: string }[]).map((e) => e.field)).toContain(field);
  });

  it('records nothing for a refused notification: its status is unknown', async () => {
    const refused = await h.post({ ...valid, notificationId: 'refused-1', from: 'mallory' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errors: [{ field: 'from' }] });
    const status = await h.status('refused-1');
    expect(status.status).toBe(404);
    expect(status.body).toMatchObject({
      code: 'notification-not-found',
      errors: [{ field: 'notificationId' }],
    });
  });

  it.each([
    ['now', () => ({ ...valid, audience: { group: { key: 'unknown' } } })],
    ['at sendAt', () => ({ ...valid, audience: { group: { key: 'unknown' } }, sendAt: inAnHour() })],
  ])('404 for an unknown group key (sending %s)', async (_, body) => {
    const answer = await h.post(body());
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 'group-not-found', errors: [{ field: 'audience.group.key' }] });
  });
});
