// Date Access Trend: per-day inbound/outbound traffic of one local host (stacked bars),
// with a host picker listing local hosts by traffic over the chosen range.

import { useEffect, useMemo } from 'react';
import { localHostList, type HostDaily, type LocalHosts } from '../api';
import { Chart } from '../components/Chart';
import { Empty, ErrorBox, Loading } from '../components/StatusBox';
import { dateTrendOption } from '../charts/dateTrend';
import { formatBytes, formatInteger } from '../format';
import { useApi, type ConcreteRange, type Theme } from '../hooks';
import type { AppState } from '../urlState';

interface Props {
  state: AppState;
  setState: (s: AppState, replace?: boolean) => void;
  range: ConcreteRange | null;
  theme: Theme;
}

export function DateTrend({ state, setState, range, theme }: Props) {
  const rp = range ? { from: range.from, to: range.to } : {};
  const hosts = useApi<LocalHosts>(range ? '/api/v1/hosts' : null, { ...rp, limit: 100 });
  const hostList = useMemo(() => (hosts.data ? localHostList(hosts.data) : undefined), [hosts.data]);
  const host = state.host;
  const daily = useApi<HostDaily>(range && host ? `/api/v1/hosts/${encodeURIComponent(host)}/daily` : null, rp);

  // No host chosen yet: take the busiest local host (URL replaced, not pushed).
  useEffect(() => {
    if (!host && hostList && hostList.length > 0) setState({ ...state, host: hostList[0].host }, true);
  }, [host, hostList, state, setState]);

  const days = useMemo(() => daily.data?.days ?? [], [daily.data]);
  const option = useMemo(() => dateTrendOption(days, state.dailyMetric), [days, state.dailyMetric]);
  const inList = hostList?.some((h) => h.host === host);

  return (
    <section className="date-trend">
      <aside className="panel host-picker" data-testid="host-picker">
        <h2>Local hosts</h2>
        <p className="muted">by traffic (in + out) in the range</p>
        {hosts.loading && <Loading what="local hosts" />}
        {hosts.error && <ErrorBox error={hosts.error} what="local hosts" />}
        {hostList && hostList.length === 0 && (
          <Empty>
            No local hosts in this range — are local networks configured (<code>--local-net</code>) and is{' '}
            <code>flowlens run</code> running? Try a longer range or <b>All data</b>.
          </Empty>
        )}
        <ul>
          {hostList?.map((h) => (
            <li key={h.host}>
              <button
                type="button"
                className={h.host === host ? 'active' : ''}
                onClick={() => setState({ ...state, host: h.host })}
                data-host={h.host}
              >
                <span className="mono">{h.host}</span>
                <span className="muted">{formatBytes(h.in_bytes + h.out_bytes)}</span>
              </button>
            </li>
          ))}
        </ul>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            const v = new FormData(e.currentTarget).get('host');
            if (typeof v === 'string' && v.trim()) setState({ ...state, host: v.trim() });
          }}
        >
          <input name="host" placeholder="other host address" defaultValue={inList ? '' : host} aria-label="Host address" />
          <button type="submit">Show</button>
        </form>
      </aside>

      <div className="panel grow">
        <div className="panel-head">
          <h2>Date Access Trend {host && <span className="mono">{host}</span>}</h2>
          <div className="segmented" role="group" aria-label="Metric">
            {(['bytes', 'packets'] as const).map((m) => (
              <button
                key={m}
                type="button"
                className={state.dailyMetric === m ? 'active' : ''}
                onClick={() => setState({ ...state, dailyMetric: m })}
                data-metric={m}
              >
                {m}
              </button>
            ))}
          </div>
        </div>
        {!host && !hosts.loading && <Empty>Pick a host on the left to see its traffic per day.</Empty>}
        {daily.loading && <Loading what="the days" />}
        {daily.error && <ErrorBox error={daily.error} what={`the days of ${host}`} />}
        {daily.data && days.every((d) => d.in_bytes + d.out_bytes === 0) && (
          <Empty>
            No traffic of {host} in this range. Try a longer range or <b>All data</b>, or pick another host.
          </Empty>
        )}
        <Chart name="dateTrend" option={option} theme={theme} />
        {days.length > 0 && (
          <table className="table" data-testid="date-trend-table">
            <thead>
              <tr>
                <th>day (UTC)</th>
                <th>in bytes</th>
                <th>in packets</th>
                <th>out bytes</th>
                <th>out packets</th>
              </tr>
            </thead>
            <tbody>
              {days.map((d) => (
                <tr key={d.day}>
                  <td>{d.day}</td>
                  <td title={formatBytes(d.in_bytes)}>{formatInteger(d.in_bytes)}</td>
                  <td>{formatInteger(d.in_packets)}</td>
                  <td title={formatBytes(d.out_bytes)}>{formatInteger(d.out_bytes)}</td>
                  <td>{formatInteger(d.out_packets)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}
