/**
 * What makes a first production deploy work: synth refuses a production stage that would deploy but
 * not work (example identity provider or app ids, no alarm destination), and the optional deploy-time
 * settings (custom domain, account/region pinning, alarm topic, reattach mode) reach the template.
 * These synths skip asset bundling: nothing here reads a bundle.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import type { App } from 'aws-cdk-lib';
import { Token } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseStageConfig, type StageConfig } from '../../infra/config';
import { stableTableName } from '../../infra/constructs/data';
import { RUNBOOK_DOC, runbookAnchor, runbookHeading } from '../../infra/constructs/operations';
import { createApp, createReattachApp } from '../../infra/create-app';
import { fromRoot } from '../../infra/paths';
import { appTokenSecretName, webhookSecretName } from '../../shared/secrets/names';
import { tableSpecs } from '../../shared/storage/tables';
import { deployableProd, fillProductionValues, type RawConfig, rawConfig } from './support/stages';
import { NO_BUNDLING } from './support/synth';
import { props, resourcesOfType, type TemplateJson } from './support/template';

const apps: App[] = [];
afterAll(() => {
  for (const app of apps.splice(0)) rmSync(app.outdir, { recursive: true, force: true });
});

const templateOf = (config: StageConfig) => {
  const { app, stack } = createApp({ config, appProps: NO_BUNDLING });
  apps.push(app);
  return { stack, t: app.synth().getStackByName(stack.stackName).template as TemplateJson };
};

/** The lines of the ConfigError a committed prod.json, changed by `change`, fails with. */
const refusal = (change: (c: RawConfig) => void): string[] => {
  const c = rawConfig('prod');
  change(c);
  try {
    parseStageConfig(c, 'infra/config/prod.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message.split('\n').slice(1);
  }
  return [];
};

describe('synth refuses a production stage that would deploy but not work', () => {
  it('the committed prod.json: one line per example value and for the missing alarm destination', () => {
    expect(() => createApp({ stage: 'prod', appProps: NO_BUNDLING })).toThrow(ConfigError);
    let lines: string[] = [];
    try {
      createApp({ stage: 'prod', appProps: NO_BUNDLING });
    } catch (e) {
      lines = (e as Error).message.split('\n').slice(1);
    }
    expect(lines).toEqual([
      expect.stringMatching(/^ {2}- jwt\.issuer: is the example issuer; set it in infra\/config\/prod\.json/),
      expect.stringMatching(/^ {2}- jwt\.audience\.0: is an example audience/),
      expect.stringMatching(
        /^ {2}- functions\.issue-user-token\.settings\.TOKEN_APPIDS: lists an example app id/,
      ),
      expect.stringMatching(
        /^ {2}- observability\.alarmEmail: a production stage needs an alarm destination/,
      ),
    ]);
  });

  it('`npm run synth -- -c stage=prod` prints those lines, no stack trace, and exits non-zero', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', fromRoot('infra/app.ts')], {
      encoding: 'utf8',
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ stage: 'prod' }) },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/jwt\.issuer: is the example issuer/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['jwt.issuer', (c: RawConfig) => (c.jwt.issuer = 'https://login.example.com/')],
    ['jwt.audience.1', (c: RawConfig) => (c.jwt.audience = ['real-client', 'example-client'])],
    [
      'functions.issue-user-token.settings.TOKEN_APPIDS',
      (c: RawConfig) =>
        (c.functions['issue-user-token'] = {
          ...c.functions['issue-user-token'],
          settings: { TOKEN_APPIDS: 'com.acme.chat,com.example.app' },
        }),
    ],
    [
      'functions.issue-user-token.settings.TOKEN_APPIDS',
      (c: RawConfig) =>
        (c.functions['issue-user-token'] = { ...c.functions['issue-user-token'], settings: {} }),
    ],
    ['observability.alarmEmail', (c: RawConfig) => delete c.observability.alarmEmail],
  ])('names %s alone when only it is wrong', (field, change) => {
    const lines = refusal((c) => {
      fillProductionValues(c);
      change(c);
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`- ${field}: `);
  });

  it('an alarm topic ARN is a destination too; a non-production stage keeps its examples (dev)', () => {
    expect(() =>
      deployableProd((c) => {
        delete c.observability.alarmEmail;
        c.observability.alarmTopicArn = 'arn:aws:sns:eu-west-1:123456789012:oncall';
      }),
    ).not.toThrow();
    expect(() => createApp({ stage: 'dev', appProps: NO_BUNDLING })).not.toThrow();
  });
});

describe('deploy-time options', () => {
  const base = templateOf(deployableProd());
  const pinned = templateOf(
    deployableProd((c) => {
      c.account = '123456789012';
      c.region = 'eu-west-1';
      c.domain = {
        name: 'chat-api.acme.test',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f2c1e0a-1111-2222-3333-444455556666',
      };
      c.observability.alarmTopicArn = 'arn:aws:sns:eu-west-1:123456789012:oncall';
    }),
  );

  it('unpinned, the stack follows the profile; pinned, it names its account and region', () => {
    expect(Token.isUnresolved(base.stack.account)).toBe(true);
    expect(Token.isUnresolved(base.stack.region)).toBe(true);
    expect(pinned.stack.account).toBe('123456789012');
    expect(pinned.stack.region).toBe('eu-west-1');
  });

  it('refuses a certificate from another region than the pinned one', () => {
    const lines = refusal((c) => {
      fillProductionValues(c);
      c.region = 'eu-west-1';
      c.domain = {
        name: 'chat-api.acme.test',
        certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f2c1e0a-1111-2222-3333-444455556666',
      };
    });
    expect(lines).toEqual([expect.stringMatching(/domain\.certificateArn: is in us-east-1/)]);
  });

  it('a custom domain is mapped to the $default stage and its DNS target is an output', () => {
    expect(resourcesOfType(base.t, 'AWS::ApiGatewayV2::DomainName')).toHaveLength(0);
    const domains = resourcesOfType(pinned.t, 'AWS::ApiGatewayV2::DomainName');
    expect(domains).toHaveLength(1);
    const [domainId, domain] = domains[0]!;
    expect(props(domain).DomainName).toBe('chat-api.acme.test');
    expect(props(domain).DomainNameConfigurations).toEqual([
      expect.objectContaining({
        CertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/0f2c1e0a-1111-2222-3333-444455556666',
        EndpointType: 'REGIONAL',
        SecurityPolicy: 'TLS_1_2',
      }),
    ]);
    const mappings = resourcesOfType(pinned.t, 'AWS::ApiGatewayV2::ApiMapping');
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0]![1];
    expect(props(mapping)).toMatchObject({ DomainName: { Ref: domainId }, Stage: '$default' });
    const stageId = resourcesOfType(pinned.t, 'AWS::ApiGatewayV2::Stage')[0]![0];
    expect(mapping.DependsOn).toContain(stageId);
    expect(pinned.t.Outputs?.ApiUrl?.Value).toBe('https://chat-api.acme.test');
    expect(pinned.t.Outputs?.CustomDomainTarget?.Value).toEqual({
      'Fn::GetAtt': [domainId, 'RegionalDomainName'],
    });
    expect(pinned.t.Outputs?.ExecuteApiUrl).toBeDefined();
  });

  it('a stage with no browser origins has no CorsConfiguration; with some, exactly those', () => {
    const corsOf = (t: TemplateJson) =>
      props(resourcesOfType(t, 'AWS::ApiGatewayV2::Api')[0]![1]).CorsConfiguration as
        | { AllowOrigins: string[] }
        | undefined;
    const closed = templateOf(deployableProd((c) => (c.cors = { allowOrigins: [], maxAgeSeconds: 300 })));
    expect(corsOf(closed.t)).toBeUndefined();
    const open = templateOf(
      deployableProd((c) => (c.cors = { allowOrigins: ['https://app.acme.test'], maxAgeSeconds: 600 })),
    );
    expect(corsOf(open.t)).toMatchObject({ AllowOrigins: ['https://app.acme.test'], MaxAge: 600 });
  });

  it('ApiUrl has no trailing slash, so "$API_URL/v1/health" is a valid URL', () => {
    const url = JSON.stringify(base.t.Outputs?.ApiUrl?.Value);
    expect(url).toMatch(/execute-api/);
    expect(url).not.toMatch(/\/"\]?\]?}?$/);
  });

  it('tables and secrets have stable, stage-named names (retained, so a redeploy finds them)', () => {
    const tables = resourcesOfType(base.t, 'AWS::DynamoDB::Table');
    expect(tables.map(([, r]) => props(r).TableName).sort()).toEqual(
      tableSpecs.map((s) => stableTableName('prod', s.id)).sort(),
    );
    for (const [, r] of tables) expect(r.DeletionPolicy).toBe('Retain');
    expect(stableTableName('prod', 'usersTable')).toBe('mesibo-serverless-prod-users');
    const secrets = resourcesOfType(base.t, 'AWS::SecretsManager::Secret').map(([, r]) => props(r).Name);
    expect(secrets.sort()).toEqual([appTokenSecretName('prod'), webhookSecretName('prod')].sort());
  });

  it('every alarm has a stable name, notifies the extra alarm topic, and links its runbook', () => {
    const runbook = readFileSync(fromRoot(RUNBOOK_DOC), 'utf8');
    const headings = new Set([...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!));
    const anchors = new Set(
      [...headings].map((h) =>
        h
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const alarms = resourcesOfType(pinned.t, 'AWS::CloudWatch::Alarm').map(([, r]) => props(r));
    expect(alarms.length).toBeGreaterThanOrEqual(20);
    for (const alarm of alarms) {
      const name = alarm.AlarmName as string;
      expect(name).toMatch(/^mesibo-serverless-prod-/);
      const anchor = runbookAnchor(name.replace('mesibo-serverless-prod-', ''));
      expect(alarm.AlarmDescription, name).toContain(`Runbook: ${RUNBOOK_DOC}#${anchor}`);
      expect(anchors, `${RUNBOOK_DOC} has no section for ${name}`).toContain(anchor);
      // Spelt as the alarm is named, so searching the runbook for the name finds its section.
      expect(headings, `${RUNBOOK_DOC} heading for ${name}`).toContain(
        runbookHeading(name.replace('mesibo-serverless-prod-', '')),
      );
      expect(alarm.AlarmActions, name).toContain('arn:aws:sns:eu-west-1:123456789012:oncall');
    }
  });

  it('a failing group event pages within 5 minutes, long before it dead-letters', () => {
    const alarm = resourcesOfType(base.t, 'AWS::CloudWatch::Alarm')
      .map(([, r]) => props(r))
      .find((a) => a.AlarmName === 'mesibo-serverless-prod-group-sync-failing');
    expect(alarm).toMatchObject({
      MetricName: 'DeliveryFailed',
      Dimensions: [{ Name: 'service', Value: 'sync-group-worker' }],
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      Statistic: 'Sum',
    });
  });
});

describe('reattach mode (-c reattach=true)', () => {
  it('holds only the retained state, under the same logical ids and names as the full stack', () => {
    const config = deployableProd();
    const full = templateOf(config).t;
    const { app, stack } = createReattachApp({ config, appProps: NO_BUNDLING });
    apps.push(app);
    const t = app.synth().getStackByName(stack.stackName).template as TemplateJson;
    expect(stack.stackName).toBe(config.stackName);
    const kinds = new Set(Object.values(t.Resources).map((r) => r.Type));
    expect([...kinds].sort()).toEqual(['AWS::DynamoDB::Table', 'AWS::SecretsManager::Secret']);
    for (const [id, resource] of Object.entries(t.Resources)) {
      expect(full.Resources[id], id).toEqual(resource);
      expect(resource.DeletionPolicy, id).toBe('Retain');
    }
  });
});
