/**
 * zod as the functions use it: zod/mini, whose schemas cost a fraction of classic zod's at cold start,
 * with the English messages that classic installs when it loads and mini does not (without them every
 * built-in issue reads "Invalid input", and a 400 would no longer say what was expected).
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());

export * from 'zod/mini';
