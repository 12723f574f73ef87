// Overview: totals for the chosen range, and the Real Time Access Trend — backfilled
// from REST (last 15 min at the window step), then fed live by WS /api/v1/live.

import { useEffect, useMemo, useRef, useState } from 'react';
import { getJson, liveUrl, type Summary, type Timeseries } from '../api';
import { Chart } from '../components/Chart';
import { Empty, ErrorBox, Loading } from '../components/StatusBox';
import { formatBitRate, formatBytes, formatCount, formatInteger, formatUtc, parseApiTime, toIsoSeconds } from '../format';
import { useApi, type ConcreteRange, type Theme } from '../hooks';
import { closedPoints, fillGaps, LiveClient, mergePoints, timeseriesToPoints, windowToPoint, type LiveStatus, type LiveWindow, type RatePoint } from '../live';
import { realtimeOption } from '../charts/realtime';

const kKeepMs = 15 * 60_000;

function Card({ id, label, value, text, sub }: { id: string; label: string; value: number | undefined; text: string; sub?: string }) {
  return (
    <div className="card" data-testid={`card-${id}`} data-value={value ?? ''}>
      <div className="card-label">{label}</div>
      <div className="card-value" title={value !== undefined ? formatInteger(value) : ''}>
        {text}
      </div>
      {sub && <div className="card-sub">{sub}</div>}
    </div>
  );
}

function StatusBadge({ status, paused, buffered }: { status: LiveStatus; paused: boolean; buffered: number }) {
  const [, tick] = useState(0);
  useEffect(() => {
    if (status.kind !== 'waiting') return;
    const t = setInterval(() => tick((n) => n + 1), 500);
    return () => clearInterval(t);
  }, [status]);
  let cls = 'badge';
  let text: string;
  if (paused) {
    cls += ' paused';
    text = `Paused${buffered ? ` (${buffered} new window${buffered === 1 ? '' : 's'} waiting)` : ''}`;
  } else if (status.kind === 'open') {
    cls += ' live';
    text = 'Live';
  } else if (status.kind === 'connecting') {
    cls += ' waiting';
    text = 'Connecting…';
  } else {
    cls += ' offline';
    const s = Math.max(0, Math.ceil((status.retryAtMs - Date.now()) / 1000));
    text = `Offline — ${status.reason}; retrying in ${s} s`;
  }
  return (
    <span className={cls} data-testid="live-status" data-state={paused ? 'paused' : status.kind}>
      <span className="dot" aria-hidden="true" /> {text}
    </span>
  );
}

export function Overview({ range, theme }: { range: ConcreteRange | null; theme: Theme }) {
  const summary = useApi<Summary>(range ? '/api/v1/summary' : null, range ? { from: range.from, to: range.to } : {});
  const [points, setPoints] = useState<RatePoint[]>([]);
  const [backfill, setBackfill] = useState<{ loading: boolean; error?: Error }>({ loading: true });
  const [status, setStatus] = useState<LiveStatus>({ kind: 'connecting' });
  const [paused, setPaused] = useState(false);
  const [last, setLast] = useState<LiveWindow | null>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const buffer = useRef<RatePoint[]>([]);
  const [buffered, setBuffered] = useState(0);

  // Backfill once: the last 15 min up to now, or up to the newest stored data when
  // the store ends earlier (a replayed capture); the server picks the window step.
  useEffect(() => {
    const ctl = new AbortController();
    (async () => {
      try {
        const extent = await getJson<Summary>('/api/v1/summary', {}, ctl.signal);
        const now = Date.now();
        const lastMs = parseApiTime(extent.last);
        let toMs = Math.ceil(now / 60_000) * 60_000;
        if (Number.isFinite(lastMs) && lastMs > 0 && lastMs < now - kKeepMs) toMs = Math.ceil((lastMs + 1) / 60_000) * 60_000;
        const ts = await getJson<Timeseries>(
          '/api/v1/timeseries',
          { from: toIsoSeconds(toMs - kKeepMs), to: toIsoSeconds(toMs), metric: 'bytes' },
          ctl.signal,
        );
        setPoints((cur) => mergePoints(closedPoints(timeseriesToPoints(ts), Date.now()), cur, kKeepMs));
        setBackfill({ loading: false });
      } catch (e) {
        if ((e as Error).name !== 'AbortError') setBackfill({ loading: false, error: e as Error });
      }
    })();
    return () => ctl.abort();
  }, []);

  useEffect(() => {
    const client = new LiveClient(
      liveUrl(location),
      (w) => {
        const p = windowToPoint(w);
        setLast(w);
        if (pausedRef.current) {
          buffer.current.push(p);
          setBuffered(buffer.current.length);
        } else {
          setPoints((cur) => mergePoints(cur, [p], kKeepMs));
        }
      },
      setStatus,
    );
    client.start();
    return () => client.close();
  }, []);

  const togglePause = () => {
    if (paused) {
      const added = buffer.current;
      buffer.current = [];
      setBuffered(0);
      setPoints((cur) => mergePoints(cur, added, kKeepMs));
    }
    setPaused(!paused);
  };

  const option = useMemo(() => realtimeOption(fillGaps(points)), [points]);
  const s = summary.data;
  const lastRate = last ? windowToPoint(last) : null;
  const lastSub = (v: number | undefined, f: (n: number) => string) => (last && v !== undefined ? `last window: ${f(v)}` : undefined);

  return (
    <section>
      <div className="cards">
        <Card id="bytes" label="Bytes" value={s?.bytes} text={s ? formatBytes(s.bytes) : '…'} sub={lastSub(last?.bytes, formatBytes)} />
        <Card id="packets" label="Packets" value={s?.packets} text={s ? formatCount(s.packets) : '…'} sub={lastSub(last?.packets, formatCount)} />
        <Card id="flows" label="Flows" value={s?.flows} text={s ? formatCount(s.flows) : '…'} sub={lastSub(last?.flows, formatCount)} />
        <Card
          id="active-hosts"
          label="Active hosts (last window)"
          value={last?.active_hosts}
          text={last ? formatInteger(last.active_hosts) : '–'}
          sub={last ? `${formatUtc(windowToPoint(last).timeMs)} UTC` : 'waiting for the first live window'}
        />
      </div>
      {summary.error && <ErrorBox error={summary.error} what="the totals" />}
      {s && s.bytes === 0 && s.flows === 0 && <Empty />}

      <div className="panel">
        <div className="panel-head">
          <h2>Real Time Access Trend</h2>
          <StatusBadge status={status} paused={paused} buffered={buffered} />
          <button type="button" onClick={togglePause} data-testid="live-pause">
            {paused ? '▶ Resume' : '❚❚ Pause'}
          </button>
          {lastRate && <span className="muted">now: {formatBitRate(lastRate.bytes / lastRate.seconds)}</span>}
        </div>
        {backfill.error && <ErrorBox error={backfill.error} what="the last 15 minutes" />}
        {backfill.loading && points.length === 0 && <Loading what="the last 15 minutes" />}
        {!backfill.loading && points.length === 0 && !backfill.error && (
          <Empty>No windows yet — is <code>flowlens run</code> running? New windows appear here as they close.</Empty>
        )}
        <Chart name="realtime" option={option} theme={theme} />
      </div>
    </section>
  );
}
