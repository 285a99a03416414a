// The dashboard page: navigation between views (the address's #fragment names the view), and live updates: the
// sandbox's event stream says when anything changed, and the open view reloads its data (never its forms).
import { h } from './dom.js';
import { views } from './views.js';
import { messages } from './widgets.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const live = document.getElementById('live');

for (const [name, view] of Object.entries(views)) {
  nav.append(h('li', {}, h('a', { href: `#${name}`, 'data-view': name }, view.title)));
}

let current;

/** Loads the open view's data; changes arriving meanwhile cause one more load, not one each. */
function reloader(view, slot) {
  let running = false;
  let again = false;
  const refresh = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const content = await view.load(refresh);
        if (current?.view !== view) return;
        slot.replaceChildren(content);
        slot.setAttribute('aria-busy', 'false');
      } while (again);
    } catch (error) {
      messages.say(`Could not load ${view.title.toLowerCase()}: ${error.message}`, true);
    } finally {
      running = false;
    }
  };
  return refresh;
}

async function show() {
  const name = location.hash.slice(1) in views ? location.hash.slice(1) : 'redpacks';
  const view = views[name];
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.view === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${view.title} · wxpay sandbox`;
  // Named by its view, so that a reader waiting for a view's data cannot mistake the previous view's for it.
  const slot = h('div', { class: 'data', 'data-view': name, 'aria-busy': 'true' });
  current = { view, refresh: reloader(view, slot) };
  messages.say('');
  const controls = view.controls ? await view.controls() : undefined;
  if (current.view !== view) return;
  main.replaceChildren(h('h2', {}, view.title), controls ?? '', messages.element, slot);
  await current.refresh();
}

window.addEventListener('hashchange', show);
show();

const events = new EventSource('/_sandbox/events');
events.addEventListener('open', () => {
  live.textContent = 'live';
  live.className = 'live on';
});
events.addEventListener('error', () => {
  live.textContent = 'reconnecting…';
  live.className = 'live off';
});
events.addEventListener('change', () => current?.refresh());
