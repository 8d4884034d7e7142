/**
 * A mesibo token provider for web apps: trades the signed-in user's identity-provider token for
 * their mesibo user access token (`POST /v1/users/me/token`), keeps it until shortly before
 * `expiresAt`, asks once however many callers want it at the same time, and waits as told when the
 * service is briefly unavailable. No dependencies; copy it into your app.
 */

export interface MesiboToken {
  address: string;
  uid: number;
  token: string;
  appid: string;
  /** ISO 8601, or null for a token that never expires. */
  expiresAt: string | null;
}

export interface TokenProviderOptions {
  /** The API's base URL, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  apiUrl: string;
  /**
   * The signed-in user's token from your identity provider (Cognito, Auth0, Firebase, ...).
   * `forceRefresh` is true after the API refused it (401): fetch a new one rather than a cached one.
   */
  getIdToken: (forceRefresh: boolean) => Promise<string>;
  /** The mesibo appid; for a web app, the name you pass to mesibo's `setAppName`. */
  appid?: string;
  /** Renew this long before `expiresAt` (default 5 minutes). */
  refreshBeforeMs?: number;
  /** Attempts when the service answers 429 or 503 (default 4). */
  maxAttempts?: number;
}

/** The API refused the request; `code` is the problem's stable code (`unauthorized`, `reserved-address`, ...). */
export class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    detail: string | undefined,
  ) {
    super(`mesibo token request failed: ${status}${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'TokenRequestError';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `Retry-After` in seconds when the server sent one, else exponential backoff with full jitter. */
const waitMs = (response: Response, attempt: number): number => {
  const seconds = Number(response.headers.get('retry-after'));
  if (Number.isFinite(seconds) && seconds > 0) return seconds * 1000;
  return Math.random() * Math.min(10_000, 500 * 2 ** attempt);
};

export const createTokenProvider = (options: TokenProviderOptions) => {
  const endpoint = `${options.apiUrl.replace(/\/+$/, '')}/v1/users/me/token`;
  const refreshBeforeMs = options.refreshBeforeMs ?? 5 * 60_000;
  const maxAttempts = options.maxAttempts ?? 4;
  let current: MesiboToken | undefined;
  let pending: Promise<MesiboToken> | undefined;

  const usable = (t: MesiboToken | undefined): t is MesiboToken =>
    t !== undefined && (t.expiresAt === null || Date.parse(t.expiresAt) - Date.now() > refreshBeforeMs);

  const call = async (method: 'POST' | 'DELETE', forceRefresh: boolean): Promise<Response> =>
    fetch(endpoint, {
      method,
      headers: {
        authorization: `Bearer ${await options.getIdToken(forceRefresh)}`,
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify(options.appid ? { appid: options.appid } : {}) } : {}),
    });

  const refused = async (response: Response): Promise<TokenRequestError> => {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    return new TokenRequestError(response.status, problem.code, problem.detail);
  };

  const request = async (): Promise<MesiboToken> => {
    let forceRefresh = false;
    for (let attempt = 1; ; attempt += 1) {
      const response = await call('POST', forceRefresh);
      if (response.ok) return (await response.json()) as MesiboToken;
      // One retry with a fresh IdP token: the cached one may have expired a moment ago.
      if (response.status === 401 && !forceRefresh) {
        forceRefresh = true;
        continue;
      }
      if ((response.status === 429 || response.status === 503) && attempt < maxAttempts) {
        await sleep(waitMs(response, attempt));
        continue;
      }
      throw await refused(response);
    }
  };

  return {
    /** The user's mesibo token: the kept one while it is fresh, else one request shared by all callers. */
    async getToken(): Promise<string> {
      if (usable(current)) return current.token;
      pending ??= request()
        .then((token) => {
          current = token;
          return token;
        })
        .finally(() => {
          pending = undefined;
        });
      return (await pending).token;
    },
    /** When the token will be renewed (ms since the epoch), to schedule a refresh; undefined: never. */
    renewAt(): number | undefined {
      return current?.expiresAt ? Date.parse(current.expiresAt) - refreshBeforeMs : undefined;
    },
    /** Forget the kept token, e.g. when mesibo reports it invalid (connection status AUTHFAIL). */
    invalidate(): void {
      current = undefined;
    },
    /** Logs the user out of mesibo on every device: all their mesibo tokens stop working. */
    async signOutEverywhere(): Promise<void> {
      current = undefined;
      const response = await call('DELETE', false);
      if (!response.ok) throw await refused(response);
    },
  };
};

export type TokenProvider = ReturnType<typeof createTokenProvider>;
