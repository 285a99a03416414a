// The payer's phone: what a user sees after scanning a Native order's QR code (the order, the amount) and the two
// choices they have. Pay is the sandbox paying the order as that user; Cancel closes the sheet and changes nothing,
// as backing out of WeChat's payment sheet leaves the order unpaid.
import { getJson, h, money, postJson, withQuery } from './dom.js';

const section = document.getElementById('order');
const message = document.getElementById('message');
const codeUrl = new URLSearchParams(location.search).get('code_url') ?? '';

function say(text, isError = false) {
  message.textContent = text;
  message.classList.toggle('error', isError);
}

async function load() {
  if (codeUrl === '') {
    say('This page needs a code_url (scan an order\u2019s QR code on the dashboard).', true);
    return;
  }
  let order;
  try {
    order = await getJson(withQuery('/_sandbox/orders/by-code-url', { code_url: codeUrl }));
  } catch (error) {
    say(error.message, true);
    return;
  }
  const payable = order.trade_state === 'NOTPAY' || order.trade_state === 'USERPAYING';
  const pay = h(
    'button',
    { type: 'button', class: 'primary', disabled: !payable },
    `Pay ${money(order.amount_total, order.currency)}`,
  );
  const cancel = h('button', { type: 'button', disabled: !payable }, 'Cancel');
  pay.addEventListener('click', async () => {
    pay.disabled = true;
    cancel.disabled = true;
    try {
      await postJson('/_sandbox/orders/pay', { mchid: order.mchid, id: order.id });
      say('支付成功 Paid');
      state.textContent = 'SUCCESS';
    } catch (error) {
      say(error.message, true);
      pay.disabled = false;
      cancel.disabled = false;
    }
  });
  cancel.addEventListener('click', () => {
    pay.disabled = true;
    cancel.disabled = true;
    say('已取消 Cancelled: the order stays unpaid.');
  });
  const state = h('dd', { id: 'state' }, order.trade_state);
  section.replaceChildren(
    h('p', { class: 'merchant' }, order.merchant_name ?? `Merchant ${order.mchid}`),
    h('p', { class: 'amount' }, money(order.amount_total, order.currency)),
    h(
      'dl',
      {},
      h('dt', {}, 'Order'),
      h('dd', {}, order.description),
      h('dt', {}, 'Merchant order number'),
      h('dd', {}, order.out_trade_no),
      h('dt', {}, 'State'),
      state,
    ),
    h('div', { class: 'actions' }, pay, cancel),
  );
}

load();
