/*
 * A run next to the run it reproduces ("Reproduced from X") and next to its
 * reproductions ("Reproductions"): the latest metrics side by side, with the
 * difference. A reproduction is a run made by a notebook reopened from a run
 * ("Open as Notebook"), tagged `mlplatform.reproduced_from`.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  IRun,
  MetricValue,
  REPRODUCED_FROM_TAG,
  reproductionsFilter,
  TrackingClient
} from '../../../api/tracking';
import { formatMetric } from '../../format';

const SECTION_CLASS = 'jp-mlp-Reproductions';
const LINK_CLASS = 'jp-mlp-RunsTable-link';
const TABLE_CLASS = 'jp-mlp-Reproductions-table';
const DELTA_CLASS = 'jp-mlp-Reproductions-delta';

/** How many reproductions are listed. */
const MAX_REPRODUCTIONS = 20;

export interface IReproductionsProps {
  client: Pick<TrackingClient, 'getRun' | 'searchRuns'>;
  run: IRun;
  /** Open another run's panel. */
  onOpenRun: (runId: string) => void;
  trans: TranslationBundle;
}

/**
 * The "Reproduced from" and "Reproductions" sections of a run (nothing when
 * the run has neither).
 */
export function Reproductions(props: IReproductionsProps): JSX.Element | null {
  const { client, run, trans } = props;
  const originalId = run.tags[REPRODUCED_FROM_TAG] ?? null;
  const [original, setOriginal] = React.useState<IRun | string | null>(null);
  const [reproductions, setReproductions] = React.useState<IRun[]>([]);

  React.useEffect(() => {
    let live = true;
    setOriginal(null);
    if (originalId) {
      client.getRun(originalId).then(
        found => live && setOriginal(found),
        () => live && setOriginal(originalId)
      );
    }
    client
      .searchRuns({
        filter: reproductionsFilter(run.run_id),
        max_results: MAX_REPRODUCTIONS,
        order_by: ['attributes.start_time DESC']
      })
      .then(
        page =>
          live &&
          setReproductions(page.runs.filter(r => r.run_id !== run.run_id)),
        error => console.warn('mlplatform: could not find reproductions', error)
      );
    return () => {
      live = false;
    };
  }, [run.run_id, originalId]);

  if (!originalId && reproductions.length === 0) {
    return null;
  }
  const link = (target: IRun): JSX.Element => (
    <button
      type="button"
      className={LINK_CLASS}
      onClick={() => props.onOpenRun(target.run_id)}
    >
      {target.name || target.run_id}
    </button>
  );
  return (
    <section className={SECTION_CLASS}>
      {originalId && (
        <>
          <h3>
            {trans.__('Reproduced from')}{' '}
            {typeof original === 'object' && original !== null ? (
              link(original)
            ) : (
              <code>{originalId}</code>
            )}
          </h3>
          {typeof original === 'string' && (
            <p>{trans.__('The original run is gone.')}</p>
          )}
          {typeof original === 'object' && original !== null && (
            <MetricDeltas
              original={original}
              reproduction={run}
              trans={trans}
            />
          )}
        </>
      )}
      {reproductions.length > 0 && (
        <>
          <h3>{trans.__('Reproductions (%1)', reproductions.length)}</h3>
          {reproductions.map(reproduction => (
            <div key={reproduction.run_id}>
              <h4>{link(reproduction)}</h4>
              <MetricDeltas
                original={run}
                reproduction={reproduction}
                trans={trans}
              />
            </div>
          ))}
        </>
      )}
    </section>
  );
}

/**
 * The latest value of each metric of either run, side by side, and the
 * reproduction's difference (`—` when one run lacks it or it is not finite).
 */
export function MetricDeltas(props: {
  original: IRun;
  reproduction: IRun;
  trans: TranslationBundle;
}): JSX.Element {
  const { original, reproduction, trans } = props;
  const keys = [
    ...new Set([
      ...Object.keys(original.metrics),
      ...Object.keys(reproduction.metrics)
    ])
  ].sort();
  if (keys.length === 0) {
    return <p>{trans.__('Neither run has metrics.')}</p>;
  }
  const value = (run: IRun, key: string): MetricValue | null =>
    run.metrics[key]?.value ?? null;
  return (
    <table className={TABLE_CLASS}>
      <thead>
        <tr>
          <th scope="col">{trans.__('Metric')}</th>
          <th scope="col">{original.name || original.run_id}</th>
          <th scope="col">{reproduction.name || reproduction.run_id}</th>
          <th scope="col">{trans.__('Difference')}</th>
        </tr>
      </thead>
      <tbody>
        {keys.map(key => {
          const before = value(original, key);
          const after = value(reproduction, key);
          return (
            <tr key={key}>
              <th scope="row">{key}</th>
              <td>{before === null ? '—' : formatMetric(before)}</td>
              <td>{after === null ? '—' : formatMetric(after)}</td>
              <td className={DELTA_CLASS}>{formatDelta(before, after)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** `after - before` with its sign (`0` when equal), `—` when not computable. */
export function formatDelta(
  before: MetricValue | null,
  after: MetricValue | null
): string {
  if (typeof before !== 'number' || typeof after !== 'number') {
    return '—';
  }
  const delta = after - before;
  if (!Number.isFinite(delta)) {
    return '—';
  }
  if (delta === 0) {
    return '0';
  }
  return (delta > 0 ? '+' : '') + formatMetric(delta);
}
