import { describe, expect, it } from 'vitest';
import { exampleCalls } from '../../../local/banner';
import type { LocalStack } from '../../../local/stack';

const stack = {
  url: 'http://127.0.0.1:4100',
  consoleUrl: 'http://127.0.0.1:4100/_console',
  emulatorUrl: 'http://127.0.0.1:4200',
  mesiboUrl: 'http://127.0.0.1:4200/backend/',
  dynamoEndpoint: 'http://127.0.0.1:4300',
  wired: ['health'],
} as unknown as LocalStack;

describe('npm start banner', () => {
  it('prints the environment the helper lines need when the stack is not on the defaults', () => {
    const text = exampleCalls(stack, {
      stateDir: '/tmp/state dir',
      helperEnv: { PORT: '4100', LOCAL_STATE_DIR: '/tmp/state dir' },
    });
    expect(text).toContain("    export PORT=4100 LOCAL_STATE_DIR='/tmp/state dir'");
    // The export comes before the first helper line, so pasting the block in order works.
    expect(text.indexOf('export PORT')).toBeLessThan(text.indexOf('npm run dev:call'));
  });

  it('prints no export on the defaults', () => {
    expect(exampleCalls(stack, { stateDir: '.local', helperEnv: {} })).not.toContain('export');
  });

  it('never shows a user name or password in a real mesibo URL', () => {
    const real = {
      ...stack,
      emulatorUrl: undefined,
      mesiboUrl: 'https://user:s3cret@mesibo.example/backend/',
    };
    const text = exampleCalls(real as unknown as LocalStack, { stateDir: '.local', helperEnv: {} });
    expect(text).toContain('  mesibo     https://REDACTED@mesibo.example/backend/');
    expect(text).not.toMatch(/user:|s3cret/);
  });
});
