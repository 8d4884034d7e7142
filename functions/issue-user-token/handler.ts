/**
 * issue-user-token: the four user token routes. Reads the caller's identity from the API Gateway
 * authorizer context, validates the input, calls one use case and maps its result or error.
 */
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyResultV2,
  Context,
} from 'aws-lambda';
import { Forbidden, InvalidInput, NotFound, Unauthenticated } from '../../shared/errors';
import { parseJsonBody } from '../../shared/http/body';
import { json, noContent } from '../../shared/http/problem';
import { addressProblem } from '../../shared/mesibo/address';
import { httpFunction } from '../../shared/runtime/handler-runtime';
import { addressClaimOf } from '../../shared/user-tokens/caller-claims';
import type { TokenDeps } from '../../shared/user-tokens/deps';
import type { IssuedToken } from '../../shared/user-tokens/issue-token';
import { reservedAddresses } from '../../shared/user-tokens/reserved';
import * as z from '../../shared/zod';
import { requestSchemas } from './schema';

export type TokenEvent = APIGatewayProxyEventV2WithJWTAuthorizer | APIGatewayProxyEventV2WithIAMAuthorizer;
export type TokenHandler = (event: TokenEvent, context?: Context) => Promise<APIGatewayProxyResultV2>;

const JwtAuthorizer = z.object({ jwt: z.object({ claims: z.record(z.string(), z.unknown()) }) });
const IamAuthorizer = z.object({ iam: z.looseObject({}) });

const unauthorized = (detail: string) => new Unauthenticated('unauthorized', detail);

/** The token response holds a credential: never cached by a browser or proxy. */
const tokenResponse = ({ token: record, replacedLiveToken }: IssuedToken) =>
  json(
    200,
    {
      address: record.address,
      uid: record.uid,
      token: record.token,
      appid: record.appid,
      expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
      replacedLiveToken,
    },
    { 'cache-control': 'no-store' },
  );

export const createHandler = (deps: TokenDeps): TokenHandler => {
  const { config, service, logger, metrics } = deps;
  const schemas = requestSchemas(config);
  const isReserved = reservedAddresses(config.reservedAddresses);

  /** A valid address that is not reserved; any token route refuses the rest before touching anything. */
  const checkedAddress = (address: string, field: string, hint = ''): string => {
    const reason = addressProblem(address);
    if (reason) throw new InvalidInput([{ field, message: `${reason}${hint}` }]);
    if (isReserved(address)) {
      throw new Forbidden(
        'reserved-address',
        "The address is reserved (the system sender, or the deployment's reserved list): no token route acts on it (issue, revoke or delete)",
      );
    }
    return address;
  };

  /** The mesibo address of an end user: the configured claim of the verified JWT, never the body. */
  const callerAddress = (event: TokenEvent): string => {
    const authorizer = JwtAuthorizer.safeParse(event.requestContext.authorizer);
    if (!authorizer.success) throw unauthorized('This route needs a verified end-user JWT');
    const claim = addressClaimOf(
      config.addressClaim,
      authorizer.data.jwt.claims,
      event.headers.authorization,
    );
    if (!claim.ok) throw unauthorized(claim.reason);
    const hint = ` (taken from the token's "${config.addressClaim}" claim)`;
    return checkedAddress(`${config.addressPrefix}${claim.value}`, 'address', hint);
  };

  /** The address in the path of a backend (IAM-signed) call. */
  const backendAddress = (event: TokenEvent): string => {
    if (!IamAuthorizer.safeParse(event.requestContext.authorizer).success) {
      throw unauthorized('This route needs an IAM (SigV4) signed request');
    }
    // Decoded once already, by API Gateway (and the local gateway): decoding again would turn
    // `%2561dmin` into `admin` behind an IAM policy that denies by path.
    return checkedAddress(event.pathParameters?.address ?? '', 'address');
  };

  const route = async (event: TokenEvent): Promise<APIGatewayProxyResultV2> => {
    switch (event.routeKey) {
      case 'POST /v1/users/me/token': {
        const address = callerAddress(event);
        const body = parseJsonBody(event, schemas.self, { emptyAs: {} });
        const appid = body.appid ?? config.defaultAppid;
        const issued = await service.issue({
          address,
          appid,
          expiryMinutes: config.expiryMinutes.default,
        });
        logger.info('token issued', { appid, uid: issued.token.uid, source: issued.source });
        return tokenResponse(issued);
      }
      case 'DELETE /v1/users/me/token': {
        await service.revoke(callerAddress(event));
        logger.info('tokens revoked');
        return noContent();
      }
      case 'POST /v1/users/{address}/token': {
        const address = backendAddress(event);
        const body = parseJsonBody(event, schemas.backend, { emptyAs: {} });
        const appid = body.appid ?? config.defaultAppid;
        const issued = await service.issue({
          address,
          appid,
          expiryMinutes: body.expiryMinutes ?? config.expiryMinutes.default,
          ...(body.name === undefined ? {} : { name: body.name }),
        });
        logger.info('token issued', { appid, uid: issued.token.uid, source: issued.source });
        return tokenResponse(issued);
      }
      case 'DELETE /v1/users/{address}': {
        await service.deleteUser(backendAddress(event));
        logger.info('user deleted');
        return noContent();
      }
      default:
        throw new NotFound('not-found', event.routeKey);
    }
  };

  return httpFunction({ logger, metrics }, route, { errors: { what: 'token request' } });
};
