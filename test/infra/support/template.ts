/** Small readers over a synthesized CloudFormation template (plain JSON), for the infra tests. */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string[];
}

export interface TemplateJson {
  Resources: Record<string, CfnResourceJson>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export const resourcesOfType = (t: TemplateJson, type: string): [string, CfnResourceJson][] =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type);

export const props = (r: CfnResourceJson): Record<string, unknown> => r.Properties ?? {};

/** Every logical id a value references through Ref or Fn::GetAtt (pseudo parameters excluded). */
export const referencedIds = (value: unknown, into = new Set<string>()): Set<string> => {
  if (Array.isArray(value)) {
    for (const v of value) referencedIds(v, into);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) into.add(v);
      else if (k === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string') into.add(v[0]);
      else referencedIds(v, into);
    }
  }
  return into;
};

/** The logical id of an L2 construct's main resource (or of an L1). */
export const logicalId = (stack: Stack, construct: IConstruct): string => {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return stack.getLogicalId(element);
};

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
export const resourceList = (s: Statement): unknown[] =>
  Array.isArray(s.Resource) ? s.Resource : [s.Resource];

/** Statements of every AWS::IAM::Policy attached to the role with this logical id. */
export const statementsOfRole = (t: TemplateJson, roleId: string): Statement[] =>
  resourcesOfType(t, 'AWS::IAM::Policy')
    .filter(([, r]) => JSON.stringify(props(r).Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, r]) => (props(r).PolicyDocument as { Statement: Statement[] }).Statement);

/** Replaces CloudFormation intrinsics with a placeholder, as they would be resolved at deploy time. */
export const resolvedEnv = (vars: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(vars).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : `deploy-time-value-of-${k.toLowerCase()}`,
    ]),
  );
