/**
 * `npm run redrive -- <fanout|group-sync|scheduler> [-c stage=<stage>] [--dry-run] [--yes]`: puts the
 * original work of a deployed stage's dead letters back where it is processed (see
 * `shared/redrive/`). Shows the letters by reason and asks before sending anything (unless `--yes`);
 * prints what moved and what was left, and why. Uses the shell's AWS credentials and region (or the
 * stage config's region). Exit code 0 when nothing that was meant to move was left behind (and for
 * `--help`), 2 for a usage mistake or an AWS setup the command cannot use (no region, no credentials,
 * credentials refused, a permission missing).
 */
import { createInterface } from 'node:readline/promises';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigError, loadStageConfig } from '../infra/config';
import { createSqsPublisher } from '../shared/queue/sqs-publisher';
import {
  discoverResources,
  freshId,
  scheduleGroupName,
  schedulerInvoke,
  sqsDeadLetterSource,
} from '../shared/redrive/aws';
import { REDRIVE_QUEUES, type RedriveQueue } from '../shared/redrive/plan';
import { type ReasonSummary, type RedriveReport, runRedrive } from '../shared/redrive/run';

const USAGE = `usage: npm run redrive -- <${REDRIVE_QUEUES.join('|')}> [-c stage=<stage>] [--dry-run] [--yes]`;
const HELP = `${USAGE}

Puts the original work of a deployed stage's dead letters back where it is processed, with the
shell's AWS credentials. Shows the letters by reason and asks before sending anything.

  -c stage=<stage>  the stage (default dev)
  --dry-run         show what would move, send nothing
  --yes, -y         do not ask
  --help, -h        this text

Runbook: docs/operations.md#redrive`;

interface Args {
  queue: RedriveQueue;
  stage: string;
  dryRun: boolean;
  yes: boolean;
}

const parseArgs = (argv: string[]): Args | 'help' => {
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  let stage = 'dev';
  let queue: string | undefined;
  let dryRun = false;
  let yes = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--dry-run') dryRun = true;
    else if (a === '--yes' || a === '-y') yes = true;
    else if (a === '-c' || a === '--context') {
      const m = /^stage=(.+)$/.exec(argv[++i] ?? '');
      if (!m?.[1]) throw new UsageError(`-c takes stage=<stage>\n${USAGE}`);
      stage = m[1];
    } else if (!queue && a && !a.startsWith('-')) queue = a;
    else throw new UsageError(`unexpected argument ${a}\n${USAGE}`);
  }
  if (!REDRIVE_QUEUES.includes(queue as RedriveQueue)) throw new UsageError(USAGE);
  return { queue: queue as RedriveQueue, stage, dryRun, yes };
};

class UsageError extends Error {}

const printSummary = (queue: string, found: number, summary: ReasonSummary) => {
  console.log(`${found} dead letter(s) in the ${queue} DLQ`);
  for (const [reason, { move, keep }] of Object.entries(summary)) {
    console.log(`  ${reason}: ${move} to redrive${keep ? `, ${keep} to leave` : ''}`);
  }
};

const printReport = (report: RedriveReport) => {
  console.log(`moved: ${report.moved.length}`);
  const moved: Record<string, number> = {};
  for (const m of report.moved) moved[m.reason] = (moved[m.reason] ?? 0) + 1;
  for (const [reason, n] of Object.entries(moved)) console.log(`  ${reason}: ${n}`);
  console.log(`left in the DLQ: ${report.left.length}`);
  for (const l of report.left) console.log(`  ${l.id} (${l.reason}): ${l.why}`);
  if (report.notDeleted.length) {
    console.log(
      `moved but not deleted (a later redrive sends them again; the ledgers absorb it): ${report.notDeleted.join(', ')}`,
    );
  }
};

const ask = async (question: string): Promise<boolean> => {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
};

const main = async (): Promise<number> => {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(HELP);
    return 0;
  }
  const config = loadStageConfig(args.stage);
  const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const clientConfig = region ? { region } : {};
  const sqs = new SQSClient(clientConfig);
  const scheduler = new SchedulerClient(clientConfig);
  try {
    const groupName = scheduleGroupName(config.stage);
    const resources = await discoverResources(scheduler, groupName);
    const dlqUrl = {
      fanout: resources.fanoutDlqUrl,
      'group-sync': resources.groupSyncDlqUrl,
      scheduler: resources.schedulerDlqUrl,
    }[args.queue];
    const queueUrl = { fanout: resources.fanoutQueueUrl, 'group-sync': resources.groupSyncQueueUrl }[
      args.queue as 'fanout' | 'group-sync'
    ];
    const report = await runRedrive({
      queue: args.queue,
      source: sqsDeadLetterSource({ client: sqs, queueUrl: dlqUrl }),
      destinations: {
        ...(queueUrl ? { queue: createSqsPublisher({ client: sqs, queueUrl }) } : {}),
        ...(args.queue === 'scheduler'
          ? { invoke: schedulerInvoke({ client: scheduler, groupName, resources }) }
          : {}),
      },
      dryRun: args.dryRun,
      newId: freshId,
      confirm: async (summary, found) => {
        printSummary(args.queue, found, summary);
        const moving = Object.values(summary).reduce((n, s) => n + s.move, 0);
        return args.yes || ask(`redrive ${moving} letter(s) to where they are processed? [y/N] `);
      },
    });
    if (args.dryRun || !report.confirmed) printSummary(args.queue, report.found, report.summary);
    printReport(report);
    const meantToMove = report.left.some((l) => l.why.startsWith('send failed'));
    return meantToMove || report.notDeleted.length ? 1 : 0;
  } finally {
    sqs.destroy();
    scheduler.destroy();
  }
};

/** Errors AWS answers when the shell's credentials are not accepted. */
const REFUSED_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
]);

/** Errors AWS answers when the credentials are good but lack a permission. */
const DENIED = new Set(['AccessDenied', 'AccessDeniedException']);

/** One line naming what to fix, when the shell's AWS setup is what failed. */
const awsSetupProblem = (e: unknown): string | undefined => {
  if (!(e instanceof Error)) return undefined;
  const message = e.message.split('\n')[0];
  if (message === 'Region is missing') {
    return 'no AWS region: set AWS_REGION (or AWS_PROFILE with a region), or region in the stage config';
  }
  if (e.name === 'CredentialsProviderError') {
    return `no AWS credentials (${message}): set AWS_PROFILE, run aws sso login, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`;
  }
  if (REFUSED_CREDENTIALS.has(e.name)) return `AWS refused the shell's credentials: ${e.name}: ${message}`;
  if (DENIED.has(e.name)) {
    return `the shell's AWS identity lacks a permission (docs/operations.md#redrive lists them): ${message}`;
  }
  return undefined;
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // Usage, config and AWS setup mistakes name what to fix; a stack trace adds nothing to them.
    const known = e instanceof UsageError || e instanceof ConfigError ? e.message : awsSetupProblem(e);
    console.error(known === undefined ? e : `redrive: ${known}`);
    process.exitCode = 2;
  },
);
