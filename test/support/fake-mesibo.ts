/**
 * The in-memory mesibo of the unit tests: every call is logged in `calls`; useradd issues tokens
 * `tok-<address>-<n>`; groups live in memory; `message` does what `behaviour` says. Two ways to fail a
 * call: `failOn` throws before the call is applied (the call is not logged), and `answer` scripts the
 * next calls (logged), each after its latency on the virtual time given to the constructor.
 */
import { MesiboError } from '../../shared/mesibo/errors';
import type {
  GroupEditMembersInput,
  MesiboClient,
  MessageCallOptions,
  MessageInput,
  MessageResult,
} from '../../shared/mesibo/types';

/** Time that only moves when the test moves it (see test/unit/user-tokens/support/fakes.ts, VirtualTime). */
export interface FakeMesiboTime {
  sleep(ms: number): Promise<void>;
}

export interface FakeGroup {
  name?: string;
  members: Map<string, GroupEditMembersInput['permissions']>;
}

export type MessageBehaviour = (input: MessageInput, options?: MessageCallOptions) => Promise<MessageResult>;

type Step = { fail?: unknown; latencyMs?: number };

export class FakeMesibo implements MesiboClient {
  readonly calls: { op: string; input: unknown }[] = [];
  readonly groups = new Map<number, FakeGroup>();
  readonly messages: { input: MessageInput; options?: MessageCallOptions }[] = [];
  /** Called with the op and how many of it came before, ahead of each call; throw to fail it. */
  failOn: (op: string, index: number) => void = () => {};
  behaviour: MessageBehaviour = async () => ({ mid: this.messages.length });
  private steps: Step[] = [];
  private issued = 0;
  private lastIssued: string | undefined;
  private nextGid = 100;

  /** Without `time`, calls take no time at all. */
  constructor(
    private readonly time?: FakeMesiboTime,
    private readonly latencyMs = 50,
  ) {}

  /** The next calls behave like this, one step per call; afterwards calls succeed. */
  answer(...steps: Step[]): this {
    this.steps.push(...steps);
    return this;
  }

  ops(op: string) {
    return this.calls.filter((c) => c.op === op);
  }

  count(op: string) {
    return this.ops(op).length;
  }

  /** The last token issued: with one live token per (user, appid), the only one mesibo still honours. */
  lastToken(): string | undefined {
    return this.lastIssued;
  }

  membersOf(gid: number) {
    return new Map(this.group(gid).members);
  }

  useradd: MesiboClient['useradd'] = (input) =>
    this.call('useradd', input, () => {
      this.issued += 1;
      this.lastIssued = `tok-${input.address}-${this.issued}`;
      return { uid: 1000 + input.address.length, token: this.lastIssued };
    });
  userset: MesiboClient['userset'] = (input) => this.call('userset', input, () => {});
  userdel: MesiboClient['userdel'] = (user) => this.call('userdel', user, () => {});
  usersget: MesiboClient['usersget'] = () => {
    throw new Error('usersget is not used by the unit tests');
  };
  groupadd: MesiboClient['groupadd'] = (input) =>
    this.call('groupadd', input, () => {
      const gid = this.nextGid++;
      this.groups.set(gid, { ...(input.name === undefined ? {} : { name: input.name }), members: new Map() });
      return { gid };
    });
  groupset: MesiboClient['groupset'] = (input) =>
    this.call('groupset', input, () => {
      const group = this.group(input.gid);
      if (input.name !== undefined) group.name = input.name;
    });
  groupdel: MesiboClient['groupdel'] = (input) =>
    this.call('groupdel', input, () => {
      this.group(input.gid);
      this.groups.delete(input.gid);
    });
  groupeditmembers: MesiboClient['groupeditmembers'] = (input) =>
    this.call('groupeditmembers', input, () => {
      const group = this.group(input.gid);
      for (const address of input.addresses) {
        if (input.remove) group.members.delete(address);
        else group.members.set(address, input.permissions);
      }
    });
  groupgetmembers: MesiboClient['groupgetmembers'] = () => {
    throw new Error('groupgetmembers is not used by the unit tests');
  };
  message: MesiboClient['message'] = (input, options) =>
    this.call('message', input, () => {
      this.messages.push({ input, options });
      return this.behaviour(input, options);
    });

  private async call<R>(op: string, input: unknown, apply: () => R | Promise<R>): Promise<R> {
    this.failOn(op, this.count(op));
    this.calls.push({ op, input });
    const step = this.steps.shift();
    if (this.time) await this.time.sleep(step?.latencyMs ?? this.latencyMs);
    if (step?.fail) throw step.fail;
    return apply();
  }

  private group(gid: number) {
    const group = this.groups.get(gid);
    if (!group) {
      throw new MesiboError({
        op: 'group',
        kind: 'api',
        error: 'BADVALUE',
        retryable: false,
        cause: 'no such group',
      });
    }
    return group;
  }
}
