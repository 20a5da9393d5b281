// The live auction pages: the buyer's monitor and the supplier's room.
//
// The websocket protocol is CONTRACT.md's: the server sends a `snapshot` on connect and on `sync`,
// then `update`, `extended`, `state`, `closed`, `presence` (buyer), `bid_result` (bidder) and
// `error`. Every news frame carries `version`; a frame older than what the page shows is ignored
// (its bids still count for the monitor). A dropped connection reconnects by itself with backoff
// and the page is rebuilt from the fresh snapshot; a bid without an answer is sent again with the
// same client_id (the server answers a repeated client_id with its first answer, placing nothing).
// The countdown follows the server's clock: offset = server_time + round trip / 2 - local time.
// Every sentence comes from the page (`auction-strings`), already translated.
(function () {
  "use strict";

  var root = document.getElementById("monitor") || document.getElementById("room");
  if (!root) return;
  var cfg = JSON.parse(document.getElementById("auction-config").textContent);
  var T = JSON.parse(document.getElementById("auction-strings").textContent);
  var isBuyer = cfg.audience === "buyer";
  var locale = cfg.language || document.documentElement.lang || undefined;

  function $(id) { return document.getElementById(id); }
  function fmt(template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (_m, key) {
      return values && values[key] !== undefined && values[key] !== null ? String(values[key]) : "";
    }).replace(/%%/g, "%");
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  // Amounts as the server's money filter writes them (marketplace/money.py): the page's language,
  // the currency's own decimals and sign ("2 100 000,00 ₽", "15.250.000 ₫").
  var moneyFormat;
  try {
    moneyFormat = new Intl.NumberFormat(locale, { style: "currency", currency: cfg.currency });
  } catch (e) {  // not a code the browser knows: the number, then the code
    var plain = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 10 });
    moneyFormat = { format: function (n) { return plain.format(n) + " " + cfg.currency; } };
  }
  function money(value) {
    if (value === null || value === undefined || value === "") return "—";
    var n = Number(value);
    return isFinite(n) ? moneyFormat.format(n) : String(value);
  }
  var compactFormat = new Intl.NumberFormat(locale, { notation: "compact", maximumFractionDigits: 3 });
  function compact(value) { return compactFormat.format(value); }
  function pad(n, width) { return String(n).padStart(width || 2, "0"); }
  function timeOf(iso) {  // the server's receipt time, to the millisecond, in the device's zone
    if (!iso) return "—";
    var d = new Date(iso);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  }
  // A moment in the page language's SHORT_DATETIME_FORMAT (marketplace/formats/, passed in the
  // config), to the second: "26 Nov 2026, 12:18:05", "26.11.2026 12:18:05", "26/11/2026 12:18:05".
  function moment(iso) {
    var d = new Date(iso);
    var parts = {
      d: pad(d.getDate()), j: String(d.getDate()), m: pad(d.getMonth() + 1), Y: String(d.getFullYear()),
      M: new Intl.DateTimeFormat("en", { month: "short" }).format(d), H: pad(d.getHours()),
      i: pad(d.getMinutes()) + ":" + pad(d.getSeconds()),
    };
    return String(cfg.datetime_format || "Y-m-d H:i").replace(/\\?[djmYMHi]/g, function (token) {
      return token.charAt(0) === "\\" ? token.slice(1) : parts[token];
    });
  }
  function clock(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }
  function duration(seconds) { return clock(Number(seconds) * 1000); }

  // -- state -------------------------------------------------------------------------------------

  var S = {
    version: -1,
    state: root.querySelector("#auction-state").dataset.state,
    startsAt: null, endsAt: null, pausedRemaining: null,
    bidsCount: 0, extensions: 0, maxExtensions: 0,
    auction: null,
    offset: 0, bestRtt: Infinity,
    bestPrice: null, reserveMet: null, standings: [], leader: null,
    bids: new Map(),          // buyer: every accepted bid by id
    presence: [],             // buyer: connected suppliers
    myRank: null, myBest: null, tied: false,
    receipts: [],             // supplier: {client_id, amount, status, received_at, message, sentAt, id}
    bestHistory: []           // supplier: [time s, best price] where visible
  };

  function applyPublic(f) {
    if (f.state !== undefined) S.state = f.state;
    if (f.starts_at !== undefined) S.startsAt = f.starts_at;
    if (f.ends_at !== undefined) S.endsAt = f.ends_at;
    if (f.paused_remaining_s !== undefined) S.pausedRemaining = f.paused_remaining_s;
    if (f.bids_count !== undefined) S.bidsCount = f.bids_count;
    if (f.extensions !== undefined) S.extensions = f.extensions;
    if (f.max_extensions !== undefined) S.maxExtensions = f.max_extensions;
  }

  function applySeen(f, at) {
    if (isBuyer) {
      if ("best_price" in f) S.bestPrice = f.best_price;
      if ("reserve_met" in f) S.reserveMet = f.reserve_met;
      if (f.standings) S.standings = f.standings;
      if ("leader" in f) S.leader = f.leader;
      return;
    }
    if ("my_rank" in f) S.myRank = f.my_rank;
    if ("my_best" in f) S.myBest = f.my_best;
    if ("tied" in f) S.tied = f.tied;
    if ("best_price" in f && f.best_price !== S.bestPrice) {
      S.bestPrice = f.best_price;
      if (f.best_price !== null) S.bestHistory.push([at, Number(f.best_price)]);
    }
    if (f.my_bid) acceptedReceipt(f.my_bid, null);
  }

  function mergeBids(list) {
    (list || []).forEach(function (bid) { if (bid && bid.id !== undefined) S.bids.set(bid.id, bid); });
  }

  // -- the connection ----------------------------------------------------------------------------

  var ws = null, attempt = 0, retryTimer = null, retryAt = 0, syncSentAt = null, stopped = false;
  var clockTimer = null, freshConnection = false;

  function setConnection(status, text) {
    var node = $("connection");
    node.dataset.status = status;
    node.textContent = text;
    root.dataset.connected = status === "open" ? "1" : "0";
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped || (ws && ws.readyState <= 1)) return;
    setConnection("connecting", T.connecting);
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + cfg.ws_path;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      ws = null;
      reconnectLater(0);
      return;
    }
    var socket = ws;
    freshConnection = true;
    S.bestRtt = Infinity;
    syncSentAt = performance.now();  // the snapshot that answers the handshake also times the clock
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      handle(frame, performance.now());
    };
    socket.onclose = function (event) {
      if (ws === socket) ws = null;
      clearTimeout(clockTimer);
      if (event.code === 4403) {
        stopped = true;
        setConnection("forbidden", T.forbidden);
        return;
      }
      reconnectLater(event.code === 4429 ? 5000 : 0);
    };
  }

  function reconnectLater(minimum) {
    if (stopped || retryTimer) return;
    var base = Math.min(10000, 500 * Math.pow(2, attempt));
    var delay = Math.max(minimum, base * (0.6 + Math.random() * 0.4));  // jitter: not all at once
    attempt += 1;
    retryAt = Date.now() + delay;
    retryTimer = setTimeout(connect, delay);
    showRetry();
  }

  function showRetry() {
    if (!retryTimer) return;
    var left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
    setConnection("closed", fmt(T.reconnecting, { s: left }));
  }

  function send(frame) {
    if (ws && ws.readyState === 1) {
      ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function sync() {
    if (send({ type: "sync" })) syncSentAt = performance.now();
  }

  // Back at once when the device wakes up or the network returns.
  window.addEventListener("online", function () { if (!ws) connect(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !ws) connect();
  });

  // -- frames ------------------------------------------------------------------------------------

  function handle(frame, receivedAt) {
    switch (frame.type) {
      case "snapshot": onSnapshot(frame, receivedAt); break;
      case "update": case "extended": case "state": case "closed": onNews(frame); break;
      case "bid_result": onBidResult(frame); break;
      case "presence": S.presence = frame.connected || []; render(); break;
      case "error": onError(frame); break;
      default: break;
    }
  }

  function measureClock(frame, receivedAt) {
    if (syncSentAt === null || !frame.server_time) return;
    var rtt = receivedAt - syncSentAt;
    syncSentAt = null;
    if (rtt <= S.bestRtt) {  // the shortest round trip gives the best estimate
      S.bestRtt = rtt;
      S.offset = Date.parse(frame.server_time) + rtt / 2 - Date.now();
    }
    var warning = $("clock-warning");
    if (Math.abs(S.offset) > 1000) {
      warning.textContent = fmt(T.clock_off, { s: (S.offset / 1000).toFixed(1) });
      warning.hidden = false;
    } else {
      warning.hidden = true;
    }
  }

  function onSnapshot(f, receivedAt) {
    measureClock(f, receivedAt);
    attempt = 0;
    setConnection("open", T.live);
    S.auction = f.auction;
    S.version = f.version;
    applyPublic(f.auction);
    var at = Date.parse(f.server_time) / 1000;
    if (isBuyer) {
      S.bids = new Map();
      mergeBids(f.bids);
    } else {
      rebuildReceipts(f.my_bids || []);
      if (f.best_price !== undefined && f.best_price !== null && S.bestHistory.length === 0) {
        S.bestHistory.push([at, Number(f.best_price)]);
      }
    }
    applySeen(f, at);
    if (!isBuyer) resendUnanswered();
    root.dataset.synced = "1";
    render();
    if (freshConnection) {
      freshConnection = false;
      // A second sample, away from the handshake's work, sharpens the clock; then now and then.
      clearTimeout(clockTimer);
      clockTimer = setTimeout(function again() {
        sync();
        clockTimer = setTimeout(again, 5 * 60 * 1000);
      }, 1500);
    }
  }

  function onNews(f) {
    if (isBuyer) mergeBids([f.bid].concat(f.bids || []));
    if (f.version <= S.version) {  // older than what we show: only its bids mattered
      render();
      return;
    }
    var before = S.state;
    S.version = f.version;
    applyPublic(f);
    applySeen(f, f.server_time ? Date.parse(f.server_time) / 1000 : Date.now() / 1000);
    if (f.type === "extended") addExtension(f);
    render();
    if (isBuyer && before !== S.state && (S.state === "closed" || S.state === "awarded")) {
      // The award form (every bidder, the leader first) and the order link are the server's to show.
      setTimeout(function () { location.reload(); }, 800);
    }
  }

  function onError(f) {
    if (f.client_id) {
      var receipt = S.receipts.find(function (r) { return r.client_id === f.client_id; });
      if (receipt) {
        receipt.status = "refused";
        receipt.message = f.message;
        render();
        return;
      }
    }
    var hint = $("bid-hint");
    if (hint) hint.textContent = f.message;
    else if (window.console) console.warn(f.code, f.message);
  }

  // -- extensions --------------------------------------------------------------------------------

  function reasonOf(f) {
    var data = f.reason_data || {};
    if (data.trigger === "buyer") return fmt(T.extended_buyer, { by: duration(data.by_s) });
    if (data.trigger && T.causes[data.trigger]) {
      var cause = data.top_n ? fmt(T.causes[data.trigger + "_top"], { n: data.top_n }) : T.causes[data.trigger];
      var w = Number(data.window_s);
      var window_ = w % 60 === 0 ? fmt(T.window_minutes, { n: w / 60 }) : fmt(T.window_seconds, { n: w });
      return fmt(T.extended, { by: duration(data.by_s), cause: cause, window: window_, left: data.left, max: data.max_extensions });
    }
    return f.reason || "";
  }

  function addExtension(f) {
    var list = $("extensions");
    var item = el("li", { "data-version": f.version });
    item.appendChild(el("time", null, timeOf(f.server_time)));
    item.appendChild(document.createTextNode(" " + reasonOf(f)));
    list.insertBefore(item, list.firstChild);
  }

  // -- bidding (the room) ------------------------------------------------------------------------

  function rebuildReceipts(myBids) {
    var accepted = myBids.map(function (b) {
      return { client_id: null, id: b.id, amount: b.amount, status: "ok", received_at: b.received_at };
    });
    var ids = new Set(accepted.map(function (r) { return r.id; }));
    var kept = S.receipts.filter(function (r) { return r.status !== "ok" || !ids.has(r.id); })
      .filter(function (r) { return r.status !== "ok"; });
    S.receipts = kept.concat(accepted);
  }

  function acceptedReceipt(bid, clientId) {
    var existing = S.receipts.find(function (r) {
      return (clientId && r.client_id === clientId) || (r.id !== undefined && r.id === bid.id);
    });
    if (!existing) {
      existing = { client_id: clientId, amount: bid.amount };
      S.receipts.push(existing);
    }
    existing.id = bid.id;
    existing.status = "ok";
    existing.amount = bid.amount;
    existing.received_at = bid.received_at;
    existing.tied = bid.tied;
    // a snapshot may also hold it (under its id): keep one
    S.receipts = S.receipts.filter(function (r) { return r === existing || r.id !== bid.id; });
  }

  function onBidResult(f) {
    if (f.ok) {
      acceptedReceipt(f.bid, f.client_id);
    } else {
      var receipt = S.receipts.find(function (r) { return f.client_id && r.client_id === f.client_id; });
      if (!receipt) {
        receipt = { client_id: f.client_id, amount: "" };
        S.receipts.push(receipt);
      }
      receipt.status = "refused";
      receipt.code = f.code;
      receipt.message = f.message;
      receipt.received_at = f.received_at || null;
    }
    render();
  }

  function resendUnanswered() {
    var now = Date.now();
    S.receipts.forEach(function (r) {
      if (r.status !== "sending" && r.status !== "unknown") return;
      if (now - r.sentAt < 30000 && send({ type: "bid", amount: r.amount, client_id: r.client_id })) {
        r.status = "sending";
      } else {
        r.status = "unknown";
      }
    });
  }

  function lastOwnBid() {
    var accepted = S.receipts.filter(function (r) { return r.status === "ok"; });
    accepted.sort(function (a, b) { return (a.received_at || "").localeCompare(b.received_at || ""); });
    return accepted.length ? Number(accepted[accepted.length - 1].amount) : (S.myBest !== null ? Number(S.myBest) : null);
  }

  function newClientId() {
    return "w-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  function place(amount) {
    var receipt = { client_id: newClientId(), amount: amount, status: "sending", sentAt: Date.now() };
    S.receipts.push(receipt);
    if (!send({ type: "bid", amount: amount, client_id: receipt.client_id })) receipt.status = "unknown";
    render();
  }

  function confirmThen(amount, action) {
    var value = Number(amount);
    var limit = 1 - cfg.confirm_below_percent / 100;
    var own = lastOwnBid();
    var best = S.bestPrice !== null && S.bestPrice !== undefined ? Number(S.bestPrice) : null;
    var reference = null, what = null;
    if (own !== null && value < own * limit) { reference = own; what = T.confirm_own; }
    else if (best !== null && value < best * limit) { reference = best; what = T.confirm_best; }
    if (reference === null) { action(); return; }
    var text = fmt(T.confirm, {
      amount: money(amount),
      percent: Math.round((1 - value / reference) * 100),
      what: what + " (" + money(reference) + ")"
    });
    var dialog = $("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(text)) action();
      return;
    }
    $("confirm-text").textContent = text;
    dialog.returnValue = "";
    dialog.onclose = function () { if (dialog.returnValue === "ok") action(); };
    dialog.showModal();
  }

  var form = $("bid-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = $("bid-amount");
      var raw = input.value.trim().replace(/\s/g, "").replace(",", ".");
      if (!/^\d{1,13}(\.\d{1,4})?$/.test(raw)) {
        $("bid-hint").textContent = T.bad_amount;
        return;
      }
      confirmThen(raw, function () {
        place(raw);
        input.value = "";
      });
    });
  }

  // -- rendering ---------------------------------------------------------------------------------

  function now() { return Date.now() + S.offset; }

  function tick() {
    var label = "", text = "";
    if (S.state === "live" && S.endsAt) {
      label = T.ends_in;
      text = clock(Date.parse(S.endsAt) - now());
    } else if (S.state === "paused") {
      text = fmt(T.paused, { left: clock(Number(S.pausedRemaining || 0) * 1000) });
    } else if (S.state === "scheduled" && S.startsAt) {
      label = T.starts_in;
      text = clock(Date.parse(S.startsAt) - now());
    } else if (S.state) {
      text = T.states[S.state] || S.state;
    }
    $("countdown-label").textContent = label;
    var countdown = $("countdown");
    countdown.textContent = text;
    countdown.dataset.state = S.state;
    var urgent = S.state === "live" && S.endsAt && Date.parse(S.endsAt) - now() < 60000;
    countdown.classList.toggle("urgent", !!urgent);
    showRetry();
  }

  function renderCommon() {
    var badge = $("auction-state");
    badge.dataset.state = S.state;
    badge.className = "badge auction-" + S.state;
    badge.textContent = T.states[S.state] || S.state;
    if (S.endsAt) {
      $("ends-at").textContent = moment(S.endsAt);
      $("ends-at").dataset.iso = S.endsAt;
    }
    $("bids-count").textContent = S.bidsCount;
    $("extensions-count").textContent = S.extensions;
    $("max-extensions").textContent = S.maxExtensions;
    root.dataset.version = String(S.version);
    root.dataset.state = S.state;
    var note = $("closed-note");
    var over = S.state === "closed" || S.state === "awarded" || S.state === "cancelled";
    note.hidden = !over || isBuyer;
    if (over && !isBuyer) {
      note.textContent = S.myRank ? fmt(T.closed_rank, { rank: S.myRank }) : T.closed_none;
    }
    tick();
  }

  function lowWarnings(amount, supplier) {
    var others = S.standings.filter(function (s) { return s.supplier !== supplier && s.best !== null; })
      .map(function (s) { return Number(s.best); });
    if (!others.length) return [];
    var value = Number(amount), warnings = [];
    var higher = others.filter(function (o) { return o > value; }).sort(function (a, b) { return a - b; });
    if (higher.length && value < higher[0] * (1 - cfg.low_vs_next_percent / 100)) {
      warnings.push(fmt(T.low_next, { percent: Math.round((1 - value / higher[0]) * 100) }));
    }
    var mean = others.reduce(function (a, b) { return a + b; }, 0) / others.length;
    if (value < mean * (1 - cfg.low_vs_mean_percent / 100)) {
      warnings.push(fmt(T.low_mean, { percent: Math.round((1 - value / mean) * 100) }));
    }
    return warnings;
  }

  var SHOWN_BIDS = 1000;

  function renderMonitor() {
    var bids = Array.from(S.bids.values()).sort(function (a, b) {
      return (b.received_at || "").localeCompare(a.received_at || "") || b.id - a.id;
    });
    var body = root.querySelector("#bids tbody");
    var rows = document.createDocumentFragment();
    bids.slice(0, SHOWN_BIDS).forEach(function (bid) {
      var warnings = lowWarnings(bid.amount, bid.supplier);
      var row = el("tr", { "data-bid": bid.id, "class": warnings.length ? "low" : "" });
      row.appendChild(el("td", { title: bid.received_at || "" }, timeOf(bid.received_at)));
      row.appendChild(el("td", null, bid.name));
      row.appendChild(el("td", { "class": "number" }, money(bid.amount)));
      row.appendChild(el("td", { "class": "number" }, bid.rank));
      row.appendChild(el("td", { "class": "warning-cell" }, warnings.join("; ")));
      rows.appendChild(row);
    });
    if (!bids.length) {
      var empty = el("tr", { "class": "empty" });
      empty.appendChild(el("td", { colspan: "5", "class": "muted" }, T.no_bids));
      rows.appendChild(empty);
    }
    body.replaceChildren(rows);

    var online = new Set(S.presence.map(function (p) { return p.id; }));
    var standings = root.querySelector("#standings tbody");
    var lines = document.createDocumentFragment();
    S.standings.forEach(function (line) {
      var row = el("tr", { "data-supplier": line.supplier, "data-rank": line.rank === null ? "" : line.rank });
      row.appendChild(el("td", { "class": "number" }, line.rank === null ? "—" : line.rank));
      row.appendChild(el("td", null, line.name));
      row.appendChild(el("td", { "class": "number" }, money(line.best)));
      var cell = el("td");
      var here = online.has(line.supplier);
      cell.appendChild(el("span", { "class": "dot", "data-online": here ? "1" : "0", title: here ? T.connected : T.not_connected }));
      row.appendChild(cell);
      lines.appendChild(row);
    });
    if (S.standings.length) standings.replaceChildren(lines);
    else standings.querySelectorAll(".dot").forEach(function (dot) {
      var here = online.has(Number(dot.closest("tr").dataset.supplier));
      dot.dataset.online = here ? "1" : "0";
    });
    $("presence").textContent = S.presence.length ? S.presence.map(function (p) { return p.name; }).join(", ") : T.nobody;
    $("best-price").textContent = money(S.bestPrice);
    var reserve = $("reserve");
    if (S.reserveMet === null || S.reserveMet === undefined) {
      reserve.hidden = true;
    } else {
      reserve.hidden = false;
      reserve.textContent = S.reserveMet ? T.reserve_met : T.reserve_not_met;
      reserve.className = "badge " + (S.reserveMet ? "ok" : "danger");
      reserve.dataset.met = S.reserveMet ? "1" : "0";
    }
    root.querySelectorAll("[data-states]").forEach(function (control) {
      control.hidden = control.dataset.states.split(" ").indexOf(S.state) < 0;
    });
  }

  function renderRoom() {
    $("my-rank").textContent = S.myRank === null || S.myRank === undefined ? "—" : "#" + S.myRank;
    $("my-rank").dataset.rank = S.myRank === null || S.myRank === undefined ? "" : String(S.myRank);
    $("my-best").textContent = money(S.myBest);
    if ($("best-price")) $("best-price").textContent = money(S.bestPrice);
    var tied = $("tied");
    tied.hidden = !S.tied;
    tied.textContent = S.tied ? T.tied : "";
    var button = $("bid-button");
    button.disabled = S.state !== "live";
    var hint = $("bid-hint");
    if (S.myRank === 1 && !S.tied) hint.textContent = T.leader;
    else if (hint.textContent === T.leader) hint.textContent = "";
    var list = $("receipts");
    var items = document.createDocumentFragment();
    var receipts = S.receipts.slice().sort(function (a, b) {
      var ta = a.received_at || new Date(a.sentAt || 0).toISOString();
      var tb = b.received_at || new Date(b.sentAt || 0).toISOString();
      return tb.localeCompare(ta);
    });
    receipts.forEach(function (r) {
      var item = el("li", { "data-status": r.status, "data-client-id": r.client_id || "" });
      item.appendChild(el("strong", null, money(r.amount)));
      var text;
      if (r.status === "ok") text = fmt(T.bid_ok, { time: timeOf(r.received_at) });
      else if (r.status === "refused") text = fmt(T.bid_refused, { message: r.message || r.code });
      else if (r.status === "unknown") text = T.bid_unknown;
      else text = T.bid_sent;
      item.appendChild(el("span", { "class": "receipt-text" }, " " + text));
      if (r.received_at) item.title = r.received_at;
      items.appendChild(item);
    });
    list.replaceChildren(items);
  }

  var chart = null, chartPending = false;
  var COLORS = ["#1f6feb", "#c62828", "#1a7f37", "#9a6700", "#8250df", "#0a7ea4", "#d4561a", "#57606a"];

  function chartLines() {
    var lines = [];
    if (isBuyer) {
      var bySupplier = new Map();
      Array.from(S.bids.values()).forEach(function (bid) {
        if (!bySupplier.has(bid.supplier)) bySupplier.set(bid.supplier, { label: bid.name, points: [] });
        bySupplier.get(bid.supplier).points.push([Date.parse(bid.received_at) / 1000, Number(bid.amount)]);
      });
      bySupplier.forEach(function (line) { lines.push(line); });
    } else {
      lines.push({
        label: T.my_bids_series,
        points: S.receipts.filter(function (r) { return r.status === "ok"; })
          .map(function (r) { return [Date.parse(r.received_at) / 1000, Number(r.amount)]; })
      });
      if (S.auction && S.auction.visibility === "best_price") {
        lines.push({ label: T.best_price_series, points: S.bestHistory.slice() });
      }
    }
    return lines;
  }

  function drawChart() {
    chartPending = false;
    var box = $("chart");
    if (!box || !window.uPlot) return;
    var lines = chartLines();
    if (!lines.some(function (line) { return line.points.length; })) {
      // Nothing to draw yet: say so (an empty time axis would start in 1970).
      if (chart) { chart.destroy(); chart = null; }
      if (!box.querySelector(".chart-empty")) box.replaceChildren(el("p", { "class": "muted chart-empty" }, T.no_bids));
      return;
    }
    var empty = box.querySelector(".chart-empty");
    if (empty) empty.remove();
    var xs = Array.from(new Set([].concat.apply([], lines.map(function (l) {
      return l.points.map(function (p) { return p[0]; });
    })))).sort(function (a, b) { return a - b; });
    // uPlot draws a time axis of years around a single x: a minute either side gives it a span.
    if (xs.length === 1) xs = [xs[0] - 60, xs[0], xs[0] + 60];
    var data = [xs].concat(lines.map(function (line) {
      var at = new Map(line.points.map(function (p) { return [p[0], p[1]]; }));
      return xs.map(function (x) { return at.has(x) ? at.get(x) : null; });
    }));
    var width = Math.max(260, box.clientWidth || 320);
    var key = lines.map(function (l) { return l.label; }).join("|");
    if (chart && chart._key === key) {
      chart.setData(data);
      return;
    }
    if (chart) chart.destroy();
    var stepped = window.uPlot.paths && window.uPlot.paths.stepped ? window.uPlot.paths.stepped({ align: 1 }) : undefined;
    chart = new window.uPlot({
      width: width,
      height: 220,
      scales: {
        x: { time: true, range: function (_u, min, max) { return min === max ? [min - 60, max + 60] : [min, max]; } },
        y: {
          range: function (_u, min, max) {
            var pad = (max - min) * 0.1 || Math.abs(max) * 0.02 || 1;
            return [min - pad, max + pad];
          }
        }
      },
      series: [{ label: T.time }].concat(lines.map(function (line, i) {
        return {
          label: line.label,
          stroke: COLORS[i % COLORS.length],
          width: 2,
          spanGaps: true,
          paths: stepped,
          points: { show: true, size: 5 },
          value: function (_u, v) { return v === null || v === undefined ? "—" : money(v); }
        };
      })),
      axes: [{}, { size: 64, values: function (_u, ticks) { return ticks.map(compact); } }]
    }, data, box);
    chart._key = key;
  }

  function scheduleChart() {
    if (chartPending) return;
    chartPending = true;
    setTimeout(function () { window.requestAnimationFrame(drawChart); }, 200);
  }

  window.addEventListener("resize", function () {
    var box = $("chart");
    if (chart && box) chart.setSize({ width: Math.max(260, box.clientWidth), height: 220 });
  });

  function render() {
    renderCommon();
    if (isBuyer) renderMonitor(); else renderRoom();
    scheduleChart();
  }

  setInterval(tick, 250);
  connect();
})();
