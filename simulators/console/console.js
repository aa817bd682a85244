// The cgw-sim console: reads the admin API of one namespace (or the default
// instance) and renders it; changes go through the same API. Every value
// from the server is rendered as text (textContent, never innerHTML), so a
// journal entry or an order id cannot inject markup.
'use strict';

(function () {
  // /admin/console or /ns/<name>/admin/console; anything before that is a
  // proxy's prefix, kept for every call.
  const match = location.pathname.match(/^(.*?)(?:\/ns\/([^/]+))?\/admin\/console\/?$/);
  const root = match ? match[1] : '';
  let namespace = match && match[2] ? decodeURIComponent(match[2]) : '';
  let poolAfter = '';
  let timer = null;

  const $ = (id) => document.getElementById(id);

  // An element with attributes and children (strings become text nodes).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined) continue;
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function base() {
    return root + (namespace ? '/ns/' + encodeURIComponent(namespace) : '');
  }

  function message(text, ok) {
    const m = $('message');
    m.textContent = text;
    m.className = ok ? 'ok' : 'error';
  }

  // The admin API's JSON; throws with the server's {"error"} text.
  async function call(method, path, body, absolute) {
    const opts = { method, headers: {} };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const res = await fetch((absolute ? root : base()) + path, opts);
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      const why = data && data.error ? data.error : res.statusText;
      throw new Error(method + ' ' + path + ': ' + res.status + ' ' + why);
    }
    return data;
  }

  function time(ms) {
    if (!ms) return '';
    return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  }

  function table(id, headers, rows) {
    const t = $(id);
    t.replaceChildren(el('tr', {}, headers.map((h) => el('th', {}, h))));  // el() flattens
    for (const r of rows) t.appendChild(el('tr', {}, r.map((c) => el('td', {}, c))));
    if (rows.length === 0) t.appendChild(el('tr', {}, el('td', { colspan: headers.length }, '(none)')));
  }

  function json(value) {
    return el('details', {}, el('summary', {}, 'details'), el('pre', {}, JSON.stringify(value, null, 2)));
  }

  async function loadNamespaces() {
    const sel = $('ns');
    const data = await call('GET', '/admin/namespaces', undefined, true);
    const names = data.namespaces.map((n) => n.name);
    if (namespace && !names.includes(namespace)) names.push(namespace);
    sel.replaceChildren(el('option', { value: '' }, '(default instance)'),
      ...names.map((n) => el('option', { value: n }, n)));
    sel.value = namespace;
  }

  function renderClock(c) {
    $('clock').textContent = time(c.nowMs) + ' UTC (offset ' + c.clockOffsetMs + ' ms' +
      (c.frozen ? ', frozen' : '') + ')';
  }

  function renderFaults(data) {
    table('faults', ['id', 'operation', 'kind', 'rule', 'seen', 'fired', ''],
      data.faults.map((f) => {
        const rest = Object.assign({}, f);
        for (const k of ['id', 'operation', 'kind', 'seen', 'fired']) delete rest[k];
        const del = el('button', { type: 'button', 'data-fault': f.id }, 'Remove');
        del.addEventListener('click', () => act(() => call('DELETE', '/admin/faults/' +
          encodeURIComponent(f.id)), 'fault ' + f.id + ' removed'));
        return [f.id, f.operation, f.kind, JSON.stringify(rest), f.seen, f.fired, del];
      }));
    const op = $('fault-op');
    const ops = ['*'].concat(data.operations || []);
    const current = op.value;
    if (op.options.length !== ops.length) {
      op.replaceChildren(...ops.map((o) => el('option', { value: o }, o)));
      op.value = ops.includes(current) ? current : '*';
    }
  }

  function renderPool(p) {
    $('pool-counts').textContent = p.total + ' numbers: ' + p.idle + ' idle, ' + p.locked +
      ' locked, ' + p.sold + ' sold';
    table('pool', ['number', 'state', 'region', 'price (fen)', 'pattern'],
      p.numbers.map((n) => [n.number, el('span', { class: 'state-' + n.state }, n.state),
        n.province + ' ' + n.city, n.priceFen, n.pattern]));
    $('pool-more').disabled = !p.nextAfter;
    $('pool-more').dataset.after = p.nextAfter || '';
  }

  function renderOrders(data) {
    table('orders', ['order', 'partner order', 'number', 'plan', 'state', 'lifecycle'],
      data.orders.map((o) => [o.orderId, o.partnerOrderId, o.number, o.planCode,
        el('span', { class: 'state-' + o.state }, o.state + (o.failReason ? ' (' + o.failReason + ')' : '')),
        el('ul', { class: 'attempts' }, o.lifecycle.map((s) =>
          el('li', { class: s.done ? 'done' : 'planned' }, s.stage + ' ' + time(s.atMs) +
            (s.done ? '' : ' (planned)'))))]));
  }

  function renderCallbacks(data) {
    table('callbacks', ['event', 'order', 'status', 'attempts'],
      data.callbacks.map((c) => [c.eventId, c.orderId,
        c.acknowledged ? 'acknowledged' : c.gaveUp ? 'gave up' : c.dropped ? 'dropped' :
          c.held ? 'held' : 'pending' + (c.nextAttemptMs ? ' (next ' + time(c.nextAttemptMs) + ')' : ''),
        el('ul', { class: 'attempts' }, c.attempts.map((a) => el('li', {},
          time(a.at_ms) + ' ' + a.transport + ' ' + (a.http_status || '') + ' ' +
          (a.acknowledged ? 'ack' : 'no ack') + (a.error ? ' ' + a.error : '') +
          (a.chaos ? ' [' + a.chaos + ']' : ''))))]));
  }

  function renderJournal(data) {
    const entries = data.requests.slice().reverse();  // newest first
    table('journal', ['time', 'request', 'operation', 'result', 'fault', ''],
      entries.map((e) => [time(e.at_ms), e.method + ' ' + e.target, e.operation,
        (e.http_status || '') + (e.code ? ' code ' + e.code : ''), e.fault || '', json(e)]));
  }

  async function refresh() {
    try {
      const state = await call('GET', '/admin/state');
      renderClock(state);
      table('locks', ['lock', 'number', 'expires', 'state'], state.reservations.map((r) =>
        [r.lockId, r.number, time(r.expireTime), r.state]));
      renderFaults(await call('GET', '/admin/faults'));
      $('chaos').textContent = JSON.stringify(await call('GET', '/admin/callback-chaos'), null, 2);
      renderPool(await call('GET', '/admin/pool?limit=50' +
        (poolAfter ? '&after=' + encodeURIComponent(poolAfter) : '')));
      renderOrders(await call('GET', '/admin/orders'));
      renderCallbacks(await call('GET', '/admin/callbacks?limit=100'));
      renderJournal(await call('GET', '/admin/requests?limit=100'));
      document.body.dataset.loaded = String(Date.now());
    } catch (e) {
      message(e.message, false);
    }
  }

  // Runs a change, says how it went (its own words, if it returns any), and
  // shows the new state.
  async function act(change, done) {
    try {
      const said = await change();
      message(typeof said === 'string' ? said : done, true);
    } catch (e) {
      message(e.message, false);
    }
    await refresh();
  }

  function intField(id) {
    const v = $(id).value.trim();
    return v === '' ? undefined : Number(v);
  }

  const kindParam = {
    http_status: ['status', '503', Number],
    business_error: ['code', '9999', String],
    latency: ['latency_ms', '1000', Number],
    timeout: ['hold_ms', '10000', Number],
  };

  function faultRule() {
    const kind = $('fault-kind').value;
    const rule = { operation: $('fault-op').value, kind };
    const p = kindParam[kind];
    if (p) rule[p[0]] = p[2]($('fault-value').value.trim());
    for (const k of ['first', 'every', 'probability']) {
      const v = intField('fault-' + k);
      if (v !== undefined) rule[k] = v;
    }
    if ($('fault-after-serve').checked) rule.after_serve = true;
    return rule;
  }

  function onKind() {
    const p = kindParam[$('fault-kind').value];
    $('fault-value').disabled = !p;
    $('fault-value-label').textContent = p ? p[0] : '(no value)';
    if (p) $('fault-value').value = p[1];
  }

  function schedule() {
    if (timer) clearInterval(timer);
    timer = $('auto').checked ? setInterval(refresh, 2000) : null;
  }

  function wire() {
    $('ns').addEventListener('change', () => {
      namespace = $('ns').value;
      poolAfter = '';
      message('', true);
      refresh();
    });
    $('refresh').addEventListener('click', () => loadNamespaces().then(refresh, (e) => message(e.message, false)));
    $('auto').addEventListener('change', schedule);
    $('reset').addEventListener('click', () => {
      if (!confirm('Reset ' + (namespace || 'the default instance') + '? Pool, orders, faults, chaos, journal and clock start over.')) return;
      act(() => call('POST', '/admin/reset', {}), 'reset done');
    });
    $('fault-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const rule = faultRule();
      act(async () => {
        const r = await call('POST', '/admin/faults', rule);
        return 'fault ' + r.added.join(', ') + ' added';
      }, 'fault added');
    });
    $('fault-kind').addEventListener('change', onKind);
    $('clock-advance-btn').addEventListener('click', () => {
      const ms = intField('clock-advance');
      act(() => call('POST', '/admin/clock', { advance_ms: ms }), 'clock advanced ' + ms + ' ms');
    });
    $('clock-freeze').addEventListener('click', () => act(() => call('POST', '/admin/clock', { freeze: true }), 'clock frozen'));
    $('clock-unfreeze').addEventListener('click', () => act(() => call('POST', '/admin/clock', { freeze: false }), 'clock running'));
    $('pool-more').addEventListener('click', () => {
      poolAfter = $('pool-more').dataset.after || '';
      refresh();
    });
    $('pool-first').addEventListener('click', () => {
      poolAfter = '';
      refresh();
    });
  }

  document.addEventListener('DOMContentLoaded', async () => {
    wire();
    onKind();
    try {
      await loadNamespaces();
    } catch (e) {
      message(e.message, false);
    }
    await refresh();
    schedule();
  });
})();
