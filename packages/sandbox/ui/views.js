// The dashboard's views. Each has `controls()` (built once when the view opens: filters and forms keep what the user
// typed) and `load()` (run again on every change the sandbox reports, returning the data part afresh).
import { getJson, h, millis, money, postJson, seconds, withQuery } from './dom.js';
import { actionButton, field, genericColumns, messages, select, table } from './widgets.js';

const redpackStatuses = ['SENDING', 'SENT', 'RECEIVED', 'RFUND_ING', 'REFUND', 'FAILED'];

async function merchantOptions(all = 'All merchants') {
  const merchants = await getJson('/_sandbox/merchants');
  return [['', all], ...merchants.map((m) => [m.mchid, m.name ? `${m.mchid} ${m.name}` : m.mchid])];
}

/** A form whose submit runs `action` (Enter works; the page never reloads). */
function form(label, fields, submitText, action) {
  const element = h('form', { 'aria-label': label }, fields, h('button', { type: 'submit' }, submitText));
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await action(new FormData(element));
      messages.say(`${label}: done`);
    } catch (error) {
      messages.say(`${label}: ${error.message}`, true);
    }
  });
  return element;
}

const merchants = {
  title: 'Merchants',
  async controls() {
    const options = await merchantOptions('Choose a merchant');
    return form(
      'Top up a balance',
      [
        field('Merchant', select('mchid', options)),
        field('Amount (yuan)', h('input', { name: 'yuan', type: 'number', min: '0.01', step: '0.01', required: true })),
      ],
      'Top up',
      (data) =>
        postJson('/_sandbox/merchants/topup', {
          mchid: data.get('mchid'),
          amount: Math.round(Number(data.get('yuan')) * 100),
        }),
    );
  },
  async load() {
    const rows = await getJson('/_sandbox/merchants');
    const list = (record) =>
      h(
        'ul',
        { class: 'plain' },
        Object.entries(record).map(([k, v]) => h('li', {}, `${k}: ${v}`)),
      );
    return table(
      'Merchants',
      [
        { label: 'mchid', cell: (m) => m.mchid },
        { label: 'Name', cell: (m) => m.name ?? '' },
        { label: 'Kind', cell: (m) => (m.parent_mchid ? `${m.kind} (under ${m.parent_mchid})` : m.kind) },
        { label: 'Balance', cell: (m) => money(m.balance) },
        { label: 'Rate limit (per s)', cell: (m) => String(m.rate_limit) },
        { label: 'Limits', cell: (m) => (Object.keys(m.settings).length === 0 ? 'defaults' : list(m.settings)) },
        { label: 'Signing mode', cell: (m) => m.signing_mode },
        { label: 'Appids', cell: (m) => list(m.appids) },
        {
          label: 'Key files (in the data directory)',
          cell: (m) =>
            list({
              'merchant cert (serial)': `${m.files.cert} (${m.serial})`,
              'merchant key': m.files.key,
              [`platform cert ${m.platform_cert_serial}`]: m.files.platformCert,
              [`public key ${m.public_key_id}`]: m.files.publicKey,
            }),
        },
      ],
      rows,
    );
  },
};

const redpacks = {
  title: 'Red packets',
  filter: undefined,
  async controls() {
    this.filter = h(
      'form',
      { 'aria-label': 'Filter red packets', class: 'filters' },
      field('Merchant', select('mchid', await merchantOptions())),
      field('Status', select('status', [['', 'Any status'], ...redpackStatuses.map((s) => [s, s])])),
      field('Recipient openid', h('input', { name: 'openid', type: 'search', autocomplete: 'off' })),
      field(
        'Billnos (one per line or comma)',
        h('textarea', { name: 'billnos', rows: 2, autocomplete: 'off', spellcheck: 'false' }),
      ),
    );
    this.filter.addEventListener('submit', (event) => event.preventDefault());
    return this.filter;
  },
  async load(refresh) {
    const data = new FormData(this.filter);
    this.filter.oninput ??= () => refresh();
    const openid = String(data.get('openid') ?? '').trim();
    const billnos = new Set(
      String(data.get('billnos') ?? '')
        .split(/[\s,]+/)
        .filter(Boolean),
    );
    const all = await getJson(
      withQuery('/_sandbox/redpacks', { mchid: data.get('mchid'), status: data.get('status') }),
    );
    const rows = all.filter(
      (p) => (openid === '' || p.re_openid === openid) && (billnos.size === 0 || billnos.has(p.mch_billno)),
    );
    const byStatus = new Map();
    for (const p of rows) {
      const total = byStatus.get(p.status) ?? { count: 0, fen: 0 };
      byStatus.set(p.status, { count: total.count + 1, fen: total.fen + p.total_amount });
    }
    const sum = rows.reduce((fen, p) => fen + p.total_amount, 0);
    return h(
      'div',
      {},
      table(
        'Totals',
        [
          { label: 'Status', cell: ([status]) => status },
          { label: 'Packets', cell: ([, t]) => String(t.count) },
          { label: 'Amount', cell: ([, t]) => money(t.fen) },
        ],
        [...byStatus.entries(), ['All', { count: rows.length, fen: sum }]],
      ),
      table(
        'Red packets',
        [
          // First, as on the orders and transfers: the button is in view without scrolling sideways.
          {
            label: 'Act as the user',
            cell: (p) =>
              p.status === 'SENT'
                ? actionButton('Open', `Open red packet ${p.mch_billno}`, () =>
                    postJson('/_sandbox/redpacks/open', { mchid: p.mch_id, mch_billno: p.mch_billno }),
                  )
                : '',
          },
          { label: 'mch_billno', cell: (p) => p.mch_billno },
          { label: 'Merchant', cell: (p) => p.mch_id },
          { label: 'Kind', cell: (p) => p.kind },
          { label: 'Recipient', cell: (p) => p.re_openid },
          { label: 'Amount', cell: (p) => money(p.total_amount) },
          { label: 'Status', cell: (p) => h('span', { class: `status ${p.status}` }, p.status) },
          { label: 'Sent', cell: (p) => p.send_time },
          { label: 'Received', cell: (p) => p.rcv_time ?? '' },
          { label: 'Refunded', cell: (p) => (p.refund_time ? `${p.refund_time} ${money(p.refund_amount)}` : '') },
        ],
        rows,
        'No red packets match.',
      ),
    );
  },
};

const coupons = {
  title: 'Coupons',
  async load() {
    const [stocks, sent] = await Promise.all([getJson('/_sandbox/coupon-stocks'), getJson('/_sandbox/coupons')]);
    return h(
      'div',
      {},
      table(
        'Coupon stocks',
        [
          { label: 'Stock', cell: (s) => s.coupon_stock_id },
          { label: 'Name', cell: (s) => s.name ?? '' },
          { label: 'Merchant', cell: (s) => s.mchid },
          { label: 'Value', cell: (s) => money(s.value) },
          { label: 'Minimum order', cell: (s) => money(s.minimum) },
          { label: 'Sent / total', cell: (s) => `${s.sent} / ${s.total}` },
          { label: 'Per user', cell: (s) => (s.max_quota === 0 ? 'unlimited' : String(s.max_quota)) },
          { label: 'Valid', cell: (s) => `${s.begin_time} – ${s.end_time}` },
        ],
        stocks,
      ),
      table('Coupons sent', genericColumns(sent, { first: ['coupon_id', 'coupon_stock_id', 'openid'] }), sent),
    );
  },
};

/** The payer's page for a Native code_url, as the QR code links to it. */
function payerPage(codeUrl) {
  return `${location.origin}/_sandbox/ui/pay?code_url=${encodeURIComponent(codeUrl)}`;
}

const orders = {
  title: 'Orders',
  async load() {
    const [rows, codeUrls] = await Promise.all([getJson('/_sandbox/orders'), getJson('/_sandbox/orders/code-urls')]);
    const unpaid = (o) => o.trade_state === 'NOTPAY' || o.trade_state === 'USERPAYING';
    const pay = (o, outcome) =>
      // By out_trade_no: an unpaid mainland order has no WeChat number yet (a global one has its `id` at once).
      postJson('/_sandbox/orders/pay', {
        mchid: o.mchid ?? o.sub_mchid ?? o.sp_mchid,
        out_trade_no: o.out_trade_no,
        outcome,
      });
    const columns = genericColumns(rows, {
      first: ['out_trade_no', 'id', 'trade_type', 'trade_state', 'amount.total', 'amount.currency'],
      hidden: ['trade_state_desc'],
    });
    // First: on a phone the QR code and the buttons are in view without scrolling sideways.
    columns.unshift({
      label: 'Act as the payer',
      cell: (o) => {
        if (!unpaid(o)) return '';
        const code = codeUrls[o.id];
        return h(
          'div',
          { class: 'actions' },
          actionButton('Pay', `Pay order ${o.out_trade_no}`, () => pay(o, 'SUCCESS')),
          actionButton('Fail', `Fail the payment of order ${o.out_trade_no}`, () => pay(o, 'PAYERROR')),
          code &&
            h(
              'a',
              { href: payerPage(code), class: 'qr' },
              h('img', {
                src: `qr.svg?data=${encodeURIComponent(payerPage(code))}`,
                alt: `QR code of order ${o.out_trade_no}: opens the payer's page`,
                width: 120,
                height: 120,
              }),
            ),
        );
      },
    });
    return table('Orders', columns, rows);
  },
};

const refunds = {
  title: 'Refunds',
  async load() {
    const rows = await getJson('/_sandbox/refunds');
    const columns = genericColumns(rows, {
      first: ['out_refund_no', 'id', 'out_trade_no', 'status', 'amount_refund', 'currency', 'api'],
    });
    columns.unshift({
      label: 'Act as WeChat Pay',
      // Only a mainland refund still processing can fail (the global API's refunds always succeed).
      cell: (r) =>
        r.status === 'PROCESSING' && r.api === 'mainland'
          ? actionButton('Fail', `Fail refund ${r.out_refund_no}`, () =>
              postJson('/_sandbox/refunds/fail', { mchid: r.mchid, out_refund_no: r.out_refund_no }),
            )
          : '',
    });
    return table('Refunds', columns, rows);
  },
};

const transfers = {
  title: 'Transfers',
  async load() {
    const [bills, pocket] = await Promise.all([getJson('/_sandbox/transfers'), getJson('/_sandbox/pocket-payments')]);
    const act = (t, path) => postJson(path, { mchid: t.mch_id ?? t.mchid, transfer_bill_no: t.transfer_bill_no });
    const columns = genericColumns(bills, {
      first: ['out_bill_no', 'transfer_bill_no', 'state', 'transfer_amount', 'openid'],
    });
    columns.unshift({
      label: 'Act as the payee',
      cell: (t) =>
        t.state === 'WAIT_USER_CONFIRM'
          ? h(
              'div',
              { class: 'actions' },
              actionButton('Confirm', `Confirm transfer ${t.out_bill_no}`, () => act(t, '/_sandbox/transfers/confirm')),
              actionButton('Refuse', `Refuse transfer ${t.out_bill_no}`, () => act(t, '/_sandbox/transfers/fail')),
            )
          : '',
    });
    return h(
      'div',
      {},
      table('Merchant transfers (商家转账)', columns, bills),
      table(
        'WeCom payments to staff',
        genericColumns(pocket, { first: ['partner_trade_no', 'mchid', 'openid', 'amount'] }),
        pocket,
      ),
    );
  },
};

function attemptText(attempt) {
  const outcome = attempt.status === null ? 'no reply' : `HTTP ${attempt.status}`;
  // A refused status is its own error ("HTTP 500"): said once.
  const error = attempt.error === outcome ? null : attempt.error;
  return [seconds(attempt.at), outcome, error, attempt.reply && `reply: ${attempt.reply}`].filter(Boolean).join(' · ');
}

const notifications = {
  title: 'Notifications',
  async load() {
    const rows = await getJson('/_sandbox/notifications');
    return table(
      'Notifications',
      [
        { label: 'Created', cell: (n) => seconds(n.createdAt) },
        { label: 'Event', cell: (n) => n.eventType },
        { label: 'Merchant', cell: (n) => n.mchid },
        { label: 'URL', cell: (n) => h('code', {}, n.url) },
        { label: 'State', cell: (n) => h('span', { class: `status ${n.state}` }, n.state) },
        {
          label: 'Attempts',
          cell: (n) =>
            n.attempts.length === 0
              ? 'none yet'
              : h(
                  'ol',
                  { class: 'attempts' },
                  n.attempts.map((a) => h('li', {}, attemptText(a))),
                ),
        },
        { label: 'Next retry', cell: (n) => (n.nextAttemptAt === null ? '' : seconds(n.nextAttemptAt)) },
        {
          label: 'Action',
          cell: (n) =>
            n.state === 'delivered'
              ? ''
              : actionButton('Deliver now', `Deliver notification ${n.id} now`, () =>
                  postJson('/_sandbox/notifications/deliver', { id: n.id }),
                ),
        },
      ],
      rows,
    );
  },
};

const faultFields = [
  ['systemErrorRate', 'System error rate (0–1)', '0.01', '1'],
  ['dropReplyRate', 'Dropped reply rate (0–1)', '0.01', '1'],
  ['delayRate', 'Delay rate (0–1)', '0.01', '1'],
  ['delayMs', 'Delay (ms)', '1', undefined],
  ['rateLimitPerSecond', 'Rate limit per merchant per second (empty for their own)', '1', undefined],
];

const faults = {
  title: 'Faults',
  async controls() {
    const current = await getJson('/_sandbox/faults');
    const inputs = faultFields.map(([name, label, step, max]) =>
      field(label, h('input', { name, type: 'number', min: 0, step, max, value: current[name] ?? '' })),
    );
    return h(
      'div',
      {},
      form('Set faults', inputs, 'Save faults', (data) => {
        const changes = {};
        for (const [name] of faultFields) {
          const text = String(data.get(name) ?? '');
          changes[name] = text === '' ? null : Number(text);
        }
        // Empty is "off": 0 for the rates and the delay, null (each merchant's own) for the rate limit.
        for (const [name] of faultFields.slice(0, 4)) if (changes[name] === null) changes[name] = 0;
        return postJson('/_sandbox/faults', changes);
      }),
      actionButton('Reset faults', 'Reset faults', () => postJson('/_sandbox/faults/reset')),
    );
  },
  async load() {
    const current = await getJson('/_sandbox/faults');
    return table(
      'Fault settings now',
      [
        { label: 'Setting', cell: ([label]) => label },
        { label: 'Value', cell: ([, value]) => value },
      ],
      faultFields.map(([name, label]) => [label, current[name] === undefined ? 'off' : String(current[name])]),
    );
  },
};

const units = [
  ['60', 'minutes'],
  ['3600', 'hours'],
  ['86400', 'days'],
  ['1', 'seconds'],
];

function duration(ms) {
  const s = Math.round(ms / 1000);
  const parts = [
    [86400, 'd'],
    [3600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const out = [];
  let rest = s;
  for (const [size, unit] of parts) {
    if (rest >= size) {
      out.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  return out.length === 0 ? 'none' : out.join(' ');
}

const clock = {
  title: 'Clock',
  async controls() {
    const advance = (secondsToAdd) => postJson('/_sandbox/clock/advance', { seconds: secondsToAdd });
    return h(
      'div',
      {},
      form(
        'Advance the sandbox clock',
        [
          field('Amount', h('input', { name: 'amount', type: 'number', min: 0, step: 1, value: 1, required: true })),
          field('Unit', select('unit', units)),
        ],
        'Advance',
        (data) => advance(Number(data.get('amount')) * Number(data.get('unit'))),
      ),
      h(
        'div',
        { class: 'actions' },
        actionButton('+1 minute', 'Advance 1 minute', () => advance(60)),
        actionButton('+1 hour', 'Advance 1 hour', () => advance(3600)),
        actionButton('+1 day', 'Advance 1 day', () => advance(86400)),
      ),
    );
  },
  async load() {
    const now = await getJson('/_sandbox/clock');
    return h(
      'dl',
      { class: 'clock' },
      h('dt', {}, 'Sandbox time (China)'),
      h('dd', { 'data-testid': 'sandbox-time' }, millis(now.now)),
      h('dt', {}, 'Ahead of real time by'),
      h('dd', {}, duration(now.offsetMs)),
    );
  },
};

/** In the order of the navigation. */
export const views = { merchants, redpacks, coupons, orders, refunds, transfers, notifications, faults, clock };
