import { describe, expect, it } from 'vitest';
import type { SecretSource } from '../../../shared/ports';
import {
  APP_TOKEN_PLACEHOLDER,
  AppTokenUnsetError,
  appTokenSource,
  isAppTokenPlaceholder,
  requireAppToken,
  setAppTokenCommands,
} from '../../../shared/secrets/app-token';
import { secretLocation } from '../../../shared/secrets/names';

const RANDOM = 'Q7xk2m9PzR4vT1wY8bN3cL6hJ0fD5sA2';
const PLACEHOLDER = JSON.stringify({
  ...JSON.parse(APP_TOKEN_PLACEHOLDER.secretStringTemplate),
  [APP_TOKEN_PLACEHOLDER.generateStringKey]: RANDOM,
});
const ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:mesibo-serverless/prod/mesibo-app-token-Ab12Cd';

describe('app token placeholder', () => {
  it('recognises the stack placeholder, and nothing a real token looks like', () => {
    expect(isAppTokenPlaceholder(PLACEHOLDER)).toBe(true);
    expect(isAppTokenPlaceholder(`  ${PLACEHOLDER}\n`)).toBe(true);
    for (const value of [
      'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2',
      '{"placeholder":false}',
      '{"placeholder":"true"}',
      '{"token":"abc"}',
      '{not json',
      'null',
      '',
    ]) {
      expect(isAppTokenPlaceholder(value), value).toBe(false);
    }
  });

  it('names the secret from its ARN, with the commands that set it', () => {
    expect(secretLocation(ARN)).toEqual({
      name: 'mesibo-serverless/prod/mesibo-app-token',
      region: 'eu-west-1',
    });
    expect(setAppTokenCommands(ARN)).toEqual([
      'npm run set-secrets -- -c stage=prod',
      'aws secretsmanager put-secret-value --region eu-west-1 --secret-id mesibo-serverless/prod/mesibo-app-token --secret-string file://mesibo-app-token.txt',
    ]);
    // A secret the stack did not name has no stage to give set-secrets.
    expect(setAppTokenCommands('my/own-token')).toEqual([
      'aws secretsmanager put-secret-value --secret-id my/own-token --secret-string file://mesibo-app-token.txt',
    ]);
  });
});

describe('appTokenSource', () => {
  const setup = (initial: string) => {
    const state = { value: initial, reads: [] as boolean[], t: 0 };
    const source: SecretSource = async (options) => {
      state.reads.push(options?.forceRefresh === true);
      return state.value;
    };
    const lines: { message: string; extra: Record<string, unknown> }[] = [];
    const logger = {
      error: (message: string, extra: Record<string, unknown>) => lines.push({ message, extra }),
    };
    const appToken = appTokenSource(source, { secretId: ARN, logger, now: () => state.t });
    return { state, lines, appToken };
  };

  it('passes a plain token through, trimmed (a trailing newline from a file)', async () => {
    const { appToken, lines } = setup('  real-token\n');
    await expect(appToken()).resolves.toBe('real-token');
    expect(lines).toEqual([]);
  });

  it('raises AppTokenUnsetError for the placeholder and logs what to run once, without the value', async () => {
    const { appToken, lines } = setup(PLACEHOLDER);
    for (let i = 0; i < 3; i++) await expect(appToken()).rejects.toBeInstanceOf(AppTokenUnsetError);
    await expect(requireAppToken(appToken)()).rejects.toThrow('mesibo-serverless/prod/mesibo-app-token');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.extra).toMatchObject({ code: 'mesibo-app-token-unset' });
    for (const command of setAppTokenCommands(ARN)) expect(lines[0]!.message).toContain(command);
    expect(JSON.stringify(lines)).not.toContain(RANDOM);
  });

  it('reads a placeholder afresh every 30 s, so a token just set is used without waiting for the cache age', async () => {
    const { appToken, state, lines } = setup(PLACEHOLDER);
    await expect(appToken()).rejects.toBeInstanceOf(AppTokenUnsetError);
    state.t = 29_999;
    await expect(appToken()).rejects.toBeInstanceOf(AppTokenUnsetError);
    expect(state.reads).toEqual([false, false]);

    state.value = 'real-token';
    state.t = 30_000;
    await expect(appToken()).resolves.toBe('real-token');
    expect(state.reads).toEqual([false, false, true]);
    await expect(appToken()).resolves.toBe('real-token');
    expect(state.reads.at(-1)).toBe(false);

    // Set back to the placeholder (a deploy that regenerated it): logged again.
    state.value = PLACEHOLDER;
    await expect(appToken()).rejects.toBeInstanceOf(AppTokenUnsetError);
    expect(lines).toHaveLength(2);
  });
});
