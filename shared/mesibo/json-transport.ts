/**
 * The current API (`/backend/`): one JSON object per request, `{op, token, id}` plus the op's nested
 * payload (`user`, `group`, `message`) and, for list ops, a top-level `count`.
 */
import {
  type EncodedRequest,
  type Envelope,
  fullPermissions,
  joinAddresses,
  type MesiboRequest,
} from './requests';
import type { UserRef, UserTokenOptions } from './types';

/** `expiryMinutes` travels as mesibo's `expiry`; the v2 platform identifiers only when given. */
export const tokenPayload = (token: UserTokenOptions) => {
  const { expiryMinutes, ...rest } = token;
  return { ...rest, expiry: expiryMinutes };
};

const userRef = (ref: UserRef) => ('uid' in ref ? { uid: ref.uid } : { address: ref.address });

export const toJsonPayload = (request: MesiboRequest): Record<string, unknown> => {
  switch (request.op) {
    case 'useradd': {
      const { address, name, active, otp, token } = request.input;
      return { user: { address, name, active, otp, token: token && tokenPayload(token) } };
    }
    case 'userset': {
      const { name, active, removeToken } = request.input;
      const token =
        removeToken === undefined
          ? undefined
          : removeToken === true
            ? { remove: true }
            : { remove: true, appid: removeToken.appid };
      return { user: { ...userRef(request.input), name, active, token } };
    }
    case 'userdel':
      return { user: userRef(request.input) };
    case 'usersget': {
      const { address, count } = request.input;
      return { count, user: address === undefined ? undefined : { address } };
    }
    case 'groupadd': {
      const { name, flags, active } = request.input;
      return { group: { name, flags, active } };
    }
    case 'groupset': {
      const { gid, name, flags, active } = request.input;
      return { group: { gid, name, flags, active } };
    }
    case 'groupdel':
      return { group: { gid: request.input.gid } };
    case 'groupeditmembers': {
      const { gid, addresses, remove, permissions } = request.input;
      const m = addresses.join(',');
      return remove
        ? { group: { gid, delete: true, members: { m } } }
        : { group: { gid, members: { m, permissions: fullPermissions(permissions) } } };
    }
    case 'groupgetmembers':
      return { count: request.input.count, group: { gid: request.input.gid } };
    case 'message': {
      const { from, type, expirySeconds, whenSeconds, title, url, message } = request.input;
      const to = request.input.to === undefined ? undefined : joinAddresses(request.input.to);
      return {
        message: {
          from,
          to,
          gid: request.input.gid,
          type,
          expiry: expirySeconds,
          when: whenSeconds,
          title,
          url,
          message,
        },
      };
    }
  }
};

export const encodeJsonRequest = (request: MesiboRequest, envelope: Envelope): EncodedRequest => ({
  op: request.op,
  contentType: 'application/json',
  // The envelope goes last so a payload can never shadow op/token/id.
  body: JSON.stringify({ ...toJsonPayload(request), op: request.op, token: envelope.token, id: envelope.id }),
});
