/**
 * Sizes of a split bundle, from esbuild's metafile: every chunk, and what a cold start loads (the
 * entry and the chunks it imports statically, transitively; dynamic imports wait for their path).
 */
import type { Metafile } from 'esbuild';
import { round } from './stats';

export interface BundleSizes {
  totalKiB: number;
  loadedKiB: number;
}

export const bundleSizes = (metafile: Metafile): BundleSizes => {
  const code = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const entry = code.find(([, out]) => out.entryPoint !== undefined);
  if (!entry) throw new Error('the bundle has no entry chunk');
  const loaded = new Set<string>();
  const visit = (path: string) => {
    const out = metafile.outputs[path];
    if (!out || loaded.has(path)) return;
    loaded.add(path);
    for (const i of out.imports) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(entry[0]);
  const kib = (paths: string[]) =>
    round(paths.reduce((sum, p) => sum + (metafile.outputs[p]?.bytes ?? 0), 0) / 1024, 1);
  return { totalKiB: kib(code.map(([p]) => p)), loadedKiB: kib([...loaded]) };
};
