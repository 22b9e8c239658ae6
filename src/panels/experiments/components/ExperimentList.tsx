import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IExperiment } from '../../../api/tracking';
import { formatTime } from '../../format';

const LIST_CLASS = 'jp-mlp-ExperimentList';
const ITEM_CLASS = 'jp-mlp-ExperimentList-item';
const NAME_CLASS = 'jp-mlp-ExperimentList-name';
const DATE_CLASS = 'jp-mlp-ExperimentList-date';
const EMPTY_CLASS = 'jp-mlp-ExperimentList-empty';
const SELECTED_CLASS = 'jp-mod-selected';

export interface IExperimentListProps {
  experiments: readonly IExperiment[];
  selectedId: string | null;
  onSelect: (experimentId: string) => void;
  trans: TranslationBundle;
}

/**
 * The experiments, newest first: name and creation date; click to select.
 */
export function ExperimentList(props: IExperimentListProps): JSX.Element {
  const { experiments, selectedId, onSelect, trans } = props;
  if (experiments.length === 0) {
    return (
      <p className={EMPTY_CLASS}>
        {trans.__('No experiments yet. Create one, or log a run.')}
      </p>
    );
  }
  return (
    <ul className={LIST_CLASS} aria-label={trans.__('Experiments')}>
      {experiments.map(experiment => {
        const selected = experiment.experiment_id === selectedId;
        return (
          <li key={experiment.experiment_id}>
            <button
              type="button"
              className={
                selected ? `${ITEM_CLASS} ${SELECTED_CLASS}` : ITEM_CLASS
              }
              aria-pressed={selected}
              title={experiment.description ?? experiment.name}
              data-experiment-id={experiment.experiment_id}
              onClick={() => onSelect(experiment.experiment_id)}
            >
              <span className={NAME_CLASS}>{experiment.name}</span>
              <span className={DATE_CLASS}>
                {formatTime(experiment.creation_time)}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
