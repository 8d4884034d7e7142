/**
 * Sizes of a split bundle: every chunk (from esbuild's metafile), and what a run actually loaded (the
 * files a cold start's process reported through Node's module hooks, dynamic imports included).
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Metafile } from 'esbuild';
import { round } from './stats';

const KiB = (bytes: number) => round(bytes / 1024, 1);

/** All code chunks of the bundle. */
export const totalKiB = (metafile: Metafile): number =>
  KiB(
    Object.entries(metafile.outputs)
      .filter(([path]) => path.endsWith('.mjs'))
      .reduce((sum, [, out]) => sum + out.bytes, 0),
  );

/** The files behind `urls` (file: URLs a process loaded), each counted once. */
export const loadedKiB = (urls: readonly string[]): number =>
  KiB([...new Set(urls)].reduce((sum, url) => sum + statSync(fileURLToPath(url)).size, 0));
