import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IParityCheck } from '../../../api/deployments';
import { formatCount } from '../../format';

/** Rows named in a mismatch before an ellipsis. */
const SHOWN_ROWS = 5;

/**
 * The parity check of the version served, as one line: "1,005 rows, max
 * diff 0", "504 of 1,003 rows differ (rows 6, 7, …), max diff 1" or "not
 * checked"; nothing before the version was ever started.
 */
export function parityText(
  parity: IParityCheck | null | undefined,
  trans: TranslationBundle
): string | null {
  if (!parity) {
    return null;
  }
  if (parity.status === 'not_checked') {
    return trans.__('not checked (the package has no parity sample)');
  }
  const diff = formatDiff(parity.max_abs_diff);
  if (parity.status === 'ok') {
    return trans.__('%1 rows, max diff %2', formatCount(parity.rows), diff);
  }
  const rows = parity.differing_rows ?? [];
  const count = parity.differing_count ?? rows.length;
  const shown = rows.slice(0, SHOWN_ROWS).join(', ');
  const more = count > SHOWN_ROWS ? ', …' : '';
  return trans.__(
    '%1 of %2 rows differ (rows %3%4), max diff %5',
    formatCount(count),
    formatCount(parity.rows),
    shown,
    more,
    diff
  );
}

function formatDiff(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return '—';
  }
  return value === 0 || (value >= 0.01 && value < 1e6)
    ? String(Number(value.toPrecision(3)))
    : value.toExponential(1);
}

/** The "Parity" term and its line, for a deployment card's facts. */
export function ParityFact(props: {
  parity: IParityCheck | null | undefined;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { parity, trans } = props;
  const text = parityText(parity, trans);
  if (text === null) {
    return null;
  }
  return (
    <>
      <dt>{trans.__('Parity')}</dt>
      <dd
        className={
          parity?.status === 'mismatch'
            ? 'jp-mlp-DeploymentCard-parity jp-mlp-DeploymentCard-errors'
            : 'jp-mlp-DeploymentCard-parity'
        }
        title={
          parity?.status === 'not_checked'
            ? undefined
            : trans.__(
                'Answers of the scoring server compared with the in-kernel model on the input example and training rows (floats within rtol %1, atol %2)',
                parity?.rtol ?? '—',
                parity?.atol ?? '—'
              )
        }
      >
        {text}
      </dd>
    </>
  );
}
