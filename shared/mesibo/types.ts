/**
 * The typed surface of the mesibo backend API, shared by both transports (current JSON `/backend/`
 * and legacy `api.php`). Every use case depends on `MesiboClient`, never on a transport.
 */

/** The five member rights of a group member (JSON keys; legacy names are cs/cr/canpub/cansub/canlist). */
export interface MemberPermissions {
  send?: boolean;
  recv?: boolean;
  pub?: boolean;
  sub?: boolean;
  list?: boolean;
}

/** A user is addressed by its address (preferred) or by its mesibo uid. */
export type UserRef = { address: string } | { uid: number };

interface TokenLifetime {
  /** Token lifetime in minutes (mesibo's unit). 0 means never expires. mesibo's default is one year. */
  expiryMinutes?: number;
}

/**
 * A v1 token is bound to an appid (Android package, iOS bundle id, or any string given to
 * setAppName()). A v2 token may name an appid too, or be bound by platform identifiers instead.
 */
export type UserTokenOptions = TokenLifetime &
  (
    | { appid: string; v2?: boolean }
    | {
        v2: true;
        appid?: string;
        /** v2 platform identifiers: Android package, iOS bundle id, the web origin. */
        package?: string;
        bundle?: string;
        url?: string;
      }
  );

export interface UserAddInput {
  address: string;
  name?: string;
  active?: boolean;
  /** A one-time password issued by mesibo's `otp` op; mesibo then adds the user only if it matches. */
  otp?: string;
  /** When present, mesibo issues a user access token; without it, only the user is created/updated. */
  token?: UserTokenOptions;
}

export interface UserAddResult {
  uid: number;
  /** The address as mesibo stored it, when the answer carries it. */
  address?: string;
  /** The user access token; present when `token` options were given. */
  token?: string;
}

export type UserSetInput = UserRef & {
  name?: string;
  active?: boolean;
  /** Remove the user's access tokens (all, or only those of one appid). */
  removeToken?: true | { appid: string };
};

export interface UsersGetInput {
  /** Address filter; `*` is a wildcard. */
  address?: string;
  count?: number;
}

export interface MesiboUser {
  uid: number;
  address: string;
  /** The app of the token this entry describes, when mesibo lists one entry per user and appid. */
  appid?: string;
  name?: string;
  active?: boolean;
}

export interface GroupAddInput {
  name?: string;
  flags?: number;
  active?: boolean;
}

export interface GroupSetInput {
  gid: number;
  name?: string;
  flags?: number;
  active?: boolean;
}

export interface GroupEditMembersInput {
  gid: number;
  addresses: string[];
  /** true removes the listed members; otherwise they are added (or their permissions updated). */
  remove?: boolean;
  /** Rights for added members; all five default to true. */
  permissions?: MemberPermissions;
}

export interface GroupGetMembersInput {
  gid: number;
  count?: number;
}

export interface GroupMember {
  uid?: number;
  address: string;
  permissions: Required<MemberPermissions>;
}

export interface GroupMembers {
  gid: number;
  count: number;
  members: GroupMember[];
}

export type MessageInput = {
  /** Sender address; must be an existing mesibo user. */
  from: string;
  type?: number;
  /** Seconds until the message expires (mesibo's unit). 0 = deliver only to users online now. */
  expirySeconds?: number;
  /** Seconds to delay delivery. */
  whenSeconds?: number;
  title?: string;
  url?: string;
  message?: string;
} & ({ to: string | string[]; gid?: never } | { gid: number; to?: never });

export interface MessageResult {
  /** mesibo's message id, when the server returns one. */
  mid?: number;
}

export interface CallOptions {
  /** Aborts the call (in addition to the client's own timeouts). */
  signal?: AbortSignal;
  /** Request id sent to mesibo and checked in the echo; one is generated when omitted. */
  id?: number;
}

export interface MessageCallOptions extends CallOptions {
  /**
   * `message` is not idempotent at mesibo: by default it is never retried once the request may have
   * reached mesibo. Set true only when a duplicate is acceptable (at-least-once delivery).
   */
  retryUnsafe?: boolean;
}

export interface MesiboClient {
  useradd(input: UserAddInput, options?: CallOptions): Promise<UserAddResult>;
  userset(input: UserSetInput, options?: CallOptions): Promise<void>;
  userdel(user: UserRef, options?: CallOptions): Promise<void>;
  usersget(input?: UsersGetInput, options?: CallOptions): Promise<{ users: MesiboUser[]; count: number }>;
  groupadd(input: GroupAddInput, options?: CallOptions): Promise<{ gid: number }>;
  groupset(input: GroupSetInput, options?: CallOptions): Promise<void>;
  groupdel(group: { gid: number }, options?: CallOptions): Promise<void>;
  groupeditmembers(input: GroupEditMembersInput, options?: CallOptions): Promise<void>;
  groupgetmembers(input: GroupGetMembersInput, options?: CallOptions): Promise<GroupMembers>;
  message(input: MessageInput, options?: MessageCallOptions): Promise<MessageResult>;
}

/**
 * Supplies the mesibo app token. Called before each mesibo request; `forceRefresh` is set once after
 * mesibo answers AUTHFAIL, so a rotated token is picked up without a restart.
 */
export type AppTokenSource = (options?: { forceRefresh?: boolean }) => Promise<string>;

/** mesibo error codes this product reacts to; any other code is kept as a plain string. */
export type KnownMesiboErrorCode = 'BADOP' | 'BADVALUE' | 'AUTHFAIL' | 'TOKENBREACH';
