/**
 * One typed value per mesibo call, independent of the wire format. Each transport maps it with its own
 * per-op table (json-transport.ts, legacy-transport.ts), so the two APIs can differ in field names and
 * shapes without leaking into the client.
 */
import type {
  GroupAddInput,
  GroupEditMembersInput,
  GroupGetMembersInput,
  GroupSetInput,
  MessageInput,
  UserAddInput,
  UserRef,
  UserSetInput,
  UsersGetInput,
} from './types';

export type MesiboRequest =
  | { op: 'useradd'; input: UserAddInput }
  | { op: 'userset'; input: UserSetInput }
  | { op: 'userdel'; input: UserRef }
  | { op: 'usersget'; input: UsersGetInput }
  | { op: 'groupadd'; input: GroupAddInput }
  | { op: 'groupset'; input: GroupSetInput }
  | { op: 'groupdel'; input: { gid: number } }
  | { op: 'groupeditmembers'; input: GroupEditMembersInput }
  | { op: 'groupgetmembers'; input: GroupGetMembersInput }
  | { op: 'message'; input: MessageInput };

export type MesiboOp = MesiboRequest['op'];

/**
 * Ops whose repetition changes the outcome: a retried `message` is a second message, a retried
 * `groupadd` a second (empty) group. Only these are held back from retrying once the request may have
 * reached mesibo.
 */
export const NON_IDEMPOTENT_OPS: ReadonlySet<MesiboOp> = new Set<MesiboOp>(['message', 'groupadd']);

/** Rights for added members: all five are always sent, each defaulting to true. */
export const fullPermissions = (p: GroupEditMembersInput['permissions'] = {}) => ({
  send: p.send ?? true,
  recv: p.recv ?? true,
  pub: p.pub ?? true,
  sub: p.sub ?? true,
  list: p.list ?? true,
});

/** Every address a request carries, with the field it travels in, for the address rule. */
export const requestAddresses = (request: MesiboRequest): [field: string, address: string][] => {
  switch (request.op) {
    case 'useradd':
      return [['address', request.input.address]];
    case 'userset':
    case 'userdel':
      return 'address' in request.input ? [['address', request.input.address]] : [];
    case 'usersget':
      return request.input.address === undefined ? [] : [['address', request.input.address]];
    case 'groupeditmembers':
      return request.input.addresses.map((a, i): [string, string] => [`addresses[${i}]`, a]);
    case 'message': {
      const { from, to } = request.input;
      const recipients = to === undefined ? [] : [to].flat();
      return [['from', from], ...recipients.map((a, i): [string, string] => [`to[${i}]`, a])];
    }
    default:
      return [];
  }
};

/** mesibo takes recipient lists as one comma-separated string in both APIs. */
export const joinAddresses = (to: string | string[]): string => (Array.isArray(to) ? to.join(',') : to);

/** An encoded request body, ready to POST. */
export interface EncodedRequest {
  /** The op name on the wire (the legacy API names some operations differently). */
  op: string;
  contentType: string;
  body: string;
}

export interface Envelope {
  token: string;
  id: number;
}

export type RequestEncoder = (request: MesiboRequest, envelope: Envelope) => EncodedRequest;
