/**
 * The stable, stage-named secrets of a deployment. The stack creates them under these names; the
 * functions read them by ARN from their environment and name them back (never their values) when
 * telling an operator what to set; `npm run set-secrets` finds them from the stage alone.
 */
const PREFIX = 'mesibo-serverless';
const APP_TOKEN = 'mesibo-app-token';

export const appTokenSecretName = (stage: string): string => `${PREFIX}/${stage}/${APP_TOKEN}`;
export const webhookSecretName = (stage: string): string => `${PREFIX}/${stage}/webhook-signing-secrets`;

export interface SecretLocation {
  name: string;
  /** From an ARN only; a bare name leaves the region to the caller's AWS configuration. */
  region?: string;
}

/** A Secrets Manager ARN ends in the name plus `-` and six random characters, which are not part of it. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:(.+)-[A-Za-z0-9]{6}$/;

export const secretLocation = (secretId: string): SecretLocation => {
  const arn = SECRET_ARN.exec(secretId);
  return arn ? { name: arn[2]!, region: arn[1]! } : { name: secretId };
};

/** The stage of a stack-created app-token secret name, when it is one. */
export const stageOfAppTokenSecret = (name: string): string | undefined =>
  new RegExp(`^${PREFIX}/([a-z][a-z0-9-]*)/${APP_TOKEN}$`).exec(name)?.[1];
