// Top talkers, ports and protocols over the chosen range; a click on a bar or a row
// opens the flow explorer filtered on that key.

import { useMemo, useState } from 'react';
import type { Top as TopAnswer } from '../api';
import { Chart } from '../components/Chart';
import { Empty, ErrorBox, Loading } from '../components/StatusBox';
import { topOption } from '../charts/top';
import { formatBytes, formatInteger } from '../format';
import { useApi, type ConcreteRange, type Theme } from '../hooks';
import { filterForTopEntry, filterParams, type AppState, type TopMetric } from '../urlState';

interface Props {
  state: AppState;
  setState: (s: AppState, replace?: boolean) => void;
  range: ConcreteRange | null;
  theme: Theme;
}

interface PanelDef {
  chart: string; // window.__flowlensCharts key
  title: string;
  dimensions: { value: string; label: string }[];
}

const kPanels: PanelDef[] = [
  { chart: 'topHosts', title: 'Top talkers', dimensions: [{ value: 'src-host', label: 'sources' }, { value: 'dst-host', label: 'destinations' }] },
  {
    chart: 'topPorts',
    title: 'Top ports',
    dimensions: [
      { value: 'port', label: 'any' },
      { value: 'dst-port', label: 'destination' },
      { value: 'src-port', label: 'source' },
    ],
  },
  { chart: 'topProtocols', title: 'Top protocols', dimensions: [{ value: 'proto', label: 'protocol' }] },
];

function TopPanel({ def, state, setState, range, theme }: Props & { def: PanelDef }) {
  const [dimension, setDimension] = useState(def.dimensions[0].value);
  const metric = state.topMetric;
  const answer = useApi<TopAnswer>(range ? '/api/v1/top' : null, {
    dimension,
    metric,
    from: range?.from,
    to: range?.to,
    limit: 10,
    ...filterParams(state.filters),
  });
  const entries = useMemo(() => answer.data?.entries ?? [], [answer.data]);
  const option = useMemo(() => topOption(entries, metric, metric), [entries, metric]);
  const drill = (key: string) =>
    setState({ ...state, view: 'flows', filters: { ...state.filters, ...filterForTopEntry(dimension, key) }, cursor: undefined });

  return (
    <div className="panel top-panel" data-testid={`panel-${def.chart}`} data-dimension={dimension}>
      <div className="panel-head">
        <h2>{def.title}</h2>
        {def.dimensions.length > 1 && (
          <div className="segmented" role="group" aria-label={`${def.title} by`}>
            {def.dimensions.map((d) => (
              <button key={d.value} type="button" className={d.value === dimension ? 'active' : ''} onClick={() => setDimension(d.value)}>
                {d.label}
              </button>
            ))}
          </div>
        )}
        {answer.data && !answer.data.exact && <span className="muted" title="answered from an approximation">≈ approximate</span>}
      </div>
      {answer.loading && <Loading what={def.title.toLowerCase()} />}
      {answer.error && <ErrorBox error={answer.error} what={def.title.toLowerCase()} />}
      {answer.data && entries.length === 0 && <Empty />}
      <Chart name={def.chart} option={option} theme={theme} height={300} onClick={(e) => entries[e.dataIndex] && drill(entries[e.dataIndex].key)} />
      {entries.length > 0 && (
        <table className="table compact">
          <thead>
            <tr>
              <th>{dimension}</th>
              <th>bytes</th>
              <th>packets</th>
              <th>flows</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.key} className="clickable" onClick={() => drill(e.key)} title="Show these flows">
                <td className="mono">{e.key}</td>
                <td title={formatInteger(e.bytes)}>{formatBytes(e.bytes)}</td>
                <td>{formatInteger(e.packets)}</td>
                <td>{formatInteger(e.flows)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function Top(props: Props) {
  const { state, setState } = props;
  const active = filterParams(state.filters);
  return (
    <section>
      <div className="toolbar">
        <span>Rank by</span>
        <div className="segmented" role="group" aria-label="Metric">
          {(['bytes', 'packets', 'flows'] as TopMetric[]).map((m) => (
            <button key={m} type="button" className={state.topMetric === m ? 'active' : ''} onClick={() => setState({ ...state, topMetric: m })}>
              {m}
            </button>
          ))}
        </div>
        {Object.keys(active).length > 0 && (
          <span className="muted">
            filtered: {Object.entries(active).map(([k, v]) => `${k}=${v}`).join(', ')}{' '}
            <button type="button" className="link" onClick={() => setState({ ...state, filters: {} })}>
              clear
            </button>
          </span>
        )}
        <span className="muted">Click a bar or a row to see its flows.</span>
      </div>
      <div className="top-grid">
        {kPanels.map((def) => (
          <TopPanel key={def.chart} def={def} {...props} />
        ))}
      </div>
    </section>
  );
}
