import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/health/handler';

describe('health handler', () => {
  it('answers 200 ok without touching any dependency or configuration', async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) delete process.env[key];
    try {
      await expect(handler()).resolves.toEqual({
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"status":"ok"}',
      });
    } finally {
      Object.assign(process.env, saved);
    }
  });
});
