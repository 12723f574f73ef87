// Exporters: the health of every flow exporter (router, switch, probe) sending NetFlow,
// IPFIX or sFlow to this process's collector (`flowlens run --collect`), from
// GET /api/v1/exporters. Live state since the process started, re-read every 5 s; the
// time range does not apply. Problem rows (dropped data sets, decode errors, clock skew)
// come first and are highlighted: the page answers "which exporter is misbehaving".

import { Fragment, useEffect, useMemo, useState } from 'react';
import type { Exporters as ExportersAnswer } from '../api';
import { ErrorBox, Loading } from '../components/StatusBox';
import {
  exporterRows,
  formatAge,
  formatRate,
  formatSkew,
  kErrorReasons,
  kQuietAfterS,
  kRefreshMs,
  kSkewLimitS,
  sumRows,
  totalsView,
  type ExporterRow,
  type InterfaceRow,
} from '../exporters';
import { formatBitRate, formatBytes, formatClock, formatCount, formatInteger, formatUtc } from '../format';
import { useApi } from '../hooks';

function Card({ id, label, value, text, sub, warn }: { id: string; label: string; value: number; text: string; sub?: string; warn?: boolean }) {
  return (
    <div className={warn ? 'card card-warn' : 'card'} data-testid={`card-${id}`} data-value={value} data-warn={warn ? 'true' : 'false'}>
      <div className="card-label">{label}</div>
      <div className="card-value" title={formatInteger(value)}>
        {text}
      </div>
      {sub && <div className="card-sub">{sub}</div>}
    </div>
  );
}

function Errors({ list }: { list: [string, number][] }) {
  if (list.length === 0) return <span className="muted">none</span>;
  return (
    <>
      {list.map(([reason, n], i) => (
        <Fragment key={reason}>
          {i > 0 && ', '}
          <span title={kErrorReasons[reason] ?? reason}>
            {reason}={formatInteger(n)}
          </span>
        </Fragment>
      ))}
    </>
  );
}

function Interfaces({ row, now }: { row: ExporterRow; now: number }) {
  const cell = (col: string, n: number, i: InterfaceRow) => (
    <td className={n > 0 && i.problem ? 'warn' : ''} data-col={col} data-value={n}>
      {formatInteger(n)}
    </td>
  );
  return (
    <table className="table compact interfaces" data-testid={`interfaces-${row.key}`}>
      <thead>
        <tr>
          <th>ifIndex</th>
          <th>speed</th>
          <th>in</th>
          <th>out</th>
          <th>in errors</th>
          <th>out errors</th>
          <th>in discards</th>
          <th>out discards</th>
          <th>updated</th>
        </tr>
      </thead>
      <tbody>
        {row.interfaces.map((i) => (
          <tr key={i.ifIndex} data-if-index={i.ifIndex} className={i.problem ? 'row-problem' : ''}>
            <td>{i.ifIndex}</td>
            <td data-col="speed" data-value={i.speed}>
              {i.speed ? formatBitRate(i.speed / 8) : '–'}
            </td>
            <td title={formatInteger(i.inOctets)} data-col="in-octets" data-value={i.inOctets}>
              {formatBytes(i.inOctets)}
            </td>
            <td title={formatInteger(i.outOctets)} data-col="out-octets" data-value={i.outOctets}>
              {formatBytes(i.outOctets)}
            </td>
            {cell('in-errors', i.inErrors, i)}
            {cell('out-errors', i.outErrors, i)}
            {cell('in-discards', i.inDiscards, i)}
            {cell('out-discards', i.outDiscards, i)}
            <td title={Number.isFinite(i.updatedMs) ? `${formatUtc(i.updatedMs)} UTC` : ''}>{formatAge(i.updatedMs, now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const kColumns = 12;

function Row({ row, now, open, toggle }: { row: ExporterRow; now: number; open: boolean; toggle: () => void }) {
  const problem = row.problems.length > 0;
  const ageS = (now - row.lastSeenMs) / 1000;
  const s = row.sampling;
  return (
    <>
      <tr
        className={problem ? 'row-problem' : ''}
        data-exporter={row.key}
        data-port={row.port}
        data-problems={row.problems.map((p) => p.kind).join(' ')}
        title={problem ? row.problems.map((p) => p.text).join('\n') : undefined}
      >
        <td className="expand">
          {row.interfaces.length > 0 && (
            <button type="button" className="link" onClick={toggle} aria-expanded={open} title="sFlow interface counters" data-testid="expand-interfaces">
              {open ? '▾' : '▸'} {row.interfaces.length} if
            </button>
          )}
        </td>
        <td className="mono" data-col="exporter">
          {problem && (
            <span className="warn" aria-label="has problems">
              ⚠{' '}
            </span>
          )}
          {row.endpoint}
        </td>
        <td data-col="protocols">{row.protocolsText}</td>
        <td data-col="datagrams" data-value={row.datagrams}>
          {formatInteger(row.datagrams)}
        </td>
        <td data-col="records" data-value={row.records}>
          {formatInteger(row.records)}
        </td>
        <td data-col="templates" data-value={row.templatesSeen} title={`${formatInteger(row.templatesWithdrawn)} withdrawn; ${formatInteger(row.optionsRecords)} options records`}>
          {formatInteger(row.templatesSeen)}
          {row.templatesWithdrawn > 0 && <span className="muted"> (−{formatInteger(row.templatesWithdrawn)})</span>}
        </td>
        <td data-col="held" data-value={row.setsHeld} title="data sets held until their template came / decoded once it came">
          {formatInteger(row.setsHeld)} <span className="muted">/ {formatInteger(row.setsDecodedFromHold)}</span>
        </td>
        <td data-col="dropped" data-value={row.setsDropped} className={row.setsDropped > 0 ? 'warn' : ''} title="held data sets dropped: their template never came">
          {formatInteger(row.setsDropped)}
          {row.setsDropped > 0 && <span> ({formatBytes(row.bytesDropped)})</span>}
        </td>
        <td data-col="sampling" data-value={s.rate} data-in-effect={s.inEffect}>
          <span className={s.inEffect === 'announced' ? 'in-effect' : 'muted'} title={s.inEffect === 'announced' ? 'announced by the exporter; in effect' : 'announced by the exporter'}>
            {formatRate(s.announced)}
          </span>
          {' / '}
          <span className={s.inEffect === 'override' ? 'in-effect' : 'muted'} title={s.inEffect === 'override' ? 'configured override; in effect' : 'configured override'}>
            {formatRate(s.override)}
          </span>
        </td>
        <td data-col="skew" data-value={row.skewS} className={row.skewFlag ? 'warn' : ''} title="receive time − export header time, latest datagram">
          {formatSkew(row.skewS)}
        </td>
        <td
          data-col="last-seen"
          data-value={Number.isFinite(row.lastSeenMs) ? row.lastSeenMs : ''}
          className={ageS > kQuietAfterS ? 'quiet' : ''}
          title={Number.isFinite(row.lastSeenMs) ? `${formatUtc(row.lastSeenMs)} UTC${ageS > kQuietAfterS ? ' — quiet for more than 5 min' : ''}` : ''}
        >
          {formatAge(row.lastSeenMs, now)}
        </td>
        <td data-col="errors" data-value={row.errorCount} className={row.errorCount > 0 ? 'warn' : ''}>
          <Errors list={row.errors} />
        </td>
      </tr>
      {open && row.interfaces.length > 0 && (
        <tr className="subrow">
          <td />
          <td colSpan={kColumns - 1}>
            <Interfaces row={row} now={now} />
          </td>
        </tr>
      )}
    </>
  );
}

function NotCollecting() {
  return (
    <div className="status status-empty not-collecting" data-testid="exporters-not-collecting">
      <b>This Flowlens process is not collecting flow exports</b>, so there are no exporters to show. To receive NetFlow
      v5/v9, IPFIX and sFlow v5 from routers and switches, start it with{' '}
      <code>flowlens run --collect udp://0.0.0.0:2055</code> (repeat <code>--collect</code> for more ports, e.g.{' '}
      <code>udp://0.0.0.0:6343</code> for sFlow) and point the exporters at that address.
    </div>
  );
}

function Health({ data, now }: { data: ExportersAnswer; now: number }) {
  const rows = useMemo(() => exporterRows(data), [data]);
  const totals = useMemo(() => totalsView(data.totals), [data]);
  const sums = useMemo(() => sumRows(rows), [rows]);
  const [open, setOpen] = useState<Set<string>>(() => new Set());
  const toggle = (key: string) =>
    setOpen((cur) => {
      const next = new Set(cur);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  const listeners = Array.isArray(data.listeners) ? data.listeners : [];
  const problemRows = rows.filter((r) => r.problems.length > 0);

  return (
    <>
      {!data.collecting && <NotCollecting />}
      {data.collecting && (
        <div className="panel collector" data-testid="exporters-collector">
          <b>Collecting on</b>{' '}
          {listeners.map((l, i) => (
            <Fragment key={l}>
              {i > 0 && ', '}
              <code data-testid="exporters-listener">{l}</code>
            </Fragment>
          ))}
          <span className="muted">
            {' '}
            · {formatInteger(data.workers)} worker{data.workers === 1 ? '' : 's'} per listener · receive buffer {formatBytes(data.receive_buffer_bytes)}
          </span>
        </div>
      )}
      {(data.collecting || rows.length > 0) && (
        <div className="cards">
          <Card
            id="datagrams"
            label="Datagrams"
            value={totals.datagrams}
            text={formatCount(totals.datagrams)}
            sub={`${formatBytes(totals.bytes)} received${totals.truncated ? ` · ${formatInteger(totals.truncated)} truncated` : ''}${totals.receiveErrors ? ` · ${formatInteger(totals.receiveErrors)} receive errors` : ''}`}
            warn={totals.truncated + totals.receiveErrors > 0}
          />
          <Card id="records" label="Flow records" value={totals.records} text={formatCount(totals.records)} sub="decoded from the datagrams" />
          <Card
            id="kernel-drops"
            label="Kernel drops"
            value={totals.kernelDrops}
            text={formatInteger(totals.kernelDrops)}
            sub={totals.kernelDrops > 0 ? 'datagrams lost: the socket receive buffer was full' : 'no datagram lost in the socket buffer'}
            warn={totals.kernelDrops > 0}
          />
          <Card
            id="decode-errors"
            label="Decode errors"
            value={totals.errorCount}
            text={formatInteger(totals.errorCount)}
            sub={totals.errorCount > 0 ? totals.errorsText : 'none'}
            warn={totals.errorCount > 0}
          />
        </div>
      )}
      {(data.collecting || rows.length > 0) && (
        <div className="panel">
          <div className="panel-head">
            <h2>Exporters</h2>
            <span className="muted" data-testid="exporters-summary" data-exporters={rows.length} data-problems={problemRows.length}>
              {formatInteger(rows.length)} exporter{rows.length === 1 ? '' : 's'}
              {rows.length > 0 && `, ${formatInteger(problemRows.length)} with problems`}
            </span>
          </div>
          {totals.kernelDrops > 0 && (
            <div className="problem-note" data-testid="kernel-drops-note">
              ⚠ The kernel dropped {formatInteger(totals.kernelDrops)} datagram{totals.kernelDrops === 1 ? '' : 's'} before they were read (socket
              receive buffer full): the counts below miss them, and which exporter sent them is unknown. A larger receive buffer or more workers help.
            </div>
          )}
          {problemRows.length > 0 && (
            <ul className="problem-list" data-testid="exporter-problems">
              {problemRows.map((r) => (
                <li key={r.key} data-exporter={r.key}>
                  <span className="mono">{r.endpoint}</span>: {r.problems.map((p) => p.text).join('; ')}
                </li>
              ))}
            </ul>
          )}
          {rows.length === 0 ? (
            <div className="status status-empty" data-testid="state-empty">
              No export datagram received yet. Point the exporters at{' '}
              {listeners.length ? listeners.map((l) => <code key={l}>{l.replace(/^udp:\/\//, '')} </code>) : 'the --collect address'} (UDP); they
              appear here within {kRefreshMs / 1000} s of their first datagram.
            </div>
          ) : (
            <div className="table-wrap">
              <table className="table exporters" data-testid="exporters-table">
                <thead>
                  <tr>
                    <th />
                    <th>exporter</th>
                    <th title="datagrams by protocol">protocols</th>
                    <th>datagrams</th>
                    <th>records</th>
                    <th title="template and options template records accepted (withdrawn)">templates</th>
                    <th title="data sets held for their template / decoded once it came">held / decoded</th>
                    <th title="held data sets dropped: their template never came">dropped (no template)</th>
                    <th title="sampling rate announced by the exporter / configured override; the bold one is in effect">sampling: announced / override</th>
                    <th title={`receive time − export time; more than ${kSkewLimitS} s is flagged`}>clock skew</th>
                    <th>last seen</th>
                    <th>decode errors</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <Row key={r.key} row={r} now={now} open={open.has(r.key)} toggle={() => toggle(r.key)} />
                  ))}
                </tbody>
                {rows.length > 1 && (
                  <tfoot>
                    <tr data-testid="exporters-sum">
                      <td />
                      <td>all {formatInteger(rows.length)}</td>
                      <td />
                      <td data-col="datagrams" data-value={sums.datagrams}>
                        {formatInteger(sums.datagrams)}
                      </td>
                      <td data-col="records" data-value={sums.records}>
                        {formatInteger(sums.records)}
                      </td>
                      <td />
                      <td />
                      <td data-col="dropped" data-value={sums.setsDropped} className={sums.setsDropped > 0 ? 'warn' : ''}>
                        {formatInteger(sums.setsDropped)}
                      </td>
                      <td />
                      <td />
                      <td />
                      <td data-col="errors" data-value={sums.errorCount} className={sums.errorCount > 0 ? 'warn' : ''}>
                        {formatInteger(sums.errorCount)}
                      </td>
                    </tr>
                  </tfoot>
                )}
              </table>
            </div>
          )}
        </div>
      )}
    </>
  );
}

export function Exporters() {
  const [auto, setAuto] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!auto) return;
    // A hidden tab skips its refreshes; the next visible tick catches up.
    const t = setInterval(() => {
      if (!document.hidden) setTick((n) => n + 1);
    }, kRefreshMs);
    return () => clearInterval(t);
  }, [auto]);
  const answer = useApi<ExportersAnswer>('/api/v1/exporters', {}, tick);
  const [updated, setUpdated] = useState<{ ms: number; count: number }>({ ms: NaN, count: 0 });
  useEffect(() => {
    if (answer.data) setUpdated((u) => ({ ms: Date.now(), count: u.count + 1 }));
  }, [answer.data]);

  return (
    <section data-testid="exporters-page">
      <div className="toolbar">
        <span className="muted">
          Live counters of this process's flow collector, re-read every {kRefreshMs / 1000} s.
        </span>
        <label>
          <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} data-testid="exporters-auto" /> auto-refresh
        </label>
        <button type="button" className="icon" onClick={() => setTick((n) => n + 1)} title="Re-read now" data-testid="exporters-refresh">
          ⟳
        </button>
        <span className="muted" data-testid="exporters-updated" data-count={updated.count}>
          {Number.isFinite(updated.ms) ? `updated ${formatClock(updated.ms)} UTC` : ''}
        </span>
      </div>
      {answer.loading && !answer.data && <Loading what="exporter health" />}
      {answer.error && <ErrorBox error={answer.error} what="exporter health" />}
      {answer.data && <Health data={answer.data} now={Date.now()} />}
    </section>
  );
}
