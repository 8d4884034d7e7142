// The local console: polls the stack's /_local endpoints and renders them. Plain DOM, no build step;
// every value goes in through textContent, never as HTML.
const POLL_MS = 1500;
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
    'groups',
    state.groups.map((g) =>
      row([
        g.gid,
        g.name ?? '',
        td(
          ...(g.members.length
            ? g.members.map((m) => {
                const denied = Object.entries(m.permissions)
                  .filter(([, allowed]) => !allowed)
                  .map(([name]) => `no ${name}`);
                return el('div', denied.length ? `${m.address} (${denied.join(', ')})` : m.address);
              })
            : [el('span', 'no members', 'dim')]),
        ),
      ]),
    ),
    'no groups yet',
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

const renderRequests = (requests) => {
  fill(
    'mesibo-requests',
    requests
      .slice(-50)
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
        td(
          ...(q.dlq
            ? [button('redrive', () => post(`/_local/queues/${encodeURIComponent(q.name)}/redrive`))]
            : []),
        ),
      ]),
    ),
    'no queues',
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

let emulatorAvailable = true;

const refresh = async () => {
  try {
    const tokens = $('show-tokens').checked ? '?tokens=1' : '';
    const [status, queues, schedules] = await Promise.all([
      getJson('/_local/status'),
      getJson('/_local/queues'),
      getJson('/_local/schedules'),
    ]);
    emulatorAvailable = status.mesibo === 'emulator';
    if (emulatorAvailable) {
      const [state, requests] = await Promise.all([
        getJson(`/_local/emulator/state${tokens}`),
        getJson('/_local/emulator/requests'),
      ]);
      renderEmulator(state);
      renderRequests(requests);
    }
    renderQueues(queues);
    renderSchedules(schedules);
    const wired = status.functions.filter((f) => f.wired).length;
    $('status').textContent =
      `live · mesibo: ${status.mesibo} · ${wired}/${status.functions.length} functions · updated ${clock(Date.now())}`;
    $('status').className = 'dim ok';
  } catch (e) {
    $('status').textContent = `stack unreachable (${e.message}); retrying…`;
    $('status').className = 'dim bad';
  }
};

$('show-tokens').addEventListener('change', refresh);
refresh();
setInterval(refresh, POLL_MS);
