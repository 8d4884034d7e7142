/**
 * The HTTP API, built from the one route table (shared/routes.ts): each route's auth kind picks its
 * authorizer, so the deployed API cannot drift from the local gateway. One explicit `$default` stage
 * carries throttling and JSON access logs.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionName } from '../../shared/functions';
import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  type CorsPolicy,
} from '../../shared/http/cors';
import { type AuthKind, type Route, routeKey, routes } from '../../shared/routes';

export interface ApiProps {
  functions: Record<FunctionName, lambda.IFunction>;
  jwt: { issuer: string; audience: readonly string[] };
  throttling: { rateLimit: number; burstLimit: number };
  /** Browser origins; with none the API has no CorsConfiguration and browsers cannot call it. */
  cors: CorsPolicy;
  logRetention: logs.RetentionDays;
  /** A custom domain mapped to the `$default` stage; its certificate must be in the stack's region. */
  domain?: { name: string; certificateArn: string };
}

/** Access log line: no headers, no bodies, no token claims; the IAM caller ARN is not a secret. */
export const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  iamCaller: '$context.identity.userArn',
};

/** Why a route has no gateway authorizer (cdk-nag APIG4 acknowledgement). */
const OPEN_ROUTE_REASON: Partial<Record<AuthKind, string>> = {
  hmac: 'Webhook from the customer system: the function verifies the HMAC signature (current/previous secret) before anything else; a gateway authorizer cannot check a body signature.',
  none: 'Health probe: public by design. Liveness calls no dependency; readiness (?deep=1) answers only set/placeholder/unreadable per secret, reading each at most once per 30 s per container; no configuration or secret value is returned.',
};

export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly domainName?: apigw.DomainName;
  /** Route key (`METHOD /path`) → route, for tests and operations. */
  readonly routes = new Map<string, apigw.HttpRoute>();

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'mesibo-serverless: user tokens, system messages, group sync',
      createDefaultStage: false,
      // API Gateway answers preflights itself (no authorizer runs) and adds the headers to responses.
      ...(props.cors.allowOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...props.cors.allowOrigins],
              allowMethods: CORS_ALLOW_METHODS.map(
                (m) => apigw.CorsHttpMethod[m as keyof typeof apigw.CorsHttpMethod],
              ),
              allowHeaders: [...CORS_ALLOW_HEADERS],
              exposeHeaders: [...CORS_EXPOSE_HEADERS],
              maxAge: Duration.seconds(props.cors.maxAgeSeconds),
            },
          }
        : {}),
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttling,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const jwt = new HttpJwtAuthorizer('EndUserJwt', props.jwt.issuer, {
      authorizerName: 'end-user-jwt',
      jwtAudience: [...props.jwt.audience],
    });
    const iam = new HttpIamAuthorizer();
    const authorizerFor = (auth: AuthKind): apigw.IHttpRouteAuthorizer | undefined =>
      auth === 'jwt' ? jwt : auth === 'iam' ? iam : undefined;

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    const integrationFor = (name: FunctionName): HttpLambdaIntegration => {
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${name}-integration`, props.functions[name]);
        integrations.set(name, integration);
      }
      return integration;
    };

    for (const route of routes)
      this.addRoute(route, integrationFor(route.function), authorizerFor(route.auth));

    // No trailing slash, so `"$API_URL/v1/health"` is a valid URL.
    const { region, urlSuffix } = Stack.of(this);
    const executeApiUrl = `https://${this.httpApi.apiId}.execute-api.${region}.${urlSuffix}`;
    if (props.domain) {
      this.domainName = new apigw.DomainName(this, 'Domain', {
        domainName: props.domain.name,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
      new apigw.ApiMapping(this, 'DomainMapping', {
        api: this.httpApi,
        domainName: this.domainName,
        stage: this.stage,
      });
      new CfnOutput(this, 'DomainTarget', {
        key: 'CustomDomainTarget',
        value: this.domainName.regionalDomainName,
        description: `DNS: point ${props.domain.name} here (CNAME, or an alias with CustomDomainHostedZoneId)`,
      });
      new CfnOutput(this, 'DomainZone', {
        key: 'CustomDomainHostedZoneId',
        value: this.domainName.regionalHostedZoneId,
        description: 'hosted zone of CustomDomainTarget, for a Route 53 alias record',
      });
    }
    new CfnOutput(this, 'Url', {
      key: 'ApiUrl',
      value: props.domain ? `https://${props.domain.name}` : executeApiUrl,
      description: 'base URL apps and backends call (the custom domain when set), no trailing slash',
    });
    if (props.domain) {
      new CfnOutput(this, 'ExecuteApiUrl', {
        key: 'ExecuteApiUrl',
        value: executeApiUrl,
        description: 'the API Gateway URL, which works before DNS for the custom domain is in place',
      });
    }
    new CfnOutput(this, 'Id', { key: 'ApiId', value: this.httpApi.apiId, description: 'HTTP API id' });
  }

  private addRoute(
    route: Route,
    integration: HttpLambdaIntegration,
    authorizer: apigw.IHttpRouteAuthorizer | undefined,
  ): void {
    const [httpRoute] = this.httpApi.addRoutes({
      path: route.path,
      methods: [apigw.HttpMethod[route.method]],
      integration,
      ...(authorizer ? { authorizer } : {}),
    });
    if (!httpRoute) throw new Error(`no route created for ${routeKey(route)}`);
    const reason = OPEN_ROUTE_REASON[route.auth];
    if (reason) Validations.of(httpRoute).acknowledge({ id: 'AwsSolutions-APIG4', reason });
    this.routes.set(routeKey(route), httpRoute);
  }
}
