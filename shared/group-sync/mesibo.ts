/**
 * The mesibo client group sync uses. Every op but groupadd goes through the client's normal retries
 * (adds, removes, renames and deletes are idempotent). groupadd creates a new group each time it
 * reaches mesibo, so an automatic retry after a timeout or a 5xx could create a second group; it is
 * made exactly once here and left to the worker's creation fence (apply.ts) to recover.
 */
import { createMesiboClient, type MesiboClientOptions } from '../mesibo/index';
import type { GroupMesibo } from './apply';

export interface GroupSyncMesibo extends GroupMesibo {
  close(): Promise<void>;
}

export const createGroupSyncMesibo = (options: MesiboClientOptions): GroupSyncMesibo => {
  const client = createMesiboClient(options);
  const creator = createMesiboClient({ ...options, maxAttempts: 1 });
  return {
    groupadd: (input, callOptions) => creator.groupadd(input, callOptions),
    groupset: (input, callOptions) => client.groupset(input, callOptions),
    groupdel: (input, callOptions) => client.groupdel(input, callOptions),
    groupeditmembers: (input, callOptions) => client.groupeditmembers(input, callOptions),
    close: async () => {
      await Promise.all([client.close(), creator.close()]);
    },
  };
};
