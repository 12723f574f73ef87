import { describe, expect, it } from 'vitest';
import {
  formatBitRate, formatByteRate, formatBytes, formatCount, formatDuration, formatInteger,
  formatMetric, formatPacketRate, formatUtc, parseApiTime, toIsoSeconds,
} from './format';

describe('formatBytes', () => {
  it('uses decimal prefixes with about three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.00 kB');
    expect(formatBytes(1234567)).toBe('1.23 MB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(123_456_789)).toBe('123 MB');
    expect(formatBytes(5e9)).toBe('5.00 GB');
    expect(formatBytes(2e12)).toBe('2.00 TB');
  });
  it('says so instead of printing NaN', () => {
    expect(formatBytes(NaN)).toBe('– B');
    expect(formatBytes(Infinity)).toBe('– B');
  });
  it('keeps the sign of negative values', () => {
    expect(formatBytes(-2500)).toBe('-2.50 kB');
  });
});

describe('rates', () => {
  it('turns bytes per second into bits per second', () => {
    expect(formatBitRate(125_000)).toBe('1.00 Mbit/s');
    expect(formatBitRate(1)).toBe('8 bit/s');
  });
  it('formats byte and packet rates', () => {
    expect(formatByteRate(1500)).toBe('1.50 kB/s');
    expect(formatPacketRate(1500)).toBe('1.50 kpkt/s');
    expect(formatPacketRate(12.5)).toBe('12.5 pkt/s');
  });
});

describe('counts', () => {
  it('formats counts with a prefix and integers with separators', () => {
    expect(formatCount(1500)).toBe('1.50 k');
    expect(formatCount(42)).toBe('42');
    expect(formatInteger(1234567)).toBe('1,234,567');
    expect(formatInteger(0)).toBe('0');
    expect(formatMetric('bytes', 2000)).toBe('2.00 kB');
    expect(formatMetric('flows', 2000)).toBe('2.00 k');
  });
});

describe('times', () => {
  it('formats UTC and the API time parameter', () => {
    const ms = Date.UTC(2026, 10, 30, 16, 5, 9, 500);
    expect(formatUtc(ms)).toBe('2026-11-30 16:05:09');
    expect(toIsoSeconds(ms)).toBe('2026-11-30T16:05:09Z');
  });
  it('parses ISO, pmacct and epoch times as UTC', () => {
    const ms = Date.UTC(2026, 0, 1, 10, 0, 0);
    expect(parseApiTime('2026-01-01T10:00:00Z')).toBe(ms);
    expect(parseApiTime('2026-01-01 10:00:00.123456')).toBe(ms + 123);
    expect(parseApiTime('2026-01-01T10:00:00')).toBe(ms);
    expect(parseApiTime('2026-01-01')).toBe(Date.UTC(2026, 0, 1));
    expect(parseApiTime(ms / 1000)).toBe(ms);
    expect(parseApiTime(ms)).toBe(ms);
    expect(parseApiTime(ms * 1e6)).toBe(ms);
    expect(parseApiTime('garbage')).toBeNaN();
    expect(parseApiTime(null)).toBeNaN();
  });
  it('formats durations in the largest whole unit', () => {
    expect(formatDuration(900)).toBe('15 min');
    expect(formatDuration(3600)).toBe('1 h');
    expect(formatDuration(172800)).toBe('2 d');
    expect(formatDuration(10)).toBe('10 s');
  });
});
