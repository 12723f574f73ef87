// A stand-in for the flowlens API for front-end work without the C++ server:
// serves web/dist and /api/v1/* with made-up but self-consistent numbers, and pushes a
// window summary over WS /api/v1/live every WINDOW_S seconds. Dev tool only; the real
// API is src/server. Usage: node dev/mock-api.mjs [port]   (default 8080, 127.0.0.1)
// With FLOWLENS_BIN=path/to/flowlens and FLOWLENS_STORE=sqlite://PATH the REST answers
// come from `flowlens query ... --json` on that store instead (real numbers).

import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const port = Number(process.argv[2] ?? 8080);
const kWindowS = Number(process.env.WINDOW_S ?? 2);
const dist = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'dist');
const startedMs = Date.now();
const hosts = ['10.1.0.5', '10.1.0.7', '10.1.0.9', '10.1.0.11'];
const remotes = ['93.184.216.34', '1.1.1.1', '8.8.8.8'];

const iso = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
// Deterministic traffic per bucket start (seconds) so repeated queries agree.
const bytesAt = (s, len) => Math.round(len * (20000 + 15000 * Math.sin(s / 120)));
const packetsAt = (s, len) => Math.round(bytesAt(s, len) / 700);
const flowsAt = (s, len) => Math.max(1, Math.round(len / 2));

function json(res, code, body) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
function range(q) {
  const from = Date.parse(q.get('from') ?? '');
  const to = Date.parse(q.get('to') ?? '');
  return Number.isFinite(from) && Number.isFinite(to) && to > from ? { from, to } : null;
}

const handlers = {
  summary(q) {
    const r = range(q) ?? { from: Date.now() - 30 * 86400e3, to: Date.now() };
    const span = (r.to - r.from) / 1000;
    return [200, { bytes: bytesAt(0, span), packets: packetsAt(0, span), flows: flowsAt(0, span), stored_flows: 1234,
      first: iso(Date.now() - 30 * 86400e3), last: iso(Date.now()) }];
  },
  timeseries(q) {
    const r = range(q);
    if (!r) return [400, { title: 'bad range', parameter: 'from', detail: 'from/to: expected ISO times with to > from' }];
    const span = (r.to - r.from) / 1000;
    let step = Number(q.get('step')) || [kWindowS, 60, 300, 3600, 86400].find((c) => span / c <= 200) || 86400;
    const from = Math.floor(r.from / 1000 / step) * step;
    const points = [];
    for (let t = from; t * 1000 < r.to; t += step) {
      points.push({ time: iso(t * 1000), bytes: bytesAt(t, step), packets: packetsAt(t, step), flows: flowsAt(t, step) });
    }
    return [200, { from: iso(from * 1000), step_s: step, metric: q.get('metric') ?? 'bytes', resolution: 'window', series: [{ group: '', points }] }];
  },
  hosts() {
    return [200, { hosts: hosts.map((h, i) => ({ host: h, in_bytes: 9e6 / (i + 1), out_bytes: 3e6 / (i + 1) })) }];
  },
  daily(q, host) {
    const r = range(q);
    if (!r) return [400, { detail: 'from/to: bad range' }];
    const days = [];
    for (let d = Math.floor(r.from / 86400e3); d * 86400e3 < r.to; d++) {
      const k = (d % 7) + 1;
      days.push({ day: iso(d * 86400e3).slice(0, 10), in_bytes: k * 1e6, in_packets: k * 900, out_bytes: k * 4e5, out_packets: k * 500 });
    }
    return [200, { host, days }];
  },
  top(q) {
    const dim = q.get('dimension') ?? 'src-host';
    const keys = { 'src-host': [...hosts, ...remotes], 'dst-host': [...remotes, ...hosts], proto: ['tcp', 'udp', 'icmp'],
      port: ['443', '53', '80', '22'], 'src-port': ['443', '53'], 'dst-port': ['443', '80', '53'] }[dim];
    if (!keys) return [400, { detail: `dimension '${dim}': expected src-host, dst-host, proto, port, src-port or dst-port` }];
    return [200, { by: dim, metric: q.get('metric') ?? 'bytes', exact: true,
      entries: keys.map((key, i) => ({ key, bytes: Math.round(8e6 / (i + 1)), packets: Math.round(9e3 / (i + 1)), flows: 100 - i * 7 })) }];
  },
  // Exporter health (live state): a healthy v9 router, an IPFIX probe losing data sets
  // for want of a template, an sFlow switch an hour off. MOCK_COLLECTING=0: not collecting.
  exporters() {
    if (process.env.MOCK_COLLECTING === '0') {
      return [200, { collecting: false, listeners: [], workers: 0, receive_buffer_bytes: 0,
        totals: { datagrams: 0, bytes: 0, records: 0, kernel_drops: 0, truncated: 0, receive_errors: 0, decode_errors: {} }, exporters: [] }];
    }
    const up = Math.floor((Date.now() - startedMs) / 1000);
    const now = Date.now();
    const base = { netflow_v5: 0, netflow_v9: 0, ipfix: 0, sflow: 0, templates_seen: 0, templates_withdrawn: 0, options_records: 0, sets_held: 0,
      sets_decoded_from_hold: 0, sets_dropped_no_template: 0, bytes_dropped_no_template: 0, counter_samples: 0, sampling_rate_announced: 0,
      sampling_rate_override: 0, timestamps_corrected: 0, clock_skew_s: 0, decode_errors: {}, interfaces: [] };
    const seen = (ms) => ({ last_seen: iso(ms), last_seen_ns: ms * 1e6 });
    const exporters = [
      { ...base, exporter: '192.0.2.1', port: 50000, ...seen(now - 800), datagrams: 100 + 20 * up, netflow_v9: 100 + 20 * up, records: 30 * (100 + 20 * up),
        templates_seen: 4, options_records: 2, sets_held: 3, sets_decoded_from_hold: 3, sampling_rate_announced: 1000, clock_skew_s: 0.412 },
      { ...base, exporter: '198.51.100.7', port: 4739, ...seen(now - 2500), datagrams: 50 + up, ipfix: 50 + up, records: 1000, sets_held: 9 + up,
        sets_dropped_no_template: 9 + up, bytes_dropped_no_template: 1400 * (9 + up), decode_errors: { held_expired: 9 + up } },
      { ...base, exporter: '2001:db8::5', port: 6343, ...seen(now - 4000), datagrams: 3 * up, sflow: 3 * up, records: 150 * up, counter_samples: up,
        sampling_rate_announced: 512, sampling_rate_override: 2048, clock_skew_s: -3600.5,
        interfaces: [
          { if_index: 3, in_octets: 1e6 * up, out_octets: 2e6 * up, in_errors: 12, out_errors: 0, in_discards: 1, out_discards: 0, speed: 1e9, updated: iso(now - 4000) },
          { if_index: 7, in_octets: 5e9, out_octets: 2e9, in_errors: 0, out_errors: 0, in_discards: 0, out_discards: 0, speed: 1e10, updated: iso(now - 4000) },
        ] },
      { ...base, exporter: '203.0.113.9', port: 9995, ...seen(now - 400e3), datagrams: 5000, netflow_v5: 5000, records: 5000 * 29, sampling_rate_override: 100 },
    ];
    const sum = (k) => exporters.reduce((n, e) => n + e[k], 0);
    return [200, { collecting: true, listeners: ['udp://0.0.0.0:2055', 'udp://[::]:6343'], workers: 2, receive_buffer_bytes: 67108864,
      totals: { datagrams: sum('datagrams'), bytes: 1400 * sum('datagrams'), records: sum('records'), kernel_drops: 17, truncated: 0, receive_errors: 0,
        decode_errors: { held_expired: 9 + up } }, exporters }];
  },
  flows(q) {
    const limit = Math.min(Number(q.get('limit') ?? 100), 10000);
    const page = Number(q.get('cursor') ?? 0);
    const all = 237;
    const flows = [];
    for (let i = page * limit; i < Math.min(all, (page + 1) * limit); i++) {
      const start = Math.floor(Date.now() / 1000) * 1000 - (all - i) * 60e3;
      flows.push({ start: iso(start), start_ns: start * 1e6, end_ns: (start + 5000) * 1e6, src: hosts[i % 4], dst: remotes[i % 3],
        src_port: 40000 + i, dst_port: [443, 53, 80][i % 3], proto: i % 3 === 1 ? 'udp' : 'tcp', ip_proto: i % 3 === 1 ? 17 : 6,
        direction: 'out', bytes: 1500 * (10 + i), packets: 10 + i, flows: 1 });
    }
    return [200, { flows, next_cursor: (page + 1) * limit < all ? String(page + 1) : '' }];
  },
};

// REST through the CLI (same query layer, same JSON as the server for all but /flows).
const bin = process.env.FLOWLENS_BIN;
const store = process.env.FLOWLENS_STORE;
function cli(args) {
  return new Promise((resolve) => {
    execFile(bin, ['query', ...args, '--store', store], { maxBuffer: 256 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? err.code ?? 1 : 0, stdout, stderr }));
  });
}
async function viaCli(p, q) {
  const args = [];
  const flag = (name, opt) => q.get(name) && args.push(opt, q.get(name));
  flag('from', '--from');
  flag('to', '--to');
  for (const f of ['proto', 'host', 'src_host', 'dst_host', 'port', 'direction']) flag(f, `--${f.replace('_', '-')}`);
  let sub;
  if (p === '/api/v1/summary') sub = ['summary'];
  else if (p === '/api/v1/timeseries') { sub = ['timeseries']; flag('step', '--step'); flag('metric', '--metric'); flag('group_by', '--group-by'); }
  else if (p === '/api/v1/hosts') { sub = ['hosts']; flag('limit', '--limit'); }
  else if (p.startsWith('/api/v1/hosts/') && p.endsWith('/daily')) sub = ['host-daily', decodeURIComponent(p.split('/')[4])];
  else if (p === '/api/v1/top') { sub = ['top']; flag('dimension', '--by'); flag('metric', '--metric'); flag('limit', '--limit'); }
  else if (p === '/api/v1/flows') { sub = ['flows']; flag('sort', '--sort'); flag('limit', '--limit'); flag('cursor', '--cursor'); }
  else return [404, { detail: 'no such endpoint' }];
  const r = await cli([...sub, ...args, '--json']);
  if (r.code !== 0) return [400, { title: 'invalid parameter', detail: r.stderr.trim() }];
  if (sub[0] !== 'flows') return [200, JSON.parse(r.stdout)];
  const flows = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const m = /--cursor (\S+)/.exec(r.stderr);
  return [200, { flows, next_cursor: m ? m[1] : '' }];
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const q = url.searchParams;
  const p = url.pathname;
  let answer = null;
  if (bin && store && p.startsWith('/api/')) answer = await viaCli(p, q);
  else if (p === '/api/v1/summary') answer = handlers.summary(q);
  else if (p === '/api/v1/timeseries') answer = handlers.timeseries(q);
  else if (p === '/api/v1/hosts') answer = handlers.hosts(q);
  else if (p.startsWith('/api/v1/hosts/') && p.endsWith('/daily')) answer = handlers.daily(q, decodeURIComponent(p.split('/')[4]));
  else if (p === '/api/v1/top') answer = handlers.top(q);
  else if (p === '/api/v1/flows') answer = handlers.flows(q);
  else if (p === '/api/v1/exporters') answer = handlers.exporters(q);
  else if (p.startsWith('/api/')) answer = [404, { detail: 'no such endpoint' }];
  if (answer) return json(res, answer[0], answer[1]);
  const file = normalize(join(dist, p === '/' ? 'index.html' : p));
  if (!file.startsWith(dist)) return json(res, 403, {});
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(body);
  } catch {
    json(res, 404, { detail: 'not found' });
  }
});

// Minimal RFC 6455 server side: handshake, then unmasked text frames out; reads nothing.
const sockets = new Set();
server.on('upgrade', (req, socket) => {
  if (!req.url.startsWith('/api/v1/live')) return socket.destroy();
  const accept = createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => sockets.delete(socket));
  socket.on('data', () => {});
});
function frame(text) {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 255]) : null;
  if (!head) throw new Error('frame too large for the mock');
  return Buffer.concat([head, payload]);
}
setInterval(() => {
  const end = Math.floor(Date.now() / 1000 / kWindowS) * kWindowS;
  const start = end - kWindowS;
  const bytes = bytesAt(start, kWindowS);
  const packets = packetsAt(start, kWindowS);
  const msg = JSON.stringify({
    window_start: iso(start * 1000), window_end: iso(end * 1000), window_start_ns: start * 1e9, window_end_ns: end * 1e9,
    bytes, packets, flows: flowsAt(start, kWindowS), active_hosts: 7,
    protocols: [{ ip_proto: 'tcp', bytes, packets, flows: 1 }],
    top_src_hosts: [{ ip_src: hosts[0], bytes, packets, flows: 1 }], top_dst_hosts: [{ ip_dst: remotes[0], bytes, packets, flows: 1 }],
    top_src_ports: [{ port_src: 40000, bytes, packets, flows: 1 }], top_dst_ports: [{ port_dst: 443, bytes, packets, flows: 1 }],
    local_networks: [{ network: '10.1.0.0/24', in_bytes: 0, in_packets: 0, in_flows: 0, out_bytes: bytes, out_packets: packets, out_flows: 1 }],
  });
  for (const s of sockets) s.write(frame(msg));
}, kWindowS * 1000);

server.listen(port, '127.0.0.1', () => console.log(`mock flowlens API on http://127.0.0.1:${port}/ (window ${kWindowS} s)`));
