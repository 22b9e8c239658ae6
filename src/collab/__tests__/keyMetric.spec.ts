import { formatMetricValue, keyMetric } from '../keyMetric';

describe('keyMetric', () => {
  it('prefers a validation score over a training score and a loss', () => {
    expect(keyMetric(['loss', 'train_acc', 'val_acc', 'val_loss'])).toBe(
      'val_acc'
    );
  });

  it('takes any score before a loss', () => {
    expect(keyMetric(['loss', 'training_score', 'epoch_time'])).toBe(
      'training_score'
    );
  });

  it('takes a validation loss before a training loss', () => {
    expect(keyMetric(['loss', 'val_loss', 'lr'])).toBe('val_loss');
  });

  it('falls back to the first key, and to null with none', () => {
    expect(keyMetric(['lr', 'epoch_time'])).toBe('epoch_time');
    expect(keyMetric([])).toBeNull();
  });

  it('does not take a key that only contains a score word', () => {
    expect(keyMetric(['accumulated_steps', 'zloss_weight'])).toBe(
      'accumulated_steps'
    );
  });
});

describe('formatMetricValue', () => {
  it('keeps three significant digits', () => {
    expect(formatMetricValue(0.912345)).toBe('0.912');
    expect(formatMetricValue(12.3456)).toBe('12.3');
  });

  it('keeps integers and the server strings', () => {
    expect(formatMetricValue(42)).toBe('42');
    expect(formatMetricValue('NaN')).toBe('NaN');
  });

  it('uses exponents for tiny and huge values', () => {
    expect(formatMetricValue(0.000123)).toBe('1.23e-4');
    expect(formatMetricValue(1.5e9)).toBe('1.50e+9');
  });
});
