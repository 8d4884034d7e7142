// The local console: polls the stack's /_local endpoints and renders them. Plain DOM, no build step;
// every value goes in through textContent, never as HTML. A poll fetches only what changed: the
// growing feeds by cursor (`?since=`), the other views by ETag (304 while unchanged).
const POLL_MS = 1500;
/** Rows each feed keeps on the page. */
const FEED_ROWS = 100;
const $ = (id) => document.getElementById(id);

const time = (ms) => (ms == null ? '—' : new Date(ms).toLocaleString());
const clock = (ms) => new Date(ms).toLocaleTimeString();

const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
};

const row = (cells) => {
  const tr = document.createElement('tr');
  for (const cell of cells) tr.append(cell instanceof Node ? cell : el('td', cell));
  return tr;
};

const td = (...children) => {
  const cell = document.createElement('td');
  cell.append(...children);
  return cell;
};

const fill = (id, rows, empty) => {
  const body = $(id).querySelector('tbody');
  body.replaceChildren(...(rows.length ? rows : [row([el('td', empty, 'dim')])]));
};

const getJson = async (path) => {
  const res = await fetch(path, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
};

// Views by ETag: the last body seen per path, and whether this poll brought a new one.
const views = new Map();
const getView = async (path) => {
  const seen = views.get(path);
  const res = await fetch(path, {
    cache: 'no-store',
    headers: seen ? { 'if-none-match': seen.etag } : {},
  });
  if (res.status === 304 && seen) return { body: seen.body, changed: false };
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  const body = await res.json();
  views.set(path, { etag: res.headers.get('etag'), body });
  return { body, changed: true };
};

// Feeds by cursor: the rows kept per feed and the cursor to resume from.
const feeds = new Map();
const getFeed = async (path) => {
  const feed = feeds.get(path) ?? { cursor: null, entries: [] };
  const since = feed.cursor ? `&since=${encodeURIComponent(feed.cursor)}` : '';
  const page = await getJson(`${path}?limit=${FEED_ROWS}${since}`);
  const entries = page.reset ? page.entries : [...feed.entries, ...page.entries];
  feeds.set(path, { cursor: page.cursor, entries: entries.slice(-FEED_ROWS) });
  return { entries: entries.slice(-FEED_ROWS), changed: page.reset || page.entries.length > 0 };
};

const post = async (path) => {
  const res = await fetch(path, { method: 'POST' });
  return { ok: res.ok, body: await res.json().catch(() => ({})) };
};

const renderEmulator = (state) => {
  fill(
    'users',
    state.users.map((u) =>
      row([
        u.uid,
        u.address,
        u.active ? 'yes' : 'no',
        td(
          ...(u.tokens.length
            ? u.tokens.map((t) => {
                const line = el(
                  'div',
                  `${t.appid} · ${t.expiresAt == null ? 'never expires' : `expires ${time(t.expiresAt)}`}`,
                );
                if (t.token) line.append(el('div', t.token, 'token'));
                return line;
              })
            : [el('span', 'no token', 'dim')]),
        ),
      ]),
    ),
    'no users yet',
  );
  fill(
    'messages',
    [...state.messages]
      .reverse()
      .map((m) =>
        row([
          m.mid,
          clock(m.at),
          m.from,
          m.gid ? `group ${m.gid}` : m.to.join(', '),
          m.title ?? '',
          m.message ?? '',
        ]),
      ),
    'no messages yet',
  );
};

const memberLines = (members) =>
  members.length
    ? members.map((m) => {
        const denied = Object.entries(m.permissions)
          .filter(([, allowed]) => !allowed)
          .map(([name]) => `no ${name}`);
        return el('div', denied.length ? `${m.address} (${denied.join(', ')})` : m.address);
      })
    : [el('span', 'no members', 'dim')];

// Groups by the customer's key (group sync's mapping), members from mesibo's side; groups mesibo has
// that no webhook named are listed after them.
const renderGroups = (synced, mesiboGroups) => {
  const byGid = new Map(mesiboGroups.map((g) => [g.gid, g]));
  const keyed = synced.map((s) => {
    const g = s.gid === undefined ? undefined : byGid.get(s.gid);
    byGid.delete(s.gid);
    const count = `${s.memberCount} member${s.memberCount === 1 ? '' : 's'}`;
    return row([
      s.key,
      s.gid ?? el('td', s.state, 'dim'),
      s.name ?? g?.name ?? '',
      td(
        el('div', s.state === 'active' ? count : `${count} · ${s.state}`, 'dim'),
        ...memberLines(g?.members ?? []),
      ),
    ]);
  });
  const unkeyed = [...byGid.values()].map((g) =>
    row([el('td', 'no key', 'dim'), g.gid, g.name ?? '', td(...memberLines(g.members))]),
  );
  fill('groups', [...keyed, ...unkeyed], 'no groups yet');
};

// Each notification's progress; what was lost shows as unknown or failed with its reasons.
const renderSystemMessages = (notifications) => {
  const stateClass = (state) =>
    state === 'done' ? 'ok' : state === 'done-with-failures' || state === 'expansion-failed' ? 'bad' : 'warn';
  fill(
    'system-messages',
    notifications.map((n) => {
      const failed = td(el('div', n.recipients.failed));
      for (const f of n.failures) failed.append(el('div', `${f.reason}: ${f.count}`, 'dim'));
      return row([
        clock(Date.parse(n.updatedAt)),
        el('td', n.notificationId, 'mono'),
        el('td', n.state, stateClass(n.state)),
        n.audience,
        n.recipients.sent,
        n.recipients.pending ?? '',
        n.recipients.unknown,
        failed,
      ]);
    }),
    'no system messages yet',
  );
};

const renderGatewayRequests = (requests) => {
  fill(
    'gateway-requests',
    [...requests].reverse().map((r) => {
      const request = td(el('div', `${r.method} ${r.path}`));
      if (r.body) request.append(el('div', r.body, 'mono dim'));
      return row([
        clock(r.at),
        request,
        el('td', r.status, r.status >= 500 || r.status === 0 ? 'bad' : r.status >= 400 ? 'warn' : 'ok'),
        Math.round(r.durationMs),
        el('td', r.requestId, 'mono'),
      ]);
    }),
    'no requests yet',
  );
};

const STANDARD_LOG_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
]);

/** A Powertools JSON line as `LEVEL message {the rest}`; anything else as printed. */
const logLine = (line) => {
  try {
    const entry = JSON.parse(line);
    const rest = Object.fromEntries(Object.entries(entry).filter(([k]) => !STANDARD_LOG_KEYS.has(k)));
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    const level = String(entry.level ?? '');
    return el('div', `${level} ${entry.message ?? ''}${extra}`, /ERROR|CRITICAL/.test(level) ? 'bad' : '');
  } catch {
    return el('div', line);
  }
};

const renderInvocations = (invocations) => {
  fill(
    'invocations',
    [...invocations].reverse().map((r) => {
      const log = td();
      log.className = 'log mono';
      log.append(...r.logs.map(logLine));
      if (r.logsDropped) log.append(el('div', `… ${r.logsDropped} more lines`, 'dim'));
      if (!r.logs.length) log.append(el('span', 'no log lines', 'dim'));
      return row([
        clock(r.at),
        r.function,
        td(el('div', r.source), ...(r.gatewayRequestId ? [el('div', r.gatewayRequestId, 'mono dim')] : [])),
        el(
          'td',
          r.outcome === 'ok' ? 'ok' : `${r.outcome}: ${r.error ?? ''}`,
          r.outcome === 'ok' ? 'ok' : 'bad',
        ),
        Math.round(r.durationMs),
        log,
      ]);
    }),
    'no invocations yet',
  );
};

const renderRequests = (requests) => {
  fill(
    'mesibo-requests',
    [...requests]
      .reverse()
      .map((r) =>
        row([
          r.seq,
          clock(r.at),
          r.op || '?',
          r.status,
          el(
            'td',
            r.result ? 'ok' : `failed${r.error ? `: ${r.error}` : ''}${r.fault ? ` (fault ${r.fault})` : ''}`,
            r.result ? 'ok' : 'bad',
          ),
          Math.round(r.durationMs),
        ]),
      ),
    'no requests yet',
  );
};

const button = (label, onClick) => {
  const b = el('button', label);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await onClick();
    } finally {
      b.disabled = false;
      refresh();
    }
  });
  return b;
};

// Asks first, showing the count: letters whose work cannot be sent again stay, with their reason.
const redriveButton = (dlqName, count) =>
  button('redrive', async () => {
    if (!window.confirm(`Redrive ${count} dead letter(s) of ${dlqName} back to where they are processed?`))
      return;
    await post(`/_local/queues/${encodeURIComponent(dlqName)}/redrive`);
  });

const renderQueues = (queues) => {
  fill(
    'queues',
    queues.map((q) =>
      row([
        q.name,
        q.depth,
        q.inFlight,
        q.delayed ? `${q.delayed} (next ${clock(q.nextRetryAt)})` : '0',
        el('td', `${q.dlq}`, q.dlq ? 'bad' : ''),
        `${q.sent} / ${q.deleted}`,
        td(...(q.dlq ? [redriveButton(q.dlqName, q.dlq)] : [])),
      ]),
    ),
    'no queues',
  );
};

const renderDeadLetters = (dlqs) => {
  fill(
    'dead-letters',
    dlqs.flatMap((q) =>
      q.letters.map((l, i) =>
        row([
          td(
            el('div', q.name),
            ...(l.groupId ? [el('div', `group ${l.groupId}`, 'dim')] : []),
            ...(i === 0 ? [redriveButton(q.name, q.letters.length)] : []),
          ),
          time(l.deadAt),
          l.receiveCount,
          el('td', l.reason, 'bad'),
          el('td', l.body, 'mono'),
        ]),
      ),
    ),
    'no dead letters',
  );
};

const renderSchedules = (s) => {
  fill(
    'schedules',
    s.recurring.map((r) => {
      const last = r.last ? (r.last.ok ? `ok at ${clock(r.last.at)}` : `failed: ${r.last.error}`) : '—';
      return row([
        r.name,
        `${r.expression} ${r.timeZone}`,
        r.enabled ? time(r.nextFireAt) : 'disabled',
        r.fireCount,
        el('td', last, r.last ? (r.last.ok ? 'ok' : 'bad') : 'dim'),
        td(button('fire now', () => post(`/_local/schedules/${encodeURIComponent(r.name)}/fire`))),
      ]);
    }),
    'no recurring schedules (local/schedules.json)',
  );
  fill(
    'one-time',
    s.oneTime.pending.map((p) => row([p.name, time(p.at)])),
    'none pending',
  );
  $('scheduler-dlq').textContent =
    `scheduler DLQ: ${s.deadLetters.length} · one-time fired: ${s.oneTime.fired.length}`;
};

let shownState;

const refresh = async () => {
  try {
    const tokens = $('show-tokens').checked ? '?tokens=1' : '';
    const [status, queues, deadLetters, schedules, gateway, invocations, notifications] = await Promise.all([
      getView('/_local/status'),
      getView('/_local/queues'),
      getView('/_local/dead-letters'),
      getView('/_local/schedules'),
      getFeed('/_local/requests'),
      getFeed('/_local/invocations'),
      getView('/_local/system-messages'),
    ]);
    if (status.body.mesibo === 'emulator') {
      const [state, groups, requests] = await Promise.all([
        getView(`/_local/emulator/state${tokens}`),
        getView('/_local/groups'),
        getFeed('/_local/emulator/requests'),
      ]);
      // Toggling tokens switches between two cached views: either may be unchanged yet not on show.
      const stateChanged = state.changed || shownState !== tokens;
      shownState = tokens;
      if (stateChanged) renderEmulator(state.body);
      if (stateChanged || groups.changed) renderGroups(groups.body, state.body.groups);
      if (requests.changed) renderRequests(requests.entries);
    } else {
      const groups = await getView('/_local/groups');
      if (groups.changed) renderGroups(groups.body, []);
    }
    if (gateway.changed) renderGatewayRequests(gateway.entries);
    if (invocations.changed) renderInvocations(invocations.entries);
    if (queues.changed) renderQueues(queues.body);
    if (deadLetters.changed) renderDeadLetters(deadLetters.body);
    if (schedules.changed) renderSchedules(schedules.body);
    if (notifications.changed) renderSystemMessages(notifications.body);
    const wired = status.body.functions.filter((f) => f.wired).length;
    $('status').textContent =
      `live · mesibo: ${status.body.mesibo} · ${wired}/${status.body.functions.length} functions · updated ${clock(Date.now())}`;
    $('status').className = 'dim ok';
  } catch (e) {
    $('status').textContent = `stack unreachable (${e.message}); retrying…`;
    $('status').className = 'dim bad';
  }
};

$('show-tokens').addEventListener('change', refresh);
refresh();
setInterval(refresh, POLL_MS);
