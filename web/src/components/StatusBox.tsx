// Loading, empty and error states: each says what happened and what to do next.
import type { ReactNode } from 'react';
import { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return (
    <div className="status status-loading" role="status" data-testid="state-loading">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children?: ReactNode }) {
  return (
    <div className="status status-empty" data-testid="state-empty">
      {children ?? (
        <>
          No data in this range — is <code>flowlens run</code> running? Try a longer range or <b>All data</b>.
        </>
      )}
    </div>
  );
}

export function ErrorBox({ error, what }: { error: Error; what: string }) {
  const hint = error instanceof ApiError ? error.hint : 'Reload the page; if it persists, see the flowlens log.';
  return (
    <div className="status status-error" role="alert" data-testid="state-error">
      <b>Could not load {what}.</b> {error.message}
      <div className="hint">{hint}</div>
    </div>
  );
}
