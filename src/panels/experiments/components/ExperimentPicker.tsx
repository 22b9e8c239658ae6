import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IExperiment } from '../../../api/tracking';

const PICKER_CLASS = 'jp-mlp-ExperimentPicker';
const ITEM_CLASS = 'jp-mlp-ExperimentPicker-item';
const SELECTED_CLASS = 'jp-mod-selected';
const EMPTY_CLASS = 'jp-mlp-ExperimentPicker-empty';

export interface IExperimentPickerProps {
  experiments: readonly IExperiment[];
  selected: readonly string[];
  /** Show the runs of these experiments. */
  onChange: (experimentIds: string[]) => void;
  trans: TranslationBundle;
}

/**
 * The experiments: click a name to show its runs, tick several to show the
 * runs of all of them in one table.
 */
export function ExperimentPicker(props: IExperimentPickerProps): JSX.Element {
  const { experiments, selected, onChange, trans } = props;
  if (experiments.length === 0) {
    return (
      <p className={EMPTY_CLASS}>
        {trans.__('No experiments yet. Create one, or log a run.')}
      </p>
    );
  }
  return (
    <ul className={PICKER_CLASS} aria-label={trans.__('Experiments')}>
      {experiments.map(experiment => {
        const id = experiment.experiment_id;
        const isSelected = selected.includes(id);
        return (
          <li
            key={id}
            className={
              isSelected ? `${ITEM_CLASS} ${SELECTED_CLASS}` : ITEM_CLASS
            }
            data-experiment-id={id}
          >
            <input
              type="checkbox"
              checked={isSelected}
              aria-label={trans.__('Include %1', experiment.name)}
              onChange={() =>
                onChange(
                  isSelected
                    ? selected.filter(s => s !== id)
                    : [...selected, id]
                )
              }
            />
            <button
              type="button"
              title={experiment.description || experiment.name}
              aria-pressed={isSelected && selected.length === 1}
              onClick={() => onChange([id])}
            >
              {experiment.name}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
