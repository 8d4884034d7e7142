/**
 * zod as the functions use it: zod/mini, whose schemas cost a fraction of classic zod's at cold start,
 * with the English messages that classic installs when it loads and mini does not (without them every
 * built-in issue reads "Invalid input", and a 400 would no longer say what was expected). A missing
 * field reads "is required" rather than "expected string, received undefined".
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config({
  ...en(),
  customError: (issue) =>
    issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined,
});

export * from 'zod/mini';
