import { describe, expect, it } from 'vitest';
import { filterForTopEntry, filterParams, kDefaultState, parseState, resolveRange, serializeState, withState, type AppState } from './urlState';

describe('parseState', () => {
  it('gives the defaults for an empty query', () => {
    expect(parseState('')).toEqual(kDefaultState);
  });
  it('reads every field', () => {
    const s = parseState('?view=flows&range=custom&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&proto=tcp&port=443&src_host=10.0.0.1&daily_host=10.0.0.2&metric=packets&top_metric=flows&sort=bytes&limit=500&cursor=abc');
    expect(s).toEqual({
      view: 'flows',
      range: 'custom',
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02T00:00:00Z',
      filters: { proto: 'tcp', port: '443', src_host: '10.0.0.1' },
      host: '10.0.0.2',
      dailyMetric: 'packets',
      topMetric: 'flows',
      sort: 'bytes',
      limit: 500,
      cursor: 'abc',
    });
  });
  it('falls back to defaults on unknown or hostile values', () => {
    const s = parseState('?view=<script>&range=99y&sort=drop&limit=1000000&metric=x');
    expect(s.view).toBe('overview');
    expect(s.range).toBe('1h');
    expect(s.sort).toBe('start');
    expect(s.limit).toBe(100);
    expect(s.dailyMetric).toBe('bytes');
  });
  it('treats from+to without range as custom, and custom without both as the default', () => {
    expect(parseState('?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z').range).toBe('custom');
    expect(parseState('?range=custom&from=2026-01-01T00:00:00Z').range).toBe('1h');
  });
});

describe('serializeState', () => {
  it('leaves defaults out', () => {
    expect(serializeState(kDefaultState)).toBe('');
  });
  it('round-trips through parseState', () => {
    const s: AppState = {
      ...kDefaultState,
      view: 'date',
      range: '7d',
      filters: { host: '2001:db8::1', direction: 'in' },
      host: '10.1.0.5',
      dailyMetric: 'packets',
      cursor: 'x y&z',
    };
    expect(parseState(`?${serializeState(s)}`)).toEqual(s);
  });
  it('round-trips the exporters view and keeps the range for the other pages', () => {
    const s: AppState = { ...kDefaultState, view: 'exporters', range: '24h' };
    expect(serializeState(s)).toBe('view=exporters&range=24h');
    expect(parseState(`?${serializeState(s)}`)).toEqual(s);
  });
  it('drops from/to for presets', () => {
    const q = serializeState({ ...kDefaultState, range: '24h', from: 'a', to: 'b' });
    expect(q).toBe('range=24h');
  });
  it('keeps the page token in front', () => {
    expect(withState('?token=s3cr%26t&view=top', { ...kDefaultState, view: 'flows' })).toBe('?token=s3cr%26t&view=flows');
    expect(withState('', kDefaultState)).toBe('');
  });
});

describe('resolveRange', () => {
  const now = Date.UTC(2026, 10, 30, 16, 20, 30);
  it('ends presets at the next whole minute', () => {
    const r = resolveRange({ range: '15m' }, now)!;
    expect(r.toMs).toBe(Date.UTC(2026, 10, 30, 16, 21));
    expect(r.toMs - r.fromMs).toBe(15 * 60_000);
    expect(resolveRange({ range: '30d' }, now)!.toMs - resolveRange({ range: '30d' }, now)!.fromMs).toBe(30 * 86400_000);
  });
  it('uses custom from/to and rejects an empty or reversed range', () => {
    expect(resolveRange({ range: 'custom', from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' }, now)).toEqual({
      fromMs: Date.UTC(2026, 0, 1),
      toMs: Date.UTC(2026, 0, 2),
    });
    expect(resolveRange({ range: 'custom', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' }, now)).toBeNull();
    expect(resolveRange({ range: 'custom', from: 'x', to: 'y' }, now)).toBeNull();
  });
  it('covers whole UTC days of the store for "all"', () => {
    const r = resolveRange({ range: 'all' }, now, { firstMs: Date.UTC(2026, 0, 1, 5), lastMs: Date.UTC(2026, 0, 3, 7) });
    expect(r).toEqual({ fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 4) });
    expect(resolveRange({ range: 'all' }, now)).toBeNull();
    expect(resolveRange({ range: 'all' }, now, { firstMs: 0, lastMs: 0 })).toBeNull();
  });
});

describe('filters', () => {
  it('sends only set filters, trimmed', () => {
    expect(filterParams({ proto: ' tcp ', host: '', port: '53' })).toEqual({ proto: 'tcp', port: '53' });
  });
  it('maps a top entry to the flow filter it means', () => {
    expect(filterForTopEntry('src-host', '10.0.0.1')).toEqual({ src_host: '10.0.0.1' });
    expect(filterForTopEntry('dst-host', '10.0.0.2')).toEqual({ dst_host: '10.0.0.2' });
    expect(filterForTopEntry('proto', 'udp')).toEqual({ proto: 'udp' });
    expect(filterForTopEntry('dst-port', '443')).toEqual({ port: '443' });
    expect(filterForTopEntry('port', '53')).toEqual({ port: '53' });
  });
});
