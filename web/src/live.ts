// The live feed: WS /api/v1/live pushes one WindowSummary per closed window
// (src/process/window_summary.cc is the source of truth for the field names).
// RatePoint is what the Real Time Access Trend plots: one point per window, per second.

import type { Timeseries } from './api';
import { parseApiTime } from './format';

export interface NamedCounters {
  bytes: number;
  packets: number;
  flows: number;
}
export interface LiveWindow extends NamedCounters {
  window_start: string;
  window_end: string;
  window_start_ns: number;
  window_end_ns: number;
  active_hosts: number;
  protocols: (NamedCounters & { ip_proto: string })[];
  top_src_hosts: (NamedCounters & { ip_src: string })[];
  top_dst_hosts: (NamedCounters & { ip_dst: string })[];
  top_src_ports: (NamedCounters & { port_src: number | string })[];
  top_dst_ports: (NamedCounters & { port_dst: number | string })[];
  local_networks: {
    network: string;
    in_bytes: number;
    in_packets: number;
    in_flows?: number;
    out_bytes: number;
    out_packets: number;
    out_flows?: number;
  }[];
}

/** One window of the realtime chart. */
export interface RatePoint {
  timeMs: number; // window start
  seconds: number; // window length
  bytes: number; // totals of the window (what the API reports)
  packets: number;
  flows: number;
}

/** Parses one WS message; null when it is not a window summary (ignored, not fatal). */
export function parseLiveMessage(data: unknown): LiveWindow | null {
  let v: unknown = data;
  if (typeof data === 'string') {
    try {
      v = JSON.parse(data);
    } catch {
      return null;
    }
  }
  if (!v || typeof v !== 'object') return null;
  const w = v as Partial<LiveWindow>;
  if (typeof w.bytes !== 'number' || typeof w.packets !== 'number') return null;
  if (typeof w.window_start_ns !== 'number' && typeof w.window_start !== 'string') return null;
  return {
    protocols: [],
    top_src_hosts: [],
    top_dst_hosts: [],
    top_src_ports: [],
    top_dst_ports: [],
    local_networks: [],
    flows: 0,
    active_hosts: 0,
    ...w,
  } as LiveWindow;
}

export function windowToPoint(w: LiveWindow): RatePoint {
  const startMs = typeof w.window_start_ns === 'number' ? w.window_start_ns / 1e6 : parseApiTime(w.window_start);
  const endMs = typeof w.window_end_ns === 'number' ? w.window_end_ns / 1e6 : parseApiTime(w.window_end);
  const seconds = Math.max((endMs - startMs) / 1000, 1e-3);
  return { timeMs: startMs, seconds, bytes: w.bytes, packets: w.packets, flows: w.flows ?? 0 };
}

/** A timeseries answer (group_by none) as rate points; several series are summed. */
export function timeseriesToPoints(ts: Timeseries): RatePoint[] {
  const byTime = new Map<number, RatePoint>();
  for (const s of ts.series ?? []) {
    for (const p of s.points ?? []) {
      const t = parseApiTime(p.time);
      if (!Number.isFinite(t)) continue;
      const cur = byTime.get(t) ?? { timeMs: t, seconds: ts.step_s, bytes: 0, packets: 0, flows: 0 };
      cur.bytes += p.bytes;
      cur.packets += p.packets;
      cur.flows += p.flows;
      byTime.set(t, cur);
    }
  }
  return [...byTime.values()].sort((a, b) => a.timeMs - b.timeMs);
}

/** Drops points whose window has not ended by nowMs (a backfill reaching into the future). */
export function closedPoints(points: RatePoint[], nowMs: number): RatePoint[] {
  return points.filter((p) => p.timeMs + p.seconds * 1000 <= nowMs);
}

/**
 * Adds points to a series: a point with the same start time replaces the old one (a live
 * window supersedes its backfilled value), the result is sorted by time and keeps only
 * the last `keepMs` before the newest point.
 */
export function mergePoints(existing: RatePoint[], added: RatePoint[], keepMs: number): RatePoint[] {
  const byTime = new Map<number, RatePoint>();
  for (const p of existing) byTime.set(p.timeMs, p);
  for (const p of added) byTime.set(p.timeMs, p);
  const all = [...byTime.values()].sort((a, b) => a.timeMs - b.timeMs);
  if (all.length === 0) return all;
  const newest = all[all.length - 1].timeMs;
  return all.filter((p) => p.timeMs > newest - keepMs);
}

/**
 * The points with a zero point for every window missing between two neighbours. The
 * server sends nothing for a window without traffic (and the backfill's zeros end where
 * it ends), so without these the line would ramp across idle windows as if there had
 * been traffic. Only gaps that are whole windows of the neighbours' common length are
 * filled; points must be sorted by time (as mergePoints returns them).
 */
export function fillGaps(points: RatePoint[]): RatePoint[] {
  const out: RatePoint[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const prev = out[out.length - 1];
    if (prev && prev.seconds === p.seconds) {
      const stepMs = p.seconds * 1000;
      const missing = (p.timeMs - prev.timeMs) / stepMs - 1;
      if (Number.isInteger(missing) && missing > 0) {
        for (let k = 1; k <= missing; k++) out.push({ timeMs: prev.timeMs + k * stepMs, seconds: p.seconds, bytes: 0, packets: 0, flows: 0 });
      }
    }
    out.push(p);
  }
  return out;
}

/** Reconnect delay: 1 s, 2 s, 4 s ... capped at 30 s, with up to 20 % jitter. */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, Math.min(attempt, 15)));
  return Math.round(base * (1 + 0.2 * random()));
}

export type LiveStatus =
  | { kind: 'connecting' }
  | { kind: 'open' }
  | { kind: 'waiting'; retryAtMs: number; attempt: number; reason: string };

/**
 * A WebSocket that reconnects by itself with backoff until close() is called.
 * `onWindow` gets every parsed window summary; `onStatus` every state change.
 */
export class LiveClient {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly onWindow: (w: LiveWindow) => void,
    private readonly onStatus: (s: LiveStatus) => void,
    private readonly makeSocket: (url: string) => WebSocket = (u) => new WebSocket(u),
  ) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onerror = null;
      s.onmessage = null;
      s.close();
    }
  }

  private connect(): void {
    if (this.closed) return;
    this.onStatus({ kind: 'connecting' });
    let socket: WebSocket;
    try {
      socket = this.makeSocket(this.url);
    } catch (e) {
      this.retry(`cannot open: ${(e as Error).message}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.onStatus({ kind: 'open' });
    };
    socket.onmessage = (ev: MessageEvent) => {
      const w = parseLiveMessage(ev.data);
      if (w) this.onWindow(w);
    };
    socket.onclose = (ev: CloseEvent) => {
      this.socket = null;
      this.retry(ev.code === 1008 || ev.code === 4401 ? 'refused (token?)' : `closed (code ${ev.code})`);
    };
    socket.onerror = () => {
      // onclose follows and schedules the retry.
    };
  }

  private retry(reason: string): void {
    if (this.closed) return;
    const delay = backoffDelayMs(this.attempt);
    this.attempt += 1;
    this.onStatus({ kind: 'waiting', retryAtMs: Date.now() + delay, attempt: this.attempt, reason });
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }
}
