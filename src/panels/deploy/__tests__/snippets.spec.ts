import {
  formatDuration,
  formatLatency,
  formatUptime,
  secondsSince
} from '../../format';
import {
  curlSnippet,
  KEY_PLACEHOLDER,
  pythonLiteral,
  pythonSnippet,
  shellQuote
} from '../snippets';

const ENDPOINT = 'http://127.0.0.1:40123/invocations';
const EXAMPLE = {
  dataframe_split: { columns: ["it's", 'b'], data: [[1.5, null]] }
};

describe('snippets', () => {
  it('quotes for the shell', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('writes a curl command with the key placeholder', () => {
    const text = curlSnippet({ endpoint: ENDPOINT, example: EXAMPLE });
    expect(text).toContain(`curl -X POST '${ENDPOINT}'`);
    expect(text).toContain(`Authorization: Bearer ${KEY_PLACEHOLDER}`);
    expect(text).toContain(`'\\''`);
  });

  it('fills in a key', () => {
    expect(curlSnippet({ endpoint: ENDPOINT, apiKey: 'mlp_secret' })).toContain(
      'Bearer mlp_secret'
    );
    expect(
      pythonSnippet({ endpoint: ENDPOINT, apiKey: 'mlp_secret' })
    ).toContain('"Bearer mlp_secret"');
  });

  it('writes Python with requests and a Python literal body', () => {
    const text = pythonSnippet({ endpoint: ENDPOINT, example: EXAMPLE });
    expect(text).toContain('import requests');
    expect(text).toContain(`"${ENDPOINT}"`);
    expect(text).toContain(
      'json={"dataframe_split": {"columns": ["it\'s", "b"], "data": [[1.5, None]]}},'
    );
    expect(text).toContain('print(response.json()["predictions"])');
  });

  it('converts JSON values to Python literals', () => {
    expect(pythonLiteral({ a: true, b: false, c: null, d: [1, 'x'] })).toBe(
      '{"a": True, "b": False, "c": None, "d": [1, "x"]}'
    );
  });
});

describe('format', () => {
  it('writes uptimes', () => {
    expect(formatUptime(null)).toBe('—');
    expect(formatUptime(42.7)).toBe('42s');
    // Past a minute an uptime is written as the runs table writes a
    // duration (the two copies had drifted: `5m 3s` against `4m 05s`, days
    // from 24 h against from 48 h); the table's documented rule won.
    expect(formatUptime(303)).toBe('5m 03s');
    expect(formatUptime(7500)).toBe('2h 05m');
    expect(formatUptime(30 * 3600)).toBe('30h 00m');
    expect(formatUptime(3 * 86400 + 4 * 3600)).toBe('3d 04h');
    expect(formatUptime(303)).toBe(formatDuration(303_000));
  });

  it('writes latencies', () => {
    expect(formatLatency(null)).toBe('—');
    expect(formatLatency(0.421)).toBe('0.42 ms');
    expect(formatLatency(8.94)).toBe('8.9 ms');
    expect(formatLatency(215.4)).toBe('215 ms');
    expect(formatLatency(1234)).toBe('1.2 s');
  });

  it('counts seconds since an ISO time', () => {
    const now = Date.parse('2026-11-26T10:01:00Z');
    expect(secondsSince('2026-11-26T10:00:00Z', now)).toBe(60);
    expect(secondsSince(null, now)).toBeNull();
    expect(secondsSince('garbage', now)).toBeNull();
  });
});
