#!/usr/bin/env node
// End to end in a real browser (issue 4): `flowlens run --watch DIR` on a generated
// capture, the embedded dashboard in Debian's chromium (driven by playwright-core, which
// never downloads a browser), and three sources of the same numbers that must agree:
//
//   1. what the charts and cards show (window.__flowlensCharts[NAME].getOption(), DOM
//      data-value hooks — see web/README.md),
//   2. the REST API's answers for the same range,
//   3. an independent computation from the input: tshark reads every packet (time, IP
//      addresses, IP length, protocol, ports) and this script sums them per 10 s window,
//      per UTC day and host, per source host and per protocol.
//
// Then a second capture with later timestamps is dropped into the watched directory and
// the live chart must gain its window's point (pushed over WS /api/v1/live).
// Screenshots of every page go to --screenshots (default <repo>/build/e2e-screenshots).
//
// Exit codes: 0 pass, 1 fail, 77 skipped (chromium, node_modules, tshark or the built
// dashboard missing; the reason is printed). FLOWLENS_E2E_REQUIRE=1 turns a skip into a
// failure (scripts/test.sh sets it, so CI cannot skip silently).
//
//   node tests/e2e/e2e_test.mjs --flowlens build/dev/src/app/flowlens [--keep] [--headed]
//        [--web-root web/dist]   (serve the dashboard from disk: front-end work without a C++ rebuild)
//        [--chromium /usr/bin/chromium] [--screenshots DIR]
// What both browser tests share (flags, skips, checks, flowlens and chromium) is in harness.mjs.

import fs from 'node:fs';
import path from 'node:path';
import { api, check, checkEqual, finish, log, makeTempDir, noErrorBox, openPage, requireBrowserAndTshark, requireDashboard, requireFlowlens, run, screenshot, setup, startFlowlens, waitFor } from './harness.mjs';

const kWindowS = 10;
const kLocalNet = '10.1.0.0/24';

const args = setup('e2e');
requireFlowlens();
await requireBrowserAndTshark();

// ------------------------------------------------------- the independent computation
// Every packet as tshark reads it: [time ns (BigInt), src, dst, IP bytes, proto, sport, dport].
function tsharkPackets(file) {
  const out = run('tshark', ['-r', file, '-n', '-T', 'fields', '-E', 'separator=,', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ip.len', '-e', 'ip.proto',
    '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'udp.srcport', '-e', 'udp.dstport']);
  const packets = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [t, src, dst, len, proto, ts, td, us, ud] = line.split(',');
    if (!src) continue; // not IPv4 (the demo profile is IPv4 only)
    const [sec, frac = ''] = t.split('.');
    const ns = BigInt(sec) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
    packets.push({ ns, src, dst, bytes: Number(len), proto: Number(proto), sport: Number(ts || us || 0), dport: Number(td || ud || 0) });
  }
  return packets;
}

const kProtoNames = { 1: 'icmp', 6: 'tcp', 17: 'udp' };
const isLocal = (ip) => ip.startsWith('10.1.0.');
const windowMs = (ns) => Number((ns / 10_000_000_000n) * 10_000n); // window start, ms
const dayOf = (ns) => new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 10);

/** Sums of the packets the way the pipeline cuts them: a flow record per (window, 5-tuple). */
function expected(packets) {
  const e = { bytes: 0, packets: 0, flows: 0, windows: new Map(), daily: new Map(), src: new Map(), proto: new Map(), hostBytes: new Map() };
  const flowKeys = new Set();
  const add = (map, key, bytes, extra) => {
    const cur = map.get(key) ?? { bytes: 0, packets: 0, ...extra };
    cur.bytes += bytes;
    cur.packets += 1;
    map.set(key, cur);
    return cur;
  };
  for (const p of packets) {
    e.bytes += p.bytes;
    e.packets += 1;
    const w = windowMs(p.ns);
    const key = `${w}|${p.src}|${p.dst}|${p.sport}|${p.dport}|${p.proto}`;
    const newFlow = !flowKeys.has(key);
    flowKeys.add(key);
    const win = add(e.windows, w, p.bytes, { flows: 0 });
    if (newFlow) win.flows += 1;
    const src = add(e.src, p.src, p.bytes, { flows: 0 });
    if (newFlow) src.flows += 1;
    add(e.proto, kProtoNames[p.proto] ?? String(p.proto), p.bytes);
    const day = dayOf(p.ns);
    for (const [host, dir] of [[p.dst, 'in'], [p.src, 'out']]) {
      if (!isLocal(host)) continue;
      const d = e.daily.get(`${host}|${day}`) ?? { in_bytes: 0, in_packets: 0, out_bytes: 0, out_packets: 0 };
      d[`${dir}_bytes`] += p.bytes;
      d[`${dir}_packets`] += 1;
      e.daily.set(`${host}|${day}`, d);
      e.hostBytes.set(host, (e.hostBytes.get(host) ?? 0) + p.bytes);
    }
  }
  e.flows = flowKeys.size;
  return e;
}

// -------------------------------------------------------------------------- the server
const tmp = makeTempDir('flowlens-e2e-');
const watchDir = path.join(tmp, 'watch');
const dataDir = path.join(tmp, 'data');
fs.mkdirSync(watchDir);
fs.mkdirSync(dataDir);

function generate(file, start, packets, seed) {
  run(args.flowlens, ['generate', '--profile', 'demo', '--start', start, '--rate', '200', '--packets', String(packets), '--flows', '300', '--seed', String(seed), '-q', '-w', file]);
}

async function startServer() {
  const [m] = await startFlowlens(['run', '--watch', watchDir, '--idle-timeout', '1s', '--local-net', kLocalNet, '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--progress', 'log'], [
    [/on http:\/\/(127\.0\.0\.1:\d+)\//, 'flowlens run to print its address'],
  ]);
  return `http://${m[1]}`;
}

const qs = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')).toString();

// ------------------------------------------------------------------------ page helpers
async function chartOption(page, name) {
  return page.evaluate((n) => {
    const c = window.__flowlensCharts?.[n];
    if (!c) return null;
    const o = c.getOption();
    return {
      x: o.xAxis?.[0]?.data ?? null,
      y: o.yAxis?.[0]?.data ?? null,
      series: (o.series ?? []).map((s) => ({ name: s.name, data: s.data, stack: s.stack ?? null })),
    };
  }, name);
}

async function rangeOf(page) {
  const el = page.locator('[data-testid=range-text]');
  await el.waitFor();
  return { from: await el.getAttribute('data-from'), to: await el.getAttribute('data-to') };
}

// ------------------------------------------------------------------------------- test
async function main() {
  // Input 1: ~5 minutes of the demo office crossing midnight UTC (two days for the
  // Date Access Trend). Input 2 (dropped in later): a minute starting at 00:05 UTC.
  const file1 = path.join(tmp, 'a-0000.pcap');
  const file2 = path.join(tmp, 'b-0005.pcap');
  generate(file1, '2026-01-01T23:58:00Z', 20_000, 3);
  generate(file2, '2026-01-02T00:05:00Z', 4_000, 4);
  const p1 = tsharkPackets(file1);
  const p2 = tsharkPackets(file2);
  const e1 = expected(p1);
  log(`input 1: ${e1.packets} packets, ${e1.bytes} bytes, ${e1.windows.size} windows, ${e1.flows} flow records (tshark)`);
  check(e1.packets === 20_000, 'tshark reads every packet of input 1', e1.packets);

  fs.copyFileSync(file1, path.join(watchDir, '.a-0000.tmp'));
  fs.renameSync(path.join(watchDir, '.a-0000.tmp'), path.join(watchDir, 'a-0000.pcap'));
  const base = await startServer();
  log(`flowlens run on ${base}, watching ${watchDir}`);

  // Ingested once the store's totals reach the input's (file complete after 1 s idle).
  await waitFor(async () => (await api(base, '/api/v1/summary')).packets === e1.packets, 'input 1 to be stored', 60_000);
  const extent = await api(base, '/api/v1/summary');
  checkEqual([extent.bytes, extent.packets, extent.flows], [e1.bytes, e1.packets, e1.flows], 'REST /summary totals vs tshark (bytes, packets, flow records)');
  checkEqual(extent.window_s, kWindowS, 'REST /summary window_s');

  const { page, pageErrors } = await openPage({ width: 1280, height: 800 });

  // ------------------------------------------------------------------ Overview
  await page.goto(`${base}/?range=all`);
  await requireDashboard(page);
  const range = await rangeOf(page);
  const summary = await api(base, `/api/v1/summary?${qs(range)}`);
  for (const [card, key] of [['bytes', 'bytes'], ['packets', 'packets'], ['flows', 'flows']]) {
    const el = page.locator(`[data-testid=card-${card}]`);
    await waitFor(async () => (await el.getAttribute('data-value')) !== '', `card ${card} to have a value`);
    const shown = Number(await el.getAttribute('data-value'));
    checkEqual(shown, summary[key], `overview card ${card} vs REST /summary?from=${range.from}&to=${range.to}`);
    checkEqual(shown, e1[key], `overview card ${card} vs tshark`);
  }

  // Real Time Access Trend, backfilled: the 15 min before the newest data, one point per
  // window (zeros for windows without traffic), exactly the REST timeseries' windows.
  const lastWindowMs = Math.max(...e1.windows.keys());
  const rt = await waitFor(async () => {
    const o = await chartOption(page, 'realtime');
    return o && o.series[0]?.data?.length > 0 && o;
  }, 'the realtime chart to have points');
  checkEqual(rt.series.map((s) => s.name), ['bytes/s', 'packets/s'], 'realtime series names');
  const rtBytes = rt.series[0].data;
  const rtPackets = rt.series[1].data;
  const firstMs = rtBytes[0][0];
  const toMs = rtBytes[rtBytes.length - 1][0] + kWindowS * 1000;
  const ts = await api(base, `/api/v1/timeseries?${qs({ from: new Date(firstMs).toISOString(), to: new Date(toMs).toISOString(), step: `${kWindowS}s` })}`);
  const restPoints = ts.series[0].points;
  checkEqual(rtBytes.map((p) => p[0]), restPoints.map((p) => Date.parse(p.time)), 'realtime chart window starts vs REST /timeseries step=10s');
  checkEqual(rtBytes.map((p) => p[1]), restPoints.map((p) => p.bytes / kWindowS), 'realtime chart bytes/s vs REST /timeseries bytes / 10');
  checkEqual(rtPackets.map((p) => p[1]), restPoints.map((p) => p.packets / kWindowS), 'realtime chart packets/s vs REST /timeseries packets / 10');
  checkEqual(rtBytes.map((p) => p[1]), rtBytes.map((p) => (e1.windows.get(p[0])?.bytes ?? 0) / kWindowS), 'realtime chart bytes/s vs tshark per-window sums / 10');
  checkEqual(rtPackets.map((p) => p[1]), rtBytes.map((p) => (e1.windows.get(p[0])?.packets ?? 0) / kWindowS), 'realtime chart packets/s vs tshark per-window packets / 10');
  check(rtBytes.some((p) => p[0] === lastWindowMs), 'the newest window of the input is on the realtime chart', [rtBytes.at(-1)[0], lastWindowMs]);
  const inChart = rtBytes.filter((p) => e1.windows.has(p[0])).length;
  check(inChart === e1.windows.size, 'every window of the input is on the realtime chart (it spans < 15 min)', [inChart, e1.windows.size]);
  log(`overview: cards and ${rtBytes.length} realtime points equal REST and tshark`);
  await noErrorBox(page, 'overview');
  await screenshot(page, '1-overview');

  // ------------------------------------------------------------ Date Access Trend
  // The busiest local host (in + out bytes) must be picked automatically.
  const busiest = [...e1.hostBytes.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  await page.goto(`${base}/?view=date&range=all`);
  await waitFor(async () => new URL(page.url()).searchParams.get('daily_host'), 'the date page to pick a host', 15_000);
  const picked = new URL(page.url()).searchParams.get('daily_host');
  checkEqual(picked, busiest, 'Date Access Trend picks the busiest local host (tshark in + out bytes)');
  const hostsAnswer = await api(base, `/api/v1/hosts?${qs({ ...(await rangeOf(page)), limit: 100 })}`);
  const pickerHosts = await page.locator('[data-testid=host-picker] button[data-host]').evaluateAll((els) => els.map((e) => e.getAttribute('data-host')));
  checkEqual(pickerHosts, hostsAnswer.hosts.map((h) => h.host), 'host picker list vs REST /hosts order');
  checkEqual(new Set(pickerHosts).size, new Set([...e1.hostBytes.keys()]).size, 'host picker lists every local host seen by tshark');

  for (const metric of ['bytes', 'packets']) {
    if (metric === 'packets') await page.locator('button[data-metric=packets]').click();
    const dr = await rangeOf(page);
    const daily = await api(base, `/api/v1/hosts/${picked}/daily?${qs(dr)}`);
    const opt = await waitFor(async () => {
      const o = await chartOption(page, 'dateTrend');
      return o && o.x?.length > 0 && o.series[0]?.name === `in ${metric}` && o;
    }, `the date trend chart (${metric})`);
    checkEqual(opt.x, daily.days.map((d) => d.day), `date trend days vs REST /hosts/${picked}/daily`);
    checkEqual(opt.series.map((s) => [s.name, s.stack]), [[`in ${metric}`, 'total'], [`out ${metric}`, 'total']], 'date trend: two stacked series');
    checkEqual([opt.series[0].data, opt.series[1].data], [daily.days.map((d) => d[`in_${metric}`]), daily.days.map((d) => d[`out_${metric}`])], `date trend ${metric} vs REST daily`);
    const want = opt.x.map((day) => e1.daily.get(`${picked}|${day}`) ?? { in_bytes: 0, in_packets: 0, out_bytes: 0, out_packets: 0 });
    checkEqual([opt.series[0].data, opt.series[1].data], [want.map((d) => d[`in_${metric}`]), want.map((d) => d[`out_${metric}`])], `date trend ${metric} vs tshark per-day sums of ${picked}`);
    check(opt.x.length === 2, 'the input spans two UTC days', opt.x);
  }
  const tableRows = await page.locator('[data-testid=date-trend-table] tbody tr').count();
  checkEqual(tableRows, 2, 'date trend table rows');
  log(`date access trend of ${picked}: days ${JSON.stringify((await chartOption(page, 'dateTrend')).x)} equal REST and tshark`);
  await noErrorBox(page, 'date access trend');
  await screenshot(page, '2-date-access-trend');

  // ------------------------------------------------------------------------ Top
  await page.goto(`${base}/?view=top&range=all`);
  const tr = await rangeOf(page);
  const topSrc = await api(base, `/api/v1/top?${qs({ dimension: 'src-host', metric: 'bytes', limit: 10, ...tr })}`);
  const topProto = await api(base, `/api/v1/top?${qs({ dimension: 'proto', metric: 'bytes', limit: 10, ...tr })}`);
  const hostsOpt = await waitFor(async () => {
    const o = await chartOption(page, 'topHosts');
    return o && o.y?.length > 0 && o;
  }, 'the top talkers chart');
  checkEqual(hostsOpt.y, topSrc.entries.map((e) => e.key), 'top talkers keys vs REST /top src-host');
  checkEqual(hostsOpt.series[0].data, topSrc.entries.map((e) => e.bytes), 'top talkers bytes vs REST /top src-host');
  const wantSrc = [...e1.src.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10);
  checkEqual(hostsOpt.series[0].data, wantSrc.map(([, v]) => v.bytes), 'top talkers bytes vs tshark per-source sums (top 10)');
  checkEqual(hostsOpt.y.map((k) => e1.src.get(k)?.bytes), hostsOpt.series[0].data, 'each top talker bar equals tshark for that host');
  const protoOpt = await waitFor(async () => {
    const o = await chartOption(page, 'topProtocols');
    return o && o.y?.length > 0 && o;
  }, 'the top protocols chart');
  checkEqual(protoOpt.y, topProto.entries.map((e) => e.key), 'top protocols keys vs REST');
  checkEqual(protoOpt.series[0].data, topProto.entries.map((e) => e.bytes), 'top protocols bytes vs REST');
  checkEqual(protoOpt.y.map((k) => e1.proto.get(k)?.bytes), protoOpt.series[0].data, 'top protocols bytes vs tshark');
  log(`top: talkers ${hostsOpt.y.length}, protocols ${JSON.stringify(protoOpt.y)} equal REST and tshark`);
  await noErrorBox(page, 'top');
  await screenshot(page, '3-top');

  // ---------------------------------------------- click-through to the flow explorer
  const talker = hostsOpt.y[0];
  await page.locator('[data-testid=panel-topHosts] table tbody tr').first().click();
  await waitFor(() => new URL(page.url()).searchParams.get('view') === 'flows', 'the click on a talker to open the flow explorer', 10_000);
  checkEqual(new URL(page.url()).searchParams.get('src_host'), talker, 'flow explorer filtered on the clicked talker');
  const fr = await rangeOf(page);
  const shownRows = async () =>
    page.locator('[data-testid=flow-table] tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  const flowPage = await api(base, `/api/v1/flows?${qs({ ...fr, limit: 100, sort: 'start', src_host: talker })}`);
  const rows1 = await waitFor(async () => {
    const r = await shownRows();
    return r.length > 0 && r;
  }, 'the flow table');
  const endpoint = (ip, port) => (port ? `${ip}:${port}` : ip);
  const digits = (s) => Number(String(s).replace(/\D/g, ''));
  checkEqual(rows1.map((r) => [r[2], r[3], r[4], digits(r[6])]), flowPage.flows.map((f) => [endpoint(f.src, f.src_port), endpoint(f.dst, f.dst_port), f.proto, f.packets]), 'flow table page 1 vs REST /flows (source, destination, proto, packets)');
  check(rows1.every((r) => r[2].startsWith(`${talker}:`) || r[2] === talker), 'every row of the filtered table has the talker as source');
  // Every page of the filtered query, through the API: sums equal tshark's for the talker.
  let all = [...flowPage.flows];
  for (let cursor = flowPage.next_cursor; cursor; ) {
    const p = await api(base, `/api/v1/flows?${qs({ ...fr, limit: 100, sort: 'start', src_host: talker, cursor })}`);
    all = all.concat(p.flows);
    cursor = p.next_cursor;
  }
  const talkerE = e1.src.get(talker);
  checkEqual([all.reduce((n, f) => n + f.bytes, 0), all.reduce((n, f) => n + f.packets, 0), all.length], [talkerE.bytes, talkerE.packets, talkerE.flows], `sum of every /flows page for src_host=${talker} vs tshark (bytes, packets, records)`);
  await screenshot(page, '4-flows');
  if (flowPage.next_cursor) {
    await page.locator('[data-testid=flow-next]').click();
    const page2 = await api(base, `/api/v1/flows?${qs({ ...fr, limit: 100, sort: 'start', src_host: talker, cursor: flowPage.next_cursor })}`);
    const rows2 = await waitFor(async () => {
      const r = await shownRows();
      return r.length > 0 && r[0][0] !== rows1[0][0] && r;
    }, 'page 2 of the flow table');
    checkEqual(rows2.map((r) => [r[2], r[3], digits(r[6])]), page2.flows.map((f) => [endpoint(f.src, f.src_port), endpoint(f.dst, f.dst_port), f.packets]), 'flow table page 2 vs REST /flows with the cursor');
    checkEqual(await page.locator('[data-testid=flow-page]').innerText(), 'page 2', 'pager says page 2');
  }
  log(`flows: ${all.length} records of ${talker} over ${Math.ceil(all.length / 100)} pages equal tshark's sums; table equals REST`);
  await noErrorBox(page, 'flows');

  // -------------------------------------------------------------- live: new traffic
  await page.goto(`${base}/?range=all`);
  await waitFor(async () => (await page.locator('[data-testid=live-status]').getAttribute('data-state')) === 'open', 'the live WebSocket to open', 15_000);
  await waitFor(async () => (await chartOption(page, 'realtime'))?.series[0]?.data?.length > 0, 'the backfill');
  const e2 = expected(p2);
  const newWindow = Math.min(...e2.windows.keys()); // its first window: closes as later packets of input 2 arrive
  const before = (await chartOption(page, 'realtime')).series[0].data;
  check(!before.some((p) => p[0] === newWindow), 'the new window is not on the chart before the new capture arrives');
  fs.copyFileSync(file2, path.join(watchDir, '.b-0005.tmp'));
  fs.renameSync(path.join(watchDir, '.b-0005.tmp'), path.join(watchDir, 'b-0005.pcap'));
  const dropped = Date.now();
  log(`dropped input 2 (${e2.packets} packets from ${new Date(newWindow).toISOString()}) into the watched directory`);
  const live = await waitFor(async () => {
    const o = await chartOption(page, 'realtime');
    const i = o?.series[0]?.data?.findIndex((p) => p[0] === newWindow) ?? -1;
    return i >= 0 && { bytes: o.series[0].data[i][1], packets: o.series[1].data[i][1], all: o.series[0].data };
  }, `the live chart to gain the window ${new Date(newWindow).toISOString()}`, 30_000);
  log(`live point for ${new Date(newWindow).toISOString()} on the chart ${Date.now() - dropped} ms after the file was dropped`);
  checkEqual([live.bytes, live.packets], [e2.windows.get(newWindow).bytes / kWindowS, e2.windows.get(newWindow).packets / kWindowS], 'live point (bytes/s, packets/s) vs tshark sums of input 2 / 10');
  const wts = await api(base, `/api/v1/timeseries?${qs({ from: new Date(newWindow).toISOString(), to: new Date(newWindow + kWindowS * 1000).toISOString(), step: `${kWindowS}s` })}`);
  checkEqual([live.bytes, live.packets], [wts.series[0].points[0].bytes / kWindowS, wts.series[0].points[0].packets / kWindowS], 'live point vs REST /timeseries of that window');
  // The live windows that closed the first capture's last window keep their values.
  const lastOld = live.all.find((p) => p[0] === lastWindowMs);
  checkEqual(lastOld?.[1], e1.windows.get(lastWindowMs).bytes / kWindowS, 'input 1 last window (closed by input 2, now a live point) still equals tshark');
  // The idle windows between the inputs (no live message is sent for them) are zeros on
  // the chart, not a ramp from the last backfilled point to the new window.
  const gap = live.all.filter((p) => p[0] > lastWindowMs && p[0] < newWindow);
  checkEqual(gap.map((p) => p[0]), Array.from({ length: (newWindow - lastWindowMs) / (kWindowS * 1000) - 1 }, (_, i) => lastWindowMs + (i + 1) * kWindowS * 1000), 'a point for every idle window between the inputs');
  check(gap.every((p) => p[1] === 0), 'idle windows between the inputs are zero on the live chart', gap);
  await waitFor(async () => (await page.locator('[data-testid=card-active-hosts]').getAttribute('data-value')) !== '', 'the active-hosts card to show the live window');
  await screenshot(page, '5-overview-live');

  check(pageErrors.length === 0, 'no JavaScript errors in the page', pageErrors);
}

await finish(main);
