import { describe, expect, it } from 'vitest';
import { buildUrl, hintFor, liveUrl, pageToken } from './api';

describe('api helpers', () => {
  it('builds query strings without empty parameters', () => {
    expect(buildUrl('/api/v1/top', { dimension: 'src-host', limit: 10, proto: '', host: undefined })).toBe('/api/v1/top?dimension=src-host&limit=10');
    expect(buildUrl('/api/v1/summary')).toBe('/api/v1/summary');
    expect(buildUrl('/x', { from: '2026-01-01T00:00:00Z' })).toBe('/x?from=2026-01-01T00%3A00%3A00Z');
  });
  it('carries the page token to the WebSocket URL', () => {
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080', search: '' })).toBe('ws://127.0.0.1:8080/api/v1/live');
    expect(liveUrl({ protocol: 'https:', host: 'h', search: '?view=top&token=a b' })).toBe('wss://h/api/v1/live?token=a%20b');
    expect(pageToken('?token=t1')).toBe('t1');
    expect(pageToken('')).toBeNull();
  });
  it('says what to do for each kind of failure', () => {
    expect(hintFor(401)).toContain('?token=');
    expect(hintFor(0)).toContain('flowlens run');
    expect(hintFor(400)).toContain('parameter');
    expect(hintFor(502)).toContain('flowlens run');
    expect(hintFor(500)).toContain('log');
  });
});
