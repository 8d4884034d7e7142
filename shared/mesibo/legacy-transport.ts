/**
 * The older API (`api.php`): flat parameters with their own names (`addr`, `m`, `msg`, `cs`/`cr`/...,
 * booleans as 1/0). Sent as a form POST rather than a query string so the app token stays out of URLs
 * and access logs.
 */

import { tokenPayload } from './json-transport';
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
      const { address, name, active, otp, token } = request.input;
      const { v2, expiry, ...ids } = token ? tokenPayload(token) : {};
      return { addr: address, name, active: flag(active), otp, ...ids, expiry, v2: flag(v2) };
    }
    case 'userset': {
      const { name, active, removeToken } = request.input;
      // Token removal as mesibo's PHP helper sends it in form mode: JSON `user.token.remove` lifted to
      // a top-level `remove` (no source shows a legacy `deltoken` by uid or address).
      const removal =
        removeToken === undefined
          ? {}
          : { remove: 1, appid: removeToken === true ? undefined : removeToken.appid };
      return { ...userRef(request.input), name, active: flag(active), ...removal };
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
  const { op } = request;
  const form = new URLSearchParams({
    ...toLegacyParams(request),
    op,
    id: String(envelope.id),
    token: envelope.token,
  });
  return { op, contentType: 'application/x-www-form-urlencoded', body: form.toString() };
};
