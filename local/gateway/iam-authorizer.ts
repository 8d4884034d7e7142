/**
 * The local IAM authorizer: checks a SigV4 `Authorization` header the way API Gateway does for an
 * IAM route (known access key, scope, date skew, then the signature recomputed with
 * @smithy/signature-v4 over exactly the headers the caller signed) and, on success, yields the
 * `requestContext.authorizer.iam` block. Failures carry API Gateway's 403 messages.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { type DevCredentials, LOCAL_ACCOUNT_ID, userArn } from '../auth/dev-credentials';

export const IAM_SERVICE = 'execute-api';
/** API Gateway accepts requests signed up to five minutes before or after its own clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export interface IamAuthorizerContext {
  accessKey: string;
  accountId: string;
  callerId: string;
  cognitoIdentity: null;
  principalOrgId: null;
  userArn: string;
  userId: string;
}

export type IamAuthorizerResult = { ok: true; iam: IamAuthorizerContext } | { ok: false; message: string };

export interface SignedRequest {
  method: string;
  /** The path exactly as sent (still percent-encoded). */
  rawPath: string;
  rawQueryString: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Uint8Array;
}

const HEADER_PATTERN =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})\s*$/;

/** `20240102T030405Z` → Date (null when malformed). */
const parseAmzDate = (value: string): Date | null => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(date.getTime()) ? null : date;
};

const amzDate = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** Decoded query parameters; repeated keys become arrays, as smithy's canonical query expects. */
const parseQuery = (raw: string): Record<string, string | string[]> => {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const prev = query[k];
    query[k] = prev === undefined ? v : [prev, v].flat();
  }
  return query;
};

export const iamAuthorizer = (
  credentials: DevCredentials,
  options: { region: string; now?: () => number },
) => {
  const now = options.now ?? Date.now;
  return async (req: SignedRequest): Promise<IamAuthorizerResult> => {
    const authorization = req.headers.authorization;
    if (!authorization) return { ok: false, message: 'Forbidden' };
    const m = HEADER_PATTERN.exec(authorization);
    if (!m) {
      return {
        ok: false,
        message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${authorization.split(' ')[0]}`,
      };
    }
    const [, credential, signedHeaderList, signature] = m as unknown as [string, string, string, string];
    const [accessKeyId, scopeDate, region, service, terminator] = credential.split('/');
    if (accessKeyId !== credentials.accessKeyId) {
      return { ok: false, message: 'The security token included in the request is invalid.' };
    }
    if (terminator !== 'aws4_request') {
      return { ok: false, message: "Credential should be scoped with a valid terminator: 'aws4_request'." };
    }
    if (region !== options.region) {
      return { ok: false, message: 'Credential should be scoped to a valid region.' };
    }
    if (service !== IAM_SERVICE) {
      return { ok: false, message: `Credential should be scoped to correct service: '${IAM_SERVICE}'.` };
    }
    const dateHeader = req.headers['x-amz-date'];
    const signingDate = dateHeader ? parseAmzDate(dateHeader) : null;
    if (!dateHeader || !signingDate) {
      return {
        ok: false,
        message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
      };
    }
    if (scopeDate !== dateHeader.slice(0, 8)) {
      return {
        ok: false,
        message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${dateHeader.slice(0, 8)}'`,
      };
    }
    const current = now();
    if (signingDate.getTime() < current - MAX_SKEW_MS) {
      return {
        ok: false,
        message: `Signature expired: ${dateHeader} is now earlier than ${amzDate(current - MAX_SKEW_MS)} (${amzDate(current)} - 5 min.)`,
      };
    }
    if (signingDate.getTime() > current + MAX_SKEW_MS) {
      return {
        ok: false,
        message: `Signature not yet current: ${dateHeader} is still later than ${amzDate(current + MAX_SKEW_MS)} (${amzDate(current)} + 5 min.)`,
      };
    }
    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('host')) {
      return { ok: false, message: SIGNATURE_MISMATCH };
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaders) {
      const value = req.headers[name];
      if (value === undefined) return { ok: false, message: SIGNATURE_MISMATCH };
      headers[name] = value;
    }
    // The payload hash is always the body's own; a declared x-amz-content-sha256 must agree with it.
    const declared = req.headers['x-amz-content-sha256'];
    if (declared !== undefined && declared !== createHash('sha256').update(req.body).digest('hex')) {
      return { ok: false, message: SIGNATURE_MISMATCH };
    }
    const signer = new SignatureV4({
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
      region: options.region,
      service: IAM_SERVICE,
      sha256: Sha256,
      // The caller decides whether x-amz-content-sha256 is signed; never add it here.
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: req.method,
        protocol: 'http:',
        hostname: headers.host ?? '',
        path: req.rawPath,
        query: parseQuery(req.rawQueryString),
        headers,
        body: req.body,
      },
      { signingDate, signableHeaders: new Set(signedHeaders) },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization))?.[1] ?? '';
    const match =
      expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
    if (!match) return { ok: false, message: SIGNATURE_MISMATCH };
    return {
      ok: true,
      iam: {
        accessKey: credentials.accessKeyId,
        accountId: LOCAL_ACCOUNT_ID,
        callerId: credentials.userId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: userArn(),
        userId: credentials.userId,
      },
    };
  };
};
