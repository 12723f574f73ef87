#!/usr/bin/env node
// End to end for exporter health (issue 5): `flowlens run --collect udp://127.0.0.1:0`,
// real NetFlow v5/v9, IPFIX and sFlow v5 export datagrams (the captures in testdata/flows)
// sent to its collect port over loopback, and three readings of the same numbers that
// must agree:
//
//   1. what this script sent: datagrams per exporter and per protocol (the version field
//      of each payload), as tshark reads the captures;
//   2. GET /api/v1/exporters;
//   3. the Exporters page (web/src/pages/Exporters.tsx) in Debian's chromium driven by
//      playwright-core: rows, cells (data-value), cards, problem flags and row order;
//
// and the records the collector decoded must equal `flowlens flows --replay-exports` on
// the same captures (one JSON line per record), per exporter and in total. Then
// `flowlens serve` on the same store: the page must say it is not collecting, and how to.
//
// Each source (address, UDP port) of the captures gets its own loopback socket, and each
// source address its own loopback address 127.0.0.X, so every original exporter is one
// row and templates stay with the datagrams that name them (as they would in the field).
// Screenshots: <screenshots>/exporters.png, exporters-not-collecting.png.
//
// Exit codes: 0 pass, 1 fail, 77 skipped (chromium, node_modules, tshark, the test data
// or the built dashboard missing; the reason is printed). FLOWLENS_E2E_REQUIRE=1 turns a
// skip into a failure (scripts/test.sh sets it).
//
//   node tests/e2e/exporters_e2e.mjs --flowlens build/dev/src/app/flowlens
//        [--testdata /work/shared/testdata] [--keep] [--headed] [--web-root web/dist]
//        [--chromium /usr/bin/chromium] [--screenshots DIR]
// What both browser tests share (flags, skips, checks, flowlens and chromium) is in harness.mjs.

import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { CheckError, api, check, checkEqual, finish, kRepo, log, makeTempDir, noErrorBox, openPage, requireBrowserAndTshark, requireDashboard, requireFlowlens, run, screenshot, setup, skip, startFlowlens, stopFlowlens, waitFor } from './harness.mjs';

const kSkewLimitS = 60; // web/src/exporters.ts kSkewLimitS

// The exporters: each group is one original exporter (one source address); its files are
// sent in order (templates before the data that needs them). What each shows:
const kGroups = [
  { name: 'Cisco NetFlow v9, template then 39 data flowsets', files: ['flows/pmacct/101-nfv9-cisco.pcap'] },
  { name: 'Cisco IPFIX from two source ports', files: ['flows/pmacct/100-ipfix-cisco.pcap'] },
  { name: 'NetFlow v5, 29 records', files: ['flows/nfv5.pcap'] },
  { name: 'NetFlow v9 data whose templates never come (held sets)', files: ['flows/netflowv9-no-templates.pcap'] },
  { name: 'ipfixprobe IPFIX, templates in one file, data in the next', files: ['flows/ipfixprobe-templates.pcap', 'flows/ipfixprobe-data.pcap'] },
  // The captures are years old, so every exporter above has its clock flagged and its
  // flow times corrected (decode error `timestamp`). This one is the same v5 datagram with
  // the header's clock (unix_secs) set to the send time: flow times are relative to the
  // exporter's uptime, so it is a healthy exporter, and its row must not be flagged.
  { name: 'NetFlow v5 with its header clock set to now (healthy)', files: ['flows/nfv5.pcap'], freshClock: true },
  // sFlow v5 (no clock in the header, so no skew): 8 counter samples (interface counters,
  // the row's expandable table) and 1 flow sample.
  { name: 'sFlow v5 with interface counters', files: ['flows/sflow-ndpi.pcap'] },
];

// ---------------------------------------------------------------------------- arguments
const args = setup('exporters e2e', { testdata: process.env.FLOWLENS_TESTDATA_DIR ?? path.join(kRepo, '../shared/testdata') });
requireFlowlens();
for (const g of kGroups) {
  for (const f of g.files) {
    if (!fs.existsSync(path.join(args.testdata, f))) skip(`test data not found: ${path.join(args.testdata, f)} (--testdata or FLOWLENS_TESTDATA_DIR)`);
  }
}
await requireBrowserAndTshark();

// --------------------------------------------------------------- the datagrams to send
// Every UDP payload of a capture as tshark reads it, with its source address and port
// (first occurrence: an sFlow sample's inner headers are IP and UDP too).
function tsharkDatagrams(file) {
  const out = run('tshark', ['-r', file, '-n', '-Y', 'udp', '-T', 'fields', '-E', 'separator=,', '-E', 'occurrence=f', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'udp.srcport', '-e', 'udp.length', '-e', 'udp.payload']);
  const list = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [v4, v6, sport, udpLength, hex] = line.split(',');
    const payload = Buffer.from(hex, 'hex');
    check(payload.length === Number(udpLength) - 8, `${path.basename(file)}: tshark's udp.payload is the whole datagram (no fragment or truncation)`, [payload.length, udpLength]);
    list.push({ source: v4 || v6, sport: Number(sport), payload });
  }
  return list;
}

// The protocol of a datagram by its version field, as the collector tells them apart.
function kindOf(payload) {
  const v = payload.readUInt16BE(0);
  if (v === 5) return 'netflow_v5';
  if (v === 9) return 'netflow_v9';
  if (v === 10) return 'ipfix';
  return 'other';
}
// sFlow v5 also starts with version 5 (32 bits: 0x00000005); NetFlow v5 with count = 0
// never comes from an exporter.
function kindOfDatagram(payload) {
  if (payload.length >= 4 && payload.readUInt32BE(0) === 5) return 'sflow';
  return kindOf(payload);
}

function replayCount(files) {
  const out = run(args.flowlens, ['flows', '--replay-exports', ...files, '--format', 'jsonl']);
  return out.split('\n').filter((l) => l.trim()).length;
}

// -------------------------------------------------------------------------- the server
const tmp = makeTempDir('flowlens-exporters-e2e-');
const dataDir = path.join(tmp, 'data');
fs.mkdirSync(dataDir);
const sockets = [];

async function startServer() {
  const [web, collect] = await startFlowlens(['run', '--collect', 'udp://127.0.0.1:0', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--progress', 'log'], [
    [/dashboard and API on http:\/\/(127\.0\.0\.1:\d+)\//, 'flowlens run to print its address'],
    [/collecting flow exports on udp:\/\/127\.0\.0\.1:(\d+)/, 'flowlens run to print its collect port'],
  ]);
  return { base: `http://${web[1]}`, collectPort: Number(collect[1]) };
}

// `flowlens serve` on the run's store (started after the run stopped).
async function startServe() {
  const [m] = await startFlowlens(['serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], [[/on http:\/\/(127\.0\.0\.1:\d+)\//, 'flowlens serve to print its address']]);
  return `http://${m[1]}`;
}

async function openSocket(address) {
  const s = dgram.createSocket('udp4');
  sockets.push(s);
  await new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind({ address, port: 0 }, resolve);
  });
  return s;
}
const sendTo = (s, payload, port) => new Promise((resolve, reject) => s.send(payload, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));

// ------------------------------------------------------------------------------- test
async function main() {
  // What goes out: per group its datagrams, each from the loopback address of the group
  // and a socket per original source port.
  const groups = kGroups.map((g, i) => {
    const files = g.files.map((f) => path.join(args.testdata, f));
    const datagrams = files.flatMap(tsharkDatagrams);
    if (g.freshClock) {
      for (const d of datagrams) {
        check(d.payload.readUInt16BE(0) === 5, `${g.files}: freshClock needs NetFlow v5`);
        d.payload.writeUInt32BE(Math.floor(Date.now() / 1000), 8); // unix_secs
        d.payload.writeUInt32BE(0, 12); // unix_nsecs
      }
    }
    const sources = new Set(datagrams.map((d) => d.source));
    check(sources.size === 1, `${g.files.join(' + ')}: one exporter address`, [...sources]);
    const byKind = { netflow_v5: 0, netflow_v9: 0, ipfix: 0, sflow: 0 };
    for (const d of datagrams) byKind[kindOfDatagram(d.payload)]++;
    return { ...g, files, datagrams, address: `127.0.0.${10 + i}`, original: [...sources][0], byKind, records: replayCount(files) };
  });
  const sent = groups.reduce((n, g) => n + g.datagrams.length, 0);
  const sentBytes = groups.reduce((n, g) => n + g.datagrams.reduce((m, d) => m + d.payload.length, 0), 0);
  const replayed = groups.reduce((n, g) => n + g.records, 0);
  for (const g of groups) log(`${g.address} (was ${g.original}): ${g.datagrams.length} datagrams ${JSON.stringify(g.byKind)}, ${g.records} records by --replay-exports — ${g.name}`);

  const { base, collectPort } = await startServer();
  log(`flowlens run on ${base}, collecting on udp://127.0.0.1:${collectPort}`);

  const before = await api(base, '/api/v1/exporters');
  checkEqual([before.collecting, before.totals.datagrams, before.exporters.length], [true, 0, 0], 'before sending: collecting, no datagram, no exporter');
  check(before.listeners.includes(`udp://127.0.0.1:${collectPort}`), 'the API lists the collect port printed on stderr', before.listeners);

  for (const g of groups) {
    const ports = new Map();
    for (const d of g.datagrams) {
      if (!ports.has(d.sport)) ports.set(d.sport, await openSocket(g.address));
      await sendTo(ports.get(d.sport), d.payload, collectPort);
    }
  }
  log(`sent ${sent} datagrams (${sentBytes} bytes) from ${groups.length} loopback exporters`);

  const answer = await waitFor(async () => {
    const a = await api(base, '/api/v1/exporters');
    return a.totals.datagrams + a.totals.kernel_drops >= sent && a;
  }, `totals.datagrams to reach the ${sent} sent`, 30_000);
  checkEqual([answer.totals.datagrams, answer.totals.kernel_drops, answer.totals.truncated, answer.totals.receive_errors], [sent, 0, 0, 0], 'API totals: datagrams = sent, no kernel drop, truncation or receive error');
  checkEqual(answer.totals.bytes, sentBytes, 'API totals.bytes = the payload bytes sent');
  checkEqual(answer.totals.records, replayed, 'API totals.records = `flowlens flows --replay-exports` line count over every capture');

  // Per exporter: the row of each loopback address has what was sent from it.
  const byAddress = new Map(answer.exporters.map((e) => [e.exporter, e]));
  checkEqual([...byAddress.keys()].sort(), groups.map((g) => g.address).sort(), 'API exporters = the loopback addresses sent from');
  for (const g of groups) {
    const e = byAddress.get(g.address);
    checkEqual([e.datagrams, e.netflow_v5, e.netflow_v9, e.ipfix, e.sflow], [g.datagrams.length, g.byKind.netflow_v5, g.byKind.netflow_v9, g.byKind.ipfix, g.byKind.sflow], `${g.address} datagrams by protocol vs sent`);
    checkEqual(e.records, g.records, `${g.address} records vs --replay-exports of ${g.files.map((f) => path.basename(f)).join(' + ')}`);
  }
  const noTemplates = byAddress.get(groups[3].address);
  check(noTemplates.sets_held > 0 && noTemplates.records === 0, 'the exporter without templates has its data sets held, no records', noTemplates);
  const healthy = byAddress.get(groups[5].address);
  check(Math.abs(healthy.clock_skew_s) < kSkewLimitS && Object.keys(healthy.decode_errors).length === 0 && healthy.sets_dropped_no_template === 0,
    'the v5 exporter with a current clock is healthy (|skew| < 60 s, no decode error, no dropped set)', healthy);
  const sflow = byAddress.get(groups[6].address);
  check(sflow.counter_samples > 0 && sflow.interfaces.length > 0, 'the sFlow exporter has counter samples and interfaces', sflow);
  const v9 = byAddress.get(groups[0].address);
  check(v9.templates_seen > 0, 'the v9 exporter with templates has templates_seen > 0', v9.templates_seen);
  const errorSum = answer.exporters.reduce((n, e) => n + Object.values(e.decode_errors).reduce((m, c) => m + c, 0), 0);
  checkEqual(Object.values(answer.totals.decode_errors).reduce((m, c) => m + c, 0), errorSum, 'API totals.decode_errors = the sum over exporters');

  // -------------------------------------------------------------------- the page
  const { page, pageErrors } = await openPage({ width: 1400, height: 900 });
  await page.goto(`${base}/?view=exporters`);
  await requireDashboard(page);
  if (!(await page.locator('nav a[data-view=exporters]').count())) throw new CheckError('the dashboard has no Exporters page: the embedded web/dist is older than web/src (run web/build.sh, then rebuild flowlens)');
  await page.locator('[data-testid=exporters-table]').waitFor({ timeout: 15_000 });
  check(await page.locator('[data-testid=range-not-applicable]').isVisible(), 'the range bar says the time range does not apply');

  // Nothing is sent any more, so the page's answer equals the API's (up to last_seen ages).
  const shown = await page.locator('[data-testid=exporters-table] tbody tr[data-exporter]').evaluateAll((trs) =>
    trs.map((tr) => ({
      exporter: tr.getAttribute('data-exporter'),
      port: Number(tr.getAttribute('data-port')),
      problems: tr.getAttribute('data-problems'),
      highlighted: tr.classList.contains('row-problem'),
      cells: Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map((td) => [td.getAttribute('data-col'), { value: td.getAttribute('data-value'), text: td.textContent, warn: td.classList.contains('warn') }])),
    })),
  );
  const final = await api(base, '/api/v1/exporters');
  checkEqual(final.totals, answer.totals, 'API totals unchanged after sending stopped');
  // The order this script expects: problem rows first (more problems first), then by
  // datagrams, then by address; problems computed here from the API's numbers.
  const problemsOf = (e) =>
    [
      e.sets_dropped_no_template > 0 && 'dropped_sets',
      Object.values(e.decode_errors).some((n) => n > 0) && 'decode_errors',
      Math.abs(e.clock_skew_s) > kSkewLimitS && 'clock_skew',
    ].filter(Boolean);
  const want = [...final.exporters].sort((a, b) => problemsOf(b).length - problemsOf(a).length || b.datagrams - a.datagrams || (a.exporter < b.exporter ? -1 : 1));
  checkEqual(shown.map((r) => r.exporter), want.map((e) => e.exporter), 'table rows: every exporter, problem rows first then by datagrams');
  for (const e of want) {
    const r = shown.find((x) => x.exporter === e.exporter);
    const v = (col) => Number(r.cells[col].value);
    const errors = Object.values(e.decode_errors).reduce((m, c) => m + c, 0);
    checkEqual(
      [r.port, v('datagrams'), v('records'), v('templates'), v('held'), v('dropped'), v('errors'), v('skew')],
      [e.port, e.datagrams, e.records, e.templates_seen, e.sets_held, e.sets_dropped_no_template, errors, e.clock_skew_s],
      `${e.exporter} row (port, datagrams, records, templates, held, dropped, errors, skew) vs API`,
    );
    checkEqual(r.problems, problemsOf(e).join(' '), `${e.exporter} row problem flags vs the API's numbers`);
    checkEqual(r.highlighted, problemsOf(e).length > 0, `${e.exporter} row highlighted iff it has problems`);
    checkEqual(r.cells.skew.warn, Math.abs(e.clock_skew_s) > kSkewLimitS, `${e.exporter} clock skew cell in the warning colour iff |skew| > ${kSkewLimitS} s`);
    checkEqual(r.cells.errors.warn, errors > 0, `${e.exporter} errors cell in the warning colour iff it has errors`);
    for (const [reason, n] of Object.entries(e.decode_errors)) check(r.cells.errors.text.includes(`${reason}=${n.toLocaleString('en-US')}`), `${e.exporter} errors cell lists ${reason}=${n}`, r.cells.errors.text);
    const kinds = [['v5', e.netflow_v5], ['v9', e.netflow_v9], ['IPFIX', e.ipfix], ['sFlow', e.sflow]].filter(([, n]) => n > 0);
    checkEqual(r.cells.protocols.text, kinds.length ? kinds.map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(' · ') : '–', `${e.exporter} protocols cell`);
    const rate = e.sampling_rate_override || e.sampling_rate_announced;
    checkEqual(v('sampling'), rate, `${e.exporter} sampling in effect (override when set, else announced)`);
  }
  // sFlow interface counters: collapsed until the row's toggle is clicked, then one row
  // per ifIndex with the API's counters.
  const ifTable = page.locator(`[data-testid="interfaces-${sflow.exporter}"]`);
  checkEqual(await ifTable.count(), 0, 'sFlow interface counters are collapsed at first');
  await page.locator(`tr[data-exporter="${sflow.exporter}"] [data-testid=expand-interfaces]`).click();
  await ifTable.waitFor({ timeout: 5000 });
  const ifRows = await ifTable.locator('tbody tr[data-if-index]').evaluateAll((trs) =>
    trs.map((tr) => [Number(tr.getAttribute('data-if-index')), ...['speed', 'in-octets', 'out-octets', 'in-errors', 'out-errors', 'in-discards', 'out-discards'].map((c) => Number(tr.querySelector(`td[data-col=${c}]`).getAttribute('data-value')))]),
  );
  const sflowNow = final.exporters.find((e) => e.exporter === sflow.exporter);
  checkEqual(ifRows, [...sflowNow.interfaces].sort((a, b) => a.if_index - b.if_index).map((i) => [i.if_index, i.speed, i.in_octets, i.out_octets, i.in_errors, i.out_errors, i.in_discards, i.out_discards]), 'sFlow interface table (ifIndex, speed, octets, errors, discards) vs API');
  log(`sFlow exporter ${sflow.exporter}: ${ifRows.length} interfaces on expand equal the API`);

  const card = async (id) => Number(await page.locator(`[data-testid=card-${id}]`).getAttribute('data-value'));
  const totalErrors = Object.values(final.totals.decode_errors).reduce((m, c) => m + c, 0);
  checkEqual([await card('datagrams'), await card('records'), await card('kernel-drops'), await card('decode-errors')], [sent, replayed, 0, totalErrors], 'cards (datagrams, records, kernel drops, decode errors) vs sent, --replay-exports and the API');
  const sum = await page.locator('[data-testid=exporters-sum] td[data-col]').evaluateAll((tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-col'), Number(td.getAttribute('data-value'))])));
  checkEqual([sum.datagrams, sum.records], [sent, replayed], 'table footer sums vs sent and --replay-exports');
  const summary = page.locator('[data-testid=exporters-summary]');
  checkEqual([Number(await summary.getAttribute('data-exporters')), Number(await summary.getAttribute('data-problems'))], [want.length, want.filter((e) => problemsOf(e).length).length], 'summary: exporters and those with problems');
  log(`exporters page: ${shown.length} rows, order and every number equal the API; records ${replayed} = --replay-exports; problem rows: ${shown.filter((r) => r.problems).map((r) => `${r.exporter} (${r.problems})`).join(', ')}`);

  // Auto-refresh: a further answer arrives within about 5 s without a reload.
  const count = Number(await page.locator('[data-testid=exporters-updated]').getAttribute('data-count'));
  await waitFor(async () => Number(await page.locator('[data-testid=exporters-updated]').getAttribute('data-count')) > count, 'the page to re-read /api/v1/exporters by itself', 12_000);
  await noErrorBox(page, 'exporters');
  await screenshot(page, 'exporters');

  // ------------------------------------------- a process that does not collect
  // `flowlens serve` on the same store: the API says collecting false and the page says
  // so, with the command that starts collecting.
  await stopFlowlens();
  const serveBase = await startServe();
  const idle = await api(serveBase, '/api/v1/exporters');
  checkEqual([idle.collecting, idle.listeners, idle.exporters, idle.totals.datagrams], [false, [], [], 0], '`flowlens serve`: /api/v1/exporters says not collecting');
  await page.goto(`${serveBase}/?view=exporters`);
  const note = page.locator('[data-testid=exporters-not-collecting]');
  await note.waitFor({ timeout: 15_000 });
  const noteText = await note.innerText();
  check(noteText.includes('not collecting flow exports') && noteText.includes('flowlens run --collect udp://0.0.0.0:2055'), 'the page says the process is not collecting and how to start it', noteText);
  checkEqual(await page.locator('[data-testid=exporters-table]').count(), 0, 'no exporters table when not collecting');
  await screenshot(page, 'exporters-not-collecting');
  log('flowlens serve (not collecting): the page says how to start collecting');

  check(pageErrors.length === 0, 'no JavaScript errors in the page', pageErrors);
}

await finish(main, () => {
  for (const s of sockets) s.close();
});
