/** The Lambda entry (health reads no settings). */
export { handler } from './handler';
