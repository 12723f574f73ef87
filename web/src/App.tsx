// The dashboard shell: navigation, time range, theme; the pages below read and write
// the URL state through it.

import { useState } from 'react';
import { RangePicker } from './components/RangePicker';
import { ErrorBox, Loading } from './components/StatusBox';
import { useRange, useTheme, useUrlState } from './hooks';
import { DateTrend } from './pages/DateTrend';
import { Exporters } from './pages/Exporters';
import { Flows } from './pages/Flows';
import { Overview } from './pages/Overview';
import { Top } from './pages/Top';
import { withState, type View } from './urlState';

const kNav: { view: View; label: string }[] = [
  { view: 'overview', label: 'Overview' },
  { view: 'date', label: 'Date Access Trend' },
  { view: 'top', label: 'Top' },
  { view: 'flows', label: 'Flows' },
  { view: 'exporters', label: 'Exporters' },
];

export function App() {
  const [state, setState] = useUrlState();
  const [theme, toggleTheme] = useTheme();
  const [refresh, setRefresh] = useState(0);
  const { range, loading, error } = useRange(state, refresh);

  let body;
  // Exporter health is live state, not a time range: it does not wait for the range.
  if (state.view === 'exporters') body = <Exporters />;
  else if (state.range === 'all' && loading) body = <Loading what="the stored data's extent" />;
  else if (error) body = <ErrorBox error={error} what="the stored data's extent" />;
  else if (!range && state.range === 'all')
    body = (
      <div className="status status-empty" data-testid="state-empty">
        The store is empty — start <code>flowlens run</code> on a capture or an interface, then reload.
      </div>
    );
  else if (!range && state.range === 'custom')
    body = (
      <div className="status status-error" role="alert" data-testid="state-error">
        The custom range is not valid (“to” must be after “from”, both ISO-8601 UTC). Pick a preset or set the range
        again.
      </div>
    );
  else if (state.view === 'date') body = <DateTrend state={state} setState={setState} range={range} theme={theme} />;
  else if (state.view === 'top') body = <Top state={state} setState={setState} range={range} theme={theme} />;
  else if (state.view === 'flows') body = <Flows key={refresh} state={state} setState={setState} range={range} />;
  else body = <Overview range={range} theme={theme} />;

  return (
    <div className="app" data-view={state.view}>
      <header className="topbar">
        <span className="brand">Flowlens</span>
        <nav>
          {kNav.map((n) => (
            <a
              key={n.view}
              href={withState(location.search, { ...state, view: n.view, cursor: undefined }) || '?'}
              className={state.view === n.view ? 'active' : ''}
              data-view={n.view}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                e.preventDefault();
                setState({ ...state, view: n.view, cursor: undefined });
              }}
            >
              {n.label}
            </a>
          ))}
        </nav>
        <button type="button" className="icon theme-toggle" onClick={toggleTheme} title="Light / dark theme" data-testid="theme-toggle">
          {theme === 'dark' ? '☀' : '☾'}
        </button>
      </header>
      <div className="rangebar">
        {state.view === 'exporters' ? (
          <span className="muted" data-testid="range-not-applicable">
            The time range does not apply to exporter health (live counters since this process started); the other pages keep it.
          </span>
        ) : (
          <RangePicker state={state} range={range} onChange={setState} onRefresh={() => setRefresh((n) => n + 1)} />
        )}
      </div>
      <main>{body}</main>
      <footer className="muted">Times are UTC. Units are decimal (1 kB = 1000 B).</footer>
    </div>
  );
}
