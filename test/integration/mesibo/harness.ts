/**
 * Shared set-up for the client's contract and fault tests: one emulator per transport, a client
 * factory with injected sleep/random, a log sink, and the secret checks every failure goes through.
 */
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { type EmulatorControl, emulatorControl } from '../../../local/mesibo-emulator/control';
import { type RunningEmulator, startMesiboEmulator } from '../../../local/mesibo-emulator/server';
import {
  createMesiboClient,
  type MesiboApiStyle,
  type MesiboClientOptions,
  MesiboError,
  type MesiboHttpClient,
} from '../../../shared/mesibo/index';

export const STYLES: MesiboApiStyle[] = ['json', 'legacy'];

export interface LogLine {
  level: 'debug' | 'info' | 'warn';
  message: string;
  attrs?: object;
}

export interface Harness {
  emulator: RunningEmulator;
  control: EmulatorControl;
  /** Every line any client of this harness logged (serialised when asserted). */
  logs: LogLine[];
  /** Every wait the retry loop asked for. */
  sleeps: number[];
  baseUrl: string;
  client(overrides?: Partial<MesiboClientOptions>): MesiboHttpClient;
}

/** Registers the hooks for one transport's describe block; read the fields inside tests. */
export const useHarness = (style: MesiboApiStyle): Harness => {
  const clients: MesiboHttpClient[] = [];
  const h = { logs: [] as LogLine[], sleeps: [] as number[] } as Harness;
  const logger = {
    debug: (message: string, attrs?: object) => h.logs.push({ level: 'debug', message, attrs }),
    info: (message: string, attrs?: object) => h.logs.push({ level: 'info', message, attrs }),
    warn: (message: string, attrs?: object) => h.logs.push({ level: 'warn', message, attrs }),
  };

  beforeAll(async () => {
    h.emulator = await startMesiboEmulator();
    h.control = emulatorControl(h.emulator.url);
    h.baseUrl = style === 'json' ? h.emulator.backendUrl : h.emulator.legacyUrl;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await h.emulator?.close();
  });
  beforeEach(async () => {
    await h.control.reset();
    h.logs.length = 0;
    h.sleeps.length = 0;
  });

  h.client = (overrides = {}) => {
    const client = createMesiboClient({
      baseUrl: h.baseUrl,
      style,
      appToken: async () => h.emulator.appToken,
      timeoutMs: 2000,
      random: () => 0.5,
      sleep: async (ms) => {
        h.sleeps.push(ms);
      },
      logger,
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  return h;
};

/** Awaits a call that must fail and returns its MesiboError. */
export const failure = async (call: Promise<unknown>): Promise<MesiboError> => {
  const outcome = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(MesiboError);
  return outcome as MesiboError;
};

/** The secret must not appear in the error's message, stack, fields, JSON view or inspection. */
export const expectSecretAbsent = (secrets: string[], ...texts: string[]) => {
  for (const secret of secrets) {
    for (const text of texts) expect(text).not.toContain(secret);
  }
};

export const errorTexts = (error: MesiboError): string[] => [
  error.message,
  error.stack ?? '',
  JSON.stringify(error),
  JSON.stringify({ ...error }),
  String(error.cause),
  String(error.action),
  error.properties.join(' '),
];
