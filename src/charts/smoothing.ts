/*
 * Smoothing of noisy metric curves.
 */

/**
 * An exponential moving average, debiased as TensorBoard does it.
 *
 * `weight` is the share of the previous average kept at each point, in
 * `[0, 1)`; 0 returns the values unchanged. The debiasing divides by
 * `1 - weight^n` so that the first points are not pulled towards zero.
 * Non-finite values stay `NaN` and are skipped: they neither poison the
 * average of later points nor count towards it.
 */
export function smoothEma(
  values: ArrayLike<number>,
  weight: number
): Float64Array {
  const count = values.length;
  const smoothed = new Float64Array(count);
  let last = 0;
  let finiteCount = 0;
  for (let i = 0; i < count; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) {
      smoothed[i] = NaN;
      continue;
    }
    last = last * weight + (1 - weight) * value;
    finiteCount++;
    const debias = weight === 0 ? 1 : 1 - Math.pow(weight, finiteCount);
    smoothed[i] = last / debias;
  }
  return smoothed;
}
