/*
 * The one metric a run is summed up by on a cell's run badge and in the
 * activity feed ("run brave-owl-3 (val_acc 0.91)").
 */

/**
 * The rules, best first: a validation or test score, a score of any kind, a
 * validation loss, a loss. Within a rule, the alphabetically first key wins;
 * with no match, the alphabetically first key.
 */
const RULES: readonly RegExp[] = [
  /^(val|valid|validation|eval|test)[_./-]?(acc|accuracy|f1|auc|roc_auc|r2|precision|recall|score)/i,
  /(^|[_./-])(acc|accuracy|f1|auc|roc_auc|r2|score)($|[_./-])/i,
  /^(val|valid|validation|eval|test)[_./-]?loss/i,
  /(^|[_./-])(loss|rmse|mse|mae)($|[_./-])/i
];

/**
 * The key of the metric that sums a run up, or `null` when it has none.
 */
export function keyMetric(keys: Iterable<string>): string | null {
  const sorted = [...keys].sort();
  if (sorted.length === 0) {
    return null;
  }
  for (const rule of RULES) {
    const match = sorted.find(key => rule.test(key));
    if (match !== undefined) {
      return match;
    }
  }
  return sorted[0];
}

/**
 * A metric value for a badge: 3 significant digits, NaN and infinities as
 * the server sends them.
 */
export function formatMetricValue(value: number | string): string {
  if (typeof value === 'string') {
    return value;
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e6) {
    return String(value);
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    return value.toExponential(2);
  }
  return String(Number(value.toPrecision(3)));
}
