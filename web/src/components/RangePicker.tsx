// Time range presets (15 min … 30 d, all data) and a custom UTC range.
import { useEffect, useState } from 'react';
import { toIsoSeconds } from '../format';
import { kPresets, type AppState, type Preset } from '../urlState';
import type { ConcreteRange } from '../hooks';

const kLabels: Record<Preset, string> = {
  '15m': '15 min',
  '1h': '1 h',
  '24h': '24 h',
  '7d': '7 d',
  '30d': '30 d',
  all: 'All data',
  custom: 'Custom',
};

// <input type="datetime-local"> holds "YYYY-MM-DDTHH:MM"; we read and write it as UTC.
function toInput(iso: string | undefined): string {
  return iso ? iso.slice(0, 16) : '';
}
function fromInput(v: string): string | undefined {
  const ms = Date.parse(`${v}:00Z`);
  return Number.isFinite(ms) ? toIsoSeconds(ms) : undefined;
}

interface Props {
  state: AppState;
  range: ConcreteRange | null;
  onChange: (s: AppState) => void;
  onRefresh: () => void;
}

export function RangePicker({ state, range, onChange, onRefresh }: Props) {
  const [from, setFrom] = useState(toInput(state.from ?? range?.from));
  const [to, setTo] = useState(toInput(state.to ?? range?.to));
  const [editing, setEditing] = useState(state.range === 'custom');
  useEffect(() => {
    if (state.range === 'custom') {
      setFrom(toInput(state.from));
      setTo(toInput(state.to));
    }
  }, [state.range, state.from, state.to]);

  const pick = (p: Preset) => {
    if (p === 'custom') {
      setEditing(true);
      if (range) {
        setFrom(toInput(range.from));
        setTo(toInput(range.to));
      }
      return;
    }
    setEditing(false);
    onChange({ ...state, range: p, from: undefined, to: undefined, cursor: undefined });
  };
  const apply = () => {
    const f = fromInput(from);
    const t = fromInput(to);
    if (f && t && Date.parse(t) > Date.parse(f)) onChange({ ...state, range: 'custom', from: f, to: t, cursor: undefined });
  };
  const valid = (() => {
    const f = fromInput(from);
    const t = fromInput(to);
    return !!(f && t && Date.parse(t) > Date.parse(f));
  })();

  return (
    <div className="range-picker" data-testid="range-picker">
      <div className="segmented" role="group" aria-label="Time range">
        {kPresets.map((p) => (
          <button
            key={p}
            type="button"
            className={(p === 'custom' ? editing || state.range === 'custom' : state.range === p && !editing) ? 'active' : ''}
            onClick={() => pick(p)}
            data-preset={p}
          >
            {kLabels[p]}
          </button>
        ))}
      </div>
      {editing && (
        <div className="custom-range">
          <label>
            From (UTC) <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To (UTC) <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="button" onClick={apply} disabled={!valid}>
            Apply
          </button>
          {!valid && <span className="hint">“To” must be after “From”.</span>}
        </div>
      )}
      <button type="button" className="icon" onClick={onRefresh} title="Reload with the current time">
        ⟳
      </button>
      {range && (
        <span className="range-text" data-testid="range-text" data-from={range.from} data-to={range.to}>
          {range.from.replace('T', ' ').replace('Z', '')} → {range.to.replace('T', ' ').replace('Z', '')} UTC
        </span>
      )}
    </div>
  );
}
