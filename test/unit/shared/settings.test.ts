import { describe, expect, it } from 'vitest';
import { type FunctionName, functionSpec, functionSpecs } from '../../../shared/functions';
import { isPlatformVariable, onlySettingsOf, type Setting } from '../../../shared/settings';

const setting = (fn: FunctionName, name: string): Setting | undefined =>
  functionSpec(fn).settings.find((s) => s.name === name);

describe('settings declared from the config schemas', () => {
  it('marks a variable required when its schema refuses it unset', () => {
    expect(setting('issue-user-token', 'TOKEN_APPIDS')).toEqual({ name: 'TOKEN_APPIDS', required: true });
    expect(setting('send-system-message-worker', 'FANOUT_DLQ_URL')?.required).toBe(true);
    expect(setting('health', 'WEBHOOK_SECRET_ID')?.required).toBe(true);
  });

  it('gives the default the function applies, as an environment value', () => {
    expect(setting('issue-user-token', 'TOKEN_LEASE_MS')).toEqual({
      name: 'TOKEN_LEASE_MS',
      required: false,
      default: '5000',
    });
    expect(setting('issue-user-token', 'TOKEN_RESERVED_ADDRESSES')?.default).toBe('');
    expect(setting('issue-user-token', 'MESIBO_API_STYLE')?.default).toBe('json');
    expect(setting('send-system-message-worker', 'FANOUT_MAX_ATTEMPTS')?.default).toBe('5');
    // Days as set, not the seconds the function turns them into.
    expect(setting('send-system-message', 'NOTIFY_RETENTION_DAYS')?.default).toBe('30');
  });

  it('leaves out the default a function derives at run time', () => {
    // The URL follows MESIBO_API_STYLE when unset.
    expect(setting('sync-group-worker', 'MESIBO_API_URL')).toEqual({
      name: 'MESIBO_API_URL',
      required: false,
    });
  });

  it('declares the mesibo endpoint for exactly the functions that call mesibo', () => {
    for (const spec of functionSpecs) {
      expect(
        spec.settings.some((s) => s.name === 'MESIBO_API_STYLE'),
        spec.name,
      ).toBe(spec.uses.includes('mesibo'));
    }
  });

  it('declares each variable once per function', () => {
    for (const spec of functionSpecs) {
      const names = spec.settings.map((s) => s.name);
      expect(names, spec.name).toEqual([...new Set(names)]);
    }
  });

  it('hands a function only its declared settings and the platform variables', () => {
    const env = {
      TOKEN_APPIDS: 'a',
      FANOUT_BATCH_SIZE: '2',
      PATH: '/usr/bin',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      NODE_OPTIONS: '--enable-source-maps',
    };
    expect(onlySettingsOf(functionSpec('issue-user-token').settings, env)).toEqual({
      TOKEN_APPIDS: 'a',
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      NODE_OPTIONS: '--enable-source-maps',
    });
    expect(isPlatformVariable('AWS_REGION')).toBe(false);
  });
});
