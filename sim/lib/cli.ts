/** Flag parsing and printing shared by the simulations. */

/** `--name value` pairs into integers, with defaults. */
export const intFlags = <K extends string>(
  argv: readonly string[],
  defaults: Record<K, number | undefined>,
): Record<K, number | undefined> => {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const name = arg.slice(2) as K;
    if (!(name in defaults))
      throw new Error(`unknown flag ${arg}; known: ${Object.keys(defaults).join(', ')}`);
    const value = Number(argv[++i]);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${arg} needs a non-negative integer`);
    out[name] = value;
  }
  return out;
};

/** One line per figure, objects as JSON. */
export const formatFigures = (figures: object): string =>
  Object.entries(figures)
    .map(
      ([name, value]) => `  ${name.padEnd(18)} ${typeof value === 'object' ? JSON.stringify(value) : value}`,
    )
    .join('\n');
