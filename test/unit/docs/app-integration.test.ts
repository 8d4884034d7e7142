import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('docs/app-integration.md', () => {
  it('shows the web token provider exactly as clients/web/token-provider.ts has it (the code the browser test runs)', () => {
    const guide = read('docs/app-integration.md');
    const block = /<!-- clients\/web\/token-provider\.ts -->\n```ts\n([\s\S]*?)```\n/.exec(guide)?.[1];
    expect(block).toBeDefined();
    expect(block).toBe(read('clients/web/token-provider.ts'));
  });
});
