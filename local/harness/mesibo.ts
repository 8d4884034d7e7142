/** The mesibo client a harness hands a function's wiring: tuned for tests, closed with the harness. */
import { createMesiboClient, type MesiboClientOptions, type MesiboHttpClient } from '../../shared/mesibo';

export const harnessMesibo =
  (tuning: Partial<MesiboClientOptions>, clients: MesiboHttpClient[]) =>
  async (options: MesiboClientOptions): Promise<MesiboHttpClient> => {
    // The wiring's call metrics would print EMF lines on every failure; harnesses count their own.
    const { onCall: _emf, ...production } = options;
    const client = createMesiboClient({ ...production, ...tuning });
    clients.push(client);
    return client;
  };
