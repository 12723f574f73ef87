#!/usr/bin/env node
// Dashboard benchmarks of issue 4 (a script, not a test; figures in bench/README.md):
//
//   ws       N concurrent WebSocket clients (default 1000) on /api/v1/live of a release
//            `flowlens run --demo` (window 1 s, allowed lateness 0 s): server CPU (from
//            /proc/PID/stat) and RSS, and the delay from each window's publication to the
//            last client's receipt. The publication time is when the window's JSON line
//            reaches this script on `flowlens run --print-windows`'s stdout (the sink prints
//            right after handing the window to the hub); each window's close lag behind its
//            nominal end is reported too. Measured also with 0 clients, as the baseline.
//   browser  packet arrival -> window visible in the browser, p99 (target <= window + 1 s):
//            `flowlens run -i lo -f 'udp port P'` (root), this script sends timestamped UDP
//            packets to 127.0.0.1:P at a fixed rate, and Debian's chromium (playwright-core
//            from tests/e2e/node_modules) shows the dashboard; a MutationObserver in the page
//            notes when each window's point first appears on the realtime chart.
//   rest     REST /timeseries and /hosts/{ip}/daily under concurrent load with wrk (installed
//            from Debian if missing), p95 latency from wrk's Lua `done` hook, over `flowlens
//            serve` on a store seeded with the demo's week of history.
//
//   bench/ws_bench.mjs [--flowlens build/release/src/app/flowlens] [--parts ws,browser,rest]
//                      [--clients 1000] [--seconds 30] [--window 10s] [--rate 100]
//
// Every server binds 127.0.0.1 on a free port, is stopped by its own PID, and all
// traffic stays on loopback.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const kRepo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const opt = {
  flowlens: path.join(kRepo, 'build/release/src/app/flowlens'),
  parts: 'ws,browser,rest',
  clients: 1000,
  seconds: 30,
  window: '10s',
  rate: 100,
  browserSeconds: 65,
  lateness: '0s,5s',
};
for (let i = 2; i < process.argv.length; i++) {
  const k = process.argv[i].replace(/^--/, '');
  const key = k === 'browser-seconds' ? 'browserSeconds' : k;
  if (!(key in opt)) {
    console.error(`ws_bench: unknown option --${k}`);
    process.exit(2);
  }
  opt[key] = typeof opt[key] === 'number' ? Number(process.argv[++i]) : process.argv[++i];
}
if (!fs.existsSync(opt.flowlens)) {
  console.error(`ws_bench: ${opt.flowlens} not found; build it: web/build.sh && cmake --preset release && cmake --build --preset release --target flowlens`);
  process.exit(2);
}

const kTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const now = () => performance.timeOrigin + performance.now(); // epoch ms, sub-ms resolution
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowlens-wsbench-'));
const children = new Set();
const report = [];
const say = (line) => {
  console.log(line);
  report.push(line);
};

// One GET on a fresh connection (no keep-alive pool: the server closes idle connections
// after 30 s, and a pooled one can be closed under a request between wrk runs).
function httpGet(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

async function waitFor(fn, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function cpuTicks(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime (fields 14, 15)
}
function memKb(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number(s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm'))?.[1] ?? NaN);
  return { rss: get('VmRSS'), hwm: get('VmHWM') };
}

/** Starts `flowlens run|serve ARGS --listen 127.0.0.1:0`; resolves with its address and window times. */
async function startFlowlens(argv) {
  const child = spawn(opt.flowlens, [...argv, '--listen', '127.0.0.1:0', ...(argv[0] === 'run' ? ['--progress', 'log'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => (err += d));
  const published = new Map(); // window_start_ns -> { endNs, atMs }
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    const at = now();
    const m = line.match(/"window_start_ns":(\d+),"window_end_ns":(\d+)/);
    if (m) published.set(m[1], { endNs: Number(m[2]), atMs: at });
  });
  const m = await waitFor(() => err.match(/on http:\/\/(127\.0\.0\.1:\d+)\//) || (child.exitCode !== null && Promise.reject(new Error(`flowlens exited: ${err}`))), 'the server address', 120_000);
  return { child, pid: child.pid, addr: m[1], published, stderr: () => err };
}
async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await waitFor(() => child.exitCode !== null || child.signalCode !== null, 'flowlens to stop', 30_000).catch(() => child.kill('SIGKILL'));
  children.delete(child);
}

// ------------------------------------------------------------ a minimal WebSocket client
// RFC 6455 client over net.Socket: handshake, unmasked server frames (text, continuation,
// ping -> masked pong, close). Calls onMessage(text, receivedAtMs) per complete message.
function wsConnect(addr, pathname, onMessage) {
  const [host, port] = addr.split(':');
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), host);
    const key = crypto.randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    let open = false;
    let parts = [];
    sock.setNoDelay(true);
    sock.on('connect', () =>
      sock.write(`GET ${pathname} HTTP/1.1\r\nHost: ${addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`),
    );
    sock.on('error', (e) => (open ? null : reject(e)));
    sock.on('data', (chunk) => {
      const at = now();
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(head.split('\r\n')[0]));
        open = true;
        buf = buf.subarray(end + 4);
        resolve(sock);
      }
      for (;;) {
        if (buf.length < 2) return;
        const op = buf[0] & 0x0f;
        const fin = buf[0] & 0x80;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (op === 0x9) {
          const mask = crypto.randomBytes(4);
          const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
          sock.write(Buffer.concat([Buffer.from([0x8a, 0x80 | masked.length]), mask, masked]));
        } else if (op === 0x8) {
          sock.end();
        } else if (op === 0x1 || op === 0x0) {
          parts.push(Buffer.from(payload));
          if (fin) {
            onMessage(Buffer.concat(parts).toString(), at);
            parts = [];
          }
        }
      }
    });
  });
}

// --------------------------------------------------------------------------- part (a)
async function benchWs() {
  say(`\n## (a) ${opt.clients} WebSocket clients on /api/v1/live — flowlens run --demo, window 1 s, allowed lateness 0 s`);
  const srv = await startFlowlens(['run', '--demo', '--demo-history', '1h', '--window', '1s', '--allowed-lateness', '0s', '--data-dir', path.join(tmp, 'ws-data'), '--print-windows']);
  // The seeded history publishes its windows first; live ones close ~1 s after their end.
  await waitFor(() => [...srv.published.values()].filter((w) => w.atMs - w.endNs / 1e6 < 5000).length >= 3, 'the first live windows', 300_000);

  const measure = async (label, seconds, received) => {
    const t0 = now();
    const c0 = cpuTicks(srv.pid);
    const first = new Set(srv.published.keys());
    const rss = [];
    while (now() - t0 < seconds * 1000) {
      rss.push(memKb(srv.pid).rss);
      await sleep(500);
    }
    const c1 = cpuTicks(srv.pid);
    const elapsed = (now() - t0) / 1000;
    await sleep(1500); // let the last windows of the interval reach every client
    const mem = memKb(srv.pid);
    const windows = [...srv.published.entries()].filter(([k]) => !first.has(k));
    const closeLag = windows.map(([, w]) => w.atMs - w.endNs / 1e6);
    const row = { label, windows: windows.length, cpu: (100 * (c1 - c0)) / kTicks / elapsed, rssMb: Math.max(...rss) / 1024, hwmMb: mem.hwm / 1024, closeLag };
    if (received) {
      const delays = [];
      let complete = 0;
      for (const [k, w] of windows) {
        const got = received.get(k) ?? [];
        if (got.length === opt.clients) complete++;
        if (got.length) delays.push(Math.max(...got) - w.atMs);
      }
      row.complete = complete;
      row.delays = delays;
    }
    return row;
  };

  const base = await measure('0 clients (before)', Math.min(15, opt.seconds));
  const received = new Map(); // window_start_ns -> [receipt ms per client]
  let msgBytes = 0;
  const t0 = now();
  const sockets = [];
  for (let i = 0; i < opt.clients; i += 100) {
    const batch = [];
    for (let j = i; j < Math.min(opt.clients, i + 100); j++) {
      batch.push(
        wsConnect(srv.addr, '/api/v1/live', (text, at) => {
          const m = text.match(/"window_start_ns":(\d+)/);
          if (!m) return;
          msgBytes = text.length;
          let a = received.get(m[1]);
          if (!a) received.set(m[1], (a = []));
          a.push(at);
        }),
      );
    }
    sockets.push(...(await Promise.all(batch)));
  }
  say(`connected ${sockets.length} clients in ${f0(now() - t0)} ms`);
  await sleep(2000);
  const loaded = await measure(`${opt.clients} clients`, opt.seconds, received);
  for (const s of sockets) s.destroy();
  await sleep(2000);
  const after = await measure('0 clients (after)', Math.min(15, opt.seconds));
  await stop(srv.child);
  say(`window message: ${msgBytes} bytes of JSON, one per window per client`);

  say(`| clients | windows | server CPU % (of one core) | RSS MB (max) | VmHWM MB | window end -> published p50 / max ms | published -> last client p50 / p99 / max ms | windows every client got |`);
  say(`|---|---|---|---|---|---|---|---|`);
  for (const r of [base, loaded, after]) {
    say(
      `| ${r.label} | ${r.windows} | ${f1(r.cpu)} | ${f1(r.rssMb)} | ${f1(r.hwmMb)} | ${f0(pct(r.closeLag, 50))} / ${f0(pct(r.closeLag, 100))} | ${
        r.delays ? `${f1(pct(r.delays, 50))} / ${f1(pct(r.delays, 99))} / ${f1(pct(r.delays, 100))}` : '-'
      } | ${r.delays ? `${r.complete} of ${r.windows}` : '-'} |`,
    );
  }
}

// --------------------------------------------------------------------------- part (b)
async function benchBrowser() {
  if (process.getuid?.() !== 0) {
    say('\n## (b) skipped: live capture on lo needs root');
    return;
  }
  let chromium;
  try {
    ({ chromium } = createRequire(path.join(kRepo, 'tests/e2e/package.json'))('playwright-core'));
  } catch {
    say('\n## (b) skipped: playwright-core missing (run `npm ci` in tests/e2e)');
    return;
  }
  for (const lateness of opt.lateness.split(',')) {
    const port = await new Promise((r) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1', () => {
        const p = s.address().port;
        s.close(() => r(p));
      });
    });
    say(`\n## (b) packet arrival -> window on the browser's chart: window ${opt.window}, allowed lateness ${lateness}, ${opt.rate} UDP packets/s on lo for ${opt.browserSeconds} s`);
    const srv = await startFlowlens(['run', '-i', 'lo', '-f', `udp and dst port ${port}`, '--window', opt.window, '--allowed-lateness', lateness, '--local-net', '127.0.0.0/8', '--data-dir', path.join(tmp, `b-data-${lateness}`)]);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`http://${srv.addr}/?range=15m`);
    await waitFor(async () => (await page.locator('[data-testid=live-status]').getAttribute('data-state')) === 'open', 'the live socket');
    await waitFor(() => page.evaluate(() => !!window.__flowlensCharts?.realtime), 'the realtime chart');
    // In the page: the first time (epoch ms) each window start appears on the chart.
    await page.evaluate(() => {
      const seen = (window.__benchSeen = {});
      const el = document.querySelector('[data-testid=chart-realtime]');
      const note = () => {
        const at = Date.now();
        const data = window.__flowlensCharts.realtime.getOption().series[0].data;
        for (const [t] of data) if (!(t in seen)) seen[t] = at;
      };
      note();
      new MutationObserver(note).observe(el, { attributes: true, attributeFilter: ['data-updated'] });
    });
    const sock = dgram.createSocket('udp4');
    const sent = [];
    const start = Date.now();
    const payload = Buffer.alloc(64);
    await new Promise((resolve) => {
      let n = 0;
      const tick = () => {
        // Paced by the clock, not by setTimeout's accuracy: send what is due.
        const due = Math.floor(((Date.now() - start) / 1000) * opt.rate);
        while (n < due) {
          const at = Date.now();
          payload.writeDoubleBE(at, 0);
          sock.send(payload, port, '127.0.0.1');
          sent.push(at);
          n++;
        }
        if (Date.now() - start < opt.browserSeconds * 1000) setTimeout(tick, 2);
        else resolve();
      };
      tick();
    });
    sock.close();
    const windowMs = Number(opt.window.replace(/s$/, '')) * 1000;
    const lastWindow = Math.floor(sent.at(-1) / windowMs) * windowMs;
    // Every sent window must show up; the last one closes a window + lateness later.
    const seen = await waitFor(async () => {
      const s = await page.evaluate(() => window.__benchSeen);
      return s[lastWindow] && s;
    }, 'the last window on the chart', windowMs + 30_000).catch(async () => page.evaluate(() => window.__benchSeen));
    await browser.close();
    await stop(srv.child);
    const lat = [];
    const perWindow = new Map();
    let missing = 0;
    for (const at of sent) {
      const w = Math.floor(at / windowMs) * windowMs;
      if (w === Math.floor(start / windowMs) * windowMs) continue; // the window the page may have backfilled
      if (!(w in seen)) {
        missing++;
        continue;
      }
      lat.push(seen[w] - at);
      perWindow.set(w, seen[w] - (w + windowMs));
    }
    say(
      `packets ${lat.length} (missing ${missing}); arrival -> visible: p50 ${f0(pct(lat, 50))} ms, p99 ${f0(pct(lat, 99))} ms, max ${f0(pct(lat, 100))} ms (target <= ${windowMs + 1000} ms); window end -> visible: ${[...perWindow.values()]
        .map(f0)
        .join(', ')} ms`,
    );
  }
}

// --------------------------------------------------------------------------- part (c)
async function benchRest() {
  if (spawnSync('wrk', ['--version']).error) {
    console.log('ws_bench: installing wrk (Debian) for the REST part');
    const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', '-qq', '--no-install-recommends', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) {
      say('\n## (c) skipped: wrk could not be installed');
      return;
    }
  }
  // The seeded store is kept in bench/out (ignored by git) and reused: seeding takes ~1 min.
  const dataDir = path.join(kRepo, 'bench/out/ws_bench-store');
  say(`\n## (c) REST under load (wrk, keep-alive), flowlens serve over the demo's 7 days of history`);
  if (!fs.existsSync(path.join(dataDir, 'seeded'))) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    const t0 = now();
    const seed = spawnSync(opt.flowlens, ['run', '--demo', '--demo-history', '7d', '--demo-live', '0', '--data-dir', dataDir, '--no-server', '--progress', 'none'], { encoding: 'utf8' });
    if (seed.status !== 0) throw new Error(`seeding failed: ${seed.stderr}`);
    fs.writeFileSync(path.join(dataDir, 'seeded'), '');
    say(`seeded in ${f1((now() - t0) / 1000)} s`);
  }
  const srv = await startFlowlens(['serve', '--data-dir', dataDir]);
  const sum = JSON.parse((await httpGet(`http://${srv.addr}/api/v1/summary`)).body);
  const last = sum.last_ns / 1e6;
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const lua = path.join(tmp, 'p95.lua');
  fs.writeFileSync(
    lua,
    `done = function(summary, latency, requests)
  io.write(string.format("WRKRESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, summary.duration))
end
`,
  );
  const cases = [
    ['timeseries, last 15 min (window step)', `/api/v1/timeseries?from=${iso(last - 900_000)}&to=${iso(last)}`],
    ['timeseries, last 24 h (5 min step)', `/api/v1/timeseries?from=${iso(last - 86_400_000)}&to=${iso(last)}`],
    ['timeseries, 7 days (hour step)', `/api/v1/timeseries?from=${iso(last - 7 * 86_400_000)}&to=${iso(last)}&step=1h`],
    ['host-daily 10.1.0.10, 7 days', `/api/v1/hosts/10.1.0.10/daily?from=${iso(last - 7 * 86_400_000)}&to=${iso(last)}`],
  ];
  say(`| request | connections | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |`);
  say(`|---|---|---|---|---|---|---|---|`);
  for (const [label, url] of cases) {
    const probe = await httpGet(`http://${srv.addr}${url}`);
    if (probe.status !== 200) throw new Error(`${url}: HTTP ${probe.status} ${probe.body}`);
    for (const conns of [16, 64]) {
      const r = spawnSync('wrk', ['-t', '2', '-c', String(conns), '-d', '10s', '-s', lua, `http://${srv.addr}${url}`], { encoding: 'utf8' });
      const m = r.stdout.match(/WRKRESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)/);
      if (!m) throw new Error(`wrk: ${r.stdout} ${r.stderr}`);
      const [reqs, errs, p50, p95, p99, max, dur] = m.slice(1).map(Number);
      say(`| ${label} | ${conns} | ${f0(reqs / (dur / 1e6))} | ${f1(p50 / 1000)} | ${f1(p95 / 1000)} | ${f1(p99 / 1000)} | ${f1(max / 1000)} | ${errs} |`);
    }
  }
  // Without from/to the server first looks up the store's extent (the dashboard sends
  // from/to except for /summary's extent on load and "All data"): sequential, one at a time.
  for (const url of ['/api/v1/summary', '/api/v1/hosts/10.1.0.10/daily']) {
    const ms = [];
    for (let i = 0; i < 5; i++) {
      const t = now();
      const r = await httpGet(`http://${srv.addr}${url}`);
      if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
      ms.push(now() - t);
    }
    say(`${url} without from/to, one request at a time: median ${f0(pct(ms, 50))} ms, max ${f0(pct(ms, 100))} ms`);
  }
  await stop(srv.child);
}

const loadavg = os.loadavg().map((x) => x.toFixed(2)).join(' ');
say(`# ws_bench ${new Date().toISOString()} — ${os.cpus().length} cores, load average ${loadavg}; flowlens ${spawnSync(opt.flowlens, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
let code = 0;
try {
  for (const part of opt.parts.split(',')) {
    if (part === 'ws') await benchWs();
    else if (part === 'browser') await benchBrowser();
    else if (part === 'rest') await benchRest();
    else throw new Error(`unknown part ${part}`);
  }
} catch (e) {
  console.error(`ws_bench: ${e.stack}`);
  code = 1;
} finally {
  for (const c of children) await stop(c);
  fs.rmSync(tmp, { recursive: true, force: true });
}
const out = path.join(kRepo, 'bench/out');
fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, `ws_bench-${new Date().toISOString().replace(/[:.]/g, '-')}.md`), report.join('\n') + '\n');
process.exit(code);
