import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { IRunKeys } from '../../../api/tracking';
import {
  applyCompletion,
  completeFilter,
  ICompletionResult
} from '../filterCompletion';
import { IFilterError } from '../runsModel';

const BOX_CLASS = 'jp-mlp-FilterBox';
const INPUT_CLASS = 'jp-mlp-FilterBox-input';
const LIST_CLASS = 'jp-mlp-FilterBox-completions';
const OPTION_CLASS = 'jp-mlp-FilterBox-option';
const ERROR_CLASS = 'jp-mlp-FilterBox-error';

export interface IFilterBoxProps {
  /** The applied filter (the box resets to it when it changes). */
  value: string;
  keys: IRunKeys;
  error: IFilterError | null;
  onApply: (filter: string) => void;
  trans: TranslationBundle;
}

/**
 * The search box: the REST API's filter grammar, with completion of
 * param/metric/tag keys and a message that points at a bad expression.
 *
 * Enter applies, Escape closes the completions (or clears the box); Tab, or
 * arrows then Enter, take a completion.
 */
export function FilterBox(props: IFilterBoxProps): JSX.Element {
  const { keys, error, onApply, trans } = props;
  const [text, setText] = React.useState(props.value);
  const [completion, setCompletion] = React.useState<ICompletionResult | null>(
    null
  );
  const [active, setActive] = React.useState(0);
  // Enter applies the filter unless the user picked a completion with arrows.
  const [navigated, setNavigated] = React.useState(false);
  const input = React.useRef<HTMLInputElement>(null);
  const listId = React.useId();

  React.useEffect(() => setText(props.value), [props.value]);

  const update = (next: string, cursor: number): void => {
    setText(next);
    setCompletion(completeFilter(next, cursor, keys));
    setActive(0);
    setNavigated(false);
  };

  const accept = (index: number): void => {
    if (!completion) {
      return;
    }
    const applied = applyCompletion(
      text,
      completion,
      completion.options[index]
    );
    update(applied.text, applied.cursor);
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(applied.cursor, applied.cursor);
    });
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>): void => {
    const count = completion?.options.length ?? 0;
    if (count > 0 && event.key === 'ArrowDown') {
      setActive((active + 1) % count);
      setNavigated(true);
    } else if (count > 0 && event.key === 'ArrowUp') {
      setActive((active - 1 + count) % count);
      setNavigated(true);
    } else if (
      count > 0 &&
      (event.key === 'Tab' || (event.key === 'Enter' && navigated))
    ) {
      accept(active);
    } else if (event.key === 'Enter') {
      setCompletion(null);
      onApply(text);
    } else if (event.key === 'Escape') {
      if (completion) {
        setCompletion(null);
      } else if (text) {
        setText('');
        onApply('');
      } else {
        return;
      }
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  };

  const options = completion?.options ?? [];
  return (
    <div className={BOX_CLASS}>
      <input
        ref={input}
        className={INPUT_CLASS}
        type="search"
        spellCheck={false}
        value={text}
        placeholder={trans.__(
          "Filter: metrics.acc > 0.9 and params.model = 'rf'"
        )}
        aria-label={trans.__('Filter runs')}
        aria-invalid={error !== null}
        aria-autocomplete="list"
        aria-expanded={options.length > 0}
        aria-controls={listId}
        aria-activedescendant={
          options.length > 0 ? `${listId}-${active}` : undefined
        }
        role="combobox"
        onChange={event =>
          update(
            event.target.value,
            event.target.selectionStart ?? event.target.value.length
          )
        }
        onKeyDown={onKeyDown}
        onBlur={() => setCompletion(null)}
      />
      {options.length > 0 && (
        <ul className={LIST_CLASS} id={listId} role="listbox">
          {options.map((option, index) => (
            <li
              key={option.insert}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={OPTION_CLASS}
              data-kind={option.kind}
              onMouseDown={event => {
                event.preventDefault();
                accept(index);
              }}
            >
              {option.label}
            </li>
          ))}
        </ul>
      )}
      {error && <FilterErrorMessage text={props.value} error={error} />}
    </div>
  );
}

/**
 * The server's reason, with the filter shown and the bad spot marked.
 */
function FilterErrorMessage(props: {
  text: string;
  error: IFilterError;
}): JSX.Element {
  const { text, error } = props;
  const position = error.position;
  return (
    <div className={ERROR_CLASS} role="alert">
      <span>{error.message}</span>
      {position !== null && (
        <code>
          {text.slice(0, position)}
          <mark>{text.slice(position, position + 1) || ' '}</mark>
          {text.slice(position + 1)}
        </code>
      )}
    </div>
  );
}
