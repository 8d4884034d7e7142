import { afterAll, describe, expect, it } from 'vitest';
import { startMesiboEmulator } from '../../../local/mesibo-emulator/server';
import { APP_TOKEN, type Envelope, harnessFor, useEmulator } from './helpers';

const h = useEmulator();

const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('TOKENBREACH', () => {
  it('is off by default: any number of caller IPs is fine', async () => {
    for (let i = 1; i <= 8; i++) {
      expect(await h.json('usersget', {}, from(`10.0.0.${i}`))).toMatchObject({ result: true });
    }
    expect((await h.control.state()).tokenBreach).toEqual({ enabled: false, tripped: false, ips: [] });
  });

  it('when enabled, a sixth distinct IP trips it and every later call fails, from any IP', async () => {
    await h.control.configure({ tokenBreach: true });
    for (let i = 1; i <= 5; i++) {
      expect(await h.json('usersget', {}, from(`10.0.0.${i}`))).toMatchObject({ result: true });
      expect(await h.json('usersget', {}, from(`10.0.0.${i}`))).toMatchObject({ result: true });
    }
    const sixth = await h.json('useradd', { id: 6, user: { address: 'x' } }, from('10.0.0.6'));
    expect(sixth).toEqual({
      op: 'useradd',
      result: false,
      error: 'TOKENBREACH',
      code: 403,
      cause: expect.any(String),
      action: expect.any(String),
      properties: ['token'],
      id: 6,
    });
    const later = (await (
      await fetch(`${h.emulator.legacyUrl}?op=usersget&token=${APP_TOKEN}`, { headers: from('10.0.0.1') })
    ).json()) as Envelope;
    expect(later).toMatchObject({ result: false, error: 'TOKENBREACH', code: 403 });
    const state = await h.control.state();
    expect(state.users).toEqual([]);
    expect(state.tokenBreach).toEqual({
      enabled: true,
      tripped: true,
      ips: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6'],
    });
  });

  it('uses the first X-Forwarded-For entry, and counts only calls with the valid app token', async () => {
    await h.control.configure({ tokenBreach: true });
    for (let i = 1; i <= 5; i++) await h.json('usersget', {}, from(`192.0.2.${i}, 10.9.9.9`));
    // Wrong-token calls fail AUTHFAIL and are not counted against the app.
    for (let i = 10; i <= 20; i++) {
      expect(await h.json('usersget', { token: 'wrong' }, from(`192.0.2.${i}`))).toMatchObject({
        error: 'AUTHFAIL',
      });
    }
    expect(await h.json('usersget', {}, from('192.0.2.1'))).toMatchObject({ result: true });
    expect((await h.control.state()).tokenBreach.ips).toHaveLength(5);
  });

  it('switching the rule off at run time lifts it; switching on counts afresh', async () => {
    await h.control.configure({ tokenBreach: true });
    for (let i = 1; i <= 6; i++) await h.json('usersget', {}, from(`10.1.0.${i}`));
    expect(await h.json('usersget', {})).toMatchObject({ error: 'TOKENBREACH' });
    await h.control.configure({ tokenBreach: false });
    expect(await h.json('usersget', {}, from('10.1.0.99'))).toMatchObject({ result: true });
    await h.control.configure({ tokenBreach: true });
    expect(await h.json('usersget', {}, from('10.1.0.100'))).toMatchObject({ result: true });
    expect((await h.control.state()).tokenBreach).toEqual({
      enabled: true,
      tripped: false,
      ips: ['10.1.0.100'],
    });
  });

  it('without X-Forwarded-For the socket address counts', async () => {
    await h.control.configure({ tokenBreach: true });
    await h.json('usersget', {});
    expect((await h.control.state()).tokenBreach.ips).toEqual(['127.0.0.1']);
  });
});

describe('TOKENBREACH from the start option', () => {
  const started = startMesiboEmulator({ appToken: APP_TOKEN, tokenBreach: true });
  afterAll(async () => (await started).close());

  it('is enabled when the emulator starts with tokenBreach: true', async () => {
    const own = harnessFor(await started);
    for (let i = 1; i <= 5; i++) await own.json('usersget', {}, from(`172.16.0.${i}`));
    expect(await own.json('usersget', {}, from('172.16.0.6'))).toMatchObject({ error: 'TOKENBREACH' });
  });
});
