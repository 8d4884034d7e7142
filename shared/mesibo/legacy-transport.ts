/**
 * The older API (`api.php`): flat parameters with their own names (`addr`, `m`, `msg`, `cs`/`cr`/...,
 * booleans as 1/0). Sent as a form POST rather than a query string so the app token stays out of URLs
 * and access logs.
 */
import {
  type EncodedRequest,
  type Envelope,
  fullPermissions,
  joinAddresses,
  type MesiboRequest,
} from './requests';
import type { UserRef } from './types';

type Flat = Record<string, string | number | boolean | undefined>;

const flag = (value: boolean | undefined) => (value === undefined ? undefined : value ? 1 : 0);

const userRef = (ref: UserRef): Flat => ('uid' in ref ? { uid: ref.uid } : { addr: ref.address });

const mapRequest = (request: MesiboRequest): Flat => {
  switch (request.op) {
    case 'useradd': {
      const { address, name, active, token } = request.input;
      return {
        addr: address,
        name,
        active: flag(active),
        appid: token?.appid,
        expiry: token?.expiryMinutes,
        v2: flag(token?.v2),
      };
    }
    case 'userset': {
      const { name, active, removeToken } = request.input;
      if (removeToken !== undefined) {
        // Sent as op=deltoken (see legacyOpName); a profile change in the same call is split off by the client.
        return { ...userRef(request.input), appid: removeToken === true ? undefined : removeToken.appid };
      }
      return { ...userRef(request.input), name, active: flag(active) };
    }
    case 'userdel':
      return userRef(request.input);
    case 'usersget':
      return { addr: request.input.address, count: request.input.count };
    case 'groupadd': {
      const { name, flags, active } = request.input;
      return { name, flag: flags, active: flag(active) };
    }
    case 'groupset': {
      const { gid, name, flags, active } = request.input;
      return { gid, name, flag: flags, active: flag(active) };
    }
    case 'groupdel':
      return { gid: request.input.gid };
    case 'groupeditmembers': {
      const { gid, addresses, remove, permissions } = request.input;
      const m = addresses.join(',');
      if (remove) return { gid, m, delete: 1 };
      const p = fullPermissions(permissions);
      return {
        gid,
        m,
        delete: 0,
        cs: flag(p.send),
        cr: flag(p.recv),
        canpub: flag(p.pub),
        cansub: flag(p.sub),
        canlist: flag(p.list),
      };
    }
    case 'groupgetmembers':
      return { gid: request.input.gid, count: request.input.count };
    case 'message': {
      const { from, type, expirySeconds, whenSeconds, title, url, message } = request.input;
      return {
        from,
        to: request.input.to === undefined ? undefined : joinAddresses(request.input.to),
        gid: request.input.gid,
        type,
        expiry: expirySeconds,
        when: whenSeconds,
        title,
        url,
        msg: message,
      };
    }
  }
};

/**
 * The legacy API has no `userset` token removal: mesibo's own form clients remove a user's tokens with
 * `op=deltoken` (uid or addr, optional appid), the counterpart of JSON `user.token.remove`.
 */
export const legacyOpName = (request: MesiboRequest): string =>
  request.op === 'userset' && request.input.removeToken !== undefined ? 'deltoken' : request.op;

/** The flat parameters of one request, without the envelope (exported for tests and debugging). */
export const toLegacyParams = (request: MesiboRequest): Record<string, string> => {
  const params: Record<string, string> = {};
  // `?? {}` keeps a forged op (tests of BADOP) encodable.
  for (const [key, value] of Object.entries(mapRequest(request) ?? {})) {
    if (value === undefined) continue;
    params[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  return params;
};

export const encodeLegacyRequest = (request: MesiboRequest, envelope: Envelope): EncodedRequest => {
  const op = legacyOpName(request);
  const form = new URLSearchParams({
    ...toLegacyParams(request),
    op,
    id: String(envelope.id),
    token: envelope.token,
  });
  return { op, contentType: 'application/x-www-form-urlencoded', body: form.toString() };
};
