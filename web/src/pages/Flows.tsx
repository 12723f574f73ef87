// Flow explorer: raw flows of the range with filters, sort, cursor paging and CSV export.
// The filters, sort, page size and the current page's cursor live in the URL; the
// cursors of earlier pages are kept in memory for "Previous".

import { useEffect, useMemo, useRef, useState } from 'react';
import { normalizeFlow, type Flow, type Flows as FlowsAnswer } from '../api';
import { Empty, ErrorBox, Loading } from '../components/StatusBox';
import { flowsToCsv } from '../csv';
import { formatBytes, formatInteger, formatUtc, parseApiTime } from '../format';
import { useApi, type ConcreteRange } from '../hooks';
import { filterParams, kFilterKeys, kPageSizes, kSorts, type AppState, type Filters, type FlowSortKey } from '../urlState';

interface Props {
  state: AppState;
  setState: (s: AppState, replace?: boolean) => void;
  range: ConcreteRange | null;
}

const kFilterLabels: Record<keyof Filters, string> = {
  proto: 'protocol',
  host: 'host (src or dst)',
  src_host: 'source host',
  dst_host: 'destination host',
  port: 'port (src or dst)',
  direction: 'direction',
};
const kSortLabels: Record<FlowSortKey, string> = {
  start: 'start ↑',
  '-start': 'start ↓',
  bytes: 'bytes ↓',
  packets: 'packets ↓',
};

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// "10.0.0.1:443", "[2001:db8::1]:443"; the address alone without a port.
function endpoint(ip: string, port: number): string {
  if (!port) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function showTime(t: string): string {
  const ms = parseApiTime(t);
  return Number.isFinite(ms) ? formatUtc(ms) : t;
}

export function Flows({ state, setState, range }: Props) {
  const [draft, setDraft] = useState<Filters>(state.filters);
  useEffect(() => setDraft(state.filters), [state.filters]);
  const answer = useApi<FlowsAnswer>(range ? '/api/v1/flows' : null, {
    from: range?.from,
    to: range?.to,
    limit: state.limit,
    sort: state.sort,
    cursor: state.cursor,
    ...filterParams(state.filters),
  });
  // Earlier pages' cursors ("" = first page) and every row loaded for the same query.
  const queryKey = JSON.stringify([range?.from, range?.to, state.limit, state.sort, state.filters]);
  const trail = useRef<{ key: string; cursors: string[]; pages: Map<string, Flow[]> }>({ key: '', cursors: [], pages: new Map() });
  if (trail.current.key !== queryKey) trail.current = { key: queryKey, cursors: [], pages: new Map() };
  // Back/forward or a shared link: a cursor already on the trail cuts the trail there.
  const at = trail.current.cursors.indexOf(state.cursor ?? '');
  if (at >= 0) trail.current.cursors.length = at;
  const rows = useMemo(() => (answer.data?.flows ?? []).map(normalizeFlow), [answer.data]);
  if (answer.data) trail.current.pages.set(state.cursor ?? '', rows);

  const go = (patch: Partial<AppState>) => setState({ ...state, ...patch });
  const next = () => {
    if (!answer.data?.next_cursor) return;
    trail.current.cursors.push(state.cursor ?? '');
    go({ cursor: answer.data.next_cursor });
  };
  const prev = () => {
    const c = trail.current.cursors.pop();
    go({ cursor: c ? c : undefined });
  };
  const pageNumber = trail.current.cursors.length + 1;
  const loadedRows = [...trail.current.pages.values()].reduce((n, p) => n + p.length, 0);

  return (
    <section>
      <form
        className="panel filters"
        data-testid="flow-filters"
        onSubmit={(e) => {
          e.preventDefault();
          go({ filters: filterParams(draft) as Filters, cursor: undefined });
        }}
      >
        {kFilterKeys.map((k) =>
          k === 'direction' ? (
            <label key={k}>
              {kFilterLabels[k]}
              <select value={draft.direction ?? ''} onChange={(e) => setDraft({ ...draft, direction: e.target.value || undefined })} name={k}>
                <option value="">any</option>
                <option value="in">in</option>
                <option value="out">out</option>
                <option value="local">local</option>
                <option value="transit">transit</option>
              </select>
            </label>
          ) : (
            <label key={k}>
              {kFilterLabels[k]}
              <input
                name={k}
                value={draft[k] ?? ''}
                placeholder={k === 'proto' ? 'tcp, udp, 6…' : k.includes('port') ? '443' : k.includes('host') ? '10.0.0.1' : ''}
                onChange={(e) => setDraft({ ...draft, [k]: e.target.value })}
              />
            </label>
          ),
        )}
        <div className="filter-actions">
          <button type="submit">Apply filters</button>
          <button type="button" onClick={() => go({ filters: {}, cursor: undefined })}>
            Clear
          </button>
        </div>
      </form>

      <div className="panel">
        <div className="panel-head">
          <h2>Flows</h2>
          <label>
            sort{' '}
            <select value={state.sort} onChange={(e) => go({ sort: e.target.value as FlowSortKey, cursor: undefined })} data-testid="flow-sort">
              {kSorts.map((s) => (
                <option key={s} value={s}>
                  {kSortLabels[s]}
                </option>
              ))}
            </select>
          </label>
          <label>
            rows{' '}
            <select value={state.limit} onChange={(e) => go({ limit: Number(e.target.value), cursor: undefined })}>
              {kPageSizes.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <span className="pager">
            <button type="button" onClick={() => go({ cursor: undefined })} disabled={!state.cursor}>
              « First
            </button>
            <button type="button" onClick={prev} disabled={!state.cursor}>
              ◀ Previous
            </button>
            <span data-testid="flow-page">page {state.cursor && trail.current.cursors.length === 0 ? '?' : pageNumber}</span>
            <button type="button" onClick={next} disabled={!answer.data?.next_cursor} data-testid="flow-next">
              Next ▶
            </button>
          </span>
          <button type="button" onClick={() => download('flows-page.csv', flowsToCsv(rows))} disabled={rows.length === 0}>
            CSV (this page)
          </button>
          <button
            type="button"
            onClick={() => download('flows.csv', flowsToCsv([...trail.current.pages.values()].flat()))}
            disabled={loadedRows === 0}
            title="Every page loaded so far for this query"
          >
            CSV (loaded pages, {formatInteger(loadedRows)} rows)
          </button>
        </div>
        {answer.loading && <Loading what="flows" />}
        {answer.error && <ErrorBox error={answer.error} what="flows" />}
        {answer.data && rows.length === 0 && (
          <Empty>
            No flows match — loosen the filters or try a longer range or <b>All data</b>. Raw flows may also have been
            dropped by retention (the charts read rollups, which are kept longer).
          </Empty>
        )}
        {rows.length > 0 && (
          <div className="table-wrap">
            <table className="table" data-testid="flow-table">
              <thead>
                <tr>
                  <th>
                    <button type="button" className="link" onClick={() => go({ sort: state.sort === 'start' ? '-start' : 'start', cursor: undefined })}>
                      start (UTC) {state.sort === 'start' ? '↑' : state.sort === '-start' ? '↓' : ''}
                    </button>
                  </th>
                  <th>end (UTC)</th>
                  <th>source</th>
                  <th>destination</th>
                  <th>proto</th>
                  <th>dir</th>
                  <th>
                    <button type="button" className="link" onClick={() => go({ sort: 'packets', cursor: undefined })}>
                      packets {state.sort === 'packets' ? '↓' : ''}
                    </button>
                  </th>
                  <th>
                    <button type="button" className="link" onClick={() => go({ sort: 'bytes', cursor: undefined })}>
                      bytes {state.sort === 'bytes' ? '↓' : ''}
                    </button>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((f, i) => (
                  <tr key={i}>
                    <td>{showTime(f.timestamp_start)}</td>
                    <td>{showTime(f.timestamp_end)}</td>
                    <td className="mono">{endpoint(f.ip_src, f.port_src)}</td>
                    <td className="mono">{endpoint(f.ip_dst, f.port_dst)}</td>
                    <td>{f.ip_proto}</td>
                    <td>{f.direction ?? ''}</td>
                    <td>{formatInteger(f.packets)}</td>
                    <td title={formatInteger(f.bytes)}>{formatBytes(f.bytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </section>
  );
}
