import { describe, expect, it } from 'vitest';
import { coalescedSecret } from '../../../shared/secrets/coalesce';

describe('coalescedSecret', () => {
  it('shares one read among concurrent callers, and reads again once it has settled', async () => {
    const reads: { forceRefresh?: boolean }[] = [];
    const source = coalescedSecret(async (options = {}) => {
      reads.push(options);
      await new Promise((r) => setImmediate(r));
      return `v${reads.length}`;
    });
    expect(await Promise.all([source(), source(), source()])).toEqual(['v1', 'v1', 'v1']);
    expect(await source()).toBe('v2');
    expect(reads).toEqual([{}, {}]);
  });

  it('never answers a forced refresh with a read that was not forced', async () => {
    const reads: { forceRefresh?: boolean }[] = [];
    const source = coalescedSecret(async (options = {}) => {
      reads.push(options);
      await new Promise((r) => setImmediate(r));
      return options.forceRefresh ? 'rotated' : 'cached';
    });
    const [plain, forced, forcedToo] = await Promise.all([
      source(),
      source({ forceRefresh: true }),
      source({ forceRefresh: true }),
    ]);
    expect([plain, forced, forcedToo]).toEqual(['cached', 'rotated', 'rotated']);
    expect(reads).toEqual([{}, { forceRefresh: true }]);
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const source = coalescedSecret(async () => {
      if (fail) throw new Error('throttled');
      return 'ok';
    });
    await expect(source()).rejects.toThrow('throttled');
    fail = false;
    expect(await source()).toBe('ok');
  });
});
