/**
 * The mesibo backend API client: one typed method per op over either wire format. Retries, token
 * refresh and secret scrubbing live in the caller (caller.ts); this file only names the ops.
 */
import { createMesiboCaller } from './caller';
import type { MesiboClientOptions } from './options';
import { parseGroupAdd, parseGroupMembers, parseMessage, parseUserAdd, parseUsersGet } from './responses';
import type { MesiboClient, UserSetInput } from './types';

/** A MesiboClient that owns network resources. */
export interface MesiboHttpClient extends MesiboClient {
  /** Closes the client's keep-alive connections. */
  close(): Promise<void>;
}

const done = () => undefined;

export const createMesiboClient = (options: MesiboClientOptions): MesiboHttpClient => {
  const { execute, close } = createMesiboCaller(options);

  const userset: MesiboClient['userset'] = async (input, callOptions) => {
    const { removeToken, name, active } = input;
    // The legacy API removes tokens with a separate op (deltoken), so a profile change goes first, alone.
    if (
      options.style === 'legacy' &&
      removeToken !== undefined &&
      (name !== undefined || active !== undefined)
    ) {
      const ref = 'uid' in input ? { uid: input.uid } : { address: input.address };
      const profile: UserSetInput = {
        ...ref,
        ...(name === undefined ? {} : { name }),
        ...(active === undefined ? {} : { active }),
      };
      await execute({ op: 'userset', input: profile }, done, callOptions);
      return execute({ op: 'userset', input: { ...ref, removeToken } }, done, callOptions);
    }
    return execute({ op: 'userset', input }, done, callOptions);
  };

  return {
    useradd: (input, o) => execute({ op: 'useradd', input }, parseUserAdd, o),
    userset,
    userdel: (input, o) => execute({ op: 'userdel', input }, done, o),
    usersget: (input = {}, o) => execute({ op: 'usersget', input }, parseUsersGet, o),
    groupadd: (input, o) => execute({ op: 'groupadd', input }, parseGroupAdd, o),
    groupset: (input, o) => execute({ op: 'groupset', input }, done, o),
    groupdel: (input, o) => execute({ op: 'groupdel', input }, done, o),
    groupeditmembers: (input, o) => execute({ op: 'groupeditmembers', input }, done, o),
    groupgetmembers: (input, o) =>
      execute({ op: 'groupgetmembers', input }, (body) => parseGroupMembers(body, input.gid), o),
    message: (input, o) => execute({ op: 'message', input }, parseMessage, o),
    close,
  };
};
