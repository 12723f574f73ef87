// What the browser end-to-end tests (e2e_test.mjs, exporters_e2e.mjs) share: argument
// parsing of the common flags, skips (exit 77; FLOWLENS_E2E_REQUIRE=1 makes a skip a
// failure), checks and waits, `flowlens` as a child process whose stderr is kept and
// whose printed ports are read, chromium through playwright-core, screenshots, and the
// final verdict (exit 0 pass, 1 fail, 77 skipped). Each test keeps its own inputs and
// checks; this module keeps one test's state (one per process), so a test calls
// setup() first and finish(main) last.
//
// Common flags: --flowlens FILE (required), --chromium FILE (default /usr/bin/chromium),
// --screenshots DIR (default <repo>/build/e2e-screenshots), --web-root DIR (serve the
// dashboard from disk), --keep (keep the temp dir), --headed.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const kSkip = 77;
export const kRepo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let name = 'e2e'; // the prefix of every line this test prints
let args = null;
let t0 = Date.now();
let checks = 0;
let tmp = null;
let browser = null;
let server = null; // the flowlens process running now (run, then maybe serve)
let serverLog = ''; // the stderr of every flowlens process started, in order

export class CheckError extends Error {}
export class SkipError extends Error {}

/**
 * Names the test (the prefix of its output) and parses the command line: the common flags
 * and, for each key of `options`, a flag --KEY VALUE whose default is options[KEY].
 * An unknown argument exits 2. Returns the arguments.
 */
export function setup(testName, options = {}) {
  name = testName;
  t0 = Date.now();
  args = { flowlens: null, chromium: '/usr/bin/chromium', screenshots: path.join(kRepo, 'build/e2e-screenshots'), keep: false, headed: false, webRoot: null, ...options };
  const valueFlags = { '--flowlens': 'flowlens', '--chromium': 'chromium', '--screenshots': 'screenshots', '--web-root': 'webRoot' };
  for (const key of Object.keys(options)) valueFlags[`--${key}`] = key;
  for (let i = 2; i < process.argv.length; i++) {
    const a = process.argv[i];
    if (a in valueFlags) args[valueFlags[a]] = process.argv[++i];
    else if (a === '--keep') args.keep = true;
    else if (a === '--headed') args.headed = true;
    else {
      console.error(`${name}: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return args;
}

/** Exits 77 with the reason, or 1 when FLOWLENS_E2E_REQUIRE=1 (CI must not skip silently). */
export function skip(why) {
  if (process.env.FLOWLENS_E2E_REQUIRE === '1') {
    console.error(`${name}: FAIL (FLOWLENS_E2E_REQUIRE=1, would skip): ${why}`);
    process.exit(1);
  }
  console.log(`${name}: SKIPPED: ${why}`);
  process.exit(kSkip);
}

/** Skips unless --flowlens names an existing file. */
export function requireFlowlens() {
  if (!args.flowlens || !fs.existsSync(args.flowlens)) skip(`flowlens binary not found (--flowlens ${args.flowlens})`);
}

/** Skips without chromium, tshark or playwright-core (tests/e2e/node_modules). */
export async function requireBrowserAndTshark() {
  if (!fs.existsSync(args.chromium)) skip(`${args.chromium} not found: scripts/install-deps.sh installs Debian's chromium`);
  if (spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status !== 0) skip('tshark not found (scripts/install-deps.sh installs it)');
  try {
    await import('playwright-core');
  } catch (e) {
    skip(`playwright-core is not installed: run \`npm ci\` in tests/e2e (scripts/test.sh does) — ${e.message}`);
  }
}

/** A fresh temp dir (removed at the end unless --keep or the test failed); makes the screenshot dir too. */
export function makeTempDir(prefix) {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.mkdirSync(args.screenshots, { recursive: true });
  return tmp;
}

export const log = (msg) => console.log(`${name} [${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

export function check(cond, what, detail) {
  if (!cond) throw new CheckError(`${what}${detail === undefined ? '' : `\n  ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`}`);
  checks++;
}

export function checkEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  check(a === e, `${what}: not equal`, `got      ${a.slice(0, 1500)}\n  expected ${e.slice(0, 1500)}`);
}

/** Polls fn (sync or async) every 100 ms until it returns a truthy value; fails at the deadline. */
export async function waitFor(fn, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new CheckError(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs cmd to completion; returns its stdout, throws with its stderr on a non-zero exit. */
export function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/**
 * Starts `flowlens ARGV... [--web-root DIR]` (one at a time: stop the last first), keeps
 * its stderr for the failure report, and waits (30 s each) for each of `waits` —
 * [regex, what] — to match what this process printed. Returns the matches, in order.
 */
export async function startFlowlens(argv, waits) {
  const command = `flowlens ${argv[0]}`;
  if (serverLog) serverLog += `\n--- ${command} ---\n`;
  const from = serverLog.length;
  const child = spawn(args.flowlens, [...argv, ...(args.webRoot ? ['--web-root', args.webRoot] : [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    serverLog += d;
  });
  child.on('exit', (code, sig) => {
    serverLog += `\n[${command} exited: code ${code} signal ${sig}]\n`;
  });
  server = child;
  const exited = () => child.exitCode !== null && Promise.reject(new Error(`${command} exited`));
  const matches = [];
  for (const [re, what] of waits) matches.push(await waitFor(() => serverLog.slice(from).match(re) || exited(), what, 30_000));
  return matches;
}

/** Stops the running flowlens process (SIGTERM, SIGKILL after 10 s); nothing if none runs. */
export async function stopFlowlens() {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGTERM');
    await waitFor(() => server.exitCode !== null || server.signalCode !== null, 'flowlens to stop', 10_000).catch(() => server.kill('SIGKILL'));
  }
}

/** GET base + pathAndQuery as JSON; throws on an HTTP error. */
export async function api(base, pathAndQuery) {
  const r = await fetch(`${base}${pathAndQuery}`);
  const body = await r.text();
  if (!r.ok) throw new Error(`GET ${pathAndQuery}: HTTP ${r.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body);
}

/**
 * Launches chromium (once; closed by finish()) and opens a page of the viewport; returns
 * { page, pageErrors }: the page's uncaught errors and console errors collect in pageErrors.
 */
export async function openPage(viewport) {
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: args.chromium,
    headless: !args.headed,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport, colorScheme: 'light' });
  const page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // The browser asks for /favicon.ico by itself; the dashboard has none.
    if (m.type() === 'error' && !/favicon/.test(m.location()?.url ?? '')) pageErrors.push(`console: ${m.text()} (${m.location()?.url})`);
  });
  return { page, pageErrors };
}

/** Skips when the page loaded is the server's placeholder, not the built dashboard. */
export async function requireDashboard(page) {
  if (!(await page.locator('.app[data-view]').count())) {
    const body = (await page.locator('body').innerText()).slice(0, 200);
    throw new SkipError(`the server embeds the placeholder page, not the dashboard (build web/ with web/build.sh before building flowlens): "${body}"`);
  }
}

export async function noErrorBox(page, where) {
  const n = await page.locator('[data-testid=state-error]').count();
  const text = n ? await page.locator('[data-testid=state-error]').first().innerText() : '';
  check(n === 0, `${where}: the page shows an error box`, text);
}

/** A full-page screenshot to <screenshots>/NAME.png. */
export async function screenshot(page, shotName) {
  const file = path.join(args.screenshots, `${shotName}.png`);
  await page.screenshot({ path: file, fullPage: true });
  log(`screenshot ${path.relative(process.cwd(), file)}`);
}

/**
 * Runs main and exits: 0 when it returns (PASS and the number of checks), 1 when it
 * throws (the reason and the end of flowlens's stderr; the temp dir is kept), 77 (or 1
 * under FLOWLENS_E2E_REQUIRE=1) on a SkipError. cleanup runs first in any case.
 */
export async function finish(main, cleanup = () => {}) {
  let failed = true;
  let skipped = null;
  try {
    await main();
    failed = false;
    log(`PASS: ${checks} checks`);
  } catch (e) {
    if (e instanceof SkipError) skipped = e.message;
    else console.error(`${name}: FAIL: ${e instanceof CheckError ? e.message : e.stack}`);
    if (!skipped) console.error(`--- flowlens stderr (last 3000 chars) ---\n${serverLog.slice(-3000)}`);
  } finally {
    cleanup();
    if (browser) await browser.close().catch(() => {});
    await stopFlowlens();
    if (tmp) {
      if (args.keep || (failed && !skipped)) console.error(`${name}: temp dir kept: ${tmp}`);
      else fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  if (skipped) skip(skipped);
  process.exit(failed ? 1 : 0);
}
