/**
 * The mesibo backend API client: one typed method per op over either wire format. Retries, token
 * refresh and secret scrubbing live in the caller (caller.ts); this file only names the ops.
 */
import { addressProblem, InvalidAddressError } from './address';
import { createMesiboCaller } from './caller';
import type { MesiboClientOptions } from './options';
import { type MesiboRequest, requestAddresses } from './requests';
import { parseGroupAdd, parseGroupMembers, parseMessage, parseUserAdd, parseUsersGet } from './responses';
import type { MesiboClient } from './types';

/** A MesiboClient that owns network resources. */
export interface MesiboHttpClient extends MesiboClient {
  /** Closes the client's keep-alive connections. */
  close(): Promise<void>;
}

const done = () => undefined;

export const createMesiboClient = (options: MesiboClientOptions): MesiboHttpClient => {
  const caller = createMesiboCaller(options);
  const { close } = caller;
  /** The one address rule holds for every request, whoever built it: a comma would split a list. */
  const execute: typeof caller.execute = (request: MesiboRequest, parse, callOptions) => {
    for (const [field, address] of requestAddresses(request)) {
      const reason = addressProblem(address);
      if (reason) return Promise.reject(new InvalidAddressError(request.op, field, reason));
    }
    return caller.execute(request, parse, callOptions);
  };

  return {
    useradd: (input, o) => execute({ op: 'useradd', input }, parseUserAdd, o),
    userset: (input, o) => execute({ op: 'userset', input }, done, o),
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
